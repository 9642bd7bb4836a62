/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.h - protocol identification on any port: every dissector's strict probe looks at
 * the first payload a side sends; default ports only break ties and pick the server side
 * when the SYN was not seen.
 */
#ifndef TZ_IDENT_H
#define TZ_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "pd.h"

enum ident_answer { IDENT_NO = 0, IDENT_YES, IDENT_MORE };

/* Is port a default port of some dissector for this transport (6 TCP / 17 UDP)? */
int ident_is_hint_port(uint16_t port, uint8_t l4proto);
/* Probes payload p[0..n) sent in direction dir of a flow whose server port is server_port. */
enum ident_answer ident_probe(uint8_t l4proto, uint16_t server_port, uint8_t dir,
                              const uint8_t *p, size_t n, const struct pd_dissector **out);

#endif
