/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dnp3.c - DNP3 dissector tests (IEEE 1815-2012): one commented byte vector per
 * message type, request/response pairing, transport reassembly, CRC errors, a table of
 * malformed inputs and the every-prefix truncation loop. Application vectors are wrapped
 * into link frames by t_frame(), which computes CRCs with its own bitwise CRC-16/DNP, so
 * the dissector's table-driven CRC is checked against an independent implementation.
 * Covers dissectors/dnp3_link.c, dnp3_app.c and dnp3_txn.c (the layers of one dissector).
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "dnp3.h"
#include "pd_test.h"
#include "json_proto.h"

extern const struct pd_dissector pd_dnp3;

#define MASTER 1
#define OUTSTATION 10
#define T0 1700000000000000ull

/* ---- helpers ------------------------------------------------------------------------- */

static uint16_t t_crc(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa6bc) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

/* A link frame with correct CRCs; returns its length. */
static size_t t_frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user,
                      size_t ulen)
{
    size_t n = 0;
    out[n++] = 0x05;
    out[n++] = 0x64;
    out[n++] = (uint8_t)(ulen + 5);
    out[n++] = ctrl;
    out[n++] = (uint8_t)dst;
    out[n++] = (uint8_t)(dst >> 8);
    out[n++] = (uint8_t)src;
    out[n++] = (uint8_t)(src >> 8);
    uint16_t c = t_crc(out, 8);
    out[n++] = (uint8_t)c;
    out[n++] = (uint8_t)(c >> 8);
    for (size_t off = 0; off < ulen; off += 16) {
        size_t blen = ulen - off < 16 ? ulen - off : 16;
        memcpy(out + n, user + off, blen);
        c = t_crc(user + off, blen);
        n += blen;
        out[n++] = (uint8_t)c;
        out[n++] = (uint8_t)(c >> 8);
    }
    return n;
}

/* One transport segment th + app[0..alen) in a frame from the master or the outstation. */
static size_t t_wrap(uint8_t *out, int from_master, uint8_t th, const uint8_t *app, size_t alen)
{
    uint8_t user[250];
    user[0] = th;
    memcpy(user + 1, app, alen);
    if (from_master) /* DIR=1 PRM=1 UNCONFIRMED_USER_DATA */
        return t_frame(out, 0xc4, OUTSTATION, MASTER, user, alen + 1);
    return t_frame(out, 0x44, MASTER, OUTSTATION, user, alen + 1); /* DIR=0 PRM=1 */
}

static uint8_t tseq;

/* Sends one whole application fragment (<= 249 bytes) in one frame; returns parse(). */
static int t_send(struct pdt *T, int from_master, uint64_t now, const uint8_t *app, size_t alen)
{
    uint8_t fr[DNP3_MAX_FRAME];
    size_t n = t_wrap(fr, from_master, (uint8_t)(0xc0 | (tseq++ & 0x3f)), app, alen);
    return pdt_parse(T, from_master ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT, now, fr, n);
}

#define REQ(T, t, a) t_send(T, 1, t, a, sizeof a)
#define RSP(T, t, a) t_send(T, 0, t, a, sizeof a)
#define HAS(T, i, s) cr_assert(strstr((T)->json[i], s), "missing %s in %s", s, (T)->json[i])
#define HASNT(T, i, s) cr_assert(!strstr((T)->json[i], s), "unexpected %s in %s", s, (T)->json[i])

static struct pdt *t_new(void)
{
    tseq = 0;
    return pdt_new(&pd_dnp3);
}

/* ---- vectors ------------------------------------------------------------------------- */

/* A whole link frame from zeek's dnp3_read.pcap: read class 0/1/2/3. */
static const uint8_t v_read_frame[] = {
    0x05, 0x64,             /* start */
    0x14,                   /* length 20: ctrl + addresses + 15 bytes of user data */
    0xc4,                   /* DIR=1 PRM=1 FCB=0 FCV=0 func 4 UNCONFIRMED_USER_DATA */
    0x02, 0x00,             /* destination 2 */
    0x03, 0x00,             /* source 3 */
    0x45, 0x03,             /* header CRC */
    0xc7,                   /* transport: FIN FIR seq 7 */
    0xc8,                   /* app control: FIR FIN seq 8 */
    0x01,                   /* READ */
    0x3c, 0x02, 0x06,       /* g60v2 class 1, qualifier 0x06 all */
    0x3c, 0x03, 0x06,       /* g60v3 class 2, all */
    0x3c, 0x04, 0x06,       /* g60v4 class 3, all */
    0x3c, 0x01, 0x06,       /* g60v1 class 0, all */
    0x42, 0xac,             /* block CRC */
};

static const uint8_t a_read_class0[] = {
    0xc1,             /* FIR FIN seq 1 */
    0x01,             /* READ */
    0x3c, 0x01, 0x06, /* g60v1 class 0, all */
};

static const uint8_t a_read_class123[] = {
    0xc2,             /* FIR FIN seq 2 */
    0x01,             /* READ */
    0x3c, 0x02, 0x06, /* g60v2 class 1 */
    0x3c, 0x03, 0x06, /* g60v3 class 2 */
    0x3c, 0x04, 0x06, /* g60v4 class 3 */
};

static const uint8_t a_resp_g1v2[] = {
    0xc1,             /* FIR FIN seq 1 */
    0x81,             /* RESPONSE */
    0x80, 0x04,       /* IIN1.7 DEVICE_RESTART, IIN2.2 PARAMETER_ERROR */
    0x01, 0x02, 0x00, /* g1v2 binary input with flags, qualifier 0x00 */
    0x00, 0x02,       /* start 0, stop 2 */
    0x81,             /* point 0: ONLINE, state 1 */
    0x01,             /* point 1: ONLINE, state 0 */
    0x03,             /* point 2: ONLINE RESTART, state 0 */
};

static const uint8_t a_resp_g1v2_ok[] = {
    0xc1, 0x81,       /* FIR FIN seq 1, RESPONSE */
    0x00, 0x00,       /* IIN clear */
    0x01, 0x02, 0x00, /* g1v2, qualifier 0x00 */
    0x00, 0x02,       /* start 0, stop 2 */
    0x81, 0x01, 0x03, /* flags of points 0..2 */
};

static const uint8_t a_resp_g2_events[] = {
    0xc2, 0x81,       /* FIR FIN seq 2, RESPONSE */
    0x02, 0x00,       /* IIN1 CLASS_1_EVENTS */
    0x02, 0x01, 0x28, /* g2v1 binary input event, qualifier 0x28: 2-byte index, 2-byte count */
    0x02, 0x00,       /* count 2 */
    0x03, 0x00, 0x81, /* index 3, flags ONLINE state 1 */
    0x07, 0x00, 0x01, /* index 7, flags ONLINE state 0 */
    0x02, 0x02, 0x17, /* g2v2 event with time, qualifier 0x17: 1-byte index, 1-byte count */
    0x01,             /* count 1 */
    0x04, 0x81,       /* index 4, flags */
    0x00, 0x10, 0x32, 0x54, 0x76, 0x01, /* time 0x017654321000 = 1607730335744 ms */
};

static const uint8_t a_resp_g30[] = {
    0xc3, 0x81, 0x00, 0x00,         /* FIR FIN seq 3, RESPONSE, IIN clear */
    0x1e, 0x01, 0x01,               /* g30v1 32-bit analog with flag, qualifier 0x01 */
    0x05, 0x00, 0x06, 0x00,         /* start 5, stop 6 (2-byte) */
    0x01, 0xfe, 0xff, 0xff, 0xff,   /* point 5: ONLINE, -2 */
    0x01, 0x10, 0x27, 0x00, 0x00,   /* point 6: ONLINE, 10000 */
    0x1e, 0x05, 0x00,               /* g30v5 float with flag, qualifier 0x00 */
    0x00, 0x00,                     /* start 0, stop 0 */
    0x01, 0x00, 0x00, 0xc0, 0x3f,   /* point 0: ONLINE, 1.5f */
};

static const uint8_t a_resp_g32[] = {
    0xc4, 0x81, 0x00, 0x00,         /* FIR FIN seq 4, RESPONSE */
    0x20, 0x01, 0x28, 0x01, 0x00,   /* g32v1 analog event, qualifier 0x28, count 1 */
    0x09, 0x00,                     /* index 9 */
    0x01, 0x2a, 0x00, 0x00, 0x00,   /* ONLINE, 42 */
    0x20, 0x03, 0x17, 0x01,         /* g32v3 analog event with time, 0x17, count 1 */
    0x02,                           /* index 2 */
    0x01, 0x9c, 0xff, 0xff, 0xff,   /* ONLINE, -100 */
    0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, /* time 1000 ms */
};

static const uint8_t a_resp_counters[] = {
    0xc5, 0x81, 0x00, 0x00,         /* FIR FIN seq 5, RESPONSE */
    0x14, 0x01, 0x00, 0x00, 0x00,   /* g20v1 32-bit counter with flag, 0x00, 0..0 */
    0x01, 0x40, 0x42, 0x0f, 0x00,   /* ONLINE, 1000000 */
    0x14, 0x06, 0x07, 0x01,         /* g20v6 16-bit counter no flag, 0x07 count 1 */
    0x34, 0x12,                     /* 0x1234 */
    0x15, 0x05, 0x00, 0x03, 0x03,   /* g21v5 frozen counter with time, 0x00, 3..3 */
    0x01, 0x07, 0x00, 0x00, 0x00,   /* ONLINE, 7 */
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* time 2^32 ms */
};

static const uint8_t a_select_crob[] = {
    0xc6,                           /* FIR FIN seq 6 */
    0x03,                           /* SELECT */
    0x0c, 0x01, 0x28, 0x01, 0x00,   /* g12v1 CROB, qualifier 0x28, count 1 */
    0x05, 0x00,                     /* index 5 */
    0x41,                           /* control code: TCC CLOSE, op PULSE_ON */
    0x01,                           /* count 1 */
    0xe8, 0x03, 0x00, 0x00,         /* on 1000 ms */
    0x00, 0x00, 0x00, 0x00,         /* off 0 */
    0x00,                           /* status SUCCESS (request) */
};

static const uint8_t a_select_crob_resp[] = {
    0xc6, 0x81, 0x00, 0x00,         /* FIR FIN seq 6, RESPONSE, IIN clear */
    0x0c, 0x01, 0x28, 0x01, 0x00,   /* echo: g12v1, 0x28, count 1 */
    0x05, 0x00, 0x41, 0x01,         /* index 5, code, count */
    0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* on, off */
    0x00,                           /* status SUCCESS */
};

static const uint8_t a_operate_crob[] = {
    0xc7, 0x04,                     /* FIR FIN seq 7, OPERATE */
    0x0c, 0x01, 0x17, 0x01,         /* g12v1, qualifier 0x17, count 1 */
    0x05,                           /* index 5 */
    0x03, 0x01,                     /* LATCH_ON, count 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* on 0, off 0 */
    0x00,                           /* status */
};

static const uint8_t a_operate_crob_noselect[] = {
    0xc7, 0x81, 0x00, 0x00,         /* FIR FIN seq 7, RESPONSE */
    0x0c, 0x01, 0x17, 0x01, 0x05,   /* g12v1, 0x17, count 1, index 5 */
    0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02,                           /* status NO_SELECT */
};

