#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# baseline_cmd.sh - the baseline workflow offline: `analyze --state` learns, `baseline
# export` writes the file, `list`, `accept`, `drop`, `edit`, `mode` review it (each a new
# version), `analyze --baseline FILE` enforces it (alerts name what was new: pair,
# function, address range, value range), `import` stores it in a state file; bad files and
# commands fail with a message.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$C"
cd "$TZ_TMP"

gen() { # gen PHASE: learning traffic (learn) or the case to check (case)
    /usr/bin/python3 - "$1" <<'PY'
import json, sys
phase = sys.argv[1]
n = 0
def ics(s, src, op, func, addr, qty, vals=None):
    global n
    n += 1
    m = {"unit": 1, "func": func, "addr": addr, "qty": qty}
    if vals is not None:
        m["req_values"] = vals
    print(json.dumps({"v": 1, "type": "ics", "id": "e%04d" % n, "ts":
        "2024-05-01T08:%02d:%02d.000000Z" % (s // 60, s % 60), "sensor": "s1", "seq": n,
        "src": {"ip": src, "port": 40000}, "dst": {"ip": "10.1.0.9", "port": 502},
        "proto": "modbus", "op": op, "status": "ok", "modbus": m}))
if phase == "learn":
    for s in range(60):
        ics(s, "10.2.0.3", "read", 3, 0, 10)
    ics(30, "10.2.0.3", "write", 16, 40, 2, [100, 200])
    ics(31, "10.2.0.3", "write", 6, 50, 1, [7])
else:
    for s in range(60):
        ics(s, "10.2.0.3", "read", 3, 0, 10)
    ics(10, "10.2.0.3", "write", 16, 40, 2, [150, 900])   # value outside
    ics(11, "10.2.0.3", "read", 3, 5, 20)                 # addresses outside
    ics(12, "10.2.0.3", "diagnostic", 8, 0, 1)            # new function
    ics(13, "10.2.0.77", "read", 3, 0, 10)                # new pair
    ics(14, "10.2.0.3", "write", 6, 50, 1, [7])           # dropped below: new function
PY
}
gen learn >learn.jsonl
gen case >case.jsonl
"$C" analyze --state learn.db -r learn.jsonl >/dev/null 2>analyze.log ||
    tz_fail "analyze (learn) failed"
out=$("$C" baseline export learn.db plant.json) || tz_fail "export failed: $out"
list=$("$C" baseline list plant.json) || tz_fail "list failed"
echo "$list"
[ "$(grep -c '^[0-9a-f]\{16\} ' <<<"$list")" -eq 3 ] || tz_fail "expected 3 entries"
grep -q 'poll 10.2.0.3 -> 10.1.0.9 modbus every 1.000 s' <<<"$list" || tz_fail "no polling period"
grep -q ' 100..200 ' <<<"$list" || tz_fail "no value range"
fc6=$(awk '$6 == 1 && $7 == 6 { print $1 }' <<<"$list")
fc16=$(awk '$7 == 16 { print $1 }' <<<"$list")
"$C" baseline accept plant.json all >/dev/null || tz_fail "accept all"
"$C" baseline drop plant.json "$fc6" >/dev/null || tz_fail "drop"
"$C" baseline edit plant.json "$fc16" values=0:300 >/dev/null || tz_fail "edit"
"$C" baseline mode plant.json enforce >/dev/null || tz_fail "mode"
grep -q '"version": 4' plant.json || tz_fail "four reviews, version $(grep version plant.json)"
[ "$("$C" baseline list plant.json dropped | grep -c "^$fc6")" -eq 1 ] || tz_fail "not dropped"
if "$C" baseline drop plant.json ffffffffffffffff 2>err.txt; then tz_fail "unknown id accepted"; fi
grep -q "no baseline entry" err.txt || tz_fail "no message for an unknown id"
if "$C" baseline edit plant.json "$fc16" values=9:1 2>err.txt; then tz_fail "bad edit accepted"; fi

"$C" analyze --baseline plant.json -r case.jsonl >alerts.jsonl 2>analyze.log ||
    tz_fail "analyze --baseline failed"
count() { grep -c "\"rule\":\"$1\"" alerts.jsonl || true; }
[ "$(count baseline.value_range)" -eq 1 ] || tz_fail "value_range: $(count baseline.value_range)"
[ "$(count baseline.address_range)" -eq 1 ] || tz_fail "address_range"
[ "$(count baseline.new_function)" -eq 2 ] || tz_fail "new_function: $(count baseline.new_function)"
[ "$(count baseline.new_pair)" -eq 1 ] || tz_fail "new_pair: $(count baseline.new_pair)"
[ "$(grep -c '"rule":"baseline' alerts.jsonl)" -eq 5 ] || tz_fail "unexpected baseline alerts"
# the learning traffic itself is quiet under its own baseline
"$C" analyze --baseline plant.json -r learn.jsonl >quiet.jsonl 2>/dev/null
[ "$(grep -c '"rule":"baseline' quiet.jsonl || true)" -eq 1 ] ||
    tz_fail "learning traffic raised $(grep -c '"rule":"baseline' quiet.jsonl) baseline alerts (1 expected: the dropped entry)"

out=$("$C" baseline import plant.json state2.db) || tz_fail "import failed: $out"
"$C" baseline export state2.db back.json >/dev/null || tz_fail "export after import"
cmp <(grep -v '"version"' plant.json) <(grep -v '"version"' back.json) ||
    tz_fail "import/export changed the baseline"

echo '{"format": "tanzhen-baseline", "entries": [{"client": "a"}]}' >bad.json
if "$C" analyze --baseline bad.json -r case.jsonl >/dev/null 2>err.txt; then
    tz_fail "a bad baseline file was accepted"
fi
grep -q "bad.json: entries\[0\]" err.txt || tz_fail "no clear message: $(cat err.txt)"
echo "baseline_cmd: ok"
