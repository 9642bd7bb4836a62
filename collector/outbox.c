/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox.c - the store-driven Kafka forwarder thread (see outbox.h). Per topic: a
 * read-only connection to the day file holding its read position, the block of the batch
 * being read (decompressed once, evblock.h), a window of messages in flight, and a cursor
 * saved to meta.db at most every CURSOR_SAVE_MS. A day file is left
 * for the next one only once the next exists and a fresh read of it finds nothing more
 * (the writer never goes back to an older day). Delivery reports come through
 * rd_kafka_poll() on this thread, so the windows need no lock. The producer itself is in
 * outbox_producer.c.
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evblock.h"
#include "log.h"
#include "outbox_int.h"
#include "tztime.h"

/* The batches of one topic from the one holding position ?2 + 1 on, in position order. */
static const char batches_sql[] =
    "SELECT first_pos, count, received, sensor, body FROM batches "
    "WHERE first_pos >= coalesce((SELECT max(first_pos) FROM batches WHERE first_pos <= ?2 + 1), 0) "
    "AND (topics & ?1) != 0 AND first_pos + count - 1 > ?2 ORDER BY first_pos LIMIT ?3";

/* ---- reading the store ---- */

static void reader_close(struct reader *r)
{
    sqlite3_finalize(r->q);
    sqlite3_close(r->db);
    r->q = NULL;
    r->db = NULL;
    r->day[0] = '\0';
}

static int reader_open(struct outbox *ob, int t, const char *day)
{
    struct reader *r = &ob->r[t];
    reader_close(r);
    char path[PATH_CAP], err[512];
    day_path(ob->dir, day, path, sizeof path);
    r->db = day_open_ro(path, ob->busy_ms, err, sizeof err);
    if (!r->db) {
        log_warn("outbox: %s", err);
        return -1;
    }
    if (sqlite3_prepare_v2(r->db, batches_sql, -1, &r->q, NULL) != SQLITE_OK) {
        log_warn("outbox: %s: %s", path, sqlite3_errmsg(r->db));
        reader_close(r);
        return -1;
    }
    memcpy(r->day, day, DAY_NAME_LEN + 1);
    return 0;
}

static void days_refresh(struct outbox *ob, int force)
{
    uint64_t now = tz_mono_us();
    if (!force && now - ob->days_read_us < DAYS_EVERY_MS * 1000u)
        return;
    struct day_list l;
    char err[512];
    if (day_list_read(ob->dir, &l, err, sizeof err) != 0) {
        log_warn("outbox: %s", err);
        return;
    }
    day_list_free(&ob->days);
    ob->days = l;
    ob->days_read_us = now;
}

/* Opens the first day file holding a position above r->read_pos (else the newest). */
static void reader_locate(struct outbox *ob, int t)
{
    struct reader *r = &ob->r[t];
    reader_close(r);
    days_refresh(ob, 1);
    for (size_t k = 0; k < ob->days.n; k++) {
        if (reader_open(ob, t, ob->days.name[k]) != 0)
            continue;
        int64_t max = 0;
        if (k + 1 == ob->days.n ||
            (db_int(r->db, "SELECT max(first_pos + count - 1) FROM batches", -1, &max) == 0 &&
             max > r->read_pos))
            return;
    }
    reader_close(r);
}

/* A day file after r's, or NULL. */
static const char *next_day(struct outbox *ob, const struct reader *r)
{
    for (size_t k = 0; k < ob->days.n; k++)
        if (strcmp(ob->days.name[k], r->day) > 0)
            return ob->days.name[k];
    return NULL;
}

static void rewind_topic(struct outbox *ob, int t)
{
    struct reader *r = &ob->r[t];
    r->win.head = r->win.tail;
    r->win.pending = 0;
    r->win.failed = 0;
    r->read_pos = r->win.cursor;
    reader_close(r);
    atomic_fetch_add(&ob->m->kafka_rewinds, 1);
}

/* Produces one stored event; 0 produced, 1 skipped for good (too large), -1 the window
 * or the producer queue is full (nothing changed). */
