#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_sensor_kill.sh - issue 5, fault 2: the sensor is killed with SIGKILL mid-stream and
# restarted, with the same state dir, on the rest of the capture (the pacer says where the
# first run stopped reading; the packets then in flight are missed, as live traffic would
# be). The collector is paused (SIGSTOP) for 3 s before the kill, so the sensor dies with
# sent, unacked batches in its spool; the restarted sensor must find and resend them. Every
# event it emitted - in either run - is in the store exactly once and in Kafka at least
# once; no seq is reused. The restarted sensor resumes at the end of the seq block the first
# run had reserved (README, "State directory"), so the numbers between the first run's last
# sealed event and that block's end are skipped: the collector reports them as a gap, and
# the reconciliation counts them as "skipped", not as lost (events still in an unsealed
# batch when the SIGKILL came never reached --jsonl or the collector). Prints the
# reconciliation figures.
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector
fz_pace pacer1 "$TZ_TMP/capture1.fifo" 30
fz_start_sensor sensor1 "$TZ_TMP/capture1.fifo" "$TZ_TMP/sensor1.jsonl"
fz_log "sensor run 1 capturing (fed over 30 s)"

fz_wait_stored 20000 90
# the collector pauses 3 s first, so the sensor holds sealed, sent, unacked batches (its
# spool) when it dies: the restarted sensor must send them again
kill -STOP "$COLLECTOR_PID"
sleep 3
kill -KILL "$SENSOR_PID"
wait "$SENSOR_PID" 2>/dev/null || true
kill -CONT "$COLLECTOR_PID"
fz_log "sensor killed (SIGKILL) after 3 s without acks (collector paused), $(fz_store_count "$FZ_SENSOR_ID") events stored"
fz_wait_exit "$PACER_PID" 30
[ "$TZ_RC" -eq 3 ] || tz_fail "pacer 1 ended with $TZ_RC, expected 3 (reader gone)"
next=$(sed -n 's/^next //p' "$TZ_TMP/pacer1.out")
[ -n "$next" ] || tz_fail "pacer 1 did not say where it stopped"
fz_log "run 1 read up to record $next; run 2 gets the rest"
[ -d "$FZ_STATE" ] && fz_log "state dir: $(du -sh "$FZ_STATE" | cut -f1) ($(ls "$FZ_STATE" | tr '\n' ' '))"

sleep 2
fz_pace pacer2 "$TZ_TMP/capture2.fifo" 15 "$next"
fz_start_sensor sensor2 "$TZ_TMP/capture2.fifo" "$TZ_TMP/sensor2.jsonl"
fz_log "sensor run 2 on the rest (fed over 15 s)"
tz_wait_for 10 _tz_log_has sensor2 "unacked batches" ||
    tz_fail "the restarted sensor found no unacked batches in its spool"
fz_log "run 2: $(grep -o 'spool [^ ]*: [0-9]* unacked batches ([0-9]* events)' "$TZ_TMP/sensor2.log")"
fz_wait_exit "$PACER_PID" 120
[ "$TZ_RC" -eq 0 ] || tz_fail "pacer 2 ended with $TZ_RC: the sensor stopped reading"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "sensor run 2 exited with $TZ_RC (0 = everything acked)"
fz_log "sensor done: run 1 logged $(grep -c . "$TZ_TMP/sensor1.jsonl" || true), run 2 $(grep -c . "$TZ_TMP/sensor2.jsonl") events"
fz_finish "fault 2 (sensor SIGKILL mid-stream, restarted on the rest)" \
    --jsonl "$TZ_TMP/sensor1.jsonl" --killed "$TZ_TMP/sensor1.jsonl" --jsonl "$TZ_TMP/sensor2.jsonl"
