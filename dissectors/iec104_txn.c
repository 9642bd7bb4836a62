/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104_txn.c - IEC 60870-5-104 command transactions on the transaction framework
 * (pd_txn.h): a command or parameter ASDU with cause act (6) or deact (8) is held until
 * the other side answers with actcon (7) / deactcon (9) or refuses it (P/N bit, causes
 * 44..47), and, for commands that may end with one (IEC 60870-5-101 7.4: interrogation,
 * counter interrogation, executed commands and set points), the actterm (10). One record
 * per command: latency_us to the confirmation, the termination's latency besides, and
 * no_response when no confirmation came within lim->txn_timeout_us.
 * Key: the command's type, common address, first IOA and direction.
 */
#include <string.h>

#include "iec104.h"

#define COT_ACT 6
#define COT_ACTCON 7
#define COT_DEACT 8
#define COT_DEACTCON 9
#define COT_ACTTERM 10

static void cmd_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why);

static const struct pd_txn_ops cmd_ops = {
    .slots = IEC104_PENDING,
    .overflow_kind = "iec104.pending_overflow",
    .unanswered = cmd_unanswered,
};

/* Control-direction ASDUs: process commands 45..69, system commands 100..107, parameters
 * 110..113 (IEC 60870-5-101 7.2.1.1 and 104 clause 8). */
static int is_command_type(unsigned type)
{
    return (type >= 45 && type <= 69) || (type >= 100 && type <= 107) ||
           (type >= 110 && type <= 113);
}

/* May an actterm follow a positive actcon? Not for a select, clock sync, reset, test or
 * parameter: those end with the actcon. */
static int may_terminate(const struct iec104_rec *cmd)
{
    unsigned type = cmd->asdu.type;
    if (cmd->asdu.cot != COT_ACT || (cmd->asdu.has_se && cmd->asdu.se))
        return 0;
    return (type >= 45 && type <= 51) || (type >= 58 && type <= 64) || type == 100 ||
           type == 101;
}

static uint64_t cmd_key(const struct iec104_asdu *a, uint8_t req_dir)
{
    uint32_t ioa = a->n_objects ? a->objects[0].ioa : 0;
    return (uint64_t)(req_dir & 1) << 56 | (uint64_t)a->type << 48 | (uint64_t)a->ca << 32 |
           (ioa & 0xffffffu);
}

static void cmd_emit(struct pd_ctx *ctx, struct iec104_state *st, int i, uint8_t status)
{
    struct iec104_rec *c = &st->cmd[i];
    const struct pd_txn_slot *s = &st->txn.slot[i];
    struct pd_txn t = {
        .proto = PD_PROTO_IEC104,
        .op = iec104_type_op(c->asdu.type),
        .status = status,
        .req_dir = s->dir,
        .ts_us = s->ts_us,
        .has_latency = c->has_con,
        .latency_us = c->con.latency_us,
        .rec = c,
    };
    ctx->emit(ctx, &t);
}

/* No confirmation: no_response. Confirmed but the optional actterm never came: ok. */
static void cmd_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct iec104_state *st = ctx->state;
    (void)t;
    (void)why;
    cmd_emit(ctx, st, i, st->cmd[i].has_con ? PD_ST_OK : PD_ST_NO_RESPONSE);
}

/* Copies the record up to its last decoded object (a whole one is 7 KB). */
static void rec_copy(struct iec104_rec *dst, const struct iec104_rec *src)
{
    size_t n = src->asdu.n_objects < IEC104_MAX_OBJECTS ? src->asdu.n_objects
                                                         : IEC104_MAX_OBJECTS;
    memcpy(dst, src, offsetof(struct iec104_rec, asdu.objects) + n * sizeof src->asdu.objects[0]);
}

static void cmd_open(struct pd_ctx *ctx, struct iec104_state *st, const struct iec104_rec *r)
{
    uint64_t key = cmd_key(&r->asdu, ctx->dir);
    int old = pd_txn_find(&st->txn, key);
    if (old >= 0) /* the same command again: the earlier one ends as it stands */
        pd_txn_drop(ctx, &st->txn, &cmd_ops, old, PD_TXN_SUPERSEDED);
    int i = pd_txn_open(ctx, &st->txn, &cmd_ops, key);
    rec_copy(&st->cmd[i], r);
    st->cmd[i].is_command = 1;
}

int iec104_txn_i(struct pd_ctx *ctx, struct iec104_state *st, const struct iec104_rec *r,
                 uint8_t status)
{
    const struct iec104_asdu *a = &r->asdu;
    if (!r->has_asdu || status == PD_ST_MALFORMED || !is_command_type(a->type))
        return 0;
    if (a->cot == COT_ACT || a->cot == COT_DEACT) {
        cmd_open(ctx, st, r);
        return 1;
    }
    int refusal = a->cot >= 44 && a->cot <= 47;
    if (a->cot != COT_ACTCON && a->cot != COT_DEACTCON && a->cot != COT_ACTTERM && !refusal)
        return 0;
    int i = pd_txn_find(&st->txn, cmd_key(a, (uint8_t)(ctx->dir ^ 1)));
    if (i < 0) { /* an answer to a command the sensor never saw */
        struct iec104_rec c;
        rec_copy(&c, r);
        c.is_command = 1;
        struct pd_txn t = {.proto = PD_PROTO_IEC104, .op = iec104_type_op(a->type), .rec = &c};
        pd_txn_unpaired(ctx, &t);
        if (status == PD_ST_EXCEPTION) /* a refusal says more than the missing command */
            t.status = PD_ST_EXCEPTION;
        ctx->emit(ctx, &t);
        return 1;
    }
    struct iec104_rec *c = &st->cmd[i];
    struct iec104_answer ans = {
        .tx = r->tx, .rx = r->rx, .cot = a->cot, .neg = (uint8_t)(a->neg || refusal),
        .test = a->test, .oa = a->oa, .sq = a->sq, .num = a->num,
        .latency_us = pd_txn_since(ctx->now_us, st->txn.slot[i].ts_us),
    };
    if (a->cot == COT_ACTTERM) {
        c->has_term = 1;
        c->term = ans;
        pd_txn_close(&st->txn, i);
        cmd_emit(ctx, st, i, c->has_con && c->con.neg ? PD_ST_EXCEPTION : PD_ST_OK);
        return 1;
    }
    if (c->has_con) { /* a second confirmation ends the first transaction as it stands */
        pd_txn_close(&st->txn, i);
        cmd_emit(ctx, st, i, c->con.neg ? PD_ST_EXCEPTION : PD_ST_OK);
        return 0; /* and is a record of its own */
    }
    c->has_con = 1;
    c->con = ans;
    if (!c->con.neg && may_terminate(c)) {
        st->txn.slot[i].stage = 1; /* confirmed: the actterm may follow */
        st->txn.slot[i].last_us = ctx->now_us;
        return 1;
    }
    pd_txn_close(&st->txn, i);
    cmd_emit(ctx, st, i, c->con.neg ? PD_ST_EXCEPTION : PD_ST_OK);
    return 1;
}

void iec104_txn_expire(struct pd_ctx *ctx, struct iec104_state *st, int final)
{
    pd_txn_expire(ctx, &st->txn, &cmd_ops, final);
}
