/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_zone.c - boundary policy over the zones of analytics.zones: flows across a
 * forbidden zone pair (policy.zone_pairs: "FROM>TO=allow|deny|allow:APP,..."), general
 * purpose services (web, e-mail, Telnet, rlogin, FTP, SMB...: nDPI's `flow.app` and
 * `category`, policy.general_services) crossing into or out of a production zone,
 * production hosts talking to public addresses, and ICS protocols spoken from an office
 * zone (IEC 62443-3-2 zones and conduits; GB/T 22239 boundary protection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pol.h"

#define PAIRS_MAX 64

enum { R_PAIR, R_GENERAL, R_PUBLIC, R_ICS_OFFICE, R_N };

static const struct an_rule rules[] = {
    [R_PAIR] = {.id = "zone.forbidden_pair", .title = "Traffic across a forbidden zone pair",
                .severity = AN_SEV_HIGH, .category = "boundary", .attack = "T0886",
                .gbt = "NAI-ONAI", .help = "policy.zone_pairs denies this pair or protocol"},
    [R_GENERAL] = {.id = "zone.general_service",
                   .title = "General-purpose service crossing a production boundary",
                   .severity = AN_SEV_MEDIUM, .category = "boundary", .attack = "T0869,T0886",
                   .gbt = "NAI-ONAI", .help = "web, e-mail, Telnet, FTP, SMB... in or out of "
                                              "a production zone"},
    [R_PUBLIC] = {.id = "zone.public_address", .title = "Production host talks to the internet",
                  .severity = AN_SEV_HIGH, .category = "boundary", .attack = "T0883,T0885",
                  .gbt = "NAI-ONAI", .help = "a production or management zone address and a "
                                             "public address in one flow"},
    [R_ICS_OFFICE] = {.id = "zone.ics_from_office",
                      .title = "ICS protocol spoken from an office zone",
                      .severity = AN_SEV_HIGH, .category = "boundary", .attack = "T0886,T0843",
                      .gbt = "NAI-ONAI", .help = "the requester of an ics event is in an "
                                                 "office, DMZ or internet zone"},
    {0},
};

static const char default_general[] =
    "HTTP,HTTP_Proxy,HTTP_Connect,TLS,QUIC,Web,SMTP,SMTPS,POP3,POPS,IMAP,IMAPS,Email,"
    "MAIL_SMTP,MAIL_POP,MAIL_IMAP,Telnet,Rlogin,Rsh,FTP_CONTROL,FTP_DATA,FTPS,TFTP,SMBv1,"
    "SMBv23,NetBIOS,NFS,Download-FileTransfer-FileSharing,FileSharing";

/* When nDPI says Unknown (a flow too short to classify), the service's well-known port. */
static const struct {
    int port;
    const char *app;
} general_ports[] = {{80, "HTTP"},  {443, "TLS"},    {25, "SMTP"},  {110, "POP3"},
                     {143, "IMAP"}, {23, "Telnet"},  {513, "Rlogin"}, {514, "Rsh"},
                     {21, "FTP_CONTROL"}, {69, "TFTP"}, {445, "SMBv23"}, {139, "NetBIOS"},
                     {0, NULL}};

struct pair {
    char from[32], to[32];
    int deny;
    struct pol_names allow; /* empty: any protocol */
};

struct zone_state {
    const struct an_rule_rt *r[R_N];
    struct pair pairs[PAIRS_MAX];
    int npairs;
    int default_deny;
    struct pol_names general;
};

static int pair_line(struct zone_state *s, char *line, char *err, size_t errlen)
{
    char *eq = strchr(line, '=');
    char *gt = strchr(line, '>');
    if (!eq || !gt || gt > eq || s->npairs == PAIRS_MAX) {
        snprintf(err, errlen, "policy.zone_pairs: '%s' is not FROM>TO: allow|deny|allow:APP,... "
                              "(at most %d lines)", line, PAIRS_MAX);
        return -1;
    }
    struct pair *p = &s->pairs[s->npairs];
    memset(p, 0, sizeof *p);
    *gt = '\0';
    *eq = '\0';
    if (strlen(line) >= sizeof p->from || strlen(gt + 1) >= sizeof p->to || !*line || !gt[1]) {
        snprintf(err, errlen, "policy.zone_pairs: '%s>%s': zone names of 1 to 31 bytes", line,
                 gt + 1);
        return -1;
    }
    snprintf(p->from, sizeof p->from, "%s", line);
    snprintf(p->to, sizeof p->to, "%s", gt + 1);
    const char *v = eq + 1;
    while (*v == ' ')
        v++;
    if (strcmp(v, "deny") == 0) {
        p->deny = 1;
    } else if (strncmp(v, "allow", 5) == 0 && (v[5] == '\0' || v[5] == ':')) {
        if (v[5] == ':' && pol_names_parse(&p->allow, v + 6, "policy.zone_pairs", err,
                                           errlen) != 0)
            return -1;
    } else {
        snprintf(err, errlen, "policy.zone_pairs: %s>%s: '%s' is not allow, deny or "
                              "allow:APP,...", p->from, p->to, v);
        return -1;
    }
    s->npairs++;
    return 0;
}

static int zone_init(an_engine *e, void **state, char *err, size_t errlen)
{
    struct zone_state *s = an_state_new(sizeof *s, state, err, errlen);
    if (!s)
        return -1;
    an_rules_lookup(e, rules, R_N, s->r);
    const struct analytics_policy *p = an_policy(e);
    const char *def = p->zone_default && *p->zone_default ? p->zone_default : "allow";
    if (strcmp(def, "allow") != 0 && strcmp(def, "deny") != 0) {
        snprintf(err, errlen, "policy.zone_default: '%s' must be allow or deny", def);
        return -1;
    }
    s->default_deny = strcmp(def, "deny") == 0;
    if (pol_names_parse(&s->general, p->general_services && *p->general_services
                                         ? p->general_services : default_general,
                        "policy.general_services", err, errlen) != 0)
        return -1;
    const char *c = p->zone_pairs ? p->zone_pairs : "";
    while (*c) {
        size_t n = strcspn(c, "\n");
        char line[512];
        if (n >= sizeof line) {
            snprintf(err, errlen, "policy.zone_pairs: a line is longer than %zu bytes",
                     sizeof line - 1);
            return -1;
        }
        memcpy(line, c, n);
        line[n] = '\0';
        if (n > 0 && pair_line(s, line, err, errlen) != 0)
            return -1;
        c += n;
        if (*c)
            c++;
    }
    return 0;
}

/* 3: the zone's name, 2: its level, 1: "*", 0: no match. */
static int side_score(const char *pat, const char *zone, enum an_zone_level lvl)
{
    if (strcmp(pat, "*") == 0)
        return 1;
    if (*zone && strcmp(pat, zone) == 0)
        return 3;
    if (lvl != AN_ZONE_NONE && strcmp(pat, an_zone_level_name(lvl)) == 0)
        return 2;
    return 0;
}

static const struct pair *pair_find(const struct zone_state *s, const char *zf,
                                    enum an_zone_level lf, const char *zt, enum an_zone_level lt)
{
    const struct pair *best = NULL;
    int best_score = 0;
    for (int i = 0; i < s->npairs; i++) {
        int a = side_score(s->pairs[i].from, zf, lf), b = side_score(s->pairs[i].to, zt, lt);
        if (a && b && a + b > best_score) {
            best = &s->pairs[i];
            best_score = a + b;
        }
    }
    return best;
}

static void on_flow(an_engine *e, struct zone_state *s, const struct an_ev *ev)
{
    enum an_zone_level ls, ld;
    const char *zs = pol_zone_name(e, ev->src.ip, &ls);
    const char *zd = pol_zone_name(e, ev->dst.ip, &ld);
    if (ls == AN_ZONE_NONE && ld == AN_ZONE_NONE)
        return;
    const char *app = an_json_str(ev->flow, "app");
    const char *cat = an_json_str(ev->flow, "category");
    if (!app)
        app = ev->proto_name ? ev->proto_name : "Unknown";
    char key[AN_KEY_MAX];
    snprintf(key, sizeof key, "%s>%s:%s", ev->src.ip, ev->dst.ip, app);
    int cross = strcmp(zs, zd) != 0;
    if (cross) {
        const struct pair *p = pair_find(s, zs, ls, zd, ld);
        int deny = p ? p->deny : s->default_deny;
        const char *why = p && p->deny ? "denied" : "not allowed by default";
        if (p && !p->deny && p->allow.n > 0 && !pol_names_match_app(&p->allow, app, cat, NULL) &&
            !(ev->proto_name && pol_names_has(&p->allow, ev->proto_name))) {
            deny = 1;
            why = "a protocol the pair does not allow";
        }
        if (deny)
            an_raise(e, s->r[R_PAIR], ev, key, "%s from %s [%s] to %s [%s]: %s", app,
                     ev->src.ip, *zs ? zs : "no zone", ev->dst.ip, *zd ? zd : "no zone", why);
    }
    int prod_s = pol_is_production(ls), prod_d = pol_is_production(ld);
    const char *which = NULL, *gapp = app;
    if (strcmp(app, "Unknown") == 0)
        for (int i = 0; general_ports[i].app; i++)
            if (ev->dst.port == general_ports[i].port)
                gapp = general_ports[i].app;
    if ((prod_s || prod_d) && (cross || ls == AN_ZONE_NONE || ld == AN_ZONE_NONE) &&
        pol_names_match_app(&s->general, gapp, cat, &which))
        an_raise(e, s->r[R_GENERAL], ev, key, "%s (%s) %s production zone %s: %s to %s", gapp,
                 gapp == app ? (cat ? cat : "?") : "by port", prod_d ? "into" : "out of", prod_d ? zd : zs, ev->src.ip,
                 ev->dst.ip);
    int pub_s = ls == AN_ZONE_INTERNET || (ls == AN_ZONE_NONE && pol_is_public(ev->src.ip));
    int pub_d = ld == AN_ZONE_INTERNET || (ld == AN_ZONE_NONE && pol_is_public(ev->dst.ip));
    if ((prod_s && pub_d) || (prod_d && pub_s))
        an_raise(e, s->r[R_PUBLIC], ev, key, "%s between %s [%s] and public %s", app,
                 prod_s ? ev->src.ip : ev->dst.ip, prod_s ? zs : zd,
                 prod_s ? ev->dst.ip : ev->src.ip);
}

static void zone_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct zone_state *s = state;
    if (!ev->src.ip || !ev->dst.ip)
        return;
    if (ev->type == AN_T_FLOW && ev->flow) {
        on_flow(e, s, ev);
        return;
    }
    if (ev->type != AN_T_ICS || ev->status == AN_ST_RESPONSE_ONLY)
        return;
    enum an_zone_level ls, ld;
    const char *zs = pol_zone_name(e, ev->src.ip, &ls);
    const char *zd = pol_zone_name(e, ev->dst.ip, &ld);
    if (ls != AN_ZONE_OFFICE && ls != AN_ZONE_DMZ && ls != AN_ZONE_INTERNET)
        return;
    char key[AN_KEY_MAX];
    snprintf(key, sizeof key, "%s>%s:%s", ev->src.ip, ev->dst.ip,
             ev->proto_name ? ev->proto_name : "?");
    an_raise(e, s->r[R_ICS_OFFICE], ev, key, "%s %s from %s [%s, %s] to %s [%s]",
             ev->proto_name ? ev->proto_name : "?", ev->func_name ? ev->func_name : "request",
             ev->src.ip, zs, an_zone_level_name(ls), ev->dst.ip, *zd ? zd : "no zone");
}

const struct an_detector an_det_zone = {
    .name = "zone",
    .rules = rules,
    .init = zone_init,
    .on_event = zone_event,
    .free = free,
};
