/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_replay.c - the store's traffic events into the analytics engine (an_replay.h): every
 * stored `ics`, `flow` and `anomaly` event after a position, in position order, read with
 * store_scan (store_query.h: compressed blocks, batches at or below the position skipped),
 * each line parsed once.
 */
#include "an_replay.h"

#include <stdio.h>

#include "store_query.h"

struct replay {
    struct analytics *a;
    uint64_t fed;
};

static int replay_one(void *arg, const struct sq_event *e)
{
    struct replay *r = arg;
    if (e->type == EV_ICS || e->type == EV_FLOW || e->type == EV_ANOMALY) {
        analytics_feed_line(r->a, e->line, e->line_len);
        r->fed++;
    }
    analytics_set_position(r->a, e->pos);
    return 0;
}

int an_replay_store(struct analytics *a, const char *dir, int64_t from_pos, uint64_t *fed,
                    char *err, size_t errlen)
{
    struct replay r = {.a = a};
    struct sq_filter f = {.from_pos = from_pos};
    int rc = store_scan(dir, &f, replay_one, &r, err, errlen);
    *fed = r.fed;
    return rc;
}
