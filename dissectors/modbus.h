/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modbus.h - the Modbus/TCP record (struct modbus_rec) the dissector emits for each
 * transaction, its constants, and the functions shared by modbus.c (MBAP framing,
 * probe, pairing), modbus_pdu.c (one PDU per function code) and modbus_names.c.
 * Follows the Modbus Application Protocol Specification v1.1b3 and the Modbus Messaging
 * on TCP/IP Implementation Guide v1.0b.
 */
#ifndef TZ_MODBUS_H
#define TZ_MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "pd.h"

/* MBAP header: transaction id, protocol id (0), length (unit id + PDU), unit id. */
#define MODBUS_MBAP_LEN 7
#define MODBUS_MIN_LENGTH 2    /* MBAP length field: unit id + function code */
#define MODBUS_MAX_LENGTH 254  /* unit id + the largest PDU */
#define MODBUS_MAX_PDU 253     /* function code + data */
#define MODBUS_MAX_ADU (6 + MODBUS_MAX_LENGTH)

/* Public function codes (spec section 6) and the ones the dissector knows by name. */
#define MODBUS_FC_READ_COILS 1
#define MODBUS_FC_READ_DISCRETE_INPUTS 2
#define MODBUS_FC_READ_HOLDING_REGISTERS 3
#define MODBUS_FC_READ_INPUT_REGISTERS 4
#define MODBUS_FC_WRITE_SINGLE_COIL 5
#define MODBUS_FC_WRITE_SINGLE_REGISTER 6
#define MODBUS_FC_READ_EXCEPTION_STATUS 7
#define MODBUS_FC_DIAGNOSTICS 8
#define MODBUS_FC_GET_COMM_EVENT_COUNTER 11
#define MODBUS_FC_GET_COMM_EVENT_LOG 12
#define MODBUS_FC_WRITE_MULTIPLE_COILS 15
#define MODBUS_FC_WRITE_MULTIPLE_REGISTERS 16
#define MODBUS_FC_REPORT_SERVER_ID 17
#define MODBUS_FC_READ_FILE_RECORD 20
#define MODBUS_FC_WRITE_FILE_RECORD 21
#define MODBUS_FC_MASK_WRITE_REGISTER 22
#define MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS 23
#define MODBUS_FC_READ_FIFO_QUEUE 24
#define MODBUS_FC_ENCAPSULATED_INTERFACE 43
#define MODBUS_FC_SCHNEIDER_UMAS 90
#define MODBUS_FC_EXCEPTION_BIT 0x80

/* FC 43 MEI types. */
#define MODBUS_MEI_CANOPEN 13
#define MODBUS_MEI_READ_DEVICE_ID 14

/* Caps on what one record keeps (lim->max_values / max_items clamp further). */
#define MODBUS_MAX_VALUES 2000       /* FC 1/2 read up to 2000 coils, the largest count */
#define MODBUS_MAX_MEI_OBJECTS 64
#define MODBUS_MAX_FILE_REFS 35      /* 245-byte FC 20 request / 7 bytes per sub-request */
#define MODBUS_RAW_CAP 64            /* bytes kept of opaque data (user-defined, events) */

/* Which optional parts of a record are present (modbus_rec.has). */
enum modbus_has {
    MODBUS_HAS_ADDR = 1u << 0,
    MODBUS_HAS_QTY = 1u << 1,
    MODBUS_HAS_EXCEPTION = 1u << 2,
    MODBUS_HAS_REQ_VALUES = 1u << 3,
    MODBUS_HAS_RESP_VALUES = 1u << 4,
    MODBUS_HAS_SUB_FUNC = 1u << 5,
    MODBUS_HAS_WRITE = 1u << 6,      /* write_addr and write_qty (FC 23) */
    MODBUS_HAS_MEI = 1u << 7,
    MODBUS_HAS_MASKS = 1u << 8,      /* and_mask, or_mask (FC 22) */
    MODBUS_HAS_FILE_REFS = 1u << 9,
    MODBUS_HAS_COMM_STATUS = 1u << 10, /* comm_status and event_count (FC 11, 12) */
    MODBUS_HAS_MSG_COUNT = 1u << 11, /* message_count and events (FC 12) */
    MODBUS_HAS_SERVER_ID = 1u << 12,
    MODBUS_HAS_RUN_INDICATOR = 1u << 13,
    MODBUS_HAS_OUTPUT_DATA = 1u << 14,
    MODBUS_HAS_UMAS = 1u << 15,
    MODBUS_HAS_UMAS_STATUS = 1u << 16,
    MODBUS_HAS_REQ_RAW = 1u << 17,
    MODBUS_HAS_RESP_RAW = 1u << 18,
    MODBUS_HAS_ERROR = 1u << 19,
};

