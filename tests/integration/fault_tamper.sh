#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_tamper.sh - issue 5 fault 6, issue 10 defects 3 and 4: what is altered or cut on
# disk is found. The sensor replays the ~115,000-event capture into the collector
# (reconciliation printed), the collector stops, `tanzhen-collector verify` exits 0 on the
# intact store; then, one at a time and each undone before the next (verify exits 0 again):
#   an event edited inside its compressed block (op of one event, recompressed) -> exit 1,
#     the batch and "body" named
#   every column of a batch row edited with sqlite3, and an index row -> exit 1, column named
#   a batch deleted in the middle -> exit 1, "deleted", the batch named
#   the last 26 batches deleted (a cut tail) -> exit 1 against meta.db; without meta.db
#     against the signed checkpoint; without both, against the last collector health event
#     taken from Kafka (--anchor) -> exit 1, "gone"
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector --set health.interval_s=1
fz_start_sensor sensor "$FZ_PCAP" "$TZ_TMP/sensor.jsonl"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the sensor exited with $TZ_RC (0 = everything acked)"
fz_settle "fault 6 (the store before tampering)" --jsonl "$TZ_TMP/sensor.jsonl"
[ "$FZ_RECONCILE_RC" -eq 0 ] || tz_fail "the reconciliation failed before any tampering"

verify() {
    VERIFY_RC=0
    timeout 120 "$FZ_COLLECTOR_BIN" verify --store "$FZ_STORE" "$@" >"$TZ_TMP/verify.out" 2>&1 ||
        VERIFY_RC=$?
}
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails on the intact store"; }
fz_log "intact store: verify exit 0 ($(tail -n 1 "$TZ_TMP/verify.out"))"

# the last collector health event in Kafka: an anchor held outside the store
timeout 30 kcat -b "$BOOTSTRAP" -C -t "$FZ_PREFIX.health" -o beginning -e -q 2>/dev/null |
    grep '"role":"collector"' | tail -n 1 >"$TZ_TMP/health-anchor.json" || true
[ -s "$TZ_TMP/health-anchor.json" ] || tz_fail "no collector health event in Kafka"

# the day file with most batches, a batch in its middle
db=$(for f in "$FZ_STORE"/events-*.db; do
    echo "$(sqlite3 "$f" "SELECT count(*) FROM batches WHERE sensor='$FZ_SENSOR_ID'") $f"
done | sort -n | tail -n 1 | cut -d' ' -f2)
[ -n "$db" ] || tz_fail "no day file holds the sensor's batches"
sq() { sqlite3 -batch -bail "$db" "$@"; }
cp "$db" "$TZ_TMP/day.bak"
# undo: the day file as it was, byte for byte (verify runs once on it at the end)
restore() {
    cp "$TZ_TMP/day.bak" "$db"
    rm -f "$db-wal" "$db-shm"
}
# an early batch of the sensor: verify stops at the first problem, so each check is quick
mid=$(sq "SELECT id FROM batches WHERE sensor='$FZ_SENSOR_ID' ORDER BY id LIMIT 1 OFFSET 2")
fz_log "tampering with $(basename "$db") (batch $mid of $FZ_SENSOR_ID)"
expect() { # expect WHAT NEEDLE...: verify exits 1 and names each needle
    local what=$1 n
    shift
    fz_log "$what: verify exit $VERIFY_RC: $(head -n 1 "$TZ_TMP/verify.out")"
    [ "$VERIFY_RC" -eq 1 ] || tz_fail "verify exited $VERIFY_RC on $what (expected 1)"
    for n in "$@"; do
        grep -qF -- "$n" "$TZ_TMP/verify.out" || tz_fail "verify did not name '$n' for $what"
    done
}
results=()

