#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector.sh - collector ingest throughput: the Kafka mock, the collector and tz_send.py
# (batches built before the clock starts, 8 in flight); prints wall-clock events/s and the
# collector's own CPU time, which is the steadier figure on a shared machine.
#   tests/bench/collector.sh BUILD_DIR [BATCHES] [EVENTS] [full|normal] [on|off]
set -euo pipefail
B=$(cd "${1:?usage: $0 BUILD_DIR [BATCHES] [EVENTS] [full|normal] [on|off]}" && pwd)
BATCHES=${2:-400} EVENTS=${3:-500} SYNC=${4:-full} KAFKA=${5:-on}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/tz_bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
"$B/collector/tanzhen-kafka-mock" --partitions 3 >"$T/mock.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$T/mock.out" ] && break; sleep 0.1; done
BS=$(head -n 1 "$T/mock.out")
[ "$KAFKA" = on ] || BS=""
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$T/store" \
    --kafka-brokers "$BS" --set store.synchronous="$SYNC" 2>"$T/collector.log" &
C=$!
pids+=("$C")
for _ in $(seq 100); do grep -q "listening on" "$T/collector.log" && break; sleep 0.1; done
cpu() { awk '{ print $14 + $15 }' "/proc/$C/stat"; }
c0=$(cpu)
out=$(timeout 600 /usr/bin/python3 "$HERE/tests/integration/tz_send.py" "tcp://127.0.0.1:$PORT" \
    --batches "$BATCHES" --events "$EVENTS" --window 8 --timeout 60)
c1=$(cpu)
/usr/bin/python3 - "$out" "$((c1 - c0))" "$(getconf CLK_TCK)" "$T/store/events.db" "$SYNC" "$KAFKA" <<'PY'
import json, os, sys
d = json.loads(sys.argv[1])
cpu = int(sys.argv[2]) / int(sys.argv[3])
size = os.path.getsize(sys.argv[4])
n = d["events"]
print("%d events in %d batches (synchronous=%s, kafka %s): %.2f s wall, %d events/s; "
      "collector CPU %.2f s = %d events per CPU-second; store %.0f bytes/event"
      % (n, d["batches"], sys.argv[5], sys.argv[6], d["elapsed_s"], d["events_per_s"], cpu,
         n / cpu if cpu else 0, size / n))
sys.exit(0 if d["ok"] else 1)
PY
