/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.c - whole-file expiry of day files with a chain anchor (see retention.h).
 * The anchor update is committed with synchronous=FULL before unlink(), so a crash in
 * between leaves an anchor past a file that still exists: the next run deletes it and
 * `verify` skips it as expired.
 */
#include "retention.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "dayfile.h"
#include "log.h"

#define PATH_CAP 4096

static void unlink_day(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char p[PATH_CAP + 16];
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            log_warn("retention: cannot delete %s: %s", p, strerror(errno));
    }
}

/* Last batch id and hash and row counts of one day file. 0, or -1 with err. */
static int file_summary(const char *path, int busy_ms, const int64_t *cursors, int64_t *last_id,
                        uint8_t last_hash[CHAIN_HASH_LEN], int64_t *rows,
                        int64_t unforwarded[TOPIC_COUNT], char *err, size_t errlen)
{
    sqlite3 *db = day_open_ro(path, busy_ms, err, errlen);
    if (!db)
        return -1;
    int rc = -1;
    sqlite3_stmt *st = NULL;
    *last_id = 0;
    *rows = 0;
    if (sqlite3_prepare_v2(db, "SELECT id, hash FROM batches ORDER BY id DESC LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CHAIN_HASH_LEN) {
        *last_id = sqlite3_column_int64(st, 0);
        memcpy(last_hash, sqlite3_column_blob(st, 1), CHAIN_HASH_LEN);
    } else if (step != SQLITE_DONE) {
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (db_int(db, "SELECT count(*) FROM events", -1, rows) != 0)
        goto out;
    for (int t = 0; t < TOPIC_COUNT; t++) {
        unforwarded[t] = 0;
        if (!cursors)
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE topic = %d AND pos > ?1",
                 t);
        if (db_int(db, sql, cursors[t], &unforwarded[t]) != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int move_anchor(sqlite3 *meta, int64_t id, const uint8_t hash[CHAIN_HASH_LEN],
                       const char *day, int64_t rows, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_exec(meta, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(meta,
                           "UPDATE chain SET anchor_id = ?1, anchor_hash = ?2, anchor_day = ?3, "
                           "expired_files = expired_files + 1, "
                           "expired_events = expired_events + ?4 "
                           "WHERE one = 1 AND anchor_id <= ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, rows);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto rollback;
    if (sqlite3_exec(meta, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto rollback;
    rc = 0;
    goto out;
rollback:
    sqlite3_exec(meta, "ROLLBACK", NULL, NULL, NULL);
out:
    if (rc != 0)
        snprintf(err, errlen, META_FILE ": cannot move the chain anchor: %s",
                 sqlite3_errmsg(meta));
    sqlite3_finalize(st);
    return rc;
}

int retention_run(const char *dir, int retention_days, int64_t now_us, const int64_t *cursors,
                  int busy_timeout_ms, struct retention_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct day_list days;
    if (day_list_read(dir, &days, err, errlen) != 0)
        return -1;
    int64_t cutoff = now_us - (int64_t)retention_days * DAY_US;
    int rc = 0;
    sqlite3 *meta = NULL;
    for (size_t k = 0; k + 1 < days.n; k++) { /* the newest file always stays */
        int64_t start;
        if (day_start_us(days.name[k], &start) != 0 || start + DAY_US > cutoff)
            break;
        char path[PATH_CAP];
        day_path(dir, days.name[k], path, sizeof path);
        int64_t last_id, rows, unf[TOPIC_COUNT];
        uint8_t last_hash[CHAIN_HASH_LEN];
        if (file_summary(path, busy_timeout_ms, cursors, &last_id, last_hash, &rows, unf, err,
                         errlen) != 0) {
            rc = -1;
            break;
        }
        if (last_id > 0) {
            if (!meta) {
                char mp[PATH_CAP];
                meta_path(dir, mp, sizeof mp);
                if (sqlite3_open_v2(mp, &meta, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                    NULL) != SQLITE_OK) {
                    snprintf(err, errlen, "%s: cannot open: %s", mp,
                             meta ? sqlite3_errmsg(meta) : "out of memory");
                    rc = -1;
                    break;
                }
                sqlite3_busy_timeout(meta, busy_timeout_ms);
                /* the anchor must be on disk before the file it replaces is gone */
                sqlite3_exec(meta, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
            }
            if (move_anchor(meta, last_id + 1, last_hash, days.name[k], rows, err, errlen) != 0) {
                rc = -1;
                break;
            }
        }
        unlink_day(path);
        r->files++;
        r->events += rows;
        for (int t = 0; t < TOPIC_COUNT; t++)
            r->unforwarded[t] += unf[t];
        log_info("retention: deleted %s (%lld events, older than %d days); the chain now "
                 "starts at batch %lld",
                 path, (long long)rows, retention_days, (long long)(last_id + 1));
    }
    sqlite3_close(meta);
    day_list_free(&days);
    return rc;
}
