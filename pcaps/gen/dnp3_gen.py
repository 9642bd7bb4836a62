#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""dnp3_gen.py - writes a pcap of DNP3 master/outstation sessions over TCP (IEEE 1815-2012).

Every frame is built here from the documented layouts: link header with CRC-16/DNP, user
data in 16-byte blocks each with its CRC, transport header, application fragment. The
pcap (classic libpcap format, Ethernet link type) is written byte by byte; no scapy.

  dnp3_gen.py OUT.pcap                      the golden session (pcaps/dnp3_session.pcap)
  dnp3_gen.py OUT.pcap --packets N --flows M   N DNP3 request/response packets spread
                                            round-robin over M TCP flows (for tests/bench)
Output is deterministic: same arguments, same bytes.
"""
import argparse
import struct
import sys


def crc_dnp(data):
    """CRC-16/DNP: poly 0x3D65 reflected (0xA6BC), init 0, output inverted."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def link_frame(ctrl, dst, src, user=b""):
    hdr = bytes([0x05, 0x64, len(user) + 5, ctrl]) + struct.pack("<HH", dst, src)
    out = bytearray(hdr + struct.pack("<H", crc_dnp(hdr)))
    for off in range(0, len(user), 16):
        blk = user[off:off + 16]
        out += blk + struct.pack("<H", crc_dnp(blk))
    return bytes(out)


def app_frames(from_master, master, outstation, app, tseq):
    """Splits one application fragment into transport segments (<= 249 bytes each)."""
    frames = []
    chunks = [app[i:i + 249] for i in range(0, len(app), 249)] or [b""]
    for i, chunk in enumerate(chunks):
        th = (tseq + i) & 0x3F
        if i == 0:
            th |= 0x40
        if i == len(chunks) - 1:
            th |= 0x80
        if from_master:
            frames.append(link_frame(0xC4, outstation, master, bytes([th]) + chunk))
        else:
            frames.append(link_frame(0x44, master, outstation, bytes([th]) + chunk))
    return frames


def ac(seq, fir=1, fin=1, con=0, uns=0):
    return (fir << 7) | (fin << 6) | (con << 5) | (uns << 4) | (seq & 0x0F)


# --- the golden session: one message of each kind the dissector decodes -------------------

