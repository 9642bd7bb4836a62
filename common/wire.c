/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.c - encoding and decoding of the batch header and ack (see wire.h).
 */
#include "wire.h"

#include <string.h>

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

long wire_hdr_encode(const struct wire_batch_hdr *h, uint8_t *buf, size_t cap)
{
    size_t slen = strnlen(h->sensor, WIRE_SENSOR_MAX + 1);
    if (slen > WIRE_SENSOR_MAX || cap < WIRE_HDR_V2_FIXED + slen)
        return -1;
    memcpy(buf, "TZB1", 4);
    buf[4] = 2;
    buf[5] = h->flags;
    buf[6] = buf[7] = 0;
    put_be(buf + 8, h->batch_seq, 8);
    put_be(buf + 16, h->first_seq, 8);
    put_be(buf + 24, h->count, 4);
    put_be(buf + 28, h->run, 8);
    put_be(buf + 36, slen, 2);
    memcpy(buf + WIRE_HDR_V2_FIXED, h->sensor, slen);
    return (long)(WIRE_HDR_V2_FIXED + slen);
}

int wire_hdr_decode(const uint8_t *buf, size_t n, struct wire_batch_hdr *h)
{
    if (n < WIRE_HDR_V1_FIXED || memcmp(buf, "TZB1", 4) != 0 || (buf[4] != 1 && buf[4] != 2))
        return -1;
    size_t fixed = buf[4] == 1 ? WIRE_HDR_V1_FIXED : WIRE_HDR_V2_FIXED;
    if (n < fixed)
        return -1;
    size_t slen = (size_t)get_be(buf + fixed - 2, 2);
    if (slen == 0 || slen > WIRE_SENSOR_MAX || n != fixed + slen)
        return -1;
    h->version = buf[4];
    h->flags = buf[5];
    h->batch_seq = get_be(buf + 8, 8);
    h->first_seq = get_be(buf + 16, 8);
    h->count = (uint32_t)get_be(buf + 24, 4);
    h->run = h->version == 2 ? get_be(buf + 28, 8) : 0;
    memcpy(h->sensor, buf + fixed, slen);
    h->sensor[slen] = '\0';
    return 0;
}

size_t wire_ack_encode(const struct wire_ack *a, uint8_t out[WIRE_ACK_MAX])
{
    int v2 = a->version != 1;
    memcpy(out, "TZA1", 4);
    out[4] = v2 ? 2 : 1;
    out[5] = a->status;
    put_be(out + 6, v2 ? a->reason : 0, 2);
    put_be(out + 8, a->batch_seq, 8);
    if (!v2)
        return WIRE_ACK_V1_LEN;
    put_be(out + 16, a->backlog, 4);
    put_be(out + 20, a->credit, 4);
    return WIRE_ACK_V2_LEN;
}

int wire_ack_decode(const uint8_t *buf, size_t n, struct wire_ack *a)
{
    if (n < WIRE_ACK_V1_LEN || memcmp(buf, "TZA1", 4) != 0)
        return -1;
    if (!((buf[4] == 1 && n == WIRE_ACK_V1_LEN) || (buf[4] == 2 && n == WIRE_ACK_V2_LEN)))
        return -1;
    memset(a, 0, sizeof *a);
    a->version = buf[4];
    a->status = buf[5];
    a->batch_seq = get_be(buf + 8, 8);
    if (a->version == 2) {
        a->reason = (uint16_t)get_be(buf + 6, 2);
        a->backlog = (uint32_t)get_be(buf + 16, 4);
        a->credit = (uint32_t)get_be(buf + 20, 4);
    }
    return 0;
}
