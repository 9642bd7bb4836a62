/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decap.c - the decapsulators (sensor/decap.c) on commented byte vectors: GRE without
 * and with key, sequence and checksum, Ethernet in GRE, ERSPAN type I, II (the VLAN of a
 * stripped tag) and III (with the platform subheader, Ethernet and IP frames), VXLAN on the
 * default and a configured port and a datagram to 4789 that is not VXLAN, MPLS with 1 and 3
 * labels, explicit null, the pseudowire control word, a too-long stack, the depth cap, an
 * outer fragment, decode_datagram keeping the layers, the mirror path, every truncation.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:502, 4 bytes of payload (44 bytes) */
static const uint8_t ip4_tcp[] = {
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, /* v4, total 44, id 1, DF */
    0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2,
    0x9c, 0x40, 0x01, 0xf6,                         /* ports 40000 -> 502 */
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, /* seq, ack */
    0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* offset 5, PSH|ACK */
    0xde, 0xad, 0xbe, 0xef,
};

/* the inner Ethernet header: 0a:..:01 <- 0a:..:02, IPv4 */
static const uint8_t inner_eth[] = {0x0a, 0, 0, 0, 0, 1, 0x0a, 0, 0, 0, 0, 2, 0x08, 0x00};

struct buf {
    uint8_t b[512];
    size_t n;
};

