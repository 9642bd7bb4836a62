/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_opcua.c - writes the "opcua" object of an ics event from a struct opcua_rec
 * (dissectors/opcua.h), field names as in EVENTS.md and the dissector's field table. Node
 * ids use the OPC 10000-6 5.3.1.10 text form ("ns=2;s=Temp"); StatusCodes are written as
 * "0x%08X" strings with their StatusCode.csv name beside them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json_proto.h"
#include "opcua.h"

#define NODE_TEXT_MAX 96

/* Appends n bytes to a bounded text buffer. */
static void text_add(char *dst, size_t cap, size_t *len, const void *src, size_t n)
{
    if (*len >= cap - 1)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
}

static void text_fmt_u(char *dst, size_t cap, size_t *len, const char *pre, uint32_t v)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, "%s%u", pre, (unsigned)v);
    if (k > 0)
        text_add(dst, cap, len, tmp, (size_t)k);
}

static void guid_text(const uint8_t *g, char *out, size_t cap)
{
    /* Data1 (UInt32 LE), Data2 and Data3 (UInt16 LE), then Data4 as 8 bytes in order */
    snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
             g[13], g[14], g[15]);
}

static void base64_add(char *dst, size_t cap, size_t *len, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        text_add(dst, cap, len, q, 4);
    }
}

/* The node id as text into out; returns its length. */
static size_t nodeid_text(const struct opcua_nodeid *id, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    if (id->ns != 0) {
        text_fmt_u(out, cap, &len, "ns=", id->ns);
        text_add(out, cap, &len, ";", 1);
    }
    switch (id->kind) {
    case OPCUA_NID_NUMERIC:
        text_fmt_u(out, cap, &len, "i=", id->num);
        break;
    case OPCUA_NID_STRING:
        text_add(out, cap, &len, "s=", 2);
        text_add(out, cap, &len, id->raw, id->len);
        break;
    case OPCUA_NID_GUID: {
        char g[40];
        guid_text(id->raw, g, sizeof g);
        text_add(out, cap, &len, "g=", 2);
        text_add(out, cap, &len, g, strlen(g));
        break;
    }
    case OPCUA_NID_OPAQUE:
        text_add(out, cap, &len, "b=", 2);
        base64_add(out, cap, &len, id->raw, id->len);
        break;
    default:
        break;
    }
    if (id->cut)
        text_add(out, cap, &len, "...", 3);
    return len;
}

static void put_nodeid(struct jw *w, const char *key, const struct opcua_nodeid *id)
{
    char text[NODE_TEXT_MAX];
    size_t n = nodeid_text(id, text, sizeof text);
    jw_strn(w, key, text, n);
}

static void put_status(struct jw *w, const char *key, const char *name_key, uint32_t status)
{
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08X", (unsigned)status);
    jw_str(w, key, hex);
    const char *name = opcua_status_name(status);
    if (name)
        jw_str(w, name_key, name);
}

