/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - the chain walk behind `tanzhen-collector verify` (see verify.h). First pass:
 * each day file's id range and the retention entries, which say up to which entry the
 * chain was removed and the hash it continues from. Second pass, file by file in one read
 * snapshot each: every entry must follow the previous (id, prev_hash, first_pos,
 * events_end), hash to its hash column, and agree with its block and keys
 * (verify_block.c); index rows of no batch are inserted. Last, the head against meta.db
 * and every anchor.
 */
#include "verify.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dayfile.h"
#include "verify_int.h"

#define PATH_CAP 1200 /* store.dir is at most 1000 characters */

struct vstate {
    const char *dir;
    struct verify_result *vr;
    int64_t expect_id, expect_pos, expect_events;
    uint8_t prev[CHAIN_HASH_LEN];
    const char *day;
    struct anchor *anchors;
    size_t nanchors;
    int *anchor_seen;
    struct evb_buf scratch;
};

static int fail(struct vstate *v, int64_t batch, const char *where, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct vstate *v, int64_t batch, const char *where, const char *kind,
                const char *fmt, ...)
{
    char detail[600] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    v->vr->fail_batch = batch;
    snprintf(v->vr->kind, sizeof v->vr->kind, "%s", kind);
    snprintf(v->vr->line, sizeof v->vr->line, "verify: FAILED at batch %lld %s: %s: %s",
             (long long)batch, where, kind, detail);
    return 1;
}

static void where_row(const struct vstate *v, const struct vrow *r, char *out, size_t cap)
{
    if (r->kind == CHAIN_RETENTION)
        snprintf(out, cap, "(a retention entry in " DAY_PREFIX "%s" DAY_SUFFIX ")", v->day);
    else
        snprintf(out, cap, "(sensor %s, seq %lld..%lld in " DAY_PREFIX "%s" DAY_SUFFIX ")",
                 r->sensor, (long long)r->first_seq, (long long)r->last_seq, v->day);
}

static const char row_sql[] =
    "SELECT id, kind, sensor, run, batch_seq, first_seq, last_seq, count, first_pos, "
    "events_end, received, ts_min, ts_max, topics, body, prev_hash, hash FROM batches "
    "ORDER BY id";

static void read_row(sqlite3_stmt *st, struct vrow *r)
{
    memset(r, 0, sizeof *r);
    int64_t *f[] = {&r->id, &r->kind, NULL, &r->run, &r->batch_seq, &r->first_seq, &r->last_seq,
                    &r->count, &r->first_pos, &r->events_end, &r->received, &r->ts_min,
                    &r->ts_max, &r->topics};
    for (int i = 0; i < 14; i++)
        if (f[i])
            *f[i] = sqlite3_column_int64(st, i);
    const char *sensor = (const char *)sqlite3_column_text(st, 2);
    snprintf(r->sensor, sizeof r->sensor, "%s", sensor ? sensor : "");
    r->body = sqlite3_column_blob(st, 14);
    r->body_len = (size_t)sqlite3_column_bytes(st, 14);
    if ((r->prev_ok = sqlite3_column_bytes(st, 15) == CHAIN_HASH_LEN))
        memcpy(r->prev, sqlite3_column_blob(st, 15), CHAIN_HASH_LEN);
    if ((r->hash_ok = sqlite3_column_bytes(st, 16) == CHAIN_HASH_LEN))
        memcpy(r->hash, sqlite3_column_blob(st, 16), CHAIN_HASH_LEN);
}

/* The keys rows of batch id from a cursor ordered by (batch, k); *pending is 1 when a row
 * was read ahead, -1 when the cursor is at its end. Rows of a lower batch than id (no batch of theirs was seen) are strays. */
static int read_keys(sqlite3_stmt *kq, int *pending, int64_t id, struct vkeys *out,
                     int64_t *stray)
{
    out->n = 0;
    *stray = 0;
    for (;;) {
        if (*pending < 0)
            return 0; /* the cursor is done (a step after SQLITE_DONE would restart it) */
        if (!*pending) {
            if (sqlite3_step(kq) != SQLITE_ROW) {
                *pending = -1;
                return 0;
            }
            *pending = 1;
        }
        int64_t b = sqlite3_column_int64(kq, 0);
        if (b > id)
            return 0;
        if (b < id) {
            *stray = b ? b : -1;
            return 0;
        }
        const char *k = (const char *)sqlite3_column_text(kq, 1);
        if (out->n == out->cap) {
            size_t ncap = out->cap ? out->cap * 2 : 64;
            void *nk = realloc(out->k, ncap * sizeof *out->k);
            if (!nk)
                return -1;
            out->k = nk;
            out->cap = ncap;
        }
        snprintf(out->k[out->n++], EVB_KEY_MAX, "%s", k ? k : "");
        *pending = 0;
    }
}

