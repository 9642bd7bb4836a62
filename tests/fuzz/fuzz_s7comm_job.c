/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_s7comm_job.c - libFuzzer target for S7comm jobs, acks and ack-data
 * (dissectors/s7comm_job.c). fuzz_s7comm's mutations mostly break the TPKT, COTP or S7
 * header lengths before they get here; this harness writes those itself (with
 * fuzz_s7_frame.h), so every mutation lands in the parameter and data parts.
 * Input: records [flags u8][PDU reference u16 BE][parameter length u8][error class u8]
 * [error code u8][length u16 LE][length bytes: parameter, then data]. Flags:
 *   bits 0-1  ROSCTR: 0 job, 1 ack, 2 ack-data, 3 the other side of the previous record
 *             (ack-data after a job, else a job)
 *   bit 2     a job goes from the PLC (its own jobs, as in download), the ack to it
 *   bit 3     an ack keeps its own PDU reference; else it echoes the last job sent the
 *             other way, so jobs and acks pair up
 *   bit 4     sent as two COTP DT segments (reassembly)
 *   bit 5     the header's data length overruns the PDU by one byte
 *   bits 6-7  clock step before the record: 1 ms, 100 ms, 1 s, 10 s + expiry
 * The parameter length is clamped to the record; the data length is the rest. Error
 * class and code go into ack headers only.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_s7_frame.h"

#define JOB_HDR 10 /* protocol id, ROSCTR, redundancy id, reference, two lengths */
#define ACK_HDR 12 /* ... and error class and code */

/* ROSCTR by flag bits 0-1 (3 is resolved against the previous record). */
static const uint8_t rosctr_of[3] = {S7COMM_ROSCTR_JOB, S7COMM_ROSCTR_ACK,
                                     S7COMM_ROSCTR_ACK_DATA};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t unit[S7F_UNIT_MAX];
    struct pd_ctx ctx;
    if (s7f_begin(&ctx) < 0)
        return 0;
    struct pd_cur in = pd_cur_make(data, size);
    uint16_t last_job_ref[2] = {0, 0}; /* by the direction the job went */
    int prev_job = 0;
    for (;;) {
        uint8_t flags = pd_u8(&in);
        uint16_t ref = pd_u16be(&in);
        uint8_t plen = pd_u8(&in);
        uint8_t ecls = pd_u8(&in);
        uint8_t ecode = pd_u8(&in);
        size_t len;
        const uint8_t *body;
        if (fuzz_body(&in, &body, &len) < 0)
            break;

        unsigned pick = flags & 3;
        if (pick == 3)
            pick = prev_job ? 2 : 0;
        uint8_t rosctr = rosctr_of[pick];
        int is_job = rosctr == S7COMM_ROSCTR_JOB;
        uint8_t dir = (uint8_t)(((flags >> 2) & 1) ^ !is_job);
        if (is_job)
            last_job_ref[dir] = ref;
        else if (!(flags & 0x08))
            ref = last_job_ref[dir ^ 1];
        prev_job = is_job;

        size_t hdr = is_job ? JOB_HDR : ACK_HDR;
        if (len > S7F_UNIT_MAX - hdr)
            len = S7F_UNIT_MAX - hdr;
        size_t pl = plen < len ? plen : len;
        size_t dl = len - pl + ((flags & 0x20) ? 1 : 0);
        s7f_header(unit, rosctr, ref, pl, dl);
        unit[10] = ecls; /* overwritten by the body in a job */
        unit[11] = ecode;
        if (len)
            memcpy(unit + hdr, body, len);

        s7f_tick(&ctx, flags >> 6);
        s7f_send(&ctx, dir, unit, hdr + len, flags & 0x10);
    }
    s7f_end(&ctx);
    return 0;
}
