#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector_outbox.sh - the store is the outbox. With the Kafka mock frozen (SIGSTOP) the
# collector keeps storing and acking, /metrics shows the forwarding lag in events and
# seconds and the cursors stay put; the collector is then killed (SIGKILL) with messages
# in flight, the mock thawed, the collector restarted: it resumes at the saved cursors and
# every stored event reaches Kafka at least once (read back with kcat, reconciled by
# (sensor, seq)), the ones delivered before the crash exactly once. Messages carry the
# platform envelope with the redacted path removed; the store keeps the original; the
# chain verifies.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

COL="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$COL" "$TZ_BUILD/collector/tanzhen-kafka-mock" kcat sqlite3 timeout curl
tz_need_pyzmq
tz_keys
tz_start_mock --partitions 3
port=$(tz_free_port)
ep="tcp://127.0.0.1:$port"
store="$TZ_TMP/store"
ARGS=(--listen "$ep" --store "$store" "${TZ_CURVE[@]}" --kafka-brokers "$BOOTSTRAP"
    --set envelope.enterprise_name=某某煤矿 --set envelope.credit_code=91350100M000100Y43
    --set envelope.region_code=140200 --set envelope.level=3 --set envelope.site=shaft-2
    --set kafka.redact=modbus.qty --set log.stats_interval_s=1)
SEND=("${TZ_SEND[@]}" "$ep" "${TZ_SEND_CURVE[@]}" --window 8 --timeout 20)
lag_total() {
    local t n=0 v
    for t in events alerts assets health; do
        v=$(tz_metric "tanzhen_collector_forward_lag_events{topic=\"$t\"}")
        n=$((n + ${v%.*}))
    done
    echo "$n"
}
_lag_is() { [ "$(lag_total)" -eq "$1" ]; }

# 1. 5,000 events stored and delivered; the cursors reach position 5000
tz_start_collector collector "${ARGS[@]}"
out=$(timeout 120 "${SEND[@]}" --batches 10 --events 500) || tz_fail "first 5000: $out"
tz_wait_for 30 _lag_is 0 || tz_fail "the first 5000 events were not delivered (lag $(lag_total))"
sleep 0.5 # the cursors are saved every 200 ms
cur1=$(sqlite3 "$store/meta.db" "SELECT max(pos) FROM cursors")
[ "$cur1" -eq 5000 ] || tz_fail "cursor after the first 5000 events: $cur1"

# 2. Kafka frozen: storing and acking go on, the lag grows, the cursors stay
kill -STOP "$MOCK_PID"
out=$(timeout 120 "${SEND[@]}" --first-seq 5001 --batches 40 --events 500) ||
    tz_fail "storing while Kafka is frozen: $out"
[ "$(tz_rows "$store")" -eq 25000 ] || tz_fail "stored $(tz_rows "$store") rows, expected 25000"
sleep 1.5
lag=$(lag_total)
[ "$lag" -eq 20000 ] || tz_fail "lag while Kafka is frozen: $lag events, expected 20000"
secs=$(tz_metric 'tanzhen_collector_forward_lag_seconds{topic="events"}')
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 1 else 1)" "$secs" ||
    tz_fail "lag in seconds while Kafka is frozen: $secs"
echo "Kafka frozen: lag $lag events, $secs s"
[ "$(sqlite3 "$store/meta.db" "SELECT max(pos) FROM cursors")" -eq 5000 ] ||
    tz_fail "a cursor moved without a delivery report"

# 3. the collector crashes with messages in flight; Kafka comes back; it restarts
kill -KILL "$COLLECTOR_PID"
wait "$COLLECTOR_PID" 2>/dev/null || true
kill -CONT "$MOCK_PID"
mv "$TZ_TMP/collector.log" "$TZ_TMP/collector-1.log.txt"
tz_start_collector collector "${ARGS[@]}"
grep -q "wait to be forwarded (cursor 5000)" "$TZ_TMP/collector.log" ||
    tz_fail "the restart does not resume at the cursor"
tz_wait_for 60 _lag_is 0 || tz_fail "not everything was forwarded after the restart (lag $(lag_total))"

# 4. reconcile Kafka with the store by (sensor, seq)
for t in events alerts assets health; do
    timeout 60 kcat -b "$BOOTSTRAP" -C -t "tanzhen.$t" -o beginning -e -q -f '%s\n' 2>/dev/null
done >"$TZ_TMP/kafka.jsonl"
tz_dump "$store" >"$TZ_TMP/stored.jsonl"
/usr/bin/python3 - "$TZ_TMP/kafka.jsonl" "$TZ_TMP/stored.jsonl" <<'PY' || tz_fail "reconciliation"
import collections, json, sys
seen = collections.Counter()
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    ev = json.loads(line)
    seen[(ev["sensor"], ev["seq"])] += 1
    p = ev["platform"]
    assert p == {"enterprise_name": "某某煤矿", "credit_code": "91350100M000100Y43",
                 "region_code": "140200", "level": 3, "site": "shaft-2",
                 **({"redacted": ["modbus.qty"]} if ev["type"] == "ics" else {})}, p
    if ev["type"] == "ics":
        assert "qty" not in ev["modbus"], ev
stored = {}
for pos, js in enumerate(open(sys.argv[2]), 1):  # dump gives store order: positions 1..
    ev = json.loads(js)
    stored[(ev["sensor"], ev["seq"])] = (pos, js.rstrip("\n"))
ics = [js for pos, js in stored.values() if '"type":"ics"' in js]
assert ics and all('"qty":10' in js for js in ics), "the store keeps the redacted field"
missing = [k for k in stored if seen[k] == 0]
extra = [k for k in seen if k not in stored]
dups = sum(n - 1 for n in seen.values() if n > 1)
early_dups = sum(1 for k, (pos, _) in stored.items() if pos <= 5000 and seen[k] != 1)
print("reconcile: stored %d, in Kafka %d messages (%d distinct), duplicates %d, missing %d, "
      "unknown %d" % (len(stored), sum(seen.values()), len(seen), dups, len(missing), len(extra)))
assert len(stored) == 25000
assert not missing, "missing from Kafka: %r" % missing[:10]
assert not extra, "in Kafka but not stored: %r" % extra[:10]
assert early_dups == 0, "%d events delivered before the crash were sent again" % early_dups
PY
v=$("$COL" verify --store "$store") || tz_fail "verify: $v"
echo "$v" | head -n 1
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"
[ "$(sqlite3 "$store/meta.db" "SELECT min(pos) FROM cursors")" -ge 24997 ] ||
    tz_fail "cursors at the end: $(sqlite3 "$store/meta.db" 'SELECT * FROM cursors')"
echo "collector_outbox: ok"
