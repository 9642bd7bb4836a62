/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.c - the user rules family: each event is matched against the rules of the file
 * analytics.rules_file (loaded by rules_load.c); a rule whose conditions all hold raises
 * its alert (aggregated by rule and src>dst like the built-in ones). A reload request
 * (SIGHUP, analytics_request_reload) loads the file again on the engine's thread; a file
 * with an error keeps the rules in force and says so on stderr, and no state is lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urules.h"

struct rules_state {
    struct ur_set *set; /* NULL: no rules file */
    const char *path;
    unsigned gen;
};

static int rules_init(an_engine *e, void **state, char *err, size_t errlen)
{
    struct rules_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *state = s;
    s->gen = pol_reload_gen();
    s->path = an_opts_rules_path(e);
    if (s->path && *s->path) {
        s->set = ur_load(s->path, err, errlen);
        if (!s->set)
            return -1;
    }
    return 0;
}

static void rules_free(void *state)
{
    struct rules_state *s = state;
    if (s)
        ur_set_free(s->set);
    free(s);
}

static void reload(struct rules_state *s)
{
    char err[1024];
    struct ur_set *n = ur_load(s->path, err, sizeof err);
    if (!n) {
        fprintf(stderr, "analytics: rules reload failed: %s; keeping the previous %d rule(s)\n",
                err, s->set ? s->set->n : 0);
        return;
    }
    n->retired = s->set; /* open aggregates may still point at the old rules */
    s->set = n;
    fprintf(stderr, "analytics: rules reloaded from %s: %d rule(s)\n", s->path, n->n);
}

/* The text of a dotted path in the event, or of a derived field (@func, @unit). */
static int field_text(const struct an_ev *ev, const char *path, char *out, size_t outlen)
{
    if (path[0] == '@') {
        if (strcmp(path, "@func_name") == 0) {
            if (!ev->func_name)
                return -1;
            snprintf(out, outlen, "%s", ev->func_name);
            return 0;
        }
        int64_t v = strcmp(path, "@func") == 0 ? ev->func : ev->unit;
        if (v < 0)
            return -1;
        snprintf(out, outlen, "%lld", (long long)v);
        return 0;
    }
    const json_t *o = ev->root;
    char seg[UR_STR];
    const char *p = path;
    while (*p && o) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof seg)
            return -1;
        memcpy(seg, p, n);
        seg[n] = '\0';
        o = json_object_get(o, seg);
        p += n;
        if (*p == '.')
            p++;
    }
    if (!o)
        return -1;
    if (json_is_string(o))
        snprintf(out, outlen, "%s", json_string_value(o));
    else if (json_is_integer(o))
        snprintf(out, outlen, "%lld", (long long)json_integer_value(o));
    else if (json_is_real(o))
        snprintf(out, outlen, "%g", json_real_value(o));
    else if (json_is_boolean(o))
        snprintf(out, outlen, "%s", json_is_true(o) ? "true" : "false");
    else
        return -1;
    return 0;
}

static int range_overlaps(const struct an_ev *ev, int64_t lo, int64_t hi)
{
    const json_t *o = ev->pobj;
    size_t i;
    json_t *x;
    switch (ev->proto) {
    case AN_P_MODBUS: {
        int64_t a = an_json_int(o, "addr", -1), q = an_json_int(o, "qty", 1);
        return a >= 0 && a <= hi && a + (q > 0 ? q : 1) - 1 >= lo;
    }
    case AN_P_IEC104:
        json_array_foreach(json_object_get(json_object_get(o, "asdu"), "objects"), i, x)
        {
            int64_t a = an_json_int(x, "ioa", -1);
            if (a >= lo && a <= hi)
                return 1;
        }
        return 0;
    case AN_P_DNP3:
        json_array_foreach(json_object_get(o, "objects"), i, x)
        {
            int64_t a = an_json_int(x, "start", -1), b = an_json_int(x, "stop", -1);
            if (a >= 0 && a <= hi && b >= lo)
                return 1;
        }
        return 0;
    case AN_P_S7COMM:
        json_array_foreach(json_object_get(o, "items"), i, x)
        {
            int64_t a = an_json_int(x, "byte", -1), c = an_json_int(x, "count", 1);
            if (a >= 0 && a <= hi && a + (c > 0 ? c : 1) - 1 >= lo)
                return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static int cond_holds(an_engine *e, const struct ur_cond *c, const struct an_ev *ev)
{
    const char *ip = c->side == 1 ? ev->dst.ip : ev->src.ip;
    switch (c->kind) {
    case UR_FIELD: {
        char t[256];
        if (field_text(ev, c->path, t, sizeof t) != 0)
            return 0;
        for (int i = 0; i < c->nvalues; i++)
            if (strcmp(t, c->values[i]) == 0)
                return 1;
        return 0;
    }
    case UR_RANGE:
        return range_overlaps(ev, c->lo, c->hi);
    case UR_NET:
        if (c->side == 2)
            return pol_nets_has(c->nets, ev->src.ip) || pol_nets_has(c->nets, ev->dst.ip);
        return pol_nets_has(c->nets, ip);
    case UR_ZONE: {
        enum an_zone_level lvl;
        const char *z = pol_zone_name(e, ip, &lvl);
        for (int i = 0; i < c->nvalues; i++)
            if ((*z && strcmp(z, c->values[i]) == 0) ||
                (lvl != AN_ZONE_NONE && strcmp(an_zone_level_name(lvl), c->values[i]) == 0))
                return 1;
        return 0;
    }
    case UR_ROLE: {
        struct an_asset *a = ip ? an_asset_by_ip(e, ip) : NULL;
        return a && (an_asset_roles(a) & c->roles) != 0;
    }
    case UR_TIME:
        return pol_window_has(&c->win, ev->ts_us);
    }
    return 0;
}

static void rules_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct rules_state *s = state;
    unsigned g = pol_reload_gen();
    if (g != s->gen) {
        s->gen = g;
        if (s->path && *s->path)
            reload(s);
    }
    if (!s->set || ev->type == AN_T_ALERT || ev->type == AN_T_ASSET || ev->type == AN_T_HEALTH)
        return;
    for (int i = 0; i < s->set->n; i++) {
        const struct ur_rule *r = &s->set->r[i];
        int ok = 1;
        for (int k = 0; k < r->nc && ok; k++)
            ok = cond_holds(e, &r->c[k], ev);
        if (ok)
            an_raise(e, &r->rt, ev, NULL, "%s matched (%s:%d)", r->id, s->set->path, r->line);
    }
}

const struct an_detector an_det_rules = {
    .name = "rules",
    .init = rules_init,
    .on_event = rules_event,
    .free = rules_free,
};
