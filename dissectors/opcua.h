/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua.h - the typed record the OPC UA binary dissector emits (struct opcua_rec), read by
 * sensor/json_opcua.c. Follows OPC 10000-6 (UA Part 6: UA TCP messages, secure
 * conversation, binary encoding) and OPC 10000-4 (Part 4: services). Node ids and values
 * are kept raw and capped here; the JSON encoder renders them as text.
 */
#ifndef TZ_OPCUA_H
#define TZ_OPCUA_H

#include <stdint.h>

#include "pd.h"

#define OPCUA_MAX_ITEMS 16   /* nodes/values kept per record (also capped by lim->max_items) */
#define OPCUA_ID_RAW 32      /* bytes of a string/opaque NodeId identifier kept */
#define OPCUA_VALUE_RAW 24   /* bytes of a string/bytestring/guid value kept */
#define OPCUA_URI_MAX 96     /* security policy URI, endpoint URL (NUL included) */
#define OPCUA_NAME_MAX 48    /* session name, error reason (NUL included) */

/* UA TCP message types (Part 6, 7.1.2). */
enum opcua_msg {
    OPCUA_MSG_NONE = 0,
    OPCUA_MSG_HEL,
    OPCUA_MSG_ACK,
    OPCUA_MSG_ERR,
    OPCUA_MSG_RHE,
    OPCUA_MSG_OPN,
    OPCUA_MSG_CLO,
    OPCUA_MSG_MSG,
};

/* MessageSecurityMode (Part 4, 7.20); 0 = not seen. */
enum opcua_mode {
    OPCUA_MODE_UNKNOWN = 0,
    OPCUA_MODE_NONE = 1,
    OPCUA_MODE_SIGN = 2,
    OPCUA_MODE_SIGN_ENCRYPT = 3,
};

/* The UserIdentityToken kind of ActivateSession; never the secret it carries. */
enum opcua_identity {
    OPCUA_ID_NONE = 0,
    OPCUA_ID_ANONYMOUS,
    OPCUA_ID_USERNAME,
    OPCUA_ID_CERTIFICATE,
    OPCUA_ID_ISSUED,
    OPCUA_ID_OTHER,
};

/* NodeId identifier kinds (Part 6, 5.2.2.9). */
enum opcua_id_kind {
    OPCUA_NID_NONE = 0,
    OPCUA_NID_NUMERIC,
    OPCUA_NID_STRING,
    OPCUA_NID_GUID,
    OPCUA_NID_OPAQUE,
};

struct opcua_nodeid {
    uint8_t kind;               /* enum opcua_id_kind */
    uint8_t len;                /* bytes in raw (string, guid, opaque) */
    uint8_t cut;                /* the identifier was longer than OPCUA_ID_RAW */
    uint16_t ns;
    uint32_t num;               /* numeric identifier */
    uint8_t raw[OPCUA_ID_RAW];
};

/* One Variant (or the Variant inside a DataValue). */
struct opcua_value {
    uint8_t present;            /* a Variant was decoded */
    uint8_t type;               /* built-in type id, 0 = null */
    uint8_t is_array;
    uint8_t len;                /* bytes in raw */
    uint8_t cut;                /* raw holds only the first OPCUA_VALUE_RAW bytes */
    uint8_t has_status;         /* DataValue carried a StatusCode */
    uint32_t array_len;
    uint32_t status;
    union {
        int64_t i;
        uint64_t u;
        double d;
    } num;                      /* Boolean..Double, DateTime (ticks), StatusCode */
    uint8_t raw[OPCUA_VALUE_RAW]; /* String, XmlElement, ByteString, Guid bytes */
};

/* One operation of a service: a node read/written/browsed, a data change, an argument. */
struct opcua_item {
    struct opcua_nodeid node;
    uint32_t attr;              /* AttributeId, 0 = none */
    uint32_t handle;            /* client handle (data change notification) */
    uint32_t result;            /* per-operation StatusCode from the response */
    uint8_t has_result;
    struct opcua_value value;
};

