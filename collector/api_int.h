/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_int.h - the API's insides shared by api.c (HTTP, token, routing, parameters) and
 * api_q.c (the queries over analytics.db, the day files and api.db).
 */
#ifndef TZ_API_INT_H
#define TZ_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "api.h"

struct api {
    char store_dir[1024], an_db[1100], token_path[1100], ack_db[1100];
    char token[129];        /* "" when no token file; read again after a SIGHUP */
    unsigned token_gen;     /* pol_reload_gen() when it was read */
    int64_t page_max;
    struct metrics *m;
    pthread_mutex_t lock;   /* the connections below (libmicrohttpd may run handlers in
                             * several threads) */
    sqlite3 *ack;           /* api.db, read-write, this module's own */
};

/* A reply: HTTP status and a JSON body (owned by the reply). */
struct api_reply {
    unsigned code;
    json_t *body;
};

void api_error(struct api_reply *r, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Query parameters, already validated by api.c. */
struct api_q {
    int64_t since_us, until_us, limit, cursor;
    const char *severity, *rule, *asset, *ip, *proto, *type, *op, *status;
    const char *page;   /* /api/events: the store's opaque cursor (store_query.h) */
};

void api_q_assets(struct api *a, const struct api_q *q, struct api_reply *r);
void api_q_alerts(struct api *a, const struct api_q *q, struct api_reply *r);
void api_q_ack(struct api *a, const char *id, const char *comment, struct api_reply *r);
void api_q_baseline(struct api *a, const struct api_q *q, struct api_reply *r);
void api_q_maintenance(struct api *a, const struct api_q *q, struct api_reply *r);
void api_q_sensors(struct api *a, struct api_reply *r);
void api_q_events(struct api *a, const struct api_events_q *q, struct api_reply *r);

#endif
