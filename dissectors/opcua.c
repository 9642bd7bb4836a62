/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua.c - the OPC UA binary (opc.tcp) dissector: descriptor, probe, framing and the UA
 * TCP connection protocol of OPC 10000-6 7.1 (HEL/ACK pair, ERR, RHE). Secure channel
 * messages (OPN, MSG, CLO) go to opcua_chan.c, service bodies to opcua_svc.c. A message
 * header is 3 ASCII bytes of type, 1 chunk type byte and a UInt32 LE size of the chunk.
 */
#include <string.h>

#include "opcua_int.h"

_Static_assert(sizeof(struct opcua_state) <= PD_MAX_STATE, "opcua state too big");

/* Buffer sizes below this are not plausible for a UA stack (the spec asks for 8192). */
#define OPCUA_MIN_BUFFER 1024
#define OPCUA_MAX_URL 4096

static const struct {
    char name[4];
    uint8_t type;
} msg_types[] = {
    {"HEL", OPCUA_MSG_HEL}, {"ACK", OPCUA_MSG_ACK}, {"ERR", OPCUA_MSG_ERR},
    {"RHE", OPCUA_MSG_RHE}, {"OPN", OPCUA_MSG_OPN}, {"CLO", OPCUA_MSG_CLO},
    {"MSG", OPCUA_MSG_MSG},
};

static uint8_t msg_type_of(const uint8_t *t)
{
    for (size_t i = 0; i < sizeof msg_types / sizeof msg_types[0]; i++)
        if (memcmp(t, msg_types[i].name, 3) == 0)
            return msg_types[i].type;
    return OPCUA_MSG_NONE;
}

/* The header at c: its message type, or NONE when these 8 bytes cannot start a chunk. */
static uint8_t header_check(struct pd_cur c, char *chunk, uint32_t *size)
{
    const uint8_t *t = pd_bytes(&c, 3);
    uint8_t ch = pd_u8(&c);
    uint32_t sz = pd_u32le(&c);
    if (c.err)
        return OPCUA_MSG_NONE;
    uint8_t type = msg_type_of(t);
    if (type == OPCUA_MSG_NONE || sz < OPCUA_HDR_LEN || sz > OPCUA_MAX_MSG)
        return OPCUA_MSG_NONE;
    int secure = type == OPCUA_MSG_OPN || type == OPCUA_MSG_CLO || type == OPCUA_MSG_MSG;
    if (ch != 'F' && !(secure && (ch == 'C' || ch == 'A')))
        return OPCUA_MSG_NONE;
    *chunk = (char)ch;
    *size = sz;
    return type;
}

static long opcua_pdu_len(const uint8_t *p, size_t n)
{
    if (n < OPCUA_HDR_LEN)
        return 0;
    char chunk;
    uint32_t size;
    if (header_check(pd_cur_make(p, n), &chunk, &size) == OPCUA_MSG_NONE)
        return -1;
    return (long)size;
}

/* Is a UA String with this length prefix plausible inside `room` bytes? */
static int url_len_ok(uint32_t len, uint32_t room)
{
    return len == 0xFFFFFFFFu || (len <= OPCUA_MAX_URL && len <= room);
}

/* HEL from the client; ACK, ERR and RHE (reverse hello) from the server; OPN, MSG and CLO by
 * the service the body names when it is readable (a request or a response encoding id in
 * namespace 0), with the request id the answer repeats. */
static void opcua_role(const uint8_t *p, size_t n, struct pd_role_info *out)
{
    struct pd_cur c = pd_cur_make(p, n);
    char chunk;
    uint32_t size;
    out->role = PD_ROLE_EITHER;
    out->has_id = 0;
    uint8_t type = header_check(c, &chunk, &size);
    pd_skip(&c, OPCUA_HDR_LEN);
    switch (type) {
    case OPCUA_MSG_HEL:
        out->role = PD_ROLE_REQUEST;
        return;
    case OPCUA_MSG_ACK:
    case OPCUA_MSG_ERR:
    case OPCUA_MSG_RHE:
        out->role = PD_ROLE_RESPONSE;
        return;
    case OPCUA_MSG_OPN:
        pd_skip(&c, 4);         /* SecureChannelId */
        opcua_skip_string(&c);  /* SecurityPolicyUri */
        opcua_skip_string(&c);  /* SenderCertificate */
        if (opcua_string(&c, NULL, 0) > 0)
            return;             /* a receiver thumbprint: the rest is encrypted */
        break;
    case OPCUA_MSG_MSG:
    case OPCUA_MSG_CLO:
        if (chunk != 'F')
            return;
        pd_skip(&c, 8);         /* SecureChannelId, TokenId */
        break;
    default:
        return;
    }
    pd_skip(&c, 4);             /* SequenceNumber */
    uint32_t req_id = pd_u32le(&c);
    struct opcua_nodeid id;
    opcua_nodeid(&c, &id);
    if (c.err || !opcua_nodeid_is_ns0_numeric(&id))
        return;
    int resp = opcua_service_is_response(id.num);
    if (resp < 0)
        return;
    out->role = resp ? PD_ROLE_RESPONSE : PD_ROLE_REQUEST;
    out->id = req_id;
    out->has_id = 1;
}

