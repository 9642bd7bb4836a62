/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline_file.c - the baseline table (bl.h) and its file format: a JSON document
 * {"format":"tanzhen-baseline","version":N,"mode":..., "poll_factor":F, "entries":[...],
 * "polling":[...]} that `tanzhen-collector baseline export|import|list|accept|drop`, the
 * HTTP API and `analyze --baseline FILE` share. Review commands (accept, drop, mode)
 * bump the version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl.h"

#define BL_FORMAT "tanzhen-baseline"

uint64_t bl_hash(const char *client, const char *server, const char *proto, int64_t unit,
                 int64_t func)
{
    uint64_t h = 1469598103934665603ull;
    const char *s[] = {client, server, proto};
    for (int i = 0; i < 3; i++) {
        for (const char *p = s[i]; *p; p++)
            h = (h ^ (uint8_t)*p) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    }
    h = (h ^ (uint64_t)unit) * 1099511628211ull;
    h = (h ^ (uint64_t)func) * 1099511628211ull;
    h ^= h >> 30; /* splitmix64's finalizer: ids that differ in every digit */
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static uint64_t pair_hash(const char *client, const char *server, const char *proto)
{
    return bl_hash(client, server, proto, -7, -7) | 1;
}

static int pairs_grow(struct bl *b)
{
    size_t cap = b->cap_pairs ? b->cap_pairs * 2 : 256;
    struct bl_pairslot *v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < b->cap_pairs; i++) {
        if (!b->pairs[i].h)
            continue;
        size_t j = b->pairs[i].h & (cap - 1);
        while (v[j].h)
            j = (j + 1) & (cap - 1);
        v[j] = b->pairs[i];
    }
    free(b->pairs);
    b->pairs = v;
    b->cap_pairs = cap;
    return 0;
}

static struct bl_pairslot *pair_slot(struct bl *b, uint64_t h, int create)
{
    if (create && (b->npairs + 1) * 2 > b->cap_pairs && pairs_grow(b) != 0)
        return NULL;
    if (!b->cap_pairs)
        return NULL;
    for (size_t j = h & (b->cap_pairs - 1);; j = (j + 1) & (b->cap_pairs - 1)) {
        struct bl_pairslot *x = &b->pairs[j];
        if (x->h == h)
            return x;
        if (!x->h) {
            if (!create)
                return NULL;
            x->h = h;
            x->poll = -1;
            x->live = 0;
            b->npairs++;
            return x;
        }
    }
}

int bl_pair_known(struct bl *b, const char *client, const char *server, const char *proto)
{
    const struct bl_pairslot *x = pair_slot(b, pair_hash(client, server, proto), 0);
    return x && x->live > 0;
}

void bl_pairs_rebuild(struct bl *b)
{
    if (b->pairs)
        memset(b->pairs, 0, b->cap_pairs * sizeof *b->pairs);
    b->npairs = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct bl_pairslot *x =
            pair_slot(b, pair_hash(b->e[i].client, b->e[i].server, b->e[i].proto), 1);
        if (x && b->e[i].status != BL_DROPPED)
            x->live++;
    }
    for (size_t i = 0; i < b->np; i++) {
        struct bl_pairslot *x = pair_slot(b, pair_hash(b->p[i].client, b->p[i].server,
                                                       b->p[i].proto), 1);
        if (x)
            x->poll = (int32_t)i;
    }
}

static int idx_grow(struct bl *b)
{
    size_t cap = b->cap_idx ? b->cap_idx * 2 : 1024;
    int32_t *idx = malloc(cap * sizeof *idx);
    if (!idx)
        return -1;
    memset(idx, 0xff, cap * sizeof *idx);
    for (size_t i = 0; i < b->n; i++) {
        size_t j = b->e[i].hash & (cap - 1);
        while (idx[j] >= 0)
            j = (j + 1) & (cap - 1);
        idx[j] = (int32_t)i;
    }
    free(b->idx);
    b->idx = idx;
    b->cap_idx = cap;
    return 0;
}

static int entry_is(const struct bl_entry *x, const char *client, const char *server,
                    const char *proto, int64_t unit, int64_t func)
{
    return x->unit == unit && x->func == func && strcmp(x->client, client) == 0 &&
           strcmp(x->server, server) == 0 && strcmp(x->proto, proto) == 0;
}

struct bl_entry *bl_find(struct bl *b, const char *client, const char *server,
                         const char *proto, int64_t unit, int64_t func)
{
    if (!b->cap_idx)
        return NULL;
    uint64_t h = bl_hash(client, server, proto, unit, func);
    for (size_t j = h & (b->cap_idx - 1); b->idx[j] >= 0; j = (j + 1) & (b->cap_idx - 1)) {
        struct bl_entry *x = &b->e[b->idx[j]];
        if (x->hash == h && entry_is(x, client, server, proto, unit, func))
            return x;
    }
    return NULL;
}

