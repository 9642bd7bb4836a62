#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""reshape.py - rewrites a capture the way a SPAN port or a plant's stacks can deliver it,
keeping every payload byte and every timestamp, so the sensor must give the same `ics`
events for the result as for the input (tests/integration/tcp_shapes.sh):
  --seg N           every TCP payload cut into segments of N bytes (sequence numbers kept)
  --ooo             with --seg, the pieces of each original segment sent in reverse order
                    (the receiver's out-of-order buffer must hold all but one of them)
  --port A:B        port A becomes B on both sides (a protocol on a non-standard port)
  --client-ports L  the client side of each connection to a port in --server-ports (in order
                    of appearance) takes the next port of the comma-separated list L (low
                    client ports, as embedded PLC stacks use)
  --server-ports L  the server ports for --client-ports (after --port), comma-separated
  --midstream       no handshake: SYN and SYN/ACK segments are left out (the sensor was
                    started in the middle of the connections)
Uses python3-scapy (Debian). Reads pcap or pcapng; writes pcap with the input's link type.
Usage: reshape.py IN OUT [options]"""
import argparse
import sys

from scapy.all import IP, IPv6, TCP, Padding, PcapReader, PcapWriter  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--seg", type=int, default=0)
    ap.add_argument("--ooo", action="store_true")
    ap.add_argument("--port", action="append", default=[])
    ap.add_argument("--client-ports", default="")
    ap.add_argument("--server-ports", default="")
    ap.add_argument("--midstream", action="store_true")
    return ap.parse_args()


def fix(p):
    """Lengths and checksums are recomputed when the packet is built."""
    if IP in p:
        del p[IP].len
        del p[IP].chksum
    if IPv6 in p:
        del p[IPv6].plen
    del p[TCP].chksum
    return p


def main():
    a = parse_args()
    pmap = {}
    for m in a.port:
        x, y = m.split(":")
        pmap[int(x)] = int(y)
    cports = [int(x) for x in a.client_ports.split(",") if x]
    sports = {int(x) for x in a.server_ports.split(",") if x}
    cmap = {}  # (server ip, server port, client ip, client port) -> new client port
    reader = PcapReader(a.inp)
    linktype = getattr(reader, "linktype", None)
    out = []
    for p in reader:
        if TCP not in p:
            out.append(p)
            continue
        t = p[TCP]
        if a.midstream and (int(t.flags) & 0x02):
            continue
        t.sport = pmap.get(t.sport, t.sport)
        t.dport = pmap.get(t.dport, t.dport)
        if cports:
            l3 = p[IP] if IP in p else p[IPv6]
            if t.dport in sports:
                key = (l3.dst, t.dport, l3.src, t.sport)
                if key not in cmap:
                    cmap[key] = cports[len(cmap) % len(cports)]
                t.sport = cmap[key]
            elif t.sport in sports:
                key = (l3.src, t.sport, l3.dst, t.dport)
                if key not in cmap:
                    cmap[key] = cports[len(cmap) % len(cports)]
                t.dport = cmap[key]
        data = bytes(t.payload)
        if IP in p:  # Ethernet padding is not payload
            data = data[:max(0, p[IP].len - p[IP].ihl * 4 - t.dataofs * 4)]
        if a.seg <= 0 or len(data) <= a.seg:
            if Padding in p and not data:
                t.remove_payload()
            out.append(fix(p))
            continue
        syn = 1 if int(t.flags) & 0x02 else 0
        pieces = []
        for off in range(0, len(data), a.seg):
            q = p.copy()
            q[TCP].remove_payload()
            q[TCP].add_payload(data[off:off + a.seg])
            q[TCP].seq = (t.seq + syn + off) & 0xFFFFFFFF
            if off:
                q[TCP].flags = int(t.flags) & ~0x03  # SYN and FIN on the first/last only
            if off + a.seg < len(data):
                q[TCP].flags = int(q[TCP].flags) & ~0x01
            q.time = p.time
            pieces.append(fix(q))
        if a.ooo:
            pieces.reverse()
        out.extend(pieces)
    kw = {"linktype": linktype} if linktype is not None else {}
    w = PcapWriter(a.out, sync=False, **kw)
    for p in out:
        w.write(p)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
