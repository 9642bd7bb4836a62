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
 * carries this run's id (seqstore.h). Sending, resending, acks and flow control (the
 * collector's credit and backlog, flowctl.h) are in pub_link.c. When
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
#include "publisher_int.h"
#include "sensor.h"
#include "seqstore.h"
#include "spool.h"
#include "tztime.h"
#include "wire.h"

#define PUB_LINE_MAX (65536 + 64)
#define PUB_BATCH_BYTES (4u << 20)
#define PUB_DRAIN 256
#define PUB_JSONL_BUF (1u << 20)     /* lines for --jsonl gathered before one write */

static struct publisher pub;

int publisher_status(void)
{
    return pub.status;
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
    flowctl_init(&p->fc, (uint64_t)c->resend_ms * 1000u, tz_mono_us());
    /* keys first: a bad key must fail before any state is touched */
    if (c->collector[0] && pub_open_socket(p, c, err, errlen) != 0)
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
    pub_publish_stats(p);
    return 0;
fail:
    /* nothing was numbered: leave the state file exact, as after a clean stop */
    seqstore_close(&p->seq);
    return -1;
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
        pub_loss_note(p, &l,
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
            pub_loss_note(p, &me, "a batch could not be written to the spool nor held in memory");
            add_stat(&p->s->pst.send_fail, p->batch_count);
            break;
        }
        /* SPOOL_FULL: a replay waits for the collector, at most output.ack_wait_s without
         * a batch stored (a refused key, no CURVE handshake, a wrong server key) */
        if (!wait_from)
            wait_from = now;
        uint64_t since = p->fc.last_stored_us > wait_from ? p->fc.last_stored_us : wait_from;
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
        pub_poll_io(p, 10);
    }
    if (spooled || !p->gave_up) {
        jsonl_write(p, p->batch, p->batch_len, 1);
        add_stat(&p->s->pst.events, p->batch_count);
    }
    p->batch_len = 0;
    p->batch_count = 0;
    pub_pump(p);
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
    pub_publish_stats(p);
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
        pub_poll_io(p, 50);
    }
    if (st.batches == 0 && !p->gave_up) {
        log_info("collector acknowledged all %" PRIu64 " batches (%" PRIu64 " events)%s; "
                 "%" PRIu64 " batches were sent again",
                 p->sealed, atomic_load_explicit(&s->pst.events, memory_order_relaxed),
                 p->rejected ? "; some were rejected (see above)" : "",
                 atomic_load_explicit(&s->pst.resends, memory_order_relaxed));
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
    pub_pump(p);
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
        pub_maybe_sync(p, mono);
        if (got) {
            if (p->zsock)
                pub_poll_io(p, 0);
            continue;
        }
        if (done)
            break; /* done was read before the drain that found nothing */
        if (p->zsock)
            pub_poll_io(p, 1);
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
    pub_publish_stats(p);
    spool_close(p->sp);
    seqstore_close(&p->seq);
    free(p->readbuf);
    free(p->line);
    free(p->batch);
    return NULL;
}
