/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnp3_app.c - the DNP3 application layer (IEEE 1815-2012 clause 4): the fragment
 * header (control, function, IIN) and the object headers that follow it, with every
 * qualifier (prefix codes 0-6, range codes 0-9 and 0xB), then the objects themselves
 * through the layout table in dnp3_names.c. Points are kept up to the caps; the rest is
 * still walked so a fragment is either parsed to its end or reported malformed.
 */
#include <stddef.h>
#include <string.h>

#include "dnp3.h"

/* Reads an unsigned of width 1, 2 or 4 bytes. */
static uint32_t read_uint(struct pd_cur *c, unsigned width)
{
    switch (width) {
    case 1:
        return pd_u8(c);
    case 2:
        return pd_u16le(c);
    default:
        return pd_u32le(c);
    }
}

int dnp3_app_header(const uint8_t *p, size_t n, uint8_t *ac, uint8_t *func, uint16_t *iin,
                    int *has_iin)
{
    struct pd_cur c = pd_cur_make(p, n);
    *ac = pd_u8(&c);
    *func = pd_u8(&c);
    *has_iin = *func >= DNP3_FC_RESPONSE && *func <= DNP3_FC_AUTHENTICATE_RESP;
    *iin = *has_iin ? pd_u16be(&c) : 0;
    if (c.err)
        return -1;
    return *has_iin ? 4 : 2;
}

/* Whether objects of this group follow their header in a message with this function. */
static int objects_carry_data(unsigned func, unsigned group)
{
    if (func >= DNP3_FC_RESPONSE)
        return 1;
    switch (func) {
    case DNP3_FC_READ:
    case DNP3_FC_IMMED_FREEZE:
    case DNP3_FC_IMMED_FREEZE_NR:
    case DNP3_FC_FREEZE_CLEAR:
    case DNP3_FC_FREEZE_CLEAR_NR:
    case DNP3_FC_ENABLE_UNSOLICITED:
    case DNP3_FC_DISABLE_UNSOLICITED:
    case DNP3_FC_ASSIGN_CLASS:
        return 0;
    case DNP3_FC_FREEZE_AT_TIME:
    case DNP3_FC_FREEZE_AT_TIME_NR:
        return group == 50;
    default:
        return 1;
    }
}

/* The next point slot of object o, or NULL when a cap is reached (counted). */
static struct dnp3_point *point_new(struct dnp3_frag *f, struct dnp3_object *o, int keep,
                                    const struct pd_limits *lim, uint32_t index)
{
    uint32_t per_obj = lim->max_points;
    if (!keep || o->n_points >= per_obj || f->n_points >= DNP3_MAX_POINTS) {
        f->points_dropped++;
        o->has |= DNP3_OH_CAPPED;
        return NULL;
    }
    struct dnp3_point *pt = &f->pt[f->n_points++];
    o->n_points++;
    memset(pt, 0, sizeof *pt);
    pt->index = index;
    return pt;
}

/* Marks c truncated: the header announces more than the fragment holds. */
static void cur_short(struct pd_cur *c)
{
    pd_skip(c, pd_left(c) + 1);
}

