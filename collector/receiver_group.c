/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver_group.c - the receiver's per-group steps (see receiver.c and receiver_int.h):
 * the per-batch checks after parsing (a sensor id that is not the one its key is bound to is
 * refused; a stored sensor_restart anomaly marks an unused seq reservation), and the group
 * pipeline: collect the parsed batches, commit them in one transaction (on the store thread
 * when there is one), then set each slot's status and the counters on the receiver's thread.
 */
#include "receiver_int.h"

#include <jansson.h>
#include <stdatomic.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "tztime.h"

/* A batch whose sensor id is not the one its key is bound to: REFUSED, never stored. */
void receiver_refuse_mismatch(struct receiver *r, struct slot *sl, const char *bound)
{
    r->refused++;
    if (r->m)
        atomic_fetch_add(&r->m->batches_refused_mismatch, 1);
    uint64_t now = tz_mono_us();
    if (r->refused == 1 || now >= r->refuse_log_us) {
        log_warn("batch %llu refused: sensor id '%s' is not the one the sending key is bound "
                 "to ('%s'); nothing stored (%llu refused so far, %llu since the last line)",
                 (unsigned long long)sl->batch_seq, sl->batch.hdr.sensor, bound,
                 (unsigned long long)r->refused, (unsigned long long)r->refused_unlogged);
        r->refused_unlogged = 0;
        r->refuse_log_us = now + RECV_REFUSE_LOG_US;
    } else {
        r->refused_unlogged++;
    }
    batch_clear(&sl->batch);
    /* a version-1 sender knows no REFUSED: RETRY keeps the batch on its side */
    sl->status = sl->version >= 2 ? WIRE_ACK_REFUSED : WIRE_ACK_RETRY;
    sl->reason = WIRE_REASON_SENSOR_MISMATCH;
}

/* A stored `sensor_restart` anomaly that names the seqs its sensor reserved and never
 * used (unused_from..unused_to): that part of the sensor's open gaps is an unused
 * reservation, not lost events. Only anomaly lines naming sensor_restart are looked at. */
void receiver_classify_restart(struct receiver *r, const struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct ev *e = &b->ev[i];
        if (e->type != EV_ANOMALY || !memmem(e->line, e->line_len, "sensor_restart", 14))
            continue;
        json_t *an = json_object_get(e->root, "anomaly");
        const char *kind = json_string_value(json_object_get(an, "kind"));
        json_int_t from = json_integer_value(json_object_get(an, "unused_from"));
        json_int_t to = json_integer_value(json_object_get(an, "unused_to"));
        if (!kind || strcmp(kind, "sensor_restart") != 0 || from <= 0 || to < from)
            continue;
        uint64_t k = store_mark_unused(r->store, b->hdr.sensor, b->hdr.run, (uint64_t)from,
                                       (uint64_t)to);
        log_warn("sequence gap from sensor %s: %lld..%lld is an unused reservation (%lld "
                 "numbers the sensor reserved before it stopped uncleanly and never used; "
                 "%llu were open in the gap), not lost events",
                 b->hdr.sensor, (long long)from, (long long)to, (long long)(to - from + 1),
                 (unsigned long long)k);
        if (r->m)
            atomic_fetch_add(&r->m->unused_reserved_events, k);
    }
}

/* Takes the parsed slots among sl[0..n) as g's commit input. */
void receiver_group_collect(struct group *g, struct slot *sl, size_t n, int keep)
{
    g->slot = sl;
    g->keep = keep;
    g->n = n;
    g->k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sl[i].status == ST_PARSED) {
            g->idx[g->k] = i;
            g->b[g->k++] = &sl[i].batch;
        }
    }
}

/* The commit: one transaction for g's parsed batches. On the store thread when there is
 * one; it touches the store and g->res, rc, err only. */
void receiver_group_commit(struct worker_job *j)
{
    struct group *g = (struct group *)j;
    g->rc = 0;
    if (g->k > 0)
        g->rc = store_put_many(g->r->store, g->b, g->k, g->res, g->err, sizeof g->err);
    store_tick(g->r->store); /* checkpoint, retention: cheap unless due */
}

/* After the commit, on the receiver's thread: each slot's status, the counters, the logs;
 * drops the parsed events (their arenas are reset). */
void receiver_group_finish(struct receiver *r, struct group *g)
{
    struct slot *sl = g->slot;
    size_t k = g->k, *idx = g->idx;
    struct store_put_result *res = g->res;
    if (k == 0)
        return;
    /* the store splits a failing group down to single batches and says a full disk itself
     * (once, then slowly): each batch it could not store is answered RETRY */
    if (g->rc != 0)
        log_debug("store: %zu batch(es) not stored, asking for a resend: %s", k, g->err);
    for (size_t j = 0; j < k; j++) {
        struct slot *s = &sl[idx[j]];
        s->res = res[j];
        if (res[j].failed) {
            s->status = WIRE_ACK_RETRY;
            s->reason = res[j].full ? WIRE_REASON_STORE_FULL : WIRE_REASON_STORE_ERROR;
            r->st.batches_retry++;
        } else if (res[j].refused) {
            s->status = receiver_reject(r, s->batch.hdr.sensor,
                               "too many sensors (the collector keeps at most 4096)");
            s->reason = WIRE_REASON_TOO_MANY_SENSORS;
        } else {
            s->status = WIRE_ACK_STORED;
            r->st.batches_stored++;
            r->st.events_stored += res[j].inserted;
            r->st.events_duplicate += res[j].duplicates;
            if (res[j].duplicates > 0)
                log_debug("batch %llu from %s: %zu event(s) were already stored",
                          (unsigned long long)s->batch_seq, s->batch.hdr.sensor,
                          res[j].duplicates);
            if (res[j].inserted > 0)
                receiver_classify_restart(r, &s->batch);
            if (g->keep)
                continue;
        }
        batch_clear(&s->batch);
    }
}

/* Stores the parsed slots among sl[0..n) in one transaction on this thread and sets their
 * status (receiver_handle; nothing may be with the store thread). */
void receiver_store_group(struct receiver *r, struct slot *sl, size_t n, int keep)
{
    struct group g = {.r = r};
    receiver_group_collect(&g, sl, n, keep);
    receiver_group_commit(&g.job);
    receiver_group_finish(r, &g);
}
