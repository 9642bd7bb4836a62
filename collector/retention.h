/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.h - deleting expired day files. A day file is expired when its whole UTC day
 * lies more than store.retention_days before now; the newest day file is never deleted.
 * Files go oldest first and whole (never a DELETE on a live table, so ingest never
 * waits). Before a file goes, meta.db's chain anchor moves to the first batch after it
 * (its hash becomes the prev_hash the kept chain must start with) and that update is
 * synced, so `verify` still checks everything that is kept.
 */
#ifndef TZ_RETENTION_H
#define TZ_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define RETENTION_MIN_DAYS 180 /* shorter needs --allow-short-retention */

struct retention_result {
    int files;                        /* day files deleted */
    int64_t events;                   /* rows they held */
    int64_t unforwarded[TOPIC_COUNT]; /* rows beyond the topic's cursor (never forwarded) */
};

/* Deletes the expired day files of dir. cursors (may be NULL) are the forwarder's, to
 * count what goes unforwarded. Returns 0, or -1 with err (what was deleted before the
 * failure stays deleted and counted in r). */
int retention_run(const char *dir, int retention_days, int64_t now_us, const int64_t *cursors,
                  int busy_timeout_ms, struct retention_result *r, char *err, size_t errlen);

#endif
