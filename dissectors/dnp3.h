/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnp3.h - DNP3 (IEEE 1815-2012) records and the pieces the dnp3_*.c files share.
 *
 * The dissector is split by layer: dnp3_link.c (link frames, CRC, transport reassembly,
 * the descriptor), dnp3_app.c (application fragments: headers, qualifiers, points),
 * dnp3_txn.c (request/response pairing, records, expiry) and dnp3_names.c (name and
 * object layout tables). A record is a struct dnp3_rec pointing at one or two decoded
 * application fragments; sensor/json_dnp3.c writes it as the `dnp3` event object.
 */
#ifndef TZ_DNP3_H
#define TZ_DNP3_H

#include <stddef.h>
#include <stdint.h>

#include "pd.h"
#include "pd_txn.h"

#define DNP3_PORT 20000
#define DNP3_START0 0x05
#define DNP3_START1 0x64
#define DNP3_LINK_HDR 10        /* start(2) len(1) ctrl(1) dst(2) src(2) crc(2) */
#define DNP3_LINK_MIN_LEN 5     /* the length byte counts ctrl, dst, src and user data */
#define DNP3_BLOCK 16           /* user data is sent in 16-byte blocks, each with a CRC */
#define DNP3_MAX_USER 250       /* 255 - 5 */
#define DNP3_MAX_FRAME 292      /* 10 + 250 + 16 block CRCs */

#define DNP3_FRAG_MAX 2048      /* reassembled application fragment cap (bytes) */
#define DNP3_MAX_OBJECTS 32     /* object headers kept per fragment (also <= lim->max_items) */
#define DNP3_MAX_POINTS 256     /* points kept per fragment over all headers */
#define DNP3_PENDING 4          /* requests / unsolicited responses held per flow */
#define DNP3_CON_WAIT 4         /* solicited responses whose confirm we expect */
#define DNP3_TEXT_MAX 48        /* file names and attribute strings kept */
#define DNP3_MEMO_RAW 64        /* object bytes of a request remembered (dnp3_req_memo) */
#define DNP3_MEMO_OBJ 8         /* ... and its object headers */

/* Link control byte (IEEE 1815-2012 9.2.4.1.3). */
#define DNP3_LC_DIR 0x80        /* 1: sent by a master */
#define DNP3_LC_PRM 0x40        /* 1: primary (initiating) frame */
#define DNP3_LC_FCB 0x20        /* primary frames: frame count bit */
#define DNP3_LC_FCV 0x10        /* primary frames: FCB is valid */
#define DNP3_LC_DFC 0x10        /* secondary frames: data flow control (0x20 reserved) */
#define DNP3_LC_FUNC 0x0f
#define DNP3_LF_CONFIRMED_USER_DATA 3
#define DNP3_LF_UNCONFIRMED_USER_DATA 4

/* Transport header (IEEE 1815-2012 8.2.1). */
#define DNP3_TH_FIN 0x80
#define DNP3_TH_FIR 0x40
#define DNP3_TH_SEQ 0x3f

/* Application control (IEEE 1815-2012 4.2.2.4). */
#define DNP3_AC_FIR 0x80
#define DNP3_AC_FIN 0x40
#define DNP3_AC_CON 0x20
#define DNP3_AC_UNS 0x10
#define DNP3_AC_SEQ 0x0f

