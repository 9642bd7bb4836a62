/* SPDX-License-Identifier: Apache-2.0 */
/*
 * community_id.c - Community ID v1 and event ids (see community_id.h). The v1 hash is
 * base64(SHA1(seed u16 | lesser addr | greater addr | proto u8 | 0 u8 | lesser port u16 |
 * greater port u16)), endpoints ordered by address then port, all in network order.
 */
#include "community_id.h"

#include <gcrypt.h>
#include <sodium.h>
#include <string.h>

int community_id_init(void)
{
    if (!gcry_check_version(NULL))
        return -1;
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return sodium_init() < 0 ? -1 : 0;
}

void community_id_v1(uint8_t ipver, uint8_t l4proto, const uint8_t *sip, const uint8_t *dip,
                     uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
    size_t alen = ipver == 6 ? 16 : 4;
    int cmp = memcmp(sip, dip, alen);
    int swap = cmp > 0 || (cmp == 0 && sport > dport);
    const uint8_t *a = swap ? dip : sip, *b = swap ? sip : dip;
    uint16_t pa = swap ? dport : sport, pb = swap ? sport : dport;
    uint8_t buf[2 + 32 + 2 + 4];
    size_t n = 0;
    buf[n++] = 0; /* seed 0, big-endian */
    buf[n++] = 0;
    memcpy(buf + n, a, alen);
    n += alen;
    memcpy(buf + n, b, alen);
    n += alen;
    buf[n++] = l4proto;
    buf[n++] = 0;
    buf[n++] = (uint8_t)(pa >> 8);
    buf[n++] = (uint8_t)pa;
    buf[n++] = (uint8_t)(pb >> 8);
    buf[n++] = (uint8_t)pb;
    uint8_t digest[20];
    gcry_md_hash_buffer(GCRY_MD_SHA1, digest, buf, n);
    out[0] = '1';
    out[1] = ':';
    sodium_bin2base64(out + 2, COMMUNITY_ID_LEN - 2, digest, sizeof digest,
                      sodium_base64_VARIANT_ORIGINAL);
}

/*
 * Event ids: SipHash-2-4 with a 128-bit output (libsodium's crypto_shorthash_siphashx24)
 * under a fixed, public key: deterministic across runs and sensors, unique in practice
 * (128 bits), and about a fifth of the cost of BLAKE2b on these 50-byte inputs. It is an
 * identifier, not a MAC: integrity is the collector's hash chain's job.
 */
void event_id(const void *material, size_t n, char out[EVENT_ID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    static const uint8_t key[crypto_shorthash_siphashx24_KEYBYTES] = "tanzhen event id";
    uint8_t h[crypto_shorthash_siphashx24_BYTES];
    _Static_assert(sizeof h == 16, "32 hex characters");
    crypto_shorthash_siphashx24(h, material, n, key);
    for (size_t i = 0; i < sizeof h; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[2 * sizeof h] = '\0';
}
