/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua_int.h - what the OPC UA dissector's files share and nobody else sees: the per-flow
 * state (pairing table, reassembly buffers, channel security), the built-in type decoders
 * of OPC 10000-6 5.2 (opcua_types.c), the Part 4 service body decoders (opcua_svc.c) and
 * the secure channel layer (opcua_chan.c).
 */
#ifndef TZ_OPCUA_INT_H
#define TZ_OPCUA_INT_H

#include "opcua.h"
#include "pd_txn.h"

#define OPCUA_HDR_LEN 8
#define OPCUA_MAX_MSG 65544   /* largest chunk the sensor buffers */
#define OPCUA_MAX_DEPTH 8     /* nesting of Variant/DataValue/DiagnosticInfo decoded */
#define OPCUA_REASM_CAP 24576 /* bytes of a multi-chunk message body kept per direction */

/* Well-known encoding NodeIds used by the decoders (NodeIds.csv). */
#define OPCUA_ID_OPN_REQ 446
#define OPCUA_ID_OPN_RESP 449
#define OPCUA_ID_CLO_REQ 452
#define OPCUA_ID_PUBLISH_REQ 826
#define OPCUA_ID_PUBLISH_RESP 829
#define OPCUA_ID_ANONYMOUS_TOKEN 321
#define OPCUA_ID_USERNAME_TOKEN 324
#define OPCUA_ID_X509_TOKEN 327
#define OPCUA_ID_ISSUED_TOKEN 940
#define OPCUA_ID_DATA_CHANGE 811
#define OPCUA_ID_STATUS_CHANGE 820
#define OPCUA_ID_EVENT_LIST 916

/* What the secure channel layer knows about the channel's security. */
enum opcua_sec {
    OPCUA_SEC_UNKNOWN = 0,   /* no OPN seen (mid-stream pickup) */
    OPCUA_SEC_NONE,          /* SecurityPolicy#None: bodies in the clear */
    OPCUA_SEC_SECURED,       /* another policy: bodies signed, maybe encrypted */
};

/* A request waiting for its response: the payload of slot i of the framework's table
 * (pd_txn.h: time, direction, key = RequestId). */
struct opcua_pending {
    struct opcua_rec rec;
};

struct opcua_reasm {
    uint8_t active;
    uint8_t cut;             /* bytes were dropped at the cap */
    uint8_t chunks;
    uint32_t req_id;
    uint32_t seq;            /* SequenceNumber of the first chunk */
    uint32_t len;
    uint64_t ts_us;
    uint8_t buf[OPCUA_REASM_CAP];
};

struct opcua_state {
    uint8_t sec;             /* enum opcua_sec */
    uint8_t mode;            /* enum opcua_mode from a clear OPN request */
    uint8_t sig_len;         /* symmetric signature bytes per chunk when signed */
    uint8_t enc_chunks[2];   /* encrypted 'C' chunks seen per direction */
    uint8_t hello_pending;
    uint8_t opn_pending;     /* an encrypted OPN request waits for its response */
    uint32_t channel, token;
    char policy[OPCUA_URI_MAX];
    uint64_t hello_ts, opn_ts;
    struct opcua_rec hello;  /* HEL waiting for ACK/ERR */
    struct opcua_rec opn;    /* encrypted OPN request waiting for its response */
    struct opcua_reasm reasm[2];
    uint16_t cert_len[2];    /* SenderCertificate bytes kept per direction (last OPN) */
    uint8_t cert[2][OPCUA_CERT_MAX];
    struct pd_txn_table txn;
    struct opcua_pending pending[PD_MAX_PENDING];
};

/* opcua_types.c - built-in types. All take the cursor by pointer and leave errors in it. */
uint32_t opcua_count(struct pd_cur *c);           /* array length, null = 0, capped by bytes */
int32_t opcua_string(struct pd_cur *c, char *dst, size_t cap); /* -1 null, else wire length */
void opcua_skip_string(struct pd_cur *c);         /* String, ByteString, XmlElement */
void opcua_nodeid(struct pd_cur *c, struct opcua_nodeid *id);     /* id may be NULL */
void opcua_expnodeid(struct pd_cur *c, struct opcua_nodeid *id);  /* id may be NULL */
void opcua_skip_qname(struct pd_cur *c);
void opcua_skip_ltext(struct pd_cur *c);
/* ExtensionObject: returns the numeric ns0 type id (0 otherwise), body as a sub-cursor. */
uint32_t opcua_extobj(struct pd_cur *c, struct pd_cur *body);
void opcua_variant(struct pd_cur *c, struct opcua_value *v, int depth);   /* v may be NULL */
void opcua_datavalue(struct pd_cur *c, struct opcua_value *v, int depth); /* v may be NULL */
void opcua_skip_diag(struct pd_cur *c, int depth);
void opcua_skip_diags(struct pd_cur *c);          /* DiagnosticInfo[] */
void opcua_skip_strings(struct pd_cur *c);        /* String[] */
void opcua_req_header(struct pd_cur *c);
uint32_t opcua_resp_header(struct pd_cur *c);     /* returns the ServiceResult */
int opcua_nodeid_is_ns0_numeric(const struct opcua_nodeid *id);

/* opcua_svc.c - decodes a service body (after its type NodeId) into r. */
void opcua_svc_decode(struct pd_cur *c, uint32_t type_id, struct opcua_rec *r,
                      const struct pd_limits *lim);

/* opcua_chan.c - OPN, MSG and CLO: secure channel headers, chunks, pairing. */
int opcua_chan_parse(struct pd_ctx *ctx, struct opcua_state *st, struct pd_cur *c,
                     uint8_t msg_type, char chunk);
void opcua_emit(struct pd_ctx *ctx, const struct opcua_rec *r, uint8_t op, uint8_t status,
                uint8_t req_dir, uint64_t ts_us, int has_latency);
void opcua_expire(struct pd_ctx *ctx, int final);

#endif
