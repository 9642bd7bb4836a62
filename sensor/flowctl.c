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
    f->inflight = 0;
    f->wait_start_us = now;
    f->silence_us = 0;
    f->acked_sent_us = 0;
}

void flowctl_on_acked(struct flowctl *f, uint64_t sent_us)
{
    if (sent_us > f->acked_sent_us)
        f->acked_sent_us = sent_us;
}

int flowctl_resend_due(const struct flowctl *f, uint64_t sent_us, uint32_t sends,
                       uint64_t last_ack_us, uint64_t now)
{
    if (!sent_us)
        return 1; /* never sent on this connection */
    uint32_t shift = sends > 5 ? 4 : sends ? sends - 1 : 0;
    uint64_t wait = flowctl_resend_wait(f);
    if (now - sent_us < wait << shift)
        return 0;
    /* a batch sent after this one was acked: this one, or its ack, was lost */
    if (f->acked_sent_us > sent_us)
        return 1;
    /* no ack since: busy, or gone (then the connection drops and all is sent again) */
    uint64_t silent = wait > FLOW_SILENT_MIN_US ? wait : FLOW_SILENT_MIN_US;
    return now - last_ack_us >= silent && now - sent_us >= silent << shift;
}

void flowctl_on_send(struct flowctl *f, uint64_t now)
{
    if (f->inflight++ == 0)
        f->wait_start_us = now;
}

void flowctl_on_reconnect(struct flowctl *f)
{
    f->inflight = 0;
}

int flowctl_on_ack(struct flowctl *f, const struct wire_ack *a, uint64_t now)
{
    if (a->version >= 2) {
        f->credit = a->credit;
        f->backlog = a->backlog;
    }
    if (f->inflight > 0) {
        /* how long the collector kept us waiting: remembered at its longest, forgotten
         * slowly (1/64 of the excess per ack) */
        uint64_t gap = now - f->wait_start_us;
        if (gap > FLOW_SILENCE_MAX_US)
            gap = FLOW_SILENCE_MAX_US;
        f->silence_us = gap > f->silence_us ? gap : f->silence_us - (f->silence_us - gap) / 64;
        f->inflight--;
        f->wait_start_us = now;
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
    uint64_t wait = f->resend_us + extra;
    return wait > 2 * f->silence_us ? wait : 2 * f->silence_us;
}

int flowctl_may_send(const struct flowctl *f, uint64_t now)
{
    return now >= f->refused_until_us;
}
