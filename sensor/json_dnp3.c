/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_dnp3.c - writes a DNP3 record (struct dnp3_rec, dissectors/dnp3.h) as the event's
 * `dnp3` object, field names as in EVENTS.md and the field table in dnp3_names.c. The
 * request's objects go under `objects`, the outstation's under `resp_objects`; a record
 * that starts with a response (unsolicited or unpaired) has only `resp_objects`.
 */
#include "dnp3.h"
#include "json_proto.h"

/* Points and objects stop being written when less than this is left in the event buffer,
 * so a record at the caps (256 CROBs each way) still fits; what is left out is counted in
 * `json_omitted`. */
#define JSON_RESERVE 3072

static int room_left(const struct jw *w)
{
    return w->cap > w->len && w->cap - w->len >= JSON_RESERVE;
}

/* The names every record has, quoted once at start-up (jw_slot): group names by group,
 * application function names by function code, link function names by the PRM bit and
 * the function, IIN names by bit. */
static struct jw_slot group_slot[256], func_slot[256], link_func_slot[32], iin_slot[16];

static unsigned link_func_key(uint8_t ctrl)
{
    return (ctrl & DNP3_LC_PRM) >> 2 | (ctrl & DNP3_LC_FUNC);
}

__attribute__((constructor)) static void name_slots_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        jw_slot_set(&group_slot[i], dnp3_group_name(i));
        jw_slot_set(&func_slot[i], dnp3_func_name(i));
    }
    for (unsigned ctrl = 0; ctrl < 0x50; ctrl++)
        if ((ctrl & 0x30) == 0)
            jw_slot_set(&link_func_slot[link_func_key((uint8_t)ctrl)], dnp3_link_func_name(ctrl));
    for (unsigned bit = 0; bit < 16; bit++)
        jw_slot_set(&iin_slot[bit], dnp3_iin_name(bit));
}

/*
 * "dnp3":{ then the link header of the fragment's first frame and the application header,
 * with one bounds check (under 400 bytes); json_dnp3 closes the object. FCB and FCV mean something only in primary frames and
 * DFC only in secondary ones (IEEE 1815-2012 9.2.4.1.3), so each frame gets its own pair,
 * as Wireshark shows them.
 */
#define HEADER_MAX 400

static void write_header(struct jw *w, const struct dnp3_frag *f)
{
    uint8_t ctrl = f->link_ctrl;
    char *o = jw_raw_open(w, HEADER_MAX);
    if (!o)
        return;
    o = jw_put_lit(o, "\"dnp3\":{\"link\":{\"src\":");
    o = jw_put_uint(o, f->src);
    o = jw_put_lit(o, ",\"dst\":");
    o = jw_put_uint(o, f->dst);
    o = jw_put_lit(o, ",\"func\":");
    o = jw_put_u8(o, ctrl & DNP3_LC_FUNC);
    o = jw_put_lit(o, ",\"func_name\":");
    o = jw_put_slot(o, &link_func_slot[link_func_key(ctrl)]);
    o = jw_put_lit(o, ",\"dir\":");
    o = jw_put_bool(o, (ctrl & DNP3_LC_DIR) != 0);
    o = jw_put_lit(o, ",\"prm\":");
    o = jw_put_bool(o, (ctrl & DNP3_LC_PRM) != 0);
    if (ctrl & DNP3_LC_PRM) {
        o = jw_put_lit(o, ",\"fcb\":");
        o = jw_put_bool(o, (ctrl & DNP3_LC_FCB) != 0);
        o = jw_put_lit(o, ",\"fcv\":");
        o = jw_put_bool(o, (ctrl & DNP3_LC_FCV) != 0);
    } else {
        o = jw_put_lit(o, ",\"dfc\":");
        o = jw_put_bool(o, (ctrl & DNP3_LC_DFC) != 0);
    }
    o = jw_put_lit(o, ",\"len\":");
    o = jw_put_u8(o, f->link_len);
    o = jw_put_lit(o, "},\"func\":");
    o = jw_put_u8(o, f->func);
    o = jw_put_lit(o, ",\"func_name\":");
    o = jw_put_slot(o, &func_slot[f->func]);
    o = jw_put_lit(o, ",\"seq\":");
    o = jw_put_uint(o, f->ac & DNP3_AC_SEQ);
    o = jw_put_lit(o, ",\"fir\":");
    o = jw_put_bool(o, (f->ac & DNP3_AC_FIR) != 0);
    o = jw_put_lit(o, ",\"fin\":");
    o = jw_put_bool(o, (f->ac & DNP3_AC_FIN) != 0);
    o = jw_put_lit(o, ",\"con\":");
    o = jw_put_bool(o, (f->ac & DNP3_AC_CON) != 0);
    o = jw_put_lit(o, ",\"uns\":");
    o = jw_put_bool(o, (f->ac & DNP3_AC_UNS) != 0);
    jw_raw_close(w, o);
    jw_raw_enter(w, 1);
}

