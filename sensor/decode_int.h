/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_int.h - what decode.c (link, IP, TCP/UDP) and decap.c (GRE, ERSPAN, VXLAN, MPLS)
 * share: the state of one frame's decoding and the layer entry points each calls in the
 * other. Not for other modules: they use decode.h.
 */
#ifndef TZ_DECODE_INT_H
#define TZ_DECODE_INT_H

#include "decode.h"
#include "pd_cursor.h"

struct dstate {
    const uint8_t *base;        /* start of the frame: offsets in the pkt are from here */
    struct pkt *k;
    const struct decode_opts *o;
};

/* decode.c */
int decode_ethertype(struct dstate *d, struct pd_cur *c, uint16_t type);
int decode_ip_any(struct dstate *d, struct pd_cur *c); /* IPv4 or IPv6 by version */
/* An Ethernet frame inside a tunnel: its MACs and VLAN tags replace the outer ones. */
int decode_inner_ethernet(struct dstate *d, struct pd_cur *c);

/* decap.c: each is entered with the cursor at its header. */
int decap_gre(struct dstate *d, struct pd_cur *c);
int decap_mpls(struct dstate *d, struct pd_cur *c);
/* Is this UDP destination port a VXLAN port? */
int decap_is_vxlan_port(const struct decode_opts *o, uint16_t dport);
/* VXLAN after the UDP header; DECODE_OK with *not_vxlan set when the header is not VXLAN
 * (the datagram is then an ordinary UDP one). */
int decap_vxlan(struct dstate *d, struct pd_cur *c, int *not_vxlan);
/* The mirror path of a decoded packet (0 when not encapsulated). */
uint32_t decap_path(const struct tunnel *t);

#endif
