/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_arena.c - the per-batch arena (collector/arena.c) and batch parsing on top of it
 * (collector/batch.c): alignment and reuse, an allocation larger than a chunk, the cap,
 * jansson's hooks (arena memory while an arena is current, the heap otherwise, frees of
 * arena memory are no-ops), and batches parsed back to back, one failing midway, one with
 * an event larger than a chunk, none allocating from the heap per value.
 */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batch.h"
#include "wire.h"

static char err[512];

static struct wire_batch_hdr hdr_of(const char *sensor, uint64_t first, uint32_t count)
{
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.batch_seq = first;
    h.first_seq = first;
    h.count = count;
    snprintf(h.sensor, sizeof h.sensor, "%s", sensor);
    return h;
}

/* count ics events of sensor "s1" from seq first; the one at index `bad` (if < count) is
 * cut short, so it is not JSON. Returns the body length. */
static size_t body_of(char *out, size_t cap, uint64_t first, int count, int bad)
{
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        unsigned long long seq = first + (unsigned long long)i;
        int n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"ics\",\"id\":\"e%llu\",\"ts\":\"2024-05-01T08:00:"
                         "00.123456Z\",\"sensor\":\"s1\",\"seq\":%llu,\"src\":{\"ip\":"
                         "\"10.0.0.%d\",\"port\":50000},\"dst\":{\"ip\":\"10.0.0.2\",\"port\":"
                         "502},\"community_id\":\"1:abc=\",\"proto\":\"modbus\",\"modbus\":{"
                         "\"func\":3,\"addr\":%d,\"qty\":10,\"values\":[1,2,3,4,5]}}\n",
                         seq, seq, i % 250, i);
        cr_assert(n > 0 && (size_t)n < cap - len);
        if (i == bad)
            n = n / 2;
        len += (size_t)n;
        if (i == bad)
            out[len++] = '\n';
    }
    return len;
}

Test(arena, allocations_are_aligned_distinct_and_owned)
{
    struct arena a;
    arena_init(&a, 4096, 8192, 0);
    unsigned char *p[500];
    size_t sz[500];
    for (int i = 0; i < 500; i++) {
        sz[i] = (size_t)(i * 7919 % 97) + (size_t)(i % 3 == 0 ? 0 : 1);
        p[i] = arena_alloc(&a, sz[i]);
        cr_assert_not_null(p[i]);
        cr_assert_eq((uintptr_t)p[i] % ARENA_ALIGN, 0, "allocation %d is not aligned", i);
        memset(p[i], i & 0xff, sz[i]);
        cr_assert(arena_owns(&a, p[i]));
    }
    for (int i = 0; i < 500; i++)
        for (size_t k = 0; k < sz[i]; k++)
            cr_assert_eq(p[i][k], (unsigned char)(i & 0xff), "allocation %d was overwritten", i);
    int local = 0;
    void *heap = malloc(16);
    cr_assert_not(arena_owns(&a, &local));
    cr_assert_not(arena_owns(&a, heap));
    free(heap);
    cr_assert_eq(a.allocs, 500);
    arena_free(&a);
    cr_assert_eq(a.held, 0);
}

Test(arena, reset_keeps_up_to_retain_and_reuses_it)
{
    struct arena a;
    arena_init(&a, 4096, 8192, 0);
    for (int i = 0; i < 100; i++) /* 100 x 256 = 25,600 bytes: seven chunks */
        cr_assert_not_null(arena_alloc(&a, 256));
    cr_assert_eq(a.held, 7 * 4096);
    arena_reset(&a);
    cr_assert_eq(a.held, 8192, "reset keeps retain bytes: %zu", a.held);
    cr_assert_eq(a.used, 0);
    cr_assert_eq(a.allocs, 0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 30; i++) { /* 7,680 bytes: fits the kept chunks */
            void *p = arena_alloc(&a, 256);
            cr_assert_not_null(p);
            cr_assert(arena_owns(&a, p));
        }
        cr_assert_eq(a.held, 8192, "no new chunk when the kept ones fit (round %d)", round);
        arena_reset(&a);
    }
    arena_free(&a);
}

