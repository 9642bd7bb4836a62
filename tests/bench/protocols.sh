#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# protocols.sh - the cost per packet of each protocol's decoding, against Modbus/TCP, in one
# run: a synthetic capture per protocol of about the same size (the project's generators:
# gen_modbus_pcap, pcaps/gen/dnp3_gen.py, s7comm_session.py, iec104_session.py), the sensor
# on each (--jsonl /dev/null, 1 worker, best of TZ_BENCH_RUNS), and CPU microseconds per
# packet (user + system, less sensitive to a busy machine than wall time, less the start-up
# cost measured on a tiny capture) with the ratio to Modbus, and the JSON bytes each packet
# turns into. The issue's bar: DNP3 and S7 within 1.5x of Modbus. Not a CTest.
# Usage: bash tests/bench/protocols.sh [BUILD_DIR]
# Env: TZ_BENCH_PACKETS (200000), TZ_BENCH_FLOWS (200), TZ_BENCH_RUNS (3), TZ_BENCH_DIR.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
PACKETS=${TZ_BENCH_PACKETS:-200000}
FLOWS=${TZ_BENCH_FLOWS:-200}
RUNS=${TZ_BENCH_RUNS:-3}
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

# CPU seconds (user + system, from wait4's rusage: microseconds, where GNU time prints
# hundredths) and wall seconds of one run of the sensor on $1.
one_run() {
  $PY - "$SENSOR" -r "$1" --jsonl /dev/null -w 1 <<'EOF'
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
if status != 0:
    sys.exit("bench: the sensor failed on " + sys.argv[3])
print(f"{ru.ru_utime + ru.ru_stime:.6f} {time.monotonic() - t0:.6f}")
EOF
}

# Best (lowest) CPU seconds of RUNS runs of the sensor on $1, and that run's wall time.
best_run() {
  local best_cpu="" best_wall="" cpu e
  for ((i = 0; i < RUNS; i++)); do
    read -r cpu e <<<"$(one_run "$1")"
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
      best_cpu=$cpu
      best_wall=$e
    fi
  done
  echo "$best_cpu $best_wall"
}

# What a run costs before and after its packets (nDPI's tables, the rings, the flow table):
# the same sensor on a capture of a few packets. It is taken off each protocol's CPU time,
# so the figures are per packet and do not shrink as the capture grows.
tiny="$DIR/proto_startup.pcap"
[ -s "$tiny" ] || "$BUILD/tests/bench/gen_modbus_pcap" "$tiny" 8 1 1 >/dev/null
read -r startup _ <<<"$(best_run "$tiny")"
echo "start-up and shutdown: $(awk -v z="$startup" 'BEGIN { printf "%.3f", z }') s CPU (taken off below)"

printf '%-8s %10s %10s %10s %12s %10s %8s\n' proto packets events "json B/pkt" "cpu us/pkt" "wall s" \
  "vs modbus"
base=""
for proto in modbus dnp3 s7comm iec104; do
  pcap=$(make_pcap $proto)
  npkts=$("$BUILD/tests/bench/pcap_count" "$pcap" | awk '{print $1}')
  read -r best_cpu best_wall <<<"$(best_run "$pcap")"
  read -r events bytes <<<"$("$SENSOR" -r "$pcap" --jsonl - -w 1 2>/dev/null |
    awk '/"type":"ics"/ { n++ } { b += length($0) + 1 } END { print n + 0, b + 0 }')"
  us=$(awk -v c="$best_cpu" -v z="$startup" -v n="$npkts" 'BEGIN { print 1000000 * (c - z) / n }')
  [ -n "$base" ] || base=$us
  printf '%-8s %10d %10d %10.0f %12.3f %10.3f %7.2fx\n' $proto "$npkts" "$events" \
    "$(awk -v b="$bytes" -v n="$npkts" 'BEGIN { print b / n }')" "$us" "$best_wall" \
    "$(awk -v a="$us" -v b="$base" 'BEGIN { print a / b }')"
done
