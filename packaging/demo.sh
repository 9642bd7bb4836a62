#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: installs what is missing, builds, and runs the demo:
# the captures bundled under pcaps/ go through sensor -> collector -> Kafka (librdkafka's
# mock cluster, run as its own process on 127.0.0.1), then a summary says what happened.
# Everything it starts is stopped when it ends. Keeps its files in $TZ_DEMO_DIR if set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

./packaging/install-deps.sh
echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
B=$ROOT/build

D=${TZ_DEMO_DIR:-$(mktemp -d /tmp/tanzhen-demo.XXXXXX)}
mkdir -p "$D"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== starting Kafka (librdkafka mock cluster) on 127.0.0.1"
"$B/collector/tanzhen-kafka-mock" --topic-prefix tanzhen >"$D/kafka.out" 2>"$D/kafka.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$D/kafka.out" ] && break; sleep 0.1; done
BROKERS=$(head -1 "$D/kafka.out")
[ -n "$BROKERS" ] || { echo "demo: the Kafka mock did not start (see $D/kafka.log)"; exit 1; }
echo "   brokers: $BROKERS"

PORT=$(free_port)
echo "== starting the collector on tcp://127.0.0.1:$PORT (store: $D/store)"
"$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$D/store" \
  --kafka-brokers "$BROKERS" --kafka-topic-prefix tanzhen 2>"$D/collector.log" &
pids+=($!)
sleep 0.5

mapfile -t CAPTURES < <(ls "$ROOT"/pcaps/*.pcap "$ROOT"/pcaps/*.pcapng 2>/dev/null | sort)
echo "== replaying ${#CAPTURES[@]} captures from pcaps/ through the sensor"
args=()
for c in "${CAPTURES[@]}"; do args+=(-r "$c"); echo "   $(basename "$c")"; done
# --insecure: this demo's collector listens without CURVE on 127.0.0.1
"$B/sensor/tanzhen-sensor" "${args[@]}" --sensor-id demo-sensor -w 2 --insecure \
  --collector "tcp://127.0.0.1:$PORT" --jsonl "$D/events.jsonl" 2>"$D/sensor.log"

echo "== waiting for Kafka to receive everything"
want=$(wc -l <"$D/events.jsonl")
count_topic() {
  kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q 2>/dev/null | wc -l
}
for _ in $(seq 60); do
  got=0
  for t in events alerts assets health; do got=$((got + $(count_topic tanzhen.$t))); done
  [ "$got" -ge "$want" ] && break
  sleep 0.5
done

/usr/bin/python3 - "$D" "$BROKERS" <<'PY'
import collections, json, sqlite3, subprocess, sys
d, brokers = sys.argv[1], sys.argv[2]
ev = [json.loads(l) for l in open(d + "/events.jsonl")]
by_type = collections.Counter(e["type"] for e in ev)
ics = [e for e in ev if e["type"] == "ics"]
by_proto = collections.Counter(e["proto"] for e in ics)
by_op = collections.Counter((e["proto"], e["op"], e["status"]) for e in ics)
print()
print("What the sensor saw (%d events):" % len(ev))
for t, n in sorted(by_type.items()):
    what = {"ics": "industrial transactions (one per request/response)",
            "flow": "network flows (one per connection, with nDPI's application name)",
            "anomaly": "malformed PDUs, TCP gaps and other oddities",
            "health": "sensor heartbeats with every counter"}.get(t, "")
    print("  %-8s %6d  %s" % (t, n, what))
print()
print("Industrial transactions by protocol, operation and outcome:")
for (p, op, st), n in sorted(by_op.items()):
    print("  %-8s %-11s %-13s %5d" % (p, op, st, n))
funcs = collections.Counter((e["proto"], e.get(e["proto"], {}).get("func_name", "?")) for e in ics)
print()
print("Function codes seen:", ", ".join("%s %s x%d" % (p, f, n) for (p, f), n in sorted(funcs.items())))
ex = next((e for e in ics if e["status"] == "exception"), ics[0] if ics else None)
if ex:
    print()
    print("One audit record, as the provincial platform receives it:")
    print(json.dumps(ex, indent=2, ensure_ascii=False)[:1500])
db = sqlite3.connect(d + "/store/events.db")
stored = db.execute("select count(*) from events").fetchone()[0]
print()
print("Collector store: %d events in %s/store/events.db" % (stored, d))
print("Kafka topics (read back with kcat from %s):" % brokers)
total = 0
for t in ("events", "alerts", "assets", "health"):
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", "tanzhen." + t, "-o", "beginning",
                          "-e", "-q"], capture_output=True, text=True).stdout
    n = len([l for l in out.splitlines() if l.strip()])
    total += n
    print("  tanzhen.%-7s %6d messages" % (t, n))
print()
ok = stored == len(ev) and total == len(ev)
print("Sensor emitted %d, collector stored %d, Kafka holds %d: %s" %
      (len(ev), stored, total, "everything arrived" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
echo
echo "Files of this run: $D (events.jsonl, store/, *.log)"
