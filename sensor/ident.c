/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.c - protocol identification and roles from content (see ident.h). A protocol is
 * named only by a probe that says yes; several yeses are settled by the default port, then
 * registry order. Roles: each whole PDU a side sent adds one for "this side is the client"
 * when it is a request and takes one when it is a response; an answer repeating an id the
 * other side sent first adds two for the other side; IDENT_DECIDE settles it.
 */
#include "ident.h"

#include <string.h>

static int transport_ok(const struct pd_dissector *d, uint8_t l4proto)
{
    uint8_t bit = l4proto == 6 ? PD_TRANSPORT_TCP : PD_TRANSPORT_UDP;
    return (d->transports & bit) != 0;
}

static int has_port(const struct pd_dissector *d, uint16_t port)
{
    for (int i = 0; i < 4 && d->ports[i]; i++)
        if (d->ports[i] == port)
            return 1;
    return 0;
}

int ident_is_own_port(const struct pd_dissector *d, uint16_t port)
{
    return has_port(d, port);
}

int ident_is_hint_port(uint16_t port, uint8_t l4proto)
{
    for (size_t i = 0; i < pd_registry_count; i++)
        if (transport_ok(pd_registry[i], l4proto) && has_port(pd_registry[i], port))
            return 1;
    return 0;
}

enum ident_answer ident_probe(uint8_t l4proto, uint16_t server_port, uint8_t dir,
                              const uint8_t *p, size_t n, const struct pd_dissector **out)
{
    const struct pd_dissector *best = NULL, *weak = NULL;
    int best_port = 0, more = 0;
    for (size_t i = 0; i < pd_registry_count; i++) {
        const struct pd_dissector *d = pd_registry[i];
        if (!transport_ok(d, l4proto))
            continue;
        enum pd_probe r = d->probe(p, n, dir);
        if (r == PD_PROBE_NEED_MORE) {
            more = 1;
        } else if (r == PD_PROBE_WEAK) {
            if (!weak && has_port(d, server_port))
                weak = d;
        } else if (r == PD_PROBE_YES) {
            int on_port = has_port(d, server_port);
            if (!best || (on_port && !best_port)) {
                best = d;
                best_port = on_port;
            }
        }
    }
    if (!best && !more)
        best = weak; /* the default port breaks the tie between "unusual" and "no" */
    *out = best;
    if (best)
        return IDENT_YES;
    return more ? IDENT_MORE : IDENT_NO;
}

void ident_mark(struct ident_side *s, uint32_t at)
{
    if (at == 0 || s->n_marks >= IDENT_MARKS)
        return; /* offset 0 is where probing starts anyway */
    if (s->n_marks && s->marks[s->n_marks - 1] >= at)
        return;
    s->marks[s->n_marks++] = at;
}

uint32_t ident_skip(struct ident_side *s, uint32_t blen)
{
    if (s->n_marks == 0 || s->marks[0] >= blen) {
        s->n_marks = 0;
        return blen;
    }
    uint32_t drop = s->marks[0];
    for (uint8_t i = 1; i < s->n_marks; i++)
        s->marks[i - 1] = s->marks[i] - drop;
    s->n_marks--;
    return drop;
}

void ident_side_reset(struct ident_side *s)
{
    memset(s, 0, sizeof *s);
}

static int id_seen(const struct ident_side *s, uint32_t id)
{
    for (uint8_t i = 0; i < s->n_ids; i++)
        if (s->ids[i] == id)
            return 1;
    return 0;
}

static void id_note(struct ident_side *s, uint32_t id)
{
    if (id_seen(s, id))
        return;
    s->ids[s->ids_next] = id;
    s->ids_next = (uint8_t)((s->ids_next + 1) % IDENT_IDS);
    if (s->n_ids < IDENT_IDS)
        s->n_ids++;
}

/* One whole PDU of `side`: its weight for "side 0 is the client". */
static void weigh(struct ident_state *st, const struct pd_dissector *d, int side,
                  const uint8_t *p, size_t n)
{
    struct pd_role_info ri = {PD_ROLE_EITHER, 0, 0};
    if (d->role)
        d->role(p, n, &ri);
    int toward0 = side == 0 ? 1 : -1; /* this side being the client, in score terms */
    if (ri.role == PD_ROLE_REQUEST)
        st->score = (int16_t)(st->score + toward0);
    else if (ri.role == PD_ROLE_RESPONSE)
        st->score = (int16_t)(st->score - toward0);
    if (!ri.has_id)
        return;
    struct ident_side *peer = &st->side[!side];
    if (ri.role != PD_ROLE_REQUEST && id_seen(peer, ri.id))
        st->score = (int16_t)(st->score - 2 * toward0); /* the peer asked first */
    else if (ri.role != PD_ROLE_RESPONSE)
        id_note(&st->side[side], ri.id);
}

void ident_roles_feed(struct ident_state *st, const struct pd_dissector *d, int side,
                      const uint8_t *buf, uint32_t n, uint64_t now_us)
{
    struct ident_side *s = &st->side[side];
    if (s->walk == 0) {
        /* the first PDU start: offset 0 when it frames, else where resync points */
        long len = d->pdu_len(buf, n);
        if (len == 0)
            return;
        if (len < 0) {
            long r = d->resync(buf, n);
            if (r <= 0) {
                if (n >= 4096)
                    s->walk = 2;
                return;
            }
            s->start = (uint32_t)r;
        }
        s->fed = s->start;
        s->walk = 1;
    }
    while (s->walk == 1 && s->fed < n) {
        long len = d->pdu_len(buf + s->fed, n - s->fed);
        if (len == 0 || (len > 0 && (uint32_t)len > n - s->fed))
            break;
        if (len < 0) {
            s->walk = 2; /* framing lost: this side says nothing more */
            break;
        }
        weigh(st, d, side, buf + s->fed, (size_t)len);
        s->fed += (uint32_t)len;
        if (s->n_pdus < IDENT_PDUS) {
            s->pdu_end[s->n_pdus] = s->fed;
            s->pdu_ord[s->n_pdus] = st->ord;
            s->pdu_ts[s->n_pdus] = now_us;
            s->n_pdus++;
        }
        st->ord++;
    }
}

int ident_roles_verdict(const struct ident_state *st)
{
    if (st->score >= IDENT_DECIDE)
        return 1;
    if (st->score <= -IDENT_DECIDE)
        return -1;
    return 0;
}

int ident_roles_check(struct ident_state *st, const struct pd_dissector *d, int side,
                      const uint8_t *p, size_t n)
{
    if (!st->watch || !d->role)
        return 0;
    struct pd_role_info ri = {PD_ROLE_EITHER, 0, 0};
    d->role(p, n, &ri);
    if (ri.role == PD_ROLE_EITHER)
        return 0;
    st->watch--;
    int agrees = (ri.role == PD_ROLE_REQUEST) == (side == 0);
    if (agrees) {
        st->confirmed = 1;
        return 0;
    }
    if (st->confirmed || st->swapped)
        return 0;
    st->swap_pending = 1;
    st->watch = 0;
    return 1;
}

void ident_roles_swap(struct ident_state *st)
{
    struct ident_side t = st->side[0];
    st->side[0] = st->side[1];
    st->side[1] = t;
    st->score = (int16_t)-st->score;
}