static const uint8_t a_direct_operate[] = {
    0xc8, 0x05,                     /* FIR FIN seq 8, DIRECT_OPERATE */
    0x0c, 0x01, 0x28, 0x01, 0x00,   /* g12v1, 0x28, count 1 */
    0x00, 0x00,                     /* index 0 */
    0x81,                           /* TRIP, PULSE_ON */
    0x02,                           /* count 2 */
    0x64, 0x00, 0x00, 0x00,         /* on 100 */
    0xc8, 0x00, 0x00, 0x00,         /* off 200 */
    0x00,
    0x29, 0x02, 0x28, 0x01, 0x00,   /* g41v2 16-bit analog output, 0x28, count 1 */
    0x03, 0x00,                     /* index 3 */
    0xd2, 0x04,                     /* value 1234 */
    0x00,                           /* status */
};

static const uint8_t a_direct_operate_nr[] = {
    0xc9, 0x06,                     /* FIR FIN seq 9, DIRECT_OPERATE_NR */
    0x0c, 0x01, 0x17, 0x01, 0x01,   /* g12v1, 0x17, count 1, index 1 */
    0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* LATCH_OFF */
};

static const uint8_t a_write_iin[] = {
    0xca, 0x02,                     /* FIR FIN seq 10, WRITE */
    0x50, 0x01, 0x00,               /* g80v1 internal indications, qualifier 0x00 */
    0x07, 0x07,                     /* start 7, stop 7 (IIN1.7 DEVICE_RESTART) */
    0x00,                           /* packed: bit 7 cleared */
};

static const uint8_t a_time_sync[] = {
    0xcb, 0x02,                     /* FIR FIN seq 11, WRITE */
    0x32, 0x01, 0x07, 0x01,         /* g50v1 time and date, qualifier 0x07 count 1 */
    0x00, 0x88, 0x13, 0x7a, 0x8b, 0x01, /* 0x018b7a138800 = 1698560182272 ms */
};

static const uint8_t a_resp_null[] = {
    0xcb, 0x81, 0x00, 0x00,         /* FIR FIN seq 11, RESPONSE, no objects */
};

static const uint8_t a_cold_restart[] = {
    0xcc, 0x0d,                     /* FIR FIN seq 12, COLD_RESTART */
};

static const uint8_t a_cold_restart_resp[] = {
    0xcc, 0x81, 0x80, 0x00,         /* FIR FIN seq 12, RESPONSE, IIN1 DEVICE_RESTART */
    0x34, 0x01, 0x07, 0x01,         /* g52v1 time delay coarse, 0x07, count 1 */
    0x05, 0x00,                     /* 5 s */
};

static const uint8_t a_enable_unsol[] = {
    0xcd, 0x14,                     /* FIR FIN seq 13, ENABLE_UNSOLICITED */
    0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06, /* classes 1, 2, 3 */
};

static const uint8_t a_disable_unsol[] = {
    0xce, 0x15,                     /* FIR FIN seq 14, DISABLE_UNSOLICITED */
    0x3c, 0x02, 0x06,               /* class 1 */
};

static const uint8_t a_unsol[] = {
    0xf3,                           /* FIR FIN CON UNS seq 3 */
    0x82,                           /* UNSOLICITED_RESPONSE */
    0x02, 0x00,                     /* IIN1 CLASS_1_EVENTS */
    0x02, 0x02, 0x17, 0x01,         /* g2v2 event with time, 0x17, count 1 */
    0x00, 0x81,                     /* index 0, ONLINE state 1 */
    0x10, 0x27, 0x00, 0x00, 0x00, 0x00, /* 10000 ms */
};

static const uint8_t a_unsol_confirm[] = {
    0xd3,                           /* FIR FIN UNS seq 3 */
    0x00,                           /* CONFIRM */
};

static const uint8_t a_open_file[] = {
    0xcf, 0x19,                     /* FIR FIN seq 15, OPEN_FILE */
    0x46, 0x03, 0x5b, 0x01,         /* g70v3 file command, qualifier 0x5B, count 1 */
    0x23, 0x00,                     /* object size 35 */
    0x1a, 0x00,                     /* name offset 26 */
    0x09, 0x00,                     /* name size 9 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* time of creation */
    0xa4, 0x01,                     /* permissions */
    0x00, 0x00, 0x00, 0x00,         /* authentication key */
    0x00, 0x10, 0x00, 0x00,         /* file size 4096 */
    0x01, 0x00,                     /* mode 1 read */
    0x00, 0x04,                     /* max block size 1024 */
    0x07, 0x00,                     /* request id 7 */
    'c', 'o', 'n', 'f', 'i', 'g', '.', 'x', 'm', /* "config.xm" */
};

static const uint8_t a_open_file_resp[] = {
    0xcf, 0x81, 0x00, 0x00,         /* FIR FIN seq 15, RESPONSE */
    0x46, 0x04, 0x5b, 0x01,         /* g70v4 file command status, 0x5B, count 1 */
    0x0d, 0x00,                     /* size 13 */
    0x2a, 0x00, 0x00, 0x00,         /* handle 42 */
    0x00, 0x10, 0x00, 0x00,         /* file size 4096 */
    0x00, 0x04,                     /* max block */
    0x07, 0x00,                     /* request id */
    0x00,                           /* status SUCCESS */
};

/* From ITI's auth_control_challenge_response.pcap: the outstation challenges an operate. */
static const uint8_t a_auth_challenge[] = {
    0xc6,                           /* FIR FIN seq 6 */
    0x83,                           /* AUTHENTICATE_RESP */
    0x90, 0x00,                     /* IIN1 DEVICE_RESTART | NEED_TIME */
    0x78, 0x01, 0x5b, 0x01,         /* g120v1 challenge, qualifier 0x5B, count 1 */
    0x0c, 0x00,                     /* size 12 */
    0x03, 0x00, 0x00, 0x00,         /* challenge sequence 3 */
    0x00, 0x00,                     /* user 0 */
    0x04,                           /* MAC algorithm */
    0x01,                           /* reason: critical */
    's', 't', 'e', 'v',             /* challenge data */
};

static const uint8_t a_read_attr[] = {
    0xc4, 0x01,                     /* FIR FIN seq 4, READ */
    0x00, 0xfc, 0x00, 0x00, 0x00,   /* g0v252 manufacturer name, 0x00, 0..0 */
    0x00, 0xf0, 0x00, 0x00, 0x00,   /* g0v240 max tx fragment size */
};

static const uint8_t a_read_attr_resp[] = {
    0xc4, 0x81, 0x00, 0x00,         /* FIR FIN seq 4, RESPONSE */
    0x00, 0xfc, 0x00, 0x00, 0x00,   /* g0v252, 0x00, 0..0 */
    0x01, 0x04, 'A', 'C', 'M', 'E', /* VSTR, length 4, "ACME" */
    0x00, 0xf0, 0x00, 0x00, 0x00,   /* g0v240, 0x00, 0..0 */
    0x02, 0x02, 0x00, 0x08,         /* UINT, length 2, 2048 */
};

static const uint8_t a_freeze_at_time[] = {
    0xc5, 0x0b,                     /* FIR FIN seq 5, FREEZE_AT_TIME */
    0x32, 0x02, 0x07, 0x01,         /* g50v2 time and interval, 0x07, count 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* time 0 */
    0x60, 0xea, 0x00, 0x00,         /* interval 60000 ms */
    0x14, 0x00, 0x06,               /* g20v0 all counters, all */
};

static const uint8_t a_read_indexed[] = {
    0xc9, 0x01,                     /* FIR FIN seq 9, READ */
    0x1e, 0x00, 0x17, 0x02,         /* g30v0 any analog, qualifier 0x17, count 2 */
    0x04, 0x09,                     /* indices 4 and 9 (no data in a read) */
    0x01, 0x00, 0x08, 0x01, 0x00,   /* g1v0, qualifier 0x08 2-byte count: 1 */
    0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* g10v0, 4-byte 0..3 */
    0x03, 0x00, 0x09, 0x00, 0x01, 0x00, 0x00, /* g3v0, 0x09 4-byte count 256 */
    0x14, 0x00, 0x03, 0x02, 0x04,   /* g20v0, 0x03 virtual 1-byte 2..4 */
    0x15, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, /* g21v0, 0x04 virtual 2-byte 0..1 */
    0x1f, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* g31v0, 0x05 */
    0x1e, 0x00, 0x39, 0x01, 0x00, 0x00, 0x00, /* g30v0, 0x39: 4-byte index, 4-byte count 1 */
    0x07, 0x00, 0x00, 0x00,         /* index 7 */
};

static const uint8_t a_resp_double_bit[] = {
    0xc2, 0x81, 0x00, 0x00,         /* FIR FIN seq 2, RESPONSE, IIN clear */
    0x03, 0x01, 0x00, 0x00, 0x04,   /* g3v1 double-bit packed, qualifier 0x00, 0..4 */
    0x1b,                           /* 2 bits each, point 0 lowest: 3 INDETERMINATE,
                                     * 2 DETERMINED_ON, 1 DETERMINED_OFF, 0 INTERMEDIATE */
    0x02,                           /* point 4: 2 DETERMINED_ON; bits 2-7 unused */
    0x03, 0x02, 0x00, 0x05, 0x06,   /* g3v2 double-bit with flags, qualifier 0x00, 5..6 */
    0x81,                           /* point 5: ONLINE, state bits 7-6 = 2 DETERMINED_ON */
    0x43,                           /* point 6: ONLINE RESTART, state 1 DETERMINED_OFF */
};

static const uint8_t a_resp_double_bit_events[] = {
    0xc3, 0x81, 0x02, 0x00,         /* FIR FIN seq 3, RESPONSE, IIN1 CLASS_1_EVENTS */
    0x04, 0x01, 0x17, 0x01,         /* g4v1 double-bit event without time, 0x17, count 1 */
    0x02,                           /* index 2 */
    0xc1,                           /* ONLINE, state 3 INDETERMINATE */
    0x04, 0x02, 0x28, 0x01, 0x00,   /* g4v2 event with absolute time, 0x28, count 1 */
    0x05, 0x00,                     /* index 5 */
    0x81,                           /* ONLINE, state 2 DETERMINED_ON */
    0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01, /* time 1700000000123 ms */
    0x33, 0x01, 0x07, 0x01,         /* g51v1 CTO (synchronized), qualifier 0x07, count 1 */
    0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, /* CTO 1700000000000 ms */
    0x04, 0x03, 0x17, 0x01,         /* g4v3 event with relative time, 0x17, count 1 */
    0x06,                           /* index 6 */
    0x41,                           /* ONLINE, state 1 DETERMINED_OFF */
    0xf4, 0x01,                     /* 500 ms after the CTO */
};

static const uint8_t a_resp_binary_outputs[] = {
    0xc4, 0x81, 0x00, 0x00,         /* FIR FIN seq 4, RESPONSE, IIN clear */
    0x0a, 0x02, 0x00, 0x00, 0x01,   /* g10v2 binary output status with flags, 0x00, 0..1 */
    0x81,                           /* point 0: ONLINE, state 1 */
    0x11,                           /* point 1: ONLINE LOCAL_FORCED, state 0 */
    0x0b, 0x01, 0x17, 0x01,         /* g11v1 binary output event without time, 0x17, count 1 */
    0x00,                           /* index 0 */
    0x01,                           /* ONLINE, state 0 */
    0x0b, 0x02, 0x17, 0x01,         /* g11v2 binary output event with time, 0x17, count 1 */
    0x01,                           /* index 1 */
    0x81,                           /* ONLINE, state 1 */
    0x54, 0x54, 0xe6, 0xcf, 0x8b, 0x01, /* time 1700000060500 ms */
};