/* Which per-item columns a record carries. */
#define OPCUA_COL_NODES 0x01
#define OPCUA_COL_ATTRS 0x02
#define OPCUA_COL_VALUES 0x04
#define OPCUA_COL_RESULTS 0x08
#define OPCUA_COL_HANDLES 0x10

struct opcua_hello {
    uint32_t version, recv_buf, send_buf, max_msg, max_chunks;
};

#define OPCUA_CERT_MAX 2048 /* bytes of a SenderCertificate kept per direction */

struct opcua_rec {
    uint8_t msg_type;           /* enum opcua_msg of the request (HEL for HEL/ACK) */
    char chunk;                 /* 'F', 'C' or 'A' of the last chunk seen */
    uint8_t chunks;             /* chunks the request (or lone message) was carried in */
    uint8_t resp_chunks;        /* chunks the response was carried in */
    uint8_t encrypted;          /* body is encrypted: metadata only */
    uint8_t aborted;            /* an 'A' chunk ended the message */
    uint8_t reasm_cut;          /* reassembly hit its cap; decoded what fitted */
    uint8_t security_mode;      /* enum opcua_mode */
    uint8_t identity;           /* enum opcua_identity */
    uint8_t has_channel, has_token, has_seq, has_req_id, has_status;
    uint8_t has_hello, has_ack, has_sub, has_notif, has_call, has_call_status;
    uint8_t has_refs, has_found;
    /* OPN asymmetric security header (Part 6 6.7.2.3): the SenderCertificate as sent (DER,
     * maybe followed by its chain; at most OPCUA_CERT_MAX bytes kept, the pointer is into
     * the flow's state and valid during emit) and the ReceiverCertificateThumbprint. The
     * sensor parses the certificate (sensor/x509.c); the dissector stays libc-only. */
    const uint8_t *sender_cert, *resp_sender_cert;
    uint16_t sender_cert_len, resp_sender_cert_len;
    uint8_t has_receiver_thumb;
    uint8_t receiver_thumb[20];
    uint8_t cols;               /* OPCUA_COL_* */
    uint8_t n_items;            /* items kept */
    uint32_t items_total;       /* operations in the message */
    uint32_t channel, token, seq, req_id;
    uint32_t service_id;        /* request encoding NodeId (or the response's when unpaired) */
    uint32_t resp_service_id;   /* response encoding NodeId, 0 = none */
    uint32_t status;            /* ServiceResult / ERR error / abort error */
    uint32_t sub_id;            /* subscription id */
    uint32_t data_changes, events, status_changes; /* Publish notifications */
    uint32_t methods, args;     /* Call: methods called, input arguments of the first */
    uint32_t call_status;       /* Call: StatusCode of the first method (has_call) */
    uint32_t refs;              /* Browse/BrowseNext: references returned */
    uint32_t found;             /* GetEndpoints/FindServers: endpoints or servers returned */
    struct opcua_hello hello, ack;
    struct opcua_nodeid object, method; /* Call: the first method */
    char security_policy[OPCUA_URI_MAX];
    char endpoint[OPCUA_URI_MAX];
    char session_name[OPCUA_NAME_MAX];
    char reason[OPCUA_NAME_MAX];
    struct opcua_item items[OPCUA_MAX_ITEMS];
};

/* opcua_names.c */
const char *opcua_service_name(uint32_t encoding_id); /* "Read", or NULL */
int opcua_service_is_response(uint32_t encoding_id);  /* 1 response, 0 request, -1 unknown */
uint8_t opcua_service_op(uint32_t encoding_id);       /* enum pd_op */
const char *opcua_status_name(uint32_t status);       /* "BadNodeIdUnknown", or NULL */
const char *opcua_type_name(uint8_t builtin);         /* "Double", or NULL */
const char *opcua_msg_name(uint8_t msg_type);         /* "HEL", ... */
const char *opcua_mode_name(uint8_t mode);            /* "None", "Sign", ... or NULL */
const char *opcua_identity_name(uint8_t identity);    /* "anonymous", ... or NULL */

extern const struct pd_dissector pd_opcua;

#endif
