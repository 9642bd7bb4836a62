/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector_config.c - the collector's config table and the checks that go beyond
 * per-key bounds (see collector_config.h). Kafka topic names follow Apache Kafka's rule:
 * at most 249 characters from [A-Za-z0-9._-].
 */
#include "collector_config.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "analytics.h"
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
    {"analytics.enabled", CFG_BOOL, OFF(an_enabled), SZ(an_enabled), "true", 0, 1,
     "run the analytics engine on stored events (alerts to P.alerts, assets to P.assets)"},
    {"analytics.state", CFG_STR, OFF(an_state), SZ(an_state), "", 0, 1000,
     "SQLite file of the engine's state; empty: analytics.db in store.dir"},
    {"analytics.learning_s", CFG_INT, OFF(an_learning_s), SZ(an_learning_s), "86400", 0,
     31536000, "learning period (event time) before new assets, MACs or identities alert"},
    {"analytics.aggregate_s", CFG_INT, OFF(an_aggregate_s), SZ(an_aggregate_s), "300", 1,
     86400, "repeats of one alert (rule and key) within this many seconds are counted"},
    {"analytics.rules", CFG_MAP, OFF(an_rules), SZ(an_rules), "", 0, 0,
     "per-rule tuning, RULE: off|on|SEVERITY|threshold:N|window:S (joined by ','); "
     "RULE may be FAMILY.*"},
    {"analytics.zones", CFG_MAP, OFF(an_zones), SZ(an_zones), "", 0, 0,
     "zones, NAME: LEVEL:CIDR,CIDR (LEVEL production|management|office|dmz|internet)"},
    {"analytics.baseline", CFG_STR, OFF(an_baseline), SZ(an_baseline), "", 0, 1000,
     "baseline whitelist file (empty: none)"},
    {"analytics.rules_file", CFG_STR, OFF(an_rules_file), SZ(an_rules_file), "", 0, 1000,
     "user rules in YAML (empty: none)"},
    {"analytics.oui", CFG_STR, OFF(an_oui), SZ(an_oui), "/usr/share/ieee-data/oui.csv", 0,
     1000, "IEEE OUI registry (Debian ieee-data) for MAC vendors; missing: no vendors"},
    /* ---- policy.* and api.*: zone policy, remote maintenance, baseline, HTTP API ---- */
    {"policy.zone_pairs", CFG_MAP, OFF(pol_zone_pairs), SZ(pol_zone_pairs), "", 0, 0,
     "zone pairs, FROM>TO: allow | deny | allow:APP,APP (FROM/TO a zone, a level or *)"},
    {"policy.zone_default", CFG_STR, OFF(pol_zone_default), SZ(pol_zone_default), "allow", 4,
     5, "pairs of different zones no policy.zone_pairs line names: allow or deny"},
    {"policy.general_services", CFG_STR, OFF(pol_general), SZ(pol_general), "", 0, 1000,
     "nDPI apps/categories that are general-purpose services (empty: web, e-mail, Telnet, "
     "rlogin, FTP, SMB...)"},
    {"policy.maint_tools", CFG_STR, OFF(pol_maint_tools), SZ(pol_maint_tools), "", 0, 1000,
     "nDPI apps/categories of remote maintenance (empty: RDP, VNC, TeamViewer, AnyDesk, SSH, "
     "Telnet...)"},
    {"policy.maint_jump_hosts", CFG_STR, OFF(pol_maint_jump), SZ(pol_maint_jump), "", 0, 1000,
     "addresses/CIDRs allowed to open maintenance sessions into production zones"},
    {"policy.maint_window", CFG_STR, OFF(pol_maint_window), SZ(pol_maint_window), "", 0, 60,
     "when they may, UTC: [DAYS ]HH:MM-HH:MM (e.g. mon-fri 08:00-18:00), always, or empty"},
    {"policy.baseline_mode", CFG_STR, OFF(pol_bl_mode), SZ(pol_bl_mode), "learn", 3, 7,
     "baseline whitelist: learn | enforce | off (a baseline file's own mode wins)"},
    {"policy.baseline_learn_s", CFG_INT, OFF(pol_bl_learn_s), SZ(pol_bl_learn_s), "0", 0,
     31536000, "learn for this many seconds of traffic, then enforce (0: until told)"},
    {"policy.baseline_poll_factor", CFG_INT, OFF(pol_bl_factor), SZ(pol_bl_factor), "3", 2,
     1000, "a polling period off by this factor (or silent this many periods) alerts"},
    {"api.token_file", CFG_STR, OFF(api_token_file), SZ(api_token_file), "", 0, 1000,
     "bearer token of /api/* (tanzhen-collector token FILE); empty: STORE_DIR/api.token"},
    {"api.page_max", CFG_INT, OFF(api_page_max), SZ(api_page_max), "1000", 1, 100000,
     "most items one /api/* answer holds"},
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
    if (metrics_http_check(c->http_listen, err, errlen) != 0 ||
        collector_policy_check(c, err, errlen) != 0)
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
    struct analytics_policy ap = {.learning_s = c->an_learning_s,
                                  .aggregate_s = c->an_aggregate_s,
                                  .rules = c->an_rules,
                                  .zones = c->an_zones};
    if (analytics_check_policy(&ap, err, errlen) != 0)
        return -1;
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

int collector_config_check_kafka(const struct collector_config *c, char *err, size_t errlen)
{
    rd_kafka_conf_t *kc = rd_kafka_conf_new();
    if (!kc) {
        snprintf(err, errlen, "kafka.properties: out of memory");
        return -1;
    }
    int rc = 0;
    const char *line = c->kafka_props;
    while (rc == 0 && *line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char kv[2048], why[512];
        snprintf(kv, sizeof kv, "%.*s", (int)(n < sizeof kv ? n : sizeof kv - 1), line);
        char *eq = strchr(kv, '=');
        if (eq) {
            *eq = '\0';
            if (rd_kafka_conf_set(kc, kv, eq + 1, why, sizeof why) != RD_KAFKA_CONF_OK) {
                snprintf(err, errlen, "kafka.properties: %s: %s", kv, why);
                rc = -1;
            }
        }
        line += n + (nl ? 1 : 0);
    }
    rd_kafka_conf_destroy(kc);
    return rc;
}