/* "iin":[names of the bits set],"iin_raw":n — 16 names at most */
#define IIN_MAX (16 * (JW_NAME_MAX + 3) + 32)

static void write_iin(struct jw *w, uint16_t iin)
{
    char *o = jw_raw_open(w, IIN_MAX);
    if (!o)
        return;
    o = jw_put_lit(o, "\"iin\":[");
    for (unsigned left = iin, first = 1; left; first = 0) {
        unsigned bit = 31u - (unsigned)__builtin_clz(left); /* highest first */
        left &= ~(1u << bit);
        if (!first)
            *o++ = ',';
        o = jw_put_slot(o, &iin_slot[bit]);
    }
    o = jw_put_lit(o, "],\"iin_raw\":");
    o = jw_put_uint(o, iin);
    jw_raw_close(w, o);
}

/* The common point: an index, an integer value, flags, a time. put_point writes one in at
 * most 125 bytes with no bounds check of its own (the caller reserved POINT_FAST_MAX);
 * write_point writes the other kinds. */
#define POINT_FAST_MAX 160

static int point_simple(const struct dnp3_point *pt)
{
    return pt->type <= DNP3_PT_INT && !(pt->has & DNP3_PH_STATUS);
}

/* v in decimal, the common values under 10,000 without a call */
static inline char *put_num(char *o, uint64_t v)
{
    return v < 10000 ? jw_put_small_(o, (unsigned)v) : jw_put_uint(o, v);
}

static char *put_point(char *o, const struct dnp3_point *pt)
{
    o = jw_put_lit(o, "{\"index\":");
    o = put_num(o, pt->index);
    if (pt->has & DNP3_PH_VALUE) {
        o = jw_put_lit(o, ",\"value\":");
        if (pt->type == DNP3_PT_INT && pt->v.i < 0) {
            *o++ = '-';
            o = put_num(o, (uint64_t)0 - (uint64_t)pt->v.i);
        } else {
            o = put_num(o, pt->v.u);
        }
    }
    if (pt->has & DNP3_PH_FLAGS) {
        o = jw_put_lit(o, ",\"flags\":");
        o = jw_put_u8(o, pt->flags);
    }
    if (pt->has & (DNP3_PH_TIME | DNP3_PH_RELTIME)) {
        if (pt->has & DNP3_PH_TIME)
            o = jw_put_lit(o, ",\"time\":");
        else
            o = jw_put_lit(o, ",\"rel_time_ms\":");
        o = jw_put_uint(o, pt->time.ms);
    }
    *o++ = '}';
    return o;
}

