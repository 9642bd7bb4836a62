# SPDX-License-Identifier: Apache-2.0
# tz_faults.bash - shared steps of the delivery fault tests (fault_*.sh), sourced after
# tz_lib.bash: a capture of ~115,000 events generated at test time (gen_modbus_pcap, moved
# to the present with editcap so retention keeps it), CURVE keys from the binaries' own
# keygen, the mock Kafka with its control FIFO, a collector and a sensor with a state dir,
# a pacer that feeds the capture through a FIFO so the sensor keeps capturing while a fault
# happens, and the reconciliation by (sensor, seq) (tz_reconcile.py). Every wait is bounded.

FZ_SENSOR_BIN="$TZ_BUILD/sensor/tanzhen-sensor"
FZ_COLLECTOR_BIN="$TZ_BUILD/collector/tanzhen-collector"
FZ_GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
FZ_PY=/usr/bin/python3
FZ_DIR="$TZ_SRC/tests/integration"
FZ_PREFIX=tanzhen
FZ_SENSOR_ID=${FZ_SENSOR_ID:-fault-sensor}
FZ_PARTITIONS=16
FZ_T0=$SECONDS
FZ_COLLECTOR_LOGS=()

fz_log() { printf '[%3ds] %s\n' $((SECONDS - FZ_T0)) "$*"; }

# Skips (77) unless both sides of issue 5 are built: CURVE keys, the sensor's state dir,
# the collector's allow list, verify and /metrics.
fz_need() {
    tz_need "$FZ_SENSOR_BIN" "$FZ_COLLECTOR_BIN" "$TZ_BUILD/collector/tanzhen-kafka-mock" \
        "$FZ_GEN" kcat sqlite3 timeout editcap
    tz_need_pyzmq
    local sc cc
    sc=$("$FZ_SENSOR_BIN" --dump-config 2>/dev/null) || tz_skip "tanzhen-sensor --dump-config failed"
    cc=$("$FZ_COLLECTOR_BIN" --dump-config 2>/dev/null) || tz_skip "tanzhen-collector --dump-config failed"
    local k
    for k in state_dir client_key server_key spool_mb; do
        grep -q "^ *$k:" <<<"$sc" || tz_skip "the sensor has no output.$k yet (issue 5, sensor side)"
    done
    for k in server_key allow_dir retention_days; do
        grep -q "^ *$k:" <<<"$cc" || tz_skip "the collector has no $k yet (issue 5, collector side)"
    done
    grep -q "^ *listen:.*9108" <<<"$cc" || tz_skip "the collector has no http.listen (/metrics) yet"
    local help
    help=$("$FZ_COLLECTOR_BIN" --help 2>&1 || true)
    grep -q verify <<<"$help" ||
        tz_skip "the collector has no 'verify' command yet (issue 5, collector side)"
}

# Keys: the collector's pair, the sensor's pair, the allow list with the sensor's public cert.
fz_keys() {
    FZ_KEYS="$TZ_TMP/keys"
    FZ_ALLOW="$TZ_TMP/allow"
    mkdir -p "$FZ_KEYS" "$FZ_ALLOW"
    "$FZ_COLLECTOR_BIN" keygen "$FZ_KEYS" collector >"$TZ_TMP/keygen-collector.out" 2>&1 ||
        tz_fail "tanzhen-collector keygen failed: $(cat "$TZ_TMP/keygen-collector.out")"
    "$FZ_SENSOR_BIN" keygen "$FZ_KEYS" sensor >"$TZ_TMP/keygen-sensor.out" 2>&1 ||
        tz_fail "tanzhen-sensor keygen failed: $(cat "$TZ_TMP/keygen-sensor.out")"
    local f
    for f in collector.key collector.key_secret sensor.key sensor.key_secret; do
        [ -s "$FZ_KEYS/$f" ] || tz_fail "keygen did not write $f"
    done
    for f in collector.key_secret sensor.key_secret; do
        [ "$(stat -c %a "$FZ_KEYS/$f")" = 600 ] || tz_fail "$f is not mode 0600"
    done
    cp "$FZ_KEYS/sensor.key" "$FZ_ALLOW/"
}

