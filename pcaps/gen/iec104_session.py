#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""iec104_session.py - writes a pcap of IEC 60870-5-104 sessions between a controlling
station (the TCP client) and M controlled stations (servers on port 2404), built octet by
octet from the layouts of IEC 60870-5-104 (APCI, clause 5) and IEC 60870-5-101 (ASDU,
clause 7) - no IEC 104 stack is packaged for Debian. Each flow: handshake, STARTDT,
end of initialisation, general interrogation (its answers sent as several APDUs in one
TCP segment), counter interrogation, clock synchronisation, single command select and
execute, a double command refused with a negative confirmation, a float set point,
spontaneous data with CP56Time2a (one APDU split across two segments), S-frame
acknowledgements every 8 I-frames (w = 8), TESTFR, extra spontaneous measurements up to
the requested packet count, STOPDT and FIN. Timestamps, addresses and sequence numbers
are fixed, so the same arguments always give the same bytes.

Usage: iec104_session.py OUT [--flows M] [--packets N] [--gap]
  --packets N  at least N packets per flow (spontaneous measurements fill the rest)
  --gap        the last flow's station skips one N(S) (a sequence gap anomaly)
The golden capture is made with:
  pcaps/gen/iec104_session.py pcaps/iec104_session.pcap --flows 2 --packets 60 --gap
