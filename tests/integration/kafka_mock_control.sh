#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kafka_mock_control.sh - the fault tests' handle on tanzhen-kafka-mock: commands on its
# standard input take the brokers down and up and inject request errors while it runs.
# kcat produce fails while the brokers are down (connection refused) and works again
# after "up"; an injected non-retriable Produce error fails exactly the next request; an
# injected retriable one is retried through; SIGUSR1/SIGUSR2 do down/up; a bad command is
# answered with an error line and the mock goes on; SIGTERM still exits 0.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

tz_need "$TZ_BUILD/collector/tanzhen-kafka-mock" kcat timeout

tz_start_mock_ctl --brokers 2 --partitions 1 --topic-prefix ctl
echo "mock at $BOOTSTRAP"

# produce MESSAGE: kcat's exit status for one message, delivery waited for at most 4 s
produce() {
    echo "$1" | timeout 20 kcat -b "$BOOTSTRAP" -P -t ctl.events -X message.timeout.ms=4000 \
        -X enable.idempotence=true 2>>"$TZ_TMP/kcat.log"
}
consume() {
    timeout 20 kcat -b "$BOOTSTRAP" -C -t ctl.events -o beginning -e -q 2>>"$TZ_TMP/kcat.log"
}

produce m1 || tz_fail "produce with the brokers up failed"

tz_mock_ctl down
t0=$SECONDS
if produce m-down; then tz_fail "produce succeeded while every broker was down"; fi
echo "down: produce failed after $((SECONDS - t0)) s (as it must)"
tz_mock_ctl up
produce m2 || tz_fail "produce after 'up' failed"

# one broker down of two: the leader of ctl.events may be either; the cluster answers
tz_mock_ctl down 2
tz_mock_ctl up 2

# a non-retriable error fails exactly the next Produce request
tz_mock_ctl errors Produce 1 MSG_SIZE_TOO_LARGE
[ "$TZ_MOCK_REPLY" = "ok errors Produce 1 MSG_SIZE_TOO_LARGE" ] || tz_fail "reply '$TZ_MOCK_REPLY'"
if produce m-rejected; then tz_fail "produce succeeded despite an injected MSG_SIZE_TOO_LARGE"; fi
grep -q "Message size too large" "$TZ_TMP/kcat.log" || tz_fail "kcat did not see the injected error"
produce m3 || tz_fail "produce after the injected error was used up failed"
# retriable errors are retried by the (idempotent) producer until delivered
tz_mock_ctl errors 0 3 NOT_ENOUGH_REPLICAS
produce m4 || tz_fail "produce through 3 retriable errors failed"
# errors that are cleared are not returned
tz_mock_ctl errors Produce 5 RD_KAFKA_RESP_ERR_INVALID_MSG
tz_mock_ctl clear Produce
produce m5 || tz_fail "produce after 'clear Produce' failed"

# the signals
kill -USR1 "$MOCK_PID"
tz_wait_for 10 _tz_log_has mock "SIGUSR1: every broker down" || tz_fail "no SIGUSR1 line"
if produce m-usr1; then tz_fail "produce succeeded after SIGUSR1"; fi
kill -USR2 "$MOCK_PID"
tz_wait_for 10 _tz_log_has mock "SIGUSR2: every broker up" || tz_fail "no SIGUSR2 line"
produce m6 || tz_fail "produce after SIGUSR2 failed"

# bad commands: an error answer, the mock lives on
for bad in "bogus" "errors Nope 1 INVALID_MSG" "errors Produce 0 INVALID_MSG" \
    "errors Produce 1 NO_SUCH_ERROR" "down 9" "up x y"; do
    before=$(wc -l <"$TZ_TMP/mock.out")
    echo "$bad" >&"$MOCK_CTL_FD"
    tz_wait_for 10 _tz_lines_above "$TZ_TMP/mock.out" "$before" || tz_fail "no answer to '$bad'"
    ans=$(sed -n "$((before + 1))p" "$TZ_TMP/mock.out")
    [[ "$ans" == error:* ]] || tz_fail "'$bad' answered '$ans'"
done
kill -0 "$MOCK_PID" || tz_fail "the mock died on a bad command"

got=$(consume | tr '\n' ' ')
[ "$got" = "m1 m2 m3 m4 m5 m6 " ] || tz_fail "consumed '$got', expected 'm1 m2 m3 m4 m5 m6 '"

tz_stop "$MOCK_PID" 10
[ "$TZ_RC" -eq 0 ] || tz_fail "mock exited with $TZ_RC after SIGTERM"
echo "kafka_mock_control: ok (down/up by command and signal, injected Produce errors, 6/6 delivered)"
