/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publisher.c - the publisher thread: drains every worker's event ring, numbers events
 * (`seq`), writes JSON lines (--jsonl) and sends batches to the collector over a ZeroMQ
 * DEALER socket (common/wire.h), and emits the health heartbeat. It owns the socket. At
 * the end it waits (output.ack_wait_s) until the collector has acked every batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "events.h"
#include "log.h"
#include "sensor.h"
#include "tztime.h"
#include "wire.h"

#define PUB_LINE_MAX (65536 + 64)
#define PUB_BATCH_BYTES (4u << 20)
#define PUB_DRAIN 256

struct publisher {
    struct sensor *s;
    FILE *jsonl;
    int jsonl_is_stdout;
    void *zctx, *zsock;
    char *line;
    char *batch;
    size_t batch_len;
    uint32_t batch_count;
    uint64_t batch_first_seq;
    uint64_t batch_seq;
    uint64_t batch_started_us;
    uint64_t seq;
    uint64_t sent, acked;
    uint32_t health_idx;
    uint64_t next_health_us;
    int status;
};

static struct publisher pub;

int publisher_status(void)
{
    return pub.status;
}

int publisher_init(struct sensor *s, char *err, size_t errlen)
{
    struct publisher *p = &pub;
    memset(p, 0, sizeof *p);
    p->s = s;
    p->line = malloc(PUB_LINE_MAX);
    p->batch = malloc(PUB_BATCH_BYTES);
    if (!p->line || !p->batch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const struct sensor_config *c = &s->cfg;
    if (c->jsonl[0]) {
        if (strcmp(c->jsonl, "-") == 0) {
            p->jsonl = stdout;
            p->jsonl_is_stdout = 1;
        } else {
            p->jsonl = fopen(c->jsonl, "w");
            if (!p->jsonl) {
                snprintf(err, errlen, "--jsonl %s: cannot open for writing: %s", c->jsonl,
                         strerror(errno));
                return -1;
            }
        }
        setvbuf(p->jsonl, NULL, _IOFBF, 1 << 20);
    }
    if (c->collector[0]) {
        p->zctx = zmq_ctx_new();
        p->zsock = p->zctx ? zmq_socket(p->zctx, ZMQ_DEALER) : NULL;
        if (!p->zsock) {
            snprintf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
            return -1;
        }
        int hwm = 1000, linger = 0;
        zmq_setsockopt(p->zsock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(p->zsock, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(p->zsock, c->collector) != 0) {
            snprintf(err, errlen, "--collector %s: %s", c->collector, zmq_strerror(errno));
            return -1;
        }
    }
    p->next_health_us = tz_mono_us() + (uint64_t)c->health_interval_s * 1000000u;
    return 0;
}

static void poll_acks(struct publisher *p, long timeout_ms)
{
    if (!p->zsock)
        return;
    zmq_pollitem_t it = {p->zsock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return;
    for (;;) {
        uint8_t buf[64];
        int n = zmq_recv(p->zsock, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0)
            break;
        uint64_t bseq;
        uint8_t st;
        if (wire_ack_decode(buf, (size_t)n, &bseq, &st) != 0) {
            log_warn("collector sent something that is not an ack (%d bytes)", n);
            continue;
        }
        if (st == WIRE_ACK_REJECTED)
            log_err("collector rejected batch %llu", (unsigned long long)bseq);
        p->acked++;
        atomic_fetch_add_explicit(&p->s->pst.acked, 1, memory_order_relaxed);
    }
}

static void send_batch(struct publisher *p)
{
    if (!p->zsock || p->batch_count == 0)
        return;
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.batch_seq = ++p->batch_seq;
    h.first_seq = p->batch_first_seq;
    h.count = p->batch_count;
    snprintf(h.sensor, sizeof h.sensor, "%s", p->s->cfg.sensor_id);
    uint8_t hdr[WIRE_HDR_MAX];
    long hn = wire_hdr_encode(&h, hdr, sizeof hdr);
    for (;;) {
        int flags = ZMQ_DONTWAIT;
        if (hn > 0 && zmq_send(p->zsock, hdr, (size_t)hn, ZMQ_SNDMORE | flags) >= 0 &&
            zmq_send(p->zsock, p->batch, p->batch_len, flags) >= 0) {
            p->sent++;
            atomic_fetch_add_explicit(&p->s->pst.batches, 1, memory_order_relaxed);
            break;
        }
        if (errno != EAGAIN || p->s->live ||
            atomic_load_explicit(&p->s->stop, memory_order_relaxed) > 1) {
            /* live: the collector is not keeping up; drop rather than block capture */
            atomic_fetch_add_explicit(&p->s->pst.send_fail, p->batch_count, memory_order_relaxed);
            break;
        }
        poll_acks(p, 10); /* replay: wait for the collector */
    }
    p->batch_len = 0;
    p->batch_count = 0;
}

static void publish_line(struct publisher *p, const char *body, uint32_t n)
{
    p->seq++;
    long len = events_finish_line(p->line, PUB_LINE_MAX, p->seq, body, n);
    if (len < 0)
        return;
    atomic_fetch_add_explicit(&p->s->pst.events, 1, memory_order_relaxed);
    if (p->jsonl && fwrite(p->line, 1, (size_t)len, p->jsonl) != (size_t)len) {
        if (!p->status)
            log_err("--jsonl: write failed: %s", strerror(errno));
        atomic_fetch_add_explicit(&p->s->pst.jsonl_fail, 1, memory_order_relaxed);
        p->status = 1;
    }
    if (p->zsock) {
        if (p->batch_len + (size_t)len > PUB_BATCH_BYTES)
            send_batch(p);
        if (p->batch_count == 0) {
            p->batch_first_seq = p->seq;
            p->batch_started_us = tz_mono_us();
        }
        memcpy(p->batch + p->batch_len, p->line, (size_t)len);
        p->batch_len += (size_t)len;
        p->batch_count++;
        if (p->batch_count >= (uint32_t)p->s->cfg.batch_events)
            send_batch(p);
    }
}

static void emit_health(struct publisher *p)
{
    static char body[16384];
    struct jw w;
    uint64_t now = tz_now_us();
    jw_init(&w, body, sizeof body);
    events_begin(&w, p->s, "health", NULL, 0, now, NULL, p->health_idx++);
    stats_write_health(p->s, &w, now);
    jw_obj_end(&w);
    long n = jw_finish(&w);
    if (n > 0)
        publish_line(p, body, (uint32_t)n);
}

static int drain(struct publisher *p)
{
    int got = 0;
    for (int i = 0; i < p->s->n_workers; i++) {
        struct ring *r = &p->s->workers[i].ev_ring;
        uint32_t len;
        void *rec;
        int n = 0;
        while (n < PUB_DRAIN && (rec = ring_peek(r, &len)) != NULL) {
            if (len > 0)
                publish_line(p, rec, len);
            ring_next(r);
            n++;
        }
        if (n)
            ring_release(r);
        got += n;
    }
    return got;
}

static int workers_done(struct sensor *s)
{
    for (int i = 0; i < s->n_workers; i++)
        /* acquire: pairs with the worker's release after its last ring_commit */
        if (!atomic_load_explicit(&s->workers[i].done, memory_order_acquire))
            return 0;
    return 1;
}

void *publisher_thread(void *arg)
{
    struct publisher *p = &pub;
    struct sensor *s = arg;
    const uint64_t interval = (uint64_t)s->cfg.health_interval_s * 1000000u;
    for (;;) {
        int done = workers_done(s);
        int got = drain(p);
        uint64_t mono = tz_mono_us();
        if (mono >= p->next_health_us) {
            emit_health(p);
            p->next_health_us = mono + interval;
        }
        if (p->batch_count && mono - p->batch_started_us >= (uint64_t)s->cfg.batch_ms * 1000u)
            send_batch(p);
        if (got)
            continue;
        if (done)
            break; /* done was read before the drain that found nothing */
        if (p->zsock)
            poll_acks(p, 1);
        else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        if (p->jsonl && !s->live)
            continue;
        if (p->jsonl)
            fflush(p->jsonl);
    }
    emit_health(p); /* the final heartbeat, with every counter */
    send_batch(p);
    if (p->jsonl) {
        if (fflush(p->jsonl) != 0 && !p->status) {
            log_err("--jsonl: write failed: %s", strerror(errno));
            p->status = 1;
        }
        if (!p->jsonl_is_stdout)
            fclose(p->jsonl);
    }
    if (p->zsock) {
        uint64_t deadline = tz_mono_us() + (uint64_t)s->cfg.ack_wait_s * 1000000u;
        while (p->acked < p->sent && tz_mono_us() < deadline)
            poll_acks(p, 50);
        if (p->acked < p->sent) {
            log_err("collector %s acknowledged %llu of %llu batches before output.ack_wait_s "
                    "ran out; the rest may be lost",
                    s->cfg.collector, (unsigned long long)p->acked, (unsigned long long)p->sent);
            p->status = 3;
        } else {
            log_info("collector acknowledged all %llu batches (%llu events)",
                     (unsigned long long)p->sent, (unsigned long long)p->seq);
        }
        zmq_close(p->zsock);
        zmq_ctx_term(p->zctx);
    }
    free(p->line);
    free(p->batch);
    return NULL;
}
