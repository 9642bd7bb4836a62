/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_s7comm.c - the "s7comm" and "s7comm_plus" objects of ics events (EVENTS.md) from
 * the records of dissectors/s7comm.c: header, function, items with addresses, return
 * codes and capped values, userdata, blocks and block info, PI service, COTP TSAPs with
 * rack and slot, and the asset identity of SZL 0x0011/0x001C. Field table: s7comm_fields.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json_proto.h"
#include "s7comm.h"

static int tsap_printable(const uint8_t *t, size_t n)
{
    if (n <= 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0x20 || t[i] > 0x7e)
            return 0;
    return 1;
}

/* The COTP object: hex TSAPs, rack, slot, connection type and TPDU size go out with one
 * bounds check each side of the TSAP texts (those may need escaping). */
#define COTP_HEAD_MAX (64 + 4 * S7COMM_TSAP_MAX)
#define COTP_TAIL_MAX 160

static void json_cotp(struct jw *w, const struct s7comm_cotp *c)
{
    static const char *const conn[4] = {NULL, "pg", "op", "s7_basic"};
    size_t sl = c->src_len < S7COMM_TSAP_MAX ? c->src_len : S7COMM_TSAP_MAX;
    size_t dl = c->dst_len < S7COMM_TSAP_MAX ? c->dst_len : S7COMM_TSAP_MAX;
    jw_obj_begin(w, "cotp");
    char *o = jw_raw_open(w, COTP_HEAD_MAX);
    if (!o)
        return;
    o = jw_put_lit(o, "\"src_tsap\":");
    o = jw_put_hex(o, c->src_tsap, sl);
    o = jw_put_lit(o, ",\"dst_tsap\":");
    o = jw_put_hex(o, c->dst_tsap, dl);
    jw_raw_close(w, o);
    if (tsap_printable(c->src_tsap, sl))
        jw_strn(w, "src_tsap_text", (const char *)c->src_tsap, sl);
    if (tsap_printable(c->dst_tsap, dl))
        jw_strn(w, "dst_tsap_text", (const char *)c->dst_tsap, dl);
    int plc = dl == 2, tpdu = c->tpdu_size >= 7 && c->tpdu_size <= 13;
    if (plc || tpdu) {
        o = jw_raw_open(w, COTP_TAIL_MAX);
        if (!o)
            return;
        if (plc) {
            /* the called (PLC) TSAP: connection type, then rack (3 bits) and slot (5 bits) */
            o = jw_put_lit(o, "\"rack\":");
            o = jw_put_uint(o, c->dst_tsap[1] >> 5);
            o = jw_put_lit(o, ",\"slot\":");
            o = jw_put_uint(o, c->dst_tsap[1] & 0x1f);
            if (c->dst_tsap[0] >= 1 && c->dst_tsap[0] <= 3) {
                o = jw_put_lit(o, ",\"conn_type\":");
                o = jw_put_name(o, conn[c->dst_tsap[0]]);
            }
        }
        if (tpdu) {
            if (plc)
                *o++ = ',';
            o = jw_put_lit(o, "\"tpdu_size\":");
            o = jw_put_uint(o, 1u << c->tpdu_size);
        }
        jw_raw_close(w, o);
    }
    jw_obj_end(w);
}

/* One item as one raw write: the keys, numbers, four names of at most JW_NAME_MAX and the
 * kept value in hex. ITEM_KEY writes a member's key, with the comma from the second on. */
#define ITEM_MAX (256 + 4 * JW_NAME_MAX + 2 * S7COMM_VALUE_CAP)
#define ITEM_KEY(o, first, lit) \
    ((o) = (first) ? jw_put_lit((o), "\"" lit "\":") : jw_put_lit((o), ",\"" lit "\":"), \
     (first) = 0)

