/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seqstore.h - the sensor's persisted sequence numbers: the event `seq` and the batch
 * sequence, kept strictly increasing across restarts (EVENTS.md: "never reused across
 * restarts"). Numbers are reserved ahead in blocks: before a number of a new block is
 * handed out, the block's end is written to STATE_DIR/seq (temp file, fsync, rename,
 * fsync of the directory), so a crash at any point never hands a number out twice; a
 * clean close writes the exact next numbers, so a clean restart leaves no hole.
 * Without a state directory the numbers live in memory and start at 1.
 * The store also holds the sensor's `run` (common/wire.h): a random non-zero 64-bit id
 * drawn when there is no state directory, or when the directory holds no state file yet,
 * and kept in the file across restarts, so the collector tells a sensor that lost its
 * state (seq back at 1) from one that resends. A state file from before run ids keeps
 * run 0, the run its numbers were sent under. Owned by one thread (the publisher).
 */
#ifndef TZ_SEQSTORE_H
#define TZ_SEQSTORE_H

#include <stddef.h>
#include <stdint.h>

enum seq_kind { SEQ_EVENT = 0, SEQ_BATCH = 1 };

#define SEQSTORE_FILE "seq"
#define SEQSTORE_BLOCK_EVENT 10000u
#define SEQSTORE_BLOCK_BATCH 1000u

struct seqstore {
    char path[1100], tmp[1100], dir[1024];
    char sensor[65];
    int persist;             /* a state directory is in use */
    uint64_t next[2];        /* the next number to hand out */
    uint64_t limit[2];       /* on disk: numbers below limit may have been used */
    uint64_t block[2];
    int unclean;             /* the last run did not close the store (crash, SIGKILL) */
    int found;               /* a state file existed */
    uint64_t write_fail;     /* reservations that could not be written */
    uint64_t run;            /* this numbering's run id */
    int run_drawn;           /* 1: drawn at this open (no state dir, or a new one) */
    uint64_t prev_limit;     /* unclean: the event-seq block end the last run reserved */
};

/* A random run id, never 0 (libsodium). */
uint64_t seqstore_new_run(void);

/* Opens (or creates) DIR/seq for sensor_id; dir NULL or "" keeps numbers in memory from
 * 1 under a new run. Fails when the file holds another sensor's id or is not a state file. Returns 0 or
 * -1 with a message in err. */
int seqstore_open(struct seqstore *st, const char *dir, const char *sensor_id, char *err,
                  size_t errlen);
/* Makes the next number handed out at least `floor` (e.g. one past what a spool holds). */
int seqstore_raise(struct seqstore *st, enum seq_kind k, uint64_t floor);
/* The next number; persists a new block first when needed. A write failure is logged and
 * counted (write_fail) and the number is still handed out: capture never stops. */
uint64_t seqstore_take(struct seqstore *st, enum seq_kind k);
/* Writes the exact next numbers (a clean stop). Returns 0 or -1. */
int seqstore_close(struct seqstore *st);

#endif
