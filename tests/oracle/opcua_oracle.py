#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""opcua_oracle.py - compares the sensor's OPC UA events with tshark 4.0 on every capture in
$TZ_SHARED/pcaps that SOURCES.tsv lists with OPC UA. Per TCP connection it compares three
multisets built from the same PDUs: (message type, RequestId, request NodeId) of requests,
(message type, RequestId, response NodeId) of responses, and the count of HEL, ACK, ERR and
encrypted chunks. OPC UA is found on any port by the sensor; tshark is told the sensor's
non-standard server ports with -d tcp.port==N,opcua. Prints the agreement and exits 1 on
any disagreement not explained in EXPLAINED below."""

import collections
import csv
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TZ_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("TZ_BUILD", os.path.join(SRC, "build"))
SHARED = os.environ.get("TZ_SHARED", os.path.join(SRC, "..", "shared"))
SENSOR = os.path.join(BUILD, "sensor", "tanzhen-sensor")

# capture (path under pcaps/) -> why the two tools see it differently
GAP_WHY = ("tshark 4.0 calls frames 26 and 30 (new data at seq 10384 and 13304, after duplicate ACKs) "
           "spurious retransmissions and leaves them out of TCP reassembly, so it never completes the "
           "14 KB CreateSessionResponse of RequestId 2 (frames 12-30) on port 60952; the sensor "
           "reassembles by sequence number and pairs it with its request.")
EXPLAINED = {
    "cisagov__icsnpp-opcua-binary/pcaps/opcua_with-gap.pcap": GAP_WHY,
    "cisagov__icsnpp-opcua-binary/pcaps/opcua_with-gap_with-handshake.pcap": GAP_WHY,
}


def service_ids():
    """Request and response encoding ids from the dissector's own table."""
    text = open(os.path.join(SRC, "dissectors", "opcua_names.c")).read()
    req, resp = set(), set()
    for a, b in re.findall(r"\{(\d+), (\d+), \"\w+\", PD_OP_\w+\}", text):
        if int(a):
            req.add(int(a))
        resp.add(int(b))
    return req, resp


REQ_IDS, RESP_IDS = service_ids()


def conn_key(a_ip, a_port, b_ip, b_port):
    return tuple(sorted([(a_ip, int(a_port)), (b_ip, int(b_port))]))


def sensor_events(pcap):
    out = subprocess.run([SENSOR, "-r", pcap, "--jsonl", "-", "-w", "1"], capture_output=True,
                         text=True, timeout=300)
    evs = []
    for line in out.stdout.splitlines():
        e = json.loads(line)
        if e.get("type") == "ics" and e.get("proto") == "opcua":
            evs.append(e)
    return evs


def sensor_sets(evs):
    req = collections.defaultdict(collections.Counter)
    resp = collections.defaultdict(collections.Counter)
    other = collections.defaultdict(collections.Counter)
    ports = set()
    for e in evs:
        o = e["opcua"]
        k = conn_key(e["src"]["ip"], e["src"]["port"], e["dst"]["ip"], e["dst"]["port"])
        ports.add(e["dst"]["port"] if e["status"] != "response_only" else e["dst"]["port"])
        mt = o["msg_type"]
        if mt == "HEL":
            other[k]["HEL"] += 1
            if "ack" in o:
                other[k]["ACK"] += 1
            if "status" in o:
                other[k]["ERR"] += 1
            continue
        if mt in ("ACK", "ERR"):
            other[k][mt] += 1
            continue
        if o.get("encrypted"):
            n = o.get("chunks", 1) + o.get("resp_chunks", 1 if e["status"] == "ok" and mt == "OPN" else 0)
            other[k]["enc_" + mt] += n
            continue
        if "req_id" not in o:
            continue
        sid = o.get("service_id")
        rid = o.get("resp_service_id")
        if e["status"] == "response_only":
            rid, sid = sid, None
        if sid is not None and sid in REQ_IDS:
            req[k][(mt, o["req_id"], sid)] += 1
        if rid is not None:
            resp[k][(mt, o["req_id"], rid)] += 1
    return req, resp, other, ports


