/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - the ZAP handler and monitor reader thread (see auth.h). ZAP (RFC 27/ZAP 1.0):
 * request frames version, request id, domain, address, identity, mechanism, credentials;
 * reply version, request id, status code, status text, user id, metadata. Monitor events
 * (zmq_socket_monitor, v1): a 6-byte frame (u16 event, u32 value, host order) and the
 * endpoint. libzmq has one I/O thread here, so a HANDSHAKE_FAILED event is followed by
 * the DISCONNECTED event of the same connection, whose value is its file descriptor.
 */
#include "auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zmq.h>

#include "log.h"
#include "tztime.h"

#define FD_SLOTS 4096 /* peer addresses remembered per descriptor */
#define ADDR_LEN 64

struct auth {
    void *zctx;
    char monitor_ep[256];
    struct allow_list *allow;
    struct metrics *m;
    pthread_t thread;
    int started;
    atomic_int stop;
    /* start-up handshake */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready; /* 1 bound, -1 failed */
    char err[600];
    /* thread-owned */
    char addr[FD_SLOTS][ADDR_LEN];
    int pending;          /* a handshake failure waiting for its DISCONNECTED, or -1 */
    uint64_t window_start_us;
    unsigned logged_in_window;
    uint64_t suppressed;
};

/* "::ffff:10.0.0.5" (an IPv4 peer on the dual-stack socket) is written as "10.0.0.5". */
static const char *plain_addr(const char *addr)
{
    return strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.') ? addr + 7 : addr;
}

/* Once a rate-limit window has passed: say how many rejections it did not log, and open
 * a new window. Called for every rejection and from the poll loop, so a burst that stops
 * still gets its summary line. */
static void window_roll(struct auth *a, uint64_t now)
{
    if (now - a->window_start_us < (uint64_t)AUTH_LOG_WINDOW_S * 1000000u)
        return;
    if (a->suppressed > 0)
        log_warn("%llu more rejected sensor connection(s) were not logged (rate limit); "
                 "see tanzhen_collector_rejected_connections_total",
                 (unsigned long long)a->suppressed);
    a->window_start_us = now;
    a->logged_in_window = 0;
    a->suppressed = 0;
}

static void log_reject(struct auth *a, const char *addr, enum auth_reason r, const char *why)
{
    atomic_fetch_add(&a->m->auth_rejected[r], 1);
    window_roll(a, tz_mono_us());
    if (a->logged_in_window >= AUTH_LOG_BURST) {
        a->suppressed++;
        return;
    }
    a->logged_in_window++;
    log_warn("rejected sensor connection from %s: %s", addr && addr[0] ? plain_addr(addr) : "unknown",
             why);
}

/* ---- ZAP ---- */

static void zap_reply(void *sock, zmq_msg_t *reqid, const char *code, const char *text,
                      const char *user)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data(reqid), zmq_msg_size(reqid), ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

static void zap_handle(struct auth *a, void *sock)
{
    zmq_msg_t f[7];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *m = n < 7 ? &f[n] : &scratch;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, sock, 0) < 0) {
            zmq_msg_close(m);
            break;
        }
        more = zmq_msg_more(m);
        if (n < 7)
            n++;
        else
            zmq_msg_close(m);
    }
    if (n < 6) { /* not a ZAP request; a REP socket must still answer */
        zmq_send(sock, "", 0, 0);
        goto out;
    }
    char addr[ADDR_LEN] = "", mech[16] = "";
    size_t al = zmq_msg_size(&f[3]) < ADDR_LEN ? zmq_msg_size(&f[3]) : ADDR_LEN - 1;
    memcpy(addr, zmq_msg_data(&f[3]), al);
    size_t ml = zmq_msg_size(&f[5]) < sizeof mech ? zmq_msg_size(&f[5]) : sizeof mech - 1;
    memcpy(mech, zmq_msg_data(&f[5]), ml);
    if (strcmp(mech, "CURVE") != 0 || n < 7 || zmq_msg_size(&f[6]) != KEY_LEN) {
        char why[96];
        snprintf(why, sizeof why, "mechanism %s is not accepted (CURVE only)", mech);
        log_reject(a, addr, AUTH_OTHER_MECH, why);
        zap_reply(sock, &f[1], "400", "CURVE only", "");
        goto out;
    }
    const uint8_t *key = zmq_msg_data(&f[6]);
    const char *sensor = NULL;
    int from_meta = 0;
    const char *name = allow_lookup_binding(a->allow, key, &sensor, &from_meta);
    if (!name) {
        char z85[KEY_Z85_LEN], why[160];
        zmq_z85_encode(z85, key, KEY_LEN);
        snprintf(why, sizeof why, "CURVE key %s is not in receiver.allow_dir", z85);
        log_reject(a, addr, AUTH_UNKNOWN_KEY, why);
        zap_reply(sock, &f[1], "400", "key not allowed", "");
        goto out;
    }
    atomic_fetch_add(&a->m->auth_allowed, 1);
    log_info("sensor key '%s' (bound to sensor id '%s', from its %s) connected from %s", name,
             sensor, from_meta ? "sensor-id metadata" : "file name",
             addr[0] ? plain_addr(addr) : "a local socket");
    /* the User-Id of every message over this connection is the key's sensor id: the
     * receiver refuses batches with another one */
    zap_reply(sock, &f[1], "200", "OK", sensor);
out:
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
}

/* ---- monitor ---- */

static void peer_name(int fd, char out[ADDR_LEN])
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    out[0] = '\0';
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, ADDR_LEN);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, ADDR_LEN);
    else if (ss.ss_family == AF_UNIX)
        snprintf(out, ADDR_LEN, "a local (ipc) socket");
}

