/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_job.c - S7comm PDUs (protocol id 0x32): the header (ROSCTR, PDU reference,
 * parameter and data lengths, error class and code) and the job / ack-data functions:
 * setup communication, read and write variable items with return codes and values,
 * block up/download, PI service and PLC stop. Userdata continues in s7comm_ud.c.
 * Layouts as documented by Wireshark's packet-s7comm.c (Siemens S7 "ISO-on-TCP" jobs).
 */
#include <string.h>

#include "s7comm_int.h"

#define S7_SYNTAX_S7ANY 0x10
#define S7_SYNTAX_DBREAD 0xb0
#define S7_SYNTAX_1200SYM 0xb2
#define S7_AREA_DB 0x84
#define S7_AREA_COUNTER 0x1c
#define S7_AREA_TIMER 0x1d
#define S7_RET_OK 0xff

struct s7_hdr {
    uint8_t rosctr;
    uint16_t ref;
    uint16_t plen;
    uint16_t dlen;
    uint8_t ecls;
    uint8_t ecode;
};

/* Copies n wire bytes as text: stops at NUL, replaces non-printables, trims spaces. */
void s7_copy_text(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    struct pd_cur t = pd_cur_make(src, src ? n : 0);
    size_t k = 0;
    while (k + 1 < cap && pd_left(&t) > 0) {
        uint8_t ch = pd_u8(&t);
        if (ch == 0)
            break;
        dst[k++] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    while (k > 0 && dst[k - 1] == ' ')
        k--;
    if (cap)
        dst[k] = '\0';
}

static uint32_t ascii_number(struct pd_cur *c, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = pd_u8(c);
        if (ch >= '0' && ch <= '9')
            v = v * 10 + (uint32_t)(ch - '0');
    }
    return v;
}

/* A block file name "_0A00001P": identifier, block type, number, file system. */
void s7_decode_filename(struct s7comm_rec *r, const uint8_t *s, size_t n)
{
    s7_copy_text(r->filename, sizeof r->filename, s, n);
    struct pd_cur c = pd_cur_make(s, s ? n : 0);
    if (n != 9 || pd_u8(&c) != '_' || r->n_blocks >= S7COMM_MAX_BLOCKS)
        return;
    struct s7comm_block *b = &r->blocks[r->n_blocks];
    pd_copy(&c, b->type, 2);
    b->type[2] = '\0';
    b->number = ascii_number(&c, 5);
    b->has_number = 1;
    b->filesys = pd_u8(&c);
    r->n_blocks++;
    r->blocks_total = r->n_blocks;
}

static unsigned item_cap(const struct pd_ctx *ctx)
{
    unsigned cap = ctx->lim ? ctx->lim->max_items : S7COMM_MAX_ITEMS;
    return cap < S7COMM_MAX_ITEMS ? cap : S7COMM_MAX_ITEMS;
}

static unsigned value_cap(const struct pd_ctx *ctx)
{
    unsigned cap = ctx->lim ? ctx->lim->max_values : S7COMM_VALUE_CAP;
    return cap < S7COMM_VALUE_CAP ? cap : S7COMM_VALUE_CAP;
}

static void parse_setup(struct s7comm_rec *r, struct pd_cur *param)
{
    pd_skip(param, 1); /* reserved */
    r->amq_calling = pd_u16be(param);
    r->amq_called = pd_u16be(param);
    r->pdu_size = pd_u16be(param);
    r->has_setup = !param->err;
}

static uint8_t area_from_1200(uint16_t area2)
{
    static const uint8_t map[5] = {0x81, 0x82, 0x83, S7_AREA_COUNTER, S7_AREA_TIMER};
    return area2 >= 0x50 && area2 <= 0x54 ? map[area2 - 0x50] : 0;
}

