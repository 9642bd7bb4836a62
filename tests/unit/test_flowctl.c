/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_flowctl.c - the sensor's ack handling for flow control (sensor/flowctl.c): the
 * window follows the collector's credit (at least 1, at most FLOW_WINDOW), version-1 acks
 * leave it alone, the resend wait grows with the collector's backlog times the smoothed
 * time between stored acks (capped), and a REFUSED ack pauses sending for
 * FLOW_REFUSED_PAUSE_US while RETRY and REJECTED do not.
 */
#include <criterion/criterion.h>

#include "flowctl.h"

static struct wire_ack ack(uint8_t ver, uint8_t status, uint32_t backlog, uint32_t credit)
{
    struct wire_ack a = {.version = ver, .status = status, .batch_seq = 1,
                         .backlog = backlog, .credit = credit};
    return a;
}

Test(flowctl, window_follows_the_credit)
{
    struct flowctl f;
    flowctl_init(&f, 5000000, 0);
    cr_assert_eq(flowctl_window(&f), FLOW_WINDOW, "before any version-2 ack");
    struct wire_ack a = ack(2, WIRE_ACK_STORED, 3, 7);
    cr_assert_eq(flowctl_on_ack(&f, &a, 1000), WIRE_ACK_STORED);
    cr_assert_eq(flowctl_window(&f), 7);
    a = ack(2, WIRE_ACK_STORED, 40, 0);
    flowctl_on_ack(&f, &a, 2000);
    cr_assert_eq(flowctl_window(&f), 1, "credit 0 still lets one batch move");
    a = ack(2, WIRE_ACK_STORED, 0, 0xFFFFFFFFu);
    flowctl_on_ack(&f, &a, 3000);
    cr_assert_eq(flowctl_window(&f), FLOW_WINDOW, "bounded by the sensor's own window");
    a = ack(2, WIRE_ACK_STORED, 0, 5);
    flowctl_on_ack(&f, &a, 4000);
    a = ack(1, WIRE_ACK_STORED, 0, 0);
    flowctl_on_ack(&f, &a, 5000);
    cr_assert_eq(flowctl_window(&f), 5, "a version-1 ack carries no credit");
}

Test(flowctl, resend_wait_grows_with_the_backlog)
{
    struct flowctl f;
    flowctl_init(&f, 5000000, 0);
    cr_assert_eq(flowctl_resend_wait(&f), 5000000);
    /* stored acks 10 ms apart */
    for (uint64_t t = 10000; t <= 200000; t += 10000) {
        struct wire_ack a = ack(2, WIRE_ACK_STORED, 0, 32);
        flowctl_on_ack(&f, &a, t);
    }
    cr_assert_eq(f.ack_gap_us, 10000);
    cr_assert_eq(flowctl_resend_wait(&f), 5000000, "no backlog: resend_ms");
    struct wire_ack a = ack(2, WIRE_ACK_STORED, 300, 0);
    flowctl_on_ack(&f, &a, 210000);
    cr_assert_eq(flowctl_resend_wait(&f), 5000000 + 300 * 10000);
    a = ack(2, WIRE_ACK_STORED, 1000000, 0);
    flowctl_on_ack(&f, &a, 220000);
    cr_assert_eq(flowctl_resend_wait(&f), 5000000 + FLOW_BACKLOG_WAIT_MAX_US, "capped");
    /* one slow commit moves the average by an eighth of its excess */
    a = ack(2, WIRE_ACK_STORED, 0, 32);
    flowctl_on_ack(&f, &a, 220000 + 810000);
    cr_assert_eq(f.ack_gap_us, 10000 - 10000 / 8 + 810000 / 8);
}

