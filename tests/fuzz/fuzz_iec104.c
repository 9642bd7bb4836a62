/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_iec104.c - libFuzzer target for the IEC 60870-5-104 dissector. The first input
 * octet picks the starting direction, the object cap (bits 1-3), whether the direction
 * follows a command's act / actcon / actterm rhythm (bit 4: one APDU one way, two back)
 * instead of flipping after each APDU, and whether the capture clock steps back 10 s
 * every fourth APDU (bit 5: command transactions then time out); the rest is a TCP byte
 * stream run through probe(), the sensor's pdu_len()/resync() framing loop and parse(),
 * then expire(). Every record is encoded to JSON with the sensor's encoder. The whole
 * input is also parsed once as a single PDU.
 */
#include <stdint.h>
#include <string.h>

#include "iec104.h"
#include "json_proto.h"
#include "jw.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct iec104_state state;
    const struct pd_dissector *d = &pd_iec104;
    struct pd_limits lim = pd_default_limits;
    struct pd_ctx ctx = fuzz_ctx(&state, &lim);
    memset(&state, 0, sizeof state);
    if (size == 0)
        return 0;

    uint8_t ctl = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    ctx.dir = ctl & 1;
    lim.max_items = (ctl >> 1) & 7 ? (ctl >> 1) & 7 : 127;

    (void)d->probe(p, n, ctx.dir);
    size_t off = 0;
    unsigned apdus = 0;
    while (off < n) {
        long l = d->pdu_len(p + off, n - off);
        if (l == 0)
            break;
        if (l < 0) {
            long r = d->resync(p + off + 1, n - off - 1);
            if (r < 0)
                break;
            off += 1 + (size_t)r;
            continue;
        }
        if ((size_t)l > n - off)
            l = (long)(n - off); /* a cut-off tail: parse must report it, not read past */
        (void)d->parse(&ctx, p + off, (size_t)l);
        off += (size_t)l;
        apdus++;
        if (!(ctl & 0x10) || apdus % 3 != 2)
            ctx.dir ^= 1;
        ctx.now_us += 1000;
        if ((ctl & 0x20) && apdus % 4 == 0)
            ctx.now_us -= 10000000; /* the capture clock steps back */
        d->expire(&ctx, 0);
    }
    d->expire(&ctx, 1);

    memset(&state, 0, sizeof state);
    ctx.dir = PD_DIR_TO_CLIENT;
    (void)d->parse(&ctx, p, n);
    return 0;
}
