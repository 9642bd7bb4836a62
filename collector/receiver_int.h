/* SPDX-License-Identifier: Apache-2.0 */
/*
 * receiver_int.h - private to receiver.c and receiver_group.c: the receiver's state (struct
 * receiver), its message slots and its commit groups, and the per-group steps that
 * receiver_group.c implements (collect the parsed batches, commit them in one transaction,
 * set each slot's status and counters after the commit). Not for other modules.
 */
#ifndef TZ_RECEIVER_INT_H
#define TZ_RECEIVER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "batch.h"
#include "receiver.h"
#include "store.h"
#include "wire.h"
#include "worker.h"

#define RECV_REFUSE_LOG_US 30000000u  /* refused batches: one log line per 30 s at most */

enum { ST_PARSED = -1 }; /* parsed, waiting for the store */

struct slot {
    zmq_msg_t fr[3]; /* identity, header, body */
    int kept;
    struct batch batch;
    uint64_t batch_seq;
    uint8_t version; /* of the batch header, answered in the same version (1 when unread) */
    int status;      /* an ack status, or ST_PARSED */
    uint16_t reason; /* enum wire_ack_reason */
    struct store_put_result res;
};

/* A group of batches read together and stored in one transaction. The commit (job.run) runs
 * on the store thread and touches nothing but the store and the fields marked so. */
struct group {
    struct worker_job job; /* first: the worker hands back &job */
    struct receiver *r;
    struct slot *slot;     /* RECV_GROUP slots */
    size_t n;              /* messages read into them */
    struct batch *b[RECV_GROUP]; /* the parsed ones (k of them): the commit's input */
    size_t idx[RECV_GROUP];
    size_t k;
    int keep;              /* stored batches stay parsed after the acks, for the engine */
    struct store_put_result res[RECV_GROUP]; /* the commit's output */
    int rc;
    char err[512];
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
    struct slot *slot; /* 2 x RECV_GROUP for the groups, then one for receiver_handle */
    struct group grp[2];
    struct group *fill;     /* the group read into next */
    struct group *inflight; /* the group with the store thread, or NULL */
    struct worker *store_thread; /* NULL: commits inline (no socket) */
    uint64_t refused, refused_unlogged, refuse_log_us;
    char self_id[WIRE_SENSOR_MAX + 1];
    int health_interval_s;
    uint64_t started_us;
    struct an_sink *an;    /* the analytics engine; NULL: none */
};

/* Slots: two groups of RECV_GROUP, then receiver_handle's, then the one the engine's own
 * output is stored through while receiver_handle's batch is still being fed. */
#define SLOT_HANDLE (2 * RECV_GROUP)
#define SLOT_OWN (2 * RECV_GROUP + 1)
#define SLOTS (2 * RECV_GROUP + 2)

/* Counts and logs a malformed batch (rate-limited); returns WIRE_ACK_REJECTED. */
int receiver_reject(struct receiver *r, const char *sensor, const char *why);

/* receiver_group.c */
void receiver_refuse_mismatch(struct receiver *r, struct slot *sl, const char *bound);
void receiver_classify_restart(struct receiver *r, const struct batch *b);
void receiver_group_collect(struct group *g, struct slot *sl, size_t n, int keep);
void receiver_group_commit(struct worker_job *j);
void receiver_group_finish(struct receiver *r, struct group *g);
void receiver_store_group(struct receiver *r, struct slot *sl, size_t n, int keep);

#endif
