/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modbus_pdu.c - decodes one Modbus PDU (function code + data) into a struct modbus_rec:
 * the request and response layouts of every public function code in the Modbus
 * Application Protocol Specification v1.1b3 section 6, quantity ranges and byte counts
 * checked as the spec states them, plus the shape check probe() relies on. User-defined
 * codes and Schneider UMAS (FC 90) are kept as capped raw bytes.
 */
#include <string.h>

#include "modbus.h"

/* Quantity limits from the spec, per function code. */
#define QTY_MAX_READ_BITS 2000   /* FC 1, 2 */
#define QTY_MAX_READ_REGS 125    /* FC 3, 4, 23 read */
#define QTY_MAX_WRITE_BITS 1968  /* FC 15 */
#define QTY_MAX_WRITE_REGS 123   /* FC 16 */
#define QTY_MAX_RW_WRITE 121     /* FC 23 write */
#define FIFO_MAX_COUNT 31        /* FC 24 */
#define FILE_REF_TYPE 6          /* FC 20/21 reference type */
#define FILE_RECORD_MAX 0x270f
#define COIL_ON 0xff00

static int fail(const char **err, const char *why)
{
    *err = why;
    return -1;
}

static uint16_t values_cap(const struct pd_limits *lim)
{
    return lim->max_values < MODBUS_MAX_VALUES ? (uint16_t)lim->max_values : MODBUS_MAX_VALUES;
}

/* Appends one value to the request or response list, or marks the record truncated. */
static void value_put(struct modbus_rec *r, int resp, uint16_t v, const struct pd_limits *lim)
{
    uint16_t *n = resp ? &r->n_resp_values : &r->n_req_values;
    uint16_t *vals = resp ? r->resp_values : r->req_values;
    r->has |= resp ? MODBUS_HAS_RESP_VALUES : MODBUS_HAS_REQ_VALUES;
    if (*n < values_cap(lim))
        vals[(*n)++] = v;
    else
        r->values_truncated = 1;
}

/* count big-endian registers; count is at most MODBUS_MAX_PDU / 2 by construction. */
static void registers_read(struct modbus_rec *r, struct pd_cur *c, size_t count, int resp,
                           const struct pd_limits *lim)
{
    r->has |= resp ? MODBUS_HAS_RESP_VALUES : MODBUS_HAS_REQ_VALUES;
    for (size_t i = 0; i < count; i++) {
        uint16_t v = pd_u16be(c);
        if (c->err)
            return;
        value_put(r, resp, v, lim);
    }
}

/* nbits packed coils, least significant bit of the first byte first. */
static void bits_read(struct modbus_rec *r, struct pd_cur *c, size_t nbits, int resp,
                      const struct pd_limits *lim)
{
    size_t done = 0;
    r->has |= resp ? MODBUS_HAS_RESP_VALUES : MODBUS_HAS_REQ_VALUES;
    while (done < nbits) {
        uint8_t b = pd_u8(c);
        if (c->err)
            return;
        for (unsigned bit = 0; bit < 8 && done < nbits; bit++, done++)
            value_put(r, resp, (uint16_t)(b >> bit & 1), lim);
    }
}

static void raw_take(struct modbus_bytes *b, struct pd_cur *c, size_t n)
{
    const uint8_t *p = pd_bytes(c, n);
    if (!p)
        return;
    b->p = p;
    b->len = (uint16_t)(n < MODBUS_RAW_CAP ? n : MODBUS_RAW_CAP);
    b->truncated = n > MODBUS_RAW_CAP;
}

static void rest_raw(struct modbus_rec *r, struct pd_cur *c, int resp)
{
    raw_take(resp ? &r->resp_raw : &r->req_raw, c, pd_left(c));
    r->has |= resp ? MODBUS_HAS_RESP_RAW : MODBUS_HAS_REQ_RAW;
}

/* FC 8 data: 16-bit words when the length is even, raw bytes otherwise. */
static void diag_data(struct modbus_rec *r, struct pd_cur *c, int resp,
                      const struct pd_limits *lim)
{
    size_t left = pd_left(c);
    if (left % 2 == 0)
        registers_read(r, c, left / 2, resp, lim);
    else
        rest_raw(r, c, resp);
}

static int qty_check(uint16_t qty, uint16_t max, const char **err)
{
    if (qty == 0 || qty > max)
        return fail(err, "invalid: quantity out of the range the function allows");
    return 0;
}

