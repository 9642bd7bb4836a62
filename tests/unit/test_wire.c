/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wire.c - the sensor -> collector batch header and ack (common/wire.h): round trips
 * of versions 1 and 2, the exact byte layout, and the inputs the decoders must refuse (bad
 * magic, bad version, short, trailing bytes, empty or oversize sensor id).
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
    h.run = 0x1122334455667788ull;
    memcpy(h.sensor, "plant-a-s1", 11);
    return h;
}

Test(wire, header_round_trip)
{
    struct wire_batch_hdr h = sample(), back;
    uint8_t buf[WIRE_HDR_MAX];
    long n = wire_hdr_encode(&h, buf, sizeof buf);
    cr_assert_eq(n, WIRE_HDR_V2_FIXED + 10);
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), 0);
    cr_assert_eq(back.version, 2);
    cr_assert_eq(back.flags, WIRE_F_RESEND);
    cr_assert_eq(back.batch_seq, 0x0102030405060708ull);
    cr_assert_eq(back.first_seq, 1000);
    cr_assert_eq(back.count, 70000);
    cr_assert_eq(back.run, 0x1122334455667788ull);
    cr_assert_str_eq(back.sensor, "plant-a-s1");
}

Test(wire, header_layout_is_big_endian)
{
    struct wire_batch_hdr h = sample();
    uint8_t buf[WIRE_HDR_MAX];
    long n = wire_hdr_encode(&h, buf, sizeof buf);
    cr_assert_eq(n, 48);
    static const uint8_t want[38] = {
        'T',  'Z',  'B',  '1',  /* magic */
        0x02,                   /* version */
        0x01,                   /* flags: WIRE_F_RESEND */
        0x00, 0x00,             /* reserved */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* batch_seq */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, /* first_seq 1000 */
        0x00, 0x01, 0x11, 0x70, /* count 70000 */
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* run */
        0x00, 0x0a,             /* sensor_len 10 */
    };
    cr_assert_arr_eq(buf, want, sizeof want);
    cr_assert_arr_eq(buf + 38, "plant-a-s1", 10);
}

/* A version-1 header (a sensor from before run ids) is still read, with run 0. */
Test(wire, version1_header_reads_as_run_zero)
{
    static const uint8_t v1[] = {
        'T', 'Z', 'B', '1', 0x01, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 7,       /* batch_seq 7 */
        0, 0, 0, 0, 0, 0, 0, 61,      /* first_seq 61 */
        0, 0, 0, 3,                   /* count 3 */
        0x00, 0x02, 's', '1',         /* sensor "s1" */
    };
    struct wire_batch_hdr back;
    cr_assert_eq(wire_hdr_decode(v1, sizeof v1, &back), 0);
    cr_assert_eq(back.version, 1);
    cr_assert_eq(back.run, 0);
    cr_assert_eq(back.batch_seq, 7);
    cr_assert_eq(back.first_seq, 61);
    cr_assert_eq(back.count, 3);
    cr_assert_str_eq(back.sensor, "s1");
    for (size_t len = 0; len < sizeof v1; len++)
        cr_assert_eq(wire_hdr_decode(v1, len, &back), -1, "v1 prefix %zu accepted", len);
}

Test(wire, ack_round_trip)
{
    struct wire_ack a = {.version = 2, .status = WIRE_ACK_REFUSED,
                         .reason = WIRE_REASON_SENSOR_MISMATCH,
                         .batch_seq = 0xfffffffffffffffeull, .backlog = 12, .credit = 0x01020304};
    struct wire_ack back;
    uint8_t ack[WIRE_ACK_MAX];
    cr_assert_eq(wire_ack_encode(&a, ack), WIRE_ACK_V2_LEN);
    cr_assert_arr_eq(ack, "TZA1\x02\x03\x00\x02", 8);
    cr_assert_arr_eq(ack + 16, "\x00\x00\x00\x0c\x01\x02\x03\x04", 8);
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V2_LEN, &back), 0);
    cr_assert_eq(back.version, 2);
    cr_assert_eq(back.status, WIRE_ACK_REFUSED);
    cr_assert_eq(back.reason, WIRE_REASON_SENSOR_MISMATCH);
    cr_assert_eq(back.batch_seq, 0xfffffffffffffffeull);
    cr_assert_eq(back.backlog, 12);
    cr_assert_eq(back.credit, 0x01020304);
    for (size_t len = 0; len < WIRE_ACK_V2_LEN; len++)
        cr_assert_eq(wire_ack_decode(ack, len, &back), -1, "ack prefix %zu accepted", len);
    ack[3] = '2';
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V2_LEN, &back), -1);
}

