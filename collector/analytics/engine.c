/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.c - the analytics engine's frame (analytics.h): open and close, the rule table
 * tuned by policy.rules, the detector table (detectors.c) driven per event and per second
 * of event time, and the produced events' envelope and serialization. Detection itself
 * lives in the det_*.c families; alerts in alert.c, assets in asset.c.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

int64_t an_now(const an_engine *e)
{
    return e->now_us;
}

int an_learning(const an_engine *e)
{
    return e->first_us == 0 || e->now_us - e->first_us < e->o.policy.learning_s * AN_US;
}

const struct analytics_policy *an_policy(const an_engine *e)
{
    return &e->o.policy;
}

const char *an_sev_name(enum an_sev s)
{
    static const char *const n[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)s <= AN_SEV_CRITICAL ? n[s] : "info";
}

enum an_sev an_sev_from_name(const char *s, int *ok)
{
    for (int i = AN_SEV_INFO; i <= AN_SEV_CRITICAL; i++) {
        if (strcmp(s, an_sev_name((enum an_sev)i)) == 0) {
            *ok = 1;
            return (enum an_sev)i;
        }
    }
    *ok = 0;
    return AN_SEV_INFO;
}

const struct an_rule_rt *an_rule_get(const an_engine *e, const char *id)
{
    for (size_t i = 0; i < e->nrules; i++)
        if (strcmp(e->rules[i].def->id, id) == 0)
            return &e->rules[i];
    return NULL;
}

void an_make_id(char out[33], const char *const *parts, size_t n)
{
    crypto_generichash_state st;
    uint8_t h[16];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[i] ? parts[i] : "";
        crypto_generichash_update(&st, (const unsigned char *)p, strlen(p) + 1);
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 33, h, sizeof h);
}

/* One SETTING word of policy.rules applied to r. */
static int rule_setting(struct an_rule_rt *r, const char *w, char *err, size_t errlen)
{
    int ok = 0;
    if (strcmp(w, "off") == 0) {
        r->enabled = 0;
        return 0;
    }
    if (strcmp(w, "on") == 0) {
        r->enabled = 1;
        return 0;
    }
    enum an_sev s = an_sev_from_name(w, &ok);
    if (ok) {
        r->severity = s;
        return 0;
    }
    char *end = NULL;
    if (strncmp(w, "threshold:", 10) == 0) {
        long long v = strtoll(w + 10, &end, 10);
        if (end != w + 10 && *end == '\0' && v >= 1 && v <= 1000000) {
            r->threshold = v;
            return 0;
        }
    } else if (strncmp(w, "window:", 7) == 0) {
        long long v = strtoll(w + 7, &end, 10);
        if (end != w + 7 && *end == '\0' && v >= 1 && v <= 86400 * 30) {
            r->window_us = v * AN_US;
            return 0;
        }
    }
    snprintf(err, errlen,
             "analytics.rules: %s: '%s' is not off, on, a severity (info, low, medium, high, "
             "critical), threshold:N (1..1000000) or window:SECONDS",
             r->def->id, w);
    return -1;
}

/* policy.rules: "RULE=SETTING[,SETTING]\n" lines; RULE may end in ".*" (a family). */
static int rules_tune(an_engine *e, const char *spec, char *err, size_t errlen)
{
    const char *p = spec;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        if (n >= sizeof line) {
            snprintf(err, errlen, "analytics.rules: a line is longer than %zu bytes",
                     sizeof line - 1);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : NULL;
        if (n == 0)
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(err, errlen, "analytics.rules: '%s' is not RULE: SETTING", line);
            return -1;
        }
        *eq = '\0';
        const char *id = line;
        size_t idn = strlen(id);
        int family = idn >= 2 && strcmp(id + idn - 2, ".*") == 0;
        int matched = 0;
        for (size_t i = 0; i < e->nrules; i++) {
            const char *rid = e->rules[i].def->id;
            if (family ? strncmp(rid, id, idn - 1) != 0 : strcmp(rid, id) != 0)
                continue;
            matched = 1;
            char words[256];
            snprintf(words, sizeof words, "%s", eq + 1);
            char *w = words;
            while (*w) {
                size_t wn = strcspn(w, ", ");
                char *next = w + wn + (w[wn] != '\0');
                w[wn] = '\0';
                if (wn > 0 && rule_setting(&e->rules[i], w, err, errlen) != 0)
                    return -1;
                w = next;
            }
        }
        if (!matched) {
            snprintf(err, errlen,
                     "analytics.rules: no rule '%s' (tanzhen-collector analyze --list-rules "
                     "lists them)",
                     id);
            return -1;
        }
    }
    return 0;
}