Test(arena, an_allocation_larger_than_a_chunk_gets_its_own)
{
    struct arena a;
    arena_init(&a, 4096, 4096, 0);
    unsigned char *small = arena_alloc(&a, 100);
    unsigned char *big = arena_alloc(&a, 100000);
    cr_assert_not_null(small);
    cr_assert_not_null(big);
    memset(big, 0xab, 100000);
    memset(small, 0xcd, 100);
    cr_assert(arena_owns(&a, big) && arena_owns(&a, big + 99999));
    cr_assert_eq(big[0], 0xab);
    cr_assert_eq(big[99999], 0xab);
    cr_assert_eq(small[99], 0xcd);
    cr_assert_geq(a.held, 4096 + 100000);
    cr_assert_not_null(arena_alloc(&a, 64));
    arena_reset(&a); /* the big chunk is beyond retain: freed */
    cr_assert_eq(a.held, 4096);
    arena_free(&a);
}

Test(arena, the_cap_refuses_without_harm)
{
    struct arena a;
    arena_init(&a, 4096, 4096, 8192);
    cr_assert_not_null(arena_alloc(&a, 4000));
    cr_assert_not_null(arena_alloc(&a, 4000));
    cr_assert_null(arena_alloc(&a, 4000));
    cr_assert_null(arena_alloc(&a, SIZE_MAX - 3));
    cr_assert_eq(a.failed, 2);
    cr_assert_eq(a.held, 8192);
    arena_reset(&a);
    cr_assert_not_null(arena_alloc(&a, 4000));
    arena_free(&a);
}

Test(arena, jansson_uses_the_current_arena_and_the_heap_otherwise)
{
    struct arena a;
    arena_init(&a, 0, 0, 0);
    json_t *before = json_pack("{s:i}", "heap", 1); /* made before the arena is current */
    cr_assert_null(arena_json_use(&a));
    const char *txt = "{\"a\":[1,2,{\"b\":\"text\"}],\"c\":1.5}";
    json_t *root = json_loads(txt, 0, NULL);
    cr_assert_not_null(root);
    cr_assert(arena_owns(&a, root));
    cr_assert(arena_owns(&a, json_string_value(json_object_get(
                                 json_array_get(json_object_get(root, "a"), 2), "b"))));
    uint64_t allocs = a.allocs;
    cr_assert_gt(allocs, 5);
    json_decref(root); /* a no-op: the memory stays readable */
    cr_assert_gt(a.frees, 0);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(root, "a"), 2), "b")), "text");
    json_decref(before); /* heap memory freed while an arena is current: to the heap */
    cr_assert_eq(arena_json_use(NULL), &a);
    json_t *after = json_object();
    cr_assert_not(arena_owns(&a, after));
    cr_assert_eq(a.allocs, allocs);
    char *dump = json_dumps(after, 0); /* the heap: free() is right for it */
    cr_assert_str_eq(dump, "{}");
    free(dump);
    json_decref(after);
    arena_free(&a);
}

Test(batch, batches_back_to_back_reuse_the_arena)
{
    static char body[1 << 20];
    struct batch b = {0};
    size_t held = 0;
    for (int round = 0; round < 20; round++) {
        uint64_t first = 1 + (uint64_t)round * 500;
        size_t len = body_of(body, sizeof body, first, 500, -1);
        struct wire_batch_hdr h = hdr_of("s1", first, 500);
        cr_assert_eq(batch_parse(&b, &h, body, len, 10000, err, sizeof err), 0, "%s", err);
        cr_assert_eq(b.n, 500);
        for (size_t i = 0; i < b.n; i += 97) {
            const struct ev *e = &b.ev[i];
            char id[32];
            snprintf(id, sizeof id, "e%llu", (unsigned long long)(first + i));
            cr_assert_str_eq(e->id, id);
            cr_assert_eq(e->seq, (int64_t)(first + i));
            cr_assert_str_eq(e->dst_ip, "10.0.0.2");
            cr_assert_eq(e->dst_port, 502);
            cr_assert_eq(json_integer_value(json_object_get(json_object_get(e->root, "modbus"),
                                                            "addr")),
                         (json_int_t)i);
            /* the tree and the envelope's strings are in the batch's arena */
            cr_assert(arena_owns(&b.arena, e->root));
            cr_assert(arena_owns(&b.arena, e->id) && arena_owns(&b.arena, e->src_ip));
        }
        if (round == 1)
            held = b.arena.held;
        if (round > 1)
            cr_assert_eq(b.arena.held, held, "round %d grew the arena", round);
        batch_clear(&b);
        cr_assert_eq(b.n, 0);
        cr_assert_eq(b.arena.used, 0);
    }
    cr_assert_eq(b.kept_refs, 0);
    batch_free(&b);
}

