/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow.c - the per-worker flow table (see flow.h). The pool is one anonymous mapping
 * made at start, so memory is committed as flows are first used and nothing is allocated
 * per packet.
 */
#include "flow.h"

#include <string.h>
#include <sys/mman.h>

static void *map_zero(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int flow_table_init(struct flow_table *t, uint32_t cap)
{
    memset(t, 0, sizeof *t);
    t->cap = cap;
    t->nbuckets = 1;
    while (t->nbuckets < cap * 2u)
        t->nbuckets <<= 1;
    t->pool = map_zero((size_t)cap * sizeof *t->pool);
    t->buckets = map_zero((size_t)t->nbuckets * sizeof *t->buckets);
    if (!t->pool || !t->buckets) {
        flow_table_free(t);
        return -1;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = -1;
    /* The pool is not walked here: slots are handed out in order from `fresh` and only
     * returned ones go on the free list, so a start-up touches none of its pages (65,536
     * flows are 22 MB) and slots are used in the same order as from a full free list. */
    t->free_head = -1;
    t->fresh = 0;
    for (int l = 0; l < FLOW_L_COUNT; l++)
        t->head[l] = t->tail[l] = -1;
    return 0;
}

void flow_table_free(struct flow_table *t)
{
    if (t->pool)
        munmap(t->pool, (size_t)t->cap * sizeof *t->pool);
    if (t->buckets)
        munmap(t->buckets, (size_t)t->nbuckets * sizeof *t->buckets);
    t->pool = NULL;
    t->buckets = NULL;
}

static int32_t idx_of(const struct flow_table *t, const struct flow *f)
{
    return (int32_t)(f - t->pool);
}

static int same_vlan(const struct flow *f, const struct pkt *k)
{
    uint16_t a = f->n_vlan ? f->vlan[0] : 0, b = k->n_vlan ? k->vlan[0] : 0;
    return a == b;
}

struct flow *flow_lookup(struct flow_table *t, const struct pkt *k, uint32_t hash, int *dir)
{
    for (int32_t i = t->buckets[hash & (t->nbuckets - 1)]; i >= 0; i = t->pool[i].hnext) {
        struct flow *f = &t->pool[i];
        if (f->hash != hash || f->l4proto != k->l4proto || !same_vlan(f, k))
            continue;
        if (f->port[0] == k->sport && f->port[1] == k->dport &&
            memcmp(f->ip[0], k->src_ip, 16) == 0 && memcmp(f->ip[1], k->dst_ip, 16) == 0) {
            *dir = 0;
            return f;
        }
        if (f->port[0] == k->dport && f->port[1] == k->sport &&
            memcmp(f->ip[0], k->dst_ip, 16) == 0 && memcmp(f->ip[1], k->src_ip, 16) == 0) {
            *dir = 1;
            return f;
        }
    }
    return NULL;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
    if (f->list >= FLOW_L_COUNT)
        return;
    if (f->lprev >= 0)
        t->pool[f->lprev].lnext = f->lnext;
    else
        t->head[f->list] = f->lnext;
    if (f->lnext >= 0)
        t->pool[f->lnext].lprev = f->lprev;
    else
        t->tail[f->list] = f->lprev;
}

static void list_append(struct flow_table *t, struct flow *f, uint8_t list)
{
    int32_t i = idx_of(t, f);
    f->list = list;
    f->lnext = -1;
    f->lprev = t->tail[list];
    if (t->tail[list] >= 0)
        t->pool[t->tail[list]].lnext = i;
    else
        t->head[list] = i;
    t->tail[list] = i;
}

struct flow *flow_create(struct flow_table *t, const struct pkt *k, uint32_t hash,
                         int client_is_dst)
{
    int32_t i;
    if (t->free_head >= 0) {
        i = t->free_head;
        t->free_head = t->pool[i].lnext;
    } else if (t->fresh < t->cap) {
        i = (int32_t)t->fresh++;
    } else {
        return NULL;
    }
    struct flow *f = &t->pool[i];
    memset(f, 0, sizeof *f);
    int c = client_is_dst ? 1 : 0;
    memcpy(f->ip[c], k->src_ip, 16);
    memcpy(f->ip[!c], k->dst_ip, 16);
    f->port[c] = k->sport;
    f->port[!c] = k->dport;
    if (k->has_mac) {
        memcpy(f->mac[c], k->src_mac, 6);
        memcpy(f->mac[!c], k->dst_mac, 6);
        f->has_mac = 1;
    }
    f->l4proto = k->l4proto;
    f->ipver = k->ipver;
    f->n_vlan = k->n_vlan;
    memcpy(f->vlan, k->vlan, sizeof f->vlan);
    f->hash = hash;
    f->first_us = f->last_us = k->ts_us;
    f->zone[0] = f->zone[1] = -1;
    f->tun = k->tun;
    uint32_t b = hash & (t->nbuckets - 1);
    f->hnext = t->buckets[b];
    t->buckets[b] = i;
    list_append(t, f, k->l4proto == 6 ? FLOW_L_TCP : FLOW_L_UDP);
    t->active++;
    return f;
}

#define SWAP2(a)                                                                          \
    do {                                                                                  \
        __typeof__((a)[0]) t_ = (a)[0];                                                   \
        (a)[0] = (a)[1];                                                                  \
        (a)[1] = t_;                                                                      \
    } while (0)

void flow_swap_ends(struct flow *f)
{
    uint8_t ip[16], mac[6];
    char ip_txt[sizeof f->ip_txt[0]], mac_txt[sizeof f->mac_txt[0]];
    memcpy(ip, f->ip[0], sizeof ip);
    memcpy(f->ip[0], f->ip[1], sizeof ip);
    memcpy(f->ip[1], ip, sizeof ip);
    memcpy(mac, f->mac[0], sizeof mac);
    memcpy(f->mac[0], f->mac[1], sizeof mac);
    memcpy(f->mac[1], mac, sizeof mac);
    memcpy(ip_txt, f->ip_txt[0], sizeof ip_txt);
    memcpy(f->ip_txt[0], f->ip_txt[1], sizeof ip_txt);
    memcpy(f->ip_txt[1], ip_txt, sizeof ip_txt);
    memcpy(mac_txt, f->mac_txt[0], sizeof mac_txt);
    memcpy(f->mac_txt[0], f->mac_txt[1], sizeof mac_txt);
    memcpy(f->mac_txt[1], mac_txt, sizeof mac_txt);
    SWAP2(f->port);
    SWAP2(f->syn_seen);
    SWAP2(f->fin_seen);
    SWAP2(f->data_seen);
    SWAP2(f->isn);
    SWAP2(f->pkts);
    SWAP2(f->bytes);
    SWAP2(f->zone);
}

void flow_touch(struct flow_table *t, struct flow *f, uint8_t list)
{
    if (f->list == list && t->tail[list] == idx_of(t, f))
        return;
    list_unlink(t, f);
    list_append(t, f, list);
}

/* flow_path_accept (flow.h) when k did not come through the path in use. */
int flow_path_switch(struct flow *f, int side, const struct pkt *k, uint64_t switch_us)
{
    int i = side ? 1 : 0;
    if (!f->path_set[i] || f->path[i] == k->path) {
        f->path_set[i] = 1;
        f->path[i] = k->path;
        f->path_us[i] = k->ts_us;
        return 1;
    }
    if (switch_us == 0)
        return 1;
    uint64_t quiet = k->ts_us > f->path_us[i] ? k->ts_us - f->path_us[i] : f->path_us[i] - k->ts_us;
    if (quiet < switch_us)
        return 0; /* a copy of what the current path carries */
    f->path[i] = k->path;
    f->path_us[i] = k->ts_us;
    return 1;
}

void flow_remove(struct flow_table *t, struct flow *f)
{
    int32_t i = idx_of(t, f);
    int32_t *pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp >= 0 && *pp != i)
        pp = &t->pool[*pp].hnext;
    if (*pp == i)
        *pp = f->hnext;
    list_unlink(t, f);
    f->list = FLOW_L_FREE;
    f->lnext = t->free_head;
    t->free_head = i;
    t->active--;
}

struct flow *flow_oldest(struct flow_table *t, uint8_t list)
{
    return t->head[list] >= 0 ? &t->pool[t->head[list]] : NULL;
}

struct flow *flow_lru(struct flow_table *t)
{
    struct flow *best = NULL;
    for (int l = 0; l < FLOW_L_COUNT; l++) {
        struct flow *f = flow_oldest(t, (uint8_t)l);
        if (f && (!best || f->last_us < best->last_us))
            best = f;
    }
    return best;
}
