# SPDX-License-Identifier: Apache-2.0
"""modbus_oracle.py - compares the sensor's Modbus/TCP events with Wireshark's decoding.

For every capture under SHARED whose SOURCES.tsv `protocols` column mentions Modbus, runs
  tanzhen-sensor -r PCAP --jsonl - -w 1         (ics events with proto modbus)
  tshark -r PCAP -Y mbtcp -T pdml -j "mbtcp modbus"   (one entry per Modbus/TCP PDU)
and matches them per (client ip/port, server ip/port, transaction id, function code), in
order when a key repeats. Each request Wireshark decodes must appear in an event with the same
unit, address and quantity (modbus.reference_num / word_cnt / bit_cnt, read_* for FC 23); each
response with the same unit and exception code (none when normal). Events with no Wireshark
PDU behind them count as disagreements too. PDML is used rather than -T fields because one
segment can hold several PDUs and -T fields would not keep their fields aligned.
A disagreement is either explained by a rule in EXPLAINED (with its reason) or fails the run.
Run with /usr/bin/python3.  Usage: modbus_oracle.py --sensor BIN --shared DIR [-v]
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

TSHARK = "tshark"
# Function codes whose requests carry an address and a quantity Wireshark decodes.
ADDR_QTY_FUNCS = {1, 2, 3, 4, 15, 16, 23}
ADDR_FUNCS = ADDR_QTY_FUNCS | {5, 6, 22}


class Pdu:
    """One Modbus/TCP PDU as Wireshark decoded it."""

    def __init__(self, frame, tid, unit):
        self.frame = frame
        self.tid = tid
        self.unit = unit
        self.func = None
        self.exception = None
        self.fields = {}


class Disagreement:
    def __init__(self, capture, frame, side, key, what, tshark, sensor):
        self.capture = capture
        self.frame = frame      # Wireshark frame number, or None for sensor-only events
        self.side = side        # "request", "response" or "sensor-only"
        self.key = key          # (client, server, tid, func)
        self.what = what        # the field that differs, or "missing"/"extra"
        self.tshark = tshark
        self.sensor = sensor

    def __str__(self):
        (cli, srv, tid, func) = self.key
        where = f"frame {self.frame}" if self.frame is not None else "no frame"
        return (f"{self.capture}: {where} {self.side} {cli[0]}:{cli[1]}->{srv[0]}:{srv[1]} "
                f"tid {tid} func {func}: {self.what}: tshark={self.tshark} "
                f"sensor={self.sensor}")


# Disagreements that are Wireshark's (or the capture's) doing, not the sensor's. Each rule:
# (capture path suffix, predicate on a Disagreement, reason). Keep them narrow.
EXPLAINED = [
    ("zeek__zeek/testing/btest/Traces/modbus/fuzz-72.pcap",
     lambda d: d.what == "missing",
     "fuzzed capture: TCP flags and sequence numbers are random (SYN+FIN+URG from the server, "
     "sequence jumps of up to 2^31, 16 'previous segment not captured'), so there is no byte "
     "stream to reassemble; Wireshark dissects each segment alone and shows fuzzed PDUs, "
     "nearly all with undefined function codes (29, 33, 35, 36, ...). The sensor reassembles "
     "by design, finds no Modbus stream and emits only the flow."),
    ("zeek__zeek/testing/btest/Traces/modbus/modbusBig.pcap",
     lambda d: d.side == "sensor-only" and d.key[2] == 50382 and d.key[3] == 1,
     "the original segment of this response (tid 50382) is missing from the capture; frame "
     "3150 is its retransmission, which Wireshark marks 'spurious' (the client had ACKed "
     "it, frame 3149) and does not dissect. The sensor reassembles it from that copy, so "
     "the sensor is right that the response exists."),
] + [
    (cap,
     lambda d: d.what == "missing" and d.key[0][1] == 4446 and d.key[1][1] == 502,
     "Suricata's reversed-roles test vector: 10.0.0.8:502 opens the connection (its SYN, "
     "frame 88) to 10.0.0.57:4446 and then sends only malformed exception replies (an extra "
     "byte after the exception code) and one FC 42. Wireshark decodes anything on port 502. "
     "The sensor takes a flow as Modbus on such weak evidence (exact MBAP framing, unusual "
     "content) only when the server port, the SYN's destination, is a Modbus port, so random "
     "traffic from a port that happens to be 502 is not called Modbus.")
    for cap in ("OISF__suricata-verify/tests/modbus/modbus.pcap",
                "ITI__ICS-Security-Tools/pcaps/ModbusTCP/modbus_test_data_part1.pcap")
]


def explain(d):
    for suffix, pred, reason in EXPLAINED:
        if d.capture.endswith(suffix) and pred(d):
            return reason
    return None


def modbus_captures(shared):
    rows = []
    with open(os.path.join(shared, "SOURCES.tsv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if "modbus" in row.get("protocols", "").lower():
                rows.append(row["local_path"])
    return rows


def run_sensor(sensor, pcap):
    run = subprocess.run([sensor, "-r", pcap, "--jsonl", "-", "-w", "1", "--sensor-id",
                          "oracle"], capture_output=True, timeout=300, check=False)
    if run.returncode not in (0, 2):
        raise RuntimeError(f"sensor exit status {run.returncode}: "
                           f"{run.stderr.decode(errors='replace')[-500:]}")
    events = []
    for line in run.stdout.decode("utf-8").splitlines():
        ev = json.loads(line)
        if ev.get("type") == "ics" and ev.get("proto") == "modbus":
            events.append(ev)
    return events


def tshark_opts(ports):
    return ["-o", "mbtcp.tcp.port:" + ",".join(str(p) for p in sorted(ports))]


def run_tshark_frames(pcap, ports):
    """frame number -> (src ip, dst ip, src port, dst port) for frames with Modbus/TCP."""
    out = subprocess.run([TSHARK, "-r", pcap] + tshark_opts(ports) + [
        "-Y", "mbtcp", "-T", "fields", "-E", "separator=\t", "-e", "frame.number",
        "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
        "-e", "tcp.srcport", "-e", "tcp.dstport"], capture_output=True, check=True, timeout=600)
    frames = {}
    for line in out.stdout.decode().splitlines():
        num, ip4s, ip4d, ip6s, ip6d, sport, dport = (line.split("\t") + [""] * 7)[:7]
        # Tunnelled packets list several addresses; the innermost (last) one is the flow's.
        src = (ip4s or ip6s).split(",")[-1]
        dst = (ip4d or ip6d).split(",")[-1]
        if sport and dport:
            frames[int(num)] = (src, dst, int(sport.split(",")[-1]), int(dport.split(",")[-1]))
    return frames


def run_tshark_pdus(pcap, ports):
    out = subprocess.run([TSHARK, "-r", pcap] + tshark_opts(ports) + [
        "-Y", "mbtcp", "-T", "pdml", "-j", "mbtcp modbus"], capture_output=True, check=True,
        timeout=600)
    pdus = []
    root = ET.fromstring(out.stdout)
    for packet in root.iter("packet"):
        frame = None
        cur = None
        for proto in packet.findall("proto"):
            name = proto.get("name")
            if name == "geninfo":
                for fld in proto.iter("field"):
                    if fld.get("name") == "num":
                        frame = int(fld.get("show"))
            elif name == "mbtcp":
                vals = {fld.get("name"): fld.get("show") for fld in proto.iter("field")}
                if "mbtcp.trans_id" not in vals:
                    cur = None
                    continue
                cur = Pdu(frame, int(vals["mbtcp.trans_id"]), int(vals.get("mbtcp.unit_id", -1)))
                pdus.append(cur)
            elif name == "modbus" and cur is not None:
                for fld in proto.iter("field"):
                    fname = fld.get("name", "")
                    show = fld.get("show")
                    if not fname.startswith("modbus.") or show is None:
                        continue
                    if fname in cur.fields:
                        continue  # the first occurrence is the PDU's own (not a sub-item)
                    cur.fields[fname] = show
                if "modbus.func_code" in cur.fields:
                    cur.func = int(cur.fields["modbus.func_code"])
                if "modbus.exception_code" in cur.fields:
                    cur.exception = int(cur.fields["modbus.exception_code"])
                cur = None
    return pdus


def tshark_addr_qty(pdu):
    """(addr, qty) of a request as Wireshark shows them; None where it shows none."""
    f = pdu.fields
    if pdu.func == 23:
        addr = f.get("modbus.read_reference_num")
        qty = f.get("modbus.read_word_cnt")
    else:
        addr = f.get("modbus.reference_num")
        qty = f.get("modbus.word_cnt", f.get("modbus.bit_cnt"))
    return (int(addr) if addr is not None else None, int(qty) if qty is not None else None)


def ev_key(ev):
    m = ev["modbus"]
    return ((ev["src"]["ip"], ev["src"]["port"]), (ev["dst"]["ip"], ev["dst"]["port"]),
            m.get("tid"), m.get("func"))


def ev_has_response(ev):
    """Whether the event includes a response: both sides when latency_us is there; else
    response_only, or an exception (a response's) with no request paired."""
    if "latency_us" in ev:
        return True
    if ev.get("status") in ("response_only", "exception"):
        return True
    if ev.get("status") == "malformed":  # unpaired: request or response, the fields tell
        m = ev["modbus"]
        return "exception" in m or "resp_values" in m
    return False


def ev_has_request(ev):
    """Whether the event includes a request: always when paired (latency_us), else when it
    does not stand for a lone response."""
    return "latency_us" in ev or not ev_has_response(ev)


def compare_capture(capture, pcap, events, frames, pdus, server_ports):
    """Returns (agreements, disagreements) for one capture."""
    agree = 0
    dis = []
    reqs = collections.defaultdict(list)
    resps = collections.defaultdict(list)
    for p in pdus:
        if p.frame not in frames or p.func is None:
            continue
        src, dst, sport, dport = frames[p.frame]
        if dport in server_ports:
            reqs[((src, sport), (dst, dport), p.tid, p.func)].append(p)
        elif sport in server_ports:
            resps[((dst, dport), (src, sport), p.tid, p.func)].append(p)
    ev_reqs = collections.defaultdict(list)
    ev_resps = collections.defaultdict(list)
    for ev in events:
        if ev_has_request(ev):
            ev_reqs[ev_key(ev)].append(ev)
        if ev_has_response(ev):
            ev_resps[ev_key(ev)].append(ev)

    for key in sorted(set(reqs) | set(ev_reqs), key=str):
        ts, es = reqs.get(key, []), ev_reqs.get(key, [])
        for i in range(max(len(ts), len(es))):
            p = ts[i] if i < len(ts) else None
            ev = es[i] if i < len(es) else None
            if p is None:
                dis.append(Disagreement(capture, None, "sensor-only", key, "request",
                                        None, json.dumps(ev["modbus"])[:200]))
                continue
            if ev is None:
                dis.append(Disagreement(capture, p.frame, "request", key, "missing",
                                        "request", None))
                continue
            m = ev["modbus"]
            bad = []
            if p.unit != m.get("unit"):
                bad.append(("unit", p.unit, m.get("unit")))
            addr, qty = tshark_addr_qty(p)
            if addr is not None and addr != m.get("addr"):
                bad.append(("addr", addr, m.get("addr")))
            if qty is not None and qty != m.get("qty"):
                bad.append(("qty", qty, m.get("qty")))
            if not bad:
                agree += 1
            for what, tv, sv in bad:
                dis.append(Disagreement(capture, p.frame, "request", key, what, tv, sv))

    for key in sorted(set(resps) | set(ev_resps), key=str):
        ts, es = resps.get(key, []), ev_resps.get(key, [])
        for i in range(max(len(ts), len(es))):
            p = ts[i] if i < len(ts) else None
            ev = es[i] if i < len(es) else None
            if p is None:
                dis.append(Disagreement(capture, None, "sensor-only", key, "response",
                                        None, json.dumps(ev["modbus"])[:200]))
                continue
            if ev is None:
                dis.append(Disagreement(capture, p.frame, "response", key, "missing",
                                        "response", None))
                continue
            m = ev["modbus"]
            bad = []
            if p.unit != m.get("unit"):
                bad.append(("unit", p.unit, m.get("unit")))
            if p.exception != m.get("exception"):
                bad.append(("exception", p.exception, m.get("exception")))
            if not bad:
                agree += 1
            for what, tv, sv in bad:
                dis.append(Disagreement(capture, p.frame, "response", key, what, tv, sv))
    return agree, dis


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--shared", required=True, help="the shared pcaps folder (SOURCES.tsv)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list explained ones too")
    args = ap.parse_args()

    total_agree = total_n = total_explained = 0
    unexplained = []
    for rel in modbus_captures(args.shared):
        pcap = os.path.join(args.shared, rel)
        if not os.path.exists(pcap):
            print(f"modbus oracle: {rel}: missing, skipped")
            continue
        try:
            events = run_sensor(args.sensor, pcap)
        except (RuntimeError, ValueError) as exc:
            print(f"modbus oracle: {rel}: FAIL: {exc}")
            unexplained.append(None)
            continue
        # Wireshark tells requests from responses by the server port; give it every port the
        # sensor saw a Modbus server on, as the sensor finds Modbus on any port.
        ports = {502} | {ev["dst"]["port"] for ev in events}
        frames = run_tshark_frames(pcap, ports)
        pdus = run_tshark_pdus(pcap, ports)
        agree, dis = compare_capture(rel, pcap, events, frames, pdus, ports)
        n = agree + len(dis)
        explained = []
        for d in dis:
            reason = explain(d)
            if reason is None:
                unexplained.append(d)
            else:
                explained.append((d, reason))
        print(f"modbus oracle: {rel}: {agree}/{n} agree, {len(explained)} explained, "
              f"{len(dis) - len(explained)} unexplained ({len(events)} events, "
              f"{len(pdus)} Wireshark PDUs)")
        if args.verbose:
            for d, reason in explained:
                print(f"  explained: {d}\n    because: {reason}")
        total_agree += agree
        total_n += n
        total_explained += len(explained)

    print(f"modbus oracle: {total_agree}/{total_n} agree, {total_explained} explained, "
          f"{len(unexplained)} unexplained")
    for d in unexplained:
        if d is not None:
            print(f"  UNEXPLAINED: {d}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
