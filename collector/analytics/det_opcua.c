/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_opcua.c - OPC UA session security: secure channels or sessions with security mode
 * None, sessions activated with an anonymous identity token, and bursts of failed
 * ActivateSession (password guessing). OPC UA Part 4 (services), Part 6 (channels).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

enum { R_NONE, R_ANON, R_FAIL, R_COUNT };

static const struct an_rule rules[] = {
    [R_NONE] = {.id = "opcua.security_none", .title = "OPC UA channel without security",
                .severity = AN_SEV_MEDIUM, .category = "ics_security", .attack = "T0830,T0842",
                .gbt = "SHI-OI", .aggregate_s = 86400,
                .help = "OpenSecureChannel / CreateSession / ActivateSession with security "
                        "mode None (neither signed nor encrypted)"},
    [R_ANON] = {.id = "opcua.anonymous", .title = "OPC UA anonymous session",
                .severity = AN_SEV_MEDIUM, .category = "ics_security", .attack = "T0859",
                .gbt = "SHI-OI", .aggregate_s = 86400,
                .help = "ActivateSession accepted with an anonymous identity token"},
    [R_FAIL] = {.id = "opcua.activation_failures", .title = "OPC UA session activation failures",
                .severity = AN_SEV_HIGH, .category = "ics_security", .attack = "T0859",
                .gbt = "NAI-ONAI", .threshold = 3, .window_s = 60,
                .help = "THRESHOLD ActivateSession refused between one client and one server "
                        "within WINDOW seconds"},
    {0},
};

_Static_assert(R_COUNT <= AN_FAMILY_RULES, "too many rules for struct an_family");

static int ua_init(an_engine *e, void **state, char *err, size_t errlen)
{
    return an_family_init(e, rules, R_COUNT, 1, state, err, errlen);
}

static void ua_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct an_family *o = state;
    if (ev->type != AN_T_ICS || ev->proto != AN_P_OPCUA || !ev->func_name || !ev->pobj)
        return;
    const char *svc = ev->func_name;
    int open = strcmp(svc, "OpenSecureChannel") == 0, create = strcmp(svc, "CreateSession") == 0,
        activate = strcmp(svc, "ActivateSession") == 0;
    if (!open && !create && !activate)
        return;
    char key[AN_KEY_MAX];
    snprintf(key, sizeof key, "%s>%s", ev->src.ip ? ev->src.ip : "-",
             ev->dst.ip ? ev->dst.ip : "-");
    const char *mode = an_json_str(ev->pobj, "security_mode");
    if (mode && strcmp(mode, "None") == 0 && ev->status != AN_ST_EXCEPTION)
        an_raise(e, o->r[R_NONE], ev, key, "%s with security mode None from %s to %s", svc,
                 ev->src.ip ? ev->src.ip : "?", ev->dst.ip ? ev->dst.ip : "?");
    if (!activate)
        return;
    const char *id = an_json_str(ev->pobj, "identity");
    if (id && strcmp(id, "anonymous") == 0 && ev->status == AN_ST_OK)
        an_raise(e, o->r[R_ANON], ev, key, "anonymous session on %s from %s",
                 ev->dst.ip ? ev->dst.ip : "?", ev->src.ip ? ev->src.ip : "?");
    if (ev->status == AN_ST_EXCEPTION && o->r[R_FAIL]->enabled) {
        const struct an_rule_rt *r = o->r[R_FAIL];
        struct an_counter *k = an_count(o->c, key, r->window_us, ev);
        if (k && !k->fired && (int64_t)k->count >= r->threshold) {
            k->fired = 1;
            an_raise_counter(e, r, ev, k, key, "%llu ActivateSession refused (%s) within %llds",
                             (unsigned long long)k->count,
                             an_json_str(ev->pobj, "status_name") ? an_json_str(ev->pobj, "status_name") : "?",
                             (long long)(r->window_us / AN_US));
        }
    }
}

static void ua_tick(an_engine *e, void *state, int64_t now_us)
{
    (void)e;
    struct an_family *o = state;
    an_counts_expire(o->c, now_us);
}

const struct an_detector an_det_opcua = {
    .name = "opcua",
    .rules = rules,
    .init = ua_init,
    .on_event = ua_on_event,
    .on_tick = ua_tick,
    .free = an_family_free,
};
