# SPDX-License-Identifier: Apache-2.0
"""mkvariants.py - makes, from one Ethernet capture, the shapes a mirror port delivers it in.

Each variant is the same traffic: wrapped in ERSPAN type I, II and III, in GRE (IP inside,
with and without key and sequence, Ethernet inside, outer IPv6, MPLS inside), in VXLAN (on
4789 and on 8472), in MPLS label stacks (1 and 3 labels), with VLAN and QinQ tags inside a
tunnel; IPv4 fragmented into 16-byte pieces (in order, reversed, every fragment twice);
converted to IPv6 and fragmented likewise; with outer-IP fragmentation of ERSPAN packets;
merged with its ERSPAN copy (one packet through two mirror sessions); and preceded by forged
Modbus/UDP datagrams whose fragments overlap with other bytes (overlap.pcap: dropped) or
the same bytes (overlap_dup.pcap: reassembled, 6 requests more). Timestamps are
the original ones, so a sensor gives the same events for each variant as for the baseline
named in VARIANTS. Built with scapy (Debian python3-scapy); run with /usr/bin/python3.

Usage: mkvariants.py IN.pcap OUTDIR [--udp]
  --udp also writes udp.pcap (TCP payloads resent as UDP datagrams, same ports) and
  udp_mirror.pcap (udp.pcap merged with a VXLAN copy of each datagram).
Prints one line per file written.
"""
import argparse
import os
import sys

from scapy.all import (IP, TCP, UDP, Dot1AD, Dot1Q, Ether, GRE, IPv6, IPv6ExtHdrFragment,
                       Raw, rdpcap, wrpcap)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.mpls import MPLS
from scapy.layers.vxlan import VXLAN

OUTER_MAC = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
OUTER4 = dict(src="192.0.2.1", dst="192.0.2.2")
OUTER6 = dict(src="2001:db8:ffff::1", dst="2001:db8:ffff::2")

# variant -> (the baseline whose events it must reproduce, the tunnel object its events carry)
VARIANTS = {
    "erspan1": ("plain", {"type": "erspan", "erspan_type": 1, **OUTER4}),
    "erspan2": ("plain", {"type": "erspan", "erspan_type": 2, **OUTER4, "session": 100}),
    "erspan3": ("plain", {"type": "erspan", "erspan_type": 3, **OUTER4, "session": 200}),
    "gre": ("plain", {"type": "gre", **OUTER4}),
    "gre_key_seq": ("plain", {"type": "gre", **OUTER4, "session": 4660}),
    "gre_eth": ("plain", {"type": "gre", **OUTER4, "session": 7}),
    "gre_outer6": ("plain", {"type": "gre", **OUTER6}),
    "gre_mpls": ("plain", {"type": "gre", **OUTER4, "mpls": [16]}),
    "vxlan": ("plain", {"type": "vxlan", **OUTER4, "session": 5001}),
    "vxlan_8472": ("plain", {"type": "vxlan", **OUTER4, "session": 5002}),
    "mpls1": ("plain", {"type": "mpls", "mpls": [100]}),
    "mpls3": ("plain", {"type": "mpls", "mpls": [100, 200, 300]}),
    "erspan2_vlan": ("plain_vlan", {"type": "erspan", "erspan_type": 2, **OUTER4, "session": 101}),
    "erspan2_untagged": ("plain_vlan", {"type": "erspan", "erspan_type": 2, **OUTER4,
                                        "session": 102}),
    "vxlan_qinq": ("plain_qinq", {"type": "vxlan", **OUTER4, "session": 5003}),
    "mpls_vlan": ("plain_vlan", {"type": "mpls", "mpls": [100]}),
    "frag4": ("plain", None),
    "frag4_ooo": ("plain", None),
    "frag4_dup": ("plain", None),
    "frag6": ("plain6", None),
    "frag6_ooo": ("plain6", None),
    "erspan2_outer_frag": ("plain", {"type": "erspan", "erspan_type": 2, **OUTER4,
                                     "session": 103}),
    "mirror": ("plain", None),
}


def l2_strip(p):
    """The IP packet of an Ethernet frame (below any VLAN tags), or None."""
    if IP in p:
        return p[IP]
    if IPv6 in p:
        return p[IPv6]
    return None


def timed(pkt, t):
    pkt.time = t
    return pkt


def outer_ip(proto=None):
    return Ether(**OUTER_MAC) / IP(**OUTER4, id=1, **({"proto": proto} if proto else {}))


def tag(frame, tags):
    """frame with VLAN tags (outer first) inserted after the MAC addresses."""
    eth = Ether(bytes(frame))
    inner = eth.payload
    layer = None
    for kind, vid in reversed(tags):
        t = (Dot1AD if kind == "ad" else Dot1Q)(vlan=vid)
        layer = t / (layer if layer is not None else inner)
    return timed(Ether(src=eth.src, dst=eth.dst) / layer, frame.time)


