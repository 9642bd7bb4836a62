/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decap.c - the encapsulations remote mirror sessions and carrier networks put around a
 * packet, decoded down to the inner one: GRE (RFC 2784, key and sequence RFC 2890, RFC 1701
 * routing), ERSPAN type I, II and III (draft-foschiano-erspan; GRE 0x88BE without and with
 * the sequence bit, 0x22EB), VXLAN (RFC 7348), MPLS label stacks (RFC 3032; explicit null
 * labels, the RFC 4385 control word of Ethernet pseudowires). Each layer counts toward
 * decode_opts.max_depth; the outermost tunnel with addresses is kept in pkt.tun.
 */
#include <string.h>

#include "decode_int.h"

#define GRE_C 0x8000 /* checksum present */
#define GRE_R 0x4000 /* routing present (RFC 1701) */
#define GRE_K 0x2000 /* key present */
#define GRE_S 0x1000 /* sequence number present */
#define GRE_VERSION 0x0007
#define GRE_MAX_SRE 16

#define GRE_P_TEB 0x6558      /* transparent Ethernet bridging */
#define GRE_P_ERSPAN 0x88be   /* ERSPAN type I (no sequence bit) and II */
#define GRE_P_ERSPAN3 0x22eb  /* ERSPAN type III */
#define GRE_P_MPLS 0x8847
#define GRE_P_MPLS_MC 0x8848

#define ERSPAN_FT_ETHERNET 0
#define ERSPAN_FT_IP 2
#define ERSPAN_EN_8021Q 2     /* "originally 802.1Q encapsulated": the tag was taken off */

#define VXLAN_FLAG_I 0x08     /* the VNI is valid */

/*
 * One more layer: checks the depth, drops what belonged to the outer packet (its MACs and
 * VLAN tags describe the transport, not the inner endpoints), and records the layer in
 * pkt.tun when it is the outermost with addresses. Returns 1 when this layer is the one
 * recorded (so its session belongs in tun), 0 when not, or DECODE_TOO_DEEP.
 */
static int tunnel_enter(struct dstate *d, uint8_t type)
{
    struct pkt *k = d->k;
    struct tunnel *t = &k->tun;
    if (t->depth >= d->o->max_depth || t->depth >= DECODE_MAX_DEPTH)
        return DECODE_TOO_DEEP;
    t->depth++;
    k->has_mac = 0;
    k->n_vlan = 0;
    if (type == TUNNEL_MPLS) {
        if (t->type == TUNNEL_NONE) { /* labels only, so far: no addresses, no session */
            t->type = TUNNEL_MPLS;
            t->ipver = 0;
            t->erspan_type = 0;
            t->has_session = 0;
            t->session = 0;
            memset(t->src, 0, sizeof t->src);
            memset(t->dst, 0, sizeof t->dst);
        }
        return 0;
    }
    if (t->type != TUNNEL_NONE && t->type != TUNNEL_MPLS)
        return 0;
    t->type = type;
    t->ipver = k->ipver;
    t->erspan_type = 0;
    memcpy(t->src, k->src_ip, 16);
    memcpy(t->dst, k->dst_ip, 16);
    t->has_session = 0;
    t->session = 0;
    return 1;
}

/* ERSPAN type II (version 1, 8 bytes) or III (version 2, 12 bytes and an optional 8-byte
 * platform-specific subheader), then the mirrored frame. */
static int decap_erspan(struct dstate *d, struct pd_cur *c, int rec)
{
    struct pkt *k = d->k;
    uint16_t w0 = pd_u16be(c);
    uint16_t w1 = pd_u16be(c);
    if (c->err)
        return DECODE_BAD_TUNNEL;
    uint8_t ver = (uint8_t)(w0 >> 12);
    uint16_t vlan = w0 & 0x0fff;
    uint32_t session = w1 & 0x03ff;
    int ft = ERSPAN_FT_ETHERNET;
    if (ver == 1) {
        pd_skip(c, 4); /* reserved, index */
        /* the switch took the 802.1Q tag off the mirrored frame and put its VLAN here */
        if (((w1 >> 11) & 3) == ERSPAN_EN_8021Q && vlan != 0 && k->n_vlan < DECODE_MAX_VLAN)
            k->vlan[k->n_vlan++] = vlan;
    } else if (ver == 2) {
        pd_skip(c, 6); /* timestamp, security group tag */
        uint16_t w5 = pd_u16be(c);
        ft = (w5 >> 10) & 0x1f;
        if (w5 & 1) /* O: platform-specific subheader */
            pd_skip(c, 8);
    } else {
        return DECODE_BAD_TUNNEL;
    }
    if (c->err)
        return DECODE_BAD_TUNNEL;
    if (rec) {
        k->tun.erspan_type = ver == 1 ? 2 : 3;
        k->tun.has_session = 1;
        k->tun.session = session;
    }
    if (ft == ERSPAN_FT_ETHERNET)
        return decode_inner_ethernet(d, c);
    if (ft == ERSPAN_FT_IP)
        return decode_ip_any(d, c);
    return DECODE_OTHER;
}

