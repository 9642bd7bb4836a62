/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - the chain check behind `tanzhen-collector verify` (see verify.h). Per day
 * file: the rows of each batch are those at positions first_pos .. first_pos+count-1; their
 * digests are compared with the digests the batch stored (which name the record), then
 * the batch hash is recomputed from the previous batch's hash. Rows outside every batch's
 * positions were inserted. After the last file the chain must reach meta.db's head.
 */
#include "verify.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dayfile.h"

#define PATH_CAP 1200 /* store.dir is at most 1000 characters */
#define STRAYS_MAX 1000

struct vbatch {
    int64_t id, batch_seq, first_seq, last_seq, count, first_pos;
    char sensor[80];
    uint8_t *digests; /* count * 16; owned */
    uint8_t prev[CHAIN_HASH_LEN], hash[CHAIN_HASH_LEN];
};

struct vrow {
    int64_t pos, batch, seq;
    uint8_t d[CHAIN_DIGEST_LEN];
};

struct vstate {
    const char *dir;
    struct verify_result *vr;
    int64_t expect_id;
    uint8_t prev[CHAIN_HASH_LEN];
    const char *day;
};

static int fail(struct vstate *v, int64_t batch, const char *where, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Records the first problem. where: "(sensor S, seq X..Y in events-D.db)" and so on. */
static int fail(struct vstate *v, int64_t batch, const char *where, const char *kind,
                const char *fmt, ...)
{
    char detail[400] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    v->vr->fail_batch = batch;
    snprintf(v->vr->kind, sizeof v->vr->kind, "%s", kind);
    snprintf(v->vr->line, sizeof v->vr->line, "verify: FAILED at batch %lld %s: record %s%s%s",
             (long long)batch, where, kind, detail[0] ? ": " : "", detail);
    return 1;
}

static void where_batch(const struct vstate *v, const struct vbatch *b, char *out, size_t cap)
{
    snprintf(out, cap, "(sensor %s, seq %lld..%lld in " DAY_PREFIX "%s" DAY_SUFFIX ")",
             b->sensor, (long long)b->first_seq, (long long)b->last_seq, v->day);
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, CHAIN_DIGEST_LEN);
}

/* Same digests, in any order? */
static int same_multiset(const struct vrow *r, const uint8_t *d, int64_t n)
{
    uint8_t *a = malloc((size_t)n * CHAIN_DIGEST_LEN + 1);
    uint8_t *b = malloc((size_t)n * CHAIN_DIGEST_LEN + 1);
    int same = 0;
    if (a && b) {
        for (int64_t i = 0; i < n; i++)
            memcpy(a + i * CHAIN_DIGEST_LEN, r[i].d, CHAIN_DIGEST_LEN);
        memcpy(b, d, (size_t)n * CHAIN_DIGEST_LEN);
        qsort(a, (size_t)n, CHAIN_DIGEST_LEN, cmp_digest);
        qsort(b, (size_t)n, CHAIN_DIGEST_LEN, cmp_digest);
        same = memcmp(a, b, (size_t)n * CHAIN_DIGEST_LEN) == 0;
    }
    free(a);
    free(b);
    return same;
}

/* Compares a batch's rows with its stored digests; 0 when they agree, else 1 (reported). */
static int check_rows(struct vstate *v, const struct vbatch *b, const struct vrow *r, int64_t n)
{
    char where[256];
    where_batch(v, b, where, sizeof where);
    const uint8_t *d = b->digests;
    int64_t c = b->count;
    int agree = n == c;
    for (int64_t i = 0; agree && i < n; i++)
        agree = memcmp(r[i].d, d + i * CHAIN_DIGEST_LEN, CHAIN_DIGEST_LEN) == 0;
    if (agree) {
        for (int64_t i = 0; i < n; i++)
            if (r[i].batch != b->id)
                return fail(v, b->id, where, "changed",
                            "seq %lld claims batch %lld (its batch column was altered)",
                            (long long)r[i].seq, (long long)r[i].batch);
        return 0;
    }
    if (n < c) {
        int64_t i = 0, j = 0;
        while (i < n && j < c && memcmp(r[i].d, d + j * CHAIN_DIGEST_LEN, CHAIN_DIGEST_LEN) == 0) {
            i++;
            j++;
        }
        if (b->last_seq - b->first_seq + 1 == c)
            return fail(v, b->id, where, "deleted", "seq %lld is missing",
                        (long long)(b->first_seq + j));
        if (i > 0)
            return fail(v, b->id, where, "deleted", "the record after seq %lld is missing",
                        (long long)r[i - 1].seq);
        return fail(v, b->id, where, "deleted", "its first record is missing");
    }
    if (n > c) {
        int64_t i = 0, j = 0;
        while (i < n && j < c && memcmp(r[i].d, d + j * CHAIN_DIGEST_LEN, CHAIN_DIGEST_LEN) == 0) {
            i++;
            j++;
        }
        return fail(v, b->id, where, "inserted", "seq %lld was added", (long long)r[i].seq);
    }
    int64_t i = 0;
    while (i < n && memcmp(r[i].d, d + i * CHAIN_DIGEST_LEN, CHAIN_DIGEST_LEN) == 0)
        i++;
    if (same_multiset(r, d, n))
        return fail(v, b->id, where, "reordered", "seq %lld is out of place",
                    (long long)r[i].seq);
    if (r[i].batch != b->id)
        return fail(v, b->id, where, "reordered", "seq %lld of batch %lld was moved here",
                    (long long)r[i].seq, (long long)r[i].batch);
    return fail(v, b->id, where, "changed", "seq %lld", (long long)r[i].seq);
}

