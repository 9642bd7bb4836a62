#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""iec104_oracle.py - compares the sensor's iec104 events with tshark (the oracle) on every
IEC 60870-5-104 capture: those SOURCES.tsv lists under TZ_SHARED/pcaps (protocols column
naming IEC104) and the project's own pcaps/iec104*.pcap.

For each TCP direction it lines up tshark's APDUs (PDML, in wire order) with the sensor's
events and compares, APDU by APDU: APCI format, N(S), N(R), U function, type id, cause of
transmission with its P/N and T bits, originator and common address, SQ and the
object count, and the IOAs (the sensor keeps at most limits.max_items
objects and then says `truncated`). S-format APDUs make no event by design (EVENTS.md), so
they are counted, not compared. Every APDU that only one side has must match a reason in
EXPLAINED below; anything else is a disagreement and the exit status is 1.

Usage: iec104_oracle.py SENSOR SHARED_DIR SRC_DIR
"""
import csv
import datetime
import difflib
import glob
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

U_FUNCS = {0x01: "startdt_act", 0x02: "startdt_con", 0x04: "stopdt_act",
           0x08: "stopdt_con", 0x10: "testfr_act", 0x20: "testfr_con"}
APCI = {0: "I", 1: "S", 3: "U"}


def apci_sane(a):
    """What the sensor's resync accepts as an APDU start (dissectors/iec104.c)."""
    if a["apci"] == "I":
        return a["len"] >= 10
    if a["apci"] == "S":
        return a["len"] == 4
    return a["apci"] == "U" and a["len"] == 4 and a["u_func"] is not None


# Why tshark may show an APDU the sensor has no event for. Each entry: (test, reason).
EXPLAINED = [
    (lambda a: a["prefix"] and not apci_sane(a),
     "tshark skips junk octets before a 0x68 (its '<ERR prefix N bytes>') and decodes what "
     "follows without checking the control field against the length; the sensor only "
     "resynchronises on a sane APCI (U and S length 4 with valid bits, I length >= 10), so "
     "these octets are noise (nDPI's iec60780-5-104.pcap is a fuzzed stream), not APDUs"),
    (lambda a: a["malformed"] and not apci_sane(a),
     "tshark itself flags the frame [Malformed Packet]: an APCI whose length cannot hold "
     "its format, which the sensor's framing never takes as an APDU start"),
]


def first_int(pf, name):
    return int(pf[name][0]) if name in pf else None


def tshark_apdus(pcap):
    """All APDUs tshark decodes, in order: dicts with the direction key and fields."""
    out = subprocess.run(["tshark", "-r", pcap, "-T", "pdml"], capture_output=True,
                         check=True).stdout
    apdus = []
    for pkt in ET.fromstring(out).iter("packet"):
        fields = {}
        for f in pkt.iter("field"):
            fields.setdefault(f.get("name"), f.get("show"))
        if "iec60870_104.apdulen" not in fields:
            continue
        src = fields.get("ip.src") or fields.get("ipv6.src")
        dst = fields.get("ip.dst") or fields.get("ipv6.dst")
        key = (src, int(fields["tcp.srcport"]), dst, int(fields["tcp.dstport"]))
        frame = int(fields["frame.number"])
        malformed = any(p.get("name") == "_ws.malformed" for p in pkt.iter("proto"))
        cur = None
        for proto in pkt.findall("proto"):
            name = proto.get("name")
            pf = {}
            for f in proto.iter("field"):
                pf.setdefault(f.get("name"), []).append(f.get("show"))
            if name == "iec60870_104":
                ty = pf.get("iec60870_104.type")  # absent when tshark stops at a bad length
                t = APCI.get(int(ty[0], 16), "?") if ty else "?"
                ut = pf.get("iec60870_104.utype")
                cur = {"key": key, "frame": frame, "apci": t,
                       "len": first_int(pf, "iec60870_104.apdulen"),
                       "tx": first_int(pf, "iec60870_104.tx"),
                       "rx": first_int(pf, "iec60870_104.rx"),
                       "u_func": U_FUNCS.get(int(ut[0], 16)) if ut else None,
                       "prefix": "iec60870_104.data" in pf, "malformed": malformed,
                       "type": None, "cot": None, "ca": None, "oa": None, "sq": None,
                       "num": None, "neg": None, "test": None, "ioas": []}
                apdus.append(cur)
            elif name == "iec60870_asdu" and cur is not None:
                # fields are absent when the ASDU is too short for them (tshark: Malformed)
                cur["type"] = first_int(pf, "iec60870_asdu.typeid")
                cur["cot"] = first_int(pf, "iec60870_asdu.causetx")
                cur["ca"] = first_int(pf, "iec60870_asdu.addr")
                cur["oa"] = first_int(pf, "iec60870_asdu.oa")
                cur["sq"] = first_int(pf, "iec60870_asdu.sq")
                cur["num"] = first_int(pf, "iec60870_asdu.numix")
                cur["neg"] = first_int(pf, "iec60870_asdu.nega")
                cur["test"] = first_int(pf, "iec60870_asdu.test")
                cur["ioas"] = [int(v) for v in pf.get("iec60870_asdu.ioa", [])]
    return apdus


def b(v):
    return None if v is None else int(v)