struct bl_entry *bl_add(struct bl *b, const char *client, const char *server, const char *proto,
                        int64_t unit, int64_t func)
{
    if (b->n == BL_ENTRIES_MAX) {
        b->full++;
        return NULL;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct bl_entry *e = realloc(b->e, cap * sizeof *e);
        if (!e)
            return NULL;
        b->e = e;
        b->cap = cap;
    }
    if ((b->n + 1) * 2 > b->cap_idx && idx_grow(b) != 0)
        return NULL;
    struct bl_entry *x = &b->e[b->n];
    memset(x, 0, sizeof *x);
    snprintf(x->client, sizeof x->client, "%s", client);
    snprintf(x->server, sizeof x->server, "%s", server);
    snprintf(x->proto, sizeof x->proto, "%s", proto);
    x->unit = unit;
    x->func = func;
    x->addr_lo = x->addr_hi = -1;
    x->hash = bl_hash(client, server, proto, unit, func);
    snprintf(x->id, sizeof x->id, "%016llx", (unsigned long long)x->hash);
    size_t j = x->hash & (b->cap_idx - 1);
    while (b->idx[j] >= 0)
        j = (j + 1) & (b->cap_idx - 1);
    b->idx[j] = (int32_t)b->n++;
    struct bl_pairslot *ps = pair_slot(b, pair_hash(client, server, proto), 1);
    if (ps)
        ps->live++;
    b->dirty = 1;
    return x;
}

struct bl_poll *bl_poll_find(struct bl *b, const char *client, const char *server,
                             const char *proto, int create)
{
    uint64_t h = pair_hash(client, server, proto);
    struct bl_pairslot *ps = pair_slot(b, h, 0);
    if (ps && ps->poll >= 0) {
        struct bl_poll *q = &b->p[ps->poll];
        if (strcmp(q->client, client) == 0 && strcmp(q->server, server) == 0 &&
            strcmp(q->proto, proto) == 0)
            return q;
    }
    if (!create || b->np == BL_POLLS_MAX || (ps && ps->poll >= 0))
        return NULL;
    if (b->np == b->cap_p) {
        size_t cap = b->cap_p ? b->cap_p * 2 : 64;
        struct bl_poll *p = realloc(b->p, cap * sizeof *p);
        if (!p)
            return NULL;
        b->p = p;
        b->cap_p = cap;
    }
    ps = pair_slot(b, h, 1);
    if (!ps)
        return NULL;
    struct bl_poll *p = &b->p[b->np];
    memset(p, 0, sizeof *p);
    snprintf(p->client, sizeof p->client, "%s", client);
    snprintf(p->server, sizeof p->server, "%s", server);
    snprintf(p->proto, sizeof p->proto, "%s", proto);
    ps->poll = (int32_t)b->np++;
    b->dirty = 1;
    return p;
}

void bl_clear(struct bl *b)
{
    free(b->e);
    free(b->idx);
    free(b->p);
    free(b->pairs);
    b->e = NULL;
    b->idx = NULL;
    b->p = NULL;
    b->pairs = NULL;
    b->n = b->cap = b->cap_idx = b->np = b->cap_p = b->npairs = b->cap_pairs = 0;
}

const char *bl_status_name(enum bl_status s)
{
    return s == BL_ACCEPTED ? "accepted" : s == BL_DROPPED ? "dropped" : "learned";
}

const char *bl_mode_name(enum bl_mode m)
{
    return m == BL_ENFORCE ? "enforce" : m == BL_OFF ? "off" : "learn";
}

int bl_mode_parse(const char *s, enum bl_mode *m)
{
    for (int i = BL_LEARN; i <= BL_OFF; i++) {
        if (s && strcmp(s, bl_mode_name((enum bl_mode)i)) == 0) {
            *m = (enum bl_mode)i;
            return 0;
        }
    }
    return -1;
}

static int status_parse(const char *s, enum bl_status *st)
{
    for (int i = BL_LEARNED; i <= BL_DROPPED; i++) {
        if (s && strcmp(s, bl_status_name((enum bl_status)i)) == 0) {
            *st = (enum bl_status)i;
            return 0;
        }
    }
    return -1;
}

static json_t *range(int64_t lo, int64_t hi)
{
    return lo < 0 ? json_null() : json_pack("[I,I]", (json_int_t)lo, (json_int_t)hi);
}