# The capture: PACKETS (default 250000) packets over 200 Modbus flows, its timestamps moved
# to an hour ago. Sets FZ_PCAP.
fz_capture() {
    local packets=${1:-250000}
    FZ_PCAP="$TZ_TMP/capture.pcap"
    "$FZ_GEN" "$TZ_TMP/raw.pcap" "$packets" 200 "${FZ_SEED:-5}" 2>"$TZ_TMP/gen.txt" ||
        tz_fail "gen_modbus_pcap failed: $(cat "$TZ_TMP/gen.txt")"
    local shift=$(($(date +%s) - 1704067200 - 3600))
    editcap -F pcap -t "$shift" "$TZ_TMP/raw.pcap" "$FZ_PCAP" >/dev/null ||
        tz_fail "editcap -t failed"
    rm -f "$TZ_TMP/raw.pcap"
    fz_log "capture: $(cat "$TZ_TMP/gen.txt"), timestamps moved to the last hour"
}

# Mock Kafka (3 partitions, control FIFO), keys, capture, ports, store and state dirs.
fz_setup() {
    fz_need
    # the mock keeps the last 5 MiB of each partition (librdkafka's mock log limit): 16
    # partitions hold the capture several times over; fz_settle checks nothing was dropped
    tz_start_mock_ctl --partitions "$FZ_PARTITIONS" --topic-prefix "$FZ_PREFIX"
    fz_keys
    fz_capture "${FZ_PACKETS:-250000}"
    FZ_PORT=$(tz_free_port)
    FZ_HTTP=$(tz_free_port)
    FZ_STORE="$TZ_TMP/store"
    FZ_STATE="$TZ_TMP/state"
    fz_log "mock Kafka at $BOOTSTRAP; collector port $FZ_PORT, /metrics on $FZ_HTTP"
}

# fz_start_collector NAME [ARGS...]: the collector with CURVE, the allow list, the store,
# /metrics on FZ_HTTP and a counter line every second; sets COLLECTOR_PID.
fz_start_collector() {
    local name=$1
    shift
    tz_start_collector "$name" --listen "tcp://127.0.0.1:$FZ_PORT" --store "$FZ_STORE" \
        --kafka-brokers "$BOOTSTRAP" --kafka-topic-prefix "$FZ_PREFIX" \
        --server-key "$FZ_KEYS/collector.key_secret" --allow-dir "$FZ_ALLOW" \
        --set "http.listen=127.0.0.1:$FZ_HTTP" --set log.stats_interval_s=1 "$@"
    FZ_COLLECTOR_LOGS+=("$TZ_TMP/$name.log")
}

# fz_pace NAME FIFO SECONDS [FROM]: feeds the capture (records FROM..) into a new FIFO over
# SECONDS; sets PACER_PID; progress in $TZ_TMP/NAME.progress, "next N" in NAME.out.
fz_pace() {
    mkfifo "$2"
    tz_spawn "$1" "$FZ_PY" "$FZ_DIR/tz_pace.py" "$FZ_PCAP" "$2" --seconds "$3" \
        --from "${4:-0}" --progress "$TZ_TMP/$1.progress"
    PACER_PID=$TZ_LAST_PID
}

fz_progress() { cat "$TZ_TMP/$1.progress" 2>/dev/null || echo 0; }

# fz_start_sensor NAME SOURCE JSONL [ARGS...]: the sensor with CURVE, a state dir (persisted
# seq and spool), its own --jsonl alongside --collector; sets SENSOR_PID.
fz_start_sensor() {
    local name=$1 src=$2 jsonl=$3
    shift 3
    tz_spawn "$name" "$FZ_SENSOR_BIN" -r "$src" -w 2 --sensor-id "$FZ_SENSOR_ID" \
        --collector "tcp://127.0.0.1:${FZ_SENSOR_PORT:-$FZ_PORT}" --jsonl "$jsonl" \
        --state-dir "$FZ_STATE" --client-key "$FZ_KEYS/sensor.key_secret" \
        --server-key "$FZ_KEYS/collector.key" \
        --set output.ack_wait_s=240 --set health.interval_s=5 "$@"
    SENSOR_PID=$TZ_LAST_PID
}

