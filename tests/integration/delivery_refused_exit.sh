#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# delivery_refused_exit.sh - issue 10, defect 6: a replay that can never be acknowledged -
# its key is not in the allow list, it runs --insecure against a CURVE collector, or it has
# the wrong --server-key - with a capture larger than output.memory_batches holds and no
# state dir, exits 3 once output.ack_wait_s passed without a batch stored, saying how many
# events were not acknowledged. Before the fix it waited for room forever. Each run has its
# own bound (timeout 90 with ack_wait_s 3); the figures printed are the seconds it took.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
tz_need "$S" "$C" "$GEN" timeout
"$GEN" "$TZ_TMP/cap.pcap" 20000 50 3 >/dev/null 2>&1 || tz_fail "gen_modbus_pcap failed"

K="$TZ_TMP/keys"
mkdir -p "$TZ_TMP/allow"
"$C" keygen "$K" collector >/dev/null
"$C" keygen "$TZ_TMP/other" collector >/dev/null
"$C" keygen "$K" allowed >/dev/null # bound to its file name
"$C" keygen "$K" stranger >/dev/null
cp "$K/allowed.key" "$TZ_TMP/allow/"
port=$(tz_free_port)
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$TZ_TMP/store" \
    --server-key "$K/collector.key_secret" --allow-dir "$TZ_TMP/allow"

case_run() { # NAME ARGS...
    local name=$1 rc=0 t0=$SECONDS
    shift
    timeout -k 5 "${TZ_REFUSED_TIMEOUT:-90}" "$S" -r "$TZ_TMP/cap.pcap" -w 1 --sensor-id "$name" \
        --collector "tcp://127.0.0.1:$port" --set output.ack_wait_s=3 \
        --set output.memory_batches=2 --set output.batch_events=16 "$@" \
        2>"$TZ_TMP/$name.log" >/dev/null || rc=$?
    [ "$rc" -eq 3 ] || tz_fail "$name: exit $rc, expected 3 (124: it never exited)"
    grep -q "[0-9]* events were not acknowledged" "$TZ_TMP/$name.log" ||
        tz_fail "$name: no message saying how many events were not acknowledged"
    echo "$name: exit 3 after $((SECONDS - t0)) s: $(grep -o '[0-9]* events were not acknowledged' "$TZ_TMP/$name.log")"
}
case_run stranger --server-key "$K/collector.key" --client-key "$K/stranger.key_secret"
case_run insecure --insecure
case_run wrongsrv --server-key "$TZ_TMP/other/collector.key" --client-key "$K/allowed.key_secret"
echo "delivery_refused_exit: ok"
