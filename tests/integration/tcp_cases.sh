#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TCP through the whole sensor: a Modbus session reshaped by each scenario of mkpcap.py
# (PDUs split across segments and several in one segment, out of order, retransmitted and
# overlapping, a lost segment, a capture that starts mid-stream, a RST) must still give one
# ics event per transaction with the right tids, the flow event must say how it ended, and
# a lost segment must show as an anomaly and a no_response, not as garbage. Data sent after
# a FIN or an accepted RST is not decoded (a tcp_data_after_close anomaly says it was there),
# and a stale RST does not stop decoding.
set -uo pipefail
S="$TZ_BUILD/sensor/tanzhen-sensor"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
py=/usr/bin/python3
fail=0
for sc in plain split ooo retrans gap midstream rst afterfin afterrst stalerst; do
  $py "$TZ_SRC/tests/integration/mkpcap.py" "$T/$sc.pcap" --requests 6 --scenario $sc
  if ! "$S" -r "$T/$sc.pcap" --jsonl "$T/$sc.jsonl" -w 1 2>"$T/$sc.err"; then
    echo "FAIL $sc: sensor failed"; cat "$T/$sc.err"; fail=1; continue
  fi
  $py - "$sc" "$T/$sc.jsonl" <<'PY' || fail=1
import json, sys
sc, path = sys.argv[1], sys.argv[2]
ev = [json.loads(l) for l in open(path)]
ics = [e for e in ev if e["type"] == "ics"]
flows = [e for e in ev if e["type"] == "flow"]
anoms = [e for e in ev if e["type"] == "anomaly"]
ok = [e["modbus"]["tid"] for e in ics if e["status"] == "ok"]
want_ok = [1, 3, 4, 5, 6] if sc == "gap" else [1, 2, 3, 4, 5, 6]
errors = []
if sorted(ok) != want_ok:
    errors.append("ok transactions %s, expected %s" % (sorted(ok), want_ok))
for e in ics:
    if e["status"] == "ok":
        m = e["modbus"]
        if m["addr"] != m["tid"] * 10 or m["resp_values"] != [m["tid"], m["tid"] + 1]:
            errors.append("tid %d decoded wrong: %s" % (m["tid"], m))
        if e["src"]["port"] != 40000 or e["dst"]["port"] != 502:
            errors.append("requester is not src: %s -> %s" % (e["src"], e["dst"]))
if sc == "gap":
    if not any(a["anomaly"]["kind"] == "tcp_gap" for a in anoms):
        errors.append("no tcp_gap anomaly")
    if not any(e["status"] == "response_only" and e["modbus"]["tid"] == 2 for e in ics):
        errors.append("the response to the lost request is not response_only")
elif sc in ("afterfin", "afterrst"):
    kinds = [a["anomaly"]["kind"] for a in anoms]
    # afterrst: the server answers the late write too, also after the close
    want = ["tcp_data_after_close"] * (2 if sc == "afterrst" else 1)
    if kinds != want:
        errors.append("anomalies %s, expected %s" % (kinds, want))
    if any(e["modbus"]["tid"] == 99 for e in ics):
        errors.append("the write sent after the close was decoded")
elif anoms:
    errors.append("unexpected anomalies: %s" % [a["anomaly"] for a in anoms])
if len(flows) != 1:
    errors.append("%d flow events" % len(flows))
else:
    f = flows[0]["flow"]
    want_state = {"rst": "reset", "afterrst": "reset", "stalerst": "reset"}.get(sc, "closed")
    if f["state"] != want_state:
        errors.append("flow state %s, expected %s" % (f["state"], want_state))
    if sc == "retrans" and f.get("tcp_retrans", 0) < 6:
        errors.append("retransmissions not counted: %s" % f)
    if flows[0]["src"]["port"] != 40000:
        errors.append("flow client is not the requester")
print(("FAIL " if errors else "ok   ") + sc + ": %d ics (%d ok), %d anomalies, flow %s" %
      (len(ics), len(ok), len(anoms), flows[0]["flow"]["state"] if flows else "-"))
for e in errors:
    print("     " + e)
sys.exit(1 if errors else 0)
PY
done
exit $fail
