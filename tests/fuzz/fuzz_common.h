/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_common.h - what every dissector fuzz target shares: an emit() that encodes each
 * record with the sensor's own JSON encoder (so the encoders are fuzzed too) and an
 * anomaly() that drops the report. Header-only: each target is one translation unit.
 */
#ifndef TZ_FUZZ_COMMON_H
#define TZ_FUZZ_COMMON_H

#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "pd.h"

static inline void fuzz_emit(struct pd_ctx *ctx, const struct pd_txn *t)
{
    static char buf[65536];
    struct jw w;
    (void)ctx;
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    json_proto_fn enc = json_proto_encoder(t->proto);
    if (enc && t->rec)
        enc(&w, t->rec);
    jw_obj_end(&w);
    (void)jw_finish(&w);
}

static inline void fuzz_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    (void)ctx;
    (void)kind;
    (void)detail;
}

/* A flow's context for one input: state and limits, TCP, the clock at 2023-11-14, and the
 * callbacks above. */
#define FUZZ_T0 1700000000000000ull

static inline struct pd_ctx fuzz_ctx(void *state, const struct pd_limits *lim)
{
    struct pd_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.state = state;
    ctx.lim = lim;
    ctx.emit = fuzz_emit;
    ctx.anomaly = fuzz_anomaly;
    ctx.transport = PD_TRANSPORT_TCP;
    ctx.now_us = FUZZ_T0;
    return ctx;
}

/* A record's body: a u16 little-endian length, then that many bytes (what is left, when
 * the input ends first). -1 when the input ended before the length, or a read before it
 * failed (cursor errors are sticky). */
static inline int fuzz_body(struct pd_cur *in, const uint8_t **body, size_t *len)
{
    size_t n = pd_u16le(in);
    if (in->err)
        return -1;
    if (n > pd_left(in))
        n = pd_left(in);
    *body = pd_bytes(in, n);
    *len = n;
    return 0;
}

#endif
