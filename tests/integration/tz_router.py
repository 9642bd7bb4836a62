#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_router.py - a stand-in collector for the sensor delivery tests: a ZeroMQ ROUTER that
reads batches in the format of common/wire.h and answers acks, misbehaving on request.

  tz_router.py tcp://127.0.0.1:PORT --out events.jsonl          ack every batch STORED
  ... --drop-first 5        read the first 5 batches and answer nothing (the sensor resends)
  ... --retry-first 3       answer RETRY to the first 3 batches (then STORED)
  ... --reject-batch 4      answer REJECTED to batch_seq 4 (every time it comes)
  ... --curve-secret collector.key_secret --allow-dir DIR
                            CURVE server; only client public certificates in DIR may connect

Every event of every batch it acks STORED is appended to --out (one JSON line each, as
received); --log FILE gets one line per batch received: "batch_seq first_seq count flags
answer" (answer: stored, none, retry, rejected). On SIGTERM/SIGINT it prints one JSON summary line:
  {"batches": received, "acked": STORED acks, "resent_flag": batches flagged RESEND,
   "events": events in STORED batches, "unique": distinct seqs, "duplicates": ...,
   "header_errors": ...}
"""
import argparse
import json
import signal
import struct
import sys
import time

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

STORED, REJECTED, RETRY = 0, 1, 2


def ack(batch_seq, status):
    """A version-2 ack (common/wire.h): no reason, no backlog, no credit limit."""
    return b"TZA1" + struct.pack(">BBHQII", 2, status, 0, batch_seq, 0, 0xFFFFFFFF)


def parse_header(frame):
    """A version-2 batch header (common/wire.h); the run id is not needed here."""
    if len(frame) < 38 or frame[:4] != b"TZB1" or frame[4] != 2:
        raise ValueError("bad header")
    _, flags, _, batch_seq, first_seq, count, _run, slen = struct.unpack(">BBHQQIQH",
                                                                         frame[4:38])
    if len(frame) != 38 + slen:
        raise ValueError("bad sensor length")
    return flags, batch_seq, first_seq, count, frame[38:].decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("--out", default="")
    ap.add_argument("--drop-first", type=int, default=0)
    ap.add_argument("--retry-first", type=int, default=0)
    ap.add_argument("--reject-batch", type=int, action="append", default=[])
    ap.add_argument("--curve-secret", default="")
    ap.add_argument("--allow-dir", default="")
    ap.add_argument("--log", default="")
    ap.add_argument("--fast", action="store_true",
                    help="only count events (no JSON parsing, no --out): for throughput")
    ap.add_argument("--delay-ms", type=int, default=0, help="wait this long before each ack")
    a = ap.parse_args()

    ctx = zmq.Context()
    auth = None
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    if a.curve_secret:
        auth = ThreadAuthenticator(ctx)
        auth.start()
        auth.configure_curve(domain="*", location=a.allow_dir)
        pub, sec = zmq.auth.load_certificate(a.curve_secret)
        sock.curve_server = True
        sock.curve_publickey = pub
        sock.curve_secretkey = sec
    sock.bind(a.endpoint)
    print("listening on %s" % a.endpoint, file=sys.stderr, flush=True)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    out = open(a.out, "a") if a.out else None
    blog = open(a.log, "a") if a.log else None

    def note(batch_seq, first_seq, count, flags, answer):
        if blog:
            blog.write("%d %d %d %d %s\n" % (batch_seq, first_seq, count, flags, answer))
            blog.flush()

    st = {"batches": 0, "acked": 0, "resent_flag": 0, "events": 0, "unique": 0,
          "duplicates": 0, "header_errors": 0, "dropped": 0, "retried": 0, "rejected": 0}
    seqs = set()
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    while not stop:
        if not poller.poll(100):
            continue
        parts = sock.recv_multipart()
        if len(parts) != 3:
            st["header_errors"] += 1
            continue
        ident, hdr, body = parts
        try:
            flags, batch_seq, first_seq, count, sensor = parse_header(hdr)
        except ValueError:
            st["header_errors"] += 1
            sock.send_multipart([ident, ack(0, REJECTED)])
            continue
        st["batches"] += 1
        if flags & 1:
            st["resent_flag"] += 1
        if st["dropped"] < a.drop_first:
            st["dropped"] += 1
            note(batch_seq, first_seq, count, flags, "none")
            continue
        if st["retried"] < a.retry_first:
            st["retried"] += 1
            note(batch_seq, first_seq, count, flags, "retry")
            sock.send_multipart([ident, ack(batch_seq, RETRY)])
            continue
        if batch_seq in a.reject_batch:
            st["rejected"] += 1
            note(batch_seq, first_seq, count, flags, "rejected")
            sock.send_multipart([ident, ack(batch_seq, REJECTED)])
            continue
        if a.fast:
            st["events"] += body.count(b"\n")
            sock.send_multipart([ident, ack(batch_seq, STORED)])
            st["acked"] += 1
            continue
        lines = body.split(b"\n")
        if lines[-1] != b"" or len(lines) - 1 != count:
            st["header_errors"] += 1
            sock.send_multipart([ident, ack(batch_seq, REJECTED)])
            continue
        for i, line in enumerate(lines[:-1]):
            ev = json.loads(line)
            if ev.get("seq") != first_seq + i or ev.get("sensor") != sensor:
                st["header_errors"] += 1
            if ev["seq"] in seqs:
                st["duplicates"] += 1
            else:
                seqs.add(ev["seq"])
                if out:
                    out.write(line.decode() + "\n")
            st["events"] += 1
        if out:
            out.flush()
        if a.delay_ms:
            time.sleep(a.delay_ms / 1000.0)
        sock.send_multipart([ident, ack(batch_seq, STORED)])
        note(batch_seq, first_seq, count, flags, "stored")
        st["acked"] += 1
    st["unique"] = len(seqs)
    print(json.dumps(st), flush=True)
    if out:
        out.close()
    sock.close()
    if auth:
        auth.stop()
    ctx.term()


if __name__ == "__main__":
    main()
