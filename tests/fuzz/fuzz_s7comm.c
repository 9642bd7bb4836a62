/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_s7comm.c - libFuzzer target for pd_s7comm. The first input byte picks the direction
 * of each framed PDU (bit k for the k-th PDU, cycling), the rest is the TCP byte stream: it
 * runs probe, the pdu_len/resync framing loop, parse in both directions on one flow state,
 * expire, and encodes every record with the sensor's JSON encoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "pd.h"
#include "fuzz_common.h"

extern const struct pd_dissector pd_s7comm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct pd_dissector *d = &pd_s7comm;
    if (size < 1)
        return 0;
    uint8_t pattern = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    struct pd_limits lim = pd_default_limits;
    void *state = calloc(1, d->state_size);
    if (!state)
        return 0;
    struct pd_ctx ctx;
    ctx = fuzz_ctx(state, &lim);
    (void)d->probe(p, n, 0);
    (void)d->probe(p, n, 1);
    unsigned k = 0;
    while (n > 0) {
        long len = d->pdu_len(p, n);
        if (len == 0)
            break;
        if (len < 0) {
            long off = d->resync(p, n);
            if (off < 0)
                break; /* nothing plausible left: the sensor drops the bytes */
            size_t skip = off > 0 ? (size_t)off : 1; /* and at least one byte */
            if (skip > n)
                break;
            p += skip;
            n -= skip;
            continue;
        }
        if ((size_t)len > n)
            break;
        ctx.dir = (uint8_t)((pattern >> (k++ & 7)) & 1);
        ctx.now_us += 1000;
        (void)d->parse(&ctx, p, (size_t)len);
        p += len;
        n -= (size_t)len;
    }
    ctx.now_us += 10000000;
    d->expire(&ctx, 0);
    d->expire(&ctx, 1);
    free(state);
    return 0;
}
