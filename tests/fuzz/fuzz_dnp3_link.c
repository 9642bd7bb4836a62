/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dnp3_link.c - libFuzzer target for the DNP3 link and transport layers
 * (dissectors/dnp3_link.c; IEEE 1815-2012 clauses 9 and 8) with valid CRCs: random bytes
 * almost never carry a correct header CRC and one per 16-byte block, so fuzz_dnp3 seldom
 * gets past the link header; this harness builds the frames itself.
 * Input: one settings byte (bit 7 UDP, the rest the point and object caps), then records
 * [flags u8][control u8][destination u16 le][source u16 le][user-data length u8][user data]
 * (length capped at 250). Each record becomes a link frame: 0x05 0x64, length, control,
 * addresses, header CRC, the user data in 16-byte blocks each followed by its CRC
 * (dnp3_crc). Flags: bit 0 direction (1 outstation to master), bit 1 corrupt the header
 * CRC, bit 2 corrupt the last block's CRC, bit 3 keep the control byte as given (else it is
 * made a primary user-data frame), bit 4 hold the frame (appended to its direction's stream
 * but not framed yet: several frames in one segment), bits 5-7 step the clock by 250 ms.
 * Each direction's stream goes through pdu_len/resync/expire/parse as the sensor's
 * frame_run does, every PDU copied to the end of a buffer so ASan sees over-reads; then
 * what was held is framed, everything is expired and every record is encoded to JSON.
 */
#include <stdint.h>
#include <string.h>

#include "dnp3.h"
#include "json_proto.h"
#include "jw.h"
#include "fuzz_common.h"

extern const struct pd_dissector pd_dnp3;

#define F_DIR 0x01
#define F_BAD_HDR_CRC 0x02
#define F_BAD_BLOCK_CRC 0x04
#define F_RAW_CTRL 0x08
#define F_HOLD 0x10
#define REC_HEAD 7          /* flags, control, destination, source, length */
#define STREAM_CAP 2048     /* unframed bytes kept per direction (the sensor's max_pdu) */

struct stream {
    size_t len;
    uint8_t resync;         /* the sensor's per-side resync flag */
    uint8_t buf[STREAM_CAP];
};

static struct stream streams[2];

static void put_crc(uint8_t *out, uint16_t crc)
{
    out[0] = (uint8_t)crc;
    out[1] = (uint8_t)(crc >> 8);
}

/* One link frame with CRCs (one of them spoilt when flags say so); returns its length. */
static size_t frame_build(uint8_t *out, uint8_t flags, uint8_t ctrl, uint16_t dst,
                          uint16_t src, const uint8_t *user, size_t ulen)
{
    size_t n = 0;
    out[n++] = DNP3_START0;
    out[n++] = DNP3_START1;
    out[n++] = (uint8_t)(ulen + DNP3_LINK_MIN_LEN);
    out[n++] = ctrl;
    out[n++] = (uint8_t)dst;
    out[n++] = (uint8_t)(dst >> 8);
    out[n++] = (uint8_t)src;
    out[n++] = (uint8_t)(src >> 8);
    uint16_t crc = dnp3_crc(out, 8);
    put_crc(out + n, (flags & F_BAD_HDR_CRC) ? (uint16_t)(crc ^ 0x0101) : crc);
    n += 2;
    for (size_t off = 0; off < ulen; off += DNP3_BLOCK) {
        size_t blen = ulen - off < DNP3_BLOCK ? ulen - off : DNP3_BLOCK;
        memcpy(out + n, user + off, blen);
        crc = dnp3_crc(user + off, blen);
        if ((flags & F_BAD_BLOCK_CRC) && off + blen == ulen)
            crc ^= 0x8001;
        n += blen;
        put_crc(out + n, crc);
        n += 2;
    }
    return n;
}

/* The sensor's frame_run (sensor/worker.c) over one direction's unframed bytes; what is
 * left (a frame cut short) stays for the next record of that direction. */
