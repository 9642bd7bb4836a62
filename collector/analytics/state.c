/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - the engine's state in SQLite (analytics.db under the store dir): `meta`
 * (clock, store position, produced-event counter), `assets` (one row per asset, its
 * fields as a JSON document, written when changed), `aggregates` (the open alert
 * aggregates, rewritten at each save) and `learned` (keys of learnable rules seen while
 * learning, appended). One transaction per checkpoint. The counting detectors' windows
 * (a minute or so) are not saved: a restart starts them afresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_state.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS assets(ix INTEGER PRIMARY KEY, ip TEXT NOT NULL,"
    "  mac TEXT NOT NULL, doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS aggregates(grp TEXT PRIMARY KEY, rule TEXT NOT NULL,"
    "  key TEXT NOT NULL, doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS learned(rk TEXT PRIMARY KEY);";

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

/* ---- assets ---- */

static json_t *asset_doc(const struct an_asset *a)
{
    json_t *s = json_array(), *id = json_array();
    for (int i = 0; i < a->nsensors; i++)
        json_array_append_new(s, json_string(a->sensors[i]));
    for (int i = 0; i < a->nident; i++) {
        const struct an_ident *n = &a->ident[i];
        json_array_append_new(id, json_pack("[s,s,s,I,I]", n->key, n->value, n->source,
                                            (json_int_t)n->first_us, (json_int_t)n->last_us));
    }
    return json_pack("{s:I, s:I, s:i, s:i, s:i, s:I, s:o, s:o}", "first", (json_int_t)a->first_us,
                     "last", (json_int_t)a->last_us, "roles", (int)a->roles, "pc",
                     (int)a->proto_client, "ps", (int)a->proto_server, "version",
                     (json_int_t)a->version, "sensors", s, "ident", id);
}

static void asset_load_doc(struct an_asset *a, const json_t *d)
{
    a->first_us = an_json_int(d, "first", 0);
    a->last_us = an_json_int(d, "last", 0);
    a->roles = (unsigned)an_json_int(d, "roles", 0);
    a->proto_client = (uint32_t)an_json_int(d, "pc", 0);
    a->proto_server = (uint32_t)an_json_int(d, "ps", 0);
    a->version = (uint64_t)an_json_int(d, "version", 0);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "sensors"), i, x)
    {
        if (a->nsensors < AN_SENSORS_MAX && json_is_string(x))
            snprintf(a->sensors[a->nsensors++], sizeof a->sensors[0], "%s", json_string_value(x));
    }
    json_array_foreach(json_object_get(d, "ident"), i, x)
    {
        if (a->nident == AN_IDENT_MAX || json_array_size(x) != 5)
            continue;
        struct an_ident *n = &a->ident[a->nident++];
        snprintf(n->key, sizeof n->key, "%s", json_string_value(json_array_get(x, 0)) ?: "");
        snprintf(n->value, sizeof n->value, "%s", json_string_value(json_array_get(x, 1)) ?: "");
        snprintf(n->source, sizeof n->source, "%s", json_string_value(json_array_get(x, 2)) ?: "");
        n->first_us = json_integer_value(json_array_get(x, 3));
        n->last_us = json_integer_value(json_array_get(x, 4));
    }
}

static int assets_load(an_engine *e, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, "SELECT ip, mac, doc FROM assets ORDER BY ix", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "analytics state: %s", sqlite3_errmsg(e->db));
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *ip = (const char *)sqlite3_column_text(st, 0);
        const char *mac = (const char *)sqlite3_column_text(st, 1);
        const char *doc = (const char *)sqlite3_column_text(st, 2);
        struct an_asset *a = an_asset_restore(e, ip, mac);
        json_t *d = doc ? json_loads(doc, 0, NULL) : NULL;
        if (a && d)
            asset_load_doc(a, d);
        json_decref(d);
    }
    sqlite3_finalize(st);
    return 0;
}

