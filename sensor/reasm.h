/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reasm.h - TCP reassembly of one direction: in-order delivery, bounded out-of-order
 * buffering, retransmissions and overlaps trimmed (first copy wins), gaps skipped with a
 * gap mark so the protocol's framing can resynchronise. The caller owns the out-of-order
 * byte buffer and segment table; nothing here allocates. libc only.
 */
#ifndef TZ_REASM_H
#define TZ_REASM_H

#include <stdint.h>

/* Hard bound of tcp.ooo_segments (the caller's segment table has that many entries). */
#define REASM_MAX_SEG 65536

/* The gap argument of a delivery: bytes lost on the wire or never captured, or given up
 * because the out-of-order buffer was full (bytes or segments). */
enum reasm_gap { REASM_GAP_NONE = 0, REASM_GAP_LOST = 1, REASM_GAP_OVERFLOW = 2 };

struct reasm_seg {
    uint32_t seq, len, off;
};

struct reasm {
    uint32_t next_seq;
    uint32_t peer_ack;  /* highest ACK the other side sent for this direction */
    uint8_t has_ack;
    uint8_t init;
    uint32_t n_seg;
    uint32_t ooo_used;
    /* counters */
    uint32_t retrans;   /* segments wholly seen before */
    uint32_t overlaps;  /* segments partly seen before (trimmed) */
    uint32_t gaps;      /* times bytes were skipped */
    uint64_t gap_bytes; /* bytes never seen */
    uint32_t ooo;       /* segments that arrived early and were buffered */
    uint32_t overflows; /* holes given up because the buffer was full (bytes or segments) */
    uint32_t end_seq;   /* the stream ends here (the FIN's sequence number, or a RST's) */
    uint8_t has_end;
    uint64_t past_end;  /* bytes at or after end_seq: never delivered (the receiver
                           discards them too, RFC 9293 3.10.7.4) */
};

/* data == NULL && gap (enum reasm_gap): bytes were lost before the next delivery;
 * resynchronise. */
typedef void (*reasm_deliver_fn)(void *arg, const uint8_t *data, uint32_t len, int gap);

/* The out-of-order buffer is bounded twice: ooo_cap bytes in ooo_buf and max_seg entries in
 * seg[] (tcp.ooo_bytes, tcp.ooo_segments); a segment that fits neither gives up the oldest
 * hole (counted in overflows, delivered as REASM_GAP_OVERFLOW). */
struct reasm_io {
    uint8_t *ooo_buf;
    uint32_t ooo_cap;
    struct reasm_seg *seg;
    uint32_t max_seg;
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
void reasm_end(struct reasm *r, const struct reasm_io *io, uint32_t end_seq);
/* End of the flow: deliver whatever is buffered, skipping holes. */
void reasm_flush(struct reasm *r, const struct reasm_io *io);

#endif
