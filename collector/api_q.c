/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_q.c - the API's queries. Each request opens its own read-only SQLite connection
 * (analytics.db for assets, baseline and maintenance sessions; the day files for alerts,
 * through their (type, ts) index, newest day first), so the HTTP threads never share a
 * connection or memory with the engine's thread. Acknowledgements live in api.db. Pages
 * carry `next`, the cursor of the following page (absent on the last one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "dayfile.h"
#include "metrics.h"
#include "store_query.h"

static sqlite3 *open_ro(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static void fmt_time(int64_t us, char out[40])
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[24];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06lldZ", b, (long long)(us % 1000000));
}

static void page(struct api_reply *r, json_t *items, int more, int64_t next)
{
    r->body = json_pack("{s:o, s:I}", "items", items, "count", (json_int_t)json_array_size(items));
    if (more)
        json_object_set_new(r->body, "next", json_integer(next));
}

void api_q_assets(struct api *a, const struct api_q *q, struct api_reply *r)
{
    sqlite3 *db = open_ro(a->an_db);
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    int more = 0;
    int64_t last = 0;
    if (db && sqlite3_prepare_v2(db, "SELECT ix, ip, mac, doc FROM assets WHERE (?1 IS NULL OR "
                                     "ip = ?1) AND ix > ?2 ORDER BY ix LIMIT ?3", -1, &st,
                                 NULL) == SQLITE_OK) {
        if (q->ip)
            sqlite3_bind_text(st, 1, q->ip, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, q->cursor ? q->cursor : -1);
        sqlite3_bind_int64(st, 3, q->limit + 1);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if ((int64_t)json_array_size(items) == q->limit) {
                more = 1;
                break;
            }
            last = sqlite3_column_int64(st, 0);
            json_t *d = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
            if (!json_is_object(d)) {
                json_decref(d);
                d = json_object();
            }
            json_object_set_new(d, "ip", json_string((const char *)sqlite3_column_text(st, 1)));
            json_object_set_new(d, "mac", json_string((const char *)sqlite3_column_text(st, 2)));
            json_array_append_new(items, d);
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    page(r, items, more, last);
}

static void add_ack(struct api *a, json_t *alert)
{
    const char *id = json_string_value(json_object_get(alert, "id"));
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&a->lock);
    if (id && sqlite3_prepare_v2(a->ack, "SELECT ts_us, comment FROM acks WHERE alert=?", -1,
                                 &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            char t[40];
            fmt_time(sqlite3_column_int64(st, 0), t);
            json_object_set_new(alert, "ack",
                                json_pack("{s:s, s:s}", "at", t, "comment",
                                          (const char *)sqlite3_column_text(st, 1) ?: ""));
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
}

struct alert_page {
    struct api *a;
    const struct api_q *q;
    json_t *items;
    int64_t want;
    char last[SQ_CURSOR_LEN]; /* the cursor just after the last alert taken */
    int full;
};

static int has_asset(const json_t *assets, const char *ip)
{
    size_t i;
    json_t *v;
    json_array_foreach(assets, i, v) {
        const char *s = json_string_value(v);
        if (s && strcmp(s, ip) == 0)
            return 1;
    }
    return 0;
}

static int alert_take(void *arg, const struct sq_event *e)
{
    struct alert_page *p = arg;
    const struct api_q *q = p->q;
    if (p->full)
        return 1;
    snprintf(p->last, sizeof p->last, "%lld.%lld", (long long)e->ts_us, (long long)e->pos);
    json_t *ev = json_loadb(e->line, e->line_len, 0, NULL);
    const json_t *al = json_object_get(ev, "alert");
    const char *sev = json_string_value(json_object_get(al, "severity"));
    const char *rule = json_string_value(json_object_get(al, "rule"));
    if (!ev || (q->severity && (!sev || strcmp(sev, q->severity) != 0)) ||
        (q->rule && (!rule || strcmp(rule, q->rule) != 0)) ||
        (q->asset && !has_asset(json_object_get(al, "assets"), q->asset))) {
        json_decref(ev);
        return 0;
    }
    add_ack(p->a, ev);
    int acked = json_object_get(ev, "ack") != NULL;
    if (q->status && ((!strcmp(q->status, "acked") && !acked) ||
                      (!strcmp(q->status, "open") && acked))) {
        json_decref(ev);
        return 0;
    }
    json_array_append_new(p->items, ev);
    p->full = (int64_t)json_array_size(p->items) >= p->want;
    return p->full;
}

/* Alerts are stored events (type alert): read from the store's indexes (store_query.h), in
 * time order, filtered by severity, rule, asset and acknowledgement here; `next` is the
 * store's cursor after the last alert looked at. */
void api_q_alerts(struct api *a, const struct api_q *q, struct api_reply *r)
{
    struct sq_filter f = {.from_us = q->since_us > 0 ? q->since_us : 0,
                          .to_us = q->until_us == INT64_MAX ? 0 : q->until_us,
                          .type = "alert"};
    struct alert_page p = {.a = a, .q = q, .items = json_array(), .want = q->limit};
    char cursor[SQ_CURSOR_LEN], next[SQ_CURSOR_LEN], err[256];
    snprintf(cursor, sizeof cursor, "%s", q->page ? q->page : "");
    for (int rounds = 0; rounds < 64 && !p.full; rounds++) {
        long n = store_query_events(a->store_dir, &f, cursor, SQ_LIMIT_MAX, alert_take, &p, next,
                                    err, sizeof err);
        if (n < 0) {
            json_decref(p.items);
            api_error(r, strstr(err, "cursor") ? 400 : 500, "%s", err);
            return;
        }
        if (!next[0] && !p.full) {
            p.last[0] = '\0'; /* the last page */
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", p.full ? p.last : next);
    }
    r->body = json_pack("{s:o, s:I}", "items", p.items, "count",
                        (json_int_t)json_array_size(p.items));
    if (p.full && p.last[0])
        json_object_set_new(r->body, "next", json_string(p.last));
}

void api_q_ack(struct api *a, const char *id, const char *comment, struct api_reply *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    sqlite3_stmt *st = NULL;
    int ok = 0;
    pthread_mutex_lock(&a->lock);
    if (sqlite3_prepare_v2(a->ack, "INSERT OR REPLACE INTO acks(alert, ts_us, comment) "
                                   "VALUES(?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, comment, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    if (!ok) {
        api_error(r, 500, "api.db: %s", sqlite3_errmsg(a->ack));
        return;
    }
    char t[40];
    fmt_time(now, t);
    r->body = json_pack("{s:s, s:s, s:s}", "alert", id, "acked_at", t, "comment", comment);
}

void api_q_baseline(struct api *a, const struct api_q *q, struct api_reply *r)
{
    sqlite3 *db = open_ro(a->an_db);
    sqlite3_stmt *st = NULL;
    json_t *doc = NULL;
    if (db && sqlite3_prepare_v2(db, "SELECT doc FROM baseline WHERE k = 'current'", -1, &st,
                                 NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (!doc) {
        r->body = json_pack("{s:n, s:[], s:[], s:s}", "mode", "entries", "polling", "note",
                            "no baseline saved yet (the engine saves it within seconds of "
                            "ics traffic and at each review)");
        return;
    }
    if (q->status) {
        json_t *keep = json_array(), *x;
        size_t i;
        json_array_foreach(json_object_get(doc, "entries"), i, x)
        {
            const char *s = json_string_value(json_object_get(x, "status"));
            if (s && strcmp(s, q->status) == 0)
                json_array_append(keep, x);
        }
        json_object_set_new(doc, "entries", keep);
    }
    r->body = doc;
}

void api_q_maintenance(struct api *a, const struct api_q *q, struct api_reply *r)
{
    sqlite3 *db = open_ro(a->an_db);
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    int more = 0;
    int64_t last = 0;
    if (db && sqlite3_prepare_v2(
                  db, "SELECT rowid, id, src, dst, asset, zone, tool, sensor, start_us, end_us, "
                      "bytes_to, bytes_from, allowed, reason FROM maint_sessions WHERE "
                      "start_us >= ?1 AND start_us < ?2 AND rowid > ?3 AND (?4 IS NULL OR "
                      "src = ?4 OR dst = ?4) AND (?5 IS NULL OR asset = ?5 OR dst = ?5) "
                      "ORDER BY rowid LIMIT ?6", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, q->since_us);
        sqlite3_bind_int64(st, 2, q->until_us);
        sqlite3_bind_int64(st, 3, q->cursor);
        if (q->ip)
            sqlite3_bind_text(st, 4, q->ip, -1, SQLITE_STATIC);
        if (q->asset)
            sqlite3_bind_text(st, 5, q->asset, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, q->limit + 1);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if ((int64_t)json_array_size(items) == q->limit) {
                more = 1;
                break;
            }
            last = sqlite3_column_int64(st, 0);
            char t1[40], t2[40];
            int64_t s = sqlite3_column_int64(st, 8), e = sqlite3_column_int64(st, 9);
            fmt_time(s, t1);
            fmt_time(e, t2);
#define COL(i) ((const char *)sqlite3_column_text(st, i) ?: "")
            json_array_append_new(
                items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:I, "
                                 "s:b, s:s}", "id", COL(1), "src", COL(2), "dst", COL(3),
                                 "asset", COL(4), "zone", COL(5), "tool", COL(6), "sensor",
                                 COL(7), "start", t1, "end", t2, "duration_s",
                                 (double)(e - s) / 1e6, "bytes_toserver",
                                 (json_int_t)sqlite3_column_int64(st, 10), "bytes_toclient",
                                 (json_int_t)sqlite3_column_int64(st, 11), "allowed",
                                 sqlite3_column_int(st, 12), "reason", COL(13)));
#undef COL
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    page(r, items, more, last);
}

void api_q_sensors(struct api *a, struct api_reply *r)
{
    struct metrics *m = a->m;
    json_t *items = json_array();
    if (!m) {
        page(r, items, 0, 0);
        return;
    }
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nsensors; i++) {
        const struct metrics_sensor *s = &m->sensor[i];
        char t[40];
        fmt_time(s->last_seen_us, t);
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "sensor", s->id,
                             "last_seen", t, "last_seq", (json_int_t)s->last_seq, "events",
                             (json_int_t)s->events, "duplicates", (json_int_t)s->duplicates,
                             "gaps", (json_int_t)s->gaps, "missing_events",
                             (json_int_t)s->open_gap_events, "runs",
                             (json_int_t)s->runs));
    }
    pthread_mutex_unlock(&m->lock);
    json_t *lag = json_object();
    static const char *const topics[] = {"events", "alerts", "assets", "health"};
    for (int t = 0; t < TOPIC_COUNT && t < 4; t++)
        json_object_set_new(lag, topics[t],
                            json_pack("{s:I, s:I}", "events",
                                      (json_int_t)atomic_load(&m->lag_events[t]), "us",
                                      (json_int_t)atomic_load(&m->lag_us[t])));
    r->body = json_pack("{s:o, s:I, s:I, s:I, s:o}", "items", items, "chain_head",
                        (json_int_t)atomic_load(&m->chain_head), "stored_position",
                        (json_int_t)atomic_load(&m->committed_pos), "batches_rejected",
                        (json_int_t)atomic_load(&m->batches_rejected), "kafka_lag", lag);
}

struct ev_page {
    json_t *items;
    size_t bad; /* stored lines that do not parse (counted, left out) */
};

static int ev_item(void *arg, const struct sq_event *e)
{
    struct ev_page *p = arg;
    json_t *ev = json_loadb(e->line, e->line_len, 0, NULL);
    if (!ev)
        p->bad++;
    else
        json_array_append_new(p->items, ev);
    return 0;
}

/* /api/events from the store's indexes (store_query.h): oldest first, a page at a time,
 * `next` the store's cursor; `took_ms` says how long the query took. */
void api_q_events(struct api *a, const struct api_events_q *q, struct api_reply *r)
{
    struct sq_filter f = {.from_us = q->since_us > 0 ? q->since_us : 0,
                          .to_us = q->until_us == INT64_MAX ? 0 : q->until_us,
                          .ip = q->ip, .proto = q->proto, .type = q->type, .op = q->op};
    struct ev_page p = {.items = json_array()};
    char next[SQ_CURSOR_LEN] = "", err[256];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long n = store_query_events(a->store_dir, &f, q->cursor, (size_t)q->limit, ev_item, &p,
                                next, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (n < 0) {
        json_decref(p.items);
        api_error(r, strstr(err, "cursor") ? 400 : 500, "%s", err);
        return;
    }
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    r->body = json_pack("{s:o, s:I, s:f}", "items", p.items, "count",
                        (json_int_t)json_array_size(p.items), "took_ms", ms);
    if (next[0])
        json_object_set_new(r->body, "next", json_string(next));
    if (p.bad)
        json_object_set_new(r->body, "unreadable", json_integer((json_int_t)p.bad));
}
