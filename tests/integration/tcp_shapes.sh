#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TCP as plants and SPAN ports deliver it: each capture is reshaped by reshape.py (payload cut
# into 3-byte segments, in order and with the pieces of every segment reversed; picked up
# mid-stream on a non-standard server port with client ports 1 and 3; the server moved to
# port 5555) and must give exactly the same `ics` events as the capture it came from (ids,
# seq, Community ID and port numbers aside: ics_norm.py), with an exact count, no malformed
# record, and `flow.roles: "inferred"` on the flows whose handshake was left out. Project
# captures always run; public ones from ../shared/pcaps when it is there.
set -uo pipefail
S="$TZ_BUILD/sensor/tanzhen-sensor"
py=/usr/bin/python3
R="$TZ_SRC/tests/integration/reshape.py"
N="$TZ_SRC/tests/integration/ics_norm.py"
P="$TZ_SRC/pcaps"
SH="${TZ_SHARED:-}/pcaps"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 ran=0

# check NAME PCAP SERVER_PORTS COUNT SENSOR_OPTS -- RESHAPE_OPTS...
check() {
  local name=$1 pcap=$2 ports=$3,502,20000,102,4840,48401,2404 count=$4 sopts=$5
  shift 6
  "$S" -r "$pcap" --jsonl "$T/plain.jsonl" -w 1 2>"$T/err" || { echo "FAIL $name: sensor (plain)"; fail=1; return; }
  $py "$N" "$T/plain.jsonl" --server-ports "$ports" >"$T/plain.txt"
  $py "$R" "$pcap" "$T/$name.pcap" "$@" || { echo "FAIL $name: reshape"; fail=1; return; }
  # shellcheck disable=SC2086
  "$S" -r "$T/$name.pcap" --jsonl "$T/$name.jsonl" -w 1 $sopts 2>"$T/err" ||
    { echo "FAIL $name: sensor"; cat "$T/err"; fail=1; return; }
  $py "$N" "$T/$name.jsonl" --server-ports "$ports" >"$T/$name.txt"
  ran=$((ran + 1))
  local want got
  want=$(wc -l <"$T/plain.txt")
  got=$(wc -l <"$T/$name.txt")
  if [ "$want" != "$count" ]; then
    echo "FAIL $name: the plain capture gives $want ics events, the test expects $count"; fail=1; return
  fi
  if ! diff -q "$T/plain.txt" "$T/$name.txt" >/dev/null; then
    echo "FAIL $name: $got ics events, expected the plain capture's $want; first differences:"
    diff "$T/plain.txt" "$T/$name.txt" | head -6 | cut -c1-400
    fail=1; return
  fi
  if grep -q '"status":"malformed"' "$T/$name.jsonl" && ! grep -q '"status":"malformed"' "$T/plain.jsonl"; then
    echo "FAIL $name: malformed records"; fail=1; return
  fi
  case " $* " in
    *" --midstream "*)
      if ! $py - "$T/$name.jsonl" <<'PY'; then echo "FAIL $name: flow.roles"; fail=1; return; fi
import json, sys
bad = [e["flow"] for e in map(json.loads, open(sys.argv[1]))
       if e["type"] == "flow" and e["proto"] != "unknown" and e["flow"].get("roles") != "inferred"]
sys.exit(1 if bad else 0)
PY
      ;;
    *)
      if grep -q '"roles":"inferred"' "$T/$name.jsonl" && ! grep -q '"roles":"inferred"' "$T/plain.jsonl"; then
        case $name in *5555*) ;; *) echo "FAIL $name: roles inferred with the handshake on the protocol's port"; fail=1; return ;; esac
      fi
      ;;
  esac
  echo "ok   $name: $got ics events as the plain capture"
}

