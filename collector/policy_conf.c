/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_conf.c - hands the collector config's policy.* keys (zone pairs, general
 * services, maintenance tools, jump hosts and window, baseline mode) to the analytics
 * engine's policy: one call wherever an analytics_opts is built (analyze, receiver).
 */
#include <stdio.h>
#include <string.h>

#include "analytics.h"
#include "collector_config.h"
#include "pol.h"

void collector_policy_fill(const struct collector_config *c, struct analytics_policy *p)
{
    p->zone_pairs = c->pol_zone_pairs;
    p->zone_default = c->pol_zone_default;
    p->general_services = c->pol_general;
    p->maint_tools = c->pol_maint_tools;
    p->maint_jump_hosts = c->pol_maint_jump;
    p->maint_window = c->pol_maint_window;
    p->baseline_mode = c->pol_bl_mode;
    p->baseline_learn_s = c->pol_bl_learn_s;
    p->baseline_poll_factor = c->pol_bl_factor;
}

int collector_policy_check(const struct collector_config *c, char *err, size_t errlen)
{
    struct pol_nets nets;
    struct pol_window w;
    struct pol_names names;
    if (strcmp(c->pol_zone_default, "allow") != 0 && strcmp(c->pol_zone_default, "deny") != 0) {
        snprintf(err, errlen, "policy.zone_default: '%s' must be allow or deny",
                 c->pol_zone_default);
        return -1;
    }
    if (strcmp(c->pol_bl_mode, "learn") != 0 && strcmp(c->pol_bl_mode, "enforce") != 0 &&
        strcmp(c->pol_bl_mode, "off") != 0) {
        snprintf(err, errlen, "policy.baseline_mode: '%s' must be learn, enforce or off",
                 c->pol_bl_mode);
        return -1;
    }
    if (pol_nets_parse(&nets, c->pol_maint_jump, "policy.maint_jump_hosts", err, errlen) != 0 ||
        pol_window_parse(&w, c->pol_maint_window, "policy.maint_window", err, errlen) != 0 ||
        pol_names_parse(&names, c->pol_general, "policy.general_services", err, errlen) != 0 ||
        pol_names_parse(&names, c->pol_maint_tools, "policy.maint_tools", err, errlen) != 0)
        return -1;
    return 0;
}
