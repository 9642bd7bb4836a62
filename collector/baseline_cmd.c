/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline_cmd.c - `tanzhen-collector baseline`: the offline side of the baseline review.
 * list/accept/drop/mode work on a baseline file (JSON, analytics/baseline_file.c);
 * export writes the engine's current baseline from its state file (analytics.db) to a
 * file; import checks a file and stores it as the state's current baseline (collector
 * stopped; a running collector reads analytics.baseline again on SIGHUP instead).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "bl.h"

#define PROG "tanzhen-collector baseline"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " list FILE [learned|accepted|dropped]\n"
            "       " PROG " accept FILE ID|all     mark entries reviewed (version + 1)\n"
            "       " PROG " drop FILE ID|all       remove entries from the whitelist\n"
            "       " PROG " mode FILE learn|enforce|off\n"
            "       " PROG " edit FILE ID addr=LO-HI|values=LO:HI|addr=none|values=none\n"
            "       " PROG " export STATE.db FILE   the engine's baseline to a file\n"
            "       " PROG " import FILE STATE.db   a file as the engine's baseline (stopped)\n");
}

static int db_doc(const char *dbpath, char **out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT doc FROM baseline WHERE k='current'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *out = strdup((const char *)sqlite3_column_text(st, 0));
        rc = *out ? 0 : -1;
    } else {
        fprintf(stderr, PROG ": %s: no baseline (%s)\n", dbpath, db ? sqlite3_errmsg(db) : "?");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int db_store(const struct bl *b, const char *dbpath)
{
    json_t *doc = bl_to_json(b);
    char *txt = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (txt && sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
                   SQLITE_OK &&
        sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS baseline(k TEXT PRIMARY KEY, version "
                         "INTEGER, ts_us INTEGER, doc TEXT)", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO baseline VALUES(?, ?, 0, ?)", -1, &st,
                           NULL) == SQLITE_OK) {
        rc = 0;
        for (int pass = 0; pass < 2 && rc == 0; pass++) {
            char k[32];
            snprintf(k, sizeof k, pass ? "v%lld" : "current", (long long)b->version);
            sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, b->version);
            sqlite3_bind_text(st, 3, txt, -1, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
            sqlite3_reset(st);
        }
    }
    if (rc != 0)
        fprintf(stderr, PROG ": %s: %s\n", dbpath, db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(txt);
    return rc;
}

static void list(const struct bl *b, const char *status)
{
    printf("baseline version %lld, mode %s, %zu entr%s, %zu polling pattern(s)\n",
           (long long)b->version, bl_mode_name(b->mode), b->n, b->n == 1 ? "y" : "ies", b->np);
    printf("%-16s %-9s %-15s %-15s %-12s %5s %5s %-17s %-21s %8s %s\n", "ID", "STATUS", "CLIENT",
           "SERVER", "PROTO", "UNIT", "FUNC", "ADDR", "VALUES", "COUNT", "FIRST..LAST (s)");
    for (size_t i = 0; i < b->n; i++) {
        const struct bl_entry *x = &b->e[i];
        if (status && strcmp(status, bl_status_name(x->status)) != 0)
            continue;
        char addr[40] = "-", vals[48] = "-";
        if (x->addr_lo >= 0)
            snprintf(addr, sizeof addr, "%lld-%lld", (long long)x->addr_lo,
                     (long long)x->addr_hi);
        if (x->has_val)
            snprintf(vals, sizeof vals, "%g..%g", x->val_lo, x->val_hi);
        printf("%-16s %-9s %-15s %-15s %-12s %5lld %5lld %-17s %-21s %8llu %lld..%lld\n", x->id,
               bl_status_name(x->status), x->client, x->server, x->proto, (long long)x->unit,
               (long long)x->func, addr, vals, (unsigned long long)x->count,
               (long long)(x->first_us / 1000000), (long long)(x->last_us / 1000000));
    }
    for (size_t i = 0; i < b->np; i++) {
        const struct bl_poll *p = &b->p[i];
        double per = p->period_s > 0 ? p->period_s
                     : p->samples >= 3 ? p->sum_s / (double)p->samples : 0;
        printf("poll %s -> %s %s every %.3f s (%llu samples, %s)\n", p->client, p->server,
               p->proto, per, (unsigned long long)p->samples, bl_status_name(p->status));
    }
}

int cmd_baseline(int argc, char **argv)
{
    if (argc < 4 || !strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
        usage(argc >= 3 && argv[2][0] == '-' ? stdout : stderr);
        return argc >= 3 && argv[2][0] == '-' ? 0 : 2;
    }
    const char *op = argv[2];
    struct bl b = {.poll_factor = 3};
    char err[1024];
    int rc = 0;
    if (!strcmp(op, "export")) {
        char *txt = NULL;
        if (argc != 5 || db_doc(argv[3], &txt) != 0)
            return argc != 5 ? (usage(stderr), 2) : 1;
        json_t *doc = json_loads(txt, 0, NULL);
        free(txt);
        if (!doc || bl_from_json(&b, doc, err, sizeof err) != 0 ||
            bl_save_file(&b, argv[4], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", doc ? err : "stored baseline is not JSON");
            rc = 1;
        } else
            printf("baseline version %lld (%zu entries) exported to %s\n",
                   (long long)b.version, b.n, argv[4]);
        json_decref(doc);
        bl_clear(&b);
        return rc;
    }
    if (bl_load_file(&b, argv[3], err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    if (!strcmp(op, "list")) {
        list(&b, argc > 4 ? argv[4] : NULL);
    } else if (!strcmp(op, "import")) {
        if (argc != 5) {
            usage(stderr);
            rc = 2;
        } else if (db_store(&b, argv[4]) != 0)
            rc = 1;
        else
            printf("baseline version %lld (%zu entries) imported into %s\n",
                   (long long)b.version, b.n, argv[4]);
    } else if (!strcmp(op, "accept") || !strcmp(op, "drop") || !strcmp(op, "mode") ||
               !strcmp(op, "edit")) {
        char arg[160];
        if (!strcmp(op, "edit") && argc == 6) {
            snprintf(arg, sizeof arg, "%s %s", argv[4], argv[5]);
            argv[4] = arg;
            argc = 5;
        }
        if (argc != 5) {
            usage(stderr);
            rc = 2;
        } else if (bl_apply(&b, op, argv[4], err, sizeof err) != 0 ||
                   bl_save_file(&b, argv[3], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", err);
            rc = 1;
        } else
            printf("%s %s: baseline version %lld\n", op, argv[4], (long long)b.version);
    } else {
        usage(stderr);
        rc = 2;
    }
    bl_clear(&b);
    return rc;
}
