/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.c - raising alerts and aggregating repeats. The first raise of a (rule, key)
 * emits an `alert` event at once (count 1); repeats within the rule's aggregation window
 * (policy.aggregate_s from the first) are counted, and when the window closes in event
 * time (or at end of input) one update is emitted with count, first, last and the
 * evidence ids, under the same `group`. Ids are BLAKE2b-128 over rule, key and the first
 * evidence id (and the count for updates): the same events give the same alerts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"
#include "an_state.h"

#define AGG_MAX 65536 /* open aggregates at most; beyond, the oldest is closed early */

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static uint64_t agg_hash(const struct an_rule_rt *r, const char *key)
{
    return hash_str(hash_str(14695981039346656037ULL, r->def->id), key) | 1;
}

static int64_t window_us(const an_engine *e, const struct an_rule_rt *r)
{
    return (r->def->aggregate_s > 0 ? r->def->aggregate_s : e->o.policy.aggregate_s) * AN_US;
}

/* The learned set: is "rule\x1fkey" in it; add it (1: added, 0: was there, -1: full). */
static int learned_op(struct an_aggs *g, const char *rk, int add)
{
    if (g->cap_learned == 0) {
        if (!add)
            return 0;
        g->learned = calloc(1024, sizeof *g->learned);
        g->learned_order = calloc(512, sizeof *g->learned_order);
        if (!g->learned || !g->learned_order)
            return -1;
        g->cap_learned = 1024;
    }
    size_t mask = g->cap_learned - 1;
    size_t i = hash_str(14695981039346656037ULL, rk) & mask;
    for (; g->learned[i]; i = (i + 1) & mask)
        if (strcmp(g->learned[i], rk) == 0)
            return add ? 0 : 1;
    if (!add)
        return 0;
    if (g->nlearned >= LEARNED_MAX)
        return -1;
    char *copy = strdup(rk);
    if (!copy)
        return -1;
    g->learned[i] = copy;
    g->learned_order[g->nlearned++] = copy;
    if (g->nlearned * 2 >= g->cap_learned) { /* grow both: the order array is half the size */
        size_t nc = g->cap_learned * 2;
        char **nl = calloc(nc, sizeof *nl);
        char **no = realloc(g->learned_order, nc / 2 * sizeof *no);
        if (!nl || !no) {
            free(nl);
            if (no)
                g->learned_order = no;
            return 1;
        }
        g->learned_order = no;
        for (size_t k = 0; k < g->nlearned; k++) {
            size_t j = hash_str(14695981039346656037ULL, no[k]) & (nc - 1);
            while (nl[j])
                j = (j + 1) & (nc - 1);
            nl[j] = no[k];
        }
        free(g->learned);
        g->learned = nl;
        g->cap_learned = nc;
    }
    return 1;
}

int an_learned_add(an_engine *e, const char *rk)
{
    return learned_op(e->aggs, rk, 1);
}

static struct an_agg *agg_find(struct an_aggs *g, const struct an_rule_rt *r, const char *key,
                               uint64_t h)
{
    size_t mask = g->cap_idx - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        int32_t ix = g->idx[i];
        if (ix == AGG_EMPTY)
            return NULL;
        if (ix >= 0) {
            struct an_agg *a = &g->v[ix];
            if (a->hash == h && a->rule == r && strcmp(a->key, key) == 0)
                return a;
        }
    }
}

static void idx_insert(struct an_aggs *g, uint64_t h, int32_t ix)
{
    size_t mask = g->cap_idx - 1;
    size_t i = h & mask;
    while (g->idx[i] >= 0)
        i = (i + 1) & mask;
    g->idx[i] = ix;
}

