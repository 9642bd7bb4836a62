/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the collector's parse -> store path (collector/batch.c, store.c,
 * receiver_handle): a batch is stored with its columns, a resent (sensor, seq) is not
 * stored twice, malformed batches are rejected without touching the store, the indexes
 * exist, data survives a reopen, and a locked database gives a RETRY ack.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "receiver.h"
#include "store.h"
#include "wire.h"

static char dir[64];
static struct store *st;
static struct batch b;
static char err[512];

static void open_store(int busy_ms)
{
    struct store_opts o = {.dir = dir, .sync_full = 0, .busy_timeout_ms = busy_ms};
    cr_assert_eq(store_open(&st, &o, err, sizeof err), 0, "store_open: %s", err);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tz_test_store_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    open_store(1000);
    memset(&b, 0, sizeof b);
}

static void teardown(void)
{
    batch_free(&b);
    store_close(st);
    st = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static struct wire_batch_hdr hdr(const char *sensor, uint64_t first, uint32_t count)
{
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.batch_seq = first;
    h.first_seq = first;
    h.count = count;
    snprintf(h.sensor, sizeof h.sensor, "%s", sensor);
    return h;
}

/* count events of sensor s1 with seq first.., alternating ics (with a flow) and health */
static size_t body_of(char *out, size_t cap, const char *sensor, uint64_t first, int count)
{
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        uint64_t seq = first + (uint64_t)i;
        int n;
        if (i % 2 == 0)
            n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"ics\",\"id\":\"e%llu\",\"ts\":\"2024-05-01T08:00:"
                         "00.123456Z\",\"sensor\":\"%s\",\"seq\":%llu,\"src\":{\"ip\":\"10.0.0.1\","
                         "\"port\":50000},\"dst\":{\"ip\":\"10.0.0.2\",\"port\":502},"
                         "\"transport\":\"tcp\",\"community_id\":\"1:abc=\",\"proto\":\"modbus\","
                         "\"op\":\"read\",\"status\":\"ok\"}\n",
                         (unsigned long long)seq, sensor, (unsigned long long)seq);
        else
            n = snprintf(out + len, cap - len,
                         "{\"v\":1,\"type\":\"health\",\"id\":\"h%llu\",\"ts\":\"2024-05-01T08:00:"
                         "01.000000Z\",\"sensor\":\"%s\",\"seq\":%llu,\"health\":{\"pkts\":1}}\n",
                         (unsigned long long)seq, sensor, (unsigned long long)seq);
        cr_assert(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    return len;
}

static int put(const char *sensor, uint64_t first, int count, struct store_put_result *r)
{
    static char body[65536];
    size_t len = body_of(body, sizeof body, sensor, first, count);
    struct wire_batch_hdr h = hdr(sensor, first, (uint32_t)count);
    cr_assert_eq(batch_parse(&b, &h, body, len, 1000, err, sizeof err), 0, "parse: %s", err);
    int rc = store_put(st, &b, r, err, sizeof err);
    batch_clear(&b);
    return rc;
}

static sqlite3 *peek(void)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(store_path(st), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

static int64_t query_int(const char *sql)
{
    sqlite3 *db = peek();
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, stores_a_batch_with_its_columns)
{
    struct store_put_result r;
    cr_assert_eq(put("s1", 1, 4, &r), 0, "%s", err);
    cr_assert_eq(r.inserted, 4);
    cr_assert_eq(r.duplicates, 0);
    cr_assert_eq(store_count(st), 4);

    sqlite3 *db = peek();
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT id, type, ts, sensor, seq, proto, src_ip, src_port, "
                                    "dst_ip, dst_port, community_id, json FROM events "
                                    "WHERE seq = 1",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "e1");
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 1), "ics");
    cr_assert_eq(sqlite3_column_int64(q, 2), 1714550400123456ll); /* 2024-05-01T08:00:00.123456Z */
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 3), "s1");
    cr_assert_eq(sqlite3_column_int64(q, 4), 1);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 5), "modbus");
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 6), "10.0.0.1");
    cr_assert_eq(sqlite3_column_int64(q, 7), 50000);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 8), "10.0.0.2");
    cr_assert_eq(sqlite3_column_int64(q, 9), 502);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 10), "1:abc=");
    const char *json = (const char *)sqlite3_column_text(q, 11);
    cr_assert(strncmp(json, "{\"v\":1,\"type\":\"ics\",\"id\":\"e1\"", 29) == 0, "%s", json);
    cr_assert(json[strlen(json) - 1] == '}', "the newline must not be stored: %s", json);
    sqlite3_finalize(q);

    /* health: no proto, no addresses -> NULL columns */
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT type, proto IS NULL, src_ip IS NULL, "
                                    "community_id IS NULL FROM events WHERE seq = 2",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "health");
    cr_assert_eq(sqlite3_column_int(q, 1), 1);
    cr_assert_eq(sqlite3_column_int(q, 2), 1);
    cr_assert_eq(sqlite3_column_int(q, 3), 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

Test(store, duplicate_sensor_seq_is_ignored)
{
    struct store_put_result r;
    cr_assert_eq(put("s1", 1, 4, &r), 0);
    cr_assert_eq(put("s1", 1, 4, &r), 0, "a resent batch is not an error");
    cr_assert_eq(r.inserted, 0);
    cr_assert_eq(r.duplicates, 4);
    cr_assert_eq(put("s1", 3, 4, &r), 0, "overlapping batch");
    cr_assert_eq(r.inserted, 2);
    cr_assert_eq(r.duplicates, 2);
    cr_assert_eq(put("s2", 1, 4, &r), 0, "same seq, other sensor");
    cr_assert_eq(r.inserted, 4);
    cr_assert_eq(store_count(st), 10);
    cr_assert_eq(query_int("SELECT count(*) FROM (SELECT 1 FROM events GROUP BY sensor, seq "
                           "HAVING count(*) > 1)"),
                 0);
}

Test(store, stored_flags_mark_new_rows)
{
    static char body[8192];
    struct store_put_result r;
    cr_assert_eq(put("s1", 1, 2, &r), 0);
    size_t len = body_of(body, sizeof body, "s1", 1, 4);
    struct wire_batch_hdr h = hdr("s1", 1, 4);
    cr_assert_eq(batch_parse(&b, &h, body, len, 1000, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_put(st, &b, &r, err, sizeof err), 0);
    cr_assert_eq(b.ev[0].stored, 0);
    cr_assert_eq(b.ev[1].stored, 0);
    cr_assert_eq(b.ev[2].stored, 1);
    cr_assert_eq(b.ev[3].stored, 1);
}

struct bad_case {
    const char *what;
    uint32_t count;
    const char *body;
};

#define GOOD_HEAD "{\"v\":1,\"type\":\"ics\",\"id\":\"x\",\"ts\":\"2024-05-01T08:00:00.000000Z\","
#define GOOD_1 GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1}\n"

static const struct bad_case bad_cases[] = {
    {"not JSON", 1, "{\"v\":1,\n"},
    {"truncated JSON", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1\n"},
    {"not an object", 1, "[1,2,3]\n"},
    {"missing final newline", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1}"},
    {"empty line", 2, GOOD_1 "\n"},
    {"fewer lines than count", 2, GOOD_1},
    {"more lines than count", 1, GOOD_1 GOOD_HEAD "\"sensor\":\"s1\",\"seq\":2}\n"},
    {"count zero", 0, ""},
    {"wrong seq", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":7}\n"},
    {"seq as string", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":\"1\"}\n"},
    {"missing seq", 1, GOOD_HEAD "\"sensor\":\"s1\"}\n"},
    {"other sensor", 1, GOOD_HEAD "\"sensor\":\"s2\",\"seq\":1}\n"},
    {"missing v", 1, "{\"type\":\"ics\",\"id\":\"x\",\"ts\":\"2024-05-01T08:00:00.000000Z\","
                     "\"sensor\":\"s1\",\"seq\":1}\n"},
    {"v 2", 1, "{\"v\":2,\"type\":\"ics\",\"id\":\"x\",\"ts\":\"2024-05-01T08:00:00.000000Z\","
               "\"sensor\":\"s1\",\"seq\":1}\n"},
    {"unknown type", 1, "{\"v\":1,\"type\":\"bogus\",\"id\":\"x\",\"ts\":\"2024-05-01T08:00:00."
                        "000000Z\",\"sensor\":\"s1\",\"seq\":1}\n"},
    {"bad ts", 1, "{\"v\":1,\"type\":\"ics\",\"id\":\"x\",\"ts\":\"yesterday\","
                  "\"sensor\":\"s1\",\"seq\":1}\n"},
    {"empty id", 1, "{\"v\":1,\"type\":\"ics\",\"id\":\"\",\"ts\":\"2024-05-01T08:00:00.000000Z\","
                    "\"sensor\":\"s1\",\"seq\":1}\n"},
    {"duplicate key", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1,\"seq\":1}\n"},
    {"proto not a string", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1,\"proto\":5}\n"},
    {"src not an object", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1,\"src\":\"10.0.0.1\"}\n"},
    {"port out of range", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1,\"dst\":{\"port\":70000}}\n"},
    {"NUL in a string", 1, GOOD_HEAD "\"sensor\":\"s1\",\"seq\":1,\"proto\":\"mod\\u0000bus\"}\n"},
    {"second line bad", 2, GOOD_1 "{\"v\":1,\n"},
};

Test(store, malformed_batches_are_rejected)
{
    struct store_put_result r;
    cr_assert_eq(put("s1", 100, 2, &r), 0);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct wire_batch_hdr h = hdr("s1", 1, c->count);
        err[0] = '\0';
        cr_assert_eq(batch_parse(&b, &h, c->body, strlen(c->body), 1000, err, sizeof err), -1,
                     "case '%s' was accepted", c->what);
        cr_assert_eq(b.n, 0, "case '%s' left events behind", c->what);
        cr_assert_neq(err[0], '\0', "case '%s' gave no reason", c->what);
    }
    /* count above the cap, before any parsing */
    struct wire_batch_hdr h = hdr("s1", 1, 1001);
    cr_assert_eq(batch_parse(&b, &h, GOOD_1, strlen(GOOD_1), 1000, err, sizeof err), -1);
    cr_assert_eq(store_count(st), 2);
}

/* receiver_handle with no socket: the ack status for whole wire messages */
Test(store, receiver_acks)
{
    struct receiver *rcv = NULL;
    struct forward *fwd = NULL;
    struct forward_opts fo = {.brokers = "", .prefix = "t"};
    cr_assert_eq(forward_open(&fwd, &fo, err, sizeof err), 0, "%s", err);
    struct receiver_opts ro = {.listen = NULL, .max_batch_events = 100};
    cr_assert_eq(receiver_open(&rcv, &ro, st, fwd, err, sizeof err), 0, "%s", err);

    static char body[8192];
    uint8_t wh[WIRE_HDR_MAX];
    uint64_t bseq = 0;
    struct wire_batch_hdr h = hdr("s1", 10, 3);
    h.batch_seq = 77;
    long hl = wire_hdr_encode(&h, wh, sizeof wh);
    size_t len = body_of(body, sizeof body, "s1", 10, 3);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED);
    cr_assert_eq(bseq, 77);
    receiver_forward(rcv);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED,
                 "a duplicate is acked STORED");
    receiver_forward(rcv);
    cr_assert_eq(store_count(st), 3);

    /* malformed body */
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, "{\"v\":\n", 6, &bseq), WIRE_ACK_REJECTED);
    cr_assert_eq(bseq, 77, "the reject names the batch");
    /* bad header */
    uint8_t junk[40] = "TZB9";
    cr_assert_eq(receiver_handle(rcv, junk, sizeof junk, body, len, &bseq), WIRE_ACK_REJECTED);
    cr_assert_eq(bseq, 0);
    /* count above receiver.max_batch_events */
    struct wire_batch_hdr hb = hdr("s1", 10, 101);
    hl = wire_hdr_encode(&hb, wh, sizeof wh);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_REJECTED);
    /* a sensor id with a control byte */
    struct wire_batch_hdr hc = hdr("s\001", 10, 3);
    hl = wire_hdr_encode(&hc, wh, sizeof wh);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_REJECTED);

    /* a writer holding the lock: the batch cannot be stored now -> RETRY, nothing written */
    store_close(st);
    open_store(0);
    receiver_close(rcv);
    cr_assert_eq(receiver_open(&rcv, &ro, st, fwd, err, sizeof err), 0);
    sqlite3 *db = peek();
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct wire_batch_hdr hd = hdr("s1", 20, 3);
    hl = wire_hdr_encode(&hd, wh, sizeof wh);
    len = body_of(body, sizeof body, "s1", 20, 3);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_RETRY);
    receiver_forward(rcv);
    cr_assert_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED);
    receiver_forward(rcv);
    cr_assert_eq(store_count(st), 6);

    struct receiver_stats rs;
    receiver_get_stats(rcv, &rs);
    cr_assert_eq(rs.batches, 2); /* counters restart with the new receiver */
    cr_assert_eq(rs.batches_stored, 1);
    cr_assert_eq(rs.batches_retry, 1);
    cr_assert_eq(rs.batches_rejected, 0);
    cr_assert_eq(rs.events_stored, 3);
    receiver_close(rcv);
    forward_close(fwd, 0);
}

