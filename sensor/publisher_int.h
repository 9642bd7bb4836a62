/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publisher_int.h - the publisher thread's state, shared by its two files: publisher.c
 * (numbering, --jsonl, sealing batches into the spool, heartbeats, the end of a replay)
 * and pub_link.c (the DEALER socket: sending, resending, acks, flow control, the socket
 * monitor). Owned by the publisher thread only.
 */
#ifndef TZ_PUBLISHER_INT_H
#define TZ_PUBLISHER_INT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "flowctl.h"
#include "sensor.h"
#include "seqstore.h"
#include "spool.h"
#include "wire.h"

#define PUB_WARN_EVERY_US 30000000u  /* rate limit of repeated warnings */

struct publisher {
    struct sensor *s;
    FILE *jsonl;
    int jsonl_is_stdout;
    char *jsonl_buf; /* without a collector: lines are finished here, then written whole */
    size_t jsonl_len;
    void *zctx, *zsock, *zmon;
    char *line;
    char *batch;
    size_t batch_len, batch_cap;
    uint32_t batch_count;
    uint64_t batch_first_seq;
    uint64_t batch_started_us;
    char *readbuf; /* a spooled body read back from disk */
    struct seqstore seq;
    struct spool *sp;
    struct flowctl fc;            /* credit, backlog, resend wait, refusal pause */
    int spool_disk;
    uint64_t last_sync_us;
    uint64_t last_ack_us;         /* last ack of any kind, or the last handshake */
    uint64_t sealed, acked, rejected, refused;
    uint64_t acked_events;        /* events in batches acked STORED */
    int gave_up;                  /* a replay waited output.ack_wait_s without progress */
    uint64_t unused_from, unused_to; /* unclean restart: seqs reserved and never used */
    uint64_t abandoned_events;    /* numbered after gave_up: never batched */
    int connected, ever_connected;
    struct spool_loss loss;       /* dropped since the last spool_overflow anomaly */
    const char *loss_why;
    uint64_t give_up_us;          /* replay after a stop request: stop waiting at this time */
    uint64_t warn_wait_us, warn_link_us, warn_auth_us, warn_reject, warn_refused_us;
    uint32_t health_idx, anomaly_idx;
    uint64_t next_health_us;
    int status;
};

static inline void set_stat(_Atomic uint64_t *a, uint64_t v)
{
    atomic_store_explicit(a, v, memory_order_relaxed);
}

static inline void add_stat(_Atomic uint64_t *a, uint64_t v)
{
    atomic_fetch_add_explicit(a, v, memory_order_relaxed);
}

/* pub_link.c */
/* Opens the DEALER socket (CURVE unless output.curve is off) and its monitor, connects. */
int pub_open_socket(struct publisher *p, const struct sensor_config *c, char *err,
                    size_t errlen);
/* Copies the spool's figures into the counters the health heartbeat reads. */
void pub_publish_stats(struct publisher *p);
/* Adds what the spool dropped to the loss reported by the next spool_overflow anomaly. */
void pub_loss_note(struct publisher *p, const struct spool_loss *l, const char *why);
/* Sends what is due, oldest first, within the collector's credit. */
void pub_pump(struct publisher *p);
/* fdatasync of the open spool segment and the ack mark, at most every SPOOL_SYNC_MS. */
void pub_maybe_sync(struct publisher *p, uint64_t mono);
/* Waits up to timeout_ms for acks and socket events, handles them, sends what is due. */
void pub_poll_io(struct publisher *p, long timeout_ms);

#endif