static const uint8_t a_resp_counter_events[] = {
    0xc5, 0x81, 0x00, 0x00,         /* FIR FIN seq 5, RESPONSE, IIN clear */
    0x16, 0x01, 0x28, 0x01, 0x00,   /* g22v1 32-bit counter event with flag, 0x28, count 1 */
    0x03, 0x00,                     /* index 3 */
    0x01,                           /* ONLINE */
    0xa0, 0x86, 0x01, 0x00,         /* 100000 */
    0x16, 0x05, 0x17, 0x01,         /* g22v5 32-bit counter event with flag and time, 0x17 */
    0x04,                           /* index 4 */
    0x41,                           /* ONLINE DISCONTINUITY */
    0xff, 0xff, 0xff, 0xff,         /* 4294967295 */
    0x40, 0x4a, 0xe7, 0xcf, 0x8b, 0x01, /* time 1700000123456 ms */
    0x17, 0x02, 0x17, 0x01,         /* g23v2 16-bit frozen counter event with flag, 0x17 */
    0x00,                           /* index 0 */
    0x05,                           /* ONLINE COMM_LOST */
    0x34, 0x12,                     /* 0x1234 = 4660 */
    0x17, 0x05, 0x17, 0x01,         /* g23v5 32-bit frozen counter event with time, 0x17 */
    0x02,                           /* index 2 */
    0x01,                           /* ONLINE */
    0x07, 0x00, 0x00, 0x00,         /* 7 */
    0x40, 0x75, 0xe8, 0xcf, 0x8b, 0x01, /* time of freeze 1700000200000 ms */
};

static const uint8_t a_resp_analog_output_status[] = {
    0xc6, 0x81, 0x00, 0x00,         /* FIR FIN seq 6, RESPONSE, IIN clear */
    0x28, 0x01, 0x00, 0x00, 0x00,   /* g40v1 32-bit analog output status with flag, 0..0 */
    0x01,                           /* ONLINE */
    0x18, 0xfc, 0xff, 0xff,         /* -1000 (signed) */
    0x28, 0x02, 0x01, 0x02, 0x00, 0x02, 0x00, /* g40v2 16-bit with flag, 0x01, 2..2 */
    0x01,                           /* ONLINE */
    0x39, 0x30,                     /* 12345 */
    0x28, 0x03, 0x00, 0x05, 0x05,   /* g40v3 single-precision float with flag, 0x00, 5..5 */
    0x01,                           /* ONLINE */
    0x00, 0x00, 0x20, 0xc1,         /* -10.0f */
    0x28, 0x04, 0x00, 0x06, 0x06,   /* g40v4 double-precision float with flag, 0x00, 6..6 */
    0x03,                           /* ONLINE RESTART */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x3f, /* 0.25 */
};

static const uint8_t a_resp_cto_unsync[] = {
    0xc7, 0x81, 0x02, 0x00,         /* FIR FIN seq 7, RESPONSE, IIN1 CLASS_1_EVENTS */
    0x33, 0x02, 0x07, 0x01,         /* g51v2 CTO (unsynchronized), qualifier 0x07, count 1 */
    0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01, /* CTO 1700000000123 ms */
    0x02, 0x03, 0x17, 0x02,         /* g2v3 binary input event with relative time, count 2 */
    0x01,                           /* index 1 */
    0x81,                           /* ONLINE, state 1 */
    0x0a, 0x00,                     /* 10 ms after the CTO */
    0x02,                           /* index 2 */
    0x01,                           /* ONLINE, state 0 */
    0x00, 0x01,                     /* 256 ms after the CTO */
};

/* Range code 0xB: a 1-octet count. With prefix code 0 (qualifier 0x0B) the objects follow
 * packed, each the size its variation gives (g110vN: N octets). */
static const uint8_t a_write_octets_0b[] = {
    0xc8, 0x02,                     /* FIR FIN seq 8, WRITE */
    0x6e, 0x04, 0x0b,               /* g110v4 octet string of 4, qualifier 0x0B */
    0x02,                           /* count 2 (1 octet) */
    'A', 'B', 'C', 'D',             /* object 1 */
    'W', 'X', 'Y', 'Z',             /* object 2 */
    0x50, 0x01, 0x00, 0x07, 0x07,   /* g80v1 IIN, qualifier 0x00, 7..7: parsing went on */
    0x00,                           /* IIN1.7 DEVICE_RESTART cleared */
};

/* Qualifier 0x4B: 1-octet count, each object with a 1-octet size prefix (prefix code 4),
 * the free-format form g70/g120 use (0x5B: the same with a 2-octet size). */
static const uint8_t a_write_file_4b[] = {
    0xc9, 0x02,                     /* FIR FIN seq 9, WRITE */
    0x46, 0x05, 0x4b,               /* g70v5 file transport, qualifier 0x4B */
    0x02,                           /* count 2 (1 octet) */
    0x0c,                           /* object 1: size 12 (1 octet) */
    0x2a, 0x00, 0x00, 0x00,         /* handle 42 */
    0x01, 0x00, 0x00, 0x00,         /* block 1, bit 31 clear: not the last */
    'd', 'a', 't', 'a',             /* file data */
    0x09,                           /* object 2: size 9 */
    0x2a, 0x00, 0x00, 0x00,         /* handle 42 */
    0x02, 0x00, 0x00, 0x80,         /* block 2, bit 31: the last */
    '!',                            /* file data */
};

/* ---- the framing functions ---------------------------------------------------------- */

/* dnp3_crc (four bytes a table step) against the bitwise definition (t_crc) for every
 * length from 0 to 300, odd and even, over pseudo-random bytes, and the check value of the
 * CRC catalogue ("123456789" -> 0xea82). */
Test(dnp3, crc_matches_the_bitwise_definition)
{
    uint8_t buf[300];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof buf; n++)
        cr_assert_eq(dnp3_crc(buf, n), t_crc(buf, n), "length %zu", n);
    cr_assert_eq(dnp3_crc((const uint8_t *)"123456789", 9), 0xea82);
}

Test(dnp3, probe_pdu_len_resync)
{
    const uint8_t *v = v_read_frame;
    cr_assert_eq(pd_dnp3.probe(v, sizeof v_read_frame, PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_dnp3.probe(v, 5, PD_DIR_TO_SERVER), PD_PROBE_NEED_MORE);
    cr_assert_eq(pd_dnp3.pdu_len(v, sizeof v_read_frame), (long)sizeof v_read_frame);
    cr_assert_eq(pd_dnp3.pdu_len(v, 9), 0);
    cr_assert_eq(dnp3_crc(v, 8), 0x0345);

    uint8_t bad[sizeof v_read_frame];
    memcpy(bad, v, sizeof bad);
    bad[8] ^= 0xff; /* header CRC */
    cr_assert_eq(pd_dnp3.probe(bad, sizeof bad, 0), PD_PROBE_NO);
    cr_assert_eq(pd_dnp3.pdu_len(bad, sizeof bad), DNP3_LINK_HDR);
    bad[2] = 4; /* length below 5 */
    cr_assert_eq(pd_dnp3.pdu_len(bad, sizeof bad), -1);
    cr_assert_eq(pd_dnp3.probe((const uint8_t *)"\x00\x00\x00", 3, 0), PD_PROBE_NO);
    cr_assert_eq(pd_dnp3.probe((const uint8_t *)"\x05\x65", 2, 0), PD_PROBE_NO);

    /* resync skips a 0x05 0x64 with a bad CRC and finds the real header */
    uint8_t buf[64] = {0x11, 0x05, 0x64, 0x14, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05};
    memcpy(buf + 12, v, sizeof v_read_frame);
    cr_assert_eq(pd_dnp3.resync(buf, 12 + sizeof v_read_frame), 12);
    cr_assert_eq(pd_dnp3.resync(buf, 1), -1);
    cr_assert_eq(pd_dnp3.resync(buf, 5), 1); /* a header too short to check yet */
    cr_assert_eq(pd_dnp3.resync(buf, 12), 11); /* a lone 0x05 at the end may start one */
    cr_assert_eq(pd_dnp3.ports[0], 20000);
    cr_assert_eq(pd_dnp3.transports, PD_TRANSPORT_TCP | PD_TRANSPORT_UDP);
}

/* ---- one test per message type ------------------------------------------------------- */

Test(dnp3, read_class_0123_literal_frame)
{
    struct pdt *T = t_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, v_read_frame, sizeof v_read_frame), 0);
    cr_assert_eq(T->n_events, 0); /* waits for the response */
    pd_dnp3.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(T->txn[0].req_dir, PD_DIR_TO_SERVER);
    HAS(T, 0, "\"link\":{\"src\":3,\"dst\":2,\"func\":4,\"func_name\":\"UNCONFIRMED_USER_DATA\","
              "\"dir\":true,\"prm\":true,\"fcb\":false,\"fcv\":false,\"len\":20}");
    HAS(T, 0, "\"func\":1,\"func_name\":\"READ\",\"seq\":8,\"fir\":true,\"fin\":true,"
              "\"con\":false,\"uns\":false");
    HAS(T, 0, "{\"group\":60,\"var\":2,\"qual\":6,\"group_name\":\"class\"}");
    HAS(T, 0, "{\"group\":60,\"var\":1,\"qual\":6,\"group_name\":\"class\"}]");
    HAS(T, 0, "\"crc_errors\":0");
    pdt_free(T);
}

Test(dnp3, read_class0_response_g1v2)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(RSP(T, T0 + 1500, a_resp_g1v2_ok), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].has_latency, 1);
    cr_assert_eq(T->txn[0].latency_us, 1500);
    cr_assert_eq(T->txn[0].ts_us, T0);
    HAS(T, 0, "\"iin\":[],\"iin_raw\":0");
    HAS(T, 0, "\"resp_func\":129,\"resp_func_name\":\"RESPONSE\",\"resp_seq\":1");
    HAS(T, 0, "\"resp_objects\":[{\"group\":1,\"var\":2,\"qual\":0,\"group_name\":"
              "\"binary_input\",\"start\":0,\"stop\":2,\"count\":3,\"points\":["
              "{\"index\":0,\"value\":1,\"flags\":129},{\"index\":1,\"value\":0,\"flags\":1},"
              "{\"index\":2,\"value\":0,\"flags\":3}]}]");
    pdt_free(T);
}

Test(dnp3, read_class123_iin_names_exception)
{
    struct pdt *T = t_new();
    uint8_t r[sizeof a_resp_g1v2];
    memcpy(r, a_resp_g1v2, sizeof r);
    r[0] = 0xc2; /* seq 2 answers the class 1/2/3 read */
    cr_assert_eq(REQ(T, T0, a_read_class123), 0);
    cr_assert_eq(t_send(T, 0, T0 + 10, r, sizeof r), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION); /* IIN2.2 PARAMETER_ERROR */
    HAS(T, 0, "\"iin\":[\"DEVICE_RESTART\",\"PARAMETER_ERROR\"],\"iin_raw\":32772");
    HAS(T, 0, "\"objects\":[{\"group\":60,\"var\":2,");
    pdt_free(T);
}