Test(wire, ack_version1)
{
    struct wire_ack a = {.version = 1, .status = WIRE_ACK_REJECTED, .reason = 9,
                         .batch_seq = 5, .backlog = 3, .credit = 4};
    struct wire_ack back;
    uint8_t ack[WIRE_ACK_MAX];
    cr_assert_eq(wire_ack_encode(&a, ack), WIRE_ACK_V1_LEN);
    cr_assert_arr_eq(ack, "TZA1\x01\x01\x00\x00", 8); /* reason is not in version 1 */
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V1_LEN, &back), 0);
    cr_assert_eq(back.version, 1);
    cr_assert_eq(back.status, WIRE_ACK_REJECTED);
    cr_assert_eq(back.batch_seq, 5);
    cr_assert_eq(back.reason + back.backlog + back.credit, 0);
    /* a version-1 ack with version 2's length, and the reverse */
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V2_LEN, &back), -1);
    ack[4] = 2;
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V1_LEN, &back), -1);
    ack[4] = 3;
    cr_assert_eq(wire_ack_decode(ack, WIRE_ACK_V1_LEN, &back), -1);
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
    buf[4] = 3; /* unknown version */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), -1);

    memcpy(buf, good, (size_t)n);
    buf[4] = 1; /* a version-2 header labelled 1 does not fit version 1's layout */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), -1);

    for (long len = 0; len < n; len++) /* every short read */
        cr_assert_eq(wire_hdr_decode(good, (size_t)len, &back), -1, "prefix %ld accepted", len);

    memcpy(buf, good, (size_t)n);
    buf[n] = 'x'; /* one trailing byte beyond sensor_len */
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n + 1, &back), -1);

    memcpy(buf, good, (size_t)n);
    buf[36] = 0;
    buf[37] = 0; /* empty sensor id */
    cr_assert_eq(wire_hdr_decode(buf, WIRE_HDR_V2_FIXED, &back), -1);
}

Test(wire, oversize_sensor_id)
{
    struct wire_batch_hdr h = sample(), back;
    uint8_t buf[200];
    memset(h.sensor, 's', WIRE_SENSOR_MAX);
    h.sensor[WIRE_SENSOR_MAX] = '\0';
    long n = wire_hdr_encode(&h, buf, sizeof buf); /* 64 bytes: the largest allowed */
    cr_assert_eq(n, WIRE_HDR_V2_FIXED + WIRE_SENSOR_MAX);
    cr_assert_eq(wire_hdr_decode(buf, (size_t)n, &back), 0);
    cr_assert_eq(strlen(back.sensor), WIRE_SENSOR_MAX);

    /* a hand-made header claiming 65 bytes of sensor id */
    memset(buf + WIRE_HDR_V2_FIXED, 's', WIRE_SENSOR_MAX + 1);
    buf[36] = 0;
    buf[37] = WIRE_SENSOR_MAX + 1;
    cr_assert_eq(wire_hdr_decode(buf, WIRE_HDR_V2_FIXED + WIRE_SENSOR_MAX + 1, &back), -1);

    /* and the encoder refuses to write one */
    char big[WIRE_SENSOR_MAX + 2];
    memset(big, 's', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct wire_batch_hdr hb = sample();
    memcpy(hb.sensor, big, sizeof hb.sensor); /* 65 bytes, no NUL within */
    cr_assert_eq(wire_hdr_encode(&hb, buf, sizeof buf), -1);

    /* a buffer too small for the header */
    cr_assert_eq(wire_hdr_encode(&h, buf, WIRE_HDR_V2_FIXED + WIRE_SENSOR_MAX - 1), -1);
}
