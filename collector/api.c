/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.c - the /api/ routes (api.h): bearer-token check (constant-time compare), routing,
 * parameter validation (400 with a JSON message), request bodies of POSTs (capped), the
 * JSON replies, and the `token` subcommand. The queries themselves are in api_q.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "store_query.h"
#include "pol.h"

#define BODY_MAX 16384

struct req {
    char body[BODY_MAX];
    size_t n;
    int too_big;
};

void api_error(struct api_reply *r, unsigned code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->code = code;
    json_decref(r->body);
    r->body = json_pack("{s:s}", "error", msg);
}

static int load_token(struct api *a)
{
    a->token[0] = '\0';
    FILE *f = fopen(a->token_path, "r");
    if (!f)
        return -1;
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    if (n < 16 || n >= sizeof a->token)
        return -1;
    memcpy(a->token, buf, n + 1);
    return 0;
}

int api_open(struct api **out, const struct api_opts *o, char *err, size_t errlen)
{
    struct api *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&a->lock, NULL);
    snprintf(a->store_dir, sizeof a->store_dir, "%s", o->store_dir);
    if (o->analytics_db && *o->analytics_db)
        snprintf(a->an_db, sizeof a->an_db, "%s", o->analytics_db);
    else
        snprintf(a->an_db, sizeof a->an_db, "%s/analytics.db", o->store_dir);
    if (o->token_file && *o->token_file)
        snprintf(a->token_path, sizeof a->token_path, "%s", o->token_file);
    else
        snprintf(a->token_path, sizeof a->token_path, "%s/api.token", o->store_dir);
    snprintf(a->ack_db, sizeof a->ack_db, "%s/api.db", o->store_dir);
    a->page_max = o->page_max > 0 ? o->page_max : 1000;
    a->m = o->m;
    a->token_gen = pol_reload_gen();
    if (load_token(a) != 0)
        fprintf(stderr, "api: no usable token in %s (tanzhen-collector token %s): /api/ "
                        "answers 503\n", a->token_path, a->token_path);
    if (sqlite3_open_v2(a->ack_db, &a->ack, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(a->ack, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS acks("
                             "alert TEXT PRIMARY KEY, ts_us INTEGER NOT NULL, comment TEXT)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "api: %s: %s", a->ack_db, a->ack ? sqlite3_errmsg(a->ack) : "?");
        api_close(a);
        return -1;
    }
    sqlite3_busy_timeout(a->ack, 5000);
    *out = a;
    return 0;
}

void api_close(struct api *a)
{
    if (!a)
        return;
    sqlite3_close(a->ack);
    pthread_mutex_destroy(&a->lock);
    sodium_memzero(a->token, sizeof a->token);
    free(a);
}

void api_request_done(void **state)
{
    free(*state);
    *state = NULL;
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct api_reply *r)
{
    char *txt = json_dumps(r->body ? r->body : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(r->body);
    r->body = NULL;
    if (!txt)
        return MHD_NO;
    size_t n = strlen(txt);
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, txt, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(txt);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (r->code == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    enum MHD_Result rc = MHD_queue_response(c, r->code, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* RFC 3339 UTC ("2024-05-01T08:00:00[.ffffff]Z") or integer microseconds. */
static int parse_time(const char *s, int64_t *us)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end != s && *end == '\0' && !errno && v >= 0) {
        *us = v;
        return 0;
    }
    struct tm tm = {0};
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || y < 1970 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    const char *p = s + n;
    int64_t frac = 0, scale = 1000000;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
            p++;
        }
    }
    if (strcmp(p, "Z") != 0)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *us = (int64_t)timegm(&tm) * 1000000 + frac;
    return 0;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static const char *const p_assets[] = {"ip", "limit", "cursor", NULL};
static const char *const p_alerts[] = {"severity", "rule", "asset", "since", "until", "limit",
                                       "cursor", "status", NULL};
static const char *const p_baseline[] = {"status", NULL};
static const char *const p_maint[] = {"asset", "ip", "since", "until", "limit", "cursor", NULL};
static const char *const p_events[] = {"since", "until", "ip", "proto", "type", "op", "limit",
                                       "cursor", NULL};

struct pctx {
    struct api *a;
    struct api_q *q;
    const char *const *allowed;
    char bad[160];
};

static int auth_check(struct api *a, struct MHD_Connection *c, struct api_reply *r);

static int word_ok(const char *v)
{
    return strlen(v) > 0 && strlen(v) < 64 && strspn(v, "abcdefghijklmnopqrstuvwxyz"
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"
                                                        "/") == strlen(v);
}

static enum MHD_Result one_param(void *cls, enum MHD_ValueKind kind, const char *k,
                                 const char *v)
{
    (void)kind;
    struct pctx *p = cls;
    struct api_q *q = p->q;
    int known = 0;
    for (int i = 0; p->allowed[i]; i++)
        known |= strcmp(p->allowed[i], k) == 0;
    if (!known) {
        snprintf(p->bad, sizeof p->bad, "unknown parameter '%.40s'", k);
        return MHD_NO;
    }
    if (!v)
        v = "";
    int bad = 0;
    if (!strcmp(k, "since") || !strcmp(k, "until"))
        bad = parse_time(v, k[0] == 's' ? &q->since_us : &q->until_us) != 0;
    else if (!strcmp(k, "limit"))
        bad = parse_int(v, 1, p->a->page_max, &q->limit) != 0;
    else if (!strcmp(k, "cursor") && (p->allowed == p_events || p->allowed == p_alerts)) {
        bad = !*v || strlen(v) >= SQ_CURSOR_LEN || !word_ok(v);
        q->page = v;
    } else if (!strcmp(k, "cursor"))
        bad = parse_int(v, 1, INT64_MAX, &q->cursor) != 0;
    else if (!strcmp(k, "severity"))
        bad = !strstr(",info,low,medium,high,critical,", v) || !*v || strchr(v, ',');
    else if (!strcmp(k, "status"))
        bad = strcmp(v, "learned") && strcmp(v, "accepted") && strcmp(v, "dropped") &&
              strcmp(v, "acked") && strcmp(v, "open");
    else
        bad = !word_ok(v);
    if (bad) {
        snprintf(p->bad, sizeof p->bad, "bad value of '%.40s': '%.60s'", k, v);
        return MHD_NO;
    }
    const char **slot = !strcmp(k, "rule") ? &q->rule : !strcmp(k, "asset") ? &q->asset
                        : !strcmp(k, "ip") ? &q->ip : !strcmp(k, "proto") ? &q->proto
                        : !strcmp(k, "type") ? &q->type : !strcmp(k, "op") ? &q->op
                        : !strcmp(k, "severity") ? &q->severity
                        : !strcmp(k, "status") ? &q->status : NULL;
    if (slot)
        *slot = v;
    return MHD_YES;
}

static int params(struct api *a, struct MHD_Connection *c, struct api_q *q,
                  const char *const *allowed, struct api_reply *r)
{
    memset(q, 0, sizeof *q);
    q->until_us = INT64_MAX;
    q->limit = a->page_max < 100 ? a->page_max : 100;
    struct pctx p = {.a = a, .q = q, .allowed = allowed};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, one_param, &p);
    if (p.bad[0]) {
        api_error(r, MHD_HTTP_BAD_REQUEST, "%s", p.bad);
        return -1;
    }
    if (q->since_us > q->until_us) {
        api_error(r, MHD_HTTP_BAD_REQUEST, "since is after until");
        return -1;
    }
    return 0;
}

static int authorized(struct api *a, struct MHD_Connection *c, struct api_reply *r)
{
    pthread_mutex_lock(&a->lock);
    unsigned g = pol_reload_gen();
    if (g != a->token_gen) { /* SIGHUP: a rotated token takes effect */
        a->token_gen = g;
        if (load_token(a) != 0)
            fprintf(stderr, "api: no usable token in %s after reload: /api/ answers 503\n",
                    a->token_path);
    }
    int ok = auth_check(a, c, r);
    pthread_mutex_unlock(&a->lock);
    return ok;
}

static int auth_check(struct api *a, struct MHD_Connection *c, struct api_reply *r)
{
    if (!a->token[0]) {
        api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no API token configured: run "
                  "tanzhen-collector token %s", a->token_path);
        return 0;
    }
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    size_t n = strlen(a->token);
    if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != n ||
        sodium_memcmp(h + 7, a->token, n) != 0) {
        api_error(r, MHD_HTTP_UNAUTHORIZED, h ? "wrong bearer token" : "missing "
                  "'Authorization: Bearer TOKEN' header");
        return 0;
    }
    return 1;
}

