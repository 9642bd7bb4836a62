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

/* crc_table2[n] = crc_table applied to n and then to a zero byte: the CRC of two bytes
 * in one step (the usual "slicing" of a table CRC). test_dnp3 checks both tables against
 * the bitwise definition. */
static const uint16_t crc_table2[256] = {
    0x0000, 0xab4e, 0x1be5, 0xb0ab, 0x37ca, 0x9c84, 0x2c2f, 0x8761,
    0x6f94, 0xc4da, 0x7471, 0xdf3f, 0x585e, 0xf310, 0x43bb, 0xe8f5,
    0xdf28, 0x7466, 0xc4cd, 0x6f83, 0xe8e2, 0x43ac, 0xf307, 0x5849,
    0xb0bc, 0x1bf2, 0xab59, 0x0017, 0x8776, 0x2c38, 0x9c93, 0x37dd,
    0xf329, 0x5867, 0xe8cc, 0x4382, 0xc4e3, 0x6fad, 0xdf06, 0x7448,
    0x9cbd, 0x37f3, 0x8758, 0x2c16, 0xab77, 0x0039, 0xb092, 0x1bdc,
    0x2c01, 0x874f, 0x37e4, 0x9caa, 0x1bcb, 0xb085, 0x002e, 0xab60,
    0x4395, 0xe8db, 0x5870, 0xf33e, 0x745f, 0xdf11, 0x6fba, 0xc4f4,
    0xab2b, 0x0065, 0xb0ce, 0x1b80, 0x9ce1, 0x37af, 0x8704, 0x2c4a,
    0xc4bf, 0x6ff1, 0xdf5a, 0x7414, 0xf375, 0x583b, 0xe890, 0x43de,
    0x7403, 0xdf4d, 0x6fe6, 0xc4a8, 0x43c9, 0xe887, 0x582c, 0xf362,
    0x1b97, 0xb0d9, 0x0072, 0xab3c, 0x2c5d, 0x8713, 0x37b8, 0x9cf6,
    0x5802, 0xf34c, 0x43e7, 0xe8a9, 0x6fc8, 0xc486, 0x742d, 0xdf63,
    0x3796, 0x9cd8, 0x2c73, 0x873d, 0x005c, 0xab12, 0x1bb9, 0xb0f7,
    0x872a, 0x2c64, 0x9ccf, 0x3781, 0xb0e0, 0x1bae, 0xab05, 0x004b,
    0xe8be, 0x43f0, 0xf35b, 0x5815, 0xdf74, 0x743a, 0xc491, 0x6fdf,
    0x1b2f, 0xb061, 0x00ca, 0xab84, 0x2ce5, 0x87ab, 0x3700, 0x9c4e,
    0x74bb, 0xdff5, 0x6f5e, 0xc410, 0x4371, 0xe83f, 0x5894, 0xf3da,
    0xc407, 0x6f49, 0xdfe2, 0x74ac, 0xf3cd, 0x5883, 0xe828, 0x4366,
    0xab93, 0x00dd, 0xb076, 0x1b38, 0x9c59, 0x3717, 0x87bc, 0x2cf2,
    0xe806, 0x4348, 0xf3e3, 0x58ad, 0xdfcc, 0x7482, 0xc429, 0x6f67,
    0x8792, 0x2cdc, 0x9c77, 0x3739, 0xb058, 0x1b16, 0xabbd, 0x00f3,
    0x372e, 0x9c60, 0x2ccb, 0x8785, 0x00e4, 0xabaa, 0x1b01, 0xb04f,
    0x58ba, 0xf3f4, 0x435f, 0xe811, 0x6f70, 0xc43e, 0x7495, 0xdfdb,
    0xb004, 0x1b4a, 0xabe1, 0x00af, 0x87ce, 0x2c80, 0x9c2b, 0x3765,
    0xdf90, 0x74de, 0xc475, 0x6f3b, 0xe85a, 0x4314, 0xf3bf, 0x58f1,
    0x6f2c, 0xc462, 0x74c9, 0xdf87, 0x58e6, 0xf3a8, 0x4303, 0xe84d,
    0x00b8, 0xabf6, 0x1b5d, 0xb013, 0x3772, 0x9c3c, 0x2c97, 0x87d9,
    0x432d, 0xe863, 0x58c8, 0xf386, 0x74e7, 0xdfa9, 0x6f02, 0xc44c,
    0x2cb9, 0x87f7, 0x375c, 0x9c12, 0x1b73, 0xb03d, 0x0096, 0xabd8,
    0x9c05, 0x374b, 0x87e0, 0x2cae, 0xabcf, 0x0081, 0xb02a, 0x1b64,
    0xf391, 0x58df, 0xe874, 0x433a, 0xc45b, 0x6f15, 0xdfbe, 0x74f0,
};

/* CRC over everything left in c: one bounds check for the block, then a table loop that
 * takes two bytes a step. */
static uint16_t crc_cur(struct pd_cur c)
{
    size_t n = pd_left(&c);
    const uint8_t *b = pd_bytes(&c, n);
    uint16_t crc = 0;
    size_t i = 0;
    for (; b && i + 1 < n; i += 2) {
        crc ^= (uint16_t)(b[i] | b[i + 1] << 8);
        crc = (uint16_t)(crc_table2[crc & 0xff] ^ crc_table[crc >> 8]);
    }
    if (b && i < n)
        crc = (uint16_t)((crc >> 8) ^ crc_table[(crc ^ b[i]) & 0xff]);
    return (uint16_t)~crc;
}

uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
    return crc_cur(pd_cur_make(p, n));
}

enum hdr_check { HDR_OK = 1, HDR_MORE = 0, HDR_NOT = -1, HDR_BAD_CRC = -2 };

/* Total frame length for a length byte: header, user data, one CRC per 16-byte block. */
static size_t frame_len(unsigned len)
{
    size_t user = len - DNP3_LINK_MIN_LEN;
    return DNP3_LINK_HDR + user + 2 * ((user + DNP3_BLOCK - 1) / DNP3_BLOCK);
}

/* Looks at a link header at the start of c (c itself is a copy). */
static enum hdr_check header_check(struct pd_cur c, size_t *flen)
{
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
    if (!pd_has(&c, DNP3_LINK_HDR))
        return HDR_MORE;
    struct pd_cur h = pd_sub(&c, 8);
    uint16_t want = pd_u16le(&c);
    return crc_cur(h) == want ? HDR_OK : HDR_BAD_CRC;
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
    for (size_t done = 0; done < ulen;) {
        size_t blen = ulen - done < DNP3_BLOCK ? ulen - done : DNP3_BLOCK;
        struct pd_cur blk = pd_sub(&c, blen);
        uint16_t want = pd_u16le(&c);
        if (c.err)
            return -1; /* cannot happen: n >= flen was checked */
        if (crc_cur(blk) != want) {
            crc_error(ctx, st, "link data block CRC mismatch");
            return -1;
        }
        pd_copy(&blk, user + done, blen);
        done += blen;
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
    .pdu_len = dnp3_pdu_len,
    .resync = dnp3_resync,
    .parse = dnp3_parse,
    .expire = dnp3_txn_expire,
    .state_size = sizeof(struct dnp3_state),
    .fields = dnp3_fields,
};
