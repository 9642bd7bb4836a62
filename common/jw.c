/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jw.c - the bounded JSON writer (see jw.h). Strings are escaped per RFC 8259 section 7;
 * invalid UTF-8 sequences are escaped byte by byte so output is always valid JSON.
 */
#include "jw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void jw_init(struct jw *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = cap == 0;
    w->depth = 0;
    w->first[0] = 1;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (w->err)
        return;
    if (w->cap - w->len <= n) { /* keep one byte for the final NUL */
        w->err = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void putc1(struct jw *w, char c)
{
    put(w, &c, 1);
}

static void esc(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    putc1(w, '"');
    while (i < n && !w->err) {
        size_t run = 0;
        while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f && p[i + run] != '"' &&
               p[i + run] != '\\')
            run++;
        if (run) {
            put(w, s + i, run);
            i += run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(w, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
            i++;
        } else if (c < 0x80) {
            putc1(w, (char)c);
            i++;
        } else {
            /* validate one UTF-8 sequence; copy it whole or escape the lead byte */
            size_t need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
            int ok = need > 0 && i + need < n;
            for (size_t k = 1; ok && k <= need; k++)
                if ((p[i + k] & 0xc0) != 0x80)
                    ok = 0;
            if (ok) {
                put(w, s + i, need + 1);
                i += need + 1;
            } else {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                put(w, e, 6);
                i++;
            }
        }
    }
    putc1(w, '"');
}

static void key(struct jw *w, const char *k)
{
    if (w->depth >= JW_MAX_DEPTH) {
        w->err = 1;
        return;
    }
    if (!w->first[w->depth])
        putc1(w, ',');
    w->first[w->depth] = 0;
    if (k) {
        /* keys are the project's own ASCII names: quote them without escaping */
        size_t n = strlen(k);
        if (w->err || w->cap - w->len <= n + 3) {
            w->err = 1;
            return;
        }
        w->buf[w->len++] = '"';
        memcpy(w->buf + w->len, k, n);
        w->len += n;
        w->buf[w->len++] = '"';
        w->buf[w->len++] = ':';
    }
}

static void open(struct jw *w, const char *k, char c)
{
    if (w->depth > 0 || k)
        key(w, k);
    putc1(w, c);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->err = 1;
        return;
    }
    w->depth++;
    w->first[w->depth] = 1;
}

static void close_(struct jw *w, char c)
{
    if (w->depth <= 0) {
        w->err = 1;
        return;
    }
    w->depth--;
    putc1(w, c);
}

void jw_obj_begin(struct jw *w, const char *k) { open(w, k, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr_begin(struct jw *w, const char *k) { open(w, k, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_strn(struct jw *w, const char *k, const char *val, size_t n)
{
    key(w, k);
    esc(w, val, n);
}

void jw_str(struct jw *w, const char *k, const char *val)
{
    if (!val) {
        jw_null(w, k);
        return;
    }
    jw_strn(w, k, val, strlen(val));
}

/* Decimal digits of v, right-aligned in tmp[24]; returns where they start. */
static char *fmt_u64(char tmp[24], uint64_t v)
{
    char *p = tmp + 24;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

void jw_int(struct jw *w, const char *k, int64_t val)
{
    char tmp[24];
    uint64_t mag = val < 0 ? (uint64_t)0 - (uint64_t)val : (uint64_t)val;
    char *p = fmt_u64(tmp, mag);
    key(w, k);
    if (val < 0)
        putc1(w, '-');
    put(w, p, (size_t)(tmp + 24 - p));
}

void jw_uint(struct jw *w, const char *k, uint64_t val)
{
    char tmp[24];
    char *p = fmt_u64(tmp, val);
    key(w, k);
    put(w, p, (size_t)(tmp + 24 - p));
}

void jw_double(struct jw *w, const char *k, double val)
{
    if (!isfinite(val)) {
        jw_null(w, k);
        return;
    }
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.9g", val);
    key(w, k);
    put(w, tmp, (size_t)n);
}

void jw_bool(struct jw *w, const char *k, int val)
{
    key(w, k);
    if (val)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_null(struct jw *w, const char *k)
{
    key(w, k);
    put(w, "null", 4);
}

void jw_hex(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    key(w, k);
    putc1(w, '"');
    for (size_t i = 0; i < n && !w->err; i++) {
        char e[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        put(w, e, 2);
    }
    putc1(w, '"');
}

void jw_raw(struct jw *w, const char *k, const char *json, size_t n)
{
    key(w, k);
    put(w, json, n);
}

long jw_finish(struct jw *w)
{
    if (w->err || w->depth != 0 || w->len >= w->cap)
        return -1;
    w->buf[w->len] = '\0';
    return (long)w->len;
}
