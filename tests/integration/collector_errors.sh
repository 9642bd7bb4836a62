#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# collector_errors.sh - bad input at start-up gives one clear message and a non-zero exit
# (2: usage/config, 1: start-up failure), never a crash; unreachable Kafka brokers only
# delay forwarding; --check-config, --dump-config (and its round trip), --help, --version.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

COL="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$COL" timeout sqlite3
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
expect 2 "unknown key 'receiver.bogus_key'" -c "$TZ_TMP/unknown.yaml" --check-config
printf 'nosuchsection:\n  a: 1\n' >"$TZ_TMP/section.yaml"
expect 2 "unknown section 'nosuchsection'" -c "$TZ_TMP/section.yaml"
printf 'receiver:\n  max_batch_events: 0\n' >"$TZ_TMP/bounds.yaml"
expect 2 "receiver.max_batch_events: 0 is out of bounds" -c "$TZ_TMP/bounds.yaml"
printf 'receiver:\n  listen: "unterminated\n' >"$TZ_TMP/syntax.yaml"
expect 2 "YAML error" -c "$TZ_TMP/syntax.yaml"
expect 2 "cannot open" -c "$TZ_TMP/missing.yaml"
expect 2 "unknown key 'no.such'" --set no.such=1
expect 2 "not an integer" --set kafka.flush_timeout_ms=soon
expect 2 "store.synchronous" --set store.synchronous=sometimes
expect 2 "kafka.topic_prefix" --kafka-topic-prefix 'bad prefix!'
expect 2 "log.level" --set log.level=loud
expect 2 "receiver.listen: 'localhost:7700' must be tcp" --listen localhost:7700
expect 2 "lacks a host or a port" --listen tcp://127.0.0.1
expect 2 "unexpected argument" stray
expect 2 "unrecognized option" --no-such-option

# start-up failures: exit 1
expect 1 "store.dir /dev/null/tz: cannot create" --store /dev/null/tz --listen tcp://127.0.0.1:1
expect 1 "cannot bind" --store "$store" --listen "tcp://127.0.0.1:notaport"
expect 1 "cannot bind" --store "$store" --listen "tcp://256.1.1.1:7700"
expect 1 "kafka property no.such.property=1" --store "$store" --kafka-brokers 127.0.0.1:1 \
    --set kafka.properties=no.such.property=1 --listen tcp://127.0.0.1:1
port=$(tz_free_port)
tz_start_collector first --store "$store" --listen "tcp://127.0.0.1:$port"
expect 1 "Address already in use" --store "$TZ_TMP/store2" --listen "tcp://127.0.0.1:$port"
tz_stop "$COLLECTOR_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"

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
for k in receiver.listen store.dir kafka.brokers kafka.topic_prefix kafka.properties; do
    grep -q "$k" "$TZ_TMP/help.txt" || tz_fail "--help lacks $k"
done
timeout 10 "$COL" --version | grep -q "^tanzhen-collector [0-9]" || tz_fail "--version"

# a frame above receiver.max_batch_bytes: ZeroMQ drops that connection (no ack), the
# collector goes on and takes the next, smaller batch
port=$(tz_free_port)
tz_start_collector small --store "$TZ_TMP/store4" --listen "tcp://127.0.0.1:$port" \
    --set receiver.max_batch_bytes=4096
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --batches 1 --events 50 --timeout 2) &&
    tz_fail "an oversize batch was acked: $out"
[ "$(tz_json "$out" missing_acks)" -eq 1 ] || tz_fail "oversize batch: $out"
kill -0 "$COLLECTOR_PID" || tz_fail "the collector died on an oversize frame"
out=$(timeout 30 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --first-seq 51 --batches 1 --events 5) ||
    tz_fail "a small batch after an oversize one: $out"
[ "$(sqlite3 "$TZ_TMP/store4/events.db" 'SELECT count(*) FROM events')" -eq 5 ] ||
    tz_fail "expected only the 5 events of the small batch"
tz_stop "$COLLECTOR_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"

# unreachable brokers: batches are stored and acked, the outage is logged, SIGTERM flushes
# for kafka.flush_timeout_ms at most and exits 0
port=$(tz_free_port)
# (a producer queue of 10 messages: the other 50 events are dropped from forwarding after
# one wait of kafka.queue_full_wait_ms, not one wait per event)
tz_start_collector nokafka --store "$TZ_TMP/store3" --listen "tcp://127.0.0.1:$port" \
    --kafka-brokers 127.0.0.1:1 --set kafka.flush_timeout_ms=2000 \
    --set kafka.properties=queue.buffering.max.messages=10 --set kafka.queue_full_wait_ms=500
out=$(timeout 60 "${TZ_SEND[@]}" "tcp://127.0.0.1:$port" --batches 3 --events 20) ||
    tz_fail "sending with Kafka down: $out"
elapsed=$(tz_json "$out" elapsed_s)
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 3 else 1)" "$elapsed" ||
    tz_fail "a full producer queue slowed ingest: ${elapsed}s for 3 batches"
[ "$(sqlite3 "$TZ_TMP/store3/events.db" 'SELECT count(*) FROM events')" -eq 60 ] ||
    tz_fail "events not stored while Kafka is down"
tz_wait_for 15 grep -q "kafka" "$TZ_TMP/nokafka.log" || tz_fail "the Kafka outage was not logged"
t0=$SECONDS
tz_stop "$COLLECTOR_PID" 15
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC with Kafka down"
[ $((SECONDS - t0)) -le 8 ] || tz_fail "shutdown took $((SECONDS - t0)) s with a 2 s flush timeout"
grep -q "not delivered" "$TZ_TMP/nokafka.log" || tz_fail "undelivered messages not reported"
grep -q "kafka queued 10, delivered 0 .*dropped 50" "$TZ_TMP/nokafka.log" ||
    tz_fail "expected 10 queued and 50 dropped in the stats"
echo "collector_errors: ok ($cases bad inputs refused cleanly; Kafka outage only delays)"
