/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowctl.h - the sensor's side of flow control with the collector (common/wire.h, ack
 * version 2): how many batches may be in flight (the collector's `credit`, at least 1, at
 * most FLOW_WINDOW), how long an unacked batch is left alone before it is sent again
 * (output.resend_ms plus the collector's `backlog` times the smoothed time between two
 * stored acks, and at least twice the longest recent wait for an ack while batches were in
 * flight - a collector committing a large group is silent that long - so a busy collector
 * gets no copies of what it is still storing). A batch is taken for lost early only when a
 * batch sent after it was acked (the collector answers in order); while the collector acks
 * nothing at all it is busy or gone - a gone one drops the connection (ZMTP heartbeats) and
 * everything is sent again on the new one - so that wait is at least FLOW_SILENT_MIN_US.
 * And the
 * pause after a REFUSED ack (nothing is sent for FLOW_REFUSED_PAUSE_US). Pure arithmetic
 * on monotonic microseconds, owned by the publisher thread.
 */
#ifndef TZ_FLOWCTL_H
#define TZ_FLOWCTL_H

#include <stdint.h>

#include "wire.h"

#define FLOW_WINDOW 32                    /* batches in flight at most */
#define FLOW_REFUSED_PAUSE_US 30000000u   /* after a REFUSED ack */
#define FLOW_BACKLOG_WAIT_MAX_US 60000000u /* cap of the backlog's share of the wait */
#define FLOW_SILENCE_MAX_US 300000000u     /* cap of a remembered silence */
#define FLOW_SILENT_MIN_US 30000000u       /* no ack at all: resend after this long at least */

struct flowctl {
    uint64_t resend_us;        /* output.resend_ms */
    uint32_t credit;           /* from the last version-2 ack; FLOW_WINDOW before one */
    uint32_t backlog;          /* batches waiting at the collector (last version-2 ack) */
    uint64_t ack_gap_us;       /* smoothed time between two STORED acks (0: none yet) */
    uint64_t last_stored_us;   /* the last STORED ack, or the start */
    uint64_t refused_until_us; /* after a REFUSED ack nothing is sent before this */
    uint32_t inflight;         /* sends not yet answered (on this connection) */
    uint64_t wait_start_us;    /* since when the oldest answer is awaited */
    uint64_t silence_us;       /* longest recent wait for an ack with batches in flight */
    uint64_t acked_sent_us;    /* send time of the latest-sent batch acked so far */
};

void flowctl_init(struct flowctl *f, uint64_t resend_us, uint64_t now);
/* Takes an ack: its credit and backlog (version 2), the time between stored acks, and a
 * refusal's pause. Returns the ack's status (enum wire_ack_status). */
int flowctl_on_ack(struct flowctl *f, const struct wire_ack *a, uint64_t now);
/* A batch was sent. */
void flowctl_on_send(struct flowctl *f, uint64_t now);
/* The batch sent at sent_us was acked (STORED or REJECTED). */
void flowctl_on_acked(struct flowctl *f, uint64_t sent_us);
/* Is a batch sent at sent_us, unacked, due again at now? `sends` is how often it was sent
 * (the wait doubles per resend up to 16x); last_ack_us the last ack of any kind. */
int flowctl_resend_due(const struct flowctl *f, uint64_t sent_us, uint32_t sends,
                       uint64_t last_ack_us, uint64_t now);
/* A new connection: nothing sent before is in flight on it. */
void flowctl_on_reconnect(struct flowctl *f);
/* Batches that may be in flight now. */
uint32_t flowctl_window(const struct flowctl *f);
/* How long a sent batch waits for its ack before it is due again (first resend). */
uint64_t flowctl_resend_wait(const struct flowctl *f);
/* 0 while a refusal pause lasts. */
int flowctl_may_send(const struct flowctl *f, uint64_t now);

#endif
