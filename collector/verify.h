/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.h - `tanzhen-collector verify`: walks the store's hash chain (chain.h, format 3)
 * over every day file kept, from where the chain's own retention entries say it starts to
 * its head, and names the first problem: the batch, its sensor and seq range, the day file,
 * what happened (changed, deleted, inserted) and the column. Hashed columns are recomputed;
 * the others (time range, topics, index keys, the per-record copies of type, seq, ts and
 * community_id) are derived again from the stored lines and compared. Then the head is held
 * against every anchor (anchor.h): meta.db's head, the store's signed checkpoint, and those
 * given on the command line; a store that ends before an anchor has lost its tail.
 * Read-only; safe while the collector runs (each day file is read in one snapshot).
 */
#ifndef TZ_VERIFY_H
#define TZ_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "anchor.h"
#include "chain.h"

#define VERIFY_MAX_ANCHORS 8

struct verify_opts {
    const struct anchor *anchors; /* given anchors (besides DIR/checkpoint) */
    size_t nanchors;
    const uint8_t *key;           /* the collector's checkpoint public key, or NULL */
};

struct verify_result {
    int64_t batches;        /* chain entries checked */
    int64_t events;         /* events checked */
    int64_t first_id;       /* the first entry checked */
    int64_t head_id;        /* the last entry checked */
    int64_t head_events;
    uint8_t head_hash[CHAIN_HASH_LEN];
    int64_t removed_to;     /* entries up to this were removed by recorded retention runs */
    int expired_files;      /* day files wholly removed by retention but still there */
    int anchors_checked;
    int no_meta;            /* meta.db is absent */
    int64_t fail_batch;     /* 0 when the chain holds */
    char kind[16];          /* changed, deleted, inserted */
    char notes[1024];       /* what the anchors were, one per line */
    char line[1024];        /* "verify: ok, ..." or "verify: FAILED ..." */
};

/* Returns 0 when the chain holds, 1 when it does not (vr->line names the first problem),
 * -1 when the store cannot be read (vr->line says why). o may be NULL. */
int verify_store(const char *dir, const struct verify_opts *o, struct verify_result *vr);

#endif
