/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.h - the sensor -> collector batch format over ZeroMQ (DEALER -> ROUTER).
 *
 * A batch is a two-frame message: a fixed binary header, then a body of `count` JSON
 * events each ending in '\n', whose `seq` fields run first_seq .. first_seq+count-1.
 * The collector answers with a one-frame ack naming the batch once it is durably stored.
 * All integers are big-endian.
 *
 *   header v2: "TZB1" | ver u8 (2) | flags u8 | reserved u16 | batch_seq u64 | first_seq u64
 *              | count u32 | run u64 | sensor_len u16 | sensor id bytes
 *   header v1: the same without `run` (read as run 0: a sensor from before run ids)
 *   ack v2:    "TZA1" | ver u8 (2) | status u8 | reason u16 | batch_seq u64
 *              | backlog u32 | credit u32
 *   ack v1:    "TZA1" | ver u8 (1) | status u8 | reserved u16 | batch_seq u64
 *
 * `run` names one life of a sensor's numbering: a sensor that starts without its state
 * (seq back at 1) draws a new random run, a sensor that keeps its state directory keeps
 * its run. The collector deduplicates on (sensor, run, seq), so a new run is never taken
 * for a resend. The collector answers a v1 header with a v1 ack and a v2 header with a
 * v2 ack; `backlog` is how many batches wait at the collector, `credit` how many more
 * the sensor may have in flight (0: hold back until acks come).
 */
#ifndef TZ_WIRE_H
#define TZ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_SENSOR_MAX 64
#define WIRE_HDR_V1_FIXED 30
#define WIRE_HDR_V2_FIXED 38
#define WIRE_HDR_MAX (WIRE_HDR_V2_FIXED + WIRE_SENSOR_MAX)
#define WIRE_ACK_V1_LEN 16
#define WIRE_ACK_V2_LEN 24
#define WIRE_ACK_MAX WIRE_ACK_V2_LEN

enum wire_ack_status {
    WIRE_ACK_STORED = 0,    /* durably stored (or already stored: a duplicate) */
    WIRE_ACK_REJECTED = 1,  /* malformed batch: do not resend */
    WIRE_ACK_RETRY = 2,     /* the collector could not store it now: resend later */
    WIRE_ACK_REFUSED = 3,   /* not taken from this sender (`reason` says why): keep the
                             * batch, log the reason, resend only after a long pause */
};

enum wire_ack_reason {
    WIRE_REASON_NONE = 0,
    WIRE_REASON_MALFORMED = 1,       /* with REJECTED */
    WIRE_REASON_SENSOR_MISMATCH = 2, /* the key is bound to another sensor id */
    WIRE_REASON_STORE_FULL = 3,      /* with RETRY: the store has no room now */
    WIRE_REASON_STORE_ERROR = 4,     /* with RETRY: the store failed otherwise */
    WIRE_REASON_TOO_MANY_SENSORS = 5,
};

enum wire_flags {
    WIRE_F_RESEND = 1, /* this batch was sent before */
};

struct wire_batch_hdr {
    uint8_t version; /* 1 or 2, set by decode; encode always writes 2 */
    uint8_t flags;
    uint64_t batch_seq;
    uint64_t first_seq;
    uint32_t count;
    uint64_t run;    /* 0 only in a version-1 header */
    char sensor[WIRE_SENSOR_MAX + 1];
};

struct wire_ack {
    uint8_t version; /* 1 or 2 */
    uint8_t status;  /* enum wire_ack_status */
    uint16_t reason; /* enum wire_ack_reason; 0 in version 1 */
    uint64_t batch_seq;
    uint32_t backlog; /* version 2 only */
    uint32_t credit;  /* version 2 only */
};

/* Writes a version-2 header. Returns the encoded length, or -1 when buf is too small or
 * the sensor id too long. */
long wire_hdr_encode(const struct wire_batch_hdr *h, uint8_t *buf, size_t cap);
/* Returns 0, or -1 when the bytes are not a version-1 or version-2 batch header. */
int wire_hdr_decode(const uint8_t *buf, size_t n, struct wire_batch_hdr *h);
/* Writes a->version's layout into out (WIRE_ACK_MAX bytes); returns its length. */
size_t wire_ack_encode(const struct wire_ack *a, uint8_t out[WIRE_ACK_MAX]);
/* Returns 0, or -1 when the bytes are not an ack of version 1 or 2. */
int wire_ack_decode(const uint8_t *buf, size_t n, struct wire_ack *a);

#endif
