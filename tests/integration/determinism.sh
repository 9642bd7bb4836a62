#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Replaying a capture gives the same events every time: the same output twice with one
# worker (health excluded: it carries wall-clock figures), and the same set of event ids
# and contents (seq aside) with one worker and with three.
set -uo pipefail
S="$TZ_BUILD/sensor/tanzhen-sensor"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
args=()
for p in "$TZ_SRC"/pcaps/*.pcap; do [ -f "$p" ] && args+=(-r "$p"); done
/usr/bin/python3 "$TZ_SRC/tests/integration/mkpcap.py" "$T/own.pcap" --requests 50 --scenario split
args+=(-r "$T/own.pcap")
for run in a b; do "$S" "${args[@]}" --jsonl "$T/w1$run.jsonl" -w 1 || exit 1; done
"$S" "${args[@]}" --jsonl "$T/w3.jsonl" -w 3 || exit 1
/usr/bin/python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
def load(name, keep_seq):
    out = []
    for l in open("%s/%s.jsonl" % (d, name)):
        e = json.loads(l)
        if e["type"] == "health":
            continue
        if not keep_seq:
            e.pop("seq")
        out.append(json.dumps(e, sort_keys=True))
    return out
a, b = load("w1a", True), load("w1b", True)
w1, w3 = sorted(load("w1a", False)), sorted(load("w3", False))
ok = a == b and w1 == w3 and len(a) > 0
ids = [json.loads(x)["id"] for x in a]
ok = ok and len(set(ids)) == len(ids)
print("determinism: %d events; twice with 1 worker %s; 1 vs 3 workers %s; ids unique %s" %
      (len(a), "identical" if a == b else "DIFFERENT", "same set" if w1 == w3 else "DIFFERENT",
       len(set(ids)) == len(ids)))
sys.exit(0 if ok else 1)
PY
