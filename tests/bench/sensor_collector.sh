#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sensor_collector.sh BUILD_DIR [PACKETS] [full|normal] - the sensor replaying a capture into
# the real collector end to end (CURVE, store synchronous=full by default, Kafka forwarding
# to the mock), with a state dir: prints events/s and the resends the issue counts - the
# batches the sensor sent again (its last log line) and the events the collector dropped as
# already stored (tanzhen_collector_duplicates_dropped_total). Run it on two builds to
# compare (e.g. before and after a delivery change); the capture is generated alike.
set -euo pipefail
B=$(cd "${1:?usage: sensor_collector.sh BUILD_DIR [PACKETS] [full|normal]}" && pwd)
PACKETS=${2:-400000} SYNC=${3:-full}
S=$B/sensor/tanzhen-sensor C=$B/collector/tanzhen-collector
T=$(mktemp -d /tmp/tz_e2e_bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
"$B/tests/bench/gen_modbus_pcap" "$T/raw.pcap" "$PACKETS" 1000 7 >/dev/null 2>&1
if command -v editcap >/dev/null; then # an hour ago: the store's retention keeps it
    editcap -F pcap -t $(($(date +%s) - 1704067200 - 3600)) "$T/raw.pcap" "$T/cap.pcap" >/dev/null
else
    mv "$T/raw.pcap" "$T/cap.pcap"
fi
"$B/collector/tanzhen-kafka-mock" --partitions 3 >"$T/mock.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$T/mock.out" ] && break; sleep 0.1; done
"$C" keygen "$T/keys" collector >/dev/null
if "$S" keygen "$T/keys" bench --sensor-id bench >/dev/null 2>&1; then :; else
    "$C" keygen "$T/keys" bench >/dev/null # a build without --sensor-id
fi
mkdir "$T/allow" && cp "$T/keys/bench.key" "$T/allow/"
port=$(free_port) http=$(free_port)
"$C" --listen "tcp://127.0.0.1:$port" --store "$T/store" --server-key "$T/keys/collector.key_secret" \
    --allow-dir "$T/allow" --kafka-brokers "$(head -n 1 "$T/mock.out")" \
    --http-listen "127.0.0.1:$http" --set store.synchronous="$SYNC" 2>"$T/collector.log" &
pids+=($!)
for _ in $(seq 150); do grep -q "listening on" "$T/collector.log" && break; sleep 0.1; done
/usr/bin/time -f "%e %U %S" -o "$T/time" "$S" -r "$T/cap.pcap" -w 1 --sensor-id bench \
    --collector "tcp://127.0.0.1:$port" --server-key "$T/keys/collector.key" \
    --client-key "$T/keys/bench.key_secret" --state-dir "$T/state" \
    --set output.ack_wait_s=600 2>"$T/sensor.log" >/dev/null || echo "sensor exit $?"
read -r wall usr sys <"$T/time"
metric() {
    curl -s --max-time 5 "http://127.0.0.1:$http/metrics" |
        awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}
ev=$(grep -o 'all [0-9]* batches ([0-9]* events)' "$T/sensor.log" | grep -o '([0-9]*' | tr -d '(' || echo 0)
resent=$(grep -o '[0-9]* batches were sent again' "$T/sensor.log" | grep -o '^[0-9]*' || echo "?")
dups=$(metric tanzhen_collector_duplicates_dropped_total)
stored=$(metric tanzhen_collector_events_stored_total)
awk -v e="${ev:-0}" -v w="$wall" -v c="$(echo "$usr + $sys" | bc)" -v r="$resent" -v d="$dups" \
    -v s="$stored" -v sy="$SYNC" 'BEGIN { printf "sensor -> collector (CURVE, %s, Kafka): %d events in %.2f s = %.0f events/s (sensor CPU %.2f s); batches sent again %s; events the collector dropped as already stored %d (stored %d)\n", sy, e, w, (w > 0 ? e / w : 0), c, r, d, s }'
grep -c "resend\|sent again" "$T/sensor.log" >/dev/null || true
