/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.c - the bump allocator behind jansson's hooks (see arena.h). Chunks are a list;
 * an allocation takes the next aligned bytes of the current chunk, or moves on to the next
 * chunk that fits (kept from an earlier use), or adds a chunk. The hooks are installed by
 * a constructor, before main and before any JSON value exists, and behave as plain
 * malloc/free on any thread that has no current arena.
 */
#include "arena.h"

#include <jansson.h>
#include <stdalign.h>
#include <stdlib.h>

struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* bytes of data */
    size_t used;
    alignas(ARENA_ALIGN) unsigned char data[];
};

_Static_assert(alignof(void *) <= ARENA_ALIGN && alignof(size_t) <= ARENA_ALIGN &&
                   alignof(json_int_t) <= ARENA_ALIGN && alignof(double) <= ARENA_ALIGN,
               "ARENA_ALIGN must cover the members of jansson's values");

static size_t chunk_size_of(const struct arena *a)
{
    return a->chunk_size ? a->chunk_size : ARENA_CHUNK_DEFAULT;
}

void arena_init(struct arena *a, size_t chunk_size, size_t retain, size_t cap)
{
    *a = (struct arena){0};
    a->chunk_size = chunk_size ? chunk_size : ARENA_CHUNK_DEFAULT;
    a->retain = retain ? retain : ARENA_RETAIN_DEFAULT;
    a->cap = cap;
}

/* Adds a chunk of at least need bytes after the last one; NULL when refused. */
static struct arena_chunk *add_chunk(struct arena *a, size_t need)
{
    size_t size = chunk_size_of(a);
    if (size < need)
        size = need;
    if (size > SIZE_MAX - sizeof(struct arena_chunk) ||
        (a->cap && (size > a->cap || a->held > a->cap - size)))
        return NULL;
    struct arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    if (a->last)
        a->last->next = c;
    else
        a->first = c;
    a->last = c;
    a->held += size;
    return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) {
        a->failed++;
        return NULL;
    }
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    struct arena_chunk *c = a->cur;
    /* the chunks after cur are empty (kept by a reset): take the first that fits */
    while (c && c->size - c->used < need)
        c = c->next;
    if (!c) {
        c = add_chunk(a, need);
        if (!c) {
            a->failed++;
            return NULL;
        }
    }
    a->cur = c;
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    a->allocs++;
    return p;
}

static int chunk_owns(const struct arena_chunk *c, const void *p)
{
    const unsigned char *b = p;
    /* compared as integers: pointers into different objects do not compare in C */
    return (uintptr_t)b >= (uintptr_t)c->data && (uintptr_t)b < (uintptr_t)(c->data + c->size);
}

int arena_owns(const struct arena *a, const void *p)
{
    if (a->cur && chunk_owns(a->cur, p)) /* most frees are of recent allocations */
        return 1;
    for (const struct arena_chunk *c = a->first; c; c = c->next)
        if (chunk_owns(c, p))
            return 1;
    return 0;
}

void arena_reset(struct arena *a)
{
    size_t retain = a->retain ? a->retain : ARENA_RETAIN_DEFAULT, kept = 0;
    struct arena_chunk **link = &a->first, *c = a->first;
    a->last = NULL;
    while (c) {
        struct arena_chunk *next = c->next;
        if (kept + c->size <= retain) {
            kept += c->size;
            c->used = 0;
            a->last = c;
            link = &c->next;
        } else {
            *link = next;
            a->held -= c->size;
            free(c);
        }
        c = next;
    }
    a->cur = a->first;
    a->used = 0;
    a->allocs = 0;
    a->frees = 0;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->first;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->first = a->cur = a->last = NULL;
    a->held = a->used = 0;
    a->allocs = a->frees = 0;
}

static _Thread_local struct arena *json_arena;

static void *json_arena_malloc(size_t n)
{
    struct arena *a = json_arena;
    return a ? arena_alloc(a, n) : malloc(n);
}

static void json_arena_free(void *p)
{
    struct arena *a = json_arena;
    if (!p)
        return;
    if (a && arena_owns(a, p)) {
        a->frees++; /* dropped with the arena */
        return;
    }
    free(p);
}

__attribute__((constructor)) static void json_arena_install(void)
{
    json_set_alloc_funcs(json_arena_malloc, json_arena_free);
}

struct arena *arena_json_use(struct arena *a)
{
    struct arena *prev = json_arena;
    json_arena = a;
    return prev;
}
