/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowctl.c - credit window, backlog-scaled resend wait and the refusal pause (see
 * flowctl.h). The time between stored acks is an exponentially weighted average (each new
 * gap counts 1/8), so one slow commit does not make the sensor wait long for every batch.
 */
#include "flowctl.h"

void flowctl_init(struct flowctl *f, uint64_t resend_us, uint64_t now)
{
    f->resend_us = resend_us;
    f->credit = FLOW_WINDOW;
    f->backlog = 0;
    f->ack_gap_us = 0;
    f->last_stored_us = now;
    f->refused_until_us = 0;
}

int flowctl_on_ack(struct flowctl *f, const struct wire_ack *a, uint64_t now)
{
    if (a->version >= 2) {
        f->credit = a->credit;
        f->backlog = a->backlog;
    }
    if (a->status == WIRE_ACK_REFUSED) {
        f->refused_until_us = now + FLOW_REFUSED_PAUSE_US;
    } else if (a->status == WIRE_ACK_STORED) {
        uint64_t gap = now - f->last_stored_us;
        f->ack_gap_us = f->ack_gap_us ? f->ack_gap_us - f->ack_gap_us / 8 + gap / 8 : gap;
        f->last_stored_us = now;
    }
    return a->status;
}

uint32_t flowctl_window(const struct flowctl *f)
{
    /* at least 1: with nothing in flight no ack would ever bring more credit */
    return f->credit < 1 ? 1 : f->credit > FLOW_WINDOW ? FLOW_WINDOW : f->credit;
}

uint64_t flowctl_resend_wait(const struct flowctl *f)
{
    uint64_t extra = (uint64_t)f->backlog * f->ack_gap_us;
    if (extra > FLOW_BACKLOG_WAIT_MAX_US)
        extra = FLOW_BACKLOG_WAIT_MAX_US;
    return f->resend_us + extra;
}

int flowctl_may_send(const struct flowctl *f, uint64_t now)
{
    return now >= f->refused_until_us;
}
