/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dayfile.c - the store's file names and schemas (see dayfile.h). A day file holds the
 * batches stored that UTC day, each with its events in one compressed block, and the
 * index keys of those events; an event's `pos` (first_pos + its place in the block) is
 * one position across all day files (it only grows, also when old days are deleted),
 * which is what the Kafka forwarder's cursors follow.
 */
#include "dayfile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char day_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS batches ("
    "  id INTEGER PRIMARY KEY,"    /* chain order, across all day files */
    "  kind INTEGER NOT NULL,"     /* 0 events, 1 a retention run (chain.h) */
    "  sensor TEXT NOT NULL,"
    "  run INTEGER NOT NULL,"      /* the sensor's run id (wire.h); 0 from version-1 senders */
    "  batch_seq INTEGER NOT NULL,"
    "  first_seq INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"    /* events stored: pos first_pos .. first_pos + count - 1 */
    "  first_pos INTEGER NOT NULL,"
    "  events_end INTEGER NOT NULL," /* events in the chain up to and with this batch */
    "  received INTEGER NOT NULL,"
    "  ts_min INTEGER NOT NULL,"   /* derived from the block: the events' time range */
    "  ts_max INTEGER NOT NULL,"
    "  topics INTEGER NOT NULL,"   /* derived: bit t set when a record goes to topic t */
    "  body BLOB NOT NULL,"        /* the zstd-compressed block (evblock.h) */
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL"
    ");"
    "CREATE INDEX IF NOT EXISTS batches_pos ON batches(first_pos);"
    "CREATE INDEX IF NOT EXISTS batches_ts ON batches(ts_max, ts_min);"
    /* derived: the distinct index keys of each batch's events (evblock.h) */
    "CREATE TABLE IF NOT EXISTS keys ("
    "  k TEXT NOT NULL,"
    "  batch INTEGER NOT NULL,"
    "  PRIMARY KEY (k, batch)"
    ") WITHOUT ROWID;";

const char meta_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS chain ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  head_id INTEGER NOT NULL,"       /* last batch stored */
    "  head_hash BLOB NOT NULL,"
    "  next_pos INTEGER NOT NULL,"      /* never reused, even when every day file is gone */
    "  anchor_id INTEGER NOT NULL,"     /* first batch still kept (retention) */
    "  anchor_hash BLOB NOT NULL,"      /* the prev_hash that batch must carry */
    "  anchor_day TEXT NOT NULL,"       /* the last day file deleted, '' when none */
    "  expired_files INTEGER NOT NULL,"
    "  expired_events INTEGER NOT NULL,"
    "  head_events INTEGER NOT NULL"    /* events_end of the head batch */
    ");"
    "CREATE TABLE IF NOT EXISTS sensor_state ("
    "  sensor TEXT NOT NULL,"
    "  run INTEGER NOT NULL,"
    "  last_seq INTEGER NOT NULL,"      /* highest seq stored */
    "  events INTEGER NOT NULL,"
    "  duplicates INTEGER NOT NULL,"    /* events dropped as already stored */
    "  gaps INTEGER NOT NULL,"          /* gaps ever opened */
    "  gap_events INTEGER NOT NULL,"    /* events missing when their gaps opened */
    "  open_gap_events INTEGER NOT NULL," /* still missing */
    "  filled INTEGER NOT NULL,"        /* arrived late, into a gap */
    "  gaps_given_up INTEGER NOT NULL,"
    "  last_batch_seq INTEGER NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (sensor, run)"
    ");"
    "CREATE TABLE IF NOT EXISTS sensor_gaps ("
    "  sensor TEXT NOT NULL,"
    "  run INTEGER NOT NULL,"
    "  from_seq INTEGER NOT NULL,"
    "  to_seq INTEGER NOT NULL,"
    "  PRIMARY KEY (sensor, run, from_seq)"
    ");"
    "CREATE TABLE IF NOT EXISTS cursors ("
    "  topic TEXT PRIMARY KEY,"         /* events, alerts, assets, health */
    "  pos INTEGER NOT NULL,"           /* every event of the topic at or below is delivered */
    "  updated INTEGER NOT NULL"
    ");";

static int is_day_name(const char *name)
{
    size_t plen = strlen(DAY_PREFIX), slen = strlen(DAY_SUFFIX);
    if (strlen(name) != plen + DAY_NAME_LEN + slen || strncmp(name, DAY_PREFIX, plen) != 0 ||
        strcmp(name + plen + DAY_NAME_LEN, DAY_SUFFIX) != 0)
        return 0;
    char day[DAY_NAME_LEN + 1];
    memcpy(day, name + plen, DAY_NAME_LEN);
    day[DAY_NAME_LEN] = '\0';
    int64_t us;
    return day_start_us(day, &us) == 0;
}

static int cmp_day(const void *a, const void *b)
{
    return strcmp(a, b);
}

int day_list_read(const char *dir, struct day_list *out, char *err, size_t errlen)
{
    out->name = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot list: %m", dir);
        return -1;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_day_name(de->d_name))
            continue;
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            void *nn = realloc(out->name, ncap * sizeof *out->name);
            if (!nn) {
                closedir(d);
                day_list_free(out);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            out->name = nn;
            cap = ncap;
        }
        memcpy(out->name[out->n], de->d_name + strlen(DAY_PREFIX), DAY_NAME_LEN);
        out->name[out->n][DAY_NAME_LEN] = '\0';
        out->n++;
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->name, out->n, sizeof *out->name, cmp_day);
    return 0;
}

void day_list_free(struct day_list *l)
{
    free(l->name);
    l->name = NULL;
    l->n = 0;
}

void day_of(int64_t us, char out[DAY_NAME_LEN + 1])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, DAY_NAME_LEN + 1, "%04u%02u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

int day_start_us(const char *day, int64_t *us)
{
    int v[8];
    for (int i = 0; i < 8; i++) {
        if (day[i] < '0' || day[i] > '9')
            return -1;
        v[i] = day[i] - '0';
    }
    if (day[8] != '\0')
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3] - 1900;
    tm.tm_mon = v[4] * 10 + v[5] - 1;
    tm.tm_mday = v[6] * 10 + v[7];
    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != tm.tm_mday) /* 20240231 */
        return -1;
    *us = (int64_t)t * 1000000;
    return 0;
}

int day_path(const char *dir, const char *day, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/" DAY_PREFIX "%s" DAY_SUFFIX, dir, day);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int meta_path(const char *dir, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/" META_FILE, dir);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

sqlite3 *day_open_ro(const char *path, int busy_timeout_ms, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return db;
}

int db_int(sqlite3 *db, const char *sql, int64_t param, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (param >= 0)
        sqlite3_bind_int64(st, 1, param);
    int rc = sqlite3_step(st);
    int ret;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *out = sqlite3_column_int64(st, 0);
        ret = 0;
    } else {
        ret = rc == SQLITE_DONE ? 1 : -1;
    }
    sqlite3_finalize(st);
    return ret;
}
