#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - times the sensor against the bare libpcap loop, ndpiReader and tshark on one large
# synthetic Modbus/TCP capture and prints packets/s, the ratios and the sensor's peak RSS;
# then the architecture's floor (pipeline_floor.c) and the sensor's start-up, which bound
# what sensor/bare can reach.
# Not a CTest: timings depend on the machine. The capture (gen_modbus_pcap) is made once in
# a temp dir and reused. Fast tools run TZ_BENCH_RUNS times in interleaved rounds (best
# kept), tshark once.
# Usage: bash tests/bench/run.sh [BUILD_DIR]      (default: build)
# Env: TZ_BENCH_PACKETS (1000000), TZ_BENCH_FLOWS (1000), TZ_BENCH_SEED (1),
#      TZ_BENCH_RUNS (3), TZ_BENCH_DIR (/tmp/tz-bench-$UID), TZ_BENCH_NO_TSHARK=1 to skip it.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" 2>/dev/null && pwd) || {
  echo "bench: build dir ${1:-$SRC/build} not found (cmake -S . -B build && cmake --build build)" >&2
  exit 2
}
PACKETS=${TZ_BENCH_PACKETS:-1000000}
FLOWS=${TZ_BENCH_FLOWS:-1000}
SEED=${TZ_BENCH_SEED:-1}
RUNS=${TZ_BENCH_RUNS:-3}
DIR=${TZ_BENCH_DIR:-/tmp/tz-bench-$(id -u)}
PCAP="$DIR/modbus_${PACKETS}_${FLOWS}_${SEED}.pcap"
SENSOR="$BUILD/sensor/tanzhen-sensor"
TIME=/usr/bin/time
mkdir -p "$DIR"

[ -x "$TIME" ] || { echo "bench: GNU time missing (packaging/install-deps.sh)" >&2; exit 2; }

# The generator and the bare loop come from the build; without a full build, compile them here.
tool() {
  local name=$1
  if [ -x "$BUILD/tests/bench/$name" ]; then
    echo "$BUILD/tests/bench/$name"
    return
  fi
  local extra=()
  case $name in
    pcap_count) ;;
    pipeline_floor) extra=(-I "$SRC/sensor" -pthread) ;;
    *) extra=("$SRC/tests/bench/bench_pcap.c") ;;
  esac
  gcc -std=c11 -D_GNU_SOURCE -O2 -o "$DIR/$name" "$SRC/tests/bench/$name.c" "${extra[@]}" \
    -lpcap >&2
  echo "bench: $name not in $BUILD, compiled into $DIR" >&2
  echo "$DIR/$name"
}
GEN=$(tool gen_modbus_pcap)
COUNT=$(tool pcap_count)

if [ ! -s "$PCAP" ]; then
  "$GEN" "$PCAP.tmp" "$PACKETS" "$FLOWS" "$SEED"
  mv "$PCAP.tmp" "$PCAP"
fi
read -r NPKTS NBYTES _ < <("$COUNT" "$PCAP")
echo "bench: $PCAP: $NPKTS packets, $NBYTES bytes, $FLOWS flows"

