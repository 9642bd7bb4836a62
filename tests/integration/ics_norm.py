#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ics_norm.py - the `ics` events of a sensor JSONL file in a form two captures of the same
traffic can be compared in: `id`, `seq` and `community_id` removed (they depend on the
5-tuple and on the other events), ports replaced by "server" (a port in --server-ports) or
"client", one event per line, sorted (events of different flows may interleave differently
when segments arrive in another order). Prints the lines; --count prints only how many.
Usage: ics_norm.py EVENTS.jsonl --server-ports 502,505 [--count]"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--server-ports", default="")
    ap.add_argument("--count", action="store_true")
    a = ap.parse_args()
    sports = {int(x) for x in a.server_ports.split(",") if x}
    lines = []
    with open(a.path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e.get("type") != "ics":
                continue
            for k in ("id", "seq", "community_id"):
                e.pop(k, None)
            for end in ("src", "dst"):
                if end in e and "port" in e[end]:
                    e[end]["port"] = "server" if e[end]["port"] in sports else "client"
            lines.append(json.dumps(e, sort_keys=True, ensure_ascii=False))
    lines.sort()
    if a.count:
        print(len(lines))
    else:
        sys.stdout.write("".join(l + "\n" for l in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
