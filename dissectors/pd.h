/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pd.h - the dissector contract.
 *
 * A dissector is one descriptor (struct pd_dissector) registered by one line in
 * registry.c. The sensor does the framing loop: it asks pdu_len() how long the PDU at the
 * head of a direction's byte stream is, and hands parse() exactly one PDU. The dissector
 * pairs requests with responses in its per-flow state and reports each finished
 * transaction through ctx->emit() as a typed record (struct pd_txn + a protocol struct
 * declared in <proto>.h). The sensor turns records into JSON (sensor/json_<proto>.c).
 * Nothing here allocates; everything here depends on libc only.
 */
#ifndef TZ_PD_H
#define TZ_PD_H

#include <stddef.h>
#include <stdint.h>

#include "pd_cursor.h"

enum pd_proto {
    PD_PROTO_NONE = 0,
    PD_PROTO_MODBUS,
    PD_PROTO_DNP3,
    PD_PROTO_S7COMM,
    PD_PROTO_S7COMM_PLUS,
    PD_PROTO_OPCUA,
    PD_PROTO_IEC104,
    PD_PROTO_COUNT
};

/* Normalised operation class shared by every protocol (EVENTS.md `op`). */
enum pd_op {
    PD_OP_OTHER = 0,
    PD_OP_READ,
    PD_OP_WRITE,
    PD_OP_CONTROL,
    PD_OP_PROGRAM,
    PD_OP_DIAGNOSTIC,
    PD_OP_IDENTIFY,
    PD_OP_SESSION,
    PD_OP_TIME,
    PD_OP_FILE,
    PD_OP_REPORT, /* data a device sends without being asked (spontaneous, cyclic, pushes) */
    PD_OP_COUNT
};

/* EVENTS.md `status`. */
enum pd_status {
    PD_ST_OK = 0,
    PD_ST_EXCEPTION,
    PD_ST_NO_RESPONSE,
    PD_ST_RESPONSE_ONLY,
    PD_ST_MALFORMED,
    PD_ST_COUNT
};

enum pd_dir {
    PD_DIR_TO_SERVER = 0, /* bytes sent by the flow's client (the side that opened it) */
    PD_DIR_TO_CLIENT = 1,
};

enum pd_probe {
    PD_PROBE_NO = 0,
    PD_PROBE_YES = 1,
    PD_PROBE_NEED_MORE = 2,
    /* The framing fits exactly but the content is unusual (an unknown function code, a
     * malformed PDU): taken only when the server port is one of the protocol's default
     * ports and no probe said yes, so scanners and broken clients on a protocol's own port
     * are still decoded while random bytes elsewhere are not. */
    PD_PROBE_WEAK = 3,
};

/* What one PDU says about who sent it (the probe contract's request/response answer): only a
 * client sends a request, only a server a response; either when the bytes fit both. The
 * sensor finds client and server from this when the TCP handshake was not seen or the port
 * is not the protocol's own (sensor/ident.h). */
enum pd_role {
    PD_ROLE_EITHER = 0,
    PD_ROLE_REQUEST = 1,
    PD_ROLE_RESPONSE = 2,
};

struct pd_role_info {
    uint8_t role;    /* enum pd_role */
    uint8_t has_id;  /* id is a transaction identifier the answer repeats */
    uint32_t id;     /* Modbus transaction id, S7 PDU reference, OPC UA request id ... */
};

enum pd_transport {
    PD_TRANSPORT_TCP = 1,
    PD_TRANSPORT_UDP = 2,
};

/* Caps from the sensor config; every count read off the wire is clamped to one of these. */
struct pd_limits {
    uint32_t max_values;   /* register/coil/point values kept per record */
    uint32_t max_items;    /* items, objects or nodes kept per record */
    uint32_t max_points;   /* points kept per object header */
    uint32_t max_pending;  /* outstanding requests remembered per flow (<= PD_MAX_PENDING) */
    uint64_t txn_timeout_us; /* a request older than this becomes no_response */
};

/* Hard upper bound for max_pending, so per-flow state can be a fixed array. */
#define PD_MAX_PENDING 32

