/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104_asdu.c - decodes the ASDU of an IEC 60870-5-104 I-format APDU: data unit
 * identifier (IEC 60870-5-101 clause 7.2 with the 104 sizes of 104 clause 9: COT and
 * originator two octets, common address two, IOA three) and the information objects,
 * element by element after the layouts of 101 clause 7.2.6 and the time tags of 7.2.6.18
 * (CP56Time2a), 7.2.6.19 (CP24Time2a) and 7.2.6.20 (CP16Time2a). Multi-octet values are
 * little endian. Objects beyond lim->max_items are checked for length but not kept.
 */
#include <stdio.h>
#include <string.h>

#include "iec104.h"

static void time_read(struct pd_cur *c, uint8_t tkind, struct iec104_time *t)
{
    memset(t, 0, sizeof *t);
    t->ms = pd_u16le(c);
    uint8_t b = pd_u8(c);
    t->min = b & 0x3f;
    t->iv = b >> 7;
    if (tkind != IEC104_T_CP56)
        return;
    b = pd_u8(c);
    t->hour = b & 0x1f;
    t->su = b >> 7;
    b = pd_u8(c);
    t->day = b & 0x1f;
    t->dow = b >> 5;
    t->month = pd_u8(c) & 0x0f;
    t->year = pd_u8(c) & 0x7f;
}

static int16_t s16(struct pd_cur *c)
{
    uint16_t u = pd_u16le(c);
    return u >= 0x8000 ? (int16_t)(int32_t)(u - 0x10000) : (int16_t)u;
}

static int32_t s32(struct pd_cur *c)
{
    uint32_t u = pd_u32le(c);
    return u >= 0x80000000u ? (int32_t)((int64_t)u - 0x100000000ll) : (int32_t)u;
}

/* The three value forms of measured values, set points and parameters. */
static void value_nva(struct pd_cur *c, struct iec104_obj *o)
{
    o->vkind = IEC104_V_FLOAT;
    o->fval = s16(c) / 32768.0;
}

static void value_sva(struct pd_cur *c, struct iec104_obj *o)
{
    o->vkind = IEC104_V_INT;
    o->ival = s16(c);
}

static void value_flt(struct pd_cur *c, struct iec104_obj *o)
{
    uint32_t bits = pd_u32le(c);
    float f;
    memcpy(&f, &bits, sizeof f);
    o->vkind = IEC104_V_FLOAT;
    o->fval = f;
}

static void value_int(struct iec104_obj *o, int64_t v)
{
    o->vkind = IEC104_V_INT;
    o->ival = v;
}

static void qual_set(struct iec104_obj *o, uint8_t kind, uint8_t q)
{
    o->qkind = kind;
    o->qual = q;
}

/* A command qualifier octet: QU or QL in the low bits, S/E in bit 8. */
static void command_qual(struct iec104_asdu *a, struct iec104_obj *o, uint8_t q, uint8_t code,
                         int first)
{
    qual_set(o, IEC104_Q_CODE, code);
    if (first) {
        a->has_se = 1;
        a->se = q >> 7;
    }
}

