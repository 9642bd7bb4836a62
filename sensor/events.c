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

static void endpoint(struct jw *w, const char *key, const struct flow *f, int i)
{
    char mac[18];
    jw_obj_begin(w, key);
    events_ip(w, "ip", f->ipver, f->ip[i]);
    jw_uint(w, "port", f->port[i]);
    if (f->has_mac) {
        const uint8_t *m = f->mac[i];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                 m[5]);
        jw_str(w, "mac", mac);
    }
    jw_obj_end(w);
}

void events_begin(struct jw *w, const struct sensor *s, const char *type, const struct flow *f,
                  int from, uint64_t ts_us, const char *proto, uint32_t ev_idx)
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
    jw_str(w, "type", type);
    jw_str(w, "id", id);
    jw_str(w, "ts", ts);
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
        jw_str(w, "transport", f->l4proto == 6 ? "tcp" : "udp");
        jw_str(w, "community_id", f->cid);
    }
    if (proto)
        jw_str(w, "proto", proto);
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