Test(dnp3, binary_input_events_g2)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc2, 0x01, 0x02, 0x00, 0x06}; /* READ g2v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_g2_events), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"iin\":[\"CLASS_1_EVENTS\"],\"iin_raw\":512");
    HAS(T, 0, "{\"group\":2,\"var\":1,\"qual\":40,\"group_name\":\"binary_input_event\","
              "\"count\":2,\"points\":[{\"index\":3,\"value\":1,\"flags\":129},"
              "{\"index\":7,\"value\":0,\"flags\":1}]}");
    HAS(T, 0, "{\"index\":4,\"value\":1,\"flags\":129,\"time\":1607730335744}");
    pdt_free(T);
}

Test(dnp3, analog_g30v1_v5)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc3, 0x01, 0x1e, 0x00, 0x06}; /* READ g30v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_g30), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"qual\":1,\"group_name\":\"analog_input\",\"start\":5,\"stop\":6,\"count\":2,"
              "\"points\":[{\"index\":5,\"value\":-2,\"flags\":1},"
              "{\"index\":6,\"value\":10000,\"flags\":1}]");
    HAS(T, 0, "{\"index\":0,\"value\":1.5,\"flags\":1}");
    pdt_free(T);
}

/* The layouts decoded straight from the bytes (fast_points): 16- and 32-bit integers with
 * flags, signed and unsigned at the edges of their range, and states of width 1 and 2. */
Test(dnp3, integer_and_state_layouts)
{
    static const uint8_t rsp[] = {
        0xc3, 0x81, 0x00, 0x00,
        0x1e, 0x02, 0x00, 0x00, 0x01, /* g30v2 16-bit analog, start 0 stop 1 */
        0x01, 0x00, 0x80,             /*   flags 1, -32768 */
        0x01, 0xff, 0x7f,             /*   flags 1, 32767 */
        0x14, 0x02, 0x00, 0x03, 0x03, /* g20v2 16-bit counter, index 3 */
        0x21, 0xff, 0xff,             /*   flags 0x21, 65535 */
        0x14, 0x01, 0x00, 0x07, 0x07, /* g20v1 32-bit counter, index 7 */
        0x01, 0x00, 0x00, 0x00, 0x80, /*   flags 1, 2147483648 */
        0x1e, 0x01, 0x00, 0x02, 0x02, /* g30v1 32-bit analog, index 2 */
        0x01, 0x00, 0x00, 0x00, 0x80, /*   flags 1, -2147483648 */
        0x03, 0x02, 0x00, 0x00, 0x01, /* g3v2 double-bit input with flags, 0..1 */
        0xc1, 0x41,                   /*   state 3 (determinate on), state 1 (off) */
    };
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc3, 0x01, 0x3c, 0x01, 0x06};
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, rsp), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"points\":[{\"index\":0,\"value\":-32768,\"flags\":1},"
              "{\"index\":1,\"value\":32767,\"flags\":1}]");
    HAS(T, 0, "\"points\":[{\"index\":3,\"value\":65535,\"flags\":33}]");
    HAS(T, 0, "\"points\":[{\"index\":7,\"value\":2147483648,\"flags\":1}]");
    HAS(T, 0, "\"points\":[{\"index\":2,\"value\":-2147483648,\"flags\":1}]");
    HAS(T, 0, "\"points\":[{\"index\":0,\"value\":3,\"flags\":193},"
              "{\"index\":1,\"value\":1,\"flags\":65}]");
    HAS(T, 0, "\"truncated\":false");
    pdt_free(T);
}

Test(dnp3, analog_events_g32)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc4, 0x01, 0x20, 0x00, 0x06};
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_g32), 0);
    HAS(T, 0, "{\"index\":9,\"value\":42,\"flags\":1}");
    HAS(T, 0, "{\"index\":2,\"value\":-100,\"flags\":1,\"time\":1000}");
    pdt_free(T);
}

Test(dnp3, counters_g20_g21)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc5, 0x01, 0x14, 0x00, 0x06, 0x15, 0x00, 0x06};
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_counters), 0);
    HAS(T, 0, "\"group_name\":\"counter\",\"start\":0,\"stop\":0,\"count\":1,\"points\":"
              "[{\"index\":0,\"value\":1000000,\"flags\":1}]");
    HAS(T, 0, "\"var\":6,\"qual\":7,\"group_name\":\"counter\",\"count\":1,\"points\":"
              "[{\"index\":0,\"value\":4660}]");
    HAS(T, 0, "{\"index\":3,\"value\":7,\"flags\":1,\"time\":4294967296}");
    pdt_free(T);
}

Test(dnp3, crob_select_operate)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_select_crob), 0);
    cr_assert_eq(RSP(T, T0 + 100, a_select_crob_resp), 0);
    cr_assert_eq(REQ(T, T0 + 200, a_operate_crob), 0);
    cr_assert_eq(RSP(T, T0 + 300, a_operate_crob_noselect), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    HAS(T, 0, "\"func\":3,\"func_name\":\"SELECT\"");
    HAS(T, 0, "\"objects\":[{\"group\":12,\"var\":1,\"qual\":40,\"group_name\":"
              "\"binary_output_command\",\"count\":1,\"points\":[{\"index\":5,\"value\":65,"
              "\"op_type\":\"PULSE_ON\",\"tcc\":\"CLOSE\",\"queue\":false,\"clear\":false,"
              "\"count\":1,\"on_ms\":1000,\"off_ms\":0,\"status\":0,\"status_name\":\"SUCCESS\"}]}]");
    cr_assert_eq(T->txn[1].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[1].status, PD_ST_EXCEPTION); /* NO_SELECT */
    HAS(T, 1, "\"func_name\":\"OPERATE\"");
    HAS(T, 1, "\"op_type\":\"LATCH_ON\",\"tcc\":\"NUL\"");
    HAS(T, 1, "\"status\":2,\"status_name\":\"NO_SELECT\"");
    pdt_free(T);
}

Test(dnp3, direct_operate_and_nr)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_direct_operate), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(REQ(T, T0 + 50, a_direct_operate_nr), 0);
    /* the NR request is a record at once; the first one was superseded (no_response) */
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    HAS(T, 0, "\"func_name\":\"DIRECT_OPERATE\"");
    HAS(T, 0, "\"op_type\":\"PULSE_ON\",\"tcc\":\"TRIP\",\"queue\":false,\"clear\":false,"
              "\"count\":2,\"on_ms\":100,\"off_ms\":200");
    HAS(T, 0, "\"group_name\":\"analog_output\",\"count\":1,\"points\":[{\"index\":3,"
              "\"value\":1234,\"status\":0,\"status_name\":\"SUCCESS\"}]");
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    cr_assert_eq(T->txn[1].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[1].has_latency, 0);
    HAS(T, 1, "\"func_name\":\"DIRECT_OPERATE_NR\"");
    HAS(T, 1, "\"op_type\":\"LATCH_OFF\"");
    pdt_free(T);
}

Test(dnp3, write_g80_iin_clear)
{
    struct pdt *T = t_new();
    uint8_t resp[] = {0xca, 0x81, 0x00, 0x00};
    cr_assert_eq(REQ(T, T0, a_write_iin), 0);
    cr_assert_eq(t_send(T, 0, T0 + 7, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    HAS(T, 0, "{\"group\":80,\"var\":1,\"qual\":0,\"group_name\":\"iin\",\"start\":7,"
              "\"stop\":7,\"count\":1,\"points\":[{\"index\":7,\"value\":0}]}");
    HAS(T, 0, "\"resp_objects\":[]");
    pdt_free(T);
}

Test(dnp3, time_sync_g50v1)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_time_sync), 0);
    cr_assert_eq(RSP(T, T0 + 3, a_resp_null), 0);
    cr_assert_eq(T->txn[0].op, PD_OP_TIME);
    HAS(T, 0, "\"group_name\":\"time\",\"count\":1,\"points\":[{\"index\":0,"
              "\"value\":1698560182272}]");
    pdt_free(T);
}

Test(dnp3, cold_restart)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_cold_restart), 0);
    cr_assert_eq(RSP(T, T0 + 3, a_cold_restart_resp), 0);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    HAS(T, 0, "\"func\":13,\"func_name\":\"COLD_RESTART\"");
    HAS(T, 0, "\"objects\":[]");
    HAS(T, 0, "\"iin\":[\"DEVICE_RESTART\"]");
    HAS(T, 0, "\"group_name\":\"time_delay\",\"count\":1,\"points\":[{\"index\":0,\"value\":5}]");
    pdt_free(T);
}

Test(dnp3, enable_disable_unsolicited)
{
    struct pdt *T = t_new();
    uint8_t r1[] = {0xcd, 0x81, 0x00, 0x00};
    uint8_t r2[] = {0xce, 0x81, 0x00, 0x00};
    cr_assert_eq(REQ(T, T0, a_enable_unsol), 0);
    cr_assert_eq(t_send(T, 0, T0 + 1, r1, sizeof r1), 0);
    cr_assert_eq(REQ(T, T0 + 2, a_disable_unsol), 0);
    cr_assert_eq(t_send(T, 0, T0 + 3, r2, sizeof r2), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    HAS(T, 0, "\"func\":20,\"func_name\":\"ENABLE_UNSOLICITED\"");
    HAS(T, 0, "{\"group\":60,\"var\":4,\"qual\":6,\"group_name\":\"class\"}]");
    HAS(T, 1, "\"func\":21,\"func_name\":\"DISABLE_UNSOLICITED\"");
    pdt_free(T);
}

Test(dnp3, unsolicited_confirmed)
{
    struct pdt *T = t_new();
    cr_assert_eq(RSP(T, T0, a_unsol), 0);
    cr_assert_eq(T->n_events, 0); /* held until its confirm */
    cr_assert_eq(REQ(T, T0 + 900, a_unsol_confirm), 0);
    cr_assert_eq(T->n_events, 1);
    /* data sent unasked: a report, ok; no request is missing and func is not repeated */
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, PD_DIR_TO_CLIENT);
    cr_assert_eq(T->txn[0].latency_us, 900);
    cr_assert_eq(T->txn[0].op, PD_OP_REPORT);
    HASNT(T, 0, "resp_func");
    HAS(T, 0, "\"func\":130,\"func_name\":\"UNSOLICITED_RESPONSE\",\"seq\":3,\"fir\":true,"
              "\"fin\":true,\"con\":true,\"uns\":true");
    HAS(T, 0, "\"link\":{\"src\":10,\"dst\":1,");
    HAS(T, 0, "\"dir\":false");
    HAS(T, 0, "\"resp_objects\":[{\"group\":2,\"var\":2,");
    HAS(T, 0, "\"confirmed\":true");
    HASNT(T, 0, "\"objects\":");
    pdt_free(T);
}

Test(dnp3, unsolicited_unconfirmed_and_without_con)
{
    struct pdt *T = t_new();
    uint8_t nocon[sizeof a_unsol];
    memcpy(nocon, a_unsol, sizeof nocon);
    nocon[0] = 0xd4; /* FIR FIN UNS seq 4, no CON */
    cr_assert_eq(RSP(T, T0, a_unsol), 0);
    T->ctx.now_us = T0 + 6000000; /* past the 5 s timeout */
    pd_dnp3.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"confirmed\":false");
    cr_assert_eq(t_send(T, 0, T0 + 7000000, nocon, sizeof nocon), 0);
    cr_assert_eq(T->n_events, 2);
    HASNT(T, 1, "confirmed");
    /* a lone confirm (nothing to match) is a record of its own */
    cr_assert_eq(REQ(T, T0 + 7000001, a_unsol_confirm), 0);
    cr_assert_eq(T->n_events, 3);
    HAS(T, 2, "\"func\":0,\"func_name\":\"CONFIRM\"");
    cr_assert_eq(T->txn[2].op, PD_OP_OTHER);
    pdt_free(T);
}

Test(dnp3, file_open_g70)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_open_file), 0);
    cr_assert_eq(RSP(T, T0 + 40, a_open_file_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_FILE);
    HAS(T, 0, "\"group\":70,\"var\":3,\"qual\":91,\"group_name\":\"file\",\"count\":1,"
              "\"file\":{\"name\":\"config.xm\",\"size\":4096,\"mode\":1}");
    HAS(T, 0, "\"file\":{\"handle\":42,\"size\":4096,\"status\":0}");
    pdt_free(T);
}