int decap_gre(struct dstate *d, struct pd_cur *c)
{
    struct pkt *k = d->k;
    uint16_t flags = pd_u16be(c);
    uint16_t proto = pd_u16be(c);
    if (c->err)
        return DECODE_BAD_TUNNEL;
    if ((flags & GRE_VERSION) != 0) /* 1 is PPTP's enhanced GRE, carrying PPP */
        return DECODE_OTHER;
    if (flags & (GRE_C | GRE_R))
        pd_skip(c, 4); /* checksum, offset */
    uint32_t key = (flags & GRE_K) ? pd_u32be(c) : 0;
    if (flags & GRE_S)
        pd_skip(c, 4);
    if (flags & GRE_R) { /* source route entries, up to a null one */
        int i = 0;
        for (; i < GRE_MAX_SRE && !c->err; i++) {
            uint16_t af = pd_u16be(c);
            pd_skip(c, 1);
            uint8_t len = pd_u8(c);
            if (af == 0 && len == 0)
                break;
            pd_skip(c, len);
        }
        if (i == GRE_MAX_SRE)
            return DECODE_BAD_TUNNEL;
    }
    if (c->err)
        return DECODE_BAD_TUNNEL;
    int erspan = proto == GRE_P_ERSPAN || proto == GRE_P_ERSPAN3;
    int rec = tunnel_enter(d, erspan ? TUNNEL_ERSPAN : TUNNEL_GRE);
    if (rec < 0)
        return rec;
    if (rec && (flags & GRE_K)) {
        k->tun.has_session = 1;
        k->tun.session = key;
    }
    switch (proto) {
    case GRE_P_ERSPAN:
        if (!(flags & GRE_S)) { /* type I: the frame follows the GRE header */
            if (rec) {
                k->tun.erspan_type = 1;
                k->tun.has_session = 0;
            }
            return decode_inner_ethernet(d, c);
        }
        return decap_erspan(d, c, rec);
    case GRE_P_ERSPAN3:
        return decap_erspan(d, c, rec);
    case GRE_P_TEB:
        return decode_inner_ethernet(d, c);
    default:
        /* IPv4, IPv6, MPLS, VLAN-tagged: as an EtherType */
        return decode_ethertype(d, c, proto);
    }
}

int decap_mpls(struct dstate *d, struct pd_cur *c)
{
    struct pkt *k = d->k;
    int r = tunnel_enter(d, TUNNEL_MPLS);
    if (r < 0)
        return r;
    uint32_t label = 0;
    for (int n = 0;; n++) {
        if (n >= DECODE_MPLS_STACK_MAX)
            return DECODE_BAD_TUNNEL;
        uint32_t e = pd_u32be(c);
        if (c->err)
            return DECODE_BAD_TUNNEL;
        label = e >> 12;
        if (k->tun.n_mpls < DECODE_MAX_MPLS)
            k->tun.mpls[k->tun.n_mpls++] = label;
        if (e & 0x100) /* bottom of stack */
            break;
    }
    if (label == 0) /* IPv4 explicit null */
        return decode_ip_any(d, c);
    if (label == 2) /* IPv6 explicit null */
        return decode_ip_any(d, c);
    if (!pd_has(c, 1))
        return DECODE_BAD_TUNNEL;
    uint8_t nibble = pd_peek8(c, 0) >> 4;
    if (nibble == 4 || nibble == 6)
        return decode_ip_any(d, c);
    if (nibble == 0) /* the pseudowire control word, then Ethernet */
        pd_skip(c, 4);
    else if (nibble == 1) /* a pseudowire associated channel: not a mirrored packet */
        return DECODE_OTHER;
    return decode_inner_ethernet(d, c);
}

int decap_is_vxlan_port(const struct decode_opts *o, uint16_t dport)
{
    for (int i = 0; i < o->n_vxlan_ports; i++)
        if (o->vxlan_ports[i] == dport)
            return 1;
    return 0;
}

int decap_vxlan(struct dstate *d, struct pd_cur *c, int *not_vxlan)
{
    struct pd_cur v = *c;
    uint8_t flags = pd_u8(&v);
    pd_skip(&v, 3);
    uint32_t vni = (uint32_t)pd_u16be(&v) << 8;
    vni |= pd_u8(&v);
    pd_skip(&v, 1);
    /* without the I flag, or too short for the header and an Ethernet header, it is not
     * VXLAN: an ordinary datagram to that port */
    if (v.err || !(flags & VXLAN_FLAG_I) || pd_left(&v) < 14) {
        *not_vxlan = 1;
        return DECODE_OK;
    }
    *c = v;
    int rec = tunnel_enter(d, TUNNEL_VXLAN);
    if (rec < 0)
        return rec;
    if (rec) {
        d->k->tun.has_session = 1;
        d->k->tun.session = vni;
    }
    return decode_inner_ethernet(d, c);
}

uint32_t decap_path(const struct tunnel *t)
{
    /* FNV-1a over what tells two mirror paths apart: the kind, the outer addresses, the
     * session and the labels */
    uint32_t h = 2166136261u;
    uint8_t head[8] = {t->type, t->ipver, t->erspan_type, t->has_session,
                       (uint8_t)(t->session >> 24), (uint8_t)(t->session >> 16),
                       (uint8_t)(t->session >> 8), (uint8_t)t->session};
    for (size_t i = 0; i < sizeof head; i++)
        h = (h ^ head[i]) * 16777619u;
    for (int i = 0; i < 16; i++) {
        h = (h ^ t->src[i]) * 16777619u;
        h = (h ^ t->dst[i]) * 16777619u;
    }
    for (int i = 0; i < t->n_mpls && i < DECODE_MAX_MPLS; i++)
        h = (h ^ t->mpls[i]) * 16777619u;
    return h | 1u; /* 0 is the plain path */
}
