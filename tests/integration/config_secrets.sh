#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# config_secrets.sh - issue 10, defect 8, across both binaries: --check-config refuses a
# misspelt librdkafka property (set on a real rd_kafka_conf_t, librdkafka names the key)
# with exit 1; --dump-config never prints a secret (sasl.password, ssl.key.password,
# ssl.keystore.password, any key holding "password" or "secret", in kafka.properties too);
# a config error exits 1 in the collector and in the sensor alike; a public certificate
# given as output.client_key is an error naming the secret one, not a silent load of it.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$S" "$C" timeout
pcap=$(find "$TZ_SRC/pcaps" -maxdepth 1 -type f -name '*modbus*.pcap' | sort | head -n 1)
[ -n "$pcap" ] || tz_skip "no Modbus capture in $TZ_SRC/pcaps/"

expect() { # RC PATTERN CMD...: exit status RC and PATTERN in stderr
    local want=$1 pat=$2 rc=0
    shift 2
    timeout 30 "$@" >"$TZ_TMP/out.txt" 2>"$TZ_TMP/err.txt" || rc=$?
    [ "$rc" -eq "$want" ] || tz_fail "'$*': exit $rc, expected $want; $(cat "$TZ_TMP/err.txt")"
    grep -q -- "$pat" "$TZ_TMP/err.txt" || tz_fail "'$*': stderr lacks /$pat/: $(cat "$TZ_TMP/err.txt")"
}

cat >"$TZ_TMP/typo.yaml" <<'Y'
kafka:
  brokers: 127.0.0.1:9092
  properties:
    security.protocol: sasl_plaintext
    sasl.mechanismz: PLAIN
Y
expect 1 'kafka.properties: sasl.mechanismz: No such configuration property' \
    "$C" -c "$TZ_TMP/typo.yaml" --check-config
cat >"$TZ_TMP/badval.yaml" <<'Y'
kafka:
  properties:
    acks: maybe
Y
expect 1 'kafka.properties: acks' "$C" -c "$TZ_TMP/badval.yaml" --check-config

cat >"$TZ_TMP/secrets.yaml" <<'Y'
kafka:
  brokers: 127.0.0.1:9092
  properties:
    security.protocol: sasl_ssl
    sasl.mechanism: PLAIN
    sasl.username: plant7
    sasl.password: hunter2-sasl
    ssl.key.password: hunter2-key
    ssl.keystore.password: hunter2-store
Y
"$C" -c "$TZ_TMP/secrets.yaml" --check-config >/dev/null || tz_fail "a valid config was refused"
"$C" -c "$TZ_TMP/secrets.yaml" --dump-config >"$TZ_TMP/dump.yaml" || tz_fail "--dump-config failed"
! grep -q hunter2 "$TZ_TMP/dump.yaml" || tz_fail "--dump-config printed a secret: $(grep hunter2 "$TZ_TMP/dump.yaml")"
[ "$(grep -c 'password: "<redacted>"' "$TZ_TMP/dump.yaml")" -eq 3 ] || tz_fail "secrets not marked redacted"
grep -q "sasl.username: plant7" "$TZ_TMP/dump.yaml" || tz_fail "a non-secret was redacted"
"$C" --set kafka.properties=sasl.password=hunter2-set --dump-config >"$TZ_TMP/dump2.yaml"
! grep -q hunter2 "$TZ_TMP/dump2.yaml" || tz_fail "--dump-config printed a --set secret"
"$S" --dump-config >"$TZ_TMP/sdump.yaml" || tz_fail "sensor --dump-config failed"

# config errors: exit 1 in both binaries
expect 1 "unknown key 'no.such'" "$C" --set no.such=1
expect 1 "unknown key 'no.such'" "$S" --set no.such=1
echo 'receiver: {bogus: 1}' >"$TZ_TMP/unknown.yaml"
expect 1 "unknown key 'receiver.bogus'" "$C" -c "$TZ_TMP/unknown.yaml" --check-config
echo 'output: {bogus: 1}' >"$TZ_TMP/sunknown.yaml"
expect 1 "unknown key 'output.bogus'" "$S" -c "$TZ_TMP/sunknown.yaml" --check-config

# a public certificate as output.client_key: an error, even with its _secret file beside it
"$S" keygen "$TZ_TMP/k" s1 >/dev/null
"$S" keygen "$TZ_TMP/k" collector >/dev/null
expect 1 "output.client_key $TZ_TMP/k/s1.key is a public certificate: give this sensor's secret certificate, $TZ_TMP/k/s1.key_secret" \
    "$S" -r "$pcap" --collector tcp://127.0.0.1:9 --client-key "$TZ_TMP/k/s1.key" \
    --server-key "$TZ_TMP/k/collector.key"
cp "$TZ_TMP/k/s1.key" "$TZ_TMP/alone.key"
expect 1 "holds no secret key" "$S" -r "$pcap" --collector tcp://127.0.0.1:9 \
    --client-key "$TZ_TMP/alone.key" --server-key "$TZ_TMP/k/collector.key"
echo "config_secrets: ok"