def sensor_events(sensor, pcap):
    out = subprocess.run([sensor, "-r", pcap, "--jsonl", "-", "-w", "1"], capture_output=True,
                         check=True, text=True).stdout
    events, anomalies = [], 0
    for line in out.splitlines():
        e = json.loads(line)
        if e.get("type") == "anomaly":
            anomalies += 1
        if e.get("type") != "ics" or e.get("proto") != "iec104":
            continue
        r = e["iec104"]
        a = r.get("asdu") or {}
        t0 = datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1e6
        # a command transaction also stands for the APDUs that answered it (IEC 104 actcon,
        # actterm): same type, CA and first IOA, their own APCI numbers and ASDU head
        for part in ("confirm", "term"):
            c = r.get(part)
            if not c:
                continue
            src, dst = e["dst"], e["src"]  # the answer travelled the other way
            events.append({
                "key": (src["ip"], src["port"], dst["ip"], dst["port"]),
                "apci": "I", "tx": c["tx"], "rx": c["rx"], "u_func": None,
                "type": a.get("type"), "cot": c["cot"], "ca": a.get("ca"), "oa": c["oa"],
                "sq": b(c["sq"]), "num": c["num"], "neg": b(c["neg"]), "test": b(c["test"]),
                "ioas": [o["ioa"] for o in a.get("objects", [])][:1],
                "truncated": True, "status": e["status"], "t": t0 + c["latency_us"]})
        # src is the requester: an answer whose command was never seen travelled dst -> src
        snd, rcv = (e["dst"], e["src"]) if e["status"] == "response_only" else (e["src"], e["dst"])
        events.append({
            "key": (snd["ip"], snd["port"], rcv["ip"], rcv["port"]),
            "apci": r["apci"], "tx": r.get("tx"), "rx": r.get("rx"), "u_func": r.get("u_func"),
            "type": a.get("type"), "cot": a.get("cot"), "ca": a.get("ca"), "oa": a.get("oa"),
            "sq": b(a.get("sq")), "num": a.get("num"), "neg": b(a.get("neg")),
            "test": b(a.get("test")),
            "ioas": [o["ioa"] for o in a.get("objects", [])],
            "truncated": a.get("truncated", False), "status": e["status"], "t": t0})
    # a command transaction is emitted when it ends: put its APDUs back in time order
    # (APDUs of one packet share a time: N(S) orders them)
    events.sort(key=lambda ev: (ev["t"], ev["tx"] if ev["tx"] is not None else -1))
    return events, anomalies


def signature(a):
    return (a["apci"], a["tx"], a["rx"], a["u_func"], a["type"])


def compare_fields(t, s):
    """Differences between a tshark APDU and the sensor event lined up with it."""
    diffs = []
    for f in ("apci", "tx", "rx", "u_func", "type", "cot", "ca", "oa", "sq", "num", "neg",
              "test"):
        if t[f] != s[f]:
            diffs.append("%s tshark=%r sensor=%r" % (f, t[f], s[f]))
    n = len(s["ioas"])
    if t["ioas"][:n] != s["ioas"] or (len(t["ioas"]) > n and not s["truncated"]):
        diffs.append("ioas tshark=%r sensor=%r" % (t["ioas"], s["ioas"]))
    return diffs


def check(sensor, pcap, totals):
    apdus = tshark_apdus(pcap)
    events, anomalies = sensor_events(sensor, pcap)
    name = os.path.basename(pcap)
    bad = 0
    s_frames = sum(1 for a in apdus if a["apci"] == "S" and apci_sane(a))
    keys = sorted({a["key"] for a in apdus} | {e["key"] for e in events}, key=str)
    agree = compared = explained = 0
    for key in keys:
        t_list = [a for a in apdus if a["key"] == key and a["apci"] != "S"]
        s_list = [e for e in events if e["key"] == key]
        sm = difflib.SequenceMatcher(None, [signature(a) for a in t_list],
                                     [signature(e) for e in s_list], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                for t, s in zip(t_list[i1:i2], s_list[j1:j2]):
                    compared += 1
                    d = compare_fields(t, s)
                    if d:
                        bad += 1
                        print("  DISAGREE %s frame %d: %s" % (name, t["frame"], "; ".join(d)))
                    else:
                        agree += 1
                continue
            for t in t_list[i1:i2]:
                reason = next((r for test, r in EXPLAINED if test(t)), None)
                if reason:
                    explained += 1
                    totals["reasons"].setdefault(reason, []).append("%s#%d" % (name, t["frame"]))
                else:
                    bad += 1
                    print("  DISAGREE %s frame %d: tshark %s APDU %r has no sensor event"
                          % (name, t["frame"], t["apci"], signature(t)))
            for s in s_list[j1:j2]:
                bad += 1
                print("  DISAGREE %s: sensor event %r has no tshark APDU" % (name, signature(s)))
    print("iec104 oracle: %s: %d/%d APDUs agree, %d tshark-only explained, %d S-format "
          "(counted, no events), %d sensor anomalies"
          % (name, agree, compared, explained, s_frames, anomalies))
    totals["agree"] += agree
    totals["compared"] += compared
    totals["explained"] += explained
    totals["bad"] += bad


def captures(shared, src):
    found = []
    tsv = os.path.join(shared, "pcaps", "SOURCES.tsv")
    with open(tsv, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if "IEC104" in row.get("protocols", ""):
                found.append(os.path.join(shared, "pcaps", row["local_path"]))
    found += sorted(glob.glob(os.path.join(src, "pcaps", "iec104*.pcap")))
    return found


def main():
    sensor, shared, src = sys.argv[1:4]
    totals = {"agree": 0, "compared": 0, "explained": 0, "bad": 0, "reasons": {}}
    caps = captures(shared, src)
    if not caps:
        print("iec104 oracle: no IEC 104 capture found")
        return 1
    for pcap in caps:
        check(sensor, pcap, totals)
    for reason, where in totals["reasons"].items():
        print("explained (%d): %s\n  frames: %s" % (len(where), reason, ", ".join(where)))
    print("iec104 oracle: %d/%d APDUs agree over %d captures, %d tshark-only APDUs explained, "
          "%d disagreements" % (totals["agree"], totals["compared"], len(caps),
                                totals["explained"], totals["bad"]))
    return 1 if totals["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
