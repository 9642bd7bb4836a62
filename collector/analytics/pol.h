/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pol.h - what the policy families (det_zone.c, det_maint.c, det_baseline.c, rules.c)
 * share: name lists matched against nDPI's `flow.app` ("MASTER.APP") and `category`,
 * address lists (CIDR), the maintenance time window, the zone of an address with its
 * level, the engine's SQLite handle for their own tables, and the reload request that
 * SIGHUP or the API sets from another thread and the engine's thread acts on.
 */
#ifndef TZ_AN_POL_H
#define TZ_AN_POL_H

#include <sqlite3.h>
#include <stdint.h>

#include "an_int.h"

#define POL_NAMES_MAX 64
#define POL_NAME_LEN 48
#define POL_NETS_MAX 64

/* A comma-separated list of names, compared without case. */
struct pol_names {
    char v[POL_NAMES_MAX][POL_NAME_LEN];
    int n;
};
int pol_names_parse(struct pol_names *l, const char *s, const char *what, char *err,
                     size_t errlen);
int pol_names_has(const struct pol_names *l, const char *name);
/* Does the list name the flow's application (either part of "MASTER.APP") or category?
 * On a match, *which (when not NULL) points at the matched name in the list. */
int pol_names_match_app(const struct pol_names *l, const char *app, const char *category,
                        const char **which);

/* A comma-separated list of addresses and CIDR prefixes (IPv4 and IPv6). */
struct pol_net {
    uint8_t addr[16];
    int bits, v6;
};
struct pol_nets {
    struct pol_net v[POL_NETS_MAX];
    int n;
};
int pol_nets_parse(struct pol_nets *l, const char *s, const char *what, char *err,
                   size_t errlen);
int pol_nets_has(const struct pol_nets *l, const char *ip);

/* "HH:MM-HH:MM" (UTC, may wrap midnight), optionally preceded by days "mon-fri " or
 * "sat,sun "; "" never matches, "always" always does. */
struct pol_window {
    int set, always;
    int from_min, to_min; /* minutes of the day */
    unsigned days;        /* bit 0 = Sunday .. bit 6 = Saturday */
};
int pol_window_parse(struct pol_window *w, const char *s, const char *what, char *err,
                     size_t errlen);
int pol_window_has(const struct pol_window *w, int64_t ts_us);

/* The zone of ip and its level; "" / AN_ZONE_NONE when no zone covers it. */
const char *pol_zone_name(const an_engine *e, const char *ip, enum an_zone_level *lvl);
/* Is ip a public address (not RFC 1918, loopback, link-local, CGNAT, multicast, ULA)? */
int pol_is_public(const char *ip);
static inline int pol_is_production(enum an_zone_level l)
{
    return l == AN_ZONE_PRODUCTION || l == AN_ZONE_MANAGEMENT;
}

/* The engine's state database (NULL in memory or before the state is open). The policy
 * families keep their own tables there, written on the engine's thread only. */
sqlite3 *pol_db(const an_engine *e);

/* The engine's options: the baseline file and the user rules file (NULL when none). */
const char *an_opts_baseline_path(const an_engine *e);
const char *an_opts_rules_path(const an_engine *e);
/* The state of a detector family in engine a (NULL when it is not running). */
void *an_det_state(an_engine *a, const struct an_detector *d);

/* Reloads (user rules, baseline file): pol_request_reload() may be called from any
 * thread or a signal handler; a family compares pol_reload_gen() with the generation it
 * last loaded, on the engine's thread. */
void pol_request_reload(void);
unsigned pol_reload_gen(void);

/* Baseline review commands queued by another thread (the HTTP API), applied by the
 * baseline family on the engine's thread at its next event. op is accept|drop|mode. */
int pol_cmd_push(const char *op, const char *arg);
int pol_cmd_pop(char *op, size_t oplen, char *arg, size_t arglen);

#endif