static void post_baseline(struct api *a, const struct req *rq, struct api_reply *r)
{
    (void)a;
    json_error_t je;
    json_t *b = json_loadb(rq->body, rq->n, 0, &je);
    const char *op = json_string_value(json_object_get(b, "op"));
    const char *arg = json_string_value(json_object_get(b, "arg"));
    if (!b || !op || !arg)
        api_error(r, MHD_HTTP_BAD_REQUEST, "body: {\"op\": \"accept|drop|edit|mode\", \"arg\": "
                  "\"ENTRY_ID|all|ID addr=LO-HI|ID values=LO:HI|learn|enforce|off\"} expected");
    else if (strcmp(op, "mode") == 0   ? strcmp(arg, "learn") && strcmp(arg, "enforce") &&
                                             strcmp(arg, "off")
             : strcmp(op, "edit") == 0 ? strlen(arg) < 18 || strlen(arg) > 120 ||
                                             strspn(arg, "0123456789abcdef") != 16 ||
                                             arg[16] != ' ' ||
                                             (strncmp(arg + 17, "addr=", 5) &&
                                              strncmp(arg + 17, "values=", 7))
             : (strcmp(op, "accept") && strcmp(op, "drop")) ||
                   (strcmp(arg, "all") &&
                    (strlen(arg) != 16 || strspn(arg, "0123456789abcdef") != 16)))
        api_error(r, MHD_HTTP_BAD_REQUEST, "bad op/arg: '%.20s' '%.40s'", op, arg);
    else if (pol_cmd_push(op, arg) != 0)
        api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "review queue full, retry later");
    else {
        r->code = MHD_HTTP_ACCEPTED;
        r->body = json_pack("{s:s, s:s, s:s}", "queued", op, "arg", arg, "note",
                            "applied by the engine at its next event");
    }
    json_decref(b);
}

