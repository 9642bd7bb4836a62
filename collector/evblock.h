/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evblock.h - the stored form of one batch's events (store format 3): a block of records,
 * compressed as a whole with zstd (RFC 8878) into the `body` of its `batches` row, and the
 * index keys and summary (time range, topics) derived from the same events. The writer
 * (store.c), the forwarder (outbox.c), `verify` and the query (store_query.c) all read
 * blocks through this file, so they agree on every byte. One record, little-endian:
 *   u8 type | u64 seq | i64 ts_us | u16 len(community_id) | community_id | u32 len(line) | line
 * `line` is the event exactly as received; type, seq, ts and community_id are copies of its
 * fields that `verify` re-derives from the line and compares. Index keys (one row per
 * distinct key per batch): "a<ip>" (src or dst address), "p<proto>", "t<type>", "o<op>",
 * "s<status>".
 */
#ifndef TZ_EVBLOCK_H
#define TZ_EVBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

#define EVB_REC_FIXED 23        /* record bytes besides community_id and line */
#define EVB_CID_MAX 255
#define EVB_KEY_MAX 128         /* bytes of one index key, NUL included */
#define EVB_MAX_RAW (256u << 20) /* a block never decompresses beyond this */

/* The fields of one event the store indexes; pointers are not owned. */
struct evb_fields {
    enum ev_type type;
    int64_t seq, ts_us;
    const char *sensor, *proto, *src_ip, *dst_ip, *community_id, *op, *status;
};

/* One record as read back; pointers point into the decompressed block. */
struct evb_rec {
    enum ev_type type;
    int64_t seq, ts_us;
    const char *cid;
    size_t cid_len;
    const char *line;
    size_t line_len;
};

/* A growable byte buffer (capped at EVB_MAX_RAW). */
struct evb_buf {
    uint8_t *p;
    size_t len, cap;
};

/* A set of distinct index keys (sorted on evb_keys_finish), with an open-addressing hash
 * of their indexes so adding one is O(1) whatever the batch holds. */
struct evb_keys {
    char (*k)[EVB_KEY_MAX];
    size_t n, cap;
    uint32_t *slot; /* index + 1, 0 empty; nslot a power of two, at most half full */
    size_t nslot;
};

int evb_buf_reserve(struct evb_buf *b, size_t more);
void evb_buf_free(struct evb_buf *b);

/* Appends one record; 0, or -1 when the block would pass EVB_MAX_RAW or memory runs out. */
int evb_append(struct evb_buf *raw, const struct evb_fields *f, const char *line, size_t len);
/* Reads the record at *off and advances it; 1 read, 0 at the end, -1 malformed. */
int evb_next(const uint8_t *raw, size_t len, size_t *off, struct evb_rec *r);

/* Adds the keys of one event (duplicates are dropped). 0 or -1 (out of memory). */
int evb_keys_add(struct evb_keys *k, const struct evb_fields *f);
void evb_keys_finish(struct evb_keys *k); /* sorts */
void evb_keys_clear(struct evb_keys *k);
void evb_keys_free(struct evb_keys *k);
/* The key for one filter: kind 'a', 'p', 't', 'o' or 's'. 0, or -1 when it does not fit. */
int evb_key(char kind, const char *value, char out[EVB_KEY_MAX]);

/* The fields of one stored line, parsed again from its JSON (for verify and the query).
 * `hold` keeps the parsed tree alive while f is used; release it with evb_fields_release.
 * Returns 0, or -1 when the line is not an event object. */
int evb_fields_parse(const char *line, size_t len, struct evb_fields *f, void **hold);
void evb_fields_release(void *hold);
/* The fields of a parsed event (the store's path: no second parse). */
void evb_fields_of(const struct ev *e, struct evb_fields *f);

/* zstd, one frame per block. evb_compress: 0 or -1. evb_decompress: the raw size, or -1
 * (damaged, or larger than EVB_MAX_RAW). The contexts are per thread (thread-local). */
int evb_compress(const struct evb_buf *raw, int level, struct evb_buf *out);
long evb_decompress(const void *z, size_t zlen, struct evb_buf *out);

#endif