static void write_point(struct jw *w, const struct dnp3_point *pt)
{
    if (point_simple(pt)) {
        char *o = jw_raw_open(w, POINT_FAST_MAX);
        if (o)
            jw_raw_close(w, put_point(o, pt));
        return;
    }
    jw_obj_begin(w, NULL);
    jw_uint(w, "index", pt->index);
    if (pt->has & DNP3_PH_VALUE) {
        if (pt->type == DNP3_PT_INT || (pt->type == DNP3_PT_ATTR && pt->status == 3))
            jw_int(w, "value", pt->v.i);
        else if (pt->type == DNP3_PT_FLOAT)
            jw_double(w, "value", pt->v.f);
        else
            jw_uint(w, "value", pt->v.u);
    }
    if (pt->has & DNP3_PH_FLAGS)
        jw_uint(w, "flags", pt->flags);
    if (pt->has & DNP3_PH_TIME)
        jw_uint(w, "time", pt->time.ms);
    if (pt->has & DNP3_PH_RELTIME)
        jw_uint(w, "rel_time_ms", pt->time.ms);
    if (pt->type == DNP3_PT_CROB) {
        jw_name(w, "op_type", dnp3_crob_op_name((unsigned)pt->v.u));
        jw_name(w, "tcc", dnp3_crob_tcc_name((unsigned)pt->v.u));
        jw_bool(w, "queue", (pt->v.u & 0x10) != 0);
        jw_bool(w, "clear", (pt->v.u & 0x20) != 0);
        jw_uint(w, "count", pt->count);
        jw_uint(w, "on_ms", pt->time.pulse.on_ms);
        jw_uint(w, "off_ms", pt->time.pulse.off_ms);
    }
    if (pt->type == DNP3_PT_ATTR)
        jw_uint(w, "data_type", pt->status);
    else if (pt->has & DNP3_PH_STATUS) {
        jw_uint(w, "status", pt->status);
        jw_name(w, "status_name", dnp3_status_name(pt->status));
    }
    jw_obj_end(w);
}

static void write_ext(struct jw *w, const struct dnp3_object *o)
{
    if (o->group == 0 && o->var >= 0xf0)
        jw_name(w, "attr_name", dnp3_attr_name(o->var));
    if ((o->has & DNP3_OH_TEXT) && !(o->has & DNP3_OH_FILE))
        jw_strn(w, "text", o->text, o->text_len);
    if (o->has & DNP3_OH_FILE) {
        jw_obj_begin(w, "file");
        if (o->has & DNP3_OH_TEXT)
            jw_strn(w, "name", o->text, o->text_len);
        if (o->ext.file.has_handle)
            jw_uint(w, "handle", o->ext.file.handle);
        if (o->ext.file.has_size || o->var == 5)
            jw_uint(w, "size", o->ext.file.size);
        if (o->var == 3)
            jw_uint(w, "mode", o->ext.file.mode);
        if (o->var == 5 || o->var == 6) {
            jw_uint(w, "block", o->ext.file.block);
            jw_bool(w, "last", o->ext.file.last);
        }
        if (o->var == 4 || o->var == 6)
            jw_uint(w, "status", o->ext.file.status);
        jw_obj_end(w);
    }
    if (o->has & DNP3_OH_AUTH) {
        jw_obj_begin(w, "auth");
        jw_name(w, "name", dnp3_auth_name(o->var));
        if (o->ext.auth.has_seq)
            jw_uint(w, "seq", o->ext.auth.seq);
        if (o->ext.auth.has_seq || o->var == 4)
            jw_uint(w, "user", o->ext.auth.user);
        if (o->ext.auth.has_code)
            jw_uint(w, "code", o->ext.auth.code);
        jw_obj_end(w);
    }
}

/* '{', then group, var, qual, group_name, and the range or count: at most HEAD_MAX bytes,
 * ",\"points\":[" included. */
#define HEAD_MAX 256

static char *put_object_head(char *o, const struct dnp3_object *ob)
{
    o = jw_put_lit(o, "{\"group\":");
    o = jw_put_u8(o, ob->group);
    o = jw_put_lit(o, ",\"var\":");
    o = jw_put_u8(o, ob->var);
    o = jw_put_lit(o, ",\"qual\":");
    o = jw_put_u8(o, ob->qual);
    o = jw_put_lit(o, ",\"group_name\":");
    o = jw_put_slot(o, &group_slot[ob->group]);
    if (ob->has & DNP3_OH_RANGE) {
        o = jw_put_lit(o, ",\"start\":");
        o = jw_put_uint(o, ob->start);
        o = jw_put_lit(o, ",\"stop\":");
        o = jw_put_uint(o, ob->stop);
    }
    if (ob->has & DNP3_OH_COUNT) {
        o = jw_put_lit(o, ",\"count\":");
        o = jw_put_uint(o, ob->count);
    }
    return o;
}

