/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnp3_txn.c - DNP3 transactions (IEEE 1815-2012 4.2.2 and 6): pairs each master request
 * with the outstation's response by link addresses and application sequence, merges the
 * fragments of a multi-fragment response, holds unsolicited responses until their confirm,
 * and turns all of it into records (struct dnp3_rec) for ctx->emit. Requests that never
 * get an answer are emitted as no_response by expiry.
 */
#include <string.h>

#include "dnp3.h"

static void slot_release(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why);

static const struct pd_txn_ops dnp3_txn_ops = {
    .slots = DNP3_PENDING,
    .overflow_kind = "dnp3.pending_overflow",
    .unanswered = slot_release,
};

/* Key: what the slot holds and who sent it to whom. */
static uint64_t dnp3_key(uint8_t kind, uint16_t src, uint16_t dst)
{
    return (uint64_t)kind << 32 | (uint64_t)src << 16 | dst;
}

static int is_control_func(unsigned func)
{
    return func >= DNP3_FC_SELECT && func <= DNP3_FC_DIRECT_OPERATE_NR;
}

/* True when every object header of f is in one of the groups g[0..n). */
static int only_groups(const struct dnp3_frag *f, const uint8_t *g, size_t n)
{
    if (f->n_objects == 0)
        return 0;
    for (unsigned i = 0; i < f->n_objects; i++) {
        int hit = 0;
        for (size_t k = 0; k < n; k++)
            hit |= f->obj[i].group == g[k];
        if (!hit)
            return 0;
    }
    return 1;
}

uint8_t dnp3_op(const struct dnp3_frag *first)
{
    static const uint8_t attr[] = {0};
    static const uint8_t diag[] = {80, 121, 122};
    unsigned func = first->func;

    if (func == DNP3_FC_READ) {
        if (only_groups(first, attr, 1))
            return PD_OP_IDENTIFY;
        return only_groups(first, diag, 3) ? PD_OP_DIAGNOSTIC : PD_OP_READ;
    }
    if (func == DNP3_FC_WRITE) {
        for (unsigned i = 0; i < first->n_objects; i++)
            if (first->obj[i].group == 50)
                return PD_OP_TIME;
        return PD_OP_WRITE;
    }
    if (func >= DNP3_FC_SELECT && func <= DNP3_FC_INITIALIZE_DATA)
        return PD_OP_CONTROL; /* select/operate, freezes, restarts, initialize data */
    if (func >= DNP3_FC_INITIALIZE_APPL && func <= DNP3_FC_SAVE_CONFIG)
        return PD_OP_PROGRAM;
    switch (func) {
    case DNP3_FC_ENABLE_UNSOLICITED:
    case DNP3_FC_DISABLE_UNSOLICITED:
    case DNP3_FC_AUTHENTICATE_REQ:
    case DNP3_FC_AUTH_REQ_NO_ACK:
    case DNP3_FC_AUTHENTICATE_RESP:
        return PD_OP_SESSION;
    case DNP3_FC_ASSIGN_CLASS:
        return PD_OP_WRITE;
    case DNP3_FC_DELAY_MEASURE:
    case DNP3_FC_RECORD_CURRENT_TIME:
        return PD_OP_TIME;
    case DNP3_FC_ACTIVATE_CONFIG:
        return PD_OP_PROGRAM;
    case DNP3_FC_RESPONSE:
        return PD_OP_READ; /* reported data */
    case DNP3_FC_UNSOLICITED_RESPONSE:
        return PD_OP_REPORT; /* data the outstation sends unasked */
    default:
        break;
    }
    if (func >= DNP3_FC_OPEN_FILE && func <= DNP3_FC_ABORT_FILE)
        return PD_OP_FILE;
    return PD_OP_OTHER;
}

