/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tz_analytics_test.h - helpers for the analytics engine's unit tests: an engine in
 * memory whose produced events are collected in a jansson array, and a builder of ics /
 * flow / anomaly events from a few arguments (the protocol object as JSON text).
 * Header-only; each test file includes it once.
 */
#ifndef TZ_ANALYTICS_TEST_H
#define TZ_ANALYTICS_TEST_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"

#define TA_UNUSED __attribute__((unused))

#define TA_T0 1714550400LL /* 2024-05-01T08:00:00Z, seconds */

static struct analytics *ta_engine;
static json_t *ta_out;     /* every produced event, in order */
static unsigned ta_nev;    /* events built so far (their ids) */
static char ta_err[1024];

TA_UNUSED static int ta_collect(void *ctx, enum analytics_out_type type, const char *line, size_t len)
{
    (void)ctx;
    (void)type;
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    cr_assert_not_null(o, "produced line is not JSON: %.*s", (int)len, line);
    json_array_append_new(ta_out, o);
    return 0;
}

/* Opens the engine with a policy; rules/zones may be NULL. */
TA_UNUSED static void ta_open_policy(int64_t learning_s, const char *rules, const char *zones)
{
    ta_out = json_array();
    ta_nev = 0;
    struct analytics_opts o = {
        .producer_id = "test",
        .policy = {.learning_s = learning_s, .aggregate_s = 300, .rules = rules,
                   .zones = zones},
        .emit = ta_collect,
    };
    int rc = analytics_open(&ta_engine, &o, ta_err, sizeof ta_err);
    cr_assert_eq(rc, 0, "analytics_open: %s", ta_err);
}

/* No learning period (every learnable rule raises) and the asset rules off (every asset
 * is new without a learning period); tests of those rules open with ta_open_policy. */
TA_UNUSED static void ta_open(void)
{
    ta_open_policy(0, "asset.*=off\n", NULL);
}

TA_UNUSED static void ta_close(void)
{
    analytics_close(ta_engine);
    ta_engine = NULL;
    json_decref(ta_out);
    ta_out = NULL;
}

/* Feeds one event given as JSON text (printf-style). */
static void ta_feed_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
TA_UNUSED static void ta_feed_fmt(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cr_assert(n > 0 && (size_t)n < sizeof buf);
    json_error_t je;
    json_t *root = json_loads(buf, 0, &je);
    cr_assert_not_null(root, "bad test event: %s: %s", je.text, buf);
    cr_assert_eq(analytics_feed(ta_engine, root), 0, "event skipped: %s", buf);
    json_decref(root);
}

TA_UNUSED static void ta_ts(int64_t off_ms, char out[40])
{
    int64_t us = (TA_T0 * 1000 + off_ms) * 1000;
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06uZ", (unsigned)(us % 1000000) % 1000000u);
}

/* An ics event at T0 + off_ms from src to dst (IPv4, MACs derived from the last octet
 * unless given as "ip/mac"), with op, status and the protocol object pobj. */
TA_UNUSED static void ta_ics(int64_t off_ms, const char *src, const char *dst, const char *proto,
                   const char *op, const char *status, const char *pobj)
{
    char ts[40], sip[64], smac[32], dip[64], dmac[32];
    const char *ends[2] = {src, dst};
    char *ips[2] = {sip, dip}, *macs[2] = {smac, dmac};
    for (int i = 0; i < 2; i++) {
        const char *slash = strchr(ends[i], '/');
        if (slash) {
            snprintf(ips[i], 64, "%.*s", (int)(slash - ends[i]), ends[i]);
            snprintf(macs[i], 32, "%s", slash + 1);
        } else {
            const char *dot = strrchr(ends[i], '.');
            snprintf(ips[i], 64, "%s", ends[i]);
            snprintf(macs[i], 32, "00:1b:1b:00:00:%02x",
                     (unsigned)(dot ? strtoul(dot + 1, NULL, 10) & 0xff : 0));
        }
    }
    ta_ts(off_ms, ts);
    int sport = 40000, dport = strcmp(proto, "modbus") == 0   ? 502
                               : strcmp(proto, "dnp3") == 0   ? 20000
                               : strcmp(proto, "opcua") == 0  ? 4840
                               : strcmp(proto, "iec104") == 0 ? 2404
                                                              : 102;
    ta_nev++;
    ta_feed_fmt("{\"v\":1,\"type\":\"ics\",\"id\":\"ev%04u\",\"ts\":\"%s\",\"sensor\":\"s1\","
                "\"seq\":%u,\"src\":{\"ip\":\"%s\",\"port\":%d,\"mac\":\"%s\"},"
                "\"dst\":{\"ip\":\"%s\",\"port\":%d,\"mac\":\"%s\"},\"transport\":\"tcp\","
                "\"proto\":\"%s\",\"op\":\"%s\",\"status\":\"%s\",\"%s\":%s}",
                ta_nev, ts, ta_nev, sip, sport, smac, dip, dport, dmac, proto, op, status,
                proto, pobj);
}

/* An anomaly event (kind) between src and dst. */
TA_UNUSED static void ta_anomaly(int64_t off_ms, const char *src, const char *dst, const char *proto,
                       const char *kind)
{
    char ts[40];
    ta_ts(off_ms, ts);
    ta_nev++;
    ta_feed_fmt("{\"v\":1,\"type\":\"anomaly\",\"id\":\"ev%04u\",\"ts\":\"%s\",\"sensor\":\"s1\","
                "\"seq\":%u,\"src\":{\"ip\":\"%s\",\"port\":40000},\"dst\":{\"ip\":\"%s\","
                "\"port\":502},\"proto\":\"%s\",\"anomaly\":{\"kind\":\"%s\",\"detail\":\"x\"}}",
                ta_nev, ts, ta_nev, src, dst, proto, kind);
}

TA_UNUSED static void ta_finish(void)
{
    analytics_finish(ta_engine);
}

/* Alert events (first raises and updates) of a rule; NULL rule: all alerts. */
TA_UNUSED static size_t ta_alerts(const char *rule)
{
    size_t n = 0, i;
    json_t *o;
    json_array_foreach(ta_out, i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        const char *r = json_string_value(json_object_get(json_object_get(o, "alert"), "rule"));
        if (t && strcmp(t, "alert") == 0 && (!rule || (r && strcmp(r, rule) == 0)))
            n++;
    }
    return n;
}

/* The k-th alert event of a rule (borrowed), or NULL. */
TA_UNUSED static json_t *ta_alert(const char *rule, size_t k)
{
    size_t i;
    json_t *o;
    json_array_foreach(ta_out, i, o)
    {
        const char *r = json_string_value(json_object_get(json_object_get(o, "alert"), "rule"));
        if (r && strcmp(r, rule) == 0 && k-- == 0)
            return json_object_get(o, "alert");
    }
    return NULL;
}

/* The last asset event of an ip (its `asset` object, borrowed), or NULL. */
TA_UNUSED static json_t *ta_asset(const char *ip)
{
    json_t *last = NULL, *o;
    size_t i;
    json_array_foreach(ta_out, i, o)
    {
        json_t *a = json_object_get(o, "asset");
        const char *aip = json_string_value(json_object_get(a, "ip"));
        if (aip && strcmp(aip, ip) == 0)
            last = a;
    }
    return last;
}

#endif