/* FC 20 request: byte count then 7-byte sub-requests. */
static int file_read_request(struct modbus_rec *r, struct pd_cur *c, const char **err)
{
    uint8_t bc = pd_u8(c);
    if (c->err)
        return 0;
    if (bc < 7 || bc > 0xf5 || bc % 7 != 0)
        return fail(err, "invalid: read file record byte count");
    struct pd_cur s = pd_sub(c, bc);
    r->has |= MODBUS_HAS_FILE_REFS;
    for (unsigned i = 0; i < (unsigned)bc / 7 && !s.err; i++) {
        struct modbus_file_ref f;
        f.ref_type = pd_u8(&s);
        f.file = pd_u16be(&s);
        f.record = pd_u16be(&s);
        f.length = pd_u16be(&s);
        if (s.err)
            break;
        if (f.ref_type != FILE_REF_TYPE || f.record > FILE_RECORD_MAX)
            return fail(err, "invalid: file sub-request reference type or record number");
        if (r->n_file_refs < MODBUS_MAX_FILE_REFS)
            r->file_refs[r->n_file_refs++] = f;
        else
            r->file_refs_truncated = 1;
    }
    return 0;
}

/* FC 21 request and its echo: byte count, sub-requests each carrying record data. */
static int file_write(struct modbus_rec *r, struct pd_cur *c, int resp,
                      const struct pd_limits *lim, const char **err)
{
    uint8_t bc = pd_u8(c);
    if (c->err)
        return 0;
    if (bc < 9 || bc > 0xfb)
        return fail(err, "invalid: write file record byte count");
    struct pd_cur s = pd_sub(c, bc);
    if (s.err) {
        c->err = s.err;
        return 0;
    }
    /* a response echoes what the request already recorded; keep refs only once */
    int keep_refs = !resp || !(r->has & MODBUS_HAS_FILE_REFS);
    /* each sub-request takes at least 9 bytes, so bc / 9 bounds the loop */
    for (unsigned i = 0; i < (unsigned)bc / 9 && pd_left(&s) > 0; i++) {
        struct modbus_file_ref f;
        f.ref_type = pd_u8(&s);
        f.file = pd_u16be(&s);
        f.record = pd_u16be(&s);
        f.length = pd_u16be(&s);
        if (s.err)
            break;
        if (f.ref_type != FILE_REF_TYPE || f.record > FILE_RECORD_MAX)
            return fail(err, "invalid: file sub-request reference type or record number");
        if (f.length == 0 || (size_t)f.length * 2 > pd_left(&s))
            return fail(err, "invalid: file sub-request record length exceeds the data");
        if (keep_refs) {
            if (r->n_file_refs < MODBUS_MAX_FILE_REFS)
                r->file_refs[r->n_file_refs++] = f;
            else
                r->file_refs_truncated = 1;
        }
        registers_read(r, &s, f.length, resp, lim);
    }
    if (s.err || pd_left(&s) > 0)
        return fail(err, "invalid: write file record sub-requests do not fill the byte count");
    if (keep_refs)
        r->has |= MODBUS_HAS_FILE_REFS;
    return 0;
}

/* FC 20 response: byte count, then sub-responses (length, reference type, data). */
static int file_read_response(struct modbus_rec *r, struct pd_cur *c,
                              const struct pd_limits *lim, const char **err)
{
    uint8_t bc = pd_u8(c);
    if (c->err)
        return 0;
    if (bc < 2 || bc > 0xf5)
        return fail(err, "invalid: read file record response byte count");
    struct pd_cur s = pd_sub(c, bc);
    if (s.err) {
        c->err = s.err;
        return 0;
    }
    r->has |= MODBUS_HAS_RESP_VALUES;
    /* each sub-response takes at least 2 bytes */
    for (unsigned i = 0; i < (unsigned)bc / 2 && pd_left(&s) > 0; i++) {
        uint8_t len = pd_u8(&s);
        uint8_t ref = pd_u8(&s);
        if (s.err)
            break;
        if (ref != FILE_REF_TYPE || len < 1 || (len - 1) % 2 != 0 ||
            (size_t)len - 1 > pd_left(&s))
            return fail(err, "invalid: file sub-response length or reference type");
        registers_read(r, &s, ((size_t)len - 1) / 2, 1, lim);
    }
    if (s.err || pd_left(&s) > 0)
        return fail(err, "invalid: file sub-responses do not fill the byte count");
    return 0;
}

