/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_query.c - filtered, time-ordered, paged reads of the store (see store_query.h).
 * Plan: per day file, one indexed query for the batches whose [ts_min, ts_max] meets the
 * range and whose keys hold every key filter; the candidates, sorted by ts_min, are opened
 * in that order and their matching events kept in a bounded sorted array of `limit`; once
 * that array is full and the next candidate starts after its last event, no later batch
 * can give an earlier event, so the walk stops.
 */
#include "store_query.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dayfile.h"
#include "evblock.h"

#define PATH_CAP 1200

struct cand {
    int64_t id, first_pos, ts_min;
    size_t day;
};

struct hit {
    int64_t ts, pos, received;
    enum ev_type type;
    char sensor[WIRE_SENSOR_MAX + 1];
    char *line; /* owned */
    size_t len;
};

struct q {
    const struct sq_filter *f;
    int64_t cts, cpos; /* the cursor: only (ts, pos) after it */
    struct hit *h;
    size_t n, limit;
    struct cand *c;
    size_t nc, ccap;
    struct evb_buf raw;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->ts_min != y->ts_min)
        return x->ts_min < y->ts_min ? -1 : 1;
    return x->first_pos < y->first_pos ? -1 : x->first_pos > y->first_pos;
}

static int before(int64_t ts, int64_t pos, int64_t ts2, int64_t pos2)
{
    return ts < ts2 || (ts == ts2 && pos < pos2);
}

static int parse_cursor(const char *s, int64_t *ts, int64_t *pos)
{
    char *end = NULL;
    errno = 0;
    long long a = strtoll(s, &end, 10);
    if (errno || end == s || *end != '.')
        return -1;
    const char *p = end + 1;
    long long b = strtoll(p, &end, 10);
    if (errno || end == p || *end != '\0' || b < 0)
        return -1;
    *ts = a;
    *pos = b;
    return 0;
}

static int str_eq(const char *want, const char *have)
{
    return !want || !want[0] || (have && strcmp(want, have) == 0);
}

/* Does one record match? Parses its line only when a filter needs it. */
static int matches(const struct sq_filter *f, const struct evb_rec *r, const char *sensor)
{
    if ((f->from_us && r->ts_us < f->from_us) || (f->to_us && r->ts_us >= f->to_us))
        return 0;
    if (f->type && f->type[0] && strcmp(f->type, ev_type_name(r->type)) != 0)
        return 0;
    if (!str_eq(f->sensor, sensor))
        return 0;
    int need = (f->ip && f->ip[0]) || (f->proto && f->proto[0]) || (f->op && f->op[0]) ||
               (f->status && f->status[0]);
    if (!need)
        return 1;
    struct evb_fields ef;
    void *hold = NULL;
    int ok = evb_fields_parse(r->line, r->line_len, &ef, &hold) == 0 &&
             str_eq(f->proto, ef.proto) && str_eq(f->op, ef.op) && str_eq(f->status, ef.status) &&
             (!f->ip || !f->ip[0] || str_eq(f->ip, ef.src_ip) || str_eq(f->ip, ef.dst_ip));
    evb_fields_release(hold);
    return ok;
}

/* Keeps the `limit` smallest (ts, pos) hits, sorted. */
static int keep(struct q *q, const struct evb_rec *r, int64_t pos, int64_t received,
                const char *sensor)
{
    if (q->n == q->limit) {
        struct hit *last = &q->h[q->n - 1];
        if (!before(r->ts_us, pos, last->ts, last->pos))
            return 0;
        free(last->line);
        q->n--;
    }
    char *copy = malloc(r->line_len + 1);
    if (!copy)
        return -1;
    memcpy(copy, r->line, r->line_len);
    size_t i = q->n;
    while (i > 0 && before(r->ts_us, pos, q->h[i - 1].ts, q->h[i - 1].pos)) {
        q->h[i] = q->h[i - 1];
        i--;
    }
    struct hit *h = &q->h[i];
    h->ts = r->ts_us;
    h->pos = pos;
    h->received = received;
    h->type = r->type;
    snprintf(h->sensor, sizeof h->sensor, "%s", sensor);
    h->line = copy;
    h->len = r->line_len;
    q->n++;
    return 0;
}

