/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_pcap.c - the synthetic capture writer behind the gen_*_pcap benchmarks. Each flow is
 * a small state machine (SYN, SYN/ACK, ACK, request/response turns with up to max_pipeline
 * requests in flight, an occasional pure ACK, FIN/ACK, FIN/ACK, ACK); at every step one
 * active flow, picked at random, emits its next packet, so sessions overlap in time the way
 * they do on a SPAN port. Headers follow RFC 791 (IPv4) and RFC 9293 (TCP), checksums filled.
 */
#include "bench_pcap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define BENCH_MAX_INFLIGHT 4
#define BENCH_MAX_REQ 512 /* requests are kept until answered; responses may be longer */
#define BENCH_ETH_LEN 14
#define BENCH_IP_LEN 20
#define BENCH_TCP_LEN 20
#define BENCH_SYN_OPT_LEN 4 /* MSS option on SYN and SYN/ACK */
#define BENCH_FRAME_MAX (BENCH_ETH_LEN + BENCH_IP_LEN + BENCH_TCP_LEN + BENCH_MAX_PAYLOAD)
#define BENCH_EPOCH_S 1704067200u /* 2024-01-01T00:00:00Z: fixed, so output is reproducible */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

enum bench_state {
    BST_NEW = 0,  /* next: client SYN */
    BST_SYN,      /* next: server SYN/ACK */
    BST_SYNACK,   /* next: client ACK */
    BST_IDLE,     /* next: first request of a turn, or client FIN when the quota is used */
    BST_REQS,     /* next: another pipelined request, or the first response */
    BST_RESPS,    /* next: the response to the oldest request in flight */
    BST_ACKING,   /* next: a pure client ACK */
    BST_FIN1,     /* next: server FIN/ACK */
    BST_FIN2,     /* next: client's last ACK */
    BST_DONE,
};

struct bench_req {
    uint8_t data[BENCH_MAX_REQ];
    size_t len;
};

struct bench_flow {
    uint8_t state;
    uint8_t to_send;    /* requests of this turn not sent yet */
    uint8_t inflight;   /* requests sent and not answered, oldest at head */
    uint8_t head;
    uint32_t cli_ip, srv_ip;
    uint16_t cli_port, srv_port;
    uint16_t cli_ipid, srv_ipid;
    uint32_t cli_seq, srv_seq; /* next sequence number each side sends */
    uint64_t pkts;
    uint64_t quota;
    struct bench_flow_proto pf;
    struct bench_req req[BENCH_MAX_INFLIGHT];
};

struct bench_out {
    pcap_t *pd;
    pcap_dumper_t *dump;
    uint64_t ts_us;
    uint64_t written;
    uint8_t frame[BENCH_FRAME_MAX + BENCH_SYN_OPT_LEN];
};

void bench_rng_seed(struct bench_rng *r, uint64_t seed)
{
    /* splitmix64 of the seed, so seed 0 is fine and close seeds diverge. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r->s = (z ^ (z >> 31)) | 1u;
}

uint64_t bench_rng_next(struct bench_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

uint32_t bench_rng_range(struct bench_rng *r, uint32_t lo, uint32_t hi)
{
    uint64_t span = (uint64_t)hi - lo + 1;
    return lo + (uint32_t)((bench_rng_next(r) >> 11) % span);
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One's-complement sum of 16-bit big-endian words (RFC 1071), not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n % 2 != 0)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void bench_mac(uint8_t *p, uint8_t role, uint32_t ip)
{
    p[0] = 0x02; /* locally administered */
    p[1] = role;
    put_u32(p + 2, ip);
}

