/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua_chan.c - the OPC UA secure conversation layer (OPC 10000-6 6.7): OPN, MSG and CLO
 * chunks with their asymmetric or symmetric security header and sequence header; 'C'
 * chunks reassembled per direction under OPCUA_REASM_CAP, 'A' chunks recorded as aborts;
 * signed or encrypted bodies recognised and reported as metadata; requests paired with
 * responses by RequestId in the transaction framework (pd_txn.h).
 */
#include <string.h>

#include "opcua_int.h"

static const char policy_prefix[] = "http://opcfoundation.org/UA/SecurityPolicy#";

void opcua_emit(struct pd_ctx *ctx, const struct opcua_rec *r, uint8_t op, uint8_t status,
                uint8_t req_dir, uint64_t ts_us, int has_latency)
{
    struct pd_txn t;
    memset(&t, 0, sizeof t);
    t.proto = PD_PROTO_OPCUA;
    t.op = op;
    t.status = status;
    t.req_dir = req_dir;
    t.ts_us = ts_us;
    if (has_latency && ctx->now_us >= ts_us) {
        t.has_latency = 1;
        t.latency_us = ctx->now_us - ts_us;
    }
    t.rec = r;
    ctx->emit(ctx, &t);
}

static uint8_t rec_op(const struct opcua_rec *r)
{
    if (opcua_service_name(r->service_id))
        return opcua_service_op(r->service_id);
    return r->msg_type == OPCUA_MSG_MSG ? PD_OP_OTHER : PD_OP_SESSION;
}

static uint8_t other_dir(uint8_t dir)
{
    return dir == PD_DIR_TO_SERVER ? PD_DIR_TO_CLIENT : PD_DIR_TO_SERVER;
}

static void report_bad(struct pd_ctx *ctx, const struct pd_cur *c, const char *what)
{
    ctx->anomaly(ctx, c->err == PD_ERR_TRUNCATED ? "truncated" : "malformed", what);
}

static void pending_unanswered(struct pd_ctx *ctx, struct pd_txn_table *t, int i, int why)
{
    struct opcua_state *st = ctx->state;
    const struct opcua_rec *r = &st->pending[i].rec;
    (void)why;
    opcua_emit(ctx, r, rec_op(r), PD_ST_NO_RESPONSE, t->slot[i].dir, t->slot[i].ts_us, 0);
}

static const struct pd_txn_ops opcua_txn_ops = {
    .slots = PD_MAX_PENDING,
    .overflow_kind = "opcua.pending_overflow",
    .unanswered = pending_unanswered,
};

/* The pending request with this RequestId, or -1. */
static int pending_find(struct opcua_state *st, uint32_t req_id)
{
    return pd_txn_find(&st->txn, req_id);
}

/* A slot for a request with req_id seen at ts_us: a request reusing the id gives way, and
 * the oldest one when the table is full. */
static int pending_open(struct pd_ctx *ctx, struct opcua_state *st, uint32_t req_id,
                        uint64_t ts_us)
{
    int same = pending_find(st, req_id);
    if (same >= 0)
        pd_txn_drop(ctx, &st->txn, &opcua_txn_ops, same, PD_TXN_SUPERSEDED);
    int i = pd_txn_open(ctx, &st->txn, &opcua_txn_ops, req_id);
    st->txn.slot[i].ts_us = ts_us; /* the first chunk's time */
    st->txn.slot[i].last_us = ts_us;
    return i;
}

void opcua_expire(struct pd_ctx *ctx, int final)
{
    struct opcua_state *st = ctx->state;
    uint64_t limit = ctx->lim->txn_timeout_us;
    pd_txn_expire(ctx, &st->txn, &opcua_txn_ops, final);
    if (st->hello_pending && (final || pd_txn_aged(ctx->now_us, st->hello_ts, limit))) {
        st->hello_pending = 0;
        opcua_emit(ctx, &st->hello, PD_OP_SESSION, PD_ST_NO_RESPONSE, PD_DIR_TO_SERVER,
                   st->hello_ts, 0);
    }
    if (st->opn_pending && (final || pd_txn_aged(ctx->now_us, st->opn_ts, limit))) {
        st->opn_pending = 0;
        opcua_emit(ctx, &st->opn, PD_OP_SESSION, PD_ST_NO_RESPONSE, PD_DIR_TO_SERVER,
                   st->opn_ts, 0);
    }
}

