/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.h - deleting expired day files, by the store's owner thread (store_tick). A day
 * file is expired when its whole UTC day lies more than store.retention_days before now;
 * the newest day file is never deleted. Files go oldest first and whole (never a DELETE
 * on a live table, so ingest never waits on it). Each removal is first recorded as a chain
 * entry of kind "retention" (chain.h) that names the file, its batches, its events and its
 * last hash, then meta.db's anchor moves past it (synced), then the file goes: so `verify`
 * tells a removed day from a deleted one, and a crash in between only leaves a file that
 * the next run deletes and `verify` skips as expired.
 */
#ifndef TZ_RETENTION_H
#define TZ_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define RETENTION_MIN_DAYS 180 /* shorter needs --allow-short-retention */
#define RETENTION_EVERY_S 3600

struct store;

struct retention_result {
    int files;                        /* day files deleted */
    int64_t events;                   /* events they held */
    int64_t unforwarded[TOPIC_COUNT]; /* events beyond the topic's cursor (never forwarded) */
};

/* Deletes the expired day files of the store. cursors (may be NULL) are the forwarder's,
 * to count what goes unforwarded. Returns 0, or -1 with err (what was deleted before the
 * failure stays deleted and counted in r). */
int store_retention(struct store *s, int retention_days, int64_t now_us, const int64_t *cursors,
                    struct retention_result *r, char *err, size_t errlen);

#endif
