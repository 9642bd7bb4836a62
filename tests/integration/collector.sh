#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector.sh - the collector end to end with a stand-in sensor (tz_send.py, a ZeroMQ
# DEALER with CURVE): batches are stored (rows counted with sqlite3 over the day files)
# and forwarded from the store (messages counted per topic with kcat, one flow's events in
# order on one partition, the value the stored JSON); a resent batch is not stored or
# forwarded twice; malformed batches get REJECTED acks and the collector goes on; the
# hash chain verifies; SIGTERM exits 0.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

tz_need "$TZ_BUILD/collector/tanzhen-collector" "$TZ_BUILD/collector/tanzhen-kafka-mock" \
    kcat sqlite3 timeout curl
tz_need_pyzmq

tz_keys
tz_start_mock --partitions 3
port=$(tz_free_port)
ep="tcp://127.0.0.1:$port"
store="$TZ_TMP/store"
tz_start_collector collector --listen "$ep" --store "$store" --kafka-brokers "$BOOTSTRAP" \
    "${TZ_CURVE[@]}" --set log.stats_interval_s=1
SEND=("${TZ_SEND[@]}" "$ep" "${TZ_SEND_CURVE[@]}")

# 1. 20 batches x 50 events: 1000 events in the mix of tz_send.py (per 10: 4 ics, 2 flow,
# 1 anomaly, 1 alert, 1 asset, 1 health)
out=$(timeout 60 "${SEND[@]}" --batches 20 --events 50 --window 4) ||
    tz_fail "sending batches: $out"
echo "sent: $out"
[ "$(tz_json "$out" acks.STORED)" -eq 20 ] || tz_fail "expected 20 STORED acks"

rows() { tz_rows "$store" "$1"; }
[ "$(rows '')" -eq 1000 ] || tz_fail "stored $(rows '') rows, expected 1000"
for t in ics:400 flow:200 anomaly:100 alert:100 asset:100 health:100; do
    n=$(rows "WHERE type = '${t%%:*}'")
    [ "$n" -eq "${t##*:}" ] || tz_fail "type ${t%%:*}: $n rows, expected ${t##*:}"
done
[ "$(rows "WHERE proto = 'modbus' AND src_ip LIKE '10.0.0.%' AND dst_port = 502")" -eq 800 ] ||
    tz_fail "columns proto/src_ip/dst_port not filled"

# 2. resend the first five batches (RESEND flag): acked STORED, nothing new stored
out=$(timeout 60 "${SEND[@]}" --batches 5 --events 50 --resend) ||
    tz_fail "resending: $out"
[ "$(tz_json "$out" acks.STORED)" -eq 5 ] || tz_fail "resent batches not acked STORED: $out"
[ "$(rows '')" -eq 1000 ] || tz_fail "a resent batch was stored twice ($(rows '') rows)"

# 3. malformed messages: each acked REJECTED (tz_send.py checks status and batch_seq)
out=$(timeout 60 "${SEND[@]}" --malformed) || tz_fail "malformed cases: $out"
echo "malformed: $out"
kill -0 "$COLLECTOR_PID" 2>/dev/null || tz_fail "the collector died on malformed input"
[ "$(rows '')" -eq 1000 ] || tz_fail "malformed input changed the store"

# ... and it still takes good batches afterwards (seq 1001..1100)
out=$(timeout 60 "${SEND[@]}" --first-seq 1001 --batches 2 --events 50) ||
    tz_fail "after malformed input: $out"
[ "$(rows '')" -eq 1100 ] || tz_fail "stored $(rows '') rows, expected 1100"

# 4. Kafka: per topic, what was stored once (1100 events: 770 / 110 / 110 / 110)
declare -A want=([tanzhen.events]=770 [tanzhen.alerts]=110 [tanzhen.assets]=110
    [tanzhen.health]=110)
for topic in "${!want[@]}"; do
    n=$(tz_wait_kafka "$topic" "${want[$topic]}" 30)
    [ "$n" -eq "${want[$topic]}" ] || tz_fail "$topic holds $n messages, expected ${want[$topic]}"
done
# the value is the event as received; the key is the community_id (else the sensor id)
timeout 20 kcat -b "$BOOTSTRAP" -C -t tanzhen.events -o beginning -e -q -f '%k\t%p\t%o\t%s\n' \
    >"$TZ_TMP/events.tsv"
tz_dump "$store" >"$TZ_TMP/stored.jsonl"
/usr/bin/python3 - "$TZ_TMP/events.tsv" "$TZ_TMP/stored.jsonl" <<'PY' || tz_fail "Kafka content check"
import json, sys
rows = [l.rstrip("\n").split("\t", 3) for l in open(sys.argv[1])]
stored = {}
for ln in open(sys.argv[2]):
    stored[json.loads(ln)["seq"]] = ln.rstrip("\n")
parts, last = {}, {}
for key, part, off, value in rows:
    ev = json.loads(value)
    assert value == stored[ev["seq"]], "value differs from the stored event %d" % ev["seq"]
    assert key == ev.get("community_id", ev["sensor"]), "key %s for %s" % (key, value)
    parts.setdefault(key, set()).add(part)
    k = (part, key)
    assert ev["seq"] > last.get(k, (-1, -1))[0], "key %s out of order" % key
    assert int(off) > last.get(k, (-1, -1))[1]
    last[k] = (ev["seq"], int(off))
assert all(len(p) == 1 for p in parts.values()), "a key spans partitions: %r" % parts
print("kafka: %d events checked, %d keys each on one partition, in order" % (len(rows), len(parts)))
PY
key=$(timeout 20 kcat -b "$BOOTSTRAP" -C -t tanzhen.health -o beginning -c 1 -e -q -f '%k')
[ "$key" = "test-sensor" ] || tz_fail "health key '$key', expected the sensor id"

# 5. the cursors reached the end, the metrics say so, the chain holds
for t in events alerts assets health; do
    lag=$(tz_metric "tanzhen_collector_forward_lag_events{topic=\"$t\"}")
    [ "$lag" = 0 ] || tz_fail "forward lag of $t is $lag after everything was delivered"
done
[ "$(tz_metric tanzhen_collector_events_stored_total)" = 1100 ] || tz_fail "metrics: stored"
[ "$(tz_metric 'tanzhen_collector_sensor_last_seq{sensor="test-sensor"}')" = 1100 ] ||
    tz_fail "metrics: last seq"
[ "$(tz_metric 'tanzhen_collector_batches_total{status="rejected"}')" = 9 ] ||
    tz_fail "metrics: rejected batches"

# 6. SIGTERM: stats, exit 0; the chain verifies; the cursors are saved
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC after SIGTERM"
grep -q "rejected 9" "$TZ_TMP/collector.log" || tz_fail "the rejected batches were not counted"
grep -q "delivered 1100" "$TZ_TMP/collector.log" || tz_fail "the stats do not show 1100 delivered"
v=$("$TZ_BUILD/collector/tanzhen-collector" verify --store "$store") || tz_fail "verify: $v"
echo "$v" | grep -q "verify: ok, 22 batches, 1100 events" || tz_fail "verify: $v"  # 20 + 2 batches; resends add none
[ "$(sqlite3 "$store/meta.db" "SELECT max(pos) FROM cursors")" -eq 1100 ] ||
    tz_fail "the cursors were not saved: $(sqlite3 "$store/meta.db" 'SELECT * FROM cursors')"
echo "collector: ok (1100 events stored once, 1100 forwarded, 9 malformed batches rejected, chain verified)"
