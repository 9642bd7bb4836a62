/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the collector's parse -> store path (collector/batch.c, store.c,
 * receiver_handle): batches land in the day file of their ingest day as one compressed
 * block with a chain row and index keys; (sensor, run, seq) stays unique across day files
 * and a new run is stored whole; gaps open, fill and
 * survive a restart; meta.db lagging behind the day files is caught up; positions are
 * never reused; a locked day file gives a RETRY ack and leaves the sequence state as it
 * was; a second collector cannot open the same store; bad directories and foreign files
 * are refused.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "receiver.h"
#include "store_query.h"
#include "tz_collector_test.h"

static struct store *st;

static void setup(void)
{
    t_mkdir();
    st = t_open(1000);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    t_rmdir();
}

TestSuite(store, .init = setup, .fini = teardown);

#define DAY1 "events-20240501.db"
#define DAY2 "events-20240502.db"

struct t_seen {
    int n;
    int64_t pos[16], seq[16];
    enum ev_type type[16];
    char line[16][512];
};

static int t_collect(void *arg, const struct sq_event *e)
{
    struct t_seen *w = arg;
    if (w->n < 16) {
        w->pos[w->n] = e->pos;
        w->type[w->n] = e->type;
        snprintf(w->line[w->n], sizeof w->line[0], "%.*s", (int)e->line_len, e->line);
        w->n++;
    }
    return 0;
}

Test(store, stores_a_batch_as_one_block_with_keys)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0, "%s", t_err);
    cr_assert_eq(r.inserted, 4);
    cr_assert_eq(r.duplicates, 0);
    cr_assert_eq(store_count(st), 4);
    cr_assert(strstr(store_day_path(st), DAY1) != NULL, "%s", store_day_path(st));
    /* the events come back as received, at positions 1.. */
    struct t_seen w = {0};
    cr_assert_eq(store_scan(t_dir, NULL, t_collect, &w, t_err, sizeof t_err), 0, "%s", t_err);
    cr_assert_eq(w.n, 4);
    cr_assert_eq(w.pos[0], 1);
    cr_assert_eq(w.pos[3], 4);
    cr_assert_eq(w.type[0], EV_ICS);
    cr_assert_eq(w.type[1], EV_HEALTH);
    cr_assert(strncmp(w.line[0], "{\"v\":1,\"type\":\"ics\",\"id\":\"e1\"", 29) == 0, "%s",
              w.line[0]);
    cr_assert(w.line[0][strlen(w.line[0]) - 1] == '}', "the newline is not stored");
    /* one chain row for the batch, its block compressed */
    cr_assert_eq(t_int(DAY1, "SELECT count(*) FROM batches"), 1);
    cr_assert_eq(t_int(DAY1, "SELECT id * 1000000 + first_seq * 10000 + last_seq * 100 + count "
                             "FROM batches"), 1010404);
    cr_assert_eq(t_int(DAY1, "SELECT first_pos * 100 + events_end FROM batches"), 104);
    cr_assert_eq(t_int(DAY1, "SELECT received FROM batches"), T_DAY1);
    cr_assert_eq(t_int(DAY1, "SELECT ts_min FROM batches"), 1714550400123456ll);
    cr_assert_eq(t_int(DAY1, "SELECT ts_max FROM batches"), 1714550401000000ll);
    cr_assert_eq(t_int(DAY1, "SELECT topics FROM batches"),
                 (1 << TOPIC_EVENTS) | (1 << TOPIC_HEALTH));
    cr_assert_eq(t_int(DAY1, "SELECT length(prev_hash) + length(hash) FROM batches"), 64);
    cr_assert_eq(t_int(DAY1, "SELECT prev_hash = zeroblob(32) FROM batches"), 1);
    cr_assert_eq(t_int(DAY1, "SELECT hex(substr(body, 1, 4)) = '28B52FFD' FROM batches"), 1,
                 "a zstd frame");
    /* the index keys: addresses, protocol, types, op, status; once per batch */
    static const char *const keys[] = {"a10.0.0.1", "a10.0.0.2", "pmodbus", "tics", "thealth",
                                       "oread", "sok"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM keys WHERE k = '%s' AND batch = 1",
                 keys[i]);
        cr_assert_eq(t_int(DAY1, sql), 1, "key %s", keys[i]);
    }
    cr_assert_eq(t_int(DAY1, "SELECT count(*) FROM keys"), 7);
    cr_assert_eq(store_head_id(st), 1);
    cr_assert_eq(store_last_pos(st), 4);
}

