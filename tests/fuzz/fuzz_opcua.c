/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_opcua.c - libFuzzer target for the OPC UA binary dissector: the first input byte
 * picks the direction of each PDU, the rest is a TCP byte stream run through probe, the
 * pdu_len/resync framing loop, parse (on an exact-size heap copy so ASan sees over-reads),
 * expire, and the sensor's JSON encoder for every record emitted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "opcua.h"
#include "fuzz_common.h"

static const struct pd_limits limits = {
    .max_values = 64,
    .max_items = 32,
    .max_points = 64,
    .max_pending = PD_MAX_PENDING,
    .txn_timeout_us = 5000000,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *state;
    if (!state)
        state = malloc(pd_opcua.state_size);
    if (size < 1 || !state)
        return 0;
    uint8_t dirs = data[0];
    data++;
    size--;
    memset(state, 0, pd_opcua.state_size);
    struct pd_ctx ctx = fuzz_ctx(state, &limits);
    (void)pd_opcua.probe(data, size, PD_DIR_TO_SERVER);
    (void)pd_opcua.probe(data, size, PD_DIR_TO_CLIENT);
    size_t off = 0;
    unsigned k = 0;
    while (off < size) {
        long n = pd_opcua.pdu_len(data + off, size - off);
        if (n == 0)
            break;
        if (n < 0) {
            long r = pd_opcua.resync(data + off + 1, size - off - 1);
            if (r < 0)
                break;
            off += 1 + (size_t)r;
            continue;
        }
        if ((size_t)n > size - off)
            break;
        uint8_t *pdu = malloc((size_t)n);
        if (!pdu)
            break;
        memcpy(pdu, data + off, (size_t)n);
        ctx.dir = (dirs >> (k & 7)) & 1;
        ctx.now_us += 1000;
        (void)pd_opcua.parse(&ctx, pdu, (size_t)n);
        free(pdu);
        off += (size_t)n;
        k++;
        if ((k & 7) == 0) {
            ctx.now_us += 6000000;
            pd_opcua.expire(&ctx, 0);
        }
    }
    pd_opcua.expire(&ctx, 1);
    return 0;
}
