#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# protocols.sh - the cost per packet of each protocol's decoding, against Modbus/TCP, in one
# run: a synthetic capture per protocol of about the same size (the project's generators:
# gen_modbus_pcap, pcaps/gen/dnp3_gen.py, s7comm_session.py, iec104_session.py), the sensor
# on each (--jsonl /dev/null, 1 worker, TZ_BENCH_RUNS interleaved rounds by proto_cpu.py),
# and the CPU microseconds per packet (user + system, less sensitive to a busy machine than
# wall time; the least and the median of the rounds, each less the start-up cost measured the
# same way on a tiny capture) with the ratio to Modbus, and the JSON bytes each packet turns
# into; and, with valgrind, the instructions per packet (callgrind, less start-up), which a
# busy machine does not move. The issue's bar: DNP3 and S7 within 1.5x of Modbus.
# Not a CTest.
# Usage: bash tests/bench/protocols.sh [BUILD_DIR]
# Env: TZ_BENCH_PACKETS (200000), TZ_BENCH_FLOWS (200), TZ_BENCH_RUNS (9), TZ_BENCH_DIR,
#      TZ_BENCH_INSTR=0 to skip the instruction counts (about a minute).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
PACKETS=${TZ_BENCH_PACKETS:-200000}
FLOWS=${TZ_BENCH_FLOWS:-200}
RUNS=${TZ_BENCH_RUNS:-9}
DIR=${TZ_BENCH_DIR:-/tmp/tz-bench-$(id -u)}
SENSOR="$BUILD/sensor/tanzhen-sensor"
PY=/usr/bin/python3
mkdir -p "$DIR"

make_pcap() {
  local proto=$1 out="$DIR/proto_${1}_${PACKETS}_${FLOWS}.pcap"
  if [ ! -s "$out" ]; then
    case $proto in
      modbus) "$BUILD/tests/bench/gen_modbus_pcap" "$out.tmp" "$PACKETS" "$FLOWS" 1 >/dev/null ;;
      dnp3) $PY "$SRC/pcaps/gen/dnp3_gen.py" --packets "$PACKETS" --flows "$FLOWS" "$out.tmp" >/dev/null ;;
      s7comm) $PY "$SRC/pcaps/gen/s7comm_session.py" --packets "$PACKETS" --flows "$FLOWS" "$out.tmp" >/dev/null ;;
      # its --packets counts per flow
      iec104) $PY "$SRC/pcaps/gen/iec104_session.py" --packets $((PACKETS / FLOWS)) --flows "$FLOWS" "$out.tmp" >/dev/null ;;
    esac
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# Instructions the sensor executes on $1 (valgrind's callgrind, one run): the same on any
# machine, busy or not. Empty when valgrind is missing or TZ_BENCH_INSTR=0.
instr_run() {
  [ "${TZ_BENCH_INSTR:-1}" != 0 ] && command -v valgrind >/dev/null || return 0
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$SENSOR" -r "$1" --jsonl /dev/null \
    -w 1 2>&1 >/dev/null | awk '/Collected :/ { print $NF }'
}

# What a run costs before and after its packets (nDPI's tables, the rings, the flow table):
# the same sensor on a capture of a few packets. It is taken off each protocol's figures,
# so they are per packet and do not shrink as the capture grows.
tiny="$DIR/proto_startup.pcap"
[ -s "$tiny" ] || "$BUILD/tests/bench/gen_modbus_pcap" "$tiny" 8 1 1 >/dev/null
protos=(modbus dnp3 s7comm iec104)
pcaps=()
for proto in "${protos[@]}"; do pcaps+=("$(make_pcap "$proto")"); done
mapfile -t cpu < <($PY "$SRC/tests/bench/proto_cpu.py" "$RUNS" "$SENSOR" "$tiny" "${pcaps[@]}")
read -r startup _ startup_spread startup_best <<<"${cpu[0]}"
startup_ir=$(instr_run "$tiny")
echo "start-up and shutdown: $(awk -v z="$startup" -v b="$startup_best" \
  'BEGIN { printf "%.3f s CPU (median), %.3f s (least)", z, b }')," \
  "${startup_ir:-?} instructions (taken off below); $RUNS interleaved runs"

printf '%-8s %9s %8s %6s %9s %6s %9s %6s %8s %9s %6s\n' proto packets events "B/pkt" \
  "cpu least" "vs mb" "cpu med" "vs mb" "spread" "instr/pkt" "vs mb"
base="" base_best="" base_ir=""
for k in "${!protos[@]}"; do
  proto=${protos[$k]} pcap=${pcaps[$k]}
  npkts=$("$BUILD/tests/bench/pcap_count" "$pcap" | awk '{print $1}')
  read -r c _ spread best <<<"${cpu[$((k + 1))]}"
  read -r events bytes <<<"$("$SENSOR" -r "$pcap" --jsonl - -w 1 2>/dev/null |
    awk '/"type":"ics"/ { n++ } { b += length($0) + 1 } END { print n + 0, b + 0 }')"
  us=$(awk -v c="$c" -v z="$startup" -v n="$npkts" 'BEGIN { print 1000000 * (c - z) / n }')
  ub=$(awk -v c="$best" -v z="$startup_best" -v n="$npkts" 'BEGIN { print 1000000 * (c - z) / n }')
  [ -n "$base_best" ] || base_best=$ub
  sp=$(awk -v s="$spread" -v n="$npkts" 'BEGIN { printf "%.3f", 1000000 * s / n }')
  [ -n "$base" ] || base=$us
  ir="" ir_ratio="-"
  if [ -n "$startup_ir" ]; then
    ir=$(instr_run "$pcap")
    ir=$(awk -v a="$ir" -v z="$startup_ir" -v n="$npkts" 'BEGIN { printf "%.0f", (a - z) / n }')
    [ -n "$base_ir" ] || base_ir=$ir
    ir_ratio=$(awk -v a="$ir" -v b="$base_ir" 'BEGIN { printf "%.2fx", a / b }')
  fi
  printf '%-8s %9d %8d %6.0f %9.3f %5.2fx %9.3f %5.2fx %8s %9s %6s\n' "$proto" "$npkts" \
    "$events" "$(awk -v b="$bytes" -v n="$npkts" 'BEGIN { print b / n }')" \
    "$ub" "$(awk -v a="$ub" -v b="$base_best" 'BEGIN { print a / b }')" \
    "$us" "$(awk -v a="$us" -v b="$base" 'BEGIN { print a / b }')" "$sp" "${ir:--}" "$ir_ratio"
done
echo "(cpu: user + system microseconds a packet, start-up taken off: the least of the runs and"
echo " their median; spread: max - min of the runs; instr: callgrind, the same on any machine)"
