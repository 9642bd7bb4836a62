/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnp3_link.c - DNP3 data link and transport layers (IEEE 1815-2012 clauses 9 and 8) and
 * the dissector descriptor. One PDU is one link frame: a 10-byte header (0x05 0x64, length,
 * control, destination, source, CRC) and (length - 5) bytes of user data in 16-byte blocks,
 * each followed by its CRC (CRC-16/DNP). User-data frames carry transport segments, which
 * are reassembled per direction into application fragments (cap DNP3_FRAG_MAX bytes).
 */
#include <string.h>

#include "dnp3.h"

/* CRC-16/DNP: polynomial 0x3D65, reflected (0xA6BC), initial 0, output inverted. */
static const uint16_t crc_table[256] = {
    0x0000, 0x365e, 0x6cbc, 0x5ae2, 0xd978, 0xef26, 0xb5c4, 0x839a,
    0xff89, 0xc9d7, 0x9335, 0xa56b, 0x26f1, 0x10af, 0x4a4d, 0x7c13,
    0xb26b, 0x8435, 0xded7, 0xe889, 0x6b13, 0x5d4d, 0x07af, 0x31f1,
    0x4de2, 0x7bbc, 0x215e, 0x1700, 0x949a, 0xa2c4, 0xf826, 0xce78,
    0x29af, 0x1ff1, 0x4513, 0x734d, 0xf0d7, 0xc689, 0x9c6b, 0xaa35,
    0xd626, 0xe078, 0xba9a, 0x8cc4, 0x0f5e, 0x3900, 0x63e2, 0x55bc,
    0x9bc4, 0xad9a, 0xf778, 0xc126, 0x42bc, 0x74e2, 0x2e00, 0x185e,
    0x644d, 0x5213, 0x08f1, 0x3eaf, 0xbd35, 0x8b6b, 0xd189, 0xe7d7,
    0x535e, 0x6500, 0x3fe2, 0x09bc, 0x8a26, 0xbc78, 0xe69a, 0xd0c4,
    0xacd7, 0x9a89, 0xc06b, 0xf635, 0x75af, 0x43f1, 0x1913, 0x2f4d,
    0xe135, 0xd76b, 0x8d89, 0xbbd7, 0x384d, 0x0e13, 0x54f1, 0x62af,
    0x1ebc, 0x28e2, 0x7200, 0x445e, 0xc7c4, 0xf19a, 0xab78, 0x9d26,
    0x7af1, 0x4caf, 0x164d, 0x2013, 0xa389, 0x95d7, 0xcf35, 0xf96b,
    0x8578, 0xb326, 0xe9c4, 0xdf9a, 0x5c00, 0x6a5e, 0x30bc, 0x06e2,
    0xc89a, 0xfec4, 0xa426, 0x9278, 0x11e2, 0x27bc, 0x7d5e, 0x4b00,
    0x3713, 0x014d, 0x5baf, 0x6df1, 0xee6b, 0xd835, 0x82d7, 0xb489,
    0xa6bc, 0x90e2, 0xca00, 0xfc5e, 0x7fc4, 0x499a, 0x1378, 0x2526,
    0x5935, 0x6f6b, 0x3589, 0x03d7, 0x804d, 0xb613, 0xecf1, 0xdaaf,
    0x14d7, 0x2289, 0x786b, 0x4e35, 0xcdaf, 0xfbf1, 0xa113, 0x974d,
    0xeb5e, 0xdd00, 0x87e2, 0xb1bc, 0x3226, 0x0478, 0x5e9a, 0x68c4,
    0x8f13, 0xb94d, 0xe3af, 0xd5f1, 0x566b, 0x6035, 0x3ad7, 0x0c89,
    0x709a, 0x46c4, 0x1c26, 0x2a78, 0xa9e2, 0x9fbc, 0xc55e, 0xf300,
    0x3d78, 0x0b26, 0x51c4, 0x679a, 0xe400, 0xd25e, 0x88bc, 0xbee2,
    0xc2f1, 0xf4af, 0xae4d, 0x9813, 0x1b89, 0x2dd7, 0x7735, 0x416b,
    0xf5e2, 0xc3bc, 0x995e, 0xaf00, 0x2c9a, 0x1ac4, 0x4026, 0x7678,
    0x0a6b, 0x3c35, 0x66d7, 0x5089, 0xd313, 0xe54d, 0xbfaf, 0x89f1,
    0x4789, 0x71d7, 0x2b35, 0x1d6b, 0x9ef1, 0xa8af, 0xf24d, 0xc413,
    0xb800, 0x8e5e, 0xd4bc, 0xe2e2, 0x6178, 0x5726, 0x0dc4, 0x3b9a,
    0xdc4d, 0xea13, 0xb0f1, 0x86af, 0x0535, 0x336b, 0x6989, 0x5fd7,
    0x23c4, 0x159a, 0x4f78, 0x7926, 0xfabc, 0xcce2, 0x9600, 0xa05e,
    0x6e26, 0x5878, 0x029a, 0x34c4, 0xb75e, 0x8100, 0xdbe2, 0xedbc,
    0x91af, 0xa7f1, 0xfd13, 0xcb4d, 0x48d7, 0x7e89, 0x246b, 0x1235,
};