/* One variable specification of a read/write job. */
static void parse_item_spec(struct pd_cur *param, struct s7comm_item *it)
{
    uint8_t spec = pd_u8(param);
    uint8_t len = pd_u8(param);
    struct pd_cur s = pd_sub(param, len);
    it->syntax = pd_u8(&s);
    if (spec != 0x12)
        pd_invalid(param);
    if (it->syntax == S7_SYNTAX_S7ANY && len == 10) {
        it->type = pd_u8(&s);
        it->count = pd_u16be(&s);
        it->db = pd_u16be(&s);
        it->area = pd_u8(&s);
        uint32_t a = (uint32_t)pd_u8(&s) << 16;
        a |= (uint32_t)pd_u16be(&s);
        int numbered = it->area == S7_AREA_COUNTER || it->area == S7_AREA_TIMER;
        it->byte = numbered ? a : a >> 3;
        it->bit = numbered ? 0 : (uint8_t)(a & 7);
        it->has_addr = !s.err;
    } else if (it->syntax == S7_SYNTAX_DBREAD && len >= 7) {
        pd_skip(&s, 1); /* number of areas: the first one stands for the item */
        it->count = pd_u8(&s);
        it->db = pd_u16be(&s);
        it->byte = pd_u16be(&s);
        it->area = S7_AREA_DB;
        it->type = 2; /* BYTE */
        it->has_addr = !s.err;
    } else if (it->syntax == S7_SYNTAX_1200SYM && len >= 14) {
        pd_skip(&s, 1);
        uint16_t area1 = pd_u16be(&s);
        uint16_t area2 = pd_u16be(&s);
        it->area = area1 == 0x8a0e ? S7_AREA_DB : area_from_1200(area2);
        it->db = area1 == 0x8a0e ? area2 : 0;
    }
    /* a trailing fill byte keeps the next item on an even offset */
    if ((len % 2) == 1 && pd_left(param) > 0)
        pd_skip(param, 1);
}

static void parse_items(const struct pd_ctx *ctx, struct s7comm_rec *r, struct pd_cur *param)
{
    uint8_t count = pd_u8(param);
    unsigned cap = item_cap(ctx);
    r->items_total = count;
    for (unsigned i = 0; i < count && i < cap && !param->err; i++) {
        parse_item_spec(param, &r->items[i]);
        r->n_items = (uint8_t)(i + 1);
    }
}

/* Byte length of an item value from its data transport size and length field. */
static size_t value_bytes(uint8_t tsize, uint16_t len)
{
    if (tsize == 3 || tsize == 4 || tsize == 5) /* BIT, BYTE/WORD/DWORD, INTEGER: in bits */
        return ((size_t)len + 7) / 8;
    return len;
}

/* Item values of a write job or a read response: return code, transport size, length,
 * data and a fill byte after odd lengths (except after the last item). */
static void parse_item_data(const struct pd_ctx *ctx, struct s7comm_rec *r, struct pd_cur *data,
                            unsigned count, int is_response)
{
    unsigned cap = item_cap(ctx), vcap = value_cap(ctx);
    for (unsigned i = 0; i < count && i < cap && !data->err; i++) {
        struct s7comm_item *it = &r->items[i];
        uint8_t ret = pd_u8(data);
        uint8_t tsize = pd_u8(data);
        uint16_t len = pd_u16be(data);
        if (is_response) {
            it->ret = ret;
            it->has_ret = 1;
        }
        if (i >= r->n_items)
            r->n_items = (uint8_t)(i + 1);
        if (ret != S7_RET_OK && ret != 0x00)
            continue; /* an error item is the 4-byte header alone */
        size_t n = value_bytes(tsize, len);
        const uint8_t *v = pd_bytes(data, n);
        if (!v)
            break;
        it->has_value = 1;
        it->value_type = tsize;
        it->value_len = (uint16_t)n;
        it->value_kept = (uint8_t)(n < vcap ? n : vcap);
        memcpy(it->value, v, it->value_kept);
        if ((n % 2) == 1 && i + 1 < count)
            pd_skip(data, 1);
    }
}

static void read_filename(struct s7comm_rec *r, struct pd_cur *param)
{
    uint8_t len = pd_u8(param);
    const uint8_t *s = pd_bytes(param, len);
    if (s)
        s7_decode_filename(r, s, len);
}

