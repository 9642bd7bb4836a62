/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify_int.h - what verify.c (the walk over day files, the chain and the anchors) and
 * verify_block.c (one batch row against its own block and index keys) share. Private.
 */
#ifndef TZ_VERIFY_INT_H
#define TZ_VERIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "evblock.h"
#include "verify.h"

/* One `batches` row as stored. */
struct vrow {
    int64_t id, kind, run, batch_seq, first_seq, last_seq, count, first_pos, events_end;
    int64_t received, ts_min, ts_max, topics;
    char sensor[80];
    const void *body; /* borrowed from the statement */
    size_t body_len;
    uint8_t prev[CHAIN_HASH_LEN], hash[CHAIN_HASH_LEN];
    int prev_ok, hash_ok; /* the blobs had the right length */
};

/* The `keys` rows of one batch, sorted. */
struct vkeys {
    char (*k)[EVB_KEY_MAX];
    size_t n, cap;
};

/* What verify_block found. */
enum {
    VB_OK = 0,
    VB_ROW = 1,     /* a hashed row column disagrees with the block (count, seqs, sensor) */
    VB_DERIVED = 2, /* a derived column disagrees (ts_min, ts_max, topics, keys) */
    VB_BODY = 3,    /* the block itself: it does not decompress, or a record's copies
                     * disagree with its line */
};

/* Checks a batch row of kind CHAIN_EVENTS against its block and keys: writes the problem
 * (column and detail) into why and returns a VB_ code, VB_OK when all agree. scratch is
 * reused between calls. */
int verify_block(const struct vrow *r, const struct vkeys *keys, struct evb_buf *scratch,
                 char *why, size_t whylen);

#endif
