#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - times the sensor against the bare libpcap loop, ndpiReader and tshark on one large
# synthetic Modbus/TCP capture and prints packets/s, the ratios and the sensor's peak RSS.
# Not a CTest: timings depend on the machine. The capture (gen_modbus_pcap) is made once in
# a temp dir and reused. Fast tools run TZ_BENCH_RUNS times (best kept), tshark once.
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
  [ "$name" = pcap_count ] || extra=("$SRC/tests/bench/bench_pcap.c")
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

# measure NAME RUNS CMD...: best wall time (s) and largest peak RSS (KiB) over RUNS runs,
# into BEST[NAME] and RSS[NAME]; STATUS[NAME] says why a tool has no figure.
declare -A BEST RSS STATUS
measure() {
  local name=$1 runs=$2
  shift 2
  local i t0 t1 secs kib best="" rss=0
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    if ! "$TIME" -f %M -o "$DIR/rss" "$@" >/dev/null 2>"$DIR/$name.err"; then
      STATUS[$name]="failed (exit status; see $DIR/$name.err)"
      return
    fi
    t1=$(date +%s%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
    kib=$(tail -n 1 "$DIR/rss")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$secs
    fi
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  BEST[$name]=$best
  RSS[$name]=$rss
  STATUS[$name]=ok
}

measure bare "$RUNS" "$COUNT" "$PCAP"
if [ -x "$SENSOR" ]; then
  measure sensor "$RUNS" "$SENSOR" -r "$PCAP" --jsonl /dev/null -w 1
else
  STATUS[sensor]="not built ($SENSOR missing)"
fi
if command -v ndpiReader >/dev/null; then
  measure ndpiReader "$RUNS" ndpiReader -q -i "$PCAP"
else
  STATUS[ndpiReader]="not installed (libndpi-bin)"
fi
if [ -n "${TZ_BENCH_NO_TSHARK:-}" ]; then
  STATUS[tshark]="skipped (TZ_BENCH_NO_TSHARK)"
elif command -v tshark >/dev/null; then
  measure tshark 1 tshark -r "$PCAP" -Y modbus -T fields -e modbus.func_code
else
  STATUS[tshark]="not installed"
fi

pps() { awk -v n="$NPKTS" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

echo
printf '%-12s %5s %10s %14s %12s\n' tool runs best_s packets/s peak_rss_MiB
for name in bare sensor ndpiReader tshark; do
  runs=$RUNS
  [ "$name" = tshark ] && runs=1
  if [ "${STATUS[$name]}" = ok ]; then
    printf '%-12s %5d %10.3f %14s %12.1f\n' "$name" "$runs" "${BEST[$name]}" \
      "$(pps "${BEST[$name]}")" "$(awk -v k="${RSS[$name]}" 'BEGIN { print k / 1024 }')"
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
