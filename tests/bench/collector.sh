#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector.sh - collector ingest throughput: the Kafka mock, the collector and tz_send.py
# (batches built before the clock starts, 8 in flight, CURVE unless "plain"); prints
# wall-clock events/s and the collector's own CPU time, which is the steadier figure on a
# shared machine, then waits for Kafka to have everything and verifies the chain. Then, on
# the same rows (tz_send.py --save), the store alone against its floor, a plain SQLite insert
# loop with the same synchronous mode and commit grouping (store_floor), and the store's
# bytes per event.
#   tests/bench/collector.sh BUILD_DIR [BATCHES] [EVENTS] [full|normal] [on|off] [curve|plain]
set -euo pipefail
B=$(cd "${1:?usage: $0 BUILD_DIR [BATCHES] [EVENTS] [full|normal] [on|off] [curve|plain]}" && pwd)
BATCHES=${2:-400} EVENTS=${3:-500} SYNC=${4:-full} KAFKA=${5:-on} LINK=${6:-curve}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/tz_bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
"$B/collector/tanzhen-kafka-mock" --partitions 3 >"$T/mock.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$T/mock.out" ] && break; sleep 0.1; done
BS=$(head -n 1 "$T/mock.out")
[ "$KAFKA" = on ] || BS=""
SEC=(--insecure) SEND_SEC=()
if [ "$LINK" = curve ]; then
    "$B/collector/tanzhen-collector" keygen "$T/keys" >/dev/null
    "$B/collector/tanzhen-collector" keygen "$T/sensor" s1 >/dev/null
    mkdir "$T/allow" && cp "$T/sensor/s1.key" "$T/allow/"
    SEC=(--server-key "$T/keys/collector.key_secret" --allow-dir "$T/allow")
    SEND_SEC=(--server-key "$T/keys/collector.key" --client-key "$T/sensor/s1.key_secret")
fi
PORT=$(free_port) HTTP=$(free_port)
"$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$T/store" "${SEC[@]}" \
    --http-listen "127.0.0.1:$HTTP" --kafka-brokers "$BS" --set store.synchronous="$SYNC" \
    2>"$T/collector.log" &
C=$!
pids+=("$C")
for _ in $(seq 100); do grep -q "listening on" "$T/collector.log" && break; sleep 0.1; done
cpu() { awk '{ print $14 + $15 }' "/proc/$C/stat"; }
c0=$(cpu)
out=$(timeout 600 /usr/bin/python3 "$HERE/tests/integration/tz_send.py" "tcp://127.0.0.1:$PORT" \
    "${SEND_SEC[@]}" --batches "$BATCHES" --events "$EVENTS" --window 8 --timeout 60 \
    --save "$T/rows.jsonl")
c1=$(cpu)
n=$((BATCHES * EVENTS))
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
    fwd=$(/usr/bin/python3 -c 'import sys; print("; Kafka had everything %.1f s after the last ack" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
fi
size=$(du -cb "$T"/store/events-*.db* | tail -n 1 | cut -f1)
/usr/bin/python3 - "$out" "$((c1 - c0))" "$(getconf CLK_TCK)" "$size" "$SYNC" "$KAFKA" "$LINK" "$fwd" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
cpu = int(sys.argv[2]) / int(sys.argv[3])
n = d["events"]
print("%d events in %d batches (synchronous=%s, kafka %s, %s): %.2f s wall, %d events/s; "
      "collector CPU %.2f s = %d events per CPU-second; store %.0f bytes/event%s"
      % (n, d["batches"], sys.argv[5], sys.argv[6], sys.argv[7], d["elapsed_s"], d["events_per_s"],
         cpu, n / cpu if cpu else 0, int(sys.argv[4]) / n, sys.argv[8]))
sys.exit(0 if d["ok"] else 1)
PY
"$B/collector/tanzhen-collector" verify --store "$T/store" | head -n 1
mkdir "$T/floor"
"$B/tests/bench/store_floor" "$T/rows.jsonl" "$T/floor" "$EVENTS" 32 2>/dev/null