static uint8_t status_of(const struct dnp3_frag *first, const struct dnp3_frag *resp)
{
    if (first->malformed || (resp && resp->malformed))
        return PD_ST_MALFORMED;
    if (!resp && first->func == DNP3_FC_UNSOLICITED_RESPONSE)
        return PD_ST_OK; /* sent unasked: no request is missing */
    if (!resp)
        return first->has_iin ? PD_ST_RESPONSE_ONLY : PD_ST_OK;
    if (resp->iin & DNP3_IIN_REFUSED)
        return PD_ST_EXCEPTION;
    if (is_control_func(first->func))
        for (unsigned i = 0; i < resp->n_points; i++)
            if ((resp->pt[i].has & DNP3_PH_STATUS) && resp->pt[i].status != 0)
                return PD_ST_EXCEPTION;
    return PD_ST_OK;
}

/* end_us: when the answer (response, or the confirm of an unsolicited response) came, or 0. */
static void emit_record(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_frag *first,
                        const struct dnp3_frag *resp, uint8_t status, struct dnp3_rec *rec,
                        uint64_t end_us)
{
    struct pd_txn t;
    memset(&t, 0, sizeof t);
    rec->first = first;
    rec->resp = resp;
    rec->link_only = st->link_only;
    st->link_only = 0;
    t.proto = PD_PROTO_DNP3;
    t.op = dnp3_op(first);
    t.status = status;
    t.req_dir = first->dir;
    t.ts_us = first->ts_us;
    if (resp)
        end_us = resp->ts_us;
    if (end_us && end_us >= first->ts_us) {
        t.has_latency = 1;
        t.latency_us = end_us - first->ts_us;
    }
    t.rec = rec;
    ctx->emit(ctx, &t);
}

/* Emits the response being assembled (with its request when there is one). */
static void resp_flush(struct pd_ctx *ctx, struct dnp3_state *st, int incomplete)
{
    struct dnp3_rec rec;
    memset(&rec, 0, sizeof rec);
    if (!st->resp_busy)
        return;
    st->resp_busy = 0;
    rec.incomplete = (uint8_t)incomplete;
    rec.con_expected = (st->resp.last_ac & DNP3_AC_CON) != 0;
    if (st->resp_owner >= 0) {
        struct dnp3_pending *pe = &st->pend[st->resp_owner];
        pd_txn_close(&st->txn, st->resp_owner);
        emit_record(ctx, st, &pe->frag, &st->resp, status_of(&pe->frag, &st->resp), &rec, 0);
        pe->kind = DNP3_PEND_FREE;
    } else {
        emit_record(ctx, st, &st->resp, NULL, status_of(&st->resp, NULL), &rec, 0);
    }
}

/* Emits a held request (no_response) or unsolicited response (unconfirmed); the framework
 * frees the slot. */
static void slot_release(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct dnp3_state *st = ctx->state;
    struct dnp3_pending *pe = &st->pend[i];
    struct dnp3_rec rec;
    (void)t;
    (void)why;
    if (st->resp_busy && st->resp_owner == i) {
        resp_flush(ctx, st, 1);
        return;
    }
    memset(&rec, 0, sizeof rec);
    if (pe->kind == DNP3_PEND_REQ) {
        emit_record(ctx, st, &pe->frag, NULL,
                    pe->frag.malformed ? PD_ST_MALFORMED : PD_ST_NO_RESPONSE, &rec, 0);
    } else if (pe->kind == DNP3_PEND_UNSOL) {
        rec.con_expected = 1;
        emit_record(ctx, st, &pe->frag, NULL, status_of(&pe->frag, NULL), &rec, 0);
    }
    pe->kind = DNP3_PEND_FREE;
}

/* A slot for a held message of this kind from r (evicting the oldest when all are taken);
 * an earlier one of the same kind between the same stations is ended first. */
