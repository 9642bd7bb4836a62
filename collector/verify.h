/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.h - `tanzhen-collector verify`: recomputes the store's hash chain (chain.h) over
 * every day file kept, from meta.db's anchor (where retention left the chain) to its head,
 * and names the first problem: the batch, its sensor and seq range, the day file, what
 * happened to the record (changed, deleted, reordered, inserted) and its seq when the
 * digests can tell it. Read-only; safe while the collector runs (each day file is read in
 * one snapshot, meta.db first).
 */
#ifndef TZ_VERIFY_H
#define TZ_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

struct verify_result {
    int64_t batches;        /* batches checked */
    int64_t events;         /* rows checked */
    int64_t first_id;       /* the first batch checked (the anchor) */
    int64_t head_id;        /* the last batch checked */
    uint8_t head_hash[CHAIN_HASH_LEN];
    int expired_files;      /* day files wholly before the anchor (retention pending) */
    int64_t fail_batch;     /* 0 when the chain holds */
    char kind[16];          /* changed, deleted, reordered, inserted */
    char line[1024];        /* the line to print: "verify: ok, ..." or "verify: FAILED ..." */
};

/* Returns 0 when the chain holds, 1 when it does not (vr->line names the first problem),
 * -1 when the store cannot be read (vr->line says why). */
int verify_store(const char *dir, struct verify_result *vr);

#endif
