/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the day-file event store (see store.h and dayfile.h). A transaction on the
 * current day file writes the new rows of one or more batches and one `batches` row per
 * batch (its row digests and chain hash); then meta.db gets the chain head and the
 * sensors' sequence state. At open, batches newer than meta.db's head are read back from
 * the day files, so meta.db may lag behind a crash without losing dedupe or gap state.
 * A lock file keeps a second collector off the same directory.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "log.h"
#include "tztime.h"

#define PATH_CAP 1200 /* store.dir is at most 1000 characters */
#define GAP_LOG_MAX 20 /* gaps logged per transaction; the rest are counted */

struct pending_gap {
    char sensor[WIRE_SENSOR_MAX + 1];
    struct seq_gap gap;
};

struct store {
    char dir[PATH_CAP];
    int lock_fd;
    int sync_full, busy_ms;
    int64_t (*clock)(void);
    struct metrics *m;

    sqlite3 *meta;
    sqlite3_stmt *m_begin, *m_commit, *m_rollback, *m_chain, *m_sensor, *m_gaps_del, *m_gap;

    sqlite3 *day;
    char day_name[DAY_NAME_LEN + 1];
    char day_file[PATH_CAP];
    char newest_day[DAY_NAME_LEN + 1]; /* the newest day file found at open */
    sqlite3_stmt *d_insert, *d_batch, *d_begin, *d_commit, *d_rollback;

    struct seqstate seq;
    int64_t head_id;
    uint8_t head_hash[CHAIN_HASH_LEN];
    int64_t next_pos;
    int chain_dirty;

    uint8_t *digests;
    size_t dcap;
    struct pending_gap gaps[GAP_LOG_MAX];
    size_t ngaps, gaps_unlogged;
};

static const char insert_sql[] =
    "INSERT INTO events (pos, batch, id, type, topic, ts, sensor, seq, proto, src_ip, "
    "src_port, dst_ip, dst_port, community_id, received, json) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (sensor, seq) DO NOTHING";
static const char batch_sql[] =
    "INSERT INTO batches (id, sensor, batch_seq, first_seq, last_seq, count, first_pos, "
    "received, digests, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char chain_init_sql[] =
    "INSERT OR IGNORE INTO chain (one, head_id, head_hash, next_pos, anchor_id, anchor_hash, "
    "anchor_day, expired_files, expired_events) VALUES (1, 0, zeroblob(32), 1, 1, zeroblob(32), "
    "'', 0, 0)";
static const char chain_sql[] =
    "UPDATE chain SET head_id = ?1, head_hash = ?2, next_pos = max(next_pos, ?3) WHERE one = 1";
static const char sensor_sql[] =
    "INSERT OR REPLACE INTO sensor_state (sensor, last_seq, events, duplicates, gaps, "
    "gap_events, open_gap_events, filled, gaps_given_up, last_batch_seq, first_seen, last_seen) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

static int64_t real_clock(void)
{
    return (int64_t)tz_now_us();
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "store.dir %s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "store.dir %s: not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "store.dir %s: not writable: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int take_lock(struct store *s, char *err, size_t errlen)
{
    char path[PATH_CAP + 8];
    snprintf(path, sizeof path, "%s/lock", s->dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "store.dir %s is in use by another collector (%s is locked)",
                 s->dir, path);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || write(s->lock_fd, pid, (size_t)n) != n)
        log_debug("store: cannot write the pid into %s", path);
    return 0;
}

