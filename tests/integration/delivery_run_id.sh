#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# delivery_run_id.sh - issue 10, defect 1, delivery side: every sensor run has an identity.
# Two replays with one --sensor-id and no state dir carry two different random run ids
# (logged at start, in every batch header, in the health events); with a state dir the run
# drawn for the new directory is kept by the next start ("continued from state dir"). The
# collector logs and counts each (sensor, run) the first time it stores it, once. (That the
# store then keeps both runs whole is the store's dedupe on (sensor, run, seq).)
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$S" "$C" sqlite3 timeout curl
mapfile -t caps < <(find "$TZ_SRC/pcaps" -maxdepth 1 -type f -name '*.pcap' | sort | head -n 2)
[ "${#caps[@]}" -eq 2 ] || tz_skip "fewer than two captures in $TZ_SRC/pcaps/"

port=$(tz_free_port)
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$TZ_TMP/store" \
    --insecure --set health.interval_s=0
SOPT=(-w 1 --sensor-id runner --insecure --collector "tcp://127.0.0.1:$port")

run_of() { # NAME: the run id the sensor logged, and the one in its health events
    local r h
    r=$(sed -n "s/.*info: run \([0-9a-f]\{16\}\) \((.*)\)$/\1 \2/p" "$TZ_TMP/$1.log")
    h=$(/usr/bin/python3 -c '
import json, sys
runs = {json.loads(l)["health"]["run"] for l in open(sys.argv[1]) if "\"health\"" in l}
print(" ".join(sorted(runs)))' "$TZ_TMP/$1.jsonl")
    [ "${r%% *}" = "$h" ] || tz_fail "$1: logged run '$r', health events say '$h'"
    echo "$r"
}
i=0
for name in a b; do
    timeout 60 "$S" -r "${caps[$i]}" "${SOPT[@]}" --jsonl "$TZ_TMP/$name.jsonl" \
        2>"$TZ_TMP/$name.log" || tz_fail "run $name exited $?"
    i=$((i + 1))
done
ra=$(run_of a)
rb=$(run_of b)
echo "no state dir: run a $ra, run b $rb"
[[ "$ra" == *"(new: no state dir)" ]] && [[ "$rb" == *"(new: no state dir)" ]] ||
    tz_fail "runs without a state dir are not said to be new"
[ "${ra%% *}" != "${rb%% *}" ] || tz_fail "two runs without a state dir share the run id"
[ "${ra%% *}" != 0000000000000000 ] || tz_fail "run id 0"

for name in c d; do
    timeout 60 "$S" -r "${caps[0]}" "${SOPT[@]}" --state-dir "$TZ_TMP/state" \
        --jsonl "$TZ_TMP/$name.jsonl" 2>"$TZ_TMP/$name.log" || tz_fail "run $name exited $?"
done
rc_=$(run_of c)
rd=$(run_of d)
echo "state dir: run c $rc_, run d $rd"
[[ "$rc_" == *"(new: new state dir)" ]] || tz_fail "a new state dir did not draw a new run: $rc_"
[[ "$rd" == "${rc_%% *} (continued from state dir)" ]] || tz_fail "the state dir did not keep the run: $rd"
grep -q "^run ${rc_%% *}$" "$TZ_TMP/state/seq" || tz_fail "the run is not in the state file"

for r in "${ra%% *}" "${rb%% *}" "${rc_%% *}"; do
    [ "$(grep -c "sensor runner: run $r is new" "$TZ_TMP/collector.log")" -eq 1 ] ||
        tz_fail "the collector did not log run $r exactly once"
done
runs_metric='tanzhen_collector_sensor_runs_total{sensor="runner"}'
[ "$(tz_metric "$runs_metric")" = 3 ] ||
    tz_fail "$runs_metric is $(tz_metric "$runs_metric"), expected 3"
echo "delivery_run_id: ok"
