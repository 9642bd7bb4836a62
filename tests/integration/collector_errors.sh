#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector_errors.sh - bad input at start-up gives one clear message and a non-zero exit
# (2: usage/config, 1: start-up failure), never a crash; retention under 180 days needs
# --allow-short-retention; unreachable Kafka brokers only delay forwarding (the lag shows
# in /metrics); --check-config, --dump-config (and its round trip), --help, --version.
# (CURVE key errors: collector_curve.sh.)
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

COL="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$COL" timeout sqlite3 curl
tz_need_pyzmq

# expect RC PATTERN ARGS...: the collector exits with RC and stderr matches PATTERN
expect() {
    local want=$1 pattern=$2
    shift 2
    local rc=0
    timeout 20 "$COL" "$@" >"$TZ_TMP/out.txt" 2>"$TZ_TMP/err.txt" || rc=$?
    [ "$rc" -eq "$want" ] ||
        tz_fail "'$*': exit $rc, expected $want; stderr: $(cat "$TZ_TMP/err.txt")"
    grep -Eq -- "$pattern" "$TZ_TMP/err.txt" ||
        tz_fail "'$*': stderr lacks /$pattern/: $(cat "$TZ_TMP/err.txt")"
    [ "$(grep -c . "$TZ_TMP/err.txt")" -le 2 ] ||
        tz_fail "'$*': more than a clear message: $(cat "$TZ_TMP/err.txt")"
    cases=$((cases + 1))
}
cases=0
store="$TZ_TMP/store"

printf 'receiver:\n  listen: tcp://127.0.0.1:1\n  bogus_key: 3\n' >"$TZ_TMP/unknown.yaml"
expect 1 "unknown key 'receiver.bogus_key'" -c "$TZ_TMP/unknown.yaml" --check-config
printf 'nosuchsection:\n  a: 1\n' >"$TZ_TMP/section.yaml"
expect 1 "unknown section 'nosuchsection'" -c "$TZ_TMP/section.yaml"
printf 'receiver:\n  max_batch_events: 0\n' >"$TZ_TMP/bounds.yaml"
expect 1 "receiver.max_batch_events: 0 is out of bounds" -c "$TZ_TMP/bounds.yaml"
printf 'receiver:\n  listen: "unterminated\n' >"$TZ_TMP/syntax.yaml"
expect 1 "YAML error" -c "$TZ_TMP/syntax.yaml"
expect 1 "cannot open" -c "$TZ_TMP/missing.yaml"
expect 1 "unknown key 'no.such'" --set no.such=1
expect 1 "not an integer" --set kafka.flush_timeout_ms=soon
expect 1 "store.synchronous" --set store.synchronous=sometimes
expect 1 "kafka.topic_prefix" --kafka-topic-prefix 'bad prefix!'
expect 1 "log.level" --set log.level=loud
expect 1 "receiver.listen: 'localhost:7700' must be tcp" --listen localhost:7700
expect 1 "lacks a host or a port" --listen tcp://127.0.0.1
expect 1 "store.retention_days: 30 is under 180 days .* --allow-short-retention" \
    --set store.retention_days=30
expect 1 "store.retention_days: 0 is out of bounds" --set store.retention_days=0
expect 1 "envelope.credit_code: '91350100M000100Y44' is not a unified social credit code" \
    --set envelope.credit_code=91350100M000100Y44
expect 1 "envelope.region_code" --set envelope.region_code=12345
expect 1 "envelope.level: 6 is out of bounds" --set envelope.level=6
expect 1 "kafka.redact: 'seq' identifies the event" --set kafka.redact=opcua.identity,seq
expect 1 "http.listen: 'nowhere' must be HOST:PORT" --http-listen nowhere
expect 1 "receiver.curve: 'maybe' is not a boolean" --set receiver.curve=maybe
expect 1 "unexpected argument" stray
expect 1 "unrecognized option" --no-such-option

# start-up failures: exit 1 (plain TCP here: the keys are collector_curve.sh's business;
# --insecure adds its warning line)
I=(--insecure --http-listen "")
expect 1 "store.dir /dev/null/tz: cannot create" "${I[@]}" --store /dev/null/tz --listen tcp://127.0.0.1:1
expect 1 "cannot bind" "${I[@]}" --store "$store" --listen "tcp://127.0.0.1:notaport"
expect 1 "cannot bind" "${I[@]}" --store "$store" --listen "tcp://256.1.1.1:7700"
expect 1 "kafka.properties: no.such.property: No such configuration property" "${I[@]}" --store "$store" --kafka-brokers 127.0.0.1:1 \
    --set kafka.properties=no.such.property=1 --listen tcp://127.0.0.1:1
port=$(tz_free_port)
tz_start_collector first --store "$store" --listen "tcp://127.0.0.1:$port" --insecure
expect 1 "Address already in use" "${I[@]}" --store "$TZ_TMP/store2" --listen "tcp://127.0.0.1:$port"
expect 1 "store.dir $store is in use by another collector" "${I[@]}" --store "$store" \
    --listen "tcp://127.0.0.1:$(tz_free_port)"
expect 1 "http.listen 127.0.0.1:$HTTP_PORT: cannot serve /metrics" --insecure --store "$TZ_TMP/store5" \
    --listen "tcp://127.0.0.1:$(tz_free_port)" --http-listen "127.0.0.1:$HTTP_PORT"
curl -s "http://127.0.0.1:$HTTP_PORT/nothing" | grep -q "not found" || tz_fail "/nothing is not a 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HTTP_PORT/metrics")" = 405 ] ||
    tz_fail "POST /metrics is not a 405"