/* Symmetric signature length of a policy (Part 7 security policies), for Sign mode. */
static uint8_t policy_sig_len(const char *policy)
{
    size_t pl = sizeof policy_prefix - 1;
    if (strncmp(policy, policy_prefix, pl) != 0)
        return 0;
    const char *name = policy + pl;
    if (strcmp(name, "Basic128Rsa15") == 0 || strcmp(name, "Basic256") == 0)
        return 20; /* HMAC-SHA1 */
    if (strcmp(name, "Basic256Sha256") == 0 || strcmp(name, "Aes128_Sha256_RsaOaep") == 0 ||
        strcmp(name, "Aes256_Sha256_RsaPss") == 0)
        return 32; /* HMAC-SHA256 */
    return 0;
}

static int policy_is_none(const char *policy)
{
    size_t pl = sizeof policy_prefix - 1;
    return strncmp(policy, policy_prefix, pl) == 0 && strcmp(policy + pl, "None") == 0;
}

/*
 * Whether the bytes after the security header are in the clear: a chunk that continues the
 * message being reassembled, a body starting with a standard service's encoding NodeId, or
 * an abort carrying a Bad StatusCode. Encrypted bytes fail this almost surely.
 */
static int body_readable(const struct opcua_state *st, uint8_t dir, struct pd_cur c, char chunk)
{
    (void)pd_u32le(&c); /* SequenceNumber */
    uint32_t req_id = pd_u32le(&c);
    if (c.err)
        return 0;
    const struct opcua_reasm *ra = &st->reasm[dir];
    if (ra->active && ra->req_id == req_id)
        return 1;
    if (chunk == 'A')
        return (pd_u32le(&c) & 0x80000000u) && !c.err;
    struct opcua_nodeid id;
    memset(&id, 0, sizeof id);
    uint8_t enc = pd_peek8(&c, 0);
    if (enc != 0x01 && enc != 0x02)
        return 0;
    opcua_nodeid(&c, &id);
    return !c.err && opcua_nodeid_is_ns0_numeric(&id) && opcua_service_name(id.num) != NULL;
}

/* What the chunk headers said, carried to the decoder. */
struct chunk_meta {
    uint8_t msg_type;
    char chunk;
    uint8_t chunks;
    uint8_t cut;
    uint8_t has_token;
    uint32_t channel, token, seq, req_id;
    uint64_t ts_us;
    const char *policy;
    const uint8_t *cert;        /* OPN: SenderCertificate kept in the state, or NULL */
    uint16_t cert_len;
    uint8_t has_thumb;
    uint8_t thumb[20];          /* OPN: ReceiverCertificateThumbprint (SHA-1) */
};

static void rec_init(struct opcua_rec *r, const struct opcua_state *st,
                     const struct chunk_meta *m)
{
    memset(r, 0, sizeof *r);
    r->msg_type = m->msg_type;
    r->chunk = m->chunk;
    r->chunks = m->chunks;
    r->reasm_cut = m->cut;
    r->channel = m->channel;
    r->has_channel = 1;
    r->token = m->token;
    r->has_token = m->has_token;
    r->seq = m->seq;
    r->req_id = m->req_id;
    r->has_seq = r->has_req_id = 1;
    r->security_mode = st->mode;
    const char *pol = m->policy ? m->policy : st->policy;
    size_t n = strnlen(pol, sizeof r->security_policy - 1);
    memcpy(r->security_policy, pol, n);
    r->security_policy[n] = '\0';
    r->sender_cert = m->cert;
    r->sender_cert_len = m->cert_len;
    r->has_receiver_thumb = m->has_thumb;
    memcpy(r->receiver_thumb, m->thumb, sizeof r->receiver_thumb);
}

