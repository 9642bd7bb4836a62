/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pd_txn.h - the transaction framework every dissector pairs its PDUs with: a fixed table
 * of pending requests in the dissector's per-flow state (no malloc), capped by
 * lim->max_pending and the dissector's own array size, oldest-first eviction with one
 * overflow anomaly per eviction, timeouts that also fire when the capture clock steps
 * back, latency, and the no_response / response_only outcomes. A dissector supplies only
 * its key (64 bits it builds from its PDU: transaction id, unit, sequence, ...) and, where
 * a key is not enough, a match function; it keeps each request's payload in its own
 * array at the slot's index.
 */
#ifndef TZ_PD_TXN_H
#define TZ_PD_TXN_H

#include <stdint.h>

#include "pd.h"

_Static_assert(PD_MAX_PENDING <= 32, "the slot mask is 32 bits");

/* Why a request left the table without its answer (the unanswered callback's `why`). */
enum pd_txn_why {
    PD_TXN_TIMEOUT = 0,  /* older than lim->txn_timeout_us, or the clock stepped back */
    PD_TXN_EVICTED,      /* the table was full: the oldest request gave way */
    PD_TXN_SUPERSEDED,   /* the dissector closed it (a reused id, a newer request) */
    PD_TXN_FLOW_END,     /* the flow ended with the request outstanding */
};

/* One pending request's bookkeeping. */
struct pd_txn_slot {
    uint64_t key;        /* the dissector's key */
    uint64_t ts_us;      /* when the request was seen: the record's ts */
    uint64_t last_us;    /* when the transaction last moved (request or an interim answer) */
    uint64_t order;      /* arrival order: oldest first */
    uint8_t dir;         /* enum pd_dir the request travelled */
    uint8_t hold;        /* never times out (only eviction or the flow's end close it) */
    uint8_t stage;       /* the dissector's: e.g. IEC 104 0 = act sent, 1 = actcon seen */
};

struct pd_txn_table {
    uint32_t used;       /* bit i set while slot[i] holds a request */
    uint32_t overflows;  /* requests evicted because the table was full */
    uint64_t next_order;
    struct pd_txn_slot slot[PD_MAX_PENDING];
};

/* What a dissector tells the framework (one const struct per table). */
struct pd_txn_ops {
    uint8_t slots;             /* size of the dissector's payload array, <= PD_MAX_PENDING */
    const char *overflow_kind; /* anomaly kind raised on each eviction */
    /* Emits the request in slot i that ends without an answer (usually a no_response
     * record). The framework frees the slot after the call; the callback must not open
     * slots in the same table. May be NULL: nothing is emitted. */
    void (*unanswered)(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why);
};

/* Microseconds from `then` to ctx->now_us, 0 when the clock stepped back. */
static inline uint64_t pd_txn_since(uint64_t now, uint64_t then)
{
    return now >= then ? now - then : 0;
}

/* True when `then` is more than `timeout` away from `now` in either direction: a request
 * from before a backward clock step is as stale as an old one. */
static inline int pd_txn_aged(uint64_t now, uint64_t then, uint64_t timeout)
{
    return now >= then ? now - then > timeout : then - now > timeout;
}

/* Slots usable under lim: 1..ops->slots (max_pending 0 still pairs one request). */
static inline unsigned pd_txn_cap(const struct pd_ctx *ctx,
                                  const struct pd_txn_ops *ops)
{
    unsigned hard = ops->slots && ops->slots <= PD_MAX_PENDING ? ops->slots : PD_MAX_PENDING;
    unsigned cap = ctx->lim ? ctx->lim->max_pending : hard;
    if (cap == 0)
        cap = 1;
    return cap < hard ? cap : hard;
}

/* A slot for a new request with this key, seen now in ctx->dir: when the table is full
 * the oldest request is evicted (unanswered with PD_TXN_EVICTED, overflow counted and
 * reported). Returns the slot index; its payload is the dissector's to fill. */
int pd_txn_open(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                uint64_t key);

/* The oldest pending request with this key (any direction), or -1. Inline: it runs on
 * every answer. */
static inline int pd_txn_find(const struct pd_txn_table *t, uint64_t key)
{
    int best = -1;
    for (uint32_t m = t->used; m; m &= m - 1) {
        int i = __builtin_ctz(m);
        if (t->slot[i].key == key && (best < 0 || t->slot[i].order < t->slot[best].order))
            best = i;
    }
    return best;
}

/* The oldest pending request that match(arg, t, i) accepts, or -1. */
typedef int (*pd_txn_match_fn)(const void *arg, const struct pd_txn_table *t, int i);
int pd_txn_find_if(const struct pd_txn_table *t, pd_txn_match_fn match, const void *arg);

/* Frees slot i without emitting anything (the answer was emitted by the dissector). */
static inline void pd_txn_close(struct pd_txn_table *t, int i)
{
    t->used &= ~(1u << (unsigned)i);
}

/* Ends slot i as unanswered (why) through ops->unanswered, then frees it. */
void pd_txn_drop(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                 int i, int why);

/* Fills the record fields the framework owns for an answer to slot i arriving now:
 * ts (the request's), req_dir, latency (when the clock did not step back) and status. */
static inline void pd_txn_answer(const struct pd_ctx *ctx, const struct pd_txn_table *t,
                                 int i, struct pd_txn *out, uint8_t status)
{
    const struct pd_txn_slot *s = &t->slot[i];
    out->status = status;
    out->req_dir = s->dir;
    out->ts_us = s->ts_us;
    out->has_latency = ctx->now_us >= s->ts_us;
    out->latency_us = pd_txn_since(ctx->now_us, s->ts_us);
}

/* The same for an answer to a request the sensor never saw: response_only, ts now, the
 * other side named as requester, no latency. */
void pd_txn_unpaired(const struct pd_ctx *ctx, struct pd_txn *out);

/* The same for a request that ended unanswered: no_response, its ts and dir. */
void pd_txn_unanswered_fill(const struct pd_txn_table *t, int i, struct pd_txn *out,
                            uint8_t status);

/* Ends, oldest first, every request that timed out at ctx->now_us (held ones excepted),
 * or every request when `final`. */
void pd_txn_expire(struct pd_ctx *ctx, struct pd_txn_table *t, const struct pd_txn_ops *ops,
                   int final);

static inline int pd_txn_count(const struct pd_txn_table *t)
{
    return __builtin_popcount(t->used);
}

#endif