/* DateTime ticks (100 ns since 1601-01-01 UTC) as RFC 3339, or the raw ticks. */
static void put_datetime(struct jw *w, int64_t ticks)
{
    const int64_t epoch_delta = 116444736000000000LL; /* 1601 -> 1970 in ticks */
    const int64_t max_ticks = 2650467743990000000LL;  /* 9999-12-31 */
    if (ticks < epoch_delta || ticks > max_ticks) {
        jw_int(w, "value", ticks);
        return;
    }
    int64_t us = (ticks - epoch_delta) / 10;
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    char buf[40];
    if (!gmtime_r(&secs, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        jw_int(w, "value", ticks);
        return;
    }
    char full[64];
    snprintf(full, sizeof full, "%s.%06dZ", buf, (int)(us % 1000000));
    jw_str(w, "value", full);
}

static void put_value(struct jw *w, const struct opcua_value *v)
{
    jw_obj_begin(w, NULL);
    if (v->present) {
        const char *tn = opcua_type_name(v->type);
        jw_str(w, "type", tn ? tn : "unknown");
    }
    if (v->present && v->is_array) {
        jw_uint(w, "array_len", v->array_len);
    } else if (v->present) {
        switch (v->type) {
        case 1: jw_bool(w, "value", v->num.u != 0); break;
        case 2: case 4: case 6: case 8: jw_int(w, "value", v->num.i); break;
        case 3: case 5: case 7: case 9: jw_uint(w, "value", v->num.u); break;
        case 10: case 11: jw_double(w, "value", v->num.d); break;
        case 12: case 16: case 20: case 21:
            jw_strn(w, "value", (const char *)v->raw, v->len);
            break;
        case 13: put_datetime(w, v->num.i); break;
        case 14: {
            char g[40];
            guid_text(v->raw, g, sizeof g);
            jw_str(w, "value", g);
            break;
        }
        case 15: jw_hex(w, "value", v->raw, v->len); break;
        case 19: put_status(w, "value", "value_name", (uint32_t)v->num.u); break;
        case 22: jw_uint(w, "type_id", v->num.u); break;
        default: break;
        }
        if (v->cut)
            jw_bool(w, "truncated", 1);
    }
    if (v->has_status)
        put_status(w, "status", "status_name", v->status);
    jw_obj_end(w);
}

static void put_hello(struct jw *w, const char *key, const struct opcua_hello *h)
{
    jw_obj_begin(w, key);
    jw_uint(w, "version", h->version);
    jw_uint(w, "recv_buf", h->recv_buf);
    jw_uint(w, "send_buf", h->send_buf);
    jw_uint(w, "max_msg", h->max_msg);
    jw_uint(w, "max_chunks", h->max_chunks);
    jw_obj_end(w);
}

static void put_items(struct jw *w, const struct opcua_rec *r)
{
    if (r->items_total)
        jw_uint(w, "nodes_total", r->items_total);
    if (r->n_items == 0)
        return;
    if (r->cols & OPCUA_COL_NODES) {
        jw_arr_begin(w, "nodes");
        for (unsigned i = 0; i < r->n_items; i++)
            put_nodeid(w, NULL, &r->items[i].node);
        jw_arr_end(w);
    }
    if (r->cols & OPCUA_COL_ATTRS) {
        jw_arr_begin(w, "attribute_ids");
        for (unsigned i = 0; i < r->n_items; i++)
            jw_uint(w, NULL, r->items[i].attr);
        jw_arr_end(w);
    }
    if (r->cols & OPCUA_COL_HANDLES) {
        jw_arr_begin(w, "handles");
        for (unsigned i = 0; i < r->n_items; i++)
            jw_uint(w, NULL, r->items[i].handle);
        jw_arr_end(w);
    }
    if (r->cols & OPCUA_COL_VALUES) {
        jw_arr_begin(w, "values");
        for (unsigned i = 0; i < r->n_items; i++)
            put_value(w, &r->items[i].value);
        jw_arr_end(w);
    }
    if (r->cols & OPCUA_COL_RESULTS) {
        jw_arr_begin(w, "results");
        for (unsigned i = 0; i < r->n_items; i++) {
            const char *name = opcua_status_name(r->items[i].result);
            char hex[16];
            snprintf(hex, sizeof hex, "0x%08X", (unsigned)r->items[i].result);
            if (!r->items[i].has_result)
                jw_null(w, NULL);
            else
                jw_str(w, NULL, name ? name : hex);
        }
        jw_arr_end(w);
    }
}

static const char *implied_service(const struct opcua_rec *r)
{
    const char *name = opcua_service_name(r->service_id);
    if (name)
        return name;
    if (r->msg_type == OPCUA_MSG_OPN)
        return "OpenSecureChannel";
    if (r->msg_type == OPCUA_MSG_CLO)
        return "CloseSecureChannel";
    return NULL;
}

json_cert_fn json_cert_writer;

/* An OPN's certificate: parsed by the installed writer, else its length alone. */
static void write_cert(struct jw *w, const char *name, const uint8_t *der, size_t n)
{
    if (!der || n == 0)
        return;
    if (json_cert_writer) {
        json_cert_writer(w, name, der, n);
        return;
    }
    jw_obj_begin(w, name);
    jw_uint(w, "len", n);
    jw_obj_end(w);
}

void json_opcua(struct jw *w, const void *rec)
{
    const struct opcua_rec *r = rec;
    jw_obj_begin(w, "opcua");
    jw_str(w, "msg_type", opcua_msg_name(r->msg_type));
    if (r->chunk)
        jw_strn(w, "chunk", &r->chunk, 1);
    if (r->chunks > 1)
        jw_uint(w, "chunks", r->chunks);
    if (r->resp_chunks > 1)
        jw_uint(w, "resp_chunks", r->resp_chunks);
    if (r->has_channel)
        jw_uint(w, "channel", r->channel);
    if (r->has_token)
        jw_uint(w, "token", r->token);
    if (r->has_seq)
        jw_uint(w, "seq", r->seq);
    if (r->has_req_id)
        jw_uint(w, "req_id", r->req_id);
    const char *svc = implied_service(r);
    if (svc)
        jw_str(w, "service", svc);
    if (r->service_id)
        jw_uint(w, "service_id", r->service_id);
    if (r->resp_service_id && r->resp_service_id != r->service_id)
        jw_uint(w, "resp_service_id", r->resp_service_id);
    if (r->security_policy[0])
        jw_str(w, "security_policy", r->security_policy);
    if (opcua_mode_name(r->security_mode))
        jw_str(w, "security_mode", opcua_mode_name(r->security_mode));
    if (r->encrypted)
        jw_bool(w, "encrypted", 1);
    write_cert(w, "sender_cert", r->sender_cert, r->sender_cert_len);
    write_cert(w, "resp_sender_cert", r->resp_sender_cert, r->resp_sender_cert_len);
    if (r->has_receiver_thumb) {
        static const char hex[] = "0123456789abcdef";
        char t[41];
        for (int i = 0; i < 20; i++) {
            t[2 * i] = hex[r->receiver_thumb[i] >> 4];
            t[2 * i + 1] = hex[r->receiver_thumb[i] & 15];
        }
        t[40] = '\0';
        jw_str(w, "receiver_thumbprint", t);
    }
    if (r->endpoint[0])
        jw_str(w, "endpoint", r->endpoint);
    if (r->has_status)
        put_status(w, "status", "status_name", r->status);
    if (r->reason[0])
        jw_str(w, "reason", r->reason);
    if (r->aborted)
        jw_bool(w, "aborted", 1);
    if (r->reasm_cut)
        jw_bool(w, "reassembly_truncated", 1);
    put_items(w, r);
    if (r->session_name[0])
        jw_str(w, "session_name", r->session_name);
    if (opcua_identity_name(r->identity))
        jw_str(w, "identity", opcua_identity_name(r->identity));
    if (r->has_call) {
        if (r->methods) {
            put_nodeid(w, "object", &r->object);
            put_nodeid(w, "method", &r->method);
        }
        jw_uint(w, "methods", r->methods);
        jw_uint(w, "args", r->args);
    }
    if (r->has_call_status) {
        const char *name = opcua_status_name(r->call_status);
        char hex[16];
        snprintf(hex, sizeof hex, "0x%08X", (unsigned)r->call_status);
        jw_str(w, "method_status", name ? name : hex);
    }
    if (r->has_sub)
        jw_uint(w, "subscription_id", r->sub_id);
    if (r->has_notif) {
        jw_obj_begin(w, "notifications");
        jw_uint(w, "data_changes", r->data_changes);
        jw_uint(w, "events", r->events);
        jw_uint(w, "status_changes", r->status_changes);
        jw_obj_end(w);
    }
    if (r->has_refs)
        jw_uint(w, "references", r->refs);
    if (r->has_found)
        jw_uint(w, "found", r->found);
    if (r->has_hello)
        put_hello(w, "hello", &r->hello);
    if (r->has_ack)
        put_hello(w, "ack", &r->ack);
    jw_obj_end(w);
}
