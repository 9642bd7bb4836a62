#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# analyze.sh - `tanzhen-collector analyze` end to end on the project's own S7 capture:
# tanzhen-sensor -r pcaps/s7comm_session.pcap --jsonl - | tanzhen-collector analyze
# raises ics.plc_stop once per PLC stopped (two by S7 PLC STOP, one by an S7comm-plus
# operating-state write), the output follows the event
# schema, a second run (one sensor worker, so the same event order) gives identical output, and `analytics.rules` switches the
# rule off.
set -uo pipefail
source "$TZ_SRC/tests/integration/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$S" "$C"
P="$TZ_SRC/pcaps/s7comm_session.pcap"
"$S" -r "$P" -w 1 --jsonl "$TZ_TMP/events.jsonl" 2>"$TZ_TMP/sensor.log" || tz_fail "sensor failed"
"$C" analyze -r "$TZ_TMP/events.jsonl" >"$TZ_TMP/a.jsonl" 2>"$TZ_TMP/analyze.log" ||
    tz_fail "analyze failed"
"$S" -r "$P" -w 1 --jsonl - 2>/dev/null | "$C" analyze >"$TZ_TMP/b.jsonl" 2>>"$TZ_TMP/analyze.log" ||
    tz_fail "analyze from a pipe failed"
cmp -s "$TZ_TMP/a.jsonl" "$TZ_TMP/b.jsonl" || tz_fail "two runs over the same events differ"
n=$(grep -c '"rule":"ics.plc_stop"' "$TZ_TMP/a.jsonl")
[ "$n" -eq 3 ] || tz_fail "expected 3 ics.plc_stop alerts, got $n"
grep -q '"type":"asset"' "$TZ_TMP/a.jsonl" || tz_fail "no asset events"
tz_schema "$TZ_TMP/a.jsonl"
"$C" analyze --set analytics.rules=ics.plc_stop=off -r "$TZ_TMP/events.jsonl" \
    >"$TZ_TMP/off.jsonl" 2>>"$TZ_TMP/analyze.log" || tz_fail "analyze with a rule off failed"
! grep -q '"rule":"ics.plc_stop"' "$TZ_TMP/off.jsonl" || tz_fail "the rule switched off still fired"
"$C" analyze --set analytics.rules=ics.plc_stop=loud -r /dev/null 2>"$TZ_TMP/bad.log"
[ $? -eq 2 ] && grep -q "ics.plc_stop" "$TZ_TMP/bad.log" || tz_fail "a bad rule setting was not refused with its name"
echo "analyze: $n ics.plc_stop alerts, $(grep -c '"type":"asset"' "$TZ_TMP/a.jsonl") asset events; identical twice; rule switch works"
# the collector refuses the same bad setting at --check-config, naming it
"$C" --insecure --set analytics.rules=ics.plc_stop=loud --check-config 2>"$TZ_TMP/check.log"
[ $? -eq 1 ] && grep -q "ics.plc_stop" "$TZ_TMP/check.log" ||
    tz_fail "--check-config accepted a bad analytics.rules setting"
