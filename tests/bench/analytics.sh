#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# analytics.sh - events per second through the analytics engine on one core, JSON parsed
# once, against jansson parsing the same lines in the same run (bench_analytics.c). The
# input is normal plant traffic as the sensor reports it: the polling captures of
# ../shared/pcaps when present (Modbus, S7comm, S7comm-plus, DNP3, OPC UA, IEC 104), else
# the project's pcaps/; each capture's time is moved to a common start, and the set is
# cycled with time moving on and new client addresses (bench_analytics.c).
# Not a CTest: timings depend on the machine.
# Usage: bash tests/bench/analytics.sh [BUILD_DIR]   Env: TZ_BENCH_EVENTS (2000000)
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
SHARED=${TZ_SHARED:-$SRC/../shared}
N=${TZ_BENCH_EVENTS:-2000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ITI="$SHARED/pcaps/ITI__ICS-Security-Tools/pcaps"
caps=("$SHARED/pcaps/zeek__zeek/testing/btest/Traces/modbus/modbusBig.pcap"
      "$ITI/s7/s7comm_varservice_libnodavedemo_bench.pcap"
      "$ITI/s7/wincc_s300_setup-alarm-read_2.pcapng"
      "$ITI/s7/V13_1200_TP1200sim_MW100_Int_SPS_5s_MW102_Int_SPS_10s_MW102_ab_1000_Timer_sync.pcapng"
      "$SHARED/pcaps/cisagov__icsnpp-dnp3/testing/traces/dnp3_example.pcap"
      "$SHARED/pcaps/cisagov__icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap"
      "$SHARED/pcaps/ntop__nDPI/tests/cfgs/default/pcap/iec60780-5-104.pcap")
[ -f "${caps[0]}" ] || caps=("$SRC"/pcaps/*.pcap)
i=0
for p in "${caps[@]}"; do
    "$BUILD/sensor/tanzhen-sensor" -r "$p" --jsonl "$T/$i.jsonl" -w 1 2>/dev/null
    i=$((i + 1))
done
/usr/bin/python3 - "$T" "$i" >"$T/events.jsonl" <<'PY'
import datetime, json, sys
d, n = sys.argv[1], int(sys.argv[2])
fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
base = datetime.datetime(2024, 5, 1, 8, 0, 0)
out = []
for i in range(n):
    evs = [json.loads(l) for l in open("%s/%d.jsonl" % (d, i)) if l.strip()]
    evs = [e for e in evs if e["type"] != "health"]
    if not evs:
        continue
    t0 = min(datetime.datetime.strptime(e["ts"], fmt) for e in evs)
    for e in evs:
        t = base + (datetime.datetime.strptime(e["ts"], fmt) - t0)
        e["ts"] = t.strftime(fmt)
        out.append((e["ts"], json.dumps(e, separators=(",", ":"))))
for _, line in sorted(out, key=lambda x: x[0]):
    print(line)
PY
echo "bench: analytics engine, $N events, one core ($(nproc) online, load $(cut -d' ' -f1-3 /proc/loadavg))"
taskset -c 0 "$BUILD/tests/bench/bench_analytics" "$T/events.jsonl" "$N" 2>/dev/null ||
    "$BUILD/tests/bench/bench_analytics" "$T/events.jsonl" "$N"
