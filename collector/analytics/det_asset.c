/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_asset.c - the asset family: every endpoint of `ics` and `flow` events becomes an
 * asset (asset.c); for `ics` events the protocol each side speaks as client or server, a
 * role from behaviour (server: PLC, RTU, outstation, OPC UA server; client: HMI, SCADA
 * master, OPC UA client, engineering workstation when it programs, changes modes or reads
 * identification), and identity as the traffic tells it (Modbus device identification,
 * S7 SZL module identification, DNP3 group 0 attributes, OPC UA endpoint and session
 * names, IEC 104 common addresses). After the learning period: a new asset in a
 * production zone, an IP with a new MAC and a changed identity are alerts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

enum { R_NEW, R_MAC, R_IDENT, R_COUNT };

static const struct an_rule rules[] = {
    [R_NEW] = {.id = "asset.new_device", .title = "New device in a production zone",
               .severity = AN_SEV_HIGH, .category = "asset", .attack = "T0864,T0848",
               .gbt = "NAI-ONAI", .aggregate_s = 86400,
               .help = "an address never seen before appears after the learning period in a "
                       "production zone (any address when no zone is configured)"},
    [R_MAC] = {.id = "asset.new_mac", .title = "IP address seen with a new MAC",
               .severity = AN_SEV_HIGH, .category = "asset", .attack = "T0830,T0849",
               .gbt = "IDI-IMI", .aggregate_s = 86400,
               .help = "a known IP appears with another MAC after the learning period "
                       "(spoofing or a replaced device)"},
    [R_IDENT] = {.id = "asset.identity_change", .title = "Device identity changed",
                 .severity = AN_SEV_HIGH, .category = "asset", .attack = "T0857,T0839",
                 .gbt = "IDI-IAI", .aggregate_s = 86400,
                 .help = "firmware, order number, serial or product code reported by a device "
                         "differs from before, after the learning period"},
    {0},
};

_Static_assert(R_COUNT <= AN_FAMILY_RULES, "too many rules for struct an_family");

static int det_init(an_engine *e, void **state, char *err, size_t errlen)
{
    return an_family_init(e, rules, R_COUNT, 0, state, err, errlen);
}

/* The first decimal number of s (an IPv4 address's first octet); -1 when none. */
static int first_octet(const char *s)
{
    int v = 0, n = 0;
    for (; *s >= '0' && *s <= '9' && n < 4; s++, n++)
        v = v * 10 + (*s - '0');
    return n > 0 && n < 4 ? v : -1;
}

static int server_port(enum an_proto p)
{
    switch (p) {
    case AN_P_MODBUS:
        return 502;
    case AN_P_DNP3:
        return 20000;
    case AN_P_S7COMM:
    case AN_P_S7PLUS:
        return 102;
    case AN_P_OPCUA:
        return 4840;
    case AN_P_IEC104:
        return 2404;
    default:
        return -1;
    }
}

static unsigned server_role(enum an_proto p)
{
    switch (p) {
    case AN_P_MODBUS:
    case AN_P_S7COMM:
    case AN_P_S7PLUS:
        return AN_ROLE_PLC;
    case AN_P_DNP3:
        return AN_ROLE_OUTSTATION;
    case AN_P_IEC104:
        return AN_ROLE_RTU;
    case AN_P_OPCUA:
        return AN_ROLE_OPCUA_SERVER;
    default:
        return 0;
    }
}

