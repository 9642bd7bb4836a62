/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104.h - the typed record the IEC 60870-5-104 dissector emits (one per I- or U-format
 * APDU, one per command transaction: iec104_txn.c) and what its files share: the APCI layer (iec104.c, IEC 60870-5-104 clause
 * 5), the ASDU decoder (iec104_asdu.c, IEC 60870-5-101 clause 7 with the 104 field sizes:
 * two-octet cause of transmission, two-octet common address, three-octet IOA) and the
 * name tables (iec104_names.c).
 */
#ifndef TZ_IEC104_H
#define TZ_IEC104_H

#include <stdint.h>

#include "pd.h"
#include "pd_txn.h"

#define IEC104_START 0x68
#define IEC104_LEN_MIN 4    /* the length octet counts the 4 control octets and the ASDU */
#define IEC104_LEN_MAX 253
#define IEC104_ASDU_HEAD 6  /* type, VSQ, COT, OA, CA (2) */
#define IEC104_SEQ_MOD 32768u
#define IEC104_MAX_OBJECTS 127 /* the VSQ count is 7 bits */

/* U-format functions: the bit of control octet 1 that carries each (clause 5.3). */
#define IEC104_U_STARTDT_ACT 0x04
#define IEC104_U_STARTDT_CON 0x08
#define IEC104_U_STOPDT_ACT 0x10
#define IEC104_U_STOPDT_CON 0x20
#define IEC104_U_TESTFR_ACT 0x40
#define IEC104_U_TESTFR_CON 0x80

/* What the object's `value` holds. */
enum iec104_vkind {
    IEC104_V_NONE = 0,
    IEC104_V_INT,   /* ival, signed */
    IEC104_V_FLOAT, /* fval (normalised values and short floats) */
};

/* How `qual` reads, which decides the names written to `qual_names`. */
enum iec104_qkind {
    IEC104_Q_NONE = 0,
    IEC104_Q_QDS, /* quality descriptor: OV 0x01, BL 0x10, SB 0x20, NT 0x40, IV 0x80 */
    IEC104_Q_QDP, /* protection quality: EI 0x08, BL, SB, NT, IV */
    IEC104_Q_BCR, /* counter flags: CY 0x20, CA 0x40, IV 0x80 */
    IEC104_Q_CODE, /* a qualifier code (QU, QL, QPM, FRZ, ...): no names */
};

enum iec104_tkind {
    IEC104_T_NONE = 0,
    IEC104_T_CP24, /* ms, min, iv */
    IEC104_T_CP56,
};

/* A CP24Time2a or CP56Time2a as it was on the wire (fields not range-checked). */
struct iec104_time {
    uint16_t ms;   /* milliseconds within the minute, 0..59999 */
    uint8_t min;   /* 0..59 */
    uint8_t hour;  /* 0..23 */
    uint8_t day;   /* 1..31 */
    uint8_t dow;   /* 1..7, 0 unused */
    uint8_t month; /* 1..12 */
    uint8_t year;  /* 0..99, years after 2000 */
    uint8_t iv;    /* invalid */
    uint8_t su;    /* summer time */
};

struct iec104_obj {
    uint32_t ioa;
    uint8_t vkind;          /* enum iec104_vkind */
    uint8_t qkind;          /* enum iec104_qkind */
    uint8_t tkind;          /* enum iec104_tkind */
    uint8_t qual;
    uint8_t has_transient;  /* step position: the VTI transient bit */
    uint8_t transient;
    uint8_t has_seq;        /* integrated totals: the BCR sequence number */
    uint8_t seq;
    uint8_t has_elapsed;    /* protection events: CP16Time2a elapsed time */
    uint8_t has_section;    /* file transfer: name of section */
    uint8_t section;
    uint16_t elapsed_ms;
    uint32_t length;        /* file transfer: length of file/section/segment (has_length) */
    uint8_t has_length;
    int64_t ival;
    double fval;
    struct iec104_time t;
};