static int produce_one(struct outbox *ob, int t, int64_t pos, int64_t received,
                       const char *sensor, const struct evb_rec *rec)
{
    struct reader *r = &ob->r[t];
    char cid[EVB_CID_MAX + 1];
    memcpy(cid, rec->cid, rec->cid_len);
    cid[rec->cid_len] = '\0';
    const char *key = outbox_key(rec->cid_len ? cid : NULL, sensor);
    const char *json = rec->line;
    size_t jlen = rec->line_len;
    char *value = NULL;
    size_t vlen = jlen;
    int flags = RD_KAFKA_MSG_F_COPY;
    if (envelope_active(ob->env)) {
        unsigned redacted = 0;
        value = envelope_apply(ob->env, json, jlen, &vlen, &redacted);
        if (!value) { /* the store only holds JSON objects; forward it as it is */
            atomic_fetch_add(&ob->m->kafka_envelope_errors, 1);
            vlen = jlen;
        } else {
            flags = RD_KAFKA_MSG_F_FREE;
            if (redacted)
                atomic_fetch_add(&ob->m->kafka_redacted, 1);
        }
    }
    int64_t slot = window_push(&r->win, pos, received);
    if (slot < 0) {
        free(value);
        return -1;
    }
    uintptr_t tag = ((uintptr_t)t << 56) | (uintptr_t)slot;
    rd_kafka_resp_err_t e = rd_kafka_producev(
        ob->rk, RD_KAFKA_V_RKT(ob->rkt[t]), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_VALUE(value ? value : (void *)json, vlen),
        RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_OPAQUE((void *)tag), RD_KAFKA_V_END);
    if (outbox_permanent_error(e)) {
        free(value); /* not taken by librdkafka on error */
        uint64_t head0 = r->win.head;
        window_settle(&r->win, (uint64_t)slot, 1);
        r->passed += r->win.head - head0;
        outbox_undeliverable(ob, ob->names[t], pos, vlen, e);
        return 1;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        window_unpush(&r->win);
        free(value); /* not taken by librdkafka on error */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            log_warn("kafka: produce to %s: %s", ob->names[t], rd_kafka_err2str(e));
        return -1;
    }
    atomic_fetch_add(&ob->m->kafka_produced[t], 1);
    return 0;
}

/* The block of the batch at first_pos, decompressed once per reader. 0 or -1. */
static int block_load(struct reader *r, int64_t first_pos, const void *body, size_t blen)
{
    if (r->block_pos == first_pos && first_pos > 0)
        return 0;
    r->block_pos = 0;
    if (evb_decompress(body, blen, &r->block) < 0)
        return -1;
    r->block_pos = first_pos;
    return 0;
}

/* Produces what is after topic t's read position, as far as the window and the producer
 * queue allow. Returns the events produced (or > 0 for other progress). */
static int fill(struct outbox *ob, int t)
{
    struct reader *r = &ob->r[t];
    int64_t committed = atomic_load_explicit(&ob->m->committed_pos, memory_order_acquire);
    if (r->win.failed || committed <= r->read_pos)
        return 0;
    if (r->win.cap - window_used(&r->win) == 0)
        return 0;
    if (!r->db) {
        reader_locate(ob, t);
        if (!r->db)
            return 0;
    }
    int produced = 0, again = 1, full = 0;
    while (again && !full) {
        again = 0;
        int rows = 0;
        sqlite3_bind_int(r->q, 1, 1 << t);
        sqlite3_bind_int64(r->q, 2, r->read_pos);
        sqlite3_bind_int(r->q, 3, READ_BATCHES);
        while (!full && sqlite3_step(r->q) == SQLITE_ROW) {
            rows++;
            int64_t first = sqlite3_column_int64(r->q, 0), count = sqlite3_column_int64(r->q, 1);
            int64_t received = sqlite3_column_int64(r->q, 2);
            const char *sensor = (const char *)sqlite3_column_text(r->q, 3);
            if (block_load(r, first, sqlite3_column_blob(r->q, 4),
                           (size_t)sqlite3_column_bytes(r->q, 4)) != 0) {
                log_err("outbox: the block at position %lld in %s cannot be read (run "
                        "tanzhen-collector verify); its %lld event(s) are skipped",
                        (long long)first, r->day, (long long)count);
                r->read_pos = first + count - 1;
                continue;
            }
            size_t off = 0;
            struct evb_rec rec;
            int64_t pos = first;
            for (; evb_next(r->block.p, r->block.len, &off, &rec) == 1; pos++) {
                if (pos <= r->read_pos || (int)ev_topic_of(rec.type) != t)
                    continue;
                int rc = produce_one(ob, t, pos, received, sensor ? sensor : "", &rec);
                if (rc < 0) {
                    full = 1;
                    break;
                }
                r->read_pos = pos;
                produced += rc == 0;
            }
            if (!full && first + count - 1 > r->read_pos)
                r->read_pos = first + count - 1;
        }
        sqlite3_reset(r->q); /* ends the read transaction */
        if (rows == 0 && !full) {
            /* nothing more here: move on once a newer day file exists (the writer never
             * returns to an older day), after one more read to see its last commits */
            days_refresh(ob, 0);
            const char *nd = next_day(ob, r);
            if (nd) {
                sqlite3_bind_int(r->q, 1, 1 << t);
                sqlite3_bind_int64(r->q, 2, r->read_pos);
                sqlite3_bind_int(r->q, 3, 1);
                int more = sqlite3_step(r->q) == SQLITE_ROW;
                sqlite3_reset(r->q);
                if (!more) {
                    char day[DAY_NAME_LEN + 1];
                    memcpy(day, nd, sizeof day);
                    if (reader_open(ob, t, day) == 0)
                        again = 1;
                } else {
                    again = 1;
                }
            }
        }
    }
    return produced;
}

