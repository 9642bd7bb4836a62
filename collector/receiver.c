/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver.c - the ZeroMQ ROUTER loop and the per-batch decision (see receiver.h):
 * header (common/wire.h) -> parse (batch.c) -> store (store.c; the batches that are
 * waiting share one transaction) -> acks. With a socket, the commit runs on a second thread
 * (worker.h, "tz-store") while this one reads and parses the next group; the group's acks,
 * counters and logs stay on this thread, after the commit. Malformed input is logged
 * (rate-limited), counted and acked REJECTED; a batch the store could not take is acked
 * RETRY (reason STORE_FULL or STORE_ERROR) so the sensor sends it again later; a batch
 * whose sensor id is not the one its CURVE key is bound to (the ZAP User-Id, auth.c) is
 * acked REFUSED (reason SENSOR_MISMATCH), counted, logged at most every
 * RECV_REFUSE_LOG_US, and not stored. Version-2 acks carry the backlog (batches read and
 * not yet acked, plus RECV_GROUP when more wait on the socket) and the credit (RECV_CREDIT
 * minus the backlog, at least RECV_CREDIT / 2 so the next group still fills and commits
 * amortise their fsync). A stored `sensor_restart` anomaly that names an unused seq
 * reservation closes that part of the sensor's gap as such (store_mark_unused). Kafka is
 * not fed from here: the forwarder reads the store. The per-batch checks and the group
 * steps (collect, commit, finish) are in receiver_group.c; the shared state in receiver_int.h.
 */
#include "receiver.h"
#include "receiver_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zmq.h>

#include "an_sink.h"
#include "auth.h"
#include "batch.h"
#include "chain.h"
#include "jw.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "tztime.h"
#include "wire.h"
#include "worker.h"

#define RECV_POLL_MS 100     /* how often the loop looks at the stop flag */
#define RECV_LOG_FIRST 20    /* complaints logged in full before thinning out */
#define RECV_LOG_EVERY 1000
#define MONITOR_EP "inproc://tanzhen-receiver-monitor"
#define RECV_CREDIT 32                /* batches a sensor may have in flight, less backlog
                                       * (at most half of it: a group must stay fillable) */

static void drain(struct receiver *r);

/* How the engine stores what it produces: as a batch of the collector's own id. */
static int store_own(void *ctx, const uint8_t *hdr, size_t hlen, const char *body, size_t blen)
{
    uint64_t bseq = 0;
    return receiver_handle(ctx, hdr, hlen, body, blen, &bseq);
}

static void publish(struct receiver *r)
{
    if (!r->m)
        return;
    atomic_store(&r->m->batches, r->st.batches);
    atomic_store(&r->m->batches_stored, r->st.batches_stored);
    atomic_store(&r->m->batches_rejected, r->st.batches_rejected);
    atomic_store(&r->m->batches_retry, r->st.batches_retry);
    atomic_store(&r->m->events_stored, r->st.events_stored);
    atomic_store(&r->m->events_duplicate, r->st.events_duplicate);
    atomic_store(&r->m->bytes, r->st.bytes);
    atomic_store(&r->m->acks_unsent, r->st.acks_unsent);
}

