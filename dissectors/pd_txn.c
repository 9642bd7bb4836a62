/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pd_txn.c - the transaction framework (pd_txn.h): pending-request slots with caps,
 * oldest-first eviction and its anomaly, timeouts robust to a capture clock stepping back,
 * and the shared fields of answered, unanswered and unpaired records. Searches walk the
 * used-slot mask, so a table with few requests costs a few cache lines.
 */
#include <string.h>

#include "pd_txn.h"

static int oldest_of(const struct pd_txn_table *t, uint32_t mask)
{
    int best = -1;
    for (uint32_t m = mask; m; m &= m - 1) {
        int i = __builtin_ctz(m);
        if (best < 0 || t->slot[i].order < t->slot[best].order)
            best = i;
    }
    return best;
}

void pd_txn_drop(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                 int i, int why)
{
    if (i < 0 || !(t->used & (1u << (unsigned)i)))
        return;
    if (ops->unanswered)
        ops->unanswered(ctx, t, i, why);
    pd_txn_close(t, i);
}

int pd_txn_open(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                uint64_t key)
{
    unsigned cap = pd_txn_cap(ctx, ops);
    while ((unsigned)pd_txn_count(t) >= cap) {
        int old = oldest_of(t, t->used);
        t->overflows++;
        if (ctx->anomaly && ops->overflow_kind)
            ctx->anomaly(ctx, ops->overflow_kind,
                         "pending request table full: the oldest request gave way");
        pd_txn_drop(ctx, t, ops, old, PD_TXN_EVICTED);
    }
    uint32_t free_bits = ~t->used & (cap >= 32 ? UINT32_MAX : (1u << cap) - 1);
    if (!free_bits) /* slots above cap still used (the cap was lowered): any free one */
        free_bits = ~t->used;
    int i = __builtin_ctz(free_bits); /* fewer than cap <= 32 used: one is free */
    struct pd_txn_slot *s = &t->slot[i];
    s->key = key;
    s->ts_us = ctx->now_us;
    s->last_us = ctx->now_us;
    s->order = t->next_order++;
    s->dir = ctx->dir;
    s->hold = 0;
    s->stage = 0;
    t->used |= 1u << (unsigned)i;
    return i;
}

int pd_txn_find_if(const struct pd_txn_table *t, pd_txn_match_fn match, const void *arg)
{
    int best = -1;
    for (uint32_t m = t->used; m; m &= m - 1) {
        int i = __builtin_ctz(m);
        if ((best < 0 || t->slot[i].order < t->slot[best].order) && match(arg, t, i))
            best = i;
    }
    return best;
}

void pd_txn_unpaired(const struct pd_ctx *ctx, struct pd_txn *out)
{
    out->status = PD_ST_RESPONSE_ONLY;
    out->req_dir = (uint8_t)(ctx->dir ^ 1);
    out->ts_us = ctx->now_us;
    out->has_latency = 0;
    out->latency_us = 0;
}

void pd_txn_unanswered_fill(const struct pd_txn_table *t, int i, struct pd_txn *out,
                            uint8_t status)
{
    out->status = status;
    out->req_dir = t->slot[i].dir;
    out->ts_us = t->slot[i].ts_us;
    out->has_latency = 0;
    out->latency_us = 0;
}

void pd_txn_expire(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                   int final)
{
    if (t->used == 0)
        return;
    uint64_t timeout = ctx->lim ? ctx->lim->txn_timeout_us : 0;
    for (unsigned round = 0; round < PD_MAX_PENDING && t->used; round++) {
        uint32_t due = 0;
        for (uint32_t m = t->used; m; m &= m - 1) {
            int i = __builtin_ctz(m);
            const struct pd_txn_slot *s = &t->slot[i];
            if (final || (!s->hold && pd_txn_aged(ctx->now_us, s->last_us, timeout)))
                due |= 1u << (unsigned)i;
        }
        if (!due)
            return;
        pd_txn_drop(ctx, t, ops, oldest_of(t, due), final ? PD_TXN_FLOW_END : PD_TXN_TIMEOUT);
    }
}
