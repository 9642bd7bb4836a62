/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector_config.c - the collector's config table and the checks that go beyond
 * per-key bounds (see collector_config.h). Kafka topic names follow Apache Kafka's rule:
 * at most 249 characters from [A-Za-z0-9._-].
 */
#include "collector_config.h"

#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"

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
    {"receiver.curve", CFG_BOOL, OFF(curve), SZ(curve), "true", 0, 1,
     "CURVE encryption and sensor authentication; false (or --insecure) is plain TCP"},
    {"receiver.server_key", CFG_STR, OFF(server_key), SZ(server_key),
     "/etc/tanzhen/collector.key_secret", 0, 1000,
     "the collector's secret CURVE certificate (tanzhen-collector keygen DIR)"},
    {"receiver.allow_dir", CFG_STR, OFF(allow_dir), SZ(allow_dir), "/etc/tanzhen/sensors", 0,
     1000, "directory of the allowed sensors' public certificates (NAME.key), read on change"},
    {"store.dir", CFG_STR, OFF(store_dir), SZ(store_dir), "/var/lib/tanzhen/collector", 1, 1000,
     "directory of the store (meta.db, events-YYYYMMDD.db); created if missing, writable"},
    {"store.synchronous", CFG_STR, OFF(store_sync), SZ(store_sync), "full", 4, 6,
     "SQLite synchronous mode: full (an ack survives power loss) or normal (faster)"},
    {"store.busy_timeout_ms", CFG_INT, OFF(busy_timeout_ms), SZ(busy_timeout_ms), "5000", 0,
     600000, "how long a write waits for a reader's lock before the batch gets a RETRY ack"},
    {"store.retention_days", CFG_INT, OFF(retention_days), SZ(retention_days), "180", 1, 36500,
     "days of events kept (whole day files); under 180 needs --allow-short-retention"},
    {"store.checkpoint_interval_s", CFG_INT, OFF(checkpoint_interval_s),
     SZ(checkpoint_interval_s), "60", 1, 86400,
     "how often the chain head is written to STORE/checkpoint, signed with a key derived "
     "from receiver.server_key (also at exit)"},
    {"store.zstd_level", CFG_INT, OFF(zstd_level), SZ(zstd_level), "1", 1, 19,
     "zstd level of the stored event blocks (1: as small as 3 and 6 on the measured mix, "
     "the least CPU)"},
    {"kafka.brokers", CFG_STR, OFF(kafka_brokers), SZ(kafka_brokers), "", 0, 1000,
     "bootstrap servers (host:port,...); empty disables forwarding"},
    {"kafka.topic_prefix", CFG_STR, OFF(kafka_prefix), SZ(kafka_prefix), "tanzhen", 1, 100,
     "topics are PREFIX.events, PREFIX.alerts, PREFIX.assets, PREFIX.health"},
    {"kafka.properties", CFG_MAP, OFF(kafka_props), SZ(kafka_props), "", 0, 0,
     "librdkafka producer properties (e.g. security.protocol: ssl), applied last"},
    {"kafka.redact", CFG_STR, OFF(kafka_redact), SZ(kafka_redact), "", 0, 1000,
     "comma-separated dotted paths removed before sending (e.g. opcua.identity)"},
    {"kafka.flush_timeout_ms", CFG_INT, OFF(flush_timeout_ms), SZ(flush_timeout_ms), "10000", 0,
     600000, "on shutdown, how long to wait for queued messages to be delivered"},
    {"envelope.enterprise_name", CFG_STR, OFF(env_name), SZ(env_name), "", 0, 200,
     "enterprise name added to every Kafka message (platform.enterprise_name)"},
    {"envelope.credit_code", CFG_STR, OFF(env_credit), SZ(env_credit), "", 0, 18,
     "unified social credit code, 18 characters (platform.credit_code)"},
    {"envelope.region_code", CFG_STR, OFF(env_region), SZ(env_region), "", 0, 6,
     "administrative division code, 6 digits (platform.region_code)"},
    {"envelope.level", CFG_INT, OFF(env_level), SZ(env_level), "0", 0, 5,
     "enterprise level 1..5 (platform.level); 0 leaves it out"},
    {"envelope.site", CFG_STR, OFF(env_site), SZ(env_site), "", 0, 200,
     "site name (platform.site)"},
    {"http.listen", CFG_STR, OFF(http_listen), SZ(http_listen), "127.0.0.1:9108", 0, 255,
     "HOST:PORT serving GET /metrics (Prometheus); empty serves nothing"},
    {"collector.id", CFG_STR, OFF(self_id), SZ(self_id), "collector", 1, 64,
     "the `sensor` id of the collector's own health events (stored and sent to P.health)"},
    {"health.interval_s", CFG_INT, OFF(health_interval_s), SZ(health_interval_s), "60", 0,
     86400, "seconds between the collector's health events (forwarding lag); 0: none"},
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
    if (metrics_http_check(c->http_listen, err, errlen) != 0)
        return -1;
    if (c->curve && (c->server_key[0] == '\0' || c->allow_dir[0] == '\0')) {
        snprintf(err, errlen, "receiver.server_key and receiver.allow_dir are needed with "
                              "CURVE (or run with --insecure)");
        return -1;
    }
    struct envelope env;
    struct envelope_conf ec = {
        .enterprise_name = c->env_name, .credit_code = c->env_credit,
        .region_code = c->env_region, .level = c->env_level, .site = c->env_site,
        .redact = c->kafka_redact,
    };
    if (envelope_init(&env, &ec, err, errlen) != 0)
        return -1;
    envelope_free(&env);
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
