/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publisher.c - the publisher thread: drains every worker's event ring, numbers events
 * (`seq`, persisted by seqstore.c when output.state_dir is set), writes JSON lines
 * (--jsonl), seals batches and delivers them to the collector over a ZeroMQ DEALER socket
 * (common/wire.h; CURVE unless --insecure), and emits the health heartbeat.
 *
 * Delivery is at-least-once: a sealed batch goes into the spool (spool.c: memory, and with
 * a state directory also written ahead to disk) before --jsonl or the counters report it,
 * and stays there until the collector's WIRE_ACK_STORED for its batch_seq. Every batch
 * carries this run's id (seqstore.h). Flow control: at most the collector's `credit` of
 * its last version-2 ack (bounded by PUB_WINDOW) batches are in flight; one not acked
 * after output.resend_ms plus the collector's reported backlog times the measured time
 * per ack, while the collector acks nothing, is sent again (see resend_due), and every
 * unacked batch is sent again when the connection comes back (a socket monitor reports
 * the handshake). WIRE_ACK_RETRY: sent again after a pause; WIRE_ACK_REJECTED: dropped,
 * logged, counted; WIRE_ACK_REFUSED (e.g. this key is bound to another sensor id): kept,
 * the reason logged once and then every 30 s, nothing sent for PUB_REFUSED_PAUSE_US. When
 * the spool is full, live capture drops the oldest unacked data (counted, reported as a
 * `spool_overflow` anomaly) and never waits; a replay waits for acks, but never longer than
 * output.ack_wait_s without one batch stored: then it stops, and exits 3 saying how many
 * events were not acknowledged. The thread owns the DEALER socket and its monitor socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "events.h"
#include "curve.h"
#include "log.h"
#include "sensor.h"
#include "seqstore.h"
#include "spool.h"
#include "tztime.h"
#include "wire.h"

#define PUB_LINE_MAX (65536 + 64)
#define PUB_BATCH_BYTES (4u << 20)
#define PUB_DRAIN 256
#define PUB_WINDOW 32                /* batches sent and not yet acked */
#define PUB_RETRY_PAUSE_US 1000000u  /* after a RETRY ack (at most output.resend_ms) */
#define PUB_REFUSED_PAUSE_US 30000000u /* after a REFUSED ack: nothing is sent for this long */
#define PUB_WARN_EVERY_US 30000000u  /* rate limit of repeated warnings */
#define PUB_HEARTBEAT_MS 1000
#define PUB_JSONL_BUF (1u << 20)     /* lines for --jsonl gathered before one write */
#define PUB_MONITOR_EP "inproc://tanzhen-publisher-monitor"

struct publisher {
    struct sensor *s;
    FILE *jsonl;
    int jsonl_is_stdout;
    char *jsonl_buf; /* without a collector: lines are finished here, then written whole */
    size_t jsonl_len;
    void *zctx, *zsock, *zmon;
    char *line;
    char *batch;
    size_t batch_len, batch_cap;
    uint32_t batch_count;
    uint64_t batch_first_seq;
    uint64_t batch_started_us;
    char *readbuf; /* a spooled body read back from disk */
    struct seqstore seq;
    struct spool *sp;
    int spool_disk;
    uint64_t resend_us;
    uint64_t last_sync_us;
    uint64_t last_ack_us;         /* last ack of any kind, or the last handshake */
    uint64_t sealed, acked, rejected, refused;
    uint64_t acked_events;        /* events in batches acked STORED */
    uint64_t last_stored_us;      /* last STORED ack (or the start): progress */
    uint64_t refused_until_us;    /* after a REFUSED ack: send nothing before this */
    uint32_t credit;              /* from the last version-2 ack; PUB_WINDOW before one */
    uint32_t backlog;             /* batches waiting at the collector (last v2 ack) */
    uint64_t ack_gap_us;          /* smoothed time between two STORED acks */
    int gave_up;                  /* a replay waited output.ack_wait_s without progress */
    uint64_t unused_from, unused_to; /* unclean restart: seqs reserved and never used */
    uint64_t abandoned_events;    /* numbered after gave_up: never batched */
    int connected, ever_connected;
    struct spool_loss loss;       /* dropped since the last spool_overflow anomaly */
    const char *loss_why;
    uint64_t give_up_us;          /* replay after a stop request: stop waiting at this time */
    uint64_t warn_wait_us, warn_link_us, warn_auth_us, warn_reject, warn_refused_us;
    uint32_t health_idx, anomaly_idx;
    uint64_t next_health_us;
    int status;
};

static struct publisher pub;

int publisher_status(void)
{
    return pub.status;
}

static void set_stat(_Atomic uint64_t *a, uint64_t v)
{
    atomic_store_explicit(a, v, memory_order_relaxed);
}

static void add_stat(_Atomic uint64_t *a, uint64_t v)
{
    atomic_fetch_add_explicit(a, v, memory_order_relaxed);
}

