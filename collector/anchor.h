/* SPDX-License-Identifier: Apache-2.0 */
/*
 * anchor.h - the chain head held outside the store: a checkpoint file signed with Ed25519
 * (libsodium crypto_sign), and the `chain` object of the collector's health event. The
 * signing key is derived from the collector's CURVE secret (receiver.server_key), so there
 * is no second secret to keep: seed = BLAKE2b-256(key "tanzhen-checkpoint-v1", CURVE
 * secret), key pair = crypto_sign_seed_keypair(seed). One checkpoint is one line:
 *   tanzhen-checkpoint 1 batch=N events=E hash=HEX time=RFC3339 key=PUBHEX sig=SIGHEX
 * where sig signs every byte before " sig=" (sig=none when the collector has no CURVE key).
 */
#ifndef TZ_ANCHOR_H
#define TZ_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

#define ANCHOR_FILE "checkpoint"
#define ANCHOR_LINE_MAX 512

struct anchor {
    int64_t batch, events;
    uint8_t hash[CHAIN_HASH_LEN];
    char time[32];      /* when it was written ("" for a head string) */
    int signed_;        /* 1: signature present and valid for key */
    uint8_t key[32];    /* the signer's public key (when signed_) */
    char source[160];   /* where it came from, for messages */
};

/* The checkpoint key pair from a 32-byte CURVE secret. */
void anchor_key_derive(const uint8_t curve_secret[32], uint8_t pk[32], uint8_t sk[64]);
/* Writes DIR/checkpoint atomically (temp file, fsync, rename, fsync of DIR). sk NULL:
 * unsigned. 0, or -1 with err. */
int anchor_write(const char *dir, int64_t batch, int64_t events, const uint8_t hash[CHAIN_HASH_LEN],
                 const uint8_t *pk, const uint8_t *sk, char *err, size_t errlen);
/* Reads an anchor from a file: a checkpoint line, or a JSON health event with a `chain`
 * object {batch, events, hash}. A checkpoint whose signature does not verify is an error.
 * 0, 1 when the file does not exist, -1 with err. */
int anchor_read_file(const char *path, struct anchor *a, char *err, size_t errlen);
/* Parses a head string "BATCH:EVENTS:HASH" (as /metrics and the health event give it).
 * 0 or -1 with err. */
int anchor_parse_head(const char *s, struct anchor *a, char *err, size_t errlen);

#endif