static void dropped_add(struct dnp3_frag *f, uint64_t n)
{
    uint64_t sum = f->points_dropped + n;
    f->points_dropped = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

static void text_keep(struct dnp3_object *o, const uint8_t *b, size_t n)
{
    if (!b)
        return;
    if (n > DNP3_TEXT_MAX)
        n = DNP3_TEXT_MAX;
    memcpy(o->text, b, n);
    o->text_len = (uint8_t)n;
    o->has |= DNP3_OH_TEXT;
}

/* One fixed-layout object from s into pt (pt may be NULL: the bytes are still walked). */
static void decode_fixed(struct pd_cur *s, const struct dnp3_layout *ly, struct dnp3_point *pt)
{
    struct dnp3_point dummy;
    if (!pt)
        pt = &dummy;
    switch (ly->dec) {
    case DNP3_DEC_STATE:
        pt->flags = pd_u8(s);
        pt->v.u = (uint64_t)(pt->flags >> (8 - ly->width));
        pt->type = DNP3_PT_UINT;
        pt->has |= DNP3_PH_FLAGS | DNP3_PH_VALUE;
        break;
    case DNP3_DEC_UINT:
    case DNP3_DEC_INT:
    case DNP3_DEC_FLOAT: {
        if (ly->flags & DNP3_LY_STATUS1) {
            pt->status = pd_u8(s);
            pt->has |= DNP3_PH_STATUS;
        }
        if (ly->flags & DNP3_LY_FLAGS) {
            pt->flags = pd_u8(s);
            pt->has |= DNP3_PH_FLAGS;
        }
        pt->has |= DNP3_PH_VALUE;
        if (ly->dec == DNP3_DEC_FLOAT && ly->width == 8) {
            uint64_t raw = pd_u64le(s);
            memcpy(&pt->v.f, &raw, sizeof pt->v.f);
            pt->type = DNP3_PT_FLOAT;
        } else if (ly->dec == DNP3_DEC_FLOAT) {
            uint32_t raw = pd_u32le(s);
            float fv;
            memcpy(&fv, &raw, sizeof fv);
            pt->v.f = fv;
            pt->type = DNP3_PT_FLOAT;
        } else if (ly->dec == DNP3_DEC_INT) {
            uint32_t raw = read_uint(s, ly->width);
            pt->v.i = ly->width == 2 ? (int16_t)raw : (int32_t)raw;
            pt->type = DNP3_PT_INT;
        } else {
            pt->v.u = read_uint(s, ly->width);
            pt->type = DNP3_PT_UINT;
        }
        if (ly->flags & DNP3_LY_STATUS) {
            pt->status = pd_u8(s);
            pt->has |= DNP3_PH_STATUS;
        }
        break;
    }
    case DNP3_DEC_CROB:
        pt->type = DNP3_PT_CROB;
        pt->v.u = pd_u8(s);
        pt->count = pd_u8(s);
        pt->time.pulse.on_ms = pd_u32le(s);
        pt->time.pulse.off_ms = pd_u32le(s);
        pt->status = pd_u8(s);
        pt->has |= DNP3_PH_VALUE | DNP3_PH_STATUS;
        return;
    case DNP3_DEC_TIME:
        pt->type = DNP3_PT_UINT;
        pt->v.u = pd_u48le(s);
        pt->has |= DNP3_PH_VALUE;
        return;
    default:
        return;
    }
    if (ly->flags & DNP3_LY_TIME) {
        pt->time.ms = pd_u48le(s);
        pt->has |= DNP3_PH_TIME;
    } else if (ly->flags & DNP3_LY_RELTIME) {
        pt->time.ms = pd_u16le(s);
        pt->has |= DNP3_PH_RELTIME;
    }
}

/* Group 0: data type, length, value (IEEE 1815-2012 A.1). Consumes from c. */
static void decode_attr(struct pd_cur *c, struct dnp3_object *o, struct dnp3_point *pt)
{
    uint8_t type = pd_u8(c);
    uint8_t len = pd_u8(c);
    struct pd_cur v = pd_sub(c, len);
    if (c->err || !pt)
        return;
    pt->type = DNP3_PT_ATTR;
    pt->status = type; /* the attribute's data type code */
    if (type == 1) {   /* VSTR */
        if (!(o->has & DNP3_OH_TEXT))
            text_keep(o, pd_bytes(&v, len), len);
    } else if ((type == 2 || type == 3) && len >= 1 && len <= 4) {
        uint32_t raw = 0;
        for (unsigned i = 0; i < len; i++)
            raw |= (uint32_t)pd_u8(&v) << (8 * i);
        if (type == 3 && len < 4 && ((raw >> (8 * len - 1)) & 1))
            raw |= ~0u << (8 * len); /* sign-extend a short signed integer */
        if (type == 3)
            pt->v.i = (int32_t)raw;
        else
            pt->v.u = raw;
        pt->has |= DNP3_PH_VALUE;
    } else if (type == 4 && len == 4) {
        uint32_t raw = pd_u32le(&v);
        float fv;
        memcpy(&fv, &raw, sizeof fv);
        pt->v.f = fv;
        pt->type = DNP3_PT_FLOAT;
        pt->has |= DNP3_PH_VALUE;
    }
}

/* Group 70 file objects (IEEE 1815-2012 A.35); s is exactly one object. */
static void decode_file(struct pd_cur *s, struct dnp3_object *o)
{
    uint16_t name_size = 0;
    if (o->has & DNP3_OH_FILE)
        return; /* keep the first */
    switch (o->var) {
    case 3: /* file command: name offset, name size, created, permissions, auth key, ... */
        pd_skip(s, 2);
        name_size = pd_u16le(s);
        pd_skip(s, 6 + 2 + 4);
        o->ext.file.size = pd_u32le(s);
        o->ext.file.has_size = 1;
        o->ext.file.mode = pd_u16le(s);
        pd_skip(s, 2);
        o->ext.file.request_id = pd_u16le(s);
        break;
    case 4: /* file command status */
    case 6: /* file transport status */
        o->ext.file.handle = pd_u32le(s);
        o->ext.file.has_handle = 1;
        if (o->var == 4) {
            o->ext.file.size = pd_u32le(s);
            o->ext.file.has_size = 1;
            pd_skip(s, 2);
            o->ext.file.request_id = pd_u16le(s);
        } else {
            uint32_t block = pd_u32le(s);
            o->ext.file.block = block & 0x7fffffffu;
            o->ext.file.last = (uint8_t)(block >> 31);
        }
        o->ext.file.status = pd_u8(s);
        break;
    case 5: { /* file transport: handle, block (bit 31 = last), data */
        o->ext.file.handle = pd_u32le(s);
        o->ext.file.has_handle = 1;
        uint32_t block = pd_u32le(s);
        o->ext.file.block = block & 0x7fffffffu;
        o->ext.file.last = (uint8_t)(block >> 31);
        o->ext.file.size = (uint32_t)pd_left(s);
        break;
    }
    case 7: /* file descriptor */
        pd_skip(s, 2);
        name_size = pd_u16le(s);
        pd_skip(s, 2);
        o->ext.file.size = pd_u32le(s);
        o->ext.file.has_size = 1;
        pd_skip(s, 6 + 2);
        o->ext.file.request_id = pd_u16le(s);
        break;
    case 8: /* file specification string */
        name_size = (uint16_t)pd_left(s);
        break;
    default: /* v1 identifier, v2 authentication (credentials: never kept) */
        return;
    }
    if (s->err)
        return;
    o->has |= DNP3_OH_FILE;
    if (name_size && pd_has(s, name_size))
        text_keep(o, pd_bytes(s, name_size), name_size);
}

/* Group 120 Secure Authentication (IEEE 1815-2012 A.45): ids only, never key material. */
static void decode_auth(struct pd_cur *s, struct dnp3_object *o)
{
    if (o->has & DNP3_OH_AUTH)
        return;
    o->has |= DNP3_OH_AUTH;
    switch (o->var) {
    case 1: case 2: case 3: case 5: case 6: case 7:
        o->ext.auth.seq = pd_u32le(s);
        o->ext.auth.has_seq = 1;
        o->ext.auth.user = pd_u16le(s);
        if (o->var == 1) {
            pd_skip(s, 1); /* MAC algorithm */
            o->ext.auth.code = pd_u8(s);
            o->ext.auth.has_code = 1;
        } else if (o->var == 5) {
            pd_skip(s, 1); /* key wrap algorithm */
            o->ext.auth.code = pd_u8(s);
            o->ext.auth.has_code = 1;
        } else if (o->var == 7) {
            pd_skip(s, 2); /* association id */
            o->ext.auth.code = pd_u8(s);
            o->ext.auth.has_code = 1;
        }
        break;
    case 4:
        o->ext.auth.user = pd_u16le(s);
        break;
    default:
        break;
    }
    if (s->err)
        o->ext.auth.has_code = 0;
}

/* Whether objects of this group decode through decode_fixed (no prefix, no file, no
 * authentication): the common case of a response full of points. */
static int fixed_point(unsigned group, const struct dnp3_layout *ly)
{
    if (group == 0 || group == 70 || group == 120)
        return 0;
    return ly->dec == DNP3_DEC_STATE || ly->dec == DNP3_DEC_UINT || ly->dec == DNP3_DEC_INT ||
           ly->dec == DNP3_DEC_FLOAT || ly->dec == DNP3_DEC_CROB || ly->dec == DNP3_DEC_TIME;
}

/* The layouts a response is mostly made of, decoded straight from the bytes: a state in
 * the flags byte (g1v2, g3v2, g10v2, ...), or a flags byte and a 16- or 32-bit integer
 * (g20v1, g30v1, g30v2, ...), with no time and no status. Each is exactly `size` bytes,
 * which is all fast_point reads. 0 when the layout goes through decode_fixed. */
enum fast_kind { FAST_NONE = 0, FAST_STATE, FAST_UINT16, FAST_UINT32, FAST_INT16, FAST_INT32 };

static enum fast_kind fast_kind(const struct dnp3_layout *ly)
{
    if (ly->flags & ~DNP3_LY_FLAGS)
        return FAST_NONE; /* a time, a relative time or a status */
    if (ly->dec == DNP3_DEC_STATE && ly->size == 1)
        return FAST_STATE;
    if ((ly->dec != DNP3_DEC_UINT && ly->dec != DNP3_DEC_INT) || !(ly->flags & DNP3_LY_FLAGS) ||
        ly->size != 1 + ly->width)
        return FAST_NONE;
    if (ly->width == 2)
        return ly->dec == DNP3_DEC_INT ? FAST_INT16 : FAST_UINT16;
    if (ly->width == 4)
        return ly->dec == DNP3_DEC_INT ? FAST_INT32 : FAST_UINT32;
    return FAST_NONE;
}

/* One point of a flags byte and an integer of width bytes (raw, little-endian as read). */
static inline void int_point(struct dnp3_point *pt, uint32_t index, uint8_t flags, uint32_t raw,
                             unsigned width, int is_signed)
{
    *pt = (struct dnp3_point){.index = index, .has = DNP3_PH_FLAGS | DNP3_PH_VALUE,
                              .flags = flags};
    if (is_signed) {
        pt->type = DNP3_PT_INT;
        pt->v.i = width == 2 ? (int16_t)raw : (int32_t)raw;
    } else {
        pt->type = DNP3_PT_UINT;
        pt->v.u = raw;
    }
}

/* n points of kind k from b (n * size bytes, checked by the caller), indexes from idx */
static void fast_points(struct dnp3_point *pt, const uint8_t *b, uint64_t n, enum fast_kind k,
                        unsigned state_shift, uint32_t idx)
{
    uint64_t i;
    switch (k) {
    case FAST_STATE:
        for (i = 0; i < n; i++)
            pt[i] = (struct dnp3_point){.index = idx + (uint32_t)i, .type = DNP3_PT_UINT,
                                        .has = DNP3_PH_FLAGS | DNP3_PH_VALUE, .flags = b[i],
                                        .v.u = (uint64_t)(b[i] >> state_shift)};
        break;
    case FAST_UINT16:
    case FAST_INT16:
        for (i = 0; i < n; i++, b += 3)
            int_point(&pt[i], idx + (uint32_t)i, b[0], (uint32_t)(b[1] | b[2] << 8), 2,
                      k == FAST_INT16);
        break;
    default: /* FAST_UINT32, FAST_INT32 */
        for (i = 0; i < n; i++, b += 5)
            int_point(&pt[i], idx + (uint32_t)i, b[0],
                      (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
                          (uint32_t)b[4] << 24,
                      4, k == FAST_INT32);
        break;
    }
}

/* count objects of one fixed layout without prefixes (parse_objects checked that they fit
 * in c, count * ly->size bytes): the caps are worked out once for the run instead of once
 * a point; the points past them are skipped, and counted as point_new would have counted
 * them. */
static void parse_fixed_run(struct dnp3_frag *f, struct dnp3_object *o, struct pd_cur *c,
                            int keep, const struct pd_limits *lim, const struct dnp3_layout *ly,
                            int ranged)
{
    uint64_t count = o->count;
    uint64_t room = 0;
    if (keep && o->n_points < lim->max_points && f->n_points < DNP3_MAX_POINTS) {
        uint64_t per_obj = lim->max_points - o->n_points;
        uint64_t per_frag = DNP3_MAX_POINTS - f->n_points;
        room = per_obj < per_frag ? per_obj : per_frag;
    }
    uint64_t kept = count < room ? count : room;
    struct dnp3_point *pt = &f->pt[f->n_points];
    uint32_t idx = (uint32_t)(ranged ? o->start : 0);
    const uint8_t *run = pd_bytes(c, (size_t)(count * ly->size));
    if (!run)
        return; /* cannot happen: parse_objects checked that the run fits */
    enum fast_kind k = fast_kind(ly);
    if (k != FAST_NONE) {
        fast_points(pt, run, kept, k, 8u - ly->width, idx);
    } else {
        for (uint64_t i = 0; i < kept; i++) {
            struct pd_cur s = pd_cur_make(run + i * ly->size, ly->size);
            memset(&pt[i], 0, sizeof pt[i]);
            pt[i].index = idx + (uint32_t)i;
            decode_fixed(&s, ly, &pt[i]);
            if (s.err) { /* a layout whose size is short of what it holds */
                c->err = s.err;
                kept = count = i + 1;
                break;
            }
        }
    }
    f->n_points = (uint16_t)(f->n_points + kept);
    o->n_points = (uint16_t)(o->n_points + kept);
    if (count > kept) {
        dropped_add(f, count - kept);
        o->has |= DNP3_OH_CAPPED;
    }
}

/* Everything after the range field of one header. */
static void parse_objects(struct dnp3_frag *f, struct dnp3_object *o, struct pd_cur *c,
                          int keep, const struct pd_limits *lim, unsigned prefix, int ranged)
{
    struct dnp3_layout ly = dnp3_layout(o->group, o->var);
    unsigned pw = prefix == 0 ? 0 : 1u << ((prefix - 1) % 3); /* prefix width */
    int size_prefix = prefix >= 4;
    uint64_t count = o->count;

    if (!(o->has & (DNP3_OH_RANGE | DNP3_OH_COUNT)))
        return; /* qualifier 0x06: no objects follow */
    if (!size_prefix && (!objects_carry_data(f->func, o->group) || ly.dec == DNP3_DEC_NONE)) {
        if (pw == 0)
            return;
        /* a request naming points by index, without data */
        if (count * pw > pd_left(c)) {
            cur_short(c);
            return;
        }
        for (uint64_t i = 0; i < count; i++) {
            uint32_t idx = read_uint(c, pw);
            (void)point_new(f, o, keep, lim, idx); /* an index-only point */
        }
        return;
    }
    o->has |= DNP3_OH_DATA;
    if (ly.dec == DNP3_DEC_PACKED) {
        if (pw) {
            pd_invalid(c);
            return;
        }
        uint64_t bytes = (count * ly.width + 7) / 8;
        if (bytes > pd_left(c)) {
            cur_short(c);
            return;
        }
        struct pd_cur s = pd_sub(c, (size_t)bytes);
        uint64_t i;
        for (i = 0; i < count; i++) {
            uint64_t bit = i * ly.width;
            unsigned byte = pd_peek8(&s, (size_t)(bit / 8));
            struct dnp3_point *pt =
                point_new(f, o, keep, lim, (uint32_t)(ranged ? o->start + i : i));
            if (!pt)
                break;
            pt->type = DNP3_PT_UINT;
            pt->v.u = (byte >> (bit % 8)) & ((1u << ly.width) - 1);
            pt->has = DNP3_PH_VALUE;
        }
        if (i + 1 < count) /* point_new counted the first one it refused */
            dropped_add(f, count - i - 1);
        return;
    }
    if (!size_prefix && ly.dec == DNP3_DEC_UNKNOWN) {
        o->has |= DNP3_OH_UNKNOWN;
        f->unknown = 1;
        return;
    }
    if (!size_prefix && ly.dec == DNP3_DEC_FREE && o->group != 0) {
        o->has |= DNP3_OH_UNKNOWN; /* free-format objects need a size prefix */
        f->unknown = 1;
        return;
    }
    /* Each object takes at least max(pw, 1) bytes, or pw + size for fixed layouts, so
     * the count is bounded by what is left before it drives the loop. */
    uint64_t min_item = pw + ((size_prefix || ly.dec == DNP3_DEC_FREE) ? 0 : ly.size);
    if (o->group == 0 && !size_prefix)
        min_item += 2;
    if (min_item == 0)
        min_item = 1;
    if (count > pd_left(c) / min_item) {
        cur_short(c);
        return;
    }
    if (prefix == 0 && fixed_point(o->group, &ly)) {
        parse_fixed_run(f, o, c, keep, lim, &ly, ranged);
        return;
    }
    for (uint64_t i = 0; i < count && !c->err; i++) {
        uint32_t idx = (uint32_t)(ranged ? o->start + i : i);
        struct pd_cur s;
        if (prefix >= 1 && prefix <= 3) {
            idx = read_uint(c, pw);
        }
        if (size_prefix)
            s = pd_sub(c, read_uint(c, pw));
        else if (ly.dec == DNP3_DEC_FREE)
            s = *c; /* group 0: the attribute carries its own length */
        else
            s = pd_sub(c, ly.size);
        if (s.err || c->err)
            return;
        if (o->group == 0) {
            decode_attr(&s, o, point_new(f, o, keep, lim, idx));
            if (!size_prefix)
                *c = s;
        } else if (o->group == 70) {
            decode_file(&s, o);
        } else if (o->group == 120) {
            decode_auth(&s, o);
        } else if (ly.dec != DNP3_DEC_FREE && ly.dec != DNP3_DEC_RAW &&
                   ly.dec != DNP3_DEC_OCTET && ly.dec != DNP3_DEC_UNKNOWN) {
            decode_fixed(&s, &ly, point_new(f, o, keep, lim, idx));
            if (s.err && !size_prefix)
                c->err = s.err;
        }
    }
}

/* One object header and its objects. Returns 0, or -1 (c->err says which kind). */
static int parse_header(struct dnp3_frag *f, struct dnp3_object *o, struct pd_cur *c, int keep,
                        const struct pd_limits *lim)
{
    unsigned prefix = (o->qual >> 4) & 7;
    unsigned range = o->qual & 0x0f;
    int ranged = 0;

    if ((o->qual & 0x80) || prefix == 7 || range == 0x0a || range > 0x0b) {
        pd_invalid(c);
        return -1;
    }
    if (range <= 5) {
        unsigned w = 1u << (range % 3);
        o->start = read_uint(c, w);
        o->stop = read_uint(c, w);
        if (c->err)
            return -1;
        o->has |= DNP3_OH_RANGE | DNP3_OH_COUNT;
        if (o->stop < o->start || prefix != 0) {
            pd_invalid(c);
            return -1;
        }
        o->count = (uint64_t)o->stop - o->start + 1;
        ranged = 1;
    } else if (range == 6) {
        if (prefix != 0) {
            pd_invalid(c);
            return -1;
        }
    } else {
        unsigned w = range == 0x0b ? 1 : 1u << (range - 7);
        o->count = read_uint(c, w);
        if (c->err)
            return -1;
        o->has |= DNP3_OH_COUNT;
        if (range == 0x0b && prefix >= 1 && prefix <= 3) {
            pd_invalid(c);
            return -1;
        }
    }
    parse_objects(f, o, c, keep, lim, prefix, ranged);
    return c->err ? -1 : 0;
}

int dnp3_app_objects(struct dnp3_frag *f, const uint8_t *p, size_t n, const struct pd_limits *lim)
{
    struct pd_cur c = pd_cur_make(p, n);
    uint32_t max_obj = lim->max_items < DNP3_MAX_OBJECTS ? lim->max_items : DNP3_MAX_OBJECTS;

    while (pd_left(&c) > 0) {
        struct dnp3_object spare;
        int keep = f->n_objects < max_obj;
        struct dnp3_object *o = keep ? &f->obj[f->n_objects] : &spare;
        /* everything but the text, which is read only up to text_len */
        memset(o, 0, offsetof(struct dnp3_object, text));
        memset(&o->ext, 0, sizeof o->ext);
        o->group = pd_u8(&c);
        o->var = pd_u8(&c);
        o->qual = pd_u8(&c);
        o->first_point = f->n_points;
        if (keep)
            f->n_objects++;
        else
            f->objects_dropped++;
        if (c.err || parse_header(f, o, &c, keep, lim) < 0) {
            f->malformed = c.err == PD_ERR_INVALID ? 2 : 1;
            return -1;
        }
        if (o->has & DNP3_OH_UNKNOWN)
            break;
    }
    return 0;
}
