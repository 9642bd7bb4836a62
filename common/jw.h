/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jw.h - a bounded JSON writer for emitting events (RFC 8259 output only; parsing is
 * jansson's job in the collector). Writes into a caller-owned buffer, never allocates;
 * overflow is sticky (w->err) and the caller drops and counts the event. Keys are NULL
 * inside arrays. Nesting is limited to JW_MAX_DEPTH.
 */
#ifndef TZ_JW_H
#define TZ_JW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JW_MAX_DEPTH 16

struct jw {
    char *buf;
    size_t cap;
    size_t len;
    int err;
    int depth;
    uint8_t first[JW_MAX_DEPTH]; /* 1 while nothing was written at that depth */
};

void jw_init(struct jw *w, char *buf, size_t cap);
/* jw_obj_begin(w, key), jw_obj_end(w), jw_arr_begin(w, key), jw_arr_end(w): inline below;
 * the key is NULL for the top level or inside arrays. */
void jw_str(struct jw *w, const char *key, const char *val);
/* n bytes of val, escaped; bytes that are not valid UTF-8 are written as \u00XX. */
void jw_strn(struct jw *w, const char *key, const char *val, size_t n);
void jw_double(struct jw *w, const char *key, double val); /* non-finite values become null */
void jw_null(struct jw *w, const char *key);
/* bytes as a lowercase hex string */
void jw_hex(struct jw *w, const char *key, const uint8_t *p, size_t n);
/* a pre-formatted JSON value (the caller vouches for it) */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);
/* Appends members rendered earlier ("k":v,"k2":v2 — no braces) to the open object. */
void jw_members(struct jw *w, const char *members, size_t n);
/* NUL-terminates; returns the length or -1 on overflow/imbalance */
long jw_finish(struct jw *w);

/*
 * Hot helpers, inline so that the length of a literal key is folded at compile time.
 * jw_key_ writes the separator and "key": with room for `extra` more bytes (and the final
 * NUL) checked in the same test; it returns 0, or -1 with the error set.
 */
static inline int jw_key_(struct jw *w, const char *k, size_t extra)
{
    size_t n = k ? strlen(k) : 0;
    if (w->err || w->depth >= JW_MAX_DEPTH || w->cap - w->len <= n + 4 + extra) {
        w->err = 1;
        return -1;
    }
    char *o = w->buf + w->len;
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = 0;
    if (k) {
        /* keys are the project's own ASCII names: quoted without escaping */
        *o++ = '"';
        memcpy(o, k, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
    }
    w->len = (size_t)(o - w->buf);
    return 0;
}

static inline void jw_digits_(struct jw *w, uint64_t v)
{
    char tmp[20];
    char *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char *o = w->buf + w->len;
    while (p < tmp + sizeof tmp) /* at most 20 bytes: no call to memcpy */
        *o++ = *p++;
    w->len = (size_t)(o - w->buf);
}

static inline void jw_open_(struct jw *w, const char *k, char c)
{
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->err = 1;
        return;
    }
    if (w->depth > 0 || k) {
        if (jw_key_(w, k, 1) != 0)
            return;
    } else if (w->err || w->cap - w->len <= 1) {
        w->err = 1;
        return;
    }
    w->buf[w->len++] = c;
    w->depth++;
    w->first[w->depth] = 1;
}

static inline void jw_close_(struct jw *w, char c)
{
    if (w->err || w->depth <= 0 || w->cap - w->len <= 1) {
        w->err = 1;
        return;
    }
    w->depth--;
    w->buf[w->len++] = c;
}

static inline void jw_obj_begin(struct jw *w, const char *k) { jw_open_(w, k, '{'); }
static inline void jw_obj_end(struct jw *w) { jw_close_(w, '}'); }
static inline void jw_arr_begin(struct jw *w, const char *k) { jw_open_(w, k, '['); }
static inline void jw_arr_end(struct jw *w) { jw_close_(w, ']'); }

static inline void jw_uint(struct jw *w, const char *k, uint64_t val)
{
    if (jw_key_(w, k, 20) == 0)
        jw_digits_(w, val);
}

static inline void jw_int(struct jw *w, const char *k, int64_t val)
{
    if (jw_key_(w, k, 21) != 0)
        return;
    if (val < 0)
        w->buf[w->len++] = '-';
    jw_digits_(w, val < 0 ? (uint64_t)0 - (uint64_t)val : (uint64_t)val);
}

static inline void jw_bool(struct jw *w, const char *k, int val)
{
    if (jw_key_(w, k, 5) != 0)
        return;
    memcpy(w->buf + w->len, val ? "true" : "false", val ? 4 : 5);
    w->len += val ? 4 : 5;
}

#endif
