/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pub_link.c - the publisher's link to the collector (publisher_int.h): the ZeroMQ DEALER
 * socket (common/wire.h; CURVE unless --insecure) and its monitor, sending batches from
 * the spool, acks and flow control. At most the collector's `credit` (flowctl.h, bounded
 * by FLOW_WINDOW) batches are in flight; one not acked after output.resend_ms plus the
 * collector's backlog times the smoothed time between acks is sent again once a later
 * batch was acked, or after a long silence (see resend_due), and every unacked batch is
 * sent again when the
 * connection comes back (the monitor reports the handshake). WIRE_ACK_RETRY: sent again
 * after a pause; WIRE_ACK_REJECTED: dropped, logged, counted; WIRE_ACK_REFUSED (e.g. this
 * key is bound to another sensor id): kept, the reason logged once and then every 30 s,
 * nothing sent for FLOW_REFUSED_PAUSE_US.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <zmq.h>

#include "curve.h"
#include "log.h"
#include "publisher_int.h"
#include "tztime.h"

#define PUB_RETRY_PAUSE_US 1000000u  /* after a RETRY ack (at most output.resend_ms) */
#define PUB_HEARTBEAT_MS 1000
#define PUB_MONITOR_EP "inproc://tanzhen-publisher-monitor"

/* Copies the spool's figures into the counters the health heartbeat reads. */
void pub_publish_stats(struct publisher *p)
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

int pub_open_socket(struct publisher *p, const struct sensor_config *c, char *err,
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
    flowctl_on_send(&p->fc, now);
    e->retry = 0;
    return 0;
}

void pub_loss_note(struct publisher *p, const struct spool_loss *l, const char *why)
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


/* A batch sent before is due again (flowctl_resend_due) when a batch sent after it was
 * acked and it waited output.resend_ms plus the collector's backlog share, or when the
 * collector acked nothing at all for FLOW_SILENT_MIN_US (and twice its longest recent
 * silence); doubled for each earlier resend up to 16x. Reconnects resend at once. */
static int resend_due(const struct publisher *p, const struct spool_ent *e, uint64_t now)
{
    return flowctl_resend_due(&p->fc, e->sent_us, e->sends, p->last_ack_us, now);
}

/* Sends what is due, oldest first: never-sent batches, batches whose ack is overdue and
 * batches whose RETRY pause is over, keeping at most the collector's credit in flight. */
void pub_pump(struct publisher *p)
{
    if (!p->zsock || !p->connected)
        return;
    uint64_t now = tz_mono_us();
    if (!flowctl_may_send(&p->fc, now))
        return; /* the collector refused our batches: a long pause, no hammering */
    uint32_t window = flowctl_window(&p->fc);
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
        pub_loss_note(p, &l, "a spooled batch failed its checksum when read back");
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
    flowctl_on_ack(&p->fc, a, now);
    if (st == WIRE_ACK_REFUSED) {
        struct spool_ent *e = spool_find(p->sp, bseq);
        p->refused++;
        add_stat(&p->s->pst.acks_refused, 1);
        if (now >= p->warn_refused_us) {
            log_err("the collector %s refused batch %" PRIu64 ": %s; the batch is kept and "
                    "sent again in %u s (%" PRIu64 " refusals so far)",
                    p->s->cfg.collector, bseq, reason_name(a->reason),
                    FLOW_REFUSED_PAUSE_US / 1000000u, p->refused);
            p->warn_refused_us = now + PUB_WARN_EVERY_US;
        }
        if (e) {
            e->retry = 1;
            e->due_us = p->fc.refused_until_us;
        }
        return;
    }
    if (st == WIRE_ACK_RETRY) {
        struct spool_ent *e = spool_find(p->sp, bseq);
        if (e) {
            uint64_t pause =
                p->fc.resend_us < PUB_RETRY_PAUSE_US ? p->fc.resend_us : PUB_RETRY_PAUSE_US;
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
        flowctl_on_acked(&p->fc, e->sent_us);
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
    flowctl_on_acked(&p->fc, e->sent_us);
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
            flowctl_on_reconnect(&p->fc);
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
void pub_maybe_sync(struct publisher *p, uint64_t mono)
{
    if (p->spool_disk && mono - p->last_sync_us >= SPOOL_SYNC_MS * 1000u) {
        spool_sync(p->sp);
        p->last_sync_us = mono;
    }
}

/* Waits up to timeout_ms for acks and socket events, handles them, then sends what is
 * due. */
void pub_poll_io(struct publisher *p, long timeout_ms)
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
    pub_pump(p);
    pub_maybe_sync(p, tz_mono_us());
    pub_publish_stats(p);
}
