/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zone.c - the zone table: named CIDR lists (IPv4 and IPv6) with a level, from
 * policy.zones ("NAME=LEVEL:CIDR,CIDR..." lines, the analytics.zones map of the config).
 * an_zone_of() answers with the most specific prefix that covers an address; the level
 * `internet` may be given without prefixes and then covers every public address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

#define ZONES_MAX 64
#define PREFIXES_MAX 1024

struct an_prefix {
    uint8_t addr[16];
    int bits;   /* 0..32 for IPv4, 0..128 for IPv6 */
    int v6;
    int zone;   /* index into zones */
};

struct an_zones {
    struct an_zone z[ZONES_MAX];
    int nz;
    int internet; /* index of a prefix-less internet zone, or -1 */
    struct an_prefix p[PREFIXES_MAX];
    int np;
};

const char *an_zone_level_name(enum an_zone_level l)
{
    static const char *const n[] = {"none", "production", "management", "office", "dmz",
                                    "internet"};
    return (unsigned)l <= AN_ZONE_INTERNET ? n[l] : "none";
}

static int level_of(const char *s, enum an_zone_level *l)
{
    for (int i = AN_ZONE_PRODUCTION; i <= AN_ZONE_INTERNET; i++) {
        if (strcmp(s, an_zone_level_name((enum an_zone_level)i)) == 0) {
            *l = (enum an_zone_level)i;
            return 0;
        }
    }
    return -1;
}

static int parse_addr(const char *s, uint8_t out[16], int *v6)
{
    if (inet_pton(AF_INET, s, out) == 1) {
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *v6 = 1;
        return 0;
    }
    return -1;
}

int an_cidr_parse(const char *s, uint8_t addr[16], int *v6, int *bits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    long b = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        b = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0')
            return -1;
    }
    memset(addr, 0, 16);
    if (parse_addr(buf, addr, v6) != 0)
        return -1;
    int max = *v6 ? 128 : 32;
    if (b < 0)
        b = max;
    if (b > max)
        return -1;
    *bits = (int)b;
    return 0;
}

static int parse_cidr(struct an_prefix *p, const char *s)
{
    return an_cidr_parse(s, p->addr, &p->v6, &p->bits);
}

static int zone_line(struct an_zones *t, char *line, char *err, size_t errlen)
{
    char *eq = strchr(line, '=');
    char *colon = eq ? strchr(eq + 1, ':') : NULL;
    if (!eq || eq == line) {
        snprintf(err, errlen, "analytics.zones: '%s' is not NAME: LEVEL:CIDR,...", line);
        return -1;
    }
    *eq = '\0';
    if (colon)
        *colon = '\0';
    enum an_zone_level lvl;
    if (level_of(eq + 1, &lvl) != 0) {
        snprintf(err, errlen,
                 "analytics.zones: %s: level '%s' is not production, management, office, "
                 "dmz or internet",
                 line, eq + 1);
        return -1;
    }
    if (t->nz == ZONES_MAX || strlen(line) >= sizeof t->z[0].name) {
        snprintf(err, errlen, "analytics.zones: %s: at most %d zones, names under %zu bytes",
                 line, ZONES_MAX, sizeof t->z[0].name);
        return -1;
    }
    int zi = t->nz++;
    snprintf(t->z[zi].name, sizeof t->z[zi].name, "%s", line);
    t->z[zi].level = lvl;
    const char *c = colon ? colon + 1 : "";
    if (!*c) {
        if (lvl != AN_ZONE_INTERNET) {
            snprintf(err, errlen, "analytics.zones: %s lists no CIDR", line);
            return -1;
        }
        t->internet = zi;
        return 0;
    }
    while (*c) {
        size_t n = strcspn(c, ", ");
        char cidr[64];
        if (n > 0) {
            if (n >= sizeof cidr || t->np == PREFIXES_MAX ||
                (snprintf(cidr, sizeof cidr, "%.*s", (int)n, c),
                 parse_cidr(&t->p[t->np], cidr) != 0)) {
                snprintf(err, errlen, "analytics.zones: %s: '%.*s' is not an address/prefix",
                         line, (int)(n < 60 ? n : 60), c);
                return -1;
            }
            t->p[t->np++].zone = zi;
        }
        c += n;
        while (*c == ',' || *c == ' ')
            c++;
    }
    return 0;
}

int an_zones_open(an_engine *e, const char *spec, char *err, size_t errlen)
{
    struct an_zones *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->internet = -1;
    e->zones = t;
    const char *p = spec;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[1024];
        if (n >= sizeof line) {
            snprintf(err, errlen, "analytics.zones: a line is longer than %zu bytes",
                     sizeof line - 1);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : NULL;
        if (n > 0 && zone_line(t, line, err, errlen) != 0)
            return -1;
    }
    return 0;
}

void an_zones_free(an_engine *e)
{
    free(e->zones);
    e->zones = NULL;
}

static int prefix_match(const struct an_prefix *p, const uint8_t *a)
{
    int full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(p->addr, a, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (p->addr[full] & m) == (a[full] & m);
}

/* RFC 1918, loopback, link-local, CGNAT, multicast and the IPv6 equivalents. */
static int is_private(const uint8_t *a, int v6)
{
    if (!v6)
        return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224 || a[0] == 0;
    static const uint8_t lo[16] = {[15] = 1};
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
           memcmp(a, lo, 16) == 0;
}

int an_zones_configured(const an_engine *e)
{
    return e->zones && (e->zones->np > 0 || e->zones->internet >= 0);
}

const struct an_zone *an_zone_of(const an_engine *e, const char *ip)
{
    const struct an_zones *t = e->zones;
    if (!t || !ip || (t->np == 0 && t->internet < 0))
        return NULL;
    uint8_t a[16] = {0};
    int v6;
    if (parse_addr(ip, a, &v6) != 0)
        return NULL;
    int best = -1, best_bits = -1;
    for (int i = 0; i < t->np; i++) {
        if (t->p[i].v6 == v6 && t->p[i].bits > best_bits && prefix_match(&t->p[i], a)) {
            best = t->p[i].zone;
            best_bits = t->p[i].bits;
        }
    }
    if (best >= 0)
        return &t->z[best];
    if (t->internet >= 0 && !is_private(a, v6))
        return &t->z[t->internet];
    return NULL;
}
