/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox_producer.c - the forwarder's librdkafka producer (see outbox.h): the collector's
 * defaults (idempotent, acks=all, lz4, linger 20 ms) then every kafka.properties entry
 * through rd_kafka_conf_set; librdkafka's log lines go through log.h; the error callback
 * says when forwarding waits and flags fatal errors; the delivery report callback settles
 * the message in its topic's window (window.h), which is what moves the cursor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox_int.h"
#include "tztime.h"

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    int lv = level <= 4 ? LOG_WARN : level <= 6 ? LOG_INFO : LOG_DEBUG;
    log_msg(lv, "kafka %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct outbox *ob = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        log_err("kafka: fatal producer error: %s; the producer restarts from the cursors", why);
        ob->fatal = 1;
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        uint64_t now = tz_mono_us();
        if (ob->last_down_log_us == 0 || now - ob->last_down_log_us >= DOWN_LOG_EVERY_US) {
            log_warn("kafka: no broker reachable (%s); forwarding waits, events stay in the "
                     "store after the cursors",
                     reason);
            ob->last_down_log_us = now;
        }
        return;
    }
    log_debug("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

int outbox_permanent_error(int err)
{
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
}

void outbox_undeliverable(struct outbox *ob, const char *topic, int64_t pos, size_t len, int err)
{
    atomic_fetch_add(&ob->m->kafka_undeliverable, 1);
    ob->undeliverable_logged++;
    if (ob->undeliverable_logged <= 10 || ob->undeliverable_logged % 1000 == 0)
        log_err("kafka: %s refused the event at store position %lld (%zu bytes) for good: %s; "
                "skipped (it stays in the store; raise kafka.properties message.max.bytes, "
                "and the brokers' limit, to forward such events; %llu so far)",
                topic, (long long)pos, len, rd_kafka_err2str((rd_kafka_resp_err_t)err),
                (unsigned long long)ob->undeliverable_logged);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    struct outbox *ob = opaque;
    uintptr_t tag = (uintptr_t)msg->_private;
    int t = (int)(tag >> 56);
    uint64_t slot = tag & ((UINT64_C(1) << 56) - 1);
    if (t < 0 || t >= TOPIC_COUNT)
        return;
    struct reader *r = &ob->r[t];
    int ok = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    uint64_t head0 = r->win.head;
    if (window_settle(&r->win, slot, ok) < 0)
        return; /* from a window emptied by a rewind or a producer restart */
    r->passed += r->win.head - head0;
    if (ok) {
        atomic_fetch_add(&ob->m->kafka_delivered[t], 1);
        return;
    }
    atomic_fetch_add(&ob->m->kafka_failed, 1);
    ob->failed_logged++;
    if (ob->failed_logged <= 10 || ob->failed_logged % 10000 == 0)
        log_warn("kafka: delivery to %s failed: %s (%llu so far); it is produced again from "
                 "the cursor",
                 rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err),
                 (unsigned long long)ob->failed_logged);
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

/* Applies the "k=v\n" lines of kafka.properties, each through rd_kafka_conf_set. */
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
            if ((strcmp(kv, "enable.idempotence") == 0 && strcmp(eq + 1, "true") != 0) ||
                (strcmp(kv, "acks") == 0 && strcmp(eq + 1, "all") != 0 &&
                 strcmp(eq + 1, "-1") != 0))
                log_warn("kafka.properties: %s=%s weakens delivery (duplicates or losses on "
                         "broker failures)",
                         kv, eq + 1);
        }
        line += n + (nl ? 1 : 0);
    }
    return 0;
}

void outbox_producer_destroy(struct outbox *ob)
{
    if (!ob->rk)
        return;
    rd_kafka_purge(ob->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(ob->rk, 0);
    for (int t = 0; t < TOPIC_COUNT; t++) {
        if (ob->rkt[t])
            rd_kafka_topic_destroy(ob->rkt[t]);
        ob->rkt[t] = NULL;
    }
    rd_kafka_destroy(ob->rk);
    ob->rk = NULL;
}

int outbox_producer_create(struct outbox *ob, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf_set(conf, "bootstrap.servers", ob->brokers, err, errlen) != 0 ||
        conf_set(conf, "client.id", "tanzhen-collector", err, errlen) != 0 ||
        conf_set(conf, "enable.idempotence", "true", err, errlen) != 0 ||
        conf_set(conf, "acks", "all", err, errlen) != 0 ||
        conf_set(conf, "compression.type", "lz4", err, errlen) != 0 ||
        conf_set(conf, "linger.ms", "20", err, errlen) != 0 ||
        conf_apply_map(conf, ob->properties, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, ob);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char why[512];
    ob->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!ob->rk) {
        snprintf(err, errlen, "kafka producer: %s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    for (int t = 0; t < TOPIC_COUNT; t++) {
        ob->rkt[t] = rd_kafka_topic_new(ob->rk, ob->names[t], NULL);
        if (!ob->rkt[t]) {
            snprintf(err, errlen, "kafka topic %s: %s", ob->names[t],
                     rd_kafka_err2str(rd_kafka_last_error()));
            outbox_producer_destroy(ob);
            return -1;
        }
    }
    ob->fatal = 0;
    return 0;
}
