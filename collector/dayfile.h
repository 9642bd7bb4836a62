/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dayfile.h - the store's layout on disk, shared by the writer (store.c), the forwarder
 * (outbox.c), retention, the query and `verify`: STORE_DIR/meta.db (chain head and
 * anchor, sensor state per run, Kafka cursors), STORE_DIR/checkpoint (the signed chain
 * head, anchor.h) and one SQLite file per UTC day of ingest, STORE_DIR/events-YYYYMMDD.db
 * (the batches, their compressed event blocks and index keys). Day names sort as dates.
 * The schemas are here so every reader agrees with the writer.
 */
#ifndef TZ_DAYFILE_H
#define TZ_DAYFILE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define DAY_PREFIX "events-"
#define DAY_SUFFIX ".db"
#define DAY_NAME_LEN 8 /* YYYYMMDD */
#define DAY_US 86400000000LL
#define META_FILE "meta.db"
#define LEGACY_FILE "events.db"  /* the single file of the first version; not read */
#define STORE_SCHEMA_VERSION 3    /* PRAGMA user_version of day files and meta.db */

struct day_list {
    char (*name)[DAY_NAME_LEN + 1]; /* ascending; owned */
    size_t n;
};

extern const char day_schema_sql[];
extern const char meta_schema_sql[];

/* Lists DIR's day files in date order. Returns 0, or -1 with err. */
int day_list_read(const char *dir, struct day_list *out, char *err, size_t errlen);
void day_list_free(struct day_list *l);
/* The UTC day of a time in microseconds, as YYYYMMDD. */
void day_of(int64_t us, char out[DAY_NAME_LEN + 1]);
/* The start of day YYYYMMDD in microseconds since the epoch; 0 or -1 for a bad name. */
int day_start_us(const char *day, int64_t *us);
/* DIR/events-DAY.db (or DIR/NAME when day is NULL and name is given). 0, or -1 when the
 * path does not fit. */
int day_path(const char *dir, const char *day, char *out, size_t cap);
int meta_path(const char *dir, char *out, size_t cap);
/* Opens an SQLite file read-only (for the forwarder and verify). NULL with err. */
sqlite3 *day_open_ro(const char *path, int busy_timeout_ms, char *err, size_t errlen);
/* One integer from a one-row query (with up to one integer parameter, -1 for none);
 * *out stays untouched when the row is NULL. Returns 0, 1 for no row, -1 on error. */
int db_int(sqlite3 *db, const char *sql, int64_t param, int64_t *out);

#endif