/* Rebuilds the vector without closed aggregates and the index over it. */
static void aggs_compact(struct an_aggs *g)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (g->v[i].open) {
            if (k != i)
                g->v[k] = g->v[i];
            k++;
        } else {
            json_decref(g->v[i].first_alert);
        }
    }
    g->n = k;
    g->closed = 0;
    for (size_t i = 0; i < g->cap_idx; i++)
        g->idx[i] = AGG_EMPTY;
    for (size_t i = 0; i < g->n; i++)
        idx_insert(g, g->v[i].hash, (int32_t)i);
}

int an_aggs_open(an_engine *e, char *err, size_t errlen)
{
    struct an_aggs *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->cap_idx = 1024;
    g->idx = malloc(g->cap_idx * sizeof *g->idx);
    if (!g->idx) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < g->cap_idx; i++)
        g->idx[i] = AGG_EMPTY;
    e->aggs = g;
    return 0;
}

void an_aggs_free(an_engine *e)
{
    struct an_aggs *g = e->aggs;
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        json_decref(g->v[i].first_alert);
    for (size_t i = 0; i < g->nlearned; i++)
        free(g->learned_order[i]);
    free(g->learned);
    free(g->learned_order);
    free(g->v);
    free(g->idx);
    free(g);
    e->aggs = NULL;
}

/* Room for one more aggregate (grows the vector and index, compacts). */
static int aggs_room(struct an_aggs *g)
{
    if (g->closed > 0 && g->closed * 2 >= g->n)
        aggs_compact(g);
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 64;
        struct an_agg *nv = realloc(g->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        g->v = nv;
        g->cap = nc;
    }
    if ((g->n + 1) * 2 > g->cap_idx) {
        size_t nc = g->cap_idx * 2;
        int32_t *ni = malloc(nc * sizeof *ni);
        if (!ni)
            return -1;
        free(g->idx);
        g->idx = ni;
        g->cap_idx = nc;
        aggs_compact(g);
    }
    return 0;
}

static void evidence_add(struct an_agg *a, const char *id)
{
    if (!id || !id[0])
        return;
    size_t slot = a->nev < AN_EVIDENCE_MAX ? a->nev++ : AN_EVIDENCE_MAX - 1; /* keep the last */
    snprintf(a->evidence[slot], sizeof a->evidence[slot], "%s", id);
}

static json_t *evidence_json(const struct an_agg *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < a->nev; i++)
        json_array_append_new(arr, json_string(a->evidence[i]));
    return arr;
}

/* The four levels of GB/T 20986-2023 (I 特别重大 .. IV 一般) the platform envelope uses. */
static int sev_level(enum an_sev s)
{
    switch (s) {
    case AN_SEV_CRITICAL:
        return 1;
    case AN_SEV_HIGH:
        return 2;
    case AN_SEV_MEDIUM:
        return 3;
    case AN_SEV_LOW:
    case AN_SEV_INFO:
        break;
    }
    return 4;
}

static json_t *attack_json(const char *list)
{
    json_t *arr = json_array();
    const char *p = list ? list : "";
    while (arr && *p) {
        size_t n = strcspn(p, ", ");
        if (n > 0)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return arr;
}

/* Emits the update of an aggregate with repeats not yet reported. */
static void agg_emit_update(an_engine *e, struct an_agg *a)
{
    if (a->count <= a->reported || !a->first_alert)
        return;
    char cnt[24], id[33];
    snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)a->count);
    const char *parts[] = {"alert-update", a->group, cnt};
    an_make_id(id, parts, 3);
    json_t *o = json_deep_copy(a->first_alert);
    if (!o) {
        e->st.emit_failed++;
        return;
    }
    char ts[32];
    an_time_fmt(a->last_us, ts);
    uint64_t seq = e->mute ? 0 : e->o.next_seq ? e->o.next_seq(e->o.ctx) : ++e->seq;
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    json_t *al = json_object_get(o, "alert");
    json_object_set_new(al, "event_ids", evidence_json(a));
    json_object_set_new(al, "count", json_integer((json_int_t)a->count));
    json_object_set_new(al, "last", json_string(ts));
    a->reported = a->count;
    a->dirty = 1;
    an_out_emit(e, ANALYTICS_OUT_ALERT, o);
}

