/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox.h - the Kafka forwarder: the store is the outbox. One thread reads each topic's
 * events from the day files after that topic's persisted cursor (meta.db `cursors`),
 * applies the envelope and redaction (envelope.h), produces them with librdkafka
 * (idempotent, acks=all, lz4, then every kafka.properties entry) and moves the cursor only
 * on delivery reports, to the highest position below which everything was delivered
 * (window.h). A broker outage only delays; a restart resumes at the cursor (at-least-once:
 * Kafka may hold an event twice after a crash, never miss one). The same thread feeds the
 * lag metrics; retention runs on the store's thread (store_tick, retention.h).
 */
#ifndef TZ_OUTBOX_H
#define TZ_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "metrics.h"

struct outbox_opts {
    const char *dir;              /* store.dir */
    const char *brokers;          /* empty: no forwarding */
    const char *prefix;
    const char *properties;       /* "k=v\n" lines applied after the defaults */
    const struct envelope *env;   /* borrowed; outlives the outbox */
    int busy_timeout_ms;
    int flush_timeout_ms;         /* at stop: how long to wait for deliveries */
    int retention_days;           /* unused since retention moved to the store (kept for callers) */
    struct metrics *m;            /* borrowed */
};

struct outbox;

/* Checks the producer config (a bad property is an error), reads the cursors and starts
 * the thread. On success *out is owned by the caller (outbox_stop). */
int outbox_start(struct outbox **out, const struct outbox_opts *o, char *err, size_t errlen);
/* Stops the thread: waits at most flush_timeout_ms for deliveries, saves the cursors.
 * Returns the messages still undelivered (their events stay after the cursor). */
long outbox_stop(struct outbox *ob);

/* The topic a message goes to and its key (community_id, else the sensor id). */
const char *outbox_key(const char *community_id, const char *sensor);

#endif