Test(store, duplicate_sensor_seq_is_ignored)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0);
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0, "a resent batch is not an error");
    cr_assert_eq(r.inserted, 0);
    cr_assert_eq(r.duplicates, 4);
    cr_assert_eq(store_head_id(st), 1, "a batch of duplicates adds nothing to the chain");
    cr_assert_eq(t_put(st, "s1", 3, 4, &r), 0, "overlapping batch");
    cr_assert_eq(r.inserted, 2);
    cr_assert_eq(r.duplicates, 2);
    cr_assert_eq(t_put(st, "s2", 1, 4, &r), 0, "same seq, other sensor");
    cr_assert_eq(r.inserted, 4);
    cr_assert_eq(store_count(st), 10);
    /* the batch row of the overlapping batch names only what it stored */
    cr_assert_eq(t_int(DAY1, "SELECT first_seq * 100 + last_seq * 10 + count FROM batches "
                             "WHERE id = 2"),
                 5 * 100 + 6 * 10 + 2);
    const struct sensor_state *s1 = store_sensor(st, "s1");
    cr_assert_not_null(s1);
    cr_assert_eq(s1->duplicates, 6);
    cr_assert_eq(s1->events, 6);
}

Test(store, dedupe_holds_across_day_files)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0);
    t_now += T_DAY_US; /* the resend arrives the next day */
    cr_assert_eq(t_put(st, "s1", 1, 6, &r), 0, "%s", t_err);
    cr_assert_eq(r.inserted, 2);
    cr_assert_eq(r.duplicates, 4);
    cr_assert(strstr(store_day_path(st), DAY2) != NULL, "%s", store_day_path(st));
    cr_assert_eq(t_int(DAY1, T_EVENTS), 4);
    cr_assert_eq(t_int(DAY2, T_EVENTS), 2);
    cr_assert_eq(t_int(DAY2, "SELECT min(first_seq) FROM batches"), 5);
    /* positions and batch ids go on from the previous day */
    cr_assert_eq(t_int(DAY2, "SELECT min(first_pos) FROM batches"), 5);
    cr_assert_eq(t_int(DAY2, "SELECT id FROM batches"), 2);
    /* ... also after a restart */
    store_close(st);
    st = t_open(1000);
    cr_assert_eq(t_put(st, "s1", 1, 8, &r), 0);
    cr_assert_eq(r.inserted, 2);
    cr_assert_eq(r.duplicates, 6);
    cr_assert_eq(store_count(st), 8);
}

Test(store, a_clock_set_back_keeps_the_newest_day)
{
    struct store_put_result r;
    t_now += T_DAY_US;
    cr_assert_eq(t_put(st, "s1", 1, 2, &r), 0);
    t_now -= T_DAY_US;
    cr_assert_eq(t_put(st, "s1", 3, 2, &r), 0);
    cr_assert_eq(t_int(DAY2, T_EVENTS), 4);
    store_close(st);
    st = t_open(1000);
    cr_assert_eq(t_put(st, "s1", 5, 2, &r), 0);
    cr_assert_eq(t_int(DAY2, T_EVENTS), 6, "also after a restart");
    char p[128];
    snprintf(p, sizeof p, "%s/" DAY1, t_dir);
    cr_assert_neq(access(p, F_OK), 0, "no older day file was created");
}

Test(store, gaps_open_fill_and_persist)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0);
    cr_assert_eq(t_put(st, "s1", 10, 3, &r), 0); /* 5..9 missing */
    const struct sensor_state *s = store_sensor(st, "s1");
    cr_assert_eq(s->last_seq, 12);
    cr_assert_eq(s->gaps_total, 1);
    cr_assert_eq(s->gap_events, 5);
    cr_assert_eq(s->open_gap_events, 5);
    cr_assert_eq(s->ngaps, 1);
    cr_assert_eq(s->gaps[0].from, 5);
    cr_assert_eq(s->gaps[0].to, 9);
    /* meta.db shows it */
    cr_assert_eq(t_int("meta.db", "SELECT open_gap_events FROM sensor_state WHERE sensor='s1'"), 5);
    cr_assert_eq(t_int("meta.db", "SELECT from_seq * 100 + to_seq FROM sensor_gaps"), 509);
    /* 7 comes late: stored, the gap splits */
    cr_assert_eq(t_put(st, "s1", 7, 1, &r), 0);
    cr_assert_eq(r.inserted, 1);
    cr_assert_eq(s->ngaps, 2);
    cr_assert_eq(s->open_gap_events, 4);
    cr_assert_eq(s->filled, 1);
    cr_assert_eq(s->gaps_total, 1, "filling is not a new gap");
    /* survives a restart: 7 is a duplicate, 8 is new, 20 opens 13..19 */
    store_close(st);
    st = t_open(1000);
    s = store_sensor(st, "s1");
    cr_assert_not_null(s);
    cr_assert_eq(s->ngaps, 2);
    cr_assert_eq(t_put(st, "s1", 7, 2, &r), 0);
    cr_assert_eq(r.inserted, 1);
    cr_assert_eq(r.duplicates, 1);
    cr_assert_eq(t_put(st, "s1", 20, 1, &r), 0);
    cr_assert_eq(s->gaps_total, 2);
    cr_assert_eq(s->ngaps, 3);
    cr_assert_eq(s->open_gap_events, 3 + 7);
    /* the rest of the holes arrive in one batch: everything new is stored once */
    cr_assert_eq(t_put(st, "s1", 1, 20, &r), 0);
    cr_assert_eq(r.inserted, 10);
    cr_assert_eq(r.duplicates, 10);
    cr_assert_eq(s->ngaps, 0);
    cr_assert_eq(s->open_gap_events, 0);
    cr_assert_eq(store_count(st), 20);
    cr_assert_eq(t_int("meta.db", "SELECT count(*) FROM sensor_gaps"), 0);
    cr_assert_eq(t_int("meta.db", "SELECT gaps * 1000 + gap_events FROM sensor_state"), 2012);
}

