/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.c - parses a batch body into events with jansson (see batch.h). It checks the
 * envelope of EVENTS.md version 1 (v, type, id, ts, sensor, seq; the optional src, dst,
 * proto, community_id have their types checked) and the framing of common/wire.h. It
 * never trusts the header's count: it is capped before it sizes anything. The trees are
 * built in the batch's arena (jansson's hooks point at it during the parse only).
 */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tztime.h"

static const char *const type_names[EV_TYPE_COUNT] = {
    [EV_ICS] = "ics",         [EV_FLOW] = "flow",     [EV_ALERT] = "alert",
    [EV_ANOMALY] = "anomaly", [EV_HEALTH] = "health", [EV_ASSET] = "asset",
};

const char *ev_type_name(enum ev_type t)
{
    return (unsigned)t < EV_TYPE_COUNT ? type_names[t] : "?";
}

enum ev_topic ev_topic_of(enum ev_type t)
{
    switch (t) {
    case EV_ALERT:
        return TOPIC_ALERTS;
    case EV_ASSET:
        return TOPIC_ASSETS;
    case EV_HEALTH:
        return TOPIC_HEALTH;
    case EV_ICS:
    case EV_FLOW:
    case EV_ANOMALY:
    case EV_TYPE_COUNT:
        break;
    }
    return TOPIC_EVENTS;
}

const char *ev_topic_name(enum ev_topic t)
{
    static const char *const names[TOPIC_COUNT] = {"events", "alerts", "assets", "health"};
    return (unsigned)t < TOPIC_COUNT ? names[t] : "?";
}

static int type_from_name(const char *s, enum ev_type *t)
{
    for (int i = 0; i < EV_TYPE_COUNT; i++) {
        if (strcmp(s, type_names[i]) == 0) {
            *t = (enum ev_type)i;
            return 0;
        }
    }
    return -1;
}

/* A string member, or NULL. *bad is set when the member exists with another type or
 * holds a NUL byte. */
static const char *opt_string(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* The `ip` and `port` of an endpoint object (src or dst), when present. */
static int parse_endpoint(json_t *root, const char *key, const char **ip, int64_t *port,
                          char *why, size_t whylen)
{
    *ip = NULL;
    *port = -1;
    json_t *o = json_object_get(root, key);
    if (!o)
        return 0;
    if (!json_is_object(o)) {
        snprintf(why, whylen, "'%s' is not an object", key);
        return -1;
    }
    int bad = 0;
    *ip = opt_string(o, "ip", &bad);
    json_t *p = json_object_get(o, "port");
    if (p && (!json_is_integer(p) || json_integer_value(p) < 0 ||
              json_integer_value(p) > 65535))
        bad = 1;
    if (bad) {
        snprintf(why, whylen, "'%s' has a bad ip or port", key);
        return -1;
    }
    if (p)
        *port = json_integer_value(p);
    return 0;
}

/* Fills e from its line; returns 0 or -1 with why. */
static int parse_event(struct ev *e, const struct wire_batch_hdr *hdr, uint64_t want_seq,
                       char *why, size_t whylen)
{
    json_error_t jerr;
    e->root = json_loadb(e->line, e->line_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!e->root) {
        snprintf(why, whylen, "not JSON: %s (column %d)", jerr.text, jerr.column);
        return -1;
    }
    json_t *root = e->root;
    if (!json_is_object(root)) {
        snprintf(why, whylen, "not a JSON object");
        return -1;
    }
    json_t *v = json_object_get(root, "v");
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        snprintf(why, whylen, "'v' is missing or not 1");
        return -1;
    }
    int bad = 0;
    const char *type = opt_string(root, "type", &bad);
    if (!type || type_from_name(type, &e->type) != 0) {
        snprintf(why, whylen, "'type' is missing or unknown");
        return -1;
    }
    e->id = opt_string(root, "id", &bad);
    if (!e->id || e->id[0] == '\0') {
        snprintf(why, whylen, "'id' is missing or empty");
        return -1;
    }
    const char *ts = opt_string(root, "ts", &bad);
    uint64_t ts_us = 0;
    if (!ts || tz_time_parse(ts, &ts_us) != 0 || ts_us > INT64_MAX) {
        snprintf(why, whylen, "'ts' is missing or not RFC 3339 UTC");
        return -1;
    }
    e->ts_us = (int64_t)ts_us;
    e->sensor = opt_string(root, "sensor", &bad);
    if (!e->sensor || strcmp(e->sensor, hdr->sensor) != 0) {
        snprintf(why, whylen, "'sensor' is missing or differs from the batch header's");
        return -1;
    }
    json_t *seq = json_object_get(root, "seq");
    if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
        (uint64_t)json_integer_value(seq) != want_seq) {
        snprintf(why, whylen, "'seq' is missing or not %llu", (unsigned long long)want_seq);
        return -1;
    }
    e->seq = json_integer_value(seq);
    e->proto = opt_string(root, "proto", &bad);
    e->community_id = opt_string(root, "community_id", &bad);
    if (bad) {
        snprintf(why, whylen, "a string field (type, id, ts, sensor, proto, community_id) "
                              "has another type");
        return -1;
    }
    if (parse_endpoint(root, "src", &e->src_ip, &e->src_port, why, whylen) != 0 ||
        parse_endpoint(root, "dst", &e->dst_ip, &e->dst_port, why, whylen) != 0)
        return -1;
    return 0;
}

