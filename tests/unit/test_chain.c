/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_chain.c - the store's hash chain, `verify` and its anchors (collector/chain.c,
 * verify.c, verify_block.c, anchor.c) and retention as a chain entry (retention.c): a store
 * of five batches over two day files verifies; then one edit at a time, made with plain SQL
 * on the files as an intruder would, must fail with the batch, the kind and the column
 * named: every column of the batch rows, the index rows, and each event field inside the
 * compressed block (edited and recompressed). Cut tails are caught against meta.db, the
 * signed checkpoint and a given head, with and without meta.db. A removed day recorded by
 * retention verifies; a day file deleted without it does not.
 */
#include <sodium.h>
#include <unistd.h>

#include "anchor.h"
#include "chain.h"
#include "evblock.h"
#include "retention.h"
#include "store_int.h"
#include "tz_collector_test.h"
#include "verify.h"

#define DAY1 "events-20240501.db"
#define DAY2 "events-20240502.db"

static uint8_t curve_secret[32];

/* batches 1-3 on day 1 (s1 seq 1..10, 11..20, 21..30), 4-5 on day 2 (s1 31..40, s2 1..10) */
static void setup(void)
{
    t_mkdir();
    memset(curve_secret, 7, sizeof curve_secret);
    struct store *s = NULL;
    struct store_opts o = {.dir = t_dir, .busy_timeout_ms = 1000, .clock_us = t_clock,
                           .sign_secret = curve_secret};
    cr_assert_eq(store_open(&s, &o, t_err, sizeof t_err), 0, "%s", t_err);
    struct store_put_result r;
    for (int b = 0; b < 3; b++)
        cr_assert_eq(t_put(s, "s1", 1 + (uint64_t)b * 10, 10, &r), 0, "%s", t_err);
    t_now += T_DAY_US;
    cr_assert_eq(t_put(s, "s1", 31, 10, &r), 0);
    cr_assert_eq(t_put(s, "s2", 1, 10, &r), 0);
    store_close(s); /* writes the signed checkpoint of batch 5 */
}

static void teardown(void)
{
    t_rmdir();
}

TestSuite(chain, .init = setup, .fini = teardown);

static struct verify_result vr;

static int verify_with(const struct anchor *a, size_t n)
{
    uint8_t pk[32], sk[64];
    anchor_key_derive(curve_secret, pk, sk);
    struct verify_opts o = {.anchors = a, .nanchors = n, .key = pk};
    int rc = verify_store(t_dir, &o, &vr);
    cr_log_info("%s", vr.line);
    return rc;
}

static int verify(void)
{
    return verify_with(NULL, 0);
}

static void expect_fail(int64_t batch, const char *kind, const char *needle)
{
    cr_assert_eq(verify(), 1, "tampering not found: %s", vr.line);
    cr_assert_eq(vr.fail_batch, batch, "%s", vr.line);
    cr_assert_str_eq(vr.kind, kind, "%s", vr.line);
    char want[64];
    snprintf(want, sizeof want, "verify: FAILED at batch %lld ", (long long)batch);
    cr_assert(strncmp(vr.line, want, strlen(want)) == 0, "%s", vr.line);
    if (needle)
        cr_assert(strstr(vr.line, needle) != NULL, "'%s' not in: %s", needle, vr.line);
}

Test(chain, an_intact_store_verifies)
{
    cr_assert_eq(verify(), 0, "%s", vr.line);
    static const char ok[] = "verify: ok, 5 batches, 50 events (head 5:50:";
    cr_assert(strncmp(vr.line, ok, strlen(ok)) == 0, "%s", vr.line);
    cr_assert_eq(vr.head_id, 5);
    cr_assert_eq(vr.anchors_checked, 2, "meta.db and the checkpoint");
    cr_assert(strstr(vr.notes, "signature checked against the collector's key"), "%s", vr.notes);
}

