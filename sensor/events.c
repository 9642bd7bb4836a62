/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.c - the event envelope (see events.h and ../shared/EVENTS.md). Ids are
 * deterministic: a hash of the flow's Community ID, its first packet time, the event's
 * index within the flow and its type - so replaying a pcap gives the same ids.
 */
#include "events.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "community_id.h"
#include "sensor.h"
#include "tztime.h"

void events_ip(struct jw *w, const char *key, uint8_t ipver, const uint8_t *ip)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, ip, buf, sizeof buf))
        snprintf(buf, sizeof buf, "?");
    jw_str(w, key, buf);
}

void events_tunnel(struct jw *w, const struct tunnel *t)
{
    static const char *const names[] = {"none", "gre", "erspan", "vxlan", "mpls"};
    if (t->type == TUNNEL_NONE || t->type > TUNNEL_MPLS)
        return;
    jw_obj_begin(w, "tunnel");
    jw_str(w, "type", names[t->type]);
    if (t->type == TUNNEL_ERSPAN)
        jw_uint(w, "erspan_type", t->erspan_type);
    if (t->ipver == 4 || t->ipver == 6) {
        events_ip(w, "src", t->ipver, t->src);
        events_ip(w, "dst", t->ipver, t->dst);
    }
    if (t->has_session)
        jw_uint(w, "session", t->session);
    if (t->n_mpls) {
        jw_arr_begin(w, "mpls");
        for (int i = 0; i < t->n_mpls && i < DECODE_MAX_MPLS; i++)
            jw_uint(w, NULL, t->mpls[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

/* Formats the flow's endpoints once; every event of the flow reuses the text. */
void events_flow_text(struct flow *f)
{
    for (int i = 0; i < 2; i++) {
        if (!inet_ntop(f->ipver == 6 ? AF_INET6 : AF_INET, f->ip[i], f->ip_txt[i],
                       sizeof f->ip_txt[i]))
            snprintf(f->ip_txt[i], sizeof f->ip_txt[i], "?");
        const uint8_t *m = f->mac[i];
        snprintf(f->mac_txt[i], sizeof f->mac_txt[i], "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
                 m[2], m[3], m[4], m[5]);
    }
}

static void endpoint(struct jw *w, const char *key, const struct flow *f, int i)
{
    jw_obj_begin(w, key);
    jw_str(w, "ip", f->ip_txt[i]);
    jw_uint(w, "port", f->port[i]);
    if (f->has_mac)
        jw_str(w, "mac", f->mac_txt[i]);
    jw_obj_end(w);
}

/* Opens the event and writes type, id and ts (the members that change per event). */
static void begin_head(struct jw *w, const struct sensor *s, const char *type,
                       const struct flow *f, uint64_t ts_us, uint32_t ev_idx)
{
    char ts[TZ_TIME_LEN];
    char id[EVENT_ID_LEN];
    /* id material: the flow's Community ID (or the sensor id), a time, the index, the type */
    uint8_t material[128];
    size_t n = 0;
    const char *who = f ? f->cid : s->cfg.sensor_id;
    size_t wl = strnlen(who, f ? COMMUNITY_ID_LEN : 64), tl = strnlen(type, 16);
    uint64_t t = f ? f->first_us : ts_us;
    memcpy(material, who, wl);
    n += wl;
    for (int i = 0; i < 8; i++)
        material[n++] = (uint8_t)(t >> (8 * i));
    for (int i = 0; i < 4; i++)
        material[n++] = (uint8_t)(ev_idx >> (8 * i));
    memcpy(material + n, type, tl);
    n += tl;
    event_id(material, n, id);
    tz_time_fmt(ts_us, ts);

    jw_obj_begin(w, NULL);
    jw_name(w, "type", type);
    jw_namen(w, "id", id, EVENT_ID_LEN - 1);
    jw_namen(w, "ts", ts, TZ_TIME_LEN - 1);
}

/* The members every event of a flow shares for one direction and protocol. */
static void flow_members(struct jw *w, const struct sensor *s, const struct flow *f, int from,
                         const char *proto)
{
    jw_str(w, "sensor", s->cfg.sensor_id);
    if (f) {
        endpoint(w, "src", f, from);
        endpoint(w, "dst", f, !from);
        if (f->n_vlan) {
            jw_arr_begin(w, "vlan");
            for (int i = 0; i < f->n_vlan; i++)
                jw_uint(w, NULL, f->vlan[i]);
            jw_arr_end(w);
        }
        events_tunnel(w, &f->tun);
        jw_str(w, "transport", f->l4proto == 6 ? "tcp" : "udp");
        jw_str(w, "community_id", f->cid);
    }
    if (proto)
        jw_str(w, "proto", proto);
}

void events_begin(struct jw *w, const struct sensor *s, const char *type, const struct flow *f,
                  int from, uint64_t ts_us, const char *proto, uint32_t ev_idx)
{
    begin_head(w, s, type, f, ts_us, ev_idx);
    flow_members(w, s, f, from, proto);
}

void events_begin_cached(struct jw *w, const struct sensor *s, const char *type,
                         const struct flow *f, int from, uint64_t ts_us, uint8_t proto,
                         uint32_t ev_idx, struct events_env *env)
{
    begin_head(w, s, type, f, ts_us, ev_idx);
    int i = from ? 1 : 0;
    if (env->proto[i] != proto) {
        /* render once: the members without the braces of a scratch object */
        char tmp[sizeof env->json[0] + 2];
        struct jw t;
        jw_init(&t, tmp, sizeof tmp);
        jw_obj_begin(&t, NULL);
        flow_members(&t, s, f, from, pd_proto_name(proto));
        if (t.err) {
            env->proto[i] = 0;
            flow_members(w, s, f, from, pd_proto_name(proto));
            return;
        }
        env->len[i] = (uint16_t)(t.len - 1);
        memcpy(env->json[i], tmp + 1, env->len[i]);
        env->proto[i] = proto;
    }
    jw_members(w, env->json[i], env->len[i]);
}

long events_finish_line(char *out, size_t cap, uint64_t seq, const char *body, size_t n)
{
    static const char head[] = "{\"v\":1,\"seq\":";
    char digits[24];
    char *d = digits + sizeof digits;
    do {
        *--d = (char)('0' + seq % 10);
        seq /= 10;
    } while (seq);
    size_t dn = (size_t)(digits + sizeof digits - d);
    size_t h = sizeof head - 1;
    if (n < 2 || body[0] != '{' || h + dn + 1 + n > cap)
        return -1;
    memcpy(out, head, h);
    memcpy(out + h, d, dn);
    out[h + dn] = ',';
    memcpy(out + h + dn + 1, body + 1, n - 1);
    out[h + dn + n] = '\n';
    return (long)(h + dn + n + 1);
}