/* Writes one segment from the client (to_server) or the server. */
static int bench_emit(struct bench_out *o, struct bench_flow *f, int to_server, uint8_t flags,
                      const uint8_t *payload, size_t len)
{
    uint8_t *eth = o->frame;
    uint8_t *ip = eth + BENCH_ETH_LEN;
    uint8_t *tcp = ip + BENCH_IP_LEN;
    size_t opt = (flags & TCP_SYN) != 0 ? BENCH_SYN_OPT_LEN : 0;
    size_t tcp_len = BENCH_TCP_LEN + opt;
    uint32_t src = to_server ? f->cli_ip : f->srv_ip;
    uint32_t dst = to_server ? f->srv_ip : f->cli_ip;
    uint32_t *seq = to_server ? &f->cli_seq : &f->srv_seq;
    uint32_t ack = to_server ? f->srv_seq : f->cli_seq;
    uint16_t *ipid = to_server ? &f->cli_ipid : &f->srv_ipid;

    if (len > BENCH_MAX_PAYLOAD) {
        fprintf(stderr, "bench: payload of %zu bytes is over %d\n", len, BENCH_MAX_PAYLOAD);
        return -1;
    }

    bench_mac(eth, to_server ? 1 : 2, dst);
    bench_mac(eth + 6, to_server ? 2 : 1, src);
    put_u16(eth + 12, 0x0800);

    memset(ip, 0, BENCH_IP_LEN);
    ip[0] = 0x45;
    put_u16(ip + 2, (uint16_t)(BENCH_IP_LEN + tcp_len + len));
    put_u16(ip + 4, (*ipid)++);
    put_u16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put_u32(ip + 12, src);
    put_u32(ip + 16, dst);
    put_u16(ip + 10, csum_fold(csum_add(0, ip, BENCH_IP_LEN)));

    memset(tcp, 0, tcp_len);
    put_u16(tcp, to_server ? f->cli_port : f->srv_port);
    put_u16(tcp + 2, to_server ? f->srv_port : f->cli_port);
    put_u32(tcp + 4, *seq);
    put_u32(tcp + 8, (flags & TCP_ACK) != 0 ? ack : 0);
    tcp[12] = (uint8_t)((tcp_len / 4) << 4);
    tcp[13] = flags;
    put_u16(tcp + 14, 64240);
    if (opt != 0) {
        tcp[20] = 2; /* MSS */
        tcp[21] = 4;
        put_u16(tcp + 22, 1460);
    }
    if (len > 0)
        memcpy(tcp + tcp_len, payload, len);

    uint8_t pseudo[12];
    put_u32(pseudo, src);
    put_u32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_u16(pseudo + 10, (uint16_t)(tcp_len + len));
    put_u16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, sizeof pseudo), tcp,
                                         tcp_len + len)));

    /* SYN and FIN use one sequence number each. */
    *seq += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) != 0 ? 1u : 0u);

    struct pcap_pkthdr h;
    size_t frame_len = BENCH_ETH_LEN + BENCH_IP_LEN + tcp_len + len;
    h.ts.tv_sec = (time_t)(BENCH_EPOCH_S + o->ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(o->ts_us % 1000000u);
    h.caplen = (bpf_u_int32)frame_len;
    h.len = (bpf_u_int32)frame_len;
    pcap_dump((u_char *)o->dump, &h, o->frame);
    o->written++;
    f->pkts++;
    return 0;
}

static void bench_flow_setup(const struct bench_proto *proto, struct bench_flow *f,
                             struct bench_rng *r, uint32_t i, uint64_t quota)
{
    memset(f, 0, sizeof *f);
    /* Client 10.1.x.y and server 10.2.x.y, one pair per flow (x < 256: BENCH_MAX_FLOWS). */
    f->cli_ip = 0x0a010000u + (i / 250u) * 256u + (i % 250u) + 1u;
    f->srv_ip = 0x0a020000u + (i / 250u) * 256u + (i % 250u) + 1u;
    f->cli_port = (uint16_t)bench_rng_range(r, 32768, 60999);
    f->srv_port = proto->server_port;
    f->cli_seq = (uint32_t)bench_rng_next(r);
    f->srv_seq = (uint32_t)bench_rng_next(r);
    f->cli_ipid = (uint16_t)bench_rng_next(r);
    f->srv_ipid = (uint16_t)bench_rng_next(r);
    f->quota = quota;
    if (proto->flow_init != NULL)
        proto->flow_init(&f->pf, r, i);
}

/* Emits the flow's next packet and advances its state. */
static int bench_step(const struct bench_proto *proto, const struct bench_params *prm,
                      struct bench_out *o, struct bench_flow *f, struct bench_rng *r)
{
    uint8_t buf[BENCH_MAX_PAYLOAD];
    struct bench_req *q;
    size_t n;

    switch (f->state) {
    case BST_NEW:
        f->state = BST_SYN;
        return bench_emit(o, f, 1, TCP_SYN, NULL, 0);
    case BST_SYN:
        f->state = BST_SYNACK;
        return bench_emit(o, f, 0, TCP_SYN | TCP_ACK, NULL, 0);
    case BST_SYNACK:
        f->state = BST_IDLE;
        return bench_emit(o, f, 1, TCP_ACK, NULL, 0);
    case BST_IDLE:
        if (f->pkts >= f->quota) {
            f->state = BST_FIN1;
            return bench_emit(o, f, 1, TCP_FIN | TCP_ACK, NULL, 0);
        }
        /* Mostly one request per turn; sometimes several in flight. */
        f->to_send = 1;
        if (prm->max_pipeline > 1 && bench_rng_range(r, 0, 3) == 0)
            f->to_send = (uint8_t)bench_rng_range(r, 2, prm->max_pipeline);
        f->state = BST_REQS;
        /* The first request goes out now. */
        /* fall through */
    case BST_REQS:
        if (f->to_send == 0) {
            f->state = BST_RESPS;
            return bench_step(proto, prm, o, f, r);
        }
        q = &f->req[(f->head + f->inflight) % BENCH_MAX_INFLIGHT];
        q->len = proto->build_request(&f->pf, r, q->data);
        if (q->len > BENCH_MAX_REQ) {
            fprintf(stderr, "bench: request of %zu bytes is over %d\n", q->len, BENCH_MAX_REQ);
            return -1;
        }
        f->inflight++;
        f->to_send--;
        return bench_emit(o, f, 1, TCP_PSH | TCP_ACK, q->data, q->len);
    case BST_RESPS:
        q = &f->req[f->head];
        n = proto->build_response(&f->pf, r, q->data, q->len, buf);
        f->head = (uint8_t)((f->head + 1) % BENCH_MAX_INFLIGHT);
        f->inflight--;
        if (f->inflight == 0)
            f->state = bench_rng_range(r, 0, 3) == 0 ? BST_ACKING : BST_IDLE;
        return bench_emit(o, f, 0, TCP_PSH | TCP_ACK, buf, n);
    case BST_ACKING:
        f->state = BST_IDLE;
        return bench_emit(o, f, 1, TCP_ACK, NULL, 0);
    case BST_FIN1:
        f->state = BST_FIN2;
        return bench_emit(o, f, 0, TCP_FIN | TCP_ACK, NULL, 0);
    case BST_FIN2:
        f->state = BST_DONE;
        return bench_emit(o, f, 1, TCP_ACK, NULL, 0);
    default:
        return 0;
    }
}