struct iec104_asdu {
    uint8_t type;
    uint8_t sq;        /* SQ bit: one IOA, objects at consecutive addresses */
    uint8_t num;       /* VSQ count as sent */
    uint8_t cot;       /* cause, 6 bits */
    uint8_t neg;       /* P/N bit: negative confirmation */
    uint8_t test;      /* T bit */
    uint8_t oa;        /* originator address */
    uint16_t ca;       /* common address */
    uint8_t has_se;    /* commands and set points: S/E of the first object */
    uint8_t se;        /* 1 select, 0 execute */
    uint8_t decoded;   /* 0: type not decoded (unknown, private or secure authentication) */
    uint8_t truncated; /* more objects than lim->max_items: the rest were checked, not kept */
    uint8_t n_objects;
    struct iec104_obj objects[IEC104_MAX_OBJECTS];
};

/* An APDU that answered a command: its APCI numbers and ASDU head (type, CA and first
 * IOA are the command's: they are the pairing key). */
struct iec104_answer {
    uint16_t tx, rx;
    uint8_t cot, neg, test, oa, sq, num;
    uint64_t latency_us; /* from the command */
};

struct iec104_rec {
    char apci;          /* 'I', 'U' ('S' never becomes a record) */
    uint8_t u_func;     /* U: IEC104_U_* bit, 0 when the function bits are not exactly one */
    uint16_t tx;        /* I: N(S) */
    uint16_t rx;        /* I: N(R) */
    /* A command transaction (act or deact -> con -> actterm, iec104_txn.c): the record is
     * the command's ASDU with what answered it. */
    uint8_t is_command;
    uint8_t has_con;    /* the actcon / deactcon (or a 44..47 refusal) came */
    uint8_t has_term;   /* the actterm came */
    struct iec104_answer con, term;
    uint8_t has_asdu;
    struct iec104_asdu asdu;
};

/* Per-flow state: sequence tracking and counters per direction, U act awaiting con. */
struct iec104_dir_state {
    uint16_t next_tx;   /* N(S) expected on the next I-frame */
    uint8_t tx_valid;   /* 0 until the first I-frame of this direction */
    uint16_t last_rx;   /* last N(R) sent in this direction (I or well-formed S) */
    uint8_t rx_valid;   /* 0 until the first N(R) of this direction */
    uint32_t i_frames;
    uint32_t s_frames;
    uint32_t u_frames;
};

#define IEC104_PENDING 8 /* commands awaiting their confirmation or termination per flow */

struct iec104_state {
    struct iec104_dir_state dir[2];
    struct pd_txn_table u_txn;       /* U acts awaiting con: key 0 STARTDT, 1 STOPDT, 2 TESTFR */
    struct pd_txn_table txn;         /* commands: the framework's slots ... */
    struct iec104_rec cmd[IEC104_PENDING]; /* ... and the command records they hold */
};