enum dnp3_func {
    DNP3_FC_CONFIRM = 0,
    DNP3_FC_READ = 1,
    DNP3_FC_WRITE = 2,
    DNP3_FC_SELECT = 3,
    DNP3_FC_OPERATE = 4,
    DNP3_FC_DIRECT_OPERATE = 5,
    DNP3_FC_DIRECT_OPERATE_NR = 6,
    DNP3_FC_IMMED_FREEZE = 7,
    DNP3_FC_IMMED_FREEZE_NR = 8,
    DNP3_FC_FREEZE_CLEAR = 9,
    DNP3_FC_FREEZE_CLEAR_NR = 10,
    DNP3_FC_FREEZE_AT_TIME = 11,
    DNP3_FC_FREEZE_AT_TIME_NR = 12,
    DNP3_FC_COLD_RESTART = 13,
    DNP3_FC_WARM_RESTART = 14,
    DNP3_FC_INITIALIZE_DATA = 15,
    DNP3_FC_INITIALIZE_APPL = 16,
    DNP3_FC_START_APPL = 17,
    DNP3_FC_STOP_APPL = 18,
    DNP3_FC_SAVE_CONFIG = 19,
    DNP3_FC_ENABLE_UNSOLICITED = 20,
    DNP3_FC_DISABLE_UNSOLICITED = 21,
    DNP3_FC_ASSIGN_CLASS = 22,
    DNP3_FC_DELAY_MEASURE = 23,
    DNP3_FC_RECORD_CURRENT_TIME = 24,
    DNP3_FC_OPEN_FILE = 25,
    DNP3_FC_CLOSE_FILE = 26,
    DNP3_FC_DELETE_FILE = 27,
    DNP3_FC_GET_FILE_INFO = 28,
    DNP3_FC_AUTHENTICATE_FILE = 29,
    DNP3_FC_ABORT_FILE = 30,
    DNP3_FC_ACTIVATE_CONFIG = 31,
    DNP3_FC_AUTHENTICATE_REQ = 32,
    DNP3_FC_AUTH_REQ_NO_ACK = 33,
    DNP3_FC_RESPONSE = 129,
    DNP3_FC_UNSOLICITED_RESPONSE = 130,
    DNP3_FC_AUTHENTICATE_RESP = 131,
};

/* IIN2 bits that say the outstation refused the request (status `exception`). */
#define DNP3_IIN_REFUSED 0x0007

/* What a point's value holds. */
enum dnp3_pt_type {
    DNP3_PT_NONE = 0, /* index only (a read request, a packed header in a request) */
    DNP3_PT_UINT,     /* binary state, double-bit state, counter, time, delay */
    DNP3_PT_INT,      /* analog value */
    DNP3_PT_FLOAT,    /* single or double precision analog */
    DNP3_PT_CROB,     /* g12v1/v2: v.i is the control code; pulse holds on/off times */
    DNP3_PT_ATTR,     /* g0 device attribute: v holds a number, or the object's text */
};

/* dnp3_point.has */
#define DNP3_PH_FLAGS 0x01
#define DNP3_PH_TIME 0x02    /* time.ms is DNP3 absolute time (ms since 1970 UTC) */
#define DNP3_PH_RELTIME 0x04 /* time.ms is a 16-bit time relative to the last CTO */
#define DNP3_PH_STATUS 0x08  /* status is a control status (CROB, analog output) */
#define DNP3_PH_VALUE 0x10   /* v is set */

struct dnp3_point {
    uint32_t index;
    uint8_t type;    /* enum dnp3_pt_type */
    uint8_t has;     /* DNP3_PH_* */
    uint8_t flags;   /* quality flags byte */
    uint8_t status;  /* control status code */
    uint8_t count;   /* CROB: pulse count */
    union {
        uint64_t u;
        int64_t i;
        double f;
    } v;
    union {
        uint64_t ms;
        struct {
            uint32_t on_ms, off_ms;
        } pulse;
    } time;
};

/* dnp3_object.has */
#define DNP3_OH_RANGE 0x01   /* start/stop are valid */
#define DNP3_OH_COUNT 0x02   /* count is valid */
#define DNP3_OH_CAPPED 0x04  /* more points than were kept */
#define DNP3_OH_UNKNOWN 0x08 /* data of unknown size: parsing stopped here */
#define DNP3_OH_TEXT 0x10    /* text holds a name or string value */
#define DNP3_OH_FILE 0x20    /* ext.file is set (group 70) */
#define DNP3_OH_AUTH 0x40    /* ext.auth is set (group 120) */
#define DNP3_OH_DATA 0x80    /* objects carried data (not just a header) */

