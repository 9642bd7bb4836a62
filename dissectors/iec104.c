/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104.c - IEC 60870-5-104 (edition 2, 2006) APCI layer: framing on the 0x68 start
 * octet and the length octet (clause 5.1), I-, S- and U-format control fields (5.2-5.3),
 * send/receive sequence tracking per direction (N(S) gaps and duplicates, N(R) that
 * acknowledges unsent frames or goes backwards), and one record per I- or U-format APDU.
 * S-format APDUs only update the per-flow counters. The ASDU is iec104_asdu.c's.
 *
 * Each record's req_dir is the direction its APDU travelled, so the event's src is the
 * sender; commands (act -> actcon -> actterm) are one transaction each (iec104_txn.c).
 * U-format act/con are not merged into one record: one event per U APDU, and a con that
 * answers an act seen in the other direction within lim->txn_timeout_us carries
 * latency_us (con time - act time). An I-format APDU whose
 * cause has the P/N bit set or is 44..47 (unknown type, cause, common address or IOA) has
 * status exception. op: see iec104_type_op(); STARTDT/STOPDT are session, TESTFR
 * diagnostic.
 */
#include <stdio.h>
#include <string.h>

#include "iec104.h"

static const char *dir_name(unsigned dir)
{
    return dir == PD_DIR_TO_SERVER ? "to_server" : "to_client";
}

/* Exactly one bit set. */
static int one_bit(unsigned v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* Octet i (0-based) of the APCI and what it must be, given the octets before it: 1 fits,
 * 0 does not. Octet 0 is the start, 1 the length, 2-5 the control field, 6 the type id. */
static int apci_octet_fits(unsigned i, uint8_t v, uint8_t len, uint8_t c1)
{
    int i_fmt = (c1 & 0x01) == 0, s_fmt = (c1 & 0x03) == 0x01;
    switch (i) {
    case 0:
        return v == IEC104_START;
    case 1:
        return v >= IEC104_LEN_MIN && v <= IEC104_LEN_MAX;
    case 2:
        if ((v & 0x01) == 0)
            return len >= IEC104_LEN_MIN + IEC104_ASDU_HEAD;
        if ((v & 0x03) == 0x01)
            return len == IEC104_LEN_MIN && v == 0x01;
        return len == IEC104_LEN_MIN && one_bit(v & 0xfc);
    case 3:
        return i_fmt || v == 0;
    case 4:
        return s_fmt || i_fmt ? (v & 0x01) == 0 : v == 0;
    case 5:
        return s_fmt || i_fmt || v == 0;
    default:
        return iec104_type(v) != NULL;
    }
}

/*
 * Is there a plausible APCI at the start of c? PD_PROBE_YES, _NO or _NEED_MORE, saying NO
 * as soon as an octet does not fit. Stricter than what parse() accepts: U-format needs
 * length 4, exactly one function bit and zero octets 2-4; S-format length 4, octet 1 =
 * 0x01, octet 2 = 0 and an even octet 3; I-format an even octet 3, room for the ASDU
 * header and a standard type id.
 */
static enum pd_probe apci_check(struct pd_cur c)
{
    uint8_t len = 0, c1 = 0;
    for (unsigned i = 0; i < 7; i++) {
        if (i == 6 && (c1 & 0x01) != 0)
            return PD_PROBE_YES; /* S and U end with the control field */
        if (!pd_has(&c, 1))
            return PD_PROBE_NEED_MORE;
        uint8_t v = pd_u8(&c);
        if (!apci_octet_fits(i, v, len, c1))
            return PD_PROBE_NO;
        if (i == 1)
            len = v;
        else if (i == 2)
            c1 = v;
    }
    return PD_PROBE_YES;
}

static enum pd_probe iec104_probe(const uint8_t *p, size_t n, uint8_t dir)
{
    (void)dir;
    return apci_check(pd_cur_make(p, n));
}

/*
 * Who sent the APDU: STARTDT and STOPDT act come from the controlling station (the client),
 * their con from the controlled one; TESTFR and S-format from either. I-format by type and
 * cause: a command or system type (45..69, 100..113) with cause act, deact or req (6, 8, 5)
 * is a request; the confirmations (7, 9, 10, 44..47) and every monitor type (1..44, 70) are
 * from the controlled station. File transfer (120..127) goes both ways.
 */
static void iec104_role(const uint8_t *p, size_t n, struct pd_role_info *out)
{
    struct pd_cur c = pd_cur_make(p, n);
    pd_skip(&c, 2); /* start, length */
    uint8_t c1 = pd_u8(&c);
    pd_skip(&c, 3);
    out->role = PD_ROLE_EITHER;
    out->has_id = 0;
    if (c.err || (c1 & 0x03) == 0x01)
        return;
    if ((c1 & 0x03) == 0x03) {
        uint8_t f = c1 & 0xfc;
        if (f == IEC104_U_STARTDT_ACT || f == IEC104_U_STOPDT_ACT)
            out->role = PD_ROLE_REQUEST;
        else if (f == IEC104_U_STARTDT_CON || f == IEC104_U_STOPDT_CON)
            out->role = PD_ROLE_RESPONSE;
        return;
    }
    uint8_t type = pd_u8(&c);
    pd_skip(&c, 1); /* variable structure qualifier */
    uint8_t cot = pd_u8(&c) & 0x3f;
    if (c.err)
        return;
    int control = (type >= 45 && type <= 69) || (type >= 100 && type <= 113);
    if ((type >= 1 && type <= 44) || type == 70)
        out->role = PD_ROLE_RESPONSE;
    else if (control && (cot == 5 || cot == 6 || cot == 8))
        out->role = PD_ROLE_REQUEST;
    else if (control && (cot == 7 || cot == 9 || cot == 10 || (cot >= 44 && cot <= 47)))
        out->role = PD_ROLE_RESPONSE;
}

static long iec104_pdu_len(const uint8_t *p, size_t n)
{
    struct pd_cur c = pd_cur_make(p, n);
    if (!pd_has(&c, 2))
        return 0;
    if (pd_u8(&c) != IEC104_START)
        return -1;
    uint8_t len = pd_u8(&c);
    if (len < IEC104_LEN_MIN || len > IEC104_LEN_MAX)
        return -1;
    return 2 + (long)len;
}

/* The first 0x68 followed by a sane APCI; a candidate cut short by the end of the buffer
 * counts (the sensor waits for the rest and pdu_len() decides). */
static long iec104_resync(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n; off++) {
        enum pd_probe r = apci_check(pd_cur_make(p + off, n - off));
        if (r == PD_PROBE_YES || r == PD_PROBE_NEED_MORE)
            return (long)off;
    }
    return -1;
}

