# SPDX-License-Identifier: Apache-2.0
"""mb_pipeline.py - a raw-socket Modbus/TCP client that stresses framing, for regen.sh.

Builds MBAP ADUs itself (Modbus Messaging on TCP/IP Implementation Guide v1.0b) and sends:
  1. six requests in one send() (one TCP segment), then reads the six responses;
  2. one request split in two segments (MBAP header, 50 ms pause, PDU);
  3. one and a half requests in a segment, the rest in the next one;
  4. two requests with the same transaction id but different units, in one segment.
It checks that every response has the transaction id, unit and function of a request sent.
--batch-only stops after step 1: pymodbus 3.0.0 drops the connection when a segment holds
only an MBAP header.
Run with /usr/bin/python3. Usage: mb_pipeline.py [--batch-only] ADDR PORT
"""
import socket
import struct
import sys
import time


def adu(tid, unit, pdu):
    """MBAP header (tid, protocol 0, length = unit + PDU) followed by the PDU."""
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def read_req(fc, addr, qty):
    return struct.pack(">BHH", fc, addr, qty)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def recv_adu(sock):
    head = recv_exact(sock, 7)
    tid, _proto, length, unit = struct.unpack(">HHHB", head)
    pdu = recv_exact(sock, length - 1)
    return tid, unit, pdu


def expect(sock, sent, failures):
    """Reads len(sent) responses; each must answer one of `sent` (tid, unit, fc)."""
    want = {(tid, unit, fc) for tid, unit, fc in sent}
    for _ in sent:
        tid, unit, pdu = recv_adu(sock)
        key = (tid, unit, pdu[0] & 0x7F)
        if key not in want:
            failures.append(f"unexpected response tid={tid} unit={unit} fc={pdu[0]}")
        want.discard(key)


def main():
    args = sys.argv[1:]
    batch_only = bool(args) and args[0] == "--batch-only"
    if batch_only:
        args = args[1:]
    if len(args) != 2:
        print("usage: mb_pipeline.py [--batch-only] ADDR PORT", file=sys.stderr)
        return 2
    addr, port = args[0], int(args[1])
    failures = []
    sock = socket.create_connection((addr, port), timeout=2)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # 1. Six requests in one segment.
    batch = [
        (0x0101, 1, read_req(0x03, 0, 4)),
        (0x0102, 1, read_req(0x01, 0, 12)),
        (0x0103, 1, read_req(0x04, 5, 2)),
        (0x0104, 1, struct.pack(">BHH", 0x06, 60, 0x4242)),
        (0x0105, 1, read_req(0x02, 0, 9)),
        (0x0106, 1, struct.pack(">BHHB", 0x10, 61, 2, 4) + struct.pack(">HH", 0x0102, 0x0304)),
    ]
    sock.sendall(b"".join(adu(t, u, p) for t, u, p in batch))
    expect(sock, [(t, u, p[0]) for t, u, p in batch], failures)
    if batch_only:
        sock.close()
        return report(failures)

    # 2. One request split between the MBAP header and the PDU.
    whole = adu(0x0201, 1, read_req(0x03, 60, 3))
    sock.sendall(whole[:7])
    time.sleep(0.05)
    sock.sendall(whole[7:])
    expect(sock, [(0x0201, 1, 0x03)], failures)

    # 3. One and a half requests, then the other half.
    a = adu(0x0301, 1, read_req(0x03, 1, 1))
    b = adu(0x0302, 1, read_req(0x04, 1, 1))
    sock.sendall(a + b[:5])
    time.sleep(0.05)
    sock.sendall(b[5:])
    expect(sock, [(0x0301, 1, 0x03), (0x0302, 1, 0x04)], failures)

    # 4. The same transaction id on two units (unit 1 answers, unit 2 may not exist).
    sock.sendall(adu(0x0401, 1, read_req(0x03, 2, 1)) + adu(0x0401, 2, read_req(0x03, 2, 1)))
    expect(sock, [(0x0401, 1, 0x03), (0x0401, 2, 0x03)], failures)

    sock.close()
    return report(failures)


def report(failures):
    for f in failures:
        print(f"mb_pipeline: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
