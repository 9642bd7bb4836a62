/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.h - the sensor -> collector batch format over ZeroMQ (DEALER -> ROUTER).
 *
 * A batch is a two-frame message: a fixed binary header, then a body of `count` JSON
 * events each ending in '\n', whose `seq` fields run first_seq .. first_seq+count-1.
 * The collector answers with a one-frame ack naming the batch once it is durably stored.
 * All integers are big-endian.
 *
 *   header: "TZB1" | ver u8 (1) | flags u8 | reserved u16 | batch_seq u64 | first_seq u64
 *           | count u32 | sensor_len u16 | sensor id bytes
 *   ack:    "TZA1" | ver u8 (1) | status u8 | reserved u16 | batch_seq u64
 */
#ifndef TZ_WIRE_H
#define TZ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_SENSOR_MAX 64
#define WIRE_HDR_MAX (32 + WIRE_SENSOR_MAX)
#define WIRE_ACK_LEN 16

enum wire_ack_status {
    WIRE_ACK_STORED = 0,    /* durably stored (or already stored: a duplicate) */
    WIRE_ACK_REJECTED = 1,  /* malformed batch: do not resend */
    WIRE_ACK_RETRY = 2,     /* the collector could not store it now: resend later */
};

enum wire_flags {
    WIRE_F_RESEND = 1, /* this batch was sent before */
};

struct wire_batch_hdr {
    uint8_t flags;
    uint64_t batch_seq;
    uint64_t first_seq;
    uint32_t count;
    char sensor[WIRE_SENSOR_MAX + 1];
};

/* Returns the encoded length, or -1 when buf is too small or the sensor id too long. */
long wire_hdr_encode(const struct wire_batch_hdr *h, uint8_t *buf, size_t cap);
/* Returns 0, or -1 when the bytes are not a version-1 batch header. */
int wire_hdr_decode(const uint8_t *buf, size_t n, struct wire_batch_hdr *h);
void wire_ack_encode(uint64_t batch_seq, uint8_t status, uint8_t out[WIRE_ACK_LEN]);
int wire_ack_decode(const uint8_t *buf, size_t n, uint64_t *batch_seq, uint8_t *status);

#endif
