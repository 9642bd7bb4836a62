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
    if (slen > WIRE_SENSOR_MAX || cap < 32 + slen)
        return -1;
    memcpy(buf, "TZB1", 4);
    buf[4] = 1;
    buf[5] = h->flags;
    buf[6] = buf[7] = 0;
    put_be(buf + 8, h->batch_seq, 8);
    put_be(buf + 16, h->first_seq, 8);
    put_be(buf + 24, h->count, 4);
    put_be(buf + 28, slen, 2);
    memcpy(buf + 30, h->sensor, slen);
    return (long)(30 + slen);
}

int wire_hdr_decode(const uint8_t *buf, size_t n, struct wire_batch_hdr *h)
{
    if (n < 30 || memcmp(buf, "TZB1", 4) != 0 || buf[4] != 1)
        return -1;
    size_t slen = (size_t)get_be(buf + 28, 2);
    if (slen == 0 || slen > WIRE_SENSOR_MAX || n != 30 + slen)
        return -1;
    h->flags = buf[5];
    h->batch_seq = get_be(buf + 8, 8);
    h->first_seq = get_be(buf + 16, 8);
    h->count = (uint32_t)get_be(buf + 24, 4);
    memcpy(h->sensor, buf + 30, slen);
    h->sensor[slen] = '\0';
    return 0;
}

void wire_ack_encode(uint64_t batch_seq, uint8_t status, uint8_t out[WIRE_ACK_LEN])
{
    memcpy(out, "TZA1", 4);
    out[4] = 1;
    out[5] = status;
    out[6] = out[7] = 0;
    put_be(out + 8, batch_seq, 8);
}

int wire_ack_decode(const uint8_t *buf, size_t n, uint64_t *batch_seq, uint8_t *status)
{
    if (n != WIRE_ACK_LEN || memcmp(buf, "TZA1", 4) != 0 || buf[4] != 1)
        return -1;
    *status = buf[5];
    *batch_seq = get_be(buf + 8, 8);
    return 0;
}