/* Job parameters of the block up/download functions. */
static void parse_updown(struct s7comm_rec *r, struct pd_cur *param)
{
    pd_skip(param, 1); /* function status */
    uint16_t w = pd_u16be(param);
    uint32_t id = pd_u32be(param);
    if (r->func == S7COMM_FUNC_DOWNLOAD_ENDED || r->func == S7COMM_FUNC_END_UPLOAD) {
        r->param_error = w;
        r->has_param_error = w != 0;
    }
    if (r->func >= S7COMM_FUNC_START_UPLOAD) {
        r->upload_id = id;
        r->has_upload_id = 1;
    }
    if (r->func != S7COMM_FUNC_UPLOAD && r->func != S7COMM_FUNC_END_UPLOAD)
        read_filename(r, param);
}

static int is_block_list_service(const char *name)
{
    return strcmp(name, "_INSE") == 0 || strcmp(name, "_DELE") == 0;
}

/* PI service: 7 unknown bytes, parameter block, service name. */
static void parse_pi(struct s7comm_rec *r, struct pd_cur *param)
{
    pd_skip(param, 7);
    if (pd_left(param) == 0)
        return;
    uint16_t plen = pd_u16be(param);
    struct pd_cur pb = pd_sub(param, plen);
    uint8_t nlen = pd_u8(param);
    const uint8_t *name = pd_bytes(param, nlen);
    if (!name)
        return;
    s7_copy_text(r->pi_service, sizeof r->pi_service, name, nlen);
    if (!is_block_list_service(r->pi_service)) {
        size_t n = pd_left(&pb);
        s7_copy_text(r->pi_arg, sizeof r->pi_arg, pd_bytes(&pb, n), n);
        return;
    }
    uint8_t count = pd_u8(&pb);
    pd_skip(&pb, 1);
    r->blocks_total = count;
    for (unsigned i = 0; i < count && i < S7COMM_MAX_BLOCKS && !pb.err; i++) {
        struct s7comm_block *b = &r->blocks[i];
        pd_copy(&pb, b->type, 2);
        b->type[2] = '\0';
        b->number = ascii_number(&pb, 5);
        b->has_number = 1;
        b->filesys = pd_u8(&pb);
        if (!pb.err)
            r->n_blocks = (uint8_t)(i + 1);
    }
    if (pb.err)
        pd_invalid(param);
}

static void parse_stop(struct s7comm_rec *r, struct pd_cur *param)
{
    pd_skip(param, 5);
    uint8_t nlen = pd_u8(param);
    const uint8_t *name = pd_bytes(param, nlen);
    if (name)
        s7_copy_text(r->pi_service, sizeof r->pi_service, name, nlen);
}

/* The header lengths of a response, kept next to those of its request. */
static void set_resp_len(struct s7comm_rec *r, const struct s7_hdr *h)
{
    r->resp_param_len = h->plen;
    r->resp_data_len = h->dlen;
    r->has_resp_len = 1;
}

static const char *err_kind(const struct pd_cur *a, const struct pd_cur *b)
{
    if (a->err == PD_ERR_TRUNCATED || b->err == PD_ERR_TRUNCATED)
        return "s7comm.truncated";
    return "s7comm.invalid";
}

static int s7_job(struct pd_ctx *ctx, struct s7_state *st, const struct s7_hdr *h,
                  struct pd_cur *param, struct pd_cur *data)
{
    struct s7comm_rec r;
    memset(&r, 0, sizeof r);
    r.kind = S7COMM_KIND_JOB;
    r.rosctr = h->rosctr;
    r.pdu_ref = h->ref;
    r.param_len = h->plen;
    r.data_len = h->dlen;
    r.func = pd_u8(param);
    r.has_func = !param->err;
    switch (r.func) {
    case S7COMM_FUNC_SETUP_COMM:
        parse_setup(&r, param);
        break;
    case S7COMM_FUNC_READ_VAR:
    case S7COMM_FUNC_WRITE_VAR:
        parse_items(ctx, &r, param);
        if (r.func == S7COMM_FUNC_WRITE_VAR)
            parse_item_data(ctx, &r, data, r.items_total, 0);
        break;
    case S7COMM_FUNC_REQ_DOWNLOAD:
    case S7COMM_FUNC_DOWNLOAD_BLOCK:
    case S7COMM_FUNC_DOWNLOAD_ENDED:
    case S7COMM_FUNC_START_UPLOAD:
    case S7COMM_FUNC_UPLOAD:
    case S7COMM_FUNC_END_UPLOAD:
        parse_updown(&r, param);
        break;
    case S7COMM_FUNC_PI_SERVICE:
        parse_pi(&r, param);
        break;
    case S7COMM_FUNC_PLC_STOP:
        parse_stop(&r, param);
        break;
    default:
        break;
    }
    if (param->err || data->err) {
        s7_anomaly(ctx, err_kind(param, data), "S7 job parameters or data malformed");
        s7_emit_now(ctx, st, &r, PD_ST_MALFORMED);
        return -1;
    }
    s7_pend_store(ctx, st, &r);
    return 0;
}

