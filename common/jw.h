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

/* The member writers below are inlined at every call, so a literal key's length is folded
 * at compile time (an out-of-line copy would call strlen on each key). */
#define JW_INLINE static inline __attribute__((always_inline))

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
JW_INLINE int jw_key_(struct jw *w, const char *k, size_t extra)
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

/* v in decimal at o; returns the end. Most numbers in events (function codes, flags,
 * indexes, register values) have one to eight digits: those are written straight in place,
 * two at a time from a table; longer ones go through a small buffer. At most 20 bytes,
 * no call to memcpy. */
extern const char jw_digit_pairs[200];

/* v < 10000, without leading zeros */
static inline char *jw_put_small_(char *o, unsigned v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    if (v < 100) {
        o[0] = jw_digit_pairs[2 * v];
        o[1] = jw_digit_pairs[2 * v + 1];
        return o + 2;
    }
    unsigned hi = v / 100, lo = v % 100;
    if (hi < 10) {
        *o++ = (char)('0' + hi);
    } else {
        *o++ = jw_digit_pairs[2 * hi];
        *o++ = jw_digit_pairs[2 * hi + 1];
    }
    o[0] = jw_digit_pairs[2 * lo];
    o[1] = jw_digit_pairs[2 * lo + 1];
    return o + 2;
}

/* v < 10000 as exactly four digits */
static inline char *jw_put4_(char *o, unsigned v)
{
    unsigned hi = v / 100, lo = v % 100;
    o[0] = jw_digit_pairs[2 * hi];
    o[1] = jw_digit_pairs[2 * hi + 1];
    o[2] = jw_digit_pairs[2 * lo];
    o[3] = jw_digit_pairs[2 * lo + 1];
    return o + 4;
}

/* v < 256 (flags, group and function codes) from a table: one 4-byte copy. Writes up to 4
 * bytes (the reserve for a number covers it) and moves on by the digits. */
extern uint8_t jw_u8_text[256][4];

static inline char *jw_put_u8(char *o, uint8_t v)
{
    memcpy(o, jw_u8_text[v], 4);
    return o + jw_u8_text[v][3];
}

static inline char *jw_put_uint(char *o, uint64_t v)
{
    if (v < 10000)
        return jw_put_small_(o, (unsigned)v);
    if (v < 100000000)
        return jw_put4_(jw_put_small_(o, (unsigned)(v / 10000)), (unsigned)(v % 10000));
    char tmp[20];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        *--p = jw_digit_pairs[2 * r + 1];
        *--p = jw_digit_pairs[2 * r];
    }
    if (v >= 10) {
        *--p = jw_digit_pairs[2 * v + 1];
        *--p = jw_digit_pairs[2 * v];
    } else {
        *--p = (char)('0' + v);
    }
    while (p < tmp + sizeof tmp)
        *o++ = *p++;
    return o;
}

static inline void jw_digits_(struct jw *w, uint64_t v)
{
    w->len = (size_t)(jw_put_uint(w->buf + w->len, v) - w->buf);
}

JW_INLINE void jw_open_(struct jw *w, const char *k, char c)
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

JW_INLINE void jw_close_(struct jw *w, char c)
{
    if (w->err || w->depth <= 0 || w->cap - w->len <= 1) {
        w->err = 1;
        return;
    }
    w->depth--;
    w->buf[w->len++] = c;
}

JW_INLINE void jw_obj_begin(struct jw *w, const char *k) { jw_open_(w, k, '{'); }
JW_INLINE void jw_obj_end(struct jw *w) { jw_close_(w, '}'); }
JW_INLINE void jw_arr_begin(struct jw *w, const char *k) { jw_open_(w, k, '['); }
JW_INLINE void jw_arr_end(struct jw *w) { jw_close_(w, ']'); }

JW_INLINE void jw_uint(struct jw *w, const char *k, uint64_t val)
{
    if (jw_key_(w, k, 20) == 0)
        jw_digits_(w, val);
}

