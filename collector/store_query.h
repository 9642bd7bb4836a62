/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_query.h - reading events back out of the store for the HTTP API (/api/events, the
 * audit search) and the `dump` command. store_query_events answers a filter (time range,
 * address, protocol, type, op, status, sensor) in time order, a page at a time, from the
 * indexes: candidate batches come from `batches_ts` (time range) and `keys` (the other
 * filters), never from a scan of every day file's events; only the candidates' blocks are
 * decompressed. Read-only and safe while the collector writes (each day file is read in
 * its own snapshot). Thread-safe: share nothing but the directory.
 */
#ifndef TZ_STORE_QUERY_H
#define TZ_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define SQ_CURSOR_LEN 48
#define SQ_LIMIT_MAX 10000

/* NULL or "" leaves a filter out; from_us/to_us 0 leave the bound open (from inclusive,
 * to exclusive, event `ts` in microseconds since the epoch). */
struct sq_filter {
    int64_t from_us, to_us;
    const char *ip;     /* src or dst address, as the event writes it */
    const char *proto;  /* modbus, dnp3, ... */
    const char *type;   /* ics, flow, alert, anomaly, health, asset */
    const char *op;     /* ics op: read, write, control, program, ... */
    const char *status; /* ics status: ok, exception, ... */
    const char *sensor;
    int64_t from_pos;   /* store_scan: only positions above this (0: all) */
};

/* One event handed to the callback; pointers live until the callback returns. */
struct sq_event {
    int64_t pos;        /* position in the store (what the Kafka cursors follow) */
    int64_t ts_us;
    int64_t received;   /* when the collector stored it (microseconds) */
    enum ev_type type;
    const char *sensor;
    const char *line;   /* the event as received (JSON, not NUL-terminated) */
    size_t line_len;
};

/* Returns nonzero to stop. */
typedef int (*sq_cb)(void *arg, const struct sq_event *e);

/* Calls cb for at most `limit` (1..SQ_LIMIT_MAX) events matching f, in (ts, pos) order,
 * after `cursor` (NULL or "" for the first page). next (SQ_CURSOR_LEN bytes) gets the
 * cursor of the next page, "" when this page is the last. Returns the events given to cb,
 * or -1 with err (a bad cursor, an unreadable store). */
long store_query_events(const char *dir, const struct sq_filter *f, const char *cursor,
                        size_t limit, sq_cb cb, void *arg, char next[SQ_CURSOR_LEN], char *err,
                        size_t errlen);
/* Calls cb for every stored event in position order (f->sensor and f->from_pos only are
 * honoured; batches wholly at or below from_pos are not read). 0, or -1 with err. */
int store_scan(const char *dir, const struct sq_filter *f, sq_cb cb, void *arg, char *err,
               size_t errlen);

#endif