Test(store, indexes_exist)
{
    static const char *const want[] = {"events_ts", "events_type_ts", "events_proto_ts",
                                       "events_src_ip", "events_dst_ip", "events_community_id"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='%s'", want[i]);
        cr_assert_eq(query_int(sql), 1, "index %s missing", want[i]);
    }
    /* the unique constraint on (sensor, seq) is an automatic index */
    cr_assert_eq(query_int("SELECT count(*) FROM pragma_index_list('events') WHERE \"unique\"=1 "
                           "AND origin='u'"),
                 1);
    cr_assert_eq(query_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    sqlite3 *db = peek();
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    /* a time-range query uses the ts index */
    cr_assert_eq(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ts > 5",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    const char *plan = (const char *)sqlite3_column_text(q, 3);
    cr_assert(strstr(plan, "events_ts") != NULL, "plan: %s", plan);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

Test(store, reopen_keeps_data)
{
    struct store_put_result r;
    cr_assert_eq(put("s1", 1, 6, &r), 0);
    int64_t last_pos = query_int("SELECT max(pos) FROM events");
    store_close(st);
    open_store(1000);
    cr_assert_eq(store_count(st), 6);
    cr_assert_eq(put("s1", 1, 6, &r), 0);
    cr_assert_eq(r.duplicates, 6, "dedupe survives a restart");
    cr_assert_eq(put("s1", 7, 2, &r), 0);
    cr_assert_eq(r.inserted, 2);
    /* pos grows with every insert (ignored duplicates may leave gaps) */
    int64_t p7 = query_int("SELECT min(pos) FROM events WHERE seq >= 7");
    cr_assert_gt(p7, last_pos);
    int64_t p8 = query_int("SELECT max(pos) FROM events");
    /* and is never reused, even after deletion (the outbox cursor relies on it) */
    sqlite3 *db = peek();
    cr_assert_eq(sqlite3_exec(db, "DELETE FROM events WHERE seq >= 7", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    cr_assert_eq(put("s1", 9, 2, &r), 0);
    cr_assert_gt(query_int("SELECT min(pos) FROM events WHERE seq >= 9"), p8);
}

Test(store, unwritable_dir_is_an_error)
{
    struct store *s2 = NULL;
    struct store_opts o = {.dir = "/dev/null/tanzhen", .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, err, sizeof err), -1);
    cr_assert_null(s2);
    cr_assert(strstr(err, "/dev/null/tanzhen") != NULL, "%s", err);
    /* a file where the database should be */
    char p[128];
    snprintf(p, sizeof p, "%s/sub", dir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("not a directory", f);
    fclose(f);
    o.dir = p;
    cr_assert_eq(store_open(&s2, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "not a directory") != NULL, "%s", err);
}

Test(store, foreign_file_is_an_error)
{
    char sub[128], p[160];
    snprintf(sub, sizeof sub, "%s/junk", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    snprintf(p, sizeof p, "%s/%s", sub, STORE_FILE);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 100; i++)
        fputs("this is not an SQLite database. ", f);
    fclose(f);
    struct store *s2 = NULL;
    struct store_opts o = {.dir = sub, .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, err, sizeof err), -1);
    cr_assert_null(s2);
    cr_assert(strstr(err, STORE_FILE) != NULL, "%s", err);
}
