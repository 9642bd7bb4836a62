/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dnp3_txn.c - libFuzzer target for DNP3 transactions (dissectors/dnp3_txn.c; IEEE
 * 1815-2012 4.2 and 4.3): requests paired with responses by sequence, multi-fragment
 * responses, confirms, unsolicited responses, held slots evicted and timed out. fuzz_dnp3_app
 * hands raw fragments over, so most of its inputs are spent on object headers; here each
 * record is four bytes that say who sends what, and the harness writes a well-formed
 * fragment for it, so the search goes into the order of messages instead.
 * Input: records of 4 bytes:
 *   b0  bit 0 direction (1: outstation to master), bits 1-4 FIR, FIN, CON, UNS,
 *       bits 5-7 clock step before the record (0, 1 ms, 100 ms ... 20 s, then expiry)
 *   b1  the function: an index into funcs[] below (modulo)
 *   b2  low nibble the application sequence number, high nibble the objects (payloads[])
 *   b3  IIN first octet for a response (the second is 0)
 */
#include <stdint.h>
#include <string.h>

#include "dnp3.h"
#include "fuzz_common.h"

static const uint8_t funcs[] = {
    DNP3_FC_CONFIRM,        DNP3_FC_READ,          DNP3_FC_WRITE,
    DNP3_FC_SELECT,         DNP3_FC_OPERATE,       DNP3_FC_DIRECT_OPERATE,
    DNP3_FC_DIRECT_OPERATE_NR, DNP3_FC_COLD_RESTART, DNP3_FC_DELAY_MEASURE,
    DNP3_FC_ENABLE_UNSOLICITED, DNP3_FC_RESPONSE,  DNP3_FC_UNSOLICITED_RESPONSE,
    DNP3_FC_AUTHENTICATE_RESP, DNP3_FC_OPEN_FILE,  0x7f /* not a function */,
};

/* Object blocks a fragment may carry (group, variation, qualifier, range, data). */
static const struct {
    uint8_t len;
    uint8_t b[24];
} payloads[] = {
    {0, {0}},
    {3, {0x3c, 0x01, 0x06}},                                    /* g60v1 class 0 */
    {12, {0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06, 0x3c, 0x01, 0x06}},
    {8, {0x01, 0x02, 0x00, 0x00, 0x02, 0x81, 0x01, 0x81}},      /* g1v2 0-2 */
    {13, {0x1e, 0x01, 0x00, 0x05, 0x06, 0x10, 0, 0, 0, 0x01, 0x20, 0, 0, 0}}, /* g30v1 5-6 */
    {18, {0x0c, 0x01, 0x28, 0x01, 0x00, 0x07, 0x00, 0x41, 0x01, 0xe8, 0x03, 0, 0, 0, 0, 0, 0,
          0x00}},                                               /* g12v1 CROB index 7 */
    {10, {0x32, 0x01, 0x07, 0x01, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50}}, /* g50v1 time */
    {4, {0x50, 0x01, 0x00, 0x07}},                              /* g80v1 IIN bit 7 */
    {2, {0x01, 0x02}},                                          /* a cut header */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dnp3_state st;
    static struct dnp3_reasm r;
    static const struct pd_limits lim = {16, 8, 16, 4, 2000000};
    static const uint64_t steps[8] = {0, 1000, 100000, 500000, 1000000, 3000000, 20000000, 0};
    memset(&st, 0, sizeof st);
    struct pd_ctx ctx = fuzz_ctx(&st, &lim);
    for (size_t off = 0; off + 4 <= size; off += 4) {
        const uint8_t *rec = data + off;
        unsigned step = rec[0] >> 5;
        ctx.now_us += steps[step];
        if (step == 7) {
            ctx.now_us += 60000000u;
            dnp3_txn_expire(&ctx, 0);
        }
        uint8_t func = funcs[rec[1] % sizeof funcs];
        unsigned pl = (rec[2] >> 4) % (sizeof payloads / sizeof payloads[0]);
        size_t n = 0;
        memset(&r, 0, offsetof(struct dnp3_reasm, buf));
        r.buf[n++] = (uint8_t)((rec[0] & 0x02 ? DNP3_AC_FIR : 0) | (rec[0] & 0x04 ? DNP3_AC_FIN : 0) |
                               (rec[0] & 0x08 ? DNP3_AC_CON : 0) | (rec[0] & 0x10 ? DNP3_AC_UNS : 0) |
                               (rec[2] & DNP3_AC_SEQ));
        r.buf[n++] = func;
        if (func >= DNP3_FC_RESPONSE) {
            r.buf[n++] = rec[3];
            r.buf[n++] = 0;
        }
        memcpy(r.buf + n, payloads[pl].b, payloads[pl].len);
        n += payloads[pl].len;
        r.len = (uint16_t)n;
        ctx.dir = (uint8_t)(rec[0] & 1);
        r.src = ctx.dir ? 10 : 1;
        r.dst = ctx.dir ? 1 : 10;
        r.ts_us = ctx.now_us;
        (void)dnp3_txn_fragment(&ctx, &st, &r);
    }
    dnp3_txn_expire(&ctx, 1);
    return 0;
}
