/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pd_txn.c - the transaction framework (dissectors/pd_txn.c) on its own, with a toy
 * dissector whose requests are numbers: caps (lim->max_pending, the dissector's array,
 * 0 meaning 1), oldest-first eviction with the overflow anomaly and counter, same-key
 * requests answered first in first out, timeouts (also after the capture clock steps
 * back), held slots, latency, no_response, response_only and the flow's end.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pd_txn.h"

#define T0 1700000000000000ull
#define MAXE 64

struct toy {
    struct pd_ctx ctx;
    struct pd_limits lim;
    struct pd_txn_table t;
    int payload[PD_MAX_PENDING];
    int n_ended, ended[MAXE], why[MAXE];
    struct pd_txn rec[MAXE];
    int n_anom;
    char anom[MAXE][48];
};

static void toy_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct toy *y = ctx->opaque;
    if (y->n_ended >= MAXE)
        return;
    y->ended[y->n_ended] = y->payload[i];
    y->why[y->n_ended] = why;
    memset(&y->rec[y->n_ended], 0, sizeof y->rec[0]);
    pd_txn_unanswered_fill(t, i, &y->rec[y->n_ended], PD_ST_NO_RESPONSE);
    y->n_ended++;
}

static void toy_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    struct toy *y = ctx->opaque;
    (void)detail;
    if (y->n_anom < MAXE)
        snprintf(y->anom[y->n_anom], sizeof y->anom[0], "%s", kind);
    y->n_anom++;
}

static const struct pd_txn_ops ops8 = {8, "toy.pending_overflow", toy_unanswered};

static struct toy *toy_new(uint32_t max_pending)
{
    static struct toy y;
    memset(&y, 0, sizeof y);
    y.lim = pd_default_limits;
    y.lim.max_pending = max_pending;
    y.lim.txn_timeout_us = 1000;
    y.ctx.lim = &y.lim;
    y.ctx.anomaly = toy_anomaly;
    y.ctx.opaque = &y;
    y.ctx.state = &y.t;
    return &y;
}

/* A request with key k and payload v at time at from dir. */
static int req(struct toy *y, uint64_t at, uint8_t dir, uint64_t k, int v)
{
    y->ctx.now_us = at;
    y->ctx.dir = dir;
    int i = pd_txn_open(&y->ctx, &y->t, &ops8, k);
    y->payload[i] = v;
    return i;
}

Test(pd_txn, caps)
{
    struct toy *y = toy_new(16);
    cr_assert_eq(pd_txn_cap(&y->ctx, &ops8), 8); /* the dissector's array */
    y->lim.max_pending = 3;
    cr_assert_eq(pd_txn_cap(&y->ctx, &ops8), 3);
    y->lim.max_pending = 0;
    cr_assert_eq(pd_txn_cap(&y->ctx, &ops8), 1); /* 0 still pairs one request */
    static const struct pd_txn_ops big = {0, NULL, NULL};
    y->lim.max_pending = 100;
    cr_assert_eq(pd_txn_cap(&y->ctx, &big), PD_MAX_PENDING);
}