def golden_exchanges():
    """(from_master, app bytes) in order; the outstation answers where DNP3 expects it."""
    x = []
    m = lambda a: x.append((True, a))
    o = lambda a: x.append((False, a))
    iin_restart = b"\x80\x00"
    # integrity poll: read class 1/2/3 then class 0
    m(bytes([ac(0), 0x01]) + b"\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06\x3c\x01\x06")
    o(bytes([ac(0, con=1), 0x81]) + iin_restart
      + b"\x01\x02\x00\x00\x03\x81\x01\x01\x81"                     # g1v2 0..3
      + b"\x02\x02\x17\x01\x02\x81" + struct.pack("<Q", 1700000000123)[:6]  # g2v2 idx 2
      + b"\x14\x01\x00\x00\x01\x01\x10\x00\x00\x00\x01\x20\x00\x00\x00"  # g20v1 0..1
      + b"\x1e\x01\x01\x00\x00\x01\x00\x01\xff\xff\xff\xff\x01\x64\x00\x00\x00"  # g30v1
      + b"\x1e\x05\x00\x02\x02\x01" + struct.pack("<f", 12.5))      # g30v5 2..2
    m(bytes([ac(0), 0x00]))                                          # confirm
    # clear the restart IIN
    m(bytes([ac(1), 0x02]) + b"\x50\x01\x00\x07\x07\x00")
    o(bytes([ac(1), 0x81]) + b"\x00\x00")
    # time sync: delay measure, then write g50v1
    m(bytes([ac(2), 0x17]))
    o(bytes([ac(2), 0x81]) + b"\x00\x00" + b"\x34\x02\x07\x01\x0a\x00")
    m(bytes([ac(3), 0x02]) + b"\x32\x01\x07\x01" + struct.pack("<Q", 1700000001000)[:6])
    o(bytes([ac(3), 0x81]) + b"\x00\x00")
    # select / operate a CROB, then a direct operate of an analog output
    crob = b"\x0c\x01\x28\x01\x00\x03\x00\x41\x01" + struct.pack("<II", 500, 0) + b"\x00"
    m(bytes([ac(4), 0x03]) + crob)
    o(bytes([ac(4), 0x81]) + b"\x00\x00" + crob)
    m(bytes([ac(5), 0x04]) + crob)
    o(bytes([ac(5), 0x81]) + b"\x00\x00" + crob)
    aob = b"\x29\x02\x17\x01\x01\xe8\x03\x00"
    m(bytes([ac(6), 0x05]) + aob)
    o(bytes([ac(6), 0x81]) + b"\x00\x00" + aob)
    # counters and events
    m(bytes([ac(7), 0x01]) + b"\x15\x00\x06\x16\x00\x06\x20\x00\x06")
    o(bytes([ac(7), 0x81]) + b"\x00\x00"
      + b"\x15\x05\x00\x00\x00\x01\x2a\x00\x00\x00" + struct.pack("<Q", 1700000002000)[:6]
      + b"\x20\x03\x28\x01\x00\x04\x00\x01\x9c\xff\xff\xff" + struct.pack("<Q", 1700000002500)[:6])
    # device attributes
    m(bytes([ac(8), 0x01]) + b"\x00\xfc\x06")
    o(bytes([ac(8), 0x81]) + b"\x00\x00" + b"\x00\xfc\x00\x00\x00\x01\x07tanzhen")
    # enable unsolicited, then an unsolicited event and its confirm
    m(bytes([ac(9), 0x14]) + b"\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06")
    o(bytes([ac(9), 0x81]) + b"\x00\x00")
    o(bytes([ac(0, con=1, uns=1), 0x82]) + b"\x02\x00"
      + b"\x02\x02\x17\x01\x05\x01" + struct.pack("<Q", 1700000003000)[:6])
    m(bytes([ac(0, uns=1), 0x00]))
    # file open (g70v3) and its status
    name = b"event.log"
    g70 = (struct.pack("<HH", 26, len(name)) + b"\x00" * 6 + b"\xa4\x01" + b"\x00" * 4
           + struct.pack("<IHHH", 0, 1, 1024, 3) + name)
    m(bytes([ac(10), 0x19]) + b"\x46\x03\x5b\x01" + struct.pack("<H", len(g70)) + g70)
    st = struct.pack("<IIHHB", 7, 2048, 1024, 3, 0)
    o(bytes([ac(10), 0x81]) + b"\x00\x00" + b"\x46\x04\x5b\x01" + struct.pack("<H", len(st)) + st)
    # a large analog read whose response spans three link frames
    m(bytes([ac(11), 0x01]) + b"\x1e\x01\x00\x00\x6d")
    pts = b"".join(b"\x01" + struct.pack("<i", i * 10) for i in range(110))
    o(bytes([ac(11), 0x81]) + b"\x00\x00" + b"\x1e\x01\x00\x00\x6d" + pts)
    # cold restart
    m(bytes([ac(12), 0x0d]))
    o(bytes([ac(12), 0x81]) + iin_restart + b"\x34\x01\x07\x01\x02\x00")
    return x


# --- pcap writing --------------------------------------------------------------------------

class Pcap:
    def __init__(self, f):
        self.f = f
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def packet(self, ts_us, frame):
        self.f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(frame), len(frame)))
        self.f.write(frame)


