/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm.h - the records the S7 dissector (pd_s7comm) emits: one struct s7comm_rec per
 * S7comm transaction or COTP connection set-up (pd_txn.proto PD_PROTO_S7COMM) and one
 * struct s7comm_plus_rec per S7comm-plus transaction (PD_PROTO_S7COMM_PLUS). Field
 * meanings follow Siemens S7 as documented by Wireshark's packet-s7comm.c and the
 * S7comm-plus dissector; sensor/json_s7comm.c turns them into EVENTS.md objects.
 */
#ifndef TZ_S7COMM_H
#define TZ_S7COMM_H

#include <stdint.h>

#include "pd.h"

#define S7COMM_MAX_ITEMS 32     /* items kept per record (also capped by lim->max_items) */
#define S7COMM_VALUE_CAP 16     /* value bytes kept per item (also capped by lim->max_values) */
#define S7COMM_TSAP_MAX 32      /* TSAP bytes kept (S7-1200/1500 use strings) */
#define S7COMM_MAX_BLOCKS 8     /* blocks kept from a PI _INSE/_DELE list */
#define S7COMM_NAME_MAX 36      /* identity strings (SZL fields are at most 32 bytes) */
#define S7COMM_FILE_MAX 24      /* up/download file name */
#define S7COMM_PI_MAX 16        /* PI service name */
#define S7COMM_PI_ARG_MAX 32    /* PI argument text */

/* What a record is about. */
enum s7comm_kind {
    S7COMM_KIND_SESSION = 1, /* COTP connection request/confirm */
    S7COMM_KIND_JOB = 2,     /* ROSCTR job with ack / ack-data */
    S7COMM_KIND_USERDATA = 3 /* ROSCTR userdata request/response/push */
};

/* ROSCTR (header byte 1) */
#define S7COMM_ROSCTR_JOB 0x01
#define S7COMM_ROSCTR_ACK 0x02
#define S7COMM_ROSCTR_ACK_DATA 0x03
#define S7COMM_ROSCTR_USERDATA 0x07

/* Parameter function codes (job / ack-data) */
#define S7COMM_FUNC_CPU_SERVICES 0x00
#define S7COMM_FUNC_READ_VAR 0x04
#define S7COMM_FUNC_WRITE_VAR 0x05
#define S7COMM_FUNC_REQ_DOWNLOAD 0x1a
#define S7COMM_FUNC_DOWNLOAD_BLOCK 0x1b
#define S7COMM_FUNC_DOWNLOAD_ENDED 0x1c
#define S7COMM_FUNC_START_UPLOAD 0x1d
#define S7COMM_FUNC_UPLOAD 0x1e
#define S7COMM_FUNC_END_UPLOAD 0x1f
#define S7COMM_FUNC_PI_SERVICE 0x28
#define S7COMM_FUNC_PLC_STOP 0x29
#define S7COMM_FUNC_SETUP_COMM 0xf0

/* Userdata function groups and the subfunctions the dissector looks into */
#define S7COMM_UD_GROUP_PROG 0x01
#define S7COMM_UD_GROUP_CYCLIC 0x02
#define S7COMM_UD_GROUP_BLOCK 0x03
#define S7COMM_UD_GROUP_CPU 0x04
#define S7COMM_UD_GROUP_SECURITY 0x05
#define S7COMM_UD_GROUP_PBC 0x06
#define S7COMM_UD_GROUP_TIME 0x07
#define S7COMM_UD_GROUP_DRR 0x20
#define S7COMM_UD_GROUP_NCPRG 0x3f
#define S7COMM_UD_SUB_READ_SZL 0x01
#define S7COMM_UD_TYPE_PUSH 0
#define S7COMM_UD_TYPE_REQ 1
#define S7COMM_UD_TYPE_RES 2

/* The flow's COTP connection: TSAPs from the CR (or CC when the CR was not seen). */
struct s7comm_cotp {
    uint8_t src_tsap[S7COMM_TSAP_MAX]; /* calling TSAP (the client's) */
    uint8_t dst_tsap[S7COMM_TSAP_MAX]; /* called TSAP (the PLC's: rack and slot) */
    uint8_t src_len;                   /* bytes kept in src_tsap */
    uint8_t dst_len;
    uint8_t tpdu_size;                 /* 0xC0 parameter: TPDU size is 2^tpdu_size, 0 absent */
    uint8_t valid;                     /* 1 once a CR or CC was decoded */
};

/* One read/write variable item: the address from the request, the return code and
 * (capped) value from the response (read) or the request (write). */