# 1. one event changed inside its block: out with writefile, zstd -d, edit, zstd, back in
sq "SELECT writefile('$TZ_TMP/b.zst', body) FROM batches WHERE id = $mid" >/dev/null
zstd -q -d -f "$TZ_TMP/b.zst" -o "$TZ_TMP/b.raw"
"$FZ_PY" - "$TZ_TMP/b.raw" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
out, off, done = b"", 0, False
while off < len(raw):  # u8 type | u64 seq | i64 ts | u16 cid_len | cid | u32 len | line
    cl = struct.unpack_from("<H", raw, off + 17)[0]
    hdr = raw[off:off + 19 + cl]
    ln = struct.unpack_from("<I", raw, off + 19 + cl)[0]
    line = raw[off + 23 + cl:off + 23 + cl + ln]
    off += 23 + cl + ln
    ev = json.loads(line)
    if not done and "op" in ev:
        ev["op"] = "tampered"
        line = json.dumps(ev, separators=(",", ":")).encode()
        done = True
    out += hdr + struct.pack("<I", len(line)) + line
assert done, "no ics event in the batch"
open(sys.argv[1], "wb").write(out)
PY
zstd -q -3 -f "$TZ_TMP/b.raw" -o "$TZ_TMP/b2.zst"
sq "UPDATE batches SET body = readfile('$TZ_TMP/b2.zst') WHERE id = $mid"
verify
expect "an event edited in its block" "at batch $mid " "body"
results+=("event edit: batch and body named")
restore "the event edit"

# 2. every column of the batch row, and an index row
for edit in "sensor = 'other'" "run = run + 1" "batch_seq = batch_seq + 1" \
    "first_seq = first_seq + 1" "last_seq = last_seq - 1" "count = count - 1" \
    "first_pos = first_pos + 1" "events_end = events_end + 1" "received = received + 1" \
    "ts_min = ts_min - 1" "ts_max = ts_max + 1" "topics = 0" "kind = 5" \
    "prev_hash = zeroblob(32)" "hash = zeroblob(32)"; do
    col=${edit%% *}
    sq "UPDATE batches SET $edit WHERE id = $mid"
    verify
    expect "column $col" "at batch $mid " "$col"
    restore "the $col edit"
done
sq "UPDATE keys SET k = 'a203.0.113.66' WHERE rowid IN (SELECT rowid FROM keys WHERE batch = $mid AND k LIKE 'a%' LIMIT 1)" 2>/dev/null ||
    sq "UPDATE keys SET k = 'a203.0.113.66' WHERE batch = $mid AND k = (SELECT min(k) FROM keys WHERE batch = $mid AND k LIKE 'a%')"
verify
expect "an index row" "at batch $mid " "keys"
restore "the index edit"
results+=("every batch column and an index row: named")

# 3. a batch deleted in the middle
sq "DELETE FROM batches WHERE id = $mid; DELETE FROM keys WHERE batch = $mid"
verify
expect "a deleted batch" "at batch $mid " "deleted"
results+=("deleted batch: named")
restore "the deletion"
verify
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails after every undo"; }

# 4. a cut tail: the last 26 batches of the chain, wherever they are
cp -a "$FZ_STORE" "$TZ_TMP/store.bak"
head_id=$(for f in "$FZ_STORE"/events-*.db; do sqlite3 "$f" "SELECT max(id) FROM batches"; done | sort -n | tail -n 1)
cut=$((head_id - 25))
for f in "$FZ_STORE"/events-*.db; do
    sqlite3 "$f" "DELETE FROM batches WHERE id >= $cut; DELETE FROM keys WHERE batch >= $cut"
done
verify
expect "a cut tail (meta.db kept)" "batches $cut.." "gone"
rm -f "$FZ_STORE"/meta.db*
verify
expect "a cut tail without meta.db" "checkpoint" "gone"
rm -f "$FZ_STORE/checkpoint"
verify --anchor "$TZ_TMP/health-anchor.json"
expect "a cut tail without meta.db and checkpoint (health event from Kafka as anchor)" "gone"
results+=("cut tail: caught with meta.db, with the checkpoint, with the health event")
rm -rf "$FZ_STORE"
cp -a "$TZ_TMP/store.bak" "$FZ_STORE"
verify --anchor "$TZ_TMP/health-anchor.json"
[ "$VERIFY_RC" -eq 0 ] || { cat "$TZ_TMP/verify.out"; tz_fail "verify fails on the restored store"; }

fz_log "done in $((SECONDS - FZ_T0)) s"
echo "fault 6 (tampering): verify exit 1 for each of: ${results[*]}; exit 0 after each undo"
