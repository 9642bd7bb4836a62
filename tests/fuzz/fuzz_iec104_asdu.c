/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_iec104_asdu.c - libFuzzer target for the IEC 60870-5-104 ASDU decoder
 * (dissectors/iec104_asdu.c; IEC 60870-5-101 clause 7 with the 104 field sizes) behind a
 * correct APCI, so every ASDU gets decoded rather than only those whose framing
 * fuzz_iec104 happened to get right; S and U frames come in between.
 * Input: one settings byte (bits 0-2 the object cap, 0 meaning 127), then records
 * [flags u8][N(S) u16 le][N(R) u16 le][ASDU length u8][ASDU] (length capped at 249).
 * Flags: bit 0 direction (1 server to client); bits 1-2 the format: 0 or 1 an I-frame
 * carrying the ASDU, 2 an S-frame (N(R)), 3 a U-frame (function bit N(S) mod 6), the ASDU
 * bytes skipped for S and U; bit 3 use the N(S) and N(R) a clean session would carry
 * instead of the record's; bits 4-6 step the clock by 500 ms (the timeout is 2 s). The
 * harness writes 0x68, length 4 + ASDU, the control field, checks pdu_len agrees, and
 * parses the APDU from the end of a buffer so ASan sees over-reads, expiring after each;
 * every record is encoded to JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iec104.h"
#include "json_proto.h"
#include "jw.h"
#include "fuzz_common.h"

#define F_DIR 0x01
#define F_FORMAT 0x06
#define F_FORMAT_S 0x04
#define F_FORMAT_U 0x06
#define F_SEQ_CLEAN 0x08
#define REC_HEAD 6          /* flags, N(S), N(R), ASDU length */
#define ASDU_MAX (IEC104_LEN_MAX - IEC104_LEN_MIN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct iec104_state state;
    static uint8_t apdu[2 + IEC104_LEN_MAX];
    const struct pd_dissector *d = &pd_iec104;
    struct pd_limits lim = pd_default_limits;
    struct pd_ctx ctx = fuzz_ctx(&state, &lim);
    memset(&state, 0, sizeof state);
    if (size == 0)
        return 0;
    lim.max_items = data[0] & 7 ? data[0] & 7 : IEC104_MAX_OBJECTS;
    lim.txn_timeout_us = 2000000;

    uint16_t sent[2] = {0, 0}; /* I-frames each direction sent, for clean N(S)/N(R) */
    size_t off = 1;
    while (off + REC_HEAD <= size) {
        const uint8_t *h = data + off;
        uint8_t flags = h[0];
        uint16_t ns = (uint16_t)((h[1] | h[2] << 8) % IEC104_SEQ_MOD);
        uint16_t nr = (uint16_t)((h[3] | h[4] << 8) % IEC104_SEQ_MOD);
        size_t alen = h[5] < ASDU_MAX ? h[5] : ASDU_MAX;
        off += REC_HEAD;
        if (alen > size - off)
            alen = size - off;
        const uint8_t *asdu = data + off;
        off += alen;

        uint8_t dir = (flags & F_DIR) ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER;
        if (flags & F_SEQ_CLEAN) {
            ns = sent[dir];
            nr = sent[dir ^ 1];
        }
        uint8_t ctl[4];
        switch (flags & F_FORMAT) {
        case F_FORMAT_S:
            ctl[0] = 0x01;
            ctl[1] = 0;
            alen = 0;
            break;
        case F_FORMAT_U:
            ctl[0] = (uint8_t)(0x03 | IEC104_U_STARTDT_ACT << (ns % 6));
            ctl[1] = 0;
            nr = 0;
            alen = 0;
            break;
        default:
            ctl[0] = (uint8_t)(ns << 1);
            ctl[1] = (uint8_t)(ns >> 7);
            sent[dir] = (uint16_t)((ns + 1u) % IEC104_SEQ_MOD);
            break;
        }
        ctl[2] = (uint8_t)(nr << 1);
        ctl[3] = (uint8_t)(nr >> 7);

        size_t n = 2 + IEC104_LEN_MIN + alen;
        uint8_t *p = apdu + sizeof apdu - n;
        p[0] = IEC104_START;
        p[1] = (uint8_t)(IEC104_LEN_MIN + alen);
        memcpy(p + 2, ctl, sizeof ctl);
        memcpy(p + 2 + IEC104_LEN_MIN, asdu, alen);

        ctx.dir = dir;
        ctx.now_us += (uint64_t)((flags >> 4) & 7) * 500000u;
        (void)d->probe(p, n, dir);
        if (d->pdu_len(p, n) != (long)n)
            abort(); /* a correct APCI must frame exactly its APDU */
        (void)d->parse(&ctx, p, n);
        d->expire(&ctx, 0);
    }
    d->expire(&ctx, 1);
    return 0;
}
