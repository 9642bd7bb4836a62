/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_opcua_types.c - libFuzzer target for the OPC UA built-in type decoders
 * (dissectors/opcua_types.c; OPC 10000-6 5.2): NodeId, ExpandedNodeId, String, arrays,
 * QualifiedName, LocalizedText, ExtensionObject, Variant, DataValue and DiagnosticInfo, with
 * their nesting (a Variant of DataValues, a DiagnosticInfo inside one), called directly on
 * the bytes instead of behind a chunk, a secure channel and a service body.
 * Input: records [type u8][length u16 LE][length bytes]; `type` picks (modulo) one decoder,
 * which reads from a cursor over exactly those bytes. After each call the harness checks
 * what the decoders promise: the cursor stays inside its bytes, decoded strings and raw
 * bytes stay within their buffers and are terminated, array lengths are capped by the bytes
 * there were.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opcua_int.h"
#include "fuzz_common.h"

#define MUST(cond)                                                                         \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

enum { T_NODEID, T_EXPNODEID, T_STRING, T_STRINGS, T_QNAME, T_LTEXT, T_EXTOBJ, T_VARIANT,
       T_DATAVALUE, T_DIAG, T_DIAGS, T_REQ_HEADER, T_RESP_HEADER, T_COUNT, T_KINDS };

static void check_nodeid(const struct opcua_nodeid *id)
{
    MUST(id->len <= OPCUA_ID_RAW);
}

static void check_value(const struct opcua_value *v)
{
    MUST(v->len <= OPCUA_VALUE_RAW);
}

static void decode(uint8_t type, const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    struct opcua_nodeid id;
    struct opcua_value v;
    char text[64];
    memset(&id, 0, sizeof id);
    memset(&v, 0, sizeof v);
    switch (type % T_KINDS) {
    case T_NODEID:
        opcua_nodeid(&c, &id);
        check_nodeid(&id);
        break;
    case T_EXPNODEID:
        opcua_expnodeid(&c, &id);
        check_nodeid(&id);
        break;
    case T_STRING: {
        memset(text, 'x', sizeof text);
        int32_t len = opcua_string(&c, text, sizeof text);
        MUST(memchr(text, '\0', sizeof text) != NULL);
        MUST(len >= -1);
        MUST(len < 0 || (size_t)len <= n);
        break;
    }
    case T_STRINGS:
        opcua_skip_strings(&c);
        break;
    case T_QNAME:
        opcua_skip_qname(&c);
        break;
    case T_LTEXT:
        opcua_skip_ltext(&c);
        break;
    case T_EXTOBJ: {
        struct pd_cur body;
        memset(&body, 0, sizeof body);
        (void)opcua_extobj(&c, &body);
        if (!c.err && !body.err && body.p)
            MUST(body.p >= p && body.end <= p + n && body.p <= body.end);
        break;
    }
    case T_VARIANT:
        opcua_variant(&c, &v, 0);
        check_value(&v);
        break;
    case T_DATAVALUE:
        opcua_datavalue(&c, &v, 0);
        check_value(&v);
        break;
    case T_DIAG:
        opcua_skip_diag(&c, 0);
        break;
    case T_DIAGS:
        opcua_skip_diags(&c);
        break;
    case T_REQ_HEADER:
        opcua_req_header(&c);
        break;
    case T_RESP_HEADER:
        (void)opcua_resp_header(&c);
        break;
    default: {
        uint32_t count = opcua_count(&c);
        MUST(c.err || count <= n);
        break;
    }
    }
    MUST(c.p >= p && c.p <= c.end && c.end == p + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pd_cur in = pd_cur_make(data, size);
    for (;;) {
        uint8_t type = pd_u8(&in);
        const uint8_t *body;
        size_t len;
        if (fuzz_body(&in, &body, &len) != 0)
            break;
        decode(type, body ? body : data, body ? len : 0);
        if (pd_left(&in) == 0)
            break;
    }
    return 0;
}