/* FC 43/14 response: conformity, more follows, next object, then the object list. */
static int device_id_response(struct modbus_rec *r, struct pd_cur *c,
                              const struct pd_limits *lim, const char **err)
{
    struct modbus_mei *m = &r->mei;
    uint8_t code = pd_u8(c);
    m->conformity = pd_u8(c);
    uint8_t more = pd_u8(c);
    m->next_object = pd_u8(c);
    uint8_t count = pd_u8(c);
    if (c->err)
        return 0;
    if (!m->has_req)
        m->read_code = code;
    if (more != 0x00 && more != 0xff)
        return fail(err, "invalid: device identification more-follows not 0x00 or 0xff");
    m->more = more == 0xff;
    m->has_resp = 1;
    size_t keep = lim->max_items < MODBUS_MAX_MEI_OBJECTS ? lim->max_items : MODBUS_MAX_MEI_OBJECTS;
    /* each object takes at least 2 bytes of a PDU of at most 253 */
    unsigned walk = count < MODBUS_MAX_PDU / 2 ? count : MODBUS_MAX_PDU / 2;
    for (unsigned i = 0; i < walk; i++) {
        uint8_t id = pd_u8(c);
        uint8_t len = pd_u8(c);
        const uint8_t *val = pd_bytes(c, len);
        if (c->err)
            return 0;
        if (m->n_objects < keep) {
            struct modbus_mei_object *o = &m->objects[m->n_objects++];
            o->id = id;
            o->len = len;
            o->value = val;
        } else {
            m->objects_truncated = 1;
        }
    }
    if (walk < count)
        c->err = PD_ERR_TRUNCATED; /* more objects announced than a PDU can hold */
    return 0;
}

static int mei_decode(struct modbus_rec *r, struct pd_cur *c, int resp,
                      const struct pd_limits *lim, const char **err)
{
    uint8_t type = pd_u8(c);
    if (c->err)
        return 0;
    if (!(r->has & MODBUS_HAS_SUB_FUNC)) {
        r->sub_func = type;
        r->sub_func_name = modbus_mei_type_name(type);
        r->has |= MODBUS_HAS_SUB_FUNC;
    }
    r->mei.type = type;
    r->has |= MODBUS_HAS_MEI;
    if (type != MODBUS_MEI_READ_DEVICE_ID) {
        rest_raw(r, c, resp);
        return 0;
    }
    if (resp)
        return device_id_response(r, c, lim, err);
    r->mei.read_code = pd_u8(c);
    r->mei.object_id = pd_u8(c);
    if (c->err)
        return 0;
    r->mei.has_req = 1;
    if (r->mei.read_code < 1 || r->mei.read_code > 4)
        return fail(err, "invalid: read device id code not 1..4");
    return 0;
}

static void umas_decode(struct modbus_rec *r, struct pd_cur *c, int resp)
{
    /* session key, then the UMAS function (request) or return code (response) */
    uint8_t code = pd_peek8(c, 1);
    if (!pd_has(c, 2)) {
        c->err = PD_ERR_TRUNCATED;
        return;
    }
    if (resp) {
        r->umas_status = code;
        r->has |= MODBUS_HAS_UMAS_STATUS;
    } else {
        r->umas_func = code;
        r->umas_func_name = modbus_umas_name(code);
        r->has |= MODBUS_HAS_UMAS;
    }
    rest_raw(r, c, resp);
}

static void addr_qty(struct modbus_rec *r, struct pd_cur *c)
{
    r->addr = pd_u16be(c);
    r->qty = pd_u16be(c);
    r->has |= MODBUS_HAS_ADDR | MODBUS_HAS_QTY;
}

/* The end of every decoder: a short PDU is truncated, a long one invalid. */
static int finish(struct pd_cur *c, int rc, const char **err)
{
    if (rc < 0)
        return rc;
    if (c->err == PD_ERR_TRUNCATED)
        return fail(err, "truncated: PDU shorter than its function code requires");
    if (c->err)
        return fail(err, "invalid: PDU does not fit its function code");
    if (pd_left(c) > 0)
        return fail(err, "invalid: PDU longer than its function code requires");
    return 0;
}

