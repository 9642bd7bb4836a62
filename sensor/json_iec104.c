/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_iec104.c - writes the `iec104` object of an ics event (EVENTS.md) from the record
 * the IEC 60870-5-104 dissector emitted (dissectors/iec104.h): APCI, sequence numbers,
 * U function, and the ASDU with its information objects. The field table in iec104.c
 * documents every name written here.
 */

#include "iec104.h"
#include "iec104_tz.h"
#include "json_proto.h"

static int days_in_month(unsigned year, unsigned month)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && year % 4 == 0) /* 2000..2099: every fourth year is a leap year */
        return 29;
    return days[month - 1];
}

static int cp56_valid(const struct iec104_time *t)
{
    return t->ms <= 59999 && t->min <= 59 && t->hour <= 23 && t->month >= 1 &&
           t->month <= 12 && t->day >= 1 && t->day <= days_in_month(2000u + t->year, t->month);
}

#define CP56_TEXT_LEN 24 /* 2024-01-31T23:59:59.999Z */

/* YYYY-MM-DDTHH:MM:SS.mmm (and Z when utc), every field in range. */
static size_t put_time(char *buf, unsigned year, unsigned mon, unsigned day, unsigned hour,
                       unsigned min, unsigned ms, int utc)
{
    char *b = buf;
    b = jw_put_fixed(b, year, 4);
    *b++ = '-';
    b = jw_put_fixed(b, mon, 2);
    *b++ = '-';
    b = jw_put_fixed(b, day, 2);
    *b++ = 'T';
    b = jw_put_fixed(b, hour, 2);
    *b++ = ':';
    b = jw_put_fixed(b, min, 2);
    *b++ = ':';
    b = jw_put_fixed(b, ms / 1000u, 2);
    *b++ = '.';
    b = jw_put_fixed(b, ms % 1000u, 3);
    if (utc)
        *b++ = 'Z';
    return (size_t)(b - buf);
}

/* time_tag: the CP56Time2a as sent (wall clock, no zone); time_utc: read in the zone set
 * for the common address (dissect.iec104.time_zone, time_zone_by_ca). */
static void write_cp56(struct jw *w, const struct iec104_time *t, uint16_t ca)
{
    char buf[CP56_TEXT_LEN];
    size_t n = put_time(buf, 2000u + t->year, t->month, t->day, t->hour, t->min, t->ms, 0);
    jw_namen(w, "time_tag", buf, n);
    int utc_zone = 0;
    int64_t us = iec104_tz_to_utc_z(ca, 2000u + t->year, t->month, t->day, t->hour, t->min,
                                    t->ms, t->su, &utc_zone);
    unsigned y, mo, d, h, mi, ms;
    if (utc_zone) { /* the tag is UTC already: the same text with its Z */
        buf[n] = 'Z';
        jw_namen(w, "time_utc", buf, n + 1);
        return;
    }
    if (us < 0)
        return;
    iec104_tz_civil(us, &y, &mo, &d, &h, &mi, &ms); /* years 1999..2100: 4 digits */
    jw_namen(w, "time_utc", buf, put_time(buf, y, mo, d, h, mi, ms, 1));
}

static void write_time(struct jw *w, const struct iec104_obj *o, uint16_t ca)
{
    const struct iec104_time *t = &o->t;
    if (o->tkind == IEC104_T_CP24) {
        jw_obj_begin(w, "time_cp24");
        jw_uint(w, "min", t->min);
        jw_uint(w, "ms", t->ms);
        jw_obj_end(w);
    } else if (cp56_valid(t)) {
        write_cp56(w, t, ca);
    } else {
        jw_obj_begin(w, "time_raw");
        jw_uint(w, "year", t->year);
        jw_uint(w, "month", t->month);
        jw_uint(w, "day", t->day);
        jw_uint(w, "hour", t->hour);
        jw_uint(w, "min", t->min);
        jw_uint(w, "ms", t->ms);
        jw_obj_end(w);
    }
    if (t->iv)
        jw_bool(w, "time_iv", 1);
    if (o->tkind == IEC104_T_CP56 && t->su)
        jw_bool(w, "time_su", 1);
}

