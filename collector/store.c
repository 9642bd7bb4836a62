/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the write path of the day-file event store (see store.h and dayfile.h). A
 * transaction on the current day file writes, per batch, its new events as one compressed
 * block, its chain entry and its index keys; then meta.db gets the chain head and the
 * runs' sequence state (store_meta.c). A group that fails (a full disk) is split down to
 * single batches so what fits is stored. Days only move forward. A lock file keeps a second
 * collector off the same directory.
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

#include "anchor.h"
#include "chain.h"
#include "log.h"
#include "store_int.h"
#include "tztime.h"

static const char batch_sql[] =
    "INSERT INTO batches (id, kind, sensor, run, batch_seq, first_seq, last_seq, count, "
    "first_pos, events_end, received, ts_min, ts_max, topics, body, prev_hash, hash) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

#define FULL_LOG_EVERY_US (60u * 1000000u) /* a full disk is said again at most this often */

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
    sqlite3_finalize(s->d_key);
    sqlite3_finalize(s->d_batch);
    sqlite3_finalize(s->d_begin);
    sqlite3_finalize(s->d_commit);
    sqlite3_finalize(s->d_rollback);
    s->d_key = s->d_batch = s->d_begin = s->d_commit = s->d_rollback = NULL;
    sqlite3_close(s->day);
    s->day = NULL;
    s->day_name[0] = '\0';
    s->day_file[0] = '\0';
}

int store_open_day(struct store *s, const char *day, char *err, size_t errlen)
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
    if (store_prep(s->day, "INSERT INTO keys (k, batch) VALUES (?1, ?2)", &s->d_key) != 0 ||
        store_prep(s->day, batch_sql, &s->d_batch) != 0 ||
        store_prep(s->day, "BEGIN IMMEDIATE", &s->d_begin) != 0 ||
        store_prep(s->day, "COMMIT", &s->d_commit) != 0 ||
        store_prep(s->day, "ROLLBACK", &s->d_rollback) != 0) {
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
    s->zlevel = o->zstd_level ? o->zstd_level : STORE_ZSTD_LEVEL;
    s->retention_days = o->retention_days;
    s->checkpoint_s = o->checkpoint_interval_s;
    if (o->sign_secret) {
        anchor_key_derive(o->sign_secret, s->sign_pk, s->sign_sk);
        s->have_sign = 1;
    }
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
            store_sensor_metrics(s, s->seq.s[i]->id);
    }
    s->checkpoint_id = -1;
    s->kept_events = store_count(s);
    if (s->m)
        atomic_store(&s->m->store_events_kept, s->kept_events);
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    char err[2048];
    if (s->meta && s->chain_dirty && store_save_meta(s, err, sizeof err) != 0)
        log_warn("store: %s", err);
    if (s->meta && store_checkpoint(s, err, sizeof err) != 0)
        log_warn("store: %s", err);
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
    evb_buf_free(&s->raw);
    evb_buf_free(&s->z);
    evb_keys_free(&s->keys);
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
    const struct sensor_state *latest = NULL;
    seqstate_runs(&s->seq, id, &latest);
    return latest;
}

const struct sensor_state *store_sensor_run(struct store *s, const char *id, uint64_t run)
{
    return seqstate_get(&s->seq, id, run, 0);
}

void store_head(const struct store *s, int64_t *id, int64_t *events,
                uint8_t hash[CHAIN_HASH_LEN])
{
    *id = s->head_id;
    *events = s->head_events;
    memcpy(hash, s->head_hash, CHAIN_HASH_LEN);
}

int store_insert_entry(struct store *s, struct chain_entry *e, int64_t ts_min, int64_t ts_max,
                       int topics, char *err, size_t errlen)
{
    uint8_t hash[CHAIN_HASH_LEN];
    e->id = s->head_id + 1;
    chain_entry_hash(s->head_hash, e, hash);
    sqlite3_stmt *st = s->d_batch;
    sqlite3_bind_int64(st, 1, e->id);
    sqlite3_bind_int(st, 2, e->kind);
    sqlite3_bind_text(st, 3, e->sensor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)e->run);
    sqlite3_bind_int64(st, 5, (int64_t)e->batch_seq);
    sqlite3_bind_int64(st, 6, (int64_t)e->first_seq);
    sqlite3_bind_int64(st, 7, (int64_t)e->last_seq);
    sqlite3_bind_int64(st, 8, e->count);
    sqlite3_bind_int64(st, 9, e->first_pos);
    sqlite3_bind_int64(st, 10, e->events_end);
    sqlite3_bind_int64(st, 11, e->received);
    sqlite3_bind_int64(st, 12, ts_min);
    sqlite3_bind_int64(st, 13, ts_max);
    sqlite3_bind_int(st, 14, topics);
    sqlite3_bind_blob(st, 15, e->body, (int)e->body_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 16, s->head_hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 17, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
    int rc = store_step_once(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "batch row: %s", sqlite3_errmsg(s->day));
        return -1;
    }
    s->head_id = e->id;
    s->head_events = e->events_end;
    memcpy(s->head_hash, hash, CHAIN_HASH_LEN);
    s->chain_dirty = 1;
    return 0;
}

