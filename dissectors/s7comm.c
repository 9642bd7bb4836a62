/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm.c - the S7 dissector's transport layer and descriptor: TPKT (RFC 1006) framing,
 * COTP class 0 (ISO 8073 / X.224) connection request/confirm with TSAPs and data transfer
 * with EOT segment reassembly, request/response pairing by PDU reference and expiry.
 * The S7comm PDUs (first byte 0x32) go to s7comm_job.c, S7comm-plus (0x72) and TLS
 * records to s7comm_plus.c.
 */
#include <string.h>

#include "s7comm_int.h"

#define TPKT_VERSION 3
#define TPKT_HDR 4
#define TPKT_MIN_LEN 7 /* TPKT header + the shortest COTP DT header */

#define COTP_CR 0xe0
#define COTP_CC 0xd0
#define COTP_DR 0x80
#define COTP_DC 0xc0
#define COTP_DT 0xf0
#define COTP_ER 0x70
#define COTP_ED 0x10
#define COTP_EA 0x20
#define COTP_AK 0x60
#define COTP_RJ 0x50
#define COTP_EOT 0x80
#define COTP_P_TPDU_SIZE 0xc0
#define COTP_P_CALLING 0xc1
#define COTP_P_CALLED 0xc2

struct tpkt_head {
    uint16_t len; /* TPKT length, header included */
    uint8_t li;   /* COTP length indicator (header bytes after this one) */
    uint8_t code; /* COTP TPDU code, credit/flags nibble masked off where it has one */
};

static uint8_t cotp_code(uint8_t type)
{
    uint8_t hi = type & 0xf0;
    /* DT, ED and EA use the whole byte; the others carry credit/flags in the low nibble */
    if (type == COTP_DT || type == COTP_ED || type == COTP_EA)
        return type;
    if (hi == COTP_CR || hi == COTP_CC || hi == COTP_AK || hi == COTP_RJ)
        return hi;
    if (type == COTP_DR || type == COTP_DC || type == COTP_ER)
        return type;
    return 0;
}

static uint8_t cotp_min_li(uint8_t code)
{
    switch (code) {
    case COTP_DT:
        return 2;
    case COTP_CR:
    case COTP_CC:
    case COTP_DR:
        return 6;
    case COTP_DC:
        return 5;
    default:
        return 4;
    }
}

/* Reads TPKT and the first two COTP bytes: 1 plausible, 0 need more bytes, -1 not a start. */
static int head_read(struct pd_cur *c, struct tpkt_head *h)
{
    if (pd_u8(c) != TPKT_VERSION)
        return c->err ? 0 : -1;
    if (pd_u8(c) != 0)
        return c->err ? 0 : -1;
    h->len = pd_u16be(c);
    if (c->err)
        return 0;
    if (h->len < TPKT_MIN_LEN)
        return -1;
    h->li = pd_u8(c);
    if (c->err)
        return 0;
    if (h->li == 0xff || (size_t)h->li + 1 > (size_t)h->len - TPKT_HDR)
        return -1;
    uint8_t type = pd_u8(c);
    if (c->err)
        return 0;
    h->code = cotp_code(type);
    if (h->code == 0 || h->li < cotp_min_li(h->code))
        return -1;
    if (h->code == COTP_DT && h->li != 2)
        return -1; /* class 0 data transfer only */
    return 1;
}

/* The first bytes of a COTP DT payload: 1 S7comm, S7comm-plus or a TLS record (S7comm-plus
 * with TLS), 0 need more, -1 none of them. */
static int payload_start_ok(struct pd_cur *c)
{
    uint8_t id = pd_u8(c);
    uint8_t b1 = pd_u8(c);
    if (c->err)
        return 0;
    if (id == 0x32)
        return (b1 >= 1 && b1 <= 3) || b1 == 7 ? 1 : -1;
    if (id == 0x72)
        return (b1 >= 1 && b1 <= 3) || b1 == 0xfe || b1 == 0xff ? 1 : -1;
    if (id >= 0x14 && id <= 0x17 && b1 == 0x03)
        return 1;
    return -1;
}

/*
 * Decodes the rest of a CR/CC (after LI and code) into out. Returns 0, or -1 when the
 * parameters do not fit the header. The class must be 0 when `strict`.
 */