/* One row: follows the chain, hashes right, agrees with its block. 0 or 1 (reported). */
static int check_row(struct vstate *v, const struct vrow *r, const struct vkeys *keys)
{
    char where[300], why[700];
    where_row(v, r, where, sizeof where);
    if (r->id > v->expect_id)
        return fail(v, v->expect_id, where, "deleted",
                    "batches %lld..%lld are gone with their events", (long long)v->expect_id,
                    (long long)(r->id - 1));
    if (r->id < v->expect_id)
        return fail(v, r->id, where, "inserted", "batch %lld appears twice", (long long)r->id);
    if (r->kind != CHAIN_EVENTS && r->kind != CHAIN_RETENTION)
        return fail(v, r->id, where, "changed", "column kind: %lld", (long long)r->kind);
    if (!r->prev_ok || memcmp(r->prev, v->prev, CHAIN_HASH_LEN) != 0)
        return fail(v, r->id, where, "changed",
                    "column prev_hash: it is not the previous entry's hash");
    int blk = r->kind == CHAIN_EVENTS ? verify_block(r, keys, &v->scratch, why, sizeof why) : 0;
    if (blk == VB_ROW || blk == VB_BODY)
        return fail(v, r->id, where, "changed", "%s", why);
    if (r->first_pos != v->expect_pos)
        return fail(v, r->id, where, "changed", "column first_pos: %lld, the chain is at %lld",
                    (long long)r->first_pos, (long long)v->expect_pos);
    if (r->events_end != v->expect_events + (r->kind == CHAIN_EVENTS ? r->count : 0))
        return fail(v, r->id, where, "changed", "column events_end: %lld, the chain gives %lld",
                    (long long)r->events_end, (long long)(v->expect_events + r->count));
    if (r->kind == CHAIN_RETENTION && (r->count != 0 || keys->n != 0))
        return fail(v, r->id, where, "changed", "a retention entry with events or keys");
    struct chain_entry e = {.id = r->id, .kind = (int)r->kind, .sensor = r->sensor,
                            .run = (uint64_t)r->run, .batch_seq = (uint64_t)r->batch_seq,
                            .first_seq = (uint64_t)r->first_seq, .last_seq = (uint64_t)r->last_seq,
                            .count = (uint32_t)r->count, .first_pos = r->first_pos,
                            .events_end = r->events_end, .received = r->received,
                            .body = r->body ? r->body : "", .body_len = r->body_len};
    uint8_t h[CHAIN_HASH_LEN];
    chain_entry_hash(v->prev, &e, h);
    if (!r->hash_ok || memcmp(h, r->hash, CHAIN_HASH_LEN) != 0) {
        if (blk == VB_DERIVED) /* the index no longer fits the block: the block was edited */
            return fail(v, r->id, where, "changed",
                        "column body: the entry no longer hashes to its hash column and its "
                        "events no longer fit the batch's index (%s)", why);
        return fail(v, r->id, where, "changed",
                    "column run, batch_seq, received, body or hash: the entry no longer hashes "
                    "to its hash column");
    }
    if (blk == VB_DERIVED)
        return fail(v, r->id, where, "changed", "%s", why);
    memcpy(v->prev, r->hash, CHAIN_HASH_LEN);
    v->expect_id = r->id + 1;
    v->expect_pos = r->first_pos + (r->kind == CHAIN_EVENTS ? r->count : 0);
    v->expect_events = r->events_end;
    v->vr->batches++;
    v->vr->events += r->kind == CHAIN_EVENTS ? r->count : 0;
    v->vr->head_id = r->id;
    v->vr->head_events = r->events_end;
    memcpy(v->vr->head_hash, r->hash, CHAIN_HASH_LEN);
    for (size_t i = 0; i < v->nanchors; i++) {
        const struct anchor *a = &v->anchors[i];
        if (a->batch != r->id)
            continue;
        v->anchor_seen[i] = 1;
        if (memcmp(a->hash, r->hash, CHAIN_HASH_LEN) != 0 || a->events != r->events_end)
            return fail(v, r->id, where, "changed",
                        "the anchor %s has another hash or event count (%lld) for this batch",
                        a->source, (long long)a->events);
    }
    return 0;
}