/* Decodes one whole message body (type NodeId onwards) and pairs it. */
static int message_decode(struct pd_ctx *ctx, struct opcua_state *st, struct pd_cur *b,
                          const struct chunk_meta *m)
{
    struct opcua_nodeid tid;
    memset(&tid, 0, sizeof tid);
    opcua_nodeid(b, &tid);
    uint32_t id = opcua_nodeid_is_ns0_numeric(&tid) ? tid.num : 0;
    int is_resp = opcua_service_is_response(id);
    if (is_resp < 0)
        is_resp = ctx->dir == PD_DIR_TO_CLIENT;
    struct opcua_rec tmp;
    int pi = -1;
    struct opcua_rec *r = &tmp;

    if (!is_resp && m->msg_type != OPCUA_MSG_CLO) {
        pi = pending_open(ctx, st, m->req_id, m->ts_us);
        r = &st->pending[pi].rec;
    } else if (is_resp) {
        pi = pending_find(st, m->req_id);
    }
    if (is_resp && pi >= 0) {
        r = &st->pending[pi].rec;
        r->resp_sender_cert = m->cert;
        r->resp_sender_cert_len = m->cert_len;
        r->chunk = m->chunk;
        r->resp_chunks = m->chunks;
        r->reasm_cut |= m->cut;
    } else {
        rec_init(r, st, m);
        r->service_id = id;
    }
    if (is_resp)
        r->resp_service_id = id;
    opcua_svc_decode(b, id, r, ctx->lim);
    /* A message cut at the reassembly cap ends early by design: keep what was decoded. */
    if (b->err && !(m->cut && b->err == PD_ERR_TRUNCATED)) {
        report_bad(ctx, b, is_resp ? "opcua: bad service response" : "opcua: bad service request");
        opcua_emit(ctx, r, rec_op(r), PD_ST_MALFORMED, pi >= 0 ? st->txn.slot[pi].dir : ctx->dir,
                   pi >= 0 ? st->txn.slot[pi].ts_us : m->ts_us, 0);
        if (pi >= 0)
            pd_txn_close(&st->txn, pi);
        return -1;
    }
    if (id == OPCUA_ID_OPN_REQ)
        st->mode = r->security_mode;
    if (id == OPCUA_ID_OPN_RESP && r->has_channel) {
        st->channel = r->channel;
        st->token = r->token;
    }
    if (!is_resp && m->msg_type == OPCUA_MSG_CLO) { /* CloseSecureChannel has no response */
        opcua_emit(ctx, r, PD_OP_SESSION, PD_ST_OK, ctx->dir, m->ts_us, 0);
        return 0;
    }
    if (!is_resp) {
        /* A server holds Publish requests until it has something to say: they end only
         * when the flow ends or the table needs the slot. */
        st->txn.slot[pi].hold = r->service_id == OPCUA_ID_PUBLISH_REQ;
        return 0;
    }
    uint8_t status = (r->has_status && (r->status & 0x80000000u)) ? PD_ST_EXCEPTION : PD_ST_OK;
    if (pi >= 0) {
        pd_txn_close(&st->txn, pi);
        opcua_emit(ctx, r, rec_op(r), status, st->txn.slot[pi].dir, st->txn.slot[pi].ts_us, 1);
    } else if (id == OPCUA_ID_PUBLISH_RESP) {
        /* notifications a server pushes (its Publish request long gone): a report */
        opcua_emit(ctx, r, rec_op(r), status, other_dir(ctx->dir), m->ts_us, 0);
    } else {
        opcua_emit(ctx, r, rec_op(r), PD_ST_RESPONSE_ONLY, other_dir(ctx->dir), m->ts_us, 0);
    }
    return 0;
}

