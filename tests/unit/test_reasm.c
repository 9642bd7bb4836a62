/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reasm.c - TCP reassembly of one direction: in order, out of order, retransmission,
 * overlap, gap (by buffer pressure, by peer ACK, at flush), mid-stream start, sequence
 * wrap-around, and the end of a stream by FIN or RST. The delivered byte stream and gap marks
 * are checked exactly.
 *
 * The worker passes a FIN segment's payload to reasm_data like any other, then calls reasm_end
 * at the FIN's sequence number (or a RST's, when it is exactly the next one expected), and
 * when the flow ends (FIN from both sides or a RST, then the closed timeout or a new SYN)
 * reasm_flush on each direction. The FIN/RST tests below replay that sequence of calls.
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
static struct reasm_seg segs[16];

static struct reasm_io io_for(struct sink *s, uint32_t cap)
{
    struct reasm_io io = {ooo, cap, segs, 16, deliver, s};
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

Test(reasm, early_segment_after_peer_acked_the_hole_is_released_at_once)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "ab");
    reasm_peer_ack(&r, &io, 5); /* the receiver got bytes 2..4, the mirror lost them */
    expect_stream(&s, "ab");
    SEG(&r, &io, 5, "fg");     /* no need to wait for another ACK */
    expect_stream(&s, "ab|fg");
}

Test(reasm, fin_after_in_order_data_leaves_nothing_to_flush)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "abc");
    SEG(&r, &io, 3, "def");      /* carries the FIN: its payload is ordinary data */
    reasm_data(&r, &io, 6, NULL, 0); /* a bare FIN has no payload: nothing to do */
    expect_stream(&s, "abcdef");
    reasm_flush(&r, &io);        /* the flow ends */
    expect_stream(&s, "abcdef");
    cr_expect_eq(r.next_seq, 6);
    cr_expect_eq(r.gaps, 0);
    cr_expect_eq(r.n_seg, 0);
}

Test(reasm, fin_segment_before_a_hole_waits_for_it)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 6, "ghi");      /* the last segment, with the FIN, overtakes two others */
    SEG(&r, &io, 3, "def");
    expect_stream(&s, "");
    SEG(&r, &io, 0, "abc");      /* the hole fills before the flow ends */
    expect_stream(&s, "abcdefghi");
    reasm_flush(&r, &io);
    expect_stream(&s, "abcdefghi");
    cr_expect_eq(r.ooo, 2);
    cr_expect_eq(r.gaps, 0);
    cr_expect_eq(r.ooo_used, 0);
}

Test(reasm, rst_end_delivers_buffered_data_past_the_holes)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 0, "ab");
    SEG(&r, &io, 9, "j");        /* buffered out of order, in reverse */
    SEG(&r, &io, 5, "fg");
    /* RST: nothing is discarded; the flow's end flushes what is buffered (reasm.h) */
    reasm_flush(&r, &io);
    expect_stream(&s, "ab|fg|j");
    cr_expect_eq(r.gaps, 2);
    cr_expect_eq(r.gap_bytes, 5);
    cr_expect_eq(r.next_seq, 10);
    cr_expect_eq(r.n_seg, 0);
    cr_expect_eq(r.ooo_used, 0);
}

Test(reasm, retransmitted_fin_segment_is_delivered_once)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 3, "def");      /* FIN segment, early */
    SEG(&r, &io, 3, "def");      /* its retransmission, still early: buffered twice */
    SEG(&r, &io, 0, "abc");
    SEG(&r, &io, 3, "def");      /* and once more after delivery */
    reasm_data(&r, &io, 6, NULL, 0);
    reasm_flush(&r, &io);
    expect_stream(&s, "abcdef");
    cr_expect_eq(r.retrans, 2);
    cr_expect_eq(r.gaps, 0);
    cr_expect_eq(r.next_seq, 6);
}

Test(reasm, data_after_the_end_is_never_delivered)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 100);
    SEG(&r, &io, 100, "abc");
    reasm_end(&r, &io, 103);          /* FIN at 103 */
    SEG(&r, &io, 103, "EVIL");   /* slipped in after the FIN */
    SEG(&r, &io, 110, "MORE");   /* and further on */
    reasm_flush(&r, &io);
    expect_stream(&s, "abc");
    cr_expect_eq(r.past_end, 8);
    cr_expect_eq(r.gaps, 0);
}

