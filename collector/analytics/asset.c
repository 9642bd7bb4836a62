/* SPDX-License-Identifier: Apache-2.0 */
/*
 * asset.c - the asset table: one asset per (IP, MAC) seen, with its OUI vendor, first and
 * last seen (event time), sensors, protocols as client and server, roles and identity
 * attributes (conflicting values kept with their times). Changes are collected while an
 * event is processed and published after it as `asset` events (EVENTS.md), in the order
 * they happened; ids are BLAKE2b-128 over the asset id and its version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_state.h"

#define ASSETS_MAX 1000000 /* beyond, new addresses are not tracked (counted) */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static uint64_t hash_ip(const char *ip)
{
    return fnv(14695981039346656037ULL, ip) | 1;
}

static uint64_t hash_pair(const char *ip, const char *mac)
{
    return fnv(fnv(14695981039346656037ULL, ip) ^ 0xff, mac) | 1;
}

const char *an_asset_ip(const struct an_asset *a) { return a->ip; }
const char *an_asset_mac(const struct an_asset *a) { return a->mac; }
const char *an_asset_id(const struct an_asset *a) { return a->id; }
unsigned an_asset_roles(const struct an_asset *a) { return a->roles; }
int64_t an_asset_first_seen(const struct an_asset *a) { return a->first_us; }

size_t an_assets_count(const an_engine *e)
{
    return e->assets ? e->assets->n : 0;
}

static void index_rebuild(struct an_assets *t)
{
    size_t mask = t->cap_idx - 1;
    for (size_t i = 0; i < t->cap_idx; i++)
        t->idx[i] = t->ipidx[i] = -1;
    for (size_t k = 0; k < t->n; k++) {
        struct an_asset *a = t->v[k];
        size_t i = a->hash & mask;
        while (t->idx[i] >= 0)
            i = (i + 1) & mask;
        t->idx[i] = (int32_t)k;
        uint64_t hi = hash_ip(a->ip);
        for (i = hi & mask;; i = (i + 1) & mask) {
            if (t->ipidx[i] < 0) {
                t->ipidx[i] = (int32_t)k;
                break;
            }
            struct an_asset *b = t->v[t->ipidx[i]];
            if (strcmp(b->ip, a->ip) == 0) {
                if (a->last_us >= b->last_us)
                    t->ipidx[i] = (int32_t)k;
                break;
            }
        }
    }
}

int an_assets_open(an_engine *e, char *err, size_t errlen)
{
    struct an_assets *t = calloc(1, sizeof *t);
    if (t) {
        t->cap_idx = 1024;
        t->idx = malloc(t->cap_idx * sizeof *t->idx);
        t->ipidx = malloc(t->cap_idx * sizeof *t->ipidx);
    }
    if (!t || !t->idx || !t->ipidx) {
        if (t) {
            free(t->idx);
            free(t->ipidx);
        }
        free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    index_rebuild(t);
    e->assets = t;
    return 0;
}

void an_assets_free(an_engine *e)
{
    struct an_assets *t = e->assets;
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->idx);
    free(t->ipidx);
    free(t->pending);
    free(t);
    e->assets = NULL;
}

static struct an_asset *find_pair(struct an_assets *t, const char *ip, const char *mac,
                                  uint64_t h)
{
    size_t mask = t->cap_idx - 1;
    for (size_t i = h & mask; t->idx[i] >= 0; i = (i + 1) & mask) {
        struct an_asset *a = t->v[t->idx[i]];
        if (a->hash == h && strcmp(a->ip, ip) == 0 && strcmp(a->mac, mac) == 0)
            return a;
    }
    return NULL;
}

struct an_asset *an_asset_by_ip(an_engine *e, const char *ip)
{
    struct an_assets *t = e->assets;
    if (!ip)
        return NULL;
    size_t mask = t->cap_idx - 1;
    for (size_t i = hash_ip(ip) & mask; t->ipidx[i] >= 0; i = (i + 1) & mask) {
        struct an_asset *a = t->v[t->ipidx[i]];
        if (strcmp(a->ip, ip) == 0)
            return a;
    }
    return NULL;
}