Test(pd_txn, eviction_is_oldest_first_with_anomaly_and_counter)
{
    struct toy *y = toy_new(3);
    req(y, T0 + 30, 0, 1, 101); /* arrival order counts, not the timestamp */
    req(y, T0 + 10, 0, 2, 102);
    req(y, T0 + 20, 0, 3, 103);
    cr_assert_eq(pd_txn_count(&y->t), 3);
    req(y, T0 + 40, 0, 4, 104);
    cr_assert_eq(pd_txn_count(&y->t), 3);
    cr_assert_eq(y->n_ended, 1);
    cr_assert_eq(y->ended[0], 101);
    cr_assert_eq(y->why[0], PD_TXN_EVICTED);
    cr_assert_eq(y->rec[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(y->rec[0].ts_us, T0 + 30);
    cr_assert_eq(y->t.overflows, 1);
    cr_assert_eq(y->n_anom, 1);
    cr_assert_str_eq(y->anom[0], "toy.pending_overflow");
    req(y, T0 + 50, 0, 5, 105);
    cr_assert_eq(y->ended[1], 102);
    cr_assert_eq(y->t.overflows, 2);
}

Test(pd_txn, same_key_is_first_in_first_out_and_find_if)
{
    struct toy *y = toy_new(8);
    int a = req(y, T0, 0, 7, 1);
    int b = req(y, T0 + 1, 0, 7, 2);
    cr_assert_eq(pd_txn_find(&y->t, 7), a);
    pd_txn_close(&y->t, a);
    cr_assert_eq(pd_txn_find(&y->t, 7), b);
    cr_assert_eq(pd_txn_find(&y->t, 8), -1);
}

static int payload_is(const void *arg, const struct pd_txn_table *t, int i)
{
    (void)t;
    return *(const int *)arg == i;
}

Test(pd_txn, find_if_takes_the_oldest_match)
{
    struct toy *y = toy_new(8);
    req(y, T0, 0, 1, 1);
    int b = req(y, T0 + 1, 0, 2, 2);
    cr_assert_eq(pd_txn_find_if(&y->t, payload_is, &b), b);
    int none = 31;
    cr_assert_eq(pd_txn_find_if(&y->t, payload_is, &none), -1);
}

Test(pd_txn, answer_latency_and_unpaired)
{
    struct toy *y = toy_new(8);
    int i = req(y, T0, 0, 1, 1);
    struct pd_txn t;
    memset(&t, 0, sizeof t);
    y->ctx.now_us = T0 + 250;
    y->ctx.dir = 1;
    pd_txn_answer(&y->ctx, &y->t, i, &t, PD_ST_OK);
    cr_assert_eq(t.status, PD_ST_OK);
    cr_assert_eq(t.has_latency, 1);
    cr_assert_eq(t.latency_us, 250);
    cr_assert_eq(t.ts_us, T0);
    cr_assert_eq(t.req_dir, 0);
    y->ctx.now_us = T0 - 5; /* the answer stamped before its request: no latency */
    pd_txn_answer(&y->ctx, &y->t, i, &t, PD_ST_OK);
    cr_assert_eq(t.has_latency, 0);
    cr_assert_eq(t.latency_us, 0);
    pd_txn_unpaired(&y->ctx, &t);
    cr_assert_eq(t.status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(t.req_dir, 0); /* the other side is named as requester */
    cr_assert_eq(t.ts_us, T0 - 5);
    cr_assert_eq(t.has_latency, 0);
}

Test(pd_txn, timeouts_oldest_first_and_held_slots)
{
    struct toy *y = toy_new(8);
    req(y, T0 + 100, 0, 1, 1);
    req(y, T0, 0, 2, 2);
    int h = req(y, T0, 0, 3, 3);
    y->t.slot[h].hold = 1;
    y->ctx.now_us = T0 + 1000; /* not more than the timeout: nothing */
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 0);
    y->ctx.now_us = T0 + 1200;
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 2);
    cr_assert_eq(y->ended[0], 1); /* arrived first */
    cr_assert_eq(y->ended[1], 2);
    cr_assert_eq(y->why[0], PD_TXN_TIMEOUT);
    cr_assert_eq(pd_txn_count(&y->t), 1); /* the held one */
    pd_txn_expire(&y->ctx, &y->t, &ops8, 1);
    cr_assert_eq(y->n_ended, 3);
    cr_assert_eq(y->ended[2], 3);
    cr_assert_eq(y->why[2], PD_TXN_FLOW_END);
    cr_assert_eq(pd_txn_count(&y->t), 0);
}

Test(pd_txn, clock_step_back_expires)
{
    struct toy *y = toy_new(8);
    req(y, T0 + 10000000, 0, 1, 1);
    y->ctx.now_us = T0 + 10000000 - 500; /* a small step back (reordering): kept */
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 0);
    y->ctx.now_us = T0; /* the capture clock stepped back 10 s: the request is stale */
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 1);
    cr_assert_eq(y->why[0], PD_TXN_TIMEOUT);
    cr_assert(pd_txn_aged(T0, T0 + 1001, 1000));
    cr_assert(!pd_txn_aged(T0, T0 + 1000, 1000));
    cr_assert(pd_txn_aged(T0 + 1001, T0, 1000));
}

Test(pd_txn, last_us_restarts_the_timeout)
{
    struct toy *y = toy_new(8);
    int i = req(y, T0, 0, 1, 1);
    y->t.slot[i].last_us = T0 + 900; /* an interim answer (IEC 104 actcon) */
    y->ctx.now_us = T0 + 1500;
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 0);
    y->ctx.now_us = T0 + 1901;
    pd_txn_expire(&y->ctx, &y->t, &ops8, 0);
    cr_assert_eq(y->n_ended, 1);
    cr_assert_eq(y->rec[0].ts_us, T0); /* the record keeps the request's time */
}

Test(pd_txn, drop_supersedes_and_ignores_free_slots)
{
    struct toy *y = toy_new(8);
    int i = req(y, T0, 0, 1, 1);
    pd_txn_drop(&y->ctx, &y->t, &ops8, i, PD_TXN_SUPERSEDED);
    cr_assert_eq(y->n_ended, 1);
    cr_assert_eq(y->why[0], PD_TXN_SUPERSEDED);
    pd_txn_drop(&y->ctx, &y->t, &ops8, i, PD_TXN_SUPERSEDED); /* already free */
    pd_txn_drop(&y->ctx, &y->t, &ops8, -1, PD_TXN_SUPERSEDED);
    cr_assert_eq(y->n_ended, 1);
}
