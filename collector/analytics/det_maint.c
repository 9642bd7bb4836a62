/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_maint.c - remote maintenance: RDP, VNC, TeamViewer, AnyDesk, SSH, Telnet, rlogin
 * and the like (nDPI's `flow.app`/`category`, policy.maint_tools, or the tool's well-known
 * port when nDPI said Unknown) into a production or management zone become maintenance
 * session records: from where, to which asset, start, end, duration, bytes each way,
 * tool. They are kept in the engine's state (table maint_sessions of analytics.db, read
 * by the HTTP API) and alerted unless they come from a policy.maint_jump_hosts address
 * within policy.maint_window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"
#include "pol.h"

#define RECENT_MAX 256

enum { R_UNAUTH, R_N };

static const struct an_rule rules[] = {
    [R_UNAUTH] = {.id = "maint.unauthorized",
                  .title = "Remote maintenance session outside policy",
                  .severity = AN_SEV_HIGH, .category = "remote_access",
                  .attack = "T0822,T0886", .gbt = "NAI-ONAI",
                  .help = "a remote access tool into a production zone, not from a jump host "
                          "or outside the maintenance window"},
    {0},
};

static const char default_tools[] =
    "RDP,VNC,TeamViewer,AnyDesk,SSH,Telnet,Rlogin,Rsh,RustDesk,Radmin,Citrix,Splashtop,"
    "RemoteAccess";

static const struct {
    int port;
    const char *tool;
} tool_ports[] = {{3389, "RDP"},        {5900, "VNC"},  {5901, "VNC"},    {5938, "TeamViewer"},
                  {7070, "AnyDesk"},    {22, "SSH"},    {23, "Telnet"},   {513, "Rlogin"},
                  {514, "Rsh"},         {0, NULL}};

struct maint_session {
    char id[33];
    char src[AN_IP_MAX], dst[AN_IP_MAX], asset[33], tool[32], sensor[65];
    char zone[32];
    int64_t start_us, end_us;
    int64_t bytes_to, bytes_from;
    int allowed;
    char reason[64];
};

struct maint_state {
    const struct an_rule_rt *r[R_N];
    struct pol_names tools;
    struct pol_nets jump;
    struct pol_window window;
    struct maint_session recent[RECENT_MAX]; /* ring, newest at (n - 1) % RECENT_MAX */
    uint64_t n;
    int table_ok;
};

static int maint_init(an_engine *e, void **state, char *err, size_t errlen)
{
    struct maint_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *state = s;
    s->r[R_UNAUTH] = an_rule_get(e, rules[R_UNAUTH].id);
    const struct analytics_policy *p = an_policy(e);
    if (pol_names_parse(&s->tools, p->maint_tools && *p->maint_tools ? p->maint_tools
                                                                      : default_tools,
                        "policy.maint_tools", err, errlen) != 0 ||
        pol_nets_parse(&s->jump, p->maint_jump_hosts, "policy.maint_jump_hosts", err,
                       errlen) != 0 ||
        pol_window_parse(&s->window, p->maint_window, "policy.maint_window", err, errlen) != 0)
        return -1;
    return 0;
}

static int64_t flow_time(const struct an_ev *ev, const char *k, int64_t dflt)
{
    const char *t = an_json_str(ev->flow, k);
    int64_t us;
    return t && an_time_parse(t, &us) == 0 ? us : dflt;
}

