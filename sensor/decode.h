/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h - link, network and transport decoding of one captured frame: Ethernet,
 * 802.1Q and QinQ (802.1ad), Linux cooked (SLL, SLL2), raw IP, BSD loopback (NULL/LOOP);
 * IPv4 and IPv6 (with extension headers); TCP and UDP; and the encapsulations of remote
 * mirror sessions (decap.c): GRE, ERSPAN I/II/III, VXLAN, MPLS, decoded to the inner packet
 * with the outer layer kept in `tun`. libc only. The result holds offsets into the frame,
 * so it can travel through a ring with the bytes and be re-pointed.
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
    DECODE_FRAGMENT = 2,  /* an IP fragment: `frag` describes it (frag.c reassembles) */
    DECODE_BAD = -1,      /* truncated or invalid headers */
    DECODE_BAD_LINK = -2, /* a link type tanzhen does not read */
    DECODE_BAD_TUNNEL = -3, /* a truncated or invalid GRE, ERSPAN, VXLAN or MPLS header */
    DECODE_TOO_DEEP = -4, /* more nested encapsulations than decode_opts.max_depth */
};

#define DECODE_MAX_VLAN 2
#define DECODE_MAX_MPLS 4         /* labels kept in `tun` (outer first) */
#define DECODE_MPLS_STACK_MAX 16  /* a longer label stack is an invalid tunnel */
#define DECODE_MAX_DEPTH 8        /* bound of decode_opts.max_depth */
#define DECODE_MAX_VXLAN_PORTS 8

enum tunnel_type { TUNNEL_NONE = 0, TUNNEL_GRE, TUNNEL_ERSPAN, TUNNEL_VXLAN, TUNNEL_MPLS };

/* The outer layer of an encapsulated packet: the outermost tunnel that has IP addresses
 * (GRE, ERSPAN, VXLAN), or MPLS when labels were the only encapsulation. */
struct tunnel {
    uint8_t type;        /* enum tunnel_type; TUNNEL_NONE: not encapsulated */
    uint8_t ipver;       /* of src/dst: 4 or 6; 0 for MPLS alone */
    uint8_t erspan_type; /* 1, 2 or 3 (ERSPAN type I, II, III) */
    uint8_t has_session; /* session holds the ERSPAN session id, VXLAN VNI or GRE key */
    uint8_t n_mpls;      /* MPLS labels kept in mpls[] (outer first) */
    uint8_t depth;       /* encapsulation layers decoded (every kind counts) */
    uint32_t session;
    uint32_t mpls[DECODE_MAX_MPLS];
    uint8_t src[16], dst[16]; /* outer addresses, IPv4 in the first 4 bytes */
};

/* Where the fragment of an IP datagram sits in the frame (decode returned DECODE_FRAGMENT). */
struct frag_info {
    uint16_t hdr_len;  /* the part every fragment repeats: IPv4 header, or IPv6 header and
                          the extension headers before the fragment header (from l3_off) */
    uint16_t nh_off;   /* IPv6: offset from l3_off of the next-header byte that names the
                          fragment header */
    uint16_t data_off; /* frame offset of this fragment's data */
    uint16_t offset;   /* of the data within the datagram, in bytes */
    uint32_t data_len;
    uint32_t id;       /* IPv4 identification or IPv6 fragment header identification */
    uint8_t more;      /* more fragments follow */
    uint8_t proto;     /* IPv4 protocol, or the IPv6 next header after the fragment header */
};

/* What the decoder may be told at start (capture.c fills it from the config). */
struct decode_opts {
    uint8_t max_depth;                          /* nested encapsulations, 1..DECODE_MAX_DEPTH */
    uint8_t n_vxlan_ports;
    uint16_t vxlan_ports[DECODE_MAX_VXLAN_PORTS]; /* UDP destination ports carrying VXLAN */
};

/* The defaults: depth 4, VXLAN on UDP 4789. */
extern const struct decode_opts decode_opts_default;

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
    union {
        struct { /* TCP/UDP (DECODE_OK) */
            uint16_t sport, dport;
            uint8_t tcp_flags;
            uint32_t seq, ack;
        };
        struct frag_info frag; /* an IP fragment (DECODE_FRAGMENT) has no ports */
    };
    uint32_t path;          /* mirror path: 0 plain, else a hash of `tun` (decap.c) */
    struct tunnel tun;      /* only type, depth and n_mpls are set when type is none */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* Decodes frame p[0..caplen) of link type dlt into *k (ts, caplen, wirelen set by caller),
 * with the default options. */
int decode_packet(int dlt, const uint8_t *p, uint32_t caplen, struct pkt *k);
/* The same with options o. */
int decode_packet_opts(const struct decode_opts *o, int dlt, const uint8_t *p, uint32_t caplen,
                       struct pkt *k);
/* Decodes a reassembled IP datagram p[0..len) found under the layers ctx was decoded from
 * (a fragment's pkt): MACs, VLANs and tunnel come from ctx, offsets are into p, dlt is
 * raw IP. ts_us, caplen and wirelen are set from ctx and len. */
int decode_datagram(const struct decode_opts *o, const struct pkt *ctx, const uint8_t *p,
                    uint32_t len, struct pkt *k);
/* Is dlt a link type decode_packet reads? */
int decode_link_supported(int dlt);
/* Symmetric hash of the 5-tuple (the same for both directions). */
uint32_t decode_flow_hash(const struct pkt *k);

#endif