/* Every column of a batch row: edited alone, named. */
Test(chain, each_batch_column_edit_is_named)
{
    static const struct {
        const char *set, *needle;
    } edits[] = {
        {"sensor = 's9'", "column sensor"},
        {"run = 5", "column run"},
        {"batch_seq = 99", "batch_seq"},
        {"first_seq = 12", "column first_seq"},
        {"last_seq = 19", "column last_seq"},
        {"count = 9", "column count"},
        {"first_pos = 12", "column first_pos"},
        {"events_end = 21", "column events_end"},
        {"received = received + 1", "received"},
        {"ts_min = ts_min - 1", "column ts_min"},
        {"ts_max = ts_max + 1", "column ts_max"},
        {"topics = 1", "column topics"},
        {"kind = 7", "column kind"},
        {"prev_hash = zeroblob(32)", "column prev_hash"},
        {"hash = zeroblob(32)", "hash"},
        {"body = substr(body, 1, length(body) - 3)", "column body"},
    };
    char backup[256];
    snprintf(backup, sizeof backup, "cp %s/" DAY1 " %s/day1.bak", t_dir, t_dir);
    cr_assert_eq(system(backup), 0);
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE batches SET %s WHERE id = 2", edits[i].set);
        t_exec(DAY1, sql);
        expect_fail(2, "changed", edits[i].needle);
        snprintf(backup, sizeof backup, "cp %s/day1.bak %s/" DAY1, t_dir, t_dir);
        cr_assert_eq(system(backup), 0);
        cr_assert_eq(verify(), 0, "restored: %s", vr.line);
    }
}

Test(chain, index_rows_edited_inserted_or_deleted_are_named)
{
    t_exec(DAY1, "UPDATE keys SET k = 'a10.6.6.6' WHERE k = 'a10.0.0.1' AND batch = 2");
    expect_fail(2, "changed", "keys");
    t_exec(DAY1, "UPDATE keys SET k = 'a10.0.0.1' WHERE k = 'a10.6.6.6' AND batch = 2");
    cr_assert_eq(verify(), 0, "%s", vr.line);
    t_exec(DAY1, "DELETE FROM keys WHERE k = 'pmodbus' AND batch = 2");
    expect_fail(2, "changed", "'pmodbus' is missing");
    t_exec(DAY1, "INSERT INTO keys VALUES ('pmodbus', 2), ('pdnp3', 2)");
    expect_fail(2, "changed", "'pdnp3' is not derived");
    t_exec(DAY1, "DELETE FROM keys WHERE k = 'pdnp3'");
    t_exec(DAY1, "INSERT INTO keys VALUES ('pmodbus', 77)");
    expect_fail(77, "inserted", "keys rows of batch 77");
}

/* Rewrites batch 2's block with one replacement in its records (and recompresses it). */
static void edit_block(const char *from, const char *to, int fix_keys)
{
    sqlite3 *db = t_db(DAY1);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT body FROM batches WHERE id = 2", -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    struct evb_buf raw = {0}, z = {0}, out = {0};
    cr_assert_geq(evb_decompress(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0),
                                 &raw), 0);
    sqlite3_finalize(q);
    /* byte-level replacement, same length or not (record lengths are fixed up) */
    size_t off = 0;
    struct evb_rec r;
    int done = 0;
    while (evb_next(raw.p, raw.len, &off, &r) == 1) {
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)r.line_len, r.line);
        char *hit = done ? NULL : strstr(line, from);
        char edited[2048];
        if (hit) {
            snprintf(edited, sizeof edited, "%.*s%s%s", (int)(hit - line), line, to,
                     hit + strlen(from));
            done = 1;
        } else {
            snprintf(edited, sizeof edited, "%s", line);
        }
        char cid[300];
        snprintf(cid, sizeof cid, "%.*s", (int)r.cid_len, r.cid);
        struct evb_fields f = {.type = r.type, .seq = r.seq, .ts_us = r.ts_us,
                               .community_id = cid};
        cr_assert_eq(evb_append(&out, &f, edited, strlen(edited)), 0);
    }
    cr_assert(done, "'%s' not found in the block", from);
    cr_assert_eq(evb_compress(&out, 3, &z), 0);
    cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE batches SET body = ?1 WHERE id = 2", -1, &q, NULL),
                 SQLITE_OK);
    sqlite3_bind_blob(q, 1, z.p, (int)z.len, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    if (fix_keys) /* a careful intruder also keeps the index in line */
        sqlite3_exec(db, "UPDATE keys SET k = 'a10.0.0.9' WHERE k = 'a10.0.0.1' AND batch = 2; "
                         "INSERT OR IGNORE INTO keys VALUES ('a10.0.0.1', 2)", NULL, NULL, NULL);
    sqlite3_close(db);
    evb_buf_free(&raw);
    evb_buf_free(&z);
    evb_buf_free(&out);
}

