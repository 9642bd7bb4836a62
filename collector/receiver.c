/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver.c - the ZeroMQ ROUTER loop and the per-batch decision (see receiver.h):
 * header (common/wire.h) -> parse (batch.c) -> store (store.c, one transaction) -> ack ->
 * forward (forward.c). Malformed input is logged (rate-limited), counted and acked
 * REJECTED; a store failure is acked RETRY so the sensor sends the batch again later.
 */
#include "receiver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "batch.h"
#include "log.h"
#include "tztime.h"
#include "wire.h"

#define RECV_BURST 64        /* messages read per wake-up before serving the forwarder */
#define RECV_POLL_MS 100     /* how often the loop looks at the stop flag and the forwarder */
#define RECV_LOG_FIRST 20    /* complaints logged in full before thinning out */
#define RECV_LOG_EVERY 1000

struct receiver {
    void *zctx;
    void *sock;
    struct store *store;
    struct forward *fwd;
    struct batch batch;
    size_t max_events;
    int stats_interval_s;
    struct receiver_stats st;
    uint64_t complaints;
};

int receiver_open(struct receiver **out, const struct receiver_opts *o, struct store *s,
                  struct forward *f, char *err, size_t errlen)
{
    *out = NULL;
    struct receiver *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->store = s;
    r->fwd = f;
    r->max_events = o->max_batch_events;
    r->stats_interval_s = o->stats_interval_s;
    if (!o->listen) {
        *out = r;
        return 0;
    }
    r->zctx = zmq_ctx_new();
    if (!r->zctx) {
        snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(errno));
        receiver_close(r);
        return -1;
    }
    r->sock = zmq_socket(r->zctx, ZMQ_ROUTER);
    int64_t maxmsg = o->max_batch_bytes;
    int linger = 500, ipv6 = 1;
    if (!r->sock || zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_IPV6, &ipv6, sizeof ipv6) != 0) {
        snprintf(err, errlen, "ROUTER socket: %s", zmq_strerror(errno));
        receiver_close(r);
        return -1;
    }
    if (zmq_bind(r->sock, o->listen) != 0) {
        snprintf(err, errlen, "receiver.listen %s: cannot bind: %s", o->listen,
                 zmq_strerror(errno));
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
    batch_free(&r->batch);
    if (r->sock)
        zmq_close(r->sock);
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
    if (n != hlen - 30)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (h->sensor[i] <= ' ' || h->sensor[i] > '~')
            return 0;
    return 1;
}

int receiver_handle(struct receiver *r, const uint8_t *hdr, size_t hlen, const char *body,
                    size_t blen, uint64_t *batch_seq)
{
    struct wire_batch_hdr h;
    char err[512];
    batch_clear(&r->batch);
    r->st.batches++;
    *batch_seq = 0;
    if (!hdr || wire_hdr_decode(hdr, hlen, &h) != 0)
        return reject(r, "?", "the header is not a TZB1 version 1 header");
    *batch_seq = h.batch_seq;
    if (!sensor_id_ok(&h, hlen))
        return reject(r, "?", "the sensor id holds non-printable bytes");
    r->st.bytes += blen;
    if (batch_parse(&r->batch, &h, body, blen, r->max_events, err, sizeof err) != 0)
        return reject(r, h.sensor, err);
    struct store_put_result res;
    if (store_put(r->store, &r->batch, &res, err, sizeof err) != 0) {
        r->st.batches_retry++;
        batch_clear(&r->batch);
        log_err("store: batch %llu from %s not stored, asking for a resend: %s",
                (unsigned long long)h.batch_seq, h.sensor, err);
        return WIRE_ACK_RETRY;
    }
    r->st.batches_stored++;
    r->st.events_stored += res.inserted;
    r->st.events_duplicate += res.duplicates;
    if (res.duplicates > 0)
        log_debug("batch %llu from %s: %zu event(s) were already stored",
                  (unsigned long long)h.batch_seq, h.sensor, res.duplicates);
    return WIRE_ACK_STORED;
}

void receiver_forward(struct receiver *r)
{
    for (size_t i = 0; i < r->batch.n; i++)
        if (r->batch.ev[i].stored)
            forward_event(r->fwd, &r->batch.ev[i]);
    batch_clear(&r->batch);
}

