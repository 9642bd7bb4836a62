/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the SQLite event store (see store.h). WAL journal so readers never block the
 * writer; one BEGIN IMMEDIATE ... COMMIT per batch; INSERT ... ON CONFLICT(sensor, seq)
 * DO NOTHING drops what was already stored. The schema version is PRAGMA user_version.
 */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tztime.h"

struct store {
    sqlite3 *db;
    sqlite3_stmt *insert;
    sqlite3_stmt *begin, *commit, *rollback;
    char path[4096];
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS events ("
    "  pos INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  sensor TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  proto TEXT,"
    "  src_ip TEXT,"
    "  src_port INTEGER,"
    "  dst_ip TEXT,"
    "  dst_port INTEGER,"
    "  community_id TEXT,"
    "  received INTEGER NOT NULL,"
    "  json TEXT NOT NULL,"
    "  UNIQUE (sensor, seq)"
    ");"
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts);"
    "CREATE INDEX IF NOT EXISTS events_type_ts ON events(type, ts);"
    "CREATE INDEX IF NOT EXISTS events_proto_ts ON events(proto, ts);"
    "CREATE INDEX IF NOT EXISTS events_src_ip ON events(src_ip);"
    "CREATE INDEX IF NOT EXISTS events_dst_ip ON events(dst_ip);"
    "CREATE INDEX IF NOT EXISTS events_community_id ON events(community_id);";

static const char insert_sql[] =
    "INSERT INTO events (id, type, ts, sensor, seq, proto, src_ip, src_port, dst_ip, "
    "dst_port, community_id, received, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13) ON CONFLICT (sensor, seq) DO NOTHING";

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

/* One-row, one-column query as text into out. */
static int query_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? (const char *)t : "");
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
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

static int set_schema(struct store *s, const struct store_opts *o, char *err, size_t errlen)
{
    char mode[32] = "";
    char ver[32] = "";
    if (query_text(s->db, "PRAGMA journal_mode=WAL", mode, sizeof mode) != 0 ||
        strcmp(mode, "wal") != 0) {
        snprintf(err, errlen, "%s: cannot switch to WAL (journal_mode is '%s'): %s", s->path,
                 mode, sqlite3_errmsg(s->db));
        return -1;
    }
    char msg[512];
    if (exec_sql(s->db, o->sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                 msg, sizeof msg) != 0 ||
        query_text(s->db, "PRAGMA user_version", ver, sizeof ver) != 0) {
        snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
        return -1;
    }
    char *end = NULL;
    long v = strtol(ver, &end, 10);
    if (v != 0 && v != STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %ld, this collector knows %d", s->path, v,
                 STORE_SCHEMA_VERSION);
        return -1;
    }
    if (exec_sql(s->db, "BEGIN IMMEDIATE", msg, sizeof msg) != 0 ||
        exec_sql(s->db, schema_sql, msg, sizeof msg) != 0 ||
        exec_sql(s->db, "PRAGMA user_version=1", msg, sizeof msg) != 0 ||
        exec_sql(s->db, "COMMIT", msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: cannot create the schema: %s", s->path, msg);
        return -1;
    }
    return 0;
}

int store_open(struct store **out, const struct store_opts *o, char *err, size_t errlen)
{
    *out = NULL;
    if (ensure_dir(o->dir, err, errlen) != 0)
        return -1;
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = snprintf(s->path, sizeof s->path, "%s/%s", o->dir, STORE_FILE);
    if (n < 0 || (size_t)n >= sizeof s->path) {
        snprintf(err, errlen, "store.dir %s: path too long", o->dir);
        free(s);
        return -1;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", s->path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, o->busy_timeout_ms);
    sqlite3_extended_result_codes(s->db, 1);
    if (set_schema(s, o, err, errlen) != 0) {
        store_close(s);
        return -1;
    }
    if (sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->insert,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "BEGIN IMMEDIATE", -1, &s->begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "COMMIT", -1, &s->commit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "ROLLBACK", -1, &s->rollback, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot prepare statements: %s", s->path,
                 sqlite3_errmsg(s->db));
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->begin);
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->rollback);
    sqlite3_close(s->db); /* the last connection to close checkpoints the WAL */
    free(s);
}

const char *store_path(const struct store *s)
{
    return s->path;
}

static int step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
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

static int insert_event(struct store *s, struct ev *e, int64_t now)
{
    sqlite3_stmt *st = s->insert;
    sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ev_type_name(e->type), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, e->ts_us);
    sqlite3_bind_text(st, 4, e->sensor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, e->seq);
    bind_opt_text(st, 6, e->proto);
    bind_opt_text(st, 7, e->src_ip);
    bind_opt_port(st, 8, e->src_port);
    bind_opt_text(st, 9, e->dst_ip);
    bind_opt_port(st, 10, e->dst_port);
    bind_opt_text(st, 11, e->community_id);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_text(st, 13, e->line, (int)e->line_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return -1;
    e->stored = sqlite3_changes(s->db) > 0;
    return 0;
}

int store_put(struct store *s, struct batch *b, struct store_put_result *r, char *err,
              size_t errlen)
{
    r->inserted = r->duplicates = 0;
    if (step_once(s->begin) != SQLITE_DONE) {
        snprintf(err, errlen, "BEGIN: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    int64_t now = (int64_t)tz_now_us();
    for (size_t i = 0; i < b->n; i++) {
        struct ev *e = &b->ev[i];
        if (e->line_len > INT32_MAX || insert_event(s, e, now) != 0) {
            snprintf(err, errlen, "insert of seq %lld: %s", (long long)e->seq,
                     sqlite3_errmsg(s->db));
            goto fail;
        }
        if (e->stored)
            r->inserted++;
        else
            r->duplicates++;
    }
    if (step_once(s->commit) != SQLITE_DONE) {
        snprintf(err, errlen, "COMMIT: %s", sqlite3_errmsg(s->db));
        goto fail;
    }
    return 0;
fail:
    step_once(s->rollback);
    for (size_t i = 0; i < b->n; i++)
        b->ev[i].stored = 0;
    r->inserted = r->duplicates = 0;
    return -1;
}

int64_t store_count(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
