/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector_config.h - the collector's configuration: one struct and the one table
 * (common/config.h) that drives its YAML keys, defaults, bounds, --help and --dump-config.
 * Command-line options set the same keys through cfg_set().
 */
#ifndef TZ_COLLECTOR_CONFIG_H
#define TZ_COLLECTOR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct collector_config {
    char listen[256];          /* receiver.listen */
    int64_t max_batch_events;  /* receiver.max_batch_events */
    int64_t max_batch_bytes;   /* receiver.max_batch_bytes */
    int curve;                 /* receiver.curve */
    char server_key[1024];     /* receiver.server_key: the collector's secret certificate */
    char allow_dir[1024];      /* receiver.allow_dir: allowed sensors' public certificates */
    char store_dir[1024];      /* store.dir */
    char store_sync[8];        /* store.synchronous: "full" or "normal" */
    int64_t busy_timeout_ms;   /* store.busy_timeout_ms */
    int64_t retention_days;    /* store.retention_days */
    int64_t checkpoint_interval_s; /* store.checkpoint_interval_s */
    int64_t zstd_level;        /* store.zstd_level */
    char kafka_brokers[1024];  /* kafka.brokers; empty: no forwarding */
    char kafka_prefix[128];    /* kafka.topic_prefix */
    char kafka_props[4096];    /* kafka.properties: "k=v\n" lines passed to librdkafka */
    char kafka_redact[1024];   /* kafka.redact: comma-separated dotted paths */
    int64_t flush_timeout_ms;  /* kafka.flush_timeout_ms */
    char env_name[256];        /* envelope.enterprise_name */
    char env_credit[32];       /* envelope.credit_code */
    char env_region[16];       /* envelope.region_code */
    int64_t env_level;         /* envelope.level */
    char env_site[256];        /* envelope.site */
    char http_listen[256];     /* http.listen */
    char log_level[8];         /* log.level */
    int64_t stats_interval_s;  /* log.stats_interval_s */
    char self_id[65];          /* collector.id */
    int64_t health_interval_s; /* health.interval_s */
    int an_enabled;            /* analytics.enabled */
    char an_state[1024];       /* analytics.state: "" = STORE_DIR/analytics.db */
    int64_t an_learning_s;     /* analytics.learning_s */
    int64_t an_aggregate_s;    /* analytics.aggregate_s */
    char an_rules[4096];       /* analytics.rules: RULE=SETTING lines */
    char an_zones[8192];       /* analytics.zones: NAME=LEVEL:CIDR,... lines */
    char an_baseline[1024];    /* analytics.baseline */
    char an_rules_file[1024];  /* analytics.rules_file */
    char an_oui[1024];         /* analytics.oui */
    /* ---- policy.* and api.* (zones policy, maintenance, baseline, HTTP API) ---- */
    char pol_zone_pairs[4096];   /* policy.zone_pairs: FROM>TO=allow|deny|allow:APP,... */
    char pol_zone_default[8];    /* policy.zone_default */
    char pol_general[1024];      /* policy.general_services */
    char pol_maint_tools[1024];  /* policy.maint_tools */
    char pol_maint_jump[1024];   /* policy.maint_jump_hosts */
    char pol_maint_window[64];   /* policy.maint_window */
    char pol_bl_mode[8];         /* policy.baseline_mode */
    int64_t pol_bl_learn_s;      /* policy.baseline_learn_s */
    int64_t pol_bl_factor;       /* policy.baseline_poll_factor */
    char api_token_file[1024];   /* api.token_file */
    int64_t api_page_max;        /* api.page_max */
};

extern const struct cfg_opt collector_cfg_table[];

struct analytics_policy;
/* Copies the policy.* keys into the engine's policy (policy_conf.c). */
void collector_policy_fill(const struct collector_config *c, struct analytics_policy *p);
/* Checks the policy.* values the table's bounds cannot; 0, or -1 with err. */
int collector_policy_check(const struct collector_config *c, char *err, size_t errlen);

/* Checks what the table's bounds cannot: enumerations, the endpoint's form, topic
 * characters, the envelope values, redaction paths, http.listen. Returns 0, or -1 with a
 * message in err. */
int collector_config_check(const struct collector_config *c, char *err, size_t errlen);
/* LOG_ERR..LOG_DEBUG for log.level (checked by collector_config_check). */
int collector_config_log_level(const struct collector_config *c);

/* Sets every kafka.properties entry on a real rd_kafka_conf_t, so a misspelt property or a
 * bad value is refused by librdkafka itself (its message names the key). 0 or -1. */
int collector_config_check_kafka(const struct collector_config *c, char *err, size_t errlen);

#endif
