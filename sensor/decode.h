/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h - link, network and transport decoding of one captured frame: Ethernet,
 * 802.1Q and QinQ (802.1ad), Linux cooked (SLL, SLL2), raw IP, BSD loopback (NULL/LOOP);
 * IPv4 and IPv6 (with extension headers); TCP and UDP. libc only. The result holds offsets
 * into the frame, so it can travel through a ring with the bytes and be re-pointed.
 */
#ifndef TZ_DECODE_H
#define TZ_DECODE_H

#include <stdint.h>

/* libpcap's DLT values (the ones tanzhen reads); kept here so decode.c needs no libpcap. */
enum {
    TZ_DLT_NULL = 0,
    TZ_DLT_EN10MB = 1,
    TZ_DLT_RAW = 12,       /* Linux/most: DLT_RAW */
    TZ_DLT_RAW_ALT = 14,   /* OpenBSD's DLT_RAW */
    TZ_DLT_LINKTYPE_RAW = 101,
    TZ_DLT_LOOP = 108,
    TZ_DLT_LINUX_SLL = 113,
    TZ_DLT_IPV4 = 228,
    TZ_DLT_IPV6 = 229,
    TZ_DLT_LINUX_SLL2 = 276,
};

enum decode_result {
    DECODE_OK = 0,        /* IPv4/IPv6 with TCP or UDP */
    DECODE_OTHER = 1,     /* well formed but not TCP/UDP over IP (ARP, ICMP, ...): counted */
    DECODE_FRAGMENT = 2,  /* an IP fragment: counted, not reassembled */
    DECODE_BAD = -1,      /* truncated or invalid headers */
    DECODE_BAD_LINK = -2, /* a link type tanzhen does not read */
};

#define DECODE_MAX_VLAN 2

struct pkt {
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    uint16_t l3_off;        /* start of the IP header */
    uint16_t l4_off;        /* start of the TCP/UDP header */
    uint16_t payload_off;
    uint16_t dlt;
    uint32_t payload_len;   /* bytes of payload present in the capture */
    uint8_t has_mac;
    uint8_t src_mac[6], dst_mac[6];
    uint8_t n_vlan;
    uint16_t vlan[DECODE_MAX_VLAN]; /* outer first */
    uint8_t ipver;          /* 4 or 6 */
    uint8_t l4proto;        /* 6 TCP, 17 UDP */
    uint8_t src_ip[16], dst_ip[16]; /* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t seq, ack;
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* Decodes frame p[0..caplen) of link type dlt into *k (ts, caplen, wirelen set by caller). */
int decode_packet(int dlt, const uint8_t *p, uint32_t caplen, struct pkt *k);
/* Is dlt a link type decode_packet reads? */
int decode_link_supported(int dlt);
/* Symmetric hash of the 5-tuple (the same for both directions). */
uint32_t decode_flow_hash(const struct pkt *k);

#endif
