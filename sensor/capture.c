/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture.c - the capture thread: reads frames with libpcap (pcap and pcapng files in the
 * order given, or a live interface through the TPACKET_V3 memory-mapped ring with a poll
 * timeout, never immediate mode), decodes L2-L4 once (through any tunnel, to the inner
 * packet), and hands each frame with its decoded offsets to the worker chosen by a
 * symmetric hash of the inner 5-tuple. IP fragments are reassembled here, before the hash
 * (only the first fragment has ports), and the whole datagram goes to the flow's worker.
 * Live: a full ring drops and counts, capture never blocks. Replay: a full ring waits, so a
 * replay loses nothing and gives the same events every time.
 */
#include <pcap/pcap.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "frag.h"
#include "log.h"
#include "sensor.h"

#define CAPTURE_BURST 64
#define REPLAY_WAIT_NS 100000 /* a replay's sleep while a worker drains its full ring */

struct capture {
    pcap_t *live;
    pcap_t *files[SENSOR_MAX_FILES];
    int dlt[SENSOR_MAX_FILES];
    pcap_t *cur;
    int cur_dlt;
    const char *cur_name;
    uint64_t cur_pkts;
    struct pcap_stat last;
    struct frag_table frags;
};

static int set_filter(pcap_t *p, const char *filter, const char *what, char *err, size_t errlen)
{
    if (!filter[0])
        return 0;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "bad BPF filter '%s' for %s: %s", filter, what, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "cannot apply the BPF filter to %s: %s", what, pcap_geterr(p));
        return -1;
    }
    return 0;
}

static int check_link(pcap_t *p, const char *what, char *err, size_t errlen)
{
    int dlt = pcap_datalink(p);
    if (!decode_link_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen,
                 "%s: link type %d (%s) is not supported; tanzhen reads Ethernet, Linux "
                 "cooked (SLL, SLL2), raw IP and BSD loopback",
                 what, dlt, name ? name : "unknown");
        return -1;
    }
    return dlt;
}

