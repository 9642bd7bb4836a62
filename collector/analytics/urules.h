/* SPDX-License-Identifier: Apache-2.0 */
/*
 * urules.h - user rules (YAML, rules_load.c) as the matcher (rules.c) sees them: a rule
 * is a list of conditions that must all hold, each on one field of the event (a dotted
 * path into the event, or a derived field: zone, role, address range, time of day).
 */
#ifndef TZ_AN_URULES_H
#define TZ_AN_URULES_H

#include "an_int.h"
#include "pol.h"

#define UR_RULES_MAX 512
#define UR_CONDS_MAX 16
#define UR_VALUES_MAX 16
#define UR_STR 64

enum ur_kind {
    UR_FIELD,    /* path equals one of values (string or number compared as text) */
    UR_RANGE,    /* the event's address range (modbus addr..+qty, iec104 ioa, dnp3 index)
                  * overlaps lo..hi */
    UR_NET,      /* src or dst ip in nets (side 0 src, 1 dst, 2 either) */
    UR_ZONE,     /* zone name or level of a side is one of values */
    UR_ROLE,     /* the asset of a side has one of the roles (bits) */
    UR_TIME,     /* event time within the window */
};

struct ur_cond {
    enum ur_kind kind;
    char path[UR_STR];     /* UR_FIELD */
    char values[UR_VALUES_MAX][UR_STR];
    int nvalues;
    int64_t lo, hi;        /* UR_RANGE */
    struct pol_nets *nets; /* UR_NET (owned) */
    int side;
    unsigned roles;        /* UR_ROLE */
    struct pol_window win; /* UR_TIME */
};

struct ur_rule {
    struct an_rule def;    /* id, title, category "user", attack, gbt; strings owned below */
    char id[UR_STR], title[160], attack[UR_STR], gbt[24];
    struct an_rule_rt rt;
    struct ur_cond c[UR_CONDS_MAX];
    int nc;
    int line;              /* where it starts in its file */
};

struct ur_set {
    struct ur_rule *r;
    int n;
    char path[1024];
    struct ur_set *retired; /* earlier sets: alerts in flight may still point at them */
};

/* Loads and validates path. Returns a set (caller frees with ur_set_free) or NULL with
 * "FILE:LINE: what" in err. */
struct ur_set *ur_load(const char *path, char *err, size_t errlen);
void ur_set_free(struct ur_set *s);

#endif
