/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver.c - the ZeroMQ ROUTER loop and the per-batch decision (see receiver.h):
 * header (common/wire.h) -> parse (batch.c) -> store (store.c; the batches that are
 * waiting share one transaction) -> acks. Malformed input is logged (rate-limited),
 * counted and acked REJECTED; a store failure is acked RETRY so the sensor sends the
 * batch again later. Kafka is not fed from here: the forwarder reads the store.
 */
#include "receiver.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zmq.h>

#include "auth.h"
#include "batch.h"
#include "jw.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "tztime.h"
#include "wire.h"

#define RECV_POLL_MS 100     /* how often the loop looks at the stop flag */
#define RECV_LOG_FIRST 20    /* complaints logged in full before thinning out */
#define RECV_LOG_EVERY 1000
#define MONITOR_EP "inproc://tanzhen-receiver-monitor"

enum { ST_PARSED = -1 }; /* parsed, waiting for the store */

struct slot {
    zmq_msg_t fr[3]; /* identity, header, body */
    int kept;
    struct batch batch;
    uint64_t batch_seq;
    uint8_t version; /* of the batch header, answered in the same version (1 when unread) */
    int status;      /* an ack status, or ST_PARSED */
    struct store_put_result res;
};

#define KEY_NAMES_MAX 4096 /* sensor ids whose CURVE key name is remembered */

/* Which allowed key (its certificate name, ZAP's User-Id) sent each sensor id last. */
struct key_name {
    char sensor[WIRE_SENSOR_MAX + 1];
    char key[64];
};

struct receiver {
    void *zctx;
    void *sock;
    struct auth *auth;
    struct allow_list *allow; /* until auth takes it */
    struct store *store;
    struct metrics *m;
    size_t max_events;
    int stats_interval_s;
    struct receiver_stats st;
    uint64_t complaints;
    struct slot *slot; /* RECV_GROUP */
    struct key_name *keys;
    size_t nkeys;
    char self_id[WIRE_SENSOR_MAX + 1];
    int health_interval_s;
    uint64_t started_us;
};

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
    if (!r || !(r->slot = calloc(RECV_GROUP, sizeof *r->slot))) {
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
    if (o->listen && setup_socket(r, o, err, errlen) != 0) {
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
    for (size_t i = 0; i < RECV_GROUP; i++)
        batch_free(&r->slot[i].batch);
    free(r->slot);
    free(r->keys);
    if (r->sock)
        zmq_close(r->sock); /* also ends its monitor */
    auth_stop(r->auth);
    allow_close(r->allow);
    if (r->zctx)
        zmq_ctx_term(r->zctx);
    free(r);
}

/* Counts and logs a malformed batch, without letting a broken sensor flood the log. */
static int reject(struct receiver *r, const char *sensor, const char *why)
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
        return reject(r, "?", "the header is not a TZB1 version 1 or 2 header");
    sl->batch_seq = h.batch_seq;
    sl->version = h.version;
    if (!sensor_id_ok(&h, hlen))
        return reject(r, "?", "the sensor id holds non-printable bytes");
    r->st.bytes += blen;
    if (batch_parse(&sl->batch, &h, body, blen, r->max_events, err, sizeof err) != 0)
        return reject(r, h.sensor, err);
    return ST_PARSED;
}

/* Any allowed key may send under any sensor id; a sensor id that turns up over another
 * key than before is worth a warning (a copied key, or a sensor speaking for another). */
static void note_key(struct receiver *r, const char *sensor, const char *key)
{
    if (!key || !key[0])
        return;
    size_t i = 0;
    while (i < r->nkeys && strcmp(r->keys[i].sensor, sensor) != 0)
        i++;
    if (i < r->nkeys) {
        if (strncmp(r->keys[i].key, key, sizeof r->keys[i].key - 1) != 0) {
            log_warn("sensor id %s now arrives over key '%s' (before: '%s')", sensor, key,
                     r->keys[i].key);
            snprintf(r->keys[i].key, sizeof r->keys[i].key, "%s", key);
        }
        return;
    }
    if (r->nkeys == KEY_NAMES_MAX)
        return;
    if (!r->keys && !(r->keys = calloc(KEY_NAMES_MAX, sizeof *r->keys)))
        return;
    snprintf(r->keys[i].sensor, sizeof r->keys[i].sensor, "%s", sensor);
    snprintf(r->keys[i].key, sizeof r->keys[i].key, "%s", key);
    r->nkeys++;
    log_info("sensor id %s sends over key '%s'", sensor, key);
}