struct s7comm_item {
    uint8_t has_addr;   /* a request address was decoded */
    uint8_t syntax;     /* syntax id: 0x10 S7ANY, 0xb0 DBREAD, 0xb2 1200SYM, 0x82 NCK... */
    uint8_t type;       /* transport size of the request (1 BIT, 2 BYTE, 4 WORD...) */
    uint8_t area;       /* 0x81 I, 0x82 Q, 0x83 M, 0x84 DB, 0x1c C, 0x1d T... */
    uint16_t db;
    uint16_t count;     /* number of elements of `type` */
    uint32_t byte;      /* byte address (or timer/counter number for areas C and T) */
    uint8_t bit;
    uint8_t has_ret;
    uint8_t ret;        /* 0xff success, 0x05 invalid address, 0x0a object does not exist... */
    uint8_t has_value;
    uint8_t value_type; /* data transport size of the value (3 BIT, 4 BYTE/WORD, 9 OCTET...) */
    uint8_t value_kept; /* bytes kept in value[] */
    uint16_t value_len; /* bytes on the wire */
    uint8_t value[S7COMM_VALUE_CAP];
};

struct s7comm_userdata {
    uint8_t present;
    uint8_t type;       /* S7COMM_UD_TYPE_*: of the first message */
    uint8_t group;      /* function group (6 bits) */
    uint8_t sub;        /* subfunction */
    uint8_t seq;        /* sequence number of the first message */
    uint8_t unit_ref;   /* data unit reference (response) */
    uint8_t more;       /* response: more data units follow */
    uint8_t has_szl;
    uint16_t szl_id;
    uint16_t szl_index;
    uint16_t szl_count; /* records in the response (as announced) */
    uint8_t has_count;
    uint8_t data_ret;   /* return code of the response data part, 0 when absent */
    char clock[24];     /* time functions: "YYYY-MM-DDThh:mm:ss.mmm" (PLC local time) */
};

struct s7comm_block {
    char type[3];       /* two ASCII characters as on the wire ("0A" = DB) */
    uint8_t filesys;    /* 'P' passive, 'A' active, 'B' both, 0 unknown */
    uint8_t has_number;
    uint32_t number;
};

/* The block-functions "block info" response (78 bytes, layout of Wireshark's
 * packet-s7comm.c). Times are S7 block times: milliseconds of the day and days since
 * 1984-01-01. Strings are NUL-terminated, trailing spaces trimmed. */
struct s7comm_blockinfo {
    uint8_t present;
    uint8_t flags;          /* block flags byte */
    uint8_t lang;           /* 1 STL (AWL), 2 LAD, 3 FBD, 4 SCL, 5 DB, 6 GRAPH, 7 SDB... */
    uint8_t version;        /* header version: major in the high nibble, minor in the low */
    uint32_t load_len;      /* length in load memory */
    uint32_t security;      /* 0 none, 3 know-how protected */
    uint32_t code_ms;       /* last code change */
    uint16_t code_days;
    uint16_t iface_days;    /* last interface change */
    uint32_t iface_ms;
    uint16_t ssb_len;
    uint16_t add_len;
    uint16_t local_len;     /* local data length */
    uint16_t mc7_len;       /* MC7 code length */
    uint16_t checksum;
    char author[9];
    char family[9];
    char name[9];
};

/* Asset identity decoded from SZL 0x0011 / 0x001C responses (NUL-terminated strings,
 * empty when not present). */
struct s7comm_identity {
    uint8_t present;
    char order_number[S7COMM_NAME_MAX]; /* 0x0011 index 1: MlfB */
    char hw_order_number[S7COMM_NAME_MAX]; /* 0x0011 index 6: basic hardware */
    char firmware[16];                  /* 0x0011 index 7: "V3.2.6" */
    uint16_t module_version;            /* 0x0011 index 1: Ausbg */
    char system_name[S7COMM_NAME_MAX];  /* 0x001C index 1: name of the automation system */
    char module_name[S7COMM_NAME_MAX];  /* index 2 */
    char plant_name[S7COMM_NAME_MAX];   /* index 3: plant designation */
    char copyright[S7COMM_NAME_MAX];    /* index 4 */
    char serial[S7COMM_NAME_MAX];       /* index 5 */
    char module_type[S7COMM_NAME_MAX];  /* index 7 */
    char mc_serial[S7COMM_NAME_MAX];    /* index 8: memory card serial */
    char location[S7COMM_NAME_MAX];     /* index 11 */
};

