#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes small, exact pcaps for the bad-input tests: a Modbus/TCP session (handshake,
N read requests and responses, FIN), optionally with another link type number in the
header. Usage: mkpcap.py OUT [--requests N] [--linktype N]"""
import argparse
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--requests", type=int, default=3)
    ap.add_argument("--linktype", type=int, default=1)
    a = ap.parse_args()
    cli, srv = bytes([192, 168, 1, 10]), bytes([192, 168, 1, 20])
    cp, sp = 40000, 502
    cs, ss = 1000, 5000
    pkts = [frame(cli, srv, cp, sp, cs, 0, 0x02), frame(srv, cli, sp, cp, ss, cs + 1, 0x12),
            frame(cli, srv, cp, sp, cs + 1, ss + 1, 0x10)]
    cs += 1
    ss += 1
    for tid in range(1, a.requests + 1):
        req = struct.pack("!HHHBBHH", tid, 0, 6, 1, 3, tid * 10, 2)
        rsp = struct.pack("!HHHBBB", tid, 0, 7, 1, 3, 4) + struct.pack("!HH", tid, tid + 1)
        pkts.append(frame(cli, srv, cp, sp, cs, ss, 0x18, req))
        cs += len(req)
        pkts.append(frame(srv, cli, sp, cp, ss, cs, 0x18, rsp))
        ss += len(rsp)
    pkts.append(frame(cli, srv, cp, sp, cs, ss, 0x11))
    pkts.append(frame(srv, cli, sp, cp, ss, cs + 1, 0x11))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, a.linktype))
        t = 1700000000
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", t, i * 1000, len(p), len(p)))
            f.write(p)


if __name__ == "__main__":
    main()