/* How the element after each IOA is laid out (the time tag, if any, follows it). */
enum iec104_layout {
    IEC104_L_OPAQUE = 0, /* not decoded: objects are not split */
    IEC104_L_SIQ,        /* single point with quality */
    IEC104_L_DIQ,        /* double point with quality */
    IEC104_L_VTI_QDS,    /* step position, quality */
    IEC104_L_BSI_QDS,    /* bitstring of 32 bits, quality */
    IEC104_L_NVA_QDS,    /* normalised value, quality */
    IEC104_L_SVA_QDS,    /* scaled value, quality */
    IEC104_L_FLT_QDS,    /* short float, quality */
    IEC104_L_BCR,        /* binary counter reading */
    IEC104_L_SEP_CP16,   /* single event of protection equipment, elapsed time */
    IEC104_L_SPE_QDP_CP16, /* packed start events, protection quality, relay duration */
    IEC104_L_OCI_QDP_CP16, /* packed output circuit information, quality, operating time */
    IEC104_L_SCD_QDS,    /* status and change detection, quality */
    IEC104_L_NVA,        /* normalised value without quality */
    IEC104_L_AID_BCR,    /* association id, binary counter reading */
    IEC104_L_SCO,        /* single command */
    IEC104_L_DCO,        /* double command */
    IEC104_L_RCO,        /* regulating step command */
    IEC104_L_NVA_QOS,    /* set point, normalised */
    IEC104_L_SVA_QOS,    /* set point, scaled */
    IEC104_L_FLT_QOS,    /* set point, short float */
    IEC104_L_BSI,        /* bitstring command */
    IEC104_L_COI,        /* cause of initialisation */
    IEC104_L_QOI,        /* qualifier of interrogation */
    IEC104_L_QCC,        /* qualifier of counter interrogation */
    IEC104_L_EMPTY,      /* nothing but the IOA (and the time tag, if any) */
    IEC104_L_FBP,        /* fixed test bit pattern */
    IEC104_L_QRP,        /* qualifier of reset process */
    IEC104_L_CP16,       /* delay acquisition: CP16Time2a */
    IEC104_L_TSC,        /* test sequence counter */
    IEC104_L_NVA_QPM,    /* parameter, normalised */
    IEC104_L_SVA_QPM,    /* parameter, scaled */
    IEC104_L_FLT_QPM,    /* parameter, short float */
    IEC104_L_QPA,        /* qualifier of parameter activation */
    IEC104_L_F_FR,       /* file ready: NOF, LOF, FRQ */
    IEC104_L_F_SR,       /* section ready: NOF, NOS, LOF, SRQ */
    IEC104_L_F_SC,       /* call/select: NOF, NOS, SCQ */
    IEC104_L_F_LS,       /* last section/segment: NOF, NOS, LSQ, CHS */
    IEC104_L_F_AF,       /* ack file/section: NOF, NOS, AFQ */
    IEC104_L_F_SG,       /* segment: NOF, NOS, LOS, LOS octets (variable) */
    IEC104_L_F_DR,       /* directory: NOF, LOF, SOF (CP56 follows) */
    IEC104_L_F_SCNB,     /* query log: NOF, range start CP56, range stop CP56 */
    IEC104_L_COUNT
};

/* iec104_names.c */
struct iec104_type_info {
    const char *name;  /* M_SP_NA_1 ...; NULL: no standard type with this id */
    uint8_t layout;    /* enum iec104_layout (iec104_asdu.c) */
    uint8_t time;      /* enum iec104_tkind suffix */
    int8_t size;       /* octets per element after the IOA; -1 variable */
};
const struct iec104_type_info *iec104_type(unsigned type);
const char *iec104_cot_name(unsigned cot);
const char *iec104_u_name(unsigned u_func);
uint8_t iec104_type_op(unsigned type);
/* The op of an I-format record: report for monitoring data sent unasked, else by type. */
uint8_t iec104_rec_op(const struct iec104_asdu *a);

/* iec104_txn.c: command transactions. iec104_txn_i() takes an I-format record; it returns
 * 1 when the record became (part of) a command transaction and was emitted or held, 0 when
 * the caller emits it as a record of its own. */
int iec104_txn_i(struct pd_ctx *ctx, struct iec104_state *st, const struct iec104_rec *r,
                 uint8_t status);
void iec104_txn_expire(struct pd_ctx *ctx, struct iec104_state *st, int final);
void iec104_emit(struct pd_ctx *ctx, const struct iec104_rec *r, uint8_t op, uint8_t status,
                 uint64_t latency_us, int has_latency);

/* iec104_asdu.c: decodes the ASDU in c (exactly the bytes after the APCI) into a.
 * Returns 0, or <0 after reporting the problem through ctx->anomaly. */
int iec104_asdu_decode(struct pd_ctx *ctx, struct pd_cur *c, struct iec104_asdu *a);

extern const struct pd_dissector pd_iec104;

#endif