/* Stores the parsed slots among sl[0..n) in one transaction and sets their status. */
static void store_group(struct receiver *r, struct slot *sl, size_t n)
{
    struct batch *b[RECV_GROUP];
    struct store_put_result res[RECV_GROUP];
    size_t idx[RECV_GROUP], k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sl[i].status == ST_PARSED) {
            idx[k] = i;
            b[k++] = &sl[i].batch;
        }
    }
    if (k == 0)
        return;
    char err[512];
    /* the store splits a failing group down to single batches and says a full disk itself
     * (once, then slowly): each batch it could not store is answered RETRY */
    if (store_put_many(r->store, b, k, res, err, sizeof err) != 0)
        log_debug("store: %zu batch(es) not stored, asking for a resend: %s", k, err);
    for (size_t j = 0; j < k; j++) {
        struct slot *s = &sl[idx[j]];
        s->res = res[j];
        if (res[j].failed) {
            s->status = WIRE_ACK_RETRY;
            r->st.batches_retry++;
        } else if (res[j].refused) {
            s->status = reject(r, s->batch.hdr.sensor,
                               "too many sensors (the collector keeps at most 4096)");
        } else {
            s->status = WIRE_ACK_STORED;
            r->st.batches_stored++;
            r->st.events_stored += res[j].inserted;
            r->st.events_duplicate += res[j].duplicates;
            if (res[j].duplicates > 0)
                log_debug("batch %llu from %s: %zu event(s) were already stored",
                          (unsigned long long)s->batch_seq, s->batch.hdr.sensor,
                          res[j].duplicates);
        }
        batch_clear(&s->batch);
    }
}

int receiver_handle(struct receiver *r, const uint8_t *hdr, size_t hlen, const char *body,
                    size_t blen, uint64_t *batch_seq)
{
    struct slot *sl = &r->slot[0];
    sl->status = parse_one(r, sl, hdr, hlen, body, blen);
    store_group(r, sl, 1);
    *batch_seq = sl->batch_seq;
    publish(r);
    return sl->status;
}

static void send_ack(struct receiver *r, zmq_msg_t *identity, const struct slot *sl)
{
    struct wire_ack a = {.version = sl->version, .status = (uint8_t)sl->status,
                         .batch_seq = sl->batch_seq};
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
        sl->status = reject(r, sensor, why);
    } else {
        sl->status = parse_one(r, sl, zmq_msg_data(&sl->fr[1]), zmq_msg_size(&sl->fr[1]),
                               zmq_msg_data(&sl->fr[2]), zmq_msg_size(&sl->fr[2]));
        if (sl->status == ST_PARSED && r->auth)
            note_key(r, sl->batch.hdr.sensor, zmq_msg_gets(&sl->fr[1], "User-Id"));
    }
    return 1;
}

/* Reads what is waiting (up to RECV_GROUP batches), stores it in one transaction, acks.
 * Returns the messages handled, or -1 on a socket failure. */
static int receive_group(struct receiver *r)
{
    size_t n = 0, events = 0;
    int rc = 0;
    while (n < RECV_GROUP && events < RECV_GROUP_EVENTS) {
        int got = read_one(r, &r->slot[n]);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0)
            break;
        events += r->slot[n].batch.n;
        n++;
    }
    store_group(r, r->slot, n);
    for (size_t i = 0; i < n; i++) {
        struct slot *sl = &r->slot[i];
        send_ack(r, &sl->fr[0], sl);
        for (int k = 0; k < sl->kept; k++)
            zmq_msg_close(&sl->fr[k]);
        sl->kept = 0;
    }
    if (n > 0)
        publish(r);
    return rc < 0 ? -1 : (int)n;
}

int receiver_emit_health(struct receiver *r)
{
    static const char *const topic_names[TOPIC_COUNT] = {"events", "alerts", "assets", "health"};
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
        zmq_pollitem_t it = {.socket = r->sock, .events = ZMQ_POLLIN};
        int n = zmq_poll(&it, 1, RECV_POLL_MS);
        if (n < 0 && errno != EINTR) {
            log_err("receiver: poll: %s", zmq_strerror(errno));
            return -1;
        }
        for (int g = 0; n > 0 && g < 16 && !*stop; g++) { /* then a look at the stats */
            int got = receive_group(r);
            if (got < 0)
                return -1;
            if (got < RECV_GROUP)
                break;
        }
        if (every > 0 && tz_mono_us() >= next_stats) {
            receiver_log_stats(r);
            next_stats += every;
        }
        store_tick(r->store); /* checkpoint, retention: cheap unless due */
        if (health_every > 0 && tz_mono_us() >= next_health) {
            receiver_emit_health(r);
            next_health = tz_mono_us() + health_every;
        }
    }
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