static void free_batches(struct vbatch *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(b[i].digests);
    free(b);
}

static int load_batches(sqlite3 *db, int64_t min_id, struct vbatch **out, size_t *nout)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *nout = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, sensor, batch_seq, first_seq, last_seq, count, first_pos, "
                           "digests, prev_hash, hash FROM batches WHERE id >= ?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, min_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*nout == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct vbatch *nb = realloc(*out, ncap * sizeof *nb);
            if (!nb)
                goto fail;
            *out = nb;
            cap = ncap;
        }
        struct vbatch *b = &(*out)[*nout];
        memset(b, 0, sizeof *b);
        b->id = sqlite3_column_int64(st, 0);
        const char *sensor = (const char *)sqlite3_column_text(st, 1);
        snprintf(b->sensor, sizeof b->sensor, "%s", sensor ? sensor : "?");
        b->batch_seq = sqlite3_column_int64(st, 2);
        b->first_seq = sqlite3_column_int64(st, 3);
        b->last_seq = sqlite3_column_int64(st, 4);
        b->count = sqlite3_column_int64(st, 5);
        b->first_pos = sqlite3_column_int64(st, 6);
        (*nout)++;
        int dlen = sqlite3_column_bytes(st, 7);
        if (b->count < 0 || b->count > 100000000)
            b->count = 0; /* reported as a hash mismatch below */
        size_t want = (size_t)b->count * CHAIN_DIGEST_LEN;
        b->digests = calloc(1, want + 1);
        if (!b->digests)
            goto fail;
        if ((size_t)dlen == want)
            memcpy(b->digests, sqlite3_column_blob(st, 7), want);
        if (sqlite3_column_bytes(st, 8) == CHAIN_HASH_LEN)
            memcpy(b->prev, sqlite3_column_blob(st, 8), CHAIN_HASH_LEN);
        if (sqlite3_column_bytes(st, 9) == CHAIN_HASH_LEN)
            memcpy(b->hash, sqlite3_column_blob(st, 9), CHAIN_HASH_LEN);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
fail:
    sqlite3_finalize(st);
    free_batches(*out, *nout);
    *out = NULL;
    *nout = 0;
    return -1;
}

