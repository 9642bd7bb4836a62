/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_modbus.c - writes the "modbus" object of an ics event from a struct modbus_rec
 * (dissectors/modbus.h). Field names follow EVENTS.md; only the parts the record flags
 * as present are written, so an absent field never shows up as null. The field table
 * modbus_fields (dissectors/modbus_names.c) documents each one.
 */
#include "json_proto.h"
#include "modbus.h"

/* A register or coil array: one bounds check for all of it (a value is at most five digits
 * and a comma). */
static void values_write(struct jw *w, const char *key, const uint16_t *v, uint16_t n)
{
    jw_arr_begin(w, key);
    char *o = jw_raw_open(w, (size_t)n * 6);
    if (!o)
        return;
    for (uint16_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        o = jw_put_uint(o, v[i]);
    }
    jw_raw_close(w, o);
    jw_arr_end(w);
}

static void file_refs_write(struct jw *w, const struct modbus_rec *r)
{
    jw_arr_begin(w, "file_records");
    for (uint8_t i = 0; i < r->n_file_refs && i < MODBUS_MAX_FILE_REFS; i++) {
        const struct modbus_file_ref *f = &r->file_refs[i];
        jw_obj_begin(w, NULL);
        jw_uint(w, "ref_type", f->ref_type);
        jw_uint(w, "file", f->file);
        jw_uint(w, "record", f->record);
        jw_uint(w, "length", f->length);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (r->file_refs_truncated)
        jw_bool(w, "file_records_truncated", 1);
}

static void mei_write(struct jw *w, const struct modbus_mei *m)
{
    jw_obj_begin(w, "mei");
    jw_uint(w, "type", m->type);
    jw_str(w, "type_name", modbus_mei_type_name(m->type));
    if (m->has_req || m->has_resp)
        jw_uint(w, "read_code", m->read_code);
    if (m->has_req)
        jw_uint(w, "object_id", m->object_id);
    if (m->has_resp) {
        jw_uint(w, "conformity", m->conformity);
        jw_bool(w, "more", m->more);
        jw_uint(w, "next_object", m->next_object);
        jw_arr_begin(w, "objects");
        for (uint8_t i = 0; i < m->n_objects && i < MODBUS_MAX_MEI_OBJECTS; i++) {
            const struct modbus_mei_object *o = &m->objects[i];
            char name[32];
            modbus_mei_object_name(o->id, name, sizeof name);
            jw_obj_begin(w, NULL);
            jw_uint(w, "id", o->id);
            jw_str(w, "name", name);
            jw_strn(w, "value", (const char *)o->value, o->value ? o->len : 0);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        if (m->objects_truncated)
            jw_bool(w, "objects_truncated", 1);
    }
    jw_obj_end(w);
}

static void hex_write(struct jw *w, const char *key, const struct modbus_bytes *b)
{
    jw_hex(w, key, b->p, b->p ? b->len : 0);
}

void json_modbus(struct jw *w, const void *rec)
{
    const struct modbus_rec *r = rec;
    uint32_t h = r->has;
    jw_obj_begin(w, "modbus");
    jw_uint(w, "tid", r->tid);
    jw_uint(w, "unit", r->unit);
    jw_uint(w, "func", r->func);
    jw_name(w, "func_name", r->func_name);
    if (h & MODBUS_HAS_ADDR)
        jw_uint(w, "addr", r->addr);
    if (h & MODBUS_HAS_QTY)
        jw_uint(w, "qty", r->qty);
    if (h & MODBUS_HAS_EXCEPTION) {
        jw_uint(w, "exception", r->exception);
        jw_name(w, "exception_name", r->exception_name ? r->exception_name : "unknown");
    }
    if (h & MODBUS_HAS_SUB_FUNC) {
        jw_uint(w, "sub_func", r->sub_func);
        if (r->sub_func_name)
            jw_str(w, "sub_func_name", r->sub_func_name);
    }
    if (h & MODBUS_HAS_WRITE) {
        jw_uint(w, "write_addr", r->write_addr);
        jw_uint(w, "write_qty", r->write_qty);
    }
    if (h & MODBUS_HAS_MASKS) {
        jw_uint(w, "and_mask", r->and_mask);
        jw_uint(w, "or_mask", r->or_mask);
    }
    if (h & MODBUS_HAS_REQ_VALUES)
        values_write(w, "req_values", r->req_values, r->n_req_values);
    if (h & MODBUS_HAS_RESP_VALUES)
        values_write(w, "resp_values", r->resp_values, r->n_resp_values);
    if (h & (MODBUS_HAS_REQ_VALUES | MODBUS_HAS_RESP_VALUES))
        jw_bool(w, "values_truncated", r->values_truncated);
    if (h & MODBUS_HAS_FILE_REFS)
        file_refs_write(w, r);
    if (h & MODBUS_HAS_COMM_STATUS) {
        jw_uint(w, "comm_status", r->comm_status);
        jw_uint(w, "event_count", r->event_count);
    }
    if (h & MODBUS_HAS_MSG_COUNT) {
        jw_uint(w, "message_count", r->message_count);
        hex_write(w, "events", &r->events);
    }
    if (h & MODBUS_HAS_OUTPUT_DATA)
        jw_uint(w, "output_data", r->output_data);
    if (h & MODBUS_HAS_SERVER_ID)
        hex_write(w, "server_id", &r->server_id);
    if (h & MODBUS_HAS_RUN_INDICATOR)
        jw_bool(w, "run_indicator", r->run_indicator);
    if (h & MODBUS_HAS_UMAS) {
        jw_uint(w, "umas_func", r->umas_func);
        jw_str(w, "umas_func_name", r->umas_func_name ? r->umas_func_name : "unknown");
    }
    if (h & MODBUS_HAS_UMAS_STATUS)
        jw_uint(w, "umas_status", r->umas_status);
    if (h & MODBUS_HAS_REQ_RAW)
        hex_write(w, "req_raw", &r->req_raw);
    if (h & MODBUS_HAS_RESP_RAW)
        hex_write(w, "resp_raw", &r->resp_raw);
    if (r->req_raw.truncated || r->resp_raw.truncated || r->server_id.truncated ||
        r->events.truncated)
        jw_bool(w, "raw_truncated", 1);
    if (h & MODBUS_HAS_MEI)
        mei_write(w, &r->mei);
    if (h & MODBUS_HAS_ERROR)
        jw_str(w, "error", r->error ? r->error : "malformed");
    jw_obj_end(w);
}