void iec104_emit(struct pd_ctx *ctx, const struct iec104_rec *r, uint8_t op, uint8_t status,
                 uint64_t latency_us, int has_latency)
{
    struct pd_txn t = {
        .proto = PD_PROTO_IEC104,
        .op = op,
        .status = status,
        .req_dir = ctx->dir,
        .has_latency = (uint8_t)has_latency,
        .ts_us = ctx->now_us,
        .latency_us = latency_us,
        .rec = r,
    };
    ctx->emit(ctx, &t);
}

/* N(S) of an I-frame against the one expected in its direction. Ahead: frames are missing,
 * expect ns + 1. Behind by less than half the sequence space: a duplicate, which leaves
 * the expected number alone so the stream's next frame is not taken for a gap. */
static void seq_check(struct pd_ctx *ctx, struct iec104_dir_state *ds, uint16_t ns)
{
    char detail[128];
    if (ds->tx_valid && ns != ds->next_tx) {
        unsigned ahead = (ns + IEC104_SEQ_MOD - ds->next_tx) % IEC104_SEQ_MOD;
        if (ahead >= IEC104_SEQ_MOD / 2) {
            snprintf(detail, sizeof detail, "%s N(S)=%u repeats, expected %u",
                     dir_name(ctx->dir), ns, ds->next_tx);
            ctx->anomaly(ctx, "iec104_seq_duplicate", detail);
            return;
        }
        snprintf(detail, sizeof detail, "%s N(S)=%u, expected %u: %u I-frames missing",
                 dir_name(ctx->dir), ns, ds->next_tx, ahead);
        ctx->anomaly(ctx, "iec104_seq_gap", detail);
    }
    ds->next_tx = (uint16_t)((ns + 1u) % IEC104_SEQ_MOD);
    ds->tx_valid = 1;
}

/*
 * N(R) of an I- or S-frame (clause 5.1: it acknowledges every I-frame of the other
 * direction with N(S) < N(R), mod 32768). Two checks, each only against what has been
 * seen, so a mid-stream pickup raises nothing: iec104_ack_unsent when N(R) is ahead of
 * the other direction's next N(S) (frames acknowledged that were never sent; reported
 * when N(R) changes, not again on every repeat), iec104_ack_backwards when N(R) is behind
 * this direction's previous N(R). "Ahead" and "behind" are within half the sequence space.
 */
