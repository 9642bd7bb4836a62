/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_ud.c - S7comm userdata (ROSCTR 7): the parameter header (type, function group,
 * subfunction, sequence, data unit reference, error code) and the data parts the sensor
 * reports: CPU functions / read SZL with the module and component identification lists
 * (SZL 0x0011 and 0x001C, also when spread over several PDUs), block functions (list,
 * block info with the block header), time functions. Layouts as in Wireshark's
 * packet-s7comm.c and packet-s7comm_szl_ids.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "s7comm_int.h"

#define UD_SUB_LIST_TYPE 0x02
#define UD_SUB_BLOCK_INFO 0x03
#define UD_SUB_READ_CLOCK 0x01
#define UD_SUB_SET_CLOCK 0x02
#define UD_SUB_READ_CLOCK_F 0x03
#define UD_SUB_SET_CLOCK2 0x04
#define SZL_RECORDS_MAX 64 /* identity lists have a dozen records at most */
#define UD_BLOCK_INFO_LEN 78 /* data of a block info response */

int s7_ud_header(struct pd_cur *param, uint8_t *type, uint8_t *group, uint8_t *sub,
                 uint8_t *seq)
{
    /* head (0x000112; mode-transition pushes carry 0x010010) and parameter length are
     * not checked, as Wireshark does not: PLCs vary */
    pd_skip(param, 4);
    pd_skip(param, 1); /* method: 0x11 request, 0x12 response, 0x00 push */
    uint8_t tg = pd_u8(param);
    *sub = pd_u8(param);
    *seq = pd_u8(param);
    if (param->err)
        return -1;
    *type = (uint8_t)(tg >> 6);
    *group = (uint8_t)(tg & 0x3f);
    return 0;
}

static int is_identity_szl(uint16_t id)
{
    return (id & 0xff) == 0x11 || (id & 0xff) == 0x1c;
}

static void ident_text(char *dst, size_t cap, struct pd_cur *c, size_t n)
{
    s7_copy_text(dst, cap, pd_bytes(c, n), n);
}

/* One complete SZL record of the module (0x0011) or component (0x001C) identification. */
static void szl_record(struct s7comm_identity *id, uint16_t szl_id, const uint8_t *rec,
                       size_t len)
{
    struct pd_cur c = pd_cur_make(rec, len);
    uint16_t idx = pd_u16be(&c);
    if ((szl_id & 0xff) == 0x11) {
        struct pd_cur mlfb = pd_sub(&c, 20);
        pd_skip(&c, 2); /* BGTyp */
        uint16_t ausbg = pd_u16be(&c);
        uint16_t ausbe = pd_u16be(&c);
        if (c.err)
            return;
        if (idx == 0x0001) {
            ident_text(id->order_number, sizeof id->order_number, &mlfb, 20);
            id->module_version = ausbg;
        } else if (idx == 0x0006) {
            ident_text(id->hw_order_number, sizeof id->hw_order_number, &mlfb, 20);
        } else if (idx == 0x0007 && (ausbg >> 8) == 'V') {
            snprintf(id->firmware, sizeof id->firmware, "V%u.%u.%u", (unsigned)(ausbg & 0xff),
                     (unsigned)(ausbe >> 8), (unsigned)(ausbe & 0xff));
        }
        id->present = 1;
        return;
    }
    static const struct {
        uint16_t idx;
        size_t off;
    } names[] = {
        {0x0001, offsetof(struct s7comm_identity, system_name)},
        {0x0002, offsetof(struct s7comm_identity, module_name)},
        {0x0003, offsetof(struct s7comm_identity, plant_name)},
        {0x0004, offsetof(struct s7comm_identity, copyright)},
        {0x0005, offsetof(struct s7comm_identity, serial)},
        {0x0007, offsetof(struct s7comm_identity, module_type)},
        {0x0008, offsetof(struct s7comm_identity, mc_serial)},
        {0x000b, offsetof(struct s7comm_identity, location)},
    };
    size_t n = pd_left(&c) < 32 ? pd_left(&c) : 32;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].idx != idx)
            continue;
        ident_text((char *)id + names[i].off, S7COMM_NAME_MAX, &c, n);
        id->present = 1;
    }
}

/* Feeds SZL list bytes; complete identity records are decoded as they fill up. */
static void szl_feed(struct s7_state *st, struct pd_cur *d)
{
    struct s7_szl_cont *sc = &st->szl;
    while (pd_left(d) > 0 && sc->left > 0) {
        size_t need = (size_t)sc->rec_len - sc->have;
        size_t take = pd_left(d) < need ? pd_left(d) : need;
        pd_copy(d, sc->part + sc->have, take);
        sc->have = (uint16_t)(sc->have + take);
        if (sc->have == sc->rec_len) {
            szl_record(&st->ident, sc->szl_id, sc->part, sc->rec_len);
            sc->have = 0;
            sc->left--;
        }
    }
}

