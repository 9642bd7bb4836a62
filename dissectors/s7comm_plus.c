/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_plus.c - S7comm-plus (protocol id 0x72) in COTP data: the header (version 1, 2
 * or 3 and data length), the integrity part (32-byte digest: before the data in V3, at its
 * end in V2), the data header (opcode, function code, sequence number, session id,
 * transport flags), the trailer and messages spread over several PDUs, plus what the
 * clear payload tells about session set-up, program download and PLC start/stop. TLS
 * records in COTP give a header-level record. Layout as documented by the S7comm-plus
 * Wireshark dissector and S7CommPlusDriver (Thomas Wiens).
 */
#include <string.h>

#include "s7comm_int.h"

#define S7P_SYSTEM_EVENT 0xfe
#define S7P_KEEPALIVE 0xff
#define S7P_DIGEST_LEN 32
#define S7P_ID_PLC_PROGRAM 3
#define S7P_ID_SESSION_CONTAINER 285
#define S7P_DT_UDINT 0x04
#define S7P_DT_DINT 0x08
#define S7P_START_OBJECT 0xa1

/* Variable-length quantities: 7 bits a byte, high bit "more"; the last byte of the
 * longest form carries 8 bits. */
static uint64_t vlq(struct pd_cur *c, unsigned max_bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        uint8_t b = pd_u8(c);
        if (i + 1 == max_bytes) {
            v = v << 8 | b;
            break;
        }
        v = v << 7 | (b & 0x7f);
        if (!(b & 0x80))
            break;
    }
    return v;
}

static uint32_t vlq32(struct pd_cur *c)
{
    return (uint32_t)vlq(c, 5);
}

/* Signed VLQ: bit 6 of the first byte is the sign. */
static int32_t svlq32(struct pd_cur *c)
{
    uint8_t b = pd_u8(c);
    int64_t v = (b & 0x40) ? (int64_t)(b & 0x3f) - 64 : (int64_t)(b & 0x3f);
    for (unsigned i = 1; i < 5 && (b & 0x80); i++) {
        b = pd_u8(c);
        v = v * 128 + (b & 0x7f);
    }
    return (int32_t)v;
}

static void s7p_emit(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_plus_rec *r,
                     uint8_t status, uint64_t ts_us, uint8_t req_dir, int paired)
{
    struct pd_txn t;
    memset(&t, 0, sizeof t);
    r->cotp = st->cotp.valid ? &st->cotp : NULL;
    if (!r->has_session && st->has_session) {
        r->session = st->session;
        r->has_session = 1;
    }
    t.proto = PD_PROTO_S7COMM_PLUS;
    t.op = (uint8_t)s7comm_plus_rec_op(r);
    t.status = status;
    t.req_dir = req_dir;
    t.ts_us = ts_us;
    if (paired && ctx->now_us >= ts_us) {
        t.has_latency = 1;
        t.latency_us = ctx->now_us - ts_us;
    }
    t.rec = r;
    ctx->emit(ctx, &t);
}

/* Key: the request's direction and sequence number. */
static uint64_t s7p_key(uint8_t req_dir, uint16_t seq)
{
    return (uint64_t)(req_dir & 1) << 16 | seq;
}

static void s7p_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct s7_state *st = (struct s7_state *)ctx->state;
    (void)why;
    s7p_emit(ctx, st, &st->ppend[i].rec, PD_ST_NO_RESPONSE, t->slot[i].ts_us, t->slot[i].dir,
             0);
}

static const struct pd_txn_ops s7p_txn_ops = {
    .slots = PD_MAX_PENDING,
    .overflow_kind = "s7comm_plus.pending_overflow",
    .unanswered = s7p_unanswered,
};

static void s7p_finish(struct pd_ctx *ctx, struct s7_state *st, struct s7p_pend *p,
                       uint8_t status)
{
    int i = (int)(p - st->ppend);
    if (status == PD_ST_NO_RESPONSE) {
        pd_txn_drop(ctx, &st->ptxn, &s7p_txn_ops, i, PD_TXN_SUPERSEDED);
        return;
    }
    pd_txn_close(&st->ptxn, i);
    s7p_emit(ctx, st, &p->rec, status, st->ptxn.slot[i].ts_us, st->ptxn.slot[i].dir, 1);
}

static struct s7p_pend *s7p_find(struct s7_state *st, uint16_t seq, uint8_t dir_of_req)
{
    int i = pd_txn_find(&st->ptxn, s7p_key(dir_of_req, seq));
    return i >= 0 ? &st->ppend[i] : NULL;
}

static void s7p_store(struct pd_ctx *ctx, struct s7_state *st, const struct s7comm_plus_rec *r)
{
    struct s7p_pend *dup = s7p_find(st, r->seq, ctx->dir);
    if (dup)
        s7p_finish(ctx, st, dup, PD_ST_NO_RESPONSE);
    int i = pd_txn_open(ctx, &st->ptxn, &s7p_txn_ops, s7p_key(ctx->dir, r->seq));
    st->ppend[i].rec = *r;
}

