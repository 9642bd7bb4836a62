/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_s7comm_plus.c - libFuzzer target for S7comm-plus (dissectors/s7comm_plus.c): the
 * integrity part, data header, request and response bodies, pairing by sequence number
 * and messages spread over PDUs without a trailer. The harness writes the framing (with
 * fuzz_s7_frame.h), the S7comm-plus header and the trailer, which fuzz_s7comm's
 * mutations mostly break, so every mutation lands in the data.
 * Input: records [flags u8][length u16 LE][length bytes of data: integrity part (V3),
 * opcode, function, sequence number...]. Flags:
 *   bits 0-1  version 1, 2 or 3; 0 sends a keep-alive (version byte 0xff)
 *   bit 2     from the PLC (else to it)
 *   bit 3     no trailer: the message continues in the next PDU
 *   bit 4     the trailer carries another version (a bad trailer)
 *   bit 5     the header's data length overruns the data by one byte
 *   bit 6     sent as two COTP DT segments (reassembly)
 *   bit 7     the clock steps 10 s before the record (+ expiry), else 1 ms
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_s7_frame.h"

#define PLUS_HDR 4     /* 0x72, version, data length */
#define PLUS_TRAILER 4 /* 0x72, version, 0x0000 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t unit[S7F_UNIT_MAX];
    struct pd_ctx ctx;
    if (s7f_begin(&ctx) < 0)
        return 0;
    struct pd_cur in = pd_cur_make(data, size);
    for (;;) {
        uint8_t flags = pd_u8(&in);
        size_t len;
        const uint8_t *body;
        if (fuzz_body(&in, &body, &len) < 0)
            break;

        uint8_t ver = (flags & 3) ? (uint8_t)(flags & 3) : 0xff;
        if (len > S7F_UNIT_MAX - PLUS_HDR - PLUS_TRAILER)
            len = S7F_UNIT_MAX - PLUS_HDR - PLUS_TRAILER;
        size_t dlen = len + ((flags & 0x20) ? 1 : 0);
        size_t n = 0;
        unit[n++] = 0x72;
        unit[n++] = ver;
        unit[n++] = (uint8_t)(dlen >> 8);
        unit[n++] = (uint8_t)dlen;
        if (len)
            memcpy(unit + n, body, len);
        n += len;
        if (!(flags & 0x08)) {
            unit[n++] = 0x72;
            unit[n++] = (flags & 0x10) ? (uint8_t)(ver ^ 1) : ver;
            unit[n++] = 0x00;
            unit[n++] = 0x00;
        }

        s7f_tick(&ctx, (flags & 0x80) ? 3 : 0);
        s7f_send(&ctx, (flags >> 2) & 1, unit, n, flags & 0x40);
    }
    s7f_end(&ctx);
    return 0;
}
