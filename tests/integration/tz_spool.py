#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_spool.py - reads a sensor spool directory (sensor/spool.c) independently of the C
code: every segment's records, each checked against its BLAKE2b-128 sum and against the
seq numbers of the JSON lines it holds.

  tz_spool.py STATE_DIR/spool     prints one JSON line:
    {"records": n, "batches": [[batch_seq, first_seq, count], ...], "seqs": [...],
     "acked_mark": N, "bad": n, "torn": n}
"""
import hashlib
import json
import os
import struct
import sys

HDR = 48


def main():
    d = sys.argv[1]
    out = {"records": 0, "batches": [], "seqs": [], "acked_mark": 0, "bad": 0, "torn": 0}
    try:
        with open(os.path.join(d, "acked")) as f:
            t = f.read().split()
            # "tanzhen-spool-acked N" or, since issue 10, "tanzhen-spool-acked N seq S"
            if len(t) in (2, 4) and t[0] == "tanzhen-spool-acked":
                out["acked_mark"] = int(t[1])
                if len(t) == 4 and t[2] == "seq":
                    out["acked_high_seq"] = int(t[3])
    except FileNotFoundError:
        pass
    for name in sorted(n for n in os.listdir(d) if n.endswith(".seg")):
        data = open(os.path.join(d, name), "rb").read()
        off = 0
        while off < len(data):
            if len(data) - off < HDR:
                out["torn"] += 1
                break
            hdr = data[off:off + HDR]
            magic, blen, bseq, first, count, _ = struct.unpack(">4sIQQII", hdr[:32])
            if magic != b"TZS1":
                out["bad"] += 1
                break
            if len(data) - off - HDR < blen:
                out["torn"] += 1
                break
            body = data[off + HDR:off + HDR + blen]
            if hashlib.blake2b(hdr[:32] + body, digest_size=16).digest() != hdr[32:48]:
                out["bad"] += 1
                break
            lines = body.split(b"\n")
            if lines[-1] != b"" or len(lines) - 1 != count:
                out["bad"] += 1
                break
            for i, line in enumerate(lines[:-1]):
                if json.loads(line)["seq"] != first + i:
                    out["bad"] += 1
            out["records"] += 1
            out["batches"].append([bseq, first, count])
            out["seqs"].extend(range(first, first + count))
            off += HDR + blen
    print(json.dumps(out))


if __name__ == "__main__":
    main()
