#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live capture on loopback: the sensor listens on `lo` (TPACKET_V3 ring, BPF filter on a
# port of our own) while a Modbus/TCP client and server (Python sockets, real TCP through
# the kernel) exchange 5 transactions; SIGTERM then flushes every event. Checks the
# transactions, the flow, the health heartbeat, and that the shutdown was clean.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "skip: live capture needs root"; exit 77; }
S="$TZ_BUILD/sensor/tanzhen-sensor"
T=$(mktemp -d)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
spid=
cleanup() { [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

"$S" -i lo -f "tcp port $PORT" --jsonl "$T/live.jsonl" --sensor-id live-test \
  --set health.interval_s=1 -w 2 2>"$T/err" &
spid=$!
for _ in $(seq 100); do grep -q '"type":"health"' "$T/live.jsonl" 2>/dev/null && break; sleep 0.1; done
grep -q '"type":"health"' "$T/live.jsonl" || { echo "FAIL: the sensor did not start"; cat "$T/err"; exit 1; }

/usr/bin/python3 - "$PORT" <<'PY'
import socket, struct, sys, threading
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)

def serve():
    c, _ = srv.accept()
    while True:
        h = c.recv(7, socket.MSG_WAITALL)
        if len(h) < 7:
            break
        tid, _, ln, unit = struct.unpack("!HHHB", h)
        pdu = c.recv(ln - 1, socket.MSG_WAITALL)
        fc, addr, qty = struct.unpack("!BHH", pdu)
        body = bytes([fc, qty * 2]) + b"".join(struct.pack("!H", addr + i) for i in range(qty))
        c.sendall(struct.pack("!HHHB", tid, 0, len(body) + 1, unit) + body)
    c.close()

t = threading.Thread(target=serve)
t.start()
cl = socket.create_connection(("127.0.0.1", port))
for tid in range(1, 6):
    cl.sendall(struct.pack("!HHHBBHH", tid, 0, 6, 1, 3, 100 * tid, 2))
    cl.recv(13, socket.MSG_WAITALL)
cl.close()
t.join()
PY
sleep 1  # the capture reads in blocks (poll timeout 100 ms); let the last one arrive
kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
[ $rc -eq 0 ] || { echo "FAIL: sensor exit $rc after SIGTERM"; cat "$T/err"; exit 1; }
/usr/bin/python3 - "$T/live.jsonl" "$PORT" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
ics = [e for e in ev if e["type"] == "ics"]
flows = [e for e in ev if e["type"] == "flow"]
health = [e for e in ev if e["type"] == "health"]
errs = []
tids = sorted(e["modbus"]["tid"] for e in ics if e["status"] == "ok")
if tids != [1, 2, 3, 4, 5]:
    errs.append("ok transactions %s" % tids)
for e in ics:
    if e["modbus"].get("resp_values") != [100 * e["modbus"]["tid"], 100 * e["modbus"]["tid"] + 1]:
        errs.append("values: %s" % e["modbus"])
    if e["dst"]["port"] != port:
        errs.append("server side wrong: %s" % e["dst"])
if len(flows) != 1 or flows[0]["flow"]["state"] not in ("closed", "shutdown"):
    errs.append("flows: %s" % [f["flow"] for f in flows])
if not health or not health[-1]["health"]["link_up"] or health[-1]["health"]["pkts"] < 10:
    errs.append("health: %s" % (health[-1]["health"] if health else None))
if sorted(e["seq"] for e in ev) != list(range(1, len(ev) + 1)):
    errs.append("seq not 1..n")
print("live capture on lo: %d ics, %d flow, %d health, last pkts=%d" %
      (len(ics), len(flows), len(health), health[-1]["health"]["pkts"] if health else 0))
for e in errs:
    print("FAIL " + e)
sys.exit(1 if errs else 0)
PY