static int open_live(struct sensor *s, struct capture *c, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    const struct sensor_config *cfg = &s->cfg;
    pcap_t *p = pcap_create(cfg->interface, ebuf);
    if (!p) {
        snprintf(err, errlen, "interface %s: %s", cfg->interface, ebuf);
        return -1;
    }
    pcap_set_snaplen(p, (int)cfg->snaplen);
    pcap_set_promisc(p, cfg->promisc);
    pcap_set_timeout(p, (int)cfg->poll_timeout_ms);
    pcap_set_buffer_size(p, (int)(cfg->buffer_mb * 1024 * 1024));
    pcap_set_immediate_mode(p, 0); /* block-wise delivery from the TPACKET_V3 ring */
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                          : rc == PCAP_ERROR_PERM_DENIED  ? "permission denied (run as root or "
                                                            "grant CAP_NET_RAW)"
                                                          : pcap_statustostr(rc);
        snprintf(err, errlen, "interface %s: %s (%s)", cfg->interface, why, pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    if (rc > 0)
        log_warn("interface %s: %s", cfg->interface, pcap_statustostr(rc));
    int dlt = check_link(p, cfg->interface, err, errlen);
    if (dlt < 0 || set_filter(p, cfg->filter, cfg->interface, err, errlen) != 0) {
        pcap_close(p);
        return -1;
    }
    c->live = p;
    c->cur = p;
    c->cur_dlt = dlt;
    c->cur_name = cfg->interface;
    return 0;
}

int capture_open(struct sensor *s, char *err, size_t errlen)
{
    struct capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->capture_priv = c;
    const struct sensor_config *cfg = &s->cfg;
    struct frag_limits fl = {(uint32_t)cfg->frag_max_datagrams, (uint32_t)cfg->frag_datagram_bytes,
                             (uint32_t)cfg->frag_total_kb * 1024u,
                             (uint64_t)cfg->frag_timeout_ms * 1000u};
    if (frag_init(&c->frags, &fl) != 0) {
        snprintf(err, errlen, "cannot allocate the IP reassembly table (frag.total_kb %lld)",
                 (long long)cfg->frag_total_kb);
        return -1;
    }
    if (s->live)
        return open_live(s, c, err, errlen);
    for (int i = 0; i < s->n_files; i++) {
        char ebuf[PCAP_ERRBUF_SIZE] = "";
        pcap_t *p = pcap_open_offline_with_tstamp_precision(s->files[i],
                                                            PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!p) {
            snprintf(err, errlen, "%s: cannot read as pcap or pcapng: %s", s->files[i], ebuf);
            return -1;
        }
        c->files[i] = p;
        int dlt = check_link(p, s->files[i], err, errlen);
        if (dlt < 0 || set_filter(p, s->cfg.filter, s->files[i], err, errlen) != 0)
            return -1;
        c->dlt[i] = dlt;
    }
    return 0;
}

/* Async-signal-safe: libpcap 1.10 wakes a blocked read through an eventfd. */
void capture_break(struct sensor *s)
{
    struct capture *c = s->capture_priv;
    if (c && c->cur)
        pcap_breakloop(c->cur);
}

void capture_close(struct sensor *s)
{
    struct capture *c = s->capture_priv;
    if (!c)
        return;
    if (c->live)
        pcap_close(c->live);
    for (int i = 0; i < s->n_files; i++)
        if (c->files[i])
            pcap_close(c->files[i]);
    frag_free(&c->frags);
    free(c);
    s->capture_priv = NULL;
}

/* Hands a decoded frame (or reassembled datagram) to the worker of its flow. */
static void dispatch(struct sensor *s, const struct pkt *k, const uint8_t *data, uint32_t caplen)
{
    struct capture_stats *st = &s->cst;
    int wi = s->n_workers == 1 ? 0 : (int)(decode_flow_hash(k) % (uint32_t)s->n_workers);
    struct worker *w = &s->workers[wi];
    uint64_t need = sizeof(struct pkt_rec) + caplen;
    if (need > ring_max_record(&w->pkt_ring)) {
        atomic_fetch_add_explicit(&st->too_big, 1, memory_order_relaxed);
        return;
    }
    void *rec;
    while ((rec = ring_reserve(&w->pkt_ring, (uint32_t)need)) == NULL) {
        if (s->live || atomic_load_explicit(&s->stop, memory_order_relaxed)) {
            atomic_fetch_add_explicit(&st->drop_ring, 1, memory_order_relaxed);
            return;
        }
        /* replay: publish what is queued and let the worker drain a quarter of the ring
         * before filling it again; waking every few packets costs more CPU than they do */
        ring_commit(&w->pkt_ring);
        atomic_fetch_add_explicit(&st->ring_waits, 1, memory_order_relaxed);
        do {
            struct timespec ts = {0, REPLAY_WAIT_NS};
            nanosleep(&ts, NULL);
        } while (ring_used(&w->pkt_ring) > w->pkt_ring.size / 4 * 3 &&
                 !atomic_load_explicit(&s->stop, memory_order_relaxed));
    }
    struct pkt_rec *pr = rec;
    pr->k = *k;
    memcpy((uint8_t *)rec + sizeof *pr, data, caplen);
    if (k->tun.type != TUNNEL_NONE)
        atomic_fetch_add_explicit(&st->tunneled, 1, memory_order_relaxed);
}

/* Counts a frame decode did not take to TCP/UDP. */
static void count_undecoded(struct capture_stats *st, int r)
{
    _Atomic uint64_t *ctr = r == DECODE_OTHER        ? &st->non_ip
                            : r == DECODE_BAD_TUNNEL ? &st->tunnel_bad
                            : r == DECODE_TOO_DEEP   ? &st->tunnel_too_deep
                                                     : &st->decode_bad;
    atomic_fetch_add_explicit(ctr, 1, memory_order_relaxed);
}

/* The reassembly counters, for the health heartbeat (the table is this thread's). */
static void frag_publish(struct sensor *s, const struct frag_table *t)
{
    struct capture_stats *st = &s->cst;
    atomic_store_explicit(&st->frag_reassembled, t->st.reassembled, memory_order_relaxed);
    atomic_store_explicit(&st->frag_timeouts, t->st.timeouts, memory_order_relaxed);
    atomic_store_explicit(&st->frag_overlaps, t->st.overlaps, memory_order_relaxed);
    atomic_store_explicit(&st->frag_duplicates, t->st.duplicates, memory_order_relaxed);
    atomic_store_explicit(&st->frag_too_big, t->st.too_big, memory_order_relaxed);
    atomic_store_explicit(&st->frag_no_room, t->st.no_room, memory_order_relaxed);
    atomic_store_explicit(&st->frag_bad, t->st.bad, memory_order_relaxed);
}

/* An IP fragment: into the table; a completed datagram is decoded from its IP header with
 * the layers of its first fragment and dispatched like any frame. A datagram that is
 * itself a fragment (an inner fragment inside a fragmented tunnel packet) goes round once
 * more. */
static void on_fragment(struct sensor *s, struct capture *c, const struct pkt *k,
                        const uint8_t *data)
{
    const uint8_t *dg = NULL;
    const struct pkt *ctx = NULL;
    atomic_fetch_add_explicit(&s->cst.fragments, 1, memory_order_relaxed);
    long n = frag_add(&c->frags, k, data, &dg, &ctx);
    for (int round = 0; n > 0 && round < 2; round++) {
        struct pkt d;
        int r = decode_datagram(&s->cfg.dopts, ctx, dg, (uint32_t)n, &d);
        d.ts_us = k->ts_us; /* the datagram exists from its last fragment on */
        if (r == DECODE_OK) {
            dispatch(s, &d, dg, (uint32_t)n);
        } else if (r == DECODE_FRAGMENT && round == 0) {
            atomic_fetch_add_explicit(&s->cst.fragments, 1, memory_order_relaxed);
            n = frag_add(&c->frags, &d, dg, &dg, &ctx);
            continue;
        } else {
            count_undecoded(&s->cst, r);
        }
        break;
    }
    frag_publish(s, &c->frags);
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
    struct sensor *s = (struct sensor *)arg;
    struct capture *c = s->capture_priv;
    struct capture_stats *st = &s->cst;
    c->cur_pkts++;
    atomic_fetch_add_explicit(&st->pkts, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->bytes, h->len, memory_order_relaxed);

    struct pkt k;
    k.ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    k.caplen = h->caplen;
    k.wirelen = h->len;
    int r = decode_packet_opts(&s->cfg.dopts, c->cur_dlt, data, h->caplen, &k);
    if (r == DECODE_FRAGMENT) {
        on_fragment(s, c, &k, data);
        return;
    }
    if (frag_active(&c->frags)) { /* datagrams in progress time out by capture time */
        frag_expire(&c->frags, k.ts_us);
        frag_publish(s, &c->frags);
    }
    if (r != DECODE_OK) {
        count_undecoded(st, r);
        return;
    }
    dispatch(s, &k, data, h->caplen);
}

static void commit_all(struct sensor *s)
{
    for (int i = 0; i < s->n_workers; i++)
        ring_commit(&s->workers[i].pkt_ring);
}

static void live_stats(struct sensor *s, struct capture *c)
{
    struct pcap_stat ps;
    if (pcap_stats(c->live, &ps) == 0) {
        atomic_store_explicit(&s->cst.drop_kernel, ps.ps_drop, memory_order_relaxed);
        atomic_store_explicit(&s->cst.drop_iface, ps.ps_ifdrop, memory_order_relaxed);
        atomic_store_explicit(&s->cst.link_up, 1, memory_order_relaxed);
    }
}

/* Reads one source to its end; returns 0, or -1 when it ended on an error. */
static int read_source(struct sensor *s, struct capture *c)
{
    unsigned loops = 0;
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        int n = pcap_dispatch(c->cur, CAPTURE_BURST, on_frame, (u_char *)s);
        commit_all(s);
        if (c->live) {
            if (n < 0 && n != PCAP_ERROR_BREAK) {
                log_err("interface %s: capture failed: %s", c->cur_name, pcap_geterr(c->cur));
                atomic_store_explicit(&s->cst.link_up, 0, memory_order_relaxed);
                return -1;
            }
            if ((++loops & 63) == 0 || n == 0)
                live_stats(s, c);
            continue;
        }
        if (n == 0) /* end of file */
            return 0;
        if (n == PCAP_ERROR_BREAK)
            return 0;
        if (n < 0) {
            log_err("%s: the capture ends early after %llu packets: %s (the packets before "
                    "were processed)",
                    c->cur_name, (unsigned long long)c->cur_pkts, pcap_geterr(c->cur));
            return -1;
        }
    }
    return 0;
}

void *capture_thread(void *arg)
{
    struct sensor *s = arg;
    struct capture *c = s->capture_priv;
    if (c->live) {
        atomic_store_explicit(&s->cst.link_up, 1, memory_order_relaxed);
        if (read_source(s, c) != 0)
            s->capture_error = 1;
        live_stats(s, c);
    } else {
        for (int i = 0; i < s->n_files && !atomic_load_explicit(&s->stop, memory_order_relaxed);
             i++) {
            c->cur = c->files[i];
            c->cur_dlt = c->dlt[i];
            c->cur_name = s->files[i];
            c->cur_pkts = 0;
            if (read_source(s, c) != 0)
                s->capture_error = 1;
        }
    }
    frag_flush(&c->frags); /* what is still incomplete will not complete */
    frag_publish(s, &c->frags);
    commit_all(s);
    /* release: pairs with the workers' acquire; every packet is committed before */
    atomic_store_explicit(&s->capture_done, 1, memory_order_release);
    return NULL;
}