# fz_wait_exit PID SECONDS: waits for a process to end by itself; TZ_RC = its exit status
# (124 when it was still running after SECONDS).
fz_wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            TZ_RC=124
            return
        fi
        sleep 0.2
    done
    TZ_RC=0
    wait "$pid" || TZ_RC=$?
}

# Rows in the store (every SQLite day file under FZ_STORE), for one sensor or all.
fz_store_count() {
    "$FZ_PY" - "$FZ_STORE" "${1:-}" <<'EOF'
import os, sqlite3, sys
d, sensor = sys.argv[1], sys.argv[2]
n = 0
for root, _, files in os.walk(d):
    for name in files:
        p = os.path.join(root, name)
        try:
            with open(p, "rb") as f:
                if f.read(16) != b"SQLite format 3\x00":
                    continue
            db = sqlite3.connect("file:%s?mode=ro" % p, uri=True, timeout=10)
            if db.execute("SELECT count(*) FROM sqlite_master WHERE name='batches'").fetchone()[0]:
                q = ("SELECT coalesce(sum(count), 0) FROM batches WHERE kind = 0" +
                     (" AND sensor = ?" if sensor else ""))
                n += db.execute(q, (sensor,) if sensor else ()).fetchone()[0]
            db.close()
        except (OSError, sqlite3.Error):
            pass
print(n)
EOF
}

_fz_store_at_least() { [ "$(fz_store_count "$FZ_SENSOR_ID")" -ge "$1" ]; }

# fz_wait_stored N SECONDS: until the store holds N events of the sensor.
fz_wait_stored() {
    tz_wait_for "$2" _fz_store_at_least "$1" ||
        tz_fail "the store did not reach $1 events in $2 s (has $(fz_store_count "$FZ_SENSOR_ID"))"
}

# Every message value of the four topics, one per line, into FILE.
fz_kafka_dump() {
    local t
    : >"$1"
    for t in events alerts assets health; do
        timeout 120 kcat -b "$BOOTSTRAP" -C -t "$FZ_PREFIX.$t" -o beginning -e -q -f '%s\n' \
            >>"$1" 2>>"$TZ_TMP/kcat.log" || true
    done
}

# Fails the test when the mock dropped old messages (a partition's first offset above 0):
# the Kafka figures would then be wrong, not the collector.
fz_kafka_complete() {
    local args=() t p
    for t in events alerts assets health; do
        for p in $(seq 0 $((FZ_PARTITIONS - 1))); do args+=(-t "$FZ_PREFIX.$t:$p:-2"); done
    done
    timeout 60 kcat -b "$BOOTSTRAP" -Q "${args[@]}" >"$TZ_TMP/low.txt" 2>>"$TZ_TMP/kcat.log" ||
        tz_fail "kcat -Q (first offsets) failed"
    [ "$(grep -c ' offset ' "$TZ_TMP/low.txt")" -eq $((4 * FZ_PARTITIONS)) ] ||
        tz_fail "kcat -Q did not answer for every partition: $(cat "$TZ_TMP/low.txt")"
    if grep -v ' offset 0$' "$TZ_TMP/low.txt" | grep -q .; then
        tz_fail "the mock Kafka dropped old messages (5 MiB per partition): $(grep -v ' offset 0$' "$TZ_TMP/low.txt" | head -n 3 | tr '\n' ' ')"
    fi
}

# Distinct seqs of the sensor in a dump.
fz_kafka_distinct() {
    "$FZ_PY" - "$1" "$FZ_SENSOR_ID" <<'EOF'
import sys
sys.path.insert(0, __import__("os").environ["FZ_DIR"])
from tz_reconcile import read_kafka
got, _t, _o, _u = read_kafka(sys.argv[1], sys.argv[2])
print(len(got))
EOF
}