/* What the client side is, from the one operation (0: nothing to say). */
static unsigned client_role(const struct an_ev *ev)
{
    if (ev->status == AN_ST_RESPONSE_ONLY)
        return 0;
    int ews = ev->op == AN_OP_PROGRAM || ev->op == AN_OP_IDENTIFY;
    if (ev->proto == AN_P_S7COMM) {
        const json_t *ud = json_object_get(ev->pobj, "userdata");
        const char *g = an_json_str(ud, "group_name");
        ews |= ev->func == 0x28 || ev->func == 0x29 ||
               (g && (strcmp(g, "block_functions") == 0 ||
                      strcmp(g, "programmer_commands") == 0));
    }
    if (ev->proto == AN_P_S7PLUS && an_json_str(ev->pobj, "plc_state_req"))
        ews = 1;
    if (ev->proto == AN_P_MODBUS && ev->func == 90)
        ews = 1;
    if (ews && ev->proto != AN_P_OPCUA)
        return AN_ROLE_EWS;
    switch (ev->proto) {
    case AN_P_MODBUS:
    case AN_P_S7COMM:
    case AN_P_S7PLUS:
        return ev->op == AN_OP_READ || ev->op == AN_OP_WRITE ? AN_ROLE_HMI : 0;
    case AN_P_DNP3:
    case AN_P_IEC104:
        return AN_ROLE_MASTER;
    case AN_P_OPCUA:
        return AN_ROLE_OPCUA_CLIENT;
    default:
        return 0;
    }
}

/* Identity keys whose change is worth an alert (a firmware update, a swapped module). */
static int alertable(const char *key)
{
    static const char *const k[] = {"firmware", "order_number", "hw_order_number", "serial",
                                    "product_code", "vendor", "model", "module_type",
                                    "hardware_version", "software_version"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(key, k[i]) == 0)
            return 1;
    return 0;
}

static void ident(an_engine *e, struct an_family *o, struct an_asset *a, const char *key,
                  const char *val, const struct an_ev *ev)
{
    char prev[128] = "";
    int rc = an_asset_set_identity(e, a, key, val, ev, prev, sizeof prev);
    if (rc != 2 || !alertable(key) || an_learning(e))
        return;
    char akey[AN_KEY_MAX];
    snprintf(akey, sizeof akey, "%s %s", an_asset_ip(a), key);
    struct an_alert al = {.rule = o->r[R_IDENT], .ev = ev, .key = akey,
                          .assets = {an_asset_ip(a)}};
    char detail[AN_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s of %s changed from '%s' to '%s'", key, an_asset_ip(a),
             prev, val);
    al.detail = detail;
    an_alert_raise(e, &al);
}

static const char *modbus_key(const char *name)
{
    static const struct { const char *n, *k; } m[] = {
        {"VendorName", "vendor"},         {"ProductCode", "product_code"},
        {"MajorMinorRevision", "firmware"}, {"VendorUrl", "vendor_url"},
        {"ProductName", "product"},       {"ModelName", "model"},
        {"UserApplicationName", "name"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(name, m[i].n) == 0)
            return m[i].k;
    return NULL;
}

static void identity_of(an_engine *e, struct an_family *o, struct an_asset *srv, struct an_asset *cli,
                        const struct an_ev *ev)
{
    const json_t *p = ev->pobj;
    size_t i;
    const json_t *x;
    switch (ev->proto) {
    case AN_P_MODBUS: {
        const json_t *objs = json_object_get(json_object_get(p, "mei"), "objects");
        json_array_foreach(objs, i, x)
        {
            const char *n = an_json_str(x, "name"), *v = an_json_str(x, "value");
            const char *k = n ? modbus_key(n) : NULL;
            if (k && v)
                ident(e, o, srv, k, v, ev);
        }
        break;
    }
    case AN_P_S7COMM: {
        const json_t *id = json_object_get(p, "identity");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)id, k, v)
        {
            if (json_is_string(v))
                ident(e, o, srv, k, json_string_value(v), ev);
        }
        break;
    }
    case AN_P_DNP3: {
        const json_t *objs = json_object_get(p, "resp_objects");
        json_array_foreach(objs, i, x)
        {
            const char *n = an_json_str(x, "attr_name"), *v = an_json_str(x, "text");
            if (an_json_int(x, "group", -1) == 0 && n && v)
                ident(e, o, srv, n, v, ev);
        }
        break;
    }
    case AN_P_OPCUA: {
        const char *ep = an_json_str(p, "endpoint"), *sn = an_json_str(p, "session_name");
        if (ep && ev->func_name && strcmp(ev->func_name, "CreateSession") == 0)
            ident(e, o, srv, "endpoint_url", ep, ev);
        if (sn && cli)
            ident(e, o, cli, "application", sn, ev);
        break;
    }
    case AN_P_IEC104: {
        const json_t *asdu = json_object_get(p, "asdu");
        char ca[24];
        if (asdu && ev->unit >= 0) {
            snprintf(ca, sizeof ca, "%lld", (long long)ev->unit);
            ident(e, o, srv, "common_address", ca, ev);
        }
        break;
    }
    default:
        break;
    }
}

