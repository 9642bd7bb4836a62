#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_reconcile_selftest.sh - the fault tests' judge can fail: tz_reconcile.py over small
# made-up sensor output, store and Kafka dump passes the consistent case and fails each
# broken one (an event missing from the store, from Kafka, stored twice in two day files,
# stored with another id or other JSON, a stored seq never emitted, a gap, seq reuse after
# a restart), and after a killed run it reports the skipped range and at most one unsealed
# trailing batch instead of failing (but fails more than one, or a hole before the tail).
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
tz_need sqlite3
RECON=(/usr/bin/python3 "$TZ_SRC/tests/integration/tz_reconcile.py")
cd "$TZ_TMP"

ev() { printf '{"v":1,"seq":%d,"type":"ics","id":"id%d","ts":"2026-01-01T00:00:00.000000Z","sensor":"s1"}\n' "$1" "${2:-$1}"; }
# mkstore DIR FILE SEQS...: a day file with the documented events columns
mkstore() {
    local dir=$1 file=$2
    shift 2
    mkdir -p "$dir"
    sqlite3 "$dir/$file" "CREATE TABLE IF NOT EXISTS events (pos INTEGER PRIMARY KEY, id TEXT, type TEXT, sensor TEXT, seq INTEGER, json TEXT)"
    local s
    for s in "$@"; do
        sqlite3 "$dir/$file" "INSERT INTO events (id, type, sensor, seq, json) VALUES ('id$s', 'ics', 's1', $s, '$(ev "$s")')"
    done
}
run() { # expect(0|1) name args...
    local want=$1 name=$2 rc=0
    shift 2
    "${RECON[@]}" --label "$name" --sensor s1 "$@" >"$name.txt" 2>&1 || rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$name.txt"
        tz_fail "case $name: exit $rc, expected $want"
    fi
    echo "case $name: exit $rc as expected ($(grep -m1 FAILED: "$name.txt" | sed 's/^ *//' || echo verdict ok))"
}

for s in 1 2 3 4 5 6; do ev "$s"; done >all.jsonl
for s in 1 2 3 4 5 6; do ev "$s"; done >kafka.txt
ev 3 >>kafka.txt                                    # a repeat in Kafka is allowed
mkstore ok d1.db 1 2 3; mkstore ok d2.db 4 5 6
run 0 consistent --jsonl all.jsonl --store ok --kafka kafka.txt
grep -q "emitted 6, stored 6, duplicates dropped ?, in Kafka 7 (6 distinct seqs, 1 repeated), lost 0" consistent.txt ||
    tz_fail "figures wrong: $(head -n 1 consistent.txt)"

mkstore miss d1.db 1 2 3 5 6
run 1 missing_in_store --jsonl all.jsonl --store miss --kafka kafka.txt
grep -v '"seq":4,' kafka.txt >kafka-miss.txt
run 1 missing_in_kafka --jsonl all.jsonl --store ok --kafka kafka-miss.txt
mkstore twice d1.db 1 2 3 4; mkstore twice d2.db 4 5 6
run 1 stored_twice --jsonl all.jsonl --store twice --kafka kafka.txt
mkstore otherid d1.db 1 2 3 4 5
sqlite3 otherid/d1.db "INSERT INTO events (id, type, sensor, seq, json) VALUES ('idX', 'ics', 's1', 6, '$(ev 6)')"
run 1 other_id --jsonl all.jsonl --store otherid --kafka kafka.txt
mkstore otherjson d1.db 1 2 3 4 5 6
sqlite3 otherjson/d1.db "UPDATE events SET json = replace(json, 'ics', 'flow') WHERE seq = 2"
run 1 other_json --jsonl all.jsonl --store otherjson --kafka kafka.txt
mkstore extra d1.db 1 2 3 4 5 6 7
run 1 never_emitted --jsonl all.jsonl --store extra --kafka kafka.txt

# a killed run: run 1 logged 1..3 (4 stored but unlogged), run 2 starts at 10
for s in 1 2 3; do ev "$s"; done >run1.jsonl
printf '{"v":1,"seq":4,"ty' >>run1.jsonl               # cut mid-line by the kill
for s in 10 11 12; do ev "$s"; done >run2.jsonl
mkstore killed d1.db 1 2 3 4 10 11 12
for s in 1 2 3 4 10 11 12; do ev "$s"; done >kafka-killed.txt
run 0 killed_skip --jsonl run1.jsonl --killed run1.jsonl --jsonl run2.jsonl --store killed --kafka kafka-killed.txt
grep -q "1 events stored that its --jsonl had not flushed .*; 5 seqs skipped at the restart (5..9)" killed_skip.txt ||
    tz_fail "killed run figures wrong: $(sed -n 3p killed_skip.txt)"
# ...but not without --killed, and not a gap inside a run
for s in 1 2 3 4; do ev "$s"; done >run1whole.jsonl
run 1 gap_without_killed --jsonl run1whole.jsonl --jsonl run2.jsonl --store killed --kafka kafka-killed.txt
grep -q "FAILED: the store has gaps in the sensor's seqs: 5..9" gap_without_killed.txt ||
    tz_fail "gap 5..9 not reported"
mkstore gap2 d1.db 1 2 3 4 10 12
run 1 gap_in_run2 --jsonl run1.jsonl --killed run1.jsonl --jsonl run2.jsonl --store gap2 --kafka kafka-killed.txt
# the killed run's unsealed batch: logged 1..6, sealed and stored 1..4, run 2 from 10
for s in 1 2 3 4 5 6; do ev "$s"; done >run1u.jsonl
mkstore unsealed d1.db 1 2 3 4 10 11 12
for s in 1 2 3 4 10 11 12; do ev "$s"; done >kafka-u.txt
run 0 unsealed_tail --jsonl run1u.jsonl --killed run1u.jsonl --jsonl run2.jsonl --store unsealed \
    --kafka kafka-u.txt --unsealed-max 2
grep -q "2 events logged but never sealed into a batch before SIGKILL (seqs 5..6" unsealed_tail.txt ||
    tz_fail "unsealed figures wrong: $(sed -n 3p unsealed_tail.txt)"
run 1 unsealed_too_many --jsonl run1u.jsonl --killed run1u.jsonl --jsonl run2.jsonl \
    --store unsealed --kafka kafka-u.txt --unsealed-max 1
mkstore unsealed_hole d1.db 1 2 4 10 11 12
run 1 unsealed_not_trailing --jsonl run1u.jsonl --killed run1u.jsonl --jsonl run2.jsonl \
    --store unsealed_hole --kafka kafka-u.txt --unsealed-max 6
# a restarted run that reuses seqs
for s in 3 4 5; do ev "$s" "$((s + 100))"; done >run2reuse.jsonl
run 1 seq_reuse --jsonl run1.jsonl --killed run1.jsonl --jsonl run2reuse.jsonl --store killed --kafka kafka-killed.txt
echo "fault_reconcile_selftest: ok"