json_t *bl_to_json(const struct bl *b)
{
    json_t *ents = json_array(), *polls = json_array();
    for (size_t i = 0; i < b->n; i++) {
        const struct bl_entry *x = &b->e[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:I, s:I, s:I, s:s}",
                              "id", x->id, "client", x->client, "server", x->server, "proto",
                              x->proto, "unit", (json_int_t)x->unit, "func", (json_int_t)x->func,
                              "func_name", x->fname, "addr", range(x->addr_lo, x->addr_hi),
                              "values",
                              x->has_val ? json_pack("[f,f]", x->val_lo, x->val_hi) : json_null(),
                              "count", (json_int_t)x->count, "first_us", (json_int_t)x->first_us,
                              "last_us", (json_int_t)x->last_us, "status",
                              bl_status_name(x->status));
        json_array_append_new(ents, o);
    }
    for (size_t i = 0; i < b->np; i++) {
        const struct bl_poll *p = &b->p[i];
        double period = p->period_s > 0 ? p->period_s
                        : p->samples >= 3 ? p->sum_s / (double)p->samples : 0;
        json_array_append_new(polls, json_pack("{s:s, s:s, s:s, s:f, s:I, s:s}", "client",
                                               p->client, "server", p->server, "proto", p->proto,
                                               "period_s", period, "samples",
                                               (json_int_t)p->samples, "status",
                                               bl_status_name(p->status)));
    }
    return json_pack("{s:s, s:I, s:s, s:f, s:o, s:o}", "format", BL_FORMAT, "version",
                     (json_int_t)b->version, "mode", bl_mode_name(b->mode), "poll_factor",
                     b->poll_factor, "entries", ents, "polling", polls);
}

static int get_range_i(const json_t *v, int64_t *lo, int64_t *hi)
{
    if (!v || json_is_null(v)) {
        *lo = *hi = -1;
        return 0;
    }
    if (json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
        !json_is_integer(json_array_get(v, 1)))
        return -1;
    *lo = json_integer_value(json_array_get(v, 0));
    *hi = json_integer_value(json_array_get(v, 1));
    return *lo < 0 || *hi < *lo ? -1 : 0;
}

int bl_from_json(struct bl *b, const json_t *doc, char *err, size_t errlen)
{
    struct bl nb = {.poll_factor = 3};
    const char *fmt = an_json_str(doc, "format");
    if (!json_is_object(doc) || !fmt || strcmp(fmt, BL_FORMAT) != 0) {
        snprintf(err, errlen, "not a baseline (\"format\": \"" BL_FORMAT "\" expected)");
        return -1;
    }
    nb.version = an_json_int(doc, "version", 0);
    const char *mode = an_json_str(doc, "mode");
    if (mode && bl_mode_parse(mode, &nb.mode) != 0) {
        snprintf(err, errlen, "mode '%s' is not learn, enforce or off", mode);
        return -1;
    }
    json_t *pf = json_object_get(doc, "poll_factor");
    if (pf && json_is_number(pf))
        nb.poll_factor = json_number_value(pf);
    if (nb.poll_factor < 1.01)
        nb.poll_factor = 3;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "entries"), i, x)
    {
        const char *c = an_json_str(x, "client"), *s = an_json_str(x, "server");
        const char *p = an_json_str(x, "proto");
        if (!c || !s || !p || !json_is_integer(json_object_get(x, "unit")) ||
            !json_is_integer(json_object_get(x, "func"))) {
            snprintf(err, errlen, "entries[%zu]: client, server, proto, unit and func needed",
                     i);
            goto fail;
        }
        struct bl_entry *e = bl_add(&nb, c, s, p, an_json_int(x, "unit", -1),
                                    an_json_int(x, "func", -1));
        if (!e) {
            snprintf(err, errlen, "entries[%zu]: duplicate or too many entries", i);
            goto fail;
        }
        if (get_range_i(json_object_get(x, "addr"), &e->addr_lo, &e->addr_hi) != 0) {
            snprintf(err, errlen, "entries[%zu]: addr must be null or [LO, HI]", i);
            goto fail;
        }
        json_t *v = json_object_get(x, "values");
        if (v && !json_is_null(v)) {
            if (json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
                !json_is_number(json_array_get(v, 1))) {
                snprintf(err, errlen, "entries[%zu]: values must be null or [LO, HI]", i);
                goto fail;
            }
            e->has_val = 1;
            e->val_lo = json_number_value(json_array_get(v, 0));
            e->val_hi = json_number_value(json_array_get(v, 1));
        }
        snprintf(e->fname, sizeof e->fname, "%s", an_json_str(x, "func_name") ?: "");
        e->count = (uint64_t)an_json_int(x, "count", 0);
        e->first_us = an_json_int(x, "first_us", 0);
        e->last_us = an_json_int(x, "last_us", 0);
        const char *st = an_json_str(x, "status");
        if (st && status_parse(st, &e->status) != 0) {
            snprintf(err, errlen, "entries[%zu]: status '%s' is not learned, accepted or "
                                  "dropped", i, st);
            goto fail;
        }
    }
    json_array_foreach(json_object_get(doc, "polling"), i, x)
    {
        const char *c = an_json_str(x, "client"), *s = an_json_str(x, "server");
        const char *p = an_json_str(x, "proto");
        json_t *per = json_object_get(x, "period_s");
        struct bl_poll *q = c && s && p ? bl_poll_find(&nb, c, s, p, 1) : NULL;
        if (!q || !json_is_number(per) || json_number_value(per) < 0) {
            snprintf(err, errlen, "polling[%zu]: client, server, proto and period_s needed", i);
            goto fail;
        }
        q->period_s = json_number_value(per);
        q->samples = (uint64_t)an_json_int(x, "samples", 0);
        const char *st = an_json_str(x, "status");
        if (st && status_parse(st, &q->status) != 0) {
            snprintf(err, errlen, "polling[%zu]: bad status '%s'", i, st);
            goto fail;
        }
    }
    bl_pairs_rebuild(&nb); /* statuses were set after the entries went in */
    bl_clear(b);
    nb.dirty = 1;
    *b = nb;
    return 0;