static void session_save(an_engine *e, struct maint_state *s, const struct maint_session *m)
{
    sqlite3 *db = pol_db(e);
    if (!db)
        return;
    if (!s->table_ok) {
        if (sqlite3_exec(db,
                         "CREATE TABLE IF NOT EXISTS maint_sessions(id TEXT PRIMARY KEY,"
                         " src TEXT, dst TEXT, asset TEXT, zone TEXT, tool TEXT, sensor TEXT,"
                         " start_us INTEGER, end_us INTEGER, bytes_to INTEGER,"
                         " bytes_from INTEGER, allowed INTEGER, reason TEXT)",
                         NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "analytics: maint_sessions: %s\n", sqlite3_errmsg(db));
            return;
        }
        s->table_ok = 1;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO maint_sessions VALUES(?,?,?,?,?,?,?,?,?,"
                               "?,?,?,?)", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "analytics: maint_sessions: %s\n", sqlite3_errmsg(db));
        return;
    }
    const char *txt[] = {m->id, m->src, m->dst, m->asset, m->zone, m->tool, m->sensor};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_text(st, i + 1, txt[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, m->start_us);
    sqlite3_bind_int64(st, 9, m->end_us);
    sqlite3_bind_int64(st, 10, m->bytes_to);
    sqlite3_bind_int64(st, 11, m->bytes_from);
    sqlite3_bind_int(st, 12, m->allowed);
    sqlite3_bind_text(st, 13, m->reason, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        fprintf(stderr, "analytics: maint_sessions: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

static struct maint_session *session_find(struct maint_state *s, const char *id)
{
    uint64_t lo = s->n > RECENT_MAX ? s->n - RECENT_MAX : 0;
    for (uint64_t i = s->n; i > lo; i--) {
        struct maint_session *m = &s->recent[(i - 1) % RECENT_MAX];
        if (strcmp(m->id, id) == 0)
            return m;
    }
    return NULL;
}

static const char *tool_of(const struct maint_state *s, const struct an_ev *ev)
{
    const char *app = an_json_str(ev->flow, "app");
    const char *cat = an_json_str(ev->flow, "category");
    const char *which = NULL;
    if (pol_names_match_app(&s->tools, app, cat, &which))
        return which;
    if (app && strcmp(app, "Unknown") != 0)
        return NULL;
    for (int i = 0; tool_ports[i].tool; i++)
        if (ev->dst.port == tool_ports[i].port && pol_names_has(&s->tools, tool_ports[i].tool))
            return tool_ports[i].tool;
    return NULL;
}

static void maint_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct maint_state *s = state;
    if (ev->type != AN_T_FLOW || !ev->flow || !ev->src.ip || !ev->dst.ip)
        return;
    enum an_zone_level ld, ls;
    const char *zd = pol_zone_name(e, ev->dst.ip, &ld);
    pol_zone_name(e, ev->src.ip, &ls);
    if (!pol_is_production(ld))
        return;
    const char *tool = tool_of(s, ev);
    if (!tool)
        return;
    int64_t start = flow_time(ev, "start", ev->ts_us);
    char sport[16], dport[16], st[24];
    snprintf(sport, sizeof sport, "%d", ev->src.port);
    snprintf(dport, sizeof dport, "%d", ev->dst.port);
    snprintf(st, sizeof st, "%lld", (long long)start);
    const char *cid = an_json_str(ev->root, "community_id");
    const char *parts[] = {"maint", ev->sensor, cid ? cid : "", ev->src.ip, sport, ev->dst.ip,
                           dport, st};
    char id[33];
    an_make_id(id, parts, sizeof parts / sizeof parts[0]);
    struct maint_session *m = session_find(s, id);
    int fresh = m == NULL;
    if (fresh) {
        m = &s->recent[s->n++ % RECENT_MAX];
        memset(m, 0, sizeof *m);
        memcpy(m->id, id, sizeof m->id);
        snprintf(m->src, sizeof m->src, "%s", ev->src.ip);
        snprintf(m->dst, sizeof m->dst, "%s", ev->dst.ip);
        snprintf(m->tool, sizeof m->tool, "%s", tool);
        snprintf(m->sensor, sizeof m->sensor, "%s", ev->sensor);
        snprintf(m->zone, sizeof m->zone, "%s", zd);
        struct an_asset *a = an_asset_by_ip(e, ev->dst.ip);
        snprintf(m->asset, sizeof m->asset, "%s", a ? an_asset_id(a) : "");
        m->start_us = start;
        int jump = pol_nets_has(&s->jump, ev->src.ip);
        int inwin = pol_window_has(&s->window, start);
        m->allowed = jump && inwin;
        snprintf(m->reason, sizeof m->reason, "%s",
                 m->allowed ? "jump host within the window"
                 : !jump    ? "not from a maintenance jump host"
                            : "outside the maintenance window");
    }
    int64_t end = flow_time(ev, "end", ev->ts_us);
    if (end > m->end_us)
        m->end_us = end;
    m->bytes_to = an_json_int(ev->flow, "bytes_toserver", m->bytes_to);
    m->bytes_from = an_json_int(ev->flow, "bytes_toclient", m->bytes_from);
    session_save(e, s, m);
    if (fresh && !m->allowed) {
        char key[AN_KEY_MAX];
        snprintf(key, sizeof key, "%s>%s:%s", m->src, m->dst, m->tool);
        an_raise(e, s->r[R_UNAUTH], ev, key, "%s session from %s to %s [%s]: %s", m->tool,
                 m->src, m->dst, m->zone, m->reason);
    }
}

const struct an_detector an_det_maint = {
    .name = "maint",
    .rules = rules,
    .init = maint_init,
    .on_event = maint_event,
    .free = free,
};

json_t *analytics_maint_sessions(struct analytics *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->ndet; i++) {
        if (a->det[i].d != &an_det_maint || !a->det[i].state)
            continue;
        const struct maint_state *s = a->det[i].state;
        uint64_t lo = s->n > RECENT_MAX ? s->n - RECENT_MAX : 0;
        for (uint64_t k = lo; k < s->n; k++) {
            const struct maint_session *m = &s->recent[k % RECENT_MAX];
            char t1[32], t2[32];
            an_time_fmt(m->start_us, t1);
            an_time_fmt(m->end_us, t2);
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:I, "
                               "s:b, s:s}",
                               "id", m->id, "src", m->src, "dst", m->dst, "asset", m->asset,
                               "zone", m->zone, "tool", m->tool, "sensor", m->sensor, "start", t1,
                               "end", t2, "duration_s",
                               (double)(m->end_us - m->start_us) / (double)AN_US, "bytes_toserver",
                               (json_int_t)m->bytes_to, "bytes_toclient",
                               (json_int_t)m->bytes_from, "allowed", m->allowed, "reason",
                               m->reason));
        }
    }
    return arr;
}