/* Ack / ack-data: completes the job with the same PDU reference. */
static int s7_ack(struct pd_ctx *ctx, struct s7_state *st, const struct s7_hdr *h,
                  struct pd_cur *param, struct pd_cur *data)
{
    struct s7_pend *p = s7_pend_find(st, S7COMM_KIND_JOB, h->ref, ctx->dir);
    struct s7comm_rec tmp, *r = p ? &p->rec : &tmp;
    if (!p) {
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = S7COMM_KIND_JOB;
        tmp.rosctr = h->rosctr;
        tmp.pdu_ref = h->ref;
        tmp.param_len = h->plen;
        tmp.data_len = h->dlen;
    }
    r->resp_rosctr = h->rosctr;
    set_resp_len(r, h);
    r->has_error = 1;
    r->error_class = h->ecls;
    r->error_code = h->ecode;
    if (pd_left(param) > 0) {
        uint8_t func = pd_u8(param);
        if (!r->has_func) {
            r->func = func;
            r->has_func = 1;
        }
        if (func == r->func && func == S7COMM_FUNC_SETUP_COMM) {
            parse_setup(r, param);
        } else if (func == r->func && func == S7COMM_FUNC_READ_VAR) {
            parse_item_data(ctx, r, data, pd_u8(param), 1);
        } else if (func == r->func && func == S7COMM_FUNC_WRITE_VAR) {
            uint8_t count = pd_u8(param);
            unsigned cap = item_cap(ctx);
            for (unsigned i = 0; i < count && i < cap && !data->err; i++) {
                r->items[i].ret = pd_u8(data);
                r->items[i].has_ret = !data->err;
                if (i >= r->n_items)
                    r->n_items = (uint8_t)(i + 1);
            }
        } else if (func == r->func && func == S7COMM_FUNC_START_UPLOAD) {
            pd_skip(param, 3);
            r->upload_id = pd_u32be(param);
            r->has_upload_id = !param->err;
        }
    }
    uint8_t status = h->ecls || h->ecode ? PD_ST_EXCEPTION : PD_ST_OK;
    for (unsigned i = 0; i < r->n_items; i++)
        if (r->items[i].has_ret && r->items[i].ret != S7_RET_OK)
            status = PD_ST_EXCEPTION;
    if (param->err || data->err) {
        s7_anomaly(ctx, err_kind(param, data), "S7 ack-data parameters or data malformed");
        status = PD_ST_MALFORMED;
    }
    if (p)
        s7_pend_finish(ctx, st, p, status);
    else
        s7_emit_now(ctx, st, r, status == PD_ST_MALFORMED ? status : PD_ST_RESPONSE_ONLY);
    return status == PD_ST_MALFORMED ? -1 : 0;
}

