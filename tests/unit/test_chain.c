/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_chain.c - the store's hash chain and `verify` (collector/chain.c, verify.c) and
 * retention (retention.c): a store of five batches over two day files verifies; then one
 * tampering at a time, made with plain SQL on the files as an intruder would, must be
 * named: the batch, its day file, the kind (changed, deleted, reordered, inserted) and the
 * record's seq. Retention deletes whole expired day files, moves the chain's anchor and
 * verify still holds; a day file deleted without retention is named as deleted.
 */
#include <unistd.h>

#include "chain.h"
#include "retention.h"
#include "tz_collector_test.h"
#include "verify.h"

#define DAY1 "events-20240501.db"
#define DAY2 "events-20240502.db"
#define DAY3 "events-20240503.db"

/* batches 1-3 on day 1 (s1 seq 1..10, 11..20, 21..30), 4-5 on day 2 (s1 31..40, s2 1..10) */
static void setup(void)
{
    t_mkdir();
    struct store *s = t_open(1000);
    struct store_put_result r;
    for (int b = 0; b < 3; b++)
        cr_assert_eq(t_put(s, "s1", 1 + (uint64_t)b * 10, 10, &r), 0, "%s", t_err);
    t_now += T_DAY_US;
    cr_assert_eq(t_put(s, "s1", 31, 10, &r), 0);
    cr_assert_eq(t_put(s, "s2", 1, 10, &r), 0);
    store_close(s);
}

static void teardown(void)
{
    t_rmdir();
}

TestSuite(chain, .init = setup, .fini = teardown);

static struct verify_result vr;