/* Points the ip index at a (the asset last seen with its ip). */
static void ip_point(struct an_assets *t, struct an_asset *a, int32_t k)
{
    size_t mask = t->cap_idx - 1;
    for (size_t i = hash_ip(a->ip) & mask;; i = (i + 1) & mask) {
        if (t->ipidx[i] < 0 || strcmp(t->v[t->ipidx[i]]->ip, a->ip) == 0) {
            t->ipidx[i] = k;
            return;
        }
    }
}

static void mark(an_engine *e, struct an_asset *a, unsigned change, const struct an_ev *ev)
{
    struct an_assets *t = e->assets;
    a->dirty = 1;
    if (!a->pending) {
        if (t->npending == t->cap_pending) {
            size_t nc = t->cap_pending ? t->cap_pending * 2 : 16;
            struct an_asset **np = realloc(t->pending, nc * sizeof *np);
            if (!np)
                return;
            t->pending = np;
            t->cap_pending = nc;
        }
        t->pending[t->npending++] = a;
        a->pending = 1;
        snprintf(a->change_ev, sizeof a->change_ev, "%s", ev ? ev->id : "");
        a->change_us = ev ? ev->ts_us : e->now_us;
    }
    a->change |= change;
}

/* Adds a new asset; NULL when out of memory or the table is full. */
static struct an_asset *asset_add(an_engine *e, const char *ip, const char *mac, uint64_t h,
                                  const struct an_ev *ev)
{
    struct an_assets *t = e->assets;
    if (t->n >= ASSETS_MAX)
        return NULL;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 256;
        struct an_asset **nv = realloc(t->v, nc * sizeof *nv);
        if (!nv)
            return NULL;
        t->v = nv;
        t->cap = nc;
    }
    if ((t->n + 1) * 2 > t->cap_idx) {
        size_t nc = t->cap_idx * 2;
        int32_t *ni = malloc(nc * sizeof *ni), *nip = malloc(nc * sizeof *nip);
        if (!ni || !nip) {
            free(ni);
            free(nip);
            return NULL;
        }
        free(t->idx);
        free(t->ipidx);
        t->idx = ni;
        t->ipidx = nip;
        t->cap_idx = nc;
        index_rebuild(t);
    }
    struct an_asset *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    snprintf(a->ip, sizeof a->ip, "%s", ip);
    snprintf(a->mac, sizeof a->mac, "%s", mac);
    a->hash = h;
    const char *parts[] = {"asset", a->ip, a->mac};
    an_make_id(a->id, parts, 3);
    a->vendor = an_oui_vendor(e, a->mac);
    a->first_us = a->last_us = ev ? ev->ts_us : e->now_us;
    int32_t k = (int32_t)t->n;
    a->ix = k;
    t->v[t->n++] = a;
    size_t mask = t->cap_idx - 1;
    size_t i = h & mask;
    while (t->idx[i] >= 0)
        i = (i + 1) & mask;
    t->idx[i] = k;
    ip_point(t, a, k);
    mark(e, a, AN_CH_NEW, ev);
    return a;
}

struct an_asset *an_asset_restore(an_engine *e, const char *ip, const char *mac)
{
    if (!ip || strlen(ip) >= AN_IP_MAX || !mac || strlen(mac) >= AN_MAC_MAX)
        return NULL;
    uint64_t h = hash_pair(ip, mac);
    if (find_pair(e->assets, ip, mac, h))
        return NULL;
    struct an_asset *a = asset_add(e, ip, mac, h, NULL);
    if (!a)
        return NULL;
    /* loaded, not new: no asset event */
    struct an_assets *t = e->assets;
    if (t->npending > 0 && t->pending[t->npending - 1] == a)
        t->npending--;
    a->pending = 0;
    a->change = 0;
    a->dirty = 0;
    return a;
}

/* An asset is an (ip, mac); a MAC of all zeros (loopback captures) or none counts as "". */
static const char *mac_norm(const char *mac)
{
    if (!mac || strcmp(mac, "00:00:00:00:00:00") == 0)
        return "";
    return mac;
}