static void put(struct buf *f, const void *p, size_t n)
{
    cr_assert(f->n + n <= sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

/* outer Ethernet + IPv4 192.0.2.1 -> 192.0.2.2, protocol proto; the total length is fixed
 * by finish() */
static void outer4(struct buf *f, uint8_t proto)
{
    static const uint8_t eth[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    const uint8_t ip[] = {0x45, 0, 0, 0, 0, 9, 0, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};
    f->n = 0;
    put(f, eth, sizeof eth);
    put(f, ip, sizeof ip);
}

static void finish(struct buf *f)
{
    size_t total = f->n - 14;
    f->b[16] = (uint8_t)(total >> 8);
    f->b[17] = (uint8_t)total;
}

static int dec(const struct buf *f, struct pkt *k)
{
    return decode_packet(TZ_DLT_EN10MB, f->b, (uint32_t)f->n, k);
}

static void expect_inner(const struct pkt *k)
{
    cr_expect_eq(k->ipver, 4);
    cr_expect_eq(k->l4proto, 6);
    cr_expect_eq(k->sport, 40000);
    cr_expect_eq(k->dport, 502);
    cr_expect_eq(k->src_ip[0], 10);
    cr_expect_eq(k->dst_ip[3], 2);
    cr_expect_eq(k->payload_len, 4);
}

static void expect_outer(const struct pkt *k)
{
    cr_expect_eq(k->tun.ipver, 4);
    cr_expect_eq(k->tun.src[0], 192);
    cr_expect_eq(k->tun.src[3], 1);
    cr_expect_eq(k->tun.dst[3], 2);
}

Test(decap, gre_plain_key_sequence_checksum)
{
    struct buf f;
    struct pkt k;
    /* GRE, no options, IPv4 inside */
    static const uint8_t gre[] = {0x00, 0x00, 0x08, 0x00};
    outer4(&f, 47);
    put(&f, gre, sizeof gre);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    expect_outer(&k);
    cr_expect_eq(k.tun.type, TUNNEL_GRE);
    cr_expect_eq(k.tun.has_session, 0);
    cr_expect_eq(k.tun.depth, 1);
    cr_expect_eq(k.has_mac, 0, "the outer MACs are the tunnel's, not the endpoints'");
    cr_expect_eq(f.b[k.payload_off], 0xde);

    /* C, K and S: checksum + reserved, key 0x00001234, sequence 7 */
    static const uint8_t gre_cks[] = {0xb0, 0x00, 0x08, 0x00, 0xaa, 0xbb, 0, 0,
                                      0x00, 0x00, 0x12, 0x34, 0, 0, 0, 7};
    outer4(&f, 47);
    put(&f, gre_cks, sizeof gre_cks);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.has_session, 1);
    cr_expect_eq(k.tun.session, 0x1234u);

    /* version 1 (PPTP) carries PPP: not decoded */
    static const uint8_t gre_v1[] = {0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 1, 0, 0, 0, 1};
    outer4(&f, 47);
    put(&f, gre_v1, sizeof gre_v1);
    finish(&f);
    cr_expect_eq(dec(&f, &k), DECODE_OTHER);
}

Test(decap, gre_ethernet_and_vlan_inside)
{
    struct buf f;
    struct pkt k;
    static const uint8_t gre[] = {0x20, 0x00, 0x65, 0x58, 0, 0, 0, 7}; /* K, TEB, key 7 */
    static const uint8_t tagged[] = {0x0a, 0, 0, 0, 0, 1, 0x0a, 0, 0, 0, 0, 2,
                                     0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}; /* VLAN 10 */
    outer4(&f, 47);
    put(&f, gre, sizeof gre);
    put(&f, tagged, sizeof tagged);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.has_mac, 1);
    cr_expect_eq(k.src_mac[5], 2, "the inner frame's MACs");
    cr_expect_eq(k.n_vlan, 1);
    cr_expect_eq(k.vlan[0], 10);
    cr_expect_eq(k.tun.session, 7u);
}

Test(decap, erspan_types)
{
    struct buf f;
    struct pkt k;
    /* type I: GRE 0x88BE without the sequence bit, the frame right after */
    static const uint8_t gre1[] = {0x00, 0x00, 0x88, 0xbe};
    outer4(&f, 47);
    put(&f, gre1, sizeof gre1);
    put(&f, inner_eth, sizeof inner_eth);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.type, TUNNEL_ERSPAN);
    cr_expect_eq(k.tun.erspan_type, 1);
    cr_expect_eq(k.tun.has_session, 0);

    /* type II: S bit, sequence; version 1, VLAN 20, En 2 (the tag was taken off), session
     * 0x123; reserved, index */
    static const uint8_t gre2[] = {0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1,
                                   0x10, 0x14, 0x11, 0x23, 0x00, 0x00, 0x00, 0x05};
    outer4(&f, 47);
    put(&f, gre2, sizeof gre2);
    put(&f, inner_eth, sizeof inner_eth);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    expect_outer(&k);
    cr_expect_eq(k.tun.erspan_type, 2);
    cr_expect_eq(k.tun.session, 0x123u);
    cr_expect_eq(k.n_vlan, 1, "En 2: the VLAN of the header stands for the stripped tag");
    cr_expect_eq(k.vlan[0], 20);
    f.b[14 + 20 + 8 + 2] = 0x19; /* En 3: the tag stayed in the frame (which has none) */
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    cr_expect_eq(k.n_vlan, 0);
    f.b[14 + 20 + 8] = 0x70; /* version 7: unknown */
    cr_expect_eq(dec(&f, &k), DECODE_BAD_TUNNEL);

    /* type III: 0x22EB; version 2, VLAN 0, session 0x3ff; timestamp; SGT; FT 0, O set; the
     * 8-byte platform subheader */
    static const uint8_t gre3[] = {0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 2,
                                   0x20, 0x00, 0x03, 0xff, 0, 0, 0x30, 0x39, 0, 0, 0x00, 0x01,
                                   0x0c, 0, 0, 1, 0, 0, 0, 2};
    outer4(&f, 47);
    put(&f, gre3, sizeof gre3);
    put(&f, inner_eth, sizeof inner_eth);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.erspan_type, 3);
    cr_expect_eq(k.tun.session, 0x3ffu);
    cr_expect_eq(k.has_mac, 1);

    /* type III, FT 2 (an IP packet, no Ethernet header), no subheader */
    static const uint8_t gre3ip[] = {0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 3,
                                     0x20, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0x08, 0x00};
    outer4(&f, 47);
    put(&f, gre3ip, sizeof gre3ip);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.has_mac, 0);
    cr_expect_eq(k.tun.session, 5u);
}

static void vxlan_frame(struct buf *f, uint16_t port, uint8_t flags)
{
    const uint8_t udp[] = {0xc0, 0x00, (uint8_t)(port >> 8), (uint8_t)port, 0, 0, 0, 0};
    const uint8_t vx[] = {flags, 0, 0, 0, 0x00, 0x13, 0x89, 0}; /* VNI 5001 */
    outer4(f, 17);
    put(f, udp, sizeof udp);
    put(f, vx, sizeof vx);
    put(f, inner_eth, sizeof inner_eth);
    put(f, ip4_tcp, sizeof ip4_tcp);
    finish(f);
    size_t ulen = f->n - 34;
    f->b[38] = (uint8_t)(ulen >> 8);
    f->b[39] = (uint8_t)ulen;
}