static int s7_userdata(struct pd_ctx *ctx, struct s7_state *st, const struct s7_hdr *h,
                       struct pd_cur *param, struct pd_cur *data)
{
    uint8_t type = 0, group = 0, sub = 0, seq = 0;
    struct pd_cur peek = *param;
    int hdr_ok = s7_ud_header(&peek, &type, &group, &sub, &seq) == 0;
    struct s7_pend *p = NULL;
    struct s7comm_rec tmp, *r = &tmp;
    if (hdr_ok && type == S7COMM_UD_TYPE_RES)
        p = s7_pend_find(st, S7COMM_KIND_USERDATA, h->ref, ctx->dir);
    if (p) {
        r = &p->rec;
    } else {
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = S7COMM_KIND_USERDATA;
        tmp.rosctr = h->rosctr;
        tmp.pdu_ref = h->ref;
        tmp.param_len = h->plen;
        tmp.data_len = h->dlen;
    }
    int is_resp = hdr_ok && type == S7COMM_UD_TYPE_RES;
    if (is_resp)
        set_resp_len(r, h);
    int rc = hdr_ok ? s7_parse_userdata(ctx, st, r, param, data, is_resp) : -1;
    if (rc < 0) {
        s7_anomaly(ctx, hdr_ok ? err_kind(param, data) : err_kind(&peek, data),
                   "S7 userdata parameters or data malformed");
        if (p)
            s7_pend_finish(ctx, st, p, PD_ST_MALFORMED);
        else
            s7_emit_now(ctx, st, r, PD_ST_MALFORMED);
        return -1;
    }
    if (type == S7COMM_UD_TYPE_REQ) {
        s7_pend_store(ctx, st, r);
    } else if (!is_resp) {
        s7_emit_now(ctx, st, r, PD_ST_OK); /* push / indication from the PLC */
    } else {
        uint8_t status = r->has_param_error ? PD_ST_EXCEPTION : PD_ST_OK;
        if (p)
            s7_pend_finish(ctx, st, p, status);
        else
            s7_emit_now(ctx, st, r, PD_ST_RESPONSE_ONLY);
    }
    return 0;
}

/* A response PDU whose header lengths overrun it still settles its request. */
static int s7_header_bad(struct pd_ctx *ctx, struct s7_state *st, const struct s7_hdr *h,
                         const char *kind)
{
    s7_anomaly(ctx, kind, "S7 header lengths do not match the PDU");
    uint8_t k = h->rosctr == S7COMM_ROSCTR_USERDATA ? S7COMM_KIND_USERDATA : S7COMM_KIND_JOB;
    struct s7_pend *p = h->rosctr == S7COMM_ROSCTR_JOB ? NULL
                                                      : s7_pend_find(st, k, h->ref, ctx->dir);
    if (p) {
        p->rec.resp_rosctr = h->rosctr;
        set_resp_len(&p->rec, h);
        s7_pend_finish(ctx, st, p, PD_ST_MALFORMED);
        return -1;
    }
    struct s7comm_rec r;
    memset(&r, 0, sizeof r);
    r.kind = k;
    r.rosctr = h->rosctr;
    r.pdu_ref = h->ref;
    r.param_len = h->plen;
    r.data_len = h->dlen;
    s7_emit_now(ctx, st, &r, PD_ST_MALFORMED);
    return -1;
}

int s7_parse_pdu(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct s7_hdr h;
    memset(&h, 0, sizeof h);
    pd_skip(&c, 1); /* protocol id 0x32 */
    h.rosctr = pd_u8(&c);
    pd_skip(&c, 2); /* redundancy identification */
    h.ref = pd_u16be(&c);
    h.plen = pd_u16be(&c);
    h.dlen = pd_u16be(&c);
    if (h.rosctr == S7COMM_ROSCTR_ACK || h.rosctr == S7COMM_ROSCTR_ACK_DATA) {
        h.ecls = pd_u8(&c);
        h.ecode = pd_u8(&c);
    }
    if (c.err) {
        s7_anomaly(ctx, "s7comm.truncated", "S7 header cut short");
        return -1;
    }
    if (h.rosctr != S7COMM_ROSCTR_JOB && h.rosctr != S7COMM_ROSCTR_ACK &&
        h.rosctr != S7COMM_ROSCTR_ACK_DATA && h.rosctr != S7COMM_ROSCTR_USERDATA) {
        s7_anomaly(ctx, "s7comm.invalid", "unknown ROSCTR");
        return -1;
    }
    struct pd_cur param = pd_sub(&c, h.plen);
    struct pd_cur data = pd_sub(&c, h.dlen);
    if (param.err || data.err)
        return s7_header_bad(ctx, st, &h, "s7comm.truncated");
    if (h.rosctr == S7COMM_ROSCTR_JOB && h.plen == 0)
        return s7_header_bad(ctx, st, &h, "s7comm.invalid");
    switch (h.rosctr) {
    case S7COMM_ROSCTR_JOB:
        return s7_job(ctx, st, &h, &param, &data);
    case S7COMM_ROSCTR_USERDATA:
        return s7_userdata(ctx, st, &h, &param, &data);
    default:
        return s7_ack(ctx, st, &h, &param, &data);
    }
}