static inline char *jw_put_int(char *o, int64_t v)
{
    if (v < 0)
        *o++ = '-';
    return jw_put_uint(o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

JW_INLINE void jw_int(struct jw *w, const char *k, int64_t val)
{
    if (jw_key_(w, k, 21) == 0)
        w->len = (size_t)(jw_put_int(w->buf + w->len, val) - w->buf);
}

/*
 * Raw writes, for hot output of a fixed shape (a DNP3 response's points): jw_raw_open
 * checks once that n more bytes fit (the caller's upper bound for what it appends), writes
 * the comma the element needs, and returns where to write, or NULL with the error set.
 * The caller appends with jw_put_lit / jw_put_str / jw_put_uint / jw_put_int / jw_put_bool
 * and hands the end to jw_raw_close. Nothing is escaped: the project's own keys and names,
 * and numbers.
 */

/* Where to write n more bytes (and the final NUL), or NULL with the error set; no comma:
 * for raw writes that close what is open. */
static inline char *jw_raw_room(struct jw *w, size_t n)
{
    if (w->err || w->cap - w->len <= n + 1) {
        w->err = 1;
        return NULL;
    }
    return w->buf + w->len;
}

static inline char *jw_raw_open(struct jw *w, size_t n)
{
    char *o = jw_raw_room(w, n + 1); /* the comma's byte too */
    if (!o)
        return NULL;
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = 0;
    return o;
}

static inline void jw_raw_close(struct jw *w, char *end)
{
    w->len = (size_t)(end - w->buf);
}

/* After a raw write that opened an object or array ('{' or '['), jw_raw_enter makes the
 * writer track it as one jw_obj_begin / jw_arr_begin would: `members` says whether
 * something was already written inside it (so the next member needs a comma). The raw
 * write that closes it calls jw_raw_leave. */
static inline void jw_raw_enter(struct jw *w, int members)
{
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->err = 1;
        return;
    }
    w->depth++;
    w->first[w->depth] = !members;
}

static inline void jw_raw_leave(struct jw *w)
{
    if (w->depth <= 0) {
        w->err = 1;
        return;
    }
    w->depth--;
}

/* a string literal, its length folded at compile time */
#define jw_put_lit(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) + sizeof(lit) - 1)

/* s (plain ASCII the caller vouches for) between quotes; n counts toward the reserve */
static inline char *jw_put_str(char *o, const char *s, size_t n)
{
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    return o;
}

static inline char *jw_put_bool(char *o, int v)
{
    return v ? jw_put_lit(o, "true") : jw_put_lit(o, "false");
}

/* A name from the project's own tables (function, group, area names): at most JW_NAME_MAX
 * bytes between quotes, so a raw write can reserve JW_NAME_MAX + 2 for it. */
#define JW_NAME_MAX 64

static inline char *jw_put_name(char *o, const char *name)
{
    return jw_put_str(o, name, strnlen(name, JW_NAME_MAX));
}

/*
 * A name written often (a DNP3 group or function name) kept quoted in a fixed-size slot:
 * a raw write copies the whole slot, a constant size that compiles to a few moves, and
 * moves on by the name's length. Reserve JW_NAME_MAX + 2 for it, as for jw_put_name. A
 * name too long for the slot (n == 0) goes through jw_put_name.
 */
#define JW_SLOT 32

struct jw_slot {
    char s[JW_SLOT];
    uint8_t n;        /* bytes of s in use, quotes included; 0: write name instead */
    const char *name;
};

static inline void jw_slot_set(struct jw_slot *sl, const char *name)
{
    size_t len = strnlen(name, JW_NAME_MAX);
    memset(sl->s, 0, sizeof sl->s);
    sl->name = name;
    sl->n = 0;
    if (len + 2 > JW_SLOT)
        return;
    sl->s[0] = '"';
    memcpy(sl->s + 1, name, len);
    sl->s[len + 1] = '"';
    sl->n = (uint8_t)(len + 2);
}

static inline char *jw_put_slot(char *o, const struct jw_slot *sl)
{
    if (sl->n == 0)
        return jw_put_name(o, sl->name);
    memcpy(o, sl->s, JW_SLOT);
    return o + sl->n;
}

/* v in exactly width decimal digits, zero-padded (the caller makes sure v < 10^width):
 * the fields of a date and time */
static inline char *jw_put_fixed(char *o, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + width;
}

/* n bytes as a quoted lowercase hex string: 2 * n + 2 bytes */
static inline char *jw_put_hex(char *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        *o++ = hex[p[i] >> 4];
        *o++ = hex[p[i] & 15];
    }
    *o++ = '"';
    return o;
}

/*
 * A string member that needs no escaping: the project's own names (function, operation and
 * status names from the dissectors' tables), hex ids, RFC 3339 times. The caller vouches
 * that val holds only printable ASCII other than '"' and '\\'; jw_str is for everything
 * that came off the wire or from a user.
 */
JW_INLINE void jw_namen(struct jw *w, const char *k, const char *val, size_t n)
{
    if (jw_key_(w, k, n + 2) == 0)
        w->len = (size_t)(jw_put_str(w->buf + w->len, val, n) - w->buf);
}

JW_INLINE void jw_name(struct jw *w, const char *k, const char *val)
{
    jw_namen(w, k, val, strlen(val));
}

JW_INLINE void jw_bool(struct jw *w, const char *k, int val)
{
    if (jw_key_(w, k, 5) != 0)
        return;
    memcpy(w->buf + w->len, val ? "true" : "false", val ? 4 : 5);
    w->len += val ? 4 : 5;
}

#endif
