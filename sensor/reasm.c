/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reasm.c - one direction of TCP reassembly (see reasm.h). Sequence arithmetic is modulo
 * 2^32 (RFC 9293 section 3.4): "a before b" is (int32_t)(a - b) < 0.
 */
#include "reasm.h"

#include <string.h>

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void reasm_start(struct reasm *r, uint32_t next)
{
    memset(r, 0, sizeof *r);
    r->next_seq = next;
    r->init = 1;
}

/* Delivers p at seq when it starts at or before next_seq; returns 0 when it is still early. */
static int deliver_inorder(struct reasm *r, const struct reasm_io *io, uint32_t seq,
                           const uint8_t *p, uint32_t len)
{
    int32_t rel = seq_diff(seq, r->next_seq);
    if (rel > 0)
        return 0;
    if (rel < 0) {
        uint32_t dup = (uint32_t)(-(int64_t)rel);
        if (dup >= len) {
            r->retrans++;
            return 1;
        }
        r->overlaps++;
        p += dup;
        len -= dup;
    }
    /* advance before delivering: the callback may look at the state */
    r->next_seq += len;
    io->deliver(io->arg, p, len, 0);
    return 1;
}

/* The buffered segment that starts earliest relative to next_seq (its offset in *rel), or
 * -1 when none is buffered. */
static int earliest_seg(const struct reasm *r, const struct reasm_io *io, int32_t *rel)
{
    int best = -1;
    *rel = 0;
    for (uint32_t i = 0; i < r->n_seg; i++) {
        int32_t d = seq_diff(io->seg[i].seq, r->next_seq);
        if (best < 0 || d < *rel) {
            best = (int)i;
            *rel = d;
        }
    }
    return best;
}

static void drain(struct reasm *r, const struct reasm_io *io);
static void skip_acked_holes(struct reasm *r, const struct reasm_io *io);

static void drain(struct reasm *r, const struct reasm_io *io)
{
    for (;;) {
        int32_t best_rel;
        int best = earliest_seg(r, io, &best_rel);
        if (best < 0 || best_rel > 0)
            break;
        struct reasm_seg s = io->seg[best];
        io->seg[best] = io->seg[--r->n_seg];
        deliver_inorder(r, io, s.seq, io->ooo_buf + s.off, s.len);
    }
    if (r->n_seg == 0)
        r->ooo_used = 0;
}

/* Gives up on the hole before the earliest buffered segment. */
static void skip_gap(struct reasm *r, const struct reasm_io *io, int why)
{
    int32_t best_rel;
    int best = earliest_seg(r, io, &best_rel);
    if (best < 0)
        return;
    if (best_rel > 0) {
        r->gaps++;
        r->gap_bytes += (uint32_t)best_rel;
        r->next_seq = io->seg[best].seq;
        io->deliver(io->arg, NULL, 0, why);
    }
    drain(r, io);
}

void reasm_end(struct reasm *r, const struct reasm_io *io, uint32_t end_seq)
{
    if (!r->init)
        reasm_start(r, end_seq);
    if (r->has_end)
        return;
    r->has_end = 1;
    r->end_seq = end_seq;
    /* segments buffered beyond the end: cut them there */
    for (uint32_t i = 0; i < r->n_seg;) {
        struct reasm_seg *s = &io->seg[i];
        int32_t room = seq_diff(end_seq, s->seq);
        if (room <= 0) {
            r->past_end += s->len;
            *s = io->seg[--r->n_seg];
            continue;
        }
        if ((uint32_t)room < s->len) {
            r->past_end += s->len - (uint32_t)room;
            s->len = (uint32_t)room;
        }
        i++;
    }
    if (r->n_seg == 0)
        r->ooo_used = 0;
}

void reasm_data(struct reasm *r, const struct reasm_io *io, uint32_t seq, const uint8_t *p,
                uint32_t len)
{
    if (len == 0)
        return;
    if (!r->init)
        reasm_start(r, seq);
    if (r->has_end) {
        int32_t room = seq_diff(r->end_seq, seq);
        if (room <= 0) {
            r->past_end += len;
            return;
        }
        if ((uint32_t)room < len) {
            r->past_end += len - (uint32_t)room;
            len = (uint32_t)room;
        }
    }
    if (deliver_inorder(r, io, seq, p, len)) {
        if (r->n_seg)
            drain(r, io);
        return;
    }
    /* early: buffer it if there is room, else give up on the oldest hole and retry */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (r->n_seg < io->max_seg && io->ooo_cap - r->ooo_used >= len) {
            struct reasm_seg *s = &io->seg[r->n_seg++];
            s->seq = seq;
            s->len = len;
            s->off = r->ooo_used;
            memcpy(io->ooo_buf + s->off, p, len);
            r->ooo_used += len;
            r->ooo++;
            skip_acked_holes(r, io);
            return;
        }
        if (r->n_seg == 0)
            break;
        /* the new segment comes before everything buffered: skipping to it loses less */
        int32_t first_rel;
        earliest_seg(r, io, &first_rel);
        if (seq_diff(seq, r->next_seq) < first_rel)
            break;
        r->overflows++;
        skip_gap(r, io, REASM_GAP_OVERFLOW);
        if (deliver_inorder(r, io, seq, p, len)) {
            if (r->n_seg)
                drain(r, io);
            return;
        }
    }
    /* still no room (a segment larger than the buffer): skip straight to it */
    r->gaps++;
    r->overflows++;
    r->gap_bytes += (uint32_t)seq_diff(seq, r->next_seq);
    r->next_seq = seq;
    io->deliver(io->arg, NULL, 0, REASM_GAP_OVERFLOW);
    deliver_inorder(r, io, seq, p, len);
    if (r->n_seg)
        drain(r, io);
}

/* A hole the receiver has acknowledged past will not be filled: skip it, but only when
 * bytes behind it are buffered (an ACK ahead of us with nothing buffered may just be
 * capture reordering; the next segment decides). */
static void skip_acked_holes(struct reasm *r, const struct reasm_io *io)
{
    while (r->has_ack && r->n_seg && seq_diff(r->peer_ack, r->next_seq) > 0) {
        uint32_t before = r->next_seq;
        skip_gap(r, io, REASM_GAP_LOST);
        if (r->next_seq == before)
            break;
    }
}

void reasm_peer_ack(struct reasm *r, const struct reasm_io *io, uint32_t ack)
{
    if (!r->init)
        return;
    if (!r->has_ack || seq_diff(ack, r->peer_ack) > 0) {
        r->peer_ack = ack;
        r->has_ack = 1;
    }
    skip_acked_holes(r, io);
}

void reasm_flush(struct reasm *r, const struct reasm_io *io)
{
    while (r->n_seg) {
        uint32_t before = r->n_seg;
        skip_gap(r, io, REASM_GAP_LOST);
        if (r->n_seg == before)
            break;
    }
}
