/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forward.c - forwarding events to Kafka with librdkafka (see forward.h). The producer is
 * idempotent by default (enable.idempotence=true), so retries neither duplicate nor
 * reorder a partition. Topic handles are made once at start. librdkafka's own log lines go
 * through log.h; its error callback is used to say when forwarding stalls or recovers.
 */
#include "forward.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tztime.h"

#define FWD_NAME_MAX 256
#define FWD_DOWN_LOG_EVERY_US (30u * 1000000u)

struct forward {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt[FWD_TOPIC_COUNT];
    char names[FWD_TOPIC_COUNT][FWD_NAME_MAX];
    int queue_wait_ms;
    struct forward_stats st;
    uint64_t last_down_log_us;
    int fatal;
    int congested; /* the last wait for queue space timed out: do not wait again until a
                    * produce succeeds, so an outage costs one wait, not one per event */
};

static const char *const topic_suffix[FWD_TOPIC_COUNT] = {
    [FWD_EVENTS] = "events", [FWD_ALERTS] = "alerts", [FWD_ASSETS] = "assets",
    [FWD_HEALTH] = "health",
};

enum fwd_topic forward_topic_of(enum ev_type t)
{
    switch (t) {
    case EV_ALERT:
        return FWD_ALERTS;
    case EV_ASSET:
        return FWD_ASSETS;
    case EV_HEALTH:
        return FWD_HEALTH;
    case EV_ICS:
    case EV_FLOW:
    case EV_ANOMALY:
    case EV_TYPE_COUNT:
        break;
    }
    return FWD_EVENTS;
}

int forward_enabled(const struct forward *f)
{
    return f && f->rk;
}

const char *forward_topic_name(const struct forward *f, enum fwd_topic t)
{
    return (unsigned)t < FWD_TOPIC_COUNT ? f->names[t] : "?";
}

/* librdkafka uses syslog levels: 0-3 errors, 4 warnings, 5-6 notices/info, 7 debug. Its
 * "errors" are mostly a broker that cannot be reached, which only delays forwarding: they
 * are logged as warnings; what stops forwarding is logged by on_error. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    int lv = level <= 4 ? LOG_WARN : level <= 6 ? LOG_INFO : LOG_DEBUG;
    log_msg(lv, "kafka %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct forward *f = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        log_err("kafka: fatal producer error, forwarding stops (events stay in the store): %s",
                why);
        f->fatal = 1;
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        uint64_t now = tz_mono_us();
        if (f->last_down_log_us == 0 || now - f->last_down_log_us >= FWD_DOWN_LOG_EVERY_US) {
            log_warn("kafka: no broker reachable (%s); forwarding is delayed, events stay in "
                     "the store and the producer queue",
                     reason);
            f->last_down_log_us = now;
        }
        return;
    }
    log_debug("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct forward *f = opaque;
    if (m->err) {
        f->st.failed++;
        /* one line per failed message would flood the log during an outage; the count
         * shows in the stats line */
        log_debug("kafka: delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
                  rd_kafka_err2str(m->err));
        return;
    }
    uintptr_t t = (uintptr_t)m->_private;
    if (t < FWD_TOPIC_COUNT)
        f->st.delivered[t]++;
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err,
                    size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka property %s=%s: %s", k, v, why);
        return -1;
    }
    return 0;
}

/* Applies the "k=v\n" lines of kafka.properties. */
static int conf_apply_map(rd_kafka_conf_t *conf, const char *props, char *err, size_t errlen)
{
    const char *line = props ? props : "";
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char kv[2048];
        if (n >= sizeof kv) {
            snprintf(err, errlen, "kafka.properties: an entry is too long");
            return -1;
        }
        memcpy(kv, line, n);
        kv[n] = '\0';
        char *eq = strchr(kv, '=');
        if (eq) {
            *eq = '\0';
            if (conf_set(conf, kv, eq + 1, err, errlen) != 0)
                return -1;
        }
        line += n + (nl ? 1 : 0);
    }
    return 0;
}

