/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pol.c - helpers of the policy families (pol.h): name and address lists, the
 * maintenance window, the zone of an address, the state database handle, the reload
 * generation and the review-command queue (a mutex-guarded ring: the HTTP threads push,
 * the engine's thread pops).
 */
#include "pol.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "an_core.h"

static int next_item(const char **p, char *out, size_t outlen)
{
    while (**p == ',' || **p == ' ' || **p == '\t')
        (*p)++;
    if (!**p)
        return 0;
    size_t n = strcspn(*p, ", \t");
    if (n >= outlen)
        return -1;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return 1;
}

int pol_names_parse(struct pol_names *l, const char *s, const char *what, char *err,
                    size_t errlen)
{
    memset(l, 0, sizeof *l);
    const char *p = s ? s : "";
    char item[POL_NAME_LEN];
    int r;
    while ((r = next_item(&p, item, sizeof item)) != 0) {
        if (r < 0 || l->n == POL_NAMES_MAX) {
            snprintf(err, errlen, "%s: at most %d names of under %d bytes each", what,
                     POL_NAMES_MAX, POL_NAME_LEN);
            return -1;
        }
        memcpy(l->v[l->n++], item, sizeof item);
    }
    return 0;
}

int pol_names_has(const struct pol_names *l, const char *name)
{
    for (int i = 0; name && i < l->n; i++)
        if (strcasecmp(l->v[i], name) == 0)
            return 1;
    return 0;
}

static const char *find_name(const struct pol_names *l, const char *s, size_t n)
{
    for (int i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && strncasecmp(l->v[i], s, n) == 0)
            return l->v[i];
    return NULL;
}

int pol_names_match_app(const struct pol_names *l, const char *app, const char *category,
                        const char **which)
{
    const char *m = NULL;
    if (app && *app) {
        const char *dot = strchr(app, '.');
        if (dot) {
            m = find_name(l, dot + 1, strlen(dot + 1));
            if (!m)
                m = find_name(l, app, (size_t)(dot - app));
        }
        if (!m)
            m = find_name(l, app, strlen(app));
    }
    if (!m && category && *category)
        m = find_name(l, category, strlen(category));
    if (which)
        *which = m;
    return m != NULL;
}

static int net_parse(struct pol_net *n, const char *s)
{
    memset(n, 0, sizeof *n);
    return an_cidr_parse(s, n->addr, &n->v6, &n->bits);
}

int pol_nets_parse(struct pol_nets *l, const char *s, const char *what, char *err,
                   size_t errlen)
{
    memset(l, 0, sizeof *l);
    const char *p = s ? s : "";
    char item[64];
    int r;
    while ((r = next_item(&p, item, sizeof item)) != 0) {
        if (r < 0 || l->n == POL_NETS_MAX || net_parse(&l->v[l->n], item) != 0) {
            snprintf(err, errlen, "%s: '%.60s' is not an address or prefix (at most %d)", what,
                     r < 0 ? p : item, POL_NETS_MAX);
            return -1;
        }
        l->n++;
    }
    return 0;
}

int pol_nets_has(const struct pol_nets *l, const char *ip)
{
    uint8_t a[16] = {0};
    int v6;
    if (!ip)
        return 0;
    if (inet_pton(AF_INET, ip, a) == 1)
        v6 = 0;
    else if (inet_pton(AF_INET6, ip, a) == 1)
        v6 = 1;
    else
        return 0;
    for (int i = 0; i < l->n; i++) {
        const struct pol_net *n = &l->v[i];
        if (n->v6 != v6)
            continue;
        int full = n->bits / 8, rest = n->bits % 8;
        if (memcmp(n->addr, a, (size_t)full) != 0)
            continue;
        if (rest == 0)
            return 1;
        uint8_t m = (uint8_t)(0xff << (8 - rest));
        if ((n->addr[full] & m) == (a[full] & m))
            return 1;
    }
    return 0;
}

static int day_of(const char *s)
{
    static const char *const d[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 7; i++)
        if (strncasecmp(s, d[i], 3) == 0)
            return i;
    return -1;
}

static int parse_days(const char *s, unsigned *days)
{
    *days = 0;
    while (*s) {
        int a = day_of(s), b;
        if (a < 0)
            return -1;
        s += 3;
        b = a;
        if (*s == '-') {
            b = day_of(s + 1);
            if (b < 0)
                return -1;
            s += 4;
        }
        for (int i = a;; i = (i + 1) % 7) {
            *days |= 1u << i;
            if (i == b)
                break;
        }
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return 0;
}

int pol_window_parse(struct pol_window *w, const char *s, const char *what, char *err,
                     size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->days = 0x7f;
    if (!s || !*s)
        return 0;
    w->set = 1;
    if (strcmp(s, "always") == 0) {
        w->always = 1;
        return 0;
    }
    char days[40] = "";
    const char *sp = strchr(s, ' ');
    const char *hours = s;
    if (sp) {
        if ((size_t)(sp - s) >= sizeof days)
            goto bad;
        memcpy(days, s, (size_t)(sp - s));
        days[sp - s] = '\0';
        hours = sp + 1;
        if (parse_days(days, &w->days) != 0)
            goto bad;
    }
    unsigned h1, m1, h2, m2;
    char tail;
    if (sscanf(hours, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 > 24 ||
        h2 > 24 || m1 > 59 || m2 > 59)
        goto bad;
    w->from_min = (int)(h1 * 60 + m1);
    w->to_min = (int)(h2 * 60 + m2);
    return 0;
bad:
    snprintf(err, errlen, "%s: '%s' is not [DAYS ]HH:MM-HH:MM (e.g. mon-fri 08:00-18:00, UTC)",
             what, s);
    return -1;
}

int pol_window_has(const struct pol_window *w, int64_t ts_us)
{
    if (!w->set)
        return 0;
    if (w->always)
        return 1;
    int64_t s = ts_us / AN_US;
    int64_t day = s / 86400;
    int minute = (int)((s % 86400) / 60);
    int wday = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday */
    if (w->from_min <= w->to_min)
        return (w->days & (1u << wday)) && minute >= w->from_min && minute < w->to_min;
    /* wraps midnight: the part after midnight belongs to the previous day's window */
    if (minute >= w->from_min)
        return (w->days & (1u << wday)) != 0;
    return minute < w->to_min && (w->days & (1u << ((wday + 6) % 7)));
}

const char *pol_zone_name(const an_engine *e, const char *ip, enum an_zone_level *lvl)
{
    const struct an_zone *z = an_zone_of(e, ip);
    *lvl = z ? z->level : AN_ZONE_NONE;
    return z ? z->name : "";
}

int pol_is_public(const char *ip)
{
    uint8_t a[16] = {0};
    if (!ip)
        return 0;
    if (inet_pton(AF_INET, ip, a) == 1)
        return !(a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
                 (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
                 (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224 || a[0] == 0);
    if (inet_pton(AF_INET6, ip, a) != 1)
        return 0;
    static const uint8_t lo[16] = {[15] = 1}, any[16] = {0};
    return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
             a[0] == 0xff || memcmp(a, lo, 16) == 0 || memcmp(a, any, 16) == 0);
}

sqlite3 *pol_db(const an_engine *e)
{
    return e->db;
}

const char *an_opts_baseline_path(const an_engine *e)
{
    return e->o.baseline_path;
}

const char *an_opts_rules_path(const an_engine *e)
{
    return e->o.rules_path;
}

void *an_det_state(an_engine *a, const struct an_detector *d)
{
    for (size_t i = 0; i < a->ndet; i++)
        if (a->det[i].d == d)
            return a->det[i].state;
    return NULL;
}

static atomic_uint reload_gen;

void pol_request_reload(void)
{
    atomic_fetch_add_explicit(&reload_gen, 1, memory_order_relaxed);
}

unsigned pol_reload_gen(void)
{
    return atomic_load_explicit(&reload_gen, memory_order_relaxed);
}

#define CMD_MAX 64
static struct {
    pthread_mutex_t lock;
    char op[CMD_MAX][16];
    char arg[CMD_MAX][128];
    unsigned head, tail;
} cmdq = {.lock = PTHREAD_MUTEX_INITIALIZER};

int pol_cmd_push(const char *op, const char *arg)
{
    int rc = -1;
    pthread_mutex_lock(&cmdq.lock);
    if (cmdq.head - cmdq.tail < CMD_MAX && strlen(op) < 16 && strlen(arg) < 128) {
        unsigned i = cmdq.head++ % CMD_MAX;
        snprintf(cmdq.op[i], sizeof cmdq.op[i], "%s", op);
        snprintf(cmdq.arg[i], sizeof cmdq.arg[i], "%s", arg);
        rc = 0;
    }
    pthread_mutex_unlock(&cmdq.lock);
    return rc;
}

int pol_cmd_pop(char *op, size_t oplen, char *arg, size_t arglen)
{
    int rc = 0;
    pthread_mutex_lock(&cmdq.lock);
    if (cmdq.head != cmdq.tail) {
        unsigned i = cmdq.tail++ % CMD_MAX;
        snprintf(op, oplen, "%s", cmdq.op[i]);
        snprintf(arg, arglen, "%s", cmdq.arg[i]);
        rc = 1;
    }
    pthread_mutex_unlock(&cmdq.lock);
    return rc;
}

void analytics_request_reload(void)
{
    pol_request_reload();
}