void s7p_expire(struct pd_ctx *ctx, struct s7_state *st, int final)
{
    pd_txn_expire(ctx, &st->ptxn, &s7p_txn_ops, final);
}

/* A value as flags, datatype and (for the integer types looked at) a VLQ. */
static int read_int_value(struct pd_cur *b, int32_t *out)
{
    uint8_t flags = pd_u8(b);
    uint8_t dt = pd_u8(b);
    if (flags != 0 || b->err)
        return -1;
    if (dt == S7P_DT_DINT)
        *out = svlq32(b);
    else if (dt == S7P_DT_UDINT)
        *out = (int32_t)vlq32(b);
    else
        return -1;
    return b->err ? -1 : 0;
}

/* The request set of the functions that tell session, program and run-state changes. */
static void request_body(struct s7comm_plus_rec *r, struct pd_cur *b)
{
    int32_t v;
    switch (r->func) {
    case S7COMM_PLUS_FC_CREATE_OBJECT:
        r->object_id = pd_u32be(b);
        r->has_object = !b->err;
        if (read_int_value(b, &v) < 0)
            return;
        pd_skip(b, 4);
        if (pd_u8(b) != S7P_START_OBJECT)
            return;
        pd_skip(b, 4); /* relation id */
        r->class_id = vlq32(b);
        r->has_class = !b->err;
        return;
    case S7COMM_PLUS_FC_DELETE_OBJECT:
        r->object_id = pd_u32be(b);
        r->has_object = !b->err;
        return;
    case S7COMM_PLUS_FC_SET_VARIABLE:
        r->object_id = pd_u32be(b);
        r->has_object = !b->err;
        (void)vlq32(b); /* address count, always 1 */
        r->attribute = vlq32(b);
        r->has_attribute = !b->err;
        if (read_int_value(b, &v) == 0) {
            r->state_req = v;
            r->has_state_req = r->object_id == 52 && r->attribute == 2167;
        }
        return;
    default:
        return;
    }
}

/* Response: return value, and for CreateObject the ids of the created objects. */
static void response_body(struct s7_state *st, struct s7comm_plus_rec *r, struct pd_cur *b)
{
    r->ret = vlq(b, 9);
    r->has_ret = !b->err;
    if (r->func != S7COMM_PLUS_FC_CREATE_OBJECT || b->err)
        return;
    uint8_t count = pd_u8(b);
    if (count == 0 || b->err)
        return;
    uint32_t id = vlq32(b);
    if (b->err)
        return;
    r->created_id = id;
    r->has_created = 1;
    if (r->has_object && r->object_id == S7P_ID_SESSION_CONTAINER && (int16_t)r->ret >= 0) {
        st->session = id; /* later notifications carry no session of their own */
        st->has_session = 1;
    }
}

/* Integrity part of V2: [integrity id][0x20][32-byte digest] closes the data. */
static int v2_has_digest(const struct pd_cur *b)
{
    size_t n = pd_left(b);
    if (n < S7P_DIGEST_LEN + 1)
        return 0;
    struct pd_cur t = *b;
    pd_skip(&t, n - (S7P_DIGEST_LEN + 1));
    return pd_u8(&t) == S7P_DIGEST_LEN;
}

static void header_level(struct pd_ctx *ctx, struct s7_state *st, uint8_t ver, uint16_t dlen,
                         uint8_t status)
{
    struct s7comm_plus_rec r;
    memset(&r, 0, sizeof r);
    r.version = ver;
    r.data_len = dlen;
    r.fragments = 1;
    s7p_emit(ctx, st, &r, status, ctx->now_us, ctx->dir, 0);
}

/* A PDU continuing a message whose first PDU had no trailer. */
static int continuation(struct pd_ctx *ctx, struct s7_state *st, int has_trailer)
{
    unsigned d = ctx->dir & 1;
    if (st->s7p_open_pend[d]) {
        struct s7p_pend *p = s7p_find(st, st->s7p_open_seq[d], ctx->dir);
        if (p) {
            if (p->rec.fragments < 255)
                p->rec.fragments++;
            p->rec.trailer = (uint8_t)has_trailer;
        }
    }
    if (has_trailer)
        st->s7p_open[d] = st->s7p_open_pend[d] = 0;
    return 0;
}

