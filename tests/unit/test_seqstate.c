/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_seqstate.c - per-sensor sequence state (collector/seqstate.c): new vs already
 * stored, gaps opened once, filled from either end or the middle, the cap on open gaps,
 * and the sensor table staying sorted; checked against a bitmap model with random orders.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seqstate.h"

Test(seqstate, gaps_open_and_fill)
{
    struct seqstate t = {0};
    struct sensor_state *s = seqstate_get(&t, "a", 0, 1);
    cr_assert_not_null(s);
    struct seq_gap g;
    cr_assert(seqstate_is_new(s, 1));
    cr_assert_eq(seqstate_mark(s, 1, &g), 0);
    cr_assert(!seqstate_is_new(s, 1));
    cr_assert_eq(seqstate_mark(s, 2, &g), 0);
    cr_assert_eq(seqstate_mark(s, 10, &g), 1, "3..9 missing");
    cr_assert_eq(g.from, 3);
    cr_assert_eq(g.to, 9);
    cr_assert_eq(s->open_gap_events, 7);
    cr_assert(seqstate_is_new(s, 3) && seqstate_is_new(s, 9) && !seqstate_is_new(s, 10));
    cr_assert_eq(seqstate_mark(s, 3, &g), 0);
    cr_assert_eq(s->gaps[0].from, 4, "filled from below");
    cr_assert_eq(seqstate_mark(s, 9, &g), 0);
    cr_assert_eq(s->gaps[0].to, 8, "from above");
    cr_assert_eq(seqstate_mark(s, 6, &g), 0);
    cr_assert_eq(s->ngaps, 2, "split");
    cr_assert_eq(s->gaps[0].to, 5);
    cr_assert_eq(s->gaps[1].from, 7);
    cr_assert_eq(s->open_gap_events, 4);
    cr_assert_eq(s->filled, 3);
    cr_assert_eq(s->gaps_total, 1);
    cr_assert_eq(s->gap_events, 7);
    cr_assert_eq(s->events, 6);
    seqstate_free(&t);
}

Test(seqstate, sensors_stay_sorted_and_capped)
{
    struct seqstate t = {0};
    const char *ids[] = {"m", "b", "z", "a", "k"};
    struct sensor_state *p[5];
    for (int i = 0; i < 5; i++)
        p[i] = seqstate_get(&t, ids[i], 0, 1);
    for (size_t i = 1; i < t.n; i++)
        cr_assert_lt(strcmp(t.s[i - 1]->id, t.s[i]->id), 0);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(seqstate_get(&t, ids[i], 0, 0), p[i], "addresses are stable");
    cr_assert_null(seqstate_get(&t, "nope", 0, 0));
    char id[16];
    for (int i = 0; t.n < SEQ_MAX_SENSORS; i++) {
        snprintf(id, sizeof id, "x%d", i);
        cr_assert_not_null(seqstate_get(&t, id, 0, 1));
    }
    cr_assert_null(seqstate_get(&t, "one-too-many", 0, 1));
    seqstate_free(&t);
}

Test(seqstate, the_oldest_gap_is_given_up_past_the_cap)
{
    struct seqstate t = {0};
    struct sensor_state *s = seqstate_get(&t, "a", 0, 1);
    struct seq_gap g;
    for (uint64_t i = 0; i <= SEQ_MAX_GAPS + 1; i++)
        seqstate_mark(s, 2 * i + 1, &g); /* every even seq missing: SEQ_MAX_GAPS + 1 gaps */
    cr_assert_eq(s->ngaps, SEQ_MAX_GAPS);
    cr_assert_eq(s->gaps_given_up, 1);
    cr_assert(!seqstate_is_new(s, 2), "the oldest gap is no longer tracked");
    cr_assert(seqstate_is_new(s, 4));
    cr_assert_eq(s->open_gap_events, SEQ_MAX_GAPS);
    seqstate_free(&t);
}

Test(seqstate, random_arrivals_agree_with_a_bitmap)
{
    enum { N = 2000 };
    srand(11);
    for (int round = 0; round < 20; round++) {
        struct seqstate t = {0};
        struct sensor_state *s = seqstate_get(&t, "r", 0, 1);
        static unsigned char seen[N + 1];
        memset(seen, 0, sizeof seen);
        uint64_t stored = 0;
        for (int k = 0; k < 3 * N; k++) {
            uint64_t seq = 1 + (uint64_t)(rand() % N);
            int model_new = !seen[seq];
            cr_assert_eq(seqstate_is_new(s, seq), model_new, "round %d seq %llu", round,
                         (unsigned long long)seq);
            if (model_new) {
                struct seq_gap g;
                cr_assert_geq(seqstate_mark(s, seq, &g), 0);
                seen[seq] = 1;
                stored++;
            }
        }
        uint64_t missing = 0;
        for (uint64_t q = 1; q <= s->last_seq; q++)
            missing += !seen[q];
        cr_assert_eq(s->open_gap_events, missing);
        cr_assert_eq(s->events, stored);
        seqstate_free(&t);
    }
}

/* Defect 1: a sensor restarted without its state starts a new run; seqs back at 1 are new
 * in the new run and still duplicates in the old one. */
Test(seqstate, runs_are_separate_sequences)
{
    struct seqstate t = {0};
    struct sensor_state *a = seqstate_get(&t, "s", 0x1111, 1);
    struct seq_gap g;
    for (uint64_t q = 1; q <= 10; q++)
        cr_assert_eq(seqstate_mark(a, q, &g), 0);
    struct sensor_state *b = seqstate_get(&t, "s", 0x2222, 1);
    cr_assert_neq(a, b);
    cr_assert(seqstate_is_new(b, 1), "seq 1 of a new run is new");
    cr_assert_not(seqstate_is_new(a, 1), "seq 1 of the old run is still stored");
    cr_assert_eq(seqstate_mark(b, 3, &g), 1, "gaps are per run");
    cr_assert_eq(g.from, 1);
    cr_assert_eq(g.to, 2);
    cr_assert_eq(a->ngaps, 0);
    const struct sensor_state *latest = NULL;
    b->last_seen_us = 5;
    cr_assert_eq(seqstate_runs(&t, "s", &latest), 2);
    cr_assert_eq(latest, b);
    cr_assert_eq(seqstate_runs(&t, "other", NULL), 0);
    cr_assert_eq(seqstate_get(&t, "s", 0x1111, 0), a, "found again by (sensor, run)");
    seqstate_free(&t);
}