def wrap(variant, p):
    """One frame of a tunnel variant, or None to leave the frame out."""
    frame = bytes(p)
    ip = l2_strip(p)
    ipb = bytes(ip) if ip is not None else None
    if variant == "erspan1":
        return outer_ip() / GRE(proto=0x88BE) / Raw(frame)
    if variant == "erspan2":
        return (outer_ip() / GRE(seqnum_present=1, sequence_number=p.seq_no, proto=0x88BE)
                / ERSPAN_II(ver=1, session_id=100, index=3) / Raw(frame))
    if variant == "erspan3":
        return (outer_ip() / GRE(seqnum_present=1, sequence_number=p.seq_no, proto=0x22EB)
                / ERSPAN_III(ver=2, session_id=200, timestamp=12345, ft=0, o=1)
                / ERSPAN_PlatformSpecific(platf_id=3, info1=1, info2=2) / Raw(frame))
    if ipb is None:
        return None
    if variant == "gre":
        return outer_ip() / GRE(proto=0x0800 if IP in p else 0x86DD) / Raw(ipb)
    if variant == "gre_key_seq":
        return (outer_ip() / GRE(key_present=1, key=4660, seqnum_present=1,
                                 sequence_number=p.seq_no, proto=0x0800) / Raw(ipb))
    if variant == "gre_eth":
        return outer_ip() / GRE(key_present=1, key=7, proto=0x6558) / Raw(frame)
    if variant == "gre_outer6":
        return Ether(**OUTER_MAC) / IPv6(**OUTER6, nh=47) / GRE(proto=0x0800) / Raw(ipb)
    if variant == "gre_mpls":
        return outer_ip() / GRE(proto=0x8847) / MPLS(label=16, s=1, ttl=64) / Raw(ipb)
    if variant in ("vxlan", "vxlan_8472"):
        port, vni = (4789, 5001) if variant == "vxlan" else (8472, 5002)
        return (outer_ip() / UDP(sport=49152 + p.seq_no % 1000, dport=port)
                / VXLAN(flags=0x08, vni=vni) / Raw(frame))
    if variant == "mpls1":
        return Ether(**OUTER_MAC, type=0x8847) / MPLS(label=100, s=1, ttl=64) / Raw(ipb)
    if variant == "mpls3":
        return (Ether(**OUTER_MAC, type=0x8847) / MPLS(label=100, s=0, ttl=64)
                / MPLS(label=200, s=0, ttl=64) / MPLS(label=300, s=1, ttl=64) / Raw(ipb))
    if variant == "erspan2_vlan":   # the mirrored frame keeps its tag (En 3)
        return (outer_ip() / GRE(seqnum_present=1, proto=0x88BE)
                / ERSPAN_II(ver=1, vlan=10, en=3, session_id=101) / Raw(bytes(tag(p, [("q", 10)]))))
    if variant == "erspan2_untagged":  # the switch took the tag off and put it in the header
        return (outer_ip() / GRE(seqnum_present=1, proto=0x88BE)
                / ERSPAN_II(ver=1, vlan=10, en=2, session_id=102) / Raw(frame))
    if variant == "vxlan_qinq":
        return (outer_ip() / UDP(sport=50000, dport=4789) / VXLAN(flags=0x08, vni=5003)
                / Raw(bytes(tag(p, [("ad", 100), ("q", 10)]))))
    if variant == "mpls_vlan":  # an Ethernet pseudowire with the control word
        return (Ether(**OUTER_MAC, type=0x8847) / MPLS(label=100, s=1, ttl=64)
                / Raw(b"\x00\x00\x00\x00" + bytes(tag(p, [("q", 10)]))))
    raise ValueError(variant)