def tshark_sets(pcap, ports):
    cmd = ["tshark", "-r", pcap, "-n", "-Y", "opcua",
           "-T", "fields", "-E", "separator=|", "-E", "aggregator=,", "-e", "ip.src", "-e", "ipv6.src",
           "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
           "-e", "opcua.transport.type", "-e", "opcua.transport.chunk", "-e", "opcua.security.rqid",
           "-e", "opcua.servicenodeid.numeric", "-e", "opcua.security.spu", "-e", "opcua.security.rcthumb"]
    for p in sorted(ports):
        if p != 4840:
            cmd[3:3] = ["-d", "tcp.port==%d,opcua" % p]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    req = collections.defaultdict(collections.Counter)
    resp = collections.defaultdict(collections.Counter)
    other = collections.defaultdict(collections.Counter)
    secured = {}
    for line in out.splitlines():
        f = line.split("|")
        sip = f[0] or f[1]
        dip = f[3] or f[4]
        types, chunks, rqids, sids = f[6].split(","), f[7].split(","), f[8].split(","), f[9].split(",")
        k = conn_key(sip, f[2].split(",")[0], dip, f[5].split(",")[0])
        rq_i = 0
        sid_i = 0
        for i, mt in enumerate(types):
            if mt in ("HEL", "ACK", "ERR", "RHE"):
                other[k][mt] += 1
                continue
            if mt == "OPN" and f[10]:
                secured[k] = not f[10].endswith("#None")
            rid = rqids[rq_i] if rq_i < len(rqids) else ""
            rq_i += 1
            if secured.get(k) and (not sids[0] or sid_i >= len(sids)):
                if i < len(chunks) and chunks[i] in ("F", "A", "C"):
                    other[k]["enc_" + mt] += 1
                continue
            if not rid or sid_i >= len(sids) or not sids[sid_i]:
                continue
            if i < len(chunks) and chunks[i] != "F":
                continue
            sid = int(sids[sid_i])
            sid_i += 1
            if sid in REQ_IDS:
                req[k][(mt, int(rid), sid)] += 1
            elif sid in RESP_IDS:
                resp[k][(mt, int(rid), sid)] += 1
    return req, resp, other


def diff(a, b):
    keys = set(a) | set(b)
    agree = total = 0
    bad = []
    for k in keys:
        ca, cb = a.get(k, collections.Counter()), b.get(k, collections.Counter())
        for item in set(ca) | set(cb):
            total += max(ca[item], cb[item])
            agree += min(ca[item], cb[item])
            if ca[item] != cb[item]:
                bad.append((k, item, ca[item], cb[item]))
    return agree, total, bad


def main():
    base = os.path.join(SHARED, "pcaps")
    rows = list(csv.DictReader(open(os.path.join(base, "SOURCES.tsv")), delimiter="\t"))
    pcaps = [r["local_path"] for r in rows if "OPC UA" in r["protocols"]]
    sums = collections.Counter()
    failed = 0
    for rel in pcaps:
        path = os.path.join(base, rel)
        evs = sensor_events(path)
        s_req, s_resp, s_other, ports = sensor_sets(evs)
        t_req, t_resp, t_other = tshark_sets(path, ports)
        line = []
        problems = []
        for name, a, b in (("requests", s_req, t_req), ("responses", s_resp, t_resp),
                           ("transport", s_other, t_other)):
            agree, total, bad = diff(a, b)
            sums[name + "_agree"] += agree
            sums[name + "_total"] += total
            line.append("%s %d/%d" % (name, agree, total))
            problems += [(name,) + x for x in bad]
        why = EXPLAINED.get(rel)
        status = "ok" if not problems else ("explained" if why else "DISAGREE")
        print("%-90s %s  %s" % (rel, ", ".join(line), status))
        if problems:
            for p in problems[:8]:
                print("    %s conn %s item %s: sensor %d, tshark %d" % p)
            if why:
                print("    reason: " + why)
            else:
                failed += 1
    for name in ("requests", "responses", "transport"):
        print("opcua oracle: %d/%d %s agree" % (sums[name + "_agree"], sums[name + "_total"], name))
    print("opcua oracle: %d captures, %d with unexplained disagreements" % (len(pcaps), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
