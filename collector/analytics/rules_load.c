/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules_load.c - reads the user rules file (YAML 1.1 through libyaml's document API) and
 * validates every rule before any is used: each error names the file and the line of the
 * offending node. The format (README "User rules"): a top-level `rules:` list; each rule
 * has id, title, severity, optional attack (list or comma string), gbt20986 and a
 * `match` map of conditions that must all hold.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "an_core.h"
#include "urules.h"

struct ld {
    yaml_document_t doc;
    const char *path;
    char *err;
    size_t errlen;
};

static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s:%zu: %s", l->path, n ? n->start_mark.line + 1 : 1, msg);
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(struct ld *l, int i)
{
    return yaml_document_get_node(&l->doc, i);
}

/* The values of a scalar or a sequence of scalars. */
static int values(struct ld *l, yaml_node_t *n, const char *what, char out[][UR_STR], int max,
                  int *count)
{
    *count = 0;
    if (scalar(n)) {
        if (strlen(scalar(n)) >= UR_STR)
            return fail(l, n, "%s: value longer than 63 bytes", what);
        snprintf(out[0], UR_STR, "%s", scalar(n));
        *count = 1;
        return 0;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(l, n, "%s: a value or a list of values expected", what);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *v = node(l, *it);
        if (!scalar(v) || strlen(scalar(v)) >= UR_STR || *count == max)
            return fail(l, v, "%s: list items must be values of under 64 bytes (16 at most)",
                        what);
        snprintf(out[(*count)++], UR_STR, "%s", scalar(v));
    }
    if (*count == 0)
        return fail(l, n, "%s: empty list", what);
    return 0;
}

static int parse_range(const char *s, int64_t *lo, int64_t *hi)
{
    char *end = NULL;
    errno = 0;
    long long a = strtoll(s, &end, 0), b = a;
    if (end == s || a < 0)
        return -1;
    if (*end == '-') {
        const char *p = end + 1;
        b = strtoll(p, &end, 0);
        if (end == p)
            return -1;
    }
    if (*end || errno || b < a)
        return -1;
    *lo = a;
    *hi = b;
    return 0;
}

static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {{"plc", AN_ROLE_PLC},   {"rtu", AN_ROLE_RTU},
                  {"outstation", AN_ROLE_OUTSTATION}, {"opcua_server", AN_ROLE_OPCUA_SERVER},
                  {"hmi", AN_ROLE_HMI},   {"master", AN_ROLE_MASTER},
                  {"opcua_client", AN_ROLE_OPCUA_CLIENT}, {"ews", AN_ROLE_EWS},
                  {NULL, 0}};

/* Short names for common paths. */
static const struct {
    const char *key, *path;
} aliases[] = {{"type", "type"}, {"proto", "proto"}, {"op", "op"}, {"status", "status"},
               {"sensor", "sensor"}, {"app", "flow.app"}, {"category", "flow.category"},
               {"func", "@func"}, {"unit", "@unit"}, {"func_name", "@func_name"},
               {NULL, NULL}};

static int cond(struct ld *l, struct ur_rule *r, const char *key, yaml_node_t *v)
{
    if (r->nc == UR_CONDS_MAX)
        return fail(l, v, "match: at most 16 conditions");
    struct ur_cond *c = &r->c[r->nc];
    memset(c, 0, sizeof *c);
    char what[96];
    snprintf(what, sizeof what, "match.%s", key);
    for (int i = 0; aliases[i].key; i++) {
        if (strcmp(key, aliases[i].key) == 0) {
            c->kind = UR_FIELD;
            snprintf(c->path, sizeof c->path, "%s", aliases[i].path);
            if (values(l, v, what, c->values, UR_VALUES_MAX, &c->nvalues) != 0)
                return -1;
            if (strcmp(key, "op") == 0)
                for (int k = 0; k < c->nvalues; k++)
                    if (!strstr(",read,write,control,program,diagnostic,identify,session,time,"
                                "file,report,other,",
                                c->values[k]) ||
                        strchr(c->values[k], ','))
                        return fail(l, v, "match.op: '%s' is not an op of EVENTS.md (read, "
                                          "write, control, program, ...)", c->values[k]);
            r->nc++;
            return 0;
        }
    }
    if (strcmp(key, "addr") == 0) {
        c->kind = UR_RANGE;
        if (!scalar(v) || parse_range(scalar(v), &c->lo, &c->hi) != 0)
            return fail(l, v, "match.addr: '%s' is not N or LO-HI", scalar(v) ? scalar(v) : "");
    } else if (!strcmp(key, "src") || !strcmp(key, "dst") || !strcmp(key, "asset")) {
        c->kind = UR_NET;
        c->side = key[0] == 's' ? 0 : key[0] == 'd' ? 1 : 2;
        char vals[UR_VALUES_MAX][UR_STR], joined[UR_VALUES_MAX * UR_STR + 16] = "";
        int nv;
        if (values(l, v, what, vals, UR_VALUES_MAX, &nv) != 0)
            return -1;
        size_t off = 0;
        for (int k = 0; k < nv; k++)
            off += (size_t)snprintf(joined + off, sizeof joined - off, "%s,", vals[k]);
        c->nets = calloc(1, sizeof *c->nets);
        char e2[200];
        if (!c->nets || pol_nets_parse(c->nets, joined, what, e2, sizeof e2) != 0) {
            free(c->nets);
            c->nets = NULL;
            return fail(l, v, "%s", e2);
        }
    } else if (!strcmp(key, "src_zone") || !strcmp(key, "dst_zone")) {
        c->kind = UR_ZONE;
        c->side = key[0] == 's' ? 0 : 1;
        if (values(l, v, what, c->values, UR_VALUES_MAX, &c->nvalues) != 0)
            return -1;
    } else if (!strcmp(key, "src_role") || !strcmp(key, "dst_role")) {
        c->kind = UR_ROLE;
        c->side = key[0] == 's' ? 0 : 1;
        char vals[UR_VALUES_MAX][UR_STR];
        int nv;
        if (values(l, v, what, vals, UR_VALUES_MAX, &nv) != 0)
            return -1;
        for (int k = 0; k < nv; k++) {
            unsigned bit = 0;
            for (int j = 0; role_names[j].name; j++)
                if (strcmp(vals[k], role_names[j].name) == 0)
                    bit = role_names[j].bit;
            if (!bit)
                return fail(l, v, "%s: '%s' is not plc, rtu, outstation, opcua_server, hmi, "
                                  "master, opcua_client or ews", what, vals[k]);
            c->roles |= bit;
        }
    } else if (strcmp(key, "time") == 0) {
        c->kind = UR_TIME;
        char e2[200];
        if (!scalar(v) || pol_window_parse(&c->win, scalar(v), what, e2, sizeof e2) != 0)
            return fail(l, v, "%s", scalar(v) ? e2 : "match.time: a string expected");
    } else if (strcmp(key, "field") == 0 || strcmp(key, "fields") == 0) {
        if (!v || v->type != YAML_MAPPING_NODE)
            return fail(l, v, "match.fields: a map of dotted.path: value(s) expected");
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = node(l, p->key), *val = node(l, p->value);
            if (!scalar(k) || strlen(scalar(k)) >= UR_STR || r->nc == UR_CONDS_MAX)
                return fail(l, k, "match.fields: keys are dotted paths under 64 bytes (16 "
                                  "conditions at most)");
            c = &r->c[r->nc];
            memset(c, 0, sizeof *c);
            c->kind = UR_FIELD;
            snprintf(c->path, sizeof c->path, "%s", scalar(k));
            if (values(l, val, scalar(k), c->values, UR_VALUES_MAX, &c->nvalues) != 0)
                return -1;
            r->nc++;
        }
        return 0;
    } else {
        return fail(l, v, "match: unknown condition '%s' (type, proto, op, func, unit, "
                          "func_name, status, sensor, app, category, addr, src, dst, asset, "
                          "src_zone, dst_zone, src_role, dst_role, time, fields)", key);
    }
    r->nc++;
    return 0;
}

