/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua_types.c - decoders for the OPC UA binary built-in types (OPC 10000-6 5.2.2): String
 * and ByteString, NodeId and ExpandedNodeId, QualifiedName, LocalizedText,
 * ExtensionObject, Variant, DataValue, DiagnosticInfo, and the Request/Response headers
 * of OPC 10000-4 7.32/7.33. Every array length is capped by the bytes left (each element
 * takes at least one byte) and nesting by OPCUA_MAX_DEPTH; what is kept is capped again.
 */
#include <string.h>

#include "opcua_int.h"

/* Largest string a well-formed message can carry: the biggest chunk. */
#define OPCUA_STR_LIMIT OPCUA_MAX_MSG

uint32_t opcua_count(struct pd_cur *c)
{
    uint32_t raw = pd_u32le(c);
    if (c->err)
        return 0;
    if (raw == 0xFFFFFFFFu) /* -1: a null array */
        return 0;
    if (raw > OPCUA_STR_LIMIT) { /* more elements than any chunk has bytes */
        pd_invalid(c);
        return 0;
    }
    if (raw > pd_left(c)) { /* each element takes a byte at least: the rest is missing */
        pd_take(c, raw);
        return 0;
    }
    return raw;
}

/* Length prefix of a String/ByteString: -1 null, else the byte count (checked). */
static int32_t str_len(struct pd_cur *c)
{
    uint32_t raw = pd_u32le(c);
    if (c->err)
        return -1;
    if (raw == 0xFFFFFFFFu)
        return -1;
    if (raw > OPCUA_STR_LIMIT) {
        pd_invalid(c);
        return -1;
    }
    if (raw > pd_left(c)) {
        pd_take(c, raw); /* marks the truncation */
        return -1;
    }
    return (int32_t)raw;
}

int32_t opcua_string(struct pd_cur *c, char *dst, size_t cap)
{
    if (dst && cap)
        dst[0] = '\0';
    int32_t n = str_len(c);
    if (n < 0)
        return -1;
    const uint8_t *b = pd_bytes(c, (size_t)n);
    if (b && dst && cap) {
        size_t keep = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(dst, b, keep);
        dst[keep] = '\0';
    }
    return n;
}

void opcua_skip_string(struct pd_cur *c)
{
    int32_t n = str_len(c);
    if (n > 0)
        pd_skip(c, (size_t)n);
}

void opcua_skip_strings(struct pd_cur *c)
{
    uint32_t n = opcua_count(c);
    for (uint32_t i = 0; i < n && !c->err; i++)
        opcua_skip_string(c);
}

/* Copies a length-prefixed identifier into id->raw (capped). */
static void id_bytes(struct pd_cur *c, struct opcua_nodeid *id, uint8_t kind)
{
    int32_t n = str_len(c);
    const uint8_t *b = n > 0 ? pd_bytes(c, (size_t)n) : NULL;
    if (!id)
        return;
    id->kind = kind;
    if (!b)
        return;
    size_t keep = (size_t)n < OPCUA_ID_RAW ? (size_t)n : OPCUA_ID_RAW;
    memcpy(id->raw, b, keep);
    id->len = (uint8_t)keep;
    id->cut = (size_t)n > keep;
}

/* The NodeId body after its encoding byte (Part 6, 5.2.2.9, Table 8). */
static void nodeid_body(struct pd_cur *c, uint8_t enc, struct opcua_nodeid *id)
{
    struct opcua_nodeid tmp;
    memset(&tmp, 0, sizeof tmp);
    switch (enc & 0x3F) {
    case 0x00: /* two-byte: namespace 0, identifier 0..255 */
        tmp.kind = OPCUA_NID_NUMERIC;
        tmp.num = pd_u8(c);
        break;
    case 0x01: /* four-byte: namespace 0..255, identifier 0..65535 */
        tmp.kind = OPCUA_NID_NUMERIC;
        tmp.ns = pd_u8(c);
        tmp.num = pd_u16le(c);
        break;
    case 0x02: /* numeric */
        tmp.kind = OPCUA_NID_NUMERIC;
        tmp.ns = pd_u16le(c);
        tmp.num = pd_u32le(c);
        break;
    case 0x03: /* string */
        tmp.ns = pd_u16le(c);
        id_bytes(c, &tmp, OPCUA_NID_STRING);
        break;
    case 0x04: { /* guid */
        tmp.ns = pd_u16le(c);
        const uint8_t *g = pd_bytes(c, 16);
        tmp.kind = OPCUA_NID_GUID;
        if (g) {
            memcpy(tmp.raw, g, 16);
            tmp.len = 16;
        }
        break;
    }
    case 0x05: /* opaque (ByteString) */
        tmp.ns = pd_u16le(c);
        id_bytes(c, &tmp, OPCUA_NID_OPAQUE);
        break;
    default:
        pd_invalid(c);
        return;
    }
    if (id && !c->err)
        *id = tmp;
}

