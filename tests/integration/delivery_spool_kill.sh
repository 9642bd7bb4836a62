#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# delivery_spool_kill.sh - issue 10, defect 5: a replay with a full spool (output.spool_mb 1,
# the collector stopped with SIGSTOP so nothing is acked) waits for room with a sealed
# batch in hand; it is killed with SIGKILL there. Every event it had reported emitted (its
# --jsonl) must end up stored: its batches were in the spool before --jsonl had them, and the
# restarted sensor (same state dir) sends them. The numbers it had reserved and never used
# are named exactly by the restart's `sensor_restart` anomaly (unused_from..unused_to), and
# the collector reports that range as an unused reservation, not as missing events: at the
# end no event of the sensor is missing. Before the fix the batch being sealed was written to
# --jsonl first and died with the process.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
tz_need "$S" "$C" "$GEN" editcap timeout curl
pcap2=$(find "$TZ_SRC/pcaps" -maxdepth 1 -type f -name '*modbus*.pcap' | sort | head -n 1)
[ -n "$pcap2" ] || tz_skip "no Modbus capture in $TZ_SRC/pcaps/"
"$GEN" "$TZ_TMP/raw.pcap" 40000 50 11 >/dev/null 2>&1 || tz_fail "gen_modbus_pcap failed"
# moved to an hour ago, so the store's retention keeps it
editcap -F pcap -t $(($(date +%s) - 1704067200 - 3600)) "$TZ_TMP/raw.pcap" "$TZ_TMP/cap.pcap" \
    >/dev/null || tz_fail "editcap failed"

port=$(tz_free_port)
store="$TZ_TMP/store"
state="$TZ_TMP/state"
ID=killed
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$store" --insecure \
    --set health.interval_s=0
kill -STOP "$COLLECTOR_PID"
SOPT=(-w 1 --sensor-id "$ID" --insecure --collector "tcp://127.0.0.1:$port" --state-dir "$state"
    --set output.spool_mb=1 --set output.memory_batches=4 --set output.batch_events=64
    --set output.ack_wait_s=120 --set health.interval_s=3600)
tz_spawn sensor1 "$S" -r "$TZ_TMP/cap.pcap" --jsonl "$TZ_TMP/run1.jsonl" "${SOPT[@]}"
SPID=$TZ_LAST_PID
tz_wait_for 60 _tz_log_has sensor1 "replay: waiting for the collector" ||
    tz_fail "the sensor never waited for room in its spool"
sleep 1
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null || true
kill -CONT "$COLLECTOR_PID"
emitted=$(grep -c . "$TZ_TMP/run1.jsonl" || true)
echo "run 1 killed while waiting for spool room: $emitted events in its --jsonl"
[ "$emitted" -gt 0 ] || tz_fail "run 1 emitted nothing"

timeout 120 "$S" -r "$pcap2" --jsonl "$TZ_TMP/run2.jsonl" "${SOPT[@]}" --set output.ack_wait_s=60 \
    2>"$TZ_TMP/sensor2.log" || tz_fail "run 2 exited $? (0: everything acked)"
range=$(grep -o 'seq [0-9]*\.\.[0-9]* ([0-9]* numbers) were reserved and never used' \
    "$TZ_TMP/sensor2.log" || true)
echo "run 2: ${range:-no unused reservation named}"
from=0 to=0
if [ -n "$range" ]; then
    from=$(sed 's/^seq \([0-9]*\)\.\..*/\1/' <<<"$range")
    to=$(sed 's/^seq [0-9]*\.\.\([0-9]*\) .*/\1/' <<<"$range")
fi

# every event either run emitted is stored; none of the unused range is
"$C" dump --store "$store" >"$TZ_TMP/stored.jsonl" || tz_fail "dump failed"
/usr/bin/python3 - "$TZ_TMP/stored.jsonl" "$ID" "$from" "$to" "$TZ_TMP/run1.jsonl" "$TZ_TMP/run2.jsonl" <<'PY' ||
import json, sys
dump, sid, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stored = set()
for line in open(dump):
    ev = json.loads(line)
    if ev.get("sensor") == sid:
        stored.add(ev["seq"])
emitted = set()
for f in sys.argv[5:]:
    for line in open(f):
        if line.strip():
            emitted.add(json.loads(line)["seq"])
lost = sorted(emitted - stored)
if lost:
    sys.exit("%d emitted events not stored, seq %d..%d" % (len(lost), lost[0], lost[-1]))
inside = [s for s in stored if lo <= s <= hi]
if inside:
    sys.exit("stored seqs inside the 'unused' range: %s" % inside[:5])
run1_max = max(json.loads(l)["seq"] for l in open(sys.argv[5]) if l.strip())
if lo and lo != run1_max + 1 and not all(s in stored for s in range(run1_max + 1, lo)):
    sys.exit("the unused range starts at %d, run 1's last emitted seq is %d" % (lo, run1_max))
print("reconciled: %d emitted, all stored; unused %d..%d" % (len(emitted), lo, hi))
PY
    tz_fail "emitted events were lost"
[ -n "$range" ] || tz_fail "the restart did not name the unused reservation"
grep -q "sequence gap from sensor $ID: $from\.\.$to is an unused reservation" \
    "$TZ_TMP/collector.log" || tz_fail "the collector did not report the unused reservation"
unused=$(tz_metric tanzhen_collector_unused_reservation_events_total)
[ "${unused%.*}" -eq $((to - from + 1)) ] || tz_fail "unused reservation metric $unused, expected $((to - from + 1))"
missing=$(tz_metric "tanzhen_collector_sensor_missing_events{sensor=\"$ID\"}")
[ "${missing%.*}" -eq 0 ] || tz_fail "$missing events reported missing after the restart"
echo "delivery_spool_kill: ok"