static int rule(struct ld *l, struct ur_set *set, yaml_node_t *n)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return fail(l, n, "a rule is a map (id, title, severity, attack, match)");
    struct ur_rule *r = &set->r[set->n];
    memset(r, 0, sizeof *r);
    r->line = (int)n->start_mark.line + 1;
    r->def.severity = AN_SEV_MEDIUM;
    snprintf(r->gbt, sizeof r->gbt, "NAI-ONAI");
    yaml_node_t *match = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        const char *ks = scalar(k), *vs = scalar(v);
        if (!ks)
            return fail(l, k, "rule keys are strings");
        if (strcmp(ks, "match") == 0) {
            match = v;
            continue;
        }
        if (strcmp(ks, "attack") == 0) {
            char vals[UR_VALUES_MAX][UR_STR];
            int nv;
            if (values(l, v, "attack", vals, UR_VALUES_MAX, &nv) != 0)
                return -1;
            size_t off = 0;
            for (int i = 0; i < nv; i++) {
                const char *t = vals[i];
                if (t[0] != 'T' || strspn(t + 1, "0123456789") != 4 || t[5])
                    return fail(l, v, "attack: '%s' is not an ATT&CK for ICS id (T0800..)", t);
                if (off + 7 < sizeof r->attack)
                    off += (size_t)snprintf(r->attack + off, sizeof r->attack - off, "%s%s",
                                            i ? "," : "", t);
            }
            continue;
        }
        if (!vs)
            return fail(l, v, "%s: a string expected", ks);
        if (strcmp(ks, "id") == 0) {
            if (strncmp(vs, "user.", 5) != 0 || strlen(vs) >= sizeof r->id ||
                strspn(vs, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(vs))
                return fail(l, v, "id: '%s' must be user.NAME (lower case, digits, '._-', "
                                  "under 64 bytes)", vs);
            for (int i = 0; i < set->n; i++)
                if (strcmp(set->r[i].id, vs) == 0)
                    return fail(l, v, "id: '%s' is already used", vs);
            snprintf(r->id, sizeof r->id, "%s", vs);
        } else if (strcmp(ks, "title") == 0) {
            snprintf(r->title, sizeof r->title, "%s", vs);
        } else if (strcmp(ks, "severity") == 0) {
            int ok = 0;
            r->def.severity = an_sev_from_name(vs, &ok);
            if (!ok)
                return fail(l, v, "severity: '%s' is not info, low, medium, high or critical",
                            vs);
        } else if (strcmp(ks, "gbt20986") == 0) {
            snprintf(r->gbt, sizeof r->gbt, "%s", vs);
        } else {
            return fail(l, k, "unknown key '%s' (id, title, severity, attack, gbt20986, match)",
                        ks);
        }
    }
    if (!r->id[0] || !r->title[0] || !match)
        return fail(l, n, "a rule needs id, title and match");
    if (match->type != YAML_MAPPING_NODE || match->data.mapping.pairs.start ==
                                                match->data.mapping.pairs.top)
        return fail(l, match, "match: a non-empty map of conditions expected");
    for (yaml_node_pair_t *p = match->data.mapping.pairs.start;
         p < match->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key);
        if (!scalar(k))
            return fail(l, k, "match keys are strings");
        if (cond(l, r, scalar(k), node(l, p->value)) != 0)
            return -1;
    }
    r->def.id = r->id;
    r->def.title = r->title;
    r->def.category = "user";
    r->def.attack = r->attack;
    r->def.gbt = r->gbt;
    r->rt.def = &r->def;
    r->rt.enabled = 1;
    r->rt.severity = r->def.severity;
    set->n++;
    return 0;
}

