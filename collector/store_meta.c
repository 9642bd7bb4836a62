/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_meta.c - meta.db and the sensor sequence state of the store (see store.h): the
 * chain head and next position, every sensor run's highest seq and open gaps, written after
 * each day-file commit; at open, the batches the day files hold beyond meta.db's head are
 * read back and applied, so meta.db may lag behind a crash (or be lost) without losing
 * dedupe or gap state. Also the SQLite helpers the store's two files share.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"

static const char chain_init_sql[] =
    "INSERT OR IGNORE INTO chain (one, head_id, head_hash, next_pos, anchor_id, anchor_hash, "
    "anchor_day, expired_files, expired_events, head_events) VALUES (1, 0, zeroblob(32), 1, 1, "
    "zeroblob(32), '', 0, 0, 0)";
static const char chain_sql[] =
    "UPDATE chain SET head_id = ?1, head_hash = ?2, next_pos = max(next_pos, ?3), "
    "head_events = ?4 WHERE one = 1";
static const char sensor_sql[] =
    "INSERT OR REPLACE INTO sensor_state (sensor, last_seq, events, duplicates, gaps, "
    "gap_events, open_gap_events, filled, gaps_given_up, last_batch_seq, first_seen, last_seen, "
    "run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

int store_exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

/* WAL, synchronous mode, schema version check and creation. */
int store_db_setup(sqlite3 *db, const char *path, const char *schema, int sync_full,
                    char *err, size_t errlen)
{
    char msg[512];
    sqlite3_stmt *st = NULL;
    const char *mode = "";
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        mode = (const char *)sqlite3_column_text(st, 0);
    int wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) {
        snprintf(err, errlen, "%s: cannot open as an SQLite database in WAL mode: %s", path,
                 sqlite3_errmsg(db));
        return -1;
    }
    int64_t ver = 0;
    if (store_exec_sql(db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", msg,
                 sizeof msg) != 0 ||
        db_int(db, "PRAGMA user_version", -1, &ver) != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -1;
    }
    if (ver == STORE_SCHEMA_VERSION)
        return 0;
    if (ver != 0) {
        if (ver < STORE_SCHEMA_VERSION)
            snprintf(err, errlen,
                     "%s: store format %lld, from an earlier tanzhen-collector; this one writes "
                     "format %d (compressed blocks, runs, a chain over every column) and does "
                     "not convert: move the old store.dir aside (keep it as long as the law asks, "
                     "its collector's `verify` still checks it) and start with an empty one",
                     path, (long long)ver, STORE_SCHEMA_VERSION);
        else
            snprintf(err, errlen, "%s: store format %lld is newer than this collector's (%d)",
                     path, (long long)ver, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (store_exec_sql(db, "BEGIN IMMEDIATE", msg, sizeof msg) != 0 ||
        store_exec_sql(db, schema, msg, sizeof msg) != 0 ||
        store_exec_sql(db, "PRAGMA user_version=3", msg, sizeof msg) != 0 ||
        store_exec_sql(db, "COMMIT", msg, sizeof msg) != 0) {
        char ignore[64];
        store_exec_sql(db, "ROLLBACK", ignore, sizeof ignore);
        snprintf(err, errlen, "%s: cannot create the schema: %s", path, msg);
        return -1;
    }
    return 0;
}

sqlite3 *store_db_open_rw(const char *path, int busy_ms, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, busy_ms);
    sqlite3_extended_result_codes(db, 1);
    return db;
}

int store_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
               ? 0
               : -1;
}