/* crc_step[k][n]: the CRC register n (low byte) after k + 1 more zero bytes, so four bytes
 * go through in one step (the usual "slicing" of a table CRC). Derived from crc_table once
 * at load; test_dnp3 checks dnp3_crc against the bitwise definition at every length. */
static uint16_t crc_step[3][256];

__attribute__((constructor)) static void crc_steps_init(void)
{
    for (unsigned n = 0; n < 256; n++) {
        uint16_t v = crc_table[n];
        for (unsigned k = 0; k < 3; k++) {
            v = (uint16_t)((v >> 8) ^ crc_table[v & 0xff]);
            crc_step[k][n] = v;
        }
    }
}

/* CRC of n bytes at b: a table loop that takes four bytes a step. */
static inline uint16_t crc_buf(const uint8_t *b, size_t n)
{
    uint16_t crc = 0;
    size_t i = 0;
    for (; i + 3 < n; i += 4) {
        crc ^= (uint16_t)(b[i] | b[i + 1] << 8);
        crc = (uint16_t)(crc_step[2][crc & 0xff] ^ crc_step[1][crc >> 8] ^
                         crc_step[0][b[i + 2]] ^ crc_table[b[i + 3]]);
    }
    for (; i < n; i++)
        crc = (uint16_t)((crc >> 8) ^ crc_table[(crc ^ b[i]) & 0xff]);
    return (uint16_t)~crc;
}

uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
    return crc_buf(p, n);
}

enum hdr_check { HDR_OK = 1, HDR_MORE = 0, HDR_NOT = -1, HDR_BAD_CRC = -2 };

/* Total frame length for a length byte: header, user data, one CRC per 16-byte block. */
static size_t frame_len(unsigned len)
{
    size_t user = len - DNP3_LINK_MIN_LEN;
    return DNP3_LINK_HDR + user + 2 * ((user + DNP3_BLOCK - 1) / DNP3_BLOCK);
}

/* Looks at a link header at the start of c (c itself is a copy). The sensor asks twice
 * for each frame (its length, then its parse), so the last header whose CRC was right is
 * remembered per thread: the same ten bytes need no second CRC. */
static enum hdr_check header_check(struct pd_cur c, size_t *flen)
{
    static _Thread_local uint8_t last_ok[DNP3_LINK_HDR];
    if (!pd_has(&c, 1))
        return HDR_MORE;
    if (pd_peek8(&c, 0) != DNP3_START0)
        return HDR_NOT;
    if (!pd_has(&c, 2))
        return HDR_MORE;
    if (pd_peek8(&c, 1) != DNP3_START1)
        return HDR_NOT;
    if (!pd_has(&c, 3))
        return HDR_MORE;
    if (pd_peek8(&c, 2) < DNP3_LINK_MIN_LEN)
        return HDR_NOT;
    *flen = frame_len(pd_peek8(&c, 2));
    const uint8_t *h = pd_bytes(&c, DNP3_LINK_HDR);
    if (!h)
        return HDR_MORE;
    if (memcmp(h, last_ok, DNP3_LINK_HDR) == 0)
        return HDR_OK;
    if (crc_buf(h, 8) != (uint16_t)(h[8] | h[9] << 8))
        return HDR_BAD_CRC;
    memcpy(last_ok, h, DNP3_LINK_HDR);
    return HDR_OK;
}