Test(dnp3, auth_challenge_g120)
{
    struct pdt *T = t_new();
    uint8_t op[sizeof a_direct_operate];
    memcpy(op, a_direct_operate, sizeof op);
    op[0] = 0xc6; /* seq 6 as in the capture */
    cr_assert_eq(t_send(T, 1, T0, op, sizeof op), 0);
    cr_assert_eq(RSP(T, T0 + 20, a_auth_challenge), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"resp_func\":131,\"resp_func_name\":\"AUTHENTICATE_RESP\"");
    HAS(T, 0, "{\"group\":120,\"var\":1,\"qual\":91,\"group_name\":\"authentication\","
              "\"count\":1,\"auth\":{\"name\":\"challenge\",\"seq\":3,\"user\":0,\"code\":1}}");
    HASNT(T, 0, "stev"); /* challenge data never leaves the sensor */
    pdt_free(T);
}

Test(dnp3, device_attributes_g0)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_read_attr), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_read_attr_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    HAS(T, 0, "\"objects\":[{\"group\":0,\"var\":252,\"qual\":0,\"group_name\":"
              "\"device_attributes\",\"start\":0,\"stop\":0,\"count\":1,\"attr_name\":"
              "\"manufacturer_name\"}");
    HAS(T, 0, "\"attr_name\":\"manufacturer_name\",\"text\":\"ACME\",\"points\":[{\"index\":0,"
              "\"data_type\":1}]");
    HAS(T, 0, "\"attr_name\":\"max_tx_fragment_size\",\"points\":[{\"index\":0,\"value\":2048,"
              "\"data_type\":2}]");
    pdt_free(T);
}

Test(dnp3, freeze_at_time_and_indexed_read_qualifiers)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_freeze_at_time), 0);
    pd_dnp3.expire(&T->ctx, 1);
    HAS(T, 0, "\"func_name\":\"FREEZE_AT_TIME\"");
    HAS(T, 0, "{\"group\":20,\"var\":0,\"qual\":6,\"group_name\":\"counter\"}");
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(REQ(T, T0, a_read_indexed), 0);
    pd_dnp3.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE, "%s", T->json[1]);
    HAS(T, 1, "\"qual\":23,\"group_name\":\"analog_input\",\"count\":2,\"points\":"
              "[{\"index\":4},{\"index\":9}]");
    HAS(T, 1, "\"qual\":8,\"group_name\":\"binary_input\",\"count\":1}");
    HAS(T, 1, "\"qual\":2,\"group_name\":\"binary_output\",\"start\":0,\"stop\":3,\"count\":4}");
    HAS(T, 1, "\"qual\":9,\"group_name\":\"double_bit_input\",\"count\":256}");
    HAS(T, 1, "\"qual\":3,\"group_name\":\"counter\",\"start\":2,\"stop\":4,\"count\":3}");
    HAS(T, 1, "\"qual\":4,\"group_name\":\"frozen_counter\",\"start\":0,\"stop\":1,");
    HAS(T, 1, "\"qual\":5,\"group_name\":\"frozen_analog_input\",\"start\":0,\"stop\":0,");
    HAS(T, 1, "\"qual\":57,\"group_name\":\"analog_input\",\"count\":1,\"points\":"
              "[{\"index\":7}]");
    pdt_free(T);
}

/* ---- point values of groups 3, 4, 10, 11, 22, 23, 40, 51 ------------------------------- */

Test(dnp3, double_bit_inputs_g3)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc2, 0x01, 0x03, 0x00, 0x06}; /* READ g3v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_double_bit), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    HAS(T, 0, "{\"group\":3,\"var\":1,\"qual\":0,\"group_name\":\"double_bit_input\",\"start\":0,"
              "\"stop\":4,\"count\":5,\"points\":[{\"index\":0,\"value\":3},{\"index\":1,"
              "\"value\":2},{\"index\":2,\"value\":1},{\"index\":3,\"value\":0},{\"index\":4,"
              "\"value\":2}]}");
    HAS(T, 0, "{\"group\":3,\"var\":2,\"qual\":0,\"group_name\":\"double_bit_input\",\"start\":5,"
              "\"stop\":6,\"count\":2,\"points\":[{\"index\":5,\"value\":2,\"flags\":129},"
              "{\"index\":6,\"value\":1,\"flags\":67}]}");
    pdt_free(T);
}

Test(dnp3, double_bit_events_g4_and_cto_g51v1)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc3, 0x01, 0x04, 0x00, 0x06}; /* READ g4v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_double_bit_events), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 0, "{\"group\":4,\"var\":1,\"qual\":23,\"group_name\":\"double_bit_input_event\","
              "\"count\":1,\"points\":[{\"index\":2,\"value\":3,\"flags\":193}]}");
    HAS(T, 0, "{\"group\":4,\"var\":2,\"qual\":40,\"group_name\":\"double_bit_input_event\","
              "\"count\":1,\"points\":[{\"index\":5,\"value\":2,\"flags\":129,"
              "\"time\":1700000000123}]}");
    HAS(T, 0, "{\"group\":51,\"var\":1,\"qual\":7,\"group_name\":\"cto\",\"count\":1,\"points\":"
              "[{\"index\":0,\"value\":1700000000000}]}");
    HAS(T, 0, "{\"group\":4,\"var\":3,\"qual\":23,\"group_name\":\"double_bit_input_event\","
              "\"count\":1,\"points\":[{\"index\":6,\"value\":1,\"flags\":65,"
              "\"rel_time_ms\":500}]}]");
    pdt_free(T);
}

Test(dnp3, cto_g51v2_and_relative_time_events)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc7, 0x01, 0x02, 0x00, 0x06}; /* READ g2v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_cto_unsync), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"group\":51,\"var\":2,\"qual\":7,\"group_name\":\"cto\",\"count\":1,\"points\":"
              "[{\"index\":0,\"value\":1700000000123}]}");
    HAS(T, 0, "\"group_name\":\"binary_input_event\",\"count\":2,\"points\":[{\"index\":1,"
              "\"value\":1,\"flags\":129,\"rel_time_ms\":10},{\"index\":2,\"value\":0,"
              "\"flags\":1,\"rel_time_ms\":256}]}]");
    pdt_free(T);
}

Test(dnp3, binary_output_status_g10_and_events_g11)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc4, 0x01, 0x0a, 0x00, 0x06, 0x0b, 0x00, 0x06}; /* READ g10v0, g11v0 */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_binary_outputs), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"group\":10,\"var\":2,\"qual\":0,\"group_name\":\"binary_output\",\"start\":0,"
              "\"stop\":1,\"count\":2,\"points\":[{\"index\":0,\"value\":1,\"flags\":129},"
              "{\"index\":1,\"value\":0,\"flags\":17}]}");
    HAS(T, 0, "{\"group\":11,\"var\":1,\"qual\":23,\"group_name\":\"binary_output_event\","
              "\"count\":1,\"points\":[{\"index\":0,\"value\":0,\"flags\":1}]}");
    HAS(T, 0, "{\"group\":11,\"var\":2,\"qual\":23,\"group_name\":\"binary_output_event\","
              "\"count\":1,\"points\":[{\"index\":1,\"value\":1,\"flags\":129,"
              "\"time\":1700000060500}]}]");
    pdt_free(T);
}

Test(dnp3, counter_events_g22_g23)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc5, 0x01, 0x16, 0x00, 0x06, 0x17, 0x00, 0x06}; /* READ g22v0, g23v0 */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_counter_events), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"group\":22,\"var\":1,\"qual\":40,\"group_name\":\"counter_event\",\"count\":1,"
              "\"points\":[{\"index\":3,\"value\":100000,\"flags\":1}]}");
    HAS(T, 0, "{\"group\":22,\"var\":5,\"qual\":23,\"group_name\":\"counter_event\",\"count\":1,"
              "\"points\":[{\"index\":4,\"value\":4294967295,\"flags\":65,"
              "\"time\":1700000123456}]}");
    HAS(T, 0, "{\"group\":23,\"var\":2,\"qual\":23,\"group_name\":\"frozen_counter_event\","
              "\"count\":1,\"points\":[{\"index\":0,\"value\":4660,\"flags\":5}]}");
    HAS(T, 0, "{\"group\":23,\"var\":5,\"qual\":23,\"group_name\":\"frozen_counter_event\","
              "\"count\":1,\"points\":[{\"index\":2,\"value\":7,\"flags\":1,"
              "\"time\":1700000200000}]}]");
    pdt_free(T);
}

Test(dnp3, analog_output_status_g40)
{
    struct pdt *T = t_new();
    uint8_t rq[] = {0xc6, 0x01, 0x28, 0x00, 0x06}; /* READ g40v0 all */
    cr_assert_eq(t_send(T, 1, T0, rq, sizeof rq), 0);
    cr_assert_eq(RSP(T, T0 + 5, a_resp_analog_output_status), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"group\":40,\"var\":1,\"qual\":0,\"group_name\":\"analog_output_status\","
              "\"start\":0,\"stop\":0,\"count\":1,\"points\":[{\"index\":0,\"value\":-1000,"
              "\"flags\":1}]}");
    HAS(T, 0, "{\"group\":40,\"var\":2,\"qual\":1,\"group_name\":\"analog_output_status\","
              "\"start\":2,\"stop\":2,\"count\":1,\"points\":[{\"index\":2,\"value\":12345,"
              "\"flags\":1}]}");
    HAS(T, 0, "\"start\":5,\"stop\":5,\"count\":1,\"points\":[{\"index\":5,\"value\":-10,"
              "\"flags\":1}]}");
    HAS(T, 0, "\"start\":6,\"stop\":6,\"count\":1,\"points\":[{\"index\":6,\"value\":0.25,"
              "\"flags\":3}]}]");
    HASNT(T, 0, "\"status\":"); /* g40 has flags; a control status is g41/g43 only */
    pdt_free(T);
}

/* ---- qualifier range code 0xB -------------------------------------------------------- */