/* ---- cursors and lag ---- */

static int cursors_load(struct outbox *ob, int64_t cur[TOPIC_COUNT], char *err, size_t errlen)
{
    for (int t = 0; t < TOPIC_COUNT; t++)
        cur[t] = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ob->meta, "SELECT topic, pos FROM cursors", -1, &st, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s/" META_FILE ": %s", ob->dir, sqlite3_errmsg(ob->meta));
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int t = 0; name && t < TOPIC_COUNT; t++)
            if (strcmp(name, ev_topic_name((enum ev_topic)t)) == 0)
                cur[t] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return 0;
}

static void cursors_save(struct outbox *ob)
{
    int changed = 0;
    for (int t = 0; t < TOPIC_COUNT; t++)
        changed |= ob->r[t].win.cursor != ob->r[t].cursor_saved;
    if (!changed)
        return;
    if (sqlite3_exec(ob->meta, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        log_debug("outbox: cursors not saved now: %s", sqlite3_errmsg(ob->meta));
        return;
    }
    int64_t now = (int64_t)tz_now_us();
    int ok = 1;
    for (int t = 0; t < TOPIC_COUNT && ok; t++) {
        sqlite3_bind_text(ob->save, 1, ev_topic_name((enum ev_topic)t), -1, SQLITE_STATIC);
        sqlite3_bind_int64(ob->save, 2, ob->r[t].win.cursor);
        sqlite3_bind_int64(ob->save, 3, now);
        ok = sqlite3_step(ob->save) == SQLITE_DONE;
        sqlite3_reset(ob->save);
    }
    if (ok && sqlite3_exec(ob->meta, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        for (int t = 0; t < TOPIC_COUNT; t++)
            ob->r[t].cursor_saved = ob->r[t].win.cursor;
        if (ob->save_failed)
            log_info("outbox: cursors saved again (%llu attempt(s) had failed)",
                     (unsigned long long)ob->save_failed);
        ob->save_failed = 0;
    } else {
        /* said once, then every SAVE_FAIL_LOG_US: a full disk fails every attempt */
        uint64_t mono = tz_mono_us();
        if (ob->save_failed++ == 0 || mono - ob->save_failed_log_us >= SAVE_FAIL_LOG_US) {
            log_warn("outbox: cursors not saved: %s (%llu attempt(s); they are saved once "
                     "it works again, a restart meanwhile resends from the saved cursors)",
                     sqlite3_errmsg(ob->meta), (unsigned long long)ob->save_failed);
            ob->save_failed_log_us = mono;
        }
        sqlite3_exec(ob->meta, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Events of topic t after its cursor up to upto, counted over the day files (at start:
 * the blocks after the cursor are opened once). */
static int64_t backlog_count(struct outbox *ob, int t, int64_t cursor, int64_t upto)
{
    int64_t total = 0;
    char path[PATH_CAP], err[512];
    struct evb_buf raw = {0};
    for (size_t k = 0; k < ob->days.n; k++) {
        day_path(ob->dir, ob->days.name[k], path, sizeof path);
        sqlite3 *db = day_open_ro(path, ob->busy_ms, err, sizeof err);
        sqlite3_stmt *q = NULL;
        if (db && sqlite3_prepare_v2(db, batches_sql, -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int(q, 1, 1 << t);
            sqlite3_bind_int64(q, 2, cursor);
            sqlite3_bind_int(q, 3, INT32_MAX);
            while (sqlite3_step(q) == SQLITE_ROW) {
                int64_t pos = sqlite3_column_int64(q, 0);
                if (evb_decompress(sqlite3_column_blob(q, 4),
                                   (size_t)sqlite3_column_bytes(q, 4), &raw) < 0)
                    continue;
                size_t off = 0;
                struct evb_rec rec;
                for (; evb_next(raw.p, raw.len, &off, &rec) == 1; pos++)
                    total += pos > cursor && pos <= upto && (int)ev_topic_of(rec.type) == t;
            }
        }
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    evb_buf_free(&raw);
    return total;
}

static void lag_update(struct outbox *ob)
{
    int64_t now = (int64_t)tz_now_us();
    for (int t = 0; t < TOPIC_COUNT; t++) {
        struct reader *r = &ob->r[t];
        uint64_t stored = atomic_load(&ob->m->stored_topic[t]);
        int64_t lag = r->lag_base + (int64_t)(stored - r->stored0) - (int64_t)r->passed;
        if (lag < 0)
            lag = 0;
        int64_t oldest = 0;
        if (lag > 0) {
            oldest = window_oldest_received(&r->win);
            if (oldest == 0 && r->db) {
                /* nothing in flight: the first unread row */
                sqlite3_stmt *q = NULL;
                if (sqlite3_prepare_v2(r->db, batches_sql, -1, &q, NULL) == SQLITE_OK) {
                    sqlite3_bind_int(q, 1, 1 << t);
                    sqlite3_bind_int64(q, 2, r->win.cursor);
                    sqlite3_bind_int(q, 3, 1);
                    if (sqlite3_step(q) == SQLITE_ROW)
                        oldest = sqlite3_column_int64(q, 2);
                }
                sqlite3_finalize(q);
            }
        }
        atomic_store(&ob->m->lag_events[t], lag);
        atomic_store(&ob->m->lag_us[t], oldest > 0 && now > oldest ? now - oldest : 0);
        atomic_store(&ob->m->cursor[t], r->win.cursor);
    }
}

/* ---- the thread ---- */

static int should_stop(struct outbox *ob, int wait_ms)
{
    pthread_mutex_lock(&ob->lock);
    if (!ob->stop && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)wait_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&ob->cond, &ob->lock, &ts);
    }
    int s = ob->stop;
    pthread_mutex_unlock(&ob->lock);
    return s;
}

static void *outbox_main(void *arg)
{
    struct outbox *ob = arg;
    uint64_t next_save = 0, next_lag = 0, restart_at = 0;
    for (;;) {
        uint64_t now = tz_mono_us();
        if (!ob->rk && ob->brokers[0] == '\0') {
            if (should_stop(ob, 500))
                break;
            continue;
        }
        if (ob->fatal && ob->rk) {
            outbox_producer_destroy(ob);
            for (int t = 0; t < TOPIC_COUNT; t++)
                rewind_topic(ob, t);
            restart_at = now + RESTART_BACKOFF_MS * 1000u;
        }
        if (!ob->rk) {
            char err[600];
            if (now < restart_at || outbox_producer_create(ob, err, sizeof err) != 0) {
                if (now >= restart_at) {
                    log_err("kafka: %s", err);
                    restart_at = now + RESTART_BACKOFF_MS * 1000u;
                }
                if (should_stop(ob, 200))
                    break;
                continue;
            }
            log_info("kafka: producer restarted; forwarding resumes at the cursors");
        }
        int progress = 0;
        for (int t = 0; t < TOPIC_COUNT; t++)
            progress += fill(ob, t);
        rd_kafka_poll(ob->rk, progress ? 0 : 20);
        for (int t = 0; t < TOPIC_COUNT; t++)
            if (window_rewind(&ob->r[t].win))
                rewind_topic(ob, t);
        now = tz_mono_us();
        if (now >= next_save) {
            cursors_save(ob);
            next_save = now + CURSOR_SAVE_MS * 1000u;
        }
        if (now >= next_lag) {
            lag_update(ob);
            next_lag = now + LAG_EVERY_MS * 1000u;
        }
        if (should_stop(ob, 0))
            break;
    }
    if (ob->rk) {
        /* deliver what is queued, within the flush budget; the cursors follow */
        uint64_t deadline = tz_mono_us() + (uint64_t)ob->flush_ms * 1000u;
        while (rd_kafka_outq_len(ob->rk) > 0 && tz_mono_us() < deadline)
            rd_kafka_poll(ob->rk, 50);
        ob->left = rd_kafka_outq_len(ob->rk);
        if (ob->left > 0)
            log_warn("kafka: %ld message(s) not delivered after %d ms; they stay after the "
                     "cursor and go out at the next start",
                     ob->left, ob->flush_ms);
    }
    cursors_save(ob);
    lag_update(ob);
    return NULL;
}

int outbox_start(struct outbox **out, const struct outbox_opts *o, char *err, size_t errlen)
{
    *out = NULL;
    struct outbox *ob = calloc(1, sizeof *ob);
    if (!ob) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&ob->lock, NULL);
    pthread_cond_init(&ob->cond, NULL);
    snprintf(ob->dir, sizeof ob->dir, "%s", o->dir);
    snprintf(ob->brokers, sizeof ob->brokers, "%s", o->brokers ? o->brokers : "");
    ob->properties = strdup(o->properties ? o->properties : "");
    ob->env = o->env;
    ob->busy_ms = o->busy_timeout_ms;
    ob->flush_ms = o->flush_timeout_ms;
    ob->retention_days = o->retention_days;
    ob->m = o->m;
    for (int t = 0; t < TOPIC_COUNT; t++) {
        int n = snprintf(ob->names[t], sizeof ob->names[t], "%s.%s", o->prefix,
                         ev_topic_name((enum ev_topic)t));
        if (n < 0 || n > 249) {
            snprintf(err, errlen, "kafka.topic_prefix: topic %s.%s is longer than 249",
                     o->prefix, ev_topic_name((enum ev_topic)t));
            goto fail;
        }
    }
    char mp[PATH_CAP];
    meta_path(ob->dir, mp, sizeof mp);
    if (sqlite3_open_v2(mp, &ob->meta, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", mp,
                 ob->meta ? sqlite3_errmsg(ob->meta) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(ob->meta, ob->busy_ms);
    sqlite3_exec(ob->meta, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(ob->meta,
                           "INSERT OR REPLACE INTO cursors (topic, pos, updated) "
                           "VALUES (?1, ?2, ?3)",
                           -1, &ob->save, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", mp, sqlite3_errmsg(ob->meta));
        goto fail;
    }
    int64_t cur[TOPIC_COUNT];
    if (cursors_load(ob, cur, err, errlen) != 0)
        goto fail;
    if (ob->brokers[0] && outbox_producer_create(ob, err, errlen) != 0)
        goto fail;
    days_refresh(ob, 1);
    /* the lag counts: what is after each cursor now, then what the store adds */
    pthread_mutex_lock(&ob->m->lock);
    int64_t upto = atomic_load(&ob->m->committed_pos);
    uint64_t stored0[TOPIC_COUNT];
    for (int t = 0; t < TOPIC_COUNT; t++)
        stored0[t] = atomic_load(&ob->m->stored_topic[t]);
    pthread_mutex_unlock(&ob->m->lock);
    for (int t = 0; t < TOPIC_COUNT; t++) {
        struct reader *r = &ob->r[t];
        if (window_init(&r->win, WINDOW_CAP, cur[t]) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        r->read_pos = cur[t];
        r->cursor_saved = cur[t];
        r->stored0 = stored0[t];
        r->lag_base = ob->brokers[0] ? backlog_count(ob, t, cur[t], upto) : 0;
        atomic_store(&ob->m->cursor[t], cur[t]);
    }
    atomic_store(&ob->m->kafka_enabled, ob->brokers[0] != '\0');
    if (pthread_create(&ob->thread, NULL, outbox_main, ob) != 0) {
        snprintf(err, errlen, "cannot start the forwarder thread");
        goto fail;
    }
    ob->started = 1;
    for (int t = 0; t < TOPIC_COUNT; t++)
        if (ob->r[t].lag_base > 0)
            log_info("kafka: %lld %s event(s) in the store wait to be forwarded (cursor %lld)",
                     (long long)ob->r[t].lag_base, ob->names[t], (long long)cur[t]);
    *out = ob;
    return 0;
fail:
    outbox_stop(ob);
    return -1;
}

long outbox_stop(struct outbox *ob)
{
    if (!ob)
        return 0;
    if (ob->started) {
        pthread_mutex_lock(&ob->lock);
        ob->stop = 1;
        pthread_cond_signal(&ob->cond);
        pthread_mutex_unlock(&ob->lock);
        pthread_join(ob->thread, NULL);
    }
    long left = ob->left;
    outbox_producer_destroy(ob);
    for (int t = 0; t < TOPIC_COUNT; t++) {
        reader_close(&ob->r[t]);
        evb_buf_free(&ob->r[t].block);
        window_free(&ob->r[t].win);
    }
    sqlite3_finalize(ob->save);
    sqlite3_close(ob->meta);
    day_list_free(&ob->days);
    free(ob->properties);
    pthread_cond_destroy(&ob->cond);
    pthread_mutex_destroy(&ob->lock);
    free(ob);
    return left;
}

const char *outbox_key(const char *community_id, const char *sensor)
{
    return community_id ? community_id : sensor ? sensor : "";
}
