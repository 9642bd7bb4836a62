#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sensor_delivery.sh BUILD_DIR [PACKETS] - how fast the sensor delivers a replay with acks:
# generates a Modbus/TCP capture (gen_modbus_pcap, 1000 flows), then replays it four
# times into tests/integration/tz_router.py --fast (a Python ROUTER that acks every batch
# at once without parsing it): plain TCP or CURVE, without or with a state dir (spool
# written ahead, seq persisted). Each is run 3 times; prints the best wall-clock rate and
# the sensor's CPU time of that run (steadier on a shared machine). The --jsonl run is the
# baseline without delivery.
set -euo pipefail
B=$(cd "${1:?usage: sensor_delivery.sh BUILD_DIR [PACKETS]}" && pwd)
PACKETS=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
S=$B/sensor/tanzhen-sensor
T=$(mktemp -d /tmp/tz_delivery.XXXXXX)
RP=
cleanup() { [ -n "$RP" ] && kill "$RP" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

"$B/tests/bench/gen_modbus_pcap" "$T/cap.pcap" "$PACKETS" 1000 7 >/dev/null 2>&1
"$S" keygen "$T/keys" collector >/dev/null
"$S" keygen "$T/keys" >/dev/null
mkdir "$T/allow"
cp "$T/keys/sensor.key" "$T/allow/"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

run() { # LABEL ARGS...: best of 3: LABEL, events, seconds, events/s, CPU seconds
    local label=$1
    shift
    local best="" i
    for i in 1 2 3; do
        rm -rf "$T/state" "$T/out.jsonl"
        /usr/bin/time -f "%e %U %S" -o "$T/time" "$S" -r "$T/cap.pcap" -w 1 "$@" \
            2>"$T/sensor.log" >/dev/null
        local ev
        ev=$(grep -o 'all [0-9]* batches ([0-9]* events)' "$T/sensor.log" | grep -o '([0-9]*' |
            tr -d '(' || true)
        [ -n "$ev" ] || ev=$(grep -c . "$T/out.jsonl" 2>/dev/null || echo 0)
        read -r wall usr sys <"$T/time"
        line=$(awk -v l="$label" -v e="$ev" -v w="$wall" -v c="$(echo "$usr + $sys" | bc)" \
            'BEGIN { printf "%-32s %7d events %5.2f s %7.0f events/s, CPU %5.2f s", l, e, w, e / w, c }')
        if [ -z "$best" ] || [ "$(echo "$wall < $bestw" | bc)" -eq 1 ]; then
            best=$line
            bestw=$wall
        fi
    done
    echo "$best"
}

run "--jsonl file (no delivery)" --jsonl "$T/out.jsonl"
for mode in plain curve; do
    ropts=()
    sopts=(--insecure)
    if [ "$mode" = curve ]; then
        ropts=(--curve-secret "$T/keys/collector.key_secret" --allow-dir "$T/allow")
        sopts=(--server-key "$T/keys/collector.key" --client-key "$T/keys/sensor.key_secret")
    fi
    for state in none state; do
        /usr/bin/python3 "$SRC/tests/integration/tz_router.py" "tcp://127.0.0.1:$port" --fast \
            "${ropts[@]}" >"$T/router.out" 2>"$T/router.log" &
        RP=$!
        for _ in $(seq 50); do grep -q listening "$T/router.log" && break; sleep 0.1; done
        extra=()
        [ "$state" = state ] && extra=(--state-dir "$T/state")
        run "$mode, acks, state dir: $state" --collector "tcp://127.0.0.1:$port" "${sopts[@]}" \
            "${extra[@]}"
        kill "$RP"
        wait "$RP" 2>/dev/null || true
        RP=
    done
done
