#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The collector's ingest benchmark still runs (no timing is judged here): sqlite_floor
# inserts every row of a tz_send.py dump into each of its three tables and refuses bad
# arguments; tests/bench/collector.sh, in its send mode, prints the floor, the collector's
# figures, the CPU split with the store thread, the ratio and a verified chain; in its
# replay mode a real sensor's events are all acked, counted and verified.
set -uo pipefail
FLOOR="$TZ_BUILD/tests/bench/sqlite_floor"
[ -x "$FLOOR" ] || { echo "skip: $FLOOR not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

/usr/bin/python3 "$TZ_SRC/tests/integration/tz_send.py" - --batches 7 --events 30 \
  --dump-jsonl "$T/rows.jsonl" || exit 1
[ "$(wc -l <"$T/rows.jsonl")" = 210 ] || { echo "FAIL: the dump has not 210 rows"; fail=1; }
"$FLOOR" "$T/rows.jsonl" "$T" 50 full >"$T/floor.out" || { echo "FAIL: sqlite_floor"; fail=1; }
for table in bare columns indexed; do
  grep -Eq "^$table 210 [0-9.]+ [0-9]+$" "$T/floor.out" ||
    { echo "FAIL: sqlite_floor: no '$table 210 ...' line"; cat "$T/floor.out"; fail=1; }
done
"$FLOOR" "$T/rows.jsonl" "$T" 0 2>"$T/err" && { echo "FAIL: 0 rows a commit accepted"; fail=1; }
grep -q "ROWS_PER_COMMIT" "$T/err" || { echo "FAIL: no message for 0 rows a commit"; fail=1; }
"$FLOOR" "$T/rows.jsonl" "$T" 50 full nosuch 2>"$T/err" && { echo "FAIL: unknown table"; fail=1; }

bash "$TZ_SRC/tests/bench/collector.sh" "$TZ_BUILD" 12 40 normal on curve >"$T/send.out" 2>&1 ||
  { echo "FAIL: collector.sh exited $?"; fail=1; }
for want in '^floor \(sqlite_floor, the same 480 rows, [0-9]+ rows a transaction' \
  'bare [0-9]+ rows/s, columns [0-9]+ rows/s, indexed [0-9]+ rows/s' \
  '^collector \(tz_send.py, synchronous=normal, kafka on, curve\): 480 events in 12 batches' \
  'events per CPU-second' '^CPU split: .*tz-store' '^CPU split: .*receiver \(main thread\)' \
  'collector peak RSS [0-9]+ MiB' '^ratio to the floor \(wall\): [0-9.]+ of bare' \
  '^verify: ok, [0-9]+ batches, [0-9]+ events'; do
  grep -Eq "$want" "$T/send.out" || { echo "FAIL: collector.sh printed no line matching '$want'"; fail=1; }
done

bash "$TZ_SRC/tests/bench/collector.sh" "$TZ_BUILD" replay 3000 normal on plain >"$T/replay.out" 2>&1 ||
  { echo "FAIL: collector.sh replay exited $?"; fail=1; }
ev=$(grep -Eo '^collector \(sensor replay[^:]*\): [0-9]+ events' "$T/replay.out" | grep -Eo '[0-9]+ events$' |
  grep -Eo '[0-9]+')
[ "${ev:-0}" -gt 0 ] || { echo "FAIL: the replay stored no events"; fail=1; }
grep -Eq "^sensor resends [0-9]+ batches; the collector dropped [0-9]+ duplicate events" "$T/replay.out" ||
  { echo "FAIL: no resend line"; fail=1; }
# the store also holds the collector's own events (health, analytics): at least the replay's
stored=$(grep -Eo '^verify: ok, [0-9]+ batches, [0-9]+ events' "$T/replay.out" | grep -Eo '[0-9]+ events$' |
  grep -Eo '[0-9]+')
[ "${stored:-0}" -ge "${ev:-1}" ] ||
  { echo "FAIL: the replay's chain does not verify with $ev events (verify: ${stored:-none})"; fail=1; }
[ $fail -eq 0 ] || { cat "$T/send.out" "$T/replay.out"; exit 1; }
echo "ok: sqlite_floor inserted 210 rows into each table; collector.sh ran (send and replay, $ev events)"
