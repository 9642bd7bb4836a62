#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_kafka_down.sh - issue 5, fault 3: while ~115,000 events stream in (fed over 45 s),
# every broker of the mock Kafka is taken down for 30 s (rd_kafka_mock_broker_set_down)
# and brought back, then Produce request errors are injected
# (rd_kafka_mock_push_request_errors): retriable ones, a dropped connection and one
# non-retriable error. The collector keeps storing and acking during the outage (the store
# grows while the brokers are down); afterwards every event the sensor emitted is in the
# store exactly once and in Kafka at least once with no gap. Prints the reconciliation.
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector
fz_pace pacer "$TZ_TMP/capture.fifo" 45
fz_start_sensor sensor "$TZ_TMP/capture.fifo" "$TZ_TMP/sensor.jsonl"
fz_log "sensor capturing (fed over 45 s)"

fz_wait_stored 10000 90
tz_mock_ctl down
down_at=$SECONDS
s0=$(fz_store_count "$FZ_SENSOR_ID")
fz_log "every broker down with $s0 events stored"
sleep 15
fz_log "mid-outage /metrics: $(fz_metrics 'lag' | tr '\n' ' ')"
sleep $((30 - (SECONDS - down_at) - 1))
s1=$(fz_store_count "$FZ_SENSOR_ID")
fz_log "after $((SECONDS - down_at)) s down the store holds $s1 events"
[ "$s1" -gt "$s0" ] || tz_fail "ingest stalled while Kafka was down ($s0 -> $s1 stored)"
sleep $((30 - (SECONDS - down_at)))
tz_mock_ctl up
fz_log "brokers up after $((SECONDS - down_at)) s"
# request errors while the stream goes on
tz_mock_ctl errors Produce 8 NOT_LEADER_FOR_PARTITION
tz_mock_ctl errors Produce 4 REQUEST_TIMED_OUT
tz_mock_ctl errors Produce 2 _TRANSPORT
tz_mock_ctl errors Produce 1 MSG_SIZE_TOO_LARGE
fz_log "injected Produce errors: 8 NOT_LEADER_FOR_PARTITION, 4 REQUEST_TIMED_OUT, 2 _TRANSPORT, 1 MSG_SIZE_TOO_LARGE"

fz_wait_exit "$PACER_PID" 120
[ "$TZ_RC" -eq 0 ] || tz_fail "the pacer ended with $TZ_RC: the sensor stopped reading"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the sensor exited with $TZ_RC (0 = everything acked)"
fz_log "sensor done: $(grep -c . "$TZ_TMP/sensor.jsonl") events in its --jsonl"
FZ_KAFKA_WAIT=180 fz_finish "fault 3 (Kafka brokers down 30 s, Produce errors injected)" \
    --jsonl "$TZ_TMP/sensor.jsonl"