fail:
    bl_clear(&nb);
    return -1;
}

int bl_load_file(struct bl *b, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -1;
    }
    char e2[256];
    int rc = bl_from_json(b, doc, e2, sizeof e2);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, e2);
    json_decref(doc);
    return rc;
}

int bl_save_file(const struct bl *b, const char *path, char *err, size_t errlen)
{
    char tmp[1100];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    json_t *doc = bl_to_json(b);
    int rc = doc ? json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) : -1;
    json_decref(doc);
    if (rc != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* "ID addr=LO-HI" or "ID values=LO:HI" (or "none" to clear either). */
static int bl_edit(struct bl *b, const char *arg, char *err, size_t errlen)
{
    char id[33], what[16], val[80];
    if (sscanf(arg, "%32s %15[a-z]=%79s", id, what, val) != 3) {
        snprintf(err, errlen, "edit wants 'ID addr=LO-HI' or 'ID values=LO:HI' (got '%s')", arg);
        return -1;
    }
    struct bl_entry *x = NULL;
    for (size_t i = 0; i < b->n && !x; i++)
        if (strcmp(b->e[i].id, id) == 0)
            x = &b->e[i];
    if (!x) {
        snprintf(err, errlen, "no baseline entry '%s'", id);
        return -1;
    }
    char *end = NULL;
    if (strcmp(what, "addr") == 0) {
        if (strcmp(val, "none") == 0) {
            x->addr_lo = x->addr_hi = -1;
            return 0;
        }
        long long lo = strtoll(val, &end, 10), hi;
        if (end == val || *end != '-' || lo < 0)
            goto bad;
        const char *p = end + 1;
        hi = strtoll(p, &end, 10);
        if (end == p || *end || hi < lo)
            goto bad;
        x->addr_lo = lo;
        x->addr_hi = hi;
        return 0;
    }
    if (strcmp(what, "values") == 0) {
        if (strcmp(val, "none") == 0) {
            x->has_val = 0;
            return 0;
        }
        double lo = strtod(val, &end), hi;
        if (end == val || *end != ':')
            goto bad;
        const char *p = end + 1;
        hi = strtod(p, &end);
        if (end == p || *end || hi < lo)
            goto bad;
        x->val_lo = lo;
        x->val_hi = hi;
        x->has_val = 1;
        return 0;
    }
bad:
    snprintf(err, errlen, "edit: '%s=%s' is not addr=LO-HI, values=LO:HI or =none", what, val);
    return -1;
}

int bl_apply(struct bl *b, const char *op, const char *arg, char *err, size_t errlen)
{
    if (strcmp(op, "edit") == 0) {
        if (bl_edit(b, arg, err, errlen) != 0)
            return -1;
    } else if (strcmp(op, "mode") == 0) {
        if (bl_mode_parse(arg, &b->mode) != 0) {
            snprintf(err, errlen, "mode '%s' is not learn, enforce or off", arg);
            return -1;
        }
    } else if (strcmp(op, "accept") == 0 || strcmp(op, "drop") == 0) {
        enum bl_status st = op[0] == 'a' ? BL_ACCEPTED : BL_DROPPED;
        int all = strcmp(arg, "all") == 0, found = 0;
        for (size_t i = 0; i < b->n; i++) {
            if (all || strcmp(b->e[i].id, arg) == 0) {
                b->e[i].status = st;
                found++;
            }
        }
        for (size_t i = 0; all && i < b->np; i++)
            b->p[i].status = st;
        if (!found && !all) {
            snprintf(err, errlen, "no baseline entry '%s'", arg);
            return -1;
        }
    } else {
        snprintf(err, errlen, "'%s' is not accept, drop, edit or mode", op);
        return -1;
    }
    bl_pairs_rebuild(b);
    b->version++;
    b->dirty = 1;
    return 0;
}