Test(reasm, end_cuts_a_segment_across_it_and_buffered_ones_beyond)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_start(&r, 0);
    SEG(&r, &io, 4, "efgh");     /* early: buffered, crosses the end at 6 */
    SEG(&r, &io, 9, "jk");       /* early: wholly beyond the end */
    reasm_end(&r, &io, 6);
    cr_expect_eq(r.n_seg, 1);
    cr_expect_eq(r.past_end, 4);
    SEG(&r, &io, 0, "abcd");     /* fills the hole: the buffered part up to the end follows */
    expect_stream(&s, "abcdef");
    SEG(&r, &io, 5, "fXY");      /* a resend running past the end: XY is cut */
    expect_stream(&s, "abcdef");
    cr_expect_eq(r.past_end, 6);
    reasm_end(&r, &io, 100);          /* a second FIN does not move the end */
    SEG(&r, &io, 6, "z");
    expect_stream(&s, "abcdef");
}

Test(reasm, end_before_any_data_starts_the_direction_there)
{
    struct sink s = {0};
    struct reasm r = {0};
    struct reasm_io io = io_for(&s, sizeof ooo);
    reasm_end(&r, &io, 500);          /* a bare FIN is the first thing seen of this direction */
    SEG(&r, &io, 500, "late");
    expect_stream(&s, "");
    cr_expect_eq(r.past_end, 4);
}

/* tcp.ooo_segments: with room for 3 segments, 3-byte pieces reversed within the bound are
 * reassembled exactly; one piece too many gives up the oldest hole, counted as an overflow
 * and delivered as REASM_GAP_OVERFLOW. */
static int last_gap;
static void deliver_kind(void *arg, const uint8_t *data, uint32_t len, int gap)
{
    if (gap)
        last_gap = gap;
    deliver(arg, data, len, gap);
}

Test(reasm, segment_bound_holds_reversed_pieces)
{
    struct sink s = {0};
    struct reasm r;
    struct reasm_io io = {ooo, sizeof ooo, segs, 3, deliver_kind, &s};
    reasm_start(&r, 0);
    SEG(&r, &io, 9, "jkl");
    SEG(&r, &io, 6, "ghi");
    SEG(&r, &io, 3, "def");
    SEG(&r, &io, 0, "abc");
    expect_stream(&s, "abcdefghijkl");
    cr_expect_eq(r.overflows, 0);
    cr_expect_eq(r.gaps, 0);
    cr_expect_eq(r.ooo, 3);
}

Test(reasm, segment_bound_overflow_is_counted_and_resynchronised)
{
    struct sink s = {0};
    struct reasm r;
    last_gap = 0;
    struct reasm_io io = {ooo, sizeof ooo, segs, 3, deliver_kind, &s};
    reasm_start(&r, 0);
    SEG(&r, &io, 12, "mno");
    SEG(&r, &io, 9, "jkl");
    SEG(&r, &io, 6, "ghi");
    SEG(&r, &io, 3, "def"); /* a fourth early segment: bytes fit, segments do not */
    cr_expect_eq(r.overflows, 1);
    cr_expect_eq(r.gaps, 1);
    cr_expect_eq(r.gap_bytes, 3);
    cr_expect_eq(last_gap, REASM_GAP_OVERFLOW);
    expect_stream(&s, "|defghijklmno");
    SEG(&r, &io, 0, "abc"); /* too late: already given up */
    cr_expect_eq(r.retrans, 1);
}

Test(reasm, byte_bound_overflow_is_counted)
{
    struct sink s = {0};
    struct reasm r;
    last_gap = 0;
    struct reasm_io io = {ooo, 6, segs, 16, deliver_kind, &s};
    reasm_start(&r, 0);
    SEG(&r, &io, 3, "def");
    SEG(&r, &io, 6, "ghi");
    SEG(&r, &io, 9, "jkl"); /* 9 bytes do not fit in 6 */
    cr_expect_eq(r.overflows, 1);
    cr_expect_eq(last_gap, REASM_GAP_OVERFLOW);
    expect_stream(&s, "|defghijkl");
}
