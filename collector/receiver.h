/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver.h - the collector's receive loop: a ZeroMQ ROUTER bound at receiver.listen
 * takes sensor batches (two frames after the peer identity: wire header, JSONL body;
 * common/wire.h), has each parsed, stored and acked, then hands the stored events to the
 * forwarder. receiver_handle() is the whole per-batch decision without any socket, so
 * tests drive it directly. One thread owns a struct receiver.
 */
#ifndef TZ_RECEIVER_H
#define TZ_RECEIVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "forward.h"
#include "store.h"

struct receiver_stats {
    uint64_t batches;          /* batches handled, whatever their fate */
    uint64_t batches_stored;   /* acked STORED (including pure duplicates) */
    uint64_t batches_rejected; /* acked REJECTED: malformed */
    uint64_t batches_retry;    /* acked RETRY: the store failed */
    uint64_t events_stored;
    uint64_t events_duplicate;
    uint64_t bytes;            /* body bytes of handled batches */
    uint64_t acks_unsent;      /* the ack could not be queued (peer gone or its queue full) */
};

struct receiver_opts {
    const char *listen;
    size_t max_batch_events;
    int64_t max_batch_bytes;
    int stats_interval_s;      /* 0: stats only at exit */
};

struct receiver;

/* Creates the receiver over s and f (borrowed; f may forward nothing). With a NULL
 * o->listen no socket is made (receiver_handle only). */
int receiver_open(struct receiver **out, const struct receiver_opts *o, struct store *s,
                  struct forward *f, char *err, size_t errlen);
void receiver_close(struct receiver *r);
/* Parses and stores one batch; returns the ack status (enum wire_ack_status) and sets
 * *batch_seq (0 when the header could not be read). The batch stays parsed, pointing into
 * body, until receiver_forward() (the ack is sent in between, so forwarding never delays
 * it). */
int receiver_handle(struct receiver *r, const uint8_t *hdr, size_t hlen, const char *body,
                    size_t blen, uint64_t *batch_seq);
/* Hands the events the last receiver_handle() newly stored to the forwarder, then drops
 * the parsed batch. */
void receiver_forward(struct receiver *r);
/* Runs until *stop is set (by a signal handler). Returns 0, or -1 on a socket failure. */
int receiver_run(struct receiver *r, volatile sig_atomic_t *stop);
void receiver_get_stats(const struct receiver *r, struct receiver_stats *st);
void receiver_log_stats(const struct receiver *r);

#endif