Test(flowctl, refused_pauses_sending_retry_does_not)
{
    struct flowctl f;
    flowctl_init(&f, 5000000, 0);
    cr_assert(flowctl_may_send(&f, 1));
    struct wire_ack a = ack(2, WIRE_ACK_RETRY, 0, 32);
    a.reason = WIRE_REASON_STORE_FULL;
    cr_assert_eq(flowctl_on_ack(&f, &a, 100), WIRE_ACK_RETRY);
    cr_assert(flowctl_may_send(&f, 101));
    a = ack(2, WIRE_ACK_REJECTED, 0, 32);
    flowctl_on_ack(&f, &a, 200);
    cr_assert(flowctl_may_send(&f, 201));
    uint64_t last = f.last_stored_us;
    a = ack(2, WIRE_ACK_REFUSED, 0, 32);
    a.reason = WIRE_REASON_SENSOR_MISMATCH;
    cr_assert_eq(flowctl_on_ack(&f, &a, 1000000), WIRE_ACK_REFUSED);
    cr_assert(!flowctl_may_send(&f, 1000001));
    cr_assert(!flowctl_may_send(&f, 1000000 + FLOW_REFUSED_PAUSE_US - 1));
    cr_assert(flowctl_may_send(&f, 1000000 + FLOW_REFUSED_PAUSE_US));
    cr_assert_eq(f.last_stored_us, last, "a refusal is no progress");
}

/* a collector that stays silent for 9 s while it commits a large group: the next batches
 * are left alone at least twice that long instead of resent after output.resend_ms; the
 * memory of it fades slowly; idle time with nothing in flight does not count */
Test(flowctl, a_long_silence_with_batches_in_flight_lengthens_the_wait)
{
    struct flowctl f;
    flowctl_init(&f, 5000000, 0);
    for (int i = 0; i < 32; i++)
        flowctl_on_send(&f, 1000);
    struct wire_ack a = ack(2, WIRE_ACK_STORED, 31, 1);
    flowctl_on_ack(&f, &a, 9001000);
    cr_assert_eq(f.silence_us, 9000000);
    cr_assert_geq(flowctl_resend_wait(&f), 18000000);
    for (uint32_t i = 30; i < 31; i--) {
        a = ack(2, WIRE_ACK_STORED, i, 32 - i);
        flowctl_on_ack(&f, &a, 9001000 + (31 - i) * 10);
    }
    cr_assert_eq(f.inflight, 0);
    cr_assert_gt(f.silence_us, 5000000, "forgotten slowly");
    cr_assert_lt(f.silence_us, 9000000);
    /* an hour idle, then one quick answer: the idle hour is no silence */
    uint64_t before = f.silence_us;
    flowctl_on_send(&f, 3600000000ull);
    a = ack(2, WIRE_ACK_STORED, 0, 32);
    flowctl_on_ack(&f, &a, 3600000000ull + 2000);
    cr_assert_lt(f.silence_us, before);
    /* a reconnect forgets what was in flight on the old connection */
    flowctl_on_send(&f, 3700000000ull);
    flowctl_on_reconnect(&f);
    cr_assert_eq(f.inflight, 0);
}

/* a batch is taken for lost early only when a later one was acked; with no ack at all the
 * collector is busy (or gone, and then the connection drops): at least FLOW_SILENT_MIN_US */
Test(flowctl, resend_only_what_a_later_ack_shows_lost)
{
    struct flowctl f;
    flowctl_init(&f, 5000000, 0);
    cr_assert(flowctl_resend_due(&f, 0, 0, 0, 1), "never sent: due");
    /* sent at 1 s, nothing acked since: not due at 6 s, nor at 30 s; due at 31 s */
    cr_assert(!flowctl_resend_due(&f, 1000000, 1, 0, 6000001));
    cr_assert(!flowctl_resend_due(&f, 1000000, 1, 0, 30000000));
    cr_assert(flowctl_resend_due(&f, 1000000, 1, 0, 31000001));
    /* a batch sent at 2 s is acked at 3 s: the one sent at 1 s is due once resend_ms passed */
    flowctl_on_acked(&f, 2000000);
    cr_assert(!flowctl_resend_due(&f, 1000000, 1, 3000000, 5999999));
    cr_assert(flowctl_resend_due(&f, 1000000, 1, 3000000, 6000000));
    /* ... but not one sent after the acked one */
    cr_assert(!flowctl_resend_due(&f, 2500000, 1, 3000000, 9000000));
    /* the second resend waits twice as long */
    cr_assert(!flowctl_resend_due(&f, 1000000, 2, 3000000, 10999999));
    cr_assert(flowctl_resend_due(&f, 1000000, 2, 3000000, 11000000));
}
