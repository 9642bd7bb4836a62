/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - a worker thread: takes decoded frames from its packet ring, keeps flows and
 * TCP reassembly (each flow lives on exactly one worker, so no locks), identifies the
 * protocol, runs the framing loop of the dissector contract (dissectors/pd.h), and writes
 * ics / flow / anomaly events straight into its event ring. Memory for flows, protocol
 * state and stream buffers is mapped once at start; the packet path does not allocate
 * (nDPI aside, which manages its own memory).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <ndpi/ndpi_api.h>

#include "community_id.h"
#include "events.h"
#include "flow.h"
#include "ident.h"
#include "json_proto.h"
#include "reasm.h"
#include "sensor.h"
#include "tztime.h"

#define WORKER_BURST 64
#define EVENT_MAX 65536          /* largest event a worker writes */
#define IDENT_MAX_PKTS 8         /* UDP datagrams probed before a flow is called non-ICS */
#define ANOMALY_MAX_PER_FLOW 64  /* anomaly events per flow; the rest are only counted */
#define SWEEP_US 1000000u

/* Decoding state of one ICS flow: dissector state, stream and out-of-order buffers. */
struct ics_slot {
    struct reasm rs[2];
    uint32_t blen[2];
    uint8_t resync[2];
    uint8_t *stream[2];
    uint8_t *ooo[2];
    struct reasm_seg *seg[2]; /* out-of-order segment tables, tcp.ooo_segments each */
    struct ident_state id;    /* identification and roles (ident.h) */
    void *state;
    struct flow *flow;
    struct events_env env;  /* the flow's envelope members, rendered once */
    uint64_t expired_at;    /* when this flow's requests were last checked for timeouts */
    int32_t next_free;
    int32_t aprev, anext; /* active list, swept for request timeouts */
    uint32_t anomalies;
    uint32_t suppressed;
};

struct wpriv {
    struct flow_table ft;
    struct ics_slot *slots;
    uint32_t n_slots;
    int32_t slot_free;    /* slots returned by slot_release */
    uint32_t slot_fresh;  /* slots [slot_fresh, n_slots) were never used */
    int32_t active_head;
    uint8_t *slot_mem;
    size_t slot_stride, slot_state;
    struct ndpi_detection_module_struct *ndpi;
    struct ndpi_flow_struct *ndpi_flows; /* indexed like the flow pool */
    uint64_t now_us, last_sweep_us;
    struct pd_limits lim_sweep; /* lim with the timeout + expire_gap_us, for sweeps */
    uint64_t expire_gap_us;     /* least time between two checks of one flow's requests */
    struct pd_ctx ctx;
    struct flow *cur;     /* flow being decoded (callbacks) */
    uint8_t cur_dir;      /* endpoint index that sent the bytes being decoded */
    int pending_commit;
};

static void *map_zero(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t v = 64;
    while (v < n)
        v <<= 1;
    return v;
}

/* ---- events ---------------------------------------------------------------------- */