Test(decap, vxlan_ports)
{
    struct buf f;
    struct pkt k;
    vxlan_frame(&f, 4789, 0x08);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    expect_outer(&k);
    cr_expect_eq(k.tun.type, TUNNEL_VXLAN);
    cr_expect_eq(k.tun.session, 5001u);

    /* without the I flag it is an ordinary datagram to port 4789 */
    vxlan_frame(&f, 4789, 0x00);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    cr_expect_eq(k.tun.type, TUNNEL_NONE);
    cr_expect_eq(k.l4proto, 17);
    cr_expect_eq(k.dport, 4789);

    /* 8472 only when configured */
    vxlan_frame(&f, 8472, 0x08);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    cr_expect_eq(k.tun.type, TUNNEL_NONE);
    struct decode_opts o = {4, 2, {4789, 8472}};
    cr_assert_eq(decode_packet_opts(&o, TZ_DLT_EN10MB, f.b, (uint32_t)f.n, &k), DECODE_OK);
    cr_expect_eq(k.tun.type, TUNNEL_VXLAN);
    expect_inner(&k);
}

static void mpls_frame(struct buf *f, const uint32_t *labels, int n)
{
    static const uint8_t eth[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x47};
    f->n = 0;
    put(f, eth, sizeof eth);
    for (int i = 0; i < n; i++) {
        uint32_t e = labels[i] << 12 | (i == n - 1 ? 0x100u : 0u) | 64u;
        const uint8_t b[] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
        put(f, b, 4);
    }
}

Test(decap, mpls_stacks)
{
    struct buf f;
    struct pkt k;
    const uint32_t one[] = {100}, three[] = {100, 200, 1048575}, null4[] = {0};
    mpls_frame(&f, one, 1);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.type, TUNNEL_MPLS);
    cr_expect_eq(k.tun.ipver, 0, "labels have no addresses");
    cr_expect_eq(k.tun.n_mpls, 1);
    cr_expect_eq(k.tun.mpls[0], 100u);

    mpls_frame(&f, three, 3);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.n_mpls, 3);
    cr_expect_eq(k.tun.mpls[2], 1048575u);

    mpls_frame(&f, null4, 1); /* IPv4 explicit null */
    put(&f, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(dec(&f, &k), DECODE_OK);

    /* an Ethernet pseudowire with its control word */
    static const uint8_t cw[] = {0, 0, 0, 0};
    mpls_frame(&f, one, 1);
    put(&f, cw, sizeof cw);
    put(&f, inner_eth, sizeof inner_eth);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.has_mac, 1);

    /* 17 labels and no bottom of stack: an invalid tunnel, counted, no crash */
    uint32_t many[17];
    for (int i = 0; i < 17; i++)
        many[i] = 16u + (uint32_t)i;
    mpls_frame(&f, many, 17);
    f.b[14 + 16 * 4 + 2] &= 0xfe; /* clear the S bit of the last */
    put(&f, ip4_tcp, sizeof ip4_tcp);
    cr_expect_eq(dec(&f, &k), DECODE_BAD_TUNNEL);

    /* MPLS inside GRE: the GRE layer is the tunnel, the labels listed */
    static const uint8_t gre[] = {0x00, 0x00, 0x88, 0x47, 0x00, 0x01, 0x01, 0x40};
    outer4(&f, 47);
    put(&f, gre, sizeof gre);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_assert_eq(dec(&f, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.type, TUNNEL_GRE);
    cr_expect_eq(k.tun.n_mpls, 1);
    cr_expect_eq(k.tun.mpls[0], 16u);
    cr_expect_eq(k.tun.depth, 2);
}

Test(decap, depth_is_capped)
{
    /* GRE carrying GRE carrying ... (IPv4 + GRE per layer) */
    static const uint8_t gre[] = {0x00, 0x00, 0x08, 0x00};
    const uint8_t ip[] = {0x45, 0, 0, 0, 0, 9, 0, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};
    struct buf f;
    struct pkt k;
    outer4(&f, 47);
    put(&f, gre, sizeof gre);
    for (int i = 0; i < 5; i++) {
        size_t at = f.n;
        put(&f, ip, sizeof ip);
        size_t total = sizeof ip + 4 + (size_t)(4 - i) * 24 + sizeof ip4_tcp;
        f.b[at + 2] = (uint8_t)(total >> 8);
        f.b[at + 3] = (uint8_t)total;
        put(&f, gre, sizeof gre);
    }
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    cr_expect_eq(dec(&f, &k), DECODE_TOO_DEEP, "6 layers, the default cap is 4");
    struct decode_opts o = decode_opts_default;
    o.max_depth = 6;
    cr_assert_eq(decode_packet_opts(&o, TZ_DLT_EN10MB, f.b, (uint32_t)f.n, &k), DECODE_OK);
    expect_inner(&k);
    cr_expect_eq(k.tun.depth, 6);
    cr_expect_eq(k.tun.src[3], 1, "the outermost tunnel is the one recorded");
}

