# SPDX-License-Identifier: Apache-2.0
# tz_lib.bash - shared helpers for the collector integration scripts (sourced, not run:
# the .bash name keeps it out of the *.sh test glob). Every process a script starts goes
# through tz_spawn so the EXIT trap can stop it; every wait has a timeout.

: "${TZ_SRC:?TZ_SRC must name the source tree}"
: "${TZ_BUILD:?TZ_BUILD must name the build tree}"

TZ_PIDS=()
TZ_TMP=$(mktemp -d /tmp/tz_it.XXXXXX)
TZ_SEND=(/usr/bin/python3 "$TZ_SRC/tests/integration/tz_send.py")

# tz_schema FILE.jsonl... : validates the events in JSON-lines files (Kafka read back with
# kcat: the platform envelope, the collector's own health events, the sensor's anomalies)
# against docs/schema/event.schema.json, at most 500 per (type, proto); fails on any error.
tz_schema() {
    /usr/bin/python3 "$TZ_SRC/tests/golden/schema_check.py" --jsonl --per-type 500 \
        --schema "$TZ_SRC/docs/schema/event.schema.json" "$@" >"$TZ_TMP/schema.out" 2>&1 || {
        cat "$TZ_TMP/schema.out"
        tz_fail "events that left the collector do not follow the schema"
    }
    grep '^schema: validated: ' "$TZ_TMP/schema.out"
}

tz_cleanup() {
    local pid
    for pid in "${TZ_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${TZ_PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TZ_TMP"
}
trap tz_cleanup EXIT
trap 'exit 130' INT TERM

tz_skip() {
    echo "SKIP: $*"
    exit 77
}

tz_fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$TZ_TMP"/*.log; do
        [ -e "$f" ] || continue
        echo "--- $(basename "$f") (last 30 lines)" >&2
        tail -n 30 "$f" >&2
    done
    exit 1
}

tz_need() {
    local b
    for b in "$@"; do
        [ -x "$b" ] || command -v "$b" >/dev/null 2>&1 || tz_skip "$b is not available"
    done
}

tz_need_pyzmq() {
    /usr/bin/python3 -c 'import zmq' 2>/dev/null ||
        tz_skip "python3-zmq is not installed (packaging/install-deps.sh installs it)"
}

# A TCP port that was free a moment ago on 127.0.0.1.
tz_free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# tz_spawn NAME CMD...: runs CMD in the background, stdout to $TZ_TMP/NAME.out, stderr to
# $TZ_TMP/NAME.log; sets TZ_LAST_PID.
tz_spawn() {
    local name=$1
    shift
    "$@" >"$TZ_TMP/$name.out" 2>"$TZ_TMP/$name.log" &
    TZ_LAST_PID=$!
    TZ_PIDS+=("$TZ_LAST_PID")
}

# tz_wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; 1 on timeout.
tz_wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

_tz_has_line() { [ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; }

# Starts tanzhen-kafka-mock with the given options; sets MOCK_PID and BOOTSTRAP.
tz_start_mock() {
    tz_spawn mock "$TZ_BUILD/collector/tanzhen-kafka-mock" "$@"
    MOCK_PID=$TZ_LAST_PID
    tz_wait_for 15 _tz_has_line "$TZ_TMP/mock.out" || tz_fail "kafka mock printed no bootstrap line"
    BOOTSTRAP=$(head -n 1 "$TZ_TMP/mock.out")
    [[ "$BOOTSTRAP" =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+)*$ ]] ||
        tz_fail "unexpected bootstrap line '$BOOTSTRAP'"
}

# Starts tanzhen-kafka-mock with its control commands read from a FIFO the script keeps
# open (fd MOCK_CTL_FD); sets MOCK_PID and BOOTSTRAP. Send commands with tz_mock_ctl.
tz_start_mock_ctl() {
    mkfifo "$TZ_TMP/mock.ctl"
    # read-write open: does not wait for a reader, and keeps the FIFO open for the mock
    exec {MOCK_CTL_FD}<>"$TZ_TMP/mock.ctl"
    "$TZ_BUILD/collector/tanzhen-kafka-mock" "$@" <"$TZ_TMP/mock.ctl" {MOCK_CTL_FD}>&- \
        >"$TZ_TMP/mock.out" 2>"$TZ_TMP/mock.log" &
    MOCK_PID=$!
    TZ_PIDS+=("$MOCK_PID")
    tz_wait_for 15 _tz_has_line "$TZ_TMP/mock.out" || tz_fail "kafka mock printed no bootstrap line"
    BOOTSTRAP=$(head -n 1 "$TZ_TMP/mock.out")
    [[ "$BOOTSTRAP" =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+)*$ ]] ||
        tz_fail "unexpected bootstrap line '$BOOTSTRAP'"
}

