# SPDX-License-Identifier: Apache-2.0
"""s7comm_oracle.py - compares the sensor's S7comm events with Wireshark's decoding, and its
S7comm-plus events with the documented S7comm-plus layout.

S7comm: for every capture under SHARED whose SOURCES.tsv `protocols` column names S7comm with
a PDU count, runs
  tanzhen-sensor -r PCAP --jsonl - -w 1                   (ics events, proto s7comm)
  tshark -r PCAP -Y s7comm -T pdml -J "s7comm"             (one <proto s7comm> per S7 PDU)
and matches requests and responses separately per (requester, responder, PDU reference,
job/userdata), in order when a key repeats. A job must agree on ROSCTR, function and, item by
item, on area, DB, byte address and transport size (S7ANY items); a userdata request on
function group, subfunction, SZL id and index; an ack/ack-data on its ROSCTR, error class and
code and each item's return code; a userdata response on group and subfunction.

S7comm-plus: tshark 4.0 has no S7comm-plus dissector, so for every capture whose protocols
column names S7comm-plus this script follows each TCP stream on port 102 (tshark -z follow),
parses TPKT/COTP itself and checks every 0x72 PDU against the layout (version 1-3 or
keep-alive, data length inside the PDU, trailer 0x72 <version> 0x0000 closing each message,
the V3 integrity part), then matches each message's header (opcode, function, sequence,
session, version) with the sensor's s7comm_plus events.

A disagreement is either explained by a rule in EXPLAINED (with its reason) or fails the run.
Run with /usr/bin/python3.  Usage: s7comm_oracle.py --sensor BIN --shared DIR [-v]
"""
import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

TSHARK = "tshark"


class Disagreement:
    def __init__(self, capture, frame, side, key, what, tshark, sensor):
        self.capture = capture
        self.frame = frame
        self.side = side
        self.key = key
        self.what = what
        self.tshark = tshark
        self.sensor = sensor

    def __str__(self):
        where = f"frame {self.frame}" if self.frame is not None else "no frame"
        return (f"{self.capture}: {where} {self.side} {self.key}: {self.what}: "
                f"reference={self.tshark} sensor={self.sensor}")


def gap_capture(d):
    return d.capture in GAP_CAPTURES


# Captures with TCP segments missing from the capture ("previous segment not captured" in
# SOURCES.tsv): Wireshark decodes the S7 PDUs of any segment it has, the sensor drops the
# bytes of a stream from a gap up to the next TPKT it can resynchronise on and the pairs
# across it become no_response / response_only.
GAP_CAPTURES = set()

EXPLAINED = [
    (gap_capture, lambda d: d.what in ("missing", "extra"),
     "the capture lost TCP segments here (SOURCES.tsv: 'previous segment not captured'); the "
     "sensor does not decode PDUs cut by a gap, Wireshark decodes what each segment holds"),
]


def explain(d):
    for cap_pred, pred, reason in EXPLAINED:
        if cap_pred(d) and pred(d):
            return reason
    return None


