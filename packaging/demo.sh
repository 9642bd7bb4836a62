#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: installs what is missing, builds, and runs the demo:
# the captures bundled under pcaps/ go through sensor -> collector -> Kafka (librdkafka's
# mock cluster, run as its own process on 127.0.0.1), then a summary says what happened.
# The sensor-collector link is CURVE: the demo makes the key pairs with keygen and puts
# the sensor's public certificate in the collector's allow list. Everything it starts is
# stopped when it ends. Keeps its files in $TZ_DEMO_DIR if set.
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

echo "== making CURVE keys (tanzhen-collector keygen) in $D/keys"
rm -rf "$D/keys" "$D/allow" "$D/sensor-keys"
"$B/collector/tanzhen-collector" keygen "$D/keys" collector | sed 's/^/   /'
"$B/sensor/tanzhen-sensor" keygen "$D/sensor-keys" demo-sensor >/dev/null
SECURE=(--server-key "$D/keys/collector.key_secret" --allow-dir "$D/allow")
SENSOR_KEYS=(--server-key "$D/keys/collector.key" --client-key "$D/sensor-keys/demo-sensor.key_secret")
mkdir -p "$D/allow"
cp "$D/sensor-keys/demo-sensor.key" "$D/allow/"
echo "   allow list $D/allow: the sensor's public certificate demo-sensor.key"

PORT=$(free_port)
HTTP=$(free_port)
echo "== starting the collector on tcp://127.0.0.1:$PORT (store: $D/store, /metrics on 127.0.0.1:$HTTP)"
rm -rf "$D/store"
"$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$D/store" \
  "${SECURE[@]}" --http-listen "127.0.0.1:$HTTP" \
  --kafka-brokers "$BROKERS" --kafka-topic-prefix tanzhen \
  --set envelope.enterprise_name="Demo Coal Mine" --set envelope.region_code=140200 \
  --set envelope.level=3 --set envelope.site=demo 2>"$D/collector.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$D/collector.log" && break; sleep 0.1; done
grep -q "listening on" "$D/collector.log" || { echo "demo: the collector did not start:"; cat "$D/collector.log"; exit 1; }

