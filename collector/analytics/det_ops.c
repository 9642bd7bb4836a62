/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_ops.c - ICS operation alerts: operations that change what a controller runs or
 * whether it runs (stop, start, mode change), across protocols.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

static const struct an_rule rules[] = {
    {.id = "ics.plc_stop", .title = "PLC stop command", .severity = AN_SEV_HIGH,
     .category = "ics_operation", .attack = "T0816,T0858", .gbt = "NAI-99",
     .help = "a controller was told to stop (S7 PLC STOP)"},
    {0},
};

struct ops {
    const struct an_rule_rt *plc_stop;
};

static int ops_init(an_engine *e, void **state, char *err, size_t errlen)
{
    struct ops *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    o->plc_stop = an_rule_get(e, "ics.plc_stop");
    *state = o;
    return 0;
}

static void ops_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct ops *o = state;
    if (ev->type != AN_T_ICS)
        return;
    if (ev->proto == AN_P_S7COMM && ev->func == 0x29)
        an_raise(e, o->plc_stop, ev, NULL, "S7 PLC STOP to %s", ev->dst.ip ? ev->dst.ip : "?");
}

const struct an_detector an_det_ops = {
    .name = "ops",
    .rules = rules,
    .init = ops_init,
    .on_event = ops_on_event,
    .free = free,
};