/* The lowest claimed batch among rows outside every batch's positions (0: none). */
static int find_strays(sqlite3 *db, const struct vbatch *b, size_t nb, struct vrow *stray)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT pos, batch, seq FROM events WHERE pos >= ?1 AND pos < ?2 "
                           "ORDER BY pos LIMIT " "1000",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    stray->batch = 0;
    /* the holes: before the first batch, between batches, after the last */
    int64_t lo = INT64_MIN;
    for (size_t i = 0; i <= nb; i++) {
        int64_t hi = i < nb ? b[i].first_pos : INT64_MAX;
        if (hi > lo) {
            sqlite3_bind_int64(st, 1, lo);
            sqlite3_bind_int64(st, 2, hi);
            while (sqlite3_step(st) == SQLITE_ROW) {
                int64_t claim = sqlite3_column_int64(st, 1);
                if (stray->batch == 0 || claim < stray->batch) {
                    stray->pos = sqlite3_column_int64(st, 0);
                    stray->batch = claim > 0 ? claim : 1;
                    stray->seq = sqlite3_column_int64(st, 2);
                }
            }
            sqlite3_reset(st);
        }
        if (i < nb && b[i].first_pos + b[i].count > lo)
            lo = b[i].first_pos + b[i].count;
    }
    sqlite3_finalize(st);
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
    int rc = -1;
    struct vbatch *b = NULL;
    size_t nb = 0;
    struct vrow *rows = NULL;
    size_t rcap = 0;
    sqlite3_stmt *st = NULL;
    int64_t max_id = 0;
    /* one read transaction: a snapshot, whatever the collector commits meanwhile */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        db_int(db, "SELECT max(id) FROM batches", -1, &max_id) != 0)
        goto unreadable;
    if (max_id > 0 && max_id < v->vr->first_id) {
        v->vr->expired_files++; /* before the anchor: retention has yet to delete it */
        rc = 0;
        goto out;
    }
    if (load_batches(db, v->vr->first_id, &b, &nb) != 0)
        goto unreadable;
    struct vrow stray = {0};
    if (find_strays(db, b, nb, &stray) != 0)
        goto unreadable;
    if (sqlite3_prepare_v2(db,
                           "SELECT pos, batch, sensor, seq, json FROM events "
                           "WHERE pos >= ?1 AND pos < ?2 ORDER BY pos",
                           -1, &st, NULL) != SQLITE_OK)
        goto unreadable;
    for (size_t i = 0; i < nb; i++) {
        struct vbatch *x = &b[i];
        char where[256];
        where_batch(v, x, where, sizeof where);
        if (stray.batch != 0 && stray.batch <= x->id) {
            rc = fail(v, stray.batch, where, "inserted",
                      "seq %lld at position %lld belongs to no batch", (long long)stray.seq,
                      (long long)stray.pos);
            goto out;
        }
        if (x->id > v->expect_id) {
            char w2[200];
            snprintf(w2, sizeof w2, "(missing before batch %lld in " DAY_PREFIX "%s" DAY_SUFFIX ")",
                     (long long)x->id, day);
            rc = fail(v, v->expect_id, w2, "deleted", "batches %lld..%lld are gone with their "
                      "records", (long long)v->expect_id, (long long)(x->id - 1));
            goto out;
        }
        if (x->id < v->expect_id) {
            rc = fail(v, x->id, where, "inserted", "batch %lld appears twice", (long long)x->id);
            goto out;
        }
        size_t n = 0;
        sqlite3_bind_int64(st, 1, x->first_pos);
        sqlite3_bind_int64(st, 2, x->first_pos + x->count);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n == rcap) {
                size_t ncap = rcap ? rcap * 2 : 1024;
                struct vrow *nr = realloc(rows, ncap * sizeof *nr);
                if (!nr) {
                    snprintf(v->vr->line, sizeof v->vr->line, "verify: out of memory");
                    goto out;
                }
                rows = nr;
                rcap = ncap;
            }
            struct vrow *r = &rows[n++];
            r->pos = sqlite3_column_int64(st, 0);
            r->batch = sqlite3_column_int64(st, 1);
            const char *sensor = (const char *)sqlite3_column_text(st, 2);
            r->seq = sqlite3_column_int64(st, 3);
            const char *json = (const char *)sqlite3_column_text(st, 4);
            int jlen = sqlite3_column_bytes(st, 4);
            chain_row_digest(sensor ? sensor : "", (uint64_t)r->seq, json ? json : "",
                             (size_t)jlen, r->d);
        }
        sqlite3_reset(st);
        if (check_rows(v, x, rows, (int64_t)n) != 0) {
            rc = 1;
            goto out;
        }
        uint8_t h[CHAIN_HASH_LEN];
        chain_batch_hash(v->prev, (uint64_t)x->id, (uint32_t)x->count, x->digests, h);
        if (memcmp(h, x->hash, CHAIN_HASH_LEN) != 0 ||
            memcmp(x->prev, v->prev, CHAIN_HASH_LEN) != 0) {
            rc = fail(v, x->id, where, "changed",
                      memcmp(x->prev, v->prev, CHAIN_HASH_LEN) != 0
                          ? "the batch does not follow its predecessor (prev_hash differs)"
                          : "the batch record (digests or hash) was altered");
            goto out;
        }
        memcpy(v->prev, x->hash, CHAIN_HASH_LEN);
        v->expect_id = x->id + 1;
        v->vr->batches++;
        v->vr->events += x->count;
        v->vr->head_id = x->id;
        memcpy(v->vr->head_hash, x->hash, CHAIN_HASH_LEN);
    }
    if (stray.batch != 0) {
        char where[200];
        snprintf(where, sizeof where, "(in " DAY_PREFIX "%s" DAY_SUFFIX ")", day);
        rc = fail(v, stray.batch, where, "inserted",
                  "seq %lld at position %lld belongs to no batch", (long long)stray.seq,
                  (long long)stray.pos);
        goto out;
    }
    rc = 0;
    goto out;