/* The event fields analysts query (issue 10, defect 3): each lives in the chained block. */
Test(chain, each_event_field_edit_is_caught)
{
    static const struct {
        const char *from, *to, *needle;
    } edits[] = {
        {"\"ip\":\"10.0.0.1\"", "\"ip\":\"10.0.0.9\"", "column body"},    /* src_ip */
        {"\"ip\":\"10.0.0.2\"", "\"ip\":\"10.0.0.8\"", "column body"},    /* dst_ip */
        {"\"port\":502", "\"port\":503", "body"},                         /* dst_port */
        {"\"type\":\"ics\"", "\"type\":\"flow\"", "the type of the event"},
        {"08:00:00.123456Z", "09:00:00.123456Z", "the ts of the event"},
        {"\"id\":\"e11\"", "\"id\":\"x11\"", "body"},
        {"\"proto\":\"modbus\"", "\"proto\":\"dnp3\"", "column body"},
        {"\"community_id\":\"1:abc=\"", "\"community_id\":\"1:abd=\"",
         "the community_id of the event"},
        {"\"seq\":11", "\"seq\":111", "the seq of the event"},
        {"\"op\":\"read\"", "\"op\":\"write\"", "column body"},
        {"\"status\":\"ok\"", "\"status\":\"exception\"", "column body"},
    };
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s/" DAY1 " %s/day1.bak", t_dir, t_dir);
    cr_assert_eq(system(cmd), 0);
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        edit_block(edits[i].from, edits[i].to, 0);
        cr_log_info("edit %zu: %s -> %s", i, edits[i].from, edits[i].to);
        expect_fail(2, "changed", edits[i].needle);
        snprintf(cmd, sizeof cmd, "cp %s/day1.bak %s/" DAY1, t_dir, t_dir);
        cr_assert_eq(system(cmd), 0);
    }
    /* with the index kept in line, the hash still catches the block */
    edit_block("\"ip\":\"10.0.0.1\"", "\"ip\":\"10.0.0.9\"", 1);
    expect_fail(2, "changed", "body or hash");
}

Test(chain, a_deleted_batch_is_named)
{
    t_exec(DAY1, "DELETE FROM batches WHERE id = 2; DELETE FROM keys WHERE batch = 2");
    expect_fail(2, "deleted", "batches 2..2 are gone");
}

/* Defect 4: a cut tail, with and without meta.db, against every anchor. */
Test(chain, a_cut_tail_is_caught_by_meta_and_checkpoint)
{
    t_exec(DAY2, "DELETE FROM batches WHERE id >= 4; DELETE FROM keys WHERE batch >= 4");
    expect_fail(4, "deleted", "batches 4..5 are gone");
    char p[200];
    snprintf(p, sizeof p, "%s/meta.db", t_dir);
    cr_assert_eq(unlink(p), 0);
    expect_fail(4, "deleted", "the checkpoint of");
    cr_assert(strstr(vr.line, "holds batch 5 (50 events)"), "%s", vr.line);
}

Test(chain, a_cut_day_file_is_caught_without_meta)
{
    char p[200];
    snprintf(p, sizeof p, "rm -f %s/" DAY2 "* %s/meta.db", t_dir, t_dir);
    cr_assert_eq(system(p), 0);
    expect_fail(4, "deleted", "batches 4..5 are gone");
}