int store_open_meta(struct store *s, char *err, size_t errlen)
{
    char path[PATH_CAP];
    if (meta_path(s->dir, path, sizeof path) != 0) {
        snprintf(err, errlen, "store.dir %s: path too long", s->dir);
        return -1;
    }
    s->meta = store_db_open_rw(path, s->busy_ms, err, errlen);
    if (!s->meta)
        return -1;
    /* meta.db can be rebuilt from the day files, so NORMAL is enough (retention makes
     * its own anchor update durable before it deletes anything) */
    if (store_db_setup(s->meta, path, meta_schema_sql, 0, err, errlen) != 0)
        return -1;
    char msg[512];
    if (store_exec_sql(s->meta, chain_init_sql, msg, sizeof msg) != 0 ||
        store_prep(s->meta, "BEGIN IMMEDIATE", &s->m_begin) != 0 ||
        store_prep(s->meta, "COMMIT", &s->m_commit) != 0 ||
        store_prep(s->meta, "ROLLBACK", &s->m_rollback) != 0 || store_prep(s->meta, chain_sql, &s->m_chain) != 0 ||
        store_prep(s->meta, sensor_sql, &s->m_sensor) != 0 ||
        store_prep(s->meta, "DELETE FROM sensor_gaps WHERE sensor = ?1 AND run = ?2",
                   &s->m_gaps_del) != 0 ||
        store_prep(s->meta,
                   "INSERT INTO sensor_gaps (sensor, run, from_seq, to_seq) VALUES (?1, ?2, ?3, ?4)",
                   &s->m_gap) != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->meta));
        return -1;
    }
    return 0;
}

