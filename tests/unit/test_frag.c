/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_frag.c - the fragment table (sensor/frag.c) fed through the decoder: IPv4 and IPv6
 * datagrams in 16-byte pieces in order and out of order reassemble to the original bytes;
 * exact duplicates and late copies are ignored; overlaps with other bytes or disagreeing
 * ends drop the datagram and its later fragments (RFC 5722); timeouts by capture time and a
 * clock stepping back; the per-datagram, total-bytes and datagram-count caps; unusable
 * fragments.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "frag.h"

#define T0 1000000000ull

/* An IPv4 UDP datagram 10.0.0.1:1000 -> 10.0.0.2:502 with n bytes of payload i*7 */
static size_t datagram4(uint8_t *out, size_t n)
{
    const uint8_t hdr[] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(out, hdr, 20);
    size_t total = 20 + 8 + n;
    out[2] = (uint8_t)(total >> 8);
    out[3] = (uint8_t)total;
    const uint8_t udp[] = {0x03, 0xe8, 0x01, 0xf6, (uint8_t)((8 + n) >> 8), (uint8_t)(8 + n), 0, 0};
    memcpy(out + 20, udp, 8);
    for (size_t i = 0; i < n; i++)
        out[28 + i] = (uint8_t)(i * 7);
    return total;
}

/* Fragment [off, off+len) of the IPv4 datagram dg as a raw-IP frame; id 0x4242. */
static size_t frag4(uint8_t *out, const uint8_t *dg, size_t off, size_t len, int more)
{
    memcpy(out, dg, 20);
    size_t total = 20 + len;
    out[2] = (uint8_t)(total >> 8);
    out[3] = (uint8_t)total;
    out[4] = 0x42;
    out[5] = 0x42;
    uint16_t f = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    out[6] = (uint8_t)(f >> 8);
    out[7] = (uint8_t)f;
    memcpy(out + 20, dg + 20 + off, len);
    return total;
}

static struct frag_table mk(uint32_t n, uint32_t dgram, uint32_t total, uint64_t tmo)
{
    struct frag_table t;
    struct frag_limits lim = {n, dgram, total, tmo};
    cr_assert_eq(frag_init(&t, &lim), 0);
    return t;
}

/* Feeds one fragment frame; returns frag_add's result. */
static long feed(struct frag_table *t, const uint8_t *frame, size_t n, uint64_t ts,
                 const uint8_t **out, const struct pkt **ctx)
{
    struct pkt k;
    memset(&k, 0, sizeof k);
    k.ts_us = ts;
    cr_assert_eq(decode_packet(TZ_DLT_RAW, frame, (uint32_t)n, &k), DECODE_FRAGMENT);
    return frag_add(t, &k, frame, out, ctx);
}

static void check_udp(const uint8_t *dg, long n, size_t payload)
{
    struct pkt k;
    cr_assert_eq(n, (long)(28 + payload));
    cr_assert_eq(decode_packet(TZ_DLT_RAW, dg, (uint32_t)n, &k), DECODE_OK);
    cr_expect_eq(k.l4proto, 17);
    cr_expect_eq(k.dport, 502);
    cr_expect_eq(k.payload_len, payload);
    for (size_t i = 0; i < payload; i++)
        cr_assert_eq(dg[k.payload_off + i], (uint8_t)(i * 7), "byte %zu", i);
    cr_expect_eq(dg[6], 0, "no more fragments");
}

static void in_pieces(int reverse)
{
    uint8_t dg[256], fr[64];
    size_t total = datagram4(dg, 92); /* 100 bytes of data: 7 pieces of 16 (the last 4) */
    size_t data = total - 20;
    struct frag_table t = mk(8, 65535, 65536, 30000000);
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    long n = 0;
    size_t pieces = (data + 15) / 16;
    for (size_t i = 0; i < pieces; i++) {
        size_t p = reverse ? pieces - 1 - i : i;
        size_t len = p * 16 + 16 <= data ? 16 : data - p * 16;
        size_t fl = frag4(fr, dg, p * 16, len, p + 1 < pieces);
        n = feed(&t, fr, fl, T0 + i, &out, &ctx);
        if (i + 1 < pieces)
            cr_assert_eq(n, 0, "piece %zu completes nothing", i);
    }
    check_udp(out, n, 92);
    cr_expect_eq(ctx->ipver, 4);
    cr_expect_eq(t.st.fragments, pieces);
    cr_expect_eq(t.st.reassembled, 1);
    cr_expect_eq(frag_active(&t), 1, "the completed key is kept a moment");
    cr_expect_eq(t.chunks_used, 0, "its data is released");
    frag_free(&t);
}

Test(frag, ipv4_in_order_and_reversed)
{
    in_pieces(0);
    in_pieces(1);
}

