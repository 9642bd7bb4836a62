/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_floor.c - the floor for the collector's ingest benchmark (collector.sh): a plain
 * SQLite insert loop of the same rows the collector stores, in a fresh WAL database, one
 * transaction per ROWS rows, synchronous FULL or NORMAL. The rows are read from a JSONL
 * file (tz_send.py --dump-jsonl) and their columns taken out with jansson before the clock
 * starts, so only SQLite is timed. Three tables, each in its own database:
 *   bare     (pos INTEGER PRIMARY KEY, json TEXT): the bytes and nothing else
 *   columns  the 16 columns of the event store and UNIQUE (sensor, seq)
 *   indexed  columns plus the seven secondary indexes of the store's day schema (main)
 * Prints one line per table: "TABLE ROWS SECONDS ROWS_PER_S".
 * Usage: sqlite_floor FILE.jsonl DIR [ROWS_PER_COMMIT] [full|normal] [TABLE...]
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES (1u << 20)

struct row {
    char *json;
    int json_len;
    const char *id, *type, *sensor, *proto, *src_ip, *dst_ip, *community_id;
    int64_t ts, seq, src_port, dst_port;
    json_t *root; /* keeps the strings above */
};

static const char columns_sql[] =
    "CREATE TABLE events (pos INTEGER PRIMARY KEY, batch INTEGER NOT NULL, id TEXT NOT NULL,"
    " type TEXT NOT NULL, topic INTEGER NOT NULL, ts INTEGER NOT NULL, sensor TEXT NOT NULL,"
    " seq INTEGER NOT NULL, proto TEXT, src_ip TEXT, src_port INTEGER, dst_ip TEXT,"
    " dst_port INTEGER, community_id TEXT, received INTEGER NOT NULL, json TEXT NOT NULL,"
    " UNIQUE (sensor, seq));";
static const char indexes_sql[] =
    "CREATE INDEX events_ts ON events(ts);"
    "CREATE INDEX events_type_ts ON events(type, ts);"
    "CREATE INDEX events_proto_ts ON events(proto, ts);"
    "CREATE INDEX events_src_ip ON events(src_ip);"
    "CREATE INDEX events_dst_ip ON events(dst_ip);"
    "CREATE INDEX events_community_id ON events(community_id);"
    "CREATE INDEX events_topic ON events(topic);";
static const char columns_insert[] =
    "INSERT INTO events (pos, batch, id, type, topic, ts, sensor, seq, proto, src_ip, "
    "src_port, dst_ip, dst_port, community_id, received, json) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (sensor, seq) DO NOTHING";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *str_at(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2)
        v = json_object_get(v, k2);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t int_at(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2)
        v = json_object_get(v, k2);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Reads every line of path into rows; returns the count, or -1. */
static long read_rows(const char *path, struct row **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t n = 0, cap = 0;
    struct row *rows = NULL;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0 || (size_t)len > LINE_MAX_BYTES)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            struct row *nr = realloc(rows, cap * sizeof *nr);
            if (!nr)
                goto oom;
            rows = nr;
        }
        struct row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->json = strndup(line, (size_t)len);
        r->json_len = (int)len;
        r->root = json_loadb(line, (size_t)len, 0, NULL);
        if (!r->json || !r->root) {
            fprintf(stderr, "sqlite_floor: %s: line %zu is not JSON\n", path, n + 1);
            free(r->json);
            json_decref(r->root);
            continue;
        }
        r->id = str_at(r->root, "id", NULL);
        r->type = str_at(r->root, "type", NULL);
        r->sensor = str_at(r->root, "sensor", NULL);
        r->proto = str_at(r->root, "proto", NULL);
        r->src_ip = str_at(r->root, "src", "ip");
        r->dst_ip = str_at(r->root, "dst", "ip");
        r->community_id = str_at(r->root, "community_id", NULL);
        r->seq = int_at(r->root, "seq", NULL);
        r->src_port = int_at(r->root, "src", "port");
        r->dst_port = int_at(r->root, "dst", "port");
        r->ts = (int64_t)n; /* the store keeps microseconds; any integer of that size will do */
        n++;
    }
    free(line);
    fclose(f);
    *out = rows;
    return (long)n;