static int cotp_conn_params(struct pd_cur *c, uint8_t li, struct s7comm_cotp *out, int strict)
{
    struct pd_cur h = pd_sub(c, (size_t)li - 1);
    pd_skip(&h, 4); /* destination and source references */
    uint8_t cls = pd_u8(&h);
    if (h.err || (strict && (cls >> 4) != 0))
        return -1;
    memset(out, 0, sizeof *out);
    while (pd_left(&h) > 0) {
        uint8_t code = pd_u8(&h);
        uint8_t plen = pd_u8(&h);
        struct pd_cur v = pd_sub(&h, plen);
        if (h.err)
            return -1;
        size_t keep = plen < S7COMM_TSAP_MAX ? plen : S7COMM_TSAP_MAX;
        if (code == COTP_P_CALLING) {
            pd_copy(&v, out->src_tsap, keep);
            out->src_len = (uint8_t)keep;
        } else if (code == COTP_P_CALLED) {
            pd_copy(&v, out->dst_tsap, keep);
            out->dst_len = (uint8_t)keep;
        } else if (code == COTP_P_TPDU_SIZE) {
            out->tpdu_size = pd_u8(&v);
        }
    }
    out->valid = 1;
    return 0;
}

/* S7 TSAPs: the called one is two bytes with a connection type (PG 1, OP 2, S7 basic 3,
 * 0x10...) and rack/slot, or an S7-1200/1500 string ("SIMATIC-ROOT-ES"); a two-byte calling
 * TSAP has a non-zero first byte too (0x0100, 0x0600, 0x1000). IEC 61850 MMS, also on
 * TPKT/COTP port 102, uses 0x0001 and 0x0002, and its servers confirm with called 0x0200. */
static int tsap_is_s7(const struct s7comm_cotp *t)
{
    if (t->src_len == 0 || (t->src_len == 2 && t->src_tsap[0] == 0))
        return 0;
    if (t->dst_len == 2)
        return t->dst_tsap[0] != 0;
    return t->dst_len >= 7 && memcmp(t->dst_tsap, "SIMATIC", 7) == 0;
}

static enum pd_probe s7_probe(const uint8_t *p, size_t n, uint8_t dir)
{
    (void)dir;
    struct pd_cur c = pd_cur_make(p, n);
    struct tpkt_head h;
    int r = head_read(&c, &h);
    if (r <= 0)
        return r == 0 ? PD_PROBE_NEED_MORE : PD_PROBE_NO;
    if (h.code == COTP_DT) {
        pd_skip(&c, 1); /* EOT and TPDU number */
        r = payload_start_ok(&c);
        return r == 0 ? PD_PROBE_NEED_MORE : r > 0 ? PD_PROBE_YES : PD_PROBE_NO;
    }
    if (h.code != COTP_CR && h.code != COTP_CC)
        return PD_PROBE_NO;
    if (n < h.len)
        return PD_PROBE_NEED_MORE;
    struct s7comm_cotp t;
    if (cotp_conn_params(&c, h.li, &t, 1) < 0)
        return PD_PROBE_NO;
    return tsap_is_s7(&t) ? PD_PROBE_YES : PD_PROBE_NO;
}

/* COTP CR comes from the client, CC from the server; S7comm job and userdata requests from
 * the client, ack, ack-data, userdata responses and pushes from the server (the PDU
 * reference is what the answer repeats); S7comm-plus V1 by its opcode. */