struct an_asset *an_asset_touch(an_engine *e, const struct an_endpoint *ep,
                                const struct an_ev *ev)
{
    if (!ep->ip || !ep->ip[0] || strlen(ep->ip) >= AN_IP_MAX)
        return NULL;
    const char *mac = mac_norm(ep->mac);
    if (strlen(mac) >= AN_MAC_MAX)
        mac = "";
    uint64_t h = hash_pair(ep->ip, mac);
    struct an_asset *a = find_pair(e->assets, ep->ip, mac, h);
    if (!a) {
        a = asset_add(e, ep->ip, mac, h, ev);
        if (!a)
            return NULL;
    } else if (ev->ts_us > a->last_us) {
        if (a != an_asset_by_ip(e, ep->ip))
            ip_point(e->assets, a, a->ix);
        a->last_us = ev->ts_us;
        a->dirty = 1;
    }
    int known = 0;
    for (int i = 0; i < a->nsensors && !known; i++)
        known = strcmp(a->sensors[i], ev->sensor) == 0;
    if (!known && ev->sensor[0] && a->nsensors < AN_SENSORS_MAX) {
        snprintf(a->sensors[a->nsensors++], sizeof a->sensors[0], "%s", ev->sensor);
        if (!(a->change & AN_CH_NEW))
            mark(e, a, AN_CH_SENSOR, ev);
    }
    return a;
}

void an_asset_add_proto(an_engine *e, struct an_asset *a, enum an_proto p, int as_server,
                        const struct an_ev *ev)
{
    if (!a)
        return;
    uint32_t bit = 1u << p;
    uint32_t *set = as_server ? &a->proto_server : &a->proto_client;
    if (*set & bit)
        return;
    *set |= bit;
    mark(e, a, AN_CH_PROTO, ev);
}

void an_asset_add_role(an_engine *e, struct an_asset *a, unsigned role, const struct an_ev *ev)
{
    if (!a || (a->roles & role) == role)
        return;
    a->roles |= role;
    mark(e, a, AN_CH_ROLE, ev);
}

int an_asset_is_new(const struct an_asset *a)
{
    return a && (a->change & AN_CH_NEW);
}

int an_asset_set_identity(an_engine *e, struct an_asset *a, const char *key, const char *value,
                          const struct an_ev *ev, char *prev, size_t prevlen)
{
    if (!a || !key || !value || !value[0])
        return 0;
    struct an_ident *latest = NULL;
    for (int i = 0; i < a->nident; i++)
        if (strcmp(a->ident[i].key, key) == 0)
            latest = &a->ident[i]; /* entries of one key are in time order */
    char v[AN_IDENT_VAL];
    snprintf(v, sizeof v, "%s", value);
    if (latest && strcmp(latest->value, v) == 0) {
        if (ev->ts_us > latest->last_us)
            latest->last_us = ev->ts_us;
        a->dirty = 1;
        return 0;
    }
    if (latest && prev)
        snprintf(prev, prevlen, "%s", latest->value);
    for (int i = 0; i < a->nident; i++) { /* an older value again: it becomes the latest */
        if (strcmp(a->ident[i].key, key) == 0 && strcmp(a->ident[i].value, v) == 0) {
            struct an_ident old = a->ident[i];
            memmove(&a->ident[i], &a->ident[i + 1], (size_t)(a->nident - i - 1) * sizeof old);
            old.last_us = ev->ts_us;
            a->ident[a->nident - 1] = old;
            mark(e, a, AN_CH_IDENTITY, ev);
            return 2;
        }
    }
    if (a->nident == AN_IDENT_MAX)
        return 0;
    struct an_ident *n = &a->ident[a->nident++];
    snprintf(n->key, sizeof n->key, "%s", key);
    snprintf(n->value, sizeof n->value, "%s", v);
    snprintf(n->source, sizeof n->source, "%s", ev->proto_name ? ev->proto_name : "");
    n->first_us = n->last_us = ev->ts_us;
    mark(e, a, AN_CH_IDENTITY, ev);
    return latest ? 2 : 1;
}

static const char *const proto_names[AN_P_COUNT] = {
    [AN_P_MODBUS] = "modbus", [AN_P_DNP3] = "dnp3",   [AN_P_S7COMM] = "s7comm",
    [AN_P_S7PLUS] = "s7comm_plus", [AN_P_OPCUA] = "opcua", [AN_P_IEC104] = "iec104",
    [AN_P_OTHER] = "other",
};

