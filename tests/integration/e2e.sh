#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# e2e.sh - sensor -> collector -> Kafka: tanzhen-sensor replays a Modbus capture from
# pcaps/ to the collector over ZeroMQ; kcat reads the topics back and, per event type, the
# count (and the set of deterministic event ids) equals what the same sensor writes with
# --jsonl for that capture. Health events are left out: the sensor emits them on a timer.
# The link is CURVE (keys made with keygen, the sensor's public key in the allow list).
# TZ_E2E_PCAP=FILE picks another capture. Skips (77) until the sensor and a capture exist.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

SENSOR="$TZ_BUILD/sensor/tanzhen-sensor"
[ -x "$SENSOR" ] || tz_skip "no sensor at $SENSOR (it has not landed on this branch yet)"
pcap=${TZ_E2E_PCAP:-}
if [ -z "$pcap" ]; then
    pcap=$(find "$TZ_SRC/pcaps" -maxdepth 1 -type f \( -name '*modbus*.pcap' -o \
        -name '*modbus*.pcapng' \) 2>/dev/null | sort | head -n 1 || true)
fi
[ -n "$pcap" ] && [ -f "$pcap" ] || tz_skip "no Modbus capture in $TZ_SRC/pcaps/"
tz_need "$TZ_BUILD/collector/tanzhen-collector" "$TZ_BUILD/collector/tanzhen-kafka-mock" \
    kcat sqlite3 timeout
echo "capture: $pcap"

# what the sensor emits for this capture, by type (health excluded)
timeout 120 "$SENSOR" -r "$pcap" --jsonl - -w 1 --sensor-id e2e-sensor >"$TZ_TMP/direct.jsonl" \
    2>"$TZ_TMP/sensor-jsonl.log" || tz_fail "the sensor failed on $pcap with --jsonl"

tz_start_mock --partitions 3
port=$(tz_free_port)
store="$TZ_TMP/store"
tz_keys e2e-sensor
COLLECTOR_SEC=("${TZ_CURVE[@]}")
SENSOR_SEC=(--server-key "$TZ_TMP/keys/collector.key" --client-key "$TZ_TMP/sensor/s1.key_secret")
echo "link: CURVE"
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$store" \
    --kafka-brokers "$BOOTSTRAP" "${COLLECTOR_SEC[@]}"

timeout 120 "$SENSOR" -r "$pcap" -w 1 --sensor-id e2e-sensor "${SENSOR_SEC[@]}" \
    --collector "tcp://127.0.0.1:$port" >"$TZ_TMP/sensor.out" 2>"$TZ_TMP/sensor.log" ||
    tz_fail "the sensor failed sending $pcap to the collector"

# counts per type, and id lists, from a JSONL stream (stdin) -> "type count" lines
summarise() {
    /usr/bin/python3 -c '
import json, sys
by = {}
for line in sys.stdin:
    line = line.strip()
    if line:
        ev = json.loads(line)
        if ev["type"] != "health":
            by.setdefault(ev["type"], []).append(ev["id"])
with open(sys.argv[1], "w") as ids:
    for t in sorted(by):
        for i in sorted(by[t]):
            ids.write("%s %s\n" % (t, i))
for t in sorted(by):
    print(t, len(by[t]))
' "$1"
}
summarise "$TZ_TMP/direct.ids" <"$TZ_TMP/direct.jsonl" >"$TZ_TMP/direct.counts"
[ -s "$TZ_TMP/direct.counts" ] || tz_fail "the sensor emitted no event for $pcap"
expected=$(awk '{ n += $2 } END { print n }' "$TZ_TMP/direct.counts")
echo "sensor --jsonl (health excluded):"
sed 's/^/  /' "$TZ_TMP/direct.counts"

# wait until the non-health topics hold that many events (delivery is asynchronous)
kafka_events() {
    local t
    for t in events alerts assets; do
        timeout 20 kcat -b "$BOOTSTRAP" -C -t "tanzhen.$t" -o beginning -e -q 2>/dev/null || true
    done
}
_enough() { [ "$(kafka_events | grep -c .)" -ge "$expected" ]; }
tz_wait_for 60 _enough || true
kafka_events | summarise "$TZ_TMP/kafka.ids" >"$TZ_TMP/kafka.counts"
echo "read back from Kafka:"
sed 's/^/  /' "$TZ_TMP/kafka.counts"
diff "$TZ_TMP/direct.counts" "$TZ_TMP/kafka.counts" || tz_fail "per-type counts differ"
diff "$TZ_TMP/direct.ids" "$TZ_TMP/kafka.ids" >/dev/null || tz_fail "event ids differ"

stored=$(tz_rows "$store" "WHERE type <> 'health'")
[ "$stored" -eq "$expected" ] || tz_fail "store holds $stored non-health events, expected $expected"
health=$(tz_kafka_count tanzhen.health)
for t in events alerts assets health; do
    timeout 20 kcat -b "$BOOTSTRAP" -C -t "tanzhen.$t" -o beginning -e -q 2>/dev/null || true
done >"$TZ_TMP/kafka-all.jsonl"
tz_schema "$TZ_TMP/kafka-all.jsonl"
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"
v=$("$TZ_BUILD/collector/tanzhen-collector" verify --store "$store") || tz_fail "$v"
echo "e2e: ok ($expected events by type equal; $health health events forwarded)"
