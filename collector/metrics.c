/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - counters shared across the collector's threads and their rendering as
 * Prometheus text format 0.0.4, served by libmicrohttpd (its own polling thread) on
 * GET /metrics. Other paths get 404, other methods 405. Label values are escaped as the
 * format asks (backslash, double quote, newline).
 */
#include "metrics.h"

#include "api.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dayfile.h"
#include "tztime.h"

#define RENDER_MAX (16u << 20) /* a /metrics page never grows past this */

const char *auth_reason_name(enum auth_reason r)
{
    static const char *const names[AUTH_REASON_COUNT] = {
        [AUTH_UNKNOWN_KEY] = "unknown_key", [AUTH_NO_CURVE] = "no_curve",
        [AUTH_BAD_HANDSHAKE] = "bad_handshake", [AUTH_NOT_ZMTP] = "not_zmtp",
        [AUTH_OTHER_MECH] = "other_mechanism",
    };
    return (unsigned)r < AUTH_REASON_COUNT ? names[r] : "?";
}

void metrics_init(struct metrics *m, const char *store_dir)
{
    memset(m, 0, sizeof *m); /* all-zero is a valid state for the atomics on this ABI */
    pthread_mutex_init(&m->lock, NULL);
    snprintf(m->store_dir, sizeof m->store_dir, "%s", store_dir ? store_dir : "");
    m->start_us = (int64_t)tz_now_us();
}

void metrics_free(struct metrics *m)
{
    free(m->sensor);
    m->sensor = NULL;
    m->nsensors = m->cap = 0;
    pthread_mutex_destroy(&m->lock);
}

void metrics_sensor_update(struct metrics *m, const struct sensor_state *s, uint64_t runs)
{
    pthread_mutex_lock(&m->lock);
    size_t i = 0;
    while (i < m->nsensors && strcmp(m->sensor[i].id, s->id) != 0)
        i++;
    if (i == m->nsensors) {
        if (m->nsensors == m->cap) {
            size_t ncap = m->cap ? m->cap * 2 : 16;
            struct metrics_sensor *ns = realloc(m->sensor, ncap * sizeof *ns);
            if (!ns) {
                pthread_mutex_unlock(&m->lock);
                return;
            }
            m->sensor = ns;
            m->cap = ncap;
        }
        m->nsensors++;
    }
    struct metrics_sensor *x = &m->sensor[i];
    memcpy(x->id, s->id, sizeof x->id);
    x->last_seq = s->last_seq;
    x->events = s->events;
    x->duplicates = s->duplicates;
    x->gaps = s->gaps_total;
    x->gap_events = s->gap_events;
    x->open_gap_events = s->open_gap_events;
    x->filled = s->filled;
    x->runs = runs;
    x->last_batch_seq = s->last_batch_seq;
    x->last_seen_us = s->last_seen_us;
    pthread_mutex_unlock(&m->lock);
}

/* ---- text building ---- */

struct sb {
    char *p;
    size_t n, cap;
    int oom;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 16384;
        while (ncap < b->n + (size_t)n + 1)
            ncap *= 2;
        char *np = ncap <= RENDER_MAX ? realloc(b->p, ncap) : NULL;
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

/* A label value with \, " and newline escaped. */
static void label_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 3 < cap; p++) {
        if (*p == '\\' || *p == '"') {
            out[o++] = '\\';
            out[o++] = *p;
        } else if (*p == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static void head(struct sb *b, const char *name, const char *type, const char *help)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct sb *b, const char *name, const char *type, const char *help, double v)
{
    head(b, name, type, help);
    sb_printf(b, "%s %.17g\n", name, v);
}

static void store_size(const char *dir, double *bytes, double *days)
{
    *bytes = 0;
    *days = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int day = strncmp(de->d_name, DAY_PREFIX, strlen(DAY_PREFIX)) == 0;
        int meta = strncmp(de->d_name, META_FILE, strlen(META_FILE)) == 0;
        if (!day && !meta)
            continue;
        char p[2048];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
            *bytes += (double)sb.st_size;
            size_t n = strlen(de->d_name);
            if (day && n > 3 && strcmp(de->d_name + n - 3, DAY_SUFFIX) == 0)
                *days += 1;
        }
    }
    closedir(d);
}

