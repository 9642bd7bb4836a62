/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_errors.c - error bursts between two hosts, counted over a window of event time:
 * exception / error responses (a fuzzer, or a misconfigured master: learnable), and
 * malformed PDUs (`ics` events with status malformed and `anomaly` events other than the
 * TCP ones: tcp_gap, tcp_data_after_close).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

enum { R_EXC, R_MALFORMED, R_COUNT };

static const struct an_rule rules[] = {
    [R_EXC] = {.id = "ics.exception_burst", .title = "Repeated exception responses",
               .severity = AN_SEV_MEDIUM, .category = "ics_error", .attack = "T0814",
               .gbt = "NAI-DOSAI", .threshold = 20, .window_s = 60, .learn = 1,
               .help = "THRESHOLD exception or error responses between one client and one "
                       "server within WINDOW seconds (pairs that do so while learning are "
                       "learned)"},
    [R_MALFORMED] = {.id = "ics.malformed_burst", .title = "Burst of malformed PDUs",
                     .severity = AN_SEV_MEDIUM, .category = "ics_error", .attack = "T0814",
                     .gbt = "NAI-DOSAI", .threshold = 10, .window_s = 60,
                     .help = "THRESHOLD malformed PDUs or protocol anomalies between two hosts "
                             "within WINDOW seconds"},
    {0},
};

_Static_assert(R_COUNT <= AN_FAMILY_RULES, "too many rules for struct an_family");

static int errs_init(an_engine *e, void **state, char *err, size_t errlen)
{
    return an_family_init(e, rules, R_COUNT, 1, state, err, errlen);
}

static void bump(an_engine *e, struct an_family *o, int rule, const struct an_ev *ev,
                 const char *key, const char *what)
{
    const struct an_rule_rt *r = o->r[rule];
    if (!r->enabled)
        return;
    char ckey[AN_KEY_MAX];
    an_join3(ckey, sizeof ckey, rule == R_EXC ? "e|" : "m|", key, "");
    struct an_counter *k = an_count(o->c, ckey, r->window_us, ev);
    if (!k || k->fired || (int64_t)k->count < r->threshold)
        return;
    k->fired = 1;
    an_raise_counter(e, r, ev, k, key, "%llu %s within %llds", (unsigned long long)k->count,
                     what, (long long)(r->window_us / AN_US));
}

static void errs_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct an_family *o = state;
    if (!ev->src.ip || !ev->dst.ip)
        return;
    char key[AN_KEY_MAX];
    if (ev->type == AN_T_ICS && ev->status == AN_ST_EXCEPTION) {
        snprintf(key, sizeof key, "%s>%s", ev->src.ip, ev->dst.ip);
        bump(e, o, R_EXC, ev, key, "exception responses");
    }
    /* TCP gaps and data after close are capture or transport matters, not malformed PDUs */
    const char *kind = ev->anomaly ? an_json_str(ev->anomaly, "kind") : NULL;
    int pdu_anomaly = ev->type == AN_T_ANOMALY && !(kind && strncmp(kind, "tcp_", 4) == 0);
    if ((ev->type == AN_T_ICS && ev->status == AN_ST_MALFORMED) || pdu_anomaly) {
        /* either direction counts for the pair: name it in a fixed order */
        int lt = strcmp(ev->src.ip, ev->dst.ip) <= 0;
        snprintf(key, sizeof key, "%s<>%s", lt ? ev->src.ip : ev->dst.ip,
                 lt ? ev->dst.ip : ev->src.ip);
        bump(e, o, R_MALFORMED, ev, key, "malformed PDUs or anomalies");
    }
}

static void errs_tick(an_engine *e, void *state, int64_t now_us)
{
    (void)e;
    struct an_family *o = state;
    an_counts_expire(o->c, now_us);
}

const struct an_detector an_det_errors = {
    .name = "errors",
    .rules = rules,
    .init = errs_init,
    .on_event = errs_on_event,
    .on_tick = errs_tick,
    .free = an_family_free,
};
