#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kafka_properties.sh - kafka.properties reach librdkafka and change what it does, and a
# message Kafka refuses for good does not hold its topic. The DNP3 golden capture (15
# events, 7 of them over 1,000 bytes with every point) goes through two collectors against
# the mock Kafka: (1) with the defaults, all 15 reach tanzhen.events; (2) with
# kafka.properties message.max.bytes=1000, the large ones are refused by librdkafka: each is
# logged ("refused ... for good"), counted in kafka_undeliverable_total and skipped, the
# small ones after them are delivered, the forwarding lag goes back to 0, and the store
# still holds all 15 (verify ok).
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
tz_need "$TZ_BUILD/collector/tanzhen-collector" "$TZ_BUILD/collector/tanzhen-kafka-mock" \
    "$TZ_BUILD/sensor/tanzhen-sensor" kcat sqlite3 curl timeout
PCAP="$TZ_SRC/pcaps/dnp3_session.pcap"

run() { # run NAME PREFIX [collector options...]: sets STORE and the collector's HTTP_PORT
    local name=$1 prefix=$2
    shift 2
    local port
    port=$(tz_free_port)
    STORE="$TZ_TMP/$name"
    tz_start_collector "$name" --listen "tcp://127.0.0.1:$port" --store "$STORE" --insecure \
        --kafka-brokers "$BOOTSTRAP" --kafka-topic-prefix "$prefix" "$@"
    timeout 60 "$TZ_BUILD/sensor/tanzhen-sensor" -r "$PCAP" --collector "tcp://127.0.0.1:$port" \
        --insecure --sensor-id "$name" 2>"$TZ_TMP/$name-sensor.log" ||
        tz_fail "$name: the sensor could not deliver"
}
stored() { tz_rows "$STORE" "WHERE topic = 0"; }
in_kafka() { timeout 20 kcat -b "$BOOTSTRAP" -C -t "$1.events" -o beginning -e -q 2>/dev/null | grep -c . || true; }
# settled: every stored event of the events topic has its outcome (delivered or refused) and
# the lag is back to 0 (the lag gauge alone reads 0 before the forwarder's first pass)
settled() {
    local d u
    d=$(tz_metric 'tanzhen_collector_kafka_delivered_total{topic="events"}')
    u=$(tz_metric tanzhen_collector_kafka_undeliverable_total)
    [ $((d + u)) -ge 15 ] &&
        [ "$(tz_metric 'tanzhen_collector_forward_lag_events{topic="events"}')" = 0 ]
}

tz_start_mock --partitions 1

# (1) defaults: everything arrives
run plain plain
tz_wait_for 30 settled || tz_fail "plain: the forwarding lag did not reach 0"
n_plain=$(stored)
k_plain=$(in_kafka plain)
[ "$n_plain" -eq 15 ] || tz_fail "plain: $n_plain events stored, expected 15"
[ "$k_plain" -eq "$n_plain" ] || tz_fail "plain: $k_plain of $n_plain events in Kafka"
tz_stop "$COLLECTOR_PID" 20

# (2) message.max.bytes=1000: the large events are refused for good and skipped
run small small --set kafka.properties=message.max.bytes=1000
tz_wait_for 30 settled || tz_fail "small: the forwarding lag did not reach 0 (a refused message holds the topic?)"
n=$(stored)
k=$(in_kafka small)
u=$(tz_metric tanzhen_collector_kafka_undeliverable_total)
echo "kafka_properties: defaults $k_plain/$n_plain in Kafka; message.max.bytes=1000: $k delivered, $u refused and skipped, $n stored"
[ "$u" -gt 0 ] || tz_fail "small: message.max.bytes=1000 changed nothing (not passed to librdkafka?)"
[ "$k" -gt 0 ] || tz_fail "small: nothing delivered after the refused messages"
# the undeliverable counter has no topic label: a health event over 1000 bytes (P.health) is
# counted there too, so the events topic's refusals are taken from the log
u_ev=$(grep -c "kafka: small.events refused" "$TZ_TMP/small.log" || true)
[ $((k + u_ev)) -eq "$n" ] || tz_fail "small: delivered $k + refused $u_ev != stored $n"
too_big=$(timeout 20 kcat -b "$BOOTSTRAP" -C -t small.events -o beginning -e -q -f '%S\n' 2>/dev/null |
    awk '$1 > 1000' | grep -c . || true)
[ "$too_big" -eq 0 ] || tz_fail "small: $too_big messages over 1,000 bytes reached Kafka"
grep -q "refused the event at store position .* for good" "$TZ_TMP/small.log" ||
    tz_fail "small: the refused events were not logged"
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "small: the collector exited with $TZ_RC"
v=$("$TZ_BUILD/collector/tanzhen-collector" verify --store "$STORE") || tz_fail "verify: $v"
echo "kafka_properties: ok"
