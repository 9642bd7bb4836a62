/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jw.c - the bounded JSON writer (see jw.h). Strings are escaped per RFC 8259 section 7;
 * invalid UTF-8 sequences are escaped byte by byte so output is always valid JSON.
 */
#include "jw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
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

/* 1 for bytes that go into a JSON string as they are */
static const uint8_t plain_byte[256] = {
    ['\x20'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
    ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1,
    ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1,
    ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,
    ['z'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

const char jw_digit_pairs[200] = "00010203040506070809101112131415161718192021222324"
                                 "25262728293031323334353637383940414243444546474849"
                                 "50515253545556575859606162636465666768697071727374"
                                 "75767778798081828384858687888990919293949596979899";

/* jw_u8_text[v]: v's digits, then their count in the last byte (see jw_put_u8) */
uint8_t jw_u8_text[256][4];

__attribute__((constructor)) static void u8_text_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        char *e = jw_put_uint((char *)jw_u8_text[v], v);
        jw_u8_text[v][3] = (uint8_t)(e - (char *)jw_u8_text[v]);
    }
}

static void esc(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    /* fast path: a string of plain bytes that fits is copied in one go */
    if (!w->err && w->cap - w->len > n + 2) {
        size_t run = 0;
        while (run < n && plain_byte[p[run]])
            run++;
        if (run == n) {
            char *o = w->buf + w->len;
            o[0] = '"';
            memcpy(o + 1, s, n);
            o[n + 1] = '"';
            w->len += n + 2;
            return;
        }
    }
    size_t i = 0;
    putc1(w, '"');
    while (i < n && !w->err) {
        size_t run = 0;
        while (i + run < n && plain_byte[p[i + run]])
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
        } else if (c < 0x80) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
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
    (void)jw_key_(w, k, 0);
}

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

void jw_double(struct jw *w, const char *k, double val)
{
    if (!isfinite(val)) {
        jw_null(w, k);
        return;
    }
    char tmp[40];
    int n = strfromd(tmp, sizeof tmp, "%.9g", val); /* snprintf without the format parsing */
    key(w, k);
    put(w, tmp, (size_t)n);
}

void jw_null(struct jw *w, const char *k)
{
    key(w, k);
    put(w, "null", 4);
}

void jw_hex(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX - 4) / 2 || jw_key_(w, k, 2 * n + 2) != 0) {
        w->err = 1;
        return;
    }
    w->len = (size_t)(jw_put_hex(w->buf + w->len, p, n) - w->buf);
}

void jw_raw(struct jw *w, const char *k, const char *json, size_t n)
{
    key(w, k);
    put(w, json, n);
}

void jw_members(struct jw *w, const char *members, size_t n)
{
    if (n == 0)
        return;
    if (jw_key_(w, NULL, n) == 0) {
        memcpy(w->buf + w->len, members, n);
        w->len += n;
    }
}

long jw_finish(struct jw *w)
{
    if (w->err || w->depth != 0 || w->len >= w->cap)
        return -1;
    w->buf[w->len] = '\0';
    return (long)w->len;
}
