/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pd_cursor.h - the bounds-checked cursor every dissector reads through.
 *
 * A cursor is a window [p, end) over bytes someone else owns. Every read checks the
 * window first; a read past the end sets a sticky error and returns 0, so a parser can
 * read a whole logical unit and test `c->err` once. No raw indexing, no pointer casts.
 */
#ifndef TZ_PD_CURSOR_H
#define TZ_PD_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum pd_cur_err {
    PD_OK = 0,
    PD_ERR_TRUNCATED = 1, /* a read ran past the end of the window */
    PD_ERR_INVALID = 2,   /* the bytes were there but made no sense (set by the parser) */
};

struct pd_cur {
    const uint8_t *p;
    const uint8_t *end;
    int err;
};

static inline struct pd_cur pd_cur_make(const uint8_t *p, size_t n)
{
    struct pd_cur c = {p, p + n, PD_OK};
    return c;
}

static inline size_t pd_left(const struct pd_cur *c)
{
    return c->err ? 0 : (size_t)(c->end - c->p);
}

/* True when n more bytes can be read. Does not set the error. */
static inline int pd_has(const struct pd_cur *c, size_t n)
{
    return !c->err && (size_t)(c->end - c->p) >= n;
}

static inline int pd_take(struct pd_cur *c, size_t n)
{
    if (!pd_has(c, n)) {
        if (!c->err)
            c->err = PD_ERR_TRUNCATED;
        c->p = c->end;
        return 0;
    }
    return 1;
}

/* Marks the cursor invalid (sticky) unless it already holds an error. */
static inline void pd_invalid(struct pd_cur *c)
{
    if (!c->err)
        c->err = PD_ERR_INVALID;
}

static inline uint8_t pd_u8(struct pd_cur *c)
{
    if (!pd_take(c, 1))
        return 0;
    return *c->p++;
}

static inline uint16_t pd_u16be(struct pd_cur *c)
{
    if (!pd_take(c, 2))
        return 0;
    uint16_t v = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint16_t pd_u16le(struct pd_cur *c)
{
    if (!pd_take(c, 2))
        return 0;
    uint16_t v = (uint16_t)((uint16_t)c->p[1] << 8 | c->p[0]);
    c->p += 2;
    return v;
}

static inline uint32_t pd_u24le(struct pd_cur *c)
{
    if (!pd_take(c, 3))
        return 0;
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16;
    c->p += 3;
    return v;
}

static inline uint32_t pd_u32be(struct pd_cur *c)
{
    if (!pd_take(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 |
                 (uint32_t)c->p[3];
    c->p += 4;
    return v;
}

static inline uint32_t pd_u32le(struct pd_cur *c)
{
    if (!pd_take(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

static inline uint64_t pd_u48le(struct pd_cur *c)
{
    if (!pd_take(c, 6))
        return 0;
    uint64_t v = 0;
    for (int i = 5; i >= 0; i--)
        v = v << 8 | c->p[i];
    c->p += 6;
    return v;
}

static inline uint64_t pd_u64le(struct pd_cur *c)
{
    if (!pd_take(c, 8))
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | c->p[i];
    c->p += 8;
    return v;
}

static inline uint64_t pd_u64be(struct pd_cur *c)
{
    if (!pd_take(c, 8))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | c->p[i];
    c->p += 8;
    return v;
}

/* Returns a pointer to n bytes inside the window and steps over them, or NULL. */
static inline const uint8_t *pd_bytes(struct pd_cur *c, size_t n)
{
    if (!pd_take(c, n))
        return NULL;
    const uint8_t *b = c->p;
    c->p += n;
    return b;
}

static inline void pd_skip(struct pd_cur *c, size_t n)
{
    if (pd_take(c, n))
        c->p += n;
}

/* Copies n bytes out; on a short window fills dst with zeros and sets the error. */
static inline void pd_copy(struct pd_cur *c, void *dst, size_t n)
{
    const uint8_t *b = pd_bytes(c, n);
    if (b)
        memcpy(dst, b, n);
    else
        memset(dst, 0, n);
}

/*
 * A child cursor over the next n bytes; the parent steps past them. When fewer than n
 * bytes are left both cursors carry the truncation error.
 */
static inline struct pd_cur pd_sub(struct pd_cur *c, size_t n)
{
    struct pd_cur s = {c->p, c->p, PD_OK};
    if (!pd_take(c, n)) {
        s.err = PD_ERR_TRUNCATED;
        return s;
    }
    s.end = c->p + n;
    c->p += n;
    return s;
}

/* Byte at offset off from the current position without consuming; 0 and no error if absent. */
static inline uint8_t pd_peek8(const struct pd_cur *c, size_t off)
{
    return pd_has(c, off + 1) ? c->p[off] : 0;
}

#endif