static void send_ack(struct receiver *r, zmq_msg_t *identity, uint64_t batch_seq, int status)
{
    uint8_t ack[WIRE_ACK_LEN];
    wire_ack_encode(batch_seq, (uint8_t)status, ack);
    /* ROUTER never blocks on send: an unroutable or full peer makes it drop the message */
    if (zmq_send(r->sock, zmq_msg_data(identity), zmq_msg_size(identity),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(r->sock, ack, sizeof ack, ZMQ_DONTWAIT) < 0)
        r->st.acks_unsent++;
}

/* Reads and handles one message. Returns 1 when one was handled, 0 when none was
 * waiting, -1 on a socket failure. */
static int receive_one(struct receiver *r)
{
    zmq_msg_t fr[3]; /* identity, header, body */
    int kept = 0, total = 0, more = 1, rc = 1;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *m = kept < 3 ? &fr[kept] : &scratch;
        zmq_msg_init(m);
        int got;
        do /* the rest of a message is already here (delivery is atomic): EINTR is retried */
            got = zmq_msg_recv(m, r->sock, total == 0 ? ZMQ_DONTWAIT : 0);
        while (got < 0 && errno == EINTR && total > 0);
        if (got < 0) {
            int e = errno;
            zmq_msg_close(m);
            if (total == 0 && (e == EAGAIN || e == EINTR)) {
                rc = 0;
            } else {
                log_err("receiver: recv: %s", zmq_strerror(e));
                rc = -1;
            }
            goto out;
        }
        more = zmq_msg_more(m);
        total++;
        if (kept < 3)
            kept++;
        else
            zmq_msg_close(m);
    }
    uint64_t batch_seq = 0;
    int status;
    if (total != 3) {
        char why[96];
        snprintf(why, sizeof why, "%d frame(s) after the identity, expected 2", total - 1);
        struct wire_batch_hdr h;
        const char *sensor = "?";
        if (kept >= 2 && wire_hdr_decode(zmq_msg_data(&fr[1]), zmq_msg_size(&fr[1]), &h) == 0 &&
            sensor_id_ok(&h, zmq_msg_size(&fr[1]))) {
            batch_seq = h.batch_seq;
            sensor = h.sensor;
        }
        r->st.batches++;
        status = reject(r, sensor, why);
    } else {
        status = receiver_handle(r, zmq_msg_data(&fr[1]), zmq_msg_size(&fr[1]),
                                 zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]), &batch_seq);
    }
    send_ack(r, &fr[0], batch_seq, status);
    receiver_forward(r); /* after the ack: forwarding may wait on a full Kafka queue */
out:
    for (int i = 0; i < kept; i++)
        zmq_msg_close(&fr[i]);
    return rc;
}

int receiver_run(struct receiver *r, volatile sig_atomic_t *stop)
{
    uint64_t every = (uint64_t)r->stats_interval_s * 1000000u;
    uint64_t next_stats = tz_mono_us() + every;
    while (!*stop) {
        zmq_pollitem_t it = {.socket = r->sock, .events = ZMQ_POLLIN};
        int n = zmq_poll(&it, 1, RECV_POLL_MS);
        if (n < 0 && errno != EINTR) {
            log_err("receiver: poll: %s", zmq_strerror(errno));
            return -1;
        }
        for (int i = 0; n > 0 && i < RECV_BURST && !*stop; i++) {
            int rc = receive_one(r);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
        }
        forward_poll(r->fwd);
        if (every > 0 && tz_mono_us() >= next_stats) {
            receiver_log_stats(r);
            next_stats += every;
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
             "duplicates %llu, bytes %llu, acks unsent %llu",
             (unsigned long long)s->batches, (unsigned long long)s->batches_stored,
             (unsigned long long)s->batches_rejected, (unsigned long long)s->batches_retry,
             (unsigned long long)s->events_stored, (unsigned long long)s->events_duplicate,
             (unsigned long long)s->bytes, (unsigned long long)s->acks_unsent);
    if (!forward_enabled(r->fwd))
        return;
    struct forward_stats f;
    forward_get_stats(r->fwd, &f);
    unsigned long long q = 0, d = 0;
    for (int t = 0; t < FWD_TOPIC_COUNT; t++) {
        q += f.queued[t];
        d += f.delivered[t];
    }
    log_info("stats: kafka queued %llu, delivered %llu (events %llu, alerts %llu, assets %llu, "
             "health %llu), failed %llu, dropped %llu, in queue %ld",
             q, d, (unsigned long long)f.delivered[FWD_EVENTS],
             (unsigned long long)f.delivered[FWD_ALERTS],
             (unsigned long long)f.delivered[FWD_ASSETS],
             (unsigned long long)f.delivered[FWD_HEALTH], (unsigned long long)f.failed,
             (unsigned long long)f.dropped, forward_outq(r->fwd));
}