/* WAL, synchronous mode, schema version check and creation. */
static int db_setup(sqlite3 *db, const char *path, const char *schema, int sync_full,
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
    if (exec_sql(db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", msg,
                 sizeof msg) != 0 ||
        db_int(db, "PRAGMA user_version", -1, &ver) != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -1;
    }
    if (ver == STORE_SCHEMA_VERSION)
        return 0;
    if (ver != 0) {
        snprintf(err, errlen, "%s: schema version %lld, this collector knows %d", path,
                 (long long)ver, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (exec_sql(db, "BEGIN IMMEDIATE", msg, sizeof msg) != 0 ||
        exec_sql(db, schema, msg, sizeof msg) != 0 ||
        exec_sql(db, "PRAGMA user_version=2", msg, sizeof msg) != 0 ||
        exec_sql(db, "COMMIT", msg, sizeof msg) != 0) {
        char ignore[64];
        exec_sql(db, "ROLLBACK", ignore, sizeof ignore);
        snprintf(err, errlen, "%s: cannot create the schema: %s", path, msg);
        return -1;
    }
    return 0;
}

static sqlite3 *db_open_rw(const char *path, int busy_ms, char *err, size_t errlen)
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

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
               ? 0
               : -1;
}

static void close_day(struct store *s)
{
    sqlite3_finalize(s->d_insert);
    sqlite3_finalize(s->d_batch);
    sqlite3_finalize(s->d_begin);
    sqlite3_finalize(s->d_commit);
    sqlite3_finalize(s->d_rollback);
    s->d_insert = s->d_batch = s->d_begin = s->d_commit = s->d_rollback = NULL;
    sqlite3_close(s->day);
    s->day = NULL;
    s->day_name[0] = '\0';
    s->day_file[0] = '\0';
}

static int open_day(struct store *s, const char *day, char *err, size_t errlen)
{
    close_day(s);
    char path[PATH_CAP];
    if (day_path(s->dir, day, path, sizeof path) != 0) {
        snprintf(err, errlen, "store.dir %s: path too long", s->dir);
        return -1;
    }
    s->day = db_open_rw(path, s->busy_ms, err, errlen);
    if (!s->day)
        return -1;
    if (db_setup(s->day, path, day_schema_sql, s->sync_full, err, errlen) != 0)
        goto fail;
    if (prep(s->day, insert_sql, &s->d_insert) != 0 || prep(s->day, batch_sql, &s->d_batch) != 0 ||
        prep(s->day, "BEGIN IMMEDIATE", &s->d_begin) != 0 ||
        prep(s->day, "COMMIT", &s->d_commit) != 0 ||
        prep(s->day, "ROLLBACK", &s->d_rollback) != 0) {
        snprintf(err, errlen, "%s: cannot prepare statements: %s", path, sqlite3_errmsg(s->day));
        goto fail;
    }
    memcpy(s->day_name, day, DAY_NAME_LEN + 1);
    memcpy(s->day_file, path, strlen(path) + 1);
    log_info("store: writing to %s", path);
    return 0;
fail:
    close_day(s);
    return -1;
}

static int open_meta(struct store *s, char *err, size_t errlen)
{
    char path[PATH_CAP];
    if (meta_path(s->dir, path, sizeof path) != 0) {
        snprintf(err, errlen, "store.dir %s: path too long", s->dir);
        return -1;
    }
    s->meta = db_open_rw(path, s->busy_ms, err, errlen);
    if (!s->meta)
        return -1;
    /* meta.db can be rebuilt from the day files, so NORMAL is enough (retention makes
     * its own anchor update durable before it deletes anything) */
    if (db_setup(s->meta, path, meta_schema_sql, 0, err, errlen) != 0)
        return -1;
    char msg[512];
    if (exec_sql(s->meta, chain_init_sql, msg, sizeof msg) != 0 ||
        prep(s->meta, "BEGIN IMMEDIATE", &s->m_begin) != 0 ||
        prep(s->meta, "COMMIT", &s->m_commit) != 0 ||
        prep(s->meta, "ROLLBACK", &s->m_rollback) != 0 || prep(s->meta, chain_sql, &s->m_chain) != 0 ||
        prep(s->meta, sensor_sql, &s->m_sensor) != 0 ||
        prep(s->meta, "DELETE FROM sensor_gaps WHERE sensor = ?1", &s->m_gaps_del) != 0 ||
        prep(s->meta, "INSERT INTO sensor_gaps (sensor, from_seq, to_seq) VALUES (?1, ?2, ?3)",
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
    if (sqlite3_prepare_v2(s->meta, "SELECT head_id, head_hash, next_pos FROM chain", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CHAIN_HASH_LEN) {
        s->head_id = sqlite3_column_int64(st, 0);
        memcpy(s->head_hash, sqlite3_column_blob(st, 1), CHAIN_HASH_LEN);
        s->next_pos = sqlite3_column_int64(st, 2);
        ok = 1;
    }
    sqlite3_finalize(st);
    if (!ok) {
        snprintf(err, errlen, "%s/" META_FILE ": the chain row is missing or damaged", s->dir);
        return -1;
    }
    if (sqlite3_prepare_v2(s->meta,
                           "SELECT sensor, last_seq, events, duplicates, gaps, gap_events, "
                           "filled, gaps_given_up, last_batch_seq, first_seen, last_seen "
                           "FROM sensor_state",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        struct sensor_state *ss = id ? seqstate_get(&s->seq, id, 1) : NULL;
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
                           "SELECT sensor, from_seq, to_seq FROM sensor_gaps "
                           "ORDER BY sensor, from_seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        struct sensor_state *ss = id ? seqstate_get(&s->seq, id, 0) : NULL;
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

static void note_gap(struct store *s, const char *sensor, const struct seq_gap *g)
{
    if (s->ngaps < GAP_LOG_MAX) {
        struct pending_gap *p = &s->gaps[s->ngaps++];
        memcpy(p->sensor, sensor, strlen(sensor) + 1);
        p->gap = *g;
    } else {
        s->gaps_unlogged++;
    }
}

static void log_gaps(struct store *s, const char *when)
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
static int save_meta(struct store *s, char *err, size_t errlen)
{
    if (step_once(s->m_begin) != SQLITE_DONE)
        goto fail;
    sqlite3_bind_int64(s->m_chain, 1, s->head_id);
    sqlite3_bind_blob(s->m_chain, 2, s->head_hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s->m_chain, 3, s->next_pos);
    if (step_once(s->m_chain) != SQLITE_DONE)
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
        if (step_once(q) != SQLITE_DONE)
            goto fail_tx;
        sqlite3_bind_text(s->m_gaps_del, 1, ss->id, -1, SQLITE_STATIC);
        if (step_once(s->m_gaps_del) != SQLITE_DONE)
            goto fail_tx;
        for (size_t g = 0; g < ss->ngaps; g++) {
            sqlite3_bind_text(s->m_gap, 1, ss->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s->m_gap, 2, (int64_t)ss->gaps[g].from);
            sqlite3_bind_int64(s->m_gap, 3, (int64_t)ss->gaps[g].to);
            if (step_once(s->m_gap) != SQLITE_DONE)
                goto fail_tx;
        }
    }
    if (step_once(s->m_commit) != SQLITE_DONE)
        goto fail_tx;
    for (size_t i = 0; i < s->seq.n; i++) {
        if (s->seq.s[i]->dirty && s->m)
            metrics_sensor_update(s->m, s->seq.s[i]);
        s->seq.s[i]->dirty = 0;
    }
    s->chain_dirty = 0;
    return 0;
fail_tx:
    snprintf(err, errlen, "%s/" META_FILE ": %s", s->dir, sqlite3_errmsg(s->meta));
    step_once(s->m_rollback);
    return -1;
fail:
    snprintf(err, errlen, "%s/" META_FILE ": %s", s->dir, sqlite3_errmsg(s->meta));
    return -1;
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
        sqlite3 *db = db_open_rw(path, s->busy_ms, err, errlen);
        if (!db)
            goto out;
        if (db_setup(db, path, day_schema_sql, s->sync_full, err, errlen) != 0) {
            sqlite3_close(db);
            goto out;
        }
        int64_t max_id = 0, max_pos = 0;
        int q = db_int(db, "SELECT max(id) FROM batches", -1, &max_id) |
                db_int(db, "SELECT max(pos) FROM events", -1, &max_pos);
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
        sqlite3_stmt *b = NULL, *ev = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT id, sensor, first_pos, count, hash, batch_seq, received "
                               "FROM batches WHERE id > ?1 ORDER BY id",
                               -1, &b, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db,
                               "SELECT seq FROM events WHERE pos >= ?1 AND pos < ?2 ORDER BY pos",
                               -1, &ev, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
            sqlite3_finalize(b);
            sqlite3_close(db);
            goto out;
        }
        sqlite3_bind_int64(b, 1, s->head_id);
        while (sqlite3_step(b) == SQLITE_ROW) {
            const char *sensor = (const char *)sqlite3_column_text(b, 1);
            struct sensor_state *ss = sensor ? seqstate_get(&s->seq, sensor, 1) : NULL;
            int64_t first = sqlite3_column_int64(b, 2), count = sqlite3_column_int64(b, 3);
            sqlite3_bind_int64(ev, 1, first);
            sqlite3_bind_int64(ev, 2, first + count);
            while (ss && sqlite3_step(ev) == SQLITE_ROW) {
                uint64_t seq = (uint64_t)sqlite3_column_int64(ev, 0);
                struct seq_gap g;
                if (seqstate_is_new(ss, seq) && seqstate_mark(ss, seq, &g) == 1)
                    note_gap(s, ss->id, &g);
            }
            sqlite3_reset(ev);
            if (ss) {
                ss->last_batch_seq = (uint64_t)sqlite3_column_int64(b, 5);
                ss->last_seen_us = sqlite3_column_int64(b, 6);
                if (ss->first_seen_us == 0)
                    ss->first_seen_us = ss->last_seen_us;
            }
            if (sqlite3_column_bytes(b, 4) == CHAIN_HASH_LEN) {
                s->head_id = sqlite3_column_int64(b, 0);
                memcpy(s->head_hash, sqlite3_column_blob(b, 4), CHAIN_HASH_LEN);
                s->chain_dirty = 1;
                *changed = 1;
            }
        }
        sqlite3_finalize(b);
        sqlite3_finalize(ev);
        sqlite3_close(db);
    }
    if (*changed)
        log_info("store: caught up with the day files: chain head is batch %lld",
                 (long long)s->head_id);
    log_gaps(s, ", found catching up");
    rc = 0;
out:
    day_list_free(&days);
    return rc;
}

/* meta.db's view plus what the day files hold beyond it. */
static int load_state(struct store *s, char *err, size_t errlen)
{
    int changed = 0;
    if (load_meta(s, err, errlen) != 0 || catch_up(s, &changed, err, errlen) != 0)
        return -1;
    if (changed || s->chain_dirty) {
        char e2[2048];
        if (save_meta(s, e2, sizeof e2) != 0)
            log_warn("store: cannot update meta.db yet: %s", e2);
    }
    return 0;
}

int store_open(struct store **out, const struct store_opts *o, char *err, size_t errlen)
{
    *out = NULL;
    if (ensure_dir(o->dir, err, errlen) != 0)
        return -1;
    if (chain_init() != 0) {
        snprintf(err, errlen, "libsodium cannot start");
        return -1;
    }
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->lock_fd = -1;
    int n = snprintf(s->dir, sizeof s->dir, "%s", o->dir);
    if (n < 0 || (size_t)n >= sizeof s->dir - 64) {
        snprintf(err, errlen, "store.dir %s: path too long", o->dir);
        free(s);
        return -1;
    }
    s->sync_full = o->sync_full;
    s->busy_ms = o->busy_timeout_ms;
    s->clock = o->clock_us ? o->clock_us : real_clock;
    s->m = o->metrics;
    if (take_lock(s, err, errlen) != 0 || open_meta(s, err, errlen) != 0 ||
        load_state(s, err, errlen) != 0) {
        store_close(s);
        return -1;
    }
    char legacy[PATH_CAP + 16];
    snprintf(legacy, sizeof legacy, "%s/" LEGACY_FILE, s->dir);
    if (access(legacy, F_OK) == 0)
        log_warn("store: %s is from an earlier version (one file, no hash chain); it is "
                 "neither read nor forwarded",
                 legacy);
    if (s->m) {
        atomic_store(&s->m->chain_head, s->head_id);
        atomic_store(&s->m->committed_pos, s->next_pos - 1);
        for (size_t i = 0; i < s->seq.n; i++)
            metrics_sensor_update(s->m, s->seq.s[i]);
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->meta && s->chain_dirty) {
        char err[2048];
        if (save_meta(s, err, sizeof err) != 0)
            log_warn("store: %s", err);
    }
    close_day(s);
    sqlite3_finalize(s->m_begin);
    sqlite3_finalize(s->m_commit);
    sqlite3_finalize(s->m_rollback);
    sqlite3_finalize(s->m_chain);
    sqlite3_finalize(s->m_sensor);
    sqlite3_finalize(s->m_gaps_del);
    sqlite3_finalize(s->m_gap);
    sqlite3_close(s->meta);
    seqstate_free(&s->seq);
    free(s->digests);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s);
}

const char *store_dir(const struct store *s)
{
    return s->dir;
}

const char *store_day_path(const struct store *s)
{
    return s->day_file;
}

int64_t store_head_id(const struct store *s)
{
    return s->head_id;
}

int64_t store_last_pos(const struct store *s)
{
    return s->next_pos - 1;
}

const struct sensor_state *store_sensor(struct store *s, const char *id)
{
    return seqstate_get(&s->seq, id, 0);
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_port(sqlite3_stmt *st, int i, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Inserts one event at pos; returns 1 inserted, 0 already in this day file, -1 error. */
static int insert_event(struct store *s, struct ev *e, int64_t pos, int64_t batch, int64_t now)
{
    sqlite3_stmt *st = s->d_insert;
    sqlite3_bind_int64(st, 1, pos);
    sqlite3_bind_int64(st, 2, batch);
    sqlite3_bind_text(st, 3, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev_type_name(e->type), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, (int)ev_topic_of(e->type));
    sqlite3_bind_int64(st, 6, e->ts_us);
    sqlite3_bind_text(st, 7, e->sensor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, e->seq);
    bind_opt_text(st, 9, e->proto);
    bind_opt_text(st, 10, e->src_ip);
    bind_opt_port(st, 11, e->src_port);
    bind_opt_text(st, 12, e->dst_ip);
    bind_opt_port(st, 13, e->dst_port);
    bind_opt_text(st, 14, e->community_id);
    sqlite3_bind_int64(st, 15, now);
    sqlite3_bind_text(st, 16, e->line, (int)e->line_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(s->day) > 0 ? 1 : 0;
}

/* The rows of one batch plus its `batches` row; advances the chain in memory. */
static int put_one(struct store *s, struct batch *b, struct store_put_result *r, int64_t now,
                   uint64_t *topic_counts, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct sensor_state *ss = seqstate_get(&s->seq, b->hdr.sensor, 1);
    if (!ss) {
        r->refused = 1;
        for (size_t i = 0; i < b->n; i++)
            b->ev[i].stored = 0;
        return 0;
    }
    if (s->dcap < b->n * CHAIN_DIGEST_LEN) {
        uint8_t *nd = realloc(s->digests, b->n * CHAIN_DIGEST_LEN);
        if (!nd) {
            snprintf(err, errlen, "out of memory for %zu digests", b->n);
            return -1;
        }
        s->digests = nd;
        s->dcap = b->n * CHAIN_DIGEST_LEN;
    }
    int64_t bid = s->head_id + 1;
    int64_t first_pos = s->next_pos;
    uint32_t k = 0;
    uint64_t first_seq = 0, last_seq = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct ev *e = &b->ev[i];
        e->stored = 0;
        if (!seqstate_is_new(ss, (uint64_t)e->seq)) {
            r->duplicates++;
            continue;
        }
        if (e->line_len > INT32_MAX) {
            snprintf(err, errlen, "event seq %lld is too long", (long long)e->seq);
            return -1;
        }
        int ins = insert_event(s, e, s->next_pos, bid, now);
        if (ins < 0) {
            snprintf(err, errlen, "insert of seq %lld: %s", (long long)e->seq,
                     sqlite3_errmsg(s->day));
            return -1;
        }
        if (ins == 0) { /* this day file already has it: the state was behind */
            r->duplicates++;
            continue;
        }
        struct seq_gap g;
        int mk = seqstate_mark(ss, (uint64_t)e->seq, &g);
        if (mk < 0) {
            snprintf(err, errlen, "out of memory for the gaps of sensor %s", ss->id);
            return -1;
        }
        if (mk == 1)
            note_gap(s, ss->id, &g);
        chain_row_digest(e->sensor, (uint64_t)e->seq, e->line, e->line_len,
                         s->digests + (size_t)k * CHAIN_DIGEST_LEN);
        if (k == 0)
            first_seq = (uint64_t)e->seq;
        last_seq = (uint64_t)e->seq;
        k++;
        s->next_pos++;
        e->stored = 1;
        r->inserted++;
        topic_counts[ev_topic_of(e->type)]++;
    }
    ss->duplicates += r->duplicates;
    ss->last_batch_seq = b->hdr.batch_seq;
    ss->last_seen_us = now;
    if (ss->first_seen_us == 0)
        ss->first_seen_us = now;
    ss->dirty = 1;
    if (k == 0)
        return 0;
    uint8_t hash[CHAIN_HASH_LEN];
    chain_batch_hash(s->head_hash, (uint64_t)bid, k, s->digests, hash);
    sqlite3_stmt *st = s->d_batch;
    sqlite3_bind_int64(st, 1, bid);
    sqlite3_bind_text(st, 2, b->hdr.sensor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)b->hdr.batch_seq);
    sqlite3_bind_int64(st, 4, (int64_t)first_seq);
    sqlite3_bind_int64(st, 5, (int64_t)last_seq);
    sqlite3_bind_int64(st, 6, k);
    sqlite3_bind_int64(st, 7, first_pos);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_blob(st, 9, s->digests, (int)(k * CHAIN_DIGEST_LEN), SQLITE_STATIC);
    sqlite3_bind_blob(st, 10, s->head_hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 11, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    int rc = step_once(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "batch row: %s", sqlite3_errmsg(s->day));
        return -1;
    }
    s->head_id = bid;
    memcpy(s->head_hash, hash, CHAIN_HASH_LEN);
    s->chain_dirty = 1;
    return 0;
}

int store_put_many(struct store *s, struct batch *const *b, size_t n,
                   struct store_put_result *r, char *err, size_t errlen)
{
    int64_t now = s->clock();
    char day[DAY_NAME_LEN + 1];
    day_of(now, day);
    /* days only move forward: with the clock set back, the newest day file goes on (the
     * forwarder relies on an older day file never growing again) */
    if (!s->day && strcmp(day, s->newest_day) < 0)
        memcpy(day, s->newest_day, sizeof day);
    if (!s->day || strcmp(day, s->day_name) > 0) {
        if (open_day(s, day, err, errlen) != 0)
            return -1;
    }
    int64_t save_head = s->head_id, save_pos = s->next_pos;
    uint8_t save_hash[CHAIN_HASH_LEN];
    memcpy(save_hash, s->head_hash, CHAIN_HASH_LEN);
    uint64_t topic_counts[TOPIC_COUNT] = {0};
    if (step_once(s->d_begin) != SQLITE_DONE) {
        snprintf(err, errlen, "BEGIN: %s", sqlite3_errmsg(s->day));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (put_one(s, b[i], &r[i], now, topic_counts, err, errlen) != 0)
            goto fail;
    if (step_once(s->d_commit) != SQLITE_DONE) {
        snprintf(err, errlen, "COMMIT: %s", sqlite3_errmsg(s->day));
        goto fail;
    }
    log_gaps(s, "");
    char e2[2048];
    if (save_meta(s, e2, sizeof e2) != 0) /* the day file holds the truth: catch up later */
        log_warn("store: meta.db not updated (the next commit or start-up catches up): %s", e2);
    if (s->m) {
        /* under the lock, so the forwarder reads positions and counts that agree */
        pthread_mutex_lock(&s->m->lock);
        for (int t = 0; t < TOPIC_COUNT; t++)
            if (topic_counts[t])
                atomic_fetch_add(&s->m->stored_topic[t], topic_counts[t]);
        atomic_store_explicit(&s->m->committed_pos, s->next_pos - 1, memory_order_release);
        pthread_mutex_unlock(&s->m->lock);
        atomic_fetch_add(&s->m->transactions, 1);
        atomic_store(&s->m->chain_head, s->head_id);
    }
    return 0;
fail:
    step_once(s->d_rollback);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < b[i]->n; j++)
            b[i]->ev[j].stored = 0;
        r[i].inserted = r[i].duplicates = 0;
    }
    s->head_id = save_head;
    s->next_pos = save_pos;
    memcpy(s->head_hash, save_hash, CHAIN_HASH_LEN);
    s->ngaps = 0;
    s->gaps_unlogged = 0;
    /* the sequence state moved with the rolled-back rows: read it again */
    char e3[2048];
    if (load_state(s, e3, sizeof e3) != 0)
        log_err("store: cannot reload the sensor state after a rollback: %s", e3);
    return -1;
}

int store_put(struct store *s, struct batch *b, struct store_put_result *r, char *err,
              size_t errlen)
{
    struct batch *one[1] = {b};
    return store_put_many(s, one, 1, r, err, errlen);
}

int64_t store_count(struct store *s)
{
    struct day_list days;
    char err[256], path[PATH_CAP];
    if (day_list_read(s->dir, &days, err, sizeof err) != 0)
        return -1;
    int64_t total = 0;
    for (size_t k = 0; k < days.n && total >= 0; k++) {
        day_path(s->dir, days.name[k], path, sizeof path);
        sqlite3 *db = day_open_ro(path, s->busy_ms, err, sizeof err);
        int64_t n = 0;
        if (!db || db_int(db, "SELECT count(*) FROM events", -1, &n) != 0)
            total = -1;
        else
            total += n;
        sqlite3_close(db);
    }
    day_list_free(&days);
    return total;
}