void opcua_nodeid(struct pd_cur *c, struct opcua_nodeid *id)
{
    uint8_t enc = pd_u8(c);
    if (enc & 0xC0) { /* the ExpandedNodeId flags have no place in a NodeId */
        pd_invalid(c);
        return;
    }
    nodeid_body(c, enc, id);
}

void opcua_expnodeid(struct pd_cur *c, struct opcua_nodeid *id)
{
    uint8_t enc = pd_u8(c);
    nodeid_body(c, enc, id);
    if (enc & 0x80) /* NamespaceUri */
        opcua_skip_string(c);
    if (enc & 0x40) /* ServerIndex */
        pd_skip(c, 4);
}

int opcua_nodeid_is_ns0_numeric(const struct opcua_nodeid *id)
{
    return id->kind == OPCUA_NID_NUMERIC && id->ns == 0;
}

void opcua_skip_qname(struct pd_cur *c)
{
    pd_skip(c, 2);
    opcua_skip_string(c);
}

void opcua_skip_ltext(struct pd_cur *c)
{
    uint8_t mask = pd_u8(c);
    if (mask & 0x01) /* Locale */
        opcua_skip_string(c);
    if (mask & 0x02) /* Text */
        opcua_skip_string(c);
}

uint32_t opcua_extobj(struct pd_cur *c, struct pd_cur *body)
{
    struct opcua_nodeid type;
    memset(&type, 0, sizeof type);
    opcua_nodeid(c, &type);
    uint8_t enc = pd_u8(c);
    struct pd_cur empty = {c->p, c->p, PD_OK};
    if (body)
        *body = empty;
    if (enc == 0x01 || enc == 0x02) { /* ByteString or XmlElement body */
        int32_t n = str_len(c);
        struct pd_cur sub = pd_sub(c, n > 0 ? (size_t)n : 0);
        if (body)
            *body = sub;
    } else if (enc != 0x00) {
        pd_invalid(c);
    }
    if (c->err || !opcua_nodeid_is_ns0_numeric(&type))
        return 0;
    return type.num;
}

/* Keeps the first bytes of a String-like value in v->raw. */
static void value_bytes(struct pd_cur *c, struct opcua_value *v)
{
    int32_t n = str_len(c);
    const uint8_t *b = n > 0 ? pd_bytes(c, (size_t)n) : NULL;
    if (!v || !b)
        return;
    size_t keep = (size_t)n < OPCUA_VALUE_RAW ? (size_t)n : OPCUA_VALUE_RAW;
    memcpy(v->raw, b, keep);
    v->len = (uint8_t)keep;
    v->cut = (size_t)n > keep;
}

static double float_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

static double double_from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* One element of built-in type `type`; its value lands in v when v is not NULL. */
static void scalar(struct pd_cur *c, uint8_t type, struct opcua_value *v, int depth)
{
    struct opcua_value sink;
    if (!v) {
        memset(&sink, 0, sizeof sink);
        v = &sink;
    }
    switch (type) {
    case 1: /* Boolean */
    case 3: /* Byte */
        v->num.u = pd_u8(c);
        break;
    case 2: /* SByte */
        v->num.i = (int8_t)pd_u8(c);
        break;
    case 4: /* Int16 */
        v->num.i = (int16_t)pd_u16le(c);
        break;
    case 5: /* UInt16 */
        v->num.u = pd_u16le(c);
        break;
    case 6: /* Int32 */
        v->num.i = (int32_t)pd_u32le(c);
        break;
    case 7:  /* UInt32 */
    case 19: /* StatusCode */
        v->num.u = pd_u32le(c);
        break;
    case 8:  /* Int64 */
    case 13: /* DateTime: 100 ns ticks since 1601-01-01 */
        v->num.i = (int64_t)pd_u64le(c);
        break;
    case 9: /* UInt64 */
        v->num.u = pd_u64le(c);
        break;
    case 10: /* Float */
        v->num.d = float_from_bits(pd_u32le(c));
        break;
    case 11: /* Double */
        v->num.d = double_from_bits(pd_u64le(c));
        break;
    case 12: /* String */
    case 15: /* ByteString */
    case 16: /* XmlElement */
        value_bytes(c, v);
        break;
    case 14: { /* Guid */
        const uint8_t *g = pd_bytes(c, 16);
        if (g) {
            memcpy(v->raw, g, 16);
            v->len = 16;
        }
        break;
    }
    case 17:
        opcua_nodeid(c, NULL);
        break;
    case 18:
        opcua_expnodeid(c, NULL);
        break;
    case 20: /* QualifiedName: keep the name */
        pd_skip(c, 2);
        value_bytes(c, v);
        break;
    case 21: { /* LocalizedText: keep the text */
        uint8_t mask = pd_u8(c);
        if (mask & 0x01)
            opcua_skip_string(c);
        if (mask & 0x02)
            value_bytes(c, v);
        break;
    }
    case 22: /* ExtensionObject: keep its type id */
        v->num.u = opcua_extobj(c, NULL);
        break;
    case 23:
        opcua_datavalue(c, NULL, depth + 1);
        break;
    case 24:
        opcua_variant(c, NULL, depth + 1);
        break;
    case 25:
        opcua_skip_diag(c, depth + 1);
        break;
    default:
        pd_invalid(c);
        break;
    }
}