/* Space for one event in the ring; waits when replaying (lossless), drops when live. */
static char *ev_reserve(struct worker *w)
{
    struct wpriv *P = w->priv;
    for (;;) {
        char *p = ring_reserve(&w->ev_ring, EVENT_MAX);
        if (p)
            return p;
        if (w->s->live || atomic_load_explicit(&w->s->stop, memory_order_relaxed) > 1) {
            atomic_fetch_add_explicit(&w->st.drop_events, 1, memory_order_relaxed);
            return NULL;
        }
        ring_commit(&w->ev_ring);
        P->pending_commit = 0;
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

static void ev_done(struct worker *w, char *rec, struct jw *j)
{
    long n = jw_finish(j);
    if (n < 0) {
        atomic_fetch_add_explicit(&w->st.events_too_big, 1, memory_order_relaxed);
        ring_shrink_last(&w->ev_ring, rec, EVENT_MAX, 0);
        /* a zero-length record is skipped by the publisher */
        return;
    }
    ring_shrink_last(&w->ev_ring, rec, EVENT_MAX, (uint32_t)n);
    ((struct wpriv *)w->priv)->pending_commit = 1;
}

static const char *flow_proto_name(struct wpriv *P, const struct flow *f, char *buf, size_t n)
{
    if (f->ident == FLOW_ID_FOUND)
        return pd_proto_name(f->proto);
    if (!P->ndpi || (f->ndpi_master == 0 && f->ndpi_app == 0))
        return "unknown";
    ndpi_protocol pr = {f->ndpi_master, f->ndpi_app, (ndpi_protocol_category_t)f->ndpi_category};
    ndpi_protocol2name(P->ndpi, pr, buf, (u_int)n);
    for (char *c = buf; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return buf;
}

static void emit_anomaly(struct worker *w, struct flow *f, int from, const char *proto,
                         const char *kind, const char *detail)
{
    struct wpriv *P = w->priv;
    if (f && f->ics) {
        if (f->ics->anomalies >= ANOMALY_MAX_PER_FLOW) {
            f->ics->suppressed++;
            return;
        }
        f->ics->anomalies++;
    }
    char *rec = ev_reserve(w);
    if (!rec)
        return;
    struct jw j;
    jw_init(&j, rec, EVENT_MAX);
    events_begin(&j, w->s, "anomaly", f, from, P->now_us, proto, f ? f->ev_idx++ : 0);
    jw_obj_begin(&j, "anomaly");
    jw_str(&j, "kind", kind);
    jw_str(&j, "detail", detail);
    jw_obj_end(&j);
    jw_obj_end(&j);
    ev_done(w, rec, &j);
}

static void on_emit(struct pd_ctx *ctx, const struct pd_txn *t)
{
    struct worker *w = ctx->opaque;
    struct wpriv *P = w->priv;
    struct flow *f = P->cur;
    char *rec = ev_reserve(w);
    if (!rec)
        return;
    struct jw j;
    jw_init(&j, rec, EVENT_MAX);
    events_begin_cached(&j, w->s, "ics", f, t->req_dir == PD_DIR_TO_SERVER ? 0 : 1, t->ts_us,
                        t->proto, f->ev_idx++, &f->ics->env);
    jw_name(&j, "op", pd_op_name(t->op));
    jw_name(&j, "status", pd_status_name(t->status));
    if (t->has_latency)
        jw_uint(&j, "latency_us", t->latency_us);
    json_proto_fn enc = json_proto_encoder(t->proto);
    if (enc && t->rec)
        enc(&j, t->rec);
    jw_obj_end(&j);
    ev_done(w, rec, &j);
}

static void on_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    struct worker *w = ctx->opaque;
    struct wpriv *P = w->priv;
    struct flow *f = P->cur;
    emit_anomaly(w, f, P->cur_dir, f && f->d ? f->d->name : NULL, kind, detail);
}

/* ---- ICS slots ------------------------------------------------------------------- */

static struct ics_slot *slot_alloc(struct wpriv *P, struct flow *f)
{
    int32_t i;
    if (P->slot_free >= 0) {
        i = P->slot_free;
        P->slot_free = P->slots[i].next_free;
    } else if (P->slot_fresh < P->n_slots) {
        i = (int32_t)P->slot_fresh++; /* in order, as from a full free list */
    } else {
        return NULL;
    }
    struct ics_slot *s = &P->slots[i];
    uint8_t *mem = P->slot_mem + (size_t)i * P->slot_stride;
    memset(s, 0, sizeof *s);
    s->state = mem;
    s->flow = f;
    s->aprev = -1;
    s->anext = P->active_head;
    if (P->active_head >= 0)
        P->slots[P->active_head].aprev = i;
    P->active_head = i;
    return s;
}

static void slot_release(struct wpriv *P, struct ics_slot *s)
{
    int32_t i = (int32_t)(s - P->slots);
    if (s->aprev >= 0)
        P->slots[s->aprev].anext = s->anext;
    else
        P->active_head = s->anext;
    if (s->anext >= 0)
        P->slots[s->anext].aprev = s->aprev;
    s->flow = NULL;
    s->next_free = P->slot_free;
    P->slot_free = i;
}

static void slot_buffers(struct worker *w, struct ics_slot *s)
{
    struct wpriv *P = w->priv;
    uint8_t *mem = (uint8_t *)s->state;
    size_t pdu = (size_t)w->s->cfg.max_pdu, ooo = (size_t)w->s->cfg.ooo_bytes;
    size_t segs = (size_t)w->s->cfg.ooo_segments;
    s->seg[0] = (struct reasm_seg *)(void *)(mem + P->slot_state);
    s->seg[1] = s->seg[0] + segs;
    mem += 2 * segs * sizeof(struct reasm_seg);
    s->stream[0] = mem + P->slot_state;
    s->stream[1] = s->stream[0] + pdu;
    s->ooo[0] = s->stream[1] + pdu;
    s->ooo[1] = s->ooo[0] + ooo;
}

/* ---- framing --------------------------------------------------------------------- */

static void ctx_for(struct worker *w, struct flow *f, int side)
{
    struct wpriv *P = w->priv;
    P->cur = f;
    P->cur_dir = (uint8_t)side;
    P->ctx.state = f->ics->state;
    P->ctx.dir = side == 0 ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT;
    P->ctx.transport = f->l4proto == 6 ? PD_TRANSPORT_TCP : PD_TRANSPORT_UDP;
    P->ctx.now_us = P->now_us;
}

/* Runs the dissector over p[0..n) of side `side`; returns the bytes consumed. */
static size_t frame_run(struct worker *w, struct flow *f, int side, const uint8_t *p, size_t n)
{
    const struct pd_dissector *d = f->d;
    struct ics_slot *s = f->ics;
    size_t off = 0, max_pdu = (size_t)w->s->cfg.max_pdu;
    char detail[96];
    if (s->id.swap_pending)
        return 0; /* the roles are swapped after this packet; the bytes wait */
    while (off < n) {
        if (s->resync[side]) {
            long r = d->resync(p + off, n - off);
            if (r < 0) {
                size_t keep = d->min_header > 1 ? d->min_header - 1 : 0;
                if (keep > n - off)
                    keep = n - off;
                return n - keep;
            }
            off += (size_t)r;
            if (off >= n)
                break;
            /* a candidate cut short by the end of the bytes is looked at again with the
             * rest (resync stays set), so how the stream was segmented does not matter */
            long clen = d->pdu_len(p + off, n - off);
            if (clen == 0 || (clen > 0 && (size_t)clen <= max_pdu && (size_t)clen > n - off))
                break;
            s->resync[side] = 0;
        }
        long len = d->pdu_len(p + off, n - off);
        if (len == 0)
            break;
        if (len < 0 || (size_t)len > max_pdu) {
            atomic_fetch_add_explicit(&w->st.framing_errors, 1, memory_order_relaxed);
            if (len > 0) {
                atomic_fetch_add_explicit(&w->st.pdu_too_big, 1, memory_order_relaxed);
                snprintf(detail, sizeof detail, "PDU of %ld bytes exceeds tcp.max_pdu", len);
            } else {
                snprintf(detail, sizeof detail, "bytes at stream offset do not start a PDU");
            }
            emit_anomaly(w, f, side, d->name, "framing", detail);
            s->resync[side] = 1;
            off += 1;
            continue;
        }
        if ((size_t)len > n - off)
            break;
        if (s->id.watch && ident_roles_check(&s->id, d, side, p + off, (size_t)len))
            break; /* this PDU says the roles are the wrong way round */
        ctx_for(w, f, side);
        /* Requests of this flow older than the timeout become no_response before this PDU
         * is paired, checked at most every expire_gap_us of the flow's own time. Sweeps only
         * expire requests older than timeout + expire_gap_us, which this check would have
         * expired already, so the outcome depends on the flow's own packets alone and is
         * the same with any number of workers. */
        struct wpriv *P = w->priv;
        if (d->expire && (P->now_us < s->expired_at || P->now_us - s->expired_at >= P->expire_gap_us)) {
            d->expire(&P->ctx, 0);
            s->expired_at = P->now_us;
        }
        atomic_fetch_add_explicit(&w->st.pdus[d->proto], 1, memory_order_relaxed);
        if (d->parse(&((struct wpriv *)w->priv)->ctx, p + off, (size_t)len) < 0)
            atomic_fetch_add_explicit(&w->st.decode_errors[d->proto], 1, memory_order_relaxed);
        off += (size_t)len;
    }
    return off;
}

static void roles_settle(struct worker *w, struct flow *f);
static void roles_apply(struct worker *w, struct flow *f);

/* reasm delivery: in-order bytes (or a gap mark) of the current flow and side. */
static void probe_bytes(struct worker *w, struct flow *f, int side, const uint8_t *data,
                        uint32_t len);

static void on_stream(void *arg, const uint8_t *data, uint32_t len, int gap)
{
    struct worker *w = arg;
    struct wpriv *P = w->priv;
    struct flow *f = P->cur;
    int side = P->cur_dir;
    struct ics_slot *s = f->ics;
    if (!f->d) { /* still identifying: buffer and probe */
        if (gap) {
            s->blen[side] = 0;
            ident_side_reset(&s->id.side[side]);
        } else
            probe_bytes(w, f, side, data, len);
        return;
    }
    if (gap) {
        atomic_fetch_add_explicit(&w->st.tcp_gaps, 1, memory_order_relaxed);
        s->blen[side] = 0;
        s->resync[side] = 1;
        emit_anomaly(w, f, side, f->d->name, "tcp_gap",
                     gap == REASM_GAP_OVERFLOW
                         ? "out-of-order buffer full (tcp.ooo_bytes, tcp.ooo_segments): hole "
                           "given up; resynchronising on the protocol framing"
                         : "bytes missing from the capture; resynchronising on the protocol "
                           "framing");
        return;
    }
    size_t cap = (size_t)w->s->cfg.max_pdu;
    if (s->blen[side] == 0) {
        size_t used = frame_run(w, f, side, data, len);
        if (!f->ics) /* the flow ended inside the callback */
            return;
        size_t left = len - used;
        if (left > cap) {
            data += len - cap;
            left = cap;
        }
        memcpy(s->stream[side], data + used, left);
        s->blen[side] = (uint32_t)left;
        return;
    }
    while (len > 0) {
        size_t room = cap - s->blen[side];
        size_t n = len < room ? len : room;
        memcpy(s->stream[side] + s->blen[side], data, n);
        s->blen[side] += (uint32_t)n;
        data += n;
        len -= (uint32_t)n;
        size_t used = frame_run(w, f, side, s->stream[side], s->blen[side]);
        if (used == 0 && s->blen[side] == cap) {
            /* full and nothing to take: cannot happen with a sane pdu_len; recover anyway */
            used = cap;
            s->resync[side] = 1;
        }
        memmove(s->stream[side], s->stream[side] + used, s->blen[side] - used);
        s->blen[side] -= (uint32_t)used;
    }
}

static struct reasm_io reasm_io_for(struct worker *w, struct ics_slot *s, int side)
{
    struct reasm_io io = {s->ooo[side], (uint32_t)w->s->cfg.ooo_bytes, s->seg[side],
                          (uint32_t)w->s->cfg.ooo_segments, on_stream, w};
    return io;
}

/* ---- flows ----------------------------------------------------------------------- */

static void ndpi_finish(struct wpriv *P, struct flow *f)
{
    struct ndpi_flow_struct *nf = &P->ndpi_flows[f - P->ft.pool];
    if (!f->ndpi_done) {
        u_int8_t guessed = 0;
        ndpi_protocol pr = ndpi_detection_giveup(P->ndpi, nf, 1, &guessed);
        f->ndpi_master = pr.master_protocol;
        f->ndpi_app = pr.app_protocol;
        f->ndpi_category = (uint16_t)pr.category;
        f->ndpi_done = 1;
    }
    ndpi_free_flow_data(nf);
}

static const char *end_name(int reason)
{
    static const char *const names[] = {"timeout", "closed", "reset", "evicted", "shutdown"};
    return reason >= 0 && reason <= FLOW_END_SHUTDOWN ? names[reason] : "timeout";
}

static void emit_flow(struct worker *w, struct flow *f, int reason)
{
    struct wpriv *P = w->priv;
    char namebuf[64], appbuf[64], ts[TZ_TIME_LEN];
    char *rec = ev_reserve(w);
    if (!rec)
        return;
    struct jw j;
    jw_init(&j, rec, EVENT_MAX);
    events_begin(&j, w->s, "flow", f, 0, f->first_us, flow_proto_name(P, f, namebuf, sizeof namebuf),
                 f->ev_idx++);
    jw_obj_begin(&j, "flow");
    if (P->ndpi) {
        ndpi_protocol pr = {f->ndpi_master, f->ndpi_app, (ndpi_protocol_category_t)f->ndpi_category};
        ndpi_protocol2name(P->ndpi, pr, appbuf, sizeof appbuf);
        jw_str(&j, "app", appbuf);
        jw_str(&j, "category", ndpi_category_get_name(P->ndpi, pr.category));
    } else {
        jw_str(&j, "app", "Unknown");
        jw_str(&j, "category", "Unspecified");
    }
    jw_uint(&j, "pkts_toserver", f->pkts[0]);
    jw_uint(&j, "pkts_toclient", f->pkts[1]);
    jw_uint(&j, "bytes_toserver", f->bytes[0]);
    jw_uint(&j, "bytes_toclient", f->bytes[1]);
    tz_time_fmt(f->first_us, ts);
    jw_str(&j, "start", ts);
    tz_time_fmt(f->last_us, ts);
    jw_str(&j, "end", ts);
    jw_str(&j, "state", end_name(reason));
    const struct sensor *s = w->s;
    jw_str(&j, "zone_src", f->zone[0] >= 0 ? s->zones[f->zone[0]].name : "unassigned");
    jw_str(&j, "zone_dst", f->zone[1] >= 0 ? s->zones[f->zone[1]].name : "unassigned");
    if (f->roles_inferred)
        jw_str(&j, "roles", "inferred");
    if (f->ics) {
        const struct ics_slot *x = f->ics;
        jw_uint(&j, "tcp_gaps", (uint64_t)x->rs[0].gaps + x->rs[1].gaps);
        jw_uint(&j, "tcp_gap_bytes", x->rs[0].gap_bytes + x->rs[1].gap_bytes);
        jw_uint(&j, "tcp_retrans", (uint64_t)x->rs[0].retrans + x->rs[1].retrans);
        jw_uint(&j, "tcp_ooo", (uint64_t)x->rs[0].ooo + x->rs[1].ooo);
        if (x->suppressed)
            jw_uint(&j, "anomalies_suppressed", x->suppressed);
    }
    jw_obj_end(&j);
    jw_obj_end(&j);
    ev_done(w, rec, &j);
}

static void end_flow(struct worker *w, struct flow *f, int reason)
{
    struct wpriv *P = w->priv;
    struct ics_slot *s = f->ics;
    if (s) {
        if (f->l4proto == 6) {
            for (int side = 0; side < 2; side++) {
                struct reasm_io io = reasm_io_for(w, s, side);
                P->cur = f;
                P->cur_dir = (uint8_t)side;
                reasm_flush(&s->rs[side], &io);
                atomic_fetch_add_explicit(&w->st.tcp_gap_bytes, s->rs[side].gap_bytes,
                                          memory_order_relaxed);
                atomic_fetch_add_explicit(&w->st.tcp_retrans, s->rs[side].retrans,
                                          memory_order_relaxed);
                atomic_fetch_add_explicit(&w->st.tcp_ooo, s->rs[side].ooo, memory_order_relaxed);
                atomic_fetch_add_explicit(&w->st.tcp_ooo_overflow, s->rs[side].overflows,
                                          memory_order_relaxed);
            }
            if (s->id.cand && f->ident == FLOW_ID_PENDING)
                roles_settle(w, f);
        }
        if (f->d && f->d->expire) {
            ctx_for(w, f, 0);
            f->d->expire(&P->ctx, 1);
        }
    }
    if (P->ndpi && f->ndpi_pkts && !f->ndpi_done)
        ndpi_finish(P, f);
    emit_flow(w, f, reason);
    if (s) {
        slot_release(P, s);
        f->ics = NULL;
    }
    flow_remove(&P->ft, f);
    atomic_store_explicit(&w->st.flows_active, P->ft.active, memory_order_relaxed);
}

static uint64_t flow_timeout_us(const struct worker *w, const struct flow *f)
{
    const struct sensor_config *c = &w->s->cfg;
    int64_t sec = f->list == FLOW_L_CLOSED ? c->timeout_closed_s
                  : f->l4proto == 6        ? c->timeout_tcp_s
                                           : c->timeout_udp_s;
    return (uint64_t)sec * 1000000u;
}

static void sweep(struct worker *w, uint64_t now)
{
    struct wpriv *P = w->priv;
    const struct sensor_config *c = &w->s->cfg;
    const uint64_t tmo[FLOW_L_COUNT] = {(uint64_t)c->timeout_tcp_s * 1000000u,
                                        (uint64_t)c->timeout_udp_s * 1000000u,
                                        (uint64_t)c->timeout_closed_s * 1000000u};
    for (int l = 0; l < FLOW_L_COUNT; l++) {
        struct flow *f;
        while ((f = flow_oldest(&P->ft, (uint8_t)l)) != NULL && f->last_us + tmo[l] <= now) {
            int reason = l != FLOW_L_CLOSED ? FLOW_END_TIMEOUT
                         : f->rst_seen      ? FLOW_END_RESET
                                            : FLOW_END_CLOSED;
            end_flow(w, f, reason);
        }
    }
    uint64_t saved = P->now_us;
    P->now_us = now;
    P->ctx.lim = &P->lim_sweep;
    for (int32_t i = P->active_head; i >= 0; i = P->slots[i].anext) {
        struct flow *f = P->slots[i].flow;
        if (f && f->d && f->d->expire) {
            ctx_for(w, f, 0);
            f->d->expire(&P->ctx, 0);
        }
    }
    P->ctx.lim = &w->s->lim;
    P->now_us = saved > now ? saved : now;
    P->last_sweep_us = now;
}

/* Which endpoint of a new flow is the client: the SYN sender, else the side not on a
 * protocol's default port, else the side with the higher port. */
static int client_is_dst(const struct pkt *k)
{
    if (k->l4proto == 6 && (k->tcp_flags & TCP_SYN))
        return (k->tcp_flags & TCP_ACK) ? 1 : 0;
    int s_hint = ident_is_hint_port(k->sport, k->l4proto);
    int d_hint = ident_is_hint_port(k->dport, k->l4proto);
    if (d_hint != s_hint)
        return s_hint;
    return k->sport < k->dport;
}

static struct flow *flow_get(struct worker *w, const struct pkt *k, int *side)
{
    struct wpriv *P = w->priv;
    uint32_t hash = decode_flow_hash(k);
    struct flow *f = flow_lookup(&P->ft, k, hash, side);
    if (f && f->list == FLOW_L_CLOSED && k->l4proto == 6 && (k->tcp_flags & TCP_SYN) &&
        !(k->tcp_flags & TCP_ACK)) {
        /* a new connection reusing the 5-tuple of a closed one */
        end_flow(w, f, f->rst_seen ? FLOW_END_RESET : FLOW_END_CLOSED);
        f = NULL;
    }
    if (f && k->ts_us > f->last_us && k->ts_us - f->last_us >= flow_timeout_us(w, f)) {
        /* idle past its timeout and no sweep ended it yet: the same split a sweep makes */
        end_flow(w, f, f->list == FLOW_L_CLOSED ? (f->rst_seen ? FLOW_END_RESET : FLOW_END_CLOSED)
                                                : FLOW_END_TIMEOUT);
        f = NULL;
    }
    if (f)
        return f;
    int cd = client_is_dst(k);
    f = flow_create(&P->ft, k, hash, cd);
    if (!f) {
        struct flow *victim = flow_lru(&P->ft);
        if (victim) {
            atomic_fetch_add_explicit(&w->st.flows_evicted, 1, memory_order_relaxed);
            end_flow(w, victim, FLOW_END_EVICTED);
        }
        f = flow_create(&P->ft, k, hash, cd);
        if (!f)
            return NULL;
    }
    *side = cd;
    community_id_v1(f->ipver, f->l4proto, f->ip[0], f->ip[1], f->port[0], f->port[1], f->cid);
    events_flow_text(f);
    f->zone[0] = (int8_t)zones_match(w->s->zones, w->s->n_zones, f->ipver, f->ip[0]);
    f->zone[1] = (int8_t)zones_match(w->s->zones, w->s->n_zones, f->ipver, f->ip[1]);
    atomic_fetch_add_explicit(&w->st.flows_total, 1, memory_order_relaxed);
    atomic_store_explicit(&w->st.flows_active, P->ft.active, memory_order_relaxed);
    return f;
}

static void ndpi_step(struct worker *w, struct flow *f, const struct pkt *k, const uint8_t *frame)
{
    struct wpriv *P = w->priv;
    struct ndpi_flow_struct *nf = &P->ndpi_flows[f - P->ft.pool];
    if (f->ndpi_pkts == 0) {
        memset(nf, 0, sizeof *nf);
        atomic_fetch_add_explicit(&w->st.ndpi_flows, 1, memory_order_relaxed);
    }
    uint32_t len = k->caplen - k->l3_off;
    if (len > 65535)
        len = 65535;
    ndpi_protocol pr =
        ndpi_detection_process_packet(P->ndpi, nf, frame + k->l3_off, (unsigned short)len,
                                      k->ts_us / 1000u);
    f->ndpi_pkts++;
    if (pr.app_protocol != NDPI_PROTOCOL_UNKNOWN || pr.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        f->ndpi_master = pr.master_protocol;
        f->ndpi_app = pr.app_protocol;
        f->ndpi_category = (uint16_t)pr.category;
        if (!ndpi_extra_dissection_possible(P->ndpi, nf)) {
            f->ndpi_done = 1;
            ndpi_free_flow_data(nf);
        }
    }
    if (!f->ndpi_done && f->ndpi_pkts >= w->s->cfg.ndpi_max_packets)
        ndpi_finish(P, f);
}

/* The protocol of f is d: set up its state and frame whatever was buffered meanwhile, in
 * the order the PDUs completed and at their own times when identification kept them. */
static void found(struct worker *w, struct flow *f, const struct pd_dissector *d, int side)
{
    struct wpriv *P = w->priv;
    struct ics_slot *s = f->ics;
    struct ident_state *id = &s->id;
    memset(s->state, 0, d->state_size);
    f->d = d;
    f->proto = d->proto;
    f->ident = FLOW_ID_FOUND;
    uint32_t used[2] = {0, 0};
    for (int o = 0; o < 2; o++) {
        /* buffered bytes begin at a segment boundary the probes looked at (or where the
         * role walk found the first PDU); a side that has sent nothing yet starts after its
         * SYN when we saw it, else it resynchronises */
        if (id->cand && id->side[o].walk) {
            used[o] = id->side[o].start < s->blen[o] ? id->side[o].start : s->blen[o];
            s->resync[o] = 0;
        } else {
            s->resync[o] = o != side && s->blen[o] == 0 && !(f->syn_seen[o] && !f->data_seen[o]);
        }
    }
    if (f->l4proto != 6)
        return;
    id->cand = NULL;
    uint64_t now = P->now_us;
    uint16_t next[2] = {0, 0};
    for (;;) { /* PDUs the role walk saw complete, oldest first */
        int o = -1;
        for (int k = 0; k < 2; k++)
            if (next[k] < id->side[k].n_pdus &&
                (o < 0 || id->side[k].pdu_ord[next[k]] < id->side[o].pdu_ord[next[o]]))
                o = k;
        if (o < 0)
            break;
        uint32_t end = id->side[o].pdu_end[next[o]];
        P->now_us = id->side[o].pdu_ts[next[o]];
        next[o]++;
        if (end > s->blen[o] || end <= used[o])
            continue;
        used[o] += (uint32_t)frame_run(w, f, o, s->stream[o] + used[o], end - used[o]);
    }
    P->now_us = now;
    for (int k = 0; k < 2; k++) {
        int o = k == 0 ? side : !side;
        if (s->blen[o] > used[o])
            used[o] += (uint32_t)frame_run(w, f, o, s->stream[o] + used[o], s->blen[o] - used[o]);
        memmove(s->stream[o], s->stream[o] + used[o], s->blen[o] - used[o]);
        s->blen[o] -= used[o];
    }
    P->cur = f;
    P->cur_dir = (uint8_t)side;
}

/* Swaps client and server of f: the flow's ends and the slot's per-side state. */
static void roles_swap_ends(struct worker *w, struct flow *f)
{
    struct ics_slot *s = f->ics;
    flow_swap_ends(f);
    struct reasm r = s->rs[0];
    s->rs[0] = s->rs[1];
    s->rs[1] = r;
    uint32_t b = s->blen[0];
    s->blen[0] = s->blen[1];
    s->blen[1] = b;
    uint8_t x = s->resync[0];
    s->resync[0] = s->resync[1];
    s->resync[1] = x;
    uint8_t *t = s->stream[0];
    s->stream[0] = s->stream[1];
    s->stream[1] = t;
    t = s->ooo[0];
    s->ooo[0] = s->ooo[1];
    s->ooo[1] = t;
    struct reasm_seg *g = s->seg[0];
    s->seg[0] = s->seg[1];
    s->seg[1] = g;
    ident_roles_swap(&s->id);
    events_env_reset(&s->env);
    f->roles_inferred = 1;
    (void)w;
}

/* Identification kept a protocol while the roles were open: the content decided them (or
 * the budget ran out: the handshake, then the ports break the tie). Then decode. */
static void roles_settle(struct worker *w, struct flow *f)
{
    struct ics_slot *s = f->ics;
    const struct pd_dissector *d = s->id.cand;
    int v = ident_roles_verdict(&s->id);
    /* settled by content: nothing to watch; by a tie-break: the first PDUs may still tell */
    s->id.confirmed = v != 0;
    s->id.watch = v != 0 ? 0 : IDENT_WATCH;
    if (v == 0 && s->id.score != 0)
        v = s->id.score > 0 ? 1 : -1; /* some evidence beats the ports */
    else if (v == 0 && ident_is_own_port(d, f->port[0]) && !ident_is_own_port(d, f->port[1]))
        v = -1; /* no evidence: the side on the protocol's port is the server */
    if (v < 0)
        roles_swap_ends(w, f);
    f->roles_inferred = 1;
    s->id.ready = 0;
    atomic_fetch_add_explicit(&w->st.roles_inferred, 1, memory_order_relaxed);
    found(w, f, d, 0);
}

/* After a packet: settle open roles, or swap roles a PDU found wrong (once, with an
 * anomaly), then decode what waited. */
static void roles_apply(struct worker *w, struct flow *f)
{
    struct ics_slot *s = f->ics;
    if (s->id.ready && s->id.cand && f->ident == FLOW_ID_PENDING) {
        roles_settle(w, f);
        s = f->ics;
        if (!s)
            return;
    }
    if (!s->id.swap_pending || !f->d)
        return;
    s->id.swap_pending = 0;
    s->id.swapped = 1;
    roles_swap_ends(w, f);
    memset(s->state, 0, f->d->state_size); /* what was paired, was paired the wrong way */
    atomic_fetch_add_explicit(&w->st.roles_swapped, 1, memory_order_relaxed);
    emit_anomaly(w, f, 0, f->d->name, "roles_swapped",
                 "a PDU showed client and server the wrong way round: swapped, decoding "
                 "goes on with the roles from content");
    for (int o = 0; o < 2; o++) {
        if (s->blen[o] == 0)
            continue;
        size_t used = frame_run(w, f, o, s->stream[o], s->blen[o]);
        memmove(s->stream[o], s->stream[o] + used, s->blen[o] - used);
        s->blen[o] -= (uint32_t)used;
    }
}

/* Identification over reassembled bytes: in-order bytes of `side` while no protocol is
 * known are buffered and probed; a "no" starts afresh at the next segment boundary in the
 * buffer (a capture that began inside a PDU), and past tcp.ident_bytes the flow is not an
 * ICS flow. Once a probe says yes, the roles are taken from the handshake when it was seen
 * on the protocol's own port; else the bytes keep being buffered until their content
 * settles the roles (roles_settle, after this packet). */
static void probe_bytes(struct worker *w, struct flow *f, int side, const uint8_t *data,
                        uint32_t len)
{
    struct wpriv *P = w->priv;
    struct ics_slot *s = f->ics;
    struct ident_state *id = &s->id;
    uint32_t budget = (uint32_t)w->s->cfg.ident_bytes, cap = (uint32_t)w->s->cfg.max_pdu;
    if (f->ident != FLOW_ID_PENDING)
        return;
    uint32_t room = cap - s->blen[side];
    uint32_t n = len < room ? len : room;
    ident_mark(&id->side[side], s->blen[side]);
    memcpy(s->stream[side] + s->blen[side], data, n);
    s->blen[side] += n;
    id->bytes = id->bytes + len < id->bytes ? UINT32_MAX : id->bytes + len;
    if (id->cand) {
        ident_roles_feed(id, id->cand, side, s->stream[side], s->blen[side], P->now_us);
        if (ident_roles_verdict(id) || id->bytes >= budget || s->blen[side] >= cap / 2)
            id->ready = 1;
        return;
    }
    for (;;) {
        const struct pd_dissector *d = NULL;
        enum ident_answer a = ident_probe(f->l4proto, f->port[1],
                                          side == 0 ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT,
                                          s->stream[side], s->blen[side], &d);
        if (a == IDENT_YES) {
            int syn = f->syn_seen[0] || f->syn_seen[1];
            if (syn && ident_is_own_port(d, f->port[1])) {
                found(w, f, d, side);
                return;
            }
            if (syn && !ident_is_own_port(d, f->port[0])) {
                /* the handshake says who: decode, checking the first PDUs */
                id->watch = IDENT_WATCH;
                found(w, f, d, side);
                return;
            }
            id->cand = d;
            for (int k = 0; k < 2; k++) {
                int o = k == 0 ? !side : side; /* the other side's bytes came first */
                ident_side_reset(&id->side[o]);
                ident_roles_feed(id, d, o, s->stream[o], s->blen[o], P->now_us);
            }
            if (ident_roles_verdict(id) || id->bytes >= budget)
                id->ready = 1;
            return;
        }
        if (a == IDENT_MORE)
            break;
        uint32_t drop = ident_skip(&id->side[side], s->blen[side]);
        memmove(s->stream[side], s->stream[side] + drop, s->blen[side] - drop);
        s->blen[side] -= drop;
        if (s->blen[side] == 0)
            break;
    }
    if (id->bytes >= budget || s->blen[side] >= cap)
        f->ident = FLOW_ID_NONE; /* the caller releases the slot */
}

/* A TCP flow's first payload: reassemble while the probes decide. */
static int probing_start(struct worker *w, struct flow *f)
{
    struct wpriv *P = w->priv;
    struct ics_slot *s = slot_alloc(P, f);
    if (!s) {
        atomic_fetch_add_explicit(&w->st.ics_slots_exhausted, 1, memory_order_relaxed);
        f->ident = FLOW_ID_NONE;
        return -1;
    }
    slot_buffers(w, s);
    f->ics = s;
    f->d = NULL;
    for (int o = 0; o < 2; o++)
        if (f->syn_seen[o] && !f->data_seen[o])
            reasm_start(&s->rs[o], f->isn[o] + 1);
    return 0;
}

static void release_if_not_ics(struct worker *w, struct flow *f)
{
    if (f->ics && f->ident == FLOW_ID_NONE) {
        slot_release(w->priv, f->ics);
        f->ics = NULL;
        f->d = NULL;
    }
}

/* UDP: each datagram stands alone; probe it until a protocol says yes. */
static void identify_datagram(struct worker *w, struct flow *f, int side, const uint8_t *p,
                              uint32_t n)
{
    const struct pd_dissector *d = NULL;
    enum ident_answer a = ident_probe(f->l4proto, f->port[1],
                                      side == 0 ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT, p, n, &d);
    f->probe_pkts++;
    if (a != IDENT_YES) {
        if (f->probe_pkts >= IDENT_MAX_PKTS)
            f->ident = FLOW_ID_NONE;
        return;
    }
    struct ics_slot *s = slot_alloc(w->priv, f);
    if (!s) {
        atomic_fetch_add_explicit(&w->st.ics_slots_exhausted, 1, memory_order_relaxed);
        f->ident = FLOW_ID_NONE;
        return;
    }
    slot_buffers(w, s);
    f->ics = s;
    found(w, f, d, side);
}

/*
 * Where a direction's stream ends, after this packet's payload was delivered: a FIN ends
 * its sender's direction at the FIN's sequence number; a RST ends the sender's direction
 * when its sequence number is exactly the next one expected (RFC 5961 3.2: a receiver
 * resets only then, so a blind or stale RST does not blind the sensor), and with ACK set
 * the other direction at that acknowledgment.
 */
static void stream_end(struct worker *w, struct ics_slot *s, const struct pkt *k, int side)
{
    uint32_t seq = k->seq + ((k->tcp_flags & TCP_SYN) ? 1u : 0u);
    struct reasm_io io = reasm_io_for(w, s, side), oio = reasm_io_for(w, s, !side);
    if (k->tcp_flags & TCP_FIN) {
        reasm_end(&s->rs[side], &io, seq + k->payload_len);
        return;
    }
    if (!s->rs[side].init || s->rs[side].next_seq != seq)
        return;
    reasm_end(&s->rs[side], &io, seq);
    if (k->tcp_flags & TCP_ACK)
        reasm_end(&s->rs[!side], &oio, k->ack);
}

static void process(struct worker *w, struct pkt *k, const uint8_t *frame)
{
    struct wpriv *P = w->priv;
    /* the packet's own time drives everything (it may step back between files) */
    P->now_us = k->ts_us;
    if (P->now_us < P->last_sweep_us)
        P->last_sweep_us = P->now_us;
    atomic_fetch_add_explicit(&w->st.pkts, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->st.bytes, k->wirelen, memory_order_relaxed);

    int side = 0;
    struct flow *f = flow_get(w, k, &side);
    if (!f)
        return;
    if (!flow_path_accept(f, side, k, (uint64_t)w->s->cfg.mirror_switch_ms * 1000u)) {
        /* the same packet through a second mirror session (decap.c, flow.h) */
        atomic_fetch_add_explicit(&w->st.mirror_copies, 1, memory_order_relaxed);
        return;
    }
    f->last_us = k->ts_us > f->last_us ? k->ts_us : f->last_us;
    f->pkts[side]++;
    f->bytes[side] += k->wirelen;
    if (k->has_mac && !f->has_mac) {
        memcpy(f->mac[side], k->src_mac, 6);
        memcpy(f->mac[!side], k->dst_mac, 6);
        f->has_mac = 1;
        events_flow_text(f);
        if (f->ics)
            events_env_reset(&f->ics->env);
    }
    if (k->l4proto == 6) {
        if (k->tcp_flags & TCP_SYN) {
            f->syn_seen[side] = 1;
            f->isn[side] = k->seq;
        }
        if (k->tcp_flags & TCP_FIN)
            f->fin_seen[side] = 1;
        if (k->tcp_flags & TCP_RST)
            f->rst_seen = 1;
    }
    if (P->ndpi && !f->ndpi_done)
        ndpi_step(w, f, k, frame);

    /* the ACK first: it may tell that a hole in the other direction will not be filled,
     * releasing what waits behind it before this packet's payload (often its answer) */
    if (f->ics && f->l4proto == 6 && (k->tcp_flags & TCP_ACK) && f->ics->rs[!side].init) {
        struct reasm_io io = reasm_io_for(w, f->ics, !side);
        P->cur = f;
        P->cur_dir = (uint8_t)!side;
        reasm_peer_ack(&f->ics->rs[!side], &io, k->ack);
        release_if_not_ics(w, f);
    }
    const uint8_t *payload = frame + k->payload_off;
    if (k->payload_len > 0) {
        P->cur = f;
        P->cur_dir = (uint8_t)side;
        if (f->l4proto == 6) {
            if (f->ident == FLOW_ID_PENDING && !f->ics)
                probing_start(w, f);
            if (f->ics) {
                struct reasm_io io = reasm_io_for(w, f->ics, side);
                uint32_t seq = k->seq + ((k->tcp_flags & TCP_SYN) ? 1u : 0u);
                if (!f->ics->rs[side].init) {
                    reasm_start(&f->ics->rs[side], seq);
                    f->ics->resync[side] = 1;
                }
                uint64_t past = f->ics->rs[side].past_end;
                reasm_data(&f->ics->rs[side], &io, seq, payload, k->payload_len);
                if (past == 0 && f->ics->rs[side].past_end > 0)
                    emit_anomaly(w, f, side, f->d ? f->d->name : NULL, "tcp_data_after_close",
                                 "payload after this direction's FIN or RST: not decoded (the "
                                 "receiver discards it too)");
                release_if_not_ics(w, f);
            }
        } else {
            if (f->ident == FLOW_ID_PENDING)
                identify_datagram(w, f, side, payload, k->payload_len);
            if (f->d) {
                size_t used = frame_run(w, f, side, payload, k->payload_len);
                if (used < k->payload_len)
                    emit_anomaly(w, f, side, f->d->name, "truncated_pdu",
                                 "datagram ends inside a PDU");
            }
        }
        f->data_seen[side] = 1;
    }
    if (f->ics && f->l4proto == 6 && (k->tcp_flags & (TCP_FIN | TCP_RST)))
        stream_end(w, f->ics, k, side);
    if (f->ics && (f->ics->id.ready || f->ics->id.swap_pending))
        roles_apply(w, f); /* after the packet: no reassembly call is under way */
    uint8_t list = f->l4proto != 6                                 ? FLOW_L_UDP
                   : (f->rst_seen || (f->fin_seen[0] && f->fin_seen[1])) ? FLOW_L_CLOSED
                                                                   : FLOW_L_TCP;
    flow_touch(&P->ft, f, list);
    if (P->now_us - P->last_sweep_us >= SWEEP_US)
        sweep(w, P->now_us);
}

/* ---- thread ---------------------------------------------------------------------- */

int worker_init(struct worker *w, struct sensor *s, int id, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->id = id;
    struct wpriv *P = calloc(1, sizeof *P);
    if (!P) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->priv = P;
    const struct sensor_config *c = &s->cfg;
    uint64_t pr = pow2_at_least((uint64_t)c->packet_ring_kb * 1024u);
    uint64_t er = pow2_at_least((uint64_t)c->event_ring_kb * 1024u);
    if (er < (uint64_t)EVENT_MAX * 8)
        er = pow2_at_least((uint64_t)EVENT_MAX * 8);
    uint8_t *pbuf = map_zero(pr), *ebuf = map_zero(er);
    /* every page of a ring is written on its first lap: with transparent huge pages that
     * is a fault per 2 MiB instead of per 4 KiB (a hint; ignored where THP is off) */
    if (pbuf)
        (void)madvise(pbuf, pr, MADV_HUGEPAGE);
    if (ebuf)
        (void)madvise(ebuf, er, MADV_HUGEPAGE);
    if (!pbuf || !ebuf || ring_init(&w->pkt_ring, pbuf, pr) || ring_init(&w->ev_ring, ebuf, er)) {
        snprintf(err, errlen, "cannot map the rings of worker %d", id);
        return -1;
    }
    if (flow_table_init(&P->ft, (uint32_t)c->flows_max) != 0) {
        snprintf(err, errlen, "cannot map a flow table of %lld flows", (long long)c->flows_max);
        return -1;
    }
    size_t max_state = 64;
    for (size_t i = 0; i < pd_registry_count; i++)
        if (pd_registry[i]->state_size > max_state)
            max_state = pd_registry[i]->state_size;
    P->slot_state = (max_state + 63) & ~(size_t)63;
    P->slot_stride = P->slot_state + 2 * (size_t)c->max_pdu + 2 * (size_t)c->ooo_bytes +
                     2 * (size_t)c->ooo_segments * sizeof(struct reasm_seg);
    P->slot_stride = (P->slot_stride + 63) & ~(size_t)63;
    P->n_slots = (uint32_t)c->ics_flows_max;
    P->slots = calloc(P->n_slots, sizeof *P->slots);
    P->slot_mem = map_zero((size_t)P->n_slots * P->slot_stride);
    if (!P->slots || !P->slot_mem) {
        snprintf(err, errlen, "cannot map %u ICS flow slots of %zu bytes", P->n_slots,
                 P->slot_stride);
        return -1;
    }
    /* not walked: 4,096 slots are 6 MB (each holds its flow's rendered envelope) */
    P->slot_free = -1;
    P->slot_fresh = 0;
    P->active_head = -1;
    if (c->ndpi_enabled) {
        P->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
        if (!P->ndpi) {
            snprintf(err, errlen, "nDPI initialisation failed");
            return -1;
        }
        NDPI_PROTOCOL_BITMASK all;
        NDPI_BITMASK_SET_ALL(all);
        ndpi_set_protocol_detection_bitmask2(P->ndpi, &all);
        ndpi_finalize_initialization(P->ndpi);
        P->ndpi_flows = map_zero((size_t)c->flows_max * sizeof(struct ndpi_flow_struct));
        if (!P->ndpi_flows) {
            snprintf(err, errlen, "cannot map nDPI flow state");
            return -1;
        }
    }
    P->ctx.lim = &s->lim;
    P->expire_gap_us = s->lim.txn_timeout_us / 8 > 1000 ? s->lim.txn_timeout_us / 8 : 1000;
    P->lim_sweep = s->lim;
    P->lim_sweep.txn_timeout_us += P->expire_gap_us;
    P->ctx.emit = on_emit;
    P->ctx.anomaly = on_anomaly;
    P->ctx.opaque = w;
    return 0;
}

static void idle_wait(unsigned *spins)
{
    if (++*spins < 64) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

void *worker_thread(void *arg)
{
    struct worker *w = arg;
    struct wpriv *P = w->priv;
    unsigned spins = 0;
    for (;;) {
        int n = 0;
        uint32_t len;
        void *rec;
        while (n < WORKER_BURST && (rec = ring_peek(&w->pkt_ring, &len)) != NULL) {
            struct pkt_rec *r = rec;
            struct pkt k = r->k;
            process(w, &k, (const uint8_t *)rec + sizeof *r);
            ring_next(&w->pkt_ring);
            n++;
        }
        if (n) {
            ring_release(&w->pkt_ring);
            if (P->pending_commit) {
                ring_commit(&w->ev_ring);
                P->pending_commit = 0;
            }
            spins = 0;
            continue;
        }
        /* acquire: pairs with the capture thread's release of capture_done, after its last
         * ring_commit, so an empty ring now means nothing more will come */
        if (atomic_load_explicit(&w->s->capture_done, memory_order_acquire) &&
            ring_peek(&w->pkt_ring, &len) == NULL)
            break;
        if (w->s->live && spins == 63) {
            uint64_t now = tz_now_us();
            if (now > P->now_us + SWEEP_US) {
                sweep(w, now);
                if (P->pending_commit) {
                    ring_commit(&w->ev_ring);
                    P->pending_commit = 0;
                }
            }
        }
        idle_wait(&spins);
    }
    /* end of input: close every flow in pool order (deterministic) */
    for (uint32_t i = 0; i < flow_slots_used(&P->ft); i++) {
        struct flow *f = flow_at(&P->ft, i);
        if (!f)
            continue;
        int reason = f->list == FLOW_L_CLOSED ? (f->rst_seen ? FLOW_END_RESET : FLOW_END_CLOSED)
                                              : FLOW_END_SHUTDOWN;
        end_flow(w, f, reason);
    }
    ring_commit(&w->ev_ring);
    /* release: pairs with the publisher's acquire; every event is committed before */
    atomic_store_explicit(&w->done, 1, memory_order_release);
    return NULL;
}

void worker_free(struct worker *w)
{
    struct wpriv *P = w->priv;
    if (!P)
        return;
    if (P->ndpi)
        ndpi_exit_detection_module(P->ndpi);
    flow_table_free(&P->ft);
    free(P->slots);
    free(P);
    w->priv = NULL;
}