Test(dnp3, qualifier_0x0b_one_octet_count)
{
    struct pdt *T = t_new();
    uint8_t r1[] = {0xc8, 0x81, 0x00, 0x00};
    uint8_t r2[] = {0xc9, 0x81, 0x00, 0x00};
    cr_assert_eq(REQ(T, T0, a_write_octets_0b), 0);
    cr_assert_eq(t_send(T, 0, T0 + 1, r1, sizeof r1), 0);
    cr_assert_eq(REQ(T, T0 + 2, a_write_file_4b), 0);
    cr_assert_eq(t_send(T, 0, T0 + 3, r2, sizeof r2), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    /* 0x0B: count 2, two 4-octet objects walked, and the next header decoded after them */
    cr_assert_eq(T->txn[0].status, PD_ST_OK, "%s", T->json[0]);
    HAS(T, 0, "\"objects\":[{\"group\":110,\"var\":4,\"qual\":11,\"group_name\":"
              "\"octet_string\",\"count\":2},{\"group\":80,\"var\":1,\"qual\":0,"
              "\"group_name\":\"iin\",\"start\":7,\"stop\":7,\"count\":1,\"points\":"
              "[{\"index\":7,\"value\":0}]}]");
    /* 0x4B: count 2, each object bounded by its 1-octet size (file data 4 octets) */
    cr_assert_eq(T->txn[1].status, PD_ST_OK, "%s", T->json[1]);
    HAS(T, 1, "\"objects\":[{\"group\":70,\"var\":5,\"qual\":75,\"group_name\":\"file\","
              "\"count\":2,\"file\":{\"handle\":42,\"size\":4,\"block\":1,\"last\":false}}]");

    /* the same through dnp3_app_objects: the header's count and the bytes consumed */
    struct dnp3_frag *f = calloc(1, sizeof *f);
    f->func = DNP3_FC_WRITE;
    cr_assert_eq(dnp3_app_objects(f, a_write_octets_0b + 2, sizeof a_write_octets_0b - 2,
                                  &T->lim), 0);
    cr_assert_eq(f->n_objects, 2);
    cr_assert_eq(f->obj[0].count, 2);
    cr_assert_eq(f->obj[0].has & (DNP3_OH_COUNT | DNP3_OH_RANGE | DNP3_OH_UNKNOWN),
                 DNP3_OH_COUNT);
    cr_assert_eq(f->obj[1].group, 80);
    cr_assert_eq(f->malformed, 0);
    pdt_free(T);
    free(f);
}

/* ---- pairing ------------------------------------------------------------------------- */

Test(dnp3, pairing_by_seq_and_addresses)
{
    struct pdt *T = t_new();
    uint8_t wrong_seq[sizeof a_resp_g1v2_ok];
    memcpy(wrong_seq, a_resp_g1v2_ok, sizeof wrong_seq);
    wrong_seq[0] = 0xc9; /* seq 9: answers nothing */
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(t_send(T, 0, T0 + 1, wrong_seq, sizeof wrong_seq), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[0].req_dir, PD_DIR_TO_CLIENT);
    HAS(T, 0, "\"func\":129");
    cr_assert_eq(RSP(T, T0 + 2, a_resp_g1v2_ok), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    cr_assert_eq(T->txn[1].latency_us, 2);
    HAS(T, 1, "\"func\":1,");
    pd_dnp3.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2); /* nothing left over */
    pdt_free(T);
}

/* The request memo (dnp3_req_memo): a repeated request gives what decoding it gives; one
 * with the same length and other bytes, another function, or points, is decoded afresh. */
Test(dnp3, repeated_requests_decode_the_same)
{
    static const uint8_t class2[] = {0xc2, 0x01, 0x3c, 0x03, 0x06}; /* g60v2 -> v3 */
    /* g80v1 (IIN) index 7: read with these bytes, written without its data byte */
    static const uint8_t read_iin[] = {0xc3, 0x01, 0x50, 0x01, 0x00, 0x07, 0x07};
    static const uint8_t write_iin[] = {0xc3, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07};
    static const uint8_t idx[] = {0xc4, 0x01, 0x1e, 0x00, 0x17, 0x01, 0x05}; /* g30 index 5 */
    struct pdt *T = t_new();
    const char *class0 = "\"objects\":[{\"group\":60,\"var\":1,\"qual\":6,"
                         "\"group_name\":\"class\"}]";
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(REQ(T, T0 + (uint64_t)i, a_read_class0), 0);
        pd_dnp3.expire(&T->ctx, 1);
        cr_assert_eq(T->n_events, i + 1);
        HAS(T, i, class0);
        HAS(T, i, "\"func_name\":\"READ\"");
        cr_assert_eq(T->txn[i].op, PD_OP_READ);
    }
    cr_assert_eq(REQ(T, T0 + 10, class2), 0);
    cr_assert_eq(REQ(T, T0 + 11, read_iin), 0);
    cr_assert_eq(REQ(T, T0 + 12, read_iin), 0);   /* now remembered as decoded */
    cr_assert_neq(REQ(T, T0 + 13, write_iin), 0); /* the same bytes, now short of data */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(REQ(T, T0 + 14 + (uint64_t)i, idx), 0);
    cr_assert_eq(REQ(T, T0 + 17, a_read_class0), 0);
    pd_dnp3.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 11);
    HAS(T, 3, "\"group\":60,\"var\":3,");
    HASNT(T, 3, "\"var\":1,");
    for (int i = 4; i <= 5; i++) {
        cr_assert_eq(T->txn[i].status, PD_ST_NO_RESPONSE);
        HAS(T, i, "\"group\":80,\"var\":1,\"qual\":0,\"group_name\":\"iin\",\"start\":7,");
    }
    cr_assert_eq(T->txn[6].status, PD_ST_MALFORMED);
    HAS(T, 6, "\"func_name\":\"WRITE\"");
    for (int i = 7; i <= 9; i++)
        HAS(T, i, "\"qual\":23,\"group_name\":\"analog_input\",\"count\":1,"
                  "\"points\":[{\"index\":5}]");
    HAS(T, 10, class0);
    pdt_free(T);
}

Test(dnp3, pairing_timeout_and_eviction)
{
    struct pdt *T = t_new();
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    T->ctx.now_us = T0 + 4000000;
    pd_dnp3.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 0);
    T->ctx.now_us = T0 + 5000001;
    pd_dnp3.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0);

    /* five outstations behind one connection, only four slots: the oldest is evicted */
    T->lim.max_pending = 16;
    for (int i = 0; i < 5; i++) {
        uint8_t user[6] = {0xc0, 0xc1, 0x01, 0x3c, 0x01, 0x06};
        uint8_t fr[64];
        size_t n = t_frame(fr, 0xc4, (uint16_t)(20 + i), MASTER, user, sizeof user);
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 10 + (uint64_t)i, fr, n), 0);
    }
    cr_assert_eq(T->n_events, 2);
    HAS(T, 1, "\"dst\":20,");
    pd_dnp3.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 6);
    pdt_free(T);
}

Test(dnp3, multi_fragment_response_and_confirm)
{
    struct pdt *T = t_new();
    uint8_t f1[] = {0x81, 0x81, 0x00, 0x00, /* FIR, no FIN, seq 1 */
                    0x01, 0x02, 0x00, 0x00, 0x00, 0x81};
    uint8_t f2[] = {0x62, 0x81, 0x00, 0x00, /* FIN, CON, seq 2 */
                    0x01, 0x02, 0x00, 0x01, 0x01, 0x01};
    uint8_t con[] = {0xc2, 0x00}; /* CONFIRM seq 2 */
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(t_send(T, 0, T0 + 1, f1, sizeof f1), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(t_send(T, 0, T0 + 2, f2, sizeof f2), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"resp_fragments\":2");
    HAS(T, 0, "\"points\":[{\"index\":0,\"value\":1,\"flags\":129}]},{\"group\":1,\"var\":2,"
              "\"qual\":0,\"group_name\":\"binary_input\",\"start\":1,\"stop\":1,");
    /* the master's confirm of a solicited response is counted, not a record */
    cr_assert_eq(t_send(T, 1, T0 + 3, con, sizeof con), 0);
    cr_assert_eq(T->n_events, 1);
    struct dnp3_state *st = T->state;
    cr_assert_eq(st->confirms, 1);
    pdt_free(T);
}

Test(dnp3, response_without_first_fragment)
{
    struct pdt *T = t_new();
    uint8_t f2[] = {0x45, 0x81, 0x00, 0x00}; /* FIN only, seq 5 */
    cr_assert_eq(t_send(T, 0, T0, f2, sizeof f2), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "dnp3.app_seq");
    pdt_free(T);
}

Test(dnp3, udp_and_link_only_frames)
{
    struct pdt *T = t_new();
    T->ctx.transport = PD_TRANSPORT_UDP;
    uint8_t fr[32];
    size_t n = t_frame(fr, 0xc9, OUTSTATION, MASTER, NULL, 0); /* REQUEST_LINK_STATUS */
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fr, n), 0);
    n = t_frame(fr, 0x0b, MASTER, OUTSTATION, NULL, 0); /* LINK_STATUS */
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fr, n), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(REQ(T, T0 + 1, a_read_class0), 0);
    cr_assert_eq(RSP(T, T0 + 2, a_resp_g1v2_ok), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"link_only_frames\":2");
    pdt_free(T);
}

/* ---- transport reassembly ------------------------------------------------------------ */

/* A response of 4 + 5 + 60 * 5 = 309 bytes: g30v1 points 0..59. */
static size_t big_response(uint8_t *app)
{
    size_t n = 0;
    app[n++] = 0xc1;
    app[n++] = 0x81;
    app[n++] = 0x00;
    app[n++] = 0x00;
    app[n++] = 0x1e;
    app[n++] = 0x01;
    app[n++] = 0x00;
    app[n++] = 0x00;
    app[n++] = 59;
    for (int i = 0; i < 60; i++) {
        app[n++] = 0x01;
        app[n++] = (uint8_t)i;
        app[n++] = 0;
        app[n++] = 0;
        app[n++] = 0;
    }
    return n;
}

static int send_segments(struct pdt *T, const uint8_t *app, size_t n, size_t seg, int skip_second)
{
    int rc = 0, k = 0;
    for (size_t off = 0; off < n; off += seg, k++) {
        size_t len = n - off < seg ? n - off : seg;
        uint8_t th = (uint8_t)((k & 0x3f) | (off == 0 ? 0x40 : 0) | (off + len >= n ? 0x80 : 0));
        uint8_t fr[DNP3_MAX_FRAME];
        size_t fn = t_wrap(fr, 0, th, app + off, len);
        if (skip_second && k == 1)
            continue;
        rc |= pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 10 + (uint64_t)k, fr, fn);
    }
    return rc;
}

Test(dnp3, transport_reassembly_across_frames)
{
    struct pdt *T = t_new();
    uint8_t app[400];
    size_t n = big_response(app);
    T->lim.max_points = 100;
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(send_segments(T, app, n, 120, 0), 0); /* 3 link frames */
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].latency_us, 10); /* first frame of the response */
    HAS(T, 0, "\"start\":0,\"stop\":59,\"count\":60");
    HAS(T, 0, "{\"index\":59,\"value\":59,\"flags\":1}]");
    HAS(T, 0, "\"truncated\":false");
    pdt_free(T);
}

