/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.c - L2-L4 decoding (see decode.h). Follows IEEE 802.3/802.1Q, RFC 791, RFC 8200
 * (extension headers, the fragment header), RFC 9293 and RFC 768; Linux cooked headers as
 * documented in pcap-linktype(7). Encapsulations are in decap.c. Every read goes through
 * the bounds-checked cursor.
 */
#include "decode.h"

#include <string.h>

#include "decode_int.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define IPPROTO_GRE_ 47
#define OFF_MAX 65535u /* offsets in struct pkt are 16 bits */

const struct decode_opts decode_opts_default = {4, 1, {4789}};

int decode_link_supported(int dlt)
{
    switch (dlt) {
    case TZ_DLT_NULL: case TZ_DLT_EN10MB: case TZ_DLT_RAW: case TZ_DLT_RAW_ALT:
    case TZ_DLT_LINKTYPE_RAW: case TZ_DLT_LOOP: case TZ_DLT_LINUX_SLL: case TZ_DLT_IPV4:
    case TZ_DLT_IPV6: case TZ_DLT_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

/* The cursor's offset in the frame, or -1 past what struct pkt can hold. */
static long off_of(const struct dstate *d, const struct pd_cur *c)
{
    size_t o = (size_t)(c->p - d->base);
    return o > OFF_MAX ? -1 : (long)o;
}

static int decode_l4(struct dstate *d, struct pd_cur *c, uint8_t proto)
{
    struct pkt *k = d->k;
    if (proto == IPPROTO_GRE_)
        return decap_gre(d, c);
    long l4 = off_of(d, c);
    if (l4 < 0)
        return DECODE_BAD;
    k->l4proto = proto;
    k->l4_off = (uint16_t)l4;
    if (proto == 6) {
        k->sport = pd_u16be(c);
        k->dport = pd_u16be(c);
        k->seq = pd_u32be(c);
        k->ack = pd_u32be(c);
        uint8_t off = pd_u8(c);
        k->tcp_flags = pd_u8(c);
        pd_skip(c, 6); /* window, checksum, urgent pointer */
        size_t hlen = (size_t)(off >> 4) * 4;
        if (c->err || hlen < 20)
            return DECODE_BAD;
        pd_skip(c, hlen - 20);
    } else if (proto == 17) {
        k->sport = pd_u16be(c);
        k->dport = pd_u16be(c);
        uint16_t ulen = pd_u16be(c);
        pd_skip(c, 2);
        if (c->err || ulen < 8)
            return DECODE_BAD;
        /* trust the UDP length when it is shorter than what was captured (Ethernet padding) */
        if ((size_t)(ulen - 8) < pd_left(c))
            c->end = c->p + (ulen - 8);
        if (decap_is_vxlan_port(d->o, k->dport)) {
            int not_vxlan = 0;
            int r = decap_vxlan(d, c, &not_vxlan);
            if (!not_vxlan)
                return r;
        }
    } else {
        return DECODE_OTHER;
    }
    long po = off_of(d, c);
    if (c->err || po < 0)
        return DECODE_BAD;
    k->payload_off = (uint16_t)po;
    k->payload_len = (uint32_t)pd_left(c);
    return DECODE_OK;
}

static int decode_ipv4(struct dstate *d, struct pd_cur *c)
{
    struct pkt *k = d->k;
    long l3 = off_of(d, c);
    uint8_t vihl = pd_u8(c);
    pd_skip(c, 1);
    uint16_t total = pd_u16be(c);
    uint16_t id = pd_u16be(c);
    uint16_t frag = pd_u16be(c);
    pd_skip(c, 1);
    uint8_t proto = pd_u8(c);
    pd_skip(c, 2);
    if (k->ipver == 6) { /* IPv4 inside an IPv6 tunnel: the rest of the addresses */
        memset(k->src_ip + 4, 0, 12);
        memset(k->dst_ip + 4, 0, 12);
    }
    pd_copy(c, k->src_ip, 4);
    pd_copy(c, k->dst_ip, 4);
    size_t ihl = (size_t)(vihl & 15) * 4;
    if (c->err || l3 < 0 || (vihl >> 4) != 4 || ihl < 20 || total < ihl)
        return DECODE_BAD;
    k->l3_off = (uint16_t)l3;
    k->ipver = 4;
    pd_skip(c, ihl - 20);
    /* the IP total length bounds the payload (drops Ethernet padding); a capture shorter
     * than it keeps what was captured */
    size_t body = total - ihl;
    if (body < pd_left(c))
        c->end = c->p + body;
    if ((frag & 0x3fff) != 0) { /* MF set or a non-zero offset */
        long data = off_of(d, c);
        /* a fragment cut by the snap length cannot be reassembled */
        if (c->err || data < 0 || pd_left(c) < body)
            return DECODE_BAD;
        k->frag.hdr_len = (uint16_t)ihl;
        k->frag.nh_off = 0;
        k->frag.data_off = (uint16_t)data;
        k->frag.data_len = (uint32_t)body;
        k->frag.offset = (uint16_t)((frag & 0x1fff) * 8u);
        k->frag.more = (frag & 0x2000) != 0;
        k->frag.id = id;
        k->frag.proto = proto;
        return DECODE_FRAGMENT;
    }
    return decode_l4(d, c, proto);
}

static int decode_ipv6(struct dstate *d, struct pd_cur *c)
{
    struct pkt *k = d->k;
    const uint8_t *ip = c->p;
    long l3 = off_of(d, c);
    uint32_t vtf = pd_u32be(c);
    uint16_t plen = pd_u16be(c);
    uint8_t next = pd_u8(c);
    pd_skip(c, 1);
    pd_copy(c, k->src_ip, 16);
    pd_copy(c, k->dst_ip, 16);
    if (c->err || l3 < 0 || (vtf >> 28) != 6)
        return DECODE_BAD;
    k->l3_off = (uint16_t)l3;
    k->ipver = 6;
    if (plen < pd_left(c))
        c->end = c->p + plen;
    const uint8_t *nh = ip + 6; /* the byte that names the header at the cursor */
    for (int i = 0; i < 8; i++) { /* at most 8 extension headers */
        const uint8_t *h = c->p;
        switch (next) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60: { /* destination options */
            next = pd_u8(c);
            uint8_t len = pd_u8(c);
            pd_skip(c, (size_t)len * 8 + 6);
            break;
        }
        case 44: { /* fragment */
            next = pd_u8(c);
            pd_skip(c, 1);
            uint16_t off = pd_u16be(c);
            uint32_t id = pd_u32be(c);
            if (c->err)
                return DECODE_BAD;
            if ((off & 0xfff9) == 0) /* an atomic fragment (RFC 6946): the whole datagram */
                break;
            long data = off_of(d, c);
            size_t ext = (size_t)(c->p - ip) - 40; /* extension headers before the data */
            /* a fragment cut by the snap length cannot be reassembled */
            if (data < 0 || ext > plen || pd_left(c) < (size_t)plen - ext)
                return DECODE_BAD;
            k->frag.hdr_len = (uint16_t)(h - ip);
            k->frag.nh_off = (uint16_t)(nh - ip);
            k->frag.data_off = (uint16_t)data;
            k->frag.data_len = (uint32_t)pd_left(c);
            k->frag.offset = off & 0xfff8;
            k->frag.more = off & 1;
            k->frag.id = id;
            k->frag.proto = next;
            return DECODE_FRAGMENT;
        }
        case 51: { /* AH: length in 4-byte units minus 2 */
            next = pd_u8(c);
            uint8_t len = pd_u8(c);
            pd_skip(c, ((size_t)len + 2) * 4 - 2);
            break;
        }
        default:
            if (c->err)
                return DECODE_BAD;
            return decode_l4(d, c, next);
        }
        if (c->err)
            return DECODE_BAD;
        nh = h;
    }
    return DECODE_OTHER;
}

int decode_ip_any(struct dstate *d, struct pd_cur *c)
{
    uint8_t v = pd_peek8(c, 0) >> 4;
    if (v == 4)
        return decode_ipv4(d, c);
    if (v == 6)
        return decode_ipv6(d, c);
    return DECODE_BAD;
}

static inline int ethertype(struct dstate *d, struct pd_cur *c, uint16_t type)
{
    struct pkt *k = d->k;
    /* VLAN tags: 802.1Q, 802.1ad (QinQ), the old 0x9100 */
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
        uint16_t tci = pd_u16be(c);
        type = pd_u16be(c);
        if (c->err)
            return DECODE_BAD;
        if (k->n_vlan < DECODE_MAX_VLAN)
            k->vlan[k->n_vlan++] = tci & 0x0fff;
    }
    if (type == ETH_IPV4)
        return decode_ipv4(d, c);
    if (type == ETH_IPV6)
        return decode_ipv6(d, c);
    if (type == ETH_MPLS || type == ETH_MPLS_MC)
        return decap_mpls(d, c);
    return DECODE_OTHER;
}

