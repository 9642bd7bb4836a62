/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.c - windowed counters for the counting rules (an_int.h): a table of keys, each
 * with a tumbling window that opens at the key's first event (event time), its count,
 * distinct values and evidence ids. Expired counters are dropped from on_tick; the table
 * is bounded (COUNTS_MAX keys; beyond, new keys are not counted until some expire).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

#define COUNTS_MAX 200000

struct an_counts {
    struct an_counter **v;   /* live counters (unordered) */
    size_t n, cap;
    int32_t *idx;            /* open addressing over v; -1 empty */
    size_t cap_idx;
    int64_t next_expiry;
};

static uint64_t key_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

struct an_counts *an_counts_new(void)
{
    struct an_counts *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap_idx = 256;
    c->idx = malloc(c->cap_idx * sizeof *c->idx);
    if (!c->idx) {
        free(c);
        return NULL;
    }
    memset(c->idx, 0xff, c->cap_idx * sizeof *c->idx);
    return c;
}

void an_counts_free(struct an_counts *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i]);
    free(c->v);
    free(c->idx);
    free(c);
}

static void reindex(struct an_counts *c)
{
    memset(c->idx, 0xff, c->cap_idx * sizeof *c->idx);
    size_t mask = c->cap_idx - 1;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = key_hash(c->v[k]->key) & mask;
        while (c->idx[i] >= 0)
            i = (i + 1) & mask;
        c->idx[i] = (int32_t)k;
    }
}

static void evidence_add(struct an_counter *k, const char *id)
{
    if (!id || !id[0])
        return;
    int slot = k->nev < AN_EVIDENCE_MAX ? k->nev++ : AN_EVIDENCE_MAX - 1;
    size_t n = strnlen(id, AN_ID_MAX - 1);
    memcpy(k->evidence[slot], id, n);
    k->evidence[slot][n] = '\0';
}

struct an_counter *an_count(struct an_counts *c, const char *key, int64_t window_us,
                            const struct an_ev *ev)
{
    size_t mask = c->cap_idx - 1;
    size_t i = key_hash(key) & mask;
    struct an_counter *k = NULL;
    for (; c->idx[i] >= 0; i = (i + 1) & mask) {
        if (strcmp(c->v[c->idx[i]]->key, key) == 0) {
            k = c->v[c->idx[i]];
            break;
        }
    }
    if (!k) {
        if (c->n >= COUNTS_MAX)
            return NULL;
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 64;
            struct an_counter **nv = realloc(c->v, nc * sizeof *nv);
            if (!nv)
                return NULL;
            c->v = nv;
            c->cap = nc;
        }
        k = calloc(1, sizeof *k);
        if (!k)
            return NULL;
        snprintf(k->key, sizeof k->key, "%s", key);
        c->v[c->n] = k;
        c->idx[i] = (int32_t)c->n;
        c->n++;
        if (c->n * 2 > c->cap_idx) {
            int32_t *ni = malloc(c->cap_idx * 2 * sizeof *ni);
            if (ni) {
                free(c->idx);
                c->idx = ni;
                c->cap_idx *= 2;
                reindex(c);
            }
        }
        k->end_us = 0;
    }
    if (ev->ts_us >= k->end_us) { /* a new window */
        k->start_us = ev->ts_us;
        k->end_us = ev->ts_us + window_us;
        k->count = 0;
        k->ndistinct = 0;
        k->fired = 0;
        k->nev = 0;
        if (c->next_expiry == 0 || k->end_us < c->next_expiry)
            c->next_expiry = k->end_us;
    }
    k->count++;
    evidence_add(k, ev->id);
    return k;
}

int an_count_distinct(struct an_counter *k, int64_t v)
{
    for (int i = 0; i < k->ndistinct; i++)
        if (k->distinct[i] == v)
            return k->ndistinct;
    if (k->ndistinct < AN_DISTINCT_MAX)
        k->distinct[k->ndistinct++] = v;
    return k->ndistinct;
}

void an_counts_expire(struct an_counts *c, int64_t now_us)
{
    if (!c || c->n == 0 || now_us < c->next_expiry)
        return;
    size_t k = 0;
    int64_t next = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i]->end_us <= now_us) {
            free(c->v[i]);
            continue;
        }
        if (next == 0 || c->v[i]->end_us < next)
            next = c->v[i]->end_us;
        c->v[k++] = c->v[i];
    }
    c->n = k;
    c->next_expiry = next;
    reindex(c);
}

void an_raise_counter(an_engine *e, const struct an_rule_rt *r, const struct an_ev *ev,
                      const struct an_counter *k, const char *key, const char *fmt, ...)
{
    char detail[AN_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const char *more[AN_EVIDENCE_MAX];
    size_t n = 0;
    for (int i = 0; i < k->nev; i++) /* the evidence of ev itself is added by the raise */
        if (strcmp(k->evidence[i], ev->id) != 0)
            more[n++] = k->evidence[i];
    struct an_alert al = {.rule = r, .ev = ev, .key = key, .detail = detail,
                          .more_evidence = more, .n_more = n};
    an_alert_raise(e, &al);
}