static enum pd_probe opcua_probe(const uint8_t *p, size_t n, uint8_t dir)
{
    (void)dir;
    if (n < OPCUA_HDR_LEN)
        return PD_PROBE_NEED_MORE;
    struct pd_cur c = pd_cur_make(p, n);
    char chunk;
    uint32_t size;
    uint8_t type = header_check(c, &chunk, &size);
    if (type == OPCUA_MSG_NONE)
        return PD_PROBE_NO;
    pd_skip(&c, OPCUA_HDR_LEN);
    switch (type) {
    case OPCUA_MSG_HEL:
    case OPCUA_MSG_ACK: {
        uint32_t need = type == OPCUA_MSG_HEL ? 32 : 28;
        if (size < need)
            return PD_PROBE_NO;
        if (n < need)
            return PD_PROBE_NEED_MORE;
        uint32_t version = pd_u32le(&c), rbs = pd_u32le(&c), sbs = pd_u32le(&c);
        pd_skip(&c, 8); /* MaxMessageSize, MaxChunkCount */
        if (version != 0 || rbs < OPCUA_MIN_BUFFER || sbs < OPCUA_MIN_BUFFER)
            return PD_PROBE_NO;
        if (type == OPCUA_MSG_ACK)
            return size == 28 ? PD_PROBE_YES : PD_PROBE_NO;
        uint32_t len = pd_u32le(&c);
        uint32_t want = len == 0xFFFFFFFFu ? 32 : 32 + len;
        return url_len_ok(len, size - 32) && size == want ? PD_PROBE_YES : PD_PROBE_NO;
    }
    case OPCUA_MSG_ERR: {
        if (size < 16)
            return PD_PROBE_NO;
        if (n < 16)
            return PD_PROBE_NEED_MORE;
        uint32_t error = pd_u32le(&c), len = pd_u32le(&c);
        if (!(error & 0x80000000u) || !url_len_ok(len, size - 16))
            return PD_PROBE_NO;
        return size == (len == 0xFFFFFFFFu ? 16 : 16 + len) ? PD_PROBE_YES : PD_PROBE_NO;
    }
    case OPCUA_MSG_RHE: {
        if (size < 16)
            return PD_PROBE_NO;
        if (n < 12)
            return PD_PROBE_NEED_MORE;
        return url_len_ok(pd_u32le(&c), size - 16) ? PD_PROBE_YES : PD_PROBE_NO;
    }
    case OPCUA_MSG_OPN: {
        /* SecureChannelId, then the policy URI, which names a UA security policy */
        static const char prefix[] = "http://opcfoundation.org/UA/SecurityPolicy#";
        size_t pl = sizeof prefix - 1;
        if (size < 16 + pl)
            return PD_PROBE_NO;
        if (n < 16 + pl)
            return PD_PROBE_NEED_MORE;
        pd_skip(&c, 4);
        uint32_t len = pd_u32le(&c);
        const uint8_t *uri = pd_bytes(&c, pl);
        if (len < pl || len > 255 || !uri || memcmp(uri, prefix, pl) != 0)
            return PD_PROBE_NO;
        return PD_PROBE_YES;
    }
    default: /* MSG, CLO: channel id, token id, then (maybe encrypted) sequence header */
        if (size < 24)
            return PD_PROBE_NO;
        if (n < 16)
            return PD_PROBE_NEED_MORE;
        return pd_u32le(&c) != 0 ? PD_PROBE_YES : PD_PROBE_NO;
    }
}

/* The first offset holding a chunk header whose successor (when in view) is one too. */
static long opcua_resync(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off + OPCUA_HDR_LEN <= n; off++) {
        struct pd_cur c = pd_cur_make(p, n);
        pd_skip(&c, off);
        char chunk;
        uint32_t size;
        if (header_check(c, &chunk, &size) == OPCUA_MSG_NONE)
            continue;
        if (off + size + OPCUA_HDR_LEN <= n) {
            struct pd_cur next = pd_cur_make(p, n);
            pd_skip(&next, off + size);
            if (header_check(next, &chunk, &size) == OPCUA_MSG_NONE)
                continue;
        }
        return (long)off;
    }
    return -1;
}

static void hello_fields(struct pd_cur *c, struct opcua_hello *h)
{
    h->version = pd_u32le(c);
    h->recv_buf = pd_u32le(c);
    h->send_buf = pd_u32le(c);
    h->max_msg = pd_u32le(c);
    h->max_chunks = pd_u32le(c);
}

