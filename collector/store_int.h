/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_int.h - what store.c (the write path, day files) and store_meta.c (meta.db, the
 * sensor state, catching up with the day files) share: struct store and the helpers
 * both use. Private to those two files.
 */
#ifndef TZ_STORE_INT_H
#define TZ_STORE_INT_H

#include <sqlite3.h>

#include "chain.h"
#include "evblock.h"
#include "store.h"

#define PATH_CAP 1200 /* store.dir is at most 1000 characters */
#define GAP_LOG_MAX 20 /* gaps logged per transaction; the rest are counted */

struct pending_gap {
    char sensor[WIRE_SENSOR_MAX + 1];
    struct seq_gap gap;
};

struct store {
    char dir[PATH_CAP];
    int lock_fd;
    int sync_full, busy_ms, zlevel;
    int64_t (*clock)(void);
    struct metrics *m;
    int retention_days;
    int checkpoint_s;
    int have_sign;
    uint8_t sign_sk[64], sign_pk[32]; /* Ed25519 (anchor.h) */
    uint64_t next_retention_us, next_checkpoint_us, next_size_us; /* monotonic */
    int64_t checkpoint_id;            /* head written to the last checkpoint */
    int64_t kept_events;              /* events in the day files kept */
    int full;                         /* the disk was full at the last failure */
    uint64_t full_refused, full_logged_us;
    uint64_t fail_logged;             /* other failures said so far */

    sqlite3 *meta;
    sqlite3_stmt *m_begin, *m_commit, *m_rollback, *m_chain, *m_sensor, *m_gaps_del, *m_gap;

    sqlite3 *day;
    char day_name[DAY_NAME_LEN + 1];
    char day_file[PATH_CAP];
    char newest_day[DAY_NAME_LEN + 1]; /* the newest day file found at open */
    sqlite3_stmt *d_key, *d_batch, *d_begin, *d_commit, *d_rollback;

    struct seqstate seq;
    int64_t head_id, head_events;
    uint8_t head_hash[CHAIN_HASH_LEN];
    int64_t next_pos;
    int chain_dirty;

    struct evb_buf raw, z;
    struct evb_keys keys;
    struct pending_gap gaps[GAP_LOG_MAX];
    size_t ngaps, gaps_unlogged;
};

/* One statement or script; 0, or -1 with SQLite's message in err. */
int store_exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* Steps a prepared statement once and resets it; returns the step's result code. */
int store_step_once(sqlite3_stmt *st);
/* WAL, synchronous mode, schema version check; creates the schema in an empty file. */
int store_db_setup(sqlite3 *db, const char *path, const char *schema, int sync_full,
                   char *err, size_t errlen);
sqlite3 *store_db_open_rw(const char *path, int busy_ms, char *err, size_t errlen);
int store_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* Opens meta.db (schema, the chain row, statements). */
int store_open_meta(struct store *s, char *err, size_t errlen);
/* meta.db's view of the chain and the sensors, plus what the day files hold beyond it. */
int store_load_state(struct store *s, char *err, size_t errlen);
/* Writes the chain head and the changed sensors to meta.db. */
int store_save_meta(struct store *s, char *err, size_t errlen);
/* Opens the day file `day` for writing (closing the current one). 0 or -1 with err. */
int store_open_day(struct store *s, const char *day, char *err, size_t errlen);
/* The day file batches go to now (opened if needed). 0 or -1 with err. */
int store_current_day(struct store *s, char *err, size_t errlen);
/* Appends one chain entry (its row; keys are the caller's) in the open transaction and
 * advances the head in memory. 0 or -1 with err. */
int store_insert_entry(struct store *s, struct chain_entry *e, int64_t ts_min, int64_t ts_max,
                       int topics, char *err, size_t errlen);
/* Metrics of one sensor: its runs summed (store_meta.c). */
void store_sensor_metrics(struct store *s, const char *id);
/* Remembers a gap to log after the commit; logs them (`when` is appended). */
void store_note_gap(struct store *s, const char *sensor, const struct seq_gap *g);
void store_log_gaps(struct store *s, const char *when);

#endif