_tz_lines_above() { [ "$(wc -l <"$1")" -gt "$2" ]; }

# tz_mock_ctl COMMAND...: sends one control command to the mock started by
# tz_start_mock_ctl and waits for its answer; fails the test unless it is "ok ...".
tz_mock_ctl() {
    local before
    before=$(wc -l <"$TZ_TMP/mock.out")
    echo "$*" >&"$MOCK_CTL_FD"
    tz_wait_for 10 _tz_lines_above "$TZ_TMP/mock.out" "$before" ||
        tz_fail "kafka mock did not answer '$*'"
    TZ_MOCK_REPLY=$(sed -n "$((before + 1))p" "$TZ_TMP/mock.out")
    [[ "$TZ_MOCK_REPLY" == ok* ]] || tz_fail "kafka mock answered '$TZ_MOCK_REPLY' to '$*'"
}

_tz_log_has() { grep -q -- "$2" "$TZ_TMP/$1.log" 2>/dev/null; }

# tz_keys: a collector key pair in $TZ_TMP/keys, a sensor key pair "s1" whose public
# certificate is in the allow list $TZ_TMP/allow and whose secret one is in
# $TZ_TMP/sensor. Sets TZ_CURVE (collector options) and TZ_SEND_CURVE (tz_send.py options).
tz_keys() {
    local kg=("$TZ_BUILD/collector/tanzhen-collector" keygen)
    "${kg[@]}" "$TZ_TMP/keys" >/dev/null || tz_fail "keygen (collector) failed"
    "${kg[@]}" "$TZ_TMP/sensor" s1 >/dev/null || tz_fail "keygen (sensor) failed"
    mkdir -p "$TZ_TMP/allow"
    cp "$TZ_TMP/sensor/s1.key" "$TZ_TMP/allow/"
    TZ_CURVE=(--server-key "$TZ_TMP/keys/collector.key_secret" --allow-dir "$TZ_TMP/allow")
    TZ_SEND_CURVE=(--server-key "$TZ_TMP/keys/collector.key"
        --client-key "$TZ_TMP/sensor/s1.key_secret")
}

# tz_start_collector NAME ARGS...: starts the collector and waits until it listens; sets
# COLLECTOR_PID and HTTP_PORT (/metrics on 127.0.0.1, a free port unless ARGS name one).
tz_start_collector() {
    local name=$1
    shift
    local http=()
    if [[ " $* " != *" --http-listen "* ]]; then
        HTTP_PORT=$(tz_free_port)
        http=(--http-listen "127.0.0.1:$HTTP_PORT")
    fi
    tz_spawn "$name" "$TZ_BUILD/collector/tanzhen-collector" "${http[@]}" "$@"
    COLLECTOR_PID=$TZ_LAST_PID
    tz_wait_for 15 _tz_log_has "$name" "listening on" || tz_fail "$name did not start"
}

# Events stored: tz_rows STORE_DIR [WHERE-clause over the event fields: type, sensor, seq,
# proto, src_ip, dst_port, topic, ...] (tz_store.py reads the blocks through `dump`).
tz_rows() {
    /usr/bin/python3 "$TZ_SRC/tests/integration/tz_store.py" count "$1" "${2:-}"
}

# The stored events as JSON lines (tanzhen-collector dump): tz_dump STORE_DIR [SENSOR]
tz_dump() {
    "$TZ_BUILD/collector/tanzhen-collector" dump --store "$1" ${2:+--sensor "$2"}
}

# One value from the collector's /metrics: tz_metric NAME_WITH_LABELS (0 when absent)
tz_metric() {
    curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" |
        awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

# tz_stop PID SECONDS: SIGTERM, then sets TZ_RC to the exit status within SECONDS (124 on
# timeout). Not in $(...): wait only works in the shell that started the process.
tz_stop() {
    local pid=$1 secs=$2
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + secs))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            TZ_RC=124
            return
        fi
        sleep 0.1
    done
    TZ_RC=0
    wait "$pid" || TZ_RC=$?
}

# Messages in a topic (all partitions), read with kcat.
tz_kafka_count() {
    timeout 20 kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -f '.\n' 2>/dev/null | wc -l
}

_tz_kafka_at_least() { [ "$(tz_kafka_count "$1")" -ge "$2" ]; }

# tz_wait_kafka TOPIC N SECONDS: waits until TOPIC holds at least N messages; echoes the count.
tz_wait_kafka() {
    tz_wait_for "$3" _tz_kafka_at_least "$1" "$2" || true
    tz_kafka_count "$1"
}

# A JSON field of the one-line summary tz_send.py prints.
tz_json() {
    /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d.get(k, 0) if isinstance(d, dict) else 0
print(d)' "$1" "$2"
}
