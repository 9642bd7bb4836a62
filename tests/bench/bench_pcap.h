/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_pcap.h - synthetic TCP captures for benchmarks: many client/server sessions, each
 * with a handshake, request/response turns (some pipelined), proper sequence and ack numbers,
 * and an orderly close, interleaved in time and written with libpcap (pcap_open_dead +
 * pcap_dump, Ethernet/IPv4/TCP per RFC 791 and RFC 9293). A protocol plugs in through
 * struct bench_proto: it only builds request and response payloads.
 */
#ifndef TZ_BENCH_PCAP_H
#define TZ_BENCH_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* Largest payload a protocol may put in one segment; requests must stay under 512 bytes. */
#define BENCH_MAX_PAYLOAD 1400
/* Flows get distinct addresses 10.1.x.y / 10.2.x.y, so there are at most 256 * 250. */
#define BENCH_MAX_FLOWS 64000

/* Small, fast, seedable generator (xorshift64*). */
struct bench_rng {
    uint64_t s;
};

void bench_rng_seed(struct bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(struct bench_rng *r);
/* Uniform in [lo, hi]. */
uint32_t bench_rng_range(struct bench_rng *r, uint32_t lo, uint32_t hi);

/* Per-flow data a protocol keeps between turns (transaction ids, addresses). */
struct bench_flow_proto {
    uint32_t next_id;
    uint16_t unit;
    uint16_t peer;
    uint32_t extra;
};

/* A protocol for the generator. Both builders write at most BENCH_MAX_PAYLOAD bytes into
 * `out` and return the length; `pf` is the flow's own state (zeroed, then flow_init). */
struct bench_proto {
    const char *name;
    uint16_t server_port;
    void (*flow_init)(struct bench_flow_proto *pf, struct bench_rng *r, uint32_t flow_index);
    size_t (*build_request)(struct bench_flow_proto *pf, struct bench_rng *r, uint8_t *out);
    /* The answer to request `req` (a copy of what build_request produced). */
    size_t (*build_response)(struct bench_flow_proto *pf, struct bench_rng *r,
                             const uint8_t *req, size_t req_len, uint8_t *out);
};

struct bench_params {
    const char *path;   /* output pcap */
    uint64_t packets;   /* target packet count (the last sessions' closes may add a few) */
    uint32_t flows;     /* client/server pairs, each one TCP session */
    uint64_t seed;
    uint32_t max_pipeline; /* requests in flight at most per turn (1 = strict turns, max 4) */
};

/* Writes the capture. Returns 0, or -1 with a message on stderr. */
int bench_generate(const struct bench_proto *proto, const struct bench_params *params);

/* Shared command line: PATH PACKETS FLOWS SEED, numbers checked. Returns 0 or -1 (usage
 * printed with `prog`). */
int bench_parse_args(int argc, char **argv, const char *prog, struct bench_params *out);

#endif