int modbus_decode_request(struct modbus_rec *r, struct pd_cur *c, const struct pd_limits *lim,
                          const char **err)
{
    int rc = 0;
    uint8_t bc;
    uint16_t v;
    switch (r->func) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
        addr_qty(r, c);
        if (!c->err)
            rc = qty_check(r->qty, QTY_MAX_READ_BITS, err);
        break;
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS:
        addr_qty(r, c);
        if (!c->err)
            rc = qty_check(r->qty, QTY_MAX_READ_REGS, err);
        break;
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
        r->addr = pd_u16be(c);
        v = pd_u16be(c);
        if (c->err)
            break;
        r->has |= MODBUS_HAS_ADDR;
        if (r->func == MODBUS_FC_WRITE_SINGLE_COIL && v != 0 && v != COIL_ON)
            rc = fail(err, "invalid: coil value not 0x0000 or 0xff00");
        else
            value_put(r, 0, r->func == MODBUS_FC_WRITE_SINGLE_COIL ? v == COIL_ON : v, lim);
        break;
    case MODBUS_FC_DIAGNOSTICS:
        r->sub_func = pd_u16be(c);
        if (c->err)
            break;
        r->sub_func_name = modbus_diag_name(r->sub_func);
        r->has |= MODBUS_HAS_SUB_FUNC;
        diag_data(r, c, 0, lim);
        break;
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS: {
        int coils = r->func == MODBUS_FC_WRITE_MULTIPLE_COILS;
        addr_qty(r, c);
        bc = pd_u8(c);
        if (c->err)
            break;
        rc = qty_check(r->qty, coils ? QTY_MAX_WRITE_BITS : QTY_MAX_WRITE_REGS, err);
        if (rc == 0 && bc != (coils ? (r->qty + 7) / 8 : r->qty * 2))
            rc = fail(err, "invalid: byte count does not match the quantity");
        if (rc == 0 && coils)
            bits_read(r, c, r->qty, 0, lim);
        else if (rc == 0)
            registers_read(r, c, r->qty, 0, lim);
        break;
    }
    case MODBUS_FC_READ_FILE_RECORD:
        rc = file_read_request(r, c, err);
        break;
    case MODBUS_FC_WRITE_FILE_RECORD:
        rc = file_write(r, c, 0, lim, err);
        break;
    case MODBUS_FC_MASK_WRITE_REGISTER:
        r->addr = pd_u16be(c);
        r->and_mask = pd_u16be(c);
        r->or_mask = pd_u16be(c);
        r->has |= MODBUS_HAS_ADDR | MODBUS_HAS_MASKS;
        break;
    case MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS:
        addr_qty(r, c);
        r->write_addr = pd_u16be(c);
        r->write_qty = pd_u16be(c);
        bc = pd_u8(c);
        if (c->err)
            break;
        r->has |= MODBUS_HAS_WRITE;
        rc = qty_check(r->qty, QTY_MAX_READ_REGS, err);
        if (rc == 0)
            rc = qty_check(r->write_qty, QTY_MAX_RW_WRITE, err);
        if (rc == 0 && bc != r->write_qty * 2)
            rc = fail(err, "invalid: byte count does not match the write quantity");
        if (rc == 0)
            registers_read(r, c, r->write_qty, 0, lim);
        break;
    case MODBUS_FC_READ_FIFO_QUEUE:
        r->addr = pd_u16be(c);
        r->has |= MODBUS_HAS_ADDR;
        break;
    case MODBUS_FC_ENCAPSULATED_INTERFACE:
        rc = mei_decode(r, c, 0, lim, err);
        break;
    case MODBUS_FC_SCHNEIDER_UMAS:
        umas_decode(r, c, 0);
        break;
    case MODBUS_FC_READ_EXCEPTION_STATUS:
    case MODBUS_FC_GET_COMM_EVENT_COUNTER:
    case MODBUS_FC_GET_COMM_EVENT_LOG:
    case MODBUS_FC_REPORT_SERVER_ID:
        break; /* no data */
    default:
        rest_raw(r, c, 0);
        break;
    }
    return finish(c, rc, err);
}

/* FC 1-4 and 23 responses: byte count, then packed coils or registers. */
static int read_response(struct modbus_rec *r, struct pd_cur *c, int paired,
                         const struct pd_limits *lim, const char **err)
{
    int coils = r->func <= MODBUS_FC_READ_DISCRETE_INPUTS;
    uint8_t bc = pd_u8(c);
    if (c->err)
        return 0;
    if (bc == 0 || (!coils && bc % 2 != 0))
        return fail(err, "invalid: byte count zero or odd for registers");
    if (paired && bc != (coils ? (r->qty + 7) / 8 : r->qty * 2))
        return fail(err, "invalid: byte count does not match the requested quantity");
    if (coils)
        bits_read(r, c, paired ? r->qty : (size_t)bc * 8, 1, lim);
    else
        registers_read(r, c, bc / 2u, 1, lim);
    return 0;
}

static int echo_response(struct modbus_rec *r, struct pd_cur *c, int paired,
                         const struct pd_limits *lim, const char **err)
{
    uint16_t addr = pd_u16be(c);
    uint16_t v = pd_u16be(c);
    if (c->err)
        return 0;
    if (!paired) {
        r->addr = addr;
        r->has |= MODBUS_HAS_ADDR;
    }
    switch (r->func) {
    case MODBUS_FC_WRITE_SINGLE_COIL:
        if (v != 0 && v != COIL_ON)
            return fail(err, "invalid: coil value not 0x0000 or 0xff00");
        value_put(r, 1, v == COIL_ON, lim);
        break;
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
        value_put(r, 1, v, lim);
        break;
    default: /* FC 15, 16: address and quantity written */
        if (!paired) {
            r->qty = v;
            r->has |= MODBUS_HAS_QTY;
        }
        break;
    }
    return 0;
}

