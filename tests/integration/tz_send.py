#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_send.py - a stand-in sensor for the collector tests: a ZeroMQ DEALER that sends
batches in the format of common/wire.h (header frame + JSONL body frame) and waits for
the acks. Events carry the EVENTS.md envelope with a fixed mix of types.

  tz_send.py tcp://127.0.0.1:7700 --batches 20 --events 50       normal batches
  tz_send.py ... --first-seq 1 --batches 5 --events 50 --resend    the same, flagged RESEND
  tz_send.py ... --malformed                                       broken messages
  tz_send.py ... --run 0x1234 --id-prefix r2-                      version-2 headers, a run id
  tz_send.py ... --batches 400 --events 500 --window 8             throughput
  tz_send.py ... --server-key K/collector.key --client-key K/s1.key_secret   with CURVE

Prints one JSON summary line; exits 1 if an ack is missing or unexpected.
"""
import argparse
import json
import struct
import sys
import time

import zmq
import zmq.auth  # reads CZMQ certificate files (CURVE)

ACK_NAMES = {0: "STORED", 1: "REJECTED", 2: "RETRY"}
# ten events: four ics, two flow, one anomaly, alert, asset, health
TYPE_CYCLE = ["ics", "ics", "ics", "ics", "flow", "flow", "anomaly", "alert", "asset", "health"]
FLOWS = 5  # community ids in use, so per-key ordering can be checked


def header(batch_seq, first_seq, count, sensor, flags=0, run=None):
    """A version-1 header, or version 2 with a run id when run is given (common/wire.h)."""
    sid = sensor.encode()
    if run is not None:
        return (b"TZB1" + struct.pack(">BBHQQIQH", 2, flags, 0, batch_seq, first_seq, count,
                                      run, len(sid)) + sid)
    return (b"TZB1" + struct.pack(">BBHQQIH", 1, flags, 0, batch_seq, first_seq, count, len(sid))
            + sid)


def parse_ack(frame):
    if frame[:4] != b"TZA1" or (frame[4], len(frame)) not in ((1, 16), (2, 24)):
        raise ValueError("bad ack %r" % frame)
    return struct.unpack(">Q", frame[8:16])[0], frame[5]


ID_PREFIX = ""  # --id-prefix: another run's events get other ids


def event(sensor, seq):
    t = TYPE_CYCLE[seq % len(TYPE_CYCLE)]
    us = seq % 1000000
    ev = {"v": 1, "type": t, "id": "%s%s-%d" % (ID_PREFIX, sensor, seq),
          "ts": "2024-05-01T08:%02d:%02d.%06dZ" % (seq // 60000000 % 60, seq // 1000000 % 60, us),
          "sensor": sensor, "seq": seq}
    if t in ("ics", "flow", "anomaly", "alert"):
        flow = seq % FLOWS
        ev.update({"src": {"ip": "10.0.0.%d" % (flow + 10), "port": 40000 + flow},
                   "dst": {"ip": "10.0.1.1", "port": 502}, "transport": "tcp",
                   "community_id": "1:test-flow-%d" % flow, "proto": "modbus"})
    if t == "ics":
        ev.update({"op": "read", "status": "ok",
                   "modbus": {"tid": seq & 0xffff, "unit": 1, "func": 3, "addr": 0, "qty": 10}})
    elif t == "flow":
        ev["flow"] = {"app": "Modbus", "pkts_toserver": 3, "pkts_toclient": 3}
    elif t == "anomaly":
        ev["anomaly"] = {"kind": "malformed", "detail": "test"}
    elif t == "alert":
        ev["alert"] = {"rule": "test", "severity": "low", "title": "test alert"}
    elif t == "asset":
        ev["asset"] = {"ip": "10.0.1.1", "role": "plc", "protocols": ["modbus"]}
    else:
        ev["health"] = {"uptime_s": seq, "pkts": seq}
    return t, json.dumps(ev, separators=(",", ":"))


def body(sensor, first, count, types):
    lines = []
    for seq in range(first, first + count):
        t, line = event(sensor, seq)
        types[t] = types.get(t, 0) + 1
        lines.append(line + "\n")
    return "".join(lines).encode()


def wait_acks(sock, want, timeout_s, acks):
    """Collects acks until every batch_seq in `want` is answered."""
    deadline = time.monotonic() + timeout_s
    while want:
        left = deadline - time.monotonic()
        if left <= 0 or not sock.poll(int(left * 1000)):
            return False
        seq, status = parse_ack(sock.recv())
        if seq in want:
            want.discard(seq)
            name = ACK_NAMES.get(status, str(status))
            acks[name] = acks.get(name, 0) + 1
    return True


def send_batches(sock, a, summary):
    types, acks = {}, {}
    outstanding = set()
    flags = 1 if a.resend else 0
    batches = []  # built before the clock starts, so the figure is the collector's
    for b in range(a.batches):
        first = a.first_seq + b * a.events
        batch_seq = a.batch_seq_base + first
        batches.append((batch_seq, [header(batch_seq, first, a.events, a.sensor, flags, a.run),
                                    body(a.sensor, first, a.events, types)]))
    if a.save:
        with open(a.save, "wb") as f:
            for _, frames in batches:
                f.write(frames[1])
    t0 = time.monotonic()
    for batch_seq, frames in batches:
        sock.send_multipart(frames)
        outstanding.add(batch_seq)
        if len(outstanding) >= a.window and not wait_one(sock, outstanding, a.timeout, acks):
            break
    ok = wait_acks(sock, outstanding, a.timeout, acks)
    elapsed = time.monotonic() - t0
    summary.update({"batches": a.batches, "events": a.batches * a.events, "types": types,
                    "acks": acks, "missing_acks": len(outstanding),
                    "elapsed_s": round(elapsed, 3),
                    "events_per_s": round(a.batches * a.events / elapsed) if elapsed else 0})
    return ok and acks.get("STORED", 0) == a.batches


def wait_one(sock, outstanding, timeout_s, acks):
    if not sock.poll(int(timeout_s * 1000)):
        return False
    seq, status = parse_ack(sock.recv())
    if seq in outstanding:
        outstanding.discard(seq)
        name = ACK_NAMES.get(status, str(status))
        acks[name] = acks.get(name, 0) + 1
    return True


def send_malformed(sock, a, summary):
    """Each case must come back REJECTED, naming its batch (0 if the header is unreadable)."""
    good_body = body(a.sensor, 1, 1, {})
    cases = [
        ("bad JSON", [header(9001, 1, 1, a.sensor), b'{"v":1,"type":\n']),
        ("count mismatch", [header(9002, 1, 2, a.sensor), good_body]),
        ("wrong seq", [header(9003, 5, 1, a.sensor), good_body]),
        ("other sensor", [header(9004, 1, 1, "someone-else"), good_body]),
        ("bad magic", [b"XXXX" + header(9005, 1, 1, a.sensor)[4:], good_body]),
        ("short header", [b"TZB1\x01", good_body]),
        ("one frame", [header(9007, 1, 1, a.sensor)]),
        ("three frames", [header(9008, 1, 1, a.sensor), good_body, b"extra"]),
        ("not UTF-8", [header(9009, 1, 1, a.sensor), b'{"v":1,"type":"\xff\xfe"}\n']),
    ]
    want_seq = {"bad magic": 0, "short header": 0}
    results = {}
    ok = True
    for name, frames in cases:
        sock.send_multipart(frames)
        if not sock.poll(int(a.timeout * 1000)):
            results[name] = "no ack"
            ok = False
            continue
        seq, status = parse_ack(sock.recv())
        if name in want_seq:
            expect = want_seq[name]
        else:
            expect = struct.unpack(">Q", frames[0][8:16])[0]
        results[name] = ACK_NAMES.get(status, str(status))
        if status != 1 or seq != expect:
            ok = False
            results[name] += " (batch_seq %d, expected REJECTED for %d)" % (seq, expect)
    summary.update({"malformed": results})
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("endpoint")
    p.add_argument("--sensor", default="test-sensor")
    p.add_argument("--first-seq", type=int, default=1)
    p.add_argument("--batch-seq-base", type=int, default=0,
                   help="batch_seq = base + first event seq")
    p.add_argument("--batches", type=int, default=1)
    p.add_argument("--events", type=int, default=10)
    p.add_argument("--window", type=int, default=1, help="batches in flight")
    p.add_argument("--resend", action="store_true", help="set the RESEND flag")
    p.add_argument("--run", type=lambda v: int(v, 0),
                   help="send version-2 headers with this run id (default: version 1)")
    p.add_argument("--id-prefix", default="", help="prefix of the event ids")
    p.add_argument("--save", help="also write the batch bodies (JSONL) to this file")
    p.add_argument("--malformed", action="store_true")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per ack")
    p.add_argument("--server-key", help="the collector's public certificate (CURVE)")
    p.add_argument("--client-key", help="this client's secret certificate (CURVE)")
    a = p.parse_args()
    global ID_PREFIX
    ID_PREFIX = a.id_prefix

    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.IPV6, 1)
    if a.server_key or a.client_key:
        server_public, _ = zmq.auth.load_certificate(a.server_key)
        public, secret = zmq.auth.load_certificate(a.client_key)
        sock.curve_serverkey = server_public
        sock.curve_publickey = public
        sock.curve_secretkey = secret
    sock.connect(a.endpoint)
    summary = {}
    try:
        ok = send_malformed(sock, a, summary) if a.malformed else send_batches(sock, a, summary)
    finally:
        sock.close()
        ctx.term()
    summary["ok"] = ok
    print(json.dumps(summary, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
