#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fault_curve_reject.sh - issue 5, fault 5: strangers are kept out. Against a collector
# with CURVE on and an allow list holding one sensor key: (a) a sensor with its own valid
# CURVE key pair that is not in the allow list, replaying the ~115,000-event capture;
# (b) a client with no CURVE at all (tz_send.py, a plain ZeroMQ DEALER sending well-formed
# batches); (c) the real sensor binary with --insecure. Each gets no ack (the sensors exit
# non-zero after output.ack_wait_s), each attempt adds "rejected sensor connection from ..."
# lines to the collector log (with 127.0.0.1 where the collector could read the peer
# address: always for (a), whose key ZAP sees with the address; (b) and (c) fail the
# handshake before ZAP, and their address is read off the accepted socket, which a busy
# machine may already have closed: then the line says "unknown"), and nothing is stored or
# forwarded. Then the
# allowed sensor replays the same capture through the same collector and everything it
# emitted is stored exactly once and in Kafka (reconciliation printed): the rejections
# did not break the collector.
set -euo pipefail
# bounded: timeout(1) signals the whole process group, every process this script starts
[ -n "${FZ_UNDER_TIMEOUT:-}" ] || FZ_UNDER_TIMEOUT=1 exec timeout -k 15 "${FZ_TIMEOUT:-420}" bash "$0"
source "$(dirname "$0")/tz_lib.bash"
source "$(dirname "$0")/tz_faults.bash"

fz_setup
fz_start_collector collector
rejections() { grep -c "rejected sensor connection from " "$TZ_TMP/collector.log" || true; }
from_loopback() { grep -c "rejected sensor connection from 127.0.0.1" "$TZ_TMP/collector.log" || true; }
_more_rejections() { [ "$(rejections)" -gt "$1" ]; }
[ "$(rejections)" -eq 0 ] || tz_fail "rejections logged before any attempt"

# (a) a sensor with a valid key pair unknown to the collector
mkdir -p "$TZ_TMP/rogue-keys"
"$FZ_SENSOR_BIN" keygen "$TZ_TMP/rogue-keys" sensor >/dev/null || tz_fail "keygen (rogue) failed"
timeout 120 "$FZ_SENSOR_BIN" -r "$FZ_PCAP" -w 2 --sensor-id rogue-sensor \
    --collector "tcp://127.0.0.1:$FZ_PORT" --jsonl "$TZ_TMP/rogue.jsonl" \
    --state-dir "$TZ_TMP/rogue-state" --client-key "$TZ_TMP/rogue-keys/sensor.key_secret" \
    --server-key "$FZ_KEYS/collector.key" --set output.ack_wait_s=5 \
    >"$TZ_TMP/rogue.out" 2>"$TZ_TMP/rogue.log" && rc=0 || rc=$?
r1=$(rejections)
fz_log "(a) unknown-key sensor: exit $rc, emitted $(grep -c . "$TZ_TMP/rogue.jsonl"), rejections logged $r1"
[ "$rc" -ne 0 ] || tz_fail "the unknown-key sensor exited 0: it thinks it was acknowledged"
[ "$rc" -ne 124 ] || tz_fail "the unknown-key sensor did not stop within 120 s"
[ "$r1" -ge 1 ] || tz_fail "no 'rejected sensor connection from' line for the unknown key"
[ "$(from_loopback)" -ge 1 ] || tz_fail "the unknown key's rejection does not name its address 127.0.0.1"

# (b) a client with no CURVE at all, sending well-formed batches
# (a ZeroMQ send can block for good once the peer refused the handshake: timeout; 124 is
# "never acked" too)
timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$FZ_PORT" --sensor plain-client --batches 3 \
    --events 20 --timeout 3 >"$TZ_TMP/plain.out" 2>"$TZ_TMP/plain.log" && rc=0 || rc=$?
tz_wait_for 5 _more_rejections "$r1" || true
r2=$(rejections)
fz_log "(b) plain ZeroMQ client: exit $rc ($(head -c 200 "$TZ_TMP/plain.out")), rejections logged $r2"
[ "$rc" -ne 0 ] || tz_fail "the plain client got its batches acked"
if grep -q '"acks"' "$TZ_TMP/plain.out"; then
    grep -q '"acks": {}' "$TZ_TMP/plain.out" || tz_fail "the plain client got acks: $(cat "$TZ_TMP/plain.out")"
fi
[ "$r2" -gt "$r1" ] || tz_fail "the plain client's attempt was not logged as rejected"
# libzmq reports "mechanism mismatch" only when the client's greeting got this far; a client
# that sees CURVE and hangs up first is "closed during the handshake" (docs/collector.md)
grep -qE "rejected sensor connection from .*: (no CURVE|it closed during the ZeroMQ handshake \(a client without CURVE)" \
    "$TZ_TMP/collector.log" || tz_fail "the plain client's rejection does not say it had no CURVE"

# (c) the sensor with --insecure (plain TCP) against the CURVE collector
timeout 120 "$FZ_SENSOR_BIN" -r "$FZ_PCAP" -w 2 --sensor-id insecure-sensor --insecure \
    --collector "tcp://127.0.0.1:$FZ_PORT" --jsonl "$TZ_TMP/insecure.jsonl" \
    --state-dir "$TZ_TMP/insecure-state" --set output.ack_wait_s=5 \
    >"$TZ_TMP/insecure.out" 2>"$TZ_TMP/insecure.log" && rc=0 || rc=$?
tz_wait_for 5 _more_rejections "$r2" || true
r3=$(rejections)
fz_log "(c) --insecure sensor: exit $rc, rejections logged $r3"
[ "$rc" -ne 0 ] || tz_fail "the --insecure sensor exited 0: it thinks it was acknowledged"
[ "$rc" -ne 124 ] || tz_fail "the --insecure sensor did not stop within 120 s"
grep -qi "insecure\|plain" "$TZ_TMP/insecure.log" || tz_fail "the --insecure sensor logged no warning"
[ "$r3" -gt "$r2" ] || tz_fail "the --insecure sensor's attempt was not logged as rejected"
grep -o "rejected sensor connection from.*" "$TZ_TMP/collector.log" | sort | uniq -c |
    sort -rn | head -n 8 | sed 's/^ */  /'

# nothing stored, nothing forwarded
n=$(fz_store_count)
[ "$n" -eq 0 ] || tz_fail "$n events were stored from rejected clients"
sleep 2
fz_kafka_dump "$TZ_TMP/kafka-rejected.txt"
for who in rogue-sensor plain-client insecure-sensor; do
    k=$(grep -c "\"sensor\":\"$who\"" "$TZ_TMP/kafka-rejected.txt" || true)
    [ "$k" -eq 0 ] || tz_fail "$k messages from $who reached Kafka"
done
fz_log "rejected clients: 0 events stored, 0 forwarded"

# the allowed sensor through the same collector
fz_start_sensor sensor "$FZ_PCAP" "$TZ_TMP/sensor.jsonl"
fz_wait_exit "$SENSOR_PID" 300
[ "$TZ_RC" -eq 0 ] || tz_fail "the allowed sensor exited with $TZ_RC (0 = everything acked)"
for who in rogue-sensor plain-client insecure-sensor; do
    n=$(fz_store_count "$who")
    [ "$n" -eq 0 ] || tz_fail "$n events of $who in the store"
done
fz_finish "fault 5 (unknown key, no CURVE, --insecure: rejected; then the allowed sensor)" \
    --jsonl "$TZ_TMP/sensor.jsonl"