struct dnp3_object {
    uint8_t group, var, qual;
    uint8_t has;             /* DNP3_OH_* */
    uint32_t start, stop;
    uint64_t count;          /* objects the header announces (stop - start + 1 may be 2^32) */
    uint16_t first_point, n_points;
    uint8_t text_len;
    char text[DNP3_TEXT_MAX];
    union {
        struct {
            uint32_t handle, size, block;
            uint16_t mode, request_id;
            uint8_t status, last, has_handle, has_size;
        } file;
        struct {
            uint32_t seq;            /* challenge or key change sequence number */
            uint16_t user;
            uint8_t code;            /* reason (v1), key status (v5), error code (v7) */
            uint8_t has_seq, has_code;
        } auth;
    } ext;
};

/* One application fragment (or a multi-fragment response merged), as decoded. */
struct dnp3_frag {
    uint64_t ts_us;          /* first frame of the fragment */
    uint16_t src, dst;       /* link addresses */
    uint8_t link_ctrl;       /* control and length octets of the fragment's first frame */
    uint8_t link_len;
    uint8_t dir;             /* enum pd_dir */
    uint8_t ac, func;
    uint16_t iin;            /* IIN1 << 8 | IIN2 */
    uint8_t has_iin;
    uint8_t malformed;       /* object parsing stopped on bad or short data */
    uint8_t unknown;         /* parsing stopped at an object of unknown size */
    uint8_t n_frags;         /* application fragments merged into this one */
    uint8_t last_ac;         /* control byte of the last fragment merged */
    uint16_t n_objects, n_points;
    uint32_t objects_dropped, points_dropped;
    uint32_t crc_errors;     /* CRC errors in this direction since the previous fragment */
    struct dnp3_object obj[DNP3_MAX_OBJECTS];
    struct dnp3_point pt[DNP3_MAX_POINTS];
};

/* The record handed to ctx->emit. */
struct dnp3_rec {
    const struct dnp3_frag *first; /* request, unsolicited/unpaired response or lone confirm */
    const struct dnp3_frag *resp;  /* the response to `first`, or NULL */
    uint8_t con_expected;          /* the outstation's last fragment asked for a confirm */
    uint8_t confirmed;             /* ... and the master confirmed it */
    uint8_t incomplete;            /* a multi-fragment response ended without FIN */
    uint32_t link_only;            /* link-only frames on the flow since the previous record */
};

/* --- between the dnp3_*.c files ------------------------------------------------------- */

struct dnp3_reasm {
    uint8_t active;
    uint8_t next_seq;
    uint8_t link_ctrl;       /* control and length octets of the FIR segment's frame */
    uint8_t link_len;
    uint16_t src, dst;
    uint16_t len;
    uint32_t crc_errors;     /* bad CRCs in this direction not yet charged to a fragment */
    uint64_t ts_us;
    uint8_t buf[DNP3_FRAG_MAX];
};

enum dnp3_pend_kind { DNP3_PEND_FREE = 0, DNP3_PEND_REQ, DNP3_PEND_UNSOL };

/* A held request or unsolicited response: the payload of slot i of the framework's table
 * (pd_txn.h), keyed by kind and link addresses. */
struct dnp3_pending {
    uint8_t kind;            /* enum dnp3_pend_kind, also in the slot's key */
    struct dnp3_frag frag;
};

/*
 * The last request on the flow, as bytes and, once it has repeated (with no points in its
 * objects), as decoded: a master polls with the same request again and again (class reads
 * every few seconds), and one with the same function and object bytes is not decoded again.
 */
struct dnp3_req_memo {
    uint8_t func;
    uint8_t len;             /* bytes in raw; 0: nothing remembered */
    uint8_t has_objects;     /* obj[] holds what raw decodes to */
    uint8_t n_objects;
    uint8_t raw[DNP3_MEMO_RAW];
    struct dnp3_object obj[DNP3_MEMO_OBJ];
};

struct dnp3_con_wait {
    uint8_t used, seq;
    uint16_t master, outstation;
};

