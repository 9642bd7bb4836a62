#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# analytics_e2e.sh - the analytics engine live: tanzhen-sensor replays pcaps/s7comm_session
# .pcap to the collector (analytics on, CURVE) which forwards to the Kafka mock; kcat reads
# tanzhen.alerts and tanzhen.assets back. They hold exactly the alerts and assets that
# `tanzhen-collector analyze` writes for the sensor's JSONL of the same capture (seq and
# sensor aside: the collector numbers its own events), the PLC stops among them; the store
# verifies; a restart with the state deleted rebuilds it without emitting anything again;
# `analyze --store` over the stored events gives the same alerts and assets once more.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

SENSOR="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$SENSOR" "$C" "$TZ_BUILD/collector/tanzhen-kafka-mock" kcat timeout
pcap="$TZ_SRC/pcaps/s7comm_session.pcap"
[ -f "$pcap" ] || tz_skip "no $pcap"

cat >"$TZ_TMP/an.yaml" <<'YAML'
analytics:
  learning_s: 3600
  aggregate_s: 300
  zones:
    plant: "production:10.10.0.0/16"
YAML

timeout 120 "$SENSOR" -r "$pcap" --jsonl - -w 1 --sensor-id e2e-sensor >"$TZ_TMP/direct.jsonl" \
    2>"$TZ_TMP/sensor-jsonl.log" || tz_fail "the sensor failed with --jsonl"
"$C" analyze -c "$TZ_TMP/an.yaml" -r "$TZ_TMP/direct.jsonl" >"$TZ_TMP/offline.jsonl" \
    2>"$TZ_TMP/analyze.log" || tz_fail "analyze failed"
n_alerts=$(grep -c '"type":"alert"' "$TZ_TMP/offline.jsonl" || true)
n_assets=$(grep -c '"type":"asset"' "$TZ_TMP/offline.jsonl" || true)
[ "$n_alerts" -gt 0 ] && [ "$n_assets" -gt 0 ] || tz_fail "analyze produced no alert or asset"

tz_start_mock --partitions 3
port=$(tz_free_port)
store="$TZ_TMP/store"
tz_keys e2e-sensor
start() {
    tz_start_collector "$1" -c "$TZ_TMP/an.yaml" --listen "tcp://127.0.0.1:$port" \
        --store "$store" --kafka-brokers "$BOOTSTRAP" "${TZ_CURVE[@]}" \
        --set analytics.enabled=true
}
start collector
timeout 120 "$SENSOR" -r "$pcap" -w 1 --sensor-id e2e-sensor \
    --server-key "$TZ_TMP/keys/collector.key" --client-key "$TZ_TMP/sensor/s1.key_secret" \
    --collector "tcp://127.0.0.1:$port" >"$TZ_TMP/sensor.out" 2>"$TZ_TMP/sensor.log" ||
    tz_fail "the sensor failed sending to the collector"
tz_wait_kafka tanzhen.alerts 1 30 >/dev/null
# the aggregates still open at the end are emitted when the collector stops (as analyze
# does at end of input); a second start forwards them
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"
start collector2
got_alerts=$(tz_wait_kafka tanzhen.alerts "$n_alerts" 60)
got_assets=$(tz_wait_kafka tanzhen.assets "$n_assets" 60)
for t in alerts assets; do
    timeout 20 kcat -b "$BOOTSTRAP" -C -t "tanzhen.$t" -o beginning -e -q 2>/dev/null || true
done >"$TZ_TMP/live.jsonl"
norm() {
    /usr/bin/python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    if line.strip():
        e = json.loads(line)
        for k in ("seq", "sensor", "platform"):
            e.pop(k, None)
        out.append(json.dumps(e, sort_keys=True))
print("\n".join(sorted(out)))' "$1"
}
norm "$TZ_TMP/offline.jsonl" >"$TZ_TMP/offline.norm"
norm "$TZ_TMP/live.jsonl" >"$TZ_TMP/live.norm"
diff "$TZ_TMP/offline.norm" "$TZ_TMP/live.norm" >"$TZ_TMP/diff.txt" ||
    { head -c 3000 "$TZ_TMP/diff.txt"; tz_fail "live alerts/assets differ from analyze"; }
stops=$(grep -c '"rule":"ics.plc_stop"' "$TZ_TMP/live.jsonl" || true)
[ "$stops" -ge 3 ] || tz_fail "expected the 3 PLC stops among the live alerts, got $stops"
tz_schema "$TZ_TMP/live.jsonl"

# a lost analytics.db is rebuilt from the store, silently
tz_stop "$COLLECTOR_PID" 20
rm -f "$store"/analytics.db*
start collector3
tz_wait_for 15 _tz_log_has collector3 "analytics: rebuilt its state" ||
    tz_fail "no rebuild of the analytics state"
sleep 2
after=$(tz_kafka_count tanzhen.alerts)
[ "$after" -eq "$got_alerts" ] || tz_fail "the rebuild emitted alerts again ($got_alerts -> $after)"
tz_stop "$COLLECTOR_PID" 20
v=$("$C" verify --store "$store") || tz_fail "$v"
# the stored events replayed offline give the same again
"$C" analyze -c "$TZ_TMP/an.yaml" --store "$store" >"$TZ_TMP/replay.jsonl" \
    2>>"$TZ_TMP/analyze.log" || tz_fail "analyze --store failed"
norm "$TZ_TMP/replay.jsonl" >"$TZ_TMP/replay.norm"
diff -q "$TZ_TMP/offline.norm" "$TZ_TMP/replay.norm" >/dev/null ||
    tz_fail "analyze --store differs from analyze on the sensor's JSONL"
echo "analytics e2e: $got_alerts alerts and $got_assets assets on Kafka equal analyze's (JSONL and --store); $stops PLC stops; rebuild silent"
