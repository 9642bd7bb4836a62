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
void jw_obj_begin(struct jw *w, const char *key);   /* key NULL for the top level or in arrays */
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
/* n bytes of val, escaped; bytes that are not valid UTF-8 are written as \u00XX. */
void jw_strn(struct jw *w, const char *key, const char *val, size_t n);
void jw_int(struct jw *w, const char *key, int64_t val);
void jw_uint(struct jw *w, const char *key, uint64_t val);
void jw_double(struct jw *w, const char *key, double val); /* non-finite values become null */
void jw_bool(struct jw *w, const char *key, int val);
void jw_null(struct jw *w, const char *key);
/* bytes as a lowercase hex string */
void jw_hex(struct jw *w, const char *key, const uint8_t *p, size_t n);
/* a pre-formatted JSON value (the caller vouches for it) */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);
/* NUL-terminates; returns the length or -1 on overflow/imbalance */
long jw_finish(struct jw *w);

#endif
