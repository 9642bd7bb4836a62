/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - the collector's JSON API under /api/ on the /metrics server (libmicrohttpd,
 * jansson). Every route but /metrics wants "Authorization: Bearer TOKEN" (the token file
 * `tanzhen-collector token FILE` writes). Threading: the API runs on the HTTP thread and
 * never touches the engine's memory: it reads analytics.db and the day files through its
 * own read-only SQLite connections (WAL: it sees what the engine last wrote), keeps
 * acknowledgements in its own api.db, and hands baseline review commands to the engine
 * through the mutex-guarded queue of analytics/pol.h (applied at the engine's next event).
 */
#ifndef TZ_API_H
#define TZ_API_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

struct metrics;

struct api_opts {
    const char *store_dir;
    const char *analytics_db; /* "" or NULL: STORE_DIR/analytics.db */
    const char *token_file;   /* "" or NULL: STORE_DIR/api.token */
    int64_t page_max;
    struct metrics *m;
};

struct api;
/* Returns 0, or -1 with err. A missing token file is not an error: /api/ then answers 503. */
int api_open(struct api **out, const struct api_opts *o, char *err, size_t errlen);
void api_close(struct api *a);
/* The libmicrohttpd access handler for URLs under /api/ (metrics.c calls it). */
enum MHD_Result api_answer(struct api *a, struct MHD_Connection *c, const char *url,
                           const char *method, const char *upload_data, size_t *upload_size,
                           void **state);
/* Frees what api_answer kept in *state (MHD_OPTION_NOTIFY_COMPLETED). */
void api_request_done(void **state);

/* `tanzhen-collector token FILE [--force]`: writes a new random token (mode 0600). */
int cmd_token(int argc, char **argv);
/* `tanzhen-collector baseline list|accept|drop|mode|export|import ...` (baseline_cmd.c). */
int cmd_baseline(int argc, char **argv);

/* ---- /api/events: answered by the store's query function (wt-store) ----
 * The integrator wires api_events_query() in api_q.c to it; until then it returns 501. */
struct api_events_q {
    int64_t since_us, until_us; /* [since, until) */
    const char *ip;             /* either side; NULL: any */
    const char *proto, *type, *op;
    const char *cursor;         /* NULL: the first page (oldest first); else the `next` of
                                 * the last page (store_query.h's cursor) */
    int64_t limit;
};

#endif