/* Decodes one element (layout, then the time tag) from its own window e. */
static void element_decode(struct pd_cur *e, const struct iec104_type_info *ti,
                           struct iec104_asdu *a, struct iec104_obj *o, int first)
{
    uint8_t b;
    switch (ti->layout) {
    case IEC104_L_SIQ:
        b = pd_u8(e);
        value_int(o, b & 0x01);
        qual_set(o, IEC104_Q_QDS, b & 0xf0);
        break;
    case IEC104_L_DIQ:
        b = pd_u8(e);
        value_int(o, b & 0x03);
        qual_set(o, IEC104_Q_QDS, b & 0xf0);
        break;
    case IEC104_L_VTI_QDS:
        b = pd_u8(e);
        value_int(o, (b & 0x40) ? (int)(b & 0x7f) - 128 : (int)(b & 0x3f));
        o->has_transient = 1;
        o->transient = b >> 7;
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_BSI_QDS:
        value_int(o, pd_u32le(e));
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_NVA_QDS:
        value_nva(e, o);
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_SVA_QDS:
        value_sva(e, o);
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_FLT_QDS:
        value_flt(e, o);
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_AID_BCR:
        pd_skip(e, 2); /* association id */
        /* fall through */
    case IEC104_L_BCR:
        value_int(o, s32(e));
        b = pd_u8(e);
        o->has_seq = 1;
        o->seq = b & 0x1f;
        qual_set(o, IEC104_Q_BCR, b & 0xe0);
        break;
    case IEC104_L_SEP_CP16:
        b = pd_u8(e);
        value_int(o, b & 0x03);
        qual_set(o, IEC104_Q_QDP, b & 0xf8);
        o->has_elapsed = 1;
        o->elapsed_ms = pd_u16le(e);
        break;
    case IEC104_L_SPE_QDP_CP16:
    case IEC104_L_OCI_QDP_CP16:
        value_int(o, pd_u8(e));
        qual_set(o, IEC104_Q_QDP, pd_u8(e) & 0xf8);
        o->has_elapsed = 1;
        o->elapsed_ms = pd_u16le(e);
        break;
    case IEC104_L_SCD_QDS:
        value_int(o, pd_u32le(e));
        qual_set(o, IEC104_Q_QDS, pd_u8(e) & 0xf1);
        break;
    case IEC104_L_NVA:
        value_nva(e, o);
        break;
    case IEC104_L_SCO:
        b = pd_u8(e);
        value_int(o, b & 0x01);
        command_qual(a, o, b, (b >> 2) & 0x1f, first);
        break;
    case IEC104_L_DCO:
    case IEC104_L_RCO:
        b = pd_u8(e);
        value_int(o, b & 0x03);
        command_qual(a, o, b, (b >> 2) & 0x1f, first);
        break;
    case IEC104_L_NVA_QOS:
    case IEC104_L_SVA_QOS:
    case IEC104_L_FLT_QOS:
        if (ti->layout == IEC104_L_NVA_QOS)
            value_nva(e, o);
        else if (ti->layout == IEC104_L_SVA_QOS)
            value_sva(e, o);
        else
            value_flt(e, o);
        b = pd_u8(e);
        command_qual(a, o, b, b & 0x7f, first);
        break;
    case IEC104_L_BSI:
        value_int(o, pd_u32le(e));
        break;
    case IEC104_L_COI:
        b = pd_u8(e);
        value_int(o, b & 0x7f);
        qual_set(o, IEC104_Q_CODE, b >> 7);
        break;
    case IEC104_L_QCC:
        b = pd_u8(e);
        value_int(o, b & 0x3f);
        qual_set(o, IEC104_Q_CODE, b >> 6);
        break;
    case IEC104_L_QOI:
    case IEC104_L_QRP:
    case IEC104_L_QPA:
        value_int(o, pd_u8(e));
        break;
    case IEC104_L_FBP:
    case IEC104_L_CP16:
    case IEC104_L_TSC:
        value_int(o, pd_u16le(e));
        break;
    case IEC104_L_NVA_QPM:
        value_nva(e, o);
        qual_set(o, IEC104_Q_CODE, pd_u8(e));
        break;
    case IEC104_L_SVA_QPM:
        value_sva(e, o);
        qual_set(o, IEC104_Q_CODE, pd_u8(e));
        break;
    case IEC104_L_FLT_QPM:
        value_flt(e, o);
        qual_set(o, IEC104_Q_CODE, pd_u8(e));
        break;
    case IEC104_L_F_FR:
    case IEC104_L_F_DR:
        value_int(o, pd_u16le(e)); /* name of file */
        o->has_length = 1;
        o->length = pd_u24le(e);
        qual_set(o, IEC104_Q_CODE, pd_u8(e)); /* FRQ or SOF */
        break;
    case IEC104_L_F_SR:
        value_int(o, pd_u16le(e));
        o->has_section = 1;
        o->section = pd_u8(e);
        o->has_length = 1;
        o->length = pd_u24le(e);
        qual_set(o, IEC104_Q_CODE, pd_u8(e)); /* SRQ */
        break;
    case IEC104_L_F_SC:
    case IEC104_L_F_LS:
    case IEC104_L_F_AF:
        value_int(o, pd_u16le(e));
        o->has_section = 1;
        o->section = pd_u8(e);
        qual_set(o, IEC104_Q_CODE, pd_u8(e)); /* SCQ, LSQ or AFQ */
        if (ti->layout == IEC104_L_F_LS)
            pd_skip(e, 1); /* checksum */
        break;
    case IEC104_L_F_SCNB:
        value_int(o, pd_u16le(e));
        o->tkind = IEC104_T_CP56;
        time_read(e, IEC104_T_CP56, &o->t); /* range start; the stop time follows */
        pd_skip(e, 7);
        break;
    default: /* IEC104_L_EMPTY */
        break;
    }
    if (ti->time != IEC104_T_NONE) {
        o->tkind = ti->time;
        time_read(e, ti->time, &o->t);
    }
}

