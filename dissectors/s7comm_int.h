/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_int.h - what the files of the S7 dissector share and nothing else includes:
 * the per-flow state (COTP connection, per-direction COTP reassembly, the pending
 * request tables of S7comm and S7comm-plus, the SZL continuation) and the functions
 * s7comm.c (framing, COTP, pairing), s7comm_job.c, s7comm_ud.c and s7comm_plus.c call
 * in each other.
 */
#ifndef TZ_S7COMM_INT_H
#define TZ_S7COMM_INT_H

#include "pd_txn.h"
#include "s7comm.h"

#define S7_REASM_CAP 8192 /* bytes of one COTP-segmented S7 PDU kept per direction */
#define S7_SZL_REC_MAX 34 /* longest identity SZL record (0x001C) */

/* One direction's COTP DT reassembly (EOT = 0 segments). */
struct s7_reasm {
    uint16_t len;
    uint8_t dropping; /* overflowed: discard until the segment with EOT */
    uint8_t buf[S7_REASM_CAP];
};

/* A request waiting for its answer: the payload of slot i of the framework's table
 * (pd_txn.h), which keeps its time, direction and key. */
struct s7_pend {
    struct s7comm_rec rec;
};

struct s7p_pend {
    struct s7comm_plus_rec rec;
};

/* An identity SZL response spread over several userdata PDUs (last data unit = no). */
struct s7_szl_cont {
    uint8_t active;
    uint8_t unit_ref;
    uint16_t szl_id;
    uint16_t rec_len;
    uint16_t left;                /* records still to come */
    uint16_t have;                /* bytes of the current record in part[] */
    uint8_t part[S7_SZL_REC_MAX];
};

struct s7_state {
    struct s7comm_cotp cotp;
    uint8_t cr_pending;           /* a CR waits for its CC */
    uint8_t cr_dir;
    uint64_t cr_ts_us;
    uint8_t s7p_open[2];          /* S7comm-plus message without trailer seen, per dir */
    uint8_t s7p_open_pend[2];     /* ...and its record waits in ppend (1) or was emitted */
    uint16_t s7p_open_seq[2];
    uint8_t has_session;
    uint32_t session;             /* S7comm-plus session id learned from CreateObject */
    struct s7_szl_cont szl;
    struct s7comm_identity ident; /* scratch for the response being parsed */
    struct s7_reasm reasm[2];
    /* the framework's tables: searches read their masks and used entries only, not 32
     * entries spread over the 67 KB state */
    struct pd_txn_table txn, ptxn;
    struct s7_pend pend[PD_MAX_PENDING];
    struct s7p_pend ppend[PD_MAX_PENDING];
};

/* s7comm.c: pairing and emitting */
extern const struct pd_field s7comm_fields[];
void s7_pend_store(struct pd_ctx *ctx, struct s7_state *st, const struct s7comm_rec *r);
struct s7_pend *s7_pend_find(struct s7_state *st, uint8_t kind, uint16_t pdu_ref,
                             uint8_t resp_dir);
void s7_pend_finish(struct pd_ctx *ctx, struct s7_state *st, struct s7_pend *p, uint8_t status);
void s7_emit_now(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_rec *r, uint8_t status);
void s7_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail);

/* s7comm_job.c: one S7comm PDU (starts with 0x32) */
int s7_parse_pdu(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n);
void s7_copy_text(char *dst, size_t cap, const uint8_t *src, size_t n);
void s7_decode_filename(struct s7comm_rec *r, const uint8_t *s, size_t n);

/* s7comm_ud.c: the userdata parameter + data parts into r (request or response side) */
int s7_parse_userdata(struct pd_ctx *ctx, struct s7_state *st, struct s7comm_rec *r,
                      struct pd_cur *param, struct pd_cur *data, int is_response);
int s7_ud_header(struct pd_cur *param, uint8_t *type, uint8_t *group, uint8_t *sub,
                 uint8_t *seq);

/* s7comm_plus.c: one S7comm-plus PDU (starts with 0x72), or a TLS record inside COTP */
int s7p_parse_pdu(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n);
int s7p_parse_tls(struct pd_ctx *ctx, struct s7_state *st, const uint8_t *p, size_t n);
void s7p_expire(struct pd_ctx *ctx, struct s7_state *st, int final);

#endif