static void json_item(struct jw *w, const struct s7comm_item *it)
{
    char *o = jw_raw_open(w, ITEM_MAX);
    if (!o)
        return;
    int first = 1;
    *o++ = '{';
    if (it->syntax) {
        ITEM_KEY(o, first, "syntax");
        o = jw_put_name(o, s7comm_syntax_name(it->syntax));
    }
    if (it->has_addr || it->area) {
        ITEM_KEY(o, first, "area");
        o = jw_put_uint(o, it->area);
        o = jw_put_lit(o, ",\"area_name\":");
        o = jw_put_name(o, s7comm_area_name(it->area));
        o = jw_put_lit(o, ",\"db\":");
        o = jw_put_uint(o, it->db);
    }
    if (it->has_addr) {
        ITEM_KEY(o, first, "byte");
        o = jw_put_uint(o, it->byte);
        o = jw_put_lit(o, ",\"bit\":");
        o = jw_put_uint(o, it->bit);
        o = jw_put_lit(o, ",\"type\":");
        o = jw_put_uint(o, it->type);
        o = jw_put_lit(o, ",\"type_name\":");
        o = jw_put_name(o, s7comm_type_name(it->type));
        o = jw_put_lit(o, ",\"count\":");
        o = jw_put_uint(o, it->count);
    }
    if (it->has_ret) {
        ITEM_KEY(o, first, "ret");
        o = jw_put_uint(o, it->ret);
        o = jw_put_lit(o, ",\"ret_name\":");
        o = jw_put_name(o, s7comm_ret_name(it->ret));
    }
    if (it->has_value) {
        size_t kept = it->value_kept < S7COMM_VALUE_CAP ? it->value_kept : S7COMM_VALUE_CAP;
        ITEM_KEY(o, first, "value");
        o = jw_put_hex(o, it->value, kept);
        o = jw_put_lit(o, ",\"value_len\":");
        o = jw_put_uint(o, it->value_len);
        if (it->value_kept < it->value_len)
            o = jw_put_lit(o, ",\"value_truncated\":true");
    }
    *o++ = '}';
    jw_raw_close(w, o);
}

static void json_block(struct jw *w, const char *key, const struct s7comm_block *b)
{
    const char *name = s7comm_block_type_name(b->type);
    jw_obj_begin(w, key);
    if (name)
        jw_str(w, "type", name);
    else
        jw_strn(w, "type", b->type, strnlen(b->type, 2));
    if (b->has_number)
        jw_uint(w, "number", b->number);
    if (b->filesys >= 'A' && b->filesys <= 'Z')
        jw_strn(w, "filesys", (const char *)&b->filesys, 1);
    jw_obj_end(w);
}

static void json_userdata(struct jw *w, const struct s7comm_userdata *u)
{
    jw_obj_begin(w, "userdata");
    jw_name(w, "type", s7comm_ud_type_name(u->type));
    jw_uint(w, "group", u->group);
    jw_name(w, "group_name", s7comm_group_name(u->group));
    jw_uint(w, "sub", u->sub);
    jw_name(w, "sub_name", s7comm_sub_name(u->group, u->sub));
    jw_uint(w, "seq", u->seq);
    if (u->has_szl) {
        jw_uint(w, "szl_id", u->szl_id);
        jw_uint(w, "szl_index", u->szl_index);
    }
    if (u->has_count)
        jw_uint(w, "szl_count", u->szl_count);
    if (u->more)
        jw_bool(w, "more", 1);
    if (u->clock[0])
        jw_str(w, "clock", u->clock);
    jw_obj_end(w);
}

static void opt_str(struct jw *w, const char *key, const char *v)
{
    if (v[0])
        jw_str(w, key, v);
}

static void json_identity(struct jw *w, const struct s7comm_identity *id)
{
    jw_obj_begin(w, "identity");
    opt_str(w, "order_number", id->order_number);
    opt_str(w, "hw_order_number", id->hw_order_number);
    opt_str(w, "firmware", id->firmware);
    opt_str(w, "system_name", id->system_name);
    opt_str(w, "module_name", id->module_name);
    opt_str(w, "plant_name", id->plant_name);
    opt_str(w, "copyright", id->copyright);
    opt_str(w, "serial", id->serial);
    opt_str(w, "module_type", id->module_type);
    opt_str(w, "memory_card_serial", id->mc_serial);
    opt_str(w, "location", id->location);
    jw_obj_end(w);
}

