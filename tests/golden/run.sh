#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - golden tests: replays every pcaps/*.pcap and *.pcapng that has
# pcaps/expected/<name>.jsonl through the sensor (one worker, sensor id "golden") and diffs
# the events, health events removed and seq renumbered (normalize.py), against that file.
# Prints one line per capture and the diff of any that differ; exits 1 if one does.
# --update (or TZ_GOLDEN_UPDATE=1) rewrites the expected files instead, creating missing
# ones: read the result before committing it, since a golden file freezes what the code does.
# Usage: bash tests/golden/run.sh [--update] [BUILD_DIR] [CAPTURE_NAME...]
#   BUILD_DIR defaults to $TZ_BUILD, then build/; names restrict the run to some captures.
set -euo pipefail

SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
UPDATE=${TZ_GOLDEN_UPDATE:-}
if [ "${1:-}" = "--update" ]; then
  UPDATE=1
  shift
fi
BUILD=${1:-${TZ_BUILD:-$SRC/build}}
[ $# -gt 0 ] && shift
ONLY=("$@")
SENSOR="$BUILD/sensor/tanzhen-sensor"
PY=/usr/bin/python3
NORMALIZE="$SRC/tests/golden/normalize.py"
EXPECTED="$SRC/pcaps/expected"

if [ ! -x "$SENSOR" ]; then
  echo "golden: $SENSOR not built; skipped" >&2
  exit 77
fi

TMP=$(mktemp -d /tmp/tz-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$EXPECTED"

wanted() {
  local n
  [ ${#ONLY[@]} -eq 0 ] && return 0
  for n in "${ONLY[@]}"; do
    [ "$n" = "$1" ] && return 0
  done
  return 1
}

checked=0
failed=0
shopt -s nullglob
for pcap in "$SRC"/pcaps/*.pcap "$SRC"/pcaps/*.pcapng; do
  base=$(basename "$pcap")
  name=${base%.*}
  wanted "$name" || continue
  exp="$EXPECTED/$name.jsonl"
  if [ -z "$UPDATE" ] && [ ! -f "$exp" ]; then
    echo "golden: $name: no expected file, not checked"
    continue
  fi
  checked=$((checked + 1))
  rc=0
  timeout 120 "$SENSOR" -r "$pcap" --jsonl - -w 1 --sensor-id golden \
    >"$TMP/raw" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "golden: $name: FAIL: sensor exit status $rc"
    sed 's/^/  | /' "$TMP/err" | tail -n 20
    failed=$((failed + 1))
    continue
  fi
  if ! "$PY" "$NORMALIZE" <"$TMP/raw" >"$TMP/got" 2>"$TMP/nerr"; then
    echo "golden: $name: FAIL: $(cat "$TMP/nerr")"
    failed=$((failed + 1))
    continue
  fi
  events=$(wc -l <"$TMP/got")
  if [ -n "$UPDATE" ]; then
    if [ -f "$exp" ] && cmp -s "$exp" "$TMP/got"; then
      echo "golden: $name: unchanged ($events events)"
    else
      cp "$TMP/got" "$exp"
      echo "golden: $name: WROTE $exp ($events events)"
    fi
  elif cmp -s "$exp" "$TMP/got"; then
    echo "golden: $name: ok ($events events)"
  else
    # Diff field by field (one `<ts> <type> <path> = <value>` per line): names what changed.
    echo "golden: $name: FAIL: events differ from expected/$name.jsonl (- expected, + sensor)"
    "$PY" "$NORMALIZE" --flatten <"$exp" >"$TMP/exp.flat"
    "$PY" "$NORMALIZE" --flatten <"$TMP/got" >"$TMP/got.flat"
    diff -U 2 --label "expected/$name.jsonl" --label sensor "$TMP/exp.flat" "$TMP/got.flat" \
      | head -n 200 || true
    failed=$((failed + 1))
  fi
done

if [ "$checked" -eq 0 ]; then
  echo "golden: no capture with an expected file; skipped"
  exit 77
fi
echo "golden: $((checked - failed))/$checked captures ok"
[ "$failed" -eq 0 ]