/* Checks one day file. Returns 0 (holds so far), 1 (failed, reported), -1 (unreadable). */
static int verify_file(struct vstate *v, const char *day)
{
    char path[PATH_CAP], err[1600];
    v->day = day;
    day_path(v->dir, day, path, sizeof path);
    sqlite3 *db = day_open_ro(path, 5000, err, sizeof err);
    if (!db) {
        snprintf(v->vr->line, sizeof v->vr->line, "verify: cannot read %.1000s", err);
        return -1;
    }
    int rc = -1, pending = 0;
    sqlite3_stmt *st = NULL, *kq = NULL;
    struct vkeys keys = {0};
    /* one read transaction: a snapshot, whatever the collector commits meanwhile */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, row_sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT batch, k FROM keys ORDER BY batch, k", -1, &kq, NULL) !=
            SQLITE_OK)
        goto unreadable;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct vrow r;
        read_row(st, &r);
        int64_t stray = 0;
        if (read_keys(kq, &pending, r.id, &keys, &stray) != 0) {
            snprintf(v->vr->line, sizeof v->vr->line, "verify: out of memory");
            goto out;
        }
        if (stray != 0) {
            char where[200];
            snprintf(where, sizeof where, "(in " DAY_PREFIX "%s" DAY_SUFFIX ")", day);
            rc = fail(v, stray, where, "inserted", "keys rows of batch %lld, which is not here",
                      (long long)stray);
            goto out;
        }
        if (check_row(v, &r, &keys) != 0) {
            rc = 1;
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        goto unreadable;
    if (pending == 1 || (pending == 0 && sqlite3_step(kq) == SQLITE_ROW)) {
        char where[200];
        snprintf(where, sizeof where, "(in " DAY_PREFIX "%s" DAY_SUFFIX ")", day);
        rc = fail(v, sqlite3_column_int64(kq, 0), where, "inserted",
                  "keys rows of batch %lld, which is not here",
                  (long long)sqlite3_column_int64(kq, 0));
        goto out;
    }
    rc = 0;
    goto out;
unreadable:
    snprintf(v->vr->line, sizeof v->vr->line, "verify: cannot read %.700s: %.200s", path,
             sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_finalize(kq);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    free(keys.k);
    return rc;
}

/* The retention entries of every day file: up to which entry the chain was removed and
 * the hash it continues from. 0, or -1 with vr->line. */
struct removal {
    int64_t from, to;
    uint8_t last[CHAIN_HASH_LEN];
};

static int cmp_removal(const void *a, const void *b)
{
    const struct removal *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

static int first_pass(const char *dir, const struct day_list *days, int64_t *max_ids,
                      int64_t *removed_to, uint8_t prev[CHAIN_HASH_LEN], struct verify_result *vr)
{
    struct removal *rm = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t k = 0; k < days->n && rc == 0; k++) {
        char path[PATH_CAP], err[1400];
        day_path(dir, days->name[k], path, sizeof path);
        sqlite3 *db = day_open_ro(path, 5000, err, sizeof err);
        sqlite3_stmt *st = NULL;
        max_ids[k] = 0;
        if (!db || db_int(db, "SELECT max(id) FROM batches", -1, &max_ids[k]) < 0 ||
            sqlite3_prepare_v2(db, "SELECT first_seq, last_seq, body FROM batches WHERE kind = 1",
                               -1, &st, NULL) != SQLITE_OK) {
            snprintf(vr->line, sizeof vr->line, "verify: cannot read %.700s: %.200s", path,
                     db ? sqlite3_errmsg(db) : err);
            rc = -1;
        }
        while (rc == 0 && st && sqlite3_step(st) == SQLITE_ROW) {
            const char *text = (const char *)sqlite3_column_text(st, 2);
            const char *h = text ? strstr(text, "last hash ") : NULL;
            char hex[CHAIN_HEX_LEN];
            if (!h || strlen(h + 10) < 64)
                continue; /* its hash check reports it */
            memcpy(hex, h + 10, 64);
            hex[64] = '\0';
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                void *nr = realloc(rm, ncap * sizeof *rm);
                if (!nr) {
                    rc = -1;
                    snprintf(vr->line, sizeof vr->line, "verify: out of memory");
                    break;
                }
                rm = nr;
                cap = ncap;
            }
            rm[n].from = sqlite3_column_int64(st, 0);
            rm[n].to = sqlite3_column_int64(st, 1);
            if (chain_unhex(hex, rm[n].last) == 0)
                n++;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    if (n > 1)
        qsort(rm, n, sizeof *rm, cmp_removal);
    *removed_to = 0;
    memset(prev, 0, CHAIN_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        if (rm[i].from != *removed_to + 1)
            continue;
        *removed_to = rm[i].to;
        memcpy(prev, rm[i].last, CHAIN_HASH_LEN);
    }
    free(rm);
    return rc;
}

/* meta.db's anchor and head; 1 when meta.db is absent. */
static int read_meta(const char *dir, int64_t *anchor_id, int64_t *head_id, int64_t *head_events,
                     uint8_t head[CHAIN_HASH_LEN], char *err, size_t errlen)
{
    char path[PATH_CAP];
    meta_path(dir, path, sizeof path);
    if (access(path, F_OK) != 0)
        return 1;
    sqlite3 *db = day_open_ro(path, 5000, err, errlen);
    if (!db)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT anchor_id, head_id, head_hash, head_events FROM chain",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 2) == CHAIN_HASH_LEN) {
        *anchor_id = sqlite3_column_int64(st, 0);
        *head_id = sqlite3_column_int64(st, 1);
        memcpy(head, sqlite3_column_blob(st, 2), CHAIN_HASH_LEN);
        *head_events = sqlite3_column_int64(st, 3);
        rc = 0;
    } else {
        snprintf(err, errlen, "%s: no chain row: %s", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* Collects the anchors: meta.db's head, DIR/checkpoint, the given ones. -1 with vr->line. */
static int gather_anchors(const char *dir, const struct verify_opts *o, struct anchor *out,
                          size_t *n, int64_t *meta_anchor, struct verify_result *vr)
{
    char err[1400];
    *n = 0;
    struct anchor *a = &out[*n];
    memset(a, 0, sizeof *a);
    int m = read_meta(dir, meta_anchor, &a->batch, &a->events, a->hash, err, sizeof err);
    if (m < 0) {
        snprintf(vr->line, sizeof vr->line, "verify: %.1000s", err);
        return -1;
    }
    vr->no_meta = m == 1;
    if (m == 0 && a->batch > 0) {
        snprintf(a->source, sizeof a->source, "meta.db's chain head");
        (*n)++;
    }
    char path[PATH_CAP];
    snprintf(path, sizeof path, "%s/" ANCHOR_FILE, dir);
    int c = anchor_read_file(path, &out[*n], err, sizeof err);
    if (c < 0) {
        snprintf(vr->line, sizeof vr->line, "verify: FAILED: %.900s", err);
        return 1;
    }
    if (c == 0) {
        struct anchor *cp = &out[*n];
        snprintf(cp->source, sizeof cp->source, "the checkpoint of %s", cp->time);
        if (o && o->key && (!cp->signed_ || memcmp(cp->key, o->key, 32) != 0)) {
            snprintf(vr->line, sizeof vr->line, "verify: FAILED: %.900s is %s", path,
                     cp->signed_ ? "signed with another key than the collector's"
                                 : "not signed, but the collector has a key");
            return 1;
        }
        size_t len = strlen(vr->notes);
        snprintf(vr->notes + len, sizeof vr->notes - len, "verify: checkpoint %s: batch %lld, "
                 "%lld events, %s\n", cp->time, (long long)cp->batch, (long long)cp->events,
                 !cp->signed_ ? "unsigned"
                 : o && o->key ? "signature checked against the collector's key"
                               : "signature valid (give -c to check the key is the collector's)");
        (*n)++;
    }
    for (size_t i = 0; o && i < o->nanchors && *n < VERIFY_MAX_ANCHORS + 2; i++)
        out[(*n)++] = o->anchors[i];
    return 0;
}

int verify_store(const char *dir, const struct verify_opts *o, struct verify_result *vr)
{
    memset(vr, 0, sizeof *vr);
    if (chain_init() != 0) {
        snprintf(vr->line, sizeof vr->line, "verify: libsodium cannot start");
        return -1;
    }
    struct anchor anchors[VERIFY_MAX_ANCHORS + 2];
    int seen[VERIFY_MAX_ANCHORS + 2] = {0};
    size_t na = 0;
    int64_t meta_anchor = 1;
    int g = gather_anchors(dir, o, anchors, &na, &meta_anchor, vr);
    if (g != 0)
        return g;
    char err[1400];
    struct day_list days;
    if (day_list_read(dir, &days, err, sizeof err) != 0) {
        snprintf(vr->line, sizeof vr->line, "verify: %.1000s", err);
        return -1;
    }
    int64_t *max_ids = calloc(days.n + 1, sizeof *max_ids);
    struct vstate v = {.dir = dir, .vr = vr, .anchors = anchors, .nanchors = na,
                       .anchor_seen = seen, .expect_pos = 1};
    int rc = max_ids ? first_pass(dir, &days, max_ids, &vr->removed_to, v.prev, vr) : -1;
    if (!max_ids)
        snprintf(vr->line, sizeof vr->line, "verify: out of memory");
    v.expect_id = vr->removed_to + 1;
    vr->first_id = v.expect_id;
    if (rc == 0 && meta_anchor - 1 > vr->removed_to)
        rc = fail(&v, vr->removed_to + 1, "(meta.db)", "deleted",
                  "meta.db says retention removed batches up to %lld, the chain records "
                  "removals only up to %lld", (long long)(meta_anchor - 1),
                  (long long)vr->removed_to);
    int started = vr->removed_to == 0;
    for (size_t k = 0; k < days.n && rc == 0; k++) {
        if (max_ids[k] > 0 && max_ids[k] <= vr->removed_to) {
            vr->expired_files++; /* removed by retention, not deleted yet */
            continue;
        }
        if (!started && max_ids[k] > 0) {
            /* after a removal the kept chain starts where the first kept batch says;
             * its prev_hash and the removal's last hash are compared in check_row */
            char path[PATH_CAP];
            day_path(dir, days.name[k], path, sizeof path);
            sqlite3 *db = day_open_ro(path, 5000, err, sizeof err);
            int64_t pos = 1, ev = 0;
            if (db) {
                db_int(db, "SELECT first_pos FROM batches ORDER BY id LIMIT 1", -1, &pos);
                db_int(db, "SELECT events_end - CASE kind WHEN 0 THEN count ELSE 0 END "
                           "FROM batches ORDER BY id LIMIT 1", -1, &ev);
            }
            sqlite3_close(db);
            v.expect_pos = pos;
            v.expect_events = ev;
            started = 1;
        }
        rc = verify_file(&v, days.name[k]);
    }
    for (size_t i = 0; i < na && rc == 0; i++) {
        const struct anchor *a = &anchors[i];
        vr->anchors_checked++;
        if (a->batch <= vr->removed_to || seen[i])
            continue;
        char where[300];
        snprintf(where, sizeof where, "(after the last batch kept, %lld)", (long long)vr->head_id);
        rc = fail(&v, vr->head_id + 1, where, "deleted",
                  "the store ends at batch %lld (%lld events) but %s holds batch %lld (%lld "
                  "events): batches %lld..%lld are gone", (long long)vr->head_id,
                  (long long)vr->head_events, a->source, (long long)a->batch,
                  (long long)a->events, (long long)(vr->head_id + 1), (long long)a->batch);
    }
    if (rc == 0) {
        char hex[CHAIN_HEX_LEN];
        chain_hex(vr->head_hash, hex);
        snprintf(vr->line, sizeof vr->line,
                 "verify: ok, %lld batches, %lld events (head %lld:%lld:%s)",
                 (long long)vr->batches, (long long)vr->events, (long long)vr->head_id,
                 (long long)vr->head_events, hex);
    }
    evb_buf_free(&v.scratch);
    free(max_ids);
    day_list_free(&days);
    return rc;
}