static void agg_close(an_engine *e, struct an_agg *a)
{
    agg_emit_update(e, a);
    a->open = 0;
    a->dirty = 1;
    e->aggs->closed++;
    /* out of the index: a tombstone keeps the probe chains of the others intact */
    struct an_aggs *g = e->aggs;
    size_t mask = g->cap_idx - 1;
    int32_t ix = (int32_t)(a - g->v);
    for (size_t i = a->hash & mask;; i = (i + 1) & mask) {
        if (g->idx[i] == ix) {
            g->idx[i] = AGG_TOMB;
            break;
        }
        if (g->idx[i] == AGG_EMPTY)
            break;
    }
}

void an_aggs_tick(an_engine *e, int64_t now_us)
{
    struct an_aggs *g = e->aggs;
    if (now_us < g->next_expiry)
        return;
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < g->n; i++) {
        struct an_agg *a = &g->v[i];
        if (!a->open)
            continue;
        if (a->expires_us <= now_us)
            agg_close(e, a);
        else if (a->expires_us < next)
            next = a->expires_us;
    }
    g->next_expiry = next;
}

void an_aggs_flush(an_engine *e)
{
    struct an_aggs *g = e->aggs;
    for (size_t i = 0; i < g->n; i++)
        if (g->v[i].open)
            agg_emit_update(e, &g->v[i]);
}

static json_t *build_alert(an_engine *e, const struct an_alert *al, const char *id,
                           const char *key, const char *group)
{
    const struct an_rule_rt *r = al->rule;
    const struct an_ev *ev = al->ev;
    json_t *o = an_out_begin(e, "alert", id, ev->ts_us, ev);
    if (!o)
        return NULL;
    char ts[32];
    an_time_fmt(ev->ts_us, ts);
    json_t *b = json_object();
    json_object_set_new(b, "rule", json_string(r->def->id));
    json_object_set_new(b, "severity", json_string(an_sev_name(r->severity)));
    json_object_set_new(b, "level", json_integer(sev_level(r->severity)));
    json_object_set_new(b, "title", json_string(r->def->title));
    if (al->detail && al->detail[0])
        json_object_set_new(b, "detail", json_string(al->detail));
    json_object_set_new(b, "category", json_string(r->def->category ? r->def->category : ""));
    json_object_set_new(b, "attack", attack_json(r->def->attack));
    json_object_set_new(b, "gbt20986", json_string(r->def->gbt ? r->def->gbt : ""));
    json_t *assets = json_array();
    if (al->assets[0]) {
        for (int i = 0; i < AN_ALERT_ASSETS && al->assets[i]; i++)
            json_array_append_new(assets, json_string(al->assets[i]));
    } else {
        if (ev->src.ip)
            json_array_append_new(assets, json_string(ev->src.ip));
        if (ev->dst.ip && (!ev->src.ip || strcmp(ev->src.ip, ev->dst.ip) != 0))
            json_array_append_new(assets, json_string(ev->dst.ip));
    }
    json_object_set_new(b, "assets", assets);
    json_t *ids = json_array();
    for (size_t i = 0; i < al->n_more && json_array_size(ids) + 1 < AN_EVIDENCE_MAX; i++)
        json_array_append_new(ids, json_string(al->more_evidence[i]));
    if (ev->id[0])
        json_array_append_new(ids, json_string(ev->id));
    json_object_set_new(b, "event_ids", ids);
    json_object_set_new(b, "count", json_integer(1));
    json_object_set_new(b, "first", json_string(ts));
    json_object_set_new(b, "last", json_string(ts));
    json_object_set_new(b, "group", json_string(group));
    json_object_set_new(b, "key", json_string(key));
    json_object_set_new(o, "alert", b);
    return o;
}