static int assets_save(an_engine *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO assets(ix, ip, mac, doc) "
                                  "VALUES(?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    struct an_assets *t = e->assets;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        struct an_asset *a = t->v[i];
        if (!a->dirty)
            continue;
        json_t *d = asset_doc(a);
        char *doc = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        if (!doc) {
            rc = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, (int64_t)i);
        sqlite3_bind_text(st, 2, a->ip, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->mac, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, doc, -1, free);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
        a->dirty = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- aggregates and the learned set ---- */

static int aggs_save(an_engine *e)
{
    struct an_aggs *g = e->aggs;
    if (sqlite3_exec(e->db, "DELETE FROM aggregates", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, "INSERT INTO aggregates(grp, rule, key, doc) "
                                  "VALUES(?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < g->n && rc == 0; i++) {
        struct an_agg *a = &g->v[i];
        if (!a->open)
            continue;
        json_t *ev = json_array();
        for (size_t k = 0; k < a->nev; k++)
            json_array_append_new(ev, json_string(a->evidence[k]));
        json_t *d = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:O}", "first",
                              (json_int_t)a->first_us, "last", (json_int_t)a->last_us, "expires",
                              (json_int_t)a->expires_us, "count", (json_int_t)a->count,
                              "reported", (json_int_t)a->reported, "evidence", ev, "alert",
                              a->first_alert ? a->first_alert : json_null());
        char *doc = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        if (!doc)
            return -1;
        sqlite3_bind_text(st, 1, a->group, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a->rule->def->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, doc, -1, free);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
        a->dirty = 0;
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return -1;
    if (sqlite3_prepare_v2(e->db, "INSERT OR IGNORE INTO learned(rk) VALUES(?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    for (; g->learned_saved < g->nlearned && rc == 0; g->learned_saved++) {
        sqlite3_bind_text(st, 1, g->learned_order[g->learned_saved], -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static void aggs_load(an_engine *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, "SELECT grp, rule, key, doc FROM aggregates ORDER BY rowid",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *rule = (const char *)sqlite3_column_text(st, 1);
            const struct an_rule_rt *r = rule ? an_rule_get(e, rule) : NULL;
            json_t *d = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
            if (!r || !d) {
                json_decref(d);
                continue; /* a rule that no longer exists */
            }
            struct an_agg a;
            memset(&a, 0, sizeof a);
            a.rule = r;
            snprintf(a.group, sizeof a.group, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(a.key, sizeof a.key, "%s", (const char *)sqlite3_column_text(st, 2));
            a.hash = an_agg_hash(r, a.key);
            a.first_us = an_json_int(d, "first", 0);
            a.last_us = an_json_int(d, "last", 0);
            a.expires_us = an_json_int(d, "expires", 0);
            a.count = (uint64_t)an_json_int(d, "count", 1);
            a.reported = (uint64_t)an_json_int(d, "reported", 1);
            size_t i;
            json_t *x;
            json_array_foreach(json_object_get(d, "evidence"), i, x)
            {
                if (a.nev < AN_EVIDENCE_MAX && json_is_string(x))
                    snprintf(a.evidence[a.nev++], sizeof a.evidence[0], "%s", json_string_value(x));
            }
            json_t *al = json_object_get(d, "alert");
            a.first_alert = json_is_object(al) ? json_incref(al) : NULL;
            if (an_agg_restore(e, &a) != 0)
                json_decref(a.first_alert);
            json_decref(d);
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(e->db, "SELECT rk FROM learned ORDER BY rowid", -1, &st, NULL) ==
        SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW)
            an_learned_add(e, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    e->aggs->learned_saved = e->aggs->nlearned;
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
    sqlite3_busy_timeout(e->db, 5000);
    e->position = meta_get(e->db, "position", 0);
    e->first_us = meta_get(e->db, "first_us", 0);
    e->now_us = meta_get(e->db, "now_us", 0);
    e->seq = (uint64_t)meta_get(e->db, "seq", 0);
    if (e->first_us != 0)
        e->next_tick_us = e->now_us - e->now_us % AN_TICK_US + AN_TICK_US;
    if (assets_load(e, err, errlen) != 0)
        return -1;
    aggs_load(e);
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
         meta_put(e->db, "seq", (int64_t)e->seq) == 0 && assets_save(e) == 0 &&
         aggs_save(e) == 0;
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
