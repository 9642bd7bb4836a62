/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modbus.c - the Modbus/TCP dissector: MBAP framing (pdu_len, resync), the strict probe,
 * request/response pairing on (transaction id, unit id, function code) and the records
 * it emits. Follows Modbus Messaging on TCP/IP Implementation Guide v1.0b for the MBAP
 * header and Modbus Application Protocol Specification v1.1b3 for the PDU, which
 * modbus_pdu.c decodes.
 */
#include <stddef.h>
#include <string.h>

#include "modbus.h"
#include "pd_txn.h"

#define ANOMALY_KIND "modbus_malformed"

/* A request waiting for its response (slot i of the framework's table); the PDU is kept
 * raw and decoded again on emit. */
struct modbus_pending {
    uint8_t unit;
    uint8_t fc;
    uint8_t pdu_len;
    uint16_t tid;
    const char *err;       /* why the request was malformed, or NULL */
};

/* The table's metadata is kept apart from the raw PDUs so that searches (several per PDU)
 * touch a few cache lines, not 32 x 260 bytes. */
struct modbus_state {
    struct pd_txn_table txn;
    struct modbus_pending pend[PD_MAX_PENDING];
    uint8_t pdu[PD_MAX_PENDING][MODBUS_MAX_PDU];
};

/* The pairing key: (transaction id, unit, function code without the exception bit). */
static uint64_t modbus_key(uint16_t tid, uint8_t unit, uint8_t fc)
{
    return (uint64_t)tid << 16 | (uint64_t)unit << 8 | (fc & 0x7fu);
}

static void pending_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why);

static const struct pd_txn_ops modbus_txn_ops = {
    .slots = PD_MAX_PENDING,
    .overflow_kind = "modbus.pending_overflow",
    .unanswered = pending_unanswered,
};

static void report(struct pd_ctx *ctx, const char *detail)
{
    if (ctx->anomaly)
        ctx->anomaly(ctx, ANOMALY_KIND, detail);
}

/* ---- framing ---------------------------------------------------------------------- */

/*
 * Looks at a possible MBAP header at p[0..n): -1 when these bytes cannot start one, 0 when
 * they are a consistent but short prefix, else the whole ADU length. *fc gets the
 * function code when it is there.
 */
static long mbap_check(const uint8_t *p, size_t n, uint8_t *fc)
{
    struct pd_cur c = pd_cur_make(p, n);
    pd_skip(&c, 2);                /* transaction id: any value */
    for (int i = 0; i < 3; i++) {  /* protocol id (2 bytes) and length high byte are 0 */
        uint8_t b = pd_u8(&c);
        if (c.err)
            return 0;
        if (b != 0)
            return -1;
    }
    uint8_t len = pd_u8(&c);
    if (c.err)
        return 0;
    if (len < MODBUS_MIN_LENGTH || len > MODBUS_MAX_LENGTH)
        return -1;
    pd_skip(&c, 1);                /* unit id: any value */
    *fc = pd_u8(&c);
    if (c.err)
        return 0;
    if (*fc == 0 || !modbus_fc_known(*fc & 0x7f))
        return -1;
    return 6 + (long)len;
}

static long modbus_pdu_len(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    pd_skip(&c, 2);
    uint16_t proto = pd_u16be(&c);
    if (!c.err && proto != 0)
        return -1;
    uint16_t len = pd_u16be(&c);
    if (!c.err && (len < MODBUS_MIN_LENGTH || len > MODBUS_MAX_LENGTH))
        return -1;
    if (n < MODBUS_MBAP_LEN)
        return 0;
    return 6 + (long)len;
}

/* ---- probe ------------------------------------------------------------------------ */