void opcua_variant(struct pd_cur *c, struct opcua_value *v, int depth)
{
    if (depth > OPCUA_MAX_DEPTH) {
        pd_invalid(c);
        return;
    }
    uint8_t mask = pd_u8(c);
    uint8_t type = mask & 0x3F;
    if (c->err)
        return;
    if (type > 25) {
        pd_invalid(c);
        return;
    }
    if (v) {
        v->present = 1;
        v->type = type;
    }
    if (mask & 0x80) { /* an array: Int32 length, then the elements */
        uint32_t n = opcua_count(c);
        if (v) {
            v->is_array = 1;
            v->array_len = n;
        }
        /* Null elements take no bytes, so the byte cap would not bound that loop. */
        for (uint32_t i = 0; type != 0 && i < n && !c->err; i++)
            scalar(c, type, NULL, depth);
        if (mask & 0x40) { /* ArrayDimensions: Int32[] */
            uint32_t dims = opcua_count(c);
            pd_skip(c, (size_t)dims * 4);
        }
        return;
    }
    if (mask & 0x40) { /* dimensions without an array */
        pd_invalid(c);
        return;
    }
    if (type != 0)
        scalar(c, type, v, depth);
}

void opcua_datavalue(struct pd_cur *c, struct opcua_value *v, int depth)
{
    if (depth > OPCUA_MAX_DEPTH) {
        pd_invalid(c);
        return;
    }
    uint8_t mask = pd_u8(c);
    if (mask & 0xC0) {
        pd_invalid(c);
        return;
    }
    if (mask & 0x01)
        opcua_variant(c, v, depth);
    if (mask & 0x02) {
        uint32_t st = pd_u32le(c);
        if (v) {
            v->has_status = 1;
            v->status = st;
        }
    }
    if (mask & 0x04) /* SourceTimestamp */
        pd_skip(c, 8);
    if (mask & 0x10) /* SourcePicoseconds */
        pd_skip(c, 2);
    if (mask & 0x08) /* ServerTimestamp */
        pd_skip(c, 8);
    if (mask & 0x20) /* ServerPicoseconds */
        pd_skip(c, 2);
}

void opcua_skip_diag(struct pd_cur *c, int depth)
{
    if (depth > OPCUA_MAX_DEPTH) {
        pd_invalid(c);
        return;
    }
    uint8_t mask = pd_u8(c);
    if (mask & 0x80) {
        pd_invalid(c);
        return;
    }
    /* SymbolicId, NamespaceUri, Locale, LocalizedText: Int32 each */
    for (uint8_t bit = 0x01; bit <= 0x08; bit <<= 1)
        if (mask & bit)
            pd_skip(c, 4);
    if (mask & 0x10) /* AdditionalInfo */
        opcua_skip_string(c);
    if (mask & 0x20) /* InnerStatusCode */
        pd_skip(c, 4);
    if (mask & 0x40) /* InnerDiagnosticInfo */
        opcua_skip_diag(c, depth + 1);
}

void opcua_skip_diags(struct pd_cur *c)
{
    uint32_t n = opcua_count(c);
    for (uint32_t i = 0; i < n && !c->err; i++)
        opcua_skip_diag(c, 0);
}

void opcua_req_header(struct pd_cur *c)
{
    opcua_nodeid(c, NULL);     /* AuthenticationToken */
    pd_skip(c, 8 + 4 + 4);     /* Timestamp, RequestHandle, ReturnDiagnostics */
    opcua_skip_string(c);      /* AuditEntryId */
    pd_skip(c, 4);             /* TimeoutHint */
    opcua_extobj(c, NULL);     /* AdditionalHeader */
}

uint32_t opcua_resp_header(struct pd_cur *c)
{
    pd_skip(c, 8 + 4);         /* Timestamp, RequestHandle */
    uint32_t result = pd_u32le(c);
    opcua_skip_diag(c, 0);     /* ServiceDiagnostics */
    opcua_skip_strings(c);     /* StringTable */
    opcua_extobj(c, NULL);     /* AdditionalHeader */
    return result;
}