oom:
    fprintf(stderr, "sqlite_floor: out of memory\n");
    free(line);
    fclose(f);
    return -1;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_floor: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_port(sqlite3_stmt *st, int i, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static void bind_row(sqlite3_stmt *st, int bare, const struct row *r, int64_t pos)
{
    sqlite3_bind_int64(st, 1, pos);
    if (bare) {
        sqlite3_bind_text(st, 2, r->json, r->json_len, SQLITE_STATIC);
        return;
    }
    sqlite3_bind_int64(st, 2, pos / 500);
    bind_text(st, 3, r->id);
    bind_text(st, 4, r->type);
    sqlite3_bind_int(st, 5, 0);
    sqlite3_bind_int64(st, 6, r->ts);
    bind_text(st, 7, r->sensor);
    sqlite3_bind_int64(st, 8, r->seq);
    bind_text(st, 9, r->proto);
    bind_text(st, 10, r->src_ip);
    bind_port(st, 11, r->src_port);
    bind_text(st, 12, r->dst_ip);
    bind_port(st, 13, r->dst_port);
    bind_text(st, 14, r->community_id);
    sqlite3_bind_int64(st, 15, pos);
    sqlite3_bind_text(st, 16, r->json, r->json_len, SQLITE_STATIC);
}

/* Inserts every row into a fresh database DIR/floor-TABLE.db; prints the line. */
static int run_table(const char *dir, const char *table, const struct row *rows, long n,
                     long per_commit, int sync_full)
{
    int bare = strcmp(table, "bare") == 0, indexed = strcmp(table, "indexed") == 0;
    if (!bare && !indexed && strcmp(table, "columns") != 0) {
        fprintf(stderr, "sqlite_floor: unknown table %s (bare, columns, indexed)\n", table);
        return -1;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/floor-%s.db", dir, table) >= (int)sizeof path)
        return -1;
    remove(path);
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL;
    int rc = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite_floor: %s: cannot open\n", path);
        goto out;
    }
    if (exec(db, "PRAGMA journal_mode=WAL") != 0 ||
        exec(db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") != 0)
        goto out;
    if (bare ? exec(db, "CREATE TABLE events (pos INTEGER PRIMARY KEY, json TEXT NOT NULL)")
             : exec(db, columns_sql))
        goto out;
    if (indexed && exec(db, indexes_sql) != 0)
        goto out;
    const char *sql = bare ? "INSERT INTO events (pos, json) VALUES (?1, ?2)" : columns_insert;
    if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_floor: prepare: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    double t0 = now_s();
    for (long i = 0; i < n; i += per_commit) {
        sqlite3_step(begin);
        sqlite3_reset(begin);
        for (long j = i; j < n && j < i + per_commit; j++) {
            bind_row(ins, bare, &rows[j], j + 1);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "sqlite_floor: insert: %s\n", sqlite3_errmsg(db));
                goto out;
            }
            sqlite3_reset(ins);
        }
        if (sqlite3_step(commit) != SQLITE_DONE) {
            fprintf(stderr, "sqlite_floor: commit: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(commit);
    }
    double dt = now_s() - t0;
    printf("%s %ld %.3f %.0f\n", table, n, dt, dt > 0 ? (double)n / dt : 0.0);
    fflush(stdout);
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sqlite_floor FILE.jsonl DIR [ROWS_PER_COMMIT] [full|normal] "
                        "[bare|columns|indexed ...]\n");
        return 2;
    }
    long per_commit = argc > 3 ? strtol(argv[3], NULL, 10) : 500;
    int sync_full = argc > 4 ? strcmp(argv[4], "normal") != 0 : 1;
    if (per_commit < 1 || per_commit > 10000000) {
        fprintf(stderr, "sqlite_floor: ROWS_PER_COMMIT must be 1..10000000\n");
        return 2;
    }
    struct row *rows = NULL;
    long n = read_rows(argv[1], &rows);
    if (n <= 0) {
        fprintf(stderr, "sqlite_floor: no rows in %s\n", argv[1]);
        return 1;
    }
    static const char *const all[] = {"bare", "columns", "indexed"};
    int rc = 0;
    if (argc > 5) {
        for (int i = 5; i < argc && rc == 0; i++)
            rc = run_table(argv[2], argv[i], rows, n, per_commit, sync_full);
    } else {
        for (int i = 0; i < 3 && rc == 0; i++)
            rc = run_table(argv[2], all[i], rows, n, per_commit, sync_full);
    }
    for (long i = 0; i < n; i++) {
        free(rows[i].json);
        json_decref(rows[i].root);
    }
    free(rows);
    return rc == 0 ? 0 : 1;
}
