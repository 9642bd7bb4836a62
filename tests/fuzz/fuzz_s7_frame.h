/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_s7_frame.h - what the inner-layer S7 fuzz targets (fuzz_s7comm_job.c,
 * fuzz_s7comm_ud.c, fuzz_s7comm_plus.c) share: a fresh pd_s7comm flow per input, opened
 * with a COTP CR/CC, and s7f_send(), which wraps one COTP user data unit in a correct TPKT
 * (RFC 1006) + COTP DT (ISO 8073 class 0) frame, or two DT segments, and parses it through
 * the descriptor on an exact-size heap copy so ASan sees any over-read. Header-only, like
 * fuzz_common.h: each target is one translation unit.
 */
#ifndef TZ_FUZZ_S7_FRAME_H
#define TZ_FUZZ_S7_FRAME_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pd.h"
#include "s7comm.h"
#include "fuzz_common.h"

#define S7F_TPKT_MAX 65535u                /* TPKT length field */
#define S7F_UNIT_MAX (S7F_TPKT_MAX - 7u)    /* user data after TPKT + COTP DT headers */

/* Small caps, so the item, value and pending-table limits are reached too. */
static const struct pd_limits s7f_limits = {
    .max_values = 8,
    .max_items = 8,
    .max_points = 16,
    .max_pending = 8,
    .txn_timeout_us = 5000000,
};

/* COTP connection request and confirm, PG TSAPs 0x0100 -> 0x0102 (v_cotp_cr, v_cotp_cc of
 * tests/dissectors/s7comm_vectors.h), so the records carry the connection's TSAPs. */
static const uint8_t s7f_cotp_cr[] = {
    0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00,
    0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02,
};
static const uint8_t s7f_cotp_cc[] = {
    0x03, 0x00, 0x00, 0x16, 0x11, 0xd0, 0x00, 0x01, 0x44, 0x31, 0x00,
    0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02,
};

/* Parses one whole TPKT frame in direction dir on an exact-size heap copy. */
static inline void s7f_parse(struct pd_ctx *ctx, uint8_t dir, const uint8_t *frame,
                             size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    memcpy(copy, frame, n);
    ctx->dir = dir;
    (void)pd_s7comm.parse(ctx, copy, n);
    free(copy);
}

/* One COTP DT segment carrying n bytes of unit (n <= S7F_UNIT_MAX), EOT as told. */
static inline void s7f_segment(struct pd_ctx *ctx, uint8_t dir, const uint8_t *unit, size_t n,
                               int eot)
{
    size_t len = n + 7;
    uint8_t *frame = malloc(len);
    if (!frame)
        return;
    frame[0] = 0x03; /* TPKT version 3, reserved, length */
    frame[1] = 0x00;
    frame[2] = (uint8_t)(len >> 8);
    frame[3] = (uint8_t)len;
    frame[4] = 0x02; /* COTP length indicator 2, DT, EOT + TPDU number 0 */
    frame[5] = 0xf0;
    frame[6] = eot ? 0x80 : 0x00;
    memcpy(frame + 7, unit, n);
    ctx->dir = dir;
    (void)pd_s7comm.parse(ctx, frame, len);
    free(frame);
}

/* Sends a COTP user data unit (an S7comm or S7comm-plus PDU), cut to S7F_UNIT_MAX; with
 * `split` it goes as two DT segments, the first without EOT, so reassembly joins them. */
static inline void s7f_send(struct pd_ctx *ctx, uint8_t dir, const uint8_t *unit, size_t n,
                            int split)
{
    if (n > S7F_UNIT_MAX)
        n = S7F_UNIT_MAX;
    if (split && n >= 2) {
        s7f_segment(ctx, dir, unit, n / 2, 0);
        s7f_segment(ctx, dir, unit + n / 2, n - n / 2, 1);
        return;
    }
    s7f_segment(ctx, dir, unit, n, 1);
}

/* A fresh flow for one input: zeroed state, the clock at a fixed start, COTP connected. */
static inline int s7f_begin(struct pd_ctx *ctx)
{
    static void *state;
    if (!state)
        state = malloc(pd_s7comm.state_size);
    if (!state)
        return -1;
    memset(state, 0, pd_s7comm.state_size);
    *ctx = fuzz_ctx(state, &s7f_limits);
    s7f_parse(ctx, PD_DIR_TO_SERVER, s7f_cotp_cr, sizeof s7f_cotp_cr);
    ctx->now_us += 1000;
    s7f_parse(ctx, PD_DIR_TO_CLIENT, s7f_cotp_cc, sizeof s7f_cotp_cc);
    return 0;
}

/* Advances the clock by a 2-bit step: 1 ms, 100 ms, 1 s, or 10 s, past the transaction
 * timeout, after which pending requests are expired. */
/* The 10-byte S7 header (protocol id 0x32, ROSCTR, reserved, PDU reference, parameter and
 * data lengths) at unit; a job's or ack's error bytes follow it, written by the caller. */
static inline void s7f_header(uint8_t *unit, uint8_t rosctr, uint16_t ref, size_t pl, size_t dl)
{
    unit[0] = 0x32;
    unit[1] = rosctr;
    unit[2] = unit[3] = 0x00;
    unit[4] = (uint8_t)(ref >> 8);
    unit[5] = (uint8_t)ref;
    unit[6] = (uint8_t)(pl >> 8);
    unit[7] = (uint8_t)pl;
    unit[8] = (uint8_t)(dl >> 8);
    unit[9] = (uint8_t)dl;
}

static inline void s7f_tick(struct pd_ctx *ctx, unsigned step)
{
    static const uint64_t us[4] = {1000, 100000, 1000000, 10000000};
    ctx->now_us += us[step & 3];
    if ((step & 3) == 3)
        pd_s7comm.expire(ctx, 0);
}

/* The end of the flow: everything still pending is reported. */
static inline void s7f_end(struct pd_ctx *ctx)
{
    ctx->now_us += 1000;
    pd_s7comm.expire(ctx, 1);
}

#endif
