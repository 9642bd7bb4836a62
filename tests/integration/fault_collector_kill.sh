#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_collector_kill.sh - issue 5, fault 1: the collector is killed with SIGKILL in the
# middle of a stream of ~115,000 events and restarted on the same store. The sensor (CURVE,
# state dir) keeps capturing (the capture is fed over 25 s), resends what was not acked, and
# afterwards every event it emitted is in the store exactly once and in Kafka at least once
# with no gap; the hash chain still verifies. Prints the reconciliation figures.
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector1
fz_pace pacer "$TZ_TMP/capture.fifo" 25
fz_start_sensor sensor "$TZ_TMP/capture.fifo" "$TZ_TMP/sensor.jsonl"
fz_log "sensor capturing (fed over 25 s)"

fz_wait_stored 25000 90
kill -KILL "$COLLECTOR_PID"
wait "$COLLECTOR_PID" 2>/dev/null || true
at_kill=$(fz_store_count "$FZ_SENSOR_ID")
fz_log "collector killed (SIGKILL) with $at_kill events stored; pacer at record $(fz_progress pacer)"
sleep 3
fz_start_collector collector2
fz_log "collector restarted on the same store"
after=$(fz_store_count "$FZ_SENSOR_ID")
[ "$after" -ge "$at_kill" ] || tz_fail "the store lost rows across the crash: $at_kill -> $after"

fz_wait_exit "$PACER_PID" 120
[ "$TZ_RC" -eq 0 ] || tz_fail "the pacer ended with $TZ_RC: the sensor stopped reading"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the sensor exited with $TZ_RC (0 = everything acked)"
fz_log "sensor done: $(grep -c . "$TZ_TMP/sensor.jsonl") events in its --jsonl"
fz_finish "fault 1 (collector SIGKILL mid-stream, restarted)" --jsonl "$TZ_TMP/sensor.jsonl"
