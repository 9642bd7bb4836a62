#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_link_cut.sh - issue 5, fault 4: the sensor -> collector link is cut for 30 s while
# the sensor keeps capturing (~115,000 events fed over 45 s). The sensor reaches the
# collector through tz_link.py, a relay on 127.0.0.1 that, when cut, drops every connection
# and refuses new ones (the collector port is blocked; no iptables/nft needed). During the
# cut nothing reaches the store and the sensor keeps reading its capture (into memory and
# its disk spool); when the link is back everything arrives: every emitted event is in the
# store exactly once and in Kafka at least once with no gap. Prints the reconciliation.
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector
link_port=$(tz_free_port)
tz_spawn link "$FZ_PY" "$FZ_DIR/tz_link.py" "$link_port" "$FZ_PORT"
LINK_PID=$TZ_LAST_PID
tz_wait_for 10 _tz_log_has link "link up" || tz_fail "the link relay did not start"
fz_pace pacer "$TZ_TMP/capture.fifo" 45
FZ_SENSOR_PORT=$link_port fz_start_sensor sensor "$TZ_TMP/capture.fifo" "$TZ_TMP/sensor.jsonl"
fz_log "sensor capturing (fed over 45 s) through the link on port $link_port"

fz_wait_stored 10000 90
kill -USR1 "$LINK_PID"
tz_wait_for 10 _tz_log_has link "link cut" || tz_fail "the link relay did not cut"
cut_at=$SECONDS
fz_log "link cut ($(grep 'link cut' "$TZ_TMP/link.log"))"
# what the collector had received before the cut may still be committing: wait until the
# store stands still (2 s without a new row, at most 12 s)
s0=$(fz_store_count "$FZ_SENSOR_ID")
for _ in $(seq 6); do
    sleep 2
    s=$(fz_store_count "$FZ_SENSOR_ID")
    [ "$s" -ne "$s0" ] || break
    s0=$s
done
p0=$(fz_progress pacer)
sleep $((30 - (SECONDS - cut_at) - 1))
s1=$(fz_store_count "$FZ_SENSOR_ID")
p1=$(fz_progress pacer)
fz_log "during the cut: store $s0 -> $s1 events, capture read $p0 -> $p1 records"
[ "$s1" -eq "$s0" ] || tz_fail "events reached the store while the link was cut ($s0 -> $s1)"
[ "$p1" -gt "$p0" ] || tz_fail "the sensor stopped capturing while the link was cut"
sleep $((30 - (SECONDS - cut_at)))
kill -USR2 "$LINK_PID"
tz_wait_for 10 _tz_log_has link "link mended" || tz_fail "the link relay did not mend"
fz_log "link back after $((SECONDS - cut_at)) s"

fz_wait_exit "$PACER_PID" 120
[ "$TZ_RC" -eq 0 ] || tz_fail "the pacer ended with $TZ_RC: the sensor stopped reading"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the sensor exited with $TZ_RC (0 = everything acked)"
fz_log "sensor done: $(grep -c . "$TZ_TMP/sensor.jsonl") events in its --jsonl"
fz_finish "fault 4 (link cut 30 s while capturing)" --jsonl "$TZ_TMP/sensor.jsonl"