static void s7_role(const uint8_t *p, size_t n, struct pd_role_info *out)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct tpkt_head h;
    out->role = PD_ROLE_EITHER;
    out->has_id = 0;
    if (head_read(&c, &h) != 1)
        return;
    if (h.code == COTP_CR || h.code == COTP_CC) {
        out->role = h.code == COTP_CR ? PD_ROLE_REQUEST : PD_ROLE_RESPONSE;
        return;
    }
    if (h.code != COTP_DT)
        return;
    pd_skip(&c, 1); /* EOT and TPDU number */
    uint8_t id = pd_u8(&c), b1 = pd_u8(&c);
    if (c.err)
        return;
    if (id == 0x72) {
        pd_skip(&c, 2); /* data length */
        uint8_t op = pd_u8(&c);
        if (c.err || b1 != 1)
            return;
        if (op == S7COMM_PLUS_OP_REQUEST)
            out->role = PD_ROLE_REQUEST;
        else if (op == S7COMM_PLUS_OP_RESPONSE || op == S7COMM_PLUS_OP_NOTIFICATION)
            out->role = PD_ROLE_RESPONSE;
        return;
    }
    if (id != 0x32)
        return;
    pd_skip(&c, 2); /* redundancy identification */
    uint16_t ref = pd_u16be(&c);
    uint16_t plen = pd_u16be(&c);
    pd_skip(&c, 2); /* data length */
    if (c.err)
        return;
    out->id = ref;
    out->has_id = 1;
    if (b1 == S7COMM_ROSCTR_JOB) {
        out->role = PD_ROLE_REQUEST;
    } else if (b1 == S7COMM_ROSCTR_ACK || b1 == S7COMM_ROSCTR_ACK_DATA) {
        out->role = PD_ROLE_RESPONSE;
    } else if (b1 == S7COMM_ROSCTR_USERDATA && plen >= 8) {
        struct pd_cur param = pd_sub(&c, plen);
        uint8_t type = 0, group, sub, seq;
        if (s7_ud_header(&param, &type, &group, &sub, &seq) != 0)
            return;
        out->role = type == S7COMM_UD_TYPE_REQ ? PD_ROLE_REQUEST : PD_ROLE_RESPONSE;
        if (type == S7COMM_UD_TYPE_PUSH)
            out->has_id = 0;
    }
}

static long s7_pdu_len(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct tpkt_head h;
    int r = head_read(&c, &h);
    if (r <= 0)
        return r == 0 ? 0 : -1;
    return h.len;
}

/* 1 when a frame plausibly starts at p (checking what is there), else 0. */
static int frame_plausible(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct tpkt_head h;
    if (head_read(&c, &h) != 1)
        return 0;
    if (h.code == COTP_DT) {
        pd_skip(&c, 1);
        if (payload_start_ok(&c) < 0)
            return 0;
    } else if (h.code != COTP_CR && h.code != COTP_CC && h.code != COTP_DR &&
               h.code != COTP_DC) {
        return 0;
    }
    if (n >= (size_t)h.len + 2) { /* the next frame is there too: it must be TPKT */
        struct pd_cur nx = pd_cur_make(p + h.len, n - h.len);
        if (pd_u8(&nx) != TPKT_VERSION || pd_u8(&nx) != 0)
            return 0;
    }
    return 1;
}

static long s7_resync(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (frame_plausible(p + i, n - i))
            return (long)i;
    return -1;
}

void s7_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    if (ctx->anomaly)
        ctx->anomaly(ctx, kind, detail);
}

static void s7_emit(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_rec *r,
                    uint8_t status, uint64_t ts_us, uint8_t req_dir, int paired)
{
    struct pd_txn t;
    memset(&t, 0, sizeof t);
    r->cotp = st->cotp.valid ? &st->cotp : NULL;
    t.proto = PD_PROTO_S7COMM;
    t.op = (uint8_t)s7comm_rec_op(r);
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

/* A record of one message: a response-only record names the other side as requester. */
void s7_emit_now(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_rec *r, uint8_t status)
{
    uint8_t req_dir = status == PD_ST_RESPONSE_ONLY ? (uint8_t)(ctx->dir ^ 1) : ctx->dir;
    s7_emit(ctx, st, r, status, ctx->now_us, req_dir, 0);
}

/* Key: the request's kind, direction and PDU reference. */
static uint64_t s7_key(uint8_t kind, uint8_t req_dir, uint16_t pdu_ref)
{
    return (uint64_t)kind << 17 | (uint64_t)(req_dir & 1) << 16 | pdu_ref;
}

static void s7_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct s7_state *st = (struct s7_state *)ctx->state;
    (void)why;
    s7_emit(ctx, st, &st->pend[i].rec, PD_ST_NO_RESPONSE, t->slot[i].ts_us, t->slot[i].dir, 0);
}

static const struct pd_txn_ops s7_txn_ops = {
    .slots = PD_MAX_PENDING,
    .overflow_kind = "s7comm.pending_overflow",
    .unanswered = s7_unanswered,
};