/* Chain head, next position and every sensor's state as meta.db has them. */
static int load_meta(struct store *s, char *err, size_t errlen)
{
    seqstate_free(&s->seq);
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->meta, "SELECT head_id, head_hash, next_pos, head_events FROM chain",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CHAIN_HASH_LEN) {
        s->head_id = sqlite3_column_int64(st, 0);
        memcpy(s->head_hash, sqlite3_column_blob(st, 1), CHAIN_HASH_LEN);
        s->next_pos = sqlite3_column_int64(st, 2);
        s->head_events = sqlite3_column_int64(st, 3);
        ok = 1;
    }
    sqlite3_finalize(st);
    if (!ok) {
        snprintf(err, errlen, "%s/" META_FILE ": the chain row is missing or damaged", s->dir);
        return -1;
    }
    if (sqlite3_prepare_v2(s->meta,
                           "SELECT sensor, last_seq, events, duplicates, gaps, gap_events, "
                           "filled, gaps_given_up, last_batch_seq, first_seen, last_seen, "
                           "run FROM sensor_state",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        uint64_t run = (uint64_t)sqlite3_column_int64(st, 11);
        struct sensor_state *ss = id ? seqstate_get(&s->seq, id, run, 1) : NULL;
        if (!ss)
            continue;
        ss->last_seq = (uint64_t)sqlite3_column_int64(st, 1);
        ss->events = (uint64_t)sqlite3_column_int64(st, 2);
        ss->seen = ss->events > 0 || ss->last_seq > 0;
        ss->duplicates = (uint64_t)sqlite3_column_int64(st, 3);
        ss->gaps_total = (uint64_t)sqlite3_column_int64(st, 4);
        ss->gap_events = (uint64_t)sqlite3_column_int64(st, 5);
        ss->filled = (uint64_t)sqlite3_column_int64(st, 6);
        ss->gaps_given_up = (uint64_t)sqlite3_column_int64(st, 7);
        ss->last_batch_seq = (uint64_t)sqlite3_column_int64(st, 8);
        ss->first_seen_us = sqlite3_column_int64(st, 9);
        ss->last_seen_us = sqlite3_column_int64(st, 10);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->meta,
                           "SELECT sensor, from_seq, to_seq, run FROM sensor_gaps "
                           "ORDER BY sensor, run, from_seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        uint64_t run = (uint64_t)sqlite3_column_int64(st, 3);
        struct sensor_state *ss = id ? seqstate_get(&s->seq, id, run, 0) : NULL;
        if (ss)
            seqstate_add_gap(ss, (uint64_t)sqlite3_column_int64(st, 1),
                             (uint64_t)sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    return 0;
db_fail:
    snprintf(err, errlen, "%s/" META_FILE ": %s", s->dir, sqlite3_errmsg(s->meta));
    return -1;
}

void store_note_gap(struct store *s, const char *sensor, const struct seq_gap *g)
{
    if (s->ngaps < GAP_LOG_MAX) {
        struct pending_gap *p = &s->gaps[s->ngaps++];
        memcpy(p->sensor, sensor, strlen(sensor) + 1);
        p->gap = *g;
    } else {
        s->gaps_unlogged++;
    }
}

void store_log_gaps(struct store *s, const char *when)
{
    for (size_t i = 0; i < s->ngaps; i++)
        log_warn("sequence gap from sensor %s: %llu..%llu (%llu event(s) missing%s)",
                 s->gaps[i].sensor, (unsigned long long)s->gaps[i].gap.from,
                 (unsigned long long)s->gaps[i].gap.to,
                 (unsigned long long)(s->gaps[i].gap.to - s->gaps[i].gap.from + 1), when);
    if (s->gaps_unlogged > 0)
        log_warn("%zu more sequence gap(s) in the same transaction; see sensor_state in "
                 "meta.db",
                 s->gaps_unlogged);
    s->ngaps = 0;
    s->gaps_unlogged = 0;
}

/* Writes the chain head and the changed sensors to meta.db. */
int store_save_meta(struct store *s, char *err, size_t errlen)
{
    if (store_step_once(s->m_begin) != SQLITE_DONE)
        goto fail;
    sqlite3_bind_int64(s->m_chain, 1, s->head_id);
    sqlite3_bind_blob(s->m_chain, 2, s->head_hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s->m_chain, 3, s->next_pos);
    sqlite3_bind_int64(s->m_chain, 4, s->head_events);
    if (store_step_once(s->m_chain) != SQLITE_DONE)
        goto fail_tx;
    for (size_t i = 0; i < s->seq.n; i++) {
        struct sensor_state *ss = s->seq.s[i];
        if (!ss->dirty)
            continue;
        sqlite3_stmt *q = s->m_sensor;
        sqlite3_bind_text(q, 1, ss->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (int64_t)ss->last_seq);
        sqlite3_bind_int64(q, 3, (int64_t)ss->events);
        sqlite3_bind_int64(q, 4, (int64_t)ss->duplicates);
        sqlite3_bind_int64(q, 5, (int64_t)ss->gaps_total);
        sqlite3_bind_int64(q, 6, (int64_t)ss->gap_events);
        sqlite3_bind_int64(q, 7, (int64_t)ss->open_gap_events);
        sqlite3_bind_int64(q, 8, (int64_t)ss->filled);
        sqlite3_bind_int64(q, 9, (int64_t)ss->gaps_given_up);
        sqlite3_bind_int64(q, 10, (int64_t)ss->last_batch_seq);
        sqlite3_bind_int64(q, 11, ss->first_seen_us);
        sqlite3_bind_int64(q, 12, ss->last_seen_us);
        sqlite3_bind_int64(q, 13, (int64_t)ss->run);
        if (store_step_once(q) != SQLITE_DONE)
            goto fail_tx;
        sqlite3_bind_text(s->m_gaps_del, 1, ss->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->m_gaps_del, 2, (int64_t)ss->run);
        if (store_step_once(s->m_gaps_del) != SQLITE_DONE)
            goto fail_tx;
        for (size_t g = 0; g < ss->ngaps; g++) {
            sqlite3_bind_text(s->m_gap, 1, ss->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s->m_gap, 2, (int64_t)ss->run);
            sqlite3_bind_int64(s->m_gap, 3, (int64_t)ss->gaps[g].from);
            sqlite3_bind_int64(s->m_gap, 4, (int64_t)ss->gaps[g].to);
            if (store_step_once(s->m_gap) != SQLITE_DONE)
                goto fail_tx;
        }
    }
    if (store_step_once(s->m_commit) != SQLITE_DONE)
        goto fail_tx;
    for (size_t i = 0; i < s->seq.n; i++) {
        if (s->seq.s[i]->dirty && s->m)
            store_sensor_metrics(s, s->seq.s[i]->id);
        s->seq.s[i]->dirty = 0;
    }
    s->chain_dirty = 0;
    return 0;
fail_tx:
    snprintf(err, errlen, "%s/" META_FILE ": %s", s->dir, sqlite3_errmsg(s->meta));
    store_step_once(s->m_rollback);
    return -1;
fail:
    snprintf(err, errlen, "%s/" META_FILE ": %s", s->dir, sqlite3_errmsg(s->meta));
    return -1;
}

/* Marks the seqs of one stored block in the run's state: a contiguous range without
 * opening the block, else each record's seq. */
static void apply_block(struct store *s, struct sensor_state *ss, const void *body, size_t blen,
                        int64_t first, int64_t last, int64_t count)
{
    struct seq_gap g;
    if (last - first + 1 == count) {
        for (int64_t q = first; q <= last; q++)
            if (seqstate_is_new(ss, (uint64_t)q) && seqstate_mark(ss, (uint64_t)q, &g) == 1)
                store_note_gap(s, ss->id, &g);
        return;
    }
    struct evb_buf raw = {0};
    if (evb_decompress(body, blen, &raw) < 0) {
        log_warn("store: a block of sensor %s cannot be read back (run tanzhen-collector "
                 "verify); its seqs %lld..%lld are taken as stored",
                 ss->id, (long long)first, (long long)last);
        for (int64_t q = first; q <= last; q++)
            if (seqstate_is_new(ss, (uint64_t)q) && seqstate_mark(ss, (uint64_t)q, &g) == 1)
                store_note_gap(s, ss->id, &g);
    }
    size_t off = 0;
    struct evb_rec r;
    while (evb_next(raw.p, raw.len, &off, &r) == 1)
        if (seqstate_is_new(ss, (uint64_t)r.seq) && seqstate_mark(ss, (uint64_t)r.seq, &g) == 1)
            store_note_gap(s, ss->id, &g);
    evb_buf_free(&raw);
}

void store_sensor_metrics(struct store *s, const char *id)
{
    if (!s->m)
        return;
    const struct sensor_state *latest = NULL;
    size_t runs = seqstate_runs(&s->seq, id, &latest);
    if (!latest)
        return;
    struct sensor_state sum = *latest;
    sum.events = sum.duplicates = sum.gaps_total = sum.gap_events = sum.open_gap_events = 0;
    sum.filled = 0;
    for (size_t i = 0; i < s->seq.n; i++) {
        const struct sensor_state *x = s->seq.s[i];
        if (strcmp(x->id, id) != 0)
            continue;
        sum.events += x->events;
        sum.duplicates += x->duplicates;
        sum.gaps_total += x->gaps_total;
        sum.gap_events += x->gap_events;
        sum.open_gap_events += x->open_gap_events;
        sum.filled += x->filled;
    }
    metrics_sensor_update(s->m, &sum, runs);
}

/* Reads back, from the day files, the batches stored after meta.db's head (a crash
 * between the day file's commit and meta.db's) and applies them to the sensor state. */
static int catch_up(struct store *s, int *changed, char *err, size_t errlen)
{
    struct day_list days;
    *changed = 0;
    if (day_list_read(s->dir, &days, err, errlen) != 0)
        return -1;
    int rc = -1;
    size_t from = days.n;
    int64_t files_last_id = 0, files_last_pos = 0;
    char path[PATH_CAP];
    for (size_t k = days.n; k-- > 0;) {
        day_path(s->dir, days.name[k], path, sizeof path);
        sqlite3 *db = store_db_open_rw(path, s->busy_ms, err, errlen);
        if (!db)
            goto out;
        if (store_db_setup(db, path, day_schema_sql, s->sync_full, err, errlen) != 0) {
            sqlite3_close(db);
            goto out;
        }
        int64_t max_id = 0, max_pos = 0;
        int q = db_int(db, "SELECT max(id) FROM batches", -1, &max_id) |
                db_int(db, "SELECT max(first_pos + count - 1) FROM batches", -1, &max_pos);
        sqlite3_close(db);
        if (q != 0) {
            snprintf(err, errlen, "%s: cannot read: not a tanzhen day file?", path);
            goto out;
        }
        if (files_last_id == 0 && max_id > 0)
            files_last_id = max_id;
        if (files_last_pos == 0 && max_pos > 0)
            files_last_pos = max_pos;
        if (max_id <= s->head_id && (max_id > 0 || files_last_id > 0))
            break;
        from = k;
    }
    if (days.n > 0)
        memcpy(s->newest_day, days.name[days.n - 1], DAY_NAME_LEN + 1);
    if (files_last_pos + 1 > s->next_pos)
        s->next_pos = files_last_pos + 1;
    if (files_last_id > 0 && files_last_id < s->head_id)
        log_warn("store: meta.db ends the chain at batch %lld but the day files end at batch "
                 "%lld: batches are missing (run tanzhen-collector verify)",
                 (long long)s->head_id, (long long)files_last_id);
    for (size_t k = from; k < days.n; k++) {
        day_path(s->dir, days.name[k], path, sizeof path);
        sqlite3 *db = day_open_ro(path, s->busy_ms, err, errlen);
        if (!db)
            goto out;
        sqlite3_stmt *b = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT id, sensor, first_pos, count, hash, batch_seq, received, "
                               "run, body, kind, first_seq, last_seq, events_end FROM batches "
                               "WHERE id > ?1 ORDER BY id",
                               -1, &b, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
            sqlite3_close(db);
            goto out;
        }
        sqlite3_bind_int64(b, 1, s->head_id);
        while (sqlite3_step(b) == SQLITE_ROW) {
            const char *sensor = (const char *)sqlite3_column_text(b, 1);
            uint64_t run = (uint64_t)sqlite3_column_int64(b, 7);
            int kind = sqlite3_column_int(b, 9);
            struct sensor_state *ss =
                sensor && kind == CHAIN_EVENTS ? seqstate_get(&s->seq, sensor, run, 1) : NULL;
            if (ss)
                apply_block(s, ss, sqlite3_column_blob(b, 8), (size_t)sqlite3_column_bytes(b, 8),
                            sqlite3_column_int64(b, 10), sqlite3_column_int64(b, 11),
                            sqlite3_column_int64(b, 3));
            if (ss) {
                ss->last_batch_seq = (uint64_t)sqlite3_column_int64(b, 5);
                ss->last_seen_us = sqlite3_column_int64(b, 6);
                if (ss->first_seen_us == 0)
                    ss->first_seen_us = ss->last_seen_us;
            }
            if (sqlite3_column_bytes(b, 4) == CHAIN_HASH_LEN) {
                s->head_id = sqlite3_column_int64(b, 0);
                s->head_events = sqlite3_column_int64(b, 12);
                memcpy(s->head_hash, sqlite3_column_blob(b, 4), CHAIN_HASH_LEN);
                s->chain_dirty = 1;
                *changed = 1;
            }
        }
        sqlite3_finalize(b);
        sqlite3_close(db);
    }
    if (*changed)
        log_info("store: caught up with the day files: chain head is batch %lld",
                 (long long)s->head_id);
    store_log_gaps(s, ", found catching up");
    rc = 0;
out:
    day_list_free(&days);
    return rc;
}

/* meta.db's view plus what the day files hold beyond it. */
int store_load_state(struct store *s, char *err, size_t errlen)
{
    int changed = 0;
    if (load_meta(s, err, errlen) != 0 || catch_up(s, &changed, err, errlen) != 0)
        return -1;
    if (changed || s->chain_dirty) {
        char e2[2048];
        if (store_save_meta(s, e2, sizeof e2) != 0)
            log_warn("store: cannot update meta.db yet: %s", e2);
    }
    return 0;
}