Test(batch, a_parse_failing_midway_leaves_nothing_behind)
{
    static char body[1 << 20];
    struct batch b = {0};
    size_t len = body_of(body, sizeof body, 1, 10, 5);
    struct wire_batch_hdr h = hdr_of("s1", 1, 10);
    cr_assert_eq(batch_parse(&b, &h, body, len, 10000, err, sizeof err), -1);
    cr_assert(strstr(err, "event 6: not JSON") != NULL, "%s", err);
    cr_assert_eq(b.n, 0);
    cr_assert_eq(b.arena.used, 0, "the half-parsed batch's memory is given back");
    len = body_of(body, sizeof body, 1, 10, -1);
    cr_assert_eq(batch_parse(&b, &h, body, len, 10000, err, sizeof err), 0, "%s", err);
    cr_assert_eq(b.n, 10);
    cr_assert_str_eq(b.ev[9].id, "e10");
    batch_free(&b);
}

Test(batch, an_event_larger_than_a_chunk)
{
    size_t big = 3 * ARENA_CHUNK_DEFAULT; /* one string of three chunks */
    size_t cap = big + 4096;
    char *body = malloc(cap);
    cr_assert_not_null(body);
    int n = snprintf(body, cap,
                     "{\"v\":1,\"type\":\"alert\",\"id\":\"big\","
                     "\"ts\":\"2024-05-01T08:00:00.000000Z\","
                     "\"sensor\":\"s1\",\"seq\":1,\"alert\":{\"detail\":\"");
    size_t len = (size_t)n;
    memset(body + len, 'x', big);
    len += big;
    len += (size_t)snprintf(body + len, cap - len, "\"}}\n");
    struct batch b = {0};
    struct wire_batch_hdr h = hdr_of("s1", 1, 1);
    cr_assert_eq(batch_parse(&b, &h, body, len, 10, err, sizeof err), 0, "%s", err);
    json_t *d = json_object_get(json_object_get(b.ev[0].root, "alert"), "detail");
    cr_assert_eq(json_string_length(d), big);
    cr_assert(arena_owns(&b.arena, json_string_value(d)));
    cr_assert_gt(b.arena.held, big);
    batch_clear(&b);
    cr_assert_leq(b.arena.held, ARENA_RETAIN_DEFAULT, "the big chunks are not kept");
    /* and an ordinary batch parses after it */
    len = body_of(body, cap, 1, 3, -1);
    h = hdr_of("s1", 1, 3);
    cr_assert_eq(batch_parse(&b, &h, body, len, 10, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(b.ev[2].community_id, "1:abc=");
    batch_free(&b);
    free(body);
}

Test(batch, parsing_takes_nothing_from_the_heap_per_value)
{
    static char body[1 << 20];
    struct batch b = {0};
    arena_init(&b.arena, 0, 8u << 20, 0); /* keeps what 1,000 events need (~3.3 MB) */
    size_t len = body_of(body, sizeof body, 1, 1000, -1);
    struct wire_batch_hdr h = hdr_of("s1", 1, 1000);
    /* the first parse sizes the event array and the arena's kept chunks */
    cr_assert_eq(batch_parse(&b, &h, body, len, 10000, err, sizeof err), 0, "%s", err);
    cr_log_info("1,000 events: %zu bytes of arena, %llu allocations", b.arena.used,
                (unsigned long long)b.arena.allocs);
    batch_clear(&b);
    struct mallinfo2 m0 = mallinfo2();
    cr_assert_eq(batch_parse(&b, &h, body, len, 10000, err, sizeof err), 0, "%s", err);
    struct mallinfo2 m1 = mallinfo2();
    /* 1,000 events of ~80 allocations each would take ~1.5 MB of heap without the arena */
    long grown = (long)(m1.uordblks + m1.hblkhd) - (long)(m0.uordblks + m0.hblkhd);
    cr_assert_lt(grown, 64 * 1024, "the parse took %ld bytes of heap", grown);
    cr_assert_gt(b.arena.allocs, 1000 * 20);
    batch_free(&b);
}

Test(batch, a_root_still_referenced_at_clear_is_reported)
{
    static char body[4096];
    struct batch b = {0};
    size_t len = body_of(body, sizeof body, 1, 2, -1);
    struct wire_batch_hdr h = hdr_of("s1", 1, 2);
    cr_assert_eq(batch_parse(&b, &h, body, len, 10, err, sizeof err), 0, "%s", err);
    json_incref(b.ev[1].root); /* against batch.h: a consumer keeping the tree */
    batch_clear(&b);
    cr_assert_eq(b.kept_refs, 1);
    batch_free(&b);
}
