/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h - the collector's counters, shared by its threads, and GET /metrics in the
 * Prometheus text format (version 0.0.4) served by libmicrohttpd on http.listen. Each
 * counter has one writer thread (receiver, forwarder or auth) and is a C11 atomic read by
 * the HTTP thread; the per-sensor table is copied under a mutex after each commit.
 */
#ifndef TZ_METRICS_H
#define TZ_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "seqstate.h"

enum auth_reason {
    AUTH_UNKNOWN_KEY,   /* a CURVE client key not in receiver.allow_dir */
    AUTH_NO_CURVE,      /* the client does not speak CURVE (mechanism mismatch) */
    AUTH_BAD_HANDSHAKE, /* CURVE handshake failed (wrong server key, garbage) */
    AUTH_NOT_ZMTP,      /* closed or not ZeroMQ before the handshake ended */
    AUTH_OTHER_MECH,    /* ZAP request for a mechanism other than CURVE */
    AUTH_REASON_COUNT
};

const char *auth_reason_name(enum auth_reason r);

struct metrics_sensor {
    char id[WIRE_SENSOR_MAX + 1];
    uint64_t last_seq, events, duplicates, gaps, gap_events, open_gap_events, filled;
    uint64_t runs; /* runs of the sensor seen (a new run: restarted without its state) */
    uint64_t last_batch_seq;
    int64_t last_seen_us;
};

struct metrics {
    /* receiver thread */
    atomic_uint_fast64_t batches, batches_stored, batches_rejected, batches_retry;
    atomic_uint_fast64_t events_stored, events_duplicate, bytes, acks_unsent, transactions;
    atomic_uint_fast64_t stored_topic[TOPIC_COUNT]; /* events stored per Kafka topic */
    atomic_int_fast64_t chain_head;                  /* last batch id */
    atomic_int_fast64_t committed_pos;               /* last stored position */
    atomic_uint_fast64_t batches_refused_mismatch;   /* sensor id not the key's */
    atomic_uint_fast64_t unused_reserved_events;     /* gap seqs a sensor never used */
    atomic_uint_fast64_t backlog;                    /* in the last ack sent */
    atomic_int_fast64_t store_events_kept;           /* events in the day files kept */
    atomic_uint_fast64_t store_full_refused;         /* batches refused: disk full */
    atomic_int_fast64_t checkpoint_batch;            /* head in the last checkpoint */
    /* auth thread */
    atomic_uint_fast64_t auth_allowed, auth_rejected[AUTH_REASON_COUNT];
    /* forwarder thread */
    atomic_int kafka_enabled;
    atomic_uint_fast64_t kafka_produced[TOPIC_COUNT], kafka_delivered[TOPIC_COUNT];
    atomic_uint_fast64_t kafka_failed, kafka_rewinds, kafka_redacted, kafka_envelope_errors;
    atomic_uint_fast64_t kafka_undeliverable; /* refused for good (too large): skipped */
    atomic_int_fast64_t cursor[TOPIC_COUNT];
    atomic_int_fast64_t lag_events[TOPIC_COUNT];
    atomic_int_fast64_t lag_us[TOPIC_COUNT];
    atomic_uint_fast64_t retention_files, retention_events, retention_unforwarded;
    /* per sensor, under lock */
    pthread_mutex_t lock;
    struct metrics_sensor *sensor;
    size_t nsensors, cap;
    char store_dir[1024];
    int64_t start_us;
};

void metrics_init(struct metrics *m, const char *store_dir);
void metrics_free(struct metrics *m);
/* Copies one sensor's state into the table (the receiver calls it after a commit). */
void metrics_sensor_update(struct metrics *m, const struct sensor_state *s, uint64_t runs);
/* The Prometheus text; returns a malloc'd NUL-terminated buffer (caller frees), or NULL. */
char *metrics_render(struct metrics *m, size_t *len);

struct metrics_http;
/* Serves GET /metrics on listen ("HOST:PORT", "[v6]:PORT"); "" serves nothing (*out
 * NULL). Returns 0, or -1 with err (bad address, cannot bind). */
int metrics_http_start(struct metrics_http **out, struct metrics *m, const char *listen,
                       char *err, size_t errlen);
void metrics_http_stop(struct metrics_http *h);
struct api;
/* Serves the /api/ routes of api.c on the same server (the API may be NULL: 503). */
void metrics_http_set_api(struct metrics_http *h, struct api *api);
/* 0 when listen is "" or a HOST:PORT metrics_http_start accepts, else -1 with err. */
int metrics_http_check(const char *listen, char *err, size_t errlen);

#endif