Test(chain, a_given_head_catches_what_the_store_lost_with_its_anchors)
{
    cr_assert_eq(verify(), 0);
    char head[200], hex[CHAIN_HEX_LEN];
    chain_hex(vr.head_hash, hex);
    snprintf(head, sizeof head, "5:50:%s", hex);
    char p[300];
    snprintf(p, sizeof p, "rm -f %s/meta.db %s/checkpoint", t_dir, t_dir);
    cr_assert_eq(system(p), 0);
    t_exec(DAY2, "DELETE FROM batches WHERE id = 5; DELETE FROM keys WHERE batch = 5");
    cr_assert_eq(verify(), 0, "nothing left in the store to tell: %s", vr.line);
    struct anchor a;
    cr_assert_eq(anchor_parse_head(head, &a, t_err, sizeof t_err), 0, "%s", t_err);
    cr_assert_eq(verify_with(&a, 1), 1, "%s", vr.line);
    cr_assert(strstr(vr.line, "batches 5..5 are gone"), "%s", vr.line);
    /* a head of another chain */
    head[6] = head[6] == 'a' ? 'b' : 'a';
    cr_assert_eq(anchor_parse_head("4:40:00", &a, t_err, sizeof t_err), -1);
}

Test(chain, an_edited_or_foreign_checkpoint_fails)
{
    char p[200];
    snprintf(p, sizeof p, "sed -i 's/batch=5 /batch=3 /' %s/checkpoint", t_dir);
    cr_assert_eq(system(p), 0);
    cr_assert_eq(verify(), 1, "%s", vr.line);
    cr_assert(strstr(vr.line, "signature does not verify"), "%s", vr.line);
    /* a checkpoint re-signed with another key */
    uint8_t pk[32], sk[64], other[32];
    memset(other, 9, sizeof other);
    anchor_key_derive(other, pk, sk);
    uint8_t h[CHAIN_HASH_LEN] = {0};
    cr_assert_eq(anchor_write(t_dir, 3, 30, h, pk, sk, t_err, sizeof t_err), 0);
    cr_assert_eq(verify(), 1, "%s", vr.line);
    cr_assert(strstr(vr.line, "signed with another key"), "%s", vr.line);
}

Test(chain, retention_is_a_chain_entry)
{
    struct store *s = NULL;
    t_now += 200 * T_DAY_US;
    struct store_opts o = {.dir = t_dir, .busy_timeout_ms = 1000, .clock_us = t_clock,
                           .sign_secret = curve_secret};
    cr_assert_eq(store_open(&s, &o, t_err, sizeof t_err), 0, "%s", t_err);
    struct retention_result rr;
    cr_assert_eq(store_retention(s, 180, t_now, NULL, &rr, t_err, sizeof t_err), 0, "%s", t_err);
    cr_assert_eq(rr.files, 2, "both old days (the newest file now is today's)");
    cr_assert_eq(rr.events, 50);
    cr_assert_eq(store_head_id(s), 7, "two retention entries");
    struct store_put_result r;
    cr_assert_eq(t_put(s, "s1", 41, 5, &r), 0);
    store_close(s);
    cr_assert_eq(verify(), 0, "%s", vr.line);
    cr_assert_eq(vr.removed_to, 5);
    cr_assert_eq(vr.batches, 3, "two retention entries and the new batch");
    cr_assert_eq(vr.events, 5);
    /* the retention entry cannot be edited away */
    char today[DAY_NAME_LEN + 1], file[64];
    day_of(t_now, today);
    snprintf(file, sizeof file, DAY_PREFIX "%s" DAY_SUFFIX, today);
    t_exec(file, "UPDATE batches SET last_seq = 2 WHERE id = 6");
    cr_assert_eq(verify(), 1, "%s", vr.line);
}

Test(chain, a_day_deleted_without_retention_is_named)
{
    char p[200];
    snprintf(p, sizeof p, "%s/" DAY1, t_dir);
    cr_assert_eq(unlink(p), 0);
    expect_fail(1, "deleted", "batches 1..3 are gone");
}
