#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector.sh - collector ingest throughput against its floor, measured in one run:
#  1. the collector with the Kafka mock and tz_send.py (batches built before the clock
#     starts, 8 in flight, CURVE unless "plain"): wall-clock events/s, events per CPU-second
#     of the collector, the CPU split by thread (and the sender's and the mock's CPU), its
#     peak RSS; then it waits for Kafka to have everything;
#  2. the floor: sqlite_floor inserts the very rows of this run (tz_send.py --dump-jsonl) in
#     a plain SQLite loop, in transactions as large as the collector's were on average, same
#     synchronous mode: a bare table (pos, json), the 16 stored columns, and those columns
#     with today's seven indexes; then the ratio of the two, and the chain is verified.
#  3. store_floor: the store's own write path on the same rows against a plain SQLite loop.
# "replay" runs a real sensor instead of tz_send.py: gen_modbus_pcap makes a capture of
# PACKETS packets, tanzhen-sensor replays it into the collector (CURVE unless "plain"), and
# the figures are events/s end to end, the sensor's resends and the collector's duplicates.
#   tests/bench/collector.sh BUILD_DIR [BATCHES] [EVENTS] [full|normal] [on|off] [curve|plain]
#   tests/bench/collector.sh BUILD_DIR replay [PACKETS] [full|normal] [on|off] [curve|plain]
# Env: TZ_BENCH_PROFILE=perf  perf record -g over the collector while it ingests, then the
#                             split of its CPU by component (jansson, malloc/free, SQLite...)
#      TZ_BENCH_FLOOR=0       skip the floor          TZ_BENCH_KEEP=DIR  keep perf.data there
#      TZ_BENCH_TOOLS=DIR     sqlite_floor and gen_modbus_pcap from DIR (default BUILD_DIR/tests/bench),
#                             to time an older build that lacks them
set -euo pipefail
USAGE="usage: $0 BUILD_DIR [BATCHES|replay] [EVENTS|PACKETS] [full|normal] [on|off] [curve|plain]"
B=$(cd "${1:?$USAGE}" && pwd)
MODE=send
if [ "${2:-}" = replay ]; then
    MODE=replay
    PACKETS=${3:-400000} BATCHES=0 EVENTS=0
else
    BATCHES=${2:-400} EVENTS=${3:-500}