struct dnp3_state {
    struct dnp3_reasm rx[2];            /* per enum pd_dir */
    struct pd_txn_table txn;
    struct dnp3_pending pend[DNP3_PENDING];
    struct dnp3_frag resp;              /* solicited response being assembled */
    int8_t resp_owner;                  /* pend[] index it answers, -1 unpaired */
    uint8_t resp_busy;
    uint8_t resp_next_seq;
    uint64_t resp_last_us;
    struct dnp3_con_wait con_wait[DNP3_CON_WAIT];
    uint8_t con_next;
    struct dnp3_req_memo memo;
    /* flow counters (reported through records and anomalies) */
    uint32_t link_only;                 /* since the previous record */
    uint32_t link_only_total;
    uint32_t crc_errors;
    uint32_t out_of_seq;
    uint32_t reasm_drops;
    uint32_t confirms;
    uint32_t caps_hit;
};

/* dnp3_link.c */
uint16_t dnp3_crc(const uint8_t *p, size_t n);

/* dnp3_app.c: decodes an application fragment into f (appending when f already holds
 * objects). Returns 0, or -1 when the fragment is malformed (f->malformed set). */
int dnp3_app_header(const uint8_t *p, size_t n, uint8_t *ac, uint8_t *func, uint16_t *iin,
                    int *has_iin);
int dnp3_app_objects(struct dnp3_frag *f, const uint8_t *p, size_t n, const struct pd_limits *lim);

/* dnp3_txn.c: a complete application fragment reassembled from direction dir. */
int dnp3_txn_fragment(struct pd_ctx *ctx, struct dnp3_state *st, const struct dnp3_reasm *r);
void dnp3_txn_expire(struct pd_ctx *ctx, int final);
/* The normalised operation of a record (EVENTS.md `op`). */
uint8_t dnp3_op(const struct dnp3_frag *first);

/* dnp3_names.c */
const char *dnp3_func_name(unsigned func);
const char *dnp3_link_func_name(unsigned ctrl);
const char *dnp3_iin_name(unsigned bit); /* bit 15..0 of iin_raw */
const char *dnp3_group_name(unsigned group);
int dnp3_layout_table_sorted(void); /* the layout table's order, which lookups rely on */
const char *dnp3_auth_name(unsigned var);
const char *dnp3_attr_name(unsigned var);
const char *dnp3_crob_op_name(unsigned code);
const char *dnp3_crob_tcc_name(unsigned code);
const char *dnp3_status_name(unsigned status);

/* How objects of a group/variation are laid out on the wire. */
enum dnp3_dec {
    DNP3_DEC_UNKNOWN = 0, /* size not known: parsing cannot go past it without a size prefix */
    DNP3_DEC_NONE,        /* no data (class objects, "all variations" requests) */
    DNP3_DEC_PACKED,      /* bits packed over the whole range; width bits each */
    DNP3_DEC_STATE,       /* flags byte carrying the state in its top `width` bits */
    DNP3_DEC_UINT,        /* unsigned of `width` bytes */
    DNP3_DEC_INT,         /* signed of `width` bytes */
    DNP3_DEC_FLOAT,       /* IEEE 754 of `width` bytes (4 or 8) */
    DNP3_DEC_CROB,        /* g12v1/v2 control relay output block */
    DNP3_DEC_TIME,        /* g50/g51: 48-bit time, then `size - 6` bytes we skip */
    DNP3_DEC_RAW,         /* fixed size, not decoded */
    DNP3_DEC_OCTET,       /* g110-g113: the variation is the size */
    DNP3_DEC_FREE,        /* variable format (g0 attributes, g70, g120, ...) */
};

/* dnp3_layout.flags */
#define DNP3_LY_FLAGS 0x01   /* a flags byte precedes the value */
#define DNP3_LY_TIME 0x02    /* a 48-bit time follows the value */
#define DNP3_LY_RELTIME 0x04 /* a 16-bit relative time follows */
#define DNP3_LY_STATUS 0x08  /* a status byte follows the value (g41) */
#define DNP3_LY_STATUS1 0x10 /* a status byte precedes the value (g43) */

struct dnp3_layout {
    uint8_t dec;   /* enum dnp3_dec */
    uint8_t size;  /* bytes per object (fixed layouts) */
    uint8_t width; /* value bytes, or bits for packed/state */
    uint8_t flags; /* DNP3_LY_* */
};

struct dnp3_layout dnp3_layout(unsigned group, unsigned var);

extern const struct pd_field dnp3_fields[];

#endif
