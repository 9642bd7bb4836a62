/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow.h - the per-worker flow table: a fixed pool of flows sized at start, a chained
 * hash index, and three idle lists (open TCP, UDP, closed TCP) ordered by last packet, so
 * timeouts are exact and cost nothing per packet. When the pool is full the least
 * recently seen flow is evicted (counted). Owned by one worker thread: no locks.
 */
#ifndef TZ_FLOW_H
#define TZ_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

enum flow_list { FLOW_L_TCP = 0, FLOW_L_UDP, FLOW_L_CLOSED, FLOW_L_COUNT, FLOW_L_FREE = 255 };

enum flow_end {
    FLOW_END_TIMEOUT = 0,
    FLOW_END_CLOSED,   /* FIN both ways */
    FLOW_END_RESET,    /* RST */
    FLOW_END_EVICTED,  /* the table was full */
    FLOW_END_SHUTDOWN, /* still open when the sensor stopped or the capture ended */
};

enum flow_ident { FLOW_ID_PENDING = 0, FLOW_ID_FOUND, FLOW_ID_NONE };

struct ics_slot;
struct ndpi_flow_struct;

struct flow {
    /* endpoints: [0] is the client (the side that opened the flow), [1] the server */
    uint8_t ip[2][16];
    uint16_t port[2];
    uint8_t mac[2][6];
    uint8_t has_mac;
    uint8_t l4proto, ipver;
    uint8_t n_vlan;
    uint16_t vlan[DECODE_MAX_VLAN];
    uint32_t hash;
    int32_t hnext;            /* hash chain */
    int32_t lprev, lnext;     /* idle list */
    uint8_t list;             /* enum flow_list */
    /* TCP */
    uint8_t syn_seen[2], fin_seen[2], rst_seen;
    uint8_t data_seen[2];     /* the side has sent payload */
    uint32_t isn[2];
    /* counters */
    uint64_t first_us, last_us;
    uint64_t pkts[2], bytes[2];
    /* identification and decoding */
    uint8_t ident;            /* enum flow_ident */
    uint8_t probe_pkts;       /* UDP datagrams probed */
    uint8_t roles_inferred;   /* client and server came from content, not the handshake */
    uint8_t proto;            /* enum pd_proto once found */
    const struct pd_dissector *d;
    struct ics_slot *ics;
    /* nDPI */
    struct ndpi_flow_struct *ndpi;
    uint8_t ndpi_pkts, ndpi_done;
    uint16_t ndpi_master, ndpi_app;
    uint16_t ndpi_category;
    /* events */
    uint32_t ev_idx;          /* events emitted for this flow: part of deterministic ids */
    char cid[32];             /* Community ID v1 */
    char ip_txt[2][46];       /* addresses as text, made once per flow for the events */
    char mac_txt[2][18];
    int8_t zone[2];           /* index into the zone table, -1 when none */
    /* mirror paths (decap.c): the tunnel the flow's first packet came through, and per
     * direction the path (pkt.path) being decoded and when it last carried a packet */
    struct tunnel tun;
    uint32_t path[2];
    uint64_t path_us[2];
    uint8_t path_set[2];
};

struct flow_table {
    struct flow *pool;
    uint32_t cap;
    int32_t *buckets;
    uint32_t nbuckets;        /* power of two */
    int32_t free_head;        /* slots returned by flow_remove */
    uint32_t fresh;           /* slots [fresh, cap) were never used */
    int32_t head[FLOW_L_COUNT], tail[FLOW_L_COUNT];
    uint32_t active;
};

int flow_table_init(struct flow_table *t, uint32_t cap);
void flow_table_free(struct flow_table *t);
/* The flow of packet k and its direction (0: from the client), or NULL. */
struct flow *flow_lookup(struct flow_table *t, const struct pkt *k, uint32_t hash, int *dir);
/* A new flow for k, k's sender as the client unless client_is_dst; NULL when full. */
struct flow *flow_create(struct flow_table *t, const struct pkt *k, uint32_t hash,
                         int client_is_dst);
/* Client and server trade places (roles found from content): addresses, ports, MACs,
 * per-side TCP flags and counters, zones and their text. The hash and the Community ID are
 * symmetric and stay. */
void flow_swap_ends(struct flow *f);
/* Marks f seen at its last_us: moves it to the tail of list `list`. */
void flow_touch(struct flow_table *t, struct flow *f, uint8_t list);
/* Should packet k, from f's endpoint `side`, be decoded? A direction seen through several
 * mirror paths (plain and tunnelled copies of one packet) is decoded from one: the first,
 * until it has carried nothing for switch_us, when the path of k takes over. switch_us 0
 * accepts every copy. */
int flow_path_switch(struct flow *f, int side, const struct pkt *k, uint64_t switch_us);
static inline int flow_path_accept(struct flow *f, int side, const struct pkt *k,
                                   uint64_t switch_us)
{
    int i = side ? 1 : 0;
    if (f->path_set[i] && f->path[i] == k->path) { /* the usual case: the path in use */
        f->path_us[i] = k->ts_us;
        return 1;
    }
    return flow_path_switch(f, side, k, switch_us);
}
/* Returns f's slot to the pool (the caller has emitted its events). */
void flow_remove(struct flow_table *t, struct flow *f);
/* The oldest flow of a list, or NULL. */
struct flow *flow_oldest(struct flow_table *t, uint8_t list);
/* The least recently seen flow of any list (the eviction victim), or NULL. */
struct flow *flow_lru(struct flow_table *t);
/* Iterate every active flow: idx from 0 while < flow_slots_used(t); returns NULL for free
 * slots. */
static inline uint32_t flow_slots_used(const struct flow_table *t)
{
    return t->fresh;
}
static inline struct flow *flow_at(struct flow_table *t, uint32_t idx)
{
    return idx >= t->fresh || t->pool[idx].list == FLOW_L_FREE ? NULL : &t->pool[idx];
}

#endif