/* An 'A' chunk: Error and Reason replace the body (Part 6, 6.7.3). */
static int abort_chunk(struct pd_ctx *ctx, struct opcua_state *st, struct pd_cur *c,
                       const struct chunk_meta *m)
{
    uint32_t error = pd_u32le(c);
    char reason[OPCUA_NAME_MAX];
    opcua_string(c, reason, sizeof reason);
    struct opcua_reasm *ra = &st->reasm[ctx->dir];
    if (ra->active && ra->req_id == m->req_id)
        ra->active = 0;
    int pi = -1;
    if (ctx->dir == PD_DIR_TO_CLIENT)
        pi = pending_find(st, m->req_id);
    struct opcua_rec tmp;
    struct opcua_rec *r = pi >= 0 ? &st->pending[pi].rec : &tmp;
    if (pi < 0)
        rec_init(r, st, m);
    r->chunk = 'A';
    r->aborted = 1;
    r->status = error;
    r->has_status = !c->err;
    memcpy(r->reason, reason, sizeof r->reason);
    if (c->err)
        report_bad(ctx, c, "opcua: bad abort chunk");
    uint8_t status = c->err ? PD_ST_MALFORMED : PD_ST_EXCEPTION;
    if (pi >= 0) {
        pd_txn_close(&st->txn, pi);
        opcua_emit(ctx, r, rec_op(r), status, st->txn.slot[pi].dir, st->txn.slot[pi].ts_us, 1);
    } else {
        opcua_emit(ctx, r, rec_op(r), status, ctx->dir, m->ts_us, 0);
    }
    return c->err ? -1 : 0;
}

/* Appends a chunk body to the direction's reassembly buffer, keeping what fits. */
static void reasm_add(struct pd_ctx *ctx, struct opcua_reasm *ra, struct pd_cur *c,
                      size_t drop_tail)
{
    size_t n = pd_left(c);
    n = n > drop_tail ? n - drop_tail : 0;
    size_t room = OPCUA_REASM_CAP - ra->len;
    if (n > room) {
        if (!ra->cut)
            ctx->anomaly(ctx, "reassembly_overflow", "opcua: message larger than the cap");
        ra->cut = 1;
        n = room;
    }
    pd_copy(c, ra->buf + ra->len, n);
    ra->len += (uint32_t)n;
    if (ra->chunks < 255)
        ra->chunks++;
}

/* A chunk whose body cannot be read: channel metadata only. */
static int encrypted_chunk(struct pd_ctx *ctx, struct opcua_state *st,
                           const struct chunk_meta *m)
{
    uint8_t *count = &st->enc_chunks[ctx->dir];
    if (m->chunk == 'C') {
        if (*count < 255)
            (*count)++;
        return 0;
    }
    struct chunk_meta mm = *m;
    mm.chunks = (uint8_t)(*count + 1);
    *count = 0;
    struct opcua_rec tmp;
    rec_init(&tmp, st, &mm);
    tmp.encrypted = 1;
    tmp.has_seq = tmp.has_req_id = 0;
    if (m->msg_type == OPCUA_MSG_OPN) {
        tmp.has_token = 0;
        if (ctx->dir == PD_DIR_TO_SERVER) {
            if (st->opn_pending)
                opcua_emit(ctx, &st->opn, PD_OP_SESSION, PD_ST_NO_RESPONSE,
                           PD_DIR_TO_SERVER, st->opn_ts, 0);
            st->opn = tmp;
            st->opn_ts = m->ts_us;
            st->opn_pending = 1;
            return 0;
        }
        if (st->opn_pending) { /* the response: the server's header names the channel */
            st->opn_pending = 0;
            st->opn.channel = m->channel;
            st->opn.resp_chunks = mm.chunks;
            st->channel = m->channel;
            opcua_emit(ctx, &st->opn, PD_OP_SESSION, PD_ST_OK, PD_DIR_TO_SERVER, st->opn_ts, 1);
            return 0;
        }
        opcua_emit(ctx, &tmp, PD_OP_SESSION, PD_ST_RESPONSE_ONLY, other_dir(ctx->dir),
                   m->ts_us, 0);
        return 0;
    }
    /* Requests and answers alike: the RequestId is encrypted, so nothing can be paired or
     * said to be missing. status ok, `encrypted` says the rest. */
    opcua_emit(ctx, &tmp, m->msg_type == OPCUA_MSG_CLO ? PD_OP_SESSION : PD_OP_OTHER, PD_ST_OK,
               PD_DIR_TO_SERVER, m->ts_us, 0);
    return 0;
}

