/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h - the JSON envelope every event shares (EVENTS.md): type, id, ts, sensor,
 * src/dst, vlan, tunnel, transport, community_id, proto. Workers write events without `v` and
 * `seq`; the publisher prepends both when it numbers them (events_finish_line).
 */
#ifndef TZ_EVENTS_H
#define TZ_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "jw.h"

struct sensor;

/* Opens the event object and writes the envelope. `from` is the endpoint index (0 client,
 * 1 server) that is `src`; f may be NULL (health). ev_idx makes the id unique per flow. */
void events_begin(struct jw *w, const struct sensor *s, const char *type, const struct flow *f,
                  int from, uint64_t ts_us, const char *proto, uint32_t ev_idx);
/* The envelope members that stay the same across a flow's events (sensor, src, dst, vlan,
 * tunnel, transport, community_id, proto), rendered once per direction and protocol. Zeroed means
 * empty; events_env_reset() after the flow's text changes. */
struct events_env {
    uint8_t proto[2];   /* enum pd_proto the entry was rendered for; 0: none */
    uint16_t len[2];
    char json[2][640];
};

static inline void events_env_reset(struct events_env *env)
{
    env->proto[0] = env->proto[1] = 0;
}

/* events_begin for a flow's ics events, reusing the rendered envelope members. */
void events_begin_cached(struct jw *w, const struct sensor *s, const char *type,
                         const struct flow *f, int from, uint64_t ts_us, uint8_t proto,
                         uint32_t ev_idx, struct events_env *env);
/* Formats f's addresses (and MACs) as text, once, before its first event. */
void events_flow_text(struct flow *f);
/* Writes the `tunnel` object of an encapsulated flow (nothing when t->type is none). */
void events_tunnel(struct jw *w, const struct tunnel *t);
/* Writes an IP address (16-byte form) as text. */
void events_ip(struct jw *w, const char *key, uint8_t ipver, const uint8_t *ip);
/* Publisher side: writes `{"v":1,"seq":N,` + body[1..] + '\n' into out (cap bytes).
 * body is a worker's event (starting with '{'). Returns the line length or -1. */
long events_finish_line(char *out, size_t cap, uint64_t seq, const char *body, size_t n);

#endif