/* Defect 1: a sensor restarted without its state (seq back at 1) under a new run is stored
 * whole, counted as a new run; the old run's resends are still duplicates. */
Test(store, a_new_run_is_stored_whole)
{
    struct store_put_result r;
    cr_assert_eq(t_put_run(st, "s1", 0xaaaa, 1, 36, &r), 0);
    cr_assert_eq(t_put_run(st, "s1", 0xaaaa, 1, 36, &r), 0, "a resend of the first run");
    cr_assert_eq(r.duplicates, 36);
    t_idp = "second-run-";
    cr_assert_eq(t_put_run(st, "s1", 0xbbbb, 1, 36, &r), 0);
    cr_assert_eq(r.inserted, 36, "the new run's seqs 1..36 are new events");
    cr_assert_eq(r.duplicates, 0);
    cr_assert_eq(store_count(st), 72);
    cr_assert_eq(store_sensor_run(st, "s1", 0xbbbb)->ngaps, 0, "no gap opened by the restart");
    cr_assert_eq(store_sensor_run(st, "s1", 0xaaaa)->last_seq, 36);
    cr_assert_eq(t_put_run(st, "s1", 0xbbbb, 30, 10, &r), 0);
    cr_assert_eq(r.inserted, 3, "dedupe within the new run: 37..39 are new");
    /* kept across a restart, with the run in the batch rows and meta.db */
    store_close(st);
    st = t_open(1000);
    cr_assert_eq(t_put_run(st, "s1", 0xaaaa, 1, 36, &r), 0);
    cr_assert_eq(r.duplicates, 36);
    cr_assert_eq(t_int("meta.db", "SELECT count(*) FROM sensor_state WHERE sensor = 's1'"), 2);
    cr_assert_eq(t_int(DAY1, "SELECT count(DISTINCT run) FROM batches"), 2);
    cr_assert_eq(store_count(st), 75);
}

Test(store, a_new_sensor_starting_late_has_a_gap)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "late", 5, 2, &r), 0);
    const struct sensor_state *s = store_sensor(st, "late");
    cr_assert_eq(s->gaps_total, 1);
    cr_assert_eq(s->gaps[0].from, 1);
    cr_assert_eq(s->gaps[0].to, 4);
}

Test(store, meta_lagging_behind_the_day_files_is_caught_up)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0);
    store_close(st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s/meta.db %s/meta.old", t_dir, t_dir);
    cr_assert_eq(system(cmd), 0);
    st = t_open(1000);
    cr_assert_eq(t_put(st, "s1", 5, 4, &r), 0);
    cr_assert_eq(t_put(st, "s1", 20, 1, &r), 0); /* a gap 9..19 */
    store_close(st);
    /* a crash between the day file's commit and meta.db's: meta.db is two batches behind */
    snprintf(cmd, sizeof cmd, "cp %s/meta.old %s/meta.db", t_dir, t_dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(t_int("meta.db", "SELECT head_id FROM chain"), 1);
    st = t_open(1000);
    cr_assert_eq(store_head_id(st), 3);
    cr_assert_eq(store_last_pos(st), 9);
    cr_assert_eq(t_put(st, "s1", 5, 4, &r), 0);
    cr_assert_eq(r.duplicates, 4, "the caught-up state knows 5..8");
    const struct sensor_state *s = store_sensor(st, "s1");
    cr_assert_eq(s->last_seq, 20);
    cr_assert_eq(s->ngaps, 1, "and the gap 9..19");
    cr_assert_eq(t_int("meta.db", "SELECT head_id FROM chain"), 3, "meta.db is written back");
    cr_assert_eq(t_put(st, "s1", 21, 1, &r), 0);
    cr_assert_eq(store_head_id(st), 4);
}

Test(store, meta_lost_is_rebuilt_from_the_day_files)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 4, &r), 0);
    t_now += T_DAY_US;
    cr_assert_eq(t_put(st, "s1", 5, 4, &r), 0);
    store_close(st);
    char p[128];
    snprintf(p, sizeof p, "%s/meta.db", t_dir);
    cr_assert_eq(unlink(p), 0);
    st = t_open(1000);
    cr_assert_eq(store_head_id(st), 2);
    cr_assert_eq(t_put(st, "s1", 1, 8, &r), 0);
    cr_assert_eq(r.duplicates, 8);
}