static void ack_check(struct pd_ctx *ctx, struct iec104_state *st, uint16_t nr)
{
    struct iec104_dir_state *ds = &st->dir[ctx->dir & 1];
    const struct iec104_dir_state *peer = &st->dir[(ctx->dir & 1) ^ 1];
    char detail[128];
    int changed = !ds->rx_valid || nr != ds->last_rx;
    unsigned beyond = (nr + IEC104_SEQ_MOD - peer->next_tx) % IEC104_SEQ_MOD;
    if (peer->tx_valid && changed && beyond != 0 && beyond < IEC104_SEQ_MOD / 2) {
        snprintf(detail, sizeof detail,
                 "%s N(R)=%u acknowledges %u I-frames not sent, next N(S) %u",
                 dir_name(ctx->dir), nr, beyond, peer->next_tx);
        ctx->anomaly(ctx, "iec104_ack_unsent", detail);
    }
    unsigned back = (ds->last_rx + IEC104_SEQ_MOD - nr) % IEC104_SEQ_MOD;
    if (ds->rx_valid && back != 0 && back < IEC104_SEQ_MOD / 2) {
        snprintf(detail, sizeof detail, "%s N(R)=%u, previous N(R) %u", dir_name(ctx->dir),
                 nr, ds->last_rx);
        ctx->anomaly(ctx, "iec104_ack_backwards", detail);
    }
    ds->last_rx = nr;
    ds->rx_valid = 1;
}

static int parse_i(struct pd_ctx *ctx, struct iec104_state *st, struct pd_cur *body,
                   uint8_t len, const uint8_t ctl[4])
{
    struct iec104_dir_state *ds = &st->dir[ctx->dir & 1];
    struct iec104_rec r;
    memset(&r, 0, offsetof(struct iec104_rec, asdu));
    r.apci = 'I';
    r.tx = (uint16_t)((ctl[0] | ctl[1] << 8) >> 1);
    r.rx = (uint16_t)((ctl[2] | ctl[3] << 8) >> 1);
    r.has_asdu = 0;
    ds->i_frames++;
    seq_check(ctx, ds, r.tx);
    ack_check(ctx, st, r.rx);

    if (len < IEC104_LEN_MIN + IEC104_ASDU_HEAD) {
        char detail[96];
        snprintf(detail, sizeof detail, "I-format APDU of length %u has no room for an ASDU",
                 len);
        ctx->anomaly(ctx, "iec104_malformed", detail);
        iec104_emit(ctx, &r, PD_OP_OTHER, PD_ST_MALFORMED, 0, 0);
        return -1;
    }
    int rc = iec104_asdu_decode(ctx, body, &r.asdu);
    r.has_asdu = 1;
    uint8_t status = PD_ST_OK;
    if (rc < 0)
        status = PD_ST_MALFORMED;
    else if (r.asdu.neg || (r.asdu.cot >= 44 && r.asdu.cot <= 47))
        status = PD_ST_EXCEPTION;
    if (iec104_txn_i(ctx, st, &r, status))
        return rc;
    iec104_emit(ctx, &r, iec104_rec_op(&r.asdu), status, 0, 0);
    return rc;
}

static int parse_s(struct pd_ctx *ctx, struct iec104_state *st, uint8_t len,
                   const uint8_t ctl[4])
{
    struct iec104_dir_state *ds = &st->dir[ctx->dir & 1];
    ds->s_frames++;
    if (len != IEC104_LEN_MIN || ctl[0] != 0x01 || ctl[1] != 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "S-format APDU of length %u, control %02x %02x", len,
                 ctl[0], ctl[1]);
        ctx->anomaly(ctx, "iec104_malformed", detail);
        return -1;
    }
    ack_check(ctx, st, (uint16_t)((ctl[2] | ctl[3] << 8) >> 1));
    return 0;
}

/* The key of a U function in state.u_txn: 0 STARTDT, 1 STOPDT, 2 TESTFR. */
static unsigned u_index(uint8_t f)
{
    return f <= IEC104_U_STARTDT_CON ? 0 : f <= IEC104_U_STOPDT_CON ? 1 : 2;
}

/* U acts were emitted when seen (one event per U APDU): one that is never confirmed
 * leaves nothing to emit. */
static const struct pd_txn_ops u_ops = {
    .slots = 3,
    .overflow_kind = NULL,
    .unanswered = NULL,
};