/* One finished transaction, handed to ctx->emit(). `rec` points to the protocol's own
 * record (struct modbus_rec, ...), valid only during the call. */
struct pd_txn {
    uint8_t proto;         /* enum pd_proto: the event's `proto` and the type of *rec */
    uint8_t op;            /* enum pd_op */
    uint8_t status;        /* enum pd_status */
    uint8_t req_dir;       /* enum pd_dir of the first message of the record (the requester) */
    uint8_t has_latency;
    uint64_t ts_us;        /* time of the first packet of the record */
    uint64_t latency_us;
    const void *rec;
};

struct pd_ctx;
typedef void (*pd_emit_fn)(struct pd_ctx *ctx, const struct pd_txn *txn);
typedef void (*pd_anomaly_fn)(struct pd_ctx *ctx, const char *kind, const char *detail);

/* Set up by the sensor before each call into a dissector. */
struct pd_ctx {
    uint64_t now_us;            /* timestamp of the packet that completed this PDU */
    uint8_t dir;                /* enum pd_dir of the bytes being parsed */
    uint8_t transport;          /* enum pd_transport */
    void *state;                /* per-flow state, state_size bytes, zeroed when the flow starts */
    const struct pd_limits *lim;
    pd_emit_fn emit;
    pd_anomaly_fn anomaly;
    void *opaque;               /* the sensor's; dissectors never touch it */
};

/* One documented output field: the dotted JSON path under the protocol object. */
struct pd_field {
    const char *name;  /* e.g. "modbus.func" */
    const char *type;  /* "int", "string", "bool", "array", "object" */
    const char *doc;
};

struct pd_dissector {
    const char *name;           /* "modbus": the event's proto and the config/metrics name */
    uint8_t proto;              /* enum pd_proto */
    uint8_t transports;         /* PD_TRANSPORT_* bits */
    uint16_t ports[4];          /* default ports, 0-terminated: a hint, never a requirement */
    size_t min_header;          /* bytes pdu_len() needs to decide */

    /* Strict look at the first bytes a side sent: is this our protocol? */
    enum pd_probe (*probe)(const uint8_t *p, size_t n, uint8_t dir);
    /* The probe's request/response answer for one whole PDU p[0..n) (as pdu_len() framed
     * it): fills *out (role EITHER, no id, when it cannot tell). May be NULL. */
    void (*role)(const uint8_t *p, size_t n, struct pd_role_info *out);
    /* Length of the PDU starting at p: >0 its total length, 0 need more bytes, <0 these
     * bytes cannot start a PDU (the sensor then resynchronises). */
    long (*pdu_len)(const uint8_t *p, size_t n);
    /* Offset of the first plausible PDU start in p[0..n), or -1: used after a TCP gap, a
     * mid-stream pickup or a framing error. */
    long (*resync)(const uint8_t *p, size_t n);
    /* Decodes exactly one PDU. Returns 0, or <0 when it was malformed (the dissector has
     * reported it through ctx->anomaly or a malformed record; the flow goes on). */
    int (*parse)(struct pd_ctx *ctx, const uint8_t *p, size_t n);
    /* Emits no_response for requests older than lim->txn_timeout_us at ctx->now_us, or for
     * every outstanding request when `final` (the flow ends). May be NULL. */
    void (*expire)(struct pd_ctx *ctx, int final);

    size_t state_size;          /* per-flow state, at most PD_MAX_STATE */
    const struct pd_field *fields; /* NULL-name terminated */
};

#define PD_MAX_STATE 163840 /* OPC UA: 32 pending records, two reassembly buffers, two certificates */

/* registry.c */
extern const struct pd_dissector *const pd_registry[];
extern const size_t pd_registry_count;
const struct pd_dissector *pd_find(const char *name);
const struct pd_dissector *pd_by_proto(unsigned proto);
const char *pd_proto_name(unsigned proto);
const char *pd_op_name(unsigned op);
const char *pd_status_name(unsigned status);

/* Default limits (what the sensor config defaults to). */
extern const struct pd_limits pd_default_limits;

#endif