/* Opaque bytes: points into the PDU (valid during emit), len capped at MODBUS_RAW_CAP. */
struct modbus_bytes {
    const uint8_t *p;
    uint16_t len;
    uint8_t truncated;
};

/* One FC 20/21 sub-request. */
struct modbus_file_ref {
    uint8_t ref_type;
    uint16_t file;
    uint16_t record;
    uint16_t length;  /* record length in registers */
};

/* One FC 43/14 device identification object; value points into the response PDU. */
struct modbus_mei_object {
    uint8_t id;
    uint8_t len;
    const uint8_t *value;
};

struct modbus_mei {
    uint8_t type;          /* MEI type: 13 CANopen, 14 read device identification */
    uint8_t has_req;       /* read_code and object_id come from the request */
    uint8_t has_resp;      /* conformity .. objects come from the response */
    uint8_t read_code;     /* 1 basic, 2 regular, 3 extended, 4 one object */
    uint8_t object_id;     /* the requested (first) object id */
    uint8_t conformity;
    uint8_t more;          /* 1 when the response says more follows (0xFF) */
    uint8_t next_object;
    uint8_t n_objects;     /* objects kept */
    uint8_t objects_truncated;
    struct modbus_mei_object objects[MODBUS_MAX_MEI_OBJECTS];
};

/*
 * One Modbus transaction: request fields (addr, qty, req_values, ...) come from the
 * request, resp_* from the response; a response_only record holds what the response
 * shows. Only the parts flagged in `has` are meaningful (the JSON encoder writes only
 * those). Pointers inside point to bytes valid only during ctx->emit().
 */
struct modbus_rec {
    uint32_t has;              /* enum modbus_has bits */
    uint16_t tid;
    uint8_t unit;
    uint8_t func;              /* function code without the exception bit */
    char func_name[40];        /* "read_coils", "user_defined_65", "schneider_umas", ... */
    uint8_t exception;         /* exception code when MODBUS_HAS_EXCEPTION */
    const char *exception_name;
    uint16_t addr, qty;        /* FC 23: the read side */
    uint16_t write_addr, write_qty;
    uint16_t sub_func;         /* FC 8 sub-function; FC 43 MEI type */
    const char *sub_func_name;
    uint16_t and_mask, or_mask;
    uint16_t comm_status, event_count, message_count;
    uint8_t output_data;       /* FC 7 */
    uint8_t run_indicator;     /* FC 17: 1 on (0xFF), 0 off (0x00) */
    uint8_t umas_func;         /* FC 90 request: UMAS function code */
    uint8_t umas_status;       /* FC 90 response: 0xFE ok, 0xFD error */
    const char *umas_func_name;
    const char *error;         /* why the record is malformed (MODBUS_HAS_ERROR) */
    uint8_t values_truncated;
    uint16_t n_req_values, n_resp_values;
    uint16_t req_values[MODBUS_MAX_VALUES];  /* registers, or coils as 0/1 */
    uint16_t resp_values[MODBUS_MAX_VALUES];
    uint8_t n_file_refs, file_refs_truncated;
    struct modbus_file_ref file_refs[MODBUS_MAX_FILE_REFS];
    struct modbus_bytes req_raw, resp_raw, server_id, events;
    struct modbus_mei mei;
};

/* modbus_pdu.c: decode one PDU (c starts after the function code) into r. Return 0, or
 * -1 with *err naming what is wrong ("truncated: ..." or "invalid: ..."). The response
 * decoder checks counts against the request fields already in r when `paired`. */
int modbus_decode_request(struct modbus_rec *r, struct pd_cur *c, const struct pd_limits *lim,
                          const char **err);
int modbus_decode_response(struct modbus_rec *r, struct pd_cur *c, const struct pd_limits *lim,
                           int paired, const char **err);

/* modbus_names.c */
int modbus_fc_known(uint8_t fc);                /* public, user-defined or UMAS (no 0x80) */
const char *modbus_fc_name(uint8_t fc);         /* NULL for user-defined/unknown codes */
const char *modbus_exception_name(uint8_t code);
const char *modbus_diag_name(uint16_t sub);
const char *modbus_mei_type_name(uint8_t type);
const char *modbus_umas_name(uint8_t func);
/* Writes the device identification object name ("VendorName", "private_0x80") to buf. */
void modbus_mei_object_name(uint8_t id, char *buf, size_t cap);
/* The op class (enum pd_op) for a function code, looking at the UMAS function for FC 90. */
uint8_t modbus_op(const struct modbus_rec *r);
/* Fills r->func and r->func_name for fc (exception bit already removed). */
void modbus_set_func(struct modbus_rec *r, uint8_t fc);

extern const struct pd_field modbus_fields[];

#endif