#define LD(a) ((double)atomic_load(&(a)))

char *metrics_render(struct metrics *m, size_t *len)
{
    struct sb b = {0};
    const char *P = "tanzhen_collector_";
    char name[128];
#define N(s) (snprintf(name, sizeof name, "%s%s", P, s), name)
    head(&b, N("batches_total"), "counter", "Sensor batches received, by outcome.");
    sb_printf(&b, "%s{status=\"stored\"} %.17g\n", name, LD(m->batches_stored));
    sb_printf(&b, "%s{status=\"rejected\"} %.17g\n", name, LD(m->batches_rejected));
    sb_printf(&b, "%s{status=\"retry\"} %.17g\n", name, LD(m->batches_retry));
    head(&b, N("batches_refused_total"), "counter",
         "Batches refused and not stored, by reason (sensor_mismatch: the sensor id is not "
         "the one the sending CURVE key is bound to).");
    sb_printf(&b, "%s{reason=\"sensor_mismatch\"} %.17g\n", name,
              LD(m->batches_refused_mismatch));
    one(&b, N("unused_reservation_events_total"), "counter",
        "Gap seqs a sensor reserved before an unclean stop and never used (named by its "
        "sensor_restart anomaly): not lost events.",
        LD(m->unused_reserved_events));
    one(&b, N("backlog_batches"), "gauge",
        "Batches read and not yet acked when the last ack was sent (the ack's backlog).",
        LD(m->backlog));
    one(&b, N("events_stored_total"), "counter", "Events stored.", LD(m->events_stored));
    one(&b, N("duplicates_dropped_total"), "counter",
        "Events dropped because their (sensor, seq) was already stored.",
        LD(m->events_duplicate));
    one(&b, N("received_bytes_total"), "counter", "Batch body bytes received.", LD(m->bytes));
    one(&b, N("acks_unsent_total"), "counter", "Acks that could not be queued to the sensor.",
        LD(m->acks_unsent));
    one(&b, N("transactions_total"), "counter", "Store transactions committed.",
        LD(m->transactions));
    head(&b, N("rejected_connections_total"), "counter",
         "Sensor connections refused by CURVE authentication, by reason.");
    for (int r = 0; r < AUTH_REASON_COUNT; r++)
        sb_printf(&b, "%s{reason=\"%s\"} %.17g\n", name, auth_reason_name((enum auth_reason)r),
                  LD(m->auth_rejected[r]));
    one(&b, N("accepted_connections_total"), "counter",
        "Sensor connections whose CURVE key is in the allow list.", LD(m->auth_allowed));
    one(&b, N("chain_head_batch"), "gauge", "Id of the last batch in the hash chain.",
        LD(m->chain_head));
    one(&b, N("store_position"), "gauge", "Position of the last event stored.",
        LD(m->committed_pos));
    double bytes, days;
    store_size(m->store_dir, &bytes, &days);
    one(&b, N("store_bytes"), "gauge", "Bytes of the store's files (day files, meta.db, WAL).",
        bytes);
    one(&b, N("store_day_files"), "gauge", "Day files kept.", days);
    /* the disk 180 days need at the rate measured since start (store format 3) */
    double kept = LD(m->store_events_kept), up = (double)(tz_now_us() - (uint64_t)m->start_us) / 1e6;
    double bpe = kept > 0 ? bytes / kept : 0, rate = up > 0 ? LD(m->events_stored) / up : 0;
    one(&b, "tanzhen_store_bytes_per_event", "gauge",
        "Store bytes (files, indexes and WAL included) per event kept.", bpe);
    one(&b, "tanzhen_store_ingest_events_per_second", "gauge",
        "Events stored per second, averaged since the collector started.", rate);
    one(&b, "tanzhen_store_projected_180d_bytes", "gauge",
        "Disk that 180 days of events need at the measured rate and bytes per event.",
        bpe * rate * 180.0 * 86400.0);
    one(&b, N("store_full_refused_total"), "counter",
        "Batches refused (RETRY) because the store's disk was full.", LD(m->store_full_refused));
    one(&b, N("checkpoint_batch"), "gauge", "Chain head in the last signed checkpoint.",
        LD(m->checkpoint_batch));
    one(&b, N("retention_deleted_files_total"), "counter", "Day files deleted by retention.",
        LD(m->retention_files));
    one(&b, N("retention_deleted_events_total"), "counter", "Events deleted by retention.",
        LD(m->retention_events));
    one(&b, N("retention_unforwarded_events_total"), "counter",
        "Events deleted by retention before Kafka took them.", LD(m->retention_unforwarded));

    pthread_mutex_lock(&m->lock);
    static const struct {
        const char *name, *type, *help;
        size_t off;
    } sf[] = {
        {"sensor_last_seq", "gauge", "Highest event seq stored per sensor.",
         offsetof(struct metrics_sensor, last_seq)},
        {"sensor_events_total", "counter", "Events stored per sensor.",
         offsetof(struct metrics_sensor, events)},
        {"sensor_duplicates_total", "counter", "Duplicate events dropped per sensor.",
         offsetof(struct metrics_sensor, duplicates)},
        {"sensor_gaps_total", "counter", "Sequence gaps opened per sensor.",
         offsetof(struct metrics_sensor, gaps)},
        {"sensor_gap_events_total", "counter",
         "Events missing when their gaps opened, per sensor.",
         offsetof(struct metrics_sensor, gap_events)},
        {"sensor_missing_events", "gauge", "Events still missing in open gaps, per sensor.",
         offsetof(struct metrics_sensor, open_gap_events)},
        {"sensor_late_events_total", "counter", "Events that arrived into a gap, per sensor.",
         offsetof(struct metrics_sensor, filled)},
        {"sensor_last_batch_seq", "gauge", "Last batch_seq received per sensor.",
         offsetof(struct metrics_sensor, last_batch_seq)},
        {"sensor_runs_total", "counter",
         "Runs of each sensor seen (a sensor restarted without its state starts a new run).",
         offsetof(struct metrics_sensor, runs)},
    };
    for (size_t f = 0; f < sizeof sf / sizeof sf[0]; f++) {
        head(&b, N(sf[f].name), sf[f].type, sf[f].help);
        for (size_t i = 0; i < m->nsensors; i++) {
            char lab[2 * WIRE_SENSOR_MAX + 8];
            label_escape(m->sensor[i].id, lab, sizeof lab);
            uint64_t v;
            memcpy(&v, (const char *)&m->sensor[i] + sf[f].off, sizeof v);
            sb_printf(&b, "%s{sensor=\"%s\"} %llu\n", name, lab, (unsigned long long)v);
        }
    }
    head(&b, N("sensor_last_seen_timestamp_seconds"), "gauge",
         "When each sensor's last batch was stored (Unix time).");
    for (size_t i = 0; i < m->nsensors; i++) {
        char lab[2 * WIRE_SENSOR_MAX + 8];
        label_escape(m->sensor[i].id, lab, sizeof lab);
        sb_printf(&b, "%s{sensor=\"%s\"} %.6f\n", name, lab,
                  (double)m->sensor[i].last_seen_us / 1e6);
    }
    pthread_mutex_unlock(&m->lock);

    one(&b, N("kafka_enabled"), "gauge", "1 when forwarding to Kafka is configured.",
        (double)atomic_load(&m->kafka_enabled));
    static const struct {
        const char *name, *type, *help;
    } tf[] = {
        {"kafka_produced_total", "counter", "Messages handed to the producer, per topic."},
        {"kafka_delivered_total", "counter", "Messages acknowledged by Kafka, per topic."},
        {"forward_cursor", "gauge",
         "Store position up to which every event of the topic is in Kafka."},
        {"forward_lag_events", "gauge", "Events stored and not yet delivered, per topic."},
        {"forward_lag_seconds", "gauge",
         "Age (since it was stored) of the oldest event not yet delivered, per topic."},
    };
    for (size_t f = 0; f < sizeof tf / sizeof tf[0]; f++) {
        head(&b, N(tf[f].name), tf[f].type, tf[f].help);
        for (int t = 0; t < TOPIC_COUNT; t++) {
            double v = f == 0   ? LD(m->kafka_produced[t])
                       : f == 1 ? LD(m->kafka_delivered[t])
                       : f == 2 ? LD(m->cursor[t])
                       : f == 3 ? LD(m->lag_events[t])
                                : LD(m->lag_us[t]) / 1e6;
            sb_printf(&b, "%s{topic=\"%s\"} %.17g\n", name, ev_topic_name((enum ev_topic)t), v);
        }
    }
    one(&b, N("kafka_delivery_failed_total"), "counter",
        "Delivery reports with an error (the message is produced again from the cursor).",
        LD(m->kafka_failed));
    one(&b, N("kafka_undeliverable_total"), "counter",
        "Messages the producer refuses for good (larger than message.max.bytes): skipped so "
        "the topic goes on, kept in the store.",
        LD(m->kafka_undeliverable));
    one(&b, N("kafka_rewinds_total"), "counter",
        "Times a topic was produced again from its cursor.", LD(m->kafka_rewinds));
    one(&b, N("kafka_redacted_total"), "counter", "Messages with a redacted field.",
        LD(m->kafka_redacted));
    one(&b, N("uptime_seconds"), "gauge", "Seconds since the collector started.",
        (double)((int64_t)tz_now_us() - m->start_us) / 1e6);
#undef N
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.n;
    return b.p;
}

