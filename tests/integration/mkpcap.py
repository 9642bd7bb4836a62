#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes small, exact pcaps for the integration tests: a Modbus/TCP session (handshake,
N read requests and responses, FIN), optionally with another link type number in the
header, or reshaped by a TCP scenario:
  split      every request cut in two segments, responses of two transactions in one segment
  ooo        the second half of each split request arrives before the first
  retrans    every request sent twice (a retransmission) and one overlapping resend
  gap        the segment holding request 2 is missing (the server acks it anyway)
  midstream  no handshake: the capture starts in the middle of the session
  rst        the session ends with a RST instead of FINs
  afterfin   after the client's FIN, a write request (FC 6, tid 99) at the next sequence
             numbers: the server discards it, so the sensor must not decode it
  afterrst   the same write after the client's RST
  stalerst   a RST from the client with a stale sequence number (a receiver ignores it,
             RFC 5961) in the middle of the session: nothing may stop being decoded
  reverse    the handshake the other way round: the Modbus server sends the SYN (as in a
             reverse connection), then the client sends requests on the connection
Usage: mkpcap.py OUT [--requests N] [--linktype N] [--scenario NAME]"""
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


def session(a):
    cli, srv = bytes([192, 168, 1, 10]), bytes([192, 168, 1, 20])
    cp, sp = 40000, 502
    cs, ss = 1000, 5000
    sc = a.scenario
    c2s = lambda seq, ack, fl, pl=b"": frame(cli, srv, cp, sp, seq, ack, fl, pl)
    s2c = lambda seq, ack, fl, pl=b"": frame(srv, cli, sp, cp, seq, ack, fl, pl)
    pkts = []
    if sc == "reverse":
        pkts += [s2c(ss, 0, 0x02), c2s(cs, ss + 1, 0x12), s2c(ss + 1, cs + 1, 0x10)]
    elif sc != "midstream":
        pkts += [c2s(cs, 0, 0x02), s2c(ss, cs + 1, 0x12), c2s(cs + 1, ss + 1, 0x10)]
    cs += 1
    ss += 1
    pending_rsp = b""
    for tid in range(1, a.requests + 1):
        req = struct.pack("!HHHBBHH", tid, 0, 6, 1, 3, tid * 10, 2)
        rsp = struct.pack("!HHHBBB", tid, 0, 7, 1, 3, 4) + struct.pack("!HH", tid, tid + 1)
        if sc in ("split", "ooo"):
            first, second = c2s(cs, ss, 0x10, req[:5]), c2s(cs + 5, ss, 0x18, req[5:])
            pkts += [second, first] if sc == "ooo" else [first, second]
        elif sc == "retrans":
            pkts += [c2s(cs, ss, 0x18, req), c2s(cs, ss, 0x18, req)]
            pkts.append(c2s(cs + 4, ss, 0x18, req[4:]))  # overlapping resend of the tail
        elif sc == "gap" and tid == 2:
            pass  # lost on the mirror port
        else:
            pkts.append(c2s(cs, ss, 0x18, req))
        cs += len(req)
        if sc == "split" and tid % 2 == 1 and tid < a.requests:
            pending_rsp += rsp  # sent together with the next response
            continue
        pkts.append(s2c(ss, cs, 0x18, pending_rsp + rsp))
        ss += len(pending_rsp + rsp)
        pending_rsp = b""
        if sc == "stalerst" and tid == 2:
            pkts.append(c2s(cs - 12, ss, 0x14))  # RST|ACK, 12 bytes behind
    late = struct.pack("!HHHBBHH", 99, 0, 6, 1, 6, 0, 0xDEAD)  # FC 6 write, tid 99
    if sc in ("rst", "afterrst"):
        pkts.append(c2s(cs, ss, 0x14))
        if sc == "afterrst":
            pkts.append(c2s(cs, ss, 0x18, late))
            pkts.append(s2c(ss, cs, 0x18, struct.pack("!HHHBBHH", 99, 0, 6, 1, 6, 0, 0xDEAD)))
    elif sc == "afterfin":
        pkts.append(c2s(cs, ss, 0x11))
        pkts.append(c2s(cs + 1, ss, 0x18, late))
        pkts.append(s2c(ss, cs + 1, 0x11))
    else:
        pkts.append(c2s(cs, ss, 0x11))
        pkts.append(s2c(ss, cs + 1, 0x11))
    return pkts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--requests", type=int, default=3)
    ap.add_argument("--linktype", type=int, default=1)
    ap.add_argument("--scenario", default="plain",
                    choices=["plain", "split", "ooo", "retrans", "gap", "midstream", "rst",
                             "afterfin", "afterrst", "stalerst", "reverse"])
    a = ap.parse_args()
    pkts = session(a)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, a.linktype))
        t = 1700000000
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", t, i * 1000, len(p), len(p)))
            f.write(p)


if __name__ == "__main__":
    main()