/* The object's last members and its '}' (under 40 bytes) */
static char *put_object_tail(char *o, const struct dnp3_object *ob)
{
    if (ob->has & DNP3_OH_CAPPED)
        o = jw_put_lit(o, ",\"truncated\":true");
    if (ob->has & DNP3_OH_UNKNOWN)
        o = jw_put_lit(o, ",\"unknown\":true");
    *o++ = '}';
    return o;
}

/* Whether write_ext has nothing to write for the object (no attribute name, text, file or
 * authentication): the head and the opening of its points go out in one raw write. */
static int object_plain(const struct dnp3_object *ob)
{
    return !(ob->has & (DNP3_OH_TEXT | DNP3_OH_FILE | DNP3_OH_AUTH)) &&
           !(ob->group == 0 && ob->var >= 0xf0);
}

/* The points of ob that f holds (write_points writes the same ones) */
static unsigned points_kept(const struct dnp3_frag *f, const struct dnp3_object *ob)
{
    if (ob->first_point >= f->n_points)
        return 0;
    unsigned kept = (unsigned)f->n_points - ob->first_point;
    return ob->n_points < kept ? ob->n_points : kept;
}

/*
 * An object's points. Runs of simple points go out with one bounds check for the run, as
 * many as fit POINT_FAST_MAX each above JSON_RESERVE; the others, and the last ones before
 * the reserve, one at a time while room_left, so what is written and what is counted in
 * `omitted` is the same as point by point.
 */
static void write_points(struct jw *w, const struct dnp3_frag *f, const struct dnp3_object *ob,
                         unsigned *omitted)
{
    unsigned n = points_kept(f, ob);
    const struct dnp3_point *pt = &f->pt[ob->first_point];
    unsigned k = 0;
    while (k < n) {
        if (!room_left(w)) {
            *omitted += n - k;
            return;
        }
        size_t fit = (w->cap - w->len - JSON_RESERVE) / POINT_FAST_MAX;
        unsigned most = n - k < fit ? n - k : (unsigned)fit;
        if (most == 0 || !point_simple(&pt[k])) {
            write_point(w, &pt[k++]);
            continue;
        }
        char *o = jw_raw_open(w, (size_t)most * POINT_FAST_MAX);
        if (!o)
            return;
        unsigned j = 0;
        do {
            if (j)
                *o++ = ',';
            o = put_point(o, &pt[k + j]);
            j++;
        } while (j < most && point_simple(&pt[k + j]));
        jw_raw_close(w, o);
        k += j;
    }
}

/*
 * The common object, written whole with one bounds check: plain, every point simple, and
 * room for all of it above JSON_RESERVE, so that point by point nothing would have been
 * left out either (the output is the same). Returns 0 when ob is not such an object.
 */
static int write_object_fast(struct jw *w, const struct dnp3_frag *f,
                             const struct dnp3_object *ob)
{
    unsigned n = points_kept(f, ob);
    size_t need = HEAD_MAX + (size_t)n * POINT_FAST_MAX + 64;
    if (!object_plain(ob) || w->cap - w->len < JSON_RESERVE + need)
        return 0;
    const struct dnp3_point *pt = &f->pt[ob->first_point];
    for (unsigned j = 0; j < n; j++)
        if (!point_simple(&pt[j]))
            return 0;
    char *o = jw_raw_open(w, need);
    if (!o)
        return 1;
    o = put_object_head(o, ob);
    if (ob->n_points) {
        o = jw_put_lit(o, ",\"points\":[");
        for (unsigned j = 0; j < n; j++) {
            if (j)
                *o++ = ',';
            o = put_point(o, &pt[j]);
        }
        *o++ = ']';
    }
    jw_raw_close(w, put_object_tail(o, ob));
    return 1;
}

