/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_modbus.c - libFuzzer target for the Modbus/TCP dissector. The first input byte
 * sets the limits and the direction of each frame; the rest is a byte stream framed the
 * way the sensor frames it (pdu_len, resync on bad framing), every PDU copied to a buffer
 * of exactly its size and parsed, records encoded to JSON; then probe, a raw parse of the
 * whole stream in both directions, and expire (periodic and final).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "pd.h"
#include "fuzz_common.h"

extern const struct pd_dissector pd_modbus;

static void parse_copy(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    memcpy(copy, p, n);
    (void)pd_modbus.parse(ctx, copy, n);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct pd_dissector *d = &pd_modbus;
    uint8_t ctl = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    struct pd_limits lim = pd_default_limits;
    lim.max_values = ctl & 0x40 ? 3 : 2000;
    lim.max_items = ctl & 0x20 ? 1 : 64;
    lim.max_pending = ctl & 0x10 ? 2 : PD_MAX_PENDING;
    lim.txn_timeout_us = 1000;

    void *state = calloc(1, d->state_size);
    if (!state)
        return 0;
    struct pd_ctx ctx = fuzz_ctx(state, &lim);

    (void)d->probe(p, n, PD_DIR_TO_SERVER);
    (void)d->probe(p, n, PD_DIR_TO_CLIENT);

    /* the sensor's framing loop */
    size_t off = 0;
    unsigned frame = 0;
    while (off < n) {
        long len = d->pdu_len(p + off, n - off);
        if (len == 0)
            break;
        if (len < 0) {
            long skip = d->resync(p + off + 1, n - off - 1);
            if (skip < 0)
                break;
            off += 1 + (size_t)skip;
            continue;
        }
        if ((size_t)len > n - off)
            break;
        ctx.dir = (ctl >> (frame % 4)) & 1 ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER;
        ctx.now_us += 300;
        parse_copy(&ctx, p + off, (size_t)len);
        if (frame % 8 == 7)
            d->expire(&ctx, 0);
        off += (size_t)len;
        frame++;
    }

    /* parse must survive any bytes, whatever pdu_len would have said */
    ctx.dir = PD_DIR_TO_SERVER;
    parse_copy(&ctx, p, n);
    ctx.dir = PD_DIR_TO_CLIENT;
    parse_copy(&ctx, p, n);
    d->expire(&ctx, 1);
    free(state);
    return 0;
}
