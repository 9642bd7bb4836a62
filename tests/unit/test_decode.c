/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode.c - L2-L4 decoding: Ethernet, 802.1Q and QinQ, Linux SLL and SLL2, raw IP,
 * BSD loopback, IPv6 with an extension header, fragments, truncation at every length,
 * and the symmetric flow hash.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:502, 4 bytes of payload */
static const uint8_t ip4_tcp[] = {
    0x45, 0x00, 0x00, 0x2c,             /* version 4, IHL 5, total length 44 */
    0x00, 0x01, 0x40, 0x00,             /* id, DF */
    0x40, 0x06, 0x00, 0x00,             /* TTL 64, TCP, checksum (unchecked) */
    10, 0, 0, 1, 10, 0, 0, 2,           /* addresses */
    0x9c, 0x40, 0x01, 0xf6,             /* ports 40000 -> 502 */
    0x00, 0x00, 0x10, 0x00,             /* seq 4096 */
    0x00, 0x00, 0x20, 0x00,             /* ack 8192 */
    0x50, 0x18, 0xff, 0xff,             /* data offset 5, PSH|ACK, window */
    0x00, 0x00, 0x00, 0x00,             /* checksum, urgent */
    0xde, 0xad, 0xbe, 0xef,             /* payload */
};

static size_t frame(uint8_t *out, const uint8_t *l2, size_t l2n, const uint8_t *l3, size_t l3n)
{
    memcpy(out, l2, l2n);
    memcpy(out + l2n, l3, l3n);
    return l2n + l3n;
}

static void expect_tcp(const struct pkt *k)
{
    cr_expect_eq(k->ipver, 4);
    cr_expect_eq(k->l4proto, 6);
    cr_expect_eq(k->sport, 40000);
    cr_expect_eq(k->dport, 502);
    cr_expect_eq(k->seq, 4096u);
    cr_expect_eq(k->ack, 8192u);
    cr_expect_eq(k->tcp_flags, TCP_PSH | TCP_ACK);
    cr_expect_eq(k->payload_len, 4);
    cr_expect_eq(k->src_ip[3], 1);
    cr_expect_eq(k->dst_ip[3], 2);
}

Test(decode, ethernet_vlan_qinq)
{
    uint8_t buf[128];
    struct pkt k;
    static const uint8_t eth[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00};
    size_t n = frame(buf, eth, sizeof eth, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_EN10MB, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);
    cr_expect_eq(k.n_vlan, 0);
    cr_expect_eq(k.src_mac[0], 7);
    cr_expect_eq(buf[k.payload_off], 0xde);

    static const uint8_t qinq[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                   0x88, 0xa8, 0x00, 0x64,  /* S-tag VLAN 100 */
                                   0x81, 0x00, 0x20, 0x0a,  /* C-tag VLAN 10, PCP 1 */
                                   0x08, 0x00};
    n = frame(buf, qinq, sizeof qinq, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_EN10MB, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);
    cr_expect_eq(k.n_vlan, 2);
    cr_expect_eq(k.vlan[0], 100);
    cr_expect_eq(k.vlan[1], 10);
}

Test(decode, linux_cooked_and_raw_and_loopback)
{
    uint8_t buf[128];
    struct pkt k;
    static const uint8_t sll[] = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
    size_t n = frame(buf, sll, sizeof sll, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_LINUX_SLL, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);
    cr_expect(k.has_mac);

    static const uint8_t sll2[] = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
                                   1, 2, 3, 4, 5, 6, 0, 0};
    n = frame(buf, sll2, sizeof sll2, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_LINUX_SLL2, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);

    cr_assert_eq(decode_packet(TZ_DLT_RAW, ip4_tcp, sizeof ip4_tcp, &k), DECODE_OK);
    expect_tcp(&k);
    cr_assert_eq(decode_packet(TZ_DLT_IPV4, ip4_tcp, sizeof ip4_tcp, &k), DECODE_OK);

    static const uint8_t null_le[] = {2, 0, 0, 0}; /* AF_INET, little-endian host */
    n = frame(buf, null_le, sizeof null_le, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_NULL, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);
    static const uint8_t loop_be[] = {0, 0, 0, 2};
    n = frame(buf, loop_be, sizeof loop_be, ip4_tcp, sizeof ip4_tcp);
    cr_assert_eq(decode_packet(TZ_DLT_LOOP, buf, (uint32_t)n, &k), DECODE_OK);
    expect_tcp(&k);
}