/* Event ids: the engine's are 32 hex digits; others' may carry a prefix. */
static int id_ok(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n < 64 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

static void post_ack(struct api *a, const char *id, const struct req *rq, struct api_reply *r)
{
    json_error_t je;
    json_t *b = rq->n ? json_loadb(rq->body, rq->n, 0, &je) : json_object();
    const char *comment = json_string_value(json_object_get(b, "comment"));
    if (!b || !comment || strlen(comment) > 1000)
        api_error(r, MHD_HTTP_BAD_REQUEST, "body: {\"comment\": \"...\"} (at most 1000 bytes)");
    else if (!id_ok(id))
        api_error(r, MHD_HTTP_BAD_REQUEST, "'%.40s' is not an alert id (letters, digits, "
                  "'.', '-', ':' and '_', at most 63)", id);
    else
        api_q_ack(a, id, comment, r);
    json_decref(b);
}

static const char *const p_none[] = {NULL};

static void route(struct api *a, struct MHD_Connection *c, const char *url, int post,
                  const struct req *rq, struct api_reply *r)
{
    struct api_q q;
    if (post) {
        if (strcmp(url, "/api/baseline") == 0)
            post_baseline(a, rq, r);
        else if (strncmp(url, "/api/alerts/", 12) == 0 && strlen(url) > 16 &&
                 strcmp(url + strlen(url) - 4, "/ack") == 0) {
            char id[64];
            size_t n = strlen(url) - 12 - 4;
            snprintf(id, sizeof id, "%.*s", (int)(n < 63 ? n : 63), url + 12);
            post_ack(a, id, rq, r);
        } else
            api_error(r, MHD_HTTP_NOT_FOUND, "no POST route %.80s (POST /api/baseline, "
                      "/api/alerts/ID/ack)", url);
        return;
    }
    if (strcmp(url, "/api/assets") == 0) {
        if (params(a, c, &q, p_assets, r) == 0)
            api_q_assets(a, &q, r);
    } else if (strcmp(url, "/api/alerts") == 0) {
        if (params(a, c, &q, p_alerts, r) == 0)
            api_q_alerts(a, &q, r);
    } else if (strcmp(url, "/api/baseline") == 0) {
        if (params(a, c, &q, p_baseline, r) == 0)
            api_q_baseline(a, &q, r);
    } else if (strcmp(url, "/api/maintenance") == 0) {
        if (params(a, c, &q, p_maint, r) == 0)
            api_q_maintenance(a, &q, r);
    } else if (strcmp(url, "/api/sensors") == 0) {
        if (params(a, c, &q, p_none, r) == 0)
            api_q_sensors(a, r);
    } else if (strcmp(url, "/api/events") == 0) {
        if (params(a, c, &q, p_events, r) == 0) {
            struct api_events_q eq = {.since_us = q.since_us, .until_us = q.until_us,
                                      .ip = q.ip, .proto = q.proto, .type = q.type, .op = q.op,
                                      .cursor = q.page, .limit = q.limit};
            api_q_events(a, &eq, r);
        }
    } else {
        api_error(r, MHD_HTTP_NOT_FOUND, "no route %.80s (assets, alerts, baseline, "
                  "maintenance, sensors, events)", url);
    }
}

enum MHD_Result api_answer(struct api *a, struct MHD_Connection *c, const char *url,
                           const char *method, const char *upload_data, size_t *upload_size,
                           void **state)
{
    struct api_reply r = {.code = MHD_HTTP_OK};
    int post = strcmp(method, "POST") == 0;
    if (!post && strcmp(method, "GET") != 0) {
        api_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST only");
        return send_json(c, &r);
    }
    if (!*state) {
        struct req *rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *state = rq;
        return MHD_YES;
    }
    struct req *rq = *state;
    if (*upload_size) {
        if (rq->n + *upload_size >= sizeof rq->body)
            rq->too_big = 1;
        else {
            memcpy(rq->body + rq->n, upload_data, *upload_size);
            rq->n += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!a) {
        api_error(&r, MHD_HTTP_SERVICE_UNAVAILABLE, "the API is not running");
        return send_json(c, &r);
    }
    if (!authorized(a, c, &r))
        return send_json(c, &r);
    if (rq->too_big) {
        api_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "body larger than %d bytes", BODY_MAX - 1);
        return send_json(c, &r);
    }
    route(a, c, url, post, rq, &r);
    return send_json(c, &r);
}

int cmd_token(int argc, char **argv)
{
    int force = 0;
    const char *path = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: tanzhen-collector token FILE [--force]\n"
                   "Writes a new random bearer token for /api/ into FILE (mode 0600); the\n"
                   "collector reads it from api.token_file (default STORE_DIR/api.token).\n");
            return 0;
        } else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "tanzhen-collector token: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: tanzhen-collector token FILE [--force]\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    unsigned char raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0600);
    if (fd < 0) {
        fprintf(stderr, "tanzhen-collector token: %s: %s%s\n", path, strerror(errno),
                errno == EEXIST ? " (--force replaces it)" : "");
        return 1;
    }
    hex[64] = '\n';
    int ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
    if (close(fd) != 0 || !ok) {
        fprintf(stderr, "tanzhen-collector token: %s: write failed\n", path);
        return 1;
    }
    sodium_memzero(hex, sizeof hex);
    printf("token written to %s\n", path);
    return 0;
}