/* ---- HTTP ---- */

struct metrics_http {
    struct MHD_Daemon *d;
    struct metrics *m;
    struct api *api; /* /api/ routes (api.c); NULL: 503 there */
    int api_on;
};

void metrics_http_set_api(struct metrics_http *h, struct api *api)
{
    if (h) {
        h->api = api;
        h->api_on = 1;
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    api_request_done(state);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **state)
{
    struct metrics_http *h = cls;
    if (strncmp(url, "/api/", 5) == 0 && h->api_on)
        return api_answer(h->api, c, url, method, upload_data, upload_size, state);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (strcmp(url, "/metrics") != 0)
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
    size_t len = 0;
    char *text = metrics_render(h->m, &len);
    if (!text)
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* "HOST:PORT" or "[V6]:PORT" with a numeric host (or localhost). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, int *v6, char *err,
                        size_t errlen)
{
    char host[128];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(rb - s - 1));
        host[rb - s - 1] = '\0';
        port = rb + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = colon + 1;
    }
    char *end = NULL;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 1 || p > 65535)
        goto bad;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (host[0] == '\0' || strcmp(host, "*") == 0) {
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        a4->sin_port = htons((uint16_t)p);
        *v6 = 0;
    } else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *v6 = 0;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *v6 = 1;
    } else {
        goto bad;
    }
    return 0;
bad:
    snprintf(err, errlen, "http.listen: '%s' must be HOST:PORT or [IPv6]:PORT with a numeric "
                          "host (or \"\" to serve nothing)", s);
    return -1;
}

int metrics_http_check(const char *listen, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6;
    return listen[0] ? parse_listen(listen, &ss, &v6, err, errlen) : 0;
}

int metrics_http_start(struct metrics_http **out, struct metrics *m, const char *listen,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (!listen || !listen[0])
        return 0;
    struct sockaddr_storage ss;
    int v6 = 0;
    if (parse_listen(listen, &ss, &v6, err, errlen) != 0)
        return -1;
    struct metrics_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->m = m;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (v6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "http.listen %s: cannot serve /metrics (address in use or not "
                              "local?)", listen);
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