static int slot_get(struct pd_ctx *ctx, struct dnp3_state *st, uint8_t kind,
                    const struct dnp3_reasm *r)
{
    uint64_t key = dnp3_key(kind, r->src, r->dst);
    int old = pd_txn_find(&st->txn, key);
    if (old >= 0)
        pd_txn_drop(ctx, &st->txn, &dnp3_txn_ops, old, PD_TXN_SUPERSEDED);
    int i = pd_txn_open(ctx, &st->txn, &dnp3_txn_ops, key);
    st->txn.slot[i].ts_us = r->ts_us;
    st->txn.slot[i].last_us = r->ts_us;
    st->pend[i].kind = kind;
    return i;
}

static void frag_init(struct dnp3_frag *f, const struct pd_ctx *ctx, const struct dnp3_reasm *r,
                      uint8_t ac, uint8_t func, uint16_t iin, int has_iin)
{
    f->ts_us = r->ts_us;
    f->src = r->src;
    f->dst = r->dst;
    f->link_ctrl = r->link_ctrl;
    f->link_len = r->link_len;
    f->dir = ctx->dir;
    f->ac = ac;
    f->last_ac = ac;
    f->func = func;
    f->iin = iin;
    f->has_iin = (uint8_t)has_iin;
    f->malformed = 0;
    f->unknown = 0;
    f->n_frags = 1;
    f->n_objects = 0;
    f->n_points = 0;
    f->objects_dropped = 0;
    f->points_dropped = 0;
    f->crc_errors = r->crc_errors;
}

/* Decodes the objects of fragment r (after its hlen-byte header) into f and reports. */
static int frag_objects(struct pd_ctx *ctx, struct dnp3_state *st, struct dnp3_frag *f,
                        const struct dnp3_reasm *r, int hlen)
{
    uint32_t dropped = f->objects_dropped + f->points_dropped;
    int rc = dnp3_app_objects(f, r->buf + hlen, r->len - (size_t)hlen, ctx->lim);
    if (rc < 0)
        ctx->anomaly(ctx, "dnp3.malformed",
                     f->malformed == 2 ? "invalid object header (qualifier or range)"
                                       : "object data cut short");
    else if (f->unknown)
        ctx->anomaly(ctx, "dnp3.unknown_object", "object of unknown size; rest not decoded");
    if (f->objects_dropped + f->points_dropped != dropped)
        st->caps_hit++;
    return rc;
}

/*
 * A request's objects: copied from the flow's memo when its function and object bytes are
 * those of the memo and the memo holds their decoded objects; decoded otherwise. A request
 * whose bytes differ from the memo's is remembered as bytes only (a copy of at most
 * DNP3_MEMO_RAW bytes); the same request seen again is decoded once more and its objects
 * are kept (when it has no points and nothing was dropped), so that traffic in which no
 * request repeats pays for the byte copy alone. What a copy leaves in f is what decoding
 * the same bytes would.
 */
static int request_objects(struct pd_ctx *ctx, struct dnp3_state *st, struct dnp3_frag *f,
                           const struct dnp3_reasm *r, int hlen)
{
    struct dnp3_req_memo *m = &st->memo;
    const uint8_t *b = r->buf + hlen;
    size_t n = r->len - (size_t)hlen;
    int same = m->len && m->len == n && m->func == f->func && memcmp(m->raw, b, n) == 0;
    if (same && m->has_objects) {
        memcpy(f->obj, m->obj, m->n_objects * sizeof f->obj[0]);
        f->n_objects = m->n_objects;
        return 0;
    }
    int rc = frag_objects(ctx, st, f, r, hlen);
    if (!same) {
        m->len = 0;
        m->has_objects = 0;
        if (n > 0 && n <= DNP3_MEMO_RAW) {
            memcpy(m->raw, b, n);
            m->func = f->func;
            m->len = (uint8_t)n;
        }
    } else if (rc == 0 && !f->malformed && !f->unknown && f->n_points == 0 &&
               f->objects_dropped == 0 && f->points_dropped == 0 &&
               f->n_objects <= DNP3_MEMO_OBJ) {
        memcpy(m->obj, f->obj, f->n_objects * sizeof f->obj[0]);
        m->n_objects = (uint8_t)f->n_objects;
        m->has_objects = 1;
    }
    return rc;
}

