/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - the collector's event store: one SQLite database (WAL) under the store
 * directory, one transaction per batch, at most one row per (sensor, seq) so a resent
 * batch is not stored twice. The row number `pos` only grows (AUTOINCREMENT): it is the
 * cursor a store-reading forwarder (the outbox) will follow. Schema in docs/collector.md.
 * Not thread-safe: one thread owns a struct store.
 */
#ifndef TZ_STORE_H
#define TZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define STORE_FILE "events.db"
#define STORE_SCHEMA_VERSION 1

struct store;

struct store_opts {
    const char *dir;      /* created (one level) if missing */
    int sync_full;        /* PRAGMA synchronous=FULL, else NORMAL */
    int busy_timeout_ms;
};

struct store_put_result {
    size_t inserted;
    size_t duplicates;
};

/* Opens or creates the store; on success *out is owned by the caller (store_close). */
int store_open(struct store **out, const struct store_opts *o, char *err, size_t errlen);
void store_close(struct store *s);
/* Writes b's events in one transaction and sets each ev.stored. Returns 0, or -1 with err
 * when nothing was written (the transaction was rolled back: the batch may be retried). */
int store_put(struct store *s, struct batch *b, struct store_put_result *r, char *err,
              size_t errlen);
/* The database file's path (owned by s). */
const char *store_path(const struct store *s);
/* Rows in the store, or -1. */
int64_t store_count(struct store *s);

#endif
