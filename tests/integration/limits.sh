#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every cap is counted, never a crash: a flow table smaller than the number of live flows
# evicts the least recently seen (flow events with state "evicted", health
# drops.flow_evicted), too few ICS slots leave flows undecoded but counted
# (drops.ics_slots_exhausted), and a small dissect.max_values cuts values with
# values_truncated. The capture is the benchmark generator's, 300 interleaved flows.
set -uo pipefail
S="$TZ_BUILD/sensor/tanzhen-sensor"
GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
[ -x "$GEN" ] || { echo "skip: $GEN not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$GEN" "$T/many.pcap" 30000 300 7 >/dev/null
"$S" -r "$T/many.pcap" --jsonl "$T/full.jsonl" -w 1 || exit 1
"$S" -r "$T/many.pcap" --jsonl "$T/evict.jsonl" -w 1 --set flows.max=64 || exit 1
"$S" -r "$T/many.pcap" --jsonl "$T/slots.jsonl" -w 1 --set flows.max_ics=16 || exit 1
"$S" -r "$T/many.pcap" --jsonl "$T/values.jsonl" -w 1 --set dissect.max_values=2 || exit 1
/usr/bin/python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
def load(n):
    return [json.loads(l) for l in open("%s/%s.jsonl" % (d, n))]
def health(ev):
    return [e for e in ev if e["type"] == "health"][-1]["health"]
full, evict, slots, values = load("full"), load("evict"), load("slots"), load("values")
errs = []
n_full = sum(e["type"] == "ics" for e in full)
ev_flows = [e for e in evict if e["type"] == "flow"]
n_evicted = sum(e["flow"]["state"] == "evicted" for e in ev_flows)
if n_evicted == 0 or health(evict)["drops"]["flow_evicted"] != n_evicted:
    errs.append("evictions: %d flow events say evicted, health says %d" %
                (n_evicted, health(evict)["drops"]["flow_evicted"]))
exhausted = health(slots)["drops"]["ics_slots_exhausted"]
n_slots = sum(e["type"] == "ics" for e in slots)
if exhausted == 0 or n_slots >= n_full:
    errs.append("ics slots: exhausted=%d, %d of %d transactions" % (exhausted, n_slots, n_full))
trunc = [e for e in values if e["type"] == "ics" and e["modbus"].get("values_truncated")]
if not trunc or any(len(e["modbus"].get("resp_values", [])) > 2 or
                    len(e["modbus"].get("req_values", [])) > 2 for e in trunc):
    errs.append("max_values=2 not applied")
print("limits: %d transactions in full; flows.max=64 -> %d evicted flows; flows.max_ics=16 -> "
      "%d slot misses, %d transactions; max_values=2 -> %d truncated records" %
      (n_full, n_evicted, exhausted, n_slots, len(trunc)))
for e in errs:
    print("FAIL " + e)
sys.exit(1 if errs else 0)
PY
