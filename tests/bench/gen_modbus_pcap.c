/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_modbus_pcap.c - writes a large synthetic Modbus/TCP capture for the benchmark: many
 * client/server sessions (bench_pcap.c does TCP) carrying a realistic mix of reads (FC 1-4),
 * writes (FC 5, 6, 15, 16), FC 23 and about 4 % exception responses, framed as in the Modbus
 * Messaging on TCP/IP Implementation Guide v1.0b (MBAP). A DNP3 or S7 variant is another
 * small file with its own struct bench_proto and the same main.
 * Usage: gen_modbus_pcap OUT.pcap PACKETS FLOWS SEED
 */
#include <stdio.h>
#include <string.h>

#include "bench_pcap.h"

#define MB_MBAP_LEN 7

static size_t mb_put16(uint8_t *p, size_t at, uint32_t v)
{
    p[at] = (uint8_t)(v >> 8);
    p[at + 1] = (uint8_t)v;
    return at + 2;
}

static uint32_t mb_get16(const uint8_t *p, size_t at)
{
    return (uint32_t)p[at] << 8 | p[at + 1];
}

static void mb_flow_init(struct bench_flow_proto *pf, struct bench_rng *r, uint32_t flow_index)
{
    pf->next_id = bench_rng_range(r, 0, 0xffff);
    pf->unit = (uint16_t)(1 + flow_index % 4);
}

/* Fills the MBAP header in front of a PDU of pdu_len bytes; returns the ADU length. */
static size_t mb_frame(uint8_t *out, uint32_t tid, uint8_t unit, size_t pdu_len)
{
    mb_put16(out, 0, tid);
    mb_put16(out, 2, 0);
    mb_put16(out, 4, (uint32_t)(pdu_len + 1));
    out[6] = unit;
    return MB_MBAP_LEN + pdu_len;
}

static size_t mb_build_request(struct bench_flow_proto *pf, struct bench_rng *r, uint8_t *out)
{
    uint8_t *pdu = out + MB_MBAP_LEN;
    uint32_t pick = bench_rng_range(r, 0, 99);
    uint32_t addr = bench_rng_range(r, 0, 9999);
    size_t n;

    if (pick < 30) { /* read holding registers */
        pdu[0] = 3;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 1, 32));
    } else if (pick < 45) { /* read input registers */
        pdu[0] = 4;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 1, 16));
    } else if (pick < 60) { /* read coils */
        pdu[0] = 1;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 1, 64));
    } else if (pick < 70) { /* read discrete inputs */
        pdu[0] = 2;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 1, 64));
    } else if (pick < 80) { /* write single register */
        pdu[0] = 6;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 0, 0xffff));
    } else if (pick < 85) { /* write single coil */
        pdu[0] = 5;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), bench_rng_range(r, 0, 1) ? 0xff00 : 0);
    } else if (pick < 92) { /* write multiple registers */
        uint32_t qty = bench_rng_range(r, 1, 16);
        pdu[0] = 16;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), qty);
        pdu[n++] = (uint8_t)(qty * 2);
        for (uint32_t i = 0; i < qty; i++)
            n = mb_put16(pdu, n, bench_rng_range(r, 0, 0xffff));
    } else if (pick < 97) { /* write multiple coils */
        uint32_t qty = bench_rng_range(r, 1, 32);
        uint32_t bytes = (qty + 7) / 8;
        pdu[0] = 15;
        n = mb_put16(pdu, mb_put16(pdu, 1, addr), qty);
        pdu[n++] = (uint8_t)bytes;
        for (uint32_t i = 0; i < bytes; i++)
            pdu[n++] = (uint8_t)bench_rng_next(r);
    } else { /* read/write multiple registers */
        uint32_t wqty = bench_rng_range(r, 1, 8);
        pdu[0] = 23;
        n = mb_put16(pdu, 1, addr);
        n = mb_put16(pdu, n, bench_rng_range(r, 1, 8));
        n = mb_put16(pdu, n, bench_rng_range(r, 0, 9999));
        n = mb_put16(pdu, n, wqty);
        pdu[n++] = (uint8_t)(wqty * 2);
        for (uint32_t i = 0; i < wqty; i++)
            n = mb_put16(pdu, n, bench_rng_range(r, 0, 0xffff));
    }
    uint32_t tid = pf->next_id & 0xffff;
    pf->next_id++;
    return mb_frame(out, tid, (uint8_t)pf->unit, n);
}

static size_t mb_build_response(struct bench_flow_proto *pf, struct bench_rng *r,
                                const uint8_t *req, size_t req_len, uint8_t *out)
{
    const uint8_t *rq = req + MB_MBAP_LEN;
    uint8_t *pdu = out + MB_MBAP_LEN;
    uint32_t tid = mb_get16(req, 0);
    uint8_t unit = req[6];
    uint8_t fc = rq[0];
    size_t n = 0;
    (void)pf;
    (void)req_len;

    if (bench_rng_range(r, 0, 99) < 4) {
        pdu[0] = (uint8_t)(fc | 0x80);
        pdu[1] = bench_rng_range(r, 0, 3) == 0 ? 3 : 2; /* illegal value / illegal address */
        return mb_frame(out, tid, unit, 2);
    }

    pdu[0] = fc;
    switch (fc) {
    case 1:
    case 2: {
        uint32_t bytes = (mb_get16(rq, 3) + 7) / 8;
        pdu[1] = (uint8_t)bytes;
        n = 2;
        for (uint32_t i = 0; i < bytes; i++)
            pdu[n++] = (uint8_t)bench_rng_next(r);
        break;
    }
    case 3:
    case 4:
    case 23: {
        uint32_t qty = mb_get16(rq, 3); /* FC 23: the read quantity sits at the same place */
        pdu[1] = (uint8_t)(qty * 2);
        n = 2;
        for (uint32_t i = 0; i < qty; i++)
            n = mb_put16(pdu, n, bench_rng_range(r, 0, 0xffff));
        break;
    }
    default: /* FC 5, 6, 15, 16 echo address and value or quantity */
        memcpy(pdu + 1, rq + 1, 4);
        n = 5;
        break;
    }
    return mb_frame(out, tid, unit, n);
}

static const struct bench_proto bench_modbus = {
    .name = "modbus",
    .server_port = 502,
    .flow_init = mb_flow_init,
    .build_request = mb_build_request,
    .build_response = mb_build_response,
};

int main(int argc, char **argv)
{
    struct bench_params prm;

    if (bench_parse_args(argc, argv, "gen_modbus_pcap", &prm) < 0)
        return 2;
    return bench_generate(&bench_modbus, &prm) == 0 ? 0 : 1;
}
