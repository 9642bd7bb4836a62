#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's second command: installs what is missing, builds, and runs every test.
#   1. packaging/install-deps.sh (apt, only what is missing)
#   2. a gcc build with -Werror-clean warnings and the whole CTest suite (unit, dissector
#      vectors, fuzz-corpus replays, golden pcaps, oracle against tshark, integration)
#   3. a clang build of the same code (warnings checked), and the libFuzzer targets run
#      briefly under ASan/UBSan (TZ_FUZZ_SECONDS each, default 20)
# .ci/run runs exactly this script. Exit status is non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${TZ_FUZZ_SECONDS:-20}

./packaging/install-deps.sh

echo "== build (gcc)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS" 2>&1 | tee build/build.log | grep -E "warning|error" || true
if grep -qE "warning:|error:" build/build.log; then
  echo "test.sh: the gcc build has warnings or errors (see above)"; exit 1
fi

echo "== tests (ctest)"
(cd build && ctest --output-on-failure -j"$JOBS" --timeout 900)

echo "== build (clang, warnings only)"
CC=clang cmake -S . -B build-clang -DTZ_TESTS=OFF >/dev/null
cmake --build build-clang -j"$JOBS" 2>&1 | tee build-clang/build.log | grep -E "warning|error" || true
if grep -qE "warning:|error:" build-clang/build.log; then
  echo "test.sh: the clang build has warnings or errors (see above)"; exit 1
fi

echo "== fuzz (libFuzzer + ASan/UBSan, ${FUZZ_SECONDS}s per target)"
CC=clang cmake -S . -B build-fuzz -DTZ_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j"$JOBS" >/dev/null
fuzz_fail=0
for t in build-fuzz/tests/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  corpus="$ROOT/tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="build-fuzz/$name-" "$work" >"build-fuzz/$name.log" 2>&1; then
    runs=$(grep -E "stat::number_of_executed_units" "build-fuzz/$name.log" | awk '{print $2}')
    echo "fuzz $name: ok, ${runs:-?} inputs in ${FUZZ_SECONDS}s"
  else
    echo "fuzz $name: FAILED"; tail -40 "build-fuzz/$name.log"; fuzz_fail=1
  fi
  rm -rf "$work"
done
[ $fuzz_fail -eq 0 ] || { echo "test.sh: a fuzz target failed"; exit 1; }
echo "test.sh: all tests passed"
