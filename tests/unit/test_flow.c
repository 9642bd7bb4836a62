/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_flow.c - the flow table: both directions find one flow, the client side is kept,
 * idle lists are ordered by last packet, the pool refuses when full, removal frees the
 * slot (before a never-used one, in pool order), and a burst of many flows keeps the hash
 * chains consistent.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "flow.h"

static struct pkt mk(uint32_t a, uint32_t b, uint16_t sp, uint16_t dp, uint64_t ts)
{
    struct pkt k;
    memset(&k, 0, sizeof k);
    k.ipver = 4;
    k.l4proto = 6;
    memcpy(k.src_ip, &a, 4);
    memcpy(k.dst_ip, &b, 4);
    k.sport = sp;
    k.dport = dp;
    k.ts_us = ts;
    return k;
}

static struct pkt rev(struct pkt k)
{
    struct pkt r = k;
    memcpy(r.src_ip, k.dst_ip, 16);
    memcpy(r.dst_ip, k.src_ip, 16);
    r.sport = k.dport;
    r.dport = k.sport;
    return r;
}

Test(flow, both_directions_one_flow)
{
    struct flow_table t;
    cr_assert_eq(flow_table_init(&t, 64), 0);
    struct pkt k = mk(1, 2, 40000, 502, 10);
    int dir = -1;
    cr_expect_null(flow_lookup(&t, &k, decode_flow_hash(&k), &dir));
    struct flow *f = flow_create(&t, &k, decode_flow_hash(&k), 0);
    cr_assert_not_null(f);
    cr_expect_eq(f->port[0], 40000, "the sender is the client");
    cr_expect_eq(flow_lookup(&t, &k, decode_flow_hash(&k), &dir), f);
    cr_expect_eq(dir, 0);
    struct pkt r = rev(k);
    cr_expect_eq(flow_lookup(&t, &r, decode_flow_hash(&r), &dir), f);
    cr_expect_eq(dir, 1);
    struct pkt other = mk(1, 2, 40001, 502, 10);
    cr_expect_null(flow_lookup(&t, &other, decode_flow_hash(&other), &dir));
    flow_table_free(&t);
}

Test(flow, client_can_be_the_destination)
{
    struct flow_table t;
    flow_table_init(&t, 64);
    struct pkt k = mk(1, 2, 502, 40000, 10); /* a response seen first */
    struct flow *f = flow_create(&t, &k, decode_flow_hash(&k), 1);
    cr_expect_eq(f->port[0], 40000);
    cr_expect_eq(f->port[1], 502);
    int dir;
    cr_expect_eq(flow_lookup(&t, &k, decode_flow_hash(&k), &dir), f);
    cr_expect_eq(dir, 1);
    flow_table_free(&t);
}

Test(flow, idle_lists_and_lru)
{
    struct flow_table t;
    flow_table_init(&t, 64);
    struct flow *f[3];
    for (int i = 0; i < 3; i++) {
        struct pkt k = mk(1, 2, (uint16_t)(1000 + i), 502, (uint64_t)(10 + i));
        f[i] = flow_create(&t, &k, decode_flow_hash(&k), 0);
    }
    cr_expect_eq(flow_oldest(&t, FLOW_L_TCP), f[0]);
    f[0]->last_us = 50;
    flow_touch(&t, f[0], FLOW_L_TCP);
    cr_expect_eq(flow_oldest(&t, FLOW_L_TCP), f[1]);
    cr_expect_eq(flow_lru(&t), f[1]);
    f[1]->last_us = 60;
    flow_touch(&t, f[1], FLOW_L_CLOSED);
    cr_expect_eq(flow_oldest(&t, FLOW_L_CLOSED), f[1]);
    cr_expect_eq(flow_oldest(&t, FLOW_L_TCP), f[2]);
    cr_expect_eq(flow_lru(&t), f[2]);
    flow_table_free(&t);
}

Test(flow, full_pool_and_reuse)
{
    struct flow_table t;
    flow_table_init(&t, 4);
    struct flow *last = NULL;
    for (int i = 0; i < 4; i++) {
        struct pkt k = mk(1, 2, (uint16_t)(1000 + i), 502, 1);
        last = flow_create(&t, &k, decode_flow_hash(&k), 0);
        cr_assert_not_null(last);
    }
    struct pkt k = mk(1, 2, 2000, 502, 1);
    cr_expect_null(flow_create(&t, &k, decode_flow_hash(&k), 0), "the pool is full");
    flow_remove(&t, last);
    cr_expect_eq(t.active, 3);
    struct flow *n = flow_create(&t, &k, decode_flow_hash(&k), 0);
    cr_expect_eq(n, last, "the freed slot is reused");
    struct pkt gone = mk(1, 2, 1003, 502, 1);
    int dir;
    cr_expect_null(flow_lookup(&t, &gone, decode_flow_hash(&gone), &dir));
    flow_table_free(&t);
}

