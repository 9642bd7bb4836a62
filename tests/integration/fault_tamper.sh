#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_tamper.sh - issue 5, fault 6: a stored record altered on disk is found. The sensor
# replays the ~115,000-event capture into the collector (reconciliation printed), the
# collector stops, `tanzhen-collector verify --store DIR` exits 0 on the intact store; then,
# one at a time and each undone before the next (verify exits 0 again after each undo):
#   changed   one row's JSON edited with sqlite3                 -> exit 1, the row named
#   deleted   one row deleted                                    -> exit 1, the row named
#   reordered two neighbouring rows swap their content (seq, id, JSON, ...) -> exit 1, one named
# "Named" means the verify output carries the row's event id, or its seq or pos as a word
# after "seq", "pos", "record", "row" or "event" (not the start of a range "A..B").
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector
fz_start_sensor sensor "$FZ_PCAP" "$TZ_TMP/sensor.jsonl"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the sensor exited with $TZ_RC (0 = everything acked)"
fz_settle "fault 6 (the store before tampering)" --jsonl "$TZ_TMP/sensor.jsonl"
[ "$FZ_RECONCILE_RC" -eq 0 ] || tz_fail "the reconciliation failed before any tampering"

verify() {
    VERIFY_RC=0
    timeout 120 "$FZ_COLLECTOR_BIN" verify --store "$FZ_STORE" >"$TZ_TMP/verify.out" 2>&1 ||
        VERIFY_RC=$?
}
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails on the intact store"; }
fz_log "intact store: verify exit 0 ($(tail -n 1 "$TZ_TMP/verify.out"))"

# the day file with most of the sensor's rows, and a row in its middle
db=$("$FZ_PY" - "$FZ_STORE" "$FZ_SENSOR_ID" <<'PY'
import os, sqlite3, sys
best = (0, "")
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        p = os.path.join(root, name)
        with open(p, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                continue
        c = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
        if c.execute("SELECT count(*) FROM sqlite_master WHERE name='events'").fetchone()[0]:
            n = c.execute("SELECT count(*) FROM events WHERE sensor=?", (sys.argv[2],)).fetchone()[0]
            best = max(best, (n, p))
        c.close()
print(best[1])
PY
)
[ -n "$db" ] || tz_fail "no day file holds the sensor's events"
sq() { sqlite3 -batch -bail "$db" "$@"; }
n=$(sq "SELECT count(*) FROM events WHERE sensor='$FZ_SENSOR_ID'")
fz_log "tampering with $(basename "$db") ($n rows of $FZ_SENSOR_ID)"

# named OUTFILE ID SEQ POS: the verify output names the row
named() {
    grep -q -- "$2" "$1" ||
        grep -Piq "(seq|pos|record|row|event)[^0-9]{0,16}\\b($3|$4)\\b(?!\\.\\.)" "$1"
}
# row POS -> "id seq" of that row
row_of() { sq "SELECT id || ' ' || seq FROM events WHERE pos=$1"; }
pos_at() { sq "SELECT pos FROM events WHERE sensor='$FZ_SENSOR_ID' ORDER BY pos LIMIT 1 OFFSET $1"; }

results=()

# 1. changed
pos=$(pos_at $((n / 2)))
read -r id seq <<<"$(row_of "$pos")"
orig=$(sq "SELECT quote(json) FROM events WHERE pos=$pos")
sq "UPDATE events SET json = json_set(json, '\$.op', 'tampered') WHERE pos=$pos"
verify
fz_log "changed pos $pos (seq $seq, id $id): verify exit $VERIFY_RC: $(head -n 3 "$TZ_TMP/verify.out" | tr '\n' ' ')"
[ "$VERIFY_RC" -eq 1 ] || tz_fail "verify exited $VERIFY_RC on a changed row (expected 1)"
named "$TZ_TMP/verify.out" "$id" "$seq" "$pos" || tz_fail "verify did not name the changed row"
results+=("changed: named")
sq "UPDATE events SET json = $orig WHERE pos=$pos"
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails after the change was undone"; }

# 2. deleted
pos=$(pos_at $((n / 3)))
read -r id seq <<<"$(row_of "$pos")"
sq "CREATE TABLE tz_saved AS SELECT * FROM events WHERE pos=$pos; DELETE FROM events WHERE pos=$pos"
verify
fz_log "deleted pos $pos (seq $seq, id $id): verify exit $VERIFY_RC: $(head -n 3 "$TZ_TMP/verify.out" | tr '\n' ' ')"
[ "$VERIFY_RC" -eq 1 ] || tz_fail "verify exited $VERIFY_RC on a deleted row (expected 1)"
named "$TZ_TMP/verify.out" "$id" "$seq" "$pos" || tz_fail "verify did not name the deleted row"
results+=("deleted: named")
sq "INSERT INTO events SELECT * FROM tz_saved; DROP TABLE tz_saved"
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails after the row was put back"; }

# 3. reordered: two neighbouring rows swap everything but pos (seq and id moved aside first,
# so no UNIQUE constraint trips half-way)
p1=$(pos_at $((2 * n / 3)))
p2=$(sq "SELECT min(pos) FROM events WHERE sensor='$FZ_SENSOR_ID' AND pos > $p1")
read -r id1 seq1 <<<"$(row_of "$p1")"
read -r id2 seq2 <<<"$(row_of "$p2")"
cols=$(sq "SELECT group_concat(name, ',') FROM pragma_table_info('events') WHERE name <> 'pos'")
sets=$(sq "SELECT group_concat(name || ' = (SELECT ' || name || ' FROM tz_swap WHERE pos <> events.pos)', ', ') FROM pragma_table_info('events') WHERE name <> 'pos'")
sq "CREATE TABLE tz_swap AS SELECT pos, $cols FROM events WHERE pos IN ($p1, $p2);
    UPDATE events SET seq = -seq, id = id || '~' WHERE pos IN ($p1, $p2);
    UPDATE events SET $sets WHERE pos IN ($p1, $p2)"
verify
fz_log "swapped pos $p1/$p2 (seq $seq1/$seq2): verify exit $VERIFY_RC: $(head -n 3 "$TZ_TMP/verify.out" | tr '\n' ' ')"
[ "$VERIFY_RC" -eq 1 ] || tz_fail "verify exited $VERIFY_RC on reordered rows (expected 1)"
named "$TZ_TMP/verify.out" "$id1" "$seq1" "$p1" || named "$TZ_TMP/verify.out" "$id2" "$seq2" "$p2" ||
    tz_fail "verify did not name either reordered row"
results+=("reordered: named")
sets=$(sq "SELECT group_concat(name || ' = (SELECT ' || name || ' FROM tz_swap WHERE pos = events.pos)', ', ') FROM pragma_table_info('events') WHERE name <> 'pos'")
sq "UPDATE events SET seq = -seq, id = id || '~' WHERE pos IN ($p1, $p2);
    UPDATE events SET $sets WHERE pos IN ($p1, $p2); DROP TABLE tz_swap"
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails after the swap was undone"; }

fz_log "done in $((SECONDS - FZ_T0)) s"
echo "fault 6 (tampering): verify exit 1 and the row named for each of: ${results[*]}; exit 0 after each undo"