/* The candidates of one day file. */
static int candidates(struct q *q, sqlite3 *db, size_t day, char *err, size_t errlen)
{
    const struct sq_filter *f = q->f;
    char keys[4][EVB_KEY_MAX];
    int nk = 0;
    const char kinds[4] = {'a', 'p', 'o', 's'};
    const char *vals[4] = {f->ip, f->proto, f->op, f->status};
    for (int i = 0; i < 4; i++)
        if (vals[i] && vals[i][0] && evb_key(kinds[i], vals[i], keys[nk]) == 0)
            nk++;
    if (f->type && f->type[0] && evb_key('t', f->type, keys[nk]) == 0)
        nk++;
    char sql[1024];
    int n = snprintf(sql, sizeof sql, "SELECT id, first_pos, ts_min FROM batches b WHERE "
                     "kind = 0 AND ts_max >= ?1 AND ts_min <= ?2%s",
                     f->sensor && f->sensor[0] ? " AND sensor = ?3" : "");
    for (int i = 0; i < nk; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      i == 0 ? " AND id IN (SELECT batch FROM keys WHERE k = ?%d)"
                             : " AND EXISTS (SELECT 1 FROM keys WHERE k = ?%d AND batch = b.id)",
                      4 + i);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int64_t lo = f->from_us > q->cts ? f->from_us : q->cts;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, f->to_us ? f->to_us - 1 : INT64_MAX);
    if (f->sensor && f->sensor[0])
        sqlite3_bind_text(st, 3, f->sensor, -1, SQLITE_STATIC);
    for (int i = 0; i < nk; i++)
        sqlite3_bind_text(st, 4 + i, keys[i], -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (q->nc == q->ccap) {
            size_t ncap = q->ccap ? q->ccap * 2 : 256;
            void *nc = realloc(q->c, ncap * sizeof *q->c);
            if (!nc) {
                sqlite3_finalize(st);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            q->c = nc;
            q->ccap = ncap;
        }
        struct cand *c = &q->c[q->nc++];
        c->id = sqlite3_column_int64(st, 0);
        c->first_pos = sqlite3_column_int64(st, 1);
        c->ts_min = sqlite3_column_int64(st, 2);
        c->day = day;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

/* Opens one candidate's block and keeps its matching events. */
static int scan_cand(struct q *q, sqlite3 *db, const struct cand *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT body, sensor, received FROM batches WHERE id = ?1", -1,
                           &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, c->id);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW &&
        evb_decompress(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                       &q->raw) >= 0) {
        const char *sensor = (const char *)sqlite3_column_text(st, 1);
        int64_t received = sqlite3_column_int64(st, 2);
        size_t off = 0;
        struct evb_rec r;
        for (int64_t pos = c->first_pos; rc == 0 && evb_next(q->raw.p, q->raw.len, &off, &r) == 1;
             pos++)
            if (before(q->cts, q->cpos, r.ts_us, pos) && matches(q->f, &r, sensor))
                rc = keep(q, &r, pos, received, sensor ? sensor : "");
    }
    sqlite3_finalize(st);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

long store_query_events(const char *dir, const struct sq_filter *f, const char *cursor,
                        size_t limit, sq_cb cb, void *arg, char next[SQ_CURSOR_LEN], char *err,
                        size_t errlen)
{
    next[0] = '\0';
    struct q q = {.f = f, .cts = INT64_MIN, .cpos = 0, .limit = limit};
    if (limit < 1 || limit > SQ_LIMIT_MAX) {
        snprintf(err, errlen, "limit %zu is outside 1..%d", limit, SQ_LIMIT_MAX);
        return -1;
    }
    if (cursor && cursor[0] && parse_cursor(cursor, &q.cts, &q.cpos) != 0) {
        snprintf(err, errlen, "cursor '%.60s' is not one this store gave", cursor);
        return -1;
    }
    struct day_list days;
    if (day_list_read(dir, &days, err, errlen) != 0)
        return -1;
    sqlite3 **dbs = calloc(days.n + 1, sizeof *dbs);
    q.h = calloc(limit, sizeof *q.h);
    long rc = -1;
    if (!dbs || !q.h) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    char path[PATH_CAP], e2[1400];
    for (size_t k = 0; k < days.n; k++) {
        day_path(dir, days.name[k], path, sizeof path);
        dbs[k] = day_open_ro(path, 5000, e2, sizeof e2);
        /* one snapshot per file: candidates and blocks agree */
        if (!dbs[k] || sqlite3_exec(dbs[k], "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            candidates(&q, dbs[k], k, e2, sizeof e2) != 0) {
            snprintf(err, errlen, "%s: %.1000s", path, e2);
            goto out;
        }
    }
    if (q.nc > 1)
        qsort(q.c, q.nc, sizeof *q.c, cmp_cand);
    for (size_t i = 0; i < q.nc; i++) {
        if (q.n == q.limit && q.h[q.n - 1].ts < q.c[i].ts_min)
            break; /* no later batch holds an earlier event */
        if (scan_cand(&q, dbs[q.c[i].day], &q.c[i], err, errlen) != 0)
            goto out;
    }
    rc = 0;
    for (size_t i = 0; i < q.n; i++) {
        struct sq_event e = {.pos = q.h[i].pos, .ts_us = q.h[i].ts, .received = q.h[i].received,
                             .type = q.h[i].type, .sensor = q.h[i].sensor, .line = q.h[i].line,
                             .line_len = q.h[i].len};
        rc++;
        if (cb(arg, &e) != 0)
            break;
    }
    if (q.n == q.limit && rc > 0)
        snprintf(next, SQ_CURSOR_LEN, "%lld.%lld", (long long)q.h[rc - 1].ts,
                 (long long)q.h[rc - 1].pos);
out:
    for (size_t k = 0; dbs && k < days.n; k++) {
        if (dbs[k])
            sqlite3_exec(dbs[k], "COMMIT", NULL, NULL, NULL);
        sqlite3_close(dbs[k]);
    }
    for (size_t i = 0; q.h && i < q.n; i++)
        free(q.h[i].line);
    free(q.h);
    free(q.c);
    free(dbs);
    evb_buf_free(&q.raw);
    day_list_free(&days);
    return rc;
}

int store_scan(const char *dir, const struct sq_filter *f, sq_cb cb, void *arg, char *err,
               size_t errlen)
{
    struct day_list days;
    if (day_list_read(dir, &days, err, errlen) != 0)
        return -1;
    struct evb_buf raw = {0};
    int rc = 0, stop = 0;
    for (size_t k = 0; k < days.n && rc == 0 && !stop; k++) {
        char path[PATH_CAP], e2[1400];
        day_path(dir, days.name[k], path, sizeof path);
        sqlite3 *db = day_open_ro(path, 5000, e2, sizeof e2);
        sqlite3_stmt *st = NULL;
        if (!db || sqlite3_prepare_v2(db, "SELECT first_pos, sensor, received, body FROM batches "
                                          "WHERE kind = 0 AND first_pos + count > ?1 ORDER BY id",
                                      -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %.1000s", path, db ? sqlite3_errmsg(db) : e2);
            rc = -1;
        }
        int64_t from_pos = f ? f->from_pos : 0;
        if (st)
            sqlite3_bind_int64(st, 1, from_pos);
        while (rc == 0 && !stop && st && sqlite3_step(st) == SQLITE_ROW) {
            const char *sensor = (const char *)sqlite3_column_text(st, 1);
            if (!str_eq(f ? f->sensor : NULL, sensor))
                continue;
            if (evb_decompress(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                               &raw) < 0) {
                snprintf(err, errlen, "%s: a block at position %lld does not decompress (run "
                         "verify)", path, (long long)sqlite3_column_int64(st, 0));
                rc = -1;
                break;
            }
            size_t off = 0;
            struct evb_rec r;
            for (int64_t pos = sqlite3_column_int64(st, 0);
                 !stop && evb_next(raw.p, raw.len, &off, &r) == 1; pos++) {
                if (pos <= from_pos)
                    continue;
                struct sq_event e = {.pos = pos, .ts_us = r.ts_us,
                                     .received = sqlite3_column_int64(st, 2), .type = r.type,
                                     .sensor = sensor ? sensor : "", .line = r.line,
                                     .line_len = r.line_len};
                stop = cb(arg, &e) != 0;
            }
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    evb_buf_free(&raw);
    day_list_free(&days);
    return rc;
}