Test(dnp3, transport_out_of_sequence)
{
    struct pdt *T = t_new();
    uint8_t app[400];
    size_t n = big_response(app);
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(send_segments(T, app, n, 120, 1), 0);
    cr_assert_eq(T->n_events, 0);
    struct dnp3_state *st = T->state;
    cr_assert_eq(st->out_of_seq, 1);
    cr_assert_eq(st->reasm_drops, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "dnp3.transport_seq");
    /* the flow goes on: a fresh response still pairs */
    cr_assert_eq(send_segments(T, app, n, 200, 0), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    pdt_free(T);
}

Test(dnp3, reassembly_cap)
{
    struct pdt *T = t_new();
    uint8_t seg[200] = {0xc1, 0x81, 0x00, 0x00};
    int rc = 0;
    for (int k = 0; k < 12; k++) { /* 12 * 200 > 2048, never FIN */
        uint8_t fr[DNP3_MAX_FRAME];
        size_t fn = t_wrap(fr, 0, (uint8_t)(k | (k == 0 ? 0x40 : 0)), seg, sizeof seg);
        rc = pdt_parse(T, PD_DIR_TO_CLIENT, T0, fr, fn);
    }
    cr_assert_eq(rc, 0); /* after the drop, segments without FIR are out of sequence */
    struct dnp3_state *st = T->state;
    cr_assert_eq(st->reasm_drops, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "dnp3.reassembly");
    pdt_free(T);
}

Test(dnp3, caps_objects_and_points)
{
    struct pdt *T = t_new();
    uint8_t app[400];
    size_t n = big_response(app);
    T->lim.max_points = 10;
    T->lim.max_items = 1;
    cr_assert_eq(REQ(T, T0, a_read_class123), 0);
    app[0] = 0xc2;
    cr_assert_eq(send_segments(T, app, n, 200, 0), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"index\":9,\"value\":9,\"flags\":1}],\"truncated\":true}");
    HAS(T, 0, "\"truncated\":true,\"objects_dropped\":2,\"points_dropped\":50");
    struct dnp3_state *st = T->state;
    cr_assert_eq(st->caps_hit, 2);
    pdt_free(T);
}

/* The fragment's cap (DNP3_MAX_POINTS over all headers) with a per-header cap above it:
 * binary inputs 0-199 are all kept, of 0-99 in the next header the first 56, and the other
 * 44 are counted, as one point at a time would count them. */
Test(dnp3, points_cap_per_fragment)
{
    struct pdt *T = t_new();
    uint8_t app[400];
    size_t n = 0;
    T->lim.max_points = 256;
    const uint8_t head[] = {0xc1, 0x81, 0x00, 0x00, /* response, IIN */
                            0x01, 0x02, 0x01, 0x00, 0x00, 0xc7, 0x00}; /* g1v2 0-199 */
    memcpy(app, head, sizeof head);
    n = sizeof head;
    for (int i = 0; i < 200; i++)
        app[n++] = (uint8_t)(i % 2 ? 0x81 : 0x01);
    const uint8_t head2[] = {0x01, 0x02, 0x00, 0x00, 99}; /* g1v2 0-99, 1-byte range */
    memcpy(app + n, head2, sizeof head2);
    n += sizeof head2;
    for (int i = 0; i < 100; i++)
        app[n++] = 0x01;
    cr_assert_eq(REQ(T, T0, a_read_class0), 0);
    cr_assert_eq(send_segments(T, app, n, 200, 0), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "{\"index\":199,\"value\":1,\"flags\":129}]}");
    HAS(T, 0, "{\"index\":55,\"value\":0,\"flags\":1}],\"truncated\":true}");
    HAS(T, 0, "\"truncated\":true,\"points_dropped\":44");
    pdt_free(T);
}

/* Sends app[0..n) as one fragment cut into segments of seg bytes. */
static int send_fragment(struct pdt *T, int from_master, uint64_t now, const uint8_t *app,
                         size_t n, size_t seg)
{
    int rc = 0, k = 0;
    for (size_t off = 0; off < n; off += seg, k++) {
        size_t len = n - off < seg ? n - off : seg;
        uint8_t th = (uint8_t)((k & 0x3f) | (off == 0 ? 0x40 : 0) | (off + len >= n ? 0x80 : 0));
        uint8_t fr[DNP3_MAX_FRAME];
        size_t fn = t_wrap(fr, from_master, th, app + off, len);
        rc |= pdt_parse(T, from_master ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT, now, fr, fn);
    }
    return rc;
}

Test(dnp3, json_stays_within_the_event_buffer)
{
    /* 150 CROBs each way: more JSON than the test harness's 16 KiB event buffer */
    struct pdt *T = t_new();
    uint8_t app[2048];
    size_t n = 0;
    T->lim.max_points = 256;
    app[n++] = 0xc1;
    app[n++] = 0x03; /* SELECT */
    app[n++] = 0x0c;
    app[n++] = 0x01;
    app[n++] = 0x28; /* g12v1, 2-byte index, 2-byte count */
    app[n++] = 150;
    app[n++] = 0;
    for (int i = 0; i < 150; i++) {
        const uint8_t crob[13] = {(uint8_t)i, 0, 0x41, 1, 0xe8, 3, 0, 0, 0, 0, 0, 0, 0};
        memcpy(app + n, crob, sizeof crob);
        n += sizeof crob;
    }
    cr_assert_eq(send_fragment(T, 1, T0, app, n, 200), 0);
    uint8_t resp[2048];
    memcpy(resp, app, n);
    resp[1] = 0x81;
    memmove(resp + 4, app + 2, n - 2); /* response header has IIN */
    resp[2] = 0;
    resp[3] = 0;
    cr_assert_eq(send_fragment(T, 0, T0 + 9, resp, n + 2, 200), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_str_neq(T->json[0], "JSON-OVERFLOW");
    HAS(T, 0, "\"json_omitted\":");
    HAS(T, 0, "\"truncated\":false");
    pdt_free(T);
}

/* json_dnp3 writes an object whose points all fit in one raw write, and goes point by point
 * near the end of the buffer: at every buffer size the points written plus those counted
 * in json_omitted are all of them (an object left out whole counts itself too), and the
 * output stays balanced. */
static size_t count_of(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

Test(dnp3, json_points_near_the_buffer_end)
{
    static struct dnp3_frag f;
    enum { OBJ = 2, PER = 100 };
    memset(&f, 0, sizeof f);
    f.func = DNP3_FC_UNSOLICITED_RESPONSE;
    f.has_iin = 1;
    f.ac = 0xd0;
    f.link_ctrl = 0x44;
    f.n_frags = 1;
    for (int k = 0; k < OBJ; k++) {
        struct dnp3_object *o = &f.obj[f.n_objects++];
        o->group = 32; /* analog input event with time */
        o->var = 3;
        o->has = DNP3_OH_RANGE | DNP3_OH_COUNT | DNP3_OH_DATA;
        o->start = (uint32_t)(k * PER);
        o->stop = o->start + PER - 1;
        o->count = PER;
        o->first_point = f.n_points;
        o->n_points = PER;
        for (int i = 0; i < PER; i++) {
            struct dnp3_point *pt = &f.pt[f.n_points++];
            pt->index = o->start + (uint32_t)i;
            pt->type = DNP3_PT_INT;
            pt->has = DNP3_PH_VALUE | DNP3_PH_FLAGS | DNP3_PH_TIME;
            pt->flags = 0x81;
            pt->v.i = -2000000000 + i;
            pt->time.ms = 1700000000000ull + (uint64_t)i;
        }
    }
    struct dnp3_rec rec = {.first = &f};
    static char buf[24000];
    int some_omitted = 0, all_written = 0;
    for (size_t cap = 600; cap <= sizeof buf; cap += 41) {
        struct jw w;
        jw_init(&w, buf, cap);
        jw_obj_begin(&w, NULL);
        json_dnp3(&w, &rec);
        jw_obj_end(&w);
        if (jw_finish(&w) < 0) {
            /* only when not even the reserve fits: the sensor drops and counts the event */
            cr_assert_lt(cap, 4096, "cap %zu: the event overflowed", cap);
            continue;
        }
        size_t points = count_of(buf, "{\"index\":");
        size_t objects = count_of(buf, "{\"group\":");
        const char *om = strstr(buf, "\"json_omitted\":");
        unsigned long omitted = om ? strtoul(om + strlen("\"json_omitted\":"), NULL, 10) : 0;
        cr_assert_eq(points + omitted, (size_t)(OBJ * PER) + (OBJ - objects),
                     "cap %zu: %zu points, %zu objects, %lu omitted", cap, points, objects,
                     omitted);
        some_omitted |= omitted > 0;
        all_written |= points == OBJ * PER;
    }
    cr_expect(some_omitted && all_written);
}

/* ---- link control bits ------------------------------------------------------------- */

/* FCB/FCV (primary frames) and the length octet, from the first frame of the fragment. */
Test(dnp3, link_fcb_fcv_and_length)
{
    static const struct {
        uint8_t ctrl;
        const char *want;
    } rows[] = {
        {0xf3, "\"func\":3,\"func_name\":\"CONFIRMED_USER_DATA\",\"dir\":true,\"prm\":true,"
               "\"fcb\":true,\"fcv\":true,\"len\":11}"},  /* DIR PRM FCB FCV, func 3 */
        {0xd3, "\"func\":3,\"func_name\":\"CONFIRMED_USER_DATA\",\"dir\":true,\"prm\":true,"
               "\"fcb\":false,\"fcv\":true,\"len\":11}"}, /* DIR PRM FCV, func 3 */
        {0xe4, "\"func\":4,\"func_name\":\"UNCONFIRMED_USER_DATA\",\"dir\":true,\"prm\":true,"
               "\"fcb\":true,\"fcv\":false,\"len\":11}"}, /* DIR PRM FCB, func 4 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct pdt *T = t_new();
        uint8_t user[1 + sizeof a_read_class0] = {0xc0}; /* transport FIR FIN seq 0 */
        memcpy(user + 1, a_read_class0, sizeof a_read_class0);
        uint8_t fr[DNP3_MAX_FRAME];
        size_t n = t_frame(fr, rows[i].ctrl, OUTSTATION, MASTER, user, sizeof user);
        cr_assert_eq(fr[2], 11); /* length: ctrl + addresses (5) + 6 bytes of user data */
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fr, n), 0);
        pd_dnp3.expire(&T->ctx, 1);
        cr_assert_eq(T->n_events, 1);
        HAS(T, 0, rows[i].want);
        HASNT(T, 0, "\"dfc\"");
        pdt_free(T);
    }

    /* a fragment over three frames: the link object is its first frame's (121 bytes of
     * user data, length 126), not the last one's (70 bytes, length 75) */
    struct pdt *T = t_new();
    uint8_t app[400];
    size_t n = big_response(app);
    cr_assert_eq(send_segments(T, app, n, 120, 0), 0);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "\"link\":{\"src\":10,\"dst\":1,\"func\":4,\"func_name\":\"UNCONFIRMED_USER_DATA\","
              "\"dir\":false,\"prm\":true,\"fcb\":false,\"fcv\":false,\"len\":126}");
    pdt_free(T);
}

/* A secondary frame's control carries DFC (0x10) and a reserved bit (0x20), never FCB/FCV.
 * Only primary user-data frames make records, so the encoder is called directly. */
Test(dnp3, link_dfc_on_secondary_frames)
{
    static const struct {
        uint8_t ctrl;
        const char *want;
    } rows[] = {
        {0x1b, "\"func\":11,\"func_name\":\"LINK_STATUS\",\"dir\":false,\"prm\":false,"
               "\"dfc\":true,\"len\":5}"},  /* DFC, LINK_STATUS */
        {0x20, "\"func\":0,\"func_name\":\"ACK\",\"dir\":false,\"prm\":false,"
               "\"dfc\":false,\"len\":5}"}, /* reserved bit 0x20 only, ACK */
        {0x90, "\"func\":0,\"func_name\":\"ACK\",\"dir\":true,\"prm\":false,"
               "\"dfc\":true,\"len\":5}"},  /* DIR DFC, ACK */
    };
    json_proto_fn enc = json_proto_encoder(PD_PROTO_DNP3);
    cr_assert_not_null(enc);
    struct dnp3_frag *f = calloc(1, sizeof *f);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[2048];
        struct jw w;
        struct dnp3_rec rec = {.first = f};
        f->src = OUTSTATION;
        f->dst = MASTER;
        f->link_ctrl = rows[i].ctrl;
        f->link_len = 5;
        jw_init(&w, buf, sizeof buf);
        jw_obj_begin(&w, NULL);
        enc(&w, &rec);
        jw_obj_end(&w);
        cr_assert_geq(jw_finish(&w), 0);
        cr_assert(strstr(buf, rows[i].want), "missing %s in %s", rows[i].want, buf);
        cr_assert(!strstr(buf, "\"fcb\"") && !strstr(buf, "\"fcv\""), "%s", buf);
    }
    free(f);
}

/* ---- CRC errors ---------------------------------------------------------------------- */

