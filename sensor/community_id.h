/* SPDX-License-Identifier: Apache-2.0 */
/*
 * community_id.h - Community ID v1 flow hashes (the Corelight spec, seed 0), so tanzhen
 * events join with Zeek, Suricata and Malcolm records; and the deterministic event ids.
 * SHA-1 comes from libgcrypt, base64 and SipHash (the event ids) from libsodium.
 */
#ifndef TZ_COMMUNITY_ID_H
#define TZ_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 31 /* "1:" + 28 base64 characters + NUL, rounded up */
#define EVENT_ID_LEN 33     /* 32 hex characters + NUL */

/* Call once before threads start. Returns 0 or -1. */
int community_id_init(void);
/* ipver 4 or 6; addresses as 16-byte arrays (IPv4 in the first 4 bytes). */
void community_id_v1(uint8_t ipver, uint8_t l4proto, const uint8_t *sip, const uint8_t *dip,
                     uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN]);
/* A deterministic event id from the bytes that identify the event. */
void event_id(const void *material, size_t n, char out[EVENT_ID_LEN]);

#endif