Test(store, positions_are_never_reused)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 6, &r), 0);
    t_now += T_DAY_US;
    cr_assert_eq(t_put(st, "s1", 7, 2, &r), 0);
    store_close(st);
    /* every day file gone (retention, or an operator): meta.db still knows where pos was */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -f %s/events-*.db*", t_dir);
    cr_assert_eq(system(cmd), 0);
    t_now += T_DAY_US;
    st = t_open(1000);
    cr_assert_eq(t_put(st, "s1", 9, 2, &r), 0);
    cr_assert_eq(r.inserted, 2);
    cr_assert_eq(t_int("events-20240503.db", "SELECT min(first_pos) FROM batches"), 9);
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
    static struct batch b;
    cr_assert_eq(t_put(st, "s1", 100, 2, &r), 0);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct wire_batch_hdr h = t_hdr("s1", 1, c->count);
        t_err[0] = '\0';
        cr_assert_eq(batch_parse(&b, &h, c->body, strlen(c->body), 1000, t_err, sizeof t_err),
                     -1, "case '%s' was accepted", c->what);
        cr_assert_eq(b.n, 0, "case '%s' left events behind", c->what);
        cr_assert_neq(t_err[0], '\0', "case '%s' gave no reason", c->what);
    }
    struct wire_batch_hdr h = t_hdr("s1", 1, 1001);
    cr_assert_eq(batch_parse(&b, &h, GOOD_1, strlen(GOOD_1), 1000, t_err, sizeof t_err), -1);
    batch_free(&b);
    cr_assert_eq(store_count(st), 2);
}

/* receiver_handle with no socket: the ack status for whole wire messages */
Test(store, receiver_acks)
{
    struct receiver *rcv = NULL;
    static struct metrics m;
    metrics_init(&m, t_dir);
    struct receiver_opts ro = {.listen = NULL, .max_batch_events = 100, .metrics = &m};
    cr_assert_eq(receiver_open(&rcv, &ro, st, t_err, sizeof t_err), 0, "%s", t_err);

    static char body[8192];
    uint8_t wh[WIRE_HDR_MAX];
    uint64_t bseq = 0;
    struct wire_batch_hdr h = t_hdr("s1", 10, 3);
    h.batch_seq = 77;
    long hl = wire_hdr_encode(&h, wh, sizeof wh);
    size_t len = t_body(body, sizeof body, "s1", 10, 3);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED);
    cr_assert_eq(bseq, 77);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED,
                 "a duplicate is acked STORED");
    cr_assert_eq(store_count(st), 3);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, "{\"v\":\n", 6, &bseq), WIRE_ACK_REJECTED);
    cr_assert_eq(bseq, 77, "the reject names the batch");
    uint8_t junk[40] = "TZB9";
    cr_assert_eq(receiver_handle(rcv, junk, sizeof junk, body, len, &bseq), WIRE_ACK_REJECTED);
    cr_assert_eq(bseq, 0);
    struct wire_batch_hdr hb = t_hdr("s1", 10, 101);
    hl = wire_hdr_encode(&hb, wh, sizeof wh);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_REJECTED);
    struct wire_batch_hdr hc = t_hdr("s\001", 10, 3);
    hl = wire_hdr_encode(&hc, wh, sizeof wh);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_REJECTED);
    cr_assert_eq(atomic_load(&m.events_stored), 3, "the metrics follow");
    cr_assert_eq(atomic_load(&m.events_duplicate), 3);
    cr_assert_eq(atomic_load(&m.batches_rejected), 4);
    cr_assert_eq(atomic_load(&m.committed_pos), 0, "no metrics given to the store here");

    /* a writer holding the day file's lock: the batch cannot be stored now -> RETRY,
     * nothing written, and the sequence state is what it was */
    store_close(st);
    st = t_open(0);
    receiver_close(rcv);
    cr_assert_eq(receiver_open(&rcv, &ro, st, t_err, sizeof t_err), 0);
    sqlite3 *db = t_db(DAY1);
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct wire_batch_hdr hd = t_hdr("s1", 20, 3); /* would open the gap 13..19 */
    hl = wire_hdr_encode(&hd, wh, sizeof wh);
    len = t_body(body, sizeof body, "s1", 20, 3);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_RETRY);
    const struct sensor_state *s = store_sensor(st, "s1");
    cr_assert_eq(s->last_seq, 12, "the rolled-back batch left no trace in the state");
    cr_assert_eq(s->ngaps, 1, "only 1..9: sensor s1 started at seq 10");
    cr_assert_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_assert_eq(receiver_handle(rcv, wh, (size_t)hl, body, len, &bseq), WIRE_ACK_STORED);
    s = store_sensor(st, "s1");
    cr_assert_eq(s->last_seq, 22);
    cr_assert_eq(s->ngaps, 2);
    cr_assert_eq(store_count(st), 6);
    struct receiver_stats rs;
    receiver_get_stats(rcv, &rs);
    cr_assert_eq(rs.batches, 2);
    cr_assert_eq(rs.batches_stored, 1);
    cr_assert_eq(rs.batches_retry, 1);
    cr_assert_eq(rs.events_stored, 3);
    receiver_close(rcv);
    metrics_free(&m);
}

