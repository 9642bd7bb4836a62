/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evblock.c - the block of records a stored batch keeps, its index keys, and its zstd
 * compression (see evblock.h). Record fields are written byte by byte in little-endian
 * order and read back through bounds checks, so a damaged block is reported, never
 * over-read. Keys are collected in an array with a small hash over it and sorted once per
 * batch.
 */
#include "evblock.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "tztime.h"

int evb_buf_reserve(struct evb_buf *b, size_t more)
{
    if (more > EVB_MAX_RAW || b->len > EVB_MAX_RAW - more)
        return -1;
    if (b->len + more <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < b->len + more)
        ncap *= 2;
    uint8_t *np = realloc(b->p, ncap);
    if (!np)
        return -1;
    b->p = np;
    b->cap = ncap;
    return 0;
}

void evb_buf_free(struct evb_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int evb_append(struct evb_buf *raw, const struct evb_fields *f, const char *line, size_t len)
{
    size_t clen = f->community_id ? strlen(f->community_id) : 0;
    if (clen > EVB_CID_MAX)
        clen = 0; /* not a Community ID; the line keeps it */
    if (len > UINT32_MAX || evb_buf_reserve(raw, EVB_REC_FIXED + clen + len) != 0)
        return -1;
    uint8_t *p = raw->p + raw->len;
    p[0] = (uint8_t)f->type;
    put_le(p + 1, (uint64_t)f->seq, 8);
    put_le(p + 9, (uint64_t)f->ts_us, 8);
    put_le(p + 17, clen, 2);
    memcpy(p + 19, f->community_id ? f->community_id : "", clen);
    put_le(p + 19 + clen, len, 4);
    memcpy(p + 23 + clen, line, len);
    raw->len += EVB_REC_FIXED + clen + len;
    return 0;
}

int evb_next(const uint8_t *raw, size_t len, size_t *off, struct evb_rec *r)
{
    size_t o = *off;
    if (o == len)
        return 0;
    if (o > len || len - o < EVB_REC_FIXED)
        return -1;
    const uint8_t *p = raw + o;
    if (p[0] >= EV_TYPE_COUNT)
        return -1;
    r->type = (enum ev_type)p[0];
    r->seq = (int64_t)get_le(p + 1, 8);
    r->ts_us = (int64_t)get_le(p + 9, 8);
    r->cid_len = (size_t)get_le(p + 17, 2);
    if (len - o - EVB_REC_FIXED < r->cid_len)
        return -1;
    r->cid = (const char *)p + 19;
    r->line_len = (size_t)get_le(p + 19 + r->cid_len, 4);
    if (len - o - EVB_REC_FIXED - r->cid_len < r->line_len)
        return -1;
    r->line = (const char *)p + 23 + r->cid_len;
    *off = o + EVB_REC_FIXED + r->cid_len + r->line_len;
    return 1;
}

int evb_key(char kind, const char *value, char out[EVB_KEY_MAX])
{
    size_t n = strlen(value);
    if (n + 2 > EVB_KEY_MAX)
        return -1;
    out[0] = kind;
    memcpy(out + 1, value, n + 1);
    return 0;
}

static uint32_t key_hash(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* Rebuilds the hash at twice the size. 0 or -1. */
static int slots_grow(struct evb_keys *k)
{
    size_t ns = k->nslot ? k->nslot * 2 : 256;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl)
        return -1;
    for (size_t i = 0; i < k->n; i++) {
        size_t j = key_hash(k->k[i]) & (ns - 1);
        while (sl[j])
            j = (j + 1) & (ns - 1);
        sl[j] = (uint32_t)i + 1;
    }
    free(k->slot);
    k->slot = sl;
    k->nslot = ns;
    return 0;
}

static int key_add(struct evb_keys *k, char kind, const char *value)
{
    char key[EVB_KEY_MAX];
    if (!value || !value[0] || evb_key(kind, value, key) != 0)
        return 0; /* absent or too long to index: the event is still stored */
    if ((k->n + 1) * 2 > k->nslot && slots_grow(k) != 0)
        return -1;
    size_t j = key_hash(key) & (k->nslot - 1);
    while (k->slot[j]) {
        if (strcmp(k->k[k->slot[j] - 1], key) == 0)
            return 0;
        j = (j + 1) & (k->nslot - 1);
    }
    if (k->n == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 32;
        void *nk = realloc(k->k, ncap * sizeof *k->k);
        if (!nk)
            return -1;
        k->k = nk;
        k->cap = ncap;
    }
    memcpy(k->k[k->n], key, strlen(key) + 1);
    k->slot[j] = (uint32_t)++k->n;
    return 0;
}

int evb_keys_add(struct evb_keys *k, const struct evb_fields *f)
{
    if (key_add(k, 'a', f->src_ip) != 0 || key_add(k, 'a', f->dst_ip) != 0 ||
        key_add(k, 'p', f->proto) != 0 || key_add(k, 't', ev_type_name(f->type)) != 0 ||
        key_add(k, 'o', f->op) != 0 || key_add(k, 's', f->status) != 0)
        return -1;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(a, b);
}

void evb_keys_finish(struct evb_keys *k)
{
    if (k->n > 1)
        qsort(k->k, k->n, sizeof *k->k, cmp_key);
    if (k->slot) /* the indexes moved: no more adds until cleared */
        memset(k->slot, 0, k->nslot * sizeof *k->slot);
}

void evb_keys_clear(struct evb_keys *k)
{
    if (k->slot && k->n)
        memset(k->slot, 0, k->nslot * sizeof *k->slot);
    k->n = 0;
}

void evb_keys_free(struct evb_keys *k)
{
    free(k->k);
    free(k->slot);
    memset(k, 0, sizeof *k);
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int evb_fields_parse(const char *line, size_t len, struct evb_fields *f, void **hold)
{
    memset(f, 0, sizeof *f);
    *hold = NULL;
    json_t *root = json_loadb(line, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    *hold = root;
    const char *type = str_of(root, "type");
    f->type = EV_TYPE_COUNT;
    for (int t = 0; type && t < EV_TYPE_COUNT; t++)
        if (strcmp(type, ev_type_name((enum ev_type)t)) == 0)
            f->type = (enum ev_type)t;
    json_t *seq = json_object_get(root, "seq");
    f->seq = json_is_integer(seq) ? json_integer_value(seq) : -1;
    const char *ts = str_of(root, "ts");
    uint64_t us = 0;
    f->ts_us = ts && tz_time_parse(ts, &us) == 0 ? (int64_t)us : -1;
    f->sensor = str_of(root, "sensor");
    f->proto = str_of(root, "proto");
    f->community_id = str_of(root, "community_id");
    f->op = str_of(root, "op");
    f->status = str_of(root, "status");
    json_t *src = json_object_get(root, "src"), *dst = json_object_get(root, "dst");
    f->src_ip = json_is_object(src) ? str_of(src, "ip") : NULL;
    f->dst_ip = json_is_object(dst) ? str_of(dst, "ip") : NULL;
    return f->type == EV_TYPE_COUNT ? -1 : 0;
}

void evb_fields_release(void *hold)
{
    json_decref(hold);
}

void evb_fields_of(const struct ev *e, struct evb_fields *f)
{
    f->type = e->type;
    f->seq = e->seq;
    f->ts_us = e->ts_us;
    f->sensor = e->sensor;
    f->proto = e->proto;
    f->src_ip = e->src_ip;
    f->dst_ip = e->dst_ip;
    f->community_id = e->community_id;
    f->op = e->root ? str_of(e->root, "op") : NULL;
    f->status = e->root ? str_of(e->root, "status") : NULL;
}

static _Thread_local ZSTD_CCtx *cctx;
static _Thread_local ZSTD_DCtx *dctx;

int evb_compress(const struct evb_buf *raw, int level, struct evb_buf *out)
{
    if (!cctx && !(cctx = ZSTD_createCCtx()))
        return -1;
    size_t bound = ZSTD_compressBound(raw->len);
    out->len = 0;
    if (evb_buf_reserve(out, bound) != 0)
        return -1;
    size_t n = ZSTD_compressCCtx(cctx, out->p, out->cap, raw->p, raw->len, level);
    if (ZSTD_isError(n))
        return -1;
    out->len = n;
    return 0;
}

long evb_decompress(const void *z, size_t zlen, struct evb_buf *out)
{
    out->len = 0;
    unsigned long long size = ZSTD_getFrameContentSize(z, zlen);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > EVB_MAX_RAW)
        return -1;
    if (!dctx && !(dctx = ZSTD_createDCtx()))
        return -1;
    if (evb_buf_reserve(out, (size_t)size + 1) != 0)
        return -1;
    size_t n = ZSTD_decompressDCtx(dctx, out->p, (size_t)size + 1, z, zlen);
    if (ZSTD_isError(n) || n != size)
        return -1;
    out->len = n;
    return (long)n;
}
