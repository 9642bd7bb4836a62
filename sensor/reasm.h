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
    uint32_t peer_ack;  /* highest ACK the other side sent for this direction */
    uint8_t has_ack;
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
    uint32_t end_seq;   /* the stream ends here (the FIN's sequence number, or a RST's) */
    uint8_t has_end;
    uint64_t past_end;  /* bytes at or after end_seq: never delivered (the receiver
                           discards them too, RFC 9293 3.10.7.4) */
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
/* The direction ends at end_seq (a FIN at that sequence number, or an accepted RST): bytes
 * at or after it, buffered or still to come, are dropped and counted in past_end, so data
 * slipped in after the close never reaches a dissector. The first end seen stays. */
void reasm_end(struct reasm *r, uint32_t end_seq);
/* End of the flow: deliver whatever is buffered, skipping holes. */
void reasm_flush(struct reasm *r, const struct reasm_io *io);

#endif
