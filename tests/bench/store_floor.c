/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_floor.c - the store's cost against its floor, on the same rows. Reads a JSONL file of
 * events (one sensor, seq 1.., as tz_send.py --save writes them) and times, with
 * synchronous=FULL and WAL in both: (1) the floor, a plain SQLite loop inserting each line as
 * one row (pos INTEGER PRIMARY KEY, json TEXT) with one commit per group of batches; (2) the
 * store, batch_parse + store_put_many with the same groups (compressed blocks, keys, chain).
 * Prints events/s of each and the ratio.
 *   store_floor FILE.jsonl DIR [EVENTS_PER_BATCH] [BATCHES_PER_GROUP] [ZSTD_LEVEL]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's CPU time: the steadier figure on a shared machine (fsync waits excluded). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double floor_cpu, store_cpu;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = p ? (size_t)n : 0;
    return p;
}

/* Line starts; returns the count. */
static size_t lines_of(char *buf, size_t len, char ***out)
{
    size_t n = 0, cap = 1024;
    char **l = malloc(cap * sizeof *l);
    for (size_t i = 0; l && i < len;) {
        char *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            break;
        if (n == cap) {
            cap *= 2;
            char **nlp = realloc(l, cap * sizeof *l);
            if (!nlp)
                break;
            l = nlp;
        }
        l[n++] = buf + i;
        i = (size_t)(nl - buf) + 1;
    }
    *out = l;
    return n;
}

static double floor_run(const char *dir, char **lines, size_t n, const char *end, size_t group)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/floor.db", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE ev "
                         "(pos INTEGER PRIMARY KEY, json TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO ev (json) VALUES (?1)", -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    double t0 = now_s(), c0 = cpu_s();
    for (size_t i = 0; i < n; i++) {
        if (i % group == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        const char *e = i + 1 < n ? lines[i + 1] : end;
        sqlite3_bind_text(ins, 1, lines[i], (int)(e - lines[i] - 1), SQLITE_STATIC);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        if (i % group == group - 1 || i + 1 == n)
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double t = now_s() - t0;
    floor_cpu = cpu_s() - c0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return t;
}

static double store_run(const char *dir, char **lines, size_t n, const char *end, size_t per,
                        size_t group, int level, long *bytes)
{
    char sdir[1100];
    snprintf(sdir, sizeof sdir, "%s/store", dir);
    struct store *st = NULL;
    char err[2048];
    struct store_opts o = {.dir = sdir, .sync_full = 1, .busy_timeout_ms = 5000,
                           .zstd_level = level};
    if (store_open(&st, &o, err, sizeof err) != 0) {
        fprintf(stderr, "store: %s\n", err);
        exit(1);
    }
    size_t nb = (n + per - 1) / per;
    struct batch *b = calloc(group, sizeof *b);
    struct batch **bp = calloc(group, sizeof *bp);
    struct store_put_result *r = calloc(group, sizeof *r);
    double parse = 0, pcpu = 0, t0 = now_s(), c0 = cpu_s();
    for (size_t i = 0; i < nb; i += group) {
        size_t k = 0;
        double p0 = now_s(), q0 = cpu_s();
        for (; k < group && i + k < nb; k++) {
            size_t first = (i + k) * per, cnt = first + per <= n ? per : n - first;
            const char *e = first + cnt < n ? lines[first + cnt] : end;
            struct wire_batch_hdr h = {.version = 2, .batch_seq = i + k + 1,
                                       .first_seq = first + 1, .count = (uint32_t)cnt, .run = 7};
            snprintf(h.sensor, sizeof h.sensor, "test-sensor");
            if (batch_parse(&b[k], &h, lines[first], (size_t)(e - lines[first]), 100000, err,
                            sizeof err) != 0) {
                fprintf(stderr, "parse: %s\n", err);
                exit(1);
            }
            bp[k] = &b[k];
        }
        double p1 = now_s();
        parse += p1 - p0;
        pcpu += cpu_s() - q0;
        if (store_put_many(st, bp, k, r, err, sizeof err) != 0) {
            fprintf(stderr, "store: %s\n", err);
            exit(1);
        }
        double p2 = now_s(), q2 = cpu_s();
        for (size_t j = 0; j < k; j++)
            batch_clear(&b[j]);
        parse += now_s() - p2;
        pcpu += cpu_s() - q2;
    }
    double t = now_s() - t0 - parse;
    store_cpu = cpu_s() - c0 - pcpu;
    store_close(st);
    for (size_t j = 0; j < group; j++)
        batch_free(&b[j]);
    free(b);
    free(bp);
    free(r);
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "du -cb %s/events-*.db* %s/meta.db* | tail -n 1", sdir, sdir);
    FILE *p = popen(cmd, "r");
    *bytes = 0;
    if (p && fscanf(p, "%ld", bytes) != 1)
        *bytes = 0;
    if (p)
        pclose(p);
    printf("  (parsing and freeing the parsed batches took %.2f s more, not counted here)\n",
           parse);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: store_floor FILE.jsonl DIR [EVENTS_PER_BATCH] [BATCHES_PER_GROUP] "
                        "[ZSTD_LEVEL]\n");
        return 2;
    }
    size_t per = argc > 3 ? strtoul(argv[3], NULL, 10) : 500;
    size_t group = argc > 4 ? strtoul(argv[4], NULL, 10) : 32;
    int level = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 1;
    size_t len;
    char *buf = slurp(argv[1], &len);
    char **lines = NULL;
    size_t n = buf ? lines_of(buf, len, &lines) : 0;
    if (n == 0 || per == 0 || group == 0) {
        fprintf(stderr, "store_floor: %s: no events\n", argv[1]);
        return 1;
    }
    const char *end = buf + len;
    double tf = floor_run(argv[2], lines, n, end, per * group);
    long bytes = 0;
    double ts = store_run(argv[2], lines, n, end, per, group, level, &bytes);
    printf("floor (plain SQLite, one row per event, synchronous=FULL, %zu rows per commit): "
           "%.0f events/s, %.0f events per CPU-second\n", per * group, (double)n / tf,
           (double)n / floor_cpu);
    printf("store (zstd %d, keys, chain, synchronous=FULL, %zu batches of %zu per commit): "
           "%.0f events/s, %.0f events per CPU-second = %.2fx the floor's time, %.2fx its CPU; "
           "%.1f bytes/event\n",
           level, group, per, (double)n / ts, (double)n / store_cpu, ts / tf,
           store_cpu / floor_cpu, (double)bytes / (double)n);
    free(lines);
    free(buf);
    return 0;
}
