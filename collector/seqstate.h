/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seqstate.h - what the collector knows of each sensor run's event sequence: the highest
 * seq stored and the gaps below it that are still open. A run (wire.h) is one life of a
 * sensor's numbering, so the state is kept per (sensor, run): a sensor restarted without
 * its state draws a new run and its seqs, back at 1, are new. An event is new when its seq
 * is above the highest or inside an open gap, so (sensor, run, seq) stays unique across
 * day files and a late resend fills its gap instead of being dropped. A seq above
 * highest + 1 opens a gap (logged once by the caller, counted here). Runs start at seq 1
 * (EVENTS.md), so a run whose first seq is 5 has the gap 1..4. One thread owns a struct
 * seqstate.
 */
#ifndef TZ_SEQSTATE_H
#define TZ_SEQSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SEQ_MAX_SENSORS 4096 /* (sensor, run) pairs; a batch beyond this is rejected */
#define SEQ_MAX_GAPS 4096    /* open gaps kept per sensor; the oldest is given up beyond */

struct seq_gap {
    uint64_t from, to; /* inclusive */
};

struct sensor_state {
    char id[WIRE_SENSOR_MAX + 1];
    uint64_t run;               /* the run id (0: a version-1 sender) */
    int seen;                   /* anything stored yet */
    uint64_t last_seq;          /* highest seq stored */
    struct seq_gap *gaps;       /* open gaps, ascending and disjoint; owned */
    size_t ngaps, gcap;
    uint64_t events;            /* events stored */
    uint64_t duplicates;        /* events dropped as already stored */
    uint64_t gaps_total;        /* gaps ever opened */
    uint64_t gap_events;        /* events missing when their gap opened, summed */
    uint64_t open_gap_events;   /* events still missing (sum of the open gaps) */
    uint64_t filled;            /* events that arrived late, into a gap */
    uint64_t gaps_given_up;     /* gaps dropped from tracking (SEQ_MAX_GAPS) */
    uint64_t last_batch_seq;
    int64_t first_seen_us, last_seen_us;
    int dirty;                  /* changed since the owner last saved it */
};

struct seqstate {
    struct sensor_state **s; /* sorted by (id, run); each owned */
    size_t n, cap;
};

/* Frees every sensor's state and the table. */
void seqstate_free(struct seqstate *t);
/* The state of run `run` of sensor `id`, created when `create` is set (NULL when absent,
 * out of memory or past SEQ_MAX_SENSORS). */
struct sensor_state *seqstate_get(struct seqstate *t, const char *id, uint64_t run, int create);
/* How many runs of sensor `id` are known; *latest (may be NULL) gets the one seen last. */
size_t seqstate_runs(const struct seqstate *t, const char *id, const struct sensor_state **latest);
/* Is seq not stored yet (above the highest, or inside an open gap)? */
int seqstate_is_new(const struct sensor_state *s, uint64_t seq);
/* Records seq as stored. Returns 1 and fills *gap when it opened a gap, 0 otherwise, -1
 * when out of memory (the state is unchanged). */
int seqstate_mark(struct sensor_state *s, uint64_t seq, struct seq_gap *gap);
/* Adds an open gap as loaded from the store (ascending order expected). 0 or -1. */
int seqstate_add_gap(struct sensor_state *s, uint64_t from, uint64_t to);

#endif
