/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h - the JSON envelope every event shares (EVENTS.md): type, id, ts, sensor,
 * src/dst, vlan, transport, community_id, proto. Workers write events without `v` and
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
/* Writes an IP address (16-byte form) as text. */
void events_ip(struct jw *w, const char *key, uint8_t ipver, const uint8_t *ip);
/* Publisher side: writes `{"v":1,"seq":N,` + body[1..] + '\n' into out (cap bytes).
 * body is a worker's event (starting with '{'). Returns the line length or -1. */
long events_finish_line(char *out, size_t cap, uint64_t seq, const char *body, size_t n);

#endif