/* Loopback, unspecified, broadcast and multicast addresses are no device on the wire. */
static int not_a_device(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strcmp(ip, "0.0.0.0") == 0 ||
           strcmp(ip, "::") == 0 || strcmp(ip, "255.255.255.255") == 0 ||
           strncmp(ip, "ff", 2) == 0 || (first_octet(ip) >= 224 && strchr(ip, '.'));
}

/* After the learning period: a new asset is a rogue device or an IP with a new MAC. */
static void check_new(an_engine *e, struct an_family *o, struct an_asset *a,
                      const char *prev_mac, const struct an_ev *ev)
{
    if (!a || !an_asset_is_new(a) || an_learning(e))
        return;
    const char *ip = an_asset_ip(a);
    struct an_alert al = {.ev = ev, .assets = {ip}};
    char detail[AN_DETAIL_MAX];
    al.detail = detail;
    if (prev_mac) {
        if (!prev_mac[0] || !an_asset_mac(a)[0])
            return; /* one side without a MAC (a routed or loopback capture): no claim */
        al.rule = o->r[R_MAC];
        al.key = ip;
        snprintf(detail, sizeof detail, "%s now at %s (was %s)", ip, an_asset_mac(a), prev_mac);
        an_alert_raise(e, &al);
        return;
    }
    const struct an_zone *z = an_zone_of(e, ip);
    if (an_zones_configured(e) && (!z || z->level != AN_ZONE_PRODUCTION))
        return;
    if (not_a_device(ip))
        return;
    al.rule = o->r[R_NEW];
    al.key = ip;
    snprintf(detail, sizeof detail, "%s (%s) first seen%s%s", ip,
             an_asset_mac(a)[0] ? an_asset_mac(a) : "no MAC", z ? " in zone " : "",
             z ? z->name : "");
    an_alert_raise(e, &al);
}

static struct an_asset *touch(an_engine *e, struct an_family *o, const struct an_endpoint *ep,
                              const struct an_ev *ev)
{
    if (!ep->ip)
        return NULL;
    struct an_asset *before = an_asset_by_ip(e, ep->ip);
    char prev_mac[AN_MAC_MAX] = "";
    if (before)
        an_join3(prev_mac, sizeof prev_mac, an_asset_mac(before), "", "");
    struct an_asset *a = an_asset_touch(e, ep, ev);
    check_new(e, o, a, before ? prev_mac : NULL, ev);
    return a;
}

static void asset_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct an_family *o = state;
    if (ev->type != AN_T_ICS && ev->type != AN_T_FLOW)
        return;
    struct an_asset *s = touch(e, o, &ev->src, ev);
    struct an_asset *d = touch(e, o, &ev->dst, ev);
    if (ev->type != AN_T_ICS || ev->proto == AN_P_NONE || ev->proto == AN_P_OTHER)
        return;
    /* the requester is src, except where the server's well-known port says otherwise (an
     * S7 PLC asks the programmer for blocks during a download; DNP3 unsolicited data) */
    int port = server_port(ev->proto);
    int swap = port > 0 && ev->src.port == port && ev->dst.port != port;
    struct an_asset *cli = swap ? d : s, *srv = swap ? s : d;
    if (cli) {
        an_asset_add_proto(e, cli, ev->proto, 0, ev);
        unsigned r = client_role(ev);
        if (r)
            an_asset_add_role(e, cli, r, ev);
    }
    if (srv) {
        an_asset_add_proto(e, srv, ev->proto, 1, ev);
        if (ev->status != AN_ST_NO_RESPONSE)
            an_asset_add_role(e, srv, server_role(ev->proto), ev);
        if (ev->pobj)
            identity_of(e, o, srv, cli, ev);
    }
}

const struct an_detector an_det_asset = {
    .name = "asset",
    .rules = rules,
    .init = det_init,
    .on_event = asset_on_event,
    .free = an_family_free,
};