static int rules_build(an_engine *e, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t d = 0; an_detectors[d]; d++)
        for (const struct an_rule *r = an_detectors[d]->rules; r && r->id; r++)
            n++;
    e->rules = calloc(n ? n : 1, sizeof *e->rules);
    if (!e->rules) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t d = 0; an_detectors[d]; d++) {
        for (const struct an_rule *r = an_detectors[d]->rules; r && r->id; r++) {
            if (an_rule_get(e, r->id)) {
                snprintf(err, errlen, "analytics: rule %s is declared twice", r->id);
                return -1;
            }
            struct an_rule_rt *rt = &e->rules[e->nrules++];
            rt->def = r;
            rt->enabled = 1;
            rt->severity = r->severity;
            rt->threshold = r->threshold;
            rt->window_us = r->window_s * AN_US;
        }
    }
    return rules_tune(e, e->policy_rules, err, errlen);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int analytics_open(struct analytics **out, const struct analytics_opts *o, char *err,
                   size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    an_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    e->o = *o;
    snprintf(e->producer, sizeof e->producer, "%s",
             o->producer_id && o->producer_id[0] ? o->producer_id : "analytics");
    e->policy_rules = dup_or_empty(o->policy.rules);
    e->policy_zones = dup_or_empty(o->policy.zones);
    e->o.policy.rules = e->policy_rules;
    e->o.policy.zones = e->policy_zones;
    if (e->o.policy.aggregate_s <= 0)
        e->o.policy.aggregate_s = 1;
    e->line = malloc(AN_LINE_MAX);
    if (!e->policy_rules || !e->policy_zones || !e->line) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (rules_build(e, err, errlen) != 0 || an_zones_open(e, e->policy_zones, err, errlen) ||
        an_oui_open(e, o->oui_path, err, errlen) != 0 || an_aggs_open(e, err, errlen) != 0 ||
        an_assets_open(e, err, errlen) != 0)
        goto fail;
    size_t nd = 0;
    while (an_detectors[nd])
        nd++;
    e->det = calloc(nd ? nd : 1, sizeof *e->det);
    if (!e->det) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nd; i++) {
        e->det[i].d = an_detectors[i];
        e->ndet = i + 1;
        if (e->det[i].d->init && e->det[i].d->init(e, &e->det[i].state, err, errlen) != 0)
            goto fail;
    }
    if (o->state_path && o->state_path[0] && an_state_open(e, o->state_path, err, errlen) != 0)
        goto fail;
    *out = e;
    return 0;
fail:
    e->o.state_path = NULL; /* nothing to save */
    analytics_close(e);
    return -1;
}

static void tick_to(an_engine *e, int64_t now)
{
    while (e->next_tick_us <= now) {
        int64_t t = e->next_tick_us;
        for (size_t i = 0; i < e->ndet; i++)
            if (e->det[i].d->on_tick)
                e->det[i].d->on_tick(e, e->det[i].state, t);
        an_aggs_tick(e, t);
        e->next_tick_us += AN_TICK_US;
        if (now - e->next_tick_us > 3600 * AN_US) /* a jump in time: skip the quiet hours */
            e->next_tick_us = now - now % AN_TICK_US;
    }
}

int analytics_feed(struct analytics *e, const json_t *root)
{
    struct an_ev v;
    e->st.events++;
    if (an_ev_parse(&v, root) != 0) {
        e->st.skipped++;
        return -1;
    }
    if (v.type != AN_T_ICS && v.type != AN_T_FLOW && v.type != AN_T_ANOMALY)
        return 0; /* our own output, and health (whose ts is a wall clock): not traffic */
    if (e->first_us == 0) {
        e->first_us = v.ts_us;
        e->now_us = v.ts_us;
        e->next_tick_us = v.ts_us - v.ts_us % AN_TICK_US + AN_TICK_US;
    }
    if (v.ts_us > e->now_us) {
        tick_to(e, v.ts_us);
        e->now_us = v.ts_us;
    }
    for (size_t i = 0; i < e->ndet; i++)
        if (e->det[i].d->on_event)
            e->det[i].d->on_event(e, e->det[i].state, &v);
    an_assets_publish(e);
    return 0;
}

