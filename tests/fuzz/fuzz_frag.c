/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_frag.c - libFuzzer target for IP fragment reassembly (sensor/frag.c) through the
 * decoder, on a small table (4 datagrams of at most 2 KiB, 4 KiB in all, 2 ms timeout) so
 * every cap is reached. The input is a list of fragments, each 5 bytes of header then its
 * data: [flags u8: bit 0 IPv6, bit 1 more fragments, bits 2-4 identification, bits 5-7 clock
 * step (backwards when 7)][offset u16, 8-byte units][length u8][source u8]. Each is built
 * into a correct IPv4 or IPv6 fragment frame, decoded, and added; a completed datagram is
 * decoded again. Checks the pool accounting and, after a flush, that nothing is held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"

static size_t build(uint8_t *f, uint8_t flags, uint16_t off8, const uint8_t *data, size_t len,
                    uint8_t src)
{
    uint16_t off = (uint16_t)(off8 * 8u);
    uint8_t id = (uint8_t)((flags >> 2) & 7);
    int more = (flags >> 1) & 1;
    if (flags & 1) {
        const uint8_t ip[] = {0x60, 0, 0, 0, (uint8_t)((len + 8) >> 8), (uint8_t)(len + 8), 44, 64,
                              0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, src,
                              0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
        const uint8_t fh[] = {17, 0, (uint8_t)(off >> 8), (uint8_t)((off & 0xf8) | more), 0, 0, 0, id};
        memcpy(f, ip, 40);
        memcpy(f + 40, fh, 8);
        memcpy(f + 48, data, len);
        return 48 + len;
    }
    size_t total = 20 + len;
    uint16_t fo = (uint16_t)((more ? 0x2000 : 0) | (off8 & 0x1fff));
    const uint8_t ip[] = {0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, id, (uint8_t)(fo >> 8),
                          (uint8_t)fo, 64, 17, 0, 0, 10, 0, 0, src, 10, 0, 0, 2};
    memcpy(f, ip, 20);
    memcpy(f + 20, data, len);
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[512];
    struct frag_table t;
    struct frag_limits lim = {4, 2048, 4096, 2000};
    if (frag_init(&t, &lim) != 0)
        return 0;
    uint64_t now = 1700000000000000ull;
    size_t i = 0;
    while (i + 5 <= size) {
        uint8_t flags = data[i];
        uint16_t off8 = (uint16_t)(data[i + 1] << 8 | data[i + 2]);
        size_t len = data[i + 3];
        uint8_t src = data[i + 4] & 3;
        i += 5;
        if (len > size - i)
            len = size - i;
        uint8_t step = (uint8_t)(flags >> 5);
        now = step == 7 ? now - 5000 : now + (uint64_t)step * 300;
        size_t n = build(frame, flags, off8, data + i, len, src);
        i += len;
        struct pkt k;
        memset(&k, 0, sizeof k);
        k.ts_us = now;
        int r = decode_packet(TZ_DLT_RAW, frame, (uint32_t)n, &k);
        if (r != DECODE_FRAGMENT) {
            frag_expire(&t, now);
            continue;
        }
        const uint8_t *out = NULL;
        const struct pkt *ctx = NULL;
        long got = frag_add(&t, &k, frame, &out, &ctx);
        if (got < 0 || (size_t)got > FRAG_HDR_MAX + lim.datagram_bytes)
            abort();
        if (got > 0) {
            struct pkt d;
            (void)decode_datagram(&decode_opts_default, ctx, out, (uint32_t)got, &d);
        }
        if (t.chunks_used > t.n_chunks || frag_active(&t) > lim.max_datagrams)
            abort();
    }
    frag_flush(&t);
    if (t.chunks_used != 0 || frag_active(&t) != 0)
        abort();
    frag_free(&t);
    return 0;
}