/* Read SZL: the request's id and index; the response's header and identity records. */
static void ud_szl(struct s7_state *st, struct s7comm_rec *r, struct pd_cur *d, uint8_t type,
                   uint8_t ret, uint8_t unit_ref, uint8_t more)
{
    struct s7comm_userdata *u = &r->ud;
    struct s7_szl_cont *sc = &st->szl;
    if (type == S7COMM_UD_TYPE_REQ) {
        if (pd_left(d) >= 4) {
            u->szl_id = pd_u16be(d);
            u->szl_index = pd_u16be(d);
            u->has_szl = 1;
            sc->active = 0; /* a new list: an unfinished continuation is abandoned */
        }
        return;
    }
    if (type != S7COMM_UD_TYPE_RES || ret != 0xff)
        return;
    if (unit_ref != 0 && sc->active && sc->unit_ref == unit_ref) {
        u->szl_id = sc->szl_id;
        u->has_szl = 1;
        szl_feed(st, d);
        sc->active = more && sc->left > 0;
        r->identity = st->ident.present ? &st->ident : NULL;
        return;
    }
    if (unit_ref != 0 && !more)
        return; /* continuation of a list whose start was not seen */
    u->szl_id = pd_u16be(d);
    u->szl_index = pd_u16be(d);
    uint16_t rec_len = pd_u16be(d);
    u->szl_count = pd_u16be(d);
    if (d->err)
        return;
    u->has_szl = 1;
    u->has_count = 1;
    sc->active = 0;
    if (!is_identity_szl(u->szl_id) || rec_len < 4 || rec_len > S7_SZL_REC_MAX)
        return;
    memset(&st->ident, 0, sizeof st->ident);
    sc->szl_id = u->szl_id;
    sc->rec_len = rec_len;
    sc->left = u->szl_count < SZL_RECORDS_MAX ? u->szl_count : SZL_RECORDS_MAX;
    sc->have = 0;
    szl_feed(st, d);
    if (more && sc->left > 0) {
        sc->active = 1;
        sc->unit_ref = unit_ref;
    }
    r->identity = st->ident.present ? &st->ident : NULL;
}

/* Block info response data: block type, info length, unknown, "pp", unknown, then what
 * is decoded, as laid out in Wireshark's packet-s7comm.c (78 bytes in all). */
static void ud_block_info(struct s7comm_rec *r, struct pd_cur *d)
{
    static const char hex[] = "0123456789ABCDEF";
    struct s7comm_blockinfo *bi = &r->binfo;
    if (pd_left(d) < UD_BLOCK_INFO_LEN)
        return; /* a shorter answer than the documented one: not decoded */
    pd_skip(d, 2 + 2 + 2 + 2 + 1);
    bi->flags = pd_u8(d);
    bi->lang = pd_u8(d);
    uint8_t sub_type = pd_u8(d); /* 0x08 OB, 0x0a DB, 0x0c FC, 0x0e FB... */
    uint16_t number = pd_u16be(d);
    bi->load_len = pd_u32be(d);
    bi->security = pd_u32be(d);
    bi->code_ms = pd_u32be(d);
    bi->code_days = pd_u16be(d);
    bi->iface_ms = pd_u32be(d);
    bi->iface_days = pd_u16be(d);
    bi->ssb_len = pd_u16be(d);
    bi->add_len = pd_u16be(d);
    bi->local_len = pd_u16be(d);
    bi->mc7_len = pd_u16be(d);
    ident_text(bi->author, sizeof bi->author, d, 8);
    ident_text(bi->family, sizeof bi->family, d, 8);
    ident_text(bi->name, sizeof bi->name, d, 8);
    bi->version = pd_u8(d);
    pd_skip(d, 1);
    bi->checksum = pd_u16be(d);
    pd_skip(d, 8); /* reserved */
    if (d->err)
        return;
    bi->present = 1;
    if (r->n_blocks == 0) {
        /* no request seen: the block from the answer, its type as the ASCII of the wire */
        struct s7comm_block *b = &r->blocks[0];
        b->type[0] = hex[sub_type >> 4];
        b->type[1] = hex[sub_type & 0x0f];
        b->type[2] = '\0';
        b->number = number;
        b->has_number = 1;
        r->n_blocks = r->blocks_total = 1;
    }
}

/* Block functions: "list blocks of type" names a type, "block info" a type and number
 * (request) and the block's header (response). */
