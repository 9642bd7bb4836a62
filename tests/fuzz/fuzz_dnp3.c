/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dnp3.c - libFuzzer target for the DNP3 dissector (IEEE 1815-2012). Input: one byte
 * of settings (transport, caps), a 2-byte little-endian split point, then bytes cut into
 * two streams (master side, outstation side) that go through probe, the pdu_len/resync
 * framing loop as the sensor runs it, parse in each direction, expire, and the JSON encoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "pd.h"
#include "fuzz_common.h"

extern const struct pd_dissector pd_dnp3;

/* The sensor's framing loop over one direction's bytes. */
static void run_stream(struct pd_ctx *ctx, const uint8_t *p, size_t n, uint8_t dir)
{
    const struct pd_dissector *d = &pd_dnp3;
    size_t off = 0;
    ctx->dir = dir;
    (void)d->probe(p, n, dir);
    while (off < n) {
        long len = d->pdu_len(p + off, n - off);
        if (len == 0)
            break;
        if (len < 0) {
            long skip = d->resync(p + off + 1, n - off - 1);
            if (skip < 0)
                break;
            off += (size_t)skip + 1;
            continue;
        }
        if ((size_t)len > n - off)
            break;
        ctx->now_us += 1000;
        (void)d->parse(ctx, p + off, (size_t)len);
        d->expire(ctx, 0);
        off += (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *state;
    struct pd_limits lim = pd_default_limits;
    struct pd_ctx ctx;

    if (size < 3)
        return 0;
    if (!state)
        state = malloc(pd_dnp3.state_size);
    memset(state, 0, pd_dnp3.state_size);
    lim.max_points = 1 + data[0] % 80;
    lim.max_items = 1 + data[0] % 40;
    lim.txn_timeout_us = 3000;
    ctx = fuzz_ctx(state, &lim);
    ctx.transport = (data[0] & 0x80) ? PD_TRANSPORT_UDP : PD_TRANSPORT_TCP;

    const uint8_t *p = data + 3;
    size_t n = size - 3;
    size_t split = ((size_t)data[1] | (size_t)data[2] << 8) % (n + 1);
    /* interleave: first half from the master, second from the outstation, then again */
    run_stream(&ctx, p, split, PD_DIR_TO_SERVER);
    run_stream(&ctx, p + split, n - split, PD_DIR_TO_CLIENT);
    run_stream(&ctx, p, n, PD_DIR_TO_CLIENT);
    pd_dnp3.expire(&ctx, 1);
    return 0;
}