def captures(shared):
    s7, plus = [], []
    with open(os.path.join(shared, "SOURCES.tsv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            protos = row.get("protocols", "")
            if re.search(r"S7comm \d+", protos):
                s7.append(row["local_path"])
            if "S7comm-plus" in protos:
                plus.append(row["local_path"])
            if "previous segment not captured" in row.get("notes", ""):
                GAP_CAPTURES.add(row["local_path"])
    return s7, plus


def run_sensor(sensor, pcap):
    run = subprocess.run([sensor, "-r", pcap, "--jsonl", "-", "-w", "1", "--sensor-id",
                          "oracle"], capture_output=True, timeout=600, check=False)
    if run.returncode not in (0, 2):
        raise RuntimeError(f"sensor exit status {run.returncode}: "
                           f"{run.stderr.decode(errors='replace')[-500:]}")
    return [json.loads(l) for l in run.stdout.decode("utf-8").splitlines()]


def ep(ip, port):
    return f"{ip}:{port}"


# ---- S7comm against tshark -------------------------------------------------------------

class Pdu:
    def __init__(self, frame):
        self.frame = frame
        self.f = {}          # first occurrence of each field
        self.items = []      # request items: dict of area, db, byte, tsize, syntax
        self.rets = []       # response item return codes


def tshark_frames(pcap):
    out = subprocess.run([TSHARK, "-r", pcap, "-Y", "s7comm", "-T", "fields", "-E",
                          "separator=\t", "-e", "frame.number", "-e", "ip.src", "-e", "ip.dst",
                          "-e", "tcp.srcport", "-e", "tcp.dstport"],
                         capture_output=True, check=True, timeout=600)
    frames = {}
    for line in out.stdout.decode().splitlines():
        num, src, dst, sport, dport = (line.split("\t") + [""] * 5)[:5]
        if sport and dport:
            frames[int(num)] = (src.split(",")[-1], dst.split(",")[-1],
                                int(sport.split(",")[-1]), int(dport.split(",")[-1]))
    return frames


def walk_items(elem, pdu):
    for fld in elem.findall("field"):
        name = fld.get("name", "")
        if name == "s7comm.param.item":
            vals = {c.get("name"): c.get("show") for c in fld.iter("field")}
            pdu.items.append(vals)
            continue
        if name == "s7comm.data.item":
            vals = {c.get("name"): c.get("show") for c in fld.iter("field")}
            if "s7comm.data.returncode" in vals:
                pdu.rets.append(int(vals["s7comm.data.returncode"], 0))
            continue
        if name and name not in pdu.f and fld.get("show") is not None:
            pdu.f[name] = fld.get("show")
        walk_items(fld, pdu)


def tshark_pdus(pcap):
    out = subprocess.run([TSHARK, "-r", pcap, "-Y", "s7comm", "-T", "pdml", "-J", "s7comm"],
                         capture_output=True, check=True, timeout=600)
    pdus = []
    for packet in ET.fromstring(out.stdout).iter("packet"):
        frame = None
        for proto in packet.findall("proto"):
            if proto.get("name") == "geninfo":
                for fld in proto.iter("field"):
                    if fld.get("name") == "num":
                        frame = int(fld.get("show"))
            elif proto.get("name") == "s7comm":
                p = Pdu(frame)
                walk_items(proto, p)
                pdus.append(p)
    return pdus


def num(v):
    return int(v, 0) if v is not None else None


def ws_key(pdu, frames):
    """(side, key) of a Wireshark PDU: side request, response or push."""
    src, dst, sport, dport = frames[pdu.frame]
    rosctr = num(pdu.f.get("s7comm.header.rosctr"))
    ref = num(pdu.f.get("s7comm.header.pduref"))
    a, b = ep(src, sport), ep(dst, dport)
    if rosctr == 1:
        return "request", (a, b, ref, "job")
    if rosctr in (2, 3):
        return "response", (b, a, ref, "job")
    if rosctr == 7:
        t = num(pdu.f.get("s7comm.param.userdata.type"))
        if t == 4:
            return "request", (a, b, ref, "ud")
        if t == 8:
            return "response", (b, a, ref, "ud")
        return "push", (a, b, ref, "ud")
    return None, None


def ev_sides(ev):
    """The sides a sensor event carries and its key."""
    m = ev["s7comm"]
    if "rosctr" not in m:
        return [], None  # COTP connection record
    kind = "ud" if m["rosctr"] == 7 else "job"
    key = (ep(ev["src"]["ip"], ev["src"]["port"]), ep(ev["dst"]["ip"], ev["dst"]["port"]),
           m["pdu_ref"], kind)
    st = ev["status"]
    if kind == "ud" and m.get("userdata", {}).get("type") == "push":
        return ["push"], key
    sides = []
    if st != "response_only":
        sides.append("request")
    if st == "response_only" or "latency_us" in ev:
        sides.append("response")
    return sides, key


def ud_sub(pdu):
    # the mode-transition group (0) names its subfunction "current mode"
    return num(pdu.f.get("s7comm.param.userdata.subfunc",
                         pdu.f.get("s7comm.param.modetrans.subfunc")))


def compare_request(pdu, m):
    bad = []
    kind = "ud" if m.get("rosctr") == 7 else "job"
    if kind == "job":
        func = num(pdu.f.get("s7comm.param.func"))
        if m.get("rosctr") != 1:
            bad.append(("rosctr", 1, m.get("rosctr")))
        if func is not None and func != m.get("func"):
            bad.append(("func", func, m.get("func")))
        items = [i for i in pdu.items if "s7comm.param.item.area" in i]
        ev_items = [i for i in m.get("items", []) if i.get("syntax") == "S7ANY"]
        if len(items) != len(ev_items):
            bad.append(("items", len(items), len(ev_items)))
        for n, (wi, si) in enumerate(zip(items, ev_items)):
            want = (num(wi.get("s7comm.param.item.area")), num(wi.get("s7comm.param.item.db")),
                    num(wi.get("s7comm.param.item.address.byte",
                               wi.get("s7comm.param.item.address.number"))),
                    num(wi.get("s7comm.param.item.transp_size")))
            got = (si.get("area"), si.get("db"), si.get("byte"), si.get("type"))
            if want != got:
                bad.append((f"item {n} area/db/byte/type", want, got))
    else:
        u = m.get("userdata", {})
        want = (num(pdu.f.get("s7comm.param.userdata.funcgroup")), ud_sub(pdu))
        got = (u.get("group"), u.get("sub"))
        if want != got:
            bad.append(("group/sub", want, got))
        szl = num(pdu.f.get("s7comm.data.userdata.szl_id"))
        if szl is not None and (szl, num(pdu.f.get("s7comm.data.userdata.szl_index"))) != \
                (u.get("szl_id"), u.get("szl_index")):
            bad.append(("szl id/index", (szl, num(pdu.f.get("s7comm.data.userdata.szl_index"))),
                        (u.get("szl_id"), u.get("szl_index"))))
    return bad


def compare_response(pdu, m, ev):
    bad = []
    rosctr = num(pdu.f.get("s7comm.header.rosctr"))
    if rosctr in (2, 3):
        got_rosctr = m.get("resp_rosctr", m.get("rosctr"))
        if rosctr != got_rosctr:
            bad.append(("rosctr", rosctr, got_rosctr))
        want = (num(pdu.f.get("s7comm.header.errcls")), num(pdu.f.get("s7comm.header.errcod")))
        got = (m.get("error_class"), m.get("error_code"))
        if want != got:
            bad.append(("error class/code", want, got))
        if pdu.rets:
            got_rets = [i.get("ret") for i in m.get("items", []) if "ret" in i]
            if pdu.rets[:len(got_rets)] != got_rets or len(got_rets) < min(len(pdu.rets), 32):
                bad.append(("item return codes", pdu.rets, got_rets))
    else:
        u = m.get("userdata", {})
        want = (num(pdu.f.get("s7comm.param.userdata.funcgroup")), ud_sub(pdu))
        if want != (u.get("group"), u.get("sub")):
            bad.append(("group/sub", want, (u.get("group"), u.get("sub"))))
    return bad


def compare_s7(capture, events, frames, pdus):
    ws = collections.defaultdict(list)
    for p in pdus:
        if p.frame not in frames:
            continue
        side, key = ws_key(p, frames)
        if side:
            ws[(side, key)].append(p)
    ev = collections.defaultdict(list)
    for e in events:
        sides, key = ev_sides(e)
        for side in sides:
            ev[(side, key)].append(e)
    agree, dis = 0, []
    for sk in sorted(set(ws) | set(ev), key=str):
        side, key = sk
        ts, es = ws.get(sk, []), ev.get(sk, [])
        for i in range(max(len(ts), len(es))):
            p = ts[i] if i < len(ts) else None
            e = es[i] if i < len(es) else None
            if p is None:
                dis.append(Disagreement(capture, None, side, key, "extra", None,
                                        json.dumps(e["s7comm"])[:160]))
                continue
            if e is None:
                dis.append(Disagreement(capture, p.frame, side, key, "missing", side, None))
                continue
            m = e["s7comm"]
            bad = compare_request(p, m) if side in ("request", "push") else \
                compare_response(p, m, e)
            if not bad:
                agree += 1
            for what, tv, sv in bad:
                dis.append(Disagreement(capture, p.frame, side, key, what, tv, sv))
    return agree, dis


# ---- S7comm-plus against the documented layout --------------------------------------------

def follow_streams(pcap):
    out = subprocess.run([TSHARK, "-r", pcap, "-Y", "tcp.port==102 && tcp.len>0", "-T", "fields",
                          "-e", "tcp.stream"], capture_output=True, check=True, timeout=600)
    streams = sorted({int(s) for s in out.stdout.decode().split() if s})
    for s in streams:
        out = subprocess.run([TSHARK, "-r", pcap, "-q", "-z", f"follow,tcp,raw,{s}"],
                             capture_output=True, check=True, timeout=600)
        nodes, data = {}, {0: bytearray(), 1: bytearray()}
        for line in out.stdout.decode().splitlines():
            m = re.match(r"^Node (\d): (.*):(\d+)$", line)
            if m:
                nodes[int(m.group(1))] = (m.group(2).strip("[]"), int(m.group(3)))
                continue
            if not line.strip() or line.startswith(("=", "Follow", "Filter")):
                continue
            side = 1 if line.startswith("\t") else 0
            try:
                data[side] += bytes.fromhex(line.strip())
            except ValueError:
                pass
        if len(nodes) == 2:
            yield s, nodes, data


class Msg:
    def __init__(self, version, opcode, func, seq, session):
        self.version, self.opcode, self.func, self.seq, self.session = \
            version, opcode, func, seq, session


def parse_plus(stream, stats):
    """Messages (first PDUs) in one direction's bytes; layout faults counted in stats."""
    msgs, i, reasm, cont = [], 0, b"", False
    while i + 7 <= len(stream):
        if stream[i] != 3 or stream[i + 1] != 0:
            i += 1  # not a TPKT here (a capture gap): look for the next one
            stats["resync_bytes"] += 1
            continue
        tlen = int.from_bytes(stream[i + 2:i + 4], "big")
        li, code = stream[i + 4], stream[i + 5]
        if tlen < 7 or i + tlen > len(stream):
            break
        body = stream[i + 5 + li:i + tlen]
        eot = stream[i + 6] & 0x80 if code == 0xf0 else 0
        i += tlen
        if code != 0xf0:
            continue
        reasm += body
        if not eot:
            continue
        pl, reasm = reasm, b""
        if not pl or pl[0] != 0x72:
            continue
        stats["pdus"] += 1
        ver = pl[1]
        if ver in (0xfe, 0xff):
            stats["keepalive"] += 1
            continue
        dlen = int.from_bytes(pl[2:4], "big")
        if ver not in (1, 2, 3) or 4 + dlen > len(pl):
            stats["bad_header"] += 1
            continue
        stats["versions"][ver] += 1
        rest = pl[4 + dlen:]
        if rest == bytes([0x72, ver, 0, 0]):
            stats["trailers"] += 1
            was_cont, cont = cont, False
        elif not rest:
            stats["no_trailer"] += 1
            was_cont, cont = cont, True
        else:
            stats["bad_trailer"] += 1
            was_cont, cont = cont, False
        if was_cont:
            stats["continuations"] += 1
            continue
        d = pl[4:4 + dlen]
        if ver == 3 and len(d) > 33 and d[0] == 0x20:
            d = d[33:]
            stats["integrity_v3"] += 1
        if not d:
            continue
        op = d[0]
        if op in (0x31, 0x32, 0x02) and len(d) >= 10:
            func = int.from_bytes(d[3:5], "big")
            seq = int.from_bytes(d[7:9], "big")
            session = int.from_bytes(d[9:13], "big") if op == 0x31 and len(d) >= 13 else None
            msgs.append(Msg(ver, op, func, seq, session))
        elif op == 0x33:
            msgs.append(Msg(ver, op, None, None, None))
        else:
            stats["other_opcode"] += 1
    return msgs


def compare_plus(capture, events, pcap):
    stats = collections.Counter()
    stats["versions"] = collections.Counter()
    agree, dis = 0, []
    evs = [e for e in events if e.get("proto") == "s7comm_plus"]
    for s, nodes, data in follow_streams(pcap):
        a, b = nodes[0], nodes[1]
        if a[1] == 102:
            a, b = b, a
            data = {0: data[1], 1: data[0]}
        cli, srv = ep(*a), ep(*b)
        mine = [e for e in evs if {ep(e["src"]["ip"], e["src"]["port"]),
                                   ep(e["dst"]["ip"], e["dst"]["port"])} == {cli, srv}]
        reqs = collections.defaultdict(list)
        resps = collections.defaultdict(list)
        notifs = 0
        for e in mine:
            m = e["s7comm_plus"]
            if m.get("opcode") == 0x33:
                notifs += 1
                continue
            if "seq" not in m:
                continue
            if e["status"] != "response_only":
                reqs[(m["seq"], m["func"])].append(m)
            if e["status"] == "response_only" or "latency_us" in e:
                resps[(m["seq"], m["func"])].append(m)
        ws_notifs = 0
        for side in (0, 1):
            for msg in parse_plus(bytes(data[side]), stats):
                if msg.opcode == 0x33:
                    ws_notifs += 1
                    continue
                key = (cli, srv, msg.seq, msg.func)
                pool = reqs if msg.opcode == 0x31 else resps
                got = pool.get((msg.seq, msg.func))
                if not got:
                    dis.append(Disagreement(capture, None, "plus " + hex(msg.opcode), key,
                                            "missing", "message", None))
                    continue
                m = got.pop(0)
                bad = []
                if m.get("version") != msg.version and msg.opcode == 0x31:
                    bad.append(("version", msg.version, m.get("version")))
                if msg.session is not None and m.get("session") != msg.session:
                    bad.append(("session", msg.session, m.get("session")))
                if not bad:
                    agree += 1
                for what, tv, sv in bad:
                    dis.append(Disagreement(capture, None, "plus " + hex(msg.opcode), key, what,
                                            tv, sv))
        if ws_notifs != notifs:
            dis.append(Disagreement(capture, None, "plus notifications", (cli, srv), "count",
                                    ws_notifs, notifs))
        else:
            agree += notifs
        for pool in (reqs, resps):
            for k, left in pool.items():
                for m in left:
                    dis.append(Disagreement(capture, None, "plus", (cli, srv) + k, "extra",
                                            None, json.dumps(m)[:160]))
    layout_bad = stats["bad_header"] + stats["bad_trailer"]
    return agree, dis, stats, layout_bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--shared", required=True, help="the shared pcaps folder (SOURCES.tsv)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list explained ones too")
    args = ap.parse_args()
    s7caps, pluscaps = captures(args.shared)
    unexplained = []
    tot = collections.Counter()
    for rel in sorted(set(s7caps) | set(pluscaps)):
        pcap = os.path.join(args.shared, rel)
        if not os.path.exists(pcap):
            print(f"s7comm oracle: {rel}: missing, skipped")
            continue
        try:
            events = [e for e in run_sensor(args.sensor, pcap) if e.get("type") == "ics"]
        except (RuntimeError, ValueError) as exc:
            print(f"s7comm oracle: {rel}: FAIL: {exc}")
            unexplained.append(None)
            continue
        dis = []
        if rel in s7caps:
            s7ev = [e for e in events if e.get("proto") == "s7comm"]
            pdus = tshark_pdus(pcap)
            agree, d = compare_s7(rel, s7ev, tshark_frames(pcap), pdus)
            dis += d
            tot["s7_agree"] += agree
            tot["s7_n"] += agree + len(d)
            print(f"s7comm oracle: {rel}: S7comm {agree}/{agree + len(d)} agree "
                  f"({len(s7ev)} events, {len(pdus)} Wireshark PDUs)")
        if rel in pluscaps:
            agree, d, st, layout_bad = compare_plus(rel, events, pcap)
            dis += d
            tot["p_agree"] += agree
            tot["p_n"] += agree + len(d)
            tot["p_pdus"] += st["pdus"]
            tot["p_layout_bad"] += layout_bad
            vers = ", ".join(f"V{v}: {n}" for v, n in sorted(st["versions"].items()))
            print(f"s7comm oracle: {rel}: S7comm-plus {agree}/{agree + len(d)} messages agree; "
                  f"layout: {st['pdus']} PDUs ({vers}, keep-alive {st['keepalive']}), "
                  f"{st['trailers']} trailers, {st['no_trailer']} fragments without trailer, "
                  f"{st['integrity_v3']} V3 integrity parts, {layout_bad} layout faults")
            if layout_bad:
                dis.append(Disagreement(rel, None, "plus layout", None, "faults", 0, layout_bad))
        for x in dis:
            reason = explain(x)
            if reason is None:
                unexplained.append(x)
            else:
                tot["explained"] += 1
                if args.verbose:
                    print(f"  explained: {x}\n    because: {reason}")
    print(f"s7comm oracle: S7comm {tot['s7_agree']}/{tot['s7_n']} requests and responses agree "
          f"with tshark; S7comm-plus {tot['p_agree']}/{tot['p_n']} messages agree with the "
          f"layout ({tot['p_pdus']} PDUs, {tot['p_layout_bad']} layout faults); "
          f"{tot['explained']} explained, {len(unexplained)} unexplained")
    for x in unexplained:
        if x is not None:
            print(f"  UNEXPLAINED: {x}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