Test(frag, ipv6_pieces_and_next_header)
{
    /* IPv6 + destination options (8 bytes) + fragment header + UDP: the unfragmentable
     * part is kept and its next-header byte becomes UDP */
    uint8_t udp[8 + 40];
    const uint8_t uh[] = {0x03, 0xe8, 0x01, 0xf6, 0, 48, 0, 0};
    memcpy(udp, uh, 8);
    for (int i = 0; i < 40; i++)
        udp[8 + i] = (uint8_t)(i * 7);
    struct frag_table t = mk(8, 65535, 65536, 30000000);
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    long n = 0;
    for (int off = 0; off < 48; off += 16) {
        uint8_t fr[128];
        const uint8_t ip6[] = {0x60, 0, 0, 0, 0, 0, 60, 64,
                               0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                               0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
        const uint8_t dopt[] = {44, 0, 1, 4, 0, 0, 0, 0};  /* next: fragment; PadN */
        int more = off + 16 < 48;
        const uint8_t fh[] = {17, 0, (uint8_t)(off >> 8), (uint8_t)(off | more), 0, 0, 0x77, 0x01};
        size_t p = 0;
        memcpy(fr + p, ip6, sizeof ip6);
        p += sizeof ip6;
        memcpy(fr + p, dopt, sizeof dopt);
        p += sizeof dopt;
        memcpy(fr + p, fh, sizeof fh);
        p += sizeof fh;
        memcpy(fr + p, udp + off, 16);
        p += 16;
        fr[5] = (uint8_t)(p - 40);
        n = feed(&t, fr, p, T0, &out, &ctx);
    }
    cr_assert_eq(n, 40 + 8 + 48);
    cr_expect_eq(out[6], 60, "the destination options stay");
    cr_expect_eq(out[40], 17, "which now name UDP");
    cr_expect_eq(out[5], 56);
    struct pkt k;
    cr_assert_eq(decode_packet(TZ_DLT_RAW, out, (uint32_t)n, &k), DECODE_OK);
    cr_expect_eq(k.payload_len, 40);
    cr_expect_eq(out[k.payload_off + 39], (uint8_t)(39 * 7));
    frag_free(&t);
}

Test(frag, duplicates_and_late_copies)
{
    uint8_t dg[256], a[64], b[64];
    datagram4(dg, 24); /* 32 bytes of data: 2 pieces */
    size_t na = frag4(a, dg, 0, 16, 1), nb = frag4(b, dg, 16, 16, 0);
    struct frag_table t = mk(8, 65535, 65536, 30000000);
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    cr_expect_eq(feed(&t, a, na, T0, &out, &ctx), 0);
    cr_expect_eq(feed(&t, a, na, T0 + 1, &out, &ctx), 0, "an exact duplicate");
    cr_expect_eq(t.st.duplicates, 1);
    long n = feed(&t, b, nb, T0 + 2, &out, &ctx);
    check_udp(out, n, 24);
    /* the second mirror session's copies after the datagram completed */
    cr_expect_eq(feed(&t, a, na, T0 + 3, &out, &ctx), 0);
    cr_expect_eq(feed(&t, b, nb, T0 + 4, &out, &ctx), 0);
    cr_expect_eq(t.st.duplicates, 3);
    cr_expect_eq(t.st.reassembled, 1);
    /* 2 s later the identification is reused: a new datagram */
    cr_expect_eq(feed(&t, a, na, T0 + 2000000, &out, &ctx), 0);
    n = feed(&t, b, nb, T0 + 2000001, &out, &ctx);
    check_udp(out, n, 24);
    cr_expect_eq(t.st.reassembled, 2);
    cr_expect_eq(t.st.timeouts, 0);
    frag_free(&t);
}

Test(frag, overlap_drops_the_datagram)
{
    uint8_t dg[256], a[64], b[64], evil[64];
    datagram4(dg, 24);
    size_t na = frag4(a, dg, 0, 16, 1), nb = frag4(b, dg, 16, 16, 0);
    size_t ne = frag4(evil, dg, 8, 16, 1);
    evil[20 + 4] ^= 0xff; /* other bytes at offset 12 */
    struct frag_table t = mk(8, 65535, 65536, 30000000);
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    cr_expect_eq(feed(&t, a, na, T0, &out, &ctx), 0);
    cr_expect_eq(feed(&t, evil, ne, T0 + 1, &out, &ctx), 0);
    cr_expect_eq(t.st.overlaps, 1);
    cr_expect_eq(feed(&t, b, nb, T0 + 2, &out, &ctx), 0, "discarded: the datagram is dropped");
    cr_expect_eq(feed(&t, a, na, T0 + 3, &out, &ctx), 0);
    cr_expect_eq(t.st.reassembled, 0);
    cr_expect_eq(t.st.overlaps, 1, "counted once");
    cr_expect_eq(t.chunks_used, 0);
    /* it expires without counting as a timeout */
    frag_expire(&t, T0 + 30000000);
    cr_expect_eq(frag_active(&t), 0);
    cr_expect_eq(t.st.timeouts, 0);

    /* two last fragments that disagree on the end */
    size_t nb2 = frag4(b, dg, 16, 8, 0);
    cr_expect_eq(feed(&t, b, nb2, T0 + 40000000, &out, &ctx), 0);
    nb = frag4(b, dg, 16, 16, 0);
    cr_expect_eq(feed(&t, b, nb, T0 + 40000001, &out, &ctx), 0);
    cr_expect_eq(t.st.overlaps, 2);
    cr_expect_eq(feed(&t, a, na, T0 + 40000002, &out, &ctx), 0, "discarded");
    cr_expect_eq(t.st.reassembled, 0);
    frag_free(&t);
}

Test(frag, timeouts_and_clock_steps)
{
    uint8_t dg[256], a[64], b[64];
    datagram4(dg, 24);
    size_t na = frag4(a, dg, 0, 16, 1), nb = frag4(b, dg, 16, 16, 0);
    struct frag_table t = mk(8, 65535, 65536, 1000000);
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    cr_expect_eq(feed(&t, a, na, T0, &out, &ctx), 0);
    frag_expire(&t, T0 + 999999);
    cr_expect_eq(frag_active(&t), 1);
    frag_expire(&t, T0 + 1000000);
    cr_expect_eq(frag_active(&t), 0);
    cr_expect_eq(t.st.timeouts, 1);
    cr_expect_eq(feed(&t, b, nb, T0 + 1000001, &out, &ctx), 0, "the first piece is gone");

    /* the clock steps back by more than the timeout: what is in progress is given up */
    cr_expect_eq(feed(&t, a, na, T0 - 5000000, &out, &ctx), 0);
    cr_expect_eq(t.st.timeouts, 2);
    /* a small step back (less than the timeout) keeps it */
    long n = feed(&t, b, nb, T0 - 5000100, &out, &ctx);
    check_udp(out, n, 24);
    frag_flush(&t);
    cr_expect_eq(t.st.timeouts, 2, "the completed key is not a timeout");
    cr_expect_eq(feed(&t, a, na, T0, &out, &ctx), 0);
    frag_flush(&t);
    cr_expect_eq(t.st.timeouts, 3, "end of input");
    frag_free(&t);
}

Test(frag, caps)
{
    uint8_t dg[4096], fr[2048];
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    /* per datagram: 64 bytes at most */
    struct frag_table t = mk(4, 64, 65536, 30000000);
    datagram4(dg, 92);
    size_t n = frag4(fr, dg, 64, 16, 1);
    cr_expect_eq(feed(&t, fr, n, T0, &out, &ctx), 0);
    cr_expect_eq(t.st.too_big, 1);
    frag_free(&t);

    /* total: two chunks of 1 KiB; a datagram needing three is dropped */
    t = mk(4, 65535, 2048, 30000000);
    datagram4(dg, 1500);
    n = frag4(fr, dg, 0, 1024, 1);
    cr_expect_eq(feed(&t, fr, n, T0, &out, &ctx), 0);
    n = frag4(fr, dg, 1024, 1024, 1);
    cr_expect_eq(feed(&t, fr, n, T0, &out, &ctx), 0);
    n = frag4(fr, dg, 2048, 8, 1);
    cr_expect_eq(feed(&t, fr, n, T0, &out, &ctx), 0);
    cr_expect_eq(t.st.no_room, 1);
    cr_expect_eq(t.chunks_used, 0, "its chunks are back in the pool");
    frag_free(&t);

    /* datagrams at once: a third evicts the oldest */
    t = mk(2, 65535, 65536, 30000000);
    datagram4(dg, 24);
    for (int i = 0; i < 3; i++) {
        n = frag4(fr, dg, 0, 16, 1);
        fr[5] = (uint8_t)i; /* identification */
        cr_expect_eq(feed(&t, fr, n, T0 + (uint64_t)i, &out, &ctx), 0);
    }
    cr_expect_eq(t.st.no_room, 1);
    cr_expect_eq(frag_active(&t), 2);
    frag_free(&t);
}

Test(frag, unusable_fragments)
{
    uint8_t dg[256], fr[64];
    const uint8_t *out = NULL;
    const struct pkt *ctx = NULL;
    struct frag_table t = mk(4, 65535, 65536, 30000000);
    datagram4(dg, 92);
    size_t n = frag4(fr, dg, 0, 12, 1); /* more fragments, length not a multiple of 8 */
    cr_expect_eq(feed(&t, fr, n, T0, &out, &ctx), 0);
    cr_expect_eq(t.st.bad, 1);
    cr_expect_eq(frag_active(&t), 0);
    frag_free(&t);
}