fi
SYNC=${4:-full} KAFKA=${5:-on} LINK=${6:-curve}
PROFILE=${TZ_BENCH_PROFILE:-} FLOOR=${TZ_BENCH_FLOOR:-1}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TZ_BENCH_TOOLS:-$B/tests/bench}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/tz_bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
free_port() {
    $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# CPU ticks of every thread of PID: "TID COMM TICKS" lines (comm may hold anything but ')')
threads() {
    $PY - "$1" <<'PY'
import os, sys
pid = sys.argv[1]
for tid in sorted(os.listdir("/proc/%s/task" % pid), key=int):
    try:
        st = open("/proc/%s/task/%s/stat" % (pid, tid)).read()
    except OSError:
        continue
    comm = st[st.index("(") + 1:st.rindex(")")].replace(" ", "_")
    f = st[st.rindex(")") + 2:].split()
    print(tid, comm, int(f[11]) + int(f[12]))
PY
}
ticks() { awk '{ s += $3 } END { print s + 0 }' "$1"; }

SENDER_ARGS=(--batches "$BATCHES" --events "$EVENTS")
if [ "$MODE" = replay ]; then
    GEN=$TOOLS/gen_modbus_pcap
    [ -x "$GEN" ] || { echo "bench: $GEN missing (full build)" >&2; exit 2; }
    FLOWS=$((PACKETS / 200)) # 1000 flows at the default size; at least 8 packets a flow
    [ "$FLOWS" -le 1000 ] || FLOWS=1000
    [ "$FLOWS" -ge 1 ] || FLOWS=1
    "$GEN" "$T/cap.pcap" "$PACKETS" "$FLOWS" 7 >/dev/null 2>"$T/gen.err" ||
        { cat "$T/gen.err" >&2; exit 2; }
fi

FL=$TOOLS/sqlite_floor
if [ "$FLOOR" = 1 ] && [ "$MODE" = send ]; then
    [ -x "$FL" ] || { echo "bench: $FL missing (full build)" >&2; exit 2; }
fi

"$B/collector/tanzhen-kafka-mock" --partitions 3 >"$T/mock.out" 2>/dev/null &
MOCK=$!
pids+=("$MOCK")
for _ in $(seq 100); do [ -s "$T/mock.out" ] && break; sleep 0.1; done
BS=$(head -n 1 "$T/mock.out")
[ "$KAFKA" = on ] || BS=""
SEC=(--insecure) SEND_SEC=() SENSOR_SEC=(--insecure)
if [ "$LINK" = curve ]; then
    "$B/collector/tanzhen-collector" keygen "$T/keys" >/dev/null
    # the key is bound to the sender's sensor id (the collector refuses batches under another)
    sid=test-sensor
    [ "$MODE" = replay ] && sid=bench1
    "$B/sensor/tanzhen-sensor" keygen "$T/sensor" s1 --sensor-id "$sid" >/dev/null
    mkdir "$T/allow" && cp "$T/sensor/s1.key" "$T/allow/"
    SEC=(--server-key "$T/keys/collector.key_secret" --allow-dir "$T/allow")
    SEND_SEC=(--server-key "$T/keys/collector.key" --client-key "$T/sensor/s1.key_secret")
    SENSOR_SEC=("${SEND_SEC[@]}")
fi
PORT=$(free_port) HTTP=$(free_port)
"$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$T/store" "${SEC[@]}" \
    --http-listen "127.0.0.1:$HTTP" --kafka-brokers "$BS" --set store.synchronous="$SYNC" \
    2>"$T/collector.log" &
C=$!
pids+=("$C")
for _ in $(seq 100); do grep -q "listening on" "$T/collector.log" && break; sleep 0.1; done

threads "$C" >"$T/threads0"
m0=$(awk '{ print $14 + $15 }' "/proc/$MOCK/stat")
PERF=
if [ "$PROFILE" = perf ]; then
    perf record -q -g -F 999 -p "$C" -o "$T/perf.data" 2>"$T/perf.log" &
    PERF=$!
    sleep 0.5
fi
if [ "$MODE" = send ]; then
    out=$(/usr/bin/time -f "%U %S" -o "$T/sender.time" timeout 600 $PY \
        "$HERE/tests/integration/tz_send.py" "tcp://127.0.0.1:$PORT" "${SEND_SEC[@]}" \
        "${SENDER_ARGS[@]}" --window 8 --timeout 60)
else
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$T/sender.time" timeout 600 "$B/sensor/tanzhen-sensor" \
        -r "$T/cap.pcap" -w 1 --sensor-id bench1 --collector "tcp://127.0.0.1:$PORT" \
        "${SENSOR_SEC[@]}" >/dev/null 2>"$T/sensor.log" || true
    t1=$(date +%s.%N)
    out=$($PY - "$T/sensor.log" "$t0" "$t1" <<'PY'
import json, re, sys
log = open(sys.argv[1]).read()
m = re.search(r"acknowledged all (\d+) batches \((\d+) events\)", log)
el = float(sys.argv[3]) - float(sys.argv[2])
n = int(m.group(2)) if m else 0
print(json.dumps({"ok": bool(m), "batches": int(m.group(1)) if m else 0, "events": n,
                  "elapsed_s": round(el, 3), "events_per_s": round(n / el) if el else 0}))
PY
)
fi
threads "$C" >"$T/threads1"
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$C/status")
m1=$(awk '{ print $14 + $15 }' "/proc/$MOCK/stat")
if [ -n "$PERF" ]; then
    kill -INT "$PERF"
    wait "$PERF" || true
fi
fwd=""
if [ "$KAFKA" = on ]; then
    t0=$(date +%s.%N)
    for _ in $(seq 600); do
        lag=$(curl -s "http://127.0.0.1:$HTTP/metrics" |
            awk '/^tanzhen_collector_forward_lag_events/ { s += $2 } END { print s + 0 }')
        [ "$lag" = 0 ] && break
        sleep 0.1
    done
    t1=$(date +%s.%N)
    fwd=$($PY -c 'import sys; print("; Kafka had everything %.1f s after the last ack" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
fi
dups=$(curl -s "http://127.0.0.1:$HTTP/metrics" |
    awk '/^tanzhen_collector_duplicates_dropped_total/ { print $2 }')
txns=$(curl -s "http://127.0.0.1:$HTTP/metrics" |
    awk '/^tanzhen_collector_transactions_total/ { print $2 }')
if [ "$FLOOR" = 1 ] && [ "$MODE" = send ]; then
    # the same rows in transactions of the size the collector committed (its group of waiting
    # batches), after it: the two never share the disk
    per=$EVENTS
    if [ "${txns:-0}" -gt 0 ]; then
        per=$(( (BATCHES * EVENTS + txns - 1) / txns ))
        [ "$per" -ge "$EVENTS" ] || per=$EVENTS
    fi
    $PY "$HERE/tests/integration/tz_send.py" - "${SENDER_ARGS[@]}" --dump-jsonl "$T/rows.jsonl"
    "$FL" "$T/rows.jsonl" "$T" "$per" "$SYNC" >"$T/floor.out"
    echo "$per" >"$T/floor.per"
    # the store's own write path (batch_parse + store_put_many: compressed blocks, keys,
    # chain) on the same rows against a plain one-row-per-event SQLite loop
    if [ -x "$B/tests/bench/store_floor" ]; then
        mkdir -p "$T/sfloor"
        "$B/tests/bench/store_floor" "$T/rows.jsonl" "$T/sfloor" "$EVENTS" 32 \
            >"$T/store_floor.out" 2>/dev/null || true
        rm -rf "$T/sfloor"
    fi
    rm -f "$T/rows.jsonl" "$T"/floor-*
fi
resends=0
if [ "$MODE" = replay ]; then
    # the sensor's own count, from its last health event (stored like any event)
    kill -TERM "$C"
    wait "$C" 2>/dev/null || true
    resends=$("$B/collector/tanzhen-collector" dump --store "$T/store" | $PY -c '
import json, sys
last = None
for line in sys.stdin:
    ev = json.loads(line)
    if ev.get("type") == "health" and ev.get("sensor") == "bench1":
        if last is None or ev["seq"] > last["seq"]:
            last = ev
print(last["health"].get("resends", "?") if last else "?")')
fi
size=$(du -cb "$T"/store/events-*.db* | tail -n 1 | cut -f1)
$PY - "$out" "$T" "$C" "$(getconf CLK_TCK)" "$size" "$SYNC" "$KAFKA" "$LINK" "$fwd" \
    "$((m1 - m0))" "$MODE" "${dups:-0}" "$resends" "$hwm" <<'PY'
import json, os, sys
d = json.loads(sys.argv[1])
T, pid, hz = sys.argv[2], sys.argv[3], int(sys.argv[4])
size, sync, kafka, link, fwd = int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
mock_s, mode, dups, resends = int(sys.argv[10]) / hz, sys.argv[11], sys.argv[12], sys.argv[13]
hwm_mib = int(sys.argv[14]) / 1024
n = d["events"]

def load(p):
    out = {}
    for line in open(p):
        tid, comm, t = line.split()
        out[tid] = (comm, int(t))
    return out
a, b = load(T + "/threads0"), load(T + "/threads1")
groups = {}
for tid, (comm, t) in b.items():
    dt = (t - a.get(tid, (comm, 0))[1]) / hz
    if tid == pid:
        name = "receiver (main thread)"
    elif comm.startswith("rdk:"):
        name = "librdkafka"
    elif comm.startswith("ZMQbg"):
        name = "ZeroMQ I/O (CURVE)"
    elif comm.startswith("tz-"):
        name = comm
    else:
        name = "other (forwarder, ZAP, HTTP)"
    groups[name] = groups.get(name, 0.0) + dt
cpu = sum(groups.values())
floor = {}
if os.path.exists(T + "/floor.out"):
    for line in open(T + "/floor.out"):
        f = line.split()
        floor[f[0]] = float(f[3])
if floor:
    per = int(open(T + "/floor.per").read())
    print("floor (sqlite_floor, the same %d rows, %d rows a transaction as the collector's, "
          "synchronous=%s): %s" % (n, per, sync, ", ".join("%s %d rows/s" % (k, v)
                                                           for k, v in floor.items())))
what = "sensor replay" if mode == "replay" else "tz_send.py"
print("collector (%s, synchronous=%s, kafka %s, %s): %d events in %d batches, %.2f s wall, "
      "%d events/s; collector CPU %.2f s = %d events per CPU-second; store %.0f bytes/event%s"
      % (what, sync, kafka, link, n, d["batches"], d["elapsed_s"], d["events_per_s"], cpu,
         n / cpu if cpu else 0, size / n if n else 0, fwd))
st = open(T + "/sender.time").read().splitlines()[-1].split()  # after "Command exited ..."
snd = float(st[0]) + float(st[1])
if "cpu_s" in d:  # tz_send.py's own figure: the sending only, not building the batches
    what, snd = "tz_send.py sending", d["cpu_s"]
print("CPU split: " + ", ".join("%s %.2f s (%.0f%%)" % (k, v, 100 * v / cpu if cpu else 0)
                               for k, v in sorted(groups.items(), key=lambda kv: -kv[1]))
      + "; outside the collector: %s %.2f s, Kafka mock %.2f s; collector peak RSS %.0f MiB"
      % (what, snd, mock_s, hwm_mib))
if floor:
    print("ratio to the floor (wall): " + ", ".join("%.2f of %s" % (d["events_per_s"] / v, k)
                                                    for k, v in floor.items()))
if mode == "replay":
    print("sensor resends %s batches; the collector dropped %s duplicate events" % (resends, dups))
sys.exit(0 if d["ok"] else 1)
PY
if [ "$PROFILE" = perf ]; then
    perf report -i "$T/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
        $PY "$HERE/tests/bench/perf_split.py"
    [ -n "${TZ_BENCH_KEEP:-}" ] && cp "$T/perf.data" "$TZ_BENCH_KEEP/"
fi
[ -s "$T/store_floor.out" ] && sed 's/^/store_floor: /' "$T/store_floor.out"
"$B/collector/tanzhen-collector" verify --store "$T/store" | head -n 1
