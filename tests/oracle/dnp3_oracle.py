#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""dnp3_oracle.py - compares tanzhen's DNP3 events with tshark (the oracle) on every capture
in $TZ_SHARED/pcaps whose SOURCES.tsv `protocols` column names DNP3.

For every application message (request, response, unsolicited response) both sides give
link source and destination, the application function code, and per object header the
group, variation, qualifier (prefix and range codes) and the range (start/stop for range
codes 0-5, the count for 7-9 and 0xB). A message is one entry in a multiset per capture;
tanzhen's records are unfolded into messages (request `objects`, response `resp_objects`).

Every disagreement must be explained by one of the reasons below, each a design decision
of the dissector (dissectors/dnp3_*.c) or a known difference of Wireshark 4.0; anything
else fails the run.

Usage: dnp3_oracle.py SENSOR_BINARY PCAP_DIR
"""
import collections
import datetime
import json
import os
import subprocess
import sys

# Reasons a message may legitimately differ. Keys appear in the summary.
REASONS = {
    "confirm": "CONFIRM (func 0) is not a message of its own in tanzhen: the confirm of a "
               "solicited response is counted, the confirm of an unsolicited response folds "
               "into that record (`confirmed`), and only a confirm matching nothing is a record",
    "merged": "a multi-fragment response is one record in tanzhen (`resp_fragments` > 1): its "
              "objects are the concatenation of the fragments Wireshark shows one by one",
    "object_cap": "tanzhen keeps at most lim->max_items (32) object headers per message and "
                  "says so (`truncated`, `objects_dropped`); the kept ones must match",
    "unknown_size": "tanzhen stops at an object whose size it cannot know (no size prefix, "
                    "group/variation without a fixed size) and marks it `unknown`; the headers "
                    "before it must match",
    "malformed": "the fragment is malformed (tanzhen status malformed and an anomaly); the "
                 "headers before the bad one must match, Wireshark's guesses after it are "
                 "not compared",
    "crc": "a link frame failed its CRC: tanzhen drops the frame (anomaly dnp3.crc, "
           "`crc_errors`), Wireshark still shows the bytes",
    "tshark_no_objects": "Wireshark 4.0 does not dissect the object headers of this function "
                         "(ASSIGN_CLASS, STOP_APPL, AUTHENTICATE_REQ/RESP, ...): it shows none, "
                         "tanzhen decodes them",
    "tshark_unknown": "Wireshark 4.0 does not know this group/variation (e.g. g51v2 "
                      "unsynchronized CTO, g52v1 coarse delay) and swallows the rest of the "
                      "fragment as one 'Unknown Data Chunk'; tanzhen knows its size from IEEE "
                      "1815-2012 annex A and decodes the headers after it",
    "virtual_address": "range codes 3-5: IEEE 1815-2012 table 4-5 gives a start and a stop "
                       "virtual address, Wireshark 4.0 reads one absolute address, so the two "
                       "read different bytes from there on; the headers before must match",
    "tshark_malformed": "Wireshark 4.0 flags the frame malformed and stops where tanzhen goes "
                        "on (e.g. g112v0 zero-length virtual terminal objects over a 0..65535 "
                        "range); Wireshark's headers must be a prefix of tanzhen's",
    "tcp_retransmission": "Wireshark decodes the DNP3 bytes of a TCP retransmission again; "
                          "tanzhen's TCP reassembly hands each stream byte over once",
    "reassembly_cap": "the application fragment is longer than tanzhen's 2048-byte reassembly "
                      "cap: tanzhen drops it with an anomaly (dnp3.reassembly)",
    "tshark_seq_wrap": "Wireshark 4.0 loses the fragment at a transport sequence wrap (63 then "
                       "0): it leaves the segment with sequence 0 without an application layer, "
                       "or decodes it as a bogus CONFIRM; tanzhen follows the wrap. At most one "
                       "message per wrap seen in the capture is explained this way",
    "link_func": "the link frame's function is not a user-data function (PRM=1 with 3 or 4), "
                 "so IEEE 1815-2012 9.2.4.1.3 gives its bytes no application meaning: tanzhen "
                 "reports an anomaly (user data in a link-only frame), Wireshark decodes them",
}


# Functions whose object headers Wireshark 4.0 dissects; for the others (restarts, STOP_APPL,
# ASSIGN_CLASS, authentication, reserved codes, ...) it shows none.
TSHARK_DECODES = set(range(0, 13)) | {20, 21, 23, 25, 26, 27, 28, 29, 30, 129, 130}


def objs_from_tshark(al):
    """Object headers of one tshark application-layer dict, and the index of the first one
    Wireshark could not size ('Unknown Data Chunk'), or None."""
    out = []
    unknown_at = None
    for key, val in al.items():
        if not key.endswith("Data Objects") or not isinstance(val, dict):
            continue
        objs = val.get("dnp3.al.obj", [])
        trees = val.get("dnp3.al.obj_tree", [])
        if not isinstance(objs, list):
            objs = [objs]
        if not isinstance(trees, list):
            trees = [trees]
        for i, o in enumerate(objs):
            gv = int(o, 16)
            tree = trees[i] if i < len(trees) else {}
            prefix = rng = None
            rangev = None
            for k, v in tree.items():
                if k.startswith("Qualifier Field") and isinstance(v, dict):
                    prefix = int(v.get("dnp3.al.objq.prefix", -1))
                    rng = int(v.get("dnp3.al.objq.range", -1))
                if k.startswith("Number of Items") and isinstance(v, dict):
                    if "dnp3.al.range.start" in v:
                        rangev = ("range", int(v["dnp3.al.range.start"]), int(v["dnp3.al.range.stop"]))
                    elif "dnp3.al.range.quantity" in v:
                        rangev = ("count", int(v["dnp3.al.range.quantity"]))
                    elif "dnp3.al.range.abs" in v:
                        rangev = ("abs", int(v["dnp3.al.range.abs"]))
            if rangev is None and rng is not None and rng != 6:
                rangev = ("?",)
            if unknown_at is None and "dnp3.al.unknown_data_chunk" in tree:
                unknown_at = len(out)
            out.append((gv >> 8, gv & 0xFF, prefix, rng, rangev))
    return out, unknown_at


def tshark_messages(pcap, decode_as):
    cmd = ["tshark", "-r", pcap, "-T", "json", "--no-duplicate-keys", "-J", "frame dnp3 tcp udp"]
    for d in decode_as:
        cmd += ["-d", d]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 or not res.stdout.strip():
        return [], 0
    msgs, crc_bad, wraps = [], 0, 0
    seen = set()
    last_seq = {}
    for pkt in json.loads(res.stdout):
        tcp = pkt["_source"]["layers"].get("tcp", {})
        if isinstance(tcp, list):
            tcp = tcp[0]
        # a retransmission by Wireshark's analysis, or the same stream bytes seen before
        seg = (tcp.get("tcp.stream"), tcp.get("tcp.seq"), tcp.get("tcp.len"))
        retrans = "tcp.analysis.retransmission" in json.dumps(tcp) or (tcp and seg in seen)
        seen.add(seg)
        layers = pkt["_source"]["layers"].get("dnp3")
        if layers is None:
            continue
        if not isinstance(layers, list):
            layers = [layers]
        for lay in layers:
            link = next((v for k, v in lay.items() if k.startswith("Data Link Layer")), None)
            if link is None:
                continue
            if link.get("dnp.hdr.CRC.status") == "2":
                crc_bad += 1
            al = next((v for k, v in lay.items() if k.startswith("Application Layer")), None)
            tr = lay.get("dnp3.tr.ctl_tree", {})
            if "dnp3.tr.seq" in tr:
                pair = (link.get("dnp3.src"), link.get("dnp3.dst"))
                seq = int(tr["dnp3.tr.seq"])
                if seq == 0 and last_seq.get(pair) == 63:
                    wraps += 1  # Wireshark 4.0 loses (or garbles) the fragment here
                last_seq[pair] = seq
            if al is None or "dnp3.al.func" not in al:
                continue
            frag_len = int(lay.get("dnp3.al.fragments", {}).get(
                "dnp3.al.fragment.reassembled.length", "0"))
            objs, unknown_at = objs_from_tshark(al)
            msgs.append({
                "src": int(link["dnp3.src"]), "dst": int(link["dnp3.dst"]),
                "ctl": int(link["dnp3.ctl"], 16), "unknown_at": unknown_at,
                "func": int(al["dnp3.al.func"]), "objs": objs,
                "malformed": "_ws.malformed" in pkt["_source"]["layers"],
                "retrans": retrans, "frag_len": frag_len,
                "time": round(float(pkt["_source"]["layers"]["frame"]["frame.time_epoch"]) * 1e6),
            })
    return msgs, crc_bad, wraps


def objs_from_event(lst):
    out = []
    for o in lst:
        q = o["qual"]
        rng = q & 0x0F
        if "start" in o:
            rangev = ("range", o["start"], o["stop"])
        elif "count" in o:
            rangev = ("count", o["count"])
        else:
            rangev = None
        out.append(((o["group"], o["var"], (q >> 4) & 7, rng, rangev), o.get("unknown", False)))
    return out


def sensor_messages(sensor, pcap):
    res = subprocess.run([sensor, "-r", pcap, "--jsonl", "-", "-w", "1"], capture_output=True,
                         text=True)
    if res.returncode != 0:
        raise SystemExit("dnp3 oracle: sensor failed on %s: %s" % (pcap, res.stderr[-400:]))
    msgs, ports, crc = [], set(), 0
    for line in res.stdout.splitlines():
        ev = json.loads(line)
        if ev.get("type") == "anomaly" and ev["anomaly"]["kind"] == "dnp3.crc":
            crc += 1
        if ev.get("proto") != "dnp3" or ev.get("type") != "ics":
            continue
        for side in ("src", "dst"):
            ports.add((ev["transport"], ev[side]["port"]))
        d = ev["dnp3"]
        lk = d["link"]
        t0 = round(datetime.datetime.strptime(ev["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1e6)
        trunc = d.get("truncated", False)
        bad = ev["status"] == "malformed"
        if "objects" in d:
            msgs.append({"src": lk["src"], "dst": lk["dst"], "func": d["func"],
                         "objs": objs_from_event(d["objects"]), "trunc": trunc,
                         "malformed": bad, "frags": 1, "time": t0})
        if "resp_objects" in d:
            first_is_resp = "objects" not in d
            msgs.append({"src": lk["src"] if first_is_resp else lk["dst"],
                         "dst": lk["dst"] if first_is_resp else lk["src"],
                         # an unsolicited response names its function once, in func
                         "func": d.get("resp_func", d["func"]),
                         "objs": objs_from_event(d["resp_objects"]),
                         "trunc": trunc, "malformed": bad,
                         "frags": d.get("resp_fragments", 1),
                         "time": t0 if first_is_resp else t0 + ev.get("latency_us", 0)})
    return msgs, ports, crc


def plain(objs):
    return [o[0] for o in objs]


def explain_pair(m, t, objs):
    """Why sensor message m and tshark message t (same link addresses and function) differ,
    or None."""
    if m["trunc"] and len(objs) >= 32 and t["objs"][:len(objs)] == objs:
        return "object_cap"
    unk = [i for i, o in enumerate(m["objs"]) if o[1]]
    if unk and t["objs"][:unk[0] + 1] == objs[:unk[0] + 1]:
        return "unknown_size"
    if m["malformed"] and t["objs"][:len(objs) - 1] == objs[:len(objs) - 1]:
        return "malformed"
    if not t["objs"] and m["func"] not in TSHARK_DECODES:
        return "tshark_no_objects"
    if t["unknown_at"] is not None and t["objs"] == objs[:t["unknown_at"] + 1]:
        return "tshark_unknown"
    if t["malformed"] and t["objs"] and t["objs"] == objs[:len(t["objs"])]:
        return "tshark_malformed"
    va = [i for i, o in enumerate(objs) if o[3] in (3, 4, 5)]
    if va and t["objs"][:va[0]] == objs[:va[0]] and len(t["objs"]) > va[0] and \
            t["objs"][va[0]][:4] == objs[va[0]][:4] and t["objs"][va[0]][4] == ("abs", objs[va[0]][4][1]):
        return "virtual_address"
    return None


def compare(smsgs, tmsgs, crc_bad, wraps):
    """Returns (agree, explained Counter, unexplained list)."""
    explained = collections.Counter()
    unexplained = []
    explained["confirm"] += sum(1 for m in tmsgs if m["func"] == 0)
    tmsgs = [m for m in tmsgs if m["func"] != 0]
    smsgs = [m for m in smsgs if m["func"] != 0]
    userdata = [m for m in tmsgs if (m["ctl"] & 0x40) and (m["ctl"] & 0x0F) in (3, 4)]
    explained["link_func"] += len(tmsgs) - len(userdata)
    tmsgs = userdata

    # 1. exact matches (a multiset per capture); TCP retransmission copies are left over first
    tkey = lambda m: (m["src"], m["dst"], m["func"], tuple(m["objs"]))
    pool = collections.Counter(tkey(m) for m in tmsgs)
    agree = 0
    rest = []
    for m in smsgs:
        k = (m["src"], m["dst"], m["func"], tuple(plain(m["objs"])))
        if pool[k] > 0:
            pool[k] -= 1
            agree += 1
        else:
            rest.append(m)
    order = sorted(range(len(tmsgs)), key=lambda i: (not tmsgs[i]["retrans"], i))
    keep = []
    for i in order:
        if pool[tkey(tmsgs[i])] > 0:
            pool[tkey(tmsgs[i])] -= 1
            keep.append(i)
    tleft = [tmsgs[i] for i in sorted(keep)]
    for t in [t for t in tleft if t["retrans"]]:
        explained["tcp_retransmission"] += 1
    tleft = [t for t in tleft if not t["retrans"]]

    # 2. merged multi-fragment responses: consecutive fragments whose objects concatenate
    rest2 = []
    for m in rest:
        objs = plain(m["objs"])
        if m["frags"] > 1:
            cand = [i for i, t in enumerate(tleft)
                    if (t["src"], t["dst"], t["func"]) == (m["src"], m["dst"], m["func"])]
            acc, used = [], []
            for i in cand:
                if objs[len(acc):len(acc) + len(tleft[i]["objs"])] == tleft[i]["objs"]:
                    acc += tleft[i]["objs"]
                    used.append(i)
                    if len(acc) >= len(objs):
                        break
            if acc == objs:
                for i in reversed(used):
                    del tleft[i]
                explained["merged"] += 1
                continue
        rest2.append(m)

    # 3. the rest, each paired with the nearest-in-time message of the same link addresses
    #    and function (a message tanzhen never decodes must not shift the pairs)
    groups = collections.defaultdict(lambda: ([], []))
    for m in rest2:
        groups[(m["src"], m["dst"], m["func"])][0].append(m)
    for t in tleft:
        groups[(t["src"], t["dst"], t["func"])][1].append(t)
    for (src, dst, func), (ms, ts) in sorted(groups.items()):
        pairs, lone = [], []
        for m in ms:
            best = min(ts, key=lambda t: abs(t["time"] - m["time"]), default=None)
            if best is not None and abs(best["time"] - m["time"]) <= 2000000:
                ts.remove(best)
                pairs.append((m, best))
            else:
                lone.append(m)
        for m, t in pairs:
            objs = plain(m["objs"])
            why = explain_pair(m, t, objs)
            if why:
                explained[why] += 1
            else:
                unexplained.append(("tanzhen", src, dst, func, objs))
                unexplained.append(("tshark", src, dst, func, t["objs"]))
        for m in lone:
            if wraps > 0:
                wraps -= 1
                explained["tshark_seq_wrap"] += 1
            else:
                unexplained.append(("tanzhen only", src, dst, func, plain(m["objs"])))
        for t in ts:
            if t["frag_len"] > 2048:
                explained["reassembly_cap"] += 1
            elif crc_bad:
                explained["crc"] += 1
            else:
                unexplained.append(("tshark only", src, dst, func, t["objs"]))
    return agree, explained, unexplained


def main():
    sensor, pcapdir = sys.argv[1], sys.argv[2]
    rows = []
    with open(os.path.join(pcapdir, "SOURCES.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            if "DNP3" in r.get("protocols", ""):
                rows.append(r["local_path"])
    pcaps = sorted(set(rows))
    total_agree = total = 0
    explained = collections.Counter()
    failures = []
    for rel in pcaps:
        path = os.path.join(pcapdir, rel)
        if not os.path.exists(path):
            continue
        smsgs, ports, crc = sensor_messages(sensor, path)
        decode_as = sorted("%s.port==%d,dnp3" % (tr, p) for tr, p in ports
                           if p != 20000 and tr in ("tcp", "udp") and p < 49152)
        tmsgs, crc_bad, wraps = tshark_messages(path, decode_as)
        agree, expl, unexpl = compare(smsgs, tmsgs, crc_bad + crc, wraps)
        total_agree += agree
        total += agree + sum(v for k, v in expl.items() if k != "confirm") + len(unexpl)
        explained.update(expl)
        for u in unexpl:
            failures.append((rel,) + u)
    print("dnp3 oracle: %d captures, %d/%d messages agree exactly on link addresses, function "
          "and object headers (group, variation, qualifier, range); the other %d differ for "
          "these reasons:" % (len(pcaps), total_agree, total, total - total_agree))
    for k, v in sorted(explained.items()):
        print("  explained %-13s %5d  %s" % (k, v, REASONS[k]))
    for f in failures:
        print("  UNEXPLAINED %s: %s link %d->%d func %d objects %s" % f)
    if failures:
        print("dnp3 oracle: %d unexplained disagreements" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
