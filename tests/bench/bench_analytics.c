/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_analytics.c - events per second through the analytics engine on one core, with
 * JSON parsed once (as the collector hands the parsed tree over), against the cost of
 * parsing the same lines with jansson measured in the same run. The input events (JSON
 * lines, e.g. the sensor's output on the project's captures) are cycled for N events;
 * each round shifts every event's ts by the input's span (timed apart, not counted), so
 * time moves on; CLIENT_ROUNDS (default 0) rounds also give the clients new addresses.
 * Usage: bench_analytics EVENTS.jsonl [N] [ROUNDS_OF_CLIENTS]
 * Prints: "parse E/s", "analytics E/s", "analyze (parse + analytics) E/s" and the ratio.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"

#define MAX_EVENTS 100000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t produced;

static int count_out(void *ctx, enum analytics_out_type t, const char *line, size_t len)
{
    (void)ctx;
    (void)t;
    (void)line;
    (void)len;
    produced++;
    return 0;
}

static int64_t parse_ts(const char *s)
{
    struct tm tm;
    unsigned frac = 0;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac) != 7)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000000 + frac;
}

static void fmt_ts(int64_t us, char out[40])
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06uZ", (unsigned)(us % 1000000) % 1000000u);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_analytics EVENTS.jsonl [N] [CLIENT_ROUNDS]\n");
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000000;
    long client_rounds = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char *lines[MAX_EVENTS];
    static json_t *ev[MAX_EVENTS];
    static int64_t ts0[MAX_EVENTS];
    size_t m = 0, cap = 0;
    char *buf = NULL;
    ssize_t len;
    int64_t tmin = INT64_MAX, tmax = 0;
    while (m < MAX_EVENTS && (len = getline(&buf, &cap, f)) > 0) {
        json_t *o = json_loadb(buf, (size_t)len, 0, NULL);
        const char *type = json_string_value(json_object_get(o, "type"));
        if (!o || !type || strcmp(type, "health") == 0) {
            json_decref(o);
            continue;
        }
        lines[m] = strdup(buf);
        ev[m] = o;
        ts0[m] = parse_ts(json_string_value(json_object_get(o, "ts")));
        if (ts0[m] < tmin)
            tmin = ts0[m];
        if (ts0[m] > tmax)
            tmax = ts0[m];
        m++;
    }
    free(buf);
    fclose(f);
    if (m == 0) {
        fprintf(stderr, "bench_analytics: no event in %s\n", argv[1]);
        return 1;
    }
    int64_t span = tmax - tmin + 1000000;

    /* the baseline: jansson parsing the same lines */
    double t0 = now_s();
    long done = getenv("BENCH_NO_PARSE") ? n : 0; /* for profiling the engine alone */
    while (done < n) {
        for (size_t i = 0; i < m && done < n; i++, done++) {
            json_t *o = json_loads(lines[i], 0, NULL);
            json_decref(o);
        }
    }
    double parse_s = now_s() - t0;

    struct analytics *a = NULL;
    char err[512];
    struct analytics_opts o = {
        .producer_id = "bench",
        .policy = {.learning_s = 3600, .aggregate_s = 300},
        .emit = count_out,
    };
    if (analytics_open(&a, &o, err, sizeof err) != 0) {
        fprintf(stderr, "bench_analytics: %s\n", err);
        return 1;
    }
    double feed_s = 0, shift_s = 0;
    int no_feed = getenv("BENCH_NO_FEED") != NULL;
    done = 0;
    for (long round = 0; done < n; round++) {
        t0 = now_s();
        if (round > 0) { /* time moves on; a new client subnet now and then */
            for (size_t i = 0; i < m; i++) {
                char ts[40], ip[32];
                fmt_ts(ts0[i] + round * span, ts);
                json_object_set_new(ev[i], "ts", json_string(ts));
                json_t *src = json_object_get(ev[i], "src");
                if (src && round < client_rounds) {
                    snprintf(ip, sizeof ip, "10.200.%ld.%zu", round % 250, i % 250);
                    json_object_set_new(src, "ip", json_string(ip));
                }
            }
        }
        double t1 = now_s();
        shift_s += t1 - t0;
        if (no_feed) /* profiling the time shift alone */
            done += (long)m;
        else
            for (size_t i = 0; i < m && done < n; i++, done++)
                analytics_feed(a, ev[i]);
        feed_s += now_s() - t1;
    }
    t0 = now_s();
    analytics_finish(a);
    double an_s = feed_s + (now_s() - t0);
    struct analytics_stats st;
    analytics_get_stats(a, &st);
    analytics_close(a);

    double pe = (double)n / parse_s, ae = (double)n / an_s;
    double both = 1.0 / (1.0 / pe + 1.0 / ae);
    printf("input: %zu distinct events from %s, %ld fed\n", m, argv[1], n);
    printf("parse (jansson json_loads)      %12.0f events/s\n", pe);
    printf("analytics (parsed tree)         %12.0f events/s\n", ae);
    printf("analyze (parse + analytics)     %12.0f events/s\n", both);
    printf("ratio analytics/parse           %12.2f\n", ae / pe);
    printf("(moving the events' time between rounds took %.2fs, not counted)\n", shift_s);
    printf("produced: %llu (alerts %llu, repeats counted %llu, learned %llu, asset events %llu, "
           "assets %llu)\n",
           (unsigned long long)produced, (unsigned long long)st.alerts,
           (unsigned long long)st.alerts_suppressed, (unsigned long long)st.alerts_learned,
           (unsigned long long)st.assets, (unsigned long long)st.assets_known);
    for (size_t i = 0; i < m; i++) {
        json_decref(ev[i]);
        free(lines[i]);
    }
    return 0;
}