mapfile -t CAPTURES < <(ls "$ROOT"/pcaps/*.pcap "$ROOT"/pcaps/*.pcapng 2>/dev/null | sort)
echo "== replaying ${#CAPTURES[@]} captures from pcaps/ through the sensor"
args=()
for c in "${CAPTURES[@]}"; do args+=(-r "$c"); echo "   $(basename "$c")"; done
"$B/sensor/tanzhen-sensor" "${args[@]}" --sensor-id demo-sensor -w 2 "${SENSOR_KEYS[@]}" \
  --collector "tcp://127.0.0.1:$PORT" --jsonl "$D/events.jsonl" 2>"$D/sensor.log"

echo "== waiting for Kafka to receive everything"
want=$("$B/collector/tanzhen-collector" dump --store "$D/store" | wc -l)
count_topic() {
  kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q 2>/dev/null | wc -l
}
for _ in $(seq 60); do
  got=0
  for t in events alerts assets health; do got=$((got + $(count_topic tanzhen.$t))); done
  [ "$got" -ge "$want" ] && break
  sleep 0.5
done

/usr/bin/python3 - "$D" "$BROKERS" "$B/collector/tanzhen-collector" <<'PY'
import collections, glob, json, subprocess, sys
d, brokers, collector = sys.argv[1], sys.argv[2], sys.argv[3]
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
def fname(e):
    """The function a transaction names, in each protocol's own terms."""
    p = e["proto"]
    o = e.get(p) or {}
    if p == "iec104":
        return (o.get("asdu") or {}).get("type_name") or o.get("u_func") or o.get("apci") or "?"
    if p == "opcua":
        return o.get("service") or o.get("msg_type") or "?"
    if p in ("s7comm", "s7comm_plus"):
        return (o.get("func_name") or (o.get("userdata") or {}).get("sub_name")
                or o.get("rosctr_name") or o.get("opcode_name")
                or ("cotp_connect" if "cotp_result" in o else "?"))
    return o.get("func_name") or "?"
funcs = collections.Counter((e["proto"], fname(e)) for e in ics)
print()
print("Function codes seen:", ", ".join("%s %s x%d" % (p, f, n) for (p, f), n in sorted(funcs.items())))
ex = next((e for e in ics if e["status"] == "exception"), ics[0] if ics else None)
if ex:
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", "tanzhen.events", "-o", "beginning",
                          "-e", "-q"], capture_output=True, text=True).stdout
    sent = next((json.loads(l) for l in out.splitlines() if ('"id":"%s"' % ex["id"]) in l), ex)
    print()
    print("One audit record, as the provincial platform receives it (with the platform envelope):")
    print(json.dumps(sent, indent=2, ensure_ascii=False)[:1800])
files = sorted(glob.glob(d + "/store/events-*.db"))
dump = subprocess.run([collector, "dump", "--store", d + "/store"], capture_output=True,
                      text=True).stdout
kept = [json.loads(l) for l in dump.splitlines() if l.strip()]
stored = sum(1 for e in kept if e.get("sensor") == "demo-sensor")
own = [e for e in kept if e.get("sensor") != "demo-sensor"]
alerts = [e for e in own if e["type"] == "alert"]
assets = {}
for e in own:
    if e["type"] == "asset":
        assets[e["asset"].get("id", e["asset"].get("ip"))] = e["asset"]
print()
print("What the collector's analytics raised (%d alert events, %d assets):"
      % (len(alerts), len(assets)))
for rule, n in sorted(collections.Counter(
        (a["alert"]["rule"], a["alert"]["severity"], a["alert"]["title"]) for a in alerts).items()):
    print("  alert %-28s %-8s %-40s x%d" % (rule[0], rule[1], rule[2], n))
for a in sorted(assets.values(), key=lambda a: a.get("ip", "")):
    ident = a.get("identity") or {}
    print("  asset %-15s %-28s %s" % (a.get("ip", "?"), ",".join(a.get("roles", [])) or a.get("role", "-"),
                                       ", ".join("%s=%s" % kv for kv in sorted(ident.items()) if isinstance(kv[1], str))[:80]))
print()
print("Collector store: %d sensor events and %d of its own (alerts, assets, health) in %s "
      "(one SQLite file per day, compressed blocks, hash-chained)"
      % (stored, len(own), ", ".join(f[len(d) + 1:] for f in files)))
print("Kafka topics (read back with kcat from %s):" % brokers)
total = total_all = 0
for t in ("events", "alerts", "assets", "health"):
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", "tanzhen." + t, "-o", "beginning",
                          "-e", "-q"], capture_output=True, text=True).stdout
    msgs = [json.loads(l) for l in out.splitlines() if l.strip()]
    total += sum(1 for m in msgs if m.get("sensor") == "demo-sensor")
    total_all += len(msgs)
    print("  tanzhen.%-7s %6d messages" % (t, len(msgs)))
print()
ok = stored == len(ev) and total == len(ev) and total_all == len(kept)
print("Sensor emitted %d, collector stored %d, Kafka holds %d of them (and all %d stored events): %s" %
      (len(ev), stored, total, len(kept), "everything arrived" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
echo
echo "The store's hash chain (tanzhen-collector verify --store $D/store):"
"$B/collector/tanzhen-collector" verify --store "$D/store" | sed 's/^/  /'
echo "From /metrics (curl http://127.0.0.1:$HTTP/metrics):"
curl -s "http://127.0.0.1:$HTTP/metrics" | grep -E '^tanzhen_collector_(events_stored_total|sensor_last_seq|forward_lag_events|rejected_connections_total\{reason="unknown_key"\}|accepted_connections_total)' | sed 's/^/  /'
grep -E "CURVE on|sensor key .* connected|receiver.curve is off" "$D/collector.log" | sed 's/^[^ ]* /  /'
echo
echo "Files of this run: $D (events.jsonl, store/, keys/, allow/, *.log)"
