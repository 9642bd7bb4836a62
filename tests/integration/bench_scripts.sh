#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark still runs (no timing is judged here; timed assertions are flaky on shared
# machines): tests/bench/run.sh on a small capture exits 0 and prints every row and ratio, and
# pipeline_floor, the architecture's floor it reports, hands every packet and byte of the
# capture to its worker thread, with and without output.
set -uo pipefail
COUNT="$TZ_BUILD/tests/bench/pcap_count"
FLOOR="$TZ_BUILD/tests/bench/pipeline_floor"
GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
[ -x "$FLOOR" ] || { echo "skip: $FLOOR not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

"$GEN" "$T/m.pcap" 20000 50 3 >/dev/null || exit 1
read -r pkts bytes _ < <("$COUNT" "$T/m.pcap")
for out in "" 1 300 4096; do
  read -r fp fb _ < <("$FLOOR" "$T/m.pcap" $out) || { echo "FAIL: pipeline_floor $out"; fail=1; }
  if [ "$fp $fb" != "$pkts $bytes" ]; then
    echo "FAIL: pipeline_floor ${out:-(no output)}: $fp packets $fb bytes, pcap_count $pkts $bytes"
    fail=1
  fi
done
if "$FLOOR" "$T/m.pcap" 5000 2>"$T/err"; then
  echo "FAIL: pipeline_floor accepted 5000 bytes a packet"
  fail=1
fi
grep -q "0..4096" "$T/err" || { echo "FAIL: no message for a bad size"; fail=1; }
if "$FLOOR" "$T/nothing.pcap" 2>"$T/err"; then
  echo "FAIL: pipeline_floor read a missing file"
  fail=1
fi

TZ_BENCH_PACKETS=3000 TZ_BENCH_FLOWS=20 TZ_BENCH_RUNS=2 TZ_BENCH_NO_TSHARK=1 \
  TZ_BENCH_DIR="$T/bench" bash "$TZ_SRC/tests/bench/run.sh" "$TZ_BUILD" >"$T/run.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: run.sh exited $rc"
  fail=1
fi
for want in '^bare +2 ' '^floor +2 ' '^floor_out +2 ' '^sensor +2 ' '^start +2 ' \
  '^sensor/bare ' 'floor_out/bare [0-9.]+x' 'ns a packet for decoding'; do
  grep -Eq "$want" "$T/run.out" || { echo "FAIL: run.sh printed no line matching '$want'"; fail=1; }
done
[ $fail -eq 0 ] || { cat "$T/run.out"; exit 1; }
echo "ok: pipeline_floor delivered $pkts packets, $bytes bytes in every mode; run.sh ran"