static enum pd_probe dnp3_probe(const uint8_t *p, size_t n, uint8_t dir)
{
    size_t flen;
    (void)dir;
    switch (header_check(pd_cur_make(p, n), &flen)) {
    case HDR_OK:
        return PD_PROBE_YES;
    case HDR_MORE:
        return PD_PROBE_NEED_MORE;
    default:
        return PD_PROBE_NO;
    }
}

/* The link header's DIR bit says who sent the frame: 1 a master (the client). */
static void dnp3_role(const uint8_t *p, size_t n, struct pd_role_info *out)
{
    struct pd_cur c = pd_cur_make(p, n);
    pd_skip(&c, 3); /* start octets, length */
    uint8_t ctl = pd_u8(&c);
    out->has_id = 0;
    out->role = c.err ? PD_ROLE_EITHER
                : (ctl & DNP3_LC_DIR) ? PD_ROLE_REQUEST
                                      : PD_ROLE_RESPONSE;
}

/*
 * A frame whose header CRC is wrong is handed over as its 10 header bytes only, so
 * parse() counts and reports the CRC error; the bytes after it then fail this check
 * and the sensor resynchronises on the next valid header.
 */
static long dnp3_pdu_len(const uint8_t *p, size_t n)
{
    size_t flen = 0;
    switch (header_check(pd_cur_make(p, n), &flen)) {
    case HDR_OK:
        return (long)flen;
    case HDR_MORE:
        return 0;
    case HDR_BAD_CRC:
        return DNP3_LINK_HDR;
    default:
        return -1;
    }
}

/* The first 0x05 0x64 with a valid header CRC (or one too short to check yet). */
static long dnp3_resync(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    for (size_t off = 0; pd_has(&c, 1); off++) {
        size_t flen;
        enum hdr_check r = header_check(c, &flen);
        if (r == HDR_OK || (r == HDR_MORE && pd_peek8(&c, 0) == DNP3_START0))
            return (long)off;
        pd_skip(&c, 1);
    }
    return -1;
}

static void crc_error(struct pd_ctx *ctx, struct dnp3_state *st, const char *detail)
{
    st->crc_errors++;
    st->rx[ctx->dir & 1].crc_errors++;
    ctx->anomaly(ctx, "dnp3.crc", detail);
}

/* One transport segment (IEEE 1815-2012 8.2): TH byte, then application bytes. */
static int transport_segment(struct pd_ctx *ctx, struct dnp3_state *st, struct pd_cur *seg,
                             uint16_t src, uint16_t dst, uint8_t ctrl, uint8_t link_len)
{
    struct dnp3_reasm *r = &st->rx[ctx->dir & 1];
    uint8_t th = pd_u8(seg);
    unsigned seq = th & DNP3_TH_SEQ;
    size_t len = pd_left(seg);

    if (th & DNP3_TH_FIR) {
        if (r->active) {
            st->reasm_drops++;
            ctx->anomaly(ctx, "dnp3.reassembly", "new fragment before the previous one ended");
        }
        r->active = 1;
        r->len = 0;
        r->src = src;
        r->dst = dst;
        r->link_ctrl = ctrl;
        r->link_len = link_len;
        r->ts_us = ctx->now_us;
    } else if (!r->active || seq != r->next_seq || src != r->src || dst != r->dst) {
        st->out_of_seq++;
        if (r->active)
            st->reasm_drops++;
        r->active = 0;
        ctx->anomaly(ctx, "dnp3.transport_seq", "transport segment out of sequence");
        return 0;
    }
    if (r->len + len > DNP3_FRAG_MAX) {
        st->reasm_drops++;
        r->active = 0;
        ctx->anomaly(ctx, "dnp3.reassembly", "application fragment over 2048 bytes");
        return -1;
    }
    pd_copy(seg, r->buf + r->len, len);
    r->len = (uint16_t)(r->len + len);
    r->next_seq = (uint8_t)((seq + 1) & DNP3_TH_SEQ);
    if (!(th & DNP3_TH_FIN))
        return 0;
    r->active = 0;
    int rc = dnp3_txn_fragment(ctx, st, r);
    r->crc_errors = 0;
    return rc;
}

