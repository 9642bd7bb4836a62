/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_conf.c - hands the collector config's policy.* keys (zone pairs, general
 * services, maintenance tools, jump hosts and window, baseline mode) to the analytics
 * engine's policy: one call wherever an analytics_opts is built (analyze, receiver).
 */
#include "analytics.h"
#include "collector_config.h"

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