void an_alert_raise(an_engine *e, const struct an_alert *al)
{
    const struct an_rule_rt *r = al->rule;
    const struct an_ev *ev = al->ev;
    if (!r || !r->enabled || !ev)
        return;
    char key[AN_KEY_MAX];
    if (al->key)
        snprintf(key, sizeof key, "%s", al->key);
    else
        snprintf(key, sizeof key, "%s>%s", ev->src.ip ? ev->src.ip : "-",
                 ev->dst.ip ? ev->dst.ip : "-");
    struct an_aggs *g = e->aggs;
    if (r->def->learn) {
        char rk[AN_KEY_MAX + 64];
        snprintf(rk, sizeof rk, "%s\x1f%s", r->def->id, key);
        if (an_learning(e)) {
            learned_op(g, rk, 1);
            e->st.alerts_learned++;
            return;
        }
        if (learned_op(g, rk, 0) == 1) {
            e->st.alerts_learned++;
            return;
        }
    }
    uint64_t h = agg_hash(r, key);
    struct an_agg *a = agg_find(g, r, key, h);
    if (a && ev->ts_us < a->expires_us) {
        a->count++;
        if (ev->ts_us > a->last_us)
            a->last_us = ev->ts_us;
        evidence_add(a, ev->id);
        a->dirty = 1;
        e->st.alerts_suppressed++;
        return;
    }
    if (a)
        agg_close(e, a);
    if (g->n - g->closed >= AGG_MAX) { /* bounded: the oldest open one goes first */
        for (size_t i = 0; i < g->n; i++) {
            if (g->v[i].open) {
                agg_close(e, &g->v[i]);
                break;
            }
        }
    }
    if (aggs_room(g) != 0) {
        e->st.emit_failed++;
        return;
    }
    a = &g->v[g->n];
    memset(a, 0, sizeof *a);
    a->rule = r;
    a->hash = h;
    snprintf(a->key, sizeof a->key, "%s", key);
    const char *parts[] = {"alert", r->def->id, key, ev->id};
    an_make_id(a->group, parts, 4);
    a->first_us = a->last_us = ev->ts_us;
    a->expires_us = ev->ts_us + window_us(e, r);
    a->count = a->reported = 1;
    a->open = 1;
    a->dirty = 1;
    for (size_t i = 0; i < al->n_more && a->nev + 1 < AN_EVIDENCE_MAX; i++)
        evidence_add(a, al->more_evidence[i]);
    evidence_add(a, ev->id);
    json_t *o = build_alert(e, al, a->group, key, a->group);
    if (o)
        a->first_alert = json_deep_copy(o);
    idx_insert(g, h, (int32_t)g->n);
    g->n++;
    if (a->expires_us < g->next_expiry || g->next_expiry == 0)
        g->next_expiry = a->expires_us;
    an_out_emit(e, ANALYTICS_OUT_ALERT, o);
}

void an_raise(an_engine *e, const struct an_rule_rt *r, const struct an_ev *ev,
              const char *key, const char *fmt, ...)
{
    char detail[AN_DETAIL_MAX];
    detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    struct an_alert al = {.rule = r, .ev = ev, .key = key, .detail = detail};
    an_alert_raise(e, &al);
}

int an_agg_restore(an_engine *e, const struct an_agg *src)
{
    struct an_aggs *g = e->aggs;
    if (!src->rule || agg_find(g, src->rule, src->key, src->hash) || aggs_room(g) != 0)
        return -1;
    struct an_agg *a = &g->v[g->n];
    *a = *src;
    a->open = 1;
    a->dirty = 0;
    idx_insert(g, a->hash, (int32_t)g->n);
    g->n++;
    if (g->next_expiry == 0 || a->expires_us < g->next_expiry)
        g->next_expiry = a->expires_us;
    return 0;
}

uint64_t an_agg_hash(const struct an_rule_rt *r, const char *key)
{
    return agg_hash(r, key);
}
