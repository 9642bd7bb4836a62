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
    char store_dir[1024];      /* store.dir */
    char store_sync[8];        /* store.synchronous: "full" or "normal" */
    int64_t busy_timeout_ms;   /* store.busy_timeout_ms */
    char kafka_brokers[1024];  /* kafka.brokers; empty: no forwarding */
    char kafka_prefix[128];    /* kafka.topic_prefix */
    char kafka_props[4096];    /* kafka.properties: "k=v\n" lines passed to librdkafka */
    int64_t flush_timeout_ms;  /* kafka.flush_timeout_ms */
    int64_t queue_wait_ms;     /* kafka.queue_full_wait_ms */
    char log_level[8];         /* log.level */
    int64_t stats_interval_s;  /* log.stats_interval_s */
};

extern const struct cfg_opt collector_cfg_table[];

/* Checks what the table's bounds cannot: enumerations, the endpoint's form, topic
 * characters. Returns 0, or -1 with a message in err. */
int collector_config_check(const struct collector_config *c, char *err, size_t errlen);
/* LOG_ERR..LOG_DEBUG for log.level (checked by collector_config_check). */
int collector_config_log_level(const struct collector_config *c);

#endif
