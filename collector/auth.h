/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - CURVE authentication of sensors. One thread owns two sockets in the receiver's
 * ZeroMQ context: the ZAP handler (RFC 27, inproc://zeromq.zap.01), which allows a CURVE
 * client only when its public key is in the allow list (keys.h) and answers with the
 * key's bound sensor id as the ZAP User-Id (the receiver refuses batches under another
 * sensor id), and a reader of the
 * ROUTER's monitor events, which sees the attempts ZAP never hears of (a client without
 * CURVE, a failed CURVE handshake). Every rejected attempt is counted and logged as
 * "rejected sensor connection from <ip>: <reason>" (at most AUTH_LOG_BURST lines per
 * AUTH_LOG_WINDOW_S, the rest counted). The peer address of a handshake failure is read
 * with getpeername() when the connection is accepted: best effort, "unknown" when the
 * connection was gone by then.
 */
#ifndef TZ_AUTH_H
#define TZ_AUTH_H

#include <stddef.h>

#include "keys.h"
#include "metrics.h"

#define AUTH_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define AUTH_LOG_BURST 50
#define AUTH_LOG_WINDOW_S 10

struct auth;

/* Starts the thread on zctx: binds the ZAP endpoint and connects to monitor_ep (where
 * zmq_socket_monitor() publishes the ROUTER's events). Takes allow (freed by auth_stop).
 * Returns once the ZAP handler is bound: 0, or -1 with err. */
int auth_start(struct auth **out, void *zctx, struct allow_list *allow, const char *monitor_ep,
               struct metrics *m, char *err, size_t errlen);
void auth_stop(struct auth *a);

#endif