/* A run of a sensor the store has not seen: said once, counted in the sensor's runs. */
static void note_new_run(struct store *s, const struct batch *b)
{
    size_t runs = seqstate_runs(&s->seq, b->hdr.sensor, NULL);
    if (runs <= 1)
        return; /* the sensor's first run */
    log_warn("sensor %s: new run %016llx (seq from %llu); %zu runs of this sensor so far",
             b->hdr.sensor, (unsigned long long)b->hdr.run,
             (unsigned long long)b->hdr.first_seq, runs);
}

/* The new events of one batch as one block plus its chain entry and keys; advances the
 * chain in memory. */
static int put_one(struct store *s, struct batch *b, struct store_put_result *r, int64_t now,
                   uint64_t *topic_counts, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct sensor_state *ss = seqstate_get(&s->seq, b->hdr.sensor, b->hdr.run, 0);
    if (!ss) {
        ss = seqstate_get(&s->seq, b->hdr.sensor, b->hdr.run, 1);
        if (ss)
            note_new_run(s, b);
    }
    if (!ss) {
        r->refused = 1;
        for (size_t i = 0; i < b->n; i++)
            b->ev[i].stored = 0;
        return 0;
    }
    s->raw.len = 0;
    evb_keys_clear(&s->keys);
    uint32_t k = 0;
    uint64_t first_seq = 0, last_seq = 0;
    int64_t ts_min = INT64_MAX, ts_max = INT64_MIN;
    int topics = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct ev *e = &b->ev[i];
        e->stored = 0;
        if (!seqstate_is_new(ss, (uint64_t)e->seq)) {
            r->duplicates++;
            continue;
        }
        struct evb_fields f;
        evb_fields_of(e, &f);
        if (evb_append(&s->raw, &f, e->line, e->line_len) != 0 ||
            evb_keys_add(&s->keys, &f) != 0) {
            snprintf(err, errlen, "out of memory for the block of batch %llu",
                     (unsigned long long)b->hdr.batch_seq);
            return -1;
        }
        struct seq_gap g;
        int mk = seqstate_mark(ss, (uint64_t)e->seq, &g);
        if (mk < 0) {
            snprintf(err, errlen, "out of memory for the gaps of sensor %s", ss->id);
            return -1;
        }
        if (mk == 1)
            store_note_gap(s, ss->id, &g);
        if (k == 0)
            first_seq = (uint64_t)e->seq;
        last_seq = (uint64_t)e->seq;
        ts_min = e->ts_us < ts_min ? e->ts_us : ts_min;
        ts_max = e->ts_us > ts_max ? e->ts_us : ts_max;
        topics |= 1 << ev_topic_of(e->type);
        k++;
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
    if (evb_compress(&s->raw, s->zlevel, &s->z) != 0 || s->z.len > INT32_MAX) {
        snprintf(err, errlen, "cannot compress the block of batch %llu",
                 (unsigned long long)b->hdr.batch_seq);
        return -1;
    }
    struct chain_entry ce = {
        .kind = CHAIN_EVENTS, .sensor = b->hdr.sensor, .run = b->hdr.run,
        .batch_seq = b->hdr.batch_seq, .first_seq = first_seq, .last_seq = last_seq,
        .count = k, .first_pos = s->next_pos, .events_end = s->head_events + k,
        .received = now, .body = s->z.p, .body_len = s->z.len};
    if (store_insert_entry(s, &ce, ts_min, ts_max, topics, err, errlen) != 0)
        return -1;
    s->next_pos += k;
    evb_keys_finish(&s->keys);
    for (size_t i = 0; i < s->keys.n; i++) {
        sqlite3_bind_text(s->d_key, 1, s->keys.k[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->d_key, 2, ce.id);
        if (store_step_once(s->d_key) != SQLITE_DONE) {
            snprintf(err, errlen, "key row: %s", sqlite3_errmsg(s->day));
            return -1;
        }
    }
    return 0;
}

int store_current_day(struct store *s, char *err, size_t errlen)
{
    int64_t now = s->clock();
    char day[DAY_NAME_LEN + 1];
    day_of(now, day);
    /* days only move forward: with the clock set back, the newest day file goes on (the
     * forwarder relies on an older day file never growing again) */
    if (!s->day && strcmp(day, s->newest_day) < 0)
        memcpy(day, s->newest_day, sizeof day);
    if (!s->day || strcmp(day, s->day_name) > 0)
        return store_open_day(s, day, err, errlen);
    return 0;
}

/* A full disk is said once, then at most every FULL_LOG_EVERY_US, and when room returns. */
static void note_full(struct store *s, int full, size_t refused, const char *why)
{
    uint64_t now = tz_mono_us();
    if (!full) {
        if (s->full)
            log_info("store: room again in %s: storing resumed (%llu batch(es) were refused "
                     "for lack of room and are resent by their sensors)",
                     s->dir, (unsigned long long)s->full_refused);
        s->full = 0;
        s->full_refused = 0;
        return;
    }
    s->full_refused += refused;
    if (s->m)
        atomic_fetch_add(&s->m->store_full_refused, refused);
    if (!s->full || now - s->full_logged_us >= FULL_LOG_EVERY_US) {
        log_err("store: %s %s: the disk is full; what fits is stored batch by batch and the "
                "rest is refused (RETRY) until room returns (%llu batch(es) refused so far)",
                s->dir, s->full ? "is still full" : "is full", (unsigned long long)s->full_refused);
        if (why && why[0])
            log_debug("store: %s", why);
        s->full_logged_us = now;
    }
    s->full = 1;
}

/* One transaction over b[0..n). 0, or -1 with err (rolled back; *full set for SQLITE_FULL). */
static int put_group(struct store *s, struct batch *const *b, size_t n,
                     struct store_put_result *r, int *full, char *err, size_t errlen)
{
    *full = 0;
    int64_t now = s->clock();
    if (store_current_day(s, err, errlen) != 0) {
        *full = s->day == NULL;
        return -1;
    }
    int64_t save_head = s->head_id, save_events = s->head_events, save_pos = s->next_pos;
    uint8_t save_hash[CHAIN_HASH_LEN];
    memcpy(save_hash, s->head_hash, CHAIN_HASH_LEN);
    uint64_t topic_counts[TOPIC_COUNT] = {0};
    if (store_step_once(s->d_begin) != SQLITE_DONE) {
        snprintf(err, errlen, "BEGIN: %s", sqlite3_errmsg(s->day));
        *full = (sqlite3_errcode(s->day) & 0xff) == SQLITE_FULL;
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
    if (store_save_meta(s, e2, sizeof e2) != 0 && !s->full) /* the day files hold the truth */
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
    for (int t = 0; t < TOPIC_COUNT; t++)
        s->kept_events += (int64_t)topic_counts[t];
    if (s->m)
        atomic_store(&s->m->store_events_kept, s->kept_events);
    return 0;
fail:
    *full = (sqlite3_errcode(s->day) & 0xff) == SQLITE_FULL;
    store_step_once(s->d_rollback);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < b[i]->n; j++)
            b[i]->ev[j].stored = 0;
        r[i].inserted = r[i].duplicates = 0;
    }
    s->head_id = save_head;
    s->head_events = save_events;
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

/* put_group, halving the group on failure down to one batch. Returns the batches stored. */
static size_t put_split(struct store *s, struct batch *const *b, size_t n,
                        struct store_put_result *r, int *any_full, char *err, size_t errlen)
{
    int full = 0;
    if (put_group(s, b, n, r, &full, err, errlen) == 0)
        return n;
    *any_full |= full;
    if (n == 1) {
        r[0].failed = 1;
        r[0].full = full;
        return 0;
    }
    size_t h = n / 2;
    return put_split(s, b, h, r, any_full, err, errlen) +
           put_split(s, b + h, n - h, r + h, any_full, err, errlen);
}

int store_put_many(struct store *s, struct batch *const *b, size_t n,
                   struct store_put_result *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        memset(&r[i], 0, sizeof r[i]);
    int full = 0;
    size_t stored = put_split(s, b, n, r, &full, err, errlen);
    if (full) {
        note_full(s, 1, n - stored, err);
    } else if (stored == n) {
        note_full(s, 0, 0, NULL);
    } else if (s->fail_logged++ < 20 || s->fail_logged % 1000 == 0) {
        /* not the disk: a lock held too long, an I/O error; said, without a flood */
        log_err("store: %zu of %zu batch(es) not stored, asking for a resend: %s (%llu time(s))",
                n - stored, n, err, (unsigned long long)s->fail_logged);
    }
    return stored > 0 || n == 0 ? 0 : -1;
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
        if (!db || db_int(db, "SELECT coalesce(sum(count), 0) FROM batches WHERE kind = 0", -1,
                          &n) != 0)
            total = -1;
        else
            total += n;
        sqlite3_close(db);
    }
    day_list_free(&days);
    return total;
}
