/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.h - the sensor's queue of unacked batches: a FIFO ordered by batch_seq whose
 * entries are acked in any order. Bodies live in memory (up to mem_batches of them) and,
 * when a directory is given, every batch is also appended to a bounded on-disk spool of
 * segment files before it is sent (write-ahead), so a sensor killed with SIGKILL finds its
 * unacked batches again at the next start, in order. See spool.c for the file format and
 * the fsync policy.
 *
 * Bounds: without a directory at most mem_batches entries; with one at most max_bytes of
 * segment files. When a batch does not fit, the caller chooses: drop the oldest unacked
 * data (live capture: reported in struct spool_loss) or get SPOOL_FULL and wait for acks
 * (replay). One thread owns a spool.
 */
#ifndef TZ_SPOOL_H
#define TZ_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_REC_HDR 48
#define SPOOL_SYNC_MS 1000 /* the publisher fdatasyncs the open segment at most this often */

struct spool_ent {
    uint64_t batch_seq, first_seq;
    uint32_t count;   /* events */
    uint32_t len;     /* body bytes */
    char *mem;        /* the body in memory, or NULL: read it from its segment */
    uint64_t seg;     /* segment id holding it, 0 when it is in memory only */
    uint64_t off;     /* offset of its record in the segment */
    uint8_t done;     /* acked or dropped: a tombstone until it reaches the head */
    /* delivery state, kept here for the publisher */
    uint8_t retry;    /* the collector answered RETRY */
    uint32_t sends;   /* times sent */
    uint64_t sent_us; /* monotonic time of the last send; 0: not sent since load/reconnect */
    uint64_t due_us;  /* RETRY: not before this time */
};

struct spool_cfg {
    const char *dir;      /* NULL or "": memory only */
    uint64_t max_bytes;   /* bound of the segment files */
    uint32_t mem_batches; /* bodies kept in memory */
};

/* What spool_append dropped to make room: the oldest unacked batches. */
struct spool_loss {
    uint64_t batches, events;
    uint64_t first_seq, last_seq; /* event seq range (first_seq 0: nothing lost) */
};

struct spool_stats {
    uint64_t batches, events; /* unacked */
    uint64_t mem_batches;     /* unacked with the body in memory */
    uint64_t disk_bytes;      /* segment files */
    uint64_t segments;
    uint64_t loaded_batches;  /* unacked batches found at open */
    uint64_t loaded_events;
    uint64_t corrupt;         /* records refused at open or at read (bad checksum, magic) */
    uint64_t torn;            /* incomplete records cut off a segment's end at open */
    uint64_t write_errors;
};

enum { SPOOL_OK = 0, SPOOL_FULL = 1, SPOOL_ERR = -1 };

struct spool;

/* Opens the spool (creating dir), loads every valid record of its segment files in order
 * and truncates a torn or corrupt tail. Returns 0 or -1 with a message in err. */
int spool_open(struct spool **out, const struct spool_cfg *cfg, char *err, size_t errlen);
/* Syncs and frees. */
void spool_close(struct spool *sp);
/* Largest body the spool takes (a batch must not be bigger). */
uint32_t spool_max_body(const struct spool *sp);
/* Appends a batch (batch_seq above every batch in the spool). When it does not fit: with
 * may_drop the oldest unacked batches are dropped and added to *loss; without it nothing
 * changes and SPOOL_FULL is returned. SPOOL_ERR: a disk write failed and memory was full
 * too (logged and counted), or the body is larger than spool_max_body. */
int spool_append(struct spool *sp, uint64_t batch_seq, uint64_t first_seq, uint32_t count,
                 const void *body, uint32_t len, int may_drop, struct spool_loss *loss);
/* Marks a batch acked (or dropped by the caller) and frees what it held; returns its entry
 * (valid until the next spool call) or NULL when it is not in the spool. */
const struct spool_ent *spool_ack(struct spool *sp, uint64_t batch_seq);
/* The unacked entry holding batch_seq, or NULL. */
struct spool_ent *spool_find(struct spool *sp, uint64_t batch_seq);
/* The unacked entries in order: start with *pos = 0; NULL at the end. */
struct spool_ent *spool_iter(struct spool *sp, size_t *pos);
/* The body of e: e->mem, or its record read from disk into buf (cap bytes) with the
 * checksum verified. NULL when it cannot be read (logged, counted as corrupt). */
const char *spool_body(struct spool *sp, const struct spool_ent *e, char *buf, size_t cap);
/* fdatasync of the open segment when something was written since the last sync. */
int spool_sync(struct spool *sp);
/* Highest batch_seq and highest event seq (first_seq + count - 1) ever held, 0 if none. */
void spool_high(const struct spool *sp, uint64_t *batch_seq, uint64_t *seq);
void spool_get_stats(const struct spool *sp, struct spool_stats *st);

#endif
