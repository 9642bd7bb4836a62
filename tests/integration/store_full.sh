#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# store_full.sh - issue 10, defect 7: a nearly full disk. The store lives on a small tmpfs
# filled up to ~48 kB of room; 40 batches of 2000 events arrive 32 at a time (grouped
# transactions). What fits is stored (the failing group is split down to single batches)
# and acked STORED, the rest is acked RETRY; the condition is logged once, not once per
# batch. When room returns, the same batches sent again are all stored, exactly once, and
# the store verifies. Needs root to mount a tmpfs: skipped otherwise. On a collector that
# fails the whole group, nothing is stored.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

COL="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$COL" timeout
tz_need_pyzmq
mnt="$TZ_TMP/small"
mkdir -p "$mnt"
mount -t tmpfs -o size=8m tanzhen-test "$mnt" 2>/dev/null || tz_skip "cannot mount a tmpfs here (not root?)"
umount_small() { umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true; }
small_cleanup() {
    local pid
    for pid in "${TZ_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    umount_small
    tz_cleanup
}
trap small_cleanup EXIT
port=$(tz_free_port)
ep="tcp://127.0.0.1:$port"
store="$mnt/store"
tz_start_collector collector --listen "$ep" --store "$store" --insecure \
    --set store.synchronous=normal
SEND=("${TZ_SEND[@]}" "$ep" --sensor full-s1 --batches 40 --events 2000 --window 32 --timeout 30)

# a first batch creates the day file; then the disk fills up to ~48 kB of room
out=$(timeout 60 "${TZ_SEND[@]}" "$ep" --sensor warm-up --events 10) || tz_fail "warm-up: $out"
avail=$(df -k --output=avail "$mnt" | tail -1)
dd if=/dev/zero of="$mnt/filler" bs=1k count=$((avail - 48)) status=none 2>/dev/null || true
out=$(timeout 120 "${SEND[@]}") || true
echo "nearly full: $out"
stored_acks=$(tz_json "$out" acks.STORED 2>/dev/null || echo 0)
retry_acks=$(tz_json "$out" acks.RETRY 2>/dev/null || echo 0)
[ "${stored_acks:-0}" -gt 0 ] || tz_fail "nothing was stored on the nearly full disk: $out"
[ "${retry_acks:-0}" -gt 0 ] || tz_fail "the disk never filled (test setup): $out"
n=$(tz_rows "$store" "WHERE sensor = 'full-s1'")
[ "$n" -eq $((stored_acks * 2000)) ] ||
    tz_fail "stored $n events, but $stored_acks batch(es) of 2000 were acked STORED"
full_logs=$(grep -c "the disk is full" "$TZ_TMP/collector.log" || true)
[ "$full_logs" -eq 1 ] || tz_fail "the full disk was logged $full_logs times, expected once"

# room returns: the same batches again are stored, each event once
rm -f "$mnt/filler"
out=$(timeout 120 "${SEND[@]}") || tz_fail "after room returned: $out"
[ "$(tz_json "$out" acks.STORED)" -eq 40 ] || tz_fail "not every batch stored after room returned: $out"
[ "$(tz_rows "$store" "WHERE sensor = 'full-s1'")" -eq 80000 ] || tz_fail "not 80000 events stored"
grep -q "room again" "$TZ_TMP/collector.log" || tz_fail "the recovery was not logged"
tz_stop "$COLLECTOR_PID" 30
"$COL" verify --store "$store" >"$TZ_TMP/verify.txt" || tz_fail "verify: $(cat "$TZ_TMP/verify.txt")"
echo "store_full: ok ($stored_acks of 40 batches stored while nearly full, $retry_acks refused; all 40 after; $(head -1 "$TZ_TMP/verify.txt"))"