static void ud_block(struct s7comm_rec *r, struct pd_cur *d, uint8_t type, uint8_t sub,
                     uint8_t ret)
{
    if (type == S7COMM_UD_TYPE_RES && sub == UD_SUB_BLOCK_INFO && ret == 0xff) {
        ud_block_info(r, d);
        return;
    }
    if (type != S7COMM_UD_TYPE_REQ || r->n_blocks != 0)
        return;
    struct s7comm_block *b = &r->blocks[0];
    if (sub == UD_SUB_LIST_TYPE && pd_left(d) >= 2) {
        pd_copy(d, b->type, 2);
        r->n_blocks = r->blocks_total = 1;
    } else if (sub == UD_SUB_BLOCK_INFO && pd_left(d) >= 8) {
        pd_copy(d, b->type, 2);
        uint32_t v = 0;
        for (int i = 0; i < 5; i++) {
            uint8_t ch = pd_u8(d);
            if (ch >= '0' && ch <= '9')
                v = v * 10 + (uint32_t)(ch - '0');
        }
        b->number = v;
        b->has_number = 1;
        b->filesys = pd_u8(d);
        r->n_blocks = r->blocks_total = 1;
    }
}

static int bcd(uint8_t b, unsigned *out)
{
    if ((b >> 4) > 9 || (b & 0x0f) > 9)
        return -1;
    *out = (unsigned)(b >> 4) * 10 + (b & 0x0f);
    return 0;
}

/* The 10-byte S7 DATE_AND_TIME of the time functions, as "YYYY-MM-DDThh:mm:ss.mmm". */
static void ud_clock(struct s7comm_userdata *u, struct pd_cur *d)
{
    const uint8_t *t = pd_bytes(d, 10);
    if (!t)
        return;
    struct pd_cur c = pd_cur_make(t, 10);
    unsigned v[8], ms_lo;
    pd_skip(&c, 1); /* reserved */
    for (int i = 0; i < 8; i++)
        if (bcd(pd_u8(&c), &v[i]) < 0)
            return;
    if (bcd((uint8_t)(pd_u8(&c) & 0xf0), &ms_lo) < 0)
        return;
    unsigned year = (v[1] < 89 ? 2000 : 1900) + v[1]; /* v[0] (the century) is unreliable */
    unsigned ms = v[7] * 10 + ms_lo / 10;
    if (v[2] < 1 || v[2] > 12 || v[3] < 1 || v[3] > 31 || v[4] > 23 || v[5] > 59 || v[6] > 59)
        return;
    snprintf(u->clock, sizeof u->clock, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", year, v[2], v[3],
             v[4], v[5], v[6], ms);
}

int s7_parse_userdata(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_rec *r,
                      struct pd_cur *param, struct pd_cur *data, int is_response)
{
    (void)ctx;
    uint8_t type, group, sub, seq;
    if (s7_ud_header(param, &type, &group, &sub, &seq) < 0)
        return -1;
    struct s7comm_userdata *u = &r->ud;
    if (!u->present) {
        u->present = 1;
        u->type = type;
        u->group = group;
        u->sub = sub;
        u->seq = seq;
    }
    uint8_t unit_ref = 0, last = 0;
    if (pd_left(param) >= 4) {
        unit_ref = pd_u8(param);
        last = pd_u8(param);
        uint16_t err = pd_u16be(param);
        if (err) {
            r->param_error = err;
            r->has_param_error = 1;
        }
    }
    if (is_response) {
        u->unit_ref = unit_ref;
        u->more = last != 0;
    }
    if (pd_left(data) < 4)
        return param->err || data->err ? -1 : 0;
    uint8_t ret = pd_u8(data);
    pd_skip(data, 1); /* transport size */
    uint16_t len = pd_u16be(data);
    struct pd_cur d = pd_sub(data, len);
    if (is_response)
        u->data_ret = ret;
    if (group == S7COMM_UD_GROUP_CPU && sub == S7COMM_UD_SUB_READ_SZL)
        ud_szl(st, r, &d, type, ret, unit_ref, last != 0);
    else if (group == S7COMM_UD_GROUP_BLOCK)
        ud_block(r, &d, type, sub, ret);
    else if (group == S7COMM_UD_GROUP_TIME && ret == 0xff &&
             (((sub == UD_SUB_READ_CLOCK || sub == UD_SUB_READ_CLOCK_F) &&
               type == S7COMM_UD_TYPE_RES) ||
              ((sub == UD_SUB_SET_CLOCK || sub == UD_SUB_SET_CLOCK2) &&
               type == S7COMM_UD_TYPE_REQ)))
        ud_clock(u, &d);
    return param->err || data->err || d.err ? -1 : 0;
}
