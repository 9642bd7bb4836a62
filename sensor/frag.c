/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frag.c - IP fragment reassembly (see frag.h). A datagram is keyed by version, addresses,
 * identification and, for IPv4, protocol (RFC 791; RFC 8200 keys IPv6 by addresses and
 * identification). Received data is tracked in 8-byte blocks, the unit of fragment offsets,
 * so overlaps are found exactly; the data lives in 1 KiB chunks of a shared pool.
 */
#include "frag.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define FRAG_DONE_US 1000000u /* a completed datagram's key absorbs late copies this long */

struct frag_dgram {
    uint8_t used;
    uint8_t dead;            /* dropped: its later fragments are discarded until it expires */
    uint8_t done;            /* reassembled: late copies of its fragments are duplicates */
    uint8_t ipver, proto;
    uint8_t has_first, has_end;
    uint16_t hdr_len, nh_off;
    uint32_t id, hash;
    uint8_t src[16], dst[16];
    uint32_t end;            /* data length, known from the last fragment */
    uint32_t max_end;        /* highest byte received + 1 */
    uint32_t blocks;         /* 8-byte blocks received */
    uint64_t first_us, done_us;
    int32_t prev, next;      /* age list */
    int32_t hnext;           /* hash chain, or the free list */
    uint8_t hdr[FRAG_HDR_MAX];
    struct pkt ctx;          /* the layers around the first fragment */
};

static uint32_t key_hash(uint8_t ipver, const uint8_t *src, const uint8_t *dst, uint32_t id,
                         uint8_t proto)
{
    uint32_t h = 2166136261u ^ ipver ^ ((uint32_t)proto << 8);
    for (int i = 0; i < 16; i++) {
        h = (h ^ src[i]) * 16777619u;
        h = (h ^ dst[i]) * 16777619u;
    }
    for (int i = 0; i < 4; i++)
        h = (h ^ (uint8_t)(id >> (8 * i))) * 16777619u;
    return h ^ (h >> 15);
}

