/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.h - one received batch parsed into events (common/wire.h for the framing,
 * EVENTS.md for the envelope). The receiver parses, the store writes, the forwarder sends:
 * all three work on struct ev, the parsed view of one event line. Each event is parsed
 * once; its tree (ev.root) is built in the batch's arena (arena.h), not one heap allocation
 * per value, and is dropped whole when the batch is cleared or parsed again.
 */
#ifndef TZ_BATCH_H
#define TZ_BATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "wire.h"

enum ev_type { EV_ICS, EV_FLOW, EV_ALERT, EV_ANOMALY, EV_HEALTH, EV_ASSET, EV_TYPE_COUNT };

/* Kafka topics: ics, flow and anomaly go to PREFIX.events, alert to PREFIX.alerts, asset
 * to PREFIX.assets, health to PREFIX.health. The store keeps the topic of each event. */
enum ev_topic { TOPIC_EVENTS, TOPIC_ALERTS, TOPIC_ASSETS, TOPIC_HEALTH, TOPIC_COUNT };

struct ev {
    const char *line;     /* the event as received, in the batch body; not NUL-terminated */
    size_t line_len;
    enum ev_type type;
    int64_t seq;
    int64_t ts_us;
    /* these point into root and live as long as it; NULL when the field is absent */
    const char *id;
    const char *sensor;
    const char *proto;
    const char *src_ip, *dst_ip;
    const char *community_id;
    int64_t src_port, dst_port; /* -1 when absent */
    int stored;                 /* set by store_put: 1 inserted, 0 already there */
    /* The whole event, in the batch's arena: borrowed and read-only for everyone (store,
     * forwarder, analytics). It lives until batch_clear, batch_parse or batch_free of its
     * batch; json_decref, json_incref or changing it is not allowed (a value added outside
     * batch_parse would be on the heap and leak). To keep anything, copy it out first
     * (json_deep_copy, or the strings; outside batch_parse that goes to the heap). */
    json_t *root;
};

struct batch {
    struct wire_batch_hdr hdr;
    struct ev *ev; /* n parsed events; owned */
    size_t n;
    size_t cap;
    struct arena arena; /* the events' trees; a zeroed batch gets the default sizes */
    uint64_t kept_refs; /* roots found with another reference at batch_clear (a bug) */
};

const char *ev_type_name(enum ev_type t);
enum ev_topic ev_topic_of(enum ev_type t);
/* "events", "alerts", "assets", "health" */
const char *ev_topic_name(enum ev_topic t);

/* Parses `body` (hdr.count lines, each one JSON object ending in '\n') into b, which keeps
 * pointers into body: body must outlive the use of b. Every line must be a JSON object
 * with the envelope of EVENTS.md, `sensor` equal to the header's and `seq` running from
 * first_seq. Returns 0, or -1 with err naming the line and the fault (b is then empty).
 * max_events caps hdr.count before anything is allocated. */
int batch_parse(struct batch *b, const struct wire_batch_hdr *hdr, const char *body,
                size_t len, size_t max_events, char *err, size_t errlen);
/* Drops the parsed events and their trees (resets the arena; keeps the event array and up
 * to the arena's `retain` bytes for the next batch). */
void batch_clear(struct batch *b);
void batch_free(struct batch *b);

#endif