Test(decap, outer_fragment_then_datagram)
{
    struct buf f;
    struct pkt k, d;
    static const uint8_t gre[] = {0x20, 0x00, 0x08, 0x00, 0, 0, 0, 9};
    outer4(&f, 47);
    put(&f, gre, sizeof gre);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    f.b[20] = 0x20; /* MF: the first fragment of the outer datagram */
    cr_assert_eq(dec(&f, &k), DECODE_FRAGMENT);
    cr_expect_eq(k.frag.offset, 0);
    cr_expect_eq(k.frag.more, 1);
    cr_expect_eq(k.frag.proto, 47);
    cr_expect_eq(k.frag.hdr_len, 20);
    cr_expect_eq(k.frag.data_off, 34);
    cr_expect_eq(k.frag.data_len, 8 + sizeof ip4_tcp);
    cr_expect_eq(k.frag.id, 9);

    /* the reassembled outer datagram decodes through the tunnel; the MACs of the frame
     * around the fragment are dropped at the tunnel like any outer layer */
    f.b[20] = 0;
    struct pkt ctx = k;
    cr_assert_eq(decode_datagram(&decode_opts_default, &ctx, f.b + 14, (uint32_t)f.n - 14, &d),
                 DECODE_OK);
    expect_inner(&d);
    cr_expect_eq(d.tun.type, TUNNEL_GRE);
    cr_expect_eq(d.tun.session, 9u);
    cr_expect_eq(d.dlt, TZ_DLT_RAW);
    cr_expect_eq((f.b + 14)[d.payload_off], 0xde);

    /* a plain datagram keeps the MACs and tags of its first fragment */
    ctx.has_mac = 1;
    ctx.n_vlan = 1;
    ctx.vlan[0] = 30;
    memset(&ctx.tun, 0, sizeof ctx.tun);
    cr_assert_eq(decode_datagram(&decode_opts_default, &ctx, ip4_tcp, sizeof ip4_tcp, &d),
                 DECODE_OK);
    expect_inner(&d);
    cr_expect_eq(d.has_mac, 1);
    cr_expect_eq(d.vlan[0], 30);
    cr_expect_eq(d.path, 0u);
}

Test(decap, mirror_paths)
{
    struct buf f;
    struct pkt plain, a, b;
    cr_assert_eq(decode_packet(TZ_DLT_RAW, ip4_tcp, sizeof ip4_tcp, &plain), DECODE_OK);
    cr_expect_eq(plain.path, 0u);
    vxlan_frame(&f, 4789, 0x08);
    cr_assert_eq(dec(&f, &a), DECODE_OK);
    f.b[14 + 20 + 8 + 6] = 0x8a; /* another VNI */
    cr_assert_eq(dec(&f, &b), DECODE_OK);
    cr_expect_neq(a.path, 0u);
    cr_expect_neq(a.path, b.path);
    cr_expect_eq(decode_flow_hash(&a), decode_flow_hash(&plain), "one flow, any path");
}

Test(decap, every_truncation_is_safe)
{
    struct buf f;
    static const uint8_t gre3[] = {0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 2,
                                   0x20, 0x00, 0x03, 0xff, 0, 0, 0x30, 0x39, 0, 0, 0x00, 0x01,
                                   0x0c, 0, 0, 1, 0, 0, 0, 2};
    outer4(&f, 47);
    put(&f, gre3, sizeof gre3);
    put(&f, inner_eth, sizeof inner_eth);
    put(&f, ip4_tcp, sizeof ip4_tcp);
    finish(&f);
    for (size_t len = 0; len < f.n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, f.b, len);
        struct pkt k;
        int r = decode_packet(TZ_DLT_EN10MB, copy, (uint32_t)len, &k);
        if (len < f.n - 4)
            cr_expect(r == DECODE_BAD || r == DECODE_BAD_TUNNEL, "length %zu: %d", len, r);
        free(copy);
    }
}
