/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.h - the store's hash chain (BLAKE2b through libsodium's crypto_generichash).
 * Every stored row has a 16-byte digest of its canonical bytes (sensor, seq, stored JSON);
 * every stored batch has a 32-byte hash over the previous batch's hash, its id, its row
 * count and its rows' digests in order. So changing, deleting, inserting or reordering a
 * row, or dropping a batch, breaks the chain, and the digests name the row. Layout:
 *   row digest  d = BLAKE2b-128(u16be len(sensor) | sensor | u64be seq | u32be len(json) | json)
 *   batch hash  h_n = BLAKE2b-256("TZC1" | h_{n-1} | u64be id | u32be count | d_1 | ... | d_count)
 * h_0 (before the first batch ever stored) is 32 zero bytes.
 */
#ifndef TZ_CHAIN_H
#define TZ_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define CHAIN_HASH_LEN 32
#define CHAIN_DIGEST_LEN 16
#define CHAIN_HEX_LEN (2 * CHAIN_HASH_LEN + 1)

/* Calls sodium_init(); returns 0, or -1 when libsodium cannot start. Thread-safe. */
int chain_init(void);
/* The digest of one row. */
void chain_row_digest(const char *sensor, uint64_t seq, const char *json, size_t json_len,
                      uint8_t out[CHAIN_DIGEST_LEN]);
/* The hash of batch `id` whose `count` row digests are `digests` (count * 16 bytes). */
void chain_batch_hash(const uint8_t prev[CHAIN_HASH_LEN], uint64_t id, uint32_t count,
                      const uint8_t *digests, uint8_t out[CHAIN_HASH_LEN]);
/* Lower-case hex of a hash (out holds CHAIN_HEX_LEN bytes). */
void chain_hex(const uint8_t h[CHAIN_HASH_LEN], char out[CHAIN_HEX_LEN]);

#endif