/* Copies the spool's figures into the counters the health heartbeat reads. */
static void publish_stats(struct publisher *p)
{
    struct publisher_stats *ps = &p->s->pst;
    if (p->sp) {
        struct spool_stats st;
        spool_get_stats(p->sp, &st);
        set_stat(&ps->unacked_batches, st.batches);
        set_stat(&ps->unacked_events, st.events);
        set_stat(&ps->spool_bytes, st.disk_bytes);
        set_stat(&ps->spool_corrupt, st.corrupt);
    }
    set_stat(&ps->state_write_fail, p->seq.write_fail);
    atomic_store_explicit(&ps->connected, p->connected, memory_order_relaxed);
}

static int open_socket(struct publisher *p, const struct sensor_config *c, char *err,
                       size_t errlen)
{
    struct curve_keys keys;
    if (c->curve) {
        if (!zmq_has("curve")) {
            snprintf(err, errlen, "output.curve: this libzmq has no CURVE support; give "
                                  "--insecure for plain TCP");
            return -1;
        }
        if (curve_load_client(c->client_key, c->server_key, &keys, err, errlen) != 0)
            return -1;
        if (keys.warning[0])
            log_warn("%s", keys.warning);
    } else {
        log_warn("--insecure: CURVE is off, events go to %s in plain text and the collector "
                 "cannot authenticate this sensor",
                 c->collector);
    }
    p->zctx = zmq_ctx_new();
    p->zsock = p->zctx ? zmq_socket(p->zctx, ZMQ_DEALER) : NULL;
    if (!p->zsock) {
        snprintf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        return -1;
    }
    int hwm = 1000, linger = 0, immediate = 1;
    int hb_ivl = PUB_HEARTBEAT_MS, hb_timeout = 5 * PUB_HEARTBEAT_MS, reconnect_max = 5000;
    zmq_setsockopt(p->zsock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->zsock, ZMQ_LINGER, &linger, sizeof linger);
    /* ZMTP heartbeats: a link that silently stops carrying packets is noticed within
     * ~5 s, the connection is dropped and retried (backing off to 5 s between attempts),
     * and everything unacked is sent again on the new one */
    zmq_setsockopt(p->zsock, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl);
    zmq_setsockopt(p->zsock, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout);
    zmq_setsockopt(p->zsock, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max);
    /* queue only on a connection that finished its handshake: while the collector is away
     * sends fail at once and the spool, not the socket, holds the batches */
    zmq_setsockopt(p->zsock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    if (c->curve) {
        if (zmq_setsockopt(p->zsock, ZMQ_CURVE_SERVERKEY, keys.server_key, 32) != 0 ||
            zmq_setsockopt(p->zsock, ZMQ_CURVE_PUBLICKEY, keys.public_key, 32) != 0 ||
            zmq_setsockopt(p->zsock, ZMQ_CURVE_SECRETKEY, keys.secret_key, 32) != 0) {
            snprintf(err, errlen, "cannot set the CURVE keys: %s", zmq_strerror(errno));
            return -1;
        }
        log_info("CURVE on: this sensor's public key is %s", keys.public_txt);
    }
    memset(&keys, 0, sizeof keys);
    int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor(p->zsock, PUB_MONITOR_EP, events) == 0) {
        p->zmon = zmq_socket(p->zctx, ZMQ_PAIR);
        if (p->zmon && zmq_connect(p->zmon, PUB_MONITOR_EP) != 0) {
            zmq_close(p->zmon);
            p->zmon = NULL;
        }
    }
    if (!p->zmon) {
        log_warn("no ZeroMQ socket monitor (%s): reconnects are noticed by the resend timer",
                 zmq_strerror(errno));
        p->connected = 1;
    }
    if (zmq_connect(p->zsock, c->collector) != 0) {
        snprintf(err, errlen, "--collector %s: %s", c->collector, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* One sensor per state directory: an exclusive flock on DIR/lock, held until exit (the
 * kernel drops it when the process dies, even by SIGKILL). */
static int lock_state_dir(const char *dir, char *err, size_t errlen)
{
    char path[SENSOR_PATH_MAX + 16];
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "output.state_dir %s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "output.state_dir %s: cannot open %s: %s", dir, path,
                 strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "output.state_dir %s is in use by another tanzhen-sensor (%s "
                              "is locked): give each sensor its own state directory",
                 dir, path);
        close(fd);
        return -1;
    }
    return 0; /* fd stays open: the lock lives as long as the process */
}

int publisher_init(struct sensor *s, char *err, size_t errlen)
{
    struct publisher *p = &pub;
    memset(p, 0, sizeof *p);
    p->s = s;
    const struct sensor_config *c = &s->cfg;
    p->line = malloc(PUB_LINE_MAX);
    p->batch = malloc(PUB_BATCH_BYTES);
    if (!p->line || !p->batch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->batch_cap = PUB_BATCH_BYTES;
    p->resend_us = (uint64_t)c->resend_ms * 1000u;
    /* keys first: a bad key must fail before any state is touched */
    if (c->collector[0] && open_socket(p, c, err, errlen) != 0)
        return -1;
    if (c->state_dir[0] && lock_state_dir(c->state_dir, err, errlen) != 0)
        return -1;
    if (seqstore_open(&p->seq, c->state_dir, c->sensor_id, err, errlen) != 0)
        return -1;
    snprintf(s->run_hex, sizeof s->run_hex, "%016" PRIx64, p->seq.run);
    log_info("run %s (%s)", s->run_hex,
             !p->seq.persist  ? "new: no state dir"
             : p->seq.run_drawn ? "new: new state dir"
             : p->seq.run ? "continued from state dir"
                          : "continued from a state file from before run ids");
    p->credit = PUB_WINDOW;
    p->last_stored_us = tz_mono_us();
    if (c->jsonl[0]) {
        if (strcmp(c->jsonl, "-") == 0) {
            p->jsonl = stdout;
            p->jsonl_is_stdout = 1;
        } else {
            p->jsonl = fopen(c->jsonl, "w");
            if (!p->jsonl) {
                snprintf(err, errlen, "--jsonl %s: cannot open for writing: %s", c->jsonl,
                         strerror(errno));
                goto fail;
            }
            /* jsonl_buf does the buffering: stdio would copy each chunk again */
            setvbuf(p->jsonl, NULL, _IONBF, 0);
        }
        /* without a collector, publish_line finishes each line straight into jsonl_buf
         * (one copy of the event, one write() per megabyte); with one, whole batches are
         * written as they are sealed */
        if (!c->collector[0]) {
            p->jsonl_buf = malloc(PUB_JSONL_BUF);
            if (!p->jsonl_buf) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
        }
    }
    char spool_dir[SENSOR_PATH_MAX + 16] = "";
    if (c->state_dir[0])
        snprintf(spool_dir, sizeof spool_dir, "%s/spool", c->state_dir);
    if (c->collector[0] || c->state_dir[0]) {
        /* with a state dir the spool is opened even without a collector, to report it */
        struct spool_cfg sc = {spool_dir, (uint64_t)c->spool_mb << 20,
                               (uint32_t)c->memory_batches};
        if (spool_open(&p->sp, &sc, err, errlen) != 0)
            goto fail;
        p->spool_disk = spool_dir[0] != '\0';
        uint32_t mb = spool_max_body(p->sp);
        if (p->batch_cap > mb)
            p->batch_cap = mb;
        uint64_t hb, hs;
        spool_high(p->sp, &hb, &hs);
        /* after a crash the numbering resumes at the end of the block the last run
         * reserved; what lies between the highest seq it spooled (every event it emitted
         * was spooled first) and that end was reserved and never used */
        if (p->seq.unclean && p->seq.prev_limit > hs + 1) {
            p->unused_from = hs + 1;
            p->unused_to = p->seq.prev_limit - 1;
        }
        seqstore_raise(&p->seq, SEQ_EVENT, hs + 1);
        seqstore_raise(&p->seq, SEQ_BATCH, hb + 1);
        struct spool_stats st;
        spool_get_stats(p->sp, &st);
        if (st.loaded_batches && c->collector[0])
            log_info("spool %s: %" PRIu64 " unacked batches (%" PRIu64
                     " events) from an earlier run are sent first",
                     spool_dir, st.loaded_batches, st.loaded_events);
        else if (st.loaded_batches)
            log_warn("spool %s holds %" PRIu64 " unacked batches (%" PRIu64
                     " events); they stay there until the sensor runs with --collector",
                     spool_dir, st.loaded_batches, st.loaded_events);
    }
    if (p->seq.persist)
        log_info("output.state_dir %s: seq continues at %" PRIu64 ", batch_seq at %" PRIu64
                 "%s",
                 c->state_dir, p->seq.next[SEQ_EVENT], p->seq.next[SEQ_BATCH],
                 p->seq.unclean ? " (the last run did not stop cleanly: numbers it reserved "
                                  "and did not use are skipped)" : "");
    if (p->spool_disk && c->collector[0]) {
        p->readbuf = malloc(p->batch_cap > 0 ? p->batch_cap : 1);
        if (!p->readbuf) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    p->next_health_us = tz_mono_us() + (uint64_t)c->health_interval_s * 1000000u;
    publish_stats(p);
    return 0;
fail:
    /* nothing was numbered: leave the state file exact, as after a clean stop */
    seqstore_close(&p->seq);
    return -1;
}

/* Sends one batch; 0 sent, 1 the socket would block (no connection, or it is full),
 * -1 its body cannot be read back from the spool. */
static int send_entry(struct publisher *p, struct spool_ent *e, uint64_t now)
{
    const char *body = spool_body(p->sp, e, p->readbuf, p->batch_cap);
    if (!body)
        return -1;
    struct wire_batch_hdr h;
    memset(&h, 0, sizeof h);
    h.flags = e->sends ? WIRE_F_RESEND : 0;
    h.batch_seq = e->batch_seq;
    h.first_seq = e->first_seq;
    h.count = e->count;
    h.run = p->seq.run;
    snprintf(h.sensor, sizeof h.sensor, "%s", p->s->cfg.sensor_id);
    uint8_t hdr[WIRE_HDR_MAX];
    long hn = wire_hdr_encode(&h, hdr, sizeof hdr);
    if (hn <= 0)
        return -1;
    if (zmq_send(p->zsock, hdr, (size_t)hn, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return 1;
    /* the rest of a multipart message is always accepted once its first part was */
    zmq_send(p->zsock, body, e->len, ZMQ_DONTWAIT);
    if (e->sends)
        add_stat(&p->s->pst.resends, 1);
    else
        add_stat(&p->s->pst.batches, 1);
    e->sends++;
    e->sent_us = now;
    e->retry = 0;
    return 0;
}

static void loss_note(struct publisher *p, const struct spool_loss *l, const char *why)
{
    if (!l->batches)
        return;
    if (p->loss.batches == 0 || l->first_seq < p->loss.first_seq)
        p->loss.first_seq = l->first_seq;
    if (p->loss.batches == 0 || l->last_seq > p->loss.last_seq)
        p->loss.last_seq = l->last_seq;
    p->loss.batches += l->batches;
    p->loss.events += l->events;
    p->loss_why = why;
    add_stat(&p->s->pst.spool_lost_events, l->events);
}

/* How long an unacked batch is left alone: output.resend_ms, plus the time the collector
 * needs for the batches it says wait before ours (its backlog times the smoothed time
 * between two acks), so a busy collector gets no copies of what it is still storing. */
static uint64_t resend_wait(const struct publisher *p)
{
    uint64_t extra = (uint64_t)p->backlog * p->ack_gap_us;
    if (extra > 60000000u)
        extra = 60000000u;
    return p->resend_us + extra;
}

/* A batch sent before is due again when the collector has been silent (no ack of any
 * batch) for output.resend_ms and this batch has waited resend_ms, doubled for each
 * earlier resend up to 16x: a slow collector that keeps acking is not flooded with
 * copies, a silent one gets them less and less often. Reconnects resend at once. */
static int resend_due(const struct publisher *p, const struct spool_ent *e, uint64_t now)
{
    if (!e->sent_us)
        return 1;
    uint32_t shift = e->sends > 5 ? 4 : e->sends - 1;
    uint64_t wait = resend_wait(p);
    return now - p->last_ack_us >= wait && now - e->sent_us >= wait << shift;
}

/* Sends what is due, oldest first: never-sent batches, batches whose ack is overdue and
 * batches whose RETRY pause is over, keeping at most PUB_WINDOW in flight. */
static void pump(struct publisher *p)
{
    if (!p->zsock || !p->connected)
        return;
    uint64_t now = tz_mono_us();
    if (now < p->refused_until_us)
        return; /* the collector refused our batches: a long pause, no hammering */
    /* the collector's credit, at least 1 so an empty pipe always moves */
    uint32_t window = p->credit < 1 ? 1 : p->credit > PUB_WINDOW ? PUB_WINDOW : p->credit;
    for (;;) {
        size_t pos = 0;
        uint32_t in_flight = 0;
        struct spool_ent *e, *bad = NULL;
        while ((e = spool_iter(p->sp, &pos)) != NULL) {
            if (e->retry ? now < e->due_us : !resend_due(p, e, now)) {
                in_flight++;
                continue;
            }
            if (in_flight >= window)
                break;
            int rc = send_entry(p, e, now);
            if (rc > 0)
                break;
            if (rc < 0) {
                bad = e;
                break;
            }
            in_flight++;
        }
        if (!bad)
            return;
        /* a spooled record that fails its checksum: its events are lost */
        struct spool_loss l = {1, bad->count, bad->first_seq, bad->first_seq + bad->count - 1};
        spool_ack(p->sp, bad->batch_seq);
        loss_note(p, &l, "a spooled batch failed its checksum when read back");
    }
}

static const char *reason_name(uint16_t r)
{
    switch (r) {
    case WIRE_REASON_MALFORMED: return "malformed batch";
    case WIRE_REASON_SENSOR_MISMATCH:
        return "sensor id mismatch: this sensor's CURVE key is bound to another sensor id at "
               "the collector (check sensor.id / --sensor-id against the key's sensor-id)";
    case WIRE_REASON_STORE_FULL: return "the collector's store is full";
    case WIRE_REASON_STORE_ERROR: return "the collector's store failed";
    case WIRE_REASON_TOO_MANY_SENSORS: return "the collector has too many sensors";
    default: return "no reason given";
    }
}

static void on_ack(struct publisher *p, const struct wire_ack *a)
{
    uint64_t bseq = a->batch_seq;
    uint8_t st = a->status;
    uint64_t now = tz_mono_us();
    p->last_ack_us = now;
    if (a->version >= 2) {
        p->credit = a->credit;
        p->backlog = a->backlog;
    }
    if (st == WIRE_ACK_REFUSED) {
        struct spool_ent *e = spool_find(p->sp, bseq);
        p->refused++;
        add_stat(&p->s->pst.acks_refused, 1);
        if (now >= p->warn_refused_us) {
            log_err("the collector %s refused batch %" PRIu64 ": %s; the batch is kept and "
                    "sent again in %u s (%" PRIu64 " refusals so far)",
                    p->s->cfg.collector, bseq, reason_name(a->reason),
                    PUB_REFUSED_PAUSE_US / 1000000u, p->refused);
            p->warn_refused_us = now + PUB_WARN_EVERY_US;
        }
        p->refused_until_us = now + PUB_REFUSED_PAUSE_US;
        if (e) {
            e->retry = 1;
            e->due_us = p->refused_until_us;
        }
        return;
    }
    if (st == WIRE_ACK_RETRY) {
        struct spool_ent *e = spool_find(p->sp, bseq);
        if (e) {
            uint64_t pause = p->resend_us < PUB_RETRY_PAUSE_US ? p->resend_us : PUB_RETRY_PAUSE_US;
            e->retry = 1;
            e->due_us = tz_mono_us() + pause;
        }
        return;
    }
    const struct spool_ent *e = spool_ack(p->sp, bseq);
    if (!e) {
        log_debug("ack for batch %" PRIu64 " that is not pending (acked before)", bseq);
        return;
    }
    if (st == WIRE_ACK_REJECTED) {
        p->rejected++;
        add_stat(&p->s->pst.acks_rejected, 1);
        if (p->warn_reject++ < 20 || p->warn_reject % 1000 == 0)
            log_err("collector rejected batch %" PRIu64 " (events %" PRIu64 "..%" PRIu64
                    "): dropped (%" PRIu64 " rejected so far)",
                    bseq, e->first_seq, e->first_seq + e->count - 1, p->rejected);
        return;
    }
    if (st != WIRE_ACK_STORED)
        log_warn("ack for batch %" PRIu64 " with unknown status %u: taken as stored", bseq, st);
    /* the smoothed time between two stored acks (1/8 of each new gap) */
    uint64_t gap = now - p->last_stored_us;
    p->ack_gap_us = p->ack_gap_us ? p->ack_gap_us - p->ack_gap_us / 8 + gap / 8 : gap;
    p->last_stored_us = now;
    p->acked_events += e->count;
    p->acked++;
    add_stat(&p->s->pst.acked, 1);
}

static void on_monitor(struct publisher *p)
{
    for (;;) {
        uint8_t ev[6];
        char addr[256];
        int n = zmq_recv(p->zmon, ev, sizeof ev, ZMQ_DONTWAIT);
        if (n < 0)
            return;
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(p->zmon, ZMQ_RCVMORE, &more, &ml);
        int an = more ? zmq_recv(p->zmon, addr, sizeof addr - 1, 0) : 0;
        addr[an > 0 ? (an < (int)sizeof addr ? an : (int)sizeof addr - 1) : 0] = '\0';
        if (n < 6)
            continue;
        uint16_t event; /* the monitor's frame is in host byte order */
        uint32_t value;
        memcpy(&event, ev, sizeof event);
        memcpy(&value, ev + 2, sizeof value);
        uint64_t now = tz_mono_us();
        struct spool_stats st;
        spool_get_stats(p->sp, &st);
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: {
            p->connected = 1;
            p->last_ack_us = now;
            /* everything in flight on the old connection may be lost: send it all again */
            size_t pos = 0;
            struct spool_ent *e;
            while ((e = spool_iter(p->sp, &pos)) != NULL) {
                e->sent_us = 0;
                e->retry = 0;
            }
            if (p->ever_connected)
                log_info("reconnected to the collector %s; %" PRIu64 " unacked batches (%" PRIu64
                         " events) are sent again",
                         addr, st.batches, st.events);
            else
                log_info("connected to the collector %s", addr);
            p->ever_connected = 1;
            break;
        }
        case ZMQ_EVENT_DISCONNECTED:
            if (p->connected && now >= p->warn_link_us) {
                log_warn("lost the connection to the collector %s; %" PRIu64
                         " unacked batches (%" PRIu64 " events) are kept for resending",
                         addr, st.batches, st.events);
                p->warn_link_us = now + PUB_WARN_EVERY_US;
            }
            p->connected = 0;
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            if (now >= p->warn_auth_us) {
                log_err("the collector %s refused this sensor's key (ZAP status %u): is its "
                        "public certificate in the collector's allow list?",
                        addr, value);
                p->warn_auth_us = now + PUB_WARN_EVERY_US;
            }
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            if (now >= p->warn_auth_us) {
                log_err("handshake with the collector %s failed: %s (ZMTP error %#x)", addr,
                        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                            ? "one side uses CURVE and the other does not (--insecure)"
                        : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
                            ? "CURVE keys do not match (output.server_key)"
                            : "protocol error",
                        value);
                p->warn_auth_us = now + PUB_WARN_EVERY_US;
            }
            break;
        default: /* ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: value is an errno */
            if (now >= p->warn_auth_us) {
                log_err("handshake with the collector %s failed: the collector closed the "
                        "connection (%s); is output.server_key the collector's public "
                        "certificate, and does the collector use CURVE?",
                        addr, strerror((int)value));
                p->warn_auth_us = now + PUB_WARN_EVERY_US;
            }
            break;
        }
    }
}

/* fdatasync of the open segment and the ack mark, at most every SPOOL_SYNC_MS. */
static void maybe_sync(struct publisher *p, uint64_t mono)
{
    if (p->spool_disk && mono - p->last_sync_us >= SPOOL_SYNC_MS * 1000u) {
        spool_sync(p->sp);
        p->last_sync_us = mono;
    }
}

/* Waits up to timeout_ms for acks and socket events, handles them, then sends what is
 * due. */
static void poll_io(struct publisher *p, long timeout_ms)
{
    if (!p->zsock)
        return;
    zmq_pollitem_t it[2] = {{p->zsock, 0, ZMQ_POLLIN, 0}, {p->zmon, 0, ZMQ_POLLIN, 0}};
    int nit = p->zmon ? 2 : 1;
    if (zmq_poll(it, nit, timeout_ms) > 0) {
        if (nit == 2 && (it[1].revents & ZMQ_POLLIN))
            on_monitor(p);
        if (it[0].revents & ZMQ_POLLIN) {
            for (;;) {
                uint8_t buf[64];
                int n = zmq_recv(p->zsock, buf, sizeof buf, ZMQ_DONTWAIT);
                if (n < 0)
                    break;
                struct wire_ack a;
                if (wire_ack_decode(buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf),
                                    &a) != 0) {
                    log_warn("collector sent something that is not an ack (%d bytes)", n);
                    continue;
                }
                on_ack(p, &a);
            }
        }
    }
    pump(p);
    maybe_sync(p, tz_mono_us());
    publish_stats(p);
}

/* Replay may wait for room; live capture, or a replay told to stop that has waited
 * output.ack_wait_s, drops the oldest unacked data instead. */
static int may_drop(struct publisher *p, uint64_t now)
{
    struct sensor *s = p->s;
    if (s->live || !p->zsock)
        return 1;
    int stop = atomic_load_explicit(&s->stop, memory_order_relaxed);
    if (stop > 1)
        return 1;
    if (stop == 1) {
        if (!p->give_up_us)
            p->give_up_us = now + (uint64_t)s->cfg.ack_wait_s * 1000000u;
        return now >= p->give_up_us;
    }
    return 0;
}

/* Writes bytes to --jsonl; a failure is logged once and counted. */
static void jsonl_write(struct publisher *p, const char *b, size_t n, int flush)
{
    if (!p->jsonl)
        return;
    if ((n && fwrite(b, 1, n, p->jsonl) != n) || (flush && fflush(p->jsonl) != 0)) {
        if (!p->status)
            log_err("--jsonl: write failed: %s", strerror(errno));
        atomic_fetch_add_explicit(&p->s->pst.jsonl_fail, 1, memory_order_relaxed);
        p->status = 1;
    }
}

/* Writes the lines gathered in jsonl_buf; flush: and flushes the stream. */
static void jsonl_drain(struct publisher *p, int flush)
{
    if (!p->jsonl)
        return;
    if (p->jsonl_len) {
        jsonl_write(p, p->jsonl_buf, p->jsonl_len, flush);
        p->jsonl_len = 0;
    } else if (flush) {
        jsonl_write(p, NULL, 0, 1);
    }
}

/* A replay that waited output.ack_wait_s for room without one batch stored stops: the
 * capture ends, what is still numbered is not batched, and the exit status is 3. */
static void give_up(struct publisher *p)
{
    if (p->gave_up)
        return;
    p->gave_up = 1;
    struct spool_stats st;
    spool_get_stats(p->sp, &st);
    log_err("replay: the collector %s stored nothing for output.ack_wait_s (%lld s) while "
            "%" PRIu64 " unacked batches (%" PRIu64 " events) filled the %s; giving up "
            "(%s)",
            p->s->cfg.collector, (long long)p->s->cfg.ack_wait_s, st.batches, st.events,
            p->spool_disk ? "spool" : "memory (no output.state_dir)",
            p->refused ? "the collector refuses this sensor's batches, see above"
            : p->ever_connected ? "it stopped acknowledging"
                                : "no connection: check the keys, --insecure and the address");
    /* stop the capture and every further wait (may_drop, final_wait) */
    atomic_store_explicit(&p->s->stop, 2, memory_order_relaxed);
    capture_break(p->s);
    p->status = 3;
}

static void seal_batch(struct publisher *p)
{
    if (!p->sp || p->batch_count == 0)
        return;
    /* With a collector, --jsonl holds exactly the events handed to delivery: a batch's
     * lines are written (and flushed) once it is in the spool, never before, so a sensor
     * killed with SIGKILL (even while it waits for room in a full spool) has not "emitted"
     * a batch it would lose: it is in the spool for the next start, or its numbers are an
     * unused reservation (see the sensor_restart anomaly). */
    uint64_t bseq = seqstore_take(&p->seq, SEQ_BATCH);
    uint64_t wait_from = 0;
    int spooled = 0;
    for (;;) {
        uint64_t now = tz_mono_us();
        struct spool_loss l = {0, 0, 0, 0};
        int rc = spool_append(p->sp, bseq, p->batch_first_seq, p->batch_count, p->batch,
                              (uint32_t)p->batch_len, may_drop(p, now), &l);
        loss_note(p, &l,
                  p->spool_disk ? "the spool (output.spool_mb) is full"
                                : "output.memory_batches unacked batches are held and there "
                                  "is no output.state_dir");
        if (rc == SPOOL_OK) {
            p->sealed++;
            spooled = 1;
            break;
        }
        if (rc == SPOOL_ERR) {
            struct spool_loss me = {1, p->batch_count, p->batch_first_seq,
                                    p->batch_first_seq + p->batch_count - 1};
            loss_note(p, &me, "a batch could not be written to the spool nor held in memory");
            add_stat(&p->s->pst.send_fail, p->batch_count);
            break;
        }
        /* SPOOL_FULL: a replay waits for the collector, at most output.ack_wait_s without
         * a batch stored (a refused key, no CURVE handshake, a wrong server key) */
        if (!wait_from)
            wait_from = now;
        uint64_t since = p->last_stored_us > wait_from ? p->last_stored_us : wait_from;
        if (now - since >= (uint64_t)p->s->cfg.ack_wait_s * 1000000u) {
            give_up(p);
            p->abandoned_events += p->batch_count;
            break;
        }
        if (now >= p->warn_wait_us) {
            struct spool_stats st;
            spool_get_stats(p->sp, &st);
            if (p->warn_wait_us)
                log_warn("replay: waiting for the collector %s to ack: %" PRIu64
                         " unacked batches (%" PRIu64 " events) fill the %s",
                         p->s->cfg.collector, st.batches, st.events,
                         p->spool_disk ? "spool" : "memory (no output.state_dir)");
            p->warn_wait_us = now + (p->warn_wait_us ? PUB_WARN_EVERY_US : 5000000u);
        }
        poll_io(p, 10);
    }
    if (spooled || !p->gave_up) {
        jsonl_write(p, p->batch, p->batch_len, 1);
        add_stat(&p->s->pst.events, p->batch_count);
    }
    p->batch_len = 0;
    p->batch_count = 0;
    pump(p);
}

static void publish_line(struct publisher *p, const char *body, uint32_t n)
{
    uint64_t seq = seqstore_take(&p->seq, SEQ_EVENT);
    if (p->jsonl_buf) { /* --jsonl without a collector: the line is finished in place */
        if (PUB_JSONL_BUF - p->jsonl_len < PUB_LINE_MAX)
            jsonl_drain(p, 0);
        long len = events_finish_line(p->jsonl_buf + p->jsonl_len, PUB_LINE_MAX, seq, body, n);
        if (len < 0)
            return;
        p->jsonl_len += (size_t)len;
        atomic_fetch_add_explicit(&p->s->pst.events, 1, memory_order_relaxed);
        return;
    }
    if (p->gave_up) { /* numbered, never emitted: counted as not acknowledged */
        p->abandoned_events++;
        return;
    }
    long len = events_finish_line(p->line, PUB_LINE_MAX, seq, body, n);
    if (len < 0)
        return;
    if (!p->zsock)
        atomic_fetch_add_explicit(&p->s->pst.events, 1, memory_order_relaxed);
    if (p->zsock) { /* counted in pst.events once its batch is in the spool */ /* with a collector, lines reach --jsonl when their batch is sealed */
        if (p->batch_len + (size_t)len > p->batch_cap)
            seal_batch(p);
        if (p->batch_count == 0) {
            p->batch_first_seq = seq;
            p->batch_started_us = tz_mono_us();
        }
        memcpy(p->batch + p->batch_len, p->line, (size_t)len);
        p->batch_len += (size_t)len;
        p->batch_count++;
        if (p->batch_count >= (uint32_t)p->s->cfg.batch_events)
            seal_batch(p);
    }
}

static void emit_anomaly(struct publisher *p, const char *kind, const char *detail)
{
    static char body[4096];
    struct jw w;
    jw_init(&w, body, sizeof body);
    events_begin(&w, p->s, "anomaly", NULL, 0, tz_now_us(), NULL, p->anomaly_idx++);
    jw_obj_begin(&w, "anomaly");
    jw_str(&w, "kind", kind);
    jw_str(&w, "detail", detail);
    jw_obj_end(&w);
    jw_obj_end(&w);
    long n = jw_finish(&w);
    if (n > 0)
        publish_line(p, body, (uint32_t)n);
}

/* The `sensor_restart` anomaly; unused_from/unused_to name the unused reservation, so the
 * collector reports that range apart from lost events. */
static void emit_restart(struct publisher *p, const char *detail)
{
    static char body[4096];
    struct jw w;
    jw_init(&w, body, sizeof body);
    events_begin(&w, p->s, "anomaly", NULL, 0, tz_now_us(), NULL, p->anomaly_idx++);
    jw_obj_begin(&w, "anomaly");
    jw_str(&w, "kind", "sensor_restart");
    jw_str(&w, "detail", detail);
    if (p->unused_to) {
        jw_uint(&w, "unused_from", p->unused_from);
        jw_uint(&w, "unused_to", p->unused_to);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    long n = jw_finish(&w);
    if (n > 0)
        publish_line(p, body, (uint32_t)n);
}

/* Reports what was dropped since the last report as one `spool_overflow` anomaly. */
static void report_loss(struct publisher *p)
{
    while (p->loss.batches) {
        struct spool_loss l = p->loss;
        const char *why = p->loss_why;
        memset(&p->loss, 0, sizeof p->loss);
        char detail[512];
        /* contiguous unless batches in the range were acked before the drop */
        int whole = l.last_seq - l.first_seq + 1 == l.events;
        snprintf(detail, sizeof detail,
                 "%s: dropped the oldest unacked data, %" PRIu64 " events (seq %s%" PRIu64
                 "..%" PRIu64 ") in %" PRIu64 " batches, never acked by the collector",
                 why, l.events, whole ? "" : "between ", l.first_seq, l.last_seq, l.batches);
        log_err("%s", detail);
        emit_anomaly(p, "spool_overflow", detail);
    }
}

static void emit_health(struct publisher *p)
{
    static char body[16384];
    struct jw w;
    uint64_t now = tz_now_us();
    publish_stats(p);
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

/* At the end: waits up to output.ack_wait_s for the collector to ack everything. */
static void final_wait(struct publisher *p)
{
    struct sensor *s = p->s;
    uint64_t deadline = tz_mono_us() + (uint64_t)s->cfg.ack_wait_s * 1000000u;
    struct spool_stats st;
    for (;;) {
        spool_get_stats(p->sp, &st);
        if (st.batches == 0 || tz_mono_us() >= deadline ||
            atomic_load_explicit(&s->stop, memory_order_relaxed) > 1)
            break;
        poll_io(p, 50);
    }
    if (st.batches == 0 && !p->gave_up) {
        log_info("collector acknowledged all %" PRIu64 " batches (%" PRIu64 " events)%s",
                 p->sealed, atomic_load_explicit(&s->pst.events, memory_order_relaxed),
                 p->rejected ? "; some were rejected (see above)" : "");
        return;
    }
    uint64_t not_acked = st.events + p->abandoned_events;
    if (p->spool_disk)
        log_err("collector %s acknowledged %" PRIu64 " batches (%" PRIu64 " events); %" PRIu64
                " events were not acknowledged: %" PRIu64 " unacked batches (%" PRIu64
                " events) stay in the spool under %s and are sent at the next start%s",
                s->cfg.collector, p->acked, p->acked_events, not_acked, st.batches, st.events,
                s->cfg.state_dir,
                p->abandoned_events ? "; the rest of the capture was not read" : "");
    else
        log_err("collector %s acknowledged %" PRIu64 " batches (%" PRIu64 " events); %" PRIu64
                " events were not acknowledged and are lost (no output.state_dir to spool "
                "them)%s",
                s->cfg.collector, p->acked, p->acked_events, not_acked,
                p->abandoned_events ? "; the rest of the capture was not read" : "");
    p->status = 3;
}

void *publisher_thread(void *arg)
{
    struct publisher *p = &pub;
    struct sensor *s = arg;
    const uint64_t interval = (uint64_t)s->cfg.health_interval_s * 1000000u;
    if (p->seq.unclean) {
        char detail[384];
        if (p->unused_to)
            snprintf(detail, sizeof detail,
                     "the previous run stopped without closing its state (crash or SIGKILL): "
                     "seq resumes at %" PRIu64 "; seq %" PRIu64 "..%" PRIu64 " (%" PRIu64
                     " numbers) were reserved and never used (unused reservation, not lost "
                     "events)",
                     p->seq.next[SEQ_EVENT], p->unused_from, p->unused_to,
                     p->unused_to - p->unused_from + 1);
        else
            snprintf(detail, sizeof detail,
                     "the previous run stopped without closing its state (crash or SIGKILL): "
                     "seq resumes at %" PRIu64 "; no reserved number was left unused",
                     p->seq.next[SEQ_EVENT]);
        log_info("%s", detail);
        emit_restart(p, detail);
    }
    p->last_sync_us = tz_mono_us();
    pump(p);
    for (;;) {
        int done = workers_done(s);
        int got = drain(p);
        uint64_t mono = tz_mono_us();
        if (mono >= p->next_health_us) {
            emit_health(p);
            p->next_health_us = mono + interval;
        }
        if (p->batch_count && mono - p->batch_started_us >= (uint64_t)s->cfg.batch_ms * 1000u)
            seal_batch(p);
        report_loss(p);
        maybe_sync(p, mono);
        if (got) {
            if (p->zsock)
                poll_io(p, 0);
            continue;
        }
        if (done)
            break; /* done was read before the drain that found nothing */
        if (p->zsock)
            poll_io(p, 1);
        else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        if (p->jsonl && !s->live)
            continue;
        jsonl_drain(p, 1);
    }
    emit_health(p); /* the final heartbeat, with every counter */
    seal_batch(p);
    report_loss(p);
    seal_batch(p);
    if (p->jsonl) {
        jsonl_drain(p, 0);
        if (fflush(p->jsonl) != 0 && !p->status) {
            log_err("--jsonl: write failed: %s", strerror(errno));
            p->status = 1;
        }
        if (!p->jsonl_is_stdout)
            fclose(p->jsonl);
        free(p->jsonl_buf);
        p->jsonl_buf = NULL;
    }
    if (p->zsock) {
        final_wait(p);
        if (p->zmon) {
            zmq_socket_monitor(p->zsock, NULL, 0);
            zmq_close(p->zmon);
        }
        zmq_close(p->zsock);
        zmq_ctx_term(p->zctx);
    }
    publish_stats(p);
    spool_close(p->sp);
    seqstore_close(&p->seq);
    free(p->readbuf);
    free(p->line);
    free(p->batch);
    return NULL;
}
