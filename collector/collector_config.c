/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector_config.c - the collector's config table and the checks that go beyond
 * per-key bounds (see collector_config.h). Kafka topic names follow Apache Kafka's rule:
 * at most 249 characters from [A-Za-z0-9._-].
 */
#include "collector_config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define OFF(f) offsetof(struct collector_config, f)
#define SZ(f) sizeof(((struct collector_config *)0)->f)

const struct cfg_opt collector_cfg_table[] = {
    {"receiver.listen", CFG_STR, OFF(listen), SZ(listen), "tcp://127.0.0.1:7700", 1, 255,
     "ZeroMQ endpoint the ROUTER socket binds (tcp://HOST:PORT or ipc://PATH)"},
    {"receiver.max_batch_events", CFG_INT, OFF(max_batch_events), SZ(max_batch_events),
     "10000", 1, 1000000, "events per batch at most; a bigger batch is rejected"},
    {"receiver.max_batch_bytes", CFG_INT, OFF(max_batch_bytes), SZ(max_batch_bytes),
     "16777216", 4096, 268435456,
     "bytes per ZeroMQ frame at most (ZMQ_MAXMSGSIZE): a bigger frame drops the connection"},
    {"store.dir", CFG_STR, OFF(store_dir), SZ(store_dir), "/var/lib/tanzhen/collector", 1, 1000,
     "directory of the SQLite store (events.db); created if missing, must be writable"},
    {"store.synchronous", CFG_STR, OFF(store_sync), SZ(store_sync), "full", 4, 6,
     "SQLite synchronous mode: full (an ack survives power loss) or normal (faster)"},
    {"store.busy_timeout_ms", CFG_INT, OFF(busy_timeout_ms), SZ(busy_timeout_ms), "5000", 0,
     600000, "how long a write waits for a reader's lock before the batch gets a RETRY ack"},
    {"kafka.brokers", CFG_STR, OFF(kafka_brokers), SZ(kafka_brokers), "", 0, 1000,
     "bootstrap servers (host:port,...); empty disables forwarding"},
    {"kafka.topic_prefix", CFG_STR, OFF(kafka_prefix), SZ(kafka_prefix), "tanzhen", 1, 100,
     "topics are PREFIX.events, PREFIX.alerts, PREFIX.assets, PREFIX.health"},
    {"kafka.properties", CFG_MAP, OFF(kafka_props), SZ(kafka_props), "", 0, 0,
     "librdkafka producer properties (e.g. security.protocol: ssl), applied last"},
    {"kafka.flush_timeout_ms", CFG_INT, OFF(flush_timeout_ms), SZ(flush_timeout_ms), "10000", 0,
     600000, "on shutdown, how long to wait for queued messages to be delivered"},
    {"kafka.queue_full_wait_ms", CFG_INT, OFF(queue_wait_ms), SZ(queue_wait_ms), "1000", 0,
     60000, "when the producer queue is full, how long to wait before dropping (counted)"},
    {"log.level", CFG_STR, OFF(log_level), SZ(log_level), "info", 4, 7,
     "error, warning, info or debug"},
    {"log.stats_interval_s", CFG_INT, OFF(stats_interval_s), SZ(stats_interval_s), "60", 0,
     86400, "seconds between counter lines in the log; 0 logs them only at exit"},
    CFG_END,
};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int collector_config_log_level(const struct collector_config *c)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(c->log_level, level_names[i]) == 0)
            return i;
    return LOG_INFO;
}

static int topic_chars_ok(const char *s)
{
    for (const char *p = s; *p; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

int collector_config_check(const struct collector_config *c, char *err, size_t errlen)
{
    if (strncmp(c->listen, "tcp://", 6) != 0 && strncmp(c->listen, "ipc://", 6) != 0) {
        snprintf(err, errlen, "receiver.listen: '%s' must be tcp://HOST:PORT or ipc://PATH",
                 c->listen);
        return -1;
    }
    if (strncmp(c->listen, "tcp://", 6) == 0) {
        const char *colon = strrchr(c->listen + 6, ':');
        if (!colon || colon == c->listen + 6 || colon[1] == '\0') {
            snprintf(err, errlen, "receiver.listen: '%s' lacks a host or a port", c->listen);
            return -1;
        }
    }
    if (strcmp(c->store_sync, "full") != 0 && strcmp(c->store_sync, "normal") != 0) {
        snprintf(err, errlen, "store.synchronous: '%s' must be full or normal", c->store_sync);
        return -1;
    }
    if (!topic_chars_ok(c->kafka_prefix)) {
        snprintf(err, errlen,
                 "kafka.topic_prefix: '%s' may only hold letters, digits, '.', '_' and '-'",
                 c->kafka_prefix);
        return -1;
    }
    int known = 0;
    for (int i = 0; i < 4; i++)
        known |= strcmp(c->log_level, level_names[i]) == 0;
    if (!known) {
        snprintf(err, errlen, "log.level: '%s' must be error, warning, info or debug",
                 c->log_level);
        return -1;
    }
    return 0;
}