static void bad_transport(struct pd_ctx *ctx, const struct pd_cur *c, struct opcua_rec *r,
                          const char *what)
{
    ctx->anomaly(ctx, c->err == PD_ERR_TRUNCATED ? "truncated" : "malformed", what);
    opcua_emit(ctx, r, PD_OP_SESSION, PD_ST_MALFORMED, ctx->dir, ctx->now_us, 0);
}

/* HEL waits for the server's ACK or ERR; both end up in one record. */
static int transport_parse(struct pd_ctx *ctx, struct opcua_state *st, struct pd_cur *c,
                           uint8_t type)
{
    struct opcua_rec r;
    memset(&r, 0, sizeof r);
    r.msg_type = type;
    r.chunk = 'F';
    r.chunks = 1;
    switch (type) {
    case OPCUA_MSG_HEL:
        hello_fields(c, &r.hello);
        r.has_hello = 1;
        opcua_string(c, r.endpoint, sizeof r.endpoint);
        if (c->err) {
            bad_transport(ctx, c, &r, "opcua: bad HEL");
            return -1;
        }
        if (st->hello_pending)
            opcua_emit(ctx, &st->hello, PD_OP_SESSION, PD_ST_NO_RESPONSE, PD_DIR_TO_SERVER,
                       st->hello_ts, 0);
        st->hello = r;
        st->hello_ts = ctx->now_us;
        st->hello_pending = 1;
        return 0;
    case OPCUA_MSG_ACK:
        hello_fields(c, &r.ack);
        r.has_ack = 1;
        if (c->err) {
            bad_transport(ctx, c, &r, "opcua: bad ACK");
            return -1;
        }
        if (st->hello_pending) {
            st->hello_pending = 0;
            st->hello.ack = r.ack;
            st->hello.has_ack = 1;
            opcua_emit(ctx, &st->hello, PD_OP_SESSION, PD_ST_OK, PD_DIR_TO_SERVER, st->hello_ts,
                       1);
            return 0;
        }
        opcua_emit(ctx, &r, PD_OP_SESSION, PD_ST_RESPONSE_ONLY, PD_DIR_TO_SERVER, ctx->now_us,
                   0);
        return 0;
    case OPCUA_MSG_ERR:
        r.status = pd_u32le(c);
        r.has_status = 1;
        opcua_string(c, r.reason, sizeof r.reason);
        if (c->err) {
            bad_transport(ctx, c, &r, "opcua: bad ERR");
            return -1;
        }
        if (st->hello_pending) {
            st->hello_pending = 0;
            st->hello.status = r.status;
            st->hello.has_status = 1;
            memcpy(st->hello.reason, r.reason, sizeof r.reason);
            opcua_emit(ctx, &st->hello, PD_OP_SESSION, PD_ST_EXCEPTION, PD_DIR_TO_SERVER,
                       st->hello_ts, 1);
            return 0;
        }
        opcua_emit(ctx, &r, PD_OP_SESSION, PD_ST_EXCEPTION, PD_DIR_TO_SERVER, ctx->now_us, 0);
        return 0;
    default: /* RHE: the server opens the conversation (reverse connect) */
        opcua_skip_string(c); /* ServerUri */
        opcua_string(c, r.endpoint, sizeof r.endpoint);
        if (c->err) {
            bad_transport(ctx, c, &r, "opcua: bad RHE");
            return -1;
        }
        opcua_emit(ctx, &r, PD_OP_SESSION, PD_ST_OK, ctx->dir, ctx->now_us, 0);
        return 0;
    }
}

static int opcua_parse(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    struct opcua_state *st = ctx->state;
    struct pd_cur c = pd_cur_make(p, n);
    char chunk;
    uint32_t size;
    uint8_t type = header_check(c, &chunk, &size);
    if (type == OPCUA_MSG_NONE) {
        ctx->anomaly(ctx, n < OPCUA_HDR_LEN ? "truncated" : "malformed",
                     "opcua: not a UA TCP message header");
        return -1;
    }
    if (size > n) {
        ctx->anomaly(ctx, "truncated", "opcua: chunk shorter than its size");
        return -1;
    }
    pd_skip(&c, OPCUA_HDR_LEN);
    struct pd_cur body = pd_sub(&c, size - OPCUA_HDR_LEN);
    if (type == OPCUA_MSG_OPN || type == OPCUA_MSG_CLO || type == OPCUA_MSG_MSG)
        return opcua_chan_parse(ctx, st, &body, type, chunk);
    return transport_parse(ctx, st, &body, type);
}

