/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chain.c - the entry hashes of the store's hash chain (see chain.h), with
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

void chain_entry_hash(const uint8_t prev[CHAIN_HASH_LEN], const struct chain_entry *e,
                      uint8_t out[CHAIN_HASH_LEN])
{
    crypto_generichash_state st;
    uint8_t head[4 + CHAIN_HASH_LEN + 8 + 1 + 2];
    size_t slen = e->sensor ? strlen(e->sensor) : 0;
    if (slen > 255)
        slen = 255; /* sensor ids are at most WIRE_SENSOR_MAX (64) bytes */
    memcpy(head, "TZC3", 4);
    memcpy(head + 4, prev, CHAIN_HASH_LEN);
    put_be(head + 36, (uint64_t)e->id, 8);
    head[44] = (uint8_t)e->kind;
    put_be(head + 45, slen, 2);
    uint8_t tail[8 * 4 + 4 + 8 * 3 + 4];
    put_be(tail, e->run, 8);
    put_be(tail + 8, e->batch_seq, 8);
    put_be(tail + 16, e->first_seq, 8);
    put_be(tail + 24, e->last_seq, 8);
    put_be(tail + 32, e->count, 4);
    put_be(tail + 36, (uint64_t)e->first_pos, 8);
    put_be(tail + 44, (uint64_t)e->events_end, 8);
    put_be(tail + 52, (uint64_t)e->received, 8);
    put_be(tail + 60, (uint64_t)e->body_len, 4);
    crypto_generichash_init(&st, NULL, 0, CHAIN_HASH_LEN);
    crypto_generichash_update(&st, head, sizeof head);
    crypto_generichash_update(&st, (const unsigned char *)(e->sensor ? e->sensor : ""), slen);
    crypto_generichash_update(&st, tail, sizeof tail);
    crypto_generichash_update(&st, e->body, e->body_len);
    crypto_generichash_final(&st, out, CHAIN_HASH_LEN);
}

void chain_hex(const uint8_t h[CHAIN_HASH_LEN], char out[CHAIN_HEX_LEN])
{
    sodium_bin2hex(out, CHAIN_HEX_LEN, h, CHAIN_HASH_LEN);
}

int chain_unhex(const char *hex, uint8_t out[CHAIN_HASH_LEN])
{
    size_t n = 0;
    if (strlen(hex) != 2 * CHAIN_HASH_LEN ||
        sodium_hex2bin(out, CHAIN_HASH_LEN, hex, 2 * CHAIN_HASH_LEN, NULL, &n, NULL) != 0 ||
        n != CHAIN_HASH_LEN)
        return -1;
    return 0;
}
