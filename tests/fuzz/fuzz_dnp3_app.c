/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dnp3_app.c - libFuzzer target for the DNP3 application and transaction layers
 * (dissectors/dnp3_app.c, dnp3_txn.c; IEEE 1815-2012 clause 4) without the link layer:
 * random bytes rarely carry valid link CRCs, so fuzz_dnp3 seldom reaches the objects.
 * Input: records [flags u8][length u16 little-endian][fragment bytes]; flags bit 0 is the
 * direction (master to outstation or back), bits 1-3 step the clock; each fragment goes to
 * dnp3_txn_fragment as a reassembled application fragment, then everything is expired and
 * every record is encoded to JSON.
 */
#include <stdint.h>
#include <string.h>

#include "dnp3.h"
#include "json_proto.h"
#include "jw.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dnp3_state st;
    static struct dnp3_reasm r;
    static const struct pd_limits lim = {16, 8, 16, 8, 1000000};
    memset(&st, 0, sizeof st);
    struct pd_ctx ctx = fuzz_ctx(&st, &lim);
    size_t off = 0;
    while (off + 3 <= size) {
        uint8_t flags = data[off];
        size_t len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
        off += 3;
        if (len > size - off)
            len = size - off;
        if (len > sizeof r.buf)
            len = sizeof r.buf;
        memset(&r, 0, offsetof(struct dnp3_reasm, buf));
        memcpy(r.buf, data + off, len);
        r.len = (uint16_t)len;
        r.src = (flags & 1) ? 10 : 1;
        r.dst = (flags & 1) ? 1 : 10;
        ctx.dir = (uint8_t)(flags & 1);
        ctx.now_us += (uint64_t)((flags >> 1) & 7) * 400000u;
        r.ts_us = ctx.now_us;
        (void)dnp3_txn_fragment(&ctx, &st, &r);
        off += len;
    }
    dnp3_txn_expire(&ctx, 1);
    return 0;
}