/* Request PDU lengths fixed by the function code; left = bytes after the function code. */
static int shape_request(uint8_t fc, struct pd_cur *c, size_t left)
{
    uint8_t b;
    switch (fc) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS:
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
        return left == 4;
    case MODBUS_FC_READ_EXCEPTION_STATUS:
    case MODBUS_FC_GET_COMM_EVENT_COUNTER:
    case MODBUS_FC_GET_COMM_EVENT_LOG:
    case MODBUS_FC_REPORT_SERVER_ID:
        return left == 0;
    case MODBUS_FC_DIAGNOSTICS:
        return left >= 2;
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
        pd_skip(c, 4);
        b = pd_u8(c);
        return !c->err && b > 0 && left == 5u + b;
    case MODBUS_FC_READ_FILE_RECORD:
        b = pd_u8(c);
        return !c->err && b >= 7 && b % 7 == 0 && left == 1u + b;
    case MODBUS_FC_WRITE_FILE_RECORD:
        b = pd_u8(c);
        return !c->err && b >= 9 && left == 1u + b;
    case MODBUS_FC_MASK_WRITE_REGISTER:
        return left == 6;
    case MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS:
        pd_skip(c, 8);
        b = pd_u8(c);
        return !c->err && b > 0 && left == 9u + b;
    case MODBUS_FC_READ_FIFO_QUEUE:
        return left == 2;
    case MODBUS_FC_ENCAPSULATED_INTERFACE:
        b = pd_u8(c);
        return !c->err && (b != MODBUS_MEI_READ_DEVICE_ID || left == 3);
    case MODBUS_FC_SCHNEIDER_UMAS:
        return left >= 2;
    default:
        return 1; /* user-defined: any length */
    }
}

/* Response PDU lengths fixed by the function code. */
static int shape_response(uint8_t fc, struct pd_cur *c, size_t left)
{
    uint8_t b;
    switch (fc) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
        b = pd_u8(c);
        return !c->err && b > 0 && left == 1u + b;
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS:
    case MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS:
        b = pd_u8(c);
        return !c->err && b > 0 && b % 2 == 0 && left == 1u + b;
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
    case MODBUS_FC_GET_COMM_EVENT_COUNTER:
        return left == 4;
    case MODBUS_FC_READ_EXCEPTION_STATUS:
        return left == 1;
    case MODBUS_FC_DIAGNOSTICS:
        return left >= 2;
    case MODBUS_FC_GET_COMM_EVENT_LOG:
        b = pd_u8(c);
        return !c->err && b >= 6 && left == 1u + b;
    case MODBUS_FC_REPORT_SERVER_ID:
    case MODBUS_FC_READ_FILE_RECORD:
    case MODBUS_FC_WRITE_FILE_RECORD:
        b = pd_u8(c);
        return !c->err && b > 0 && left == 1u + b;
    case MODBUS_FC_MASK_WRITE_REGISTER:
        return left == 6;
    case MODBUS_FC_READ_FIFO_QUEUE: {
        uint16_t bc = pd_u16be(c);
        return !c->err && left == 2u + bc;
    }
    case MODBUS_FC_ENCAPSULATED_INTERFACE:
        b = pd_u8(c);
        return !c->err && (b != MODBUS_MEI_READ_DEVICE_ID || left >= 6);
    case MODBUS_FC_SCHNEIDER_UMAS:
        return left >= 2;
    default:
        return 1;
    }
}

/* Does a PDU of n bytes (function code first) have the length its function code fixes
 * in direction dir? Lengths and byte counts only, not value ranges: a scanner sending a
 * quantity of 0 still speaks Modbus. */
static int modbus_pdu_shape_ok(const uint8_t *pdu, size_t n, uint8_t dir)
{
    struct pd_cur c = pd_cur_make(pdu, n);
    uint8_t fc = pd_u8(&c);
    if (c.err || fc == 0 || !modbus_fc_known(fc & 0x7f))
        return 0;
    size_t left = pd_left(&c);
    if (fc & MODBUS_FC_EXCEPTION_BIT) {
        uint8_t code = pd_u8(&c);
        return dir == PD_DIR_TO_CLIENT && left == 1 && code != 0;
    }
    if (dir == PD_DIR_TO_SERVER)
        return shape_request(fc, &c, left);
    return shape_response(fc, &c, left);
}

static int shape_either(const uint8_t *pdu, size_t n)
{
    return modbus_pdu_shape_ok(pdu, n, PD_DIR_TO_SERVER) ||
           modbus_pdu_shape_ok(pdu, n, PD_DIR_TO_CLIENT);
}

/* First offset where a plausible MBAP frame starts: one that ends the buffer exactly or
 * is followed by another plausible header wins; else the first one running past the end;
 * else a consistent header prefix in the last bytes; else -1. */
