/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_recon.c - reconnaissance: device identification reads (Modbus FC 43/14 and FC 17,
 * S7 SZL module/component identification, DNP3 group 0 device attributes), and scans
 * counted over a window of event time: function codes refused by one server, unit ids
 * (Modbus unit, DNP3 address, IEC 104 common address) that fail, Modbus addresses refused
 * with "illegal data address", and one client reaching many servers with an ICS protocol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

enum { R_DEVID, R_FSCAN, R_USCAN, R_ASCAN, R_HSCAN, R_COUNT };

static const struct an_rule rules[] = {
    [R_DEVID] = {.id = "recon.device_id", .title = "Device identification read",
                 .severity = AN_SEV_LOW, .category = "recon", .attack = "T0888",
                 .gbt = "NAI-NSEI", .learn = 1,
                 .help = "Modbus read device identification / report server id, S7 SZL "
                         "identification, DNP3 device attributes, from a pair not seen "
                         "while learning"},
    [R_FSCAN] = {.id = "recon.function_scan", .title = "Function code scan",
                 .severity = AN_SEV_MEDIUM, .category = "recon", .attack = "T0846,T0888",
                 .gbt = "NAI-NSEI", .threshold = 5, .window_s = 60,
                 .help = "THRESHOLD distinct function codes refused or unanswered between one "
                         "client and one server within WINDOW seconds"},
    [R_USCAN] = {.id = "recon.unit_scan", .title = "Unit id / station address scan",
                 .severity = AN_SEV_MEDIUM, .category = "recon", .attack = "T0846",
                 .gbt = "NAI-NSEI", .threshold = 5, .window_s = 60,
                 .help = "THRESHOLD distinct unit ids, DNP3 addresses or IEC 104 common "
                         "addresses refused or unanswered within WINDOW seconds"},
    [R_ASCAN] = {.id = "recon.address_scan", .title = "Register address scan",
                 .severity = AN_SEV_MEDIUM, .category = "recon", .attack = "T0861",
                 .gbt = "NAI-NSEI", .threshold = 5, .window_s = 60,
                 .help = "THRESHOLD distinct Modbus addresses answered illegal data address "
                         "within WINDOW seconds"},
    [R_HSCAN] = {.id = "recon.host_scan", .title = "ICS host scan",
                 .severity = AN_SEV_MEDIUM, .category = "recon", .attack = "T0846",
                 .gbt = "NAI-NSEI", .threshold = 10, .window_s = 60, .learn = 1,
                 .help = "one client speaks an ICS protocol to THRESHOLD servers within WINDOW "
                         "seconds (masters that do so while learning are learned)"},
    {0},
};

_Static_assert(R_COUNT <= AN_FAMILY_RULES, "too many rules for struct an_family");

static int recon_init(an_engine *e, void **state, char *err, size_t errlen)
{
    return an_family_init(e, rules, R_COUNT, 1, state, err, errlen);
}

static const char *devid_what(const struct an_ev *ev)
{
    switch (ev->proto) {
    case AN_P_MODBUS:
        return ev->func == 17 ? "Modbus report server id" : "Modbus read device identification";
    case AN_P_S7COMM:
        return "S7 SZL identification read";
    case AN_P_DNP3:
        return "DNP3 device attributes read (group 0)";
    default:
        return "identification read";
    }
}

/* A code for "which function" per protocol: S7 userdata functions by group and sub. */
static int64_t func_code(const struct an_ev *ev)
{
    if (ev->func >= 0)
        return ev->func;
    const json_t *ud = json_object_get(ev->pobj, "userdata");
    if (ud)
        return 0x10000 + an_json_int(ud, "group", 0) * 256 + an_json_int(ud, "sub", 0);
    return -1;
}

/* Counts toward threshold; raises once per window when it is reached. */
static void bump(an_engine *e, struct an_family *o, int rule, const struct an_ev *ev,
                 const char *key, int64_t value, const char *what)
{
    const struct an_rule_rt *r = o->r[rule];
    if (!r->enabled)
        return;
    static const char *const tag[R_COUNT] = {"0|", "1|", "2|", "3|", "4|"};
    char ckey[AN_KEY_MAX];
    an_join3(ckey, sizeof ckey, tag[rule], key, "");
    struct an_counter *k = an_count(o->c, ckey, r->window_us, ev);
    if (!k)
        return;
    int n = an_count_distinct(k, value);
    if (k->fired || n < r->threshold)
        return;
    k->fired = 1;
    an_raise_counter(e, r, ev, k, key, "%d distinct %s within %llds", n, what,
                     (long long)(r->window_us / AN_US));
}

static uint64_t ip_value(const char *ip)
{
    uint64_t h = 14695981039346656037ULL;
    for (; ip && *ip; ip++)
        h = (h ^ (uint8_t)*ip) * 1099511628211ULL;
    return h >> 1;
}

static void recon_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct an_family *o = state;
    if (ev->type != AN_T_ICS || !ev->src.ip || !ev->dst.ip ||
        ev->status == AN_ST_RESPONSE_ONLY)
        return;
    char pair[AN_KEY_MAX];
    an_join3(pair, sizeof pair, ev->src.ip, ">", ev->dst.ip);
    if (ev->op == AN_OP_IDENTIFY && ev->proto != AN_P_OPCUA)
        an_raise(e, o->r[R_DEVID], ev, pair, "%s of %s by %s", devid_what(ev), ev->dst.ip,
                 ev->src.ip);
    int failed = ev->status == AN_ST_EXCEPTION || ev->status == AN_ST_NO_RESPONSE;
    if (failed) {
        int64_t f = func_code(ev);
        if (f >= 0)
            bump(e, o, R_FSCAN, ev, pair, f, "function codes refused or unanswered");
        if (ev->unit >= 0 && ev->proto != AN_P_S7COMM)
            bump(e, o, R_USCAN, ev, pair, ev->unit, "unit ids / station addresses failing");
    }
    if (ev->proto == AN_P_MODBUS && ev->status == AN_ST_EXCEPTION &&
        an_json_int(ev->pobj, "exception", -1) == 2) {
        int64_t addr = an_json_int(ev->pobj, "addr", -1);
        if (addr >= 0)
            bump(e, o, R_ASCAN, ev, pair, addr, "register addresses refused");
    }
    if (ev->proto != AN_P_OTHER && ev->proto != AN_P_NONE) {
        char key[AN_KEY_MAX];
        an_join3(key, sizeof key, ev->src.ip, " ", ev->proto_name);
        bump(e, o, R_HSCAN, ev, key, (int64_t)ip_value(ev->dst.ip), "servers reached");
    }
}

static void recon_tick(an_engine *e, void *state, int64_t now_us)
{
    (void)e;
    struct an_family *o = state;
    an_counts_expire(o->c, now_us);
}

const struct an_detector an_det_recon = {
    .name = "recon",
    .rules = rules,
    .init = recon_init,
    .on_event = recon_on_event,
    .on_tick = recon_tick,
    .free = an_family_free,
};
