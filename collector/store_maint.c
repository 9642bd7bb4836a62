/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_maint.c - the store's periodic work on its owner's thread (see store.h): the signed
 * checkpoint of the chain head (anchor.h) every store.checkpoint_interval_s and at close,
 * and retention (retention.h) every hour, with the forwarder's cursors read from the
 * metrics so what expires unforwarded is counted. Each step is cheap when nothing is due.
 */
#include <stdio.h>
#include <string.h>

#include "anchor.h"
#include "log.h"
#include "retention.h"
#include "store_int.h"
#include "tztime.h"

int store_checkpoint(struct store *s, char *err, size_t errlen)
{
    if (s->head_id == s->checkpoint_id)
        return 0;
    if (anchor_write(s->dir, s->head_id, s->head_events, s->head_hash,
                     s->have_sign ? s->sign_pk : NULL, s->have_sign ? s->sign_sk : NULL, err,
                     errlen) != 0)
        return -1;
    s->checkpoint_id = s->head_id;
    if (s->m)
        atomic_store(&s->m->checkpoint_batch, s->head_id);
    return 0;
}

static void run_retention(struct store *s)
{
    int64_t cur[TOPIC_COUNT];
    const int64_t *cursors = NULL;
    if (s->m && atomic_load(&s->m->kafka_enabled)) {
        for (int t = 0; t < TOPIC_COUNT; t++)
            cur[t] = atomic_load(&s->m->cursor[t]);
        cursors = cur;
    }
    struct retention_result rr;
    char err[1024];
    if (store_retention(s, s->retention_days, s->clock(), cursors, &rr, err, sizeof err) != 0)
        log_err("retention: %s (it is tried again in an hour)", err);
    if (rr.files == 0)
        return;
    s->kept_events -= rr.events;
    int64_t unf = 0;
    for (int t = 0; t < TOPIC_COUNT; t++)
        unf += rr.unforwarded[t];
    if (unf > 0)
        log_warn("retention: %lld event(s) expired before Kafka took them", (long long)unf);
    if (s->m) {
        atomic_fetch_add(&s->m->retention_files, (uint64_t)rr.files);
        atomic_fetch_add(&s->m->retention_events, (uint64_t)rr.events);
        atomic_fetch_add(&s->m->retention_unforwarded, (uint64_t)unf);
        atomic_store(&s->m->store_events_kept, s->kept_events);
        atomic_store(&s->m->chain_head, s->head_id);
    }
}

void store_tick(struct store *s)
{
    uint64_t now = tz_mono_us();
    if (s->checkpoint_s > 0 && now >= s->next_checkpoint_us) {
        char err[1400];
        if (store_checkpoint(s, err, sizeof err) != 0 && !s->full)
            log_warn("store: checkpoint not written: %s", err);
        s->next_checkpoint_us = now + (uint64_t)s->checkpoint_s * 1000000u;
    }
    if (s->retention_days > 0 && now >= s->next_retention_us) {
        run_retention(s);
        s->next_retention_us = now + (uint64_t)RETENTION_EVERY_S * 1000000u;
    }
}
