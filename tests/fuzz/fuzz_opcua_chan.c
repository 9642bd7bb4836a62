/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_opcua_chan.c - libFuzzer target for the OPC UA connection and secure conversation
 * layers (dissectors/opcua.c transport messages, opcua_chan.c; OPC 10000-6 6.7, 7.1):
 * HEL/ACK/ERR/RHE, OPN and its security policy, CLO, and multi-chunk 'C'/'A'/'F' sequences
 * with pairing by request id. The harness writes every chunk's message header with the
 * right size, so random records are not lost to the framing as in fuzz_opcua.
 * Input: records [flags u8][length u16 LE][length bytes]. Flags:
 *   bits 0-2  message type: 0 HEL, 1 ACK, 2 ERR, 3 RHE, 4 OPN, 5 CLO, 6 MSG; 7 sends
 *             nothing: the clock steps 10 s and pending requests expire
 *   bits 3-4  chunk type: 'F', 'C', 'A', 'F'
 *   bit 5     to the client (else to the server)
 *   bit 6     MSG/CLO: the chunk starts a new request id (else it keeps the current one)
 *   bit 7     MSG/CLO: the bytes follow the message header directly; else the harness
 *             writes the symmetric security header (channel 7, token 3) and the sequence
 *             header (a sequence number per direction, the request id)
 * For HEL, ACK, ERR, RHE and OPN the bytes are the whole rest of the message.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_opcua_frame.h"

#define UA_CHANNEL 7
#define UA_TOKEN 3
#define TYPE_TICK 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[7] = {"HEL", "ACK", "ERR", "RHE", "OPN", "CLO", "MSG"};
    static const char chunks[4] = {'F', 'C', 'A', 'F'};
    static uint8_t mem[UAF_MAX_CHUNK];
    struct pd_ctx ctx;
    if (uaf_begin(&ctx) < 0)
        return 0;
    uint32_t seq[2] = {1, 1};
    uint32_t req_id = 1;
    struct pd_cur in = pd_cur_make(data, size);
    for (;;) {
        uint8_t flags = pd_u8(&in);
        size_t len;
        const uint8_t *bytes;
        if (fuzz_body(&in, &bytes, &len) < 0)
            break;

        unsigned type = flags & 7;
        if (type == TYPE_TICK) {
            uaf_tick(&ctx, 3);
            continue;
        }
        uint8_t dir = (flags >> 5) & 1;
        struct uaf_buf b;
        uaf_start(&b, mem, sizeof mem, types[type], chunks[(flags >> 3) & 3]);
        int symmetric = strcmp(types[type], "MSG") == 0 || strcmp(types[type], "CLO") == 0;
        if (symmetric && (flags & 0x40))
            req_id++;
        if (symmetric && !(flags & 0x80)) {
            uaf_u32(&b, UA_CHANNEL);
            uaf_u32(&b, UA_TOKEN);
            uaf_u32(&b, seq[dir]++);
            uaf_u32(&b, req_id);
        }
        uaf_bytes(&b, bytes, len); /* cut at the largest chunk */
        uaf_finish(&b);
        uaf_tick(&ctx, 0);
        uaf_send(&ctx, dir, b.p, b.n);
    }
    uaf_end(&ctx);
    return 0;
}