static int dnp3_parse(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    struct dnp3_state *st = ctx->state;
    struct pd_cur c = pd_cur_make(p, n);
    size_t flen = 0;

    switch (header_check(c, &flen)) {
    case HDR_OK:
        break;
    case HDR_BAD_CRC:
        crc_error(ctx, st, "link header CRC mismatch");
        return -1;
    case HDR_MORE:
        ctx->anomaly(ctx, "dnp3.truncated", "link header cut short");
        return -1;
    default:
        ctx->anomaly(ctx, "dnp3.malformed", "not a DNP3 link header");
        return -1;
    }
    if (n < flen) {
        ctx->anomaly(ctx, "dnp3.truncated", "link frame shorter than its length byte says");
        return -1;
    }
    pd_skip(&c, 2);
    unsigned len = pd_u8(&c);
    uint8_t ctrl = pd_u8(&c);
    uint16_t dst = pd_u16le(&c);
    uint16_t src = pd_u16le(&c);
    pd_skip(&c, 2);

    /* user data: 16-byte blocks, each followed by its CRC */
    uint8_t user[DNP3_MAX_USER];
    size_t ulen = len - DNP3_LINK_MIN_LEN;
    const uint8_t *b = pd_bytes(&c, flen - DNP3_LINK_HDR); /* blocks and their CRCs */
    if (!b)
        return -1; /* cannot happen: n >= flen was checked */
    for (size_t done = 0; done < ulen;) {
        size_t blen = ulen - done < DNP3_BLOCK ? ulen - done : DNP3_BLOCK;
        if (crc_buf(b, blen) != (uint16_t)(b[blen] | b[blen + 1] << 8)) {
            crc_error(ctx, st, "link data block CRC mismatch");
            return -1;
        }
        if (blen == DNP3_BLOCK)
            memcpy(user + done, b, DNP3_BLOCK); /* a constant size: two moves */
        else
            memcpy(user + done, b, blen);
        done += blen;
        b += blen + 2;
    }

    unsigned func = ctrl & DNP3_LC_FUNC;
    int user_data = (ctrl & DNP3_LC_PRM) &&
                    (func == DNP3_LF_CONFIRMED_USER_DATA || func == DNP3_LF_UNCONFIRMED_USER_DATA);
    if (!user_data) {
        st->link_only++;
        st->link_only_total++;
        if (ulen) {
            ctx->anomaly(ctx, "dnp3.malformed", "user data in a link-only frame");
            return -1;
        }
        return 0;
    }
    if (ulen == 0) {
        ctx->anomaly(ctx, "dnp3.malformed", "user data frame without a transport header");
        return -1;
    }
    struct pd_cur seg = pd_cur_make(user, ulen);
    return transport_segment(ctx, st, &seg, src, dst, ctrl, (uint8_t)len);
}

_Static_assert(sizeof(struct dnp3_state) <= PD_MAX_STATE, "DNP3 per-flow state too large");

const struct pd_dissector pd_dnp3 = {
    .name = "dnp3",
    .proto = PD_PROTO_DNP3,
    .transports = PD_TRANSPORT_TCP | PD_TRANSPORT_UDP,
    .ports = {DNP3_PORT, 0},
    .min_header = DNP3_LINK_HDR,
    .probe = dnp3_probe,
    .role = dnp3_role,
    .pdu_len = dnp3_pdu_len,
    .resync = dnp3_resync,
    .parse = dnp3_parse,
    .expire = dnp3_txn_expire,
    .state_size = sizeof(struct dnp3_state),
    .fields = dnp3_fields,
};