low="--midstream --client-ports 1,3"
# tiny segments, in order and reversed (project captures)
check mb_tiny "$P/modbus_libmodbus_rw.pcap" 502 15 "" -- --seg 3
check mb_tiny_ooo "$P/modbus_libmodbus_rw.pcap" 502 15 "" -- --seg 3 --ooo
check iec104_tiny "$P/iec104_session.pcap" 2404 92 "" -- --seg 3
check ua_tiny "$P/opcua_session.pcap" 4840,48401 26 "" -- --seg 3
check s7_tiny_ooo "$P/s7comm_session.pcap" 102 82 "" -- --seg 3 --ooo
check dnp3_tiny_ooo "$P/dnp3_session.pcap" 20000 14 "" -- --seg 3 --ooo
# mid-stream pickup, server on a non-standard port, clients on ports 1 and 3
check mb_505_low "$P/modbus_libmodbus_rw.pcap" 505 15 "" -- --port 502:505 $low --server-ports 505
check mb_505_low_tiny "$P/modbus_pipelined.pcap" 505,5020 17 "" -- --seg 3 --port 502:505 $low --server-ports 505,5020
check s7_505_low "$P/s7comm_session.pcap" 505 82 "" -- --port 102:505 $low --server-ports 505
check dnp3_505_low "$P/dnp3_session.pcap" 505 14 "" -- --port 20000:505 $low --server-ports 505
check iec104_5555_low "$P/iec104_session.pcap" 5555 92 "" -- --port 2404:5555 $low --server-ports 5555
check ua_5555_low "$P/opcua_session.pcap" 5555 26 "" -- --port 4840:5555 --port 48401:5555 $low --server-ports 5555
# IEC 104 and OPC UA on port 5555
check iec104_5555 "$P/iec104_session.pcap" 5555 92 "" -- --port 2404:5555
check ua_5555 "$P/opcua_session.pcap" 5555 26 "" -- --port 4840:5555 --port 48401:5555

# a handshake the other way round on a non-standard port: the first request shows the roles
# are wrong; they are swapped once (a roles_swapped anomaly), never malformed records
$py "$TZ_SRC/tests/integration/mkpcap.py" "$T/rev.pcap" --requests 6 --scenario reverse
$py "$R" "$T/rev.pcap" "$T/rev505.pcap" --port 502:505
"$S" -r "$T/rev505.pcap" --jsonl "$T/rev505.jsonl" -w 1 2>"$T/err" || { echo "FAIL reverse: sensor"; fail=1; }
ran=$((ran + 1))
if $py - "$T/rev505.jsonl" <<'PY'; then echo "ok   reverse_505: roles swapped once, 6 ok requests from the client"; else fail=1; fi
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ics = [e for e in ev if e["type"] == "ics"]
kinds = [e["anomaly"]["kind"] for e in ev if e["type"] == "anomaly"]
flows = [e["flow"] for e in ev if e["type"] == "flow"]
err = []
if [(e["status"], e["modbus"]["tid"], e["src"]["port"]) for e in ics] != [("ok", t, 40000) for t in range(1, 7)]:
    err.append("ics %s" % [(e["status"], e["modbus"].get("tid"), e["src"]["port"]) for e in ics])
if kinds != ["roles_swapped"]:
    err.append("anomalies %s" % kinds)
if len(flows) != 1 or flows[0].get("roles") != "inferred":
    err.append("flow %s" % flows)
health = [e["health"] for e in ev if e["type"] == "health"]
if not health or health[-1]["tcp"]["roles_swapped"] != 1:
    err.append("health.tcp.roles_swapped is not 1")
for x in err:
    print("FAIL reverse_505:", x)
sys.exit(1 if err else 0)
PY

if [ -d "$SH" ]; then
  ua="$SH/cisagov__icsnpp-opcua-binary/pcaps/opcua_with-gap_with-handshake.pcap"
  s7="$SH/ITI__ICS-Security-Tools/pcaps/s7/s7comm_reading_plc_status.pcap"
  iec="$SH/ntop__nDPI/tests/cfgs/default/pcap/iec60780-5-104.pcap"
  mb="$SH/cisagov__icsnpp-modbus/testing/traces/modbus_example.pcap"
  check shared_ua_tiny "$ua" 4840 122 "" -- --seg 3
  check shared_s7_tiny_ooo "$s7" 102 73 "" -- --seg 3 --ooo
  check shared_iec104_tiny_ooo "$iec" 2404 39 "" -- --seg 3 --ooo
  check shared_iec104_5555 "$iec" 5555 39 "" -- --port 2404:5555
  check shared_ua_5555 "$ua" 5555 122 "" -- --port 4840:5555
  check shared_iec104_5555_low "$iec" 5555 39 "" -- --port 2404:5555 $low --server-ports 5555
  check shared_ua_5555_low "$ua" 5555 122 "" -- --port 4840:5555 $low --server-ports 5555
  check shared_mb_505_low "$mb" 505 24 "" -- --port 502:505 $low --server-ports 505
else
  echo "skip: the public captures ($SH) are absent; project captures only"
fi
[ $ran -gt 0 ] || { echo "nothing ran"; exit 1; }
exit $fail
