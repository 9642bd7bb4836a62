/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - the engine's state in SQLite (analytics.db under the store dir): the clock,
 * the store position seen and the produced-event counter in `meta`. Written in one
 * transaction per checkpoint.
 */
#include <stdio.h>
#include <string.h>

#include "an_state.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);";

static int64_t meta_get(sqlite3 *db, const char *k, int64_t dflt)
{
    sqlite3_stmt *st = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int meta_put(sqlite3 *db, const char *k, int64_t v)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, v);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

int an_state_open(an_engine *e, const char *path, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, &e->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(e->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "analytics state %s: %s", path,
                 e->db ? sqlite3_errmsg(e->db) : "cannot open");
        sqlite3_close(e->db);
        e->db = NULL;
        return -1;
    }
    e->position = meta_get(e->db, "position", 0);
    e->first_us = meta_get(e->db, "first_us", 0);
    e->now_us = meta_get(e->db, "now_us", 0);
    e->seq = (uint64_t)meta_get(e->db, "seq", 0);
    if (e->first_us != 0)
        e->next_tick_us = e->now_us - e->now_us % AN_TICK_US + AN_TICK_US;
    return 0;
}

int an_state_save(an_engine *e, char *err, size_t errlen)
{
    if (!e->db)
        return 0;
    int ok = sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    ok = ok && meta_put(e->db, "position", e->position) == 0 &&
         meta_put(e->db, "first_us", e->first_us) == 0 &&
         meta_put(e->db, "now_us", e->now_us) == 0 &&
         meta_put(e->db, "seq", (int64_t)e->seq) == 0;
    if (!ok || sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "analytics state: %s", sqlite3_errmsg(e->db));
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

void an_state_close(an_engine *e)
{
    if (e->db)
        sqlite3_close(e->db);
    e->db = NULL;
}
