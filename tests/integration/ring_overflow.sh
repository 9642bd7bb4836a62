#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ring_overflow.sh - "when a ring is full the producer drops and counts; capture never
# blocks", shown on the whole sensor: live capture on `lo` (TPACKET_V3) with the smallest
# capture -> worker ring (pipeline.packet_ring_kb=256, about 180 packets of 1.4 KB) and one
# worker, while a sender floods 300,000 UDP datagrams of 1,400 bytes at it. The kernel hands
# the capture thread whole blocks of packets at a time, faster than the worker decodes them,
# so the ring overflows. Checks: drops.packet_ring > 0 in the last health event, and every
# packet is accounted for: the capture's count equals what the worker saw (the flow's
# packets) plus the ring drops, and what was sent equals that count plus the kernel's drops.
# The sensor stops cleanly on SIGINT. Bounded: 60 s.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "skip: live capture needs root"; exit 77; }
S="$TZ_BUILD/sensor/tanzhen-sensor"
T=$(mktemp -d)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SENT=300000
spid=
cleanup() { [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

timeout -k 5 60 "$S" -i lo -f "udp and dst port $PORT" --jsonl "$T/out.jsonl" --sensor-id overflow \
  --set health.interval_s=1 --set pipeline.packet_ring_kb=256 -w 1 2>"$T/err" &
spid=$!
for _ in $(seq 100); do grep -q '"type":"health"' "$T/out.jsonl" 2>/dev/null && break; sleep 0.1; done
grep -q '"type":"health"' "$T/out.jsonl" || { echo "FAIL: the sensor did not start"; cat "$T/err"; exit 1; }

/usr/bin/python3 - "$PORT" "$SENT" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = bytes(range(256)) * 5 + b"x" * 120  # 1,400 bytes, not any ICS protocol
t = time.time()
for _ in range(n):
    s.sendto(payload, ("127.0.0.1", port))
print("ring_overflow: sent %d datagrams in %.2f s" % (n, time.time() - t))
PY
sleep 2
kill -INT "$spid"
wait "$spid"
rc=$?
spid=
[ "$rc" -eq 0 ] || { echo "FAIL: the sensor exited with $rc"; cat "$T/err"; exit 1; }

/usr/bin/python3 - "$T/out.jsonl" "$SENT" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sent = int(sys.argv[2])
h = [e for e in ev if e["type"] == "health"][-1]["health"]
flows = [e["flow"] for e in ev if e["type"] == "flow"]
seen = sum(f["pkts_toserver"] + f["pkts_toclient"] for f in flows)
d = h["drops"]
print("ring_overflow: captured %d, decoded by the worker %d, ring drops %d, kernel drops %d"
      % (h["pkts"], seen, d["packet_ring"], d["kernel"]))
errors = []
if d["packet_ring"] <= 0:
    errors.append("no packet_ring drop: the ring never overflowed")
if h["pkts"] != seen + d["packet_ring"]:
    errors.append("captured %d != decoded %d + ring drops %d" % (h["pkts"], seen, d["packet_ring"]))
if sent != h["pkts"] + d["kernel"]:
    errors.append("sent %d != captured %d + kernel drops %d" % (sent, h["pkts"], d["kernel"]))
for e in errors:
    print("FAIL: " + e)
sys.exit(1 if errors else 0)
PY