static const char *const role_names[] = {"plc",  "rtu",    "outstation",   "opcua_server",
                                         "hmi",  "master", "opcua_client", "engineering_workstation"};

/* The one role an asset is shown as: engineering workstation over HMI, server roles first. */
static const char *role_primary(unsigned roles)
{
    static const int order[] = {7, 0, 1, 2, 3, 5, 4, 6};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (roles & (1u << order[i]))
            return role_names[order[i]];
    return "unknown";
}

static json_t *protos_json(uint32_t set)
{
    json_t *arr = json_array();
    for (int p = 1; arr && p < AN_P_COUNT; p++)
        if (set & (1u << p))
            json_array_append_new(arr, json_string(proto_names[p]));
    return arr;
}

static json_t *asset_json(an_engine *e, struct an_asset *a)
{
    char id[33], ver[24], ts[32];
    snprintf(ver, sizeof ver, "%llu", (unsigned long long)a->version);
    const char *parts[] = {"asset-event", a->id, ver};
    an_make_id(id, parts, 3);
    json_t *o = an_out_begin(e, "asset", id, a->change_us, NULL);
    if (!o)
        return NULL;
    json_t *b = json_object();
    json_object_set_new(b, "id", json_string(a->id));
    json_object_set_new(b, "ip", json_string(a->ip));
    if (a->mac[0])
        json_object_set_new(b, "mac", json_string(a->mac));
    if (a->vendor)
        json_object_set_new(b, "vendor", json_string(a->vendor));
    json_object_set_new(b, "role", json_string(role_primary(a->roles)));
    json_t *roles = json_array();
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (a->roles & (1u << i))
            json_array_append_new(roles, json_string(role_names[i]));
    json_object_set_new(b, "roles", roles);
    json_object_set_new(b, "protocols", protos_json(a->proto_client | a->proto_server));
    json_object_set_new(b, "protocols_client", protos_json(a->proto_client));
    json_object_set_new(b, "protocols_server", protos_json(a->proto_server));
    json_t *ident = json_object(), *hist = json_array();
    for (int i = 0; i < a->nident; i++) {
        const struct an_ident *n = &a->ident[i];
        json_object_set_new(ident, n->key, json_string(n->value)); /* the latest wins */
        char f[32], l[32];
        an_time_fmt(n->first_us, f);
        an_time_fmt(n->last_us, l);
        json_array_append_new(hist, json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", n->key,
                                              "value", n->value, "source", n->source,
                                              "first", f, "last", l));
    }
    json_object_set_new(b, "identity", ident);
    json_object_set_new(b, "identities", hist);
    const struct an_zone *z = an_zone_of(e, a->ip);
    if (z)
        json_object_set_new(b, "zone", json_string(z->name));
    json_t *sensors = json_array();
    for (int i = 0; i < a->nsensors; i++)
        json_array_append_new(sensors, json_string(a->sensors[i]));
    json_object_set_new(b, "sensors", sensors);
    an_time_fmt(a->first_us, ts);
    json_object_set_new(b, "first_seen", json_string(ts));
    an_time_fmt(a->last_us, ts);
    json_object_set_new(b, "last_seen", json_string(ts));
    static const char *const ch_names[] = {"new", "role", "protocols", "identity", "sensors"};
    json_t *ch = json_array();
    for (size_t i = 0; i < sizeof ch_names / sizeof ch_names[0]; i++)
        if (a->change & (1u << i))
            json_array_append_new(ch, json_string(ch_names[i]));
    json_object_set_new(b, "change", ch);
    if (a->change_ev[0])
        json_object_set_new(b, "event_ids", json_pack("[s]", a->change_ev));
    json_object_set_new(o, "asset", b);
    return o;
}

void an_assets_publish(an_engine *e)
{
    struct an_assets *t = e->assets;
    for (size_t i = 0; i < t->npending; i++) {
        struct an_asset *a = t->pending[i];
        an_out_emit(e, ANALYTICS_OUT_ASSET, asset_json(e, a));
        a->version++;
        a->change = 0;
        a->pending = 0;
    }
    t->npending = 0;
}
