/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox_int.h - what outbox.c (the forwarder thread: reading the store, cursors, lag,
 * retention) and outbox_producer.c (the librdkafka producer and its callbacks) share:
 * struct outbox. Private to those two files; everything runs on the forwarder's thread.
 */
#ifndef TZ_OUTBOX_INT_H
#define TZ_OUTBOX_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "dayfile.h"
#include "evblock.h"
#include "outbox.h"
#include "window.h"

#define PATH_CAP 1200 /* store.dir is at most 1000 characters */
#define WINDOW_CAP 65536         /* messages in flight per topic */
#define READ_BATCHES 8           /* batches read per query */
#define CURSOR_SAVE_MS 200
#define LAG_EVERY_MS 250
#define DAYS_EVERY_MS 500        /* how often the day list is read again */
#define SAVE_FAIL_LOG_US (60u * 1000000u) /* "cursors not saved" at most this often */
#define RESTART_BACKOFF_MS 5000  /* after a fatal producer error */
#define DOWN_LOG_EVERY_US (30u * 1000000u)

struct reader {
    sqlite3 *db;
    sqlite3_stmt *q;
    char day[DAY_NAME_LEN + 1];
    int64_t read_pos;   /* last position produced (or skipped) */
    struct window win;
    uint64_t passed;    /* events the cursor moved past since start */
    int64_t cursor_saved;
    int64_t lag_base;   /* backlog at start (events after the cursor) */
    uint64_t stored0;   /* metrics stored_topic at start */
    int64_t next_received; /* received time of the first unread row, 0 unknown */
    struct evb_buf block;  /* the decompressed block of the batch at block_pos */
    int64_t block_pos;     /* its first position, 0 when none */
};

struct outbox {
    char dir[PATH_CAP];
    char names[TOPIC_COUNT][256];
    char brokers[1024];
    char *properties;
    const struct envelope *env;
    int busy_ms, flush_ms, retention_days;
    struct metrics *m;

    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt[TOPIC_COUNT];
    int fatal;
    uint64_t last_down_log_us;
    uint64_t failed_logged;
    uint64_t undeliverable_logged;

    sqlite3 *meta;
    sqlite3_stmt *save;
    uint64_t save_failed, save_failed_log_us;
    struct reader r[TOPIC_COUNT];
    struct day_list days;
    uint64_t days_read_us;

    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    long left;
};

/* A produce call that librdkafka refuses at once for a reason no retry can cure (the message
 * is larger than this producer's message.max.bytes): the message is skipped, counted and
 * logged (outbox_undeliverable), so one poison message cannot hold its topic for good. An
 * error in a delivery report, from a broker, is never skipped: the broker's settings may
 * change, so the topic is produced again from its cursor (at-least-once). */
int outbox_permanent_error(int err);
void outbox_undeliverable(struct outbox *ob, const char *topic, int64_t pos, size_t len, int err);

/* Creates the producer (defaults, then every kafka.properties entry) and its topics.
 * 0, or -1 with err. */
int outbox_producer_create(struct outbox *ob, char *err, size_t errlen);
/* Purges what is queued or in flight (their reports fail) and destroys the producer. */
void outbox_producer_destroy(struct outbox *ob);

#endif