# measure NAME CMD...: one timed run; keeps the best wall time (s) and the largest peak RSS
# (KiB) in BEST[NAME] and RSS[NAME]; STATUS[NAME] says why a tool has no figure.
declare -A BEST RSS STATUS
measure() {
  local name=$1
  shift
  [ "${STATUS[$name]:-ok}" = ok ] || return 0
  local t0 t1 secs kib
  t0=$(date +%s%N)
  if ! "$TIME" -f %M -o "$DIR/rss" "$@" >/dev/null 2>"$DIR/$name.err"; then
    STATUS[$name]="failed (exit status; see $DIR/$name.err)"
    return 0
  fi
  t1=$(date +%s%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
  kib=$(tail -n 1 "$DIR/rss")
  if [ -z "${BEST[$name]:-}" ] || awk -v a="$secs" -v b="${BEST[$name]}" 'BEGIN { exit !(a < b) }'; then
    BEST[$name]=$secs
  fi
  [ "$kib" -gt "${RSS[$name]:-0}" ] && RSS[$name]=$kib
  STATUS[$name]=ok
}

FLOOR=$(tool pipeline_floor)
if [ -x "$SENSOR" ]; then
  # What the sensor pays whatever the capture: start-up (nDPI's tables, the rings) and
  # shutdown, timed on a capture of a few packets.
  [ -s "$DIR/tiny.pcap" ] || "$GEN" "$DIR/tiny.pcap" 10 1 "$SEED" >/dev/null
  # The JSON the sensor writes for this capture, for the floor below.
  JSON_BYTES=$("$SENSOR" -r "$PCAP" --jsonl - -w 1 2>/dev/null | wc -c)
  PER_PKT=$(awk -v b="$JSON_BYTES" -v n="$NPKTS" 'BEGIN { v = int(b / n + 0.5); print v < 1 ? 1 : v }')
else
  STATUS[sensor]="not built ($SENSOR missing)"
  STATUS[start]="not built"
  STATUS[floor_out]="no JSON volume (sensor not built)"
fi
command -v ndpiReader >/dev/null || STATUS[ndpiReader]="not installed (libndpi-bin)"

# Rounds interleave the tools, so a slow spell of a shared machine falls on all of them
# rather than on one tool's runs.
for ((round = 0; round < RUNS; round++)); do
  measure bare "$COUNT" "$PCAP"
  # the architecture's floor (pipeline_floor.c): the bare loop plus the sensor's ring hand-off
  # to a second thread, then plus writing the sensor's JSON volume; no decoding at all
  measure floor "$FLOOR" "$PCAP"
  if [ -x "$SENSOR" ]; then
    measure floor_out "$FLOOR" "$PCAP" "$PER_PKT"
    measure sensor "$SENSOR" -r "$PCAP" --jsonl /dev/null -w 1
    measure start "$SENSOR" -r "$DIR/tiny.pcap" --jsonl /dev/null -w 1
  fi
  measure ndpiReader ndpiReader -q -i "$PCAP"
done
if [ -n "${TZ_BENCH_NO_TSHARK:-}" ]; then
  STATUS[tshark]="skipped (TZ_BENCH_NO_TSHARK)"
elif command -v tshark >/dev/null; then
  measure tshark tshark -r "$PCAP" -Y modbus -T fields -e modbus.func_code
else
  STATUS[tshark]="not installed"
fi

pps() { awk -v n="$NPKTS" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

echo
printf '%-12s %5s %10s %14s %12s\n' tool runs best_s packets/s peak_rss_MiB
for name in bare floor floor_out sensor start ndpiReader tshark; do
  runs=$RUNS
  [ "$name" = tshark ] && runs=1
  if [ "${STATUS[$name]}" = ok ]; then
    rate=$(pps "${BEST[$name]}")
    [ "$name" = start ] && rate=-
    printf '%-12s %5d %10.3f %14s %12.1f\n' "$name" "$runs" "${BEST[$name]}" \
      "$rate" "$(awk -v k="${RSS[$name]}" 'BEGIN { print k / 1024 }')"
  else
    printf '%-12s %s\n' "$name" "${STATUS[$name]}"
  fi
done

echo
rc=0
if [ "${STATUS[sensor]}" = ok ]; then
  for other in bare ndpiReader tshark; do
    if [ "${STATUS[$other]}" = ok ]; then
      # Throughput ratio: above 1 means the sensor is faster.
      awk -v s="${BEST[sensor]}" -v o="${BEST[$other]}" -v n="$other" \
        'BEGIN { printf "sensor/%-11s %6.2fx packets/s\n", n, o / s }'
    fi
  done
  echo "sensor peak RSS: $(awk -v k="${RSS[sensor]}" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
  if [ "${STATUS[floor_out]}" = ok ] && [ "${STATUS[start]}" = ok ] && [ "${STATUS[bare]}" = ok ]; then
    echo
    echo "floor:     the bare loop + the ring hand-off to a worker thread that only counts"
    echo "floor_out: the same + the sensor's ${PER_PKT} B of JSON a packet written to /dev/null"
    echo "start:     the sensor on a ${DIR}/tiny.pcap of a few packets (start-up, shutdown)"
    awk -v b="${BEST[bare]}" -v f="${BEST[floor]}" -v fo="${BEST[floor_out]}" \
      -v s="${BEST[sensor]}" -v st="${BEST[start]}" -v n="$NPKTS" 'BEGIN {
        printf "floor/bare %.2fx, floor_out/bare %.2fx: what the architecture allows before decoding\n", b / f, b / fo
        printf "0.5x of bare means finishing in %.3f s; start-up takes %.3f s of it, which leaves\n", 2 * b, st
        printf "%.0f ns a packet for decoding, flows, reassembly and JSON; the sensor spends %.0f now\n", (2 * b - st) / n * 1e9, (s - st) / n * 1e9
      }'
  fi
else
  echo "sensor: ${STATUS[sensor]}; no ratios"
  rc=1
fi
for name in bare ndpiReader tshark; do
  case "${STATUS[$name]}" in
    failed*) rc=1 ;;
  esac
done
exit $rc
