/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tz_policy_test.h - helpers for the policy families' unit tests (zones, maintenance,
 * baseline, user rules) on top of tz_analytics_test.h: an engine opened with the policy.*
 * fields, a rules file and a baseline file, and a builder of `flow` events.
 */
#ifndef TZ_POLICY_TEST_H
#define TZ_POLICY_TEST_H

#include "tz_analytics_test.h"

#define TP_ZONES                                                                              \
    "plc=production:10.1.0.0/16\n"                                                            \
    "scada=management:10.2.0.0/16\n"                                                          \
    "office=office:192.168.0.0/16\n"                                                          \
    "dmz=dmz:172.16.0.0/24\n"                                                                 \
    "net=internet\n"

/* Opens the engine with the policy p (its zones
 * default to TP_ZONES); rules_path and baseline_path may be NULL. Returns 0 or -1. */
TA_UNUSED static int tp_open(struct analytics_policy p, const char *rules_path,
                             const char *baseline_path)
{
    ta_out = json_array();
    ta_nev = 0;
    if (!p.zones)
        p.zones = TP_ZONES;
    /* a learning period longer than any test: the asset family's alerts wait for its end
     * (the policy families have their own modes) */
    p.learning_s = 1000000000;
    p.aggregate_s = 300;
    struct analytics_opts o = {
        .producer_id = "test",
        .policy = p,
        .rules_path = rules_path,
        .baseline_path = baseline_path,
        .emit = ta_collect,
    };
    return analytics_open(&ta_engine, &o, ta_err, sizeof ta_err);
}

/* A flow event at T0 + off_ms: src -> dst:dport with nDPI app and category and bytes. */
TA_UNUSED static void tp_flow(int64_t off_ms, int64_t dur_ms, const char *src, const char *dst,
                              int dport, const char *app, const char *cat, long bto,
                              long bfrom)
{
    char ts[40], te[40];
    ta_ts(off_ms, ts);
    ta_ts(off_ms + dur_ms, te);
    ta_nev++;
    ta_feed_fmt("{\"v\":1,\"type\":\"flow\",\"id\":\"ev%04u\",\"ts\":\"%s\",\"sensor\":\"s1\","
                "\"seq\":%u,\"src\":{\"ip\":\"%s\",\"port\":%d},\"dst\":{\"ip\":\"%s\","
                "\"port\":%d},\"transport\":\"tcp\",\"community_id\":\"1:x%u\","
                "\"flow\":{\"app\":\"%s\",\"category\":\"%s\",\"pkts_toserver\":10,"
                "\"pkts_toclient\":10,\"bytes_toserver\":%ld,\"bytes_toclient\":%ld,"
                "\"start\":\"%s\",\"end\":\"%s\",\"state\":\"closed\"}}",
                ta_nev, ts, ta_nev, src, 40000 + (int)ta_nev, dst, dport, ta_nev, app, cat, bto,
                bfrom, ts, te);
}

#endif
