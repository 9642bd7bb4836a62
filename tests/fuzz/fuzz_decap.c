/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decap.c - libFuzzer target for the decapsulators (sensor/decap.c) and the decoder
 * around them. Byte 0 picks an outer prefix built here with correct lengths, so mutations
 * land in the tunnel headers rather than in the outer IP: none (the input is an Ethernet
 * frame), Ethernet/IPv4/GRE, Ethernet/IPv6/GRE, Ethernet/IPv4/UDP to 4789 (VXLAN) or to a
 * configured port, Ethernet/MPLS, raw IP; its high bits pick decode.max_depth. Checks that
 * every offset decode returns lies inside the frame, then decodes the IP datagram again
 * with decode_datagram (the reassembly path) under the layers of the first decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define FRAME_MAX 4096

static size_t prefix(int kind, uint8_t *f, size_t body)
{
    static const uint8_t eth4[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    static const uint8_t eth6[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd};
    static const uint8_t ethm[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x47};
    size_t n = 0;
    switch (kind) {
    case 1:   /* IPv4 / GRE */
    case 3:   /* IPv4 / UDP 4789 */
    case 4: { /* IPv4 / UDP 8472 */
        int udp = kind != 1;
        size_t total = 20 + (udp ? 8 : 0) + body;
        const uint8_t ip[] = {0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, 1, 0x40, 0,
                              64, udp ? 17 : 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};
        memcpy(f, eth4, 14);
        memcpy(f + 14, ip, 20);
        n = 34;
        if (udp) {
            size_t ul = 8 + body;
            uint16_t port = kind == 3 ? 4789 : 8472;
            const uint8_t u[] = {0xc0, 0, (uint8_t)(port >> 8), (uint8_t)port, (uint8_t)(ul >> 8),
                                 (uint8_t)ul, 0, 0};
            memcpy(f + n, u, 8);
            n += 8;
        }
        return n;
    }
    case 2: { /* IPv6 / GRE */
        const uint8_t ip[] = {0x60, 0, 0, 0, (uint8_t)(body >> 8), (uint8_t)body, 47, 64,
                              0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                              0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
        memcpy(f, eth6, 14);
        memcpy(f + 14, ip, 40);
        return 54;
    }
    case 5: /* MPLS */
        memcpy(f, ethm, 14);
        return 14;
    default:
        return 0;
    }
}

static void check(const struct pkt *k, int r, size_t len)
{
    if (r == DECODE_OK) {
        if (k->l3_off > k->l4_off || k->l4_off > k->payload_off ||
            (size_t)k->payload_off + k->payload_len > len)
            abort();
        if (k->tun.depth > DECODE_MAX_DEPTH || k->tun.n_mpls > DECODE_MAX_MPLS ||
            k->n_vlan > DECODE_MAX_VLAN)
            abort();
        if ((k->tun.type == TUNNEL_NONE) != (k->path == 0))
            abort();
    } else if (r == DECODE_FRAGMENT) {
        if ((size_t)k->frag.data_off + k->frag.data_len > len ||
            (size_t)k->l3_off + k->frag.hdr_len > len || k->frag.nh_off >= k->frag.hdr_len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static uint8_t frame[FRAME_MAX];
    int kind = data[0] & 7;
    struct decode_opts o = {(uint8_t)(1 + ((data[0] >> 3) & 7)), 2, {4789, 8472}};
    size_t body = size - 1;
    if (body > FRAME_MAX - 64)
        body = FRAME_MAX - 64;
    size_t n = prefix(kind, frame, body);
    memcpy(frame + n, data + 1, body);
    n += body;
    int dlt = kind == 6 || kind == 7 ? TZ_DLT_RAW : TZ_DLT_EN10MB;
    struct pkt k, d;
    int r = decode_packet_opts(&o, dlt, frame, (uint32_t)n, &k);
    check(&k, r, n);
    (void)decode_flow_hash(&k);
    if ((r == DECODE_OK || r == DECODE_FRAGMENT) && k.l3_off < n) {
        /* the IP datagram as reassembly hands it over, under the layers found above */
        int r2 = decode_datagram(&o, &k, frame + k.l3_off, (uint32_t)(n - k.l3_off), &d);
        check(&d, r2, n - k.l3_off);
    }
    return 0;
}