void s7_pend_finish(struct pd_ctx *ctx, struct s7_state *st, struct s7_pend *p, uint8_t status)
{
    int i = (int)(p - st->pend);
    if (status == PD_ST_NO_RESPONSE) {
        pd_txn_drop(ctx, &st->txn, &s7_txn_ops, i, PD_TXN_SUPERSEDED);
        return;
    }
    pd_txn_close(&st->txn, i);
    s7_emit(ctx, st, &p->rec, status, st->txn.slot[i].ts_us, st->txn.slot[i].dir, 1);
}

struct s7_pend *s7_pend_find(struct s7_state *st, uint8_t kind, uint16_t pdu_ref,
                             uint8_t resp_dir)
{
    int i = pd_txn_find(&st->txn, s7_key(kind, (uint8_t)(resp_dir ^ 1), pdu_ref));
    return i >= 0 ? &st->pend[i] : NULL;
}

/* Remembers request r until its response; a reused reference or a full table turns the
 * older request into no_response. */
void s7_pend_store(struct pd_ctx *ctx, struct s7_state *st, const struct s7comm_rec *r)
{
    for (uint8_t d = 0; d < 2; d++) {
        int old = pd_txn_find(&st->txn, s7_key(r->kind, d, r->pdu_ref));
        if (old >= 0)
            pd_txn_drop(ctx, &st->txn, &s7_txn_ops, old, PD_TXN_SUPERSEDED);
    }
    int i = pd_txn_open(ctx, &st->txn, &s7_txn_ops, s7_key(r->kind, ctx->dir, r->pdu_ref));
    st->pend[i].rec = *r;
    st->pend[i].rec.identity = NULL;
}

/* CR: remember the TSAPs; CC: one session record for the pair. */
static int cotp_connect(struct pd_ctx *ctx, struct s7_state *st, struct pd_cur *c,
                        const struct tpkt_head *h)
{
    struct s7comm_cotp t;
    if (cotp_conn_params(c, h->li, &t, 0) < 0) {
        s7_anomaly(ctx, "s7comm.cotp_invalid", "COTP CR/CC parameters overrun the header");
        return -1;
    }
    struct s7comm_rec r;
    memset(&r, 0, sizeof r);
    r.kind = S7COMM_KIND_SESSION;
    if (h->code == COTP_CR) {
        if (st->cr_pending) {
            r.cotp_event = 0;
            s7_emit(ctx, st, &r, PD_ST_NO_RESPONSE, st->cr_ts_us, st->cr_dir, 0);
        }
        st->cotp = t;
        st->cr_pending = 1;
        st->cr_dir = ctx->dir;
        st->cr_ts_us = ctx->now_us;
        return 0;
    }
    r.cotp_event = COTP_CC;
    if (st->cr_pending && st->cr_dir != ctx->dir) {
        if (st->cotp.src_len == 0 && st->cotp.dst_len == 0)
            st->cotp = t;
        st->cr_pending = 0;
        s7_emit(ctx, st, &r, PD_ST_OK, st->cr_ts_us, st->cr_dir, 1);
        return 0;
    }
    st->cotp = t;
    s7_emit(ctx, st, &r, PD_ST_RESPONSE_ONLY, ctx->now_us, ctx->dir ^ 1, 0);
    return 0;
}

/* DR or ER answering a pending CR: the connection was refused. */
static int cotp_refuse(struct pd_ctx *ctx, struct s7_state *st, const struct tpkt_head *h)
{
    if (!st->cr_pending || st->cr_dir == ctx->dir)
        return 0;
    struct s7comm_rec r;
    memset(&r, 0, sizeof r);
    r.kind = S7COMM_KIND_SESSION;
    r.cotp_event = h->code;
    st->cr_pending = 0;
    s7_emit(ctx, st, &r, PD_ST_EXCEPTION, st->cr_ts_us, st->cr_dir, 1);
    return 0;
}