/* The quality flags each kind of qualifier carries, in the order they are written. */
static void write_qual_names(struct jw *w, uint8_t kind, uint8_t q)
{
    static const struct {
        uint8_t kinds; /* bit per enum iec104_qkind */
        uint8_t bit;
        const char *name;
    } flags[] = {
        {1 << IEC104_Q_QDS | 1 << IEC104_Q_QDP | 1 << IEC104_Q_BCR, 0x80, "IV"},
        {1 << IEC104_Q_QDS | 1 << IEC104_Q_QDP, 0x40, "NT"},
        {1 << IEC104_Q_QDS | 1 << IEC104_Q_QDP, 0x20, "SB"},
        {1 << IEC104_Q_QDS | 1 << IEC104_Q_QDP, 0x10, "BL"},
        {1 << IEC104_Q_QDP, 0x08, "EI"},
        {1 << IEC104_Q_QDS, 0x01, "OV"},
        {1 << IEC104_Q_BCR, 0x40, "CA"},
        {1 << IEC104_Q_BCR, 0x20, "CY"},
    };
    if (kind == IEC104_Q_CODE || q == 0)
        return;
    jw_arr_begin(w, "qual_names");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if ((flags[i].kinds & (1u << kind)) && (q & flags[i].bit))
            jw_name(w, NULL, flags[i].name);
    jw_arr_end(w);
}

static void write_object(struct jw *w, const struct iec104_obj *o, uint16_t ca)
{
    jw_obj_begin(w, NULL);
    jw_uint(w, "ioa", o->ioa);
    if (o->vkind == IEC104_V_INT)
        jw_int(w, "value", o->ival);
    else if (o->vkind == IEC104_V_FLOAT)
        jw_double(w, "value", o->fval);
    if (o->qkind != IEC104_Q_NONE) {
        jw_uint(w, "qual", o->qual);
        write_qual_names(w, o->qkind, o->qual);
    }
    if (o->has_transient)
        jw_bool(w, "transient", o->transient);
    if (o->has_seq)
        jw_uint(w, "seq", o->seq);
    if (o->has_elapsed)
        jw_uint(w, "elapsed_ms", o->elapsed_ms);
    if (o->has_section)
        jw_uint(w, "section", o->section);
    if (o->has_length)
        jw_uint(w, "length", o->length);
    if (o->tkind != IEC104_T_NONE)
        write_time(w, o, ca);
    jw_obj_end(w);
}

static void write_asdu(struct jw *w, const struct iec104_asdu *a)
{
    jw_obj_begin(w, "asdu");
    jw_uint(w, "type", a->type);
    const struct iec104_type_info *ti = iec104_type(a->type);
    if (ti)
        jw_name(w, "type_name", ti->name);
    jw_bool(w, "sq", a->sq);
    jw_uint(w, "num", a->num);
    jw_uint(w, "cot", a->cot);
    const char *cot = iec104_cot_name(a->cot);
    if (cot)
        jw_name(w, "cot_name", cot);
    jw_bool(w, "neg", a->neg);
    jw_bool(w, "test", a->test);
    jw_uint(w, "oa", a->oa);
    jw_uint(w, "ca", a->ca);
    if (a->has_se)
        jw_name(w, "se", a->se ? "select" : "execute");
    jw_arr_begin(w, "objects");
    for (unsigned i = 0; i < a->n_objects && i < IEC104_MAX_OBJECTS; i++)
        write_object(w, &a->objects[i], a->ca);
    jw_arr_end(w);
    if (a->truncated)
        jw_bool(w, "truncated", 1);
    for (unsigned i = 0; i < a->n_objects && i < IEC104_MAX_OBJECTS; i++)
        if (a->objects[i].tkind == IEC104_T_CP56) { /* the zone time_utc was read in */
            jw_name(w, "time_zone", iec104_tz_name(a->ca));
            break;
        }
    jw_obj_end(w);
}

/* The actcon / actterm of a command transaction: its APCI numbers, ASDU head, latency. */
static void write_answer(struct jw *w, const char *name, const struct iec104_answer *a)
{
    jw_obj_begin(w, name);
    jw_uint(w, "tx", a->tx);
    jw_uint(w, "rx", a->rx);
    jw_uint(w, "cot", a->cot);
    const char *cot = iec104_cot_name(a->cot);
    if (cot)
        jw_name(w, "cot_name", cot);
    jw_bool(w, "neg", a->neg);
    jw_bool(w, "test", a->test);
    jw_uint(w, "oa", a->oa);
    jw_bool(w, "sq", a->sq);
    jw_uint(w, "num", a->num);
    jw_uint(w, "latency_us", a->latency_us);
    jw_obj_end(w);
}

void json_iec104(struct jw *w, const void *rec)
{
    const struct iec104_rec *r = rec;
    char apci[2] = {r->apci, '\0'};
    jw_obj_begin(w, "iec104");
    jw_name(w, "apci", apci);
    if (r->apci == 'I') {
        jw_uint(w, "tx", r->tx);
        jw_uint(w, "rx", r->rx);
    }
    const char *u = iec104_u_name(r->u_func);
    if (r->apci == 'U' && u)
        jw_name(w, "u_func", u);
    if (r->has_asdu)
        write_asdu(w, &r->asdu);
    if (r->is_command && r->has_con)
        write_answer(w, "confirm", &r->con);
    if (r->is_command && r->has_term)
        write_answer(w, "term", &r->term);
    jw_obj_end(w);
}
