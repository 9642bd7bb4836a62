/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frag.h - IPv4 (RFC 791) and IPv6 (RFC 8200) fragment reassembly with bounded memory: a
 * table of datagrams in progress, fragment data in fixed chunks from one pool, both sized at
 * start, so adding a fragment never allocates. Overlaps: a fragment whose bytes were all
 * received before, identical, is a duplicate and ignored (RFC 8200 4.5: mirrors and the
 * network duplicate fragments); any other overlap drops the whole datagram and discards its
 * later fragments (RFC 5722, applied to IPv4 alike). Time is the capture's. Owned by one
 * thread (the capture thread): no locks. libc only.
 */
#ifndef TZ_FRAG_H
#define TZ_FRAG_H

#include <stdint.h>

#include "decode.h"

#define FRAG_CHUNK 1024   /* bytes of fragment data per pool chunk */
#define FRAG_HDR_MAX 256  /* longest unfragmentable part (IPv4 header, IPv6 header + options) */

struct frag_limits {
    uint32_t max_datagrams;  /* in progress at once; a new one evicts the oldest */
    uint32_t datagram_bytes; /* largest reassembled payload (after the IP header) */
    uint32_t total_bytes;    /* fragment data held at once, every datagram together */
    uint64_t timeout_us;     /* a datagram not complete this long after its first fragment */
};

struct frag_stats {
    uint64_t fragments;   /* fragments given to frag_add */
    uint64_t reassembled; /* datagrams completed */
    uint64_t timeouts;    /* datagrams given up incomplete: timeout, clock step back, flush */
    uint64_t overlaps;    /* datagrams dropped: overlapping fragments with other bytes, or
                             disagreeing ends */
    uint64_t duplicates;  /* fragments whose every byte was received before, identical, or
                             copies of a fragment of a datagram completed within 1 s */
    uint64_t too_big;     /* datagrams dropped: longer than datagram_bytes or 65,535 */
    uint64_t no_room;     /* datagrams dropped: total_bytes reached, or evicted from a full
                             table */
    uint64_t bad;         /* fragments that cannot be used: a non-final piece whose length is
                             not a multiple of 8, empty, or a header over FRAG_HDR_MAX */
};

struct frag_dgram;

struct frag_table {
    struct frag_limits lim;
    struct frag_stats st;
    struct frag_dgram *d;
    int32_t *buckets;
    uint32_t nbuckets;     /* power of two */
    int32_t free_head;
    int32_t age_head, age_tail; /* datagrams by first fragment, oldest first */
    uint32_t active;
    uint32_t chunks_per, words_per, n_chunks;
    int32_t *chunk_idx;    /* chunks_per per datagram: pool chunk of each 1 KiB, or -1 */
    uint64_t *bits;        /* words_per per datagram: the 8-byte blocks received */
    uint8_t *pool;         /* n_chunks * FRAG_CHUNK */
    int32_t *chunk_next;   /* free list of pool chunks */
    int32_t chunk_free;
    uint32_t chunks_used;
    uint8_t *out;          /* the last reassembled datagram */
    struct pkt out_ctx;    /* the layers around it */
    uint64_t last_us;
};

/* Sizes every pool (the only allocation); 0, or -1 when out of memory. */
int frag_init(struct frag_table *t, const struct frag_limits *lim);
void frag_free(struct frag_table *t);
/*
 * The fragment k (decode returned DECODE_FRAGMENT) of frame `frame`. Returns the length of
 * the reassembled IP datagram when this fragment completed one, with *out pointing at it and
 * *ctx at the pkt of its first fragment (for decode_datagram); both stay valid until the
 * next call. Returns 0 otherwise (kept, ignored or dropped: see the stats).
 */
long frag_add(struct frag_table *t, const struct pkt *k, const uint8_t *frame,
              const uint8_t **out, const struct pkt **ctx);
/* Gives up datagrams older than the timeout at capture time now_us; when the clock stepped
 * back by more than the timeout, every datagram in progress. Cheap when none is. */
void frag_expire(struct frag_table *t, uint64_t now_us);
/* End of input: every datagram in progress is given up (counted in timeouts). */
void frag_flush(struct frag_table *t);
/* Datagrams in progress. */
static inline uint32_t frag_active(const struct frag_table *t)
{
    return t->active;
}

#endif