static void stream_run(struct pd_ctx *ctx, struct stream *s, uint8_t dir)
{
    static uint8_t pdu[DNP3_MAX_FRAME];
    const struct pd_dissector *d = &pd_dnp3;
    const uint8_t *p = s->buf;
    size_t n = s->len, off = 0;
    ctx->dir = dir;
    while (off < n) {
        if (s->resync) {
            long r = d->resync(p + off, n - off);
            if (r < 0) {
                size_t keep = d->min_header > 1 ? d->min_header - 1 : 0;
                off = keep < n - off ? n - keep : off;
                break;
            }
            off += (size_t)r;
            s->resync = 0;
            if (off >= n)
                break;
        }
        long len = d->pdu_len(p + off, n - off);
        if (len == 0)
            break;
        if (len < 0 || (size_t)len > sizeof pdu) {
            s->resync = 1;
            off += 1;
            continue;
        }
        if ((size_t)len > n - off)
            break;
        d->expire(ctx, 0);
        uint8_t *at = pdu + sizeof pdu - (size_t)len;
        memcpy(at, p + off, (size_t)len);
        (void)d->parse(ctx, at, (size_t)len);
        off += (size_t)len;
    }
    memmove(s->buf, s->buf + off, n - off);
    s->len = n - off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dnp3_state st;
    static uint8_t frame[DNP3_MAX_FRAME];
    struct pd_limits lim = pd_default_limits;
    struct pd_ctx ctx;

    if (size < 1)
        return 0;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 2; i++) {
        streams[i].len = 0;
        streams[i].resync = 0;
    }
    lim.max_points = 1 + data[0] % 80;
    lim.max_items = 1 + data[0] % 40;
    lim.txn_timeout_us = 1000000;
    ctx = fuzz_ctx(&st, &lim);
    ctx.transport = (data[0] & 0x80) ? PD_TRANSPORT_UDP : PD_TRANSPORT_TCP;

    size_t off = 1;
    while (off + REC_HEAD <= size) {
        const uint8_t *h = data + off;
        uint8_t flags = h[0];
        uint8_t ctrl = h[1];
        uint16_t dst = (uint16_t)(h[2] | h[3] << 8);
        uint16_t src = (uint16_t)(h[4] | h[5] << 8);
        size_t ulen = h[6] < DNP3_MAX_USER ? h[6] : DNP3_MAX_USER;
        off += REC_HEAD;
        if (ulen > size - off)
            ulen = size - off;
        if (!(flags & F_RAW_CTRL)) /* keep DIR, FCB, FCV; primary, (un)confirmed user data */
            ctrl = (uint8_t)((ctrl & (DNP3_LC_DIR | DNP3_LC_FCB | DNP3_LC_FCV)) | DNP3_LC_PRM |
                             ((ctrl & 1) ? DNP3_LF_CONFIRMED_USER_DATA
                                         : DNP3_LF_UNCONFIRMED_USER_DATA));
        size_t flen = frame_build(frame, flags, ctrl, dst, src, data + off, ulen);
        off += ulen;

        uint8_t dir = (flags & F_DIR) ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER;
        struct stream *s = &streams[dir];
        (void)pd_dnp3.probe(frame, flen, dir);
        if (flen > STREAM_CAP - s->len) { /* the sensor's buffer cap: drop and resync */
            s->len = 0;
            s->resync = 1;
        }
        memcpy(s->buf + s->len, frame, flen);
        s->len += flen;
        ctx.now_us += (uint64_t)(flags >> 5) * 250000u;
        if (!(flags & F_HOLD))
            stream_run(&ctx, s, dir);
    }
    stream_run(&ctx, &streams[PD_DIR_TO_SERVER], PD_DIR_TO_SERVER);
    stream_run(&ctx, &streams[PD_DIR_TO_CLIENT], PD_DIR_TO_CLIENT);
    pd_dnp3.expire(&ctx, 1);
    return 0;
}