int decode_ethertype(struct dstate *d, struct pd_cur *c, uint16_t type)
{
    return ethertype(d, c, type);
}

int decode_inner_ethernet(struct dstate *d, struct pd_cur *c)
{
    struct pkt *k = d->k;
    pd_copy(c, k->dst_mac, 6);
    pd_copy(c, k->src_mac, 6);
    uint16_t type = pd_u16be(c);
    if (c->err)
        return DECODE_BAD;
    k->has_mac = 1;
    if (type < 0x0600) /* 802.3 length field: LLC, not IP */
        return DECODE_OTHER;
    return ethertype(d, c, type);
}

static void pkt_reset(struct pkt *k, int dlt)
{
    k->dlt = (uint16_t)dlt;
    k->has_mac = 0;
    k->n_vlan = 0;
    k->payload_len = 0;
    k->l4proto = 0;
    k->tcp_flags = 0;
    k->path = 0;
    k->ipver = 0;
    /* the rest of tun is written when a tunnel is recorded (decap.c tunnel_enter) */
    k->tun.type = TUNNEL_NONE;
    k->tun.depth = 0;
    k->tun.n_mpls = 0;
    memset(k->src_ip, 0, sizeof k->src_ip);
    memset(k->dst_ip, 0, sizeof k->dst_ip);
}