static int setup_socket(struct receiver *r, const struct receiver_opts *o, char *err,
                        size_t errlen)
{
    r->zctx = zmq_ctx_new();
    if (!r->zctx) {
        snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    r->sock = zmq_socket(r->zctx, ZMQ_ROUTER);
    int64_t maxmsg = o->max_batch_bytes;
    int linger = 500, ipv6 = 1;
    if (!r->sock || zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_IPV6, &ipv6, sizeof ipv6) != 0) {
        snprintf(err, errlen, "ROUTER socket: %s", zmq_strerror(errno));
        return -1;
    }
    if (o->curve) {
        int one = 1;
        if (zmq_setsockopt(r->sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
            zmq_setsockopt(r->sock, ZMQ_CURVE_SECRETKEY, o->server_secret, KEY_LEN) != 0 ||
            zmq_setsockopt(r->sock, ZMQ_ZAP_DOMAIN, "tanzhen", 7) != 0) {
            snprintf(err, errlen, "CURVE on the ROUTER socket: %s (libzmq without CURVE?)",
                     zmq_strerror(errno));
            return -1;
        }
        int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
        if (zmq_socket_monitor(r->sock, MONITOR_EP, events) != 0) {
            snprintf(err, errlen, "socket monitor: %s", zmq_strerror(errno));
            return -1;
        }
        struct allow_list *allow = r->allow;
        r->allow = NULL; /* auth_start takes it, also on failure */
        if (auth_start(&r->auth, r->zctx, allow, MONITOR_EP, r->m, err, errlen) != 0)
            return -1;
    }
    /* the ZAP handler is bound: now it may listen */
    if (zmq_bind(r->sock, o->listen) != 0) {
        snprintf(err, errlen, "receiver.listen %s: cannot bind: %s", o->listen,
                 zmq_strerror(errno));
        return -1;
    }
    return 0;
}

int receiver_open(struct receiver **out, const struct receiver_opts *o, struct store *s,
                  char *err, size_t errlen)
{
    *out = NULL;
    struct receiver *r = calloc(1, sizeof *r);
    if (!r || !(r->slot = calloc(SLOTS, sizeof *r->slot))) {
        free(r);
        allow_close(o->allow);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->allow = o->allow;
    r->store = s;
    r->m = o->metrics;
    r->max_events = o->max_batch_events;
    r->stats_interval_s = o->stats_interval_s;
    snprintf(r->self_id, sizeof r->self_id, "%s", o->self_id ? o->self_id : "collector");
    r->health_interval_s = o->health_interval_s;
    r->started_us = tz_now_us();
    for (int g = 0; g < 2; g++) {
        r->grp[g].r = r;
        r->grp[g].slot = r->slot + g * RECV_GROUP;
        r->grp[g].job.run = receiver_group_commit;
    }
    r->fill = &r->grp[0];
    if (o->analytics &&
        an_sink_open(&r->an, o->analytics, s, r->self_id, store_own, r, err, errlen) != 0) {
        receiver_close(r);
        return -1;
    }
    if (o->listen && (setup_socket(r, o, err, errlen) != 0 ||
                      worker_start(&r->store_thread, "tz-store", err, errlen) != 0)) {
        receiver_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

void receiver_close(struct receiver *r)
{
    if (!r)
        return;
    drain(r);
    an_sink_close(r->an); /* stores the open aggregates' updates */
    worker_stop(r->store_thread);
    for (size_t i = 0; r->slot && i < SLOTS; i++)
        batch_free(&r->slot[i].batch);
    free(r->slot);
    if (r->sock)
        zmq_close(r->sock); /* also ends its monitor */
    auth_stop(r->auth);
    allow_close(r->allow);
    if (r->zctx)
        zmq_ctx_term(r->zctx);
    free(r);
}

/* Counts and logs a malformed batch, without letting a broken sensor flood the log. */
int receiver_reject(struct receiver *r, const char *sensor, const char *why)
{
    r->st.batches_rejected++;
    r->complaints++;
    if (r->complaints <= RECV_LOG_FIRST || r->complaints % RECV_LOG_EVERY == 0)
        log_warn("batch from %s rejected: %s (%llu rejected so far)", sensor, why,
                 (unsigned long long)r->complaints);
    return WIRE_ACK_REJECTED;
}

/* Sensor ids are printable ASCII without spaces; the header must not hide a NUL. */
static int sensor_id_ok(const struct wire_batch_hdr *h, size_t hlen)
{
    size_t n = strlen(h->sensor);
    if (n != hlen - (h->version == 1 ? WIRE_HDR_V1_FIXED : WIRE_HDR_V2_FIXED))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (h->sensor[i] <= ' ' || h->sensor[i] > '~')
            return 0;
    return 1;
}

/* Header and body checks; ST_PARSED when the batch may be stored, else REJECTED. */
static int parse_one(struct receiver *r, struct slot *sl, const uint8_t *hdr, size_t hlen,
                     const char *body, size_t blen)
{
    struct wire_batch_hdr h;
    char err[512];
    batch_clear(&sl->batch);
    r->st.batches++;
    sl->batch_seq = 0;
    sl->version = 1;
    if (!hdr || wire_hdr_decode(hdr, hlen, &h) != 0)
        return receiver_reject(r, "?", "the header is not a TZB1 version 1 or 2 header");
    sl->batch_seq = h.batch_seq;
    sl->version = h.version;
    if (!sensor_id_ok(&h, hlen))
        return receiver_reject(r, "?", "the sensor id holds non-printable bytes");
    r->st.bytes += blen;
    if (batch_parse(&sl->batch, &h, body, blen, r->max_events, err, sizeof err) != 0)
        return receiver_reject(r, h.sensor, err);
    return ST_PARSED;
}


int receiver_handle(struct receiver *r, const uint8_t *hdr, size_t hlen, const char *body,
                    size_t blen, uint64_t *batch_seq)
{
    drain(r); /* the store is this thread's again */
    /* the engine's own output is stored through here too: it is not fed back */
    int own = an_sink_storing(r->an), feed = r->an && !own;
    struct slot *sl = &r->slot[own ? SLOT_OWN : SLOT_HANDLE];
    sl->reason = WIRE_REASON_NONE;
    sl->status = parse_one(r, sl, hdr, hlen, body, blen);
    receiver_store_group(r, sl, 1, feed);
    *batch_seq = sl->batch_seq;
    publish(r);
    if (feed) {
        if (sl->status == WIRE_ACK_STORED)
            an_sink_feed(r->an, &sl->batch);
        batch_clear(&sl->batch);
        an_sink_done(r->an);
    }
    return sl->status;
}

static void send_ack(struct receiver *r, zmq_msg_t *identity, const struct slot *sl,
                     uint32_t backlog)
{
    struct wire_ack a = {.version = sl->version, .status = (uint8_t)sl->status,
                         .reason = sl->reason, .batch_seq = sl->batch_seq,
                         .backlog = backlog,
                         .credit = RECV_CREDIT - (backlog < RECV_CREDIT / 2 ? backlog
                                                                           : RECV_CREDIT / 2)};
    uint8_t ack[WIRE_ACK_MAX];
    size_t alen = wire_ack_encode(&a, ack);
    /* ROUTER never blocks on send: an unroutable or full peer makes it drop the message */
    if (zmq_send(r->sock, zmq_msg_data(identity), zmq_msg_size(identity),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(r->sock, ack, alen, ZMQ_DONTWAIT) < 0)
        r->st.acks_unsent++;
}

/* Reads one message into sl without waiting. Returns 1 when one was read, 0 when none
 * was waiting, -1 on a socket failure. */
static int read_one(struct receiver *r, struct slot *sl)
{
    int total = 0, more = 1;
    sl->kept = 0;
    sl->reason = WIRE_REASON_NONE;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *m = sl->kept < 3 ? &sl->fr[sl->kept] : &scratch;
        zmq_msg_init(m);
        int got;
        do /* the rest of a message is already here (delivery is atomic): EINTR is retried */
            got = zmq_msg_recv(m, r->sock, total == 0 ? ZMQ_DONTWAIT : 0);
        while (got < 0 && errno == EINTR && total > 0);
        if (got < 0) {
            int e = errno;
            zmq_msg_close(m);
            if (total == 0 && (e == EAGAIN || e == EINTR))
                return 0;
            log_err("receiver: recv: %s", zmq_strerror(e));
            return -1;
        }
        more = zmq_msg_more(m);
        total++;
        if (sl->kept < 3)
            sl->kept++;
        else
            zmq_msg_close(m);
    }
    if (total != 3) {
        char why[96];
        snprintf(why, sizeof why, "%d frame(s) after the identity, expected 2", total - 1);
        struct wire_batch_hdr h;
        const char *sensor = "?";
        sl->batch_seq = 0;
        sl->version = 1;
        if (sl->kept >= 2 &&
            wire_hdr_decode(zmq_msg_data(&sl->fr[1]), zmq_msg_size(&sl->fr[1]), &h) == 0 &&
            sensor_id_ok(&h, zmq_msg_size(&sl->fr[1]))) {
            sl->batch_seq = h.batch_seq;
            sl->version = h.version;
            sensor = h.sensor;
        }
        r->st.batches++;
        sl->status = receiver_reject(r, sensor, why);
        sl->reason = WIRE_REASON_MALFORMED;
    } else {
        sl->status = parse_one(r, sl, zmq_msg_data(&sl->fr[1]), zmq_msg_size(&sl->fr[1]),
                               zmq_msg_data(&sl->fr[2]), zmq_msg_size(&sl->fr[2]));
        if (sl->status == WIRE_ACK_REJECTED)
            sl->reason = WIRE_REASON_MALFORMED;
        /* with CURVE the User-Id is the sensor id the key is bound to (auth.c) */
        const char *bound = r->auth ? zmq_msg_gets(&sl->fr[1], "User-Id") : NULL;
        if (sl->status == ST_PARSED && bound && strcmp(bound, sl->batch.hdr.sensor) != 0)
            receiver_refuse_mismatch(r, sl, bound);
    }
    return 1;
}

/* A committed group (or one with nothing to commit): statuses, then its acks. */
static void ack_group(struct receiver *r, struct group *g)
{
    receiver_group_finish(r, g);
    /* more batches already wait on the socket: the backlog is larger than this group */
    int zev = 0;
    size_t zl = sizeof zev;
    uint32_t waiting = g->n > 0 && zmq_getsockopt(r->sock, ZMQ_EVENTS, &zev, &zl) == 0 &&
                               (zev & ZMQ_POLLIN) ? RECV_GROUP : 0;
    if (r->fill != g)
        waiting += (uint32_t)r->fill->n; /* read while this group was committed */
    for (size_t i = 0; i < g->n; i++) {
        struct slot *sl = &g->slot[i];
        uint32_t backlog = (uint32_t)(g->n - 1 - i) + waiting;
        if (r->m)
            atomic_store(&r->m->backlog, backlog);
        send_ack(r, &sl->fr[0], sl, backlog);
        for (int k = 0; k < sl->kept; k++)
            zmq_msg_close(&sl->fr[k]);
        sl->kept = 0;
    }
    size_t n = g->n;
    g->n = g->k = 0;
    publish(r);
    if (g->keep && n > 0) { /* stored and acked: now the analytics, in arrival order */
        size_t fed = 0;
        for (size_t i = 0; i < n; i++) {
            if (g->slot[i].status == WIRE_ACK_STORED) {
                an_sink_feed(r->an, &g->slot[i].batch);
                fed++;
            }
            batch_clear(&g->slot[i].batch);
        }
        /* may store the engine's output through receiver_handle, which drains the store
         * thread first: only after a group that was committed (none is in flight then), never
         * for a group acked unstored while another one is in flight */
        if (fed > 0)
            an_sink_done(r->an);
    }
}

/* Acks the group with the store thread once its commit is done; with `wait`, waits for it.
 * Returns 1 when it was acked, 0 when none is out (or, without wait, not done yet). */
static int finish_inflight(struct receiver *r, int wait)
{
    if (!r->inflight)
        return 0;
    struct worker_job *j = wait ? worker_wait(r->store_thread) : worker_done(r->store_thread);
    if (!j)
        return 0;
    r->inflight = NULL; /* before the acks: the engine's output is stored inline after them */
    ack_group(r, (struct group *)j);
    return 1;
}

static void drain(struct receiver *r)
{
    if (r->store_thread)
        finish_inflight(r, 1);
}

/* Reads what is waiting (up to RECV_GROUP batches) and parses it, while the store thread
 * commits the group before; then acks that one and hands this one over (one transaction).
 * Returns the messages read, or -1 on a socket failure. */
static int receive_group(struct receiver *r)
{
    struct group *g = r->fill;
    size_t n = 0, events = 0;
    int rc = 0;
    while (n < RECV_GROUP && events < RECV_GROUP_EVENTS) {
        int got = read_one(r, &g->slot[n]);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0)
            break;
        events += g->slot[n].batch.n;
        n++;
    }
    if (n == 0)
        return rc;
    receiver_group_collect(g, g->slot, n, r->an != NULL);
    if (g->k == 0) { /* nothing to store: answer at once */
        ack_group(r, g);
        return rc < 0 ? -1 : (int)n;
    }
    finish_inflight(r, 1);
    if (r->store_thread && worker_submit(r->store_thread, &g->job) == 0) {
        r->inflight = g;
        r->fill = g == &r->grp[0] ? &r->grp[1] : &r->grp[0];
    } else {
        receiver_group_commit(&g->job);
        ack_group(r, g);
    }
    return rc < 0 ? -1 : (int)n;
}

int receiver_emit_health(struct receiver *r)
{
    static const char *const topic_names[TOPIC_COUNT] = {"events", "alerts", "assets", "health"};
    drain(r); /* the store is this thread's again */
    const struct sensor_state *ss = store_sensor(r->store, r->self_id);
    uint64_t seq = (ss ? ss->last_seq : 0) + 1;
    uint64_t now = tz_now_us();
    char ts[TZ_TIME_LEN], id[33], body[4096];
    tz_time_fmt(now, ts);
    /* a deterministic-looking id is not needed here; unique is: collector id, seq, time */
    uint8_t h[16];
    char material[160];
    int mn = snprintf(material, sizeof material, "%s|%llu|%llu", r->self_id,
                      (unsigned long long)seq, (unsigned long long)now);
    crypto_generichash(h, sizeof h, (const unsigned char *)material,
                       (size_t)(mn > 0 && (size_t)mn < sizeof material ? mn : 0), NULL, 0);
    sodium_bin2hex(id, sizeof id, h, sizeof h);

    struct jw w;
    jw_init(&w, body, sizeof body - 1);
    jw_obj_begin(&w, NULL);
    jw_uint(&w, "v", 1);
    jw_str(&w, "type", "health");
    jw_str(&w, "id", id);
    jw_str(&w, "ts", ts);
    jw_str(&w, "sensor", r->self_id);
    jw_uint(&w, "seq", seq);
    jw_obj_begin(&w, "health");
    jw_str(&w, "role", "collector");
    jw_uint(&w, "uptime_s", (now - r->started_us) / 1000000u);
    jw_uint(&w, "pkts", r->st.batches);   /* for the collector: batches received */
    jw_uint(&w, "bytes", r->st.bytes);
    jw_obj_begin(&w, "drops");
    jw_uint(&w, "duplicates", r->st.events_duplicate);
    jw_uint(&w, "batches_rejected", r->st.batches_rejected);
    jw_uint(&w, "batches_retry", r->st.batches_retry);
    jw_uint(&w, "acks_unsent", r->st.acks_unsent);
    jw_obj_end(&w);
    jw_obj_begin(&w, "decode_errors");
    jw_uint(&w, "batches_rejected", r->st.batches_rejected);
    jw_obj_end(&w);
    jw_uint(&w, "events_stored", r->st.events_stored);
    {
        /* the chain head, anchored outside the store (Kafka, the provincial platform):
         * `tanzhen-collector verify --anchor` takes this event */
        int64_t cid, cev;
        uint8_t ch[CHAIN_HASH_LEN];
        char chex[CHAIN_HEX_LEN];
        store_head(r->store, &cid, &cev, ch);
        chain_hex(ch, chex);
        jw_obj_begin(&w, "chain");
        jw_int(&w, "batch", cid);
        jw_int(&w, "events", cev);
        jw_str(&w, "hash", chex);
        jw_obj_end(&w);
    }
    if (r->m && atomic_load(&r->m->kafka_enabled)) {
        int64_t lag = 0, lag_us = 0;
        jw_obj_begin(&w, "forward_lag");
        jw_obj_begin(&w, "topics");
        for (int t = 0; t < TOPIC_COUNT; t++) {
            int64_t le = atomic_load(&r->m->lag_events[t]), lu = atomic_load(&r->m->lag_us[t]);
            lag += le;
            lag_us = lu > lag_us ? lu : lag_us;
            jw_obj_begin(&w, topic_names[t]);
            jw_int(&w, "events", le);
            jw_double(&w, "seconds", (double)lu / 1e6);
            jw_obj_end(&w);
        }
        jw_obj_end(&w);
        jw_int(&w, "events", lag);
        jw_double(&w, "seconds", (double)lag_us / 1e6);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    long n = jw_finish(&w);
    if (n < 0)
        return WIRE_ACK_REJECTED;
    body[n++] = '\n';
    struct wire_batch_hdr hd;
    memset(&hd, 0, sizeof hd);
    hd.batch_seq = seq;
    hd.first_seq = seq;
    hd.count = 1;
    snprintf(hd.sensor, sizeof hd.sensor, "%s", r->self_id);
    uint8_t hdr[WIRE_HDR_MAX];
    long hn = wire_hdr_encode(&hd, hdr, sizeof hdr);
    uint64_t bseq = 0;
    if (hn < 0)
        return WIRE_ACK_REJECTED;
    int st = receiver_handle(r, hdr, (size_t)hn, body, (size_t)n, &bseq);
    if (st != WIRE_ACK_STORED)
        log_warn("the collector's health event %llu was not stored (status %d)",
                 (unsigned long long)seq, st);
    return st;
}

int receiver_run(struct receiver *r, volatile sig_atomic_t *stop)
{
    uint64_t every = (uint64_t)r->stats_interval_s * 1000000u;
    uint64_t next_stats = tz_mono_us() + every;
    uint64_t health_every = (uint64_t)r->health_interval_s * 1000000u;
    uint64_t next_health = tz_mono_us() + health_every;
    while (!*stop) {
        zmq_pollitem_t it[2] = {{.socket = r->sock, .events = ZMQ_POLLIN},
                                {.fd = worker_fd(r->store_thread), .events = ZMQ_POLLIN}};
        int n = zmq_poll(it, 2, RECV_POLL_MS);
        if (n < 0 && errno != EINTR) {
            log_err("receiver: poll: %s", zmq_strerror(errno));
            drain(r);
            return -1;
        }
        if (n > 0 && (it[1].revents & ZMQ_POLLIN))
            finish_inflight(r, 0); /* the commit is done: ack it now */
        for (int g = 0; n > 0 && (it[0].revents & ZMQ_POLLIN) && g < 16 && !*stop; g++) {
            int got = receive_group(r); /* then a look at the stats */
            if (got < 0) {
                drain(r);
                return -1;
            }
            if (got < RECV_GROUP)
                break;
        }
        if (every > 0 && tz_mono_us() >= next_stats) {
            receiver_log_stats(r);
            next_stats += every;
        }
        if (health_every > 0 && tz_mono_us() >= next_health) {
            receiver_emit_health(r);
            next_health = tz_mono_us() + health_every;
        }
        if (!r->inflight)
            store_tick(r->store); /* when idle; under load the store thread ticks */
    }
    drain(r); /* the last group's commit and acks */
    return 0;
}

void receiver_get_stats(const struct receiver *r, struct receiver_stats *st)
{
    *st = r->st;
}

void receiver_log_stats(const struct receiver *r)
{
    const struct receiver_stats *s = &r->st;
    log_info("stats: batches %llu (stored %llu, rejected %llu, retry %llu), events stored %llu, "
             "duplicates dropped %llu, bytes %llu, acks unsent %llu",
             (unsigned long long)s->batches, (unsigned long long)s->batches_stored,
             (unsigned long long)s->batches_rejected, (unsigned long long)s->batches_retry,
             (unsigned long long)s->events_stored, (unsigned long long)s->events_duplicate,
             (unsigned long long)s->bytes, (unsigned long long)s->acks_unsent);
    struct metrics *m = r->m;
    if (!m)
        return;
    unsigned long long rej = 0;
    for (int i = 0; i < AUTH_REASON_COUNT; i++)
        rej += atomic_load(&m->auth_rejected[i]);
    if (r->auth)
        log_info("stats: sensor connections accepted %llu, rejected %llu",
                 (unsigned long long)atomic_load(&m->auth_allowed), rej);
    if (!atomic_load(&m->kafka_enabled))
        return;
    unsigned long long p = 0, d = 0, lag = 0;
    for (int t = 0; t < TOPIC_COUNT; t++) {
        p += atomic_load(&m->kafka_produced[t]);
        d += atomic_load(&m->kafka_delivered[t]);
        lag += (unsigned long long)atomic_load(&m->lag_events[t]);
    }
    log_info("stats: kafka produced %llu, delivered %llu (events %llu, alerts %llu, assets %llu, "
             "health %llu), failed %llu, lag %llu event(s)",
             p, d, (unsigned long long)atomic_load(&m->kafka_delivered[TOPIC_EVENTS]),
             (unsigned long long)atomic_load(&m->kafka_delivered[TOPIC_ALERTS]),
             (unsigned long long)atomic_load(&m->kafka_delivered[TOPIC_ASSETS]),
             (unsigned long long)atomic_load(&m->kafka_delivered[TOPIC_HEALTH]),
             (unsigned long long)atomic_load(&m->kafka_failed), lag);
}
