/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_s7comm_ud.c - libFuzzer target for S7comm userdata (ROSCTR 7, dissectors/
 * s7comm_ud.c): the parameter head (type, function group, subfunction, sequence, data
 * unit reference) and the SZL, block, time and security data behind it. The harness
 * writes the TPKT, COTP and S7 headers (with fuzz_s7_frame.h), which fuzz_s7comm's
 * mutations mostly break, so every mutation lands in the parameter and data parts.
 * Input: records [flags u8][PDU reference u16 BE][parameter length u8][length u16 LE]
 * [length bytes: parameter (head onwards), then data]. Flags:
 *   bit 0     from the PLC (else to it)
 *   bit 1     a record from the PLC keeps its own PDU reference; else it echoes the last
 *             record sent to the PLC, so requests and responses pair up
 *   bit 2     sent as two COTP DT segments (reassembly)
 *   bit 3     the header's data length overruns the PDU by one byte
 *   bits 4-5  clock step before the record: 1 ms, 100 ms, 1 s, 10 s + expiry
 * The parameter length is clamped to the record; the data length is the rest.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_s7_frame.h"

#define UD_HDR 10 /* protocol id, ROSCTR, redundancy id, reference, two lengths */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t unit[S7F_UNIT_MAX];
    struct pd_ctx ctx;
    if (s7f_begin(&ctx) < 0)
        return 0;
    struct pd_cur in = pd_cur_make(data, size);
    uint16_t last_req_ref = 0; /* of the last record sent to the PLC */
    for (;;) {
        uint8_t flags = pd_u8(&in);
        uint16_t ref = pd_u16be(&in);
        uint8_t plen = pd_u8(&in);
        size_t len;
        const uint8_t *body;
        if (fuzz_body(&in, &body, &len) < 0)
            break;

        uint8_t dir = flags & 1;
        if (dir == PD_DIR_TO_SERVER)
            last_req_ref = ref;
        else if (!(flags & 0x02))
            ref = last_req_ref;

        if (len > S7F_UNIT_MAX - UD_HDR)
            len = S7F_UNIT_MAX - UD_HDR;
        size_t pl = plen < len ? plen : len;
        size_t dl = len - pl + ((flags & 0x08) ? 1 : 0);
        s7f_header(unit, S7COMM_ROSCTR_USERDATA, ref, pl, dl);
        if (len)
            memcpy(unit + UD_HDR, body, len);

        s7f_tick(&ctx, flags >> 4);
        s7f_send(&ctx, dir, unit, UD_HDR + len, flags & 0x04);
    }
    s7f_end(&ctx);
    return 0;
}
