#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# policy.sh - what the policy families (zones, maintenance, baseline, user rules) cost the
# analytics engine: `tanzhen-collector analyze` over the same synthetic Modbus/flow events
# (JSON lines, parsed once by the engine) with the families idle (no zones, baseline off,
# no rules), with zones + pair policy + maintenance, and with everything on (3 user rules,
# baseline enforcing a learned file). Prints CPU seconds (user+sys, less noisy than wall
# time on a shared machine), events per CPU second and the ratio to the idle run measured
# in the same rounds (interleaved). No assertion on time.
#   tests/bench/policy.sh BUILD_DIR [EVENTS] [ROUNDS]
set -euo pipefail
B=${1:?usage: policy.sh BUILD_DIR [EVENTS] [ROUNDS]}
N=${2:-200000}
R=${3:-3}
C="$B/collector/tanzhen-collector"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 - "$N" >"$T/ev.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    s, c = i // 1000, i % 50
    ts = "2024-05-01T%02d:%02d:%02d.%06dZ" % (8 + s // 3600, (s // 60) % 60, s % 60, (i % 1000) * 1000)
    e = {"v": 1, "type": "ics", "id": "e%08d" % i, "ts": ts, "sensor": "s1", "seq": i + 1,
         "src": {"ip": "10.2.0.%d" % (c + 1), "port": 40000}, "dst": {"ip": "10.1.0.%d" % (c % 10 + 1), "port": 502},
         "transport": "tcp", "proto": "modbus", "op": "read", "status": "ok",
         "modbus": {"tid": i & 0xffff, "unit": 1, "func": 3, "func_name": "read_holding_registers",
                    "addr": (i % 7) * 10, "qty": 10, "resp_values": list(range(10))}}
    if i % 100 == 99:
        e = {"v": 1, "type": "flow", "id": "f%08d" % i, "ts": ts, "sensor": "s1", "seq": i + 1,
             "src": {"ip": "192.168.1.%d" % (c + 1), "port": 50000}, "dst": {"ip": "10.1.0.%d" % (c % 10 + 1), "port": 80},
             "transport": "tcp", "flow": {"app": "HTTP", "category": "Web", "bytes_toserver": 500,
                                          "bytes_toclient": 9000, "start": ts, "end": ts}}
    print(json.dumps(e, separators=(",", ":")))
PY
cat >"$T/idle.yaml" <<'Y'
policy:
  baseline_mode: "off"
Y
cat >"$T/zones.yaml" <<'Y'
analytics:
  zones:
    plc: production:10.1.0.0/16
    scada: management:10.2.0.0/16
    office: office:192.168.0.0/16
policy:
  baseline_mode: "off"
  zone_pairs:
    office>production: allow:Modbus
  maint_jump_hosts: 10.2.0.250
Y
sed 's/baseline_mode: "off"/baseline_mode: enforce/' "$T/zones.yaml" >"$T/all.yaml"
cat >"$T/rules.yaml" <<'Y'
rules:
  - {id: user.a, title: A, match: {proto: modbus, op: write, addr: 100-199}}
  - {id: user.b, title: B, match: {src_zone: office, op: read}}
  - {id: user.c, title: C, match: {fields: {modbus.exception: 2}}}
Y
head -n $((N / 2)) "$T/ev.jsonl" >"$T/half.jsonl"
"$C" analyze -c "$T/zones.yaml" --set policy.baseline_mode=learn --state "$T/learn.db" \
    -r "$T/half.jsonl" >/dev/null 2>&1
"$C" baseline export "$T/learn.db" "$T/bl.json" >/dev/null
"$C" baseline mode "$T/bl.json" enforce >/dev/null

cpu() { # cpu NAME ARGS...: CPU seconds of one analyze run
    local name=$1
    shift
    /usr/bin/time -f '%U %S' -o "$T/time" "$C" analyze "$@" -r "$T/ev.jsonl" >"$T/$name.out" \
        2>/dev/null
    awk '{ printf "%.3f\n", $1 + $2 }' "$T/time"
}
declare -A sum=([idle]=0 [zones]=0 [all]=0)
for r in $(seq "$R"); do
    for k in idle zones all; do
        case $k in
        idle) s=$(cpu idle -c "$T/idle.yaml") ;;
        zones) s=$(cpu zones -c "$T/zones.yaml") ;;
        all) s=$(cpu all -c "$T/all.yaml" --rules "$T/rules.yaml" --baseline "$T/bl.json") ;;
        esac
        sum[$k]=$(awk -v a="${sum[$k]}" -v b="$s" 'BEGIN { print a + b }')
    done
done
printf '%-8s %10s %14s %8s %8s\n' config cpu_s events/cpu_s ratio alerts
for k in idle zones all; do
    awk -v n="$N" -v r="$R" -v s="${sum[$k]}" -v i="${sum[idle]}" -v k="$k" \
        -v a="$(grep -c '"type":"alert"' "$T/$k.out" || true)" \
        'BEGIN { printf "%-8s %10.3f %14.0f %8.3f %8d\n", k, s / r, n * r / s, s / i, a }'
done
