/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ring.c - the SPSC ring: records in order, wrap-around with padding, full ring
 * refuses, shrink, and a two-thread stress test that checks every record arrives exactly
 * once and in order with its payload intact.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

static uint8_t small_buf[256];

Test(ring, rejects_bad_sizes)
{
    struct ring r;
    cr_expect_eq(ring_init(&r, small_buf, 100), -1);
    cr_expect_eq(ring_init(&r, small_buf, 32), -1);
    cr_expect_eq(ring_init(&r, small_buf, 256), 0);
}

Test(ring, push_pop_in_order)
{
    struct ring r;
    ring_init(&r, small_buf, sizeof small_buf);
    for (uint32_t i = 0; i < 5; i++) {
        uint8_t *p = ring_reserve(&r, 4);
        cr_assert_not_null(p);
        memcpy(p, &i, 4);
    }
    uint32_t len;
    cr_expect_null(ring_peek(&r, &len), "nothing is visible before commit");
    ring_commit(&r);
    for (uint32_t i = 0; i < 5; i++) {
        uint8_t *p = ring_peek(&r, &len);
        cr_assert_not_null(p);
        cr_expect_eq(len, 4);
        uint32_t v;
        memcpy(&v, p, 4);
        cr_expect_eq(v, i);
        ring_next(&r);
    }
    cr_expect_null(ring_peek(&r, &len));
    ring_release(&r);
}

Test(ring, full_ring_refuses_then_accepts_after_release)
{
    struct ring r;
    ring_init(&r, small_buf, sizeof small_buf);
    int n = 0;
    while (ring_reserve(&r, 24) != NULL) /* 32 bytes per record */
        n++;
    cr_expect_eq(n, 8);
    ring_commit(&r);
    uint32_t len;
    cr_assert_not_null(ring_peek(&r, &len));
    ring_next(&r);
    cr_expect_null(ring_reserve(&r, 24), "space is not reusable before release");
    ring_release(&r);
    cr_expect_not_null(ring_reserve(&r, 24));
}

Test(ring, oversize_record_refused)
{
    struct ring r;
    ring_init(&r, small_buf, sizeof small_buf);
    cr_expect_null(ring_reserve(&r, (uint32_t)ring_max_record(&r) + 1));
    cr_expect_not_null(ring_reserve(&r, (uint32_t)ring_max_record(&r)));
}

Test(ring, wraps_with_padding)
{
    struct ring r;
    ring_init(&r, small_buf, sizeof small_buf);
    uint32_t len;
    /* 3 x 56-byte records (64 with header) then free them: the producer is at 192 */
    for (int i = 0; i < 3; i++)
        cr_assert_not_null(ring_reserve(&r, 56));
    ring_commit(&r);
    for (int i = 0; i < 3; i++) {
        cr_assert_not_null(ring_peek(&r, &len));
        ring_next(&r);
    }
    ring_release(&r);
    /* 40 bytes (48 with header) fit at 192; the next 40 do not fit in the last 16 bytes:
     * a padding record, then the record at offset 0 */
    uint8_t *p = ring_reserve(&r, 40);
    cr_assert_eq(p, small_buf + 200);
    uint8_t *q = ring_reserve(&r, 40);
    cr_assert_not_null(q);
    cr_expect_eq(q, small_buf + 8, "the wrapped record starts after its header at 0");
    memset(q, 0xab, 40);
    ring_commit(&r);
    cr_assert_eq(ring_peek(&r, &len), p);
    cr_expect_eq(len, 40);
    ring_next(&r);
    uint8_t *got = ring_peek(&r, &len);
    cr_assert_eq(got, q, "the padding record is skipped");
    cr_expect_eq(len, 40);
    cr_expect_eq(got[39], 0xab);
}

Test(ring, shrink_last)
{
    struct ring r;
    ring_init(&r, small_buf, sizeof small_buf);
    uint8_t *p = ring_reserve(&r, 40);
    cr_assert_not_null(p);
    ring_shrink_last(&r, p, 40, 3);
    uint8_t *q = ring_reserve(&r, 8);
    cr_expect_eq(q, p + 8 + 8, "the next record follows the shrunk one");
    ring_commit(&r);
    uint32_t len;
    ring_peek(&r, &len);
    cr_expect_eq(len, 3);
}

#define STRESS_N 1000000u

struct stress {
    struct ring r;
    uint64_t bad;
};

static void *producer(void *arg)
{
    struct stress *s = arg;
    uint32_t i = 0;
    while (i < STRESS_N) {
        /* variable sizes 4..67 bytes, payload filled from the index */
        uint32_t len = 4 + (i * 7u) % 64u;
        uint8_t *p = ring_reserve(&s->r, len);
        if (!p) {
            ring_commit(&s->r);
            continue;
        }
        memcpy(p, &i, 4);
        for (uint32_t k = 4; k < len; k++)
            p[k] = (uint8_t)(i + k);
        i++;
        if ((i & 15) == 0)
            ring_commit(&s->r);
    }
    ring_commit(&s->r);
    return NULL;
}

Test(ring, two_thread_stress_every_item_once_in_order, .timeout = 120)
{
    struct stress *s = calloc(1, sizeof *s);
    uint64_t size = 1 << 12; /* small, so it wraps and fills often */
    uint8_t *buf = malloc(size);
    ring_init(&s->r, buf, size);
    pthread_t t;
    pthread_create(&t, NULL, producer, s);
    uint32_t expect = 0;
    while (expect < STRESS_N) {
        uint32_t len;
        uint8_t *p = ring_peek(&s->r, &len);
        if (!p) {
            ring_release(&s->r);
            continue;
        }
        uint32_t v;
        memcpy(&v, p, 4);
        if (v != expect || len != 4 + (expect * 7u) % 64u)
            s->bad++;
        for (uint32_t k = 4; k < len; k++)
            if (p[k] != (uint8_t)(expect + k))
                s->bad++;
        expect++;
        ring_next(&s->r);
        if ((expect & 7) == 0)
            ring_release(&s->r);
    }
    pthread_join(t, NULL);
    uint32_t len;
    cr_expect_null(ring_peek(&s->r, &len), "nothing extra arrived");
    cr_expect_eq(s->bad, 0, "%llu records out of order or corrupt", (unsigned long long)s->bad);
    free(buf);
    free(s);
}