Test(store, indexes_wal_and_schema)
{
    struct store_put_result r;
    cr_assert_eq(t_put(st, "s1", 1, 2, &r), 0);
    /* few rows per event: one batch row, the keys, and these two indexes (per batch) */
    static const char *const want[] = {"batches_pos", "batches_ts"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='%s'", want[i]);
        cr_assert_eq(t_int(DAY1, sql), 1, "index %s missing", want[i]);
    }
    cr_assert_eq(t_int(DAY1, "SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                             "sql IS NOT NULL"), 2, "no other index");
    cr_assert_eq(t_int(DAY1, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_assert_eq(t_int("meta.db", "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    static const char *const files[] = {DAY1, "meta.db"};
    for (int f = 0; f < 2; f++) {
        sqlite3 *db = t_db(files[f]);
        sqlite3_stmt *q = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
        cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal", "%s", files[f]);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
}

Test(store, an_old_store_gets_a_clear_message)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/old", t_dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "sqlite3 %s/meta.db 'PRAGMA journal_mode=WAL; CREATE TABLE chain(one); "
             "PRAGMA user_version=2;' >/dev/null", sub);
    cr_assert_eq(system(cmd), 0);
    struct store *s2 = NULL;
    struct store_opts o = {.dir = sub, .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert(strstr(t_err, "store format 2") && strstr(t_err, "move the old store.dir aside"),
              "%s", t_err);
}

Test(store, one_collector_per_directory)
{
    struct store *s2 = NULL;
    struct store_opts o = {.dir = t_dir, .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert(strstr(t_err, "in use by another collector") != NULL, "%s", t_err);
}

Test(store, unwritable_dir_is_an_error)
{
    struct store *s2 = NULL;
    struct store_opts o = {.dir = "/dev/null/tanzhen", .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert_null(s2);
    cr_assert(strstr(t_err, "/dev/null/tanzhen") != NULL, "%s", t_err);
    char p[128];
    snprintf(p, sizeof p, "%s/sub", t_dir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("not a directory", f);
    fclose(f);
    o.dir = p;
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert(strstr(t_err, "not a directory") != NULL, "%s", t_err);
}

static void junk_file(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 100; i++)
        fputs("this is not an SQLite database. ", f);
    fclose(f);
}

Test(store, foreign_files_are_an_error)
{
    char sub[128];
    struct store *s2 = NULL;
    snprintf(sub, sizeof sub, "%s/junk", t_dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    junk_file(sub, "meta.db");
    struct store_opts o = {.dir = sub, .busy_timeout_ms = 0};
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert_null(s2);
    cr_assert(strstr(t_err, "meta.db") != NULL, "%s", t_err);
    snprintf(sub, sizeof sub, "%s/junk2", t_dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    junk_file(sub, "events-20240101.db");
    o.dir = sub;
    cr_assert_eq(store_open(&s2, &o, t_err, sizeof t_err), -1);
    cr_assert(strstr(t_err, "events-20240101.db") != NULL, "%s", t_err);
}