void ur_set_free(struct ur_set *s)
{
    while (s) {
        struct ur_set *next = s->retired;
        for (int i = 0; i < s->n; i++)
            for (int k = 0; k < s->r[i].nc; k++)
                free(s->r[i].c[k].nets);
        free(s->r);
        free(s);
        s = next;
    }
}

struct ur_set *ur_load(const char *path, char *err, size_t errlen)
{
    struct ld l = {.path = path, .err = err, .errlen = errlen};
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    struct ur_set *set = calloc(1, sizeof *set);
    int ok = yaml_parser_load(&p, &l.doc);
    if (!ok) {
        snprintf(err, errlen, "%s:%zu: %s", path, p.problem_mark.line + 1,
                 p.problem ? p.problem : "YAML error");
        yaml_parser_delete(&p);
        fclose(f);
        free(set);
        return NULL;
    }
    yaml_parser_delete(&p);
    fclose(f);
    int rc = -1;
    if (!set) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(set->path, sizeof set->path, "%s", path);
    yaml_node_t *root = yaml_document_get_root_node(&l.doc);
    yaml_node_t *list = NULL;
    if (!root) { /* an empty file: no rules */
        rc = 0;
        goto out;
    }
    if (root->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
             q < root->data.mapping.pairs.top; q++) {
            const char *k = scalar(node(&l, q->key));
            if (k && strcmp(k, "rules") == 0)
                list = node(&l, q->value);
            else {
                fail(&l, node(&l, q->key), "unknown top-level key '%s' (rules)", k ? k : "?");
                goto out;
            }
        }
    if (!list || list->type != YAML_SEQUENCE_NODE) {
        fail(&l, list ? list : root, "a top-level 'rules:' list expected");
        goto out;
    }
    size_t nitems = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (nitems > UR_RULES_MAX) {
        fail(&l, list, "at most 512 rules");
        goto out;
    }
    if (nitems > 0 && !(set->r = calloc(nitems, sizeof *set->r))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        if (rule(&l, set, node(&l, *it)) != 0)
            goto out;
    }
    rc = 0;
out:
    yaml_document_delete(&l.doc);
    if (rc != 0) {
        ur_set_free(set);
        return NULL;
    }
    return set;
}
