/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - the collector's event store: one SQLite file per UTC day of ingest
 * (events-YYYYMMDD.db, WAL) and meta.db (dayfile.h). Batches are written in transactions
 * of one or more batches; an event is stored only when its (sensor, seq) is new (above the
 * sensor's highest seq or inside one of its open gaps: seqstate.h), so a resent batch is
 * stored once whatever day it comes back on. Every batch with stored rows extends the hash
 * chain (chain.h) in the same transaction as its rows. meta.db follows the day file's
 * commit and is brought up to date from the day files at open, so a crash between the two
 * commits loses nothing. Not thread-safe: one thread owns a struct store.
 */
#ifndef TZ_STORE_H
#define TZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "dayfile.h"
#include "metrics.h"
#include "seqstate.h"

struct store;

struct store_opts {
    const char *dir;             /* created (one level) if missing */
    int sync_full;               /* PRAGMA synchronous=FULL on day files, else NORMAL */
    int busy_timeout_ms;
    int64_t (*clock_us)(void);   /* wall clock for `received` and the day; NULL: real time */
    struct metrics *metrics;     /* counters to feed; may be NULL */
};

struct store_put_result {
    size_t inserted;
    size_t duplicates;
    int refused;                 /* 1: not stored, too many sensors (SEQ_MAX_SENSORS) */
};

/* Opens or creates the store and takes its lock (one collector per directory); on
 * success *out is owned by the caller (store_close). */
int store_open(struct store **out, const struct store_opts *o, char *err, size_t errlen);
void store_close(struct store *s);
/* Writes n batches in one transaction and sets each event's `stored`. Returns 0, or -1
 * with err when nothing was written (rolled back: the batches may be sent again). */
int store_put_many(struct store *s, struct batch *const *b, size_t n,
                   struct store_put_result *r, char *err, size_t errlen);
/* store_put_many for one batch. */
int store_put(struct store *s, struct batch *b, struct store_put_result *r, char *err,
              size_t errlen);
const char *store_dir(const struct store *s);
/* The current day file's path ("" before the first batch). */
const char *store_day_path(const struct store *s);
/* Rows across all day files, or -1. */
int64_t store_count(struct store *s);
/* The last batch id of the chain and the last position stored (0: none). */
int64_t store_head_id(const struct store *s);
int64_t store_last_pos(const struct store *s);
/* The state of one sensor (NULL when unknown). */
const struct sensor_state *store_sensor(struct store *s, const char *id);

#endif