static int seq_of(uint8_t ac)
{
    return ac & DNP3_AC_SEQ;
}

static int no_response_expected(unsigned func, uint16_t dst)
{
    if (dst >= 0xfffd) /* broadcast addresses */
        return 1;
    switch (func) {
    case DNP3_FC_DIRECT_OPERATE_NR:
    case DNP3_FC_IMMED_FREEZE_NR:
    case DNP3_FC_FREEZE_CLEAR_NR:
    case DNP3_FC_FREEZE_AT_TIME_NR:
    case DNP3_FC_AUTH_REQ_NO_ACK:
        return 1;
    default:
        return 0;
    }
}

static int on_request(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r,
                      uint8_t ac, uint8_t func, int hlen)
{
    /* a master has one request outstanding per outstation: a new one supersedes it */
    int i = slot_get(ctx, st, DNP3_PEND_REQ, r);
    struct dnp3_pending *pe = &st->pend[i];
    frag_init(&pe->frag, ctx, r, ac, func, 0, 0);
    int rc = request_objects(ctx, st, &pe->frag, r, hlen);
    if (no_response_expected(func, r->dst)) {
        struct dnp3_rec rec;
        memset(&rec, 0, sizeof rec);
        pd_txn_close(&st->txn, i);
        emit_record(ctx, st, &pe->frag, NULL, status_of(&pe->frag, NULL), &rec, 0);
        pe->kind = DNP3_PEND_FREE;
    }
    return rc;
}

static int on_confirm(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r,
                      uint8_t ac)
{
    st->confirms++;
    if (ac & DNP3_AC_UNS) {
        int i = pd_txn_find(&st->txn, dnp3_key(DNP3_PEND_UNSOL, r->dst, r->src));
        if (i >= 0 && seq_of(st->pend[i].frag.ac) == seq_of(ac)) {
            struct dnp3_rec rec;
            struct dnp3_frag *f = &st->pend[i].frag;
            memset(&rec, 0, sizeof rec);
            rec.con_expected = 1;
            rec.confirmed = 1;
            pd_txn_close(&st->txn, i);
            emit_record(ctx, st, f, NULL, status_of(f, NULL), &rec, ctx->now_us);
            st->pend[i].kind = DNP3_PEND_FREE;
            return 0;
        }
    } else {
        for (int i = 0; i < DNP3_CON_WAIT; i++) {
            struct dnp3_con_wait *w = &st->con_wait[i];
            if (w->used && w->master == r->src && w->outstation == r->dst &&
                w->seq == seq_of(ac)) {
                w->used = 0;
                return 0;
            }
        }
    }
    /* a confirm for something not seen (capture started mid-exchange): a record of its own
     * when a slot is free, never at the cost of a held request */
    unsigned cap = pd_txn_cap(ctx, &dnp3_txn_ops);
    uint32_t free_bits = ~st->txn.used & ((1u << cap) - 1);
    if (free_bits) {
        struct dnp3_pending *pe = &st->pend[__builtin_ctz(free_bits)]; /* scratch */
        struct dnp3_rec rec;
        memset(&rec, 0, sizeof rec);
        frag_init(&pe->frag, ctx, r, ac, DNP3_FC_CONFIRM, 0, 0);
        int rc = frag_objects(ctx, st, &pe->frag, r, 2);
        emit_record(ctx, st, &pe->frag, NULL, status_of(&pe->frag, NULL), &rec, 0);
        return rc;
    }
    return 0;
}