Test(flow, many_flows_stay_findable)
{
    struct flow_table t;
    flow_table_init(&t, 20000);
    for (uint32_t i = 0; i < 20000; i++) {
        struct pkt k = mk(i, 7, (uint16_t)(i * 13), 502, i);
        cr_assert_not_null(flow_create(&t, &k, decode_flow_hash(&k), 0));
    }
    /* remove every third, then look everything up */
    int dir;
    for (uint32_t i = 0; i < 20000; i += 3) {
        struct pkt k = mk(i, 7, (uint16_t)(i * 13), 502, i);
        struct flow *f = flow_lookup(&t, &k, decode_flow_hash(&k), &dir);
        cr_assert_not_null(f);
        flow_remove(&t, f);
    }
    for (uint32_t i = 0; i < 20000; i++) {
        struct pkt k = rev(mk(i, 7, (uint16_t)(i * 13), 502, i));
        struct flow *f = flow_lookup(&t, &k, decode_flow_hash(&k), &dir);
        if (i % 3 == 0)
            cr_assert_null(f, "flow %u was removed", i);
        else
            cr_assert(f && dir == 1, "flow %u", i);
    }
    flow_table_free(&t);
}

/* Slots come out in pool order, a removed one is taken again before a never-used one, and
 * flow_at sees only slots below flow_slots_used: the order the end-of-capture walk (and so
 * the flow records of a replay) depends on, with a pool that is not walked at start-up. */
Test(flow, slots_in_pool_order_and_flow_at)
{
    struct flow_table t;
    flow_table_init(&t, 8);
    cr_expect_eq(flow_slots_used(&t), 0);
    cr_expect_null(flow_at(&t, 0), "nothing before the first flow");
    struct flow *f[3];
    for (int i = 0; i < 3; i++) {
        struct pkt k = mk(1, 2, (uint16_t)(100 + i), 502, 1);
        f[i] = flow_create(&t, &k, decode_flow_hash(&k), 0);
        cr_assert_eq(f[i], &t.pool[i], "flow %d takes slot %d", i, i);
    }
    cr_expect_eq(flow_slots_used(&t), 3);
    flow_remove(&t, f[1]);
    cr_expect_null(flow_at(&t, 1), "a removed slot");
    cr_expect_eq(flow_at(&t, 2), f[2]);
    cr_expect_null(flow_at(&t, 3), "a slot never used");
    struct pkt k = mk(1, 2, 200, 502, 1);
    cr_expect_eq(flow_create(&t, &k, decode_flow_hash(&k), 0), f[1], "the freed slot first");
    k = mk(1, 2, 201, 502, 1);
    cr_expect_eq(flow_create(&t, &k, decode_flow_hash(&k), 0), &t.pool[3], "then a new one");
    cr_expect_eq(flow_slots_used(&t), 4);
    flow_table_free(&t);
}

Test(flow, one_mirror_path_per_direction)
{
    struct flow_table t;
    cr_assert_eq(flow_table_init(&t, 64), 0);
    struct pkt k = mk(1, 2, 40000, 502, 1000000);
    struct flow *f = flow_create(&t, &k, decode_flow_hash(&k), 0);
    cr_assert_not_null(f);
    const uint64_t sw = 500000;
    cr_expect(flow_path_accept(f, 0, &k, sw), "the plain path first");
    struct pkt copy = k;
    copy.path = 77; /* the same packet through a tunnel */
    copy.ts_us += 20;
    cr_expect(!flow_path_accept(f, 0, &copy, sw), "a copy from a second path");
    struct pkt answer = rev(k);
    answer.path = 77;
    cr_expect(flow_path_accept(f, 1, &answer, sw), "the other direction has its own path");
    k.ts_us += 100000;
    cr_expect(flow_path_accept(f, 0, &k, sw));
    copy.ts_us = k.ts_us + sw;
    cr_expect(flow_path_accept(f, 0, &copy, sw), "silent for switch_us: the copy takes over");
    k.ts_us = copy.ts_us + 10;
    cr_expect(!flow_path_accept(f, 0, &k, sw), "now the plain one is the copy");
    cr_expect(flow_path_accept(f, 0, &k, 0), "0: every copy");
    flow_table_free(&t);
}

/* Roles found from content: the ends trade places, the flow is still found from both
 * directions (the hash is symmetric) and each direction now maps to the other side. */
Test(flow, swap_ends_keeps_the_flow_findable)
{
    struct flow_table t;
    flow_table_init(&t, 64);
    struct pkt k = mk(1, 2, 1, 505, 10); /* client port 1 taken for the server */
    struct flow *f = flow_create(&t, &k, decode_flow_hash(&k), 1);
    cr_expect_eq(f->port[0], 505);
    f->pkts[0] = 7;
    f->bytes[1] = 99;
    f->syn_seen[1] = 1;
    f->zone[0] = 3;
    memcpy(f->ip_txt[0], "B", 2);
    memcpy(f->ip_txt[1], "A", 2);
    flow_swap_ends(f);
    cr_expect_eq(f->port[0], 1);
    cr_expect_eq(f->port[1], 505);
    cr_expect_eq(f->pkts[1], 7);
    cr_expect_eq(f->bytes[0], 99);
    cr_expect_eq(f->syn_seen[0], 1);
    cr_expect_eq(f->zone[1], 3);
    cr_expect_str_eq(f->ip_txt[0], "A");
    int dir;
    cr_expect_eq(flow_lookup(&t, &k, decode_flow_hash(&k), &dir), f);
    cr_expect_eq(dir, 0, "the sender is the client now");
    struct pkt r = rev(k);
    cr_expect_eq(flow_lookup(&t, &r, decode_flow_hash(&r), &dir), f);
    cr_expect_eq(dir, 1);
    flow_table_free(&t);
}
