#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# store_size.sh - bytes per event of the collector's store on the realistic mix: the demo
# captures (pcaps/), the public captures (../shared/pcaps, when present) and the benchmark's
# Modbus capture (gen_modbus_pcap), each replayed by the sensor into one collector (plain
# TCP, no Kafka); then the store's files (day files with their indexes, WAL checkpointed,
# meta.db) are summed and divided by the events stored, per zstd level given, and the 180-day
# disk need is projected at a given rate.
#   tests/bench/store_size.sh BUILD_DIR [MODBUS_PACKETS] [LEVELS] [RATE_EV_S]
#   e.g. tests/bench/store_size.sh build 200000 "1 3 6" 2000
set -euo pipefail
B=$(cd "${1:?usage: $0 BUILD_DIR [MODBUS_PACKETS] [LEVELS] [RATE]}" && pwd)
MB=${2:-200000} LEVELS=${3:-1} RATE=${4:-2000}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/tz_size.XXXXXX)
C=""
cleanup() {
    [ -n "$C" ] && kill "$C" 2>/dev/null && wait "$C" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
"$B/tests/bench/gen_modbus_pcap" "$T/bench-modbus.pcap" "$MB" 100 1 >/dev/null
caps=("$HERE"/pcaps/*.pcap "$T/bench-modbus.pcap")
if [ -d "$HERE/../shared/pcaps" ]; then
    while IFS= read -r f; do caps+=("$f"); done < <(find "$HERE/../shared/pcaps" -type f \
        \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
else
    echo "note: ../shared/pcaps is absent: the demo captures and the benchmark only"
fi
for level in $LEVELS; do
    PORT=$(free_port)
    rm -rf "$T/store"
    "$B/collector/tanzhen-collector" --listen "tcp://127.0.0.1:$PORT" --store "$T/store" \
        --insecure --http-listen "" --set store.synchronous=normal \
        --set store.zstd_level="$level" 2>"$T/collector.log" &
    C=$!
    for _ in $(seq 100); do grep -q "listening on" "$T/collector.log" && break; sleep 0.1; done
    t0=$(date +%s.%N)
    for f in "${caps[@]}"; do
        timeout 300 "$B/sensor/tanzhen-sensor" -r "$f" --collector "tcp://127.0.0.1:$PORT" \
            --insecure --sensor-id mix-sensor 2>>"$T/sensor.log" >/dev/null || true
    done
    t1=$(date +%s.%N)
    kill "$C"
    wait "$C" 2>/dev/null || true
    C=""
    # what the store keeps once the WAL is checkpointed (the collector does that at close)
    for db in "$T"/store/events-*.db "$T"/store/meta.db; do sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; done
    events=$("$B/collector/tanzhen-collector" verify --store "$T/store" | head -n 1 |
        sed -n 's/^verify: ok, [0-9]* batches, \([0-9]*\) events.*/\1/p')
    bytes=$(du -cb "$T"/store/events-*.db* "$T"/store/meta.db* | tail -n 1 | cut -f1)
    keys=$(sqlite3 "$T"/store/events-*.db "SELECT count(*) FROM keys")
    # where the bytes are: tables and indexes (pages), the blocks themselves
    sqlite3 "$T"/store/events-*.db "SELECT '  ' || name || ': ' || sum(pgsize) || ' bytes in pages' FROM dbstat GROUP BY name ORDER BY 1" || true
    sqlite3 "$T"/store/events-*.db "SELECT '  blocks: ' || sum(length(body)) || ' bytes compressed' FROM batches" || true
    batches=$(sqlite3 "$T"/store/events-*.db "SELECT count(*) FROM batches")
    /usr/bin/python3 - "$level" "${events:-0}" "$bytes" "$batches" "$keys" "$RATE" "${#caps[@]}" \
        "$t0" "$t1" <<'PY'
import sys
level, ev, by, nb, nk, rate, ncap = (int(x) for x in sys.argv[1:8])
t = float(sys.argv[9]) - float(sys.argv[8])
bpe = by / ev if ev else 0
print("zstd level %d: %d captures, %d events in %d batches (%d index keys): %d bytes, "
      "%.1f bytes/event; 180 days at %d events/s need %.1f GB (replay took %.0f s)"
      % (level, ncap, ev, nb, nk, by, bpe, rate, bpe * rate * 180 * 86400 / 1e9, t))
PY
done