static int verify(void)
{
    int rc = verify_store(t_dir, &vr);
    cr_log_info("%s", vr.line);
    return rc;
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
    cr_assert_str_eq(vr.line, "verify: ok, 5 batches, 50 events");
    cr_assert_eq(vr.head_id, 5);
    cr_assert_eq(vr.first_id, 1);
    /* the head in meta.db is the last batch's hash */
    sqlite3 *db = t_db("meta.db");
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT head_hash FROM chain", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_eq(memcmp(sqlite3_column_blob(q, 0), vr.head_hash, CHAIN_HASH_LEN), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

Test(chain, the_hash_covers_every_field)
{
    uint8_t a[CHAIN_DIGEST_LEN], b[CHAIN_DIGEST_LEN];
    cr_assert_eq(chain_init(), 0);
    chain_row_digest("s1", 1, "{}", 2, a);
    chain_row_digest("s1", 2, "{}", 2, b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0, "seq");
    chain_row_digest("s2", 1, "{}", 2, b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0, "sensor");
    chain_row_digest("s1", 1, "{ }", 3, b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0, "json");
    /* moving bytes between fields changes the digest (length prefixes) */
    chain_row_digest("s", 1, "1{}", 3, a);
    chain_row_digest("s1", 1, "{}", 2, b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
    uint8_t prev[CHAIN_HASH_LEN] = {0}, h1[CHAIN_HASH_LEN], h2[CHAIN_HASH_LEN];
    uint8_t d[2 * CHAIN_DIGEST_LEN] = {1, 2, 3};
    chain_batch_hash(prev, 1, 2, d, h1);
    chain_batch_hash(prev, 2, 2, d, h2);
    cr_assert_neq(memcmp(h1, h2, sizeof h1), 0, "batch id");
    prev[31] = 1;
    chain_batch_hash(prev, 1, 2, d, h2);
    cr_assert_neq(memcmp(h1, h2, sizeof h1), 0, "previous hash");
    /* BLAKE2b-256 of the empty input (RFC 7693 parameters, libsodium), as a sanity check */
    char hex[CHAIN_HEX_LEN];
    uint8_t z[CHAIN_HASH_LEN];
    memset(z, 0xab, sizeof z);
    chain_hex(z, hex);
    cr_assert_eq(strlen(hex), 64);
    cr_assert_eq(strncmp(hex, "abab", 4), 0);
}

Test(chain, a_changed_record_is_named)
{
    t_exec(DAY1, "UPDATE events SET json = replace(json, '\"read\"', '\"write\"') WHERE seq = 13 "
                 "AND sensor = 's1'");
    expect_fail(2, "changed", "(sensor s1, seq 11..20 in " DAY1 "): record changed: seq 13");
}

Test(chain, a_changed_seq_column_is_named)
{
    t_exec(DAY2, "UPDATE events SET seq = 1000 WHERE seq = 35 AND sensor = 's1'");
    expect_fail(4, "changed", "in " DAY2 "): record changed: seq 1000");
}

Test(chain, a_deleted_record_is_named)
{
    t_exec(DAY1, "DELETE FROM events WHERE seq = 14 AND sensor = 's1'");
    expect_fail(2, "deleted", "record deleted: seq 14 is missing");
}

Test(chain, swapped_records_are_named)
{
    /* exchange the positions of seq 12 and 15 */
    t_exec(DAY1, "UPDATE events SET pos = -1 WHERE seq = 12;"
                 "UPDATE events SET pos = 12 WHERE seq = 15 AND sensor = 's1';"
                 "UPDATE events SET pos = 15 WHERE pos = -1");
    expect_fail(2, "reordered", "record reordered: seq 15 is out of place");
}

Test(chain, records_swapped_across_batches_are_named)
{
    t_exec(DAY1, "UPDATE events SET pos = -1 WHERE seq = 5;"
                 "UPDATE events SET pos = 5 WHERE seq = 25;"
                 "UPDATE events SET pos = 25 WHERE pos = -1");
    expect_fail(1, "reordered", "seq 25 of batch 3 was moved here");
}

Test(chain, an_inserted_record_is_named)
{
    /* as an intruder would: a plausible row claiming batch 2, at the next free position */
    t_exec(DAY1, "INSERT INTO events (batch, id, type, topic, ts, sensor, seq, received, json) "
                 "SELECT batch, 'forged', type, topic, ts, sensor, 999, received, "
                 "replace(json, '\"seq\":13', '\"seq\":999') FROM events WHERE seq = 13");
    expect_fail(2, "inserted", "seq 999");
}

Test(chain, a_record_inserted_inside_a_batch_is_named)
{
    /* make room by moving the last row of batch 3, then slip a row into batch 2's range */
    t_exec(DAY1, "UPDATE events SET pos = 1000 WHERE pos = 30;"
                 "UPDATE events SET pos = 30 WHERE pos = 1000");
    cr_assert_eq(verify(), 0, "moving a row there and back changes nothing: %s", vr.line);
    t_exec(DAY1, "DELETE FROM events WHERE seq = 16;"
                 "INSERT INTO events (pos, batch, id, type, topic, ts, sensor, seq, received, json)"
                 " SELECT 16, batch, 'x', type, topic, ts, sensor, 777, received, json "
                 "FROM events WHERE seq = 17");
    expect_fail(2, "changed", "seq 777");
}

Test(chain, a_deleted_batch_is_named)
{
    t_exec(DAY1, "DELETE FROM events WHERE batch = 2; DELETE FROM batches WHERE id = 2");
    expect_fail(2, "deleted", "batches 2..2 are gone");
}

Test(chain, an_altered_batch_hash_is_named)
{
    t_exec(DAY1, "UPDATE batches SET hash = zeroblob(32) WHERE id = 3");
    expect_fail(3, "changed", NULL);
}

Test(chain, rewritten_digests_still_break_the_chain)
{
    /* an intruder who edits a row and recomputes its digest in the batch row */
    t_exec(DAY1, "UPDATE events SET json = replace(json, '\"read\"', '\"write\"') WHERE seq = 3");
    sqlite3 *db = t_db(DAY1);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT json FROM events WHERE seq = 3 AND sensor='s1'",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    uint8_t d[CHAIN_DIGEST_LEN];
    chain_row_digest("s1", 3, (const char *)sqlite3_column_text(q, 0),
                     (size_t)sqlite3_column_bytes(q, 0), d);
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "UPDATE batches SET digests = substr(digests, 1, 32) || ?1 "
                                    "|| substr(digests, 49) WHERE id = 1",
                                    -1, &q, NULL),
                 SQLITE_OK);
    sqlite3_bind_blob(q, 1, d, sizeof d, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(db);
    expect_fail(1, "changed", "the batch record (digests or hash) was altered");
}

Test(chain, a_truncated_tail_is_named)
{
    t_exec(DAY2, "DELETE FROM events WHERE batch = 5; DELETE FROM batches WHERE id = 5");
    expect_fail(5, "deleted", "meta.db's chain head is batch 5");
}

Test(chain, a_day_file_deleted_by_hand_is_named)
{
    char p[256];
    snprintf(p, sizeof p, "%s/" DAY1, t_dir);
    cr_assert_eq(unlink(p), 0);
    expect_fail(1, "deleted", "batches 1..3 are gone");
}

Test(chain, retention_keeps_the_chain_verifiable)
{
    struct retention_result rr;
    /* day 1 ends 2024-05-02T00:00Z: not expired with 1 day of retention on 2024-05-02 */
    int64_t may2_noon = T_DAY1 + T_DAY_US + 4 * 3600000000LL;
    cr_assert_eq(retention_run(t_dir, 1, may2_noon, NULL, 1000, &rr, t_err, sizeof t_err), 0);
    cr_assert_eq(rr.files, 0);
    /* on 2024-05-03 day 1 is a whole day older than one day: deleted, day 2 is the newest */
    int64_t may3_noon = may2_noon + T_DAY_US;
    int64_t cursors[TOPIC_COUNT] = {10, 10, 10, 10};
    cr_assert_eq(retention_run(t_dir, 1, may3_noon, cursors, 1000, &rr, t_err, sizeof t_err), 0,
                 "%s", t_err);
    cr_assert_eq(rr.files, 1);
    cr_assert_eq(rr.events, 30);
    cr_assert_eq(rr.unforwarded[TOPIC_EVENTS] + rr.unforwarded[TOPIC_HEALTH], 20,
                 "positions 11..30 were after the cursors");
    char p[256];
    snprintf(p, sizeof p, "%s/" DAY1, t_dir);
    cr_assert_neq(access(p, F_OK), 0, "the expired day file is gone");
    cr_assert_eq(t_int("meta.db", "SELECT anchor_id FROM chain"), 4);
    cr_assert_eq(t_int("meta.db", "SELECT expired_files * 100 + expired_events FROM chain"), 130);
    cr_assert_eq(verify(), 0, "%s", vr.line);
    cr_assert_str_eq(vr.line, "verify: ok, 2 batches, 20 events");
    cr_assert_eq(vr.first_id, 4);
    /* the newest file is never deleted, even when expired */
    cr_assert_eq(retention_run(t_dir, 1, may3_noon + 30 * T_DAY_US, NULL, 1000, &rr, t_err,
                               sizeof t_err),
                 0);
    cr_assert_eq(rr.files, 0);
    /* the kept chain is still checked: its first batch deleted */
    t_exec(DAY2, "DELETE FROM events WHERE batch = 4; DELETE FROM batches WHERE id = 4");
    expect_fail(4, "deleted", NULL);
}

Test(chain, the_store_goes_on_after_retention)
{
    struct retention_result rr;
    cr_assert_eq(retention_run(t_dir, 1, T_DAY1 + 3 * T_DAY_US, NULL, 1000, &rr, t_err,
                               sizeof t_err),
                 0);
    cr_assert_eq(rr.files, 1);
    t_now = T_DAY1 + 3 * T_DAY_US;
    struct store *s = t_open(1000);
    struct store_put_result r;
    cr_assert_eq(t_put(s, "s1", 1, 50, &r), 0);
    cr_assert_eq(r.inserted, 10, "seq 1..30 were stored before (deleted since), 31..40 kept");
    store_close(s);
    cr_assert_eq(verify(), 0, "%s", vr.line);
    cr_assert_str_eq(vr.line, "verify: ok, 3 batches, 30 events");
}

Test(chain, an_expired_file_not_yet_deleted_is_skipped)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "cp %s/" DAY1 " %s/day1.copy", t_dir, t_dir);
    cr_assert_eq(system(cmd), 0);
    struct retention_result rr;
    cr_assert_eq(retention_run(t_dir, 1, T_DAY1 + 3 * T_DAY_US, NULL, 1000, &rr, t_err,
                               sizeof t_err),
                 0);
    /* a crash between the anchor's commit and the unlink leaves the file behind */
    snprintf(cmd, sizeof cmd, "cp %s/day1.copy %s/" DAY1, t_dir, t_dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(verify(), 0, "%s", vr.line);
    cr_assert_eq(vr.expired_files, 1);
    cr_assert_eq(retention_run(t_dir, 1, T_DAY1 + 3 * T_DAY_US, NULL, 1000, &rr, t_err,
                               sizeof t_err),
                 0);
    cr_assert_eq(rr.files, 1, "the next run deletes it");
}

Test(chain, tampering_is_found_while_a_day_file_is_open_for_writing)
{
    /* the clock is still on day 2: the store appends to DAY2 */
    struct store *s = t_open(1000);
    struct store_put_result r;
    cr_assert_eq(t_put(s, "s2", 11, 5, &r), 0);
    cr_assert_eq(verify(), 0, "%s", vr.line);
    cr_assert_str_eq(vr.line, "verify: ok, 6 batches, 55 events");
    t_exec(DAY2, "UPDATE events SET json = json || ' ' WHERE seq = 12 AND sensor = 's2'");
    expect_fail(6, "changed", "(sensor s2, seq 11..15 in " DAY2 "): record changed: seq 12");
    store_close(s);
}
