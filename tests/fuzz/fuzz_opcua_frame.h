/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_opcua_frame.h - what the inner-layer OPC UA fuzz targets (fuzz_opcua_svc.c,
 * fuzz_opcua_chan.c) share: a fresh pd_opcua flow per input, a byte writer for UA TCP
 * chunks (OPC 10000-6 6.7, 7.1: little-endian integers, Int32-prefixed strings) and
 * uaf_send(), which parses one chunk through the descriptor on an exact-size heap copy
 * so ASan sees any over-read. Header-only, like fuzz_common.h.
 */
#ifndef TZ_FUZZ_OPCUA_FRAME_H
#define TZ_FUZZ_OPCUA_FRAME_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opcua.h"
#include "pd.h"
#include "fuzz_common.h"

#define UAF_MAX_CHUNK 65544u /* the largest chunk the dissector takes (OPCUA_MAX_MSG) */
#define UAF_HDR 8            /* message type, chunk type, message size */

static const char uaf_policy_none[] = "http://opcfoundation.org/UA/SecurityPolicy#None";

/* Small caps, so the item and pending-table limits are reached too. */
static const struct pd_limits uaf_limits = {
    .max_values = 16,
    .max_items = 8,
    .max_points = 16,
    .max_pending = 8,
    .txn_timeout_us = 5000000,
};

/* A chunk being written; writes past cap are dropped and counted in `over`. */
struct uaf_buf {
    uint8_t *p;
    size_t n, cap;
    int over;
};

static inline void uaf_bytes(struct uaf_buf *b, const void *src, size_t n)
{
    if (n > b->cap - b->n) {
        n = b->cap - b->n;
        b->over = 1;
    }
    if (n)
        memcpy(b->p + b->n, src, n);
    b->n += n;
}

static inline void uaf_u8(struct uaf_buf *b, uint8_t v)
{
    uaf_bytes(b, &v, 1);
}

static inline void uaf_u32(struct uaf_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    uaf_bytes(b, le, 4);
}

/* A UA String; NULL writes the null string (length -1). */
static inline void uaf_string(struct uaf_buf *b, const char *s)
{
    if (!s) {
        uaf_u32(b, 0xFFFFFFFFu);
        return;
    }
    size_t n = strlen(s);
    uaf_u32(b, (uint32_t)n);
    uaf_bytes(b, s, n);
}

/* Starts a chunk: message type, chunk type, and a size that uaf_finish fills in. */
static inline void uaf_start(struct uaf_buf *b, uint8_t *mem, size_t cap, const char *type,
                             char chunk)
{
    b->p = mem;
    b->n = 0;
    b->cap = cap;
    b->over = 0;
    uaf_bytes(b, type, 3);
    uaf_u8(b, (uint8_t)chunk);
    uaf_u32(b, 0);
}

static inline void uaf_finish(struct uaf_buf *b)
{
    uint32_t size = (uint32_t)b->n;
    for (int i = 0; i < 4; i++)
        b->p[4 + i] = (uint8_t)(size >> (8 * i));
}

/* Parses n bytes as one chunk in direction dir, from an exact-size heap copy. */
static inline void uaf_send(struct pd_ctx *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    memcpy(copy, p, n);
    ctx->dir = dir;
    (void)pd_opcua.parse(ctx, copy, n);
    free(copy);
}

/* A fresh flow for one input: zeroed state, the clock at a fixed start. */
static inline int uaf_begin(struct pd_ctx *ctx)
{
    static void *state;
    if (!state)
        state = malloc(pd_opcua.state_size);
    if (!state)
        return -1;
    memset(state, 0, pd_opcua.state_size);
    *ctx = fuzz_ctx(state, &uaf_limits);
    return 0;
}

/* Advances the clock by a 2-bit step: 1 ms, 100 ms, 1 s, or 10 s, past the transaction
 * timeout, after which pending requests are expired. */
static inline void uaf_tick(struct pd_ctx *ctx, unsigned step)
{
    static const uint64_t us[4] = {1000, 100000, 1000000, 10000000};
    ctx->now_us += us[step & 3];
    if ((step & 3) == 3)
        pd_opcua.expire(ctx, 0);
}

/* The end of the flow: everything still pending is reported. */
static inline void uaf_end(struct pd_ctx *ctx)
{
    ctx->now_us += 1000;
    pd_opcua.expire(ctx, 1);
}

#endif
