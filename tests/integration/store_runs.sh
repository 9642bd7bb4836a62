#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# store_runs.sh - issue 10, defect 1: a sensor restarted without its state starts over at
# seq 1 under a new run id (version-2 batch header). Two runs with the same sensor id and
# seqs 1..36 are both stored whole (72 events, none dropped as "already stored"), the
# collector logs the new run once and counts it per sensor in /metrics, a resend of either
# run is still a duplicate, and the store verifies. On a collector that dedupes on
# (sensor, seq) the second run's 36 events are acked and lost.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

COL="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$COL" timeout curl
tz_need_pyzmq
port=$(tz_free_port)
ep="tcp://127.0.0.1:$port"
store="$TZ_TMP/store"
tz_start_collector collector --listen "$ep" --store "$store" --insecure
SEND=("${TZ_SEND[@]}" "$ep" --sensor plant-s1 --batches 3 --events 12 --window 3)

out=$(timeout 60 "${SEND[@]}" --run 0x1111) || tz_fail "run 1: $out"
[ "$(tz_json "$out" acks.STORED)" -eq 3 ] || tz_fail "run 1 not acked: $out"
# the sensor restarts without its state directory: a new run, seqs from 1 again
out=$(timeout 60 "${SEND[@]}" --run 0x2222 --id-prefix second-) || tz_fail "run 2: $out"
[ "$(tz_json "$out" acks.STORED)" -eq 3 ] || tz_fail "run 2 not acked: $out"
n=$(tz_rows "$store" "WHERE sensor = 'plant-s1'")
[ "$n" -eq 72 ] || tz_fail "stored $n events of plant-s1, expected 72 (36 of each run)"
[ "$(tz_rows "$store" "WHERE id LIKE 'second-%'")" -eq 36 ] || tz_fail "the second run is not whole"
# resends of either run stay duplicates
timeout 60 "${SEND[@]}" --run 0x1111 --resend >/dev/null || tz_fail "resend of run 1"
timeout 60 "${SEND[@]}" --run 0x2222 --id-prefix second- --resend >/dev/null ||
    tz_fail "resend of run 2"
[ "$(tz_rows "$store" "WHERE sensor = 'plant-s1'")" -eq 72 ] || tz_fail "a resend was stored twice"
grep -q "sensor plant-s1: new run 0000000000002222 (seq from 1)" "$TZ_TMP/collector.log" ||
    tz_fail "the new run was not logged"
[ "$(grep -c "sensor plant-s1: new run" "$TZ_TMP/collector.log")" -eq 1 ] ||
    tz_fail "the new run was logged more than once"
if grep -q "sequence gap from sensor plant-s1" "$TZ_TMP/collector.log"; then
    tz_fail "the new run was taken for a gap"
fi
runs=$(tz_metric 'tanzhen_collector_sensor_runs_total{sensor="plant-s1"}')
[ "${runs%.*}" -eq 2 ] || tz_fail "sensor_runs_total is $runs, expected 2"
bpe=$(tz_metric tanzhen_store_bytes_per_event)
proj=$(tz_metric tanzhen_store_projected_180d_bytes)
/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 and float(sys.argv[2]) > 0 else 1)' \
    "$bpe" "$proj" || tz_fail "no disk projection in /metrics ($bpe bytes/event, $proj bytes)"
tz_stop "$COLLECTOR_PID" 30
[ "$TZ_RC" -eq 0 ] || tz_fail "the collector exited with $TZ_RC"
"$COL" verify --store "$store" >"$TZ_TMP/verify.txt" || tz_fail "verify: $(cat "$TZ_TMP/verify.txt")"
echo "store_runs: ok (two runs of plant-s1 stored whole: 72 events; $(head -1 "$TZ_TMP/verify.txt"))"