static int message(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_plus_rec *r,
                   struct pd_cur *b)
{
    r->opcode = pd_u8(b);
    if (r->opcode == S7COMM_PLUS_OP_NOTIFICATION) {
        r->object_id = pd_u32be(b); /* subscription object */
        r->has_object = !b->err;
        s7p_emit(ctx, st, r, PD_ST_OK, ctx->now_us, ctx->dir, 0);
        return 0;
    }
    if (r->opcode != S7COMM_PLUS_OP_REQUEST && r->opcode != S7COMM_PLUS_OP_RESPONSE &&
        r->opcode != S7COMM_PLUS_OP_RESPONSE2) {
        s7p_emit(ctx, st, r, PD_ST_OK, ctx->now_us, ctx->dir, 0);
        return 0;
    }
    pd_skip(b, 2);
    r->func = pd_u16be(b);
    pd_skip(b, 2);
    r->seq = pd_u16be(b);
    if (r->opcode == S7COMM_PLUS_OP_REQUEST) {
        r->session = pd_u32be(b);
        r->has_session = !b->err;
    }
    r->transport_flags = pd_u8(b);
    if (b->err) {
        s7_anomaly(ctx, "s7comm_plus.truncated", "S7comm-plus data header cut short");
        s7p_emit(ctx, st, r, PD_ST_MALFORMED, ctx->now_us, ctx->dir, 0);
        return -1;
    }
    r->has_func = r->has_seq = 1;
    if (r->opcode == S7COMM_PLUS_OP_REQUEST) {
        struct pd_cur body = *b;
        request_body(r, &body);
        s7p_store(ctx, st, r);
        return 0;
    }
    struct s7p_pend *p = s7p_find(st, r->seq, (uint8_t)(ctx->dir ^ 1));
    struct s7comm_plus_rec *out = r;
    if (p && p->rec.func == r->func) {
        out = &p->rec;
        out->resp_opcode = r->opcode;
        out->integrity |= r->integrity;
    }
    response_body(st, out, b);
    uint8_t status = out->has_ret && (int16_t)out->ret < 0 ? PD_ST_EXCEPTION : PD_ST_OK;
    if (out != r)
        s7p_finish(ctx, st, p, status);
    else
        s7p_emit(ctx, st, r, PD_ST_RESPONSE_ONLY, ctx->now_us, (uint8_t)(ctx->dir ^ 1), 0);
    return 0;
}

int s7p_parse_pdu(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    pd_skip(&c, 1); /* 0x72 */
    uint8_t ver = pd_u8(&c);
    if (ver == S7P_KEEPALIVE || ver == S7P_SYSTEM_EVENT)
        return 0; /* keep-alive and system events: no transaction */
    uint16_t dlen = pd_u16be(&c);
    if (c.err || ver < 1 || ver > 3) {
        s7_anomaly(ctx, c.err ? "s7comm_plus.truncated" : "s7comm_plus.invalid",
                   "S7comm-plus header cut short or unknown version");
        header_level(ctx, st, ver, dlen, PD_ST_MALFORMED);
        return -1;
    }
    struct pd_cur body = pd_sub(&c, dlen);
    if (body.err) {
        s7_anomaly(ctx, "s7comm_plus.truncated", "S7comm-plus data length overruns the PDU");
        header_level(ctx, st, ver, dlen, PD_ST_MALFORMED);
        return -1;
    }
    int has_trailer = pd_left(&c) > 0;
    if (has_trailer) {
        uint8_t id = pd_u8(&c), tver = pd_u8(&c);
        uint16_t tlen = pd_u16be(&c);
        if (c.err || id != 0x72 || tver != ver || tlen != 0 || pd_left(&c) > 0)
            s7_anomaly(ctx, "s7comm_plus.bad_trailer", "S7comm-plus trailer does not match");
    }
    unsigned d = ctx->dir & 1;
    if (st->s7p_open[d])
        return continuation(ctx, st, has_trailer);
    struct s7comm_plus_rec r;
    memset(&r, 0, sizeof r);
    r.version = ver;
    r.data_len = dlen;
    r.fragments = 1;
    r.trailer = (uint8_t)has_trailer;
    if (ver == 3 && pd_peek8(&body, 0) == S7P_DIGEST_LEN && pd_left(&body) > S7P_DIGEST_LEN) {
        pd_skip(&body, 1 + S7P_DIGEST_LEN);
        r.integrity = 1;
    } else if (ver == 2 && has_trailer && v2_has_digest(&body)) {
        r.integrity = 1;
    }
    if (!has_trailer) {
        st->s7p_open[d] = 1;
        st->s7p_open_pend[d] = pd_peek8(&body, 0) == S7COMM_PLUS_OP_REQUEST;
        struct pd_cur t = body;
        pd_skip(&t, 7);
        st->s7p_open_seq[d] = pd_u16be(&t);
    }
    return message(ctx, st, &r, &body);
}

/* TLS inside COTP (S7-1500 from firmware 2.9 / TIA V17): content type, version, length. */
int s7p_parse_tls(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct s7comm_plus_rec r;
    memset(&r, 0, sizeof r);
    r.tls_type = pd_u8(&c);
    pd_skip(&c, 2);
    r.data_len = pd_u16be(&c);
    r.encrypted = 1;
    r.fragments = 1;
    s7p_emit(ctx, st, &r, PD_ST_OK, ctx->now_us, ctx->dir, 0);
    return 0;
}