# fz_wait_kafka N SECONDS: until Kafka holds N distinct seqs of the sensor (dumps into
# $TZ_TMP/kafka.txt); returns 1 on timeout, leaving the last dump.
fz_wait_kafka() {
    local deadline=$((SECONDS + $2)) have=0
    export FZ_DIR
    while :; do
        fz_kafka_dump "$TZ_TMP/kafka.txt"
        have=$(fz_kafka_distinct "$TZ_TMP/kafka.txt")
        [ "$have" -ge "$1" ] && return 0
        [ "$SECONDS" -lt "$deadline" ] || { fz_log "Kafka holds $have of $1 seqs after $2 s"; return 1; }
        sleep 3
    done
}

# The collector's /metrics lines matching a pattern (empty when unreachable).
fz_metrics() {
    /usr/bin/python3 - "$FZ_HTTP" "$1" <<'EOF' 2>/dev/null || true
import re, sys, urllib.request
try:
    body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
except Exception:
    sys.exit(0)
for ln in body.splitlines():
    if not ln.startswith("#") and re.search(sys.argv[2], ln):
        print(ln)
EOF
}

# Duplicates the collector(s) dropped: the last counter line of each collector log, summed
# (a collector killed with SIGKILL counts up to its last line).
fz_duplicates() {
    local f n total=0 seen=0
    for f in "${FZ_COLLECTOR_LOGS[@]}"; do
        n=$(grep -o 'duplicates\( dropped\)\?[ =:]*[0-9]\+' "$f" 2>/dev/null | tail -n 1 |
            grep -o '[0-9]\+$' || true)
        [ -n "$n" ] || continue
        total=$((total + n))
        seen=1
    done
    [ "$seen" = 1 ] && echo "$total" || echo "?"
}

# fz_settle LABEL [tz_reconcile options...]: once the sensor is done, waits until Kafka
# has every stored event, stops the collector (exit 0), checks the hash chain with
# `verify`, and reconciles; FZ_RECONCILE_RC is tz_reconcile.py's exit status.
fz_settle() {
    local label=$1
    shift
    local stored
    stored=$(fz_store_count "$FZ_SENSOR_ID")
    fz_log "store holds $stored events of $FZ_SENSOR_ID; waiting for Kafka"
    fz_wait_kafka "$stored" "${FZ_KAFKA_WAIT:-120}" || true
    fz_log "forwarding lag: $(fz_metrics 'lag' | tr '\n' ' ')"
    tz_stop "$COLLECTOR_PID" 30
    [ "$TZ_RC" -eq 0 ] || tz_fail "the collector exited with $TZ_RC on SIGTERM"
    local dups
    dups=$(fz_duplicates)
    fz_log "collector: $(grep -o 'kafka produced.*' "${FZ_COLLECTOR_LOGS[-1]}" | tail -n 1)"
    fz_kafka_dump "$TZ_TMP/kafka.txt"
    fz_kafka_complete
    fz_log "$(tz_schema "$TZ_TMP/kafka.txt")"
    timeout 120 "$FZ_COLLECTOR_BIN" verify --store "$FZ_STORE" >"$TZ_TMP/verify.out" 2>&1 ||
        { cat "$TZ_TMP/verify.out"; tz_fail "verify of the store failed after the fault"; }
    fz_log "verify: $(tail -n 1 "$TZ_TMP/verify.out")"
    FZ_RECONCILE_RC=0
    "$FZ_PY" "$FZ_DIR/tz_reconcile.py" --label "$label" --sensor "$FZ_SENSOR_ID" \
        --store "$FZ_STORE" --kafka "$TZ_TMP/kafka.txt" --duplicates "$dups" "$@" ||
        FZ_RECONCILE_RC=$?
}

# fz_finish LABEL [tz_reconcile options...]: fz_settle, then exits the script: 0 when the
# reconciliation holds.
fz_finish() {
    fz_settle "$@"
    fz_log "done in $((SECONDS - FZ_T0)) s"
    [ "$FZ_RECONCILE_RC" -eq 0 ] || tz_fail "$1: the reconciliation failed (above)"
    echo "$1: ok"
    exit 0
}
