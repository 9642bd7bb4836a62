/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring.h - single-producer single-consumer ring of variable-length records.
 *
 * Concurrency contract: exactly one producer thread calls ring_reserve/ring_commit and
 * exactly one consumer thread calls ring_peek/ring_next/ring_release; any other use is a
 * bug. Indices are free-running 64-bit byte counts; the buffer size is a power of two.
 * The producer publishes `head` with a release store after writing records (ring_commit),
 * the consumer reads it with an acquire load; the consumer publishes `tail` with a release
 * store after it is done with records (ring_release), the producer reads it with an acquire
 * load before reusing that space. Both sides batch: one store per burst, not per record.
 * When a ring is full ring_reserve returns NULL: the caller drops and counts (or, replaying
 * a file, waits). Records are 8-byte aligned: an 8-byte header (length, kind) then payload;
 * a record that would straddle the end is preceded by a padding record.
 */
#ifndef TZ_RING_H
#define TZ_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RING_CACHELINE 64

enum { RING_REC_DATA = 0, RING_REC_PAD = 1 };

struct ring_hdr {
    uint32_t len;  /* payload bytes (for PAD: bytes to skip after the header) */
    uint32_t kind; /* RING_REC_* */
};

struct ring {
    /* producer's line: written by the producer only */
    alignas(RING_CACHELINE) _Atomic uint64_t head; /* bytes published */
    uint64_t prod_pos;                              /* bytes reserved (>= head) */
    uint64_t prod_tail_cache;                       /* last tail the producer saw */
    /* consumer's line: written by the consumer only */
    alignas(RING_CACHELINE) _Atomic uint64_t tail; /* bytes released */
    uint64_t cons_pos;                              /* bytes read (>= tail) */
    uint64_t cons_head_cache;                       /* last head the consumer saw */
    /* read-only after ring_init */
    alignas(RING_CACHELINE) uint8_t *buf;
    uint64_t size;
    uint64_t mask;
};

static inline uint64_t ring_align8(uint64_t n)
{
    return (n + 7u) & ~(uint64_t)7u;
}

/* buf: size bytes, size a power of two >= 64, owned by the caller. */
static inline int ring_init(struct ring *r, uint8_t *buf, uint64_t size)
{
    if (size < 64 || (size & (size - 1)) != 0)
        return -1;
    memset(r, 0, sizeof *r);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->buf = buf;
    r->size = size;
    r->mask = size - 1;
    return 0;
}

/* The largest payload a ring of this size accepts. */
static inline uint64_t ring_max_record(const struct ring *r)
{
    return r->size / 4 - sizeof(struct ring_hdr);
}

/*
 * Producer: space for one record of len bytes, or NULL when the ring is full (or len is
 * larger than ring_max_record). The record becomes visible at the next ring_commit.
 */
static inline void *ring_reserve(struct ring *r, uint32_t len)
{
    uint64_t need = ring_align8(sizeof(struct ring_hdr) + (uint64_t)len);
    if (len > ring_max_record(r))
        return NULL;
    uint64_t pos = r->prod_pos;
    uint64_t off = pos & r->mask;
    uint64_t contig = r->size - off;
    uint64_t total = need <= contig ? need : contig + need;
    if (r->size - (pos - r->prod_tail_cache) < total) {
        /* acquire: pairs with the consumer's release in ring_release, so the consumer is
         * done reading the bytes we are about to overwrite */
        r->prod_tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (r->size - (pos - r->prod_tail_cache) < total)
            return NULL;
    }
    if (need > contig) {
        struct ring_hdr pad = {(uint32_t)(contig - sizeof pad), RING_REC_PAD};
        memcpy(r->buf + off, &pad, sizeof pad);
        pos += contig;
        off = 0;
    }
    struct ring_hdr h = {len, RING_REC_DATA};
    memcpy(r->buf + off, &h, sizeof h);
    r->prod_pos = pos + need;
    return r->buf + off + sizeof h;
}

/* Producer: shrinks the record just reserved to len bytes (len <= the reserved length). */
static inline void ring_shrink_last(struct ring *r, void *rec, uint32_t old_len, uint32_t len)
{
    struct ring_hdr h = {len, RING_REC_DATA};
    memcpy((uint8_t *)rec - sizeof h, &h, sizeof h);
    r->prod_pos -= ring_align8(sizeof h + old_len) - ring_align8(sizeof h + len);
}

/* Producer: publishes every record reserved so far. */
static inline void ring_commit(struct ring *r)
{
    /* release: pairs with the consumer's acquire in ring_peek, so the record bytes are
     * visible before the new head */
    atomic_store_explicit(&r->head, r->prod_pos, memory_order_release);
}

/* Consumer: the next record (its payload and length), or NULL when none is published. */
static inline void *ring_peek(struct ring *r, uint32_t *len)
{
    for (;;) {
        if (r->cons_pos == r->cons_head_cache) {
            /* acquire: pairs with the producer's release in ring_commit */
            r->cons_head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
            if (r->cons_pos == r->cons_head_cache)
                return NULL;
        }
        uint64_t off = r->cons_pos & r->mask;
        struct ring_hdr h;
        memcpy(&h, r->buf + off, sizeof h);
        if (h.kind == RING_REC_PAD) {
            r->cons_pos += sizeof h + h.len;
            continue;
        }
        *len = h.len;
        return r->buf + off + sizeof h;
    }
}

/* Consumer: steps past the record ring_peek returned (still owned until ring_release). */
static inline void ring_next(struct ring *r)
{
    struct ring_hdr h;
    memcpy(&h, r->buf + (r->cons_pos & r->mask), sizeof h);
    r->cons_pos += ring_align8(sizeof h + h.len);
}

/* Consumer: hands every record stepped past back to the producer. */
static inline void ring_release(struct ring *r)
{
    /* release: pairs with the producer's acquire in ring_reserve */
    atomic_store_explicit(&r->tail, r->cons_pos, memory_order_release);
}

/* Either side: bytes published and not yet released (a snapshot, for health figures). */
static inline uint64_t ring_used(struct ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_relaxed) -
           atomic_load_explicit(&r->tail, memory_order_relaxed);
}

#endif