struct s7comm_rec {
    uint8_t kind;         /* enum s7comm_kind */
    uint8_t rosctr;       /* of the first message of the record */
    uint8_t resp_rosctr;  /* of the response, 0 when none */
    uint8_t has_func;
    uint8_t func;         /* parameter function code (job/ack-data) */
    uint16_t pdu_ref;
    uint16_t param_len;   /* S7 header parameter length of the first message */
    uint16_t data_len;    /* S7 header data length of the first message */
    uint8_t has_resp_len;
    uint16_t resp_param_len; /* the same of the response (the last data unit's) */
    uint16_t resp_data_len;
    uint8_t has_error;    /* the response header carried error class/code */
    uint8_t error_class;
    uint8_t error_code;
    uint8_t has_param_error;
    uint16_t param_error; /* userdata / block control error code */
    /* setup communication */
    uint8_t has_setup;
    uint16_t pdu_size;
    uint16_t amq_calling;
    uint16_t amq_called;
    /* read/write var */
    uint8_t n_items;      /* items kept */
    uint8_t items_total;  /* items announced by the item count */
    struct s7comm_item items[S7COMM_MAX_ITEMS];
    struct s7comm_userdata ud;
    /* block functions, up/download, PI */
    uint8_t n_blocks;
    uint8_t blocks_total;
    struct s7comm_block blocks[S7COMM_MAX_BLOCKS];
    struct s7comm_blockinfo binfo; /* block info response */
    char filename[S7COMM_FILE_MAX];
    char pi_service[S7COMM_PI_MAX];
    char pi_arg[S7COMM_PI_ARG_MAX];
    uint8_t has_upload_id;
    uint32_t upload_id;
    uint8_t cotp_event;   /* session records: 0xD0 CC, 0x80 DR, 0x70 ER answered the CR */
    const struct s7comm_cotp *cotp;         /* the flow's COTP connection, NULL if unseen */
    const struct s7comm_identity *identity; /* set when this response carried identity */
};

/* S7comm-plus opcodes and function codes */
#define S7COMM_PLUS_OP_REQUEST 0x31
#define S7COMM_PLUS_OP_RESPONSE 0x32
#define S7COMM_PLUS_OP_NOTIFICATION 0x33
#define S7COMM_PLUS_OP_RESPONSE2 0x02
#define S7COMM_PLUS_FC_EXPLORE 0x04bb
#define S7COMM_PLUS_FC_CREATE_OBJECT 0x04ca
#define S7COMM_PLUS_FC_DELETE_OBJECT 0x04d4
#define S7COMM_PLUS_FC_SET_VARIABLE 0x04f2
#define S7COMM_PLUS_FC_GET_VARIABLE 0x04fc
#define S7COMM_PLUS_FC_BEGIN_SEQUENCE 0x0556
#define S7COMM_PLUS_FC_END_SEQUENCE 0x0560
#define S7COMM_PLUS_FC_INIT_SSL 0x05b3

struct s7comm_plus_rec {
    uint8_t version;      /* header byte 1: 1, 2, 3 */
    uint8_t opcode;       /* of the first message */
    uint8_t resp_opcode;  /* 0 when no response was seen */
    uint8_t has_func;
    uint16_t func;
    uint8_t has_seq;
    uint16_t seq;
    uint8_t has_session;
    uint32_t session;
    uint16_t data_len;    /* header data length of the first message */
    uint8_t integrity;    /* an integrity part (32-byte digest) was recognised */
    uint8_t trailer;      /* 1 trailer present and matching, 0 absent (fragment) */
    uint8_t fragments;    /* PDUs that carried this message (>1 when fragmented) */
    uint8_t encrypted;    /* TLS records inside COTP: only the header level is known */
    uint8_t tls_type;     /* TLS content type of an encrypted PDU (22 handshake, 23 data) */
    uint8_t transport_flags;
    uint8_t has_ret;
    uint64_t ret;         /* response return value; error code is its low 16 bits, signed */
    uint8_t has_object;
    uint32_t object_id;   /* request: target object (SetVariable, DeleteObject, CreateObject) */
    uint8_t has_class;
    uint32_t class_id;    /* CreateObject: class of the created object */
    uint8_t has_created;
    uint32_t created_id;  /* CreateObject response: first id created (the session's, for
                           * the server session container) */
    uint8_t has_attribute;
    uint32_t attribute;   /* SetVariable: attribute id */
    uint8_t has_state_req;
    int32_t state_req;    /* CPUexecUnit.operatingStateReq written: 1 STOP, 3 RUN */
    const struct s7comm_cotp *cotp;
};

extern const struct pd_dissector pd_s7comm;

/* s7comm_names.c: names as written in events */
const char *s7comm_rosctr_name(unsigned rosctr);
const char *s7comm_func_name(unsigned func);
const char *s7comm_area_name(unsigned area);
const char *s7comm_type_name(unsigned type);
const char *s7comm_syntax_name(unsigned syntax);
const char *s7comm_ret_name(unsigned ret);
const char *s7comm_ud_type_name(unsigned type);
const char *s7comm_group_name(unsigned group);
const char *s7comm_sub_name(unsigned group, unsigned sub);
const char *s7comm_block_type_name(const char type[3]);
const char *s7comm_block_lang_name(unsigned lang);
const char *s7comm_error_name(unsigned error);
const char *s7comm_plus_opcode_name(unsigned opcode);
const char *s7comm_plus_func_name(unsigned func);
enum pd_op s7comm_rec_op(const struct s7comm_rec *r);
enum pd_op s7comm_plus_rec_op(const struct s7comm_plus_rec *r);

#endif