Test(decode, ipv6_with_extension_header_udp)
{
    static const uint8_t v6[] = {
        0x60, 0, 0, 0, 0x00, 0x14, 0x00, 0x40, /* version 6, payload 20, next hop-by-hop */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 2001:db8::1 */
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, /* 2001:db8::2 */
        0x11, 0x00, 0, 0, 0, 0, 0, 0,       /* hop-by-hop: next UDP, length 0 (8 bytes) */
        0x4e, 0x20, 0x4e, 0x21, 0x00, 0x0c, 0x00, 0x00, /* UDP 20000 -> 20001, length 12 */
        0x05, 0x64, 0x05, 0xc0,             /* payload */
    };
    struct pkt k;
    cr_assert_eq(decode_packet(TZ_DLT_RAW, v6, sizeof v6, &k), DECODE_OK);
    cr_expect_eq(k.ipver, 6);
    cr_expect_eq(k.l4proto, 17);
    cr_expect_eq(k.sport, 20000);
    cr_expect_eq(k.dport, 20001);
    cr_expect_eq(k.payload_len, 4);
    cr_expect_eq(k.src_ip[15], 1);
}

Test(decode, fragments_and_other_protocols)
{
    uint8_t frag[sizeof ip4_tcp];
    memcpy(frag, ip4_tcp, sizeof frag);
    frag[6] = 0x20; /* MF */
    struct pkt k;
    cr_expect_eq(decode_packet(TZ_DLT_RAW, frag, sizeof frag, &k), DECODE_FRAGMENT);
    uint8_t icmp[sizeof ip4_tcp];
    memcpy(icmp, ip4_tcp, sizeof icmp);
    icmp[9] = 1;
    cr_expect_eq(decode_packet(TZ_DLT_RAW, icmp, sizeof icmp, &k), DECODE_OTHER);
    static const uint8_t arp[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06, 0, 1};
    cr_expect_eq(decode_packet(TZ_DLT_EN10MB, arp, sizeof arp, &k), DECODE_OTHER);
    cr_expect_eq(decode_packet(147, arp, sizeof arp, &k), DECODE_BAD_LINK);
    cr_expect(!decode_link_supported(147));
}

Test(decode, every_truncation_is_safe)
{
    uint8_t full[128];
    static const uint8_t eth[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0, 5, 0x08, 0x00};
    size_t n = frame(full, eth, sizeof eth, ip4_tcp, sizeof ip4_tcp);
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, full, len);
        struct pkt k;
        int r = decode_packet(TZ_DLT_EN10MB, copy, (uint32_t)len, &k);
        /* short of the TCP header it must be an error; with the header it is a short payload */
        if (len < sizeof eth + 40)
            cr_expect_eq(r, DECODE_BAD, "length %zu", len);
        else
            cr_expect_eq(k.payload_len, len - sizeof eth - 40);
        free(copy);
    }
}

Test(decode, flow_hash_is_symmetric)
{
    struct pkt a, b;
    cr_assert_eq(decode_packet(TZ_DLT_RAW, ip4_tcp, sizeof ip4_tcp, &a), DECODE_OK);
    b = a;
    memcpy(b.src_ip, a.dst_ip, 16);
    memcpy(b.dst_ip, a.src_ip, 16);
    b.sport = a.dport;
    b.dport = a.sport;
    cr_expect_eq(decode_flow_hash(&a), decode_flow_hash(&b));
    b.sport++;
    cr_expect_neq(decode_flow_hash(&a), decode_flow_hash(&b));
}
