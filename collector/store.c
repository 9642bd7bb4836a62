/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the day-file event store (see store.h and dayfile.h). A transaction on the
 * current day file writes the new rows of one or more batches and one `batches` row per
 * batch (its row digests and chain hash); then meta.db gets the chain head and the
 * sensors' sequence state (store_meta.c, which also catches meta.db up with the day files
 * at open). Days only move forward. A lock file keeps a second collector off the same
 * directory.
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
#include "store_int.h"
#include "tztime.h"

static const char insert_sql[] =
    "INSERT INTO events (pos, batch, id, type, topic, ts, sensor, seq, proto, src_ip, "
    "src_port, dst_ip, dst_port, community_id, received, json) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (sensor, seq) DO NOTHING";
static const char batch_sql[] =
    "INSERT INTO batches (id, sensor, batch_seq, first_seq, last_seq, count, first_pos, "
    "received, digests, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

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

static void close_day(struct store *s)
{
    sqlite3_finalize(s->d_insert);
    sqlite3_finalize(s->d_batch);
    sqlite3_finalize(s->d_begin);
    sqlite3_finalize(s->d_commit);
    sqlite3_finalize(s->d_rollback);
    sqlite3_finalize(s->d_lookup);
    s->d_insert = s->d_batch = s->d_begin = s->d_commit = s->d_rollback = s->d_lookup = NULL;
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
    s->day = store_db_open_rw(path, s->busy_ms, err, errlen);
    if (!s->day)
        return -1;
    if (store_db_setup(s->day, path, day_schema_sql, s->sync_full, err, errlen) != 0)
        goto fail;
    if (store_prep(s->day, insert_sql, &s->d_insert) != 0 || store_prep(s->day, batch_sql, &s->d_batch) != 0 ||
        store_prep(s->day, "BEGIN IMMEDIATE", &s->d_begin) != 0 ||
        store_prep(s->day, "COMMIT", &s->d_commit) != 0 ||
        store_prep(s->day, "ROLLBACK", &s->d_rollback) != 0 ||
        store_prep(s->day, "SELECT id FROM events WHERE sensor = ?1 AND seq = ?2",
                   &s->d_lookup) != 0) {
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
    if (take_lock(s, err, errlen) != 0 || store_open_meta(s, err, errlen) != 0 ||
        store_load_state(s, err, errlen) != 0) {
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
        if (store_save_meta(s, err, sizeof err) != 0)
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

/* A duplicate seq normally comes back with the same event (a resend). Another event id
 * means the sensor restarted its sequence (no persisted state): those events cannot be
 * stored under (sensor, seq) and are dropped, so say it loudly. Looks in the current day
 * file only (one indexed lookup per batch that has duplicates). */
static void check_reuse(struct store *s, struct sensor_state *ss, const struct ev *e)
{
    sqlite3_stmt *q = s->d_lookup;
    sqlite3_bind_text(q, 1, e->sensor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, e->seq);
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        if (id && strcmp(id, e->id) != 0) {
            ss->seq_reused++;
            if (ss->seq_reused <= 5 || ss->seq_reused % 1000 == 0)
                log_warn("sensor %s sent seq %lld again with another event (id %s, stored %s): "
                         "its sequence restarted (no output.state_dir?); events under seqs "
                         "already stored are dropped as duplicates (%llu batch(es) so far)",
                         ss->id, (long long)e->seq, e->id, id,
                         (unsigned long long)ss->seq_reused);
        }
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
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
            if (r->duplicates++ == 0)
                check_reuse(s, ss, e);
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
            store_note_gap(s, ss->id, &g);
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
    int rc = store_step_once(st);
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
    if (store_step_once(s->d_begin) != SQLITE_DONE) {
        snprintf(err, errlen, "BEGIN: %s", sqlite3_errmsg(s->day));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (put_one(s, b[i], &r[i], now, topic_counts, err, errlen) != 0)
            goto fail;
    if (store_step_once(s->d_commit) != SQLITE_DONE) {
        snprintf(err, errlen, "COMMIT: %s", sqlite3_errmsg(s->day));
        goto fail;
    }
    store_log_gaps(s, "");
    char e2[2048];
    if (store_save_meta(s, e2, sizeof e2) != 0) /* the day file holds the truth: catch up later */
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
    store_step_once(s->d_rollback);
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
    if (store_load_state(s, e3, sizeof e3) != 0)
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
