/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oui.c - MAC vendor lookup from the IEEE MA-L registry as Debian's ieee-data package
 * ships it (/usr/share/ieee-data/oui.csv: Registry,Assignment,Organization Name,...,
 * RFC 4180 quoting). Loaded once at open into a sorted array of 24-bit prefixes and one
 * string arena; a lookup is a binary search. A missing file means no vendors, not an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

#define OUI_DEFAULT "/usr/share/ieee-data/oui.csv"
#define OUI_MAX 100000
#define OUI_NAME_MAX 96

struct oui_ent {
    uint32_t prefix;
    uint32_t name; /* offset into arena */
};

struct an_oui {
    struct oui_ent *v;
    size_t n;
    char *arena;
    size_t used, cap;
};

/* Reads one CSV field starting at *p (quotes undone) into out; advances past the comma. */
static void csv_field(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    if (*s == '"') {
        s++;
        while (*s) {
            if (*s == '"') {
                if (s[1] == '"') {
                    if (n + 1 < cap)
                        out[n++] = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            if (n + 1 < cap)
                out[n++] = *s;
            s++;
        }
    }
    while (*s && *s != ',' && *s != '\n' && *s != '\r') {
        if (n + 1 < cap)
            out[n++] = *s;
        s++;
    }
    if (*s == ',')
        s++;
    out[n] = '\0';
    *p = s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int cmp_ent(const void *a, const void *b)
{
    uint32_t x = ((const struct oui_ent *)a)->prefix, y = ((const struct oui_ent *)b)->prefix;
    return x < y ? -1 : x > y;
}

/* Trims trailing spaces and commas ("Siemens AG," is how the registry spells some). */
static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == ',' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

int an_oui_open(an_engine *e, const char *path, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    const char *file = path && path[0] ? path : OUI_DEFAULT;
    FILE *f = fopen(file, "r");
    if (!f)
        return 0; /* no registry: vendors stay unknown */
    struct an_oui *o = calloc(1, sizeof *o);
    if (!o) {
        fclose(f);
        return 0;
    }
    size_t cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, f) && o->n < OUI_MAX) {
        const char *p = line;
        char reg[16], hex[16], name[OUI_NAME_MAX];
        csv_field(&p, reg, sizeof reg);
        csv_field(&p, hex, sizeof hex);
        csv_field(&p, name, sizeof name);
        if (strcmp(reg, "MA-L") != 0 || strlen(hex) != 6)
            continue;
        uint32_t pre = 0;
        int ok = 1;
        for (int i = 0; i < 6; i++) {
            int h = hexval(hex[i]);
            ok &= h >= 0;
            pre = pre << 4 | (uint32_t)(h < 0 ? 0 : h);
        }
        trim(name);
        size_t nl = strlen(name);
        if (!ok || nl == 0)
            continue;
        if (o->n == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            struct oui_ent *nv = realloc(o->v, nc * sizeof *nv);
            if (!nv)
                break;
            o->v = nv;
            cap = nc;
        }
        if (o->used + nl + 1 > o->cap) {
            size_t nc = o->cap ? o->cap * 2 : 65536;
            char *na = realloc(o->arena, nc);
            if (!na)
                break;
            o->arena = na;
            o->cap = nc;
        }
        memcpy(o->arena + o->used, name, nl + 1);
        o->v[o->n].prefix = pre;
        o->v[o->n].name = (uint32_t)o->used;
        o->used += nl + 1;
        o->n++;
    }
    fclose(f);
    qsort(o->v, o->n, sizeof *o->v, cmp_ent);
    e->oui = o;
    return 0;
}

const char *an_oui_vendor(const an_engine *e, const char *mac)
{
    const struct an_oui *o = e->oui;
    if (!o || !mac || strlen(mac) < 8)
        return NULL;
    uint32_t pre = 0;
    for (int i = 0; i < 8; i++) {
        if (i % 3 == 2) {
            if (mac[i] != ':' && mac[i] != '-')
                return NULL;
            continue;
        }
        int h = hexval(mac[i]);
        if (h < 0)
            return NULL;
        pre = pre << 4 | (uint32_t)h;
    }
    if (hexval(mac[1]) & 2) /* locally administered: not in the registry */
        return NULL;
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->v[mid].prefix < pre)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < o->n && o->v[lo].prefix == pre ? o->arena + o->v[lo].name : NULL;
}

void an_oui_free(an_engine *e)
{
    if (!e->oui)
        return;
    free(e->oui->v);
    free(e->oui->arena);
    free(e->oui);
    e->oui = NULL;
}
