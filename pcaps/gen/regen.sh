#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# regen.sh - regenerates the Modbus/TCP captures in pcaps/ from real stacks (libmodbus 3.1,
# pymodbus 3.0, mbpoll) talking over loopback, captured by tcpdump on `lo` with a port filter.
# Runs as root. It re-executes itself in a private network namespace (unshare --net) so no
# other traffic on this machine lands in a capture; without one it falls back to the host lo.
# Every step is bounded in time. After a run, refresh the golden files:
#   TZ_GOLDEN_UPDATE=1 bash tests/golden/run.sh BUILD_DIR   (then read the diff)
# Usage: bash pcaps/gen/regen.sh [OUT_DIR]    (OUT_DIR defaults to pcaps/)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "${1:-$HERE/..}" && pwd)
PY=/usr/bin/python3
MAX_BYTES=51200

die() { echo "regen: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (tcpdump on lo, network namespace)"
for tool in tcpdump tshark gcc pkg-config mbpoll ip; do
  command -v "$tool" >/dev/null || die "$tool missing: run packaging/install-deps.sh"
done
pkg-config --exists libmodbus || die "libmodbus-dev missing: run packaging/install-deps.sh"
"$PY" -c 'import pymodbus.server, pymodbus.client' 2>/dev/null \
  || die "python3-pymodbus (and python3-serial-asyncio) missing: run packaging/install-deps.sh"

if [ -z "${TZ_REGEN_NETNS:-}" ]; then
  if unshare --net true 2>/dev/null; then
    exec unshare --net env TZ_REGEN_NETNS=1 bash "${BASH_SOURCE[0]}" "$OUT"
  fi
  echo "regen: no network namespace available; capturing on the host's lo" >&2
else
  ip link set lo up
fi

WORK=$(mktemp -d /tmp/tz-regen.XXXXXX)
# On exit, stop whatever background job of this shell still runs (servers, tcpdump).
cleanup() {
  local pid
  for pid in $(jobs -p); do
    kill "$pid" 2>/dev/null || true
  done
  [ -n "${TZ_REGEN_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

for prog in mb_server mb_client; do
  gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow -o "$WORK/$prog" "$HERE/$prog.c" \
    $(pkg-config --cflags --libs libmodbus)
done

# wait_for FILE TEXT: until FILE contains TEXT (5 s at most).
wait_for() {
  local i
  for i in $(seq 50); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  die "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# start_mb_server ADDR PORT CONNS: libmodbus server, exits after CONNS connections.
start_mb_server() {
  timeout 60 "$WORK/mb_server" "$1" "$2" "$3" >"$WORK/mb_server.log" 2>&1 &
  MB_SERVER_PID=$!
  wait_for "$WORK/mb_server.log" listening
}

# start_pym_server: pymodbus server on 127.0.0.2:5020 until SIGTERM (60 s at most).
start_pym_server() {
  "$PY" "$HERE/pym_server.py" --addr 127.0.0.2 --port 5020 --max-seconds 60 \
    >"$WORK/pym_server.log" 2>&1 &
  PYM_SERVER_PID=$!
  wait_for "$WORK/pym_server.log" listening
}

stop_pym_server() {
  kill -TERM "$PYM_SERVER_PID"
  wait "$PYM_SERVER_PID" || true
}

# capture NAME FILTER FUNCTION: runs FUNCTION while tcpdump records FILTER on lo into
# OUT/NAME, then stops tcpdump with SIGINT so the file is complete.
capture() {
  local name=$1 filter=$2 fn=$3 tmp="$WORK/$1"
  tcpdump -Z root -i lo --immediate-mode -U -s 0 -w "$tmp" "$filter" 2>"$WORK/tcpdump.log" &
  local tp=$!
  wait_for "$WORK/tcpdump.log" "listening on"
  "$fn"
  sleep 0.5 # the last FIN/ACK
  kill -INT "$tp"
  wait "$tp" || true
  local bytes pkts
  bytes=$(stat -c %s "$tmp")
  pkts=$(tshark -r "$tmp" 2>/dev/null | wc -l)
  [ "$pkts" -gt 0 ] || die "$name: nothing captured"
  [ "$bytes" -lt "$MAX_BYTES" ] || die "$name: $bytes bytes, more than $MAX_BYTES"
  cp "$tmp" "$OUT/$name"
  chmod 644 "$OUT/$name"
  printf 'regen: %-32s %4d packets %6d bytes\n' "$name" "$pkts" "$bytes"
}

scenario_libmodbus_rw() {
  start_mb_server 127.0.0.1 502 1
  timeout 30 "$WORK/mb_client" 127.0.0.1 502 rw
  wait "$MB_SERVER_PID"
}

scenario_exceptions() {
  start_mb_server 127.0.0.1 502 1
  timeout 30 "$WORK/mb_client" 127.0.0.1 502 exceptions
  wait "$MB_SERVER_PID"
}

scenario_pymodbus_rw() {
  start_pym_server
  timeout 30 "$PY" "$HERE/pym_client.py" --addr 127.0.0.2 --port 5020 --scenario rw
  stop_pym_server
}

scenario_pymodbus_devid() {
  start_pym_server
  timeout 30 "$PY" "$HERE/pym_client.py" --addr 127.0.0.2 --port 5020 --scenario devid
  stop_pym_server
}

scenario_pipelined() {
  start_mb_server 127.0.0.1 502 1
  timeout 30 "$PY" "$HERE/mb_pipeline.py" 127.0.0.1 502
  wait "$MB_SERVER_PID"
  start_pym_server
  timeout 30 "$PY" "$HERE/mb_pipeline.py" --batch-only 127.0.0.2 5020
  stop_pym_server
}

# mbpoll: one connection per call, unit 1, 1-based references (-r 1 is address 0).
scenario_mbpoll() {
  local mbpoll=(timeout 10 mbpoll -m tcp -p 1502 -a 1 -1 -o 2)
  start_mb_server 127.0.0.3 1502 7
  "${mbpoll[@]}" -t 4 -r 1 -c 10 127.0.0.3 >/dev/null          # FC 3
  "${mbpoll[@]}" -t 3 -r 11 -c 4 127.0.0.3 >/dev/null          # FC 4
  "${mbpoll[@]}" -t 0 -r 1 -c 16 127.0.0.3 >/dev/null          # FC 1
  "${mbpoll[@]}" -t 1 -r 1 -c 8 127.0.0.3 >/dev/null           # FC 2
  "${mbpoll[@]}" -t 4 -r 21 127.0.0.3 4660 >/dev/null          # FC 6
  "${mbpoll[@]}" -t 4 -r 31 127.0.0.3 1 65535 3 >/dev/null      # FC 16
  "${mbpoll[@]}" -t 0 -r 5 127.0.0.3 1 0 1 >/dev/null          # FC 15
  wait "$MB_SERVER_PID"
}

capture modbus_libmodbus_rw.pcap "tcp port 502" scenario_libmodbus_rw
capture modbus_exceptions.pcap "tcp port 502" scenario_exceptions
capture modbus_pymodbus_rw.pcap "tcp port 5020" scenario_pymodbus_rw
capture modbus_pymodbus_devid.pcap "tcp port 5020" scenario_pymodbus_devid
capture modbus_pipelined.pcap "tcp port 502 or tcp port 5020" scenario_pipelined
capture modbus_mbpoll_1502.pcap "tcp port 1502" scenario_mbpoll
echo "regen: done; now refresh and review pcaps/expected/ (tests/golden/run.sh --update)"
