/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_packet.c - libFuzzer target for the packet path below the dissectors: L2-L4
 * decoding of a frame under every supported link type, then TCP reassembly of segments
 * whose sequence numbers, lengths and ACKs come from the input, with the delivered stream
 * framed by every registered dissector (pdu_len, resync, parse) as the sensor does, and
 * every dissector's role() answer on the input.
 *
 * The decoder takes GRE, ERSPAN, VXLAN (4789) and MPLS to the inner packet, and a frame
 * that decodes as an IP fragment goes into a small fragment table (frag.c), so this target
 * reaches the decapsulators and reassembly too (fuzz_decap and fuzz_frag aim at them).
 *
 * Input: byte 0 picks the link type; the rest is a frame for decode_packet and, read
 * again as records [seq_delta u16][len u8][ack u8], the segments fed to reassembly.
 */
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "frag.h"
#include "json_proto.h"
#include "pd.h"
#include "reasm.h"
#include "fuzz_common.h"

static const int links[] = {TZ_DLT_EN10MB, TZ_DLT_LINUX_SLL, TZ_DLT_LINUX_SLL2, TZ_DLT_RAW,
                            TZ_DLT_NULL,   TZ_DLT_LOOP,      TZ_DLT_IPV4,       TZ_DLT_IPV6};

struct fz {
    const struct pd_dissector *d;
    struct pd_ctx ctx;
    uint8_t state[PD_MAX_STATE];
    uint8_t stream[4096];
    size_t blen;
    int resync;
};

static void frame_all(struct fz *z)
{
    size_t off = 0;
    while (off < z->blen) {
        if (z->resync) {
            long r = z->d->resync(z->stream + off, z->blen - off);
            if (r < 0) {
                off = z->blen;
                break;
            }
            off += (size_t)r;
            z->resync = 0;
            continue;
        }
        long len = z->d->pdu_len(z->stream + off, z->blen - off);
        if (len == 0)
            break;
        if (len < 0) {
            z->resync = 1;
            off++;
            continue;
        }
        if ((size_t)len > z->blen - off)
            break;
        z->d->parse(&z->ctx, z->stream + off, (size_t)len);
        off += (size_t)len;
    }
    memmove(z->stream, z->stream + off, z->blen - off);
    z->blen -= off;
}

static void deliver(void *arg, const uint8_t *data, uint32_t len, int gap)
{
    struct fz *z = arg;
    if (gap) {
        z->blen = 0;
        z->resync = 1;
        return;
    }
    while (len) {
        size_t room = sizeof z->stream - z->blen;
        size_t n = len < room ? len : room;
        memcpy(z->stream + z->blen, data, n);
        z->blen += n;
        data += n;
        len -= (uint32_t)n;
        frame_all(z);
        if (z->blen == sizeof z->stream)
            z->blen = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct pkt k;
    int dlt = links[data[0] % (sizeof links / sizeof links[0])];
    memset(&k, 0, sizeof k);
    int dr = decode_packet(dlt, data + 1, (uint32_t)(size - 1), &k);
    (void)decode_flow_hash(&k);
    if (dr == DECODE_FRAGMENT) {
        static struct frag_table ft;
        static int ft_ready;
        static const struct frag_limits fl = {4, 2048, 4096, 1000000};
        if (!ft_ready)
            ft_ready = frag_init(&ft, &fl) == 0;
        const uint8_t *dg = NULL;
        const struct pkt *ctx = NULL;
        struct pkt d;
        long n = ft_ready ? frag_add(&ft, &k, data + 1, &dg, &ctx) : 0;
        if (n > 0)
            (void)decode_datagram(&decode_opts_default, ctx, dg, (uint32_t)n, &d);
        if (ft_ready)
            frag_flush(&ft); /* each input starts from an empty table */
    }

    static struct fz z;
    static uint8_t ooo[2048];
    static const struct pd_limits lim = {8, 8, 8, 8, 1000};
    for (size_t di = 0; di < pd_registry_count; di++) {
        memset(&z, 0, sizeof z);
        z.d = pd_registry[di];
        if (z.d->role) { /* the probe's request/response answer on any bytes */
            struct pd_role_info ri;
            z.d->role(data + 1, size - 1, &ri);
        }
        z.ctx = fuzz_ctx(z.state, &lim);
        z.resync = data[0] & 1;
        struct reasm r;
        memset(&r, 0, sizeof r);
        static struct reasm_seg segs[16];
        struct reasm_io io = {ooo, sizeof ooo, segs, 16, deliver, &z};
        uint32_t seq = 1000;
        size_t off = 1;
        while (off + 4 <= size) {
            uint16_t delta = (uint16_t)(data[off] << 8 | data[off + 1]);
            uint8_t len = data[off + 2];
            uint8_t ack = data[off + 3];
            off += 4;
            if (len > size - off)
                len = (uint8_t)(size - off);
            seq += (uint32_t)(int16_t)delta;
            z.ctx.dir = (uint8_t)(ack & 1);
            z.ctx.now_us += 1000;
            reasm_data(&r, &io, seq, data + off, len);
            if (ack & 2)
                reasm_peer_ack(&r, &io, seq + ack);
            off += len;
        }
        reasm_flush(&r, &io);
        if (z.d->expire)
            z.d->expire(&z.ctx, 1);
    }
    return 0;
}