/* An S7 block time (milliseconds of the day, days since 1984-01-01) as
 * "YYYY-MM-DDThh:mm:ss.mmm"; nothing when the milliseconds overrun the day. */
#define S7_EPOCH_DAYS 5113 /* 1970-01-01 to 1984-01-01 */

static void json_s7_time(struct jw *w, const char *key, uint32_t ms, uint16_t days)
{
    if (ms >= 86400000u)
        return;
    time_t t = ((time_t)days + S7_EPOCH_DAYS) * 86400 + (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    char buf[24], *o = buf; /* 2019-05-13T10:22:31.520: days < 65536 keep the year to 4 digits */
    o = jw_put_fixed(o, (unsigned)tm.tm_year + 1900u, 4);
    *o++ = '-';
    o = jw_put_fixed(o, (unsigned)tm.tm_mon + 1u, 2);
    *o++ = '-';
    o = jw_put_fixed(o, (unsigned)tm.tm_mday, 2);
    *o++ = 'T';
    o = jw_put_fixed(o, (unsigned)tm.tm_hour, 2);
    *o++ = ':';
    o = jw_put_fixed(o, (unsigned)tm.tm_min, 2);
    *o++ = ':';
    o = jw_put_fixed(o, (unsigned)tm.tm_sec, 2);
    *o++ = '.';
    o = jw_put_fixed(o, ms % 1000u, 3);
    jw_namen(w, key, buf, (size_t)(o - buf));
}

static void json_blockinfo(struct jw *w, const struct s7comm_blockinfo *b)
{
    char version[8];
    jw_obj_begin(w, "block_info");
    jw_uint(w, "flags", b->flags);
    jw_uint(w, "lang", b->lang);
    jw_name(w, "lang_name", s7comm_block_lang_name(b->lang));
    jw_uint(w, "load_len", b->load_len);
    jw_uint(w, "security", b->security);
    jw_bool(w, "know_how_protected", b->security == 3);
    json_s7_time(w, "code_time", b->code_ms, b->code_days);
    json_s7_time(w, "interface_time", b->iface_ms, b->iface_days);
    jw_uint(w, "ssb_len", b->ssb_len);
    jw_uint(w, "add_len", b->add_len);
    jw_uint(w, "local_len", b->local_len);
    jw_uint(w, "mc7_len", b->mc7_len);
    opt_str(w, "author", b->author);
    opt_str(w, "family", b->family);
    opt_str(w, "name", b->name);
    snprintf(version, sizeof version, "%u.%u", (unsigned)(b->version >> 4),
             (unsigned)(b->version & 0x0f));
    jw_str(w, "version", version);
    jw_uint(w, "checksum", b->checksum);
    jw_obj_end(w);
}

static void json_error(struct jw *w, const struct s7comm_rec *r)
{
    unsigned err = 0;
    if (r->has_error) {
        jw_uint(w, "error_class", r->error_class);
        jw_uint(w, "error_code", r->error_code);
        err = (unsigned)r->error_class << 8 | r->error_code;
    }
    if (!err && r->has_param_error)
        err = r->param_error;
    if (!err)
        return;
    jw_uint(w, "error", err);
    const char *name = s7comm_error_name(err);
    if (name)
        jw_name(w, "error_name", name);
}

void json_s7comm(struct jw *w, const void *rec)
{
    static const char *const cotp_results[] = {"cc", "dr", "er"};
    const struct s7comm_rec *r = rec;
    jw_obj_begin(w, "s7comm");
    if (r->kind == S7COMM_KIND_SESSION) {
        if (r->cotp_event)
            jw_name(w, "cotp_result", cotp_results[r->cotp_event == 0xd0 ? 0 :
                                                  r->cotp_event == 0x80 ? 1 : 2]);
    } else {
        jw_uint(w, "rosctr", r->rosctr);
        jw_name(w, "rosctr_name", s7comm_rosctr_name(r->rosctr));
        if (r->resp_rosctr)
            jw_uint(w, "resp_rosctr", r->resp_rosctr);
        jw_uint(w, "pdu_ref", r->pdu_ref);
        jw_uint(w, "param_len", r->param_len);
        jw_uint(w, "data_len", r->data_len);
        if (r->has_resp_len) {
            jw_uint(w, "resp_param_len", r->resp_param_len);
            jw_uint(w, "resp_data_len", r->resp_data_len);
        }
        if (r->has_func) {
            jw_uint(w, "func", r->func);
            jw_name(w, "func_name", s7comm_func_name(r->func));
        }
        json_error(w, r);
    }
    if (r->has_setup) {
        jw_uint(w, "pdu_size", r->pdu_size);
        jw_uint(w, "amq_calling", r->amq_calling);
        jw_uint(w, "amq_called", r->amq_called);
    }
    if (r->n_items) {
        jw_arr_begin(w, "items");
        for (unsigned i = 0; i < r->n_items && i < S7COMM_MAX_ITEMS; i++)
            json_item(w, &r->items[i]);
        jw_arr_end(w);
        if (r->items_total > r->n_items)
            jw_uint(w, "items_total", r->items_total);
    }
    if (r->ud.present)
        json_userdata(w, &r->ud);
    if (r->n_blocks) {
        json_block(w, "block", &r->blocks[0]);
        if (r->blocks_total > 1) {
            jw_arr_begin(w, "blocks");
            for (unsigned i = 0; i < r->n_blocks && i < S7COMM_MAX_BLOCKS; i++)
                json_block(w, NULL, &r->blocks[i]);
            jw_arr_end(w);
        }
    }
    if (r->binfo.present)
        json_blockinfo(w, &r->binfo);
    opt_str(w, "filename", r->filename);
    if (r->has_upload_id)
        jw_uint(w, "upload_id", r->upload_id);
    opt_str(w, "pi_service", r->pi_service);
    opt_str(w, "pi_arg", r->pi_arg);
    if (r->cotp)
        json_cotp(w, r->cotp);
    if (r->identity && r->identity->present)
        json_identity(w, r->identity);
    jw_obj_end(w);
}

void json_s7comm_plus(struct jw *w, const void *rec)
{
    const struct s7comm_plus_rec *r = rec;
    jw_obj_begin(w, "s7comm_plus");
    jw_uint(w, "version", r->version);
    if (r->encrypted) {
        jw_bool(w, "encrypted", 1);
        jw_uint(w, "tls_content_type", r->tls_type);
    } else {
        jw_uint(w, "opcode", r->opcode);
        jw_name(w, "opcode_name", s7comm_plus_opcode_name(r->opcode));
    }
    if (r->resp_opcode)
        jw_uint(w, "resp_opcode", r->resp_opcode);
    if (r->has_func) {
        jw_uint(w, "func", r->func);
        jw_name(w, "func_name", s7comm_plus_func_name(r->func));
    }
    if (r->has_seq)
        jw_uint(w, "seq", r->seq);
    if (r->has_session)
        jw_uint(w, "session", r->session);
    jw_uint(w, "data_len", r->data_len);
    if (!r->encrypted) {
        jw_bool(w, "integrity", r->integrity);
        jw_bool(w, "trailer", r->trailer);
    }
    if (r->fragments > 1)
        jw_uint(w, "fragments", r->fragments);
    if (r->has_func)
        jw_uint(w, "transport_flags", r->transport_flags);
    if (r->has_ret) {
        jw_uint(w, "ret", r->ret);
        if ((int16_t)r->ret < 0)
            jw_int(w, "error_code", (int16_t)r->ret);
    }
    if (r->has_object)
        jw_uint(w, "object_id", r->object_id);
    if (r->has_class)
        jw_uint(w, "class_id", r->class_id);
    if (r->has_created)
        jw_uint(w, "created_object", r->created_id);
    if (r->has_attribute)
        jw_uint(w, "attribute", r->attribute);
    if (r->has_state_req) {
        if (r->state_req == 1)
            jw_name(w, "plc_state_req", "stop");
        else if (r->state_req == 3)
            jw_name(w, "plc_state_req", "run");
        else
            jw_int(w, "plc_state_req", r->state_req);
    }
    if (r->cotp)
        json_cotp(w, r->cotp);
    jw_obj_end(w);
}
