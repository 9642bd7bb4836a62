/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_query.c - store_query_events (collector/store_query.c), the API's way into the
 * store: filters by time range, address, protocol, type, op, status and sensor; results in
 * (ts, pos) order across batches and day files whatever order they were stored in; paging
 * with a cursor gives every match once; bad cursors and limits are refused; the candidate
 * batches come from the indexes (EXPLAIN QUERY PLAN names them, no full scan).
 */
#include "store_query.h"
#include "tz_collector_test.h"

static struct store *st;

/* Stores one batch of `n` events with the given ts seconds and fields. */
static void put(const char *sensor, uint64_t first, int n, int ts0, const char *ip,
                const char *proto, const char *op, const char *status)
{
    static char body[1 << 16];
    static struct batch b;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int k = snprintf(body + len, sizeof body - len,
                         "{\"v\":1,\"type\":\"ics\",\"id\":\"%s-%llu\",\"ts\":\"2024-05-01T08:%02d:"
                         "%02d.000000Z\",\"sensor\":\"%s\",\"seq\":%llu,\"src\":{\"ip\":\"%s\","
                         "\"port\":1},\"dst\":{\"ip\":\"10.9.9.9\",\"port\":502},\"proto\":\"%s\","
                         "\"op\":\"%s\",\"status\":\"%s\"}\n",
                         sensor, (unsigned long long)(first + (uint64_t)i), (ts0 + i) / 60,
                         (ts0 + i) % 60, sensor, (unsigned long long)(first + (uint64_t)i), ip,
                         proto, op, status);
        len += (size_t)k;
    }
    struct wire_batch_hdr h = t_hdr(sensor, first, (uint32_t)n);
    cr_assert_eq(batch_parse(&b, &h, body, len, 1000, t_err, sizeof t_err), 0, "%s", t_err);
    struct store_put_result r;
    cr_assert_eq(store_put(st, &b, &r, t_err, sizeof t_err), 0, "%s", t_err);
    batch_free(&b);
}

static void setup(void)
{
    t_mkdir();
    st = t_open(1000);
    /* stored out of time order, over two day files */
    put("s1", 1, 10, 100, "10.0.0.1", "modbus", "read", "ok");      /* ts 100..109 */
    put("s2", 1, 10, 50, "10.0.0.2", "dnp3", "write", "exception"); /* ts 50..59 */
    t_now += T_DAY_US;
    put("s1", 11, 10, 0, "10.0.0.1", "modbus", "write", "ok");      /* ts 0..9 */
    put("s2", 11, 5, 105, "10.0.0.3", "s7comm", "control", "ok");   /* ts 105..109 */
}

static void teardown(void)
{
    store_close(st);
    t_rmdir();
}

TestSuite(query, .init = setup, .fini = teardown);

struct got {
    int n;
    int64_t ts[64], pos[64];
    char sensor[64][16];
};

static int collect(void *arg, const struct sq_event *e)
{
    struct got *g = arg;
    cr_assert_lt(g->n, 64);
    g->ts[g->n] = e->ts_us;
    g->pos[g->n] = e->pos;
    snprintf(g->sensor[g->n], sizeof g->sensor[0], "%s", e->sensor);
    g->n++;
    return 0;
}

static long q(const struct sq_filter *f, const char *cursor, size_t limit, struct got *g,
              char next[SQ_CURSOR_LEN])
{
    memset(g, 0, sizeof *g);
    long n = store_query_events(t_dir, f, cursor, limit, collect, g, next, t_err, sizeof t_err);
    cr_assert_geq(n, 0, "%s", t_err);
    return n;
}

#define T0 1714550400000000LL /* 2024-05-01T08:00:00Z */

Test(query, everything_in_time_order)
{
    struct sq_filter f = {0};
    struct got g;
    char next[SQ_CURSOR_LEN];
    cr_assert_eq(q(&f, NULL, 100, &g, next), 35);
    cr_assert_str_eq(next, "", "one page holds it all");
    for (int i = 1; i < g.n; i++)
        cr_assert(g.ts[i - 1] < g.ts[i] || (g.ts[i - 1] == g.ts[i] && g.pos[i - 1] < g.pos[i]),
                  "out of order at %d", i);
    cr_assert_eq(g.ts[0], T0, "the earliest event was stored third");
}

