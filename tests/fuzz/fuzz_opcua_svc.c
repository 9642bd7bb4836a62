/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_opcua_svc.c - libFuzzer target for OPC UA service bodies (dissectors/opcua_svc.c,
 * opcua_types.c; OPC 10000-4 section 5 in the encoding of OPC 10000-6 5.2), which
 * fuzz_opcua reaches only when its mutations keep the chunk header, the secure channel
 * headers and the TypeId intact. Each input opens with HEL/ACK and OpenSecureChannel
 * with SecurityPolicy None (request id 1); then the harness wraps each record in correct
 * chunks: "MSG" ("OPN" for OpenSecureChannel, "CLO" for CloseSecureChannel), size,
 * secure channel and token ids (or the None asymmetric header), sequence number, request
 * id, the TypeId of a standard service, and the record's bytes as the body.
 * Input: records [flags u8][service u8][length u16 LE][length bytes: the body, request or
 * response header onwards]. `service` picks (modulo) one of svcs[] below. Flags:
 *   bit 0     the response (to the client), else the request
 *   bit 1     a response is a ServiceFault instead
 *   bits 2-3  k, counting requests back from the latest (0): a request with k = 0
 *             takes a new request id, else reuses that of request k; a response answers
 *             request k
 *   bit 4     sent as two chunks, 'C' then 'F' (reassembly)
 *   bit 5     the TypeId in the numeric encoding (0x02) instead of the four-byte one
 *   bits 6-7  clock step before the record: 1 ms, 100 ms, 1 s, 10 s + expiry
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_opcua_frame.h"

#define ID_OPN_REQ 446
#define ID_OPN_RESP 449
#define ID_CLO_REQ 452
#define ID_CLO_RESP 455
#define ID_SERVICE_FAULT 397
#define UA_CHANNEL 7
#define UA_TOKEN 3
#define RECENT 4 /* request ids a record can refer back to */

/* Request and response *_Encoding_DefaultBinary ids of the services opcua_svc.c decodes
 * (its request_body and response_body), plus two it reports by header only. */
static const struct {
    uint16_t req, resp;
} svcs[] = {
    {ID_OPN_REQ, ID_OPN_RESP}, /* OpenSecureChannel */
    {ID_CLO_REQ, ID_CLO_RESP}, /* CloseSecureChannel */
    {422, 425},                /* FindServers */
    {428, 431},                /* GetEndpoints */
    {461, 464},                /* CreateSession */
    {467, 470},                /* ActivateSession */
    {473, 476},                /* CloseSession */
    {488, 491},                /* AddNodes */
    {500, 503},                /* DeleteNodes */
    {527, 530},                /* Browse */
    {533, 536},                /* BrowseNext */
    {554, 557},                /* TranslateBrowsePathsToNodeIds */
    {631, 634},                /* Read */
    {664, 667},                /* HistoryRead */
    {673, 676},                /* Write */
    {712, 715},                /* Call */
    {751, 754},                /* CreateMonitoredItems */
    {787, 790},                /* CreateSubscription */
    {826, 829},                /* Publish */
    {479, 482},                /* Cancel: header only */
};
#define NSVCS (sizeof svcs / sizeof svcs[0])

/* RequestHeader (OPC 10000-4 7.32): null token, timestamp, handle 1, no diagnostics,
 * null audit id, timeout 10 s, no additional header. */
