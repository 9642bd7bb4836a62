#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_analytics.sh - the analytics benchmark tool still runs (no timing is judged): on
# the project's expected events it feeds the asked number of events and prints every row.
set -uo pipefail
B="$TZ_BUILD/tests/bench/bench_analytics"
[ -x "$B" ] || { echo "skip: $B not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat "$TZ_SRC"/pcaps/expected/*.jsonl >"$T/ev.jsonl"
"$B" "$T/ev.jsonl" 20000 >"$T/out" 2>&1 || { cat "$T/out"; echo "FAIL: bench_analytics"; exit 1; }
for row in "20000 fed" "parse (jansson" "analytics (parsed tree)" "analyze (parse" "ratio" "produced:"; do
    grep -q "$row" "$T/out" || { cat "$T/out"; echo "FAIL: no '$row' row"; exit 1; }
done
"$B" "$T/nothing.jsonl" 10 2>/dev/null && { echo "FAIL: a missing input was accepted"; exit 1; }
echo "bench_analytics: runs ($(grep 'analytics (parsed' "$T/out" | tr -s ' '))"