Test(query, filters)
{
    struct got g;
    char next[SQ_CURSOR_LEN];
    struct sq_filter f = {.ip = "10.0.0.1"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 20);
    f = (struct sq_filter){.ip = "10.9.9.9", .proto = "dnp3"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 10, "dst address and protocol");
    f = (struct sq_filter){.op = "write"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 20);
    f = (struct sq_filter){.op = "write", .status = "exception"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 10);
    f = (struct sq_filter){.type = "flow"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 0);
    f = (struct sq_filter){.sensor = "s2"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 15);
    f = (struct sq_filter){.from_us = T0 + 100000000LL, .to_us = T0 + 106000000LL};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 7, "100..105 of s1 and 105 of s2");
    cr_assert_eq(g.ts[0], T0 + 100000000LL);
    f = (struct sq_filter){.from_us = T0 + 105000000LL, .proto = "s7comm"};
    cr_assert_eq(q(&f, NULL, 100, &g, next), 5);
}

Test(query, paging_gives_each_match_once)
{
    struct sq_filter f = {0};
    struct got g;
    char cur[SQ_CURSOR_LEN] = "", next[SQ_CURSOR_LEN];
    int64_t last_ts = INT64_MIN, last_pos = 0;
    int total = 0, pages = 0;
    do {
        long n = q(&f, cur, 4, &g, next);
        cr_assert_leq(n, 4);
        for (int i = 0; i < g.n; i++) {
            cr_assert(g.ts[i] > last_ts || (g.ts[i] == last_ts && g.pos[i] > last_pos));
            last_ts = g.ts[i];
            last_pos = g.pos[i];
        }
        total += g.n;
        pages++;
        memcpy(cur, next, sizeof cur);
    } while (cur[0] && pages < 100);
    cr_assert_eq(total, 35);
    cr_assert_eq(pages, 9);
}

Test(query, bad_input_is_refused)
{
    struct sq_filter f = {0};
    struct got g;
    char next[SQ_CURSOR_LEN];
    cr_assert_eq(store_query_events(t_dir, &f, "junk", 10, collect, &g, next, t_err,
                                    sizeof t_err), -1);
    cr_assert(strstr(t_err, "cursor"), "%s", t_err);
    cr_assert_eq(store_query_events(t_dir, &f, NULL, 0, collect, &g, next, t_err, sizeof t_err),
                 -1);
    cr_assert_eq(store_query_events(t_dir, &f, NULL, SQ_LIMIT_MAX + 1, collect, &g, next, t_err,
                                    sizeof t_err), -1);
}

/* The candidate batches come from the indexes, never from scanning a day file. */
Test(query, answered_from_indexes)
{
    static const char *const sqls[] = {
        "SELECT id FROM batches b WHERE kind = 0 AND ts_max >= 5 AND ts_min <= 9",
        "SELECT id FROM batches b WHERE kind = 0 AND ts_max >= 5 AND ts_min <= 9 AND id IN "
        "(SELECT batch FROM keys WHERE k = 'a10.0.0.1')",
        "SELECT first_pos FROM batches WHERE first_pos >= 5 ORDER BY first_pos",
    };
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        sqlite3 *db = t_db("events-20240501.db");
        char sql[512];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", sqls[i]);
        sqlite3_stmt *st2 = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st2, NULL), SQLITE_OK);
        while (sqlite3_step(st2) == SQLITE_ROW) {
            const char *plan = (const char *)sqlite3_column_text(st2, 3);
            cr_assert(strncmp(plan, "SCAN", 4) != 0 || strstr(plan, "INDEX"), "%s: %s",
                      sqls[i], plan);
        }
        sqlite3_finalize(st2);
        sqlite3_close(db);
    }
}