static const uint8_t req_header[] = {
    0x00, 0x00, 0x00, 0x80, 0x20, 0x9b, 0xcb, 0x82, 0xd8, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x10, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ResponseHeader (7.33): timestamp, handle 1, Good, no diagnostics, null string table,
 * no additional header. */
static const uint8_t resp_header[] = {
    0x10, 0xa7, 0x20, 0x9b, 0xcb, 0x82, 0xd8, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
};

struct flow {
    struct pd_ctx ctx;
    uint32_t seq[2];         /* next SequenceNumber per direction */
    uint32_t next_id;        /* next new RequestId */
    uint32_t recent[RECENT]; /* latest request ids, [0] the newest */
};

/* One chunk of message type `type` carrying part of a message body. OPN carries the
 * None asymmetric security header, the others the symmetric one. */
static void send_chunk(struct flow *f, uint8_t dir, const char *type, char chunk,
                       uint32_t req_id, const uint8_t *part, size_t n)
{
    static uint8_t mem[UAF_MAX_CHUNK];
    struct uaf_buf b;
    uaf_start(&b, mem, sizeof mem, type, chunk);
    if (strcmp(type, "OPN") == 0) {
        uaf_u32(&b, dir == PD_DIR_TO_SERVER ? 0 : UA_CHANNEL);
        uaf_string(&b, uaf_policy_none);
        uaf_string(&b, NULL); /* SenderCertificate */
        uaf_string(&b, NULL); /* ReceiverCertificateThumbprint */
    } else {
        uaf_u32(&b, UA_CHANNEL);
        uaf_u32(&b, UA_TOKEN);
    }
    uaf_u32(&b, f->seq[dir]++);
    uaf_u32(&b, req_id);
    uaf_bytes(&b, part, n); /* cut at the largest chunk */
    uaf_finish(&b);
    uaf_send(&f->ctx, dir, b.p, b.n);
}

/* Sends a message body (TypeId onwards) as one 'F' chunk, or split in two halves, a 'C'
 * and an 'F' chunk. */
static void send_message(struct flow *f, uint8_t dir, const char *type, uint32_t req_id,
                         const uint8_t *body, size_t n, int split)
{
    size_t cut = split && n >= 2 ? n / 2 : n;
    send_chunk(f, dir, type, cut < n ? 'C' : 'F', req_id, body, cut);
    if (cut < n)
        send_chunk(f, dir, type, 'F', req_id, body + cut, n - cut);
}

/* TypeId + header + fields of a fixed message, for the opening exchange. */
static size_t fixed_body(uint8_t *out, uint16_t id, const uint8_t *hdr, size_t hn,
                         const uint8_t *fields, size_t fn)
{
    out[0] = 0x01; /* four-byte NodeId, namespace 0 */
    out[1] = 0x00;
    out[2] = (uint8_t)id;
    out[3] = (uint8_t)(id >> 8);
    memcpy(out + 4, hdr, hn);
    memcpy(out + 4 + hn, fields, fn);
    return 4 + hn + fn;
}

/* HEL/ACK, then OpenSecureChannel with SecurityPolicy None as request id 1. */
static void open_channel(struct flow *f)
{
    static const uint8_t opn_req[] = {
        0x00, 0x00, 0x00, 0x00, /* ClientProtocolVersion */
        0x00, 0x00, 0x00, 0x00, /* RequestType Issue */
        0x01, 0x00, 0x00, 0x00, /* SecurityMode None */
        0x00, 0x00, 0x00, 0x00, /* ClientNonce: empty */
        0x80, 0xee, 0x36, 0x00, /* RequestedLifetime 3600000 */
    };
    static const uint8_t opn_resp[] = {
        0x00, 0x00, 0x00, 0x00,                         /* ServerProtocolVersion */
        UA_CHANNEL, 0x00, 0x00, 0x00,                   /* SecureChannelId */
        UA_TOKEN, 0x00, 0x00, 0x00,                     /* TokenId */
        0x10, 0xa7, 0x20, 0x9b, 0xcb, 0x82, 0xd8, 0x01, /* CreatedAt */
        0x80, 0xee, 0x36, 0x00,                         /* RevisedLifetime */
        0x00, 0x00, 0x00, 0x00,                         /* ServerNonce: empty */
    };
    static uint8_t mem[256];
    struct uaf_buf b;
    uaf_start(&b, mem, sizeof mem, "HEL", 'F');
    uaf_u32(&b, 0);          /* ProtocolVersion */
    uaf_u32(&b, 65535);      /* ReceiveBufferSize */
    uaf_u32(&b, 65535);      /* SendBufferSize */
    uaf_u32(&b, 0);          /* MaxMessageSize */
    uaf_u32(&b, 0);          /* MaxChunkCount */
    uaf_string(&b, "opc.tcp://plc1:4840/ua");
    uaf_finish(&b);
    uaf_send(&f->ctx, PD_DIR_TO_SERVER, b.p, b.n);
    uaf_start(&b, mem, sizeof mem, "ACK", 'F');
    uaf_u32(&b, 0);
    uaf_u32(&b, 65535);
    uaf_u32(&b, 65535);
    uaf_u32(&b, 2097152);
    uaf_u32(&b, 64);
    uaf_finish(&b);
    uaf_send(&f->ctx, PD_DIR_TO_CLIENT, b.p, b.n);

    uint8_t body[128];
    size_t n = fixed_body(body, ID_OPN_REQ, req_header, sizeof req_header, opn_req,
                          sizeof opn_req);
    send_message(f, PD_DIR_TO_SERVER, "OPN", 1, body, n, 0);
    n = fixed_body(body, ID_OPN_RESP, resp_header, sizeof resp_header, opn_resp,
                   sizeof opn_resp);
    send_message(f, PD_DIR_TO_CLIENT, "OPN", 1, body, n, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct flow f;
    static uint8_t body[UAF_MAX_CHUNK];
    memset(&f, 0, sizeof f);
    if (uaf_begin(&f.ctx) < 0)
        return 0;
    f.seq[0] = 51;
    f.seq[1] = 1;
    f.next_id = 2;
    f.recent[0] = 1;
    open_channel(&f);

    struct pd_cur in = pd_cur_make(data, size);
    for (;;) {
        uint8_t flags = pd_u8(&in);
        uint8_t pick = pd_u8(&in);
        size_t len;
        const uint8_t *bytes;
        if (fuzz_body(&in, &bytes, &len) < 0)
            break;

        int is_resp = flags & 1;
        unsigned k = (flags >> 2) & 3;
        uint16_t id = is_resp ? svcs[pick % NSVCS].resp : svcs[pick % NSVCS].req;
        if (is_resp && (flags & 0x02))
            id = ID_SERVICE_FAULT;
        const char *type = "MSG";
        if (id == ID_OPN_REQ || id == ID_OPN_RESP)
            type = "OPN";
        else if (id == ID_CLO_REQ || id == ID_CLO_RESP)
            type = "CLO";

        uint32_t req_id;
        if (is_resp || k) {
            req_id = f.recent[k];
        } else {
            req_id = f.next_id++;
            memmove(f.recent + 1, f.recent, sizeof f.recent - sizeof f.recent[0]);
            f.recent[0] = req_id;
        }

        size_t n = 0;
        if (flags & 0x20) { /* numeric NodeId: namespace u16, identifier u32 */
            static const uint8_t numeric[3] = {0x02, 0x00, 0x00};
            memcpy(body, numeric, sizeof numeric);
            n = sizeof numeric;
            body[n++] = (uint8_t)id;
            body[n++] = (uint8_t)(id >> 8);
            body[n++] = 0x00;
            body[n++] = 0x00;
        } else {
            body[n++] = 0x01; /* four-byte NodeId, namespace 0 */
            body[n++] = 0x00;
            body[n++] = (uint8_t)id;
            body[n++] = (uint8_t)(id >> 8);
        }
        if (len > sizeof body - n)
            len = sizeof body - n;
        if (len)
            memcpy(body + n, bytes, len);
        n += len;

        uaf_tick(&f.ctx, flags >> 6);
        send_message(&f, is_resp ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER, type, req_id, body, n,
                     flags & 0x10);
    }
    uaf_end(&f.ctx);
    return 0;
}