static const struct pd_field opcua_fields[] = {
    {"opcua.msg_type", "string", "UA TCP message type: HEL (with its ACK), ERR, RHE, OPN, CLO, MSG"},
    {"opcua.chunk", "string", "chunk type of the last chunk: F final, C (more follow), A aborted"},
    {"opcua.chunks", "int", "chunks the request (or lone message) arrived in, when more than one"},
    {"opcua.resp_chunks", "int", "chunks the response arrived in, when more than one"},
    {"opcua.channel", "int", "SecureChannelId"},
    {"opcua.token", "int", "security TokenId of the symmetric header (OPN response's token)"},
    {"opcua.seq", "int", "SequenceNumber of the request's (first) chunk"},
    {"opcua.req_id", "int", "RequestId, the key pairing a response with its request"},
    {"opcua.service", "string", "Part 4 service name (\"Read\"), from the encoding NodeId"},
    {"opcua.service_id", "int", "encoding NodeId (ns=0) of the request, or of the response when unpaired"},
    {"opcua.resp_service_id", "int", "encoding NodeId of the response (ServiceFault = 397)"},
    {"opcua.security_policy", "string", "SecurityPolicyUri of the channel's OPN"},
    {"opcua.security_mode", "string", "None, Sign or SignAndEncrypt (from a clear OPN request)"},
    {"opcua.encrypted", "bool", "true: the body is encrypted; the record is metadata only"},
    {"opcua.endpoint", "string", "EndpointUrl of HEL, RHE, CreateSession, GetEndpoints, FindServers"},
    {"opcua.status", "string", "UA StatusCode as 8 hex digits, \"0x80340000\": ServiceResult, ERR or abort error"},
    {"opcua.status_name", "string", "StatusCode name (\"BadNodeIdUnknown\"); Bad makes the envelope status exception"},
    {"opcua.reason", "string", "Reason string of ERR or an aborted chunk (capped)"},
    {"opcua.aborted", "bool", "the message ended with an 'A' chunk"},
    {"opcua.reassembly_truncated", "bool", "the message exceeded the reassembly cap; decoded as far as kept"},
    {"opcua.nodes", "array", "node ids in text form (\"ns=2;s=Temp\", \"i=2258\"), capped at max_items"},
    {"opcua.nodes_total", "int", "operations (nodes, values, arguments) in the message before capping"},
    {"opcua.attribute_ids", "array", "AttributeId per node (Read, Write, CreateMonitoredItems)"},
    {"opcua.values", "array", "values [{type, value | array_len, status, status_name, truncated}]"},
    {"opcua.handles", "array", "client handles (Publish data changes, CreateMonitoredItems)"},
    {"opcua.results", "array", "per-operation StatusCode names from the response"},
    {"opcua.session_name", "string", "CreateSession SessionName"},
    {"opcua.sender_cert", "object", "OPN: the SenderCertificate {len, thumbprint (SHA-1 of "
                                    "the DER, as OPC UA defines it), subject, issuer, "
                                    "not_before, not_after}, parsed by the sensor with GnuTLS; "
                                    "{len, error} when it is not a certificate"},
    {"opcua.resp_sender_cert", "object", "OPN: the response's SenderCertificate (the "
                                         "server's), as sender_cert"},
    {"opcua.receiver_thumbprint", "string", "OPN: ReceiverCertificateThumbprint, hex (the "
                                            "certificate the message was encrypted for)"},
    {"opcua.identity", "string", "ActivateSession token type: anonymous, username, certificate, issued, other"},
    {"opcua.object", "string", "Call: ObjectId of the first method"},
    {"opcua.method", "string", "Call: MethodId of the first method"},
    {"opcua.methods", "int", "Call: methods called"},
    {"opcua.args", "int", "Call: input arguments of the first method (their values in values)"},
    {"opcua.method_status", "string", "Call: StatusCode name of the first method's result"},
    {"opcua.subscription_id", "int", "SubscriptionId (CreateSubscription, CreateMonitoredItems, Publish)"},
    {"opcua.notifications", "object", "Publish: {data_changes, events, status_changes}"},
    {"opcua.references", "int", "Browse/BrowseNext: references returned"},
    {"opcua.found", "int", "GetEndpoints: endpoints returned; FindServers: servers returned"},
    {"opcua.hello", "object", "HEL {version, recv_buf, send_buf, max_msg, max_chunks}"},
    {"opcua.ack", "object", "ACK {version, recv_buf, send_buf, max_msg, max_chunks}"},
    {NULL, NULL, NULL},
};

const struct pd_dissector pd_opcua = {
    .name = "opcua",
    .proto = PD_PROTO_OPCUA,
    .transports = PD_TRANSPORT_TCP,
    .ports = {4840, 0},
    .min_header = OPCUA_HDR_LEN,
    .probe = opcua_probe,
    .role = opcua_role,
    .pdu_len = opcua_pdu_len,
    .resync = opcua_resync,
    .parse = opcua_parse,
    .expire = opcua_expire,
    .state_size = sizeof(struct opcua_state),
    .fields = opcua_fields,
};
