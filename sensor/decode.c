/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.c - L2-L4 decoding (see decode.h). Follows IEEE 802.3/802.1Q, RFC 791, RFC 8200
 * (extension headers), RFC 9293 and RFC 768; Linux cooked headers as documented in
 * pcap-linktype(7). Every read goes through the bounds-checked cursor.
 */
#include "decode.h"

#include <string.h>

#include "pd_cursor.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100

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

static int decode_l4(struct pd_cur *c, const uint8_t *base, struct pkt *k, uint8_t proto)
{
    k->l4proto = proto;
    k->l4_off = (uint16_t)(c->p - base);
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
    } else {
        return DECODE_OTHER;
    }
    if (c->err)
        return DECODE_BAD;
    k->payload_off = (uint16_t)(c->p - base);
    k->payload_len = (uint32_t)pd_left(c);
    return DECODE_OK;
}

static int decode_ipv4(struct pd_cur *c, const uint8_t *base, struct pkt *k)
{
    const uint8_t *ip = c->p;
    k->l3_off = (uint16_t)(ip - base);
    uint8_t vihl = pd_u8(c);
    pd_skip(c, 1);
    uint16_t total = pd_u16be(c);
    pd_skip(c, 2);
    uint16_t frag = pd_u16be(c);
    pd_skip(c, 1);
    uint8_t proto = pd_u8(c);
    pd_skip(c, 2);
    pd_copy(c, k->src_ip, 4);
    pd_copy(c, k->dst_ip, 4);
    size_t ihl = (size_t)(vihl & 15) * 4;
    if (c->err || (vihl >> 4) != 4 || ihl < 20 || total < ihl)
        return DECODE_BAD;
    k->ipver = 4;
    pd_skip(c, ihl - 20);
    /* the IP total length bounds the payload (drops Ethernet padding); a capture shorter
     * than it keeps what was captured */
    size_t body = total - ihl;
    if (body < pd_left(c))
        c->end = c->p + body;
    if ((frag & 0x3fff) != 0) /* MF set or a non-zero offset */
        return DECODE_FRAGMENT;
    return decode_l4(c, base, k, proto);
}

static int decode_ipv6(struct pd_cur *c, const uint8_t *base, struct pkt *k)
{
    k->l3_off = (uint16_t)(c->p - base);
    uint32_t vtf = pd_u32be(c);
    uint16_t plen = pd_u16be(c);
    uint8_t next = pd_u8(c);
    pd_skip(c, 1);
    pd_copy(c, k->src_ip, 16);
    pd_copy(c, k->dst_ip, 16);
    if (c->err || (vtf >> 28) != 6)
        return DECODE_BAD;
    k->ipver = 6;
    if (plen < pd_left(c))
        c->end = c->p + plen;
    for (int i = 0; i < 8; i++) { /* at most 8 extension headers */
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
            pd_skip(c, 4);
            if (c->err)
                return DECODE_BAD;
            if ((off & 0xfff9) != 0)
                return DECODE_FRAGMENT;
            break;
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
            return decode_l4(c, base, k, next);
        }
        if (c->err)
            return DECODE_BAD;
    }
    return DECODE_OTHER;
}

static int decode_ethertype(struct pd_cur *c, const uint8_t *base, struct pkt *k, uint16_t type)
{
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
        return decode_ipv4(c, base, k);
    if (type == ETH_IPV6)
        return decode_ipv6(c, base, k);
    return DECODE_OTHER;
}

static int decode_raw_ip(struct pd_cur *c, const uint8_t *base, struct pkt *k)
{
    uint8_t v = pd_peek8(c, 0) >> 4;
    if (v == 4)
        return decode_ipv4(c, base, k);
    if (v == 6)
        return decode_ipv6(c, base, k);
    return DECODE_BAD;
}

int decode_packet(int dlt, const uint8_t *p, uint32_t caplen, struct pkt *k)
{
    struct pd_cur c = pd_cur_make(p, caplen);
    k->dlt = (uint16_t)dlt;
    k->has_mac = 0;
    k->n_vlan = 0;
    k->payload_len = 0;
    k->l4proto = 0;
    k->tcp_flags = 0;
    memset(k->src_ip, 0, sizeof k->src_ip);
    memset(k->dst_ip, 0, sizeof k->dst_ip);
    switch (dlt) {
    case TZ_DLT_EN10MB: {
        pd_copy(&c, k->dst_mac, 6);
        pd_copy(&c, k->src_mac, 6);
        uint16_t type = pd_u16be(&c);
        if (c.err)
            return DECODE_BAD;
        k->has_mac = 1;
        if (type < 0x0600) /* 802.3 length field: LLC, not IP */
            return DECODE_OTHER;
        return decode_ethertype(&c, p, k, type);
    }
    case TZ_DLT_LINUX_SLL: {
        /* packet type u16, ARPHRD u16, address length u16, address[8], protocol u16 */
        pd_skip(&c, 4);
        uint16_t alen = pd_u16be(&c);
        const uint8_t *addr = pd_bytes(&c, 8);
        uint16_t type = pd_u16be(&c);
        if (c.err)
            return DECODE_BAD;
        if (alen == 6) {
            memcpy(k->src_mac, addr, 6);
            memset(k->dst_mac, 0, 6);
            k->has_mac = 1;
        }
        return decode_ethertype(&c, p, k, type);
    }
    case TZ_DLT_LINUX_SLL2: {
        /* protocol u16, reserved u16, ifindex u32, ARPHRD u16, packet type u8, addr len u8,
         * address[8] */
        uint16_t type = pd_u16be(&c);
        pd_skip(&c, 9); /* reserved, ifindex, ARPHRD, packet type */
        uint8_t alen = pd_u8(&c);
        const uint8_t *addr = pd_bytes(&c, 8);
        if (c.err)
            return DECODE_BAD;
        if (alen == 6) {
            memcpy(k->src_mac, addr, 6);
            memset(k->dst_mac, 0, 6);
            k->has_mac = 1;
        }
        return decode_ethertype(&c, p, k, type);
    }
    case TZ_DLT_NULL:
    case TZ_DLT_LOOP: {
        /* 4-byte address family: host order for NULL, network order for LOOP; both
         * orders are accepted (captures travel between machines) */
        const uint8_t *af = pd_bytes(&c, 4);
        if (!af)
            return DECODE_BAD;
        uint32_t le = (uint32_t)af[0] | (uint32_t)af[1] << 8 | (uint32_t)af[2] << 16 |
                      (uint32_t)af[3] << 24;
        uint32_t be = (uint32_t)af[3] | (uint32_t)af[2] << 8 | (uint32_t)af[1] << 16 |
                      (uint32_t)af[0] << 24;
        uint32_t fam = le < 256 ? le : be;
        if (fam == 2)
            return decode_ipv4(&c, p, k);
        if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
            return decode_ipv6(&c, p, k);
        return DECODE_OTHER;
    }
    case TZ_DLT_RAW:
    case TZ_DLT_RAW_ALT:
    case TZ_DLT_LINKTYPE_RAW:
        return decode_raw_ip(&c, p, k);
    case TZ_DLT_IPV4:
        return decode_ipv4(&c, p, k);
    case TZ_DLT_IPV6:
        return decode_ipv6(&c, p, k);
    default:
        return DECODE_BAD_LINK;
    }
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