int bench_generate(const struct bench_proto *proto, const struct bench_params *prm)
{
    struct bench_rng r;
    struct bench_out o;
    int rc = -1;

    if (prm->flows == 0 || prm->packets < (uint64_t)prm->flows * 8u) {
        fprintf(stderr, "bench: need at least 8 packets per flow\n");
        return -1;
    }
    if (prm->max_pipeline < 1 || prm->max_pipeline > BENCH_MAX_INFLIGHT) {
        fprintf(stderr, "bench: max_pipeline must be 1..%d\n", BENCH_MAX_INFLIGHT);
        return -1;
    }

    struct bench_flow *flows = calloc(prm->flows, sizeof *flows);
    uint32_t *active = calloc(prm->flows, sizeof *active);
    memset(&o, 0, sizeof o);
    if (flows == NULL || active == NULL) {
        fprintf(stderr, "bench: out of memory for %" PRIu32 " flows\n", prm->flows);
        goto out;
    }
    o.pd = pcap_open_dead(DLT_EN10MB, 65535);
    if (o.pd == NULL) {
        fprintf(stderr, "bench: pcap_open_dead failed\n");
        goto out;
    }
    o.dump = pcap_dump_open(o.pd, prm->path);
    if (o.dump == NULL) {
        fprintf(stderr, "bench: %s: %s\n", prm->path, pcap_geterr(o.pd));
        goto out;
    }

    bench_rng_seed(&r, prm->seed);
    /* The handshake (3) and close (3) come on top of each flow's quota. */
    uint64_t quota = prm->packets / prm->flows - 6u;
    for (uint32_t i = 0; i < prm->flows; i++) {
        bench_flow_setup(proto, &flows[i], &r, i, quota);
        active[i] = i;
    }

    uint32_t n_active = prm->flows;
    while (n_active > 0) {
        uint32_t k = bench_rng_range(&r, 0, n_active - 1);
        struct bench_flow *f = &flows[active[k]];
        o.ts_us += bench_rng_range(&r, 1, 20);
        if (bench_step(proto, prm, &o, f, &r) < 0)
            goto out;
        if (f->state == BST_DONE)
            active[k] = active[--n_active];
    }
    if (pcap_dump_flush(o.dump) != 0) {
        fprintf(stderr, "bench: %s: write failed\n", prm->path);
        goto out;
    }
    fprintf(stderr, "bench: %s: %" PRIu64 " packets, %" PRIu32 " %s flows, seed %" PRIu64 "\n",
            prm->path, o.written, prm->flows, proto->name, prm->seed);
    rc = 0;
out:
    if (o.dump != NULL)
        pcap_dump_close(o.dump);
    if (o.pd != NULL)
        pcap_close(o.pd);
    free(active);
    free(flows);
    return rc;
}

static int bench_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int bench_parse_args(int argc, char **argv, const char *prog, struct bench_params *out)
{
    uint64_t packets = 0, flows = 0, seed = 0;

    if (argc != 5 || bench_parse_u64(argv[2], 8, 1000000000ull, &packets) < 0 ||
        bench_parse_u64(argv[3], 1, BENCH_MAX_FLOWS, &flows) < 0 ||
        bench_parse_u64(argv[4], 0, UINT64_MAX, &seed) < 0) {
        fprintf(stderr, "usage: %s OUT.pcap PACKETS FLOWS SEED\n"
                        "  e.g. %s /tmp/bench.pcap 1000000 1000 1\n", prog, prog);
        return -1;
    }
    out->path = argv[1];
    out->packets = packets;
    out->flows = (uint32_t)flows;
    out->seed = seed;
    out->max_pipeline = 4;
    return 0;
}