int forward_open(struct forward **out, const struct forward_opts *o, char *err,
                 size_t errlen)
{
    *out = NULL;
    struct forward *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->queue_wait_ms = o->queue_wait_ms;
    for (int t = 0; t < FWD_TOPIC_COUNT; t++) {
        int n = snprintf(f->names[t], FWD_NAME_MAX, "%s.%s", o->prefix, topic_suffix[t]);
        if (n < 0 || n > 249) {
            snprintf(err, errlen, "kafka.topic_prefix: topic %s.%s is longer than 249",
                     o->prefix, topic_suffix[t]);
            free(f);
            return -1;
        }
    }
    if (!o->brokers || o->brokers[0] == '\0') {
        *out = f; /* forwarding off */
        return 0;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf_set(conf, "bootstrap.servers", o->brokers, err, errlen) != 0 ||
        conf_set(conf, "client.id", "tanzhen-collector", err, errlen) != 0 ||
        conf_set(conf, "enable.idempotence", "true", err, errlen) != 0 ||
        conf_set(conf, "linger.ms", "20", err, errlen) != 0 ||
        conf_apply_map(conf, o->properties, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        free(f);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, f);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char why[512];
    f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!f->rk) {
        snprintf(err, errlen, "kafka producer: %s", why);
        rd_kafka_conf_destroy(conf);
        free(f);
        return -1;
    }
    for (int t = 0; t < FWD_TOPIC_COUNT; t++) {
        f->rkt[t] = rd_kafka_topic_new(f->rk, f->names[t], NULL);
        if (!f->rkt[t]) {
            snprintf(err, errlen, "kafka topic %s: %s", f->names[t],
                     rd_kafka_err2str(rd_kafka_last_error()));
            forward_close(f, 0);
            return -1;
        }
    }
    *out = f;
    return 0;
}

int forward_event(struct forward *f, const struct ev *e)
{
    if (!forward_enabled(f))
        return 0;
    enum fwd_topic t = forward_topic_of(e->type);
    if (f->fatal) {
        f->st.dropped++;
        return -1;
    }
    const char *key = e->community_id ? e->community_id : e->sensor;
    uint64_t deadline = tz_mono_us() + (uint64_t)f->queue_wait_ms * 1000u;
    for (;;) {
        /* RD_KAFKA_MSG_F_COPY: the batch body is freed once the batch is handled */
        int rc = rd_kafka_produce(f->rkt[t], RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                  (void *)e->line, e->line_len, key, strlen(key),
                                  (void *)(uintptr_t)t);
        if (rc == 0) {
            f->st.queued[t]++;
            f->congested = 0;
            return 0;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        int full = err == RD_KAFKA_RESP_ERR__QUEUE_FULL;
        if (!full || f->congested || tz_mono_us() >= deadline) {
            f->congested = full;
            f->st.dropped++;
            if (f->st.dropped == 1 || f->st.dropped % 10000 == 0)
                log_warn("kafka: event dropped from forwarding (%s); %llu so far, the store "
                         "keeps them",
                         rd_kafka_err2str(err), (unsigned long long)f->st.dropped);
            return -1;
        }
        rd_kafka_poll(f->rk, 10); /* let delivery reports drain the queue */
    }
}

void forward_poll(struct forward *f)
{
    if (forward_enabled(f))
        rd_kafka_poll(f->rk, 0);
}

long forward_outq(const struct forward *f)
{
    return forward_enabled(f) ? rd_kafka_outq_len(f->rk) : 0;
}

void forward_get_stats(const struct forward *f, struct forward_stats *st)
{
    *st = f->st;
}

long forward_close(struct forward *f, int flush_ms)
{
    if (!f)
        return 0;
    long left = 0;
    if (f->rk) {
        rd_kafka_resp_err_t err = rd_kafka_flush(f->rk, flush_ms);
        left = rd_kafka_outq_len(f->rk);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
            log_warn("kafka: %ld message(s) not delivered after %d ms; the store keeps them",
                     left, flush_ms);
        if (left > 0) /* do not wait again in rd_kafka_destroy */
            rd_kafka_purge(f->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(f->rk, 0);
        for (int t = 0; t < FWD_TOPIC_COUNT; t++)
            if (f->rkt[t])
                rd_kafka_topic_destroy(f->rkt[t]);
        rd_kafka_destroy(f->rk);
    }
    free(f);
    return left;
}
