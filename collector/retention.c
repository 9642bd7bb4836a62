/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.c - whole-file expiry of day files, recorded in the chain (see retention.h).
 * The retention entry is committed in the current day file and meta.db's anchor update is
 * committed with synchronous=FULL before unlink(); a crash in between leaves an anchor past
 * a file that still exists: the next run deletes it and `verify` skips it as expired.
 */
#include "retention.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "dayfile.h"
#include "evblock.h"
#include "log.h"
#include "store_int.h"

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

/* Events of each topic in one stored block at positions above the topic's cursor. */
static void count_unforwarded(const void *body, size_t blen, int64_t first_pos,
                              const int64_t *cursors, int64_t unf[TOPIC_COUNT])
{
    struct evb_buf raw = {0};
    if (evb_decompress(body, blen, &raw) < 0)
        return;
    size_t off = 0;
    struct evb_rec r;
    for (int64_t pos = first_pos; evb_next(raw.p, raw.len, &off, &r) == 1; pos++) {
        enum ev_topic t = ev_topic_of(r.type);
        if (pos > cursors[t])
            unf[t]++;
    }
    evb_buf_free(&raw);
}

/* First and last chain entry, last hash and events of one day file. 0, or -1 with err. */
static int file_summary(const char *path, int busy_ms, const int64_t *cursors, int64_t *first_id,
                        int64_t *last_id, uint8_t last_hash[CHAIN_HASH_LEN], int64_t *rows,
                        int64_t unforwarded[TOPIC_COUNT], char *err, size_t errlen)
{
    sqlite3 *db = day_open_ro(path, busy_ms, err, errlen);
    if (!db)
        return -1;
    int rc = -1;
    sqlite3_stmt *st = NULL;
    *first_id = *last_id = *rows = 0;
    for (int t = 0; t < TOPIC_COUNT; t++)
        unforwarded[t] = 0;
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
    if (db_int(db, "SELECT min(id) FROM batches", -1, first_id) < 0 ||
        db_int(db, "SELECT coalesce(sum(count), 0) FROM batches WHERE kind = 0", -1, rows) != 0)
        goto out;
    if (cursors) {
        int64_t low = cursors[0];
        for (int t = 1; t < TOPIC_COUNT; t++)
            low = cursors[t] < low ? cursors[t] : low;
        if (sqlite3_prepare_v2(db, "SELECT body, first_pos FROM batches WHERE kind = 0 AND "
                                   "first_pos + count - 1 > ?1", -1, &st, NULL) != SQLITE_OK)
            goto out;
        sqlite3_bind_int64(st, 1, low);
        while (sqlite3_step(st) == SQLITE_ROW)
            count_unforwarded(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                              sqlite3_column_int64(st, 1), cursors, unforwarded);
    }
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* The chain entry that records one removal, committed in the current day file. */
static int record_removal(struct store *s, const char *day, int64_t first_id, int64_t last_id,
                          const uint8_t last_hash[CHAIN_HASH_LEN], int64_t rows, int days,
                          char *err, size_t errlen)
{
    if (store_current_day(s, err, errlen) != 0)
        return -1;
    char hex[CHAIN_HEX_LEN], text[400];
    chain_hex(last_hash, hex);
    int n = snprintf(text, sizeof text,
                     "retention: removed " DAY_PREFIX "%s" DAY_SUFFIX ", batches %lld..%lld, "
                     "%lld events, older than %d days; last hash %s",
                     day, (long long)first_id, (long long)last_id, (long long)rows, days, hex);
    int64_t save_head = s->head_id, save_events = s->head_events;
    uint8_t save_hash[CHAIN_HASH_LEN];
    memcpy(save_hash, s->head_hash, CHAIN_HASH_LEN);
    struct chain_entry e = {.kind = CHAIN_RETENTION, .sensor = "", .first_seq = (uint64_t)first_id,
                            .last_seq = (uint64_t)last_id, .first_pos = s->next_pos,
                            .events_end = s->head_events, .received = s->clock(),
                            .body = text, .body_len = (size_t)n};
    if (store_step_once(s->d_begin) != SQLITE_DONE) {
        snprintf(err, errlen, "BEGIN: %s", sqlite3_errmsg(s->day));
        return -1;
    }
    if (store_insert_entry(s, &e, 0, 0, 0, err, errlen) != 0 ||
        store_step_once(s->d_commit) != SQLITE_DONE) {
        if (!err[0])
            snprintf(err, errlen, "COMMIT: %s", sqlite3_errmsg(s->day));
        store_step_once(s->d_rollback);
        s->head_id = save_head;
        s->head_events = save_events;
        memcpy(s->head_hash, save_hash, CHAIN_HASH_LEN);
        return -1;
    }
    char e2[1024];
    if (store_save_meta(s, e2, sizeof e2) != 0)
        log_warn("store: meta.db not updated: %s", e2);
    return 0;
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

int store_retention(struct store *s, int retention_days, int64_t now_us, const int64_t *cursors,
                    struct retention_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    err[0] = '\0';
    /* today's file first, so the files to go are never the newest */
    if (store_current_day(s, err, errlen) != 0)
        return -1;
    struct day_list days;
    if (day_list_read(s->dir, &days, err, errlen) != 0)
        return -1;
    int64_t cutoff = now_us - (int64_t)retention_days * DAY_US;
    int rc = 0;
    sqlite3 *meta = NULL;
    for (size_t k = 0; k + 1 < days.n; k++) { /* the newest file always stays */
        int64_t start;
        if (day_start_us(days.name[k], &start) != 0 || start + DAY_US > cutoff ||
            strcmp(days.name[k], s->day_name) == 0)
            break;
        char path[PATH_CAP];
        day_path(s->dir, days.name[k], path, sizeof path);
        int64_t first_id, last_id, rows, unf[TOPIC_COUNT];
        uint8_t last_hash[CHAIN_HASH_LEN];
        if (file_summary(path, s->busy_ms, cursors, &first_id, &last_id, last_hash, &rows, unf,
                         err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (last_id > 0) {
            if (record_removal(s, days.name[k], first_id, last_id, last_hash, rows,
                               retention_days, err, errlen) != 0) {
                rc = -1;
                break;
            }
            if (!meta) {
                char mp[PATH_CAP];
                meta_path(s->dir, mp, sizeof mp);
                if (sqlite3_open_v2(mp, &meta, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                    NULL) != SQLITE_OK) {
                    snprintf(err, errlen, "%s: cannot open: %s", mp,
                             meta ? sqlite3_errmsg(meta) : "out of memory");
                    rc = -1;
                    break;
                }
                sqlite3_busy_timeout(meta, s->busy_ms);
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
        log_info("retention: deleted %s (%lld events, older than %d days); recorded as chain "
                 "entry %lld; the kept chain starts at batch %lld",
                 path, (long long)rows, retention_days, (long long)s->head_id,
                 (long long)(last_id + 1));
    }
    sqlite3_close(meta);
    day_list_free(&days);
    return rc;
}
