/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver.h - the collector's receive loop: a ZeroMQ ROUTER bound at receiver.listen
 * (CURVE server, sensors authenticated by auth.h, unless receiver.curve is off) takes
 * sensor batches (two frames after the peer identity: wire header, JSONL body;
 * common/wire.h). The batches waiting on the socket are parsed and stored together in one
 * transaction, then each is acked: STORED once committed, REJECTED when malformed, RETRY
 * when the store failed. receiver_handle() is the per-batch decision without any socket,
 * so tests drive it directly. One thread owns a struct receiver.
 */
#ifndef TZ_RECEIVER_H
#define TZ_RECEIVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics.h"
#include "keys.h"
#include "metrics.h"
#include "store.h"

#define RECV_GROUP 64              /* batches stored in one transaction at most */
#define RECV_GROUP_EVENTS 50000    /* ... and events */

struct receiver_stats {
    uint64_t batches;          /* batches handled, whatever their fate */
    uint64_t batches_stored;   /* acked STORED (including pure duplicates) */
    uint64_t batches_rejected; /* acked REJECTED: malformed, or too many sensors */
    uint64_t batches_retry;    /* acked RETRY: the store failed */
    uint64_t events_stored;
    uint64_t events_duplicate;
    uint64_t bytes;            /* body bytes of handled batches */
    uint64_t acks_unsent;      /* the ack could not be queued (peer gone or its queue full) */
};

struct receiver_opts {
    const char *listen;        /* NULL: no socket (receiver_handle only) */
    size_t max_batch_events;
    int64_t max_batch_bytes;
    int stats_interval_s;      /* 0: stats only at exit */
    int curve;                 /* CURVE server; needs server_secret and allow */
    const uint8_t *server_secret;  /* 32 bytes */
    struct allow_list *allow;  /* taken: freed with the receiver */
    struct metrics *metrics;   /* may be NULL */
    const char *self_id;       /* sensor id of the collector's own health events */
    int health_interval_s;     /* 0: no health events */
    /* the analytics engine (NULL: none): opened by the receiver with these options (its
     * emit, next_seq and ctx are the receiver's), fed with every newly stored event once
     * its batch is acked; what it produces is stored under self_id like health events */
    const struct analytics_opts *analytics;
};

struct receiver;

/* Creates the receiver over s (borrowed). With CURVE, the ZAP handler is bound before the
 * socket listens, so no connection is ever unauthenticated. */
int receiver_open(struct receiver **out, const struct receiver_opts *o, struct store *s,
                  char *err, size_t errlen);
void receiver_close(struct receiver *r);
/* Parses and stores one batch; returns the ack status (enum wire_ack_status) and sets
 * *batch_seq (0 when the header could not be read). */
int receiver_handle(struct receiver *r, const uint8_t *hdr, size_t hlen, const char *body,
                    size_t blen, uint64_t *batch_seq);
/* Runs until *stop is set (by a signal handler). Returns 0, or -1 on a socket failure. */
int receiver_run(struct receiver *r, volatile sig_atomic_t *stop);
void receiver_get_stats(const struct receiver *r, struct receiver_stats *st);
void receiver_log_stats(const struct receiver *r);
/* Stores the collector's own `health` event now (the forwarding lag, ingest counters),
 * under the sensor id opts.self_id with the next seq; it reaches P.health through the
 * outbox like any stored event. Returns the ack status it got from the store. */
int receiver_emit_health(struct receiver *r);

#endif