def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class TcpFlow:
    """One TCP connection between a master (client) and an outstation (server)."""

    def __init__(self, pcap, cli_ip, srv_ip, cli_port, srv_port=20000):
        self.pcap = pcap
        self.ip = {True: cli_ip, False: srv_ip}
        self.port = {True: cli_port, False: srv_port}
        self.mac = {True: b"\x02\x00\x00\x00\x00\x01", False: b"\x02\x00\x00\x00\x00\x02"}
        self.seq = {True: 1000, False: 5000}
        self.ipid = 1

    def _send(self, ts, from_cli, flags, payload=b""):
        src, dst = self.ip[from_cli], self.ip[not from_cli]
        sp, dp = self.port[from_cli], self.port[not from_cli]
        ack = self.seq[not from_cli] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sp, dp, self.seq[from_cli], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        data = pseudo + tcp + payload + (b"\x00" if len(payload) % 2 else b"")
        tcp = tcp[:16] + struct.pack("!H", ip_checksum(data)) + tcp[18:]
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.ipid, 0x4000,
                          64, 6, 0, src, dst)
        iph = iph[:10] + struct.pack("!H", ip_checksum(iph)) + iph[12:]
        self.ipid += 1
        eth = self.mac[not from_cli] + self.mac[from_cli] + b"\x08\x00"
        self.pcap.packet(ts, eth + iph + tcp + payload)
        self.seq[from_cli] = (self.seq[from_cli] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def open(self, ts):
        self._send(ts, True, 0x02)
        self._send(ts + 100, False, 0x12)
        self._send(ts + 200, True, 0x10)

    def data(self, ts, from_cli, payload):
        self._send(ts, from_cli, 0x18, payload)

    def close(self, ts):
        self._send(ts, True, 0x11)
        self._send(ts + 100, False, 0x11)
        self._send(ts + 200, True, 0x10)


def write_golden(f):
    pcap = Pcap(f)
    flow = TcpFlow(pcap, bytes([192, 168, 10, 1]), bytes([192, 168, 10, 20]), 40001)
    ts = 1700000000000000
    flow.open(ts)
    ts += 1000
    tseq = {True: 0, False: 0}
    for from_master, app in golden_exchanges():
        frames = app_frames(from_master, 1, 10, app, tseq[from_master])
        tseq[from_master] = (tseq[from_master] + len(frames)) & 0x3F
        if len(frames) > 1:
            for fr in frames:  # one TCP segment per link frame
                flow.data(ts, from_master, fr)
                ts += 200
        else:
            flow.data(ts, from_master, frames[0])
        ts += 2500 if from_master else 20000
    # a link status keep-alive, then the end
    flow.data(ts, True, link_frame(0xC9, 10, 1))
    flow.data(ts + 500, False, link_frame(0x0B, 1, 10))
    flow.close(ts + 10000)


def write_bench(f, packets, flows):
    """packets DNP3 messages (requests and responses alternate) over `flows` TCP flows."""
    pcap = Pcap(f)
    conns = []
    ts = 1700000000000000
    for i in range(flows):
        cli = bytes([10, 1 + (i >> 16) % 200, (i >> 8) & 0xFF, i & 0xFF])
        conn = TcpFlow(pcap, cli, bytes([10, 250, 0, 1 + i % 250]), 20000 + 1 + i % 40000)
        conn.open(ts)
        conns.append([conn, 0])
        ts += 300
    read = b"\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06\x3c\x01\x06"
    resp = (b"\x01\x02\x00\x00\x07" + b"\x81\x01" * 4
            + b"\x1e\x01\x00\x00\x03" + b"".join(b"\x01" + struct.pack("<i", v) for v in (1, -2, 300, 4)))
    for k in range(packets):
        conn = conns[(k // 2) % flows]
        seq = (conn[1] // 2) & 0x0F
        from_master = conn[1] % 2 == 0
        app = bytes([ac(seq), 0x01]) + read if from_master else bytes([ac(seq), 0x81, 0, 0]) + resp
        conn[0].data(ts, from_master, app_frames(from_master, 1, 10, app, conn[1] // 2)[0])
        conn[1] += 1
        ts += 50
    for conn, _ in conns:
        conn.close(ts)
        ts += 300


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=0, help="bench mode: DNP3 messages to write")
    ap.add_argument("--flows", type=int, default=1, help="bench mode: TCP flows to spread them over")
    args = ap.parse_args()
    if args.flows < 1 or args.packets < 0:
        sys.exit("dnp3_gen.py: --flows must be >= 1 and --packets >= 0")
    with open(args.out, "wb") as f:
        if args.packets:
            write_bench(f, args.packets, args.flows)
        else:
            write_golden(f)


if __name__ == "__main__":
    main()