Test(dnp3, crc_error_table)
{
    struct {
        size_t at;      /* byte flipped in the frame of a_resp_g30 */
        const char *what;
    } rows[] = {
        {8, "header CRC low byte"},
        {9, "header CRC high byte"},
        {4, "destination (covered by the header CRC)"},
        {12, "first data block"},
        {26, "first block CRC"},
        {30, "second data block"},
        {45, "second block CRC"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct pdt *T = t_new();
        uint8_t fr[DNP3_MAX_FRAME];
        size_t n = t_wrap(fr, 0, 0xc0, a_resp_g30, sizeof a_resp_g30);
        cr_assert_eq(n, 10 + 32 + 4); /* 1 + 31 bytes of user data: two blocks */
        fr[rows[i].at] ^= 0x10;
        cr_assert_lt(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fr, n), 0, "%s", rows[i].what);
        cr_assert_eq(T->n_anomalies, 1, "%s", rows[i].what);
        cr_assert_str_eq(T->anomaly_kind[0], "dnp3.crc", "%s", rows[i].what);
        struct dnp3_state *st = T->state;
        cr_assert_eq(st->crc_errors, 1);
        cr_assert_eq(T->n_events, 0);
        /* the flow goes on, and the next record carries the count */
        uint8_t rq[] = {0xc3, 0x01, 0x1e, 0x00, 0x06};
        cr_assert_eq(t_send(T, 1, T0 + 1, rq, sizeof rq), 0);
        uint8_t ok[DNP3_MAX_FRAME];
        size_t m = t_wrap(ok, 0, 0xc1, a_resp_g30, sizeof a_resp_g30);
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 2, ok, m), 0);
        cr_assert_eq(T->n_events, 1);
        HAS(T, 0, "\"crc_errors\":1");
        pdt_free(T);
    }
}

/* ---- malformed ----------------------------------------------------------------------- */

struct bad_app {
    const char *what;
    uint8_t app[24];
    size_t n;
    const char *kind;
};

static const struct bad_app bad_apps[] = {
    {"header cut short", {0xc1}, 1, "dnp3.truncated"},
    {"response IIN cut short", {0xc1, 0x81, 0x00}, 3, "dnp3.truncated"},
    {"object header cut short", {0xc1, 0x01, 0x3c, 0x01}, 4, "dnp3.malformed"},
    {"reserved qualifier bit 7", {0xc1, 0x01, 0x3c, 0x01, 0x86}, 5, "dnp3.malformed"},
    {"reserved prefix code 7", {0xc1, 0x01, 0x01, 0x02, 0x77, 0x01, 0x00}, 7, "dnp3.malformed"},
    {"reserved range code 0xA", {0xc1, 0x01, 0x01, 0x02, 0x0a}, 5, "dnp3.malformed"},
    {"reserved range code 0xF", {0xc1, 0x01, 0x01, 0x02, 0x0f}, 5, "dnp3.malformed"},
    {"range stop < start", {0xc1, 0x01, 0x01, 0x02, 0x00, 0x05, 0x02}, 7, "dnp3.malformed"},
    {"range cut short", {0xc1, 0x01, 0x01, 0x02, 0x01, 0x05, 0x00}, 7, "dnp3.malformed"},
    {"count cut short", {0xc1, 0x01, 0x01, 0x02, 0x08, 0x05}, 6, "dnp3.malformed"},
    {"index prefix with a range", {0xc1, 0x01, 0x01, 0x02, 0x10, 0x00, 0x01}, 7,
     "dnp3.malformed"},
    {"prefix with qualifier 0x06", {0xc1, 0x01, 0x01, 0x02, 0x16}, 5, "dnp3.malformed"},
    {"count past the end (data)", {0xc1, 0x81, 0, 0, 0x1e, 0x01, 0x07, 0x03, 1, 2, 3, 4, 5}, 13,
     "dnp3.malformed"},
    {"count past the end (indices)", {0xc1, 0x01, 0x1e, 0x00, 0x28, 0xff, 0xff, 0x01, 0x00}, 9,
     "dnp3.malformed"},
    {"huge 4-byte count", {0xc1, 0x81, 0, 0, 0x1e, 0x01, 0x09, 0xff, 0xff, 0xff, 0xff, 1}, 12,
     "dnp3.malformed"},
    {"packed bits past the end", {0xc1, 0x81, 0, 0, 0x01, 0x01, 0x00, 0x00, 0x20, 0xff}, 10,
     "dnp3.malformed"},
    {"packed with index prefix", {0xc1, 0x81, 0, 0, 0x01, 0x01, 0x17, 0x01, 0x00, 0xff}, 10,
     "dnp3.malformed"},
    {"size prefix past the end", {0xc1, 0x19, 0x46, 0x03, 0x5b, 0x01, 0xff, 0x00, 0x01}, 9,
     "dnp3.malformed"},
    {"index prefix with 0x0B", {0xc1, 0x19, 0x46, 0x03, 0x1b, 0x01, 0x01}, 7, "dnp3.malformed"},
    {"attribute length past the end", {0xc1, 0x81, 0, 0, 0x00, 0xfc, 0x00, 0x00, 0x00, 0x01,
                                       0x09, 'A'}, 12, "dnp3.malformed"},
    {"CROB cut short", {0xc1, 0x05, 0x0c, 0x01, 0x17, 0x01, 0x00, 0x41, 0x01, 0x00}, 10,
     "dnp3.malformed"},
    {"unknown object without size", {0xc1, 0x81, 0, 0, 0xc8, 0x01, 0x07, 0x01, 0x00}, 9,
     "dnp3.unknown_object"},
};

Test(dnp3, malformed_table)
{
    cr_assert_geq(sizeof bad_apps / sizeof bad_apps[0], 15);
    for (size_t i = 0; i < sizeof bad_apps / sizeof bad_apps[0]; i++) {
        const struct bad_app *b = &bad_apps[i];
        struct pdt *T = t_new();
        int from_master = b->app[1] < 0x81;
        int rc = t_send(T, from_master, T0, b->app, b->n);
        pd_dnp3.expire(&T->ctx, 1);
        cr_assert_geq(T->n_anomalies, 1, "%s: no anomaly", b->what);
        cr_assert_str_eq(T->anomaly_kind[0], b->kind, "%s", b->what);
        if (strcmp(b->kind, "dnp3.unknown_object") == 0) {
            cr_assert_eq(rc, 0, "%s", b->what);
            HAS(T, 0, "\"unknown\":true");
        } else {
            cr_assert_lt(rc, 0, "%s: parse accepted it", b->what);
            if (T->n_events)
                cr_assert_eq(T->txn[0].status, PD_ST_MALFORMED, "%s", b->what);
        }
        /* the flow goes on */
        T->n_events = 0;
        cr_assert_eq(REQ(T, T0 + 1, a_read_class0), 0);
        cr_assert_eq(RSP(T, T0 + 2, a_resp_g1v2_ok), 0);
        cr_assert_eq(T->n_events, 1, "%s", b->what);
        cr_assert_eq(T->txn[0].status, PD_ST_OK, "%s", b->what);
        pdt_free(T);
    }
}

Test(dnp3, malformed_link_frames)
{
    struct pdt *T = t_new();
    uint8_t fr[DNP3_MAX_FRAME];
    size_t n = t_wrap(fr, 1, 0xc0, a_read_class0, sizeof a_read_class0);
    cr_assert_lt(pdt_parse(T, 0, T0, fr, n - 1), 0); /* shorter than the length byte says */
    cr_assert_str_eq(T->anomaly_kind[0], "dnp3.truncated");
    cr_assert_lt(pdt_parse(T, 0, T0, fr, 7), 0);
    uint8_t user[2] = {0xc0, 0xc1};
    n = t_frame(fr, 0xc9, 1, 2, user, sizeof user); /* link status request with data */
    cr_assert_lt(pdt_parse(T, 0, T0, fr, n), 0);
    n = t_frame(fr, 0xc4, 1, 2, NULL, 0); /* user data without a transport header */
    cr_assert_lt(pdt_parse(T, 0, T0, fr, n), 0);
    cr_assert_str_eq(T->anomaly_kind[3], "dnp3.malformed");
    cr_assert_eq(T->n_events, 0);
    pdt_free(T);
}

/* ---- every prefix -------------------------------------------------------------------- */

struct vec {
    const uint8_t *app;
    size_t n;
    int from_master;
};

#define V(a, m) {a, sizeof a, m}
static const struct vec vectors[] = {
    V(a_read_class0, 1),         V(a_read_class123, 1),      V(a_resp_g1v2, 0),
    V(a_resp_g1v2_ok, 0),        V(a_resp_g2_events, 0),     V(a_resp_g30, 0),
    V(a_resp_g32, 0),            V(a_resp_counters, 0),      V(a_select_crob, 1),
    V(a_select_crob_resp, 0),    V(a_operate_crob, 1),       V(a_operate_crob_noselect, 0),
    V(a_direct_operate, 1),      V(a_direct_operate_nr, 1),  V(a_write_iin, 1),
    V(a_time_sync, 1),           V(a_resp_null, 0),          V(a_cold_restart, 1),
    V(a_cold_restart_resp, 0),   V(a_enable_unsol, 1),       V(a_disable_unsol, 1),
    V(a_unsol, 0),               V(a_unsol_confirm, 1),      V(a_open_file, 1),
    V(a_open_file_resp, 0),      V(a_auth_challenge, 0),     V(a_read_attr, 1),
    V(a_read_attr_resp, 0),      V(a_freeze_at_time, 1),     V(a_read_indexed, 1),
    V(a_resp_double_bit, 0),     V(a_resp_double_bit_events, 0),
    V(a_resp_binary_outputs, 0), V(a_resp_counter_events, 0),
    V(a_resp_analog_output_status, 0),                       V(a_resp_cto_unsync, 0),
    V(a_write_octets_0b, 1),     V(a_write_file_4b, 1),
};

Test(dnp3, every_prefix)
{
    uint8_t dir;
    /* whole frames cut at every length */
    cr_assert_eq(pdt_every_prefix(&pd_dnp3, 0, v_read_frame, sizeof v_read_frame), 1);
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint8_t fr[DNP3_MAX_FRAME];
        size_t n = t_wrap(fr, vectors[i].from_master, 0xc0, vectors[i].app, vectors[i].n);
        dir = vectors[i].from_master ? PD_DIR_TO_SERVER : PD_DIR_TO_CLIENT;
        cr_assert_eq(pdt_every_prefix(&pd_dnp3, dir, fr, n), 1, "vector %zu", i);
        /* and every prefix of the application bytes in a valid frame */
        for (size_t len = 0; len <= vectors[i].n; len++) {
            struct pdt *T = t_new();
            uint8_t *copy = malloc(len ? len : 1);
            memcpy(copy, vectors[i].app, len);
            int rc = t_send(T, vectors[i].from_master, T0, copy, len);
            pd_dnp3.expire(&T->ctx, 1);
            if (len == vectors[i].n)
                cr_assert_eq(rc, 0, "vector %zu whole", i);
            free(copy);
            pdt_free(T);
        }
    }
}

Test(dnp3, layout_table_is_sorted_for_binary_search)
{
    cr_assert(dnp3_layout_table_sorted(), "dnp3_names.c layouts[] must stay sorted by group, var");
    /* a few lookups across the table */
    cr_expect_eq(dnp3_layout(1, 2).dec, DNP3_DEC_STATE);
    cr_expect_eq(dnp3_layout(12, 1).dec, DNP3_DEC_CROB);
    cr_expect_eq(dnp3_layout(20, 1).size, 5);
    cr_expect_eq(dnp3_layout(99, 1).dec, DNP3_DEC_UNKNOWN);
}