static int parse_u(struct pd_ctx *ctx, struct iec104_state *st, uint8_t len,
                   const uint8_t ctl[4])
{
    struct iec104_rec r;
    memset(&r, 0, offsetof(struct iec104_rec, asdu));
    r.apci = 'U';
    st->dir[ctx->dir & 1].u_frames++;
    uint8_t f = ctl[0] & 0xfc;
    if (len != IEC104_LEN_MIN || !one_bit(f)) {
        char detail[96];
        snprintf(detail, sizeof detail, "U-format APDU of length %u, function bits %02x", len,
                 f);
        ctx->anomaly(ctx, "iec104_malformed", detail);
        iec104_emit(ctx, &r, PD_OP_OTHER, PD_ST_MALFORMED, 0, 0);
        return -1;
    }
    r.u_func = f;
    uint8_t op = f >= IEC104_U_TESTFR_ACT ? PD_OP_DIAGNOSTIC : PD_OP_SESSION;
    int is_act = f == IEC104_U_STARTDT_ACT || f == IEC104_U_STOPDT_ACT ||
                 f == IEC104_U_TESTFR_ACT;
    int i = pd_txn_find(&st->u_txn, u_index(f));
    if (is_act) {
        if (i >= 0)
            pd_txn_close(&st->u_txn, i);
        pd_txn_open(ctx, &st->u_txn, &u_ops, u_index(f));
        iec104_emit(ctx, &r, op, PD_ST_OK, 0, 0);
        return 0;
    }
    int paired = i >= 0 && st->u_txn.slot[i].dir != ctx->dir &&
                 ctx->now_us >= st->u_txn.slot[i].ts_us &&
                 !pd_txn_aged(ctx->now_us, st->u_txn.slot[i].ts_us, ctx->lim->txn_timeout_us);
    uint64_t latency = paired ? ctx->now_us - st->u_txn.slot[i].ts_us : 0;
    if (i >= 0 && st->u_txn.slot[i].dir != ctx->dir)
        pd_txn_close(&st->u_txn, i);
    iec104_emit(ctx, &r, op, PD_ST_OK, latency, paired);
    return 0;
}

static int iec104_parse(struct pd_ctx *ctx, const uint8_t *p, size_t n)
{
    struct iec104_state *st = ctx->state;
    struct pd_cur c = pd_cur_make(p, n);
    char detail[96];
    uint8_t start = pd_u8(&c);
    uint8_t len = pd_u8(&c);
    if (c.err) {
        ctx->anomaly(ctx, "iec104_truncated", "APDU shorter than start and length octets");
        return -1;
    }
    if (start != IEC104_START || len < IEC104_LEN_MIN || len > IEC104_LEN_MAX) {
        snprintf(detail, sizeof detail, "start octet %02x, length %u", start, len);
        ctx->anomaly(ctx, "iec104_malformed", detail);
        return -1;
    }
    struct pd_cur body = pd_sub(&c, len);
    if (body.err) {
        snprintf(detail, sizeof detail, "APDU length %u, %zu octets present", len, n - 2);
        ctx->anomaly(ctx, "iec104_truncated", detail);
        return -1;
    }
    uint8_t ctl[4];
    pd_copy(&body, ctl, sizeof ctl);
    if ((ctl[0] & 0x01) == 0)
        return parse_i(ctx, st, &body, len, ctl);
    if ((ctl[0] & 0x03) == 0x01)
        return parse_s(ctx, st, len, ctl);
    return parse_u(ctx, st, len, ctl);
}

/* Forgets U acts whose con did not come in time (or all, at flow end): each U APDU was
 * already emitted. Ends commands without their confirmation as no_response. */
static void iec104_expire(struct pd_ctx *ctx, int final)
{
    struct iec104_state *st = ctx->state;
    pd_txn_expire(ctx, &st->u_txn, &u_ops, final);
    iec104_txn_expire(ctx, st, final);
}