/* A file segment (F_SG_NA_1): NOF, NOS, LOS and LOS octets of file data. */
static void segment_decode(struct pd_cur *c, struct iec104_obj *o)
{
    value_int(o, pd_u16le(c));
    o->has_section = 1;
    o->section = pd_u8(c);
    uint8_t los = pd_u8(c);
    o->has_length = 1;
    o->length = los;
    pd_skip(c, los);
}

static uint32_t ioa_next(struct pd_cur *c, const struct iec104_asdu *a, uint32_t prev, unsigned i)
{
    if (i == 0 || !a->sq)
        return pd_u24le(c);
    return (prev + 1) & 0xffffff;
}

static void object_init(struct iec104_obj *o, uint32_t ioa)
{
    memset(o, 0, sizeof *o);
    o->ioa = ioa;
}

int iec104_asdu_decode(struct pd_ctx *ctx, struct pd_cur *c, struct iec104_asdu *a)
{
    char detail[160];
    a->type = pd_u8(c);
    uint8_t vsq = pd_u8(c);
    uint8_t cot = pd_u8(c);
    a->oa = pd_u8(c);
    a->ca = pd_u16le(c);
    a->sq = vsq >> 7;
    a->num = vsq & 0x7f; /* 7 bits: at most 127 objects, the size of objects[] */
    a->cot = cot & 0x3f;
    a->neg = (cot >> 6) & 1;
    a->test = cot >> 7;
    a->has_se = a->se = a->decoded = a->truncated = a->n_objects = 0;
    if (c->err) {
        ctx->anomaly(ctx, "iec104_truncated", "ASDU shorter than its 6-octet header");
        return -1;
    }

    const struct iec104_type_info *ti = iec104_type(a->type);
    if (ti == NULL || ti->layout == IEC104_L_OPAQUE) {
        if (ti == NULL && a->type < 128) {
            snprintf(detail, sizeof detail, "type id %u is not a standard type", a->type);
            ctx->anomaly(ctx, "iec104_unknown_type", detail);
        }
        /* structure unknown: keep the first IOA only (secure authentication has none) */
        if (ti == NULL && pd_has(c, 3) && ctx->lim->max_items > 0) {
            object_init(&a->objects[0], pd_u24le(c));
            a->n_objects = 1;
        }
        return 0;
    }
    a->decoded = 1;

    unsigned keep = ctx->lim->max_items < IEC104_MAX_OBJECTS ? ctx->lim->max_items
                                                              : IEC104_MAX_OBJECTS;
    uint32_t ioa = 0;
    unsigned i;
    for (i = 0; i < a->num; i++) {
        ioa = ioa_next(c, a, ioa, i);
        struct iec104_obj scratch;
        struct iec104_obj *o = a->n_objects < keep ? &a->objects[a->n_objects] : &scratch;
        object_init(o, ioa);
        if (ti->layout == IEC104_L_F_SG) {
            segment_decode(c, o);
        } else {
            struct pd_cur e = pd_sub(c, (size_t)ti->size);
            if (e.err)
                break;
            element_decode(&e, ti, a, o, i == 0);
            if (e.err || pd_left(&e) != 0) {
                snprintf(detail, sizeof detail, "%s element decoder disagrees with size %d",
                         ti->name, ti->size);
                ctx->anomaly(ctx, "iec104_internal", detail);
                return -1;
            }
        }
        if (c->err)
            break;
        if (o != &scratch)
            a->n_objects++;
    }
    a->truncated = a->num > a->n_objects && i == a->num;

    if (i < a->num || c->err) {
        snprintf(detail, sizeof detail, "%s: VSQ declares %u objects (SQ=%u), octets for %u",
                 ti->name, a->num, a->sq, i);
        ctx->anomaly(ctx, "iec104_truncated", detail);
        return -1;
    }
    if (pd_left(c) != 0) {
        snprintf(detail, sizeof detail, "%s: %zu octets after the %u objects the VSQ declares",
                 ti->name, pd_left(c), a->num);
        ctx->anomaly(ctx, "iec104_malformed", detail);
        return -1;
    }
    return 0;
}
