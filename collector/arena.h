/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - a bump allocator for the JSON trees of one batch (batch.c): jansson's
 * allocation hooks (json_set_alloc_funcs) take memory from the calling thread's current
 * arena while one is set (arena_json_use) and from malloc otherwise, so a batch's events
 * are parsed without a heap allocation per value and dropped all at once by arena_reset.
 * One thread owns an arena; jansson's own frees of arena memory are no-ops.
 */
#ifndef TZ_ARENA_H
#define TZ_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define ARENA_CHUNK_DEFAULT ((size_t)1 << 20)  /* bytes of a chunk */
#define ARENA_RETAIN_DEFAULT ((size_t)1 << 20)  /* bytes kept across a reset: one chunk */
#define ARENA_ALIGN 8 /* jansson's structs hold pointers, size_t, json_int_t and double */

struct arena_chunk;

struct arena {
    struct arena_chunk *first, *cur, *last; /* chunks after cur are empty */
    size_t chunk_size;  /* a new chunk's size (bigger when one allocation needs it) */
    size_t retain;      /* bytes of chunks kept by arena_reset; the rest is freed */
    size_t cap;         /* bytes of chunks the arena may hold at once; 0: no cap */
    size_t held;        /* bytes of chunks held now */
    size_t used;        /* bytes handed out since the last reset */
    uint64_t allocs;    /* allocations since the last reset */
    uint64_t frees;     /* jansson frees of arena memory (no-ops) since the last reset */
    uint64_t failed;    /* allocations refused (cap or out of memory), ever */
};

/* Sets up an empty arena (nothing is allocated before the first arena_alloc). chunk_size
 * and retain 0 take the defaults; cap 0 is no cap. */
void arena_init(struct arena *a, size_t chunk_size, size_t retain, size_t cap);
/* n bytes aligned to ARENA_ALIGN, valid until the next arena_reset or arena_free; NULL when
 * the cap or the heap refuses. An allocation larger than a chunk gets a chunk of its own. */
void *arena_alloc(struct arena *a, size_t n);
/* Does p point into memory of a's chunks? */
int arena_owns(const struct arena *a, const void *p);
/* Forgets every allocation; keeps up to `retain` bytes of chunks for the next use. */
void arena_reset(struct arena *a);
/* Frees every chunk; the arena may be used again (it is empty, as after arena_init). */
void arena_free(struct arena *a);

/* Makes a the calling thread's current arena for jansson (NULL: back to malloc) and
 * returns the one it replaces. While it is set, jansson's allocations on this thread come
 * from a and its frees of a's memory do nothing; a free of any other pointer goes to
 * free(). The hooks are installed at program start, before any JSON value exists. */
struct arena *arena_json_use(struct arena *a);

#endif
