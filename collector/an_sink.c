/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_sink.c - the analytics engine inside the collector (see an_sink.h). Produced events
 * are JSON lines collected into one body; the body is stored as a batch of the
 * collector's id (collector.id), whose seq continues from what the store holds for it, so
 * the engine's output is hash-chained and forwarded like the collector's health events.
 */
#include "an_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_replay.h"
#include "log.h"
#include "wire.h"

#define SINK_FLUSH_EVENTS 2000     /* produced events stored per batch at most */
#define SINK_FLUSH_BYTES (4u << 20)

struct an_sink {
    struct analytics *an;
    struct store *store;
    char self_id[WIRE_SENSOR_MAX + 1];
    an_sink_store_fn store_fn;
    void *ctx;
    char *buf; /* produced events waiting to be stored (JSON lines) */
    size_t len, cap;
    uint32_t n;
    int storing;
    uint64_t lost;
};

static void sink_flush(struct an_sink *s)
{
    if (s->n == 0 || s->storing)
        return;
    const struct sensor_state *ss = store_sensor(s->store, s->self_id);
    uint64_t first = (ss ? ss->last_seq : 0) + 1;
    struct wire_batch_hdr hd;
    memset(&hd, 0, sizeof hd);
    hd.batch_seq = first;
    hd.first_seq = first;
    hd.count = s->n;
    snprintf(hd.sensor, sizeof hd.sensor, "%s", s->self_id);
    uint8_t hdr[WIRE_HDR_MAX];
    long hn = wire_hdr_encode(&hd, hdr, sizeof hdr);
    s->storing = 1;
    int st = hn < 0 ? WIRE_ACK_REJECTED : s->store_fn(s->ctx, hdr, (size_t)hn, s->buf, s->len);
    s->storing = 0;
    if (st != WIRE_ACK_STORED) {
        s->lost += s->n;
        log_warn("analytics: %u alert/asset event(s) not stored (status %d; %llu so far)",
                 s->n, st, (unsigned long long)s->lost);
    }
    s->len = 0;
    s->n = 0;
}

/* The engine's emit callback: the line joins the pending batch. */
static int sink_emit(void *ctx, enum analytics_out_type type, const char *line, size_t len)
{
    (void)type;
    struct an_sink *s = ctx;
    if (s->len + len + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 65536;
        while (nc < s->len + len + 1)
            nc *= 2;
        char *nb = realloc(s->buf, nc);
        if (!nb) {
            s->lost++;
            return -1;
        }
        s->buf = nb;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, line, len);
    s->len += len;
    s->buf[s->len++] = '\n';
    s->n++;
    if (s->n >= SINK_FLUSH_EVENTS || s->len >= SINK_FLUSH_BYTES)
        sink_flush(s);
    return 0;
}

/* The seq of the next produced event: after what is stored and what is pending. */
static uint64_t sink_next_seq(void *ctx)
{
    struct an_sink *s = ctx;
    const struct sensor_state *ss = store_sensor(s->store, s->self_id);
    return (ss ? ss->last_seq : 0) + 1 + s->n;
}

int an_sink_open(struct an_sink **out, const struct analytics_opts *o, struct store *st,
                 const char *self_id, an_sink_store_fn store_fn, void *ctx, char *err,
                 size_t errlen)
{
    *out = NULL;
    struct an_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->store = st;
    snprintf(s->self_id, sizeof s->self_id, "%s", self_id);
    s->store_fn = store_fn;
    s->ctx = ctx;
    struct analytics_opts ao = *o;
    ao.producer_id = s->self_id;
    ao.emit = sink_emit;
    ao.next_seq = sink_next_seq;
    ao.ctx = s;
    if (analytics_open(&s->an, &ao, err, errlen) != 0) {
        free(s);
        return -1;
    }
    /* catch up with what was stored but not analysed; a lost or new analytics.db is
     * rebuilt silently (what it would say is already stored, or predates it) */
    int64_t pos = analytics_position(s->an), last = store_last_pos(st);
    if (pos < last) {
        uint64_t fed = 0;
        char rerr[512];
        analytics_set_mute(s->an, pos == 0);
        if (an_replay_store(s->an, store_dir(st), pos, &fed, rerr, sizeof rerr) != 0)
            log_warn("analytics: replaying the store: %s", rerr);
        analytics_set_mute(s->an, 0);
        sink_flush(s);
        analytics_set_position(s->an, last);
        if (analytics_checkpoint(s->an, rerr, sizeof rerr) != 0)
            log_warn("analytics: %s", rerr);
        log_info("analytics: %s %llu stored event(s) from position %lld",
                 pos == 0 ? "rebuilt its state from" : "caught up with",
                 (unsigned long long)fed, (long long)pos);
    }
    *out = s;
    return 0;
}

int an_sink_storing(const struct an_sink *s)
{
    return s && s->storing;
}

void an_sink_feed(struct an_sink *s, const struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ev[i].stored == 1 && b->ev[i].root)
            analytics_feed(s->an, b->ev[i].root);
}

void an_sink_done(struct an_sink *s)
{
    char err[512];
    sink_flush(s);
    analytics_set_position(s->an, store_last_pos(s->store));
    if (analytics_checkpoint(s->an, err, sizeof err) != 0)
        log_warn("analytics: %s", err);
}

void an_sink_close(struct an_sink *s)
{
    if (!s)
        return;
    analytics_finish(s->an);
    an_sink_done(s);
    analytics_close(s->an);
    free(s->buf);
    free(s);
}
