/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_modbus_pdu.c - libFuzzer target for the Modbus PDU decoders and request/response
 * pairing (dissectors/modbus_pdu.c, modbus.c; Modbus Application Protocol v1.1b3) behind
 * a correct MBAP header, so every input reaches the PDU parser instead of failing the
 * framing that fuzz_modbus has to get right by chance.
 * Input: one settings byte (bit 6 values cap 3, bit 5 items cap 1, bit 4 pending cap 2),
 * then records [flags u8][transaction id u16 be][unit u8][PDU length u8][PDU] (length 0
 * means 1; at most 253). Flags: bit 0 a response (server to client) else a request, bit 1
 * take the transaction id and unit of the last request instead of the record's, bit 2 also
 * its function code (the record's exception bit kept), bits 3-5 step the clock by 300 us
 * (the timeout is 1000 us), bit 6 expire before the PDU. The harness writes MBAP (id,
 * protocol 0, length = PDU + 1, unit), checks pdu_len agrees, and parses the ADU from the
 * end of a buffer so ASan sees over-reads; then everything is expired and every record is
 * encoded to JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modbus.h"
#include "json_proto.h"
#include "jw.h"
#include "fuzz_common.h"

extern const struct pd_dissector pd_modbus;

#define F_RESPONSE 0x01
#define F_SAME_TID 0x02
#define F_SAME_FC 0x04
#define F_EXPIRE 0x40
#define REC_HEAD 5          /* flags, transaction id, unit, PDU length */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *state;
    static uint8_t adu[MODBUS_MAX_ADU];
    const struct pd_dissector *d = &pd_modbus;

    if (size < 1)
        return 0;
    if (!state)
        state = malloc(d->state_size);
    if (!state)
        return 0;
    memset(state, 0, d->state_size);

    uint8_t ctl = data[0];
    struct pd_limits lim = pd_default_limits;
    lim.max_values = ctl & 0x40 ? 3 : MODBUS_MAX_VALUES;
    lim.max_items = ctl & 0x20 ? 1 : 64;
    lim.max_pending = ctl & 0x10 ? 2 : PD_MAX_PENDING;
    lim.txn_timeout_us = 1000;
    struct pd_ctx ctx = fuzz_ctx(state, &lim);

    uint16_t last_tid = 0;
    uint8_t last_unit = 0, last_fc = 0;
    size_t off = 1;
    while (off + REC_HEAD < size) {
        const uint8_t *h = data + off;
        uint8_t flags = h[0];
        uint16_t tid = (uint16_t)(h[1] << 8 | h[2]);
        uint8_t unit = h[3];
        size_t n = h[4] ? h[4] : 1;
        off += REC_HEAD;
        if (n > MODBUS_MAX_PDU)
            n = MODBUS_MAX_PDU;
        if (n > size - off)
            n = size - off;

        /* MBAP then the PDU, ending where the buffer ends */
        uint8_t *p = adu + sizeof adu - (MODBUS_MBAP_LEN + n);
        memcpy(p + MODBUS_MBAP_LEN, data + off, n);
        off += n;
        if (flags & F_SAME_TID) {
            tid = last_tid;
            unit = last_unit;
        }
        if (flags & F_SAME_FC)
            p[MODBUS_MBAP_LEN] = (uint8_t)((p[MODBUS_MBAP_LEN] & 0x80) | (last_fc & 0x7f));
        p[0] = (uint8_t)(tid >> 8);
        p[1] = (uint8_t)tid;
        p[2] = 0;
        p[3] = 0;
        p[4] = 0;
        p[5] = (uint8_t)(n + 1);
        p[6] = unit;
        if (!(flags & F_RESPONSE)) {
            last_tid = tid;
            last_unit = unit;
            last_fc = p[MODBUS_MBAP_LEN];
        }

        ctx.dir = (flags & F_RESPONSE) ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER;
        ctx.now_us += (uint64_t)((flags >> 3) & 7) * 300u;
        if (flags & F_EXPIRE)
            d->expire(&ctx, 0);
        size_t alen = MODBUS_MBAP_LEN + n;
        (void)d->probe(p, alen, ctx.dir);
        long len = d->pdu_len(p, alen);
        if (len != (long)alen)
            abort(); /* a correct MBAP header must frame exactly its ADU */
        (void)d->parse(&ctx, p, alen);
    }
    d->expire(&ctx, 1);
    return 0;
}