/* "objects":[...] or, with resp, "resp_objects":[...] */
static void write_objects(struct jw *w, int resp, const struct dnp3_frag *f, unsigned *omitted)
{
    char *o = jw_raw_open(w, 24);
    if (!o)
        return;
    o = resp ? jw_put_lit(o, "\"resp_objects\":[") : jw_put_lit(o, "\"objects\":[");
    jw_raw_close(w, o);
    jw_raw_enter(w, 0);
    for (unsigned i = 0; i < f->n_objects; i++) {
        const struct dnp3_object *ob = &f->obj[i];
        if (!room_left(w)) {
            *omitted += 1 + ob->n_points;
            continue;
        }
        if (write_object_fast(w, f, ob))
            continue;
        int plain = object_plain(ob);
        o = jw_raw_open(w, HEAD_MAX);
        if (!o)
            return;
        o = put_object_head(o, ob);
        if (plain && ob->n_points)
            o = jw_put_lit(o, ",\"points\":[");
        jw_raw_close(w, o);
        jw_raw_enter(w, 1);
        if (!plain) {
            write_ext(w, ob);
            if (ob->n_points)
                jw_arr_begin(w, "points");
        } else if (ob->n_points) {
            jw_raw_enter(w, 0);
        }
        if (ob->n_points) {
            write_points(w, f, ob, omitted);
            jw_arr_end(w);
        }
        o = jw_raw_room(w, 40);
        if (!o)
            return;
        jw_raw_close(w, put_object_tail(o, ob));
        jw_raw_leave(w);
    }
    jw_arr_end(w);
}

void json_dnp3(struct jw *w, const void *p)
{
    const struct dnp3_rec *rec = p;
    const struct dnp3_frag *f = rec->first;
    const struct dnp3_frag *r = rec->resp;
    const struct dnp3_frag *answer = r ? r : (f->has_iin ? f : NULL);
    uint32_t obj_drop = f->objects_dropped + (r ? r->objects_dropped : 0);
    uint32_t pt_drop = f->points_dropped + (r ? r->points_dropped : 0);
    unsigned omitted = 0;

    write_header(w, f); /* opens the dnp3 object */
    if (answer)
        write_iin(w, answer->iin);
    if (!f->has_iin)
        write_objects(w, 0, f, &omitted);
    /* an unsolicited response is its own message: func already names it, no resp_func */
    int unsol = !r && f->func == DNP3_FC_UNSOLICITED_RESPONSE;
    if (answer && !unsol) {
        char *o = jw_raw_open(w, JW_NAME_MAX + 96);
        if (!o)
            return;
        o = jw_put_lit(o, "\"resp_func\":");
        o = jw_put_u8(o, answer->func);
        o = jw_put_lit(o, ",\"resp_func_name\":");
        o = jw_put_slot(o, &func_slot[answer->func]);
        if (r) {
            o = jw_put_lit(o, ",\"resp_seq\":");
            o = jw_put_uint(o, r->ac & DNP3_AC_SEQ);
            o = jw_put_lit(o, ",\"resp_fragments\":");
            o = jw_put_uint(o, r->n_frags);
        }
        jw_raw_close(w, o);
    }
    if (answer)
        write_objects(w, 1, answer, &omitted);
    /* the rest and the dnp3 object's '}': under 256 bytes */
    char *o = jw_raw_open(w, 256);
    if (!o)
        return;
    if (rec->con_expected && !r) {
        o = jw_put_lit(o, "\"confirmed\":");
        o = jw_put_bool(o, rec->confirmed);
        *o++ = ',';
    }
    if (rec->incomplete)
        o = jw_put_lit(o, "\"incomplete\":true,");
    o = jw_put_lit(o, "\"crc_errors\":");
    o = jw_put_uint(o, (uint64_t)f->crc_errors + (r ? r->crc_errors : 0));
    o = jw_put_lit(o, ",\"truncated\":");
    o = jw_put_bool(o, obj_drop || pt_drop);
    if (obj_drop) {
        o = jw_put_lit(o, ",\"objects_dropped\":");
        o = jw_put_uint(o, obj_drop);
    }
    if (pt_drop) {
        o = jw_put_lit(o, ",\"points_dropped\":");
        o = jw_put_uint(o, pt_drop);
    }
    if (rec->link_only) {
        o = jw_put_lit(o, ",\"link_only_frames\":");
        o = jw_put_uint(o, rec->link_only);
    }
    if (omitted) {
        o = jw_put_lit(o, ",\"json_omitted\":");
        o = jw_put_uint(o, omitted);
    }
    *o++ = '}';
    jw_raw_close(w, o);
    jw_raw_leave(w);
}
