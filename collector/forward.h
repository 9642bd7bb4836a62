/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forward.h - the Kafka forwarder (librdkafka producer). ics, flow and anomaly events go to
 * PREFIX.events, alert to PREFIX.alerts, asset to PREFIX.assets, health to PREFIX.health;
 * the value is the event as received, the key its community_id (else its sensor id) so one
 * flow's events land on one partition in order. Brokers that cannot be reached only delay
 * delivery. Single-threaded use: forward_event and forward_poll from the owner's thread.
 */
#ifndef TZ_FORWARD_H
#define TZ_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

enum fwd_topic { FWD_EVENTS, FWD_ALERTS, FWD_ASSETS, FWD_HEALTH, FWD_TOPIC_COUNT };

struct forward_opts {
    const char *brokers;    /* empty or NULL: forwarding is off, forward_event is a no-op */
    const char *prefix;
    const char *properties; /* "k=v\n" lines for librdkafka, applied after the defaults */
    int queue_wait_ms;      /* how long forward_event waits on a full queue */
};

struct forward_stats {
    uint64_t queued[FWD_TOPIC_COUNT];
    uint64_t delivered[FWD_TOPIC_COUNT];
    uint64_t failed;        /* delivery reports with an error */
    uint64_t dropped;       /* not queued: queue full after queue_wait_ms, or other errors */
};

struct forward;

/* On success *out is owned by the caller (forward_close). A bad property is an error. */
int forward_open(struct forward **out, const struct forward_opts *o, char *err,
                 size_t errlen);
/* Flushes for at most flush_ms, then frees f. Returns the messages left undelivered. */
long forward_close(struct forward *f, int flush_ms);
int forward_enabled(const struct forward *f);
enum fwd_topic forward_topic_of(enum ev_type t);
/* The full topic name of t (owned by f). */
const char *forward_topic_name(const struct forward *f, enum fwd_topic t);
/* Queues one event. Returns 0, or -1 when it was dropped (counted). */
int forward_event(struct forward *f, const struct ev *e);
/* Serves delivery reports and errors; never blocks. */
void forward_poll(struct forward *f);
void forward_get_stats(const struct forward *f, struct forward_stats *st);
/* Messages queued and not yet delivered or failed. */
long forward_outq(const struct forward *f);

#endif