/* A complete COTP user data unit: S7comm, S7comm-plus or TLS carrying S7comm-plus. */
static int s7_payload(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    uint8_t id = pd_u8(&c);
    uint8_t b1 = pd_u8(&c);
    if (n == 0)
        return 0;
    if (id == 0x32)
        return s7_parse_pdu(ctx, st, p, n);
    if (id == 0x72)
        return s7p_parse_pdu(ctx, st, p, n);
    if (id >= 0x14 && id <= 0x17 && b1 == 0x03)
        return s7p_parse_tls(ctx, st, p, n);
    s7_anomaly(ctx, "s7comm.unknown_payload", "COTP data is neither S7comm nor S7comm-plus");
    return -1;
}

static int cotp_data(struct pd_ctx *ctx, struct s7_state *st, struct pd_cur *c)
{
    uint8_t nr = pd_u8(c);
    size_t n = pd_left(c);
    const uint8_t *d = pd_bytes(c, n);
    struct s7_reasm *ra = &st->reasm[ctx->dir & 1];
    if (!d)
        return -1;
    if (!(nr & COTP_EOT)) {
        if (ra->dropping)
            return 0;
        if ((size_t)ra->len + n > S7_REASM_CAP) {
            s7_anomaly(ctx, "s7comm.reassembly_overflow", "COTP segments exceed 8192 bytes");
            ra->len = 0;
            ra->dropping = 1;
            return -1;
        }
        memcpy(ra->buf + ra->len, d, n);
        ra->len = (uint16_t)(ra->len + n);
        return 0;
    }
    if (ra->dropping) {
        ra->dropping = 0;
        return 0;
    }
    if (ra->len == 0)
        return s7_payload(ctx, st, d, n);
    if ((size_t)ra->len + n > S7_REASM_CAP) {
        s7_anomaly(ctx, "s7comm.reassembly_overflow", "COTP segments exceed 8192 bytes");
        ra->len = 0;
        return -1;
    }
    memcpy(ra->buf + ra->len, d, n);
    size_t total = (size_t)ra->len + n;
    ra->len = 0;
    return s7_payload(ctx, st, ra->buf, total);
}

static int s7_parse(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    struct s7_state *st = (struct s7_state *)ctx->state;
    struct pd_cur c = pd_cur_make(p, n);
    struct tpkt_head h = {0, 0, 0};
    int r = head_read(&c, &h);
    if (r == 0 || (r > 0 && h.len > n)) {
        s7_anomaly(ctx, "s7comm.truncated", "PDU shorter than its TPKT length");
        return -1;
    }
    if (r < 0 || h.len != n) {
        s7_anomaly(ctx, "s7comm.bad_tpkt", "TPKT/COTP header does not frame this PDU");
        return -1;
    }
    switch (h.code) {
    case COTP_CR:
    case COTP_CC:
        return cotp_connect(ctx, st, &c, &h);
    case COTP_DR:
    case COTP_ER:
        return cotp_refuse(ctx, st, &h);
    case COTP_DT:
        return cotp_data(ctx, st, &c);
    default:
        return 0; /* DC, expedited data and acknowledgements carry nothing to report */
    }
}

static void s7_expire(struct pd_ctx *ctx, int final)
{
    struct s7_state *st = (struct s7_state *)ctx->state;
    uint64_t timeout = ctx->lim ? ctx->lim->txn_timeout_us : 0;
    pd_txn_expire(ctx, &st->txn, &s7_txn_ops, final);
    if (st->cr_pending && (final || pd_txn_aged(ctx->now_us, st->cr_ts_us, timeout))) {
        struct s7comm_rec r;
        memset(&r, 0, sizeof r);
        r.kind = S7COMM_KIND_SESSION;
        st->cr_pending = 0;
        s7_emit(ctx, st, &r, PD_ST_NO_RESPONSE, st->cr_ts_us, st->cr_dir, 0);
    }
    s7p_expire(ctx, st, final);
}

const struct pd_dissector pd_s7comm = {
    .name = "s7comm",
    .proto = PD_PROTO_S7COMM,
    .transports = PD_TRANSPORT_TCP,
    .ports = {102, 0},
    .min_header = 6,
    .probe = s7_probe,
    .role = s7_role,
    .pdu_len = s7_pdu_len,
    .resync = s7_resync,
    .parse = s7_parse,
    .expire = s7_expire,
    .state_size = sizeof(struct s7_state),
    .fields = s7comm_fields,
};