int analytics_feed_line(struct analytics *e, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        e->st.events++;
        e->st.skipped++;
        return -1;
    }
    int rc = analytics_feed(e, root);
    json_decref(root);
    return rc;
}

void analytics_finish(struct analytics *e)
{
    if (e->first_us != 0) {
        for (size_t i = 0; i < e->ndet; i++)
            if (e->det[i].d->on_tick)
                e->det[i].d->on_tick(e, e->det[i].state, e->now_us);
    }
    an_assets_publish(e);
    an_aggs_flush(e);
}

int analytics_checkpoint(struct analytics *e, char *err, size_t errlen)
{
    return e->db ? an_state_save(e, err, errlen) : 0;
}

int64_t analytics_position(const struct analytics *e)
{
    return e->position;
}

void analytics_set_position(struct analytics *e, int64_t pos)
{
    e->position = pos;
}

void analytics_set_mute(struct analytics *e, int mute)
{
    e->mute = mute;
}

void analytics_get_stats(const struct analytics *e, struct analytics_stats *st)
{
    *st = e->st;
    st->assets_known = an_assets_count(e);
}

void analytics_close(struct analytics *e)
{
    if (!e)
        return;
    if (e->db) {
        char err[256];
        if (an_state_save(e, err, sizeof err) != 0)
            fprintf(stderr, "analytics: state not saved: %s\n", err);
    }
    an_state_close(e);
    for (size_t i = 0; i < e->ndet; i++)
        if (e->det[i].d->free)
            e->det[i].d->free(e->det[i].state);
    free(e->det);
    an_assets_free(e);
    an_aggs_free(e);
    an_oui_free(e);
    an_zones_free(e);
    free(e->rules);
    free(e->policy_rules);
    free(e->policy_zones);
    free(e->line);
    free(e);
}

int analytics_check_policy(const struct analytics_policy *p, char *err, size_t errlen)
{
    struct analytics *a = NULL;
    struct analytics_opts o = {.policy = *p, .oui_path = "/nonexistent/no-oui"};
    if (analytics_open(&a, &o, err, errlen) != 0)
        return -1;
    analytics_close(a);
    return 0;
}

json_t *analytics_rules_json(const struct analytics *e)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < e->nrules; i++) {
        const struct an_rule_rt *r = &e->rules[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", r->def->id,
                              "title", r->def->title, "severity", an_sev_name(r->severity),
                              "category", r->def->category ? r->def->category : "",
                              "attack", r->def->attack ? r->def->attack : "", "gbt20986",
                              r->def->gbt ? r->def->gbt : "", "enabled", r->enabled);
        if (!o)
            continue;
        if (r->threshold > 0) {
            json_object_set_new(o, "threshold", json_integer(r->threshold));
            json_object_set_new(o, "window_s", json_integer(r->window_us / AN_US));
        }
        if (r->def->help)
            json_object_set_new(o, "help", json_string(r->def->help));
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *an_out_begin(an_engine *e, const char *type, const char *id, int64_t ts_us,
                     const struct an_ev *ev)
{
    char ts[32];
    an_time_fmt(ts_us, ts);
    uint64_t seq = e->mute ? 0 : e->o.next_seq ? e->o.next_seq(e->o.ctx) : ++e->seq;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "v", json_integer(1));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "sensor", json_string(e->producer));
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    if (ev) {
        json_t *s = json_object_get(ev->root, "src"), *d = json_object_get(ev->root, "dst");
        if (json_is_object(s))
            json_object_set(o, "src", s);
        if (json_is_object(d))
            json_object_set(o, "dst", d);
        if (ev->proto_name)
            json_object_set_new(o, "proto", json_string(ev->proto_name));
    }
    return o;
}

void an_out_emit(an_engine *e, enum analytics_out_type type, json_t *obj)
{
    if (!obj) {
        e->st.emit_failed++;
        return;
    }
    if (e->mute) {
        json_decref(obj);
        return;
    }
    size_t n = json_dumpb(obj, e->line, AN_LINE_MAX, JSON_COMPACT);
    json_decref(obj);
    if (n == 0 || n >= AN_LINE_MAX) {
        e->st.emit_failed++;
        return;
    }
    if (type == ANALYTICS_OUT_ALERT)
        e->st.alerts++;
    else
        e->st.assets++;
    if (e->o.emit && e->o.emit(e->o.ctx, type, e->line, n) != 0)
        e->st.emit_failed++;
}
