/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.c - the parsed view of one event (struct an_ev, an_int.h) over its jansson tree,
 * following ../shared/EVENTS.md version 1: envelope, `op`, `status` and the protocol
 * object. Also RFC 3339 time parsing and formatting without the C library's slow paths
 * (the date part is converted once per day seen, the time of day with arithmetic).
 */
#include <stdio.h>
#include <string.h>

#include "an_core.h"

int64_t an_json_int(const json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

const char *an_json_str(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int an_time_parse(const char *s, int64_t *us)
{
    unsigned y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int n = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (n < 6)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 6; n++)
            frac *= 10;
    }
    if ((*p != 'Z' && *p != 'z') || p[1] != '\0')
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    *us = ((days * 86400 + h * 3600 + mi * 60 + sec) * AN_US) + frac;
    return 0;
}

void an_time_fmt(int64_t us, char out[32])
{
    int64_t secs = us >= 0 ? us / AN_US : 0;
    int64_t frac = us >= 0 ? us % AN_US : 0;
    int64_t z = secs / 86400 + 719468;
    int64_t sod = secs % 86400;
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    unsigned yy = y < 0 ? 0u : y > 9999 ? 9999u : (unsigned)y, s = (unsigned)sod;
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", yy % 10000u, m % 100u, d % 100u,
             s / 3600u % 100u, s / 60u % 60u, s % 60u, (unsigned)frac % 1000000u);
}

static enum an_type type_of(const char *s)
{
    static const struct { const char *n; enum an_type t; } tab[] = {
        {"ics", AN_T_ICS},         {"flow", AN_T_FLOW},     {"alert", AN_T_ALERT},
        {"anomaly", AN_T_ANOMALY}, {"health", AN_T_HEALTH}, {"asset", AN_T_ASSET},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(s, tab[i].n) == 0)
            return tab[i].t;
    return AN_T_OTHER;
}

static enum an_proto proto_of(const char *s)
{
    if (!s)
        return AN_P_NONE;
    switch (s[0]) {
    case 'm':
        if (strcmp(s, "modbus") == 0)
            return AN_P_MODBUS;
        break;
    case 'd':
        if (strcmp(s, "dnp3") == 0)
            return AN_P_DNP3;
        break;
    case 's':
        if (strcmp(s, "s7comm") == 0)
            return AN_P_S7COMM;
        if (strcmp(s, "s7comm_plus") == 0)
            return AN_P_S7PLUS;
        break;
    case 'o':
        if (strcmp(s, "opcua") == 0)
            return AN_P_OPCUA;
        break;
    case 'i':
        if (strcmp(s, "iec104") == 0)
            return AN_P_IEC104;
        break;
    default:
        break;
    }
    return AN_P_OTHER;
}

