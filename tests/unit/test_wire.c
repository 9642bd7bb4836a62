/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wire.c - the sensor -> collector batch header and ack (common/wire.h): round trips,
 * the exact byte layout, and the inputs wire_hdr_decode must refuse (bad magic, bad
 * version, short, trailing bytes, empty or oversize sensor id).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "wire.h"

static struct wire_batch_hdr sample(void)
{
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.flags = WIRE_F_RESEND;
    h.batch_seq = 0x0102030405060708ull;
    h.first_seq = 1000;
    h.count = 70000;
    memcpy(h.sensor, "plant-a-s1", 11);
    return h;
}

Test(wire, header_round_trip)
{
    struct wire_batch_hdr h = sample(), back;
    uint8_t buf[WIRE_HDR_MAX];
    long n = wire_hdr_encode(&h, buf, sizeof buf);
    cr_assert_eq(n, 30 + 10);
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), 0);
    cr_assert_eq(back.flags, WIRE_F_RESEND);
    cr_assert_eq(back.batch_seq, 0x0102030405060708ull);
    cr_assert_eq(back.first_seq, 1000);
    cr_assert_eq(back.count, 70000);
    cr_assert_str_eq(back.sensor, "plant-a-s1");
}

Test(wire, header_layout_is_big_endian)
{
    struct wire_batch_hdr h = sample();
    uint8_t buf[WIRE_HDR_MAX];
    long n = wire_hdr_encode(&h, buf, sizeof buf);
    cr_assert_eq(n, 40);
    static const uint8_t want[30] = {
        'T',  'Z',  'B',  '1',  /* magic */
        0x01,                   /* version */
        0x01,                   /* flags: WIRE_F_RESEND */
        0x00, 0x00,             /* reserved */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* batch_seq */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, /* first_seq 1000 */
        0x00, 0x01, 0x11, 0x70, /* count 70000 */
        0x00, 0x0a,             /* sensor_len 10 */
    };
    cr_assert_arr_eq(buf, want, sizeof want);
    cr_assert_arr_eq(buf + 30, "plant-a-s1", 10);
}

Test(wire, ack_round_trip)
{
    uint8_t ack[WIRE_ACK_LEN];
    uint64_t seq = 0;
    uint8_t status = 99;
    wire_ack_encode(0xfffffffffffffffeull, WIRE_ACK_REJECTED, ack);
    cr_assert_arr_eq(ack, "TZA1\x01\x01\x00\x00", 8);
    cr_assert_eq(wire_ack_decode(ack, sizeof ack, &seq, &status), 0);
    cr_assert_eq(seq, 0xfffffffffffffffeull);
    cr_assert_eq(status, WIRE_ACK_REJECTED);
    cr_assert_eq(wire_ack_decode(ack, sizeof ack - 1, &seq, &status), -1);
    ack[3] = '2';
    cr_assert_eq(wire_ack_decode(ack, sizeof ack, &seq, &status), -1);
}

Test(wire, bad_headers_are_rejected)
{
    struct wire_batch_hdr h = sample(), back;
    uint8_t good[WIRE_HDR_MAX], buf[WIRE_HDR_MAX + 8];
    long n = wire_hdr_encode(&h, good, sizeof good);
    cr_assert_gt(n, 0);

    memcpy(buf, good, (size_t)n);
    buf[0] = 'X'; /* bad magic */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), -1);

    memcpy(buf, good, (size_t)n);
    buf[4] = 2; /* unknown version */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), -1);

    for (long len = 0; len < n; len++) /* every short read */
        cr_assert_eq(wire_hdr_decode(good, (size_t)len, &back), -1, "prefix %ld accepted", len);

    memcpy(buf, good, (size_t)n);
    buf[n] = 'x'; /* one trailing byte beyond sensor_len */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n + 1, &back), -1);

    memcpy(buf, good, (size_t)n);
    buf[28] = 0;
    buf[29] = 0; /* empty sensor id */
    cr_assert_eq(wire_hdr_decode(buf, 30, &back), -1);
}

Test(wire, oversize_sensor_id)
{
    struct wire_batch_hdr h = sample(), back;
    uint8_t buf[200];
    memset(h.sensor, 's', WIRE_SENSOR_MAX);
    h.sensor[WIRE_SENSOR_MAX] = '\0';
    long n = wire_hdr_encode(&h, buf, sizeof buf); /* 64 bytes: the largest allowed */
    cr_assert_eq(n, 30 + WIRE_SENSOR_MAX);
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), 0);
    cr_assert_eq(strlen(back.sensor), WIRE_SENSOR_MAX);

    /* a hand-made header claiming 65 bytes of sensor id */
    memset(buf + 30, 's', WIRE_SENSOR_MAX + 1);
    buf[28] = 0;
    buf[29] = WIRE_SENSOR_MAX + 1;
    cr_assert_eq(wire_hdr_decode(buf, 30 + WIRE_SENSOR_MAX + 1, &back), -1);

    /* and the encoder refuses to write one */
    char big[WIRE_SENSOR_MAX + 2];
    memset(big, 's', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct wire_batch_hdr hb = sample();
    memcpy(hb.sensor, big, sizeof hb.sensor); /* 65 bytes, no NUL within */
    cr_assert_eq(wire_hdr_encode(&hb, buf, sizeof buf), -1);

    /* a buffer too small for the header */
    cr_assert_eq(wire_hdr_encode(&h, buf, 30 + WIRE_SENSOR_MAX - 1), -1);
}
