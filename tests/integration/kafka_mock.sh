#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kafka_mock.sh - tanzhen-kafka-mock serves real Kafka clients: its first stdout line is
# the bootstrap list, kcat -L sees the four pre-created topics with the asked partitions,
# 100 messages produced with kcat are consumed back intact, and SIGTERM stops it (exit 0).
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

tz_need "$TZ_BUILD/collector/tanzhen-kafka-mock" kcat timeout

tz_start_mock --brokers 2 --partitions 3 --topic-prefix itest
echo "mock at $BOOTSTRAP"
[ "$(tr ',' '\n' <<<"$BOOTSTRAP" | wc -l)" -eq 2 ] || tz_fail "expected 2 brokers in '$BOOTSTRAP'"

timeout 20 kcat -b "$BOOTSTRAP" -L >"$TZ_TMP/meta.txt" || tz_fail "kcat -L failed"
for t in events alerts assets health; do
    grep -q "topic \"itest.$t\" with 3 partitions" "$TZ_TMP/meta.txt" ||
        { cat "$TZ_TMP/meta.txt"; tz_fail "topic itest.$t missing or wrong partition count"; }
done
grep -q " 2 brokers:" "$TZ_TMP/meta.txt" || tz_fail "kcat -L does not list 2 brokers"

# 100 keyed messages; one key per partition-bound stream keeps its order
for i in $(seq 1 100); do printf 'k%d:message-%03d\n' $((i % 7)) "$i"; done >"$TZ_TMP/sent.txt"
timeout 20 kcat -b "$BOOTSTRAP" -P -t itest.events -K: -X enable.idempotence=true \
    <"$TZ_TMP/sent.txt" || tz_fail "kcat produce failed"
timeout 20 kcat -b "$BOOTSTRAP" -C -t itest.events -o beginning -e -q -f '%k:%s\n' \
    >"$TZ_TMP/got.txt" || tz_fail "kcat consume failed"
got=$(wc -l <"$TZ_TMP/got.txt")
[ "$got" -eq 100 ] || tz_fail "consumed $got of 100 messages"
diff <(sort "$TZ_TMP/sent.txt") <(sort "$TZ_TMP/got.txt") >/dev/null ||
    tz_fail "consumed messages differ from the produced ones"
# per key, the consumed order is the produced order
for k in $(seq 0 6); do
    diff <(grep "^k$k:" "$TZ_TMP/sent.txt") <(grep "^k$k:" "$TZ_TMP/got.txt") >/dev/null ||
        tz_fail "key k$k came back out of order"
done
[ "$(tz_kafka_count itest.alerts)" -eq 0 ] || tz_fail "itest.alerts should be empty"

tz_stop "$MOCK_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "mock exited with $TZ_RC after SIGTERM"
echo "kafka_mock: ok (2 brokers, 4 topics x 3 partitions, 100/100 messages back in key order)"