def frag4(ip, size, ident):
    """IPv4 fragments of ip with `size` bytes of data each."""
    hdr = IP(bytes(ip))
    data = bytes(hdr.payload)
    out = []
    for off in range(0, len(data), size):
        piece = data[off:off + size]
        more = off + size < len(data)
        f = IP(src=hdr.src, dst=hdr.dst, id=ident, proto=hdr.proto, ttl=hdr.ttl,
               flags="MF" if more else 0, frag=off // 8) / Raw(piece)
        out.append(f)
    return out


def frag6(ip6, size, ident):
    """IPv6 fragments (fragment header, RFC 8200) with `size` bytes of data each."""
    data = bytes(ip6.payload)
    out = []
    for off in range(0, len(data), size):
        piece = data[off:off + size]
        more = off + size < len(data)
        f = (IPv6(src=ip6.src, dst=ip6.dst, hlim=ip6.hlim, nh=44)
             / IPv6ExtHdrFragment(nh=ip6.nh, offset=off // 8, m=1 if more else 0, id=ident)
             / Raw(piece))
        out.append(f)
    return out


def to_ipv6(p):
    """The frame with its IPv4 header replaced by IPv6 (2001:db8::a.b.c.d)."""
    if IP not in p:
        return p
    ip = p[IP]
    six = IPv6(src="2001:db8::" + ip.src, dst="2001:db8::" + ip.dst, hlim=ip.ttl, nh=ip.proto)
    return timed(Ether(src=p.src, dst=p.dst) / six / Raw(bytes(ip.payload)), p.time)


def fragmented(pkts, kind):
    out = []
    for n, p in enumerate(pkts):
        ip = l2_strip(p)
        if ip is None or len(bytes(ip.payload)) <= 16:
            out.append(p)
            continue
        if kind.startswith("frag6"):
            frags = frag6(ip, 16, 0x10000 + n)
        else:
            frags = frag4(ip, 16, (n % 65000) + 1)
        if kind.endswith("_ooo"):
            frags.reverse()
        if kind.endswith("_dup"):  # every fragment twice: the second copy is ignored
            frags = [f for f in frags for _ in (0, 1)]
        for f in frags:
            out.append(timed(Ether(src=p.src, dst=p.dst) / f, p.time))
    return out


def outer_fragmented(pkts):
    """ERSPAN II packets whose outer IPv4 datagram is cut in 64-byte pieces (a tunnel over a
    small MTU)."""
    out = []
    for n, p in enumerate(pkts):
        outer = (IP(**OUTER4, id=(n % 65000) + 1, proto=47)
                 / GRE(seqnum_present=1, sequence_number=n, proto=0x88BE)
                 / ERSPAN_II(ver=1, session_id=103) / Raw(bytes(p)))
        outer = IP(bytes(outer))
        for f in frag4(outer, 64, (n % 65000) + 1):
            out.append(timed(Ether(**OUTER_MAC) / f, p.time))
    return out


def forged(t0, conflict):
    """Three Modbus/UDP write requests over IPv4 and three over IPv6, each cut in 8-byte
    fragments with a second fragment at offset 8 before the real one: with other bytes
    (conflict: the evasion RFC 5722 forbids, so each datagram is dropped) or the same bytes
    (a duplicate: each datagram is reassembled and gives a request)."""
    out = []
    for i in range(3):
        mbap = bytes([0, i + 1, 0, 0, 0, 6, 1, 6, 0, 1, 0, 7 + i])  # FC 6: register 1 = 7+i
        evil = bytes([0, i + 1, 0, 0, 0, 6, 1, 5]) + mbap[8:]        # FC 5 instead
        for v in (4, 6):
            def build(payload):
                if v == 4:
                    ip = IP(src="10.99.0.1", dst="10.99.0.2", proto=17) / \
                        UDP(sport=40000, dport=502) / Raw(payload)
                    return frag4(IP(bytes(ip)), 8, 0x7700 + i)
                ip6 = IPv6(src="2001:db8:99::1", dst="2001:db8:99::2", nh=17) / \
                    UDP(sport=40000, dport=502) / Raw(payload)
                return frag6(IPv6(bytes(ip6)), 8, 0x7700 + i)
            real = build(mbap)
            extra = build(evil if conflict else mbap)[1]
            for f in (real[0], extra, real[1], real[2]):
                out.append(timed(Ether(**OUTER_MAC) / f, t0))
    return out


def as_udp(pkts):
    """TCP payloads resent as UDP datagrams with the same addresses and ports."""
    out = []
    for p in pkts:
        if TCP not in p or not bytes(p[TCP].payload):
            continue
        ip = p[IP]
        u = Ether(src=p.src, dst=p.dst) / IP(src=ip.src, dst=ip.dst, id=ip.id) / \
            UDP(sport=p[TCP].sport, dport=p[TCP].dport) / Raw(bytes(p[TCP].payload))
        out.append(timed(u, p.time))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("outdir")
    ap.add_argument("--udp", action="store_true")
    args = ap.parse_args()
    pkts = rdpcap(args.pcap)
    for n, p in enumerate(pkts):
        p.seq_no = n
    os.makedirs(args.outdir, exist_ok=True)

    def write(name, plist):
        path = os.path.join(args.outdir, name + ".pcap")
        wrpcap(path, plist, linktype=1)
        print(f"{name}.pcap {len(plist)}")

    write("plain", pkts)
    write("plain_vlan", [tag(p, [("q", 10)]) for p in pkts])
    write("plain_qinq", [tag(p, [("ad", 100), ("q", 10)]) for p in pkts])
    plain6 = [to_ipv6(p) for p in pkts]
    write("plain6", plain6)
    for v in VARIANTS:
        if v.startswith("frag6"):
            write(v, fragmented(plain6, v))
        elif v.startswith("frag4"):
            write(v, fragmented(pkts, v))
        elif v == "erspan2_outer_frag":
            write(v, outer_fragmented(pkts))
        elif v == "mirror":  # each packet plainly, then its ERSPAN copy
            write(v, [q for p in pkts for q in (p, timed(wrap("erspan2", p), p.time))])
        else:
            out = []
            for p in pkts:
                w = wrap(v, p)
                if w is not None:
                    out.append(timed(w, p.time))
            write(v, out)
    write("overlap", forged(pkts[0].time, True) + list(pkts))
    write("overlap_dup", forged(pkts[0].time, False) + list(pkts))
    if args.udp:
        udp = as_udp(pkts)
        for n, p in enumerate(udp):
            p.seq_no = n
        write("udp", udp)
        write("udp_mirror", [q for p in udp for q in (p, timed(wrap("vxlan", p), p.time))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
