#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# delivery_key_binding.sh - issue 10, defect 2: each allowed CURVE key speaks for exactly
# one sensor id, from its certificate's `sensor-id` metadata (tanzhen-sensor keygen DIR NAME
# --sensor-id ID) or, without one, from its file name (NAME.key -> NAME). Proves, across a
# real collector and real sensors: the key's own sensor id is stored; the same key under
# another sensor id is refused (REFUSED/sensor_mismatch in a version-2 ack, RETRY to a
# version-1 sender), counted in /metrics, logged, nothing stored; the sensor logs the
# reason, keeps the batches and, as a replay without a state dir, exits 3 within
# output.ack_wait_s saying how many events were not acknowledged; a key without metadata is
# bound to its file name.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$S" "$C" sqlite3 timeout curl
tz_need_pyzmq
pcap=$(find "$TZ_SRC/pcaps" -maxdepth 1 -type f -name '*modbus*.pcap' | sort | head -n 1)
[ -n "$pcap" ] || tz_skip "no Modbus capture in $TZ_SRC/pcaps/"

K="$TZ_TMP/keys"
mkdir -p "$TZ_TMP/allow"
"$C" keygen "$K" collector >/dev/null
"$S" keygen "$K" live1key --sensor-id live1 >"$TZ_TMP/kg.out"
grep -q "sensor id: live1" "$TZ_TMP/kg.out" || tz_fail "keygen did not say the sensor id"
"$C" keygen "$K" s-file >/dev/null # no sensor-id metadata: bound to its file name
cp "$K/live1key.key" "$K/s-file.key" "$TZ_TMP/allow/"
port=$(tz_free_port)
store="$TZ_TMP/store"
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$store" \
    --server-key "$K/collector.key_secret" --allow-dir "$TZ_TMP/allow" --set health.interval_s=0
SEC=(--server-key "$K/collector.key" --client-key "$K/live1key.key_secret")

# 1. the key's own sensor id: stored
timeout 60 "$S" -r "$pcap" -w 1 --sensor-id live1 "${SEC[@]}" --collector "tcp://127.0.0.1:$port" \
    2>"$TZ_TMP/live1.log" || tz_fail "sensor live1 exited $? with its own key"
n_live=$(tz_rows "$store" "WHERE sensor = 'live1'")
[ "$n_live" -gt 0 ] || tz_fail "nothing stored for live1"
grep -q "bound to sensor id 'live1', from its sensor-id metadata" "$TZ_TMP/collector.log" ||
    tz_fail "the collector did not log the key's binding"

# 2. the same key as another sensor id: refused, counted, nothing stored; the replay exits 3
# within ack_wait_s (the test's own bound is timeout 60)
t0=$SECONDS
rc=0
timeout 60 "$S" -r "$pcap" -w 1 --sensor-id rogue "${SEC[@]}" --collector "tcp://127.0.0.1:$port" \
    --set output.ack_wait_s=4 2>"$TZ_TMP/rogue.log" || rc=$?
[ "$rc" -eq 3 ] || tz_fail "sensor 'rogue' with live1's key exited $rc, expected 3"
echo "rogue replay exited 3 after $((SECONDS - t0)) s (ack_wait_s 4)"
grep -q "refused batch .*sensor id mismatch" "$TZ_TMP/rogue.log" ||
    tz_fail "the sensor did not log the refusal reason"
[ "$(grep -c "refused batch" "$TZ_TMP/rogue.log")" -eq 1 ] ||
    tz_fail "the sensor logged the refusal more than once within 30 s"
grep -q "events were not acknowledged" "$TZ_TMP/rogue.log" ||
    tz_fail "the sensor did not say how many events were not acknowledged"
[ "$(tz_rows "$store" "WHERE sensor = 'rogue'")" -eq 0 ] || tz_fail "events of 'rogue' were stored"
grep -q "refused: sensor id 'rogue' is not the one the sending key is bound to ('live1')" \
    "$TZ_TMP/collector.log" || tz_fail "the collector did not log the refusal"
refused=$(tz_metric 'tanzhen_collector_batches_refused_total{reason="sensor_mismatch"}')
[ "${refused%.*}" -ge 1 ] || tz_fail "refused batches not counted in /metrics ($refused)"
[ "$(tz_rows "$store" "WHERE sensor = 'live1'")" -eq "$n_live" ] || tz_fail "live1's rows changed"

# 3. a key without metadata is bound to its file name; v2 acks say why, v1 senders get RETRY
F=(--server-key "$K/collector.key" --client-key "$K/s-file.key_secret" --timeout 10)
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" "${F[@]}" --sensor s-file --run 7 \
    --batches 2 --events 5) || tz_fail "s-file under its own name: $out"
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" "${F[@]}" --sensor notme --run 7 \
    --batches 1 --events 5 || true)
/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["acks"] == {"REFUSED": 1}, s
assert s["ack_v2"]["reasons"] == {"sensor_mismatch": 1}, s
' "$out" || tz_fail "a v2 batch under another sensor id: $out"
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" "${F[@]}" --sensor notme \
    --batches 1 --events 5 || true)
grep -q '"RETRY": 1' <<<"$out" || tz_fail "a v1 batch under another sensor id: $out"
[ "$(tz_rows "$store" "WHERE sensor = 's-file'")" -eq 10 ] || tz_fail "s-file's 10 events not stored"
[ "$(tz_rows "$store" "WHERE sensor = 'notme'")" -eq 0 ] || tz_fail "events of 'notme' were stored"
grep -q "bound to sensor id 's-file', from its file name" "$TZ_TMP/collector.log" ||
    tz_fail "the collector did not log the file-name binding"
echo "delivery_key_binding: ok (live1 stored $n_live, rogue refused $refused batch(es) and exited 3, file-name binding, v1/v2 answers)"