int modbus_decode_response(struct modbus_rec *r, struct pd_cur *c, const struct pd_limits *lim,
                           int paired, const char **err)
{
    int rc = 0;
    uint8_t bc;
    switch (r->func) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS:
    case MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS:
        rc = read_response(r, c, paired, lim, err);
        break;
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
        rc = echo_response(r, c, paired, lim, err);
        break;
    case MODBUS_FC_READ_EXCEPTION_STATUS:
        r->output_data = pd_u8(c);
        r->has |= MODBUS_HAS_OUTPUT_DATA;
        break;
    case MODBUS_FC_DIAGNOSTICS: {
        uint16_t sub = pd_u16be(c);
        if (c->err)
            break;
        if (paired && sub != r->sub_func) {
            rc = fail(err, "invalid: diagnostics response sub-function differs from request");
            break;
        }
        r->sub_func = sub;
        r->sub_func_name = modbus_diag_name(sub);
        r->has |= MODBUS_HAS_SUB_FUNC;
        diag_data(r, c, 1, lim);
        break;
    }
    case MODBUS_FC_GET_COMM_EVENT_COUNTER:
        r->comm_status = pd_u16be(c);
        r->event_count = pd_u16be(c);
        r->has |= MODBUS_HAS_COMM_STATUS;
        break;
    case MODBUS_FC_GET_COMM_EVENT_LOG:
        bc = pd_u8(c);
        if (c->err)
            break;
        if (bc < 6 || bc > 6 + 64) {
            rc = fail(err, "invalid: comm event log byte count");
            break;
        }
        r->comm_status = pd_u16be(c);
        r->event_count = pd_u16be(c);
        r->message_count = pd_u16be(c);
        if (c->err)
            break;
        r->has |= MODBUS_HAS_COMM_STATUS | MODBUS_HAS_MSG_COUNT;
        raw_take(&r->events, c, bc - 6u);
        break;
    case MODBUS_FC_REPORT_SERVER_ID:
        bc = pd_u8(c);
        if (c->err)
            break;
        if (bc == 0) {
            rc = fail(err, "invalid: report server id byte count zero");
            break;
        }
        /* server id (device specific, commonly 1 byte), run indicator, additional data */
        if (bc >= 2 && pd_has(c, 2) && (pd_peek8(c, 1) == 0x00 || pd_peek8(c, 1) == 0xff)) {
            r->run_indicator = pd_peek8(c, 1) == 0xff;
            r->has |= MODBUS_HAS_RUN_INDICATOR;
        }
        raw_take(&r->server_id, c, bc);
        r->has |= MODBUS_HAS_SERVER_ID;
        break;
    case MODBUS_FC_READ_FILE_RECORD:
        rc = file_read_response(r, c, lim, err);
        break;
    case MODBUS_FC_WRITE_FILE_RECORD:
        rc = file_write(r, c, 1, lim, err);
        break;
    case MODBUS_FC_MASK_WRITE_REGISTER: {
        uint16_t addr = pd_u16be(c);
        uint16_t and_mask = pd_u16be(c);
        uint16_t or_mask = pd_u16be(c);
        if (c->err || paired)
            break;
        r->addr = addr;
        r->and_mask = and_mask;
        r->or_mask = or_mask;
        r->has |= MODBUS_HAS_ADDR | MODBUS_HAS_MASKS;
        break;
    }
    case MODBUS_FC_READ_FIFO_QUEUE: {
        uint16_t bc16 = pd_u16be(c);
        uint16_t count = pd_u16be(c);
        if (c->err)
            break;
        if (count > FIFO_MAX_COUNT || bc16 != 2 + 2 * count) {
            rc = fail(err, "invalid: FIFO count above 31 or not matching the byte count");
            break;
        }
        r->qty = count;
        r->has |= MODBUS_HAS_QTY;
        registers_read(r, c, count, 1, lim);
        break;
    }
    case MODBUS_FC_ENCAPSULATED_INTERFACE:
        rc = mei_decode(r, c, 1, lim, err);
        break;
    case MODBUS_FC_SCHNEIDER_UMAS:
        umas_decode(r, c, 1);
        break;
    default:
        rest_raw(r, c, 1);
        break;
    }
    return finish(c, rc, err);
}