int frag_init(struct frag_table *t, const struct frag_limits *lim)
{
    memset(t, 0, sizeof *t);
    t->lim = *lim;
    if (t->lim.max_datagrams < 1)
        t->lim.max_datagrams = 1;
    if (t->lim.datagram_bytes < 8)
        t->lim.datagram_bytes = 8;
    uint32_t n = t->lim.max_datagrams;
    t->nbuckets = 1;
    while (t->nbuckets < n * 2u)
        t->nbuckets <<= 1;
    t->chunks_per = (t->lim.datagram_bytes + FRAG_CHUNK - 1) / FRAG_CHUNK;
    t->words_per = (t->lim.datagram_bytes / 8 + 64) / 64;
    t->n_chunks = t->lim.total_bytes / FRAG_CHUNK;
    if (t->n_chunks < 1)
        t->n_chunks = 1;
    t->d = calloc(n, sizeof *t->d);
    t->buckets = malloc((size_t)t->nbuckets * sizeof *t->buckets);
    t->chunk_idx = malloc((size_t)n * t->chunks_per * sizeof *t->chunk_idx);
    t->bits = calloc((size_t)n * t->words_per, sizeof *t->bits);
    t->pool = malloc((size_t)t->n_chunks * FRAG_CHUNK);
    t->chunk_next = malloc((size_t)t->n_chunks * sizeof *t->chunk_next);
    t->out = malloc((size_t)FRAG_HDR_MAX + t->lim.datagram_bytes);
    if (!t->d || !t->buckets || !t->chunk_idx || !t->bits || !t->pool || !t->chunk_next ||
        !t->out) {
        frag_free(t);
        return -1;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = -1;
    for (size_t i = 0; i < (size_t)n * t->chunks_per; i++)
        t->chunk_idx[i] = -1;
    for (uint32_t i = 0; i < t->n_chunks; i++)
        t->chunk_next[i] = i + 1 < t->n_chunks ? (int32_t)(i + 1) : -1;
    t->chunk_free = 0;
    for (uint32_t i = 0; i < n; i++)
        t->d[i].hnext = i + 1 < n ? (int32_t)(i + 1) : -1;
    t->free_head = 0;
    t->age_head = t->age_tail = -1;
    return 0;
}

void frag_free(struct frag_table *t)
{
    free(t->d);
    free(t->buckets);
    free(t->chunk_idx);
    free(t->bits);
    free(t->pool);
    free(t->chunk_next);
    free(t->out);
    memset(t, 0, sizeof *t);
}

static int32_t idx_of(const struct frag_table *t, const struct frag_dgram *g)
{
    return (int32_t)(g - t->d);
}

static int32_t *chunks_of(struct frag_table *t, const struct frag_dgram *g)
{
    return t->chunk_idx + (size_t)idx_of(t, g) * t->chunks_per;
}

static uint64_t *bits_of(struct frag_table *t, const struct frag_dgram *g)
{
    return t->bits + (size_t)idx_of(t, g) * t->words_per;
}

/* Returns a datagram's chunks to the pool and clears its blocks. */
static void data_release(struct frag_table *t, struct frag_dgram *g)
{
    int32_t *ci = chunks_of(t, g);
    for (uint32_t i = 0; i < t->chunks_per; i++) {
        if (ci[i] >= 0) {
            t->chunk_next[ci[i]] = t->chunk_free;
            t->chunk_free = ci[i];
            t->chunks_used--;
            ci[i] = -1;
        }
    }
    uint64_t *b = bits_of(t, g);
    uint32_t nw = (g->max_end / 8 + 64) / 64;
    memset(b, 0, (size_t)(nw < t->words_per ? nw : t->words_per) * sizeof *b);
    g->max_end = 0;
    g->blocks = 0;
}

/* Drops the datagram but keeps its key until it times out, so its later fragments are
 * discarded rather than starting a new datagram. */
static void dgram_kill(struct frag_table *t, struct frag_dgram *g, uint64_t *counter)
{
    if (!g->dead && !g->done)
        (*counter)++;
    data_release(t, g);
    g->dead = 1;
}

static void dgram_remove(struct frag_table *t, struct frag_dgram *g)
{
    int32_t i = idx_of(t, g);
    int32_t *pp = &t->buckets[g->hash & (t->nbuckets - 1)];
    while (*pp >= 0 && *pp != i)
        pp = &t->d[*pp].hnext;
    if (*pp == i)
        *pp = g->hnext;
    if (g->prev >= 0)
        t->d[g->prev].next = g->next;
    else
        t->age_head = g->next;
    if (g->next >= 0)
        t->d[g->next].prev = g->prev;
    else
        t->age_tail = g->prev;
    data_release(t, g);
    g->used = 0;
    g->hnext = t->free_head;
    t->free_head = i;
    t->active--;
}

static void age_to_tail(struct frag_table *t, struct frag_dgram *g)
{
    int32_t i = idx_of(t, g);
    if (t->age_tail == i)
        return;
    if (g->prev >= 0)
        t->d[g->prev].next = g->next;
    else
        t->age_head = g->next;
    t->d[g->next].prev = g->prev; /* not the tail, so next >= 0 */
    g->prev = t->age_tail;
    g->next = -1;
    t->d[t->age_tail].next = i;
    t->age_tail = i;
}

/* Gives up the oldest datagram (counted in *counter unless already dropped). */
static void give_up_oldest(struct frag_table *t, uint64_t *counter)
{
    struct frag_dgram *g = &t->d[t->age_head];
    if (!g->dead && !g->done)
        (*counter)++;
    dgram_remove(t, g);
}

void frag_expire(struct frag_table *t, uint64_t now_us)
{
    if (t->active == 0) {
        t->last_us = now_us;
        return;
    }
    if (now_us + t->lim.timeout_us < t->last_us) {
        /* the capture clock stepped back by more than the timeout (another file, a clock
         * reset): what is in progress belongs to another time */
        while (t->age_head >= 0)
            give_up_oldest(t, &t->st.timeouts);
    }
    t->last_us = now_us;
    while (t->age_head >= 0 && t->d[t->age_head].first_us + t->lim.timeout_us <= now_us)
        give_up_oldest(t, &t->st.timeouts);
}

void frag_flush(struct frag_table *t)
{
    while (t->age_head >= 0)
        give_up_oldest(t, &t->st.timeouts);
}

static struct frag_dgram *dgram_find(struct frag_table *t, const struct pkt *k, uint8_t proto,
                                     uint32_t hash)
{
    for (int32_t i = t->buckets[hash & (t->nbuckets - 1)]; i >= 0; i = t->d[i].hnext) {
        struct frag_dgram *g = &t->d[i];
        if (g->hash == hash && g->id == k->frag.id && g->ipver == k->ipver &&
            (k->ipver == 6 || g->proto == proto) && memcmp(g->src, k->src_ip, 16) == 0 &&
            memcmp(g->dst, k->dst_ip, 16) == 0)
            return g;
    }
    return NULL;
}

static struct frag_dgram *dgram_new(struct frag_table *t, const struct pkt *k, uint8_t proto,
                                    uint32_t hash)
{
    if (t->free_head < 0)
        give_up_oldest(t, &t->st.no_room);
    int32_t i = t->free_head;
    struct frag_dgram *g = &t->d[i];
    t->free_head = g->hnext;
    memset(g, 0, offsetof(struct frag_dgram, hdr));
    g->used = 1;
    g->ipver = k->ipver;
    g->proto = proto;
    g->id = k->frag.id;
    g->hash = hash;
    memcpy(g->src, k->src_ip, 16);
    memcpy(g->dst, k->dst_ip, 16);
    g->first_us = k->ts_us;
    uint32_t b = hash & (t->nbuckets - 1);
    g->hnext = t->buckets[b];
    t->buckets[b] = i;
    g->next = -1;
    g->prev = t->age_tail;
    if (t->age_tail >= 0)
        t->d[t->age_tail].next = i;
    else
        t->age_head = i;
    t->age_tail = i;
    t->active++;
    return g;
}

/* How many of blocks [b0, b1) were received. */
static uint32_t blocks_set(const uint64_t *bits, uint32_t b0, uint32_t b1)
{
    uint32_t n = 0;
    for (uint32_t b = b0; b < b1; b++)
        n += (uint32_t)((bits[b / 64] >> (b % 64)) & 1u);
    return n;
}

/* Do the stored bytes [off, off+n) equal p? */
static int data_equal(struct frag_table *t, struct frag_dgram *g, uint32_t off, const uint8_t *p,
                      uint32_t n)
{
    const int32_t *ci = chunks_of(t, g);
    while (n > 0) {
        uint32_t c = off / FRAG_CHUNK, in = off % FRAG_CHUNK;
        uint32_t take = FRAG_CHUNK - in < n ? FRAG_CHUNK - in : n;
        if (ci[c] < 0 || memcmp(t->pool + (size_t)ci[c] * FRAG_CHUNK + in, p, take) != 0)
            return 0;
        off += take;
        p += take;
        n -= take;
    }
    return 1;
}

/* Stores p[0..n) at off; -1 when the pool has no chunk left. */
static int data_store(struct frag_table *t, struct frag_dgram *g, uint32_t off, const uint8_t *p,
                      uint32_t n)
{
    int32_t *ci = chunks_of(t, g);
    while (n > 0) {
        uint32_t c = off / FRAG_CHUNK, in = off % FRAG_CHUNK;
        uint32_t take = FRAG_CHUNK - in < n ? FRAG_CHUNK - in : n;
        if (ci[c] < 0) {
            if (t->chunk_free < 0)
                return -1;
            ci[c] = t->chunk_free;
            t->chunk_free = t->chunk_next[ci[c]];
            t->chunks_used++;
        }
        memcpy(t->pool + (size_t)ci[c] * FRAG_CHUNK + in, p, take);
        off += take;
        p += take;
        n -= take;
    }
    return 0;
}

static uint16_t ip4_checksum(const uint8_t *h, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes the whole datagram into t->out; its length, or 0 when it exceeds 65,535. */
static long assemble(struct frag_table *t, struct frag_dgram *g)
{
    size_t total = (size_t)g->hdr_len + g->end;
    size_t plen = g->ipver == 4 ? total : total - 40;
    if (plen > 65535)
        return 0;
    uint8_t *o = t->out;
    memcpy(o, g->hdr, g->hdr_len);
    if (g->ipver == 4) {
        o[2] = (uint8_t)(total >> 8);
        o[3] = (uint8_t)total;
        o[6] = 0; /* no more fragments, offset 0 (DF cleared too) */
        o[7] = 0;
        o[10] = 0;
        o[11] = 0;
        uint16_t sum = ip4_checksum(o, g->hdr_len);
        o[10] = (uint8_t)(sum >> 8);
        o[11] = (uint8_t)sum;
    } else {
        o[4] = (uint8_t)(plen >> 8);
        o[5] = (uint8_t)plen;
        o[g->nh_off] = g->proto; /* the fragment header is gone */
    }
    const int32_t *ci = chunks_of(t, g);
    for (uint32_t off = 0; off < g->end; off += FRAG_CHUNK) {
        uint32_t take = g->end - off < FRAG_CHUNK ? g->end - off : FRAG_CHUNK;
        memcpy(o + g->hdr_len + off, t->pool + (size_t)ci[off / FRAG_CHUNK] * FRAG_CHUNK, take);
    }
    return (long)total;
}

long frag_add(struct frag_table *t, const struct pkt *k, const uint8_t *frame,
              const uint8_t **out, const struct pkt **ctx)
{
    const struct frag_info *fi = &k->frag;
    t->st.fragments++;
    frag_expire(t, k->ts_us);
    uint32_t off = fi->offset, len = fi->data_len, stop = off + len;
    if (fi->hdr_len > FRAG_HDR_MAX || fi->hdr_len < (k->ipver == 4 ? 20 : 40) ||
        fi->nh_off >= fi->hdr_len || len == 0 || (fi->more && len % 8 != 0)) {
        t->st.bad++;
        return 0;
    }
    uint8_t proto = k->ipver == 4 ? fi->proto : 0;
    uint32_t hash = key_hash(k->ipver, k->src_ip, k->dst_ip, fi->id, proto);
    struct frag_dgram *g = dgram_find(t, k, proto, hash);
    if (g && g->done) {
        uint64_t since = k->ts_us > g->done_us ? k->ts_us - g->done_us : g->done_us - k->ts_us;
        if (since < FRAG_DONE_US) { /* a late copy of a fragment already used */
            t->st.duplicates++;
            return 0;
        }
        dgram_remove(t, g); /* the identification was reused: a new datagram */
        g = NULL;
    }
    if (!g)
        g = dgram_new(t, k, proto, hash);
    if (g->dead)
        return 0;
    if (stop > t->lim.datagram_bytes) {
        dgram_kill(t, g, &t->st.too_big);
        return 0;
    }
    /* the end: a last fragment fixes it; every fragment must agree with it */
    if ((!fi->more && ((g->has_end && stop != g->end) || stop < g->max_end)) ||
        (g->has_end && stop > g->end)) {
        dgram_kill(t, g, &t->st.overlaps);
        return 0;
    }
    uint64_t *bits = bits_of(t, g);
    uint32_t b0 = off / 8, b1 = (stop + 7) / 8;
    uint32_t seen = blocks_set(bits, b0, b1);
    if (seen == b1 - b0 && data_equal(t, g, off, frame + fi->data_off, len)) {
        t->st.duplicates++;
        return 0;
    }
    if (seen != 0) {
        dgram_kill(t, g, &t->st.overlaps);
        return 0;
    }
    if (data_store(t, g, off, frame + fi->data_off, len) != 0) {
        dgram_kill(t, g, &t->st.no_room);
        return 0;
    }
    for (uint32_t b = b0; b < b1; b++)
        bits[b / 64] |= (uint64_t)1 << (b % 64);
    g->blocks += b1 - b0;
    if (stop > g->max_end)
        g->max_end = stop;
    if (!fi->more) {
        g->has_end = 1;
        g->end = stop;
    }
    if (off == 0) {
        g->has_first = 1;
        g->hdr_len = fi->hdr_len;
        g->nh_off = fi->nh_off;
        memcpy(g->hdr, frame + k->l3_off, fi->hdr_len);
        if (k->ipver == 6)
            g->proto = fi->proto; /* only the first fragment's next header counts */
        g->ctx = *k;
    }
    if (!g->has_first || !g->has_end || g->blocks != (g->end + 7) / 8)
        return 0;
    long n = assemble(t, g);
    if (n == 0) {
        dgram_kill(t, g, &t->st.too_big);
        return 0;
    }
    t->out_ctx = g->ctx;
    /* keep the key a moment: copies of its fragments (a second mirror session) arriving
     * after it completed are duplicates, not the start of a datagram that never completes */
    data_release(t, g);
    g->done = 1;
    g->done_us = k->ts_us;
    if (t->lim.timeout_us > FRAG_DONE_US) /* it expires FRAG_DONE_US from now */
        g->first_us = k->ts_us + FRAG_DONE_US - t->lim.timeout_us;
    age_to_tail(t, g);
    t->st.reassembled++;
    *out = t->out;
    *ctx = &t->out_ctx;
    return n;
}