static long modbus_resync(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    long weak = -1, tail = -1;
    for (size_t i = 0; i < n; i++, pd_skip(&c, 1)) {
        uint8_t fc = 0;
        long alen = mbap_check(c.p, pd_left(&c), &fc);
        if (alen < 0)
            continue;
        if (alen == 0) {
            if (tail < 0)
                tail = (long)i;
            continue;
        }
        if ((size_t)alen > pd_left(&c)) {
            if (weak < 0)
                weak = (long)i;
            continue;
        }
        struct pd_cur f = c;
        pd_skip(&f, MODBUS_MBAP_LEN);
        if (!shape_either(f.p, (size_t)alen - MODBUS_MBAP_LEN))
            continue;
        pd_skip(&f, (size_t)alen - MODBUS_MBAP_LEN);
        if (pd_left(&f) == 0 || mbap_check(f.p, pd_left(&f), &fc) >= 0)
            return (long)i;
    }
    return weak >= 0 ? weak : tail;
}

/* Every complete frame in p must be Modbus in direction dir; the first must be complete. */
static enum pd_probe probe_dir(const uint8_t *p, size_t n, uint8_t dir)
{
    struct pd_cur c = pd_cur_make(p, n);
    unsigned frames = 0;
    while (pd_left(&c) > 0) {
        uint8_t fc = 0;
        long alen = mbap_check(c.p, pd_left(&c), &fc);
        if (alen < 0)
            return PD_PROBE_NO;
        if (alen == 0 || (size_t)alen > pd_left(&c))
            break; /* a short tail: what is there is consistent */
        if (dir == PD_DIR_TO_SERVER && (fc & MODBUS_FC_EXCEPTION_BIT))
            return PD_PROBE_NO;
        pd_skip(&c, MODBUS_MBAP_LEN);
        if (!modbus_pdu_shape_ok(c.p, (size_t)alen - MODBUS_MBAP_LEN, dir))
            return PD_PROBE_NO;
        pd_skip(&c, (size_t)alen - MODBUS_MBAP_LEN);
        frames++;
    }
    return frames > 0 ? PD_PROBE_YES : PD_PROBE_NEED_MORE;
}

/* Framing alone: p is one or more whole MBAP frames (protocol id 0, sane lengths) ending
 * exactly where p ends, whatever their function codes and PDU shapes. */
static int frames_exact(const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        long len = modbus_pdu_len(p + off, n - off);
        if (len <= 0 || (size_t)len > n - off)
            return 0;
        off += (size_t)len;
    }
    return n > 0;
}

/* The direction is a guess when the SYN was not seen, so the other one is tried too. A
 * scanner's function code 0 or a malformed PDU in exact MBAP framing is a weak yes: the
 * sensor takes it on a Modbus port only (pd.h). */
static enum pd_probe modbus_probe(const uint8_t *p, size_t n, uint8_t dir)
{
    enum pd_probe r = probe_dir(p, n, dir);
    if (r != PD_PROBE_NO)
        return r;
    r = probe_dir(p, n, dir == PD_DIR_TO_SERVER ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER);
    if (r != PD_PROBE_NO)
        return r;
    return frames_exact(p, n) ? PD_PROBE_WEAK : PD_PROBE_NO;
}

/* Request or response from the PDU's shape in each direction; an exception is a response.
 * The transaction id is what the server repeats. */
static void modbus_role(const uint8_t *p, size_t n, struct pd_role_info *out)
{
    struct pd_cur c = pd_cur_make(p, n);
    out->role = PD_ROLE_EITHER;
    out->id = pd_u16be(&c);
    pd_skip(&c, 5);
    out->has_id = !c.err;
    if (c.err)
        return;
    int req = modbus_pdu_shape_ok(c.p, pd_left(&c), PD_DIR_TO_SERVER);
    int rsp = modbus_pdu_shape_ok(c.p, pd_left(&c), PD_DIR_TO_CLIENT);
    if (req != rsp)
        out->role = req ? PD_ROLE_REQUEST : PD_ROLE_RESPONSE;
}

/* ---- records ---------------------------------------------------------------------- */