tz_stop "$COLLECTOR_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"
# a short retention is accepted with the flag, and said so
port=$(tz_free_port)
tz_start_collector short --store "$TZ_TMP/store6" --listen "tcp://127.0.0.1:$port" --insecure \
    --set store.retention_days=7 --allow-short-retention
grep -q "retention 7 days" "$TZ_TMP/short.log" || tz_fail "the retention is not in the start-up line"
grep -q "store.retention_days is 7, under the 180 days" "$TZ_TMP/short.log" ||
    tz_fail "a short retention is not warned about"
tz_stop "$COLLECTOR_PID" 10

# --check-config, --dump-config and its round trip through -c
printf 'kafka:\n  brokers: "127.0.0.1:9092"\n  properties:\n    acks: all\n    compression.type: lz4\nlog:\n  level: debug\n' \
    >"$TZ_TMP/good.yaml"
timeout 10 "$COL" -c "$TZ_TMP/good.yaml" --check-config | grep -q "config ok" ||
    tz_fail "--check-config rejected a good file"
timeout 10 "$COL" -c "$TZ_TMP/good.yaml" --store /x --dump-config >"$TZ_TMP/dump1.yaml"
grep -q 'compression.type: lz4' "$TZ_TMP/dump1.yaml" || tz_fail "dump lacks kafka.properties"
grep -q 'dir: /x' "$TZ_TMP/dump1.yaml" || tz_fail "dump lacks the --store override"
timeout 10 "$COL" -c "$TZ_TMP/dump1.yaml" --dump-config >"$TZ_TMP/dump2.yaml"
diff "$TZ_TMP/dump1.yaml" "$TZ_TMP/dump2.yaml" || tz_fail "--dump-config does not round-trip"
timeout 10 "$COL" --help >"$TZ_TMP/help.txt"
for k in receiver.listen receiver.curve receiver.server_key receiver.allow_dir store.dir \
    store.retention_days kafka.brokers kafka.topic_prefix kafka.properties kafka.redact \
    envelope.enterprise_name envelope.credit_code envelope.region_code envelope.level \
    envelope.site http.listen; do
    grep -q "$k" "$TZ_TMP/help.txt" || tz_fail "--help lacks $k"
done
timeout 10 "$COL" --version | grep -q "^tanzhen-collector [0-9]" || tz_fail "--version"

# a frame above receiver.max_batch_bytes: ZeroMQ drops that connection (no ack), the
# collector goes on and takes the next, smaller batch
port=$(tz_free_port)
tz_start_collector small --store "$TZ_TMP/store4" --listen "tcp://127.0.0.1:$port" --insecure \
    --set receiver.max_batch_bytes=4096
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --batches 1 --events 50 --timeout 2) &&
    tz_fail "an oversize batch was acked: $out"
[ "$(tz_json "$out" missing_acks)" -eq 1 ] || tz_fail "oversize batch: $out"
kill -0 "$COLLECTOR_PID" || tz_fail "the collector died on an oversize frame"
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --first-seq 51 --batches 1 --events 5) ||
    tz_fail "a small batch after an oversize one: $out"
[ "$(tz_rows "$TZ_TMP/store4")" -eq 5 ] ||
    tz_fail "expected only the 5 events of the small batch"
tz_stop "$COLLECTOR_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"

# unreachable brokers: batches are stored and acked at full speed, the outage is logged,
# /metrics shows the lag (events and seconds), SIGTERM waits kafka.flush_timeout_ms at most
# and exits 0; nothing is lost: the events stay after the cursors
port=$(tz_free_port)
tz_start_collector nokafka --store "$TZ_TMP/store3" --listen "tcp://127.0.0.1:$port" --insecure \
    --kafka-brokers 127.0.0.1:1 --set kafka.flush_timeout_ms=2000
out=$(timeout 60 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --batches 3 --events 20) ||
    tz_fail "sending with Kafka down: $out"
elapsed=$(tz_json "$out" elapsed_s)
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 3 else 1)" "$elapsed" ||
    tz_fail "Kafka being down slowed ingest: ${elapsed}s for 3 batches"
[ "$(tz_rows "$TZ_TMP/store3")" -eq 60 ] || tz_fail "events not stored while Kafka is down"
tz_wait_for 15 grep -q "kafka" "$TZ_TMP/nokafka.log" || tz_fail "the Kafka outage was not logged"
sleep 1.5
lag=$(tz_metric 'tanzhen_collector_forward_lag_events{topic="events"}')
[ "$lag" = 42 ] || tz_fail "metrics: events lag $lag, expected 42 (ics, flow, anomaly of 60)"
secs=$(tz_metric 'tanzhen_collector_forward_lag_seconds{topic="health"}')
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 1 else 1)" "$secs" ||
    tz_fail "metrics: health lag of $secs s, expected at least 1 s"
t0=$SECONDS
tz_stop "$COLLECTOR_PID" 15
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC with Kafka down"
[ $((SECONDS - t0)) -le 8 ] || tz_fail "shutdown took $((SECONDS - t0)) s with a 2 s flush timeout"
grep -q "not delivered after 2000 ms" "$TZ_TMP/nokafka.log" || tz_fail "undelivered messages not reported"
[ "$(sqlite3 "$TZ_TMP/store3/meta.db" "SELECT coalesce(max(pos), 0) FROM cursors")" -eq 0 ] ||
    tz_fail "a cursor moved without a delivery report"
echo "collector_errors: ok ($cases bad inputs refused cleanly; Kafka outage only delays)"
