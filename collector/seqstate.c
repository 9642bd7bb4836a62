/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seqstate.c - per-(sensor, run) sequence state: highest seq and open gaps (seqstate.h).
 * Gaps are a sorted array searched by bisection; filling one event of a gap shrinks it,
 * splits it or removes it. Sensors are a sorted array of pointers, so a state's address
 * is stable while the table grows.
 */
#include "seqstate.h"

#include <stdlib.h>
#include <string.h>

void seqstate_free(struct seqstate *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->s[i]->gaps);
        free(t->s[i]);
    }
    free(t->s);
    memset(t, 0, sizeof *t);
}

static int cmp_state(const struct sensor_state *s, const char *id, uint64_t run)
{
    int c = strcmp(s->id, id);
    if (c != 0)
        return c;
    return s->run < run ? -1 : s->run > run ? 1 : 0;
}

/* Index of the first state at or after (id, run). */
static size_t sensor_lower(const struct seqstate *t, const char *id, uint64_t run)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_state(t->s[mid], id, run) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t seqstate_runs(const struct seqstate *t, const char *id, const struct sensor_state **latest)
{
    size_t n = 0;
    const struct sensor_state *best = NULL;
    for (size_t i = sensor_lower(t, id, 0); i < t->n && strcmp(t->s[i]->id, id) == 0; i++) {
        n++;
        if (!best || t->s[i]->last_seen_us >= best->last_seen_us)
            best = t->s[i];
    }
    if (latest)
        *latest = best;
    return n;
}

struct sensor_state *seqstate_get(struct seqstate *t, const char *id, uint64_t run, int create)
{
    size_t i = sensor_lower(t, id, run);
    if (i < t->n && cmp_state(t->s[i], id, run) == 0)
        return t->s[i];
    if (!create || t->n >= SEQ_MAX_SENSORS || strlen(id) > WIRE_SENSOR_MAX)
        return NULL;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        struct sensor_state **ns = realloc(t->s, ncap * sizeof *ns);
        if (!ns)
            return NULL;
        t->s = ns;
        t->cap = ncap;
    }
    struct sensor_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->id, id, strlen(id) + 1);
    s->run = run;
    memmove(t->s + i + 1, t->s + i, (t->n - i) * sizeof *t->s);
    t->s[i] = s;
    t->n++;
    return s;
}

/* Index of the gap holding seq, or -1. */
static long gap_find(const struct sensor_state *s, uint64_t seq)
{
    size_t lo = 0, hi = s->ngaps;
    while (lo < hi) { /* first gap whose `to` is >= seq */
        size_t mid = lo + (hi - lo) / 2;
        if (s->gaps[mid].to < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->ngaps && s->gaps[lo].from <= seq)
        return (long)lo;
    return -1;
}

int seqstate_is_new(const struct sensor_state *s, uint64_t seq)
{
    if (!s->seen || seq > s->last_seq)
        return 1;
    return gap_find(s, seq) >= 0;
}

static int gaps_reserve(struct sensor_state *s)
{
    if (s->ngaps < s->gcap)
        return 0;
    size_t ncap = s->gcap ? s->gcap * 2 : 4;
    struct seq_gap *ng = realloc(s->gaps, ncap * sizeof *ng);
    if (!ng)
        return -1;
    s->gaps = ng;
    s->gcap = ncap;
    return 0;
}

/* Past SEQ_MAX_GAPS the oldest gap stops being tracked: its events, should they come,
 * are taken for duplicates. Counted. */
static void gap_give_up_oldest(struct sensor_state *s)
{
    s->open_gap_events -= s->gaps[0].to - s->gaps[0].from + 1;
    memmove(s->gaps, s->gaps + 1, (s->ngaps - 1) * sizeof *s->gaps);
    s->ngaps--;
    s->gaps_given_up++;
}

int seqstate_add_gap(struct sensor_state *s, uint64_t from, uint64_t to)
{
    if (from > to || gaps_reserve(s) != 0)
        return -1;
    if (s->ngaps == SEQ_MAX_GAPS)
        gap_give_up_oldest(s);
    s->gaps[s->ngaps].from = from;
    s->gaps[s->ngaps].to = to;
    s->ngaps++;
    s->open_gap_events += to - from + 1;
    return 0;
}

int seqstate_mark(struct sensor_state *s, uint64_t seq, struct seq_gap *gap)
{
    if (!s->seen || seq > s->last_seq) {
        uint64_t expect = s->seen ? s->last_seq + 1 : 1;
        int opened = 0;
        if (seq > expect) {
            if (seqstate_add_gap(s, expect, seq - 1) != 0)
                return -1;
            s->gaps_total++;
            s->gap_events += seq - expect;
            gap->from = expect;
            gap->to = seq - 1;
            opened = 1;
        }
        s->seen = 1;
        s->last_seq = seq;
        s->events++;
        s->dirty = 1;
        return opened;
    }
    long gi = gap_find(s, seq);
    if (gi < 0)
        return 0; /* already stored: the caller asked is_new first */
    struct seq_gap *g = &s->gaps[gi];
    if (g->from == g->to) {
        memmove(g, g + 1, (s->ngaps - (size_t)gi - 1) * sizeof *g);
        s->ngaps--;
    } else if (seq == g->from) {
        g->from++;
    } else if (seq == g->to) {
        g->to--;
    } else {
        if (gaps_reserve(s) != 0)
            return -1;
        g = &s->gaps[gi]; /* the array may have moved */
        memmove(g + 2, g + 1, (s->ngaps - (size_t)gi - 1) * sizeof *g);
        g[1].from = seq + 1;
        g[1].to = g->to;
        g->to = seq - 1;
        s->ngaps++;
        if (s->ngaps > SEQ_MAX_GAPS)
            gap_give_up_oldest(s);
    }
    s->open_gap_events--;
    s->filled++;
    s->events++;
    s->dirty = 1;
    return 0;
}