static void rec_start(struct modbus_rec *r, uint16_t tid, uint8_t unit, uint8_t fc)
{
    /* zero the scalar part only: the value, file and object arrays (most of the ~9 KB) are
     * read only up to their counts, which are zeroed here */
    memset(r, 0, offsetof(struct modbus_rec, req_values));
    r->n_file_refs = 0;
    r->file_refs_truncated = 0;
    memset(&r->req_raw, 0, sizeof r->req_raw);
    memset(&r->resp_raw, 0, sizeof r->resp_raw);
    memset(&r->server_id, 0, sizeof r->server_id);
    memset(&r->events, 0, sizeof r->events);
    memset(&r->mei, 0, offsetof(struct modbus_mei, objects));
    r->tid = tid;
    r->unit = unit;
    modbus_set_func(r, fc & 0x7f);
}

/* Decodes a request PDU (function code first) into r; returns NULL or what is wrong. */
static const char *rec_request(struct modbus_rec *r, const uint8_t *pdu, size_t n,
                               const struct pd_limits *lim)
{
    const char *err = NULL;
    struct pd_cur c = pd_cur_make(pdu, n);
    uint8_t fc = pd_u8(&c);
    if (c.err)
        return "truncated: no function code";
    if (fc == 0 || (fc & MODBUS_FC_EXCEPTION_BIT))
        return "invalid: function code 0 or with the exception bit in a request";
    if (modbus_decode_request(r, &c, lim, &err) < 0)
        return err;
    return NULL;
}

/* Emits r with the framework's ts, requester and latency already in t. */
static void rec_emit(struct pd_ctx *ctx, struct modbus_rec *r, struct pd_txn *t)
{
    t->proto = PD_PROTO_MODBUS;
    t->op = modbus_op(r);
    t->req_dir = PD_DIR_TO_SERVER; /* the client is the requester, also for response_only */
    t->rec = r;
    ctx->emit(ctx, t);
}

/* A pending request that got no answer (malformed if the request was). */
static void pending_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct modbus_state *st = ctx->state;
    struct modbus_pending *pe = &st->pend[i];
    struct modbus_rec r;
    struct pd_txn x;
    (void)why;
    memset(&x, 0, sizeof x);
    rec_start(&r, pe->tid, pe->unit, pe->fc);
    const char *err = rec_request(&r, st->pdu[i], pe->pdu_len, ctx->lim);
    if (pe->err)
        err = pe->err;
    if (err) {
        r.error = err;
        r.has |= MODBUS_HAS_ERROR;
    }
    pd_txn_unanswered_fill(t, i, &x, err ? PD_ST_MALFORMED : PD_ST_NO_RESPONSE);
    rec_emit(ctx, &r, &x);
}

static void pending_add(struct pd_ctx *ctx, uint16_t tid, uint8_t unit, const uint8_t *pdu,
                        size_t n, const char *err)
{
    struct modbus_state *st = ctx->state;
    struct pd_cur c = pd_cur_make(pdu, n);
    uint8_t fc = pd_u8(&c);
    int i = pd_txn_open(ctx, &st->txn, &modbus_txn_ops, modbus_key(tid, unit, fc));
    struct modbus_pending *pe = &st->pend[i];
    pe->tid = tid;
    pe->unit = unit;
    pe->fc = fc;
    pe->err = err;
    pe->pdu_len = (uint8_t)(n < MODBUS_MAX_PDU ? n : MODBUS_MAX_PDU);
    struct pd_cur all = pd_cur_make(pdu, n);
    pd_copy(&all, st->pdu[i], pe->pdu_len);
}

static int request_in(struct pd_ctx *ctx, uint16_t tid, uint8_t unit, const uint8_t *pdu,
                      size_t n, const char *frame_err)
{
    struct modbus_rec r;
    struct pd_cur c = pd_cur_make(pdu, n);
    rec_start(&r, tid, unit, pd_u8(&c));
    const char *err = rec_request(&r, pdu, n, ctx->lim);
    if (frame_err)
        err = frame_err;
    if (err)
        report(ctx, err);
    pending_add(ctx, tid, unit, pdu, n, err);
    return err ? -1 : 0;
}