static int decode_link(struct dstate *d, struct pd_cur *c, int dlt)
{
    struct pkt *k = d->k;
    switch (dlt) {
    case TZ_DLT_EN10MB: {
        pd_copy(c, k->dst_mac, 6);
        pd_copy(c, k->src_mac, 6);
        uint16_t type = pd_u16be(c);
        if (c->err)
            return DECODE_BAD;
        k->has_mac = 1;
        if (type < 0x0600) /* 802.3 length field: LLC, not IP */
            return DECODE_OTHER;
        return ethertype(d, c, type);
    }
    case TZ_DLT_LINUX_SLL: {
        /* packet type u16, ARPHRD u16, address length u16, address[8], protocol u16 */
        pd_skip(c, 4);
        uint16_t alen = pd_u16be(c);
        const uint8_t *addr = pd_bytes(c, 8);
        uint16_t type = pd_u16be(c);
        if (c->err)
            return DECODE_BAD;
        if (alen == 6) {
            memcpy(k->src_mac, addr, 6);
            memset(k->dst_mac, 0, 6);
            k->has_mac = 1;
        }
        return ethertype(d, c, type);
    }
    case TZ_DLT_LINUX_SLL2: {
        /* protocol u16, reserved u16, ifindex u32, ARPHRD u16, packet type u8, addr len u8,
         * address[8] */
        uint16_t type = pd_u16be(c);
        pd_skip(c, 9); /* reserved, ifindex, ARPHRD, packet type */
        uint8_t alen = pd_u8(c);
        const uint8_t *addr = pd_bytes(c, 8);
        if (c->err)
            return DECODE_BAD;
        if (alen == 6) {
            memcpy(k->src_mac, addr, 6);
            memset(k->dst_mac, 0, 6);
            k->has_mac = 1;
        }
        return ethertype(d, c, type);
    }
    case TZ_DLT_NULL:
    case TZ_DLT_LOOP: {
        /* 4-byte address family: host order for NULL, network order for LOOP; both
         * orders are accepted (captures travel between machines) */
        const uint8_t *af = pd_bytes(c, 4);
        if (!af)
            return DECODE_BAD;
        uint32_t le = (uint32_t)af[0] | (uint32_t)af[1] << 8 | (uint32_t)af[2] << 16 |
                      (uint32_t)af[3] << 24;
        uint32_t be = (uint32_t)af[3] | (uint32_t)af[2] << 8 | (uint32_t)af[1] << 16 |
                      (uint32_t)af[0] << 24;
        uint32_t fam = le < 256 ? le : be;
        if (fam == 2)
            return decode_ipv4(d, c);
        if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
            return decode_ipv6(d, c);
        return DECODE_OTHER;
    }
    case TZ_DLT_RAW:
    case TZ_DLT_RAW_ALT:
    case TZ_DLT_LINKTYPE_RAW:
        return decode_ip_any(d, c);
    case TZ_DLT_IPV4:
        return decode_ipv4(d, c);
    case TZ_DLT_IPV6:
        return decode_ipv6(d, c);
    default:
        return DECODE_BAD_LINK;
    }
}