static int on_unsolicited(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r,
                          uint8_t ac, uint16_t iin, int hlen)
{
    /* a repeat (or a new one) from the same outstation ends the previous wait */
    int i = slot_get(ctx, st, DNP3_PEND_UNSOL, r);
    struct dnp3_pending *pe = &st->pend[i];
    frag_init(&pe->frag, ctx, r, ac, DNP3_FC_UNSOLICITED_RESPONSE, iin, 1);
    int rc = frag_objects(ctx, st, &pe->frag, r, hlen);
    if (!(ac & DNP3_AC_CON)) {
        struct dnp3_rec rec;
        memset(&rec, 0, sizeof rec);
        pd_txn_close(&st->txn, i);
        emit_record(ctx, st, &pe->frag, NULL, status_of(&pe->frag, NULL), &rec, 0);
        pe->kind = DNP3_PEND_FREE;
    }
    return rc;
}

static int on_response(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r,
                       uint8_t ac, uint8_t func, uint16_t iin, int hlen)
{
    struct dnp3_frag *f = &st->resp;
    int rc;
    int follows = st->resp_busy && f->src == r->src && f->dst == r->dst &&
                  seq_of(ac) == st->resp_next_seq;

    if (!(ac & DNP3_AC_FIR) && follows) {
        f->n_frags++;
        f->last_ac = ac;
        f->iin = iin;
        f->crc_errors += r->crc_errors;
        rc = frag_objects(ctx, st, f, r, hlen);
    } else {
        if (!(ac & DNP3_AC_FIR)) {
            st->out_of_seq++;
            ctx->anomaly(ctx, "dnp3.app_seq", "response fragment without its first fragment");
        }
        resp_flush(ctx, st, 1);
        st->resp_owner = -1;
        int i = pd_txn_find(&st->txn, dnp3_key(DNP3_PEND_REQ, r->dst, r->src));
        if (i >= 0 && seq_of(st->pend[i].frag.ac) == seq_of(ac))
            st->resp_owner = (int8_t)i;
        st->resp_busy = 1;
        frag_init(f, ctx, r, ac, func, iin, 1);
        rc = frag_objects(ctx, st, f, r, hlen);
    }
    st->resp_next_seq = (uint8_t)((seq_of(ac) + 1) & DNP3_AC_SEQ);
    st->resp_last_us = ctx->now_us;
    if (ac & DNP3_AC_CON) {
        struct dnp3_con_wait *w = &st->con_wait[st->con_next++ % DNP3_CON_WAIT];
        w->used = 1;
        w->seq = (uint8_t)seq_of(ac);
        w->master = r->dst;
        w->outstation = r->src;
    }
    if (ac & DNP3_AC_FIN)
        resp_flush(ctx, st, 0);
    return rc;
}

int dnp3_txn_fragment(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r)
{
    uint8_t ac, func;
    uint16_t iin;
    int has_iin;
    int hlen = dnp3_app_header(r->buf, r->len, &ac, &func, &iin, &has_iin);

    if (hlen < 0) {
        ctx->anomaly(ctx, "dnp3.truncated", "application header cut short");
        return -1;
    }
    if (func == DNP3_FC_CONFIRM)
        return on_confirm(ctx, st, r, ac);
    if (func == DNP3_FC_UNSOLICITED_RESPONSE)
        return on_unsolicited(ctx, st, r, ac, iin, hlen);
    if (has_iin)
        return on_response(ctx, st, r, ac, func, iin, hlen);
    return on_request(ctx, st, r, ac, func, hlen);
}

void dnp3_txn_expire(struct pd_ctx *ctx, int final)
{
    struct dnp3_state *st = ctx->state;
    uint64_t timeout = ctx->lim->txn_timeout_us;

    if (st->resp_busy && (final || pd_txn_aged(ctx->now_us, st->resp_last_us, timeout)))
        resp_flush(ctx, st, 1);
    /* a request whose response is still arriving does not time out */
    int owner = st->resp_busy && !final ? st->resp_owner : -1;
    if (owner >= 0)
        st->txn.slot[owner].hold = 1;
    pd_txn_expire(ctx, &st->txn, &dnp3_txn_ops, final);
    if (owner >= 0)
        st->txn.slot[owner].hold = 0;
}
