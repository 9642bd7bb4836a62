/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_iec104_txn.c - libFuzzer target for the IEC 104 command transactions
 * (dissectors/iec104_txn.c) fed records directly, so the search goes into the order of
 * acts, confirmations, refusals and terminations rather than into framing. Each 4-byte
 * record of the input is one I-format ASDU:
 *   byte 0: bit 0 direction, bits 1-2 clock (00 +1 ms, 01 +timeout, 10 back 10 s, 11 same),
 *           bit 3 P/N, bit 4 S/E, bit 5 malformed status, bit 6 exception status
 *   byte 1: type (45..69 and 100..113 are commands; others pass through)
 *   byte 2: cause (low 6 bits: act 6, actcon 7, deact 8, deactcon 9, actterm 10, 44..47)
 *   byte 3: common address (low 2 bits) and first IOA (high 6 bits)
 * Every emitted record is encoded with the sensor's JSON encoder; at the end the table is
 * expired once as the clock runs and once as the flow ends.
 */
#include <stdint.h>
#include <string.h>

#include "iec104.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct iec104_state state;
    struct pd_limits lim = pd_default_limits;
    struct pd_ctx ctx = fuzz_ctx(&state, &lim);
    memset(&state, 0, sizeof state);
    lim.max_pending = size > 0 ? 1 + data[0] % IEC104_PENDING : IEC104_PENDING;
    uint16_t tx[2] = {0, 0};
    for (size_t off = 1; off + 4 <= size; off += 4) {
        const uint8_t *b = data + off;
        struct iec104_rec r;
        memset(&r, 0, sizeof r);
        ctx.dir = b[0] & 1;
        switch ((b[0] >> 1) & 3) {
        case 0:
            ctx.now_us += 1000;
            break;
        case 1:
            ctx.now_us += lim.txn_timeout_us;
            break;
        case 2:
            ctx.now_us -= 10000000; /* the capture clock steps back */
            break;
        default:
            break;
        }
        r.apci = 'I';
        r.tx = tx[ctx.dir]++;
        r.rx = tx[ctx.dir ^ 1];
        r.has_asdu = 1;
        r.asdu.type = b[1];
        r.asdu.cot = b[2] & 0x3f;
        r.asdu.neg = (b[0] >> 3) & 1;
        r.asdu.has_se = 1;
        r.asdu.se = (b[0] >> 4) & 1;
        r.asdu.num = 1;
        r.asdu.ca = b[3] & 3;
        r.asdu.decoded = 1;
        r.asdu.n_objects = 1;
        r.asdu.objects[0].ioa = b[3] >> 2;
        uint8_t status = (b[0] & 0x20)   ? PD_ST_MALFORMED
                         : (b[0] & 0x40) ? PD_ST_EXCEPTION
                                         : PD_ST_OK;
        (void)iec104_txn_i(&ctx, &state, &r, status);
        iec104_txn_expire(&ctx, &state, 0);
    }
    ctx.now_us += 2 * lim.txn_timeout_us;
    iec104_txn_expire(&ctx, &state, 0);
    iec104_txn_expire(&ctx, &state, 1);
    return 0;
}