int decode_packet_opts(const struct decode_opts *o, int dlt, const uint8_t *p, uint32_t caplen,
                       struct pkt *k)
{
    struct pd_cur c = pd_cur_make(p, caplen);
    struct dstate d = {p, k, o};
    pkt_reset(k, dlt);
    int r = decode_link(&d, &c, dlt);
    if (r == DECODE_OK && k->tun.type != TUNNEL_NONE)
        k->path = decap_path(&k->tun);
    return r;
}

int decode_packet(int dlt, const uint8_t *p, uint32_t caplen, struct pkt *k)
{
    return decode_packet_opts(&decode_opts_default, dlt, p, caplen, k);
}

int decode_datagram(const struct decode_opts *o, const struct pkt *ctx, const uint8_t *p,
                    uint32_t len, struct pkt *k)
{
    struct pd_cur c = pd_cur_make(p, len);
    struct dstate d = {p, k, o};
    pkt_reset(k, TZ_DLT_RAW);
    k->ts_us = ctx->ts_us;
    k->caplen = len;
    k->wirelen = len;
    k->has_mac = ctx->has_mac;
    memcpy(k->src_mac, ctx->src_mac, 6);
    memcpy(k->dst_mac, ctx->dst_mac, 6);
    k->n_vlan = ctx->n_vlan;
    memcpy(k->vlan, ctx->vlan, sizeof k->vlan);
    k->tun = ctx->tun;
    int r = decode_ip_any(&d, &c);
    if (r == DECODE_OK && k->tun.type != TUNNEL_NONE)
        k->path = decap_path(&k->tun);
    return r;
}

uint32_t decode_flow_hash(const struct pkt *k)
{
    /* symmetric: combine each endpoint's hash with a commutative operation; an endpoint is
     * hashed four bytes of its address at a time (multiply-xorshift mixing) */
    uint32_t a = 2166136261u ^ k->sport, b = 2166136261u ^ k->dport;
    for (int i = 0; i < 16; i += 4) {
        uint32_t x, y;
        memcpy(&x, k->src_ip + i, 4);
        memcpy(&y, k->dst_ip + i, 4);
        a = (a ^ x) * 0x9e3779b1u;
        a ^= a >> 15;
        b = (b ^ y) * 0x9e3779b1u;
        b ^= b >> 15;
    }
    uint32_t h = (a + b) ^ (a * b) ^ k->l4proto;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}