unreadable:
    snprintf(v->vr->line, sizeof v->vr->line, "verify: cannot read %.700s: %.200s", path,
             sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    free_batches(b, nb);
    free(rows);
    return rc;
}

/* Anchor and head from meta.db; 1 when meta.db is absent. */
static int read_meta(const char *dir, int64_t *anchor_id, uint8_t anchor[CHAIN_HASH_LEN],
                     int64_t *head_id, uint8_t head[CHAIN_HASH_LEN], char *err, size_t errlen)
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
    if (sqlite3_prepare_v2(db, "SELECT anchor_id, anchor_hash, head_id, head_hash FROM chain",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CHAIN_HASH_LEN &&
        sqlite3_column_bytes(st, 3) == CHAIN_HASH_LEN) {
        *anchor_id = sqlite3_column_int64(st, 0);
        memcpy(anchor, sqlite3_column_blob(st, 1), CHAIN_HASH_LEN);
        *head_id = sqlite3_column_int64(st, 2);
        memcpy(head, sqlite3_column_blob(st, 3), CHAIN_HASH_LEN);
        rc = 0;
    } else {
        snprintf(err, errlen, "%s: no chain row: %s", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int verify_store(const char *dir, struct verify_result *vr)
{
    memset(vr, 0, sizeof *vr);
    if (chain_init() != 0) {
        snprintf(vr->line, sizeof vr->line, "verify: libsodium cannot start");
        return -1;
    }
    char err[2048];
    int64_t anchor_id = 1, head_id = -1;
    uint8_t anchor[CHAIN_HASH_LEN] = {0}, head[CHAIN_HASH_LEN] = {0};
    int m = read_meta(dir, &anchor_id, anchor, &head_id, head, err, sizeof err);
    if (m < 0) {
        snprintf(vr->line, sizeof vr->line, "verify: %.1000s", err);
        return -1;
    }
    struct day_list days;
    if (day_list_read(dir, &days, err, sizeof err) != 0) {
        snprintf(vr->line, sizeof vr->line, "verify: %.1000s", err);
        return -1;
    }
    struct vstate v = {.dir = dir, .vr = vr, .expect_id = anchor_id};
    memcpy(v.prev, anchor, CHAIN_HASH_LEN);
    vr->first_id = anchor_id;
    int rc = 0;
    for (size_t k = 0; k < days.n && rc == 0; k++)
        rc = verify_file(&v, days.name[k]);
    if (rc == 0 && head_id > vr->head_id && head_id >= anchor_id) {
        char where[200];
        snprintf(where, sizeof where, "(after the last day file%s%s%s)",
                 days.n ? ", " DAY_PREFIX : "", days.n ? days.name[days.n - 1] : "",
                 days.n ? DAY_SUFFIX : "");
        rc = fail(&v, v.expect_id, where, "deleted",
                  "batches %lld..%lld are gone (meta.db's chain head is batch %lld)",
                  (long long)v.expect_id, (long long)head_id, (long long)head_id);
    } else if (rc == 0 && head_id > 0 && head_id == vr->head_id &&
               memcmp(head, vr->head_hash, CHAIN_HASH_LEN) != 0) {
        rc = fail(&v, head_id, "(the chain head in " META_FILE ")", "changed",
                  "the head hash differs from the last batch's");
    }
    if (rc == 0) {
        char hex[CHAIN_HEX_LEN];
        chain_hex(vr->head_hash, hex);
        snprintf(vr->line, sizeof vr->line, "verify: ok, %lld batches, %lld events",
                 (long long)vr->batches, (long long)vr->events);
        (void)hex;
    }
    day_list_free(&days);
    if (m == 1 && rc == 0)
        vr->first_id = -1; /* no meta.db: the start and the head were not checked */
    return rc;
}
