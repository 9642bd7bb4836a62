/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.c - row digests and batch hashes of the store's hash chain (see chain.h), with
 * libsodium's crypto_generichash (BLAKE2b, RFC 7693). Big-endian length and number
 * prefixes make the canonical bytes unambiguous: no two different rows hash alike by
 * moving bytes between fields.
 */
#include "chain.h"

#include <sodium.h>
#include <string.h>

int chain_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

void chain_row_digest(const char *sensor, uint64_t seq, const char *json, size_t json_len,
                      uint8_t out[CHAIN_DIGEST_LEN])
{
    crypto_generichash_state st;
    uint8_t head[2 + 255 + 8 + 4];
    size_t slen = strlen(sensor);
    if (slen > 255)
        slen = 255; /* sensor ids are at most WIRE_SENSOR_MAX (64) bytes */
    size_t n = 0;
    put_be(head, slen, 2);
    n += 2;
    memcpy(head + n, sensor, slen);
    n += slen;
    put_be(head + n, seq, 8);
    n += 8;
    put_be(head + n, (uint64_t)json_len, 4);
    n += 4;
    crypto_generichash_init(&st, NULL, 0, CHAIN_DIGEST_LEN);
    crypto_generichash_update(&st, head, n);
    crypto_generichash_update(&st, (const unsigned char *)json, json_len);
    crypto_generichash_final(&st, out, CHAIN_DIGEST_LEN);
}

void chain_batch_hash(const uint8_t prev[CHAIN_HASH_LEN], uint64_t id, uint32_t count,
                      const uint8_t *digests, uint8_t out[CHAIN_HASH_LEN])
{
    crypto_generichash_state st;
    uint8_t head[4 + CHAIN_HASH_LEN + 8 + 4];
    memcpy(head, "TZC1", 4);
    memcpy(head + 4, prev, CHAIN_HASH_LEN);
    put_be(head + 4 + CHAIN_HASH_LEN, id, 8);
    put_be(head + 12 + CHAIN_HASH_LEN, count, 4);
    crypto_generichash_init(&st, NULL, 0, CHAIN_HASH_LEN);
    crypto_generichash_update(&st, head, sizeof head);
    crypto_generichash_update(&st, digests, (size_t)count * CHAIN_DIGEST_LEN);
    crypto_generichash_final(&st, out, CHAIN_HASH_LEN);
}

void chain_hex(const uint8_t h[CHAIN_HASH_LEN], char out[CHAIN_HEX_LEN])
{
    sodium_bin2hex(out, CHAIN_HEX_LEN, h, CHAIN_HASH_LEN);
}