int opcua_chan_parse(struct pd_ctx *ctx, struct opcua_state *st, struct pd_cur *c,
                     uint8_t msg_type, char chunk)
{
    struct chunk_meta m;
    memset(&m, 0, sizeof m);
    m.msg_type = msg_type;
    m.chunk = chunk;
    m.chunks = 1;
    m.ts_us = ctx->now_us;
    m.channel = pd_u32le(c);
    int encrypted = 0;
    char policy[OPCUA_URI_MAX];
    if (msg_type == OPCUA_MSG_OPN) { /* asymmetric security header */
        opcua_string(c, policy, sizeof policy);
        int32_t clen = (int32_t)pd_u32le(c); /* SenderCertificate: ByteString, -1 null */
        if (clen > 0) {
            size_t keep = (size_t)clen < OPCUA_CERT_MAX ? (size_t)clen : OPCUA_CERT_MAX;
            if (pd_has(c, (size_t)clen)) {
                pd_copy(c, st->cert[ctx->dir & 1], keep);
                pd_skip(c, (size_t)clen - keep);
                st->cert_len[ctx->dir & 1] = (uint16_t)keep;
                m.cert = st->cert[ctx->dir & 1];
                m.cert_len = (uint16_t)keep;
            } else {
                pd_skip(c, (size_t)clen); /* sets the error */
            }
        }
        int32_t thumb = (int32_t)pd_u32le(c); /* ReceiverCertificateThumbprint */
        if (thumb == 20 && pd_has(c, 20)) {
            pd_copy(c, m.thumb, 20);
            m.has_thumb = 1;
        } else if (thumb > 0) {
            pd_skip(c, (size_t)thumb);
        }
        if (c->err) {
            report_bad(ctx, c, "opcua: bad asymmetric security header");
            return -1;
        }
        m.policy = policy;
        memcpy(st->policy, policy, sizeof st->policy);
        st->sec = policy_is_none(policy) ? OPCUA_SEC_NONE : OPCUA_SEC_SECURED;
        st->sig_len = policy_sig_len(policy);
        encrypted = thumb > 0; /* the thumbprint is null unless the message is encrypted */
    } else { /* symmetric security header */
        m.token = pd_u32le(c);
        m.has_token = 1;
        if (c->err) {
            report_bad(ctx, c, "opcua: bad symmetric security header");
            return -1;
        }
        encrypted = st->sec != OPCUA_SEC_NONE && !body_readable(st, ctx->dir, *c, chunk);
    }
    if (encrypted)
        return encrypted_chunk(ctx, st, &m);

    m.seq = pd_u32le(c);
    m.req_id = pd_u32le(c);
    if (c->err) {
        report_bad(ctx, c, "opcua: bad sequence header");
        return -1;
    }
    if (chunk == 'A')
        return abort_chunk(ctx, st, c, &m);

    struct opcua_reasm *ra = &st->reasm[ctx->dir];
    if (ra->active && ra->req_id != m.req_id) {
        ctx->anomaly(ctx, "reassembly_gap", "opcua: chunks of another message interleaved");
        ra->active = 0;
    }
    /* Signed chunks end in a signature; it sits between the body parts when joining them. */
    size_t sig = st->sec == OPCUA_SEC_SECURED ? st->sig_len : 0;
    if (chunk == 'C') {
        if (!ra->active) {
            ra->active = 1;
            ra->req_id = m.req_id;
            ra->seq = m.seq;
            ra->len = 0;
            ra->chunks = 0;
            ra->cut = 0;
            ra->ts_us = ctx->now_us;
        }
        reasm_add(ctx, ra, c, sig);
        return 0;
    }
    if (!ra->active)
        return message_decode(ctx, st, c, &m);
    reasm_add(ctx, ra, c, 0);
    ra->active = 0;
    m.chunks = ra->chunks;
    m.cut = ra->cut;
    m.ts_us = ra->ts_us;
    m.seq = ra->seq;
    struct pd_cur whole = pd_cur_make(ra->buf, ra->len);
    return message_decode(ctx, st, &whole, &m);
}
