/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reasm.c - TCP reassembly of one direction: in order, out of order, retransmission,
 * overlap, gap (by buffer pressure, by peer ACK, at flush), mid-stream start and sequence
 * wrap-around. The delivered byte stream and gap marks are checked exactly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "reasm.h"

struct sink {
    char out[4096];
    size_t n;
    int gaps;
};

static void deliver(void *arg, const uint8_t *data, uint32_t len, int gap)
{
    struct sink *s = arg;
    if (gap) {
        s->gaps++;
        s->out[s->n++] = '|'; /* a visible gap mark in the stream */
        return;
    }
    memcpy(s->out + s->n, data, len);
    s->n += len;
}

static uint8_t ooo[64];

static struct reasm_io io_for(struct sink *s, uint32_t cap)
{
    struct reasm_io io = {ooo, cap, deliver, s};
    return io;
}

#define SEG(r, io, seq, str) reasm_data(r, io, seq, (const uint8_t *)(str), (uint32_t)strlen(str))

static void expect_stream(struct sink *s, const char *want)
{
    s->out[s->n] = '\0';
    cr_expect_str_eq(s->out, want);
}

Test(reasm, in_order)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 1000);
    SEG(&r, &io, 1000, "abc");
    SEG(&r, &io, 1003, "def");
    expect_stream(&s, "abcdef");
    cr_expect_eq(r.next_seq, 1006);
}

Test(reasm, out_of_order_is_buffered_then_delivered)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 6, "ghi");
    SEG(&r, &io, 3, "def");
    expect_stream(&s, "");
    SEG(&r, &io, 0, "abc");
    expect_stream(&s, "abcdefghi");
    cr_expect_eq(r.ooo, 2);
    cr_expect_eq(r.gaps, 0);
}

Test(reasm, retransmission_dropped_overlap_trimmed)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "abcd");
    SEG(&r, &io, 0, "abcd"); /* retransmission */
    SEG(&r, &io, 2, "XXef"); /* overlap: first copy wins, new tail kept */
    expect_stream(&s, "abcdef");
    cr_expect_eq(r.retrans, 1);
    cr_expect_eq(r.overlaps, 1);
}

Test(reasm, gap_when_buffer_is_full)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, 8);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "ab");
    SEG(&r, &io, 10, "klmnop"); /* early, buffered (6 of 8 bytes) */
    SEG(&r, &io, 16, "qrst");   /* no room: give up on the hole 2..10 */
    expect_stream(&s, "ab|klmnopqrst");
    cr_expect_eq(r.gaps, 1);
    cr_expect_eq(r.gap_bytes, 8);
}

Test(reasm, gap_when_peer_acks_past_hole)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "ab");
    SEG(&r, &io, 5, "fg");
    reasm_peer_ack(&r, &io, 3); /* the receiver has bytes 2..3 we never saw */
    expect_stream(&s, "ab|fg");
    cr_expect_eq(r.gap_bytes, 3);
}

Test(reasm, ack_ahead_without_buffered_data_waits)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    reasm_peer_ack(&r, &io, 100); /* could be capture reordering: nothing happens */
    SEG(&r, &io, 0, "ab");
    expect_stream(&s, "ab");
    cr_expect_eq(r.gaps, 0);
}

Test(reasm, flush_skips_holes)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 4, "ef");
    SEG(&r, &io, 8, "ij");
    reasm_flush(&r, &io);
    expect_stream(&s, "|ef|ij");
    cr_expect_eq(r.gaps, 2);
}

Test(reasm, midstream_start_takes_first_segment)
{
    struct sink s = {0};
    struct reasm r;
    memset(&r, 0, sizeof r);
    struct reasm_io io = io_for(&s, sizeof ooo);
    SEG(&r, &io, 777777, "xyz"); /* no SYN seen: the first segment defines the stream */
    SEG(&r, &io, 777780, "w");
    expect_stream(&s, "xyzw");
}

Test(reasm, sequence_wraps_around)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0xfffffffeu);
    SEG(&r, &io, 0x00000000u, "cd"); /* after the wrap: early */
    SEG(&r, &io, 0xfffffffeu, "ab1");
    expect_stream(&s, "ab1d");
    cr_expect_eq(r.overlaps, 1);
}
