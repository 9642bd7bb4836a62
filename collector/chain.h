/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.h - the store's hash chain (BLAKE2b through libsodium's crypto_generichash), store
 * format 3. Every stored batch (and every retention run) is one chain entry whose hash
 * covers the previous hash and every column of its `batches` row, the compressed event
 * block included, so no stored byte is outside the chain; the index rows and summary
 * columns that are not hashed are re-derived from the block by `verify` (evblock.h).
 *   h_n = BLAKE2b-256("TZC3" | h_{n-1} | u64be id | u8 kind | u16be len(sensor) | sensor
 *         | u64be run | u64be batch_seq | u64be first_seq | u64be last_seq | u32be count
 *         | u64be first_pos | u64be events_end | u64be received | u32be len(body) | body)
 * h_0 (before the first batch ever stored) is 32 zero bytes.
 */
#ifndef TZ_CHAIN_H
#define TZ_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define CHAIN_HASH_LEN 32
#define CHAIN_HEX_LEN (2 * CHAIN_HASH_LEN + 1)

enum chain_kind { CHAIN_EVENTS = 0, CHAIN_RETENTION = 1 };

/* The hashed columns of one entry (body: the stored, compressed block; for a retention
 * entry the text that says what was removed). */
struct chain_entry {
    int64_t id;
    int kind;
    const char *sensor;
    uint64_t run, batch_seq, first_seq, last_seq;
    uint32_t count;
    int64_t first_pos, events_end, received;
    const void *body;
    size_t body_len;
};

/* Calls sodium_init(); returns 0, or -1 when libsodium cannot start. Thread-safe. */
int chain_init(void);
/* The hash of entry e following prev. */
void chain_entry_hash(const uint8_t prev[CHAIN_HASH_LEN], const struct chain_entry *e,
                      uint8_t out[CHAIN_HASH_LEN]);
/* Lower-case hex of a hash (out holds CHAIN_HEX_LEN bytes). */
void chain_hex(const uint8_t h[CHAIN_HASH_LEN], char out[CHAIN_HEX_LEN]);
/* Parses 64 hex digits; 0 or -1. */
int chain_unhex(const char *hex, uint8_t out[CHAIN_HASH_LEN]);

#endif