int batch_parse(struct batch *b, const struct wire_batch_hdr *hdr, const char *body,
                size_t len, size_t max_events, char *err, size_t errlen)
{
    batch_clear(b);
    b->hdr = *hdr;
    if (hdr->count == 0 || hdr->count > max_events) {
        snprintf(err, errlen, "count %u is outside 1..%zu", hdr->count, max_events);
        return -1;
    }
    if (hdr->first_seq > (uint64_t)INT64_MAX - hdr->count) {
        snprintf(err, errlen, "first_seq %llu is too large",
                 (unsigned long long)hdr->first_seq);
        return -1;
    }
    if (b->cap < hdr->count) {
        struct ev *nev = realloc(b->ev, hdr->count * sizeof *nev);
        if (!nev) {
            snprintf(err, errlen, "out of memory for %u events", hdr->count);
            return -1;
        }
        b->ev = nev;
        b->cap = hdr->count;
    }
    struct arena *prev = arena_json_use(&b->arena);
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        if (!nl) {
            snprintf(err, errlen, "line %zu does not end in a newline", b->n + 1);
            goto fail;
        }
        if (b->n == hdr->count) {
            snprintf(err, errlen, "more lines than the header's count %u", hdr->count);
            goto fail;
        }
        struct ev *e = &b->ev[b->n];
        memset(e, 0, sizeof *e);
        e->line = body + pos;
        e->line_len = (size_t)(nl - (body + pos));
        b->n++; /* counted before parsing so batch_clear sees a half-parsed root */
        char why[200];
        if (parse_event(e, hdr, hdr->first_seq + (b->n - 1), why, sizeof why) != 0) {
            snprintf(err, errlen, "event %zu: %s", b->n, why);
            goto fail;
        }
        pos += e->line_len + 1;
    }
    if (b->n != hdr->count) {
        snprintf(err, errlen, "%zu lines but the header's count is %u", b->n, hdr->count);
        goto fail;
    }
    arena_json_use(prev);
    return 0;
fail:
    arena_json_use(prev);
    batch_clear(b);
    return -1;
}

void batch_clear(struct batch *b)
{
    /* The trees go with the arena, not by json_decref (each free would be a no-op, the walk
     * is what it would cost). A root somebody else still references is a broken contract
     * (batch.h): say so, it is about to point into reused memory. */
    for (size_t i = 0; i < b->n; i++) {
        if (b->ev[i].root && b->ev[i].root->refcount != 1) {
            if (b->kept_refs++ < 5)
                log_err("batch: event %zu of a batch from %s is still referenced (%zu) when "
                        "the batch is dropped; its tree is freed anyway",
                        i + 1, b->hdr.sensor, (size_t)b->ev[i].root->refcount);
        }
        b->ev[i].root = NULL;
    }
    b->n = 0;
    arena_reset(&b->arena);
}

void batch_free(struct batch *b)
{
    batch_clear(b);
    arena_free(&b->arena);
    free(b->ev);
    b->ev = NULL;
    b->cap = 0;
}
