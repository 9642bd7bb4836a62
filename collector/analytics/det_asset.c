/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_asset.c - the asset family: every event's endpoints become assets (asset.c) with
 * the sensors that saw them and, for `ics` events, the protocol each speaks as client
 * (src, the requester) or server (dst).
 */
#include "an_core.h"

static void asset_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    (void)state;
    if (ev->type != AN_T_ICS && ev->type != AN_T_FLOW)
        return;
    struct an_asset *c = an_asset_touch(e, &ev->src, ev);
    struct an_asset *s = an_asset_touch(e, &ev->dst, ev);
    if (ev->type != AN_T_ICS || ev->proto == AN_P_NONE || ev->proto == AN_P_OTHER)
        return;
    /* a response the sensor saw without its request still has the requester as src */
    if (c)
        an_asset_add_proto(e, c, ev->proto, 0, ev);
    if (s)
        an_asset_add_proto(e, s, ev->proto, 1, ev);
}

const struct an_detector an_det_asset = {
    .name = "asset",
    .on_event = asset_on_event,
};
