/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_replay.c - the store's traffic events into the analytics engine (an_replay.h): day
 * files in date order (dayfile.h), rows by position, the stored JSON parsed once each.
 */
#include "an_replay.h"

#include <sqlite3.h>
#include <stdio.h>

#include "dayfile.h"

int an_replay_store(struct analytics *a, const char *dir, int64_t from_pos, uint64_t *fed,
                    char *err, size_t errlen)
{
    struct day_list days = {0};
    *fed = 0;
    if (day_list_read(dir, &days, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < days.n && rc == 0; i++) {
        char path[1200];
        if (day_path(dir, days.name[i], path, sizeof path) != 0)
            continue;
        sqlite3 *db = day_open_ro(path, 5000, err, errlen);
        if (!db) {
            rc = -1;
            break;
        }
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT pos, json FROM events WHERE pos > ? AND type IN "
                               "('ics', 'flow', 'anomaly') ORDER BY pos",
                               -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
            sqlite3_close(db);
            rc = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, from_pos);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t pos = sqlite3_column_int64(st, 0);
            const char *json = (const char *)sqlite3_column_text(st, 1);
            int n = sqlite3_column_bytes(st, 1);
            if (json)
                analytics_feed_line(a, json, (size_t)n);
            analytics_set_position(a, pos);
            (*fed)++;
        }
        if (s != SQLITE_DONE) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
            rc = -1;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    day_list_free(&days);
    return rc;
}