static enum an_op op_of(const char *s)
{
    static const char *const names[] = {
        [AN_OP_READ] = "read",         [AN_OP_WRITE] = "write",     [AN_OP_CONTROL] = "control",
        [AN_OP_PROGRAM] = "program",   [AN_OP_DIAGNOSTIC] = "diagnostic",
        [AN_OP_IDENTIFY] = "identify", [AN_OP_SESSION] = "session", [AN_OP_TIME] = "time",
        [AN_OP_FILE] = "file",         [AN_OP_REPORT] = "report",   [AN_OP_OTHER] = "other",
    };
    if (!s)
        return AN_OP_NONE;
    for (size_t i = 1; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return (enum an_op)i;
    return AN_OP_OTHER;
}

static enum an_status status_of(const char *s)
{
    if (!s)
        return AN_ST_NONE;
    if (strcmp(s, "ok") == 0)
        return AN_ST_OK;
    if (strcmp(s, "exception") == 0)
        return AN_ST_EXCEPTION;
    if (strcmp(s, "no_response") == 0)
        return AN_ST_NO_RESPONSE;
    if (strcmp(s, "response_only") == 0)
        return AN_ST_RESPONSE_ONLY;
    if (strcmp(s, "malformed") == 0)
        return AN_ST_MALFORMED;
    return AN_ST_NONE;
}

/* One pass over an endpoint object (ip, port, mac): no hashed lookups. */
static void endpoint(const json_t *o, struct an_endpoint *ep)
{
    ep->ip = ep->mac = NULL;
    ep->port = -1;
    if (!json_is_object(o))
        return;
    for (void *it = json_object_iter((json_t *)o); it; it = json_object_iter_next((json_t *)o, it)) {
        const char *k = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        if (k[0] == 'i' && k[1] == 'p' && k[2] == '\0' && json_is_string(v))
            ep->ip = json_string_value(v);
        else if (strcmp(k, "port") == 0 && json_is_integer(v))
            ep->port = (int)json_integer_value(v);
        else if (strcmp(k, "mac") == 0 && json_is_string(v))
            ep->mac = json_string_value(v);
    }
}

/* func, func_name and unit, wherever the protocol keeps them */
static void proto_fields(struct an_ev *v)
{
    const json_t *p = v->pobj;
    v->func = -1;
    v->func_name = NULL;
    v->unit = -1;
    if (!p)
        return;
    switch (v->proto) {
    case AN_P_MODBUS:
        v->func = an_json_int(p, "func", -1);
        v->func_name = an_json_str(p, "func_name");
        v->unit = an_json_int(p, "unit", -1);
        break;
    case AN_P_DNP3:
        v->func = an_json_int(p, "func", -1);
        v->func_name = an_json_str(p, "func_name");
        v->unit = an_json_int(json_object_get(p, "link"), "dst", -1);
        break;
    case AN_P_S7COMM:
    case AN_P_S7PLUS:
        v->func = an_json_int(p, "func", -1);
        v->func_name = an_json_str(p, "func_name");
        break;
    case AN_P_OPCUA:
        v->func = an_json_int(p, "service_id", -1);
        v->func_name = an_json_str(p, "service");
        break;
    case AN_P_IEC104: {
        const json_t *asdu = json_object_get(p, "asdu");
        if (asdu) {
            v->func = an_json_int(asdu, "type", -1);
            v->func_name = an_json_str(asdu, "type_name");
            v->unit = an_json_int(asdu, "ca", -1);
        } else {
            v->func_name = an_json_str(p, "u_func");
        }
        break;
    }
    case AN_P_NONE:
    case AN_P_OTHER:
    case AN_P_COUNT:
        break;
    }
}

static const char *str_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One pass over the envelope's members (a dozen keys) instead of a hashed lookup each;
 * the protocol object is taken in the same pass once `proto` is known, or looked up. */
int an_ev_parse(struct an_ev *v, const json_t *root)
{
    memset(v, 0, sizeof *v);
    if (!json_is_object(root))
        return -1;
    v->root = root;
    const char *type = NULL, *ts = NULL, *op = NULL, *status = NULL;
    const json_t *src = NULL, *dst = NULL, *flow = NULL, *anomaly = NULL;
    for (void *it = json_object_iter((json_t *)root); it;
         it = json_object_iter_next((json_t *)root, it)) {
        const char *k = json_object_iter_key(it);
        json_t *x = json_object_iter_value(it);
        switch (k[0]) {
        case 't':
            if (strcmp(k, "type") == 0)
                type = str_of(x);
            else if (strcmp(k, "ts") == 0)
                ts = str_of(x);
            break;
        case 'i':
            if (strcmp(k, "id") == 0)
                v->id = str_of(x);
            break;
        case 's':
            if (strcmp(k, "src") == 0)
                src = x;
            else if (strcmp(k, "sensor") == 0)
                v->sensor = str_of(x);
            else if (strcmp(k, "status") == 0)
                status = str_of(x);
            break;
        case 'd':
            if (strcmp(k, "dst") == 0)
                dst = x;
            break;
        case 'p':
            if (strcmp(k, "proto") == 0)
                v->proto_name = str_of(x);
            break;
        case 'o':
            if (strcmp(k, "op") == 0)
                op = str_of(x);
            break;
        case 'f':
            if (strcmp(k, "flow") == 0)
                flow = x;
            break;
        case 'a':
            if (strcmp(k, "anomaly") == 0)
                anomaly = x;
            break;
        default:
            break;
        }
    }
    if (!type || !ts || an_time_parse(ts, &v->ts_us) != 0)
        return -1;
    v->type = type_of(type);
    if (!v->id)
        v->id = "";
    if (!v->sensor)
        v->sensor = "";
    v->proto = proto_of(v->proto_name);
    endpoint(src, &v->src);
    endpoint(dst, &v->dst);
    v->func = v->unit = -1;
    switch (v->type) {
    case AN_T_ICS:
        v->op = op_of(op);
        v->status = status_of(status);
        if (v->proto_name)
            v->pobj = json_object_get(root, v->proto_name);
        proto_fields(v);
        break;
    case AN_T_FLOW:
        v->flow = flow;
        break;
    case AN_T_ANOMALY:
        v->anomaly = anomaly;
        break;
    default:
        break;
    }
    return 0;
}
