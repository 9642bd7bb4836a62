/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_receiver.c - robustness of the collector's per-batch path (receiver_handle: wire
 * header, jansson parse, envelope checks, store): thousands of deterministic mutations of
 * a valid batch (flipped bytes, truncations, splices) must each give a valid ack status,
 * never a crash, and the store must hold exactly the events acked as newly stored.
 * Run it under -DTZ_SANITIZE=ON to have ASan/UBSan watch every case.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "receiver.h"
#include "store.h"
#include "wire.h"

#define ROUNDS 20000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void) /* xorshift64*: deterministic across runs */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static size_t make_body(char *out, size_t cap, uint64_t first, int count)
{
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        int n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"%s\",\"id\":\"m%d\",\"ts\":\"2024-05-01T08:00:00."
                         "000001Z\",\"sensor\":\"fz\",\"seq\":%llu,\"src\":{\"ip\":\"10.1.1.1\","
                         "\"port\":1},\"dst\":{\"ip\":\"10.1.1.2\",\"port\":502},"
                         "\"community_id\":\"1:x\",\"proto\":\"modbus\"}\n",
                         i % 2 ? "ics" : "flow", i, (unsigned long long)(first + (uint64_t)i));
        cr_assert(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    return len;
}

static void mutate(uint8_t *p, size_t *n, size_t cap)
{
    int kind = (int)(rng() % 5);
    if (*n == 0)
        return;
    switch (kind) {
    case 0: /* flip a few bytes */
        for (int i = 0, k = 1 + (int)(rng() % 4); i < k; i++)
            p[rng() % *n] ^= (uint8_t)(1u << (rng() % 8));
        break;
    case 1: /* truncate */
        *n = rng() % *n;
        break;
    case 2: /* overwrite with an interesting byte */
        p[rng() % *n] = (uint8_t)"\n\"{}[]\\:,0\xff\x00"[rng() % 13];
        break;
    case 3: { /* duplicate a span (grows) */
        size_t at = rng() % *n, len = rng() % 64;
        if (at + len > *n)
            len = *n - at;
        if (*n + len <= cap) {
            memmove(p + at + len, p + at, *n - at);
            *n += len;
        }
        break;
    }
    default: /* delete a span */ {
        size_t at = rng() % *n, len = rng() % 32;
        if (at + len > *n)
            len = *n - at;
        memmove(p + at, p + at + len, *n - at - len);
        *n -= len;
        break;
    }
    }
}

Test(receiver, mutated_batches_never_crash)
{
    log_init("test_receiver", LOG_ERR); /* rejected mutations open many gaps: no log flood */
    char dir[] = "/tmp/tz_test_recv_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char err[2048];
    struct store *st = NULL;
    struct store_opts so = {.dir = dir, .sync_full = 0, .busy_timeout_ms = 1000};
    cr_assert_eq(store_open(&st, &so, err, sizeof err), 0, "%s", err);
    struct receiver *r = NULL;
    struct receiver_opts ro = {.max_batch_events = 64};
    cr_assert_eq(receiver_open(&r, &ro, st, err, sizeof err), 0);

    static char body[16384];
    static uint8_t mbody[32768];
    uint8_t hdr[WIRE_HDR_MAX + 64];
    int counts[3] = {0, 0, 0};
    uint64_t stored_total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t first = 1 + (uint64_t)round * 8;
        int count = 1 + (int)(rng() % 8);
        size_t blen = make_body(body, sizeof body, first, count);
        struct wire_batch_hdr h;
        memset(&h, 0, sizeof h);
        h.batch_seq = (uint64_t)round;
        h.first_seq = first;
        h.count = (uint32_t)count;
        memcpy(h.sensor, "fz", 3);
        long hl = wire_hdr_encode(&h, hdr, sizeof hdr);
        cr_assert_gt(hl, 0);
        size_t hn = (size_t)hl;
        memcpy(mbody, body, blen);
        size_t mn = blen;
        int target = (int)(rng() % 4); /* 0: clean, 1: header, 2-3: body */
        if (target == 1)
            mutate(hdr, &hn, sizeof hdr);
        else if (target >= 2)
            for (int i = 0, k = 1 + (int)(rng() % 3); i < k; i++)
                mutate(mbody, &mn, sizeof mbody);
        uint64_t bseq = 0;
        int status = receiver_handle(r, hdr, hn, (const char *)mbody, mn, &bseq);
        cr_assert(status >= WIRE_ACK_STORED && status <= WIRE_ACK_RETRY, "status %d", status);
        counts[status]++;
        if (target == 0)
            cr_assert_eq(status, WIRE_ACK_STORED, "a clean batch was refused in round %d", round);
    }
    struct receiver_stats rs;
    receiver_get_stats(r, &rs);
    stored_total = rs.events_stored;
    cr_assert_eq((uint64_t)store_count(st), stored_total,
                 "the store holds %lld rows, the receiver stored %llu", (long long)store_count(st),
                 (unsigned long long)stored_total);
    cr_assert_eq(counts[WIRE_ACK_RETRY], 0);
    cr_assert_gt(counts[WIRE_ACK_REJECTED], ROUNDS / 4, "the mutations should mostly break batches");
    cr_assert_gt(counts[WIRE_ACK_STORED], ROUNDS / 4);
    printf("receiver mutations: %d rounds, %d stored, %d rejected, %llu events stored\n", ROUNDS,
           counts[0], counts[1], (unsigned long long)stored_total);
    receiver_close(r);
    store_close(st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