and its expected events (pcaps/expected/iec104_session.jsonl) by the golden runner's update
mode. The benchmark can reuse it with large --flows and --packets.
"""
import argparse
import struct

W = 8  # acknowledge after this many received I-frames (IEC 60870-5-104 default w)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(src, dst, smac, dmac, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp + payload


# ---- APCI (IEC 60870-5-104 clause 5) ----

def apdu(ctrl, asdu=b""):
    return bytes([0x68, len(ctrl) + len(asdu)]) + ctrl + asdu


def i_ctrl(ns, nr):
    return struct.pack("<HH", (ns << 1) & 0xFFFF, (nr << 1) & 0xFFFF)


def s_apdu(nr):
    return apdu(b"\x01\x00" + struct.pack("<H", (nr << 1) & 0xFFFF))


U = {"startdt_act": 0x07, "startdt_con": 0x0B, "stopdt_act": 0x13, "stopdt_con": 0x23,
     "testfr_act": 0x43, "testfr_con": 0x83}


def u_apdu(name):
    return apdu(bytes([U[name], 0, 0, 0]))


# ---- ASDU (IEC 60870-5-101 clause 7, 104 field sizes) ----

COT = {"spont": 3, "init": 4, "act": 6, "actcon": 7, "actterm": 10, "inrogen": 20,
       "reqcogen": 37}


def asdu(type_id, cot, ca, objects, sq=False, neg=False, oa=0):
    """objects: list of (ioa, element bytes); with sq only the first IOA is sent."""
    vsq = (0x80 if sq else 0) | len(objects)
    c = COT[cot] | (0x40 if neg else 0)
    out = struct.pack("<BBBBH", type_id, vsq, c, oa, ca)
    for i, (ioa, elem) in enumerate(objects):
        if i == 0 or not sq:
            out += struct.pack("<I", ioa)[:3]
        out += elem
    return out


def cp56(ms_total, minute, hour, day, month, year, dow=0):
    return struct.pack("<HBBBBB", ms_total, minute, hour, (dow << 5) | day, month, year)


def flt(v):
    return struct.pack("<f", v)


class Flow:
    """One TCP connection: client = controlling station, server = controlled station."""

    def __init__(self, k, t0):
        self.cip, self.sip = bytes([10, 104, 0, 1]), bytes([10, 104, 1, 1 + k])
        self.cmac, self.smac = b"\x02\x00\x00\x00\x00\x01", bytes([2, 0, 0, 0, 1, 1 + k])
        self.cport, self.sport = 50000 + k, 2404
        self.cseq, self.sseq = 100000 + k * 1000, 900000 + k * 1000
        self.t = t0
        self.pkts = []
        self.ns = {"c": 0, "s": 0}        # next N(S) each side sends
        self.nr = {"c": 0, "s": 0}        # I-frames each side has received (its N(R))
        self.unacked = {"c": 0, "s": 0}   # received I-frames not yet acknowledged

    def seg(self, side, payload=b"", flags=0x18, gap_us=2000):
        self.t += gap_us
        if side == "c":
            f = tcp_frame(self.cip, self.sip, self.cmac, self.smac, self.cport, self.sport,
                          self.cseq, self.sseq, flags, payload)
            self.cseq += len(payload) + (1 if flags & 0x03 else 0)
        else:
            f = tcp_frame(self.sip, self.cip, self.smac, self.cmac, self.sport, self.cport,
                          self.sseq, self.cseq, flags, payload)
            self.sseq += len(payload) + (1 if flags & 0x03 else 0)
        self.pkts.append((self.t, f))

    def i_apdu(self, side, asdu_bytes, skip=0):
        """Builds an I-format APDU from side; the peer counts it. skip > 0 drops N(S)."""
        peer = "s" if side == "c" else "c"
        self.ns[side] = (self.ns[side] + skip) % 32768
        out = apdu(i_ctrl(self.ns[side], self.nr[side]), asdu_bytes)
        self.ns[side] = (self.ns[side] + 1) % 32768
        self.nr[peer] = (self.nr[peer] + 1) % 32768
        self.unacked[peer] += 1
        self.unacked[side] = 0  # an I-frame acknowledges everything received so far
        return out

    def send_i(self, side, asdu_bytes, skip=0):
        self.seg(side, self.i_apdu(side, asdu_bytes, skip))
        self.ack_if_due("s" if side == "c" else "c")

    def ack_if_due(self, side, force=False):
        if self.unacked[side] >= W or (force and self.unacked[side]):
            self.unacked[side] = 0
            self.seg(side, s_apdu(self.nr[side]))

    def handshake(self):
        self.seg("c", flags=0x02)
        self.seg("s", flags=0x12)
        self.seg("c", flags=0x10)

    def close(self):
        self.seg("c", flags=0x11)
        self.seg("s", flags=0x11)
        self.seg("c", flags=0x10)


def session(k, t0, packets, gap):
    f = Flow(k, t0)
    ca = 1 + k
    f.handshake()
    f.seg("c", u_apdu("startdt_act"))
    f.seg("s", u_apdu("startdt_con"), gap_us=800)
    f.send_i("s", asdu(70, "init", ca, [(0, b"\x00")]))  # M_EI_NA_1, local power on

    # general interrogation: the answers go out as several APDUs in one segment
    f.send_i("c", asdu(100, "act", ca, [(0, b"\x14")]))  # C_IC_NA_1, QOI 20
    burst = [
        asdu(100, "actcon", ca, [(0, b"\x14")]),
        asdu(1, "inrogen", ca, [(1001 + i, bytes([i & 1])) for i in range(16)], sq=True),
        asdu(3, "inrogen", ca, [(2001, b"\x01"), (2005, b"\x02"), (2010, b"\x82"),
                                (2011, b"\x30")]),
        asdu(11, "inrogen", ca, [(3001 + i, struct.pack("<hB", i * 100 - 300, 0))
                                 for i in range(8)], sq=True),
        asdu(13, "inrogen", ca, [(4001 + i, flt(49.75 + i) + b"\x00") for i in range(4)]),
        asdu(5, "inrogen", ca, [(4501, b"\x85\x00")]),                # M_ST_NA_1 step 5
        asdu(7, "inrogen", ca, [(4601, struct.pack("<IB", 0xA5A5000F, 0))]),  # M_BO_NA_1
        asdu(9, "inrogen", ca, [(4701, struct.pack("<hB", 16384, 0x01))]),    # 0.5, OV
        asdu(100, "actterm", ca, [(0, b"\x14")]),
    ]
    f.seg("s", b"".join(f.i_apdu("s", a) for a in burst))
    f.ack_if_due("c", force=True)

    # counter interrogation
    f.send_i("c", asdu(101, "act", ca, [(0, b"\x05")]))  # C_CI_NA_1, RQT 5 general
    f.send_i("s", asdu(101, "actcon", ca, [(0, b"\x05")]))
    f.send_i("s", asdu(15, "reqcogen", ca, [(5001 + i, struct.pack("<iB", 1000 * i + 7, i))
                                            for i in range(4)]))
    f.send_i("s", asdu(101, "actterm", ca, [(0, b"\x05")]))

    # clock synchronisation: 2024-03-15 10:20:30.456, Friday
    now = cp56(30456, 20, 10, 15, 3, 24, dow=5)
    f.send_i("c", asdu(103, "act", ca, [(0, now)]))
    f.send_i("s", asdu(103, "actcon", ca, [(0, now)]))

    # single command: select, then execute (S/E bit), each confirmed; execution terminated
    f.send_i("c", asdu(45, "act", ca, [(5000, b"\x81")]))  # select, ON
    f.send_i("s", asdu(45, "actcon", ca, [(5000, b"\x81")]))
    f.send_i("c", asdu(45, "act", ca, [(5000, b"\x05")]))  # execute, ON, short pulse
    f.send_i("s", asdu(45, "actcon", ca, [(5000, b"\x05")]))
    f.send_i("s", asdu(45, "actterm", ca, [(5000, b"\x05")]))
    # double command refused by the station: negative confirmation
    f.send_i("c", asdu(46, "act", ca, [(6000, b"\x82")]))  # select, ON
    f.send_i("s", asdu(46, "actcon", ca, [(6000, b"\x82")], neg=True))
    # set point, short float, execute
    f.send_i("c", asdu(50, "act", ca, [(7000, flt(50.25) + b"\x00")]))
    f.send_i("s", asdu(50, "actcon", ca, [(7000, flt(50.25) + b"\x00")]))
    f.ack_if_due("c", force=True)

    # spontaneous data with CP56Time2a; the float one split across two segments
    f.send_i("s", asdu(30, "spont", ca, [(1003, b"\x01" + cp56(31000, 20, 10, 15, 3, 24, 5))]))
    tf = f.i_apdu("s", asdu(36, "spont", ca, [(4002, flt(-12.5) + b"\x00" +
                                                cp56(31500, 20, 10, 15, 3, 24, 5))]))
    f.seg("s", tf[:9])
    f.seg("s", tf[9:], gap_us=300)
    f.send_i("s", asdu(31, "spont", ca, [(2005, b"\x01" + cp56(32000, 20, 10, 15, 3, 24, 5))]))

    f.seg("c", u_apdu("testfr_act"), gap_us=5000)
    f.seg("s", u_apdu("testfr_con"), gap_us=700)

    # fill: spontaneous measurements (with the acknowledgements they call for)
    i = 0
    while len(f.pkts) < packets - 5:
        total = 33000 + i * 250
        elem = flt(50.0 + (i % 20) / 10.0) + b"\x00" + cp56(
            total % 60000, (20 + total // 60000) % 60, 10, 15, 3, 24, 5)
        f.send_i("s", asdu(36, "spont", ca, [(4001 + i % 4, elem)]),
                 skip=1 if gap and i == 3 else 0)
        i += 1
    f.ack_if_due("c", force=True)
    f.seg("c", u_apdu("stopdt_act"), gap_us=3000)
    f.seg("s", u_apdu("stopdt_con"), gap_us=900)
    f.close()
    return f.pkts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=2)
    ap.add_argument("--packets", type=int, default=60)
    ap.add_argument("--gap", action="store_true")
    a = ap.parse_args()
    pkts = []
    for k in range(a.flows):
        pkts += session(k, 1700000000_000000 + k * 700, a.packets,
                        a.gap and k == a.flows - 1)
    pkts.sort(key=lambda p: p[0])
    with open(a.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in pkts:
            out.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)))
            out.write(frame)


if __name__ == "__main__":
    main()
