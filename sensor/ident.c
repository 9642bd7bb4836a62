/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.c - protocol identification (see ident.h). A protocol is named only by a probe
 * that says yes; several yeses are settled by the default port, then registry order.
 */
#include "ident.h"

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
    const struct pd_dissector *best = NULL;
    int best_port = 0, more = 0;
    for (size_t i = 0; i < pd_registry_count; i++) {
        const struct pd_dissector *d = pd_registry[i];
        if (!transport_ok(d, l4proto))
            continue;
        enum pd_probe r = d->probe(p, n, dir);
        if (r == PD_PROBE_NEED_MORE) {
            more = 1;
        } else if (r == PD_PROBE_YES) {
            int on_port = has_port(d, server_port);
            if (!best || (on_port && !best_port)) {
                best = d;
                best_port = on_port;
            }
        }
    }
    *out = best;
    if (best)
        return IDENT_YES;
    return more ? IDENT_MORE : IDENT_NO;
}
