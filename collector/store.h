/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - the collector's event store (format 3): one SQLite file per UTC day of ingest
 * (events-YYYYMMDD.db, WAL) and meta.db (dayfile.h). A stored batch is one `batches` row
 * holding its new events as one zstd-compressed block (evblock.h), plus one `keys` row per
 * distinct index key. An event is stored only when its (sensor, run, seq) is new (above the
 * run's highest seq or inside one of its open gaps: seqstate.h), so a resend is stored once
 * whatever day it comes back on and a new run is never taken for a resend. Every stored
 * batch is a chain entry (chain.h) written in the same transaction. The head is anchored
 * outside the store in a signed checkpoint file (anchor.h) and the collector's health
 * event. meta.db follows the day file's commit and is brought up to date from the day
 * files at open. Not thread-safe: one thread owns a struct store.
 */
#ifndef TZ_STORE_H
#define TZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "chain.h"
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
    int zstd_level;              /* 0: STORE_ZSTD_LEVEL */
    int retention_days;          /* 0: no retention from store_tick */
    int checkpoint_interval_s;   /* 0: checkpoints only from store_checkpoint/close */
    const uint8_t *sign_secret;  /* the collector's 32-byte CURVE secret (the checkpoint
                                  * key is derived from it, anchor.h), or NULL: unsigned */
};

#define STORE_ZSTD_LEVEL 1

struct store_put_result {
    size_t inserted;
    size_t duplicates;
    int refused;                 /* 1: not stored, too many sensors (SEQ_MAX_SENSORS) */
    int failed;                  /* 1: not stored now (store_put_many), send RETRY */
    int full;                    /* with failed: because the disk is full */
};

/* Opens or creates the store and takes its lock (one collector per directory); on
 * success *out is owned by the caller (store_close). */
int store_open(struct store **out, const struct store_opts *o, char *err, size_t errlen);
void store_close(struct store *s);
/* Writes n batches in one transaction and sets each event's `stored`. When that fails the
 * group is split in halves, down to single batches, so what fits is stored; r[i].failed
 * marks a batch that could not be stored (it may be sent again). Returns 0 when at least
 * one batch was written, or -1 with err when none was. */
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
/* The state of one sensor's latest run (NULL when unknown), or of one run. */
const struct sensor_state *store_sensor(struct store *s, const char *id);
const struct sensor_state *store_sensor_run(struct store *s, const char *id, uint64_t run);
/* The chain head: batch id, events in the chain up to it, hash. */
void store_head(const struct store *s, int64_t *id, int64_t *events,
                uint8_t hash[CHAIN_HASH_LEN]);
/* Periodic work on the owner's thread, cheap when nothing is due: the signed checkpoint
 * (checkpoint_interval_s), retention (hourly) and the size metrics. */
void store_tick(struct store *s);
/* Writes the signed checkpoint of the head now. 0 or -1 with err. */
int store_checkpoint(struct store *s, char *err, size_t errlen);

#endif