static void monitor_handle(struct auth *a, void *sock)
{
    zmq_msg_t ev, ep;
    zmq_msg_init(&ev);
    zmq_msg_init(&ep);
    if (zmq_msg_recv(&ev, sock, 0) < 0)
        goto out;
    if (zmq_msg_more(&ev))
        zmq_msg_recv(&ep, sock, 0);
    if (zmq_msg_size(&ev) < 6)
        goto out;
    const uint8_t *d = zmq_msg_data(&ev);
    uint16_t event;
    uint32_t value;
    memcpy(&event, d, 2);
    memcpy(&value, d + 2, 4);
    int fd = (int)value;
    switch (event) {
    case ZMQ_EVENT_ACCEPTED:
        if (fd >= 0 && fd < FD_SLOTS)
            peer_name(fd, a->addr[fd]);
        a->pending = -1;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        a->pending = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? AUTH_NO_CURVE
                                                                       : AUTH_BAD_HANDSHAKE;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        a->pending = AUTH_NOT_ZMTP;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: /* ZAP said no: logged there */
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        a->pending = -1;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (a->pending >= 0) {
            const char *addr = fd >= 0 && fd < FD_SLOTS ? a->addr[fd] : "";
            static const char *const why[AUTH_REASON_COUNT] = {
                [AUTH_NO_CURVE] = "no CURVE (a plain ZeroMQ client; this collector requires "
                                  "CURVE)",
                [AUTH_BAD_HANDSHAKE] = "the CURVE handshake failed (wrong collector public "
                                       "key, or not a sensor)",
                [AUTH_NOT_ZMTP] = "it closed during the ZeroMQ handshake (a client without "
                                  "CURVE, or not a ZeroMQ peer)",
            };
            log_reject(a, addr, (enum auth_reason)a->pending,
                       why[a->pending] ? why[a->pending] : "handshake failed");
        }
        a->pending = -1;
        if (fd >= 0 && fd < FD_SLOTS)
            a->addr[fd][0] = '\0';
        break;
    default:
        break;
    }
out:
    zmq_msg_close(&ev);
    zmq_msg_close(&ep);
}

static void set_ready(struct auth *a, int v, const char *err)
{
    pthread_mutex_lock(&a->lock);
    a->ready = v;
    if (err)
        snprintf(a->err, sizeof a->err, "%s", err);
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static void *auth_main(void *arg)
{
    struct auth *a = arg;
    void *zap = zmq_socket(a->zctx, ZMQ_REP);
    void *mon = zmq_socket(a->zctx, ZMQ_PAIR);
    int linger = 0;
    char err[600];
    if (!zap || !mon || zmq_setsockopt(zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof linger) != 0) {
        snprintf(err, sizeof err, "auth sockets: %s", zmq_strerror(errno));
        set_ready(a, -1, err);
        goto out;
    }
    if (zmq_bind(zap, AUTH_ZAP_ENDPOINT) != 0) {
        snprintf(err, sizeof err, "ZAP handler %s: %s", AUTH_ZAP_ENDPOINT, zmq_strerror(errno));
        set_ready(a, -1, err);
        goto out;
    }
    if (zmq_connect(mon, a->monitor_ep) != 0) {
        snprintf(err, sizeof err, "monitor %s: %s", a->monitor_ep, zmq_strerror(errno));
        set_ready(a, -1, err);
        goto out;
    }
    set_ready(a, 1, NULL);
    while (!atomic_load(&a->stop)) {
        zmq_pollitem_t it[2] = {{.socket = zap, .events = ZMQ_POLLIN},
                                {.socket = mon, .events = ZMQ_POLLIN}};
        int n = zmq_poll(it, 2, 100);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != ETERM)
                log_err("auth: poll: %s", zmq_strerror(errno));
            break;
        }
        if (it[0].revents & ZMQ_POLLIN)
            zap_handle(a, zap);
        if (it[1].revents & ZMQ_POLLIN)
            monitor_handle(a, mon);
        if (a->suppressed > 0)
            window_roll(a, tz_mono_us());
    }
out:
    if (zap)
        zmq_close(zap);
    if (mon)
        zmq_close(mon);
    return NULL;
}

int auth_start(struct auth **out, void *zctx, struct allow_list *allow, const char *monitor_ep,
               struct metrics *m, char *err, size_t errlen)
{
    *out = NULL;
    struct auth *a = calloc(1, sizeof *a);
    if (!a) {
        allow_close(allow);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->zctx = zctx;
    a->allow = allow;
    a->m = m;
    a->pending = -1;
    snprintf(a->monitor_ep, sizeof a->monitor_ep, "%s", monitor_ep);
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    if (pthread_create(&a->thread, NULL, auth_main, a) != 0) {
        snprintf(err, errlen, "cannot start the authentication thread");
        auth_stop(a);
        return -1;
    }
    a->started = 1;
    pthread_mutex_lock(&a->lock);
    while (a->ready == 0)
        pthread_cond_wait(&a->cond, &a->lock);
    int ok = a->ready == 1;
    pthread_mutex_unlock(&a->lock);
    if (!ok) {
        snprintf(err, errlen, "%s", a->err);
        auth_stop(a);
        return -1;
    }
    *out = a;
    return 0;
}

void auth_stop(struct auth *a)
{
    if (!a)
        return;
    if (a->started) {
        atomic_store(&a->stop, 1);
        pthread_join(a->thread, NULL);
    }
    allow_close(a->allow);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