static const struct pd_field iec104_fields[] = {
    {"iec104.apci", "string", "APCI format: I (numbered information) or U (unnumbered "
                              "control); S-format APDUs only count, they make no event"},
    {"iec104.tx", "int", "I: send sequence number N(S), 0..32767"},
    {"iec104.rx", "int", "I: receive sequence number N(R), 0..32767"},
    {"iec104.u_func", "string", "U: startdt_act, startdt_con, stopdt_act, stopdt_con, "
                                "testfr_act, testfr_con; absent when the bits are invalid"},
    {"iec104.asdu", "object", "I: the ASDU (absent when the APDU is too short for one)"},
    {"iec104.confirm", "object", "command transaction: the actcon / deactcon (or a 44..47 "
                                 "refusal) that answered the command {tx, rx, cot, cot_name, "
                                 "neg, test, oa, sq, num, latency_us}; absent when none came "
                                 "(no_response)"},
    {"iec104.term", "object", "command transaction: the actterm that ended it, the same "
                              "fields as confirm (latency_us from the command)"},
    {"iec104.asdu.type", "int", "type identification"},
    {"iec104.asdu.type_name", "string", "M_SP_NA_1 ...; absent for non-standard types"},
    {"iec104.asdu.sq", "bool", "SQ bit: one IOA, the objects at consecutive addresses"},
    {"iec104.asdu.num", "int", "number of objects (or elements) the VSQ declares"},
    {"iec104.asdu.cot", "int", "cause of transmission, 0..63"},
    {"iec104.asdu.cot_name", "string", "per_cyc, back, spont, init, req, act, actcon, deact, "
                                       "deactcon, actterm, retrem, retloc, file, auth, seskey, "
                                       "usrkey, inrogen, inro1..16, reqcogen, reqco1..4, "
                                       "unknown_type, unknown_cause, unknown_ca, unknown_ioa"},
    {"iec104.asdu.neg", "bool", "P/N bit: negative confirmation"},
    {"iec104.asdu.test", "bool", "T bit: test frame"},
    {"iec104.asdu.oa", "int", "originator address"},
    {"iec104.asdu.ca", "int", "common address of ASDU"},
    {"iec104.asdu.se", "string", "commands and set points: select or execute (S/E bit of "
                                 "the first object)"},
    {"iec104.asdu.objects", "array", "information objects, at most lim->max_items; empty "
                                     "for secure authentication types"},
    {"iec104.asdu.objects.ioa", "int", "information object address"},
    {"iec104.asdu.objects.value", "number", "SPI, DPI, DCS/RCS, SCS, step position, "
                                            "bitstring (uint32), normalised (float -1..1), "
                                            "scaled, short float, counter, QOI, RQT, COI, "
                                            "QRP, QPA, test word, delay ms, file name"},
    {"iec104.asdu.objects.qual", "int", "quality bits (QDS, QDP, BCR flags) or the qualifier "
                                        "code (QU, QL, QPM, FRZ, COI change bit, file "
                                        "qualifiers)"},
    {"iec104.asdu.objects.qual_names", "array", "set quality flags: IV, NT, SB, BL, EI, OV, "
                                                "CA, CY (absent when none is set)"},
    {"iec104.asdu.objects.transient", "bool", "step position: transient state"},
    {"iec104.asdu.objects.seq", "int", "integrated totals: BCR sequence number"},
    {"iec104.asdu.objects.elapsed_ms", "int", "protection events: CP16Time2a"},
    {"iec104.asdu.objects.section", "int", "file transfer: name of section"},
    {"iec104.asdu.objects.length", "int", "file transfer: length of file, section or segment"},
    {"iec104.asdu.objects.time_tag", "string", "CP56Time2a as sent: wall clock "
                                               "YYYY-MM-DDTHH:MM:SS.mmm, no zone"},
    {"iec104.asdu.objects.time_utc", "string", "the tag in UTC (RFC 3339, Z), read in the zone "
                                               "of dissect.iec104.time_zone(_by_ca)"},
    {"iec104.asdu.time_zone", "string", "the zone time_utc was read in (UTC, +08:00, "
                                        "Asia/Shanghai); present when an object has a tag"},
    {"iec104.asdu.objects.time_raw", "object", "CP56Time2a fields {year, month, day, hour, "
                                               "min, ms} when they are not a valid date"},
    {"iec104.asdu.objects.time_cp24", "object", "CP24Time2a {min, ms}"},
    {"iec104.asdu.objects.time_iv", "bool", "time tag flagged invalid"},
    {"iec104.asdu.objects.time_su", "bool", "CP56Time2a flagged summer time"},
    {"iec104.asdu.truncated", "bool", "more objects than lim->max_items (rest not listed)"},
    {NULL, NULL, NULL},
};

const struct pd_dissector pd_iec104 = {
    .name = "iec104",
    .proto = PD_PROTO_IEC104,
    .transports = PD_TRANSPORT_TCP,
    .ports = {2404, 0},
    .min_header = 2,
    .probe = iec104_probe,
    .role = iec104_role,
    .pdu_len = iec104_pdu_len,
    .resync = iec104_resync,
    .parse = iec104_parse,
    .expire = iec104_expire,
    .state_size = sizeof(struct iec104_state),
    .fields = iec104_fields,
};
