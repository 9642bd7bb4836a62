/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tz_collector_test.h - helpers shared by the collector's unit tests: a temporary store
 * directory, a clock the test moves (so batches land on chosen days), batches of
 * well-formed events, and small SQLite queries against the files. Header-only; each test
 * file includes it once.
 */
#ifndef TZ_COLLECTOR_TEST_H
#define TZ_COLLECTOR_TEST_H

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "dayfile.h"
#include "store.h"
#include "wire.h"

#define T_DAY1 1714550400000000LL /* 2024-05-01T08:00:00Z */
#define T_DAY_US 86400000000LL

static int64_t t_now = T_DAY1;
static int64_t t_clock(void)
{
    return t_now;
}

static char t_dir[64];
static const char *t_idp = ""; /* prefix of the event ids t_body writes */
static char t_err[2048];

static void t_mkdir(void)
{
    snprintf(t_dir, sizeof t_dir, "/tmp/tz_unit_XXXXXX");
    cr_assert_not_null(mkdtemp(t_dir));
    t_now = T_DAY1;
    t_idp = "";
}

static void t_rmdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_dir);
    cr_assert_eq(system(cmd), 0);
}

__attribute__((unused)) static struct store *t_open(int busy_ms)
{
    struct store *s = NULL;
    struct store_opts o = {.dir = t_dir, .sync_full = 0, .busy_timeout_ms = busy_ms,
                           .clock_us = t_clock};
    cr_assert_eq(store_open(&s, &o, t_err, sizeof t_err), 0, "store_open: %s", t_err);
    return s;
}

static struct wire_batch_hdr t_hdr(const char *sensor, uint64_t first, uint32_t count)
{
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.batch_seq = first;
    h.first_seq = first;
    h.count = count;
    snprintf(h.sensor, sizeof h.sensor, "%s", sensor);
    return h;
}

/* count events of sensor with seq first..; even ones ics (with a flow), odd ones health */
static size_t t_body(char *out, size_t cap, const char *sensor, uint64_t first, int count)
{
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        uint64_t seq = first + (uint64_t)i;
        int n;
        if (seq % 2 == 1)
            n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"ics\",\"id\":\"%se%llu\",\"ts\":\"2024-05-01T08:00:"
                         "00.123456Z\",\"sensor\":\"%s\",\"seq\":%llu,\"src\":{\"ip\":\"10.0.0.1\","
                         "\"port\":50000},\"dst\":{\"ip\":\"10.0.0.2\",\"port\":502},"
                         "\"transport\":\"tcp\",\"community_id\":\"1:abc=\",\"proto\":\"modbus\","
                         "\"op\":\"read\",\"status\":\"ok\"}\n",
                         t_idp, (unsigned long long)seq, sensor, (unsigned long long)seq);
        else
            n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"health\",\"id\":\"%sh%llu\",\"ts\":\"2024-05-01T08:00:"
                         "01.000000Z\",\"sensor\":\"%s\",\"seq\":%llu,\"health\":{\"pkts\":1}}\n",
                         t_idp, (unsigned long long)seq, sensor, (unsigned long long)seq);
        cr_assert(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    return len;
}

/* Stores one batch of count events of one run; returns store_put's result. */
static int t_put_run(struct store *s, const char *sensor, uint64_t run, uint64_t first, int count,
                     struct store_put_result *r)
{
    static char body[1 << 20];
    static struct batch b;
    size_t len = t_body(body, sizeof body, sensor, first, count);
    struct wire_batch_hdr h = t_hdr(sensor, first, (uint32_t)count);
    h.run = run;
    cr_assert_eq(batch_parse(&b, &h, body, len, 100000, t_err, sizeof t_err), 0, "parse: %s",
                 t_err);
    int rc = store_put(s, &b, r, t_err, sizeof t_err);
    batch_free(&b);
    return rc;
}

/* Stores one batch of count events (run 0, a version-1 sender). */
__attribute__((unused)) static int t_put(struct store *s, const char *sensor, uint64_t first,
                                         int count, struct store_put_result *r)
{
    return t_put_run(s, sensor, 0, first, count, r);
}

/* Events stored in one day file (SQL over the batch rows). */
#define T_EVENTS "SELECT coalesce(sum(count), 0) FROM batches WHERE kind = 0"

static sqlite3 *t_db(const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", t_dir, name);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK, "%s", p);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

__attribute__((unused)) static int64_t t_int(const char *file, const char *sql)
{
    sqlite3 *db = t_db(file);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

__attribute__((unused)) static void t_exec(const char *file, const char *sql)
{
    sqlite3 *db = t_db(file);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
                 msg ? msg : "");
    sqlite3_close(db);
}

#endif
