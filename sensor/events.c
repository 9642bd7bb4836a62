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
    char material[128];
    int n;
    if (f)
        n = snprintf(material, sizeof material, "%s|%llu|%u|%s", f->cid,
                     (unsigned long long)f->first_us, ev_idx, type);
    else
        n = snprintf(material, sizeof material, "%s|%llu|%u|%s", s->cfg.sensor_id,
                     (unsigned long long)ts_us, ev_idx, type);
    event_id(material, (size_t)n < sizeof material ? (size_t)n : sizeof material - 1, id);
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
    if (n < 2 || body[0] != '{')
        return -1;
    int h = snprintf(out, cap, "{\"v\":1,\"seq\":%llu,", (unsigned long long)seq);
    if (h < 0 || (size_t)h + n + 1 > cap)
        return -1;
    memcpy(out + h, body + 1, n - 1);
    out[h + n - 1] = '\n';
    return (long)(h + n);
}