static int response_in(struct pd_ctx *ctx, uint16_t tid, uint8_t unit, const uint8_t *pdu,
                       size_t n, const char *frame_err)
{
    struct modbus_state *st = ctx->state;
    struct modbus_rec r;
    struct pd_cur c = pd_cur_make(pdu, n);
    uint8_t fc = pd_u8(&c);
    const char *req_err = NULL, *err = NULL;
    /* Clients do reuse a transaction id while requests are outstanding (pipelined writes
     * with one fixed tid are seen in real captures) and servers answer in order, so
     * same-key requests are matched first in, first out (pd_txn_find: the oldest). */
    int i = pd_txn_find(&st->txn, modbus_key(tid, unit, fc));
    struct modbus_pending *pe = i >= 0 ? &st->pend[i] : NULL;
    rec_start(&r, tid, unit, fc);
    if (pe) {
        req_err = rec_request(&r, st->pdu[i], pe->pdu_len, ctx->lim);
        if (pe->err)
            req_err = pe->err;
    }
    if (fc == 0) {
        err = "invalid: function code 0 in a response";
    } else if (fc & MODBUS_FC_EXCEPTION_BIT) {
        r.exception = pd_u8(&c);
        r.exception_name = modbus_exception_name(r.exception);
        r.has |= MODBUS_HAS_EXCEPTION;
        if (c.err)
            err = "truncated: exception response without an exception code";
        else if (pd_left(&c) > 0)
            err = "invalid: exception response longer than 2 bytes";
    } else if (modbus_decode_response(&r, &c, ctx->lim, pe && !req_err, &err) < 0) {
        /* err says what */
    }
    if (frame_err)
        err = frame_err;
    if (err)
        report(ctx, err);
    struct pd_txn x;
    memset(&x, 0, sizeof x);
    if (pe)
        pd_txn_answer(ctx, &st->txn, i, &x, PD_ST_OK);
    else
        pd_txn_unpaired(ctx, &x);
    if (r.has & MODBUS_HAS_EXCEPTION)
        x.status = PD_ST_EXCEPTION;
    if (err || req_err) {
        x.status = PD_ST_MALFORMED;
        r.error = err ? err : req_err;
        r.has |= MODBUS_HAS_ERROR;
    }
    if (pe)
        pd_txn_close(&st->txn, i);
    rec_emit(ctx, &r, &x);
    return err ? -1 : 0;
}

static int modbus_parse(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    uint16_t tid = pd_u16be(&c);
    uint16_t proto = pd_u16be(&c);
    uint16_t len = pd_u16be(&c);
    uint8_t unit = pd_u8(&c);
    if (c.err || !pd_has(&c, 1)) {
        report(ctx, "truncated: MBAP header and function code need 8 bytes");
        return -1;
    }
    if (proto != 0) {
        report(ctx, "invalid: MBAP protocol id is not 0");
        return -1;
    }
    const char *frame_err = NULL;
    size_t pdu_n = pd_left(&c);
    if (len < MODBUS_MIN_LENGTH || len > MODBUS_MAX_LENGTH)
        frame_err = "invalid: MBAP length outside 2..254";
    else if (pdu_n < (size_t)len - 1)
        frame_err = "truncated: fewer bytes than the MBAP length says";
    else if (pdu_n > (size_t)len - 1)
        frame_err = "invalid: bytes beyond the MBAP length";
    if (pdu_n > MODBUS_MAX_PDU)
        pdu_n = MODBUS_MAX_PDU;
    const uint8_t *pdu = pd_bytes(&c, pdu_n);
    if (ctx->dir == PD_DIR_TO_SERVER)
        return request_in(ctx, tid, unit, pdu, pdu_n, frame_err);
    return response_in(ctx, tid, unit, pdu, pdu_n, frame_err);
}

static void modbus_expire(struct pd_ctx *ctx, int final)
{
    struct modbus_state *st = ctx->state;
    pd_txn_expire(ctx, &st->txn, &modbus_txn_ops, final);
}

const struct pd_dissector pd_modbus = {
    .name = "modbus",
    .proto = PD_PROTO_MODBUS,
    .transports = PD_TRANSPORT_TCP | PD_TRANSPORT_UDP,
    .ports = {502, 0},
    .min_header = MODBUS_MBAP_LEN,
    .probe = modbus_probe,
    .role = modbus_role,
    .pdu_len = modbus_pdu_len,
    .resync = modbus_resync,
    .parse = modbus_parse,
    .expire = modbus_expire,
    .state_size = sizeof(struct modbus_state),
    .fields = modbus_fields,
};
