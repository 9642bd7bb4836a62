#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector_health.sh - the collector's own heartbeat: with health.interval_s=1 it stores
# `health` events under its collector.id with seqs 1, 2, 3... (no gap, so its own gap
# detection stays quiet), they carry the forwarding lag (events and seconds, per topic)
# and reach P.health in Kafka through the outbox like any stored event.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
tz_need "$TZ_BUILD/collector/tanzhen-collector" "$TZ_BUILD/collector/tanzhen-kafka-mock" \
    kcat sqlite3 timeout

tz_start_mock --partitions 1
port=$(tz_free_port)
store="$TZ_TMP/store"
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$store" --insecure \
    --kafka-brokers "$BOOTSTRAP" --set health.interval_s=1 --set collector.id=plant-collector

health_stored() { [ "$(tz_rows "$store" "WHERE sensor='plant-collector'")" -ge 3 ]; }
health_in_kafka() {
    [ "$(kcat -b "$BOOTSTRAP" -C -t tanzhen.health -o beginning -e -q 2>/dev/null |
        grep -c plant-collector)" -ge 3 ]
}
tz_wait_for 20 health_stored || tz_fail "fewer than 3 collector health events stored in 20 s"
seqs=$(tz_dump "$store" plant-collector | head -3 |
    /usr/bin/python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["seq"]) for l in sys.stdin), end=" ")')
[ "$seqs" = "1 2 3 " ] || tz_fail "collector health seqs are '$seqs', expected '1 2 3 '"

tz_wait_for 20 health_in_kafka || tz_fail "the collector's health events did not reach tanzhen.health"
kcat -b "$BOOTSTRAP" -C -t tanzhen.health -o beginning -e -q 2>/dev/null | grep plant-collector |
    head -1 >"$TZ_TMP/h.json"
/usr/bin/python3 - "$TZ_TMP/h.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
h = e["health"]
assert e["type"] == "health" and e["sensor"] == "plant-collector", e
assert h["role"] == "collector" and "uptime_s" in h and "drops" in h, h
lag = h["forward_lag"]
assert isinstance(lag["events"], int) and isinstance(lag["seconds"], (int, float)), lag
assert set(("events", "alerts", "assets", "health")) == set(lag["topics"]), lag
print("collector health: seq %d, forward_lag %d events / %.3f s" % (e["seq"], lag["events"], lag["seconds"]))
c = h["chain"]  # the chain head, anchored outside the store
assert isinstance(c["batch"], int) and isinstance(c["events"], int) and len(c["hash"]) == 64, c
PY
# that health event, as Kafka holds it, is an anchor verify accepts
"$TZ_BUILD/collector/tanzhen-collector" verify --store "$store" --anchor "$TZ_TMP/h.json" \
    >"$TZ_TMP/verify.txt" || tz_fail "verify against the health event: $(cat "$TZ_TMP/verify.txt")"
if grep -q "sequence gap from sensor plant-collector" "$TZ_TMP/collector.log"; then
    tz_fail "the collector reported a gap in its own health seqs"
fi
echo "collector_health: ok"
