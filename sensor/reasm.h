/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reasm.h - TCP reassembly of one direction: in-order delivery, bounded out-of-order
 * buffering, retransmissions and overlaps trimmed (first copy wins), gaps skipped with a
 * gap mark so the protocol's framing can resynchronise. The caller owns the out-of-order
 * byte buffer; nothing here allocates. libc only.
 */
#ifndef TZ_REASM_H
#define TZ_REASM_H

#include <stdint.h>

#define REASM_MAX_SEG 16

struct reasm_seg {
    uint32_t seq, len, off;
};

struct reasm {
    uint32_t next_seq;
    uint8_t init;
    uint8_t n_seg;
    uint32_t ooo_used;
    struct reasm_seg seg[REASM_MAX_SEG];
    /* counters */
    uint32_t retrans;   /* segments wholly seen before */
    uint32_t overlaps;  /* segments partly seen before (trimmed) */
    uint32_t gaps;      /* times bytes were skipped */
    uint64_t gap_bytes; /* bytes never seen */
    uint32_t ooo;       /* segments that arrived early and were buffered */
};

/* data == NULL && gap: bytes were lost before the next delivery; resynchronise. */
typedef void (*reasm_deliver_fn)(void *arg, const uint8_t *data, uint32_t len, int gap);

struct reasm_io {
    uint8_t *ooo_buf;
    uint32_t ooo_cap;
    reasm_deliver_fn deliver;
    void *arg;
};

/* Starts the direction at sequence number next (ISN+1 after a SYN). */
void reasm_start(struct reasm *r, uint32_t next);
/* One segment's payload. */
void reasm_data(struct reasm *r, const struct reasm_io *io, uint32_t seq, const uint8_t *p,
                uint32_t len);
/* The other side acknowledged `ack`: bytes before it that never arrived are lost. */
void reasm_peer_ack(struct reasm *r, const struct reasm_io *io, uint32_t ack);
/* End of the flow: deliver whatever is buffered, skipping holes. */
void reasm_flush(struct reasm *r, const struct reasm_io *io);

#endif
