/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_iec104.c - IEC 60870-5-104 dissector vectors: one APDU per message type (U, S and
 * I formats with the common monitor, command and system ASDUs), SQ=1 sequences, negative
 * confirmations, several APDUs in one buffer and one APDU across segments, sequence gap
 * and duplicate anomalies, N(R) that acknowledges unsent frames or goes backwards (and
 * the wrap and mid-stream cases that must not), U act/con latency, every type id of the
 * name table, a table of malformed inputs and the every-prefix truncation loop. Vectors
 * follow IEC 60870-5-104 clauses 5 and 9 and IEC 60870-5-101 clause 7; every octet is
 * commented.
 * Covers dissectors/iec104.c and iec104_asdu.c (the layers of one dissector).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "iec104.h"
#include "pd_test.h"

#define T0 1700000000000000ull
#define S2C PD_DIR_TO_CLIENT
#define C2S PD_DIR_TO_SERVER
#define HAS(T, i, s) cr_assert(strstr((T)->json[i], (s)) != NULL, "no %s in %s", (s), (T)->json[i])
#define HASNT(T, i, s) cr_assert(strstr((T)->json[i], (s)) == NULL, "%s in %s", (s), (T)->json[i])

/* ---- U format (control octet 1 carries the function bit and 0b11) ---- */
static const uint8_t u_startdt_act[] = {
    0x68, 0x04,             /* start, APDU length 4 */
    0x07, 0x00, 0x00, 0x00, /* U: STARTDT act (0x04 | 0x03), octets 2-4 zero */
};
static const uint8_t u_startdt_con[] = {
    0x68, 0x04,             /* start, length 4 */
    0x0b, 0x00, 0x00, 0x00, /* U: STARTDT con (0x08 | 0x03) */
};
static const uint8_t u_stopdt_act[] = {
    0x68, 0x04,             /* start, length 4 */
    0x13, 0x00, 0x00, 0x00, /* U: STOPDT act (0x10 | 0x03) */
};
static const uint8_t u_stopdt_con[] = {
    0x68, 0x04,             /* start, length 4 */
    0x23, 0x00, 0x00, 0x00, /* U: STOPDT con (0x20 | 0x03) */
};
static const uint8_t u_testfr_act[] = {
    0x68, 0x04,             /* start, length 4 */
    0x43, 0x00, 0x00, 0x00, /* U: TESTFR act (0x40 | 0x03) */
};
static const uint8_t u_testfr_con[] = {
    0x68, 0x04,             /* start, length 4 */
    0x83, 0x00, 0x00, 0x00, /* U: TESTFR con (0x80 | 0x03) */
};

/* ---- S format ---- */
static const uint8_t s_ack10[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S: octet 1 = 0x01, octet 2 = 0 */
    0x14, 0x00, /* N(R) = 10 (10 << 1 = 0x0014, little endian) */
};

/* ---- I format, monitor direction (controlled station -> controlling station) ---- */
static const uint8_t i_m_sp_na[] = {
    0x68, 0x0e,       /* start, length 14 = 4 control + 6 header + 3 IOA + 1 SIQ */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* VSQ: SQ=0, 1 object */
    0x03,             /* COT 3 spont, P/N=0, T=0 */
    0x00,             /* originator address 0 */
    0x01, 0x00,       /* common address 1 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x01,             /* SIQ: SPI=1 (on), no quality flags */
};
static const uint8_t i_m_dp_na[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x02, 0x00,       /* N(S) = 1 */
    0x00, 0x00,       /* N(R) = 0 */
    0x03,             /* type 3 M_DP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x14,             /* COT 20 inrogen */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0xc8, 0x00, 0x00, /* IOA 200 */
    0x82,             /* DIQ: DPI=2 (on), IV */
};
static const uint8_t i_m_st_na[] = {
    0x68, 0x0f,       /* start, length 15 = 4 + 6 + 3 + 2 */
    0x04, 0x00,       /* N(S) = 2 */
    0x00, 0x00,       /* N(R) = 0 */
    0x05,             /* type 5 M_ST_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x2c, 0x01, 0x00, /* IOA 300 */
    0xc5,             /* VTI: transient=1, value I7 0x45 = -59 */
    0x00,             /* QDS: good */
};
static const uint8_t i_m_bo_na[] = {
    0x68, 0x12,             /* start, length 18 = 4 + 6 + 3 + 5 */
    0x06, 0x00,             /* N(S) = 3 */
    0x00, 0x00,             /* N(R) = 0 */
    0x07,                   /* type 7 M_BO_NA_1 */
    0x01,                   /* SQ=0, 1 object */
    0x03,                   /* COT 3 spont */
    0x00,                   /* OA 0 */
    0x01, 0x00,             /* CA 1 */
    0x90, 0x01, 0x00,       /* IOA 400 */
    0x78, 0x56, 0x34, 0x12, /* BSI 0x12345678 = 305419896 */
    0x01,                   /* QDS: OV */
};
static const uint8_t i_m_me_na[] = {
    0x68, 0x10,       /* start, length 16 = 4 + 6 + 3 + 3 */
    0x08, 0x00,       /* N(S) = 4 */
    0x00, 0x00,       /* N(R) = 0 */
    0x09,             /* type 9 M_ME_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0xf4, 0x01, 0x00, /* IOA 500 */
    0x00, 0x40,       /* NVA 0x4000 = 16384 / 32768 = 0.5 */
    0x00,             /* QDS: good */
};
static const uint8_t i_m_me_nb[] = {
    0x68, 0x10,       /* start, length 16 */
    0x0a, 0x00,       /* N(S) = 5 */
    0x00, 0x00,       /* N(R) = 0 */
    0x0b,             /* type 11 M_ME_NB_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x58, 0x02, 0x00, /* IOA 600 */
    0x2e, 0xfb,       /* SVA 0xfb2e = -1234 */
    0x10,             /* QDS: BL */
};
static const uint8_t i_m_me_nc[] = {
    0x68, 0x12,             /* start, length 18 */
    0x0c, 0x00,             /* N(S) = 6 */
    0x00, 0x00,             /* N(R) = 0 */
    0x0d,                   /* type 13 M_ME_NC_1 */
    0x01,                   /* SQ=0, 1 object */
    0x01,                   /* COT 1 per_cyc */
    0x00,                   /* OA 0 */
    0x01, 0x00,             /* CA 1 */
    0xbc, 0x02, 0x00,       /* IOA 700 */
    0x00, 0x00, 0xbc, 0x41, /* IEEE 754 0x41bc0000 = 23.5 */
    0x00,                   /* QDS: good */
};
static const uint8_t i_m_it_na[] = {
    0x68, 0x12,             /* start, length 18 */
    0x0e, 0x00,             /* N(S) = 7 */
    0x00, 0x00,             /* N(R) = 0 */
    0x0f,                   /* type 15 M_IT_NA_1 */
    0x01,                   /* SQ=0, 1 object */
    0x25,                   /* COT 37 reqcogen */
    0x00,                   /* OA 0 */
    0x01, 0x00,             /* CA 1 */
    0x20, 0x03, 0x00,       /* IOA 800 */
    0xa0, 0x86, 0x01, 0x00, /* BCR counter 100000 */
    0x45,                   /* sequence 5, CA (counter adjusted) 0x40 */
};
static const uint8_t i_m_sp_tb[] = {
    0x68, 0x15,       /* start, length 21 = 4 + 6 + 3 + 1 + 7 */
    0x10, 0x00,       /* N(S) = 8 */
    0x00, 0x00,       /* N(R) = 0 */
    0x1e,             /* type 30 M_SP_TB_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0xe8, 0x03, 0x00, /* IOA 1000 */
    0x01,             /* SIQ: on */
    0xf8, 0x76,       /* CP56 ms 30456 (30 s 456 ms) */
    0x14,             /* minute 20, IV=0 */
    0x0a,             /* hour 10, SU=0 */
    0xaf,             /* day 15, day of week 5 (Friday) */
    0x03,             /* month 3 */
    0x18,             /* year 24 -> 2024 */
};
static const uint8_t i_m_me_tf[] = {
    0x68, 0x19,             /* start, length 25 = 4 + 6 + 3 + 5 + 7 */
    0x12, 0x00,             /* N(S) = 9 */
    0x00, 0x00,             /* N(R) = 0 */
    0x24,                   /* type 36 M_ME_TF_1 */
    0x01,                   /* SQ=0, 1 object */
    0x03,                   /* COT 3 spont */
    0x00,                   /* OA 0 */
    0x14, 0x29,             /* CA 10516 */
    0xcb, 0xb2, 0x02,       /* IOA 176843 */
    0x00, 0x00, 0xc0, 0xbf, /* IEEE 754 0xbfc00000 = -1.5 */
    0x00,                   /* QDS: good */
    0x00, 0x00,             /* CP56 ms 0 */
    0x85,                   /* minute 5, IV=1 */
    0x8c,                   /* hour 12, SU=1 */
    0x01,                   /* day 1, day of week unused */
    0x06,                   /* month 6 */
    0x17,                   /* year 23 -> 2023 */
};
static const uint8_t i_m_ei_na[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x46,             /* type 70 M_EI_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x04,             /* COT 4 init */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x02,             /* COI: remote reset, local parameters unchanged */
};
static const uint8_t i_m_sp_sq[] = {
    0x68, 0x11,             /* start, length 17 = 4 + 6 + 3 + 4 x 1 */
    0x14, 0x00,             /* N(S) = 10 */
    0x02, 0x00,             /* N(R) = 1 */
    0x01,                   /* type 1 M_SP_NA_1 */
    0x84,                   /* VSQ: SQ=1, 4 elements */
    0x14,                   /* COT 20 inrogen */
    0x00,                   /* OA 0 */
    0x01, 0x00,             /* CA 1 */
    0x1a, 0x27, 0x00,       /* IOA 10010 (then 10011, 10012, 10013) */
    0x01, 0x00, 0x81, 0x10, /* SIQ on; off; on+IV; off+BL */
};
static const uint8_t i_m_me_nb_sq[] = {
    0x68, 0x16,       /* start, length 22 = 4 + 6 + 3 + 3 x 3 */
    0x16, 0x00,       /* N(S) = 11 */
    0x02, 0x00,       /* N(R) = 1 */
    0x0b,             /* type 11 M_ME_NB_1 */
    0x83,             /* VSQ: SQ=1, 3 elements */
    0x14,             /* COT 20 inrogen */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0xd0, 0x07, 0x00, /* IOA 2000 (then 2001, 2002) */
    0x01, 0x00, 0x00, /* SVA 1, QDS good */
    0xff, 0xff, 0x00, /* SVA -1, QDS good */
    0xff, 0x7f, 0x80, /* SVA 32767, QDS IV */
};

/* ---- I format, control direction (controlling station -> controlled station) ---- */
static const uint8_t i_c_sc_select[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x14, 0x00,       /* N(R) = 10 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x81,             /* SCO: S/E=1 select, QU=0, SCS=1 on */
};
static const uint8_t i_c_sc_execute[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x02, 0x00,       /* N(S) = 1 */
    0x14, 0x00,       /* N(R) = 10 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x05,             /* SCO: S/E=0 execute, QU=1 short pulse, SCS=1 on */
};
static const uint8_t i_c_dc_na[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x04, 0x00,       /* N(S) = 2 */
    0x14, 0x00,       /* N(R) = 10 */
    0x2e,             /* type 46 C_DC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x70, 0x17, 0x00, /* IOA 6000 */
    0x0a,             /* DCO: S/E=0 execute, QU=2 long pulse, DCS=2 on */
};
static const uint8_t i_c_se_nc[] = {
    0x68, 0x12,             /* start, length 18 */
    0x06, 0x00,             /* N(S) = 3 */
    0x14, 0x00,             /* N(R) = 10 */
    0x32,                   /* type 50 C_SE_NC_1 */
    0x01,                   /* SQ=0, 1 object */
    0x06,                   /* COT 6 act */
    0x00,                   /* OA 0 */
    0x01, 0x00,             /* CA 1 */
    0x58, 0x1b, 0x00,       /* IOA 7000 */
    0x00, 0x00, 0x49, 0x42, /* IEEE 754 0x42490000 = 50.25 */
    0x80,                   /* QOS: S/E=1 select, QL=0 */
};
static const uint8_t i_c_ic_na[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x08, 0x00,       /* N(S) = 4 */
    0x14, 0x00,       /* N(R) = 10 */
    0x64,             /* type 100 C_IC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x14,             /* QOI 20: station interrogation */
};
static const uint8_t i_c_cs_na[] = {
    0x68, 0x14,       /* start, length 20 = 4 + 6 + 3 + 7 */
    0x0a, 0x00,       /* N(S) = 5 */
    0x14, 0x00,       /* N(R) = 10 */
    0x67,             /* type 103 C_CS_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0xf8, 0x76,       /* CP56 ms 30456 */
    0x14,             /* minute 20 */
    0x0a,             /* hour 10 */
    0xaf,             /* day 15, Friday */
    0x03,             /* month 3 */
    0x18,             /* year 2024 */
};
static const uint8_t i_c_ci_na[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x0c, 0x00,       /* N(S) = 6 */
    0x14, 0x00,       /* N(R) = 10 */
    0x65,             /* type 101 C_CI_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x45,             /* QCC: RQT=5 general counter request, FRZ=1 freeze without reset */
};
static const uint8_t i_c_sc_negcon[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x02, 0x00,       /* N(S) = 1 */
    0x02, 0x00,       /* N(R) = 1 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x47,             /* COT 7 actcon, P/N=1 negative, T=0 */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x81,             /* SCO as in the select */
};
static const uint8_t i_c_ic_unknown_ca[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x02, 0x00,       /* N(R) = 1 */
    0x64,             /* type 100 C_IC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0xae,             /* COT 46 unknown common address, P/N=0, T=1 */
    0x07,             /* OA 7 */
    0x39, 0x30,       /* CA 12345 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x14,             /* QOI 20 */
};

/* ---- more time tags and layouts ---- */
static const uint8_t i_m_me_ta_cp24[] = {
    0x68, 0x13,       /* start, length 19 = 4 + 6 + 3 + 3 + 3 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x0a,             /* type 10 M_ME_TA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x10, 0x00, 0x00, /* IOA 16 */
    0x00, 0xc0,       /* NVA 0xc000 = -0.5 */
    0x40,             /* QDS: NT */
    0xe8, 0x03,       /* CP24 ms 1000 */
    0xbb,             /* minute 59, IV */
};
static const uint8_t i_m_sp_tb_bad_date[] = {
    0x68, 0x15,       /* start, length 21 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x1e,             /* type 30 M_SP_TB_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x01, 0x00, 0x00, /* IOA 1 */
    0x00,             /* SIQ: off */
    0x10, 0x27,       /* CP56 ms 10000 */
    0x00,             /* minute 0 */
    0x00,             /* hour 0 */
    0x1e,             /* day 30 */
    0x02,             /* month 2: no 30 February */
    0x63,             /* year 99 */
};
static const uint8_t i_m_ep_td[] = {
    0x68, 0x17,       /* start, length 23 = 4 + 6 + 3 + 10 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x26,             /* type 38 M_EP_TD_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x05, 0x00, 0x00, /* IOA 5 */
    0x0a,             /* SEP: ES=2 on, EI (elapsed time invalid) */
    0x2c, 0x01,       /* CP16 elapsed 300 ms */
    0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, /* CP56 2000-01-01T00:00:00.000 */
};
static const uint8_t i_c_se_na_exec[] = {
    0x68, 0x10,       /* start, length 16 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x30,             /* type 48 C_SE_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x06, 0x00, 0x00, /* IOA 6 */
    0x00, 0x20,       /* NVA 0x2000 = 0.25 */
    0x03,             /* QOS: S/E=0 execute, QL=3 */
};
static const uint8_t i_f_fr_na[] = {
    0x68, 0x13,       /* start, length 19 = 4 + 6 + 3 + 6 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x78,             /* type 120 F_FR_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x0d,             /* COT 13 file */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x10, 0x00, /* IOA 4096 */
    0x02, 0x00,       /* NOF 2 */
    0x00, 0x00, 0x01, /* LOF 65536 */
    0x00,             /* FRQ 0: positive, default */
};

/* ---- N(S) and N(R) at the edges of the sequence space (clause 5.1: mod 32768, the
 * number sits in bits 1-15 of its two octets, little endian) ---- */
static const uint8_t s_ack0[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S: octet 1 = 0x01, octet 2 = 0 */
    0x00, 0x00, /* N(R) = 0 */
};
static const uint8_t s_ack1[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S */
    0x02, 0x00, /* N(R) = 1 (1 << 1) */
};
static const uint8_t s_ack2[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S */
    0x04, 0x00, /* N(R) = 2 (2 << 1) */
};
static const uint8_t s_ack1000[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S */
    0xd0, 0x07, /* N(R) = 1000 (1000 << 1 = 0x07d0) */
};
static const uint8_t s_ack20001[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S */
    0x42, 0x9c, /* N(R) = 20001 (20001 << 1 = 0x9c42) */
};
static const uint8_t s_ack32767[] = {
    0x68, 0x04, /* start, length 4 */
    0x01, 0x00, /* S */
    0xfe, 0xff, /* N(R) = 32767 (32767 << 1 = 0xfffe), the highest */
};
static const uint8_t i_m_sp_na_ns12[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x18, 0x00,       /* N(S) = 12 (12 << 1 = 0x0018) */
    0x00, 0x00,       /* N(R) = 0 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x00,             /* SIQ: off */
};
static const uint8_t i_m_sp_na_ns32766[] = {
    0x68, 0x0e,       /* start, length 14 */
    0xfc, 0xff,       /* N(S) = 32766 (32766 << 1 = 0xfffc) */
    0x00, 0x00,       /* N(R) = 0 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x01,             /* SIQ: on */
};
static const uint8_t i_m_sp_na_ns32767[] = {
    0x68, 0x0e,       /* start, length 14 */
    0xfe, 0xff,       /* N(S) = 32767, the last before the wrap to 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x00,             /* SIQ: off */
};
static const uint8_t i_m_sp_na_ns1000[] = {
    0x68, 0x0e,       /* start, length 14 */
    0xd0, 0x07,       /* N(S) = 1000 (1000 << 1 = 0x07d0) */
    0x40, 0x9c,       /* N(R) = 20000 (20000 << 1 = 0x9c40) */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x03,             /* COT 3 spont */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x01,             /* SIQ: on */
};
static const uint8_t i_c_ic_na_ns20000[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x40, 0x9c,       /* N(S) = 20000 (0x9c40 >> 1) */
    0xd2, 0x07,       /* N(R) = 1001 (1001 << 1 = 0x07d2): acknowledges N(S) 1000 */
    0x64,             /* type 100 C_IC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06,             /* COT 6 act */
    0x00,             /* OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x14,             /* QOI 20: station interrogation */
};

struct vec {
    const char *name;
    const uint8_t *p;
    size_t n;
};
#define V(x) {#x, x, sizeof x}
static const struct vec all_vectors[] = {
    V(u_startdt_act), V(u_startdt_con), V(u_stopdt_act), V(u_stopdt_con), V(u_testfr_act),
    V(u_testfr_con),  V(s_ack10),       V(i_m_sp_na),    V(i_m_dp_na),    V(i_m_st_na),
    V(i_m_bo_na),     V(i_m_me_na),     V(i_m_me_nb),    V(i_m_me_nc),    V(i_m_it_na),
    V(i_m_sp_tb),     V(i_m_me_tf),     V(i_m_ei_na),    V(i_m_sp_sq),    V(i_m_me_nb_sq),
    V(i_c_sc_select), V(i_c_sc_execute), V(i_c_dc_na),   V(i_c_se_nc),    V(i_c_ic_na),
    V(i_c_cs_na),     V(i_c_ci_na),     V(i_c_sc_negcon), V(i_c_ic_unknown_ca),
    V(s_ack0),        V(s_ack1),        V(s_ack2),       V(s_ack1000),    V(s_ack20001),
    V(s_ack32767),    V(i_m_sp_na_ns12), V(i_m_sp_na_ns32766), V(i_m_sp_na_ns32767),
    V(i_m_sp_na_ns1000), V(i_c_ic_na_ns20000),
    V(i_m_me_ta_cp24), V(i_m_sp_tb_bad_date), V(i_m_ep_td), V(i_c_se_na_exec), V(i_f_fr_na),
};

/* Parses one vector on a fresh flow; expects one event, no anomaly, parse() 0. A command
 * is held for its confirmation: the flow's end releases it (no_response). A confirmation
 * alone answers a command never seen: the other side is named as requester. */
static struct pdt *one(uint8_t dir, const uint8_t *v, size_t n)
{
    struct pdt *T = pdt_new(&pd_iec104);
    int rc = pdt_parse(T, dir, T0, v, n);
    cr_assert_eq(rc, 0, "parse returned %d", rc);
    if (T->n_events == 0)
        pd_iec104.expire(&T->ctx, 1);
    cr_assert_eq(T->n_anomalies, 0, "anomaly %s", T->anomaly_kind[0]);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_IEC104);
    unsigned type = n > 8 ? v[6] : 0, cot = n > 8 ? v[8] & 0x3fu : 0;
    int command = (type >= 45 && type <= 69) || (type >= 100 && type <= 107) ||
                  (type >= 110 && type <= 113);
    int answer = command && (cot == 7 || cot == 9 || cot == 10 || (cot >= 44 && cot <= 47));
    cr_assert_eq(T->txn[0].req_dir, answer ? dir ^ 1 : dir);
    cr_assert_eq(T->txn[0].ts_us, T0);
    return T;
}

Test(iec104_u, startdt_act_con_pair_with_latency)
{
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, C2S, T0, u_startdt_act, sizeof u_startdt_act), 0);
    cr_assert_eq(pdt_parse(T, S2C, T0 + 1500, u_startdt_con, sizeof u_startdt_con), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_str_eq(T->json[0], "{\"iec104\":{\"apci\":\"U\",\"u_func\":\"startdt_act\"}}");
    cr_assert_str_eq(T->json[1], "{\"iec104\":{\"apci\":\"U\",\"u_func\":\"startdt_con\"}}");
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].has_latency, 0);
    cr_assert_eq(T->txn[0].req_dir, C2S);
    cr_assert_eq(T->txn[1].req_dir, S2C);
    cr_assert_eq(T->txn[1].has_latency, 1);
    cr_assert_eq(T->txn[1].latency_us, 1500);
    cr_assert_eq(T->txn[1].ts_us, T0 + 1500);
    pdt_free(T);
}

Test(iec104_u, testfr_and_stopdt)
{
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, S2C, T0, u_testfr_act, sizeof u_testfr_act), 0);
    cr_assert_eq(pdt_parse(T, C2S, T0 + 20, u_testfr_con, sizeof u_testfr_con), 0);
    cr_assert_eq(pdt_parse(T, C2S, T0 + 30, u_stopdt_act, sizeof u_stopdt_act), 0);
    cr_assert_eq(pdt_parse(T, S2C, T0 + 70, u_stopdt_con, sizeof u_stopdt_con), 0);
    cr_assert_eq(T->n_events, 4);
    HAS(T, 0, "\"u_func\":\"testfr_act\"");
    HAS(T, 1, "\"u_func\":\"testfr_con\"");
    HAS(T, 2, "\"u_func\":\"stopdt_act\"");
    HAS(T, 3, "\"u_func\":\"stopdt_con\"");
    cr_assert_eq(T->txn[0].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(T->txn[1].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(T->txn[2].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[1].latency_us, 20);
    cr_assert_eq(T->txn[3].latency_us, 40);
    cr_assert(T->txn[3].has_latency);
    pdt_free(T);
}

Test(iec104_u, con_without_act_same_dir_or_late_has_no_latency)
{
    struct pdt *T = pdt_new(&pd_iec104);
    /* con with no act seen (mid-stream pickup) */
    cr_assert_eq(pdt_parse(T, S2C, T0, u_startdt_con, sizeof u_startdt_con), 0);
    /* act and con in the same direction do not pair */
    cr_assert_eq(pdt_parse(T, C2S, T0 + 1, u_testfr_act, sizeof u_testfr_act), 0);
    cr_assert_eq(pdt_parse(T, C2S, T0 + 2, u_testfr_con, sizeof u_testfr_con), 0);
    /* a con after lim->txn_timeout_us does not pair either */
    T->lim.txn_timeout_us = 100;
    cr_assert_eq(pdt_parse(T, C2S, T0 + 10, u_stopdt_act, sizeof u_stopdt_act), 0);
    cr_assert_eq(pdt_parse(T, S2C, T0 + 500, u_stopdt_con, sizeof u_stopdt_con), 0);
    /* expire() forgets an act older than the timeout */
    cr_assert_eq(pdt_parse(T, S2C, T0 + 600, u_testfr_act, sizeof u_testfr_act), 0);
    T->ctx.now_us = T0 + 800;
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(pdt_parse(T, C2S, T0 + 650, u_testfr_con, sizeof u_testfr_con), 0);
    cr_assert_eq(T->n_events, 7);
    for (int i = 0; i < T->n_events; i++)
        cr_assert_eq(T->txn[i].has_latency, 0, "event %d", i);
    pdt_free(T);
}

Test(iec104_s, counts_without_event)
{
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, C2S, T0, s_ack10, sizeof s_ack10), 0);
    cr_assert_eq(pdt_parse(T, C2S, T0, s_ack10, sizeof s_ack10), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(T->n_anomalies, 0);
    const struct iec104_state *st = T->state;
    cr_assert_eq(st->dir[C2S].s_frames, 2);
    cr_assert_eq(st->dir[C2S].last_rx, 10);
    cr_assert_eq(st->dir[S2C].s_frames, 0);
    pdt_free(T);
}

Test(iec104_i, m_sp_na_exact_json)
{
    struct pdt *T = one(S2C, i_m_sp_na, sizeof i_m_sp_na);
    cr_assert_str_eq(T->json[0],
                     "{\"iec104\":{\"apci\":\"I\",\"tx\":0,\"rx\":0,\"asdu\":{\"type\":1,"
                     "\"type_name\":\"M_SP_NA_1\",\"sq\":false,\"num\":1,\"cot\":3,"
                     "\"cot_name\":\"spont\",\"neg\":false,\"test\":false,\"oa\":0,\"ca\":1,"
                     "\"objects\":[{\"ioa\":100,\"value\":1,\"qual\":0}]}}}");
    cr_assert_eq(T->txn[0].op, PD_OP_REPORT); /* spontaneous: sent unasked */
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    pdt_free(T);
}

Test(iec104_i, m_dp_na)
{
    struct pdt *T = one(S2C, i_m_dp_na, sizeof i_m_dp_na);
    HAS(T, 0, "\"tx\":1,\"rx\":0");
    HAS(T, 0, "\"type_name\":\"M_DP_NA_1\"");
    HAS(T, 0, "\"cot\":20,\"cot_name\":\"inrogen\"");
    HAS(T, 0, "{\"ioa\":200,\"value\":2,\"qual\":128,\"qual_names\":[\"IV\"]}");
    pdt_free(T);
}

Test(iec104_i, m_st_na)
{
    struct pdt *T = one(S2C, i_m_st_na, sizeof i_m_st_na);
    HAS(T, 0, "{\"ioa\":300,\"value\":-59,\"qual\":0,\"transient\":true}");
    pdt_free(T);
}

Test(iec104_i, m_bo_na)
{
    struct pdt *T = one(S2C, i_m_bo_na, sizeof i_m_bo_na);
    HAS(T, 0, "{\"ioa\":400,\"value\":305419896,\"qual\":1,\"qual_names\":[\"OV\"]}");
    pdt_free(T);
}

Test(iec104_i, m_me_na_normalised)
{
    struct pdt *T = one(S2C, i_m_me_na, sizeof i_m_me_na);
    HAS(T, 0, "{\"ioa\":500,\"value\":0.5,\"qual\":0}");
    pdt_free(T);
}

Test(iec104_i, m_me_nb_scaled)
{
    struct pdt *T = one(S2C, i_m_me_nb, sizeof i_m_me_nb);
    HAS(T, 0, "{\"ioa\":600,\"value\":-1234,\"qual\":16,\"qual_names\":[\"BL\"]}");
    pdt_free(T);
}

Test(iec104_i, m_me_nc_float)
{
    struct pdt *T = one(S2C, i_m_me_nc, sizeof i_m_me_nc);
    HAS(T, 0, "\"cot\":1,\"cot_name\":\"per_cyc\"");
    HAS(T, 0, "{\"ioa\":700,\"value\":23.5,\"qual\":0}");
    pdt_free(T);
}

Test(iec104_i, m_it_na_counter)
{
    struct pdt *T = one(S2C, i_m_it_na, sizeof i_m_it_na);
    HAS(T, 0, "\"cot_name\":\"reqcogen\"");
    HAS(T, 0, "{\"ioa\":800,\"value\":100000,\"qual\":64,\"qual_names\":[\"CA\"],\"seq\":5}");
    pdt_free(T);
}

Test(iec104_i, m_sp_tb_cp56)
{
    struct pdt *T = one(S2C, i_m_sp_tb, sizeof i_m_sp_tb);
    HAS(T, 0, "{\"ioa\":1000,\"value\":1,\"qual\":0,\"time_tag\":\"2024-03-15T10:20:30.456\",\"time_utc\":\"2024-03-15T10:20:30.456Z\"}");
    pdt_free(T);
}

Test(iec104_i, m_me_tf_float_cp56_iv_su)
{
    struct pdt *T = one(S2C, i_m_me_tf, sizeof i_m_me_tf);
    HAS(T, 0, "\"ca\":10516");
    HAS(T, 0, "{\"ioa\":176843,\"value\":-1.5,\"qual\":0,\"time_tag\":\"2023-06-01T12:05:00.000\",\"time_utc\":\"2023-06-01T12:05:00.000Z\","
              "\"time_iv\":true,\"time_su\":true}");
    pdt_free(T);
}

Test(iec104_i, m_ei_na)
{
    struct pdt *T = one(S2C, i_m_ei_na, sizeof i_m_ei_na);
    HAS(T, 0, "\"type\":70,\"type_name\":\"M_EI_NA_1\"");
    HAS(T, 0, "\"cot\":4,\"cot_name\":\"init\"");
    HAS(T, 0, "{\"ioa\":0,\"value\":2,\"qual\":0}");
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    pdt_free(T);
}

Test(iec104_i, sq1_single_points)
{
    struct pdt *T = one(S2C, i_m_sp_sq, sizeof i_m_sp_sq);
    HAS(T, 0, "\"sq\":true,\"num\":4");
    HAS(T, 0, "\"objects\":[{\"ioa\":10010,\"value\":1,\"qual\":0},"
              "{\"ioa\":10011,\"value\":0,\"qual\":0},"
              "{\"ioa\":10012,\"value\":1,\"qual\":128,\"qual_names\":[\"IV\"]},"
              "{\"ioa\":10013,\"value\":0,\"qual\":16,\"qual_names\":[\"BL\"]}]");
    pdt_free(T);
}

Test(iec104_i, sq1_scaled)
{
    struct pdt *T = one(S2C, i_m_me_nb_sq, sizeof i_m_me_nb_sq);
    HAS(T, 0, "\"objects\":[{\"ioa\":2000,\"value\":1,\"qual\":0},"
              "{\"ioa\":2001,\"value\":-1,\"qual\":0},"
              "{\"ioa\":2002,\"value\":32767,\"qual\":128,\"qual_names\":[\"IV\"]}]");
    pdt_free(T);
}

Test(iec104_i, c_sc_select_then_execute)
{
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, C2S, T0, i_c_sc_select, sizeof i_c_sc_select), 0);
    cr_assert_eq(pdt_parse(T, C2S, T0 + 5, i_c_sc_execute, sizeof i_c_sc_execute), 0);
    /* the execute supersedes the unconfirmed select (no_response); it waits itself */
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    pd_iec104.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 0, "\"tx\":0,\"rx\":10");
    HAS(T, 0, "\"type_name\":\"C_SC_NA_1\"");
    HAS(T, 0, "\"cot\":6,\"cot_name\":\"act\"");
    HAS(T, 0, "\"se\":\"select\"");
    HAS(T, 0, "{\"ioa\":5000,\"value\":1,\"qual\":0}");
    HAS(T, 1, "\"se\":\"execute\"");
    HAS(T, 1, "{\"ioa\":5000,\"value\":1,\"qual\":1}");
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[1].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].req_dir, C2S);
    pdt_free(T);
}

Test(iec104_i, c_dc_na)
{
    struct pdt *T = one(C2S, i_c_dc_na, sizeof i_c_dc_na);
    HAS(T, 0, "\"type_name\":\"C_DC_NA_1\"");
    HAS(T, 0, "\"se\":\"execute\"");
    HAS(T, 0, "{\"ioa\":6000,\"value\":2,\"qual\":2}");
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    pdt_free(T);
}

Test(iec104_i, c_se_nc_setpoint)
{
    struct pdt *T = one(C2S, i_c_se_nc, sizeof i_c_se_nc);
    HAS(T, 0, "\"type_name\":\"C_SE_NC_1\"");
    HAS(T, 0, "\"se\":\"select\"");
    HAS(T, 0, "{\"ioa\":7000,\"value\":50.25,\"qual\":0}");
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    pdt_free(T);
}

Test(iec104_i, c_ic_na_interrogation)
{
    struct pdt *T = one(C2S, i_c_ic_na, sizeof i_c_ic_na);
    HAS(T, 0, "\"type\":100,\"type_name\":\"C_IC_NA_1\"");
    HAS(T, 0, "{\"ioa\":0,\"value\":20}");
    HASNT(T, 0, "\"se\"");
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    pdt_free(T);
}

Test(iec104_i, c_cs_na_clock_sync)
{
    struct pdt *T = one(C2S, i_c_cs_na, sizeof i_c_cs_na);
    HAS(T, 0, "\"type_name\":\"C_CS_NA_1\"");
    HAS(T, 0, "{\"ioa\":0,\"time_tag\":\"2024-03-15T10:20:30.456\",\"time_utc\":\"2024-03-15T10:20:30.456Z\"}");
    cr_assert_eq(T->txn[0].op, PD_OP_TIME);
    pdt_free(T);
}

Test(iec104_i, c_ci_na_counter_interrogation)
{
    struct pdt *T = one(C2S, i_c_ci_na, sizeof i_c_ci_na);
    HAS(T, 0, "\"type_name\":\"C_CI_NA_1\"");
    HAS(T, 0, "{\"ioa\":0,\"value\":5,\"qual\":1}");
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    pdt_free(T);
}

Test(iec104_i, negative_confirm_is_exception)
{
    struct pdt *T = one(S2C, i_c_sc_negcon, sizeof i_c_sc_negcon);
    HAS(T, 0, "\"cot\":7,\"cot_name\":\"actcon\",\"neg\":true,\"test\":false");
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    pdt_free(T);
}

Test(iec104_i, unknown_common_address_is_exception)
{
    struct pdt *T = one(S2C, i_c_ic_unknown_ca, sizeof i_c_ic_unknown_ca);
    HAS(T, 0, "\"cot\":46,\"cot_name\":\"unknown_ca\",\"neg\":false,\"test\":true,\"oa\":7,"
              "\"ca\":12345");
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    pdt_free(T);
}

Test(iec104_i, m_me_ta_cp24)
{
    struct pdt *T = one(S2C, i_m_me_ta_cp24, sizeof i_m_me_ta_cp24);
    HAS(T, 0, "{\"ioa\":16,\"value\":-0.5,\"qual\":64,\"qual_names\":[\"NT\"],"
              "\"time_cp24\":{\"min\":59,\"ms\":1000},\"time_iv\":true}");
    pdt_free(T);
}

Test(iec104_i, cp56_not_a_date_is_written_raw)
{
    struct pdt *T = one(S2C, i_m_sp_tb_bad_date, sizeof i_m_sp_tb_bad_date);
    HAS(T, 0, "{\"ioa\":1,\"value\":0,\"qual\":0,\"time_raw\":{\"year\":99,\"month\":2,"
              "\"day\":30,\"hour\":0,\"min\":0,\"ms\":10000}}");
    HASNT(T, 0, "\"time\":");
    pdt_free(T);
}

Test(iec104_i, m_ep_td_protection_event)
{
    struct pdt *T = one(S2C, i_m_ep_td, sizeof i_m_ep_td);
    HAS(T, 0, "{\"ioa\":5,\"value\":2,\"qual\":8,\"qual_names\":[\"EI\"],\"elapsed_ms\":300,"
              "\"time_tag\":\"2000-01-01T00:00:00.000\",\"time_utc\":\"2000-01-01T00:00:00.000Z\"}");
    pdt_free(T);
}

Test(iec104_i, c_se_na_normalised_setpoint_execute)
{
    struct pdt *T = one(C2S, i_c_se_na_exec, sizeof i_c_se_na_exec);
    HAS(T, 0, "\"se\":\"execute\"");
    HAS(T, 0, "{\"ioa\":6,\"value\":0.25,\"qual\":3}");
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    pdt_free(T);
}

Test(iec104_i, f_fr_na_file_ready)
{
    struct pdt *T = one(S2C, i_f_fr_na, sizeof i_f_fr_na);
    HAS(T, 0, "\"cot_name\":\"file\"");
    HAS(T, 0, "{\"ioa\":4096,\"value\":2,\"qual\":0,\"length\":65536}");
    cr_assert_eq(T->txn[0].op, PD_OP_FILE);
    pdt_free(T);
}

Test(iec104_i, objects_capped_at_max_items)
{
    struct pdt *T = pdt_new(&pd_iec104);
    T->lim.max_items = 2;
    cr_assert_eq(pdt_parse(T, S2C, T0, i_m_sp_sq, sizeof i_m_sp_sq), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 0, "\"objects\":[{\"ioa\":10010,\"value\":1,\"qual\":0},"
              "{\"ioa\":10011,\"value\":0,\"qual\":0}],\"truncated\":true}");
    HASNT(T, 0, "10012");
    pdt_free(T);
}

/* Every type id the name table knows: one object of zeros (a segment of two octets for
 * F_SG_NA_1) decodes with no anomaly, so each layout consumes exactly its table size. */
Test(iec104_i, every_named_type_decodes)
{
    unsigned named = 0;
    for (unsigned type = 0; type < 256; type++) {
        const struct iec104_type_info *ti = iec104_type(type);
        if (!ti)
            continue;
        named++;
        uint8_t buf[64] = {0x68, 0, 0x00, 0x00, 0x00, 0x00, (uint8_t)type, 0x01, 0x03, 0x00,
                           0x01, 0x00, 0x2a, 0x00, 0x00};
        size_t n = 15;
        if (ti->layout == IEC104_L_F_SG) {
            buf[n + 3] = 2; /* NOF 0, NOS 0, LOS 2, two octets of data */
            n += 6;
        } else if (ti->size > 0) {
            n += (size_t)ti->size;
        }
        buf[1] = (uint8_t)(n - 2);
        struct pdt *T = pdt_new(&pd_iec104);
        int rc = pdt_parse(T, S2C, T0, buf, n);
        cr_assert_eq(rc, 0, "type %u (%s) rc %d", type, ti->name, rc);
        cr_assert_eq(T->n_anomalies, 0, "type %u: %s", type, T->anomaly_kind[0]);
        cr_assert_eq(T->n_events, 1);
        char want[48];
        snprintf(want, sizeof want, "\"type_name\":\"%s\"", ti->name);
        HAS(T, 0, want);
        if (ti->layout != IEC104_L_OPAQUE)
            HAS(T, 0, "\"objects\":[{\"ioa\":42");
        pdt_free(T);
    }
    /* 1-21, 30-41, 45-51, 58-64, 70, 81-87, 90-95, 100-107, 110-113, 120-127 */
    cr_assert_eq(named, 21 + 12 + 7 + 7 + 1 + 7 + 6 + 8 + 4 + 8);
}

Test(iec104_i, names_and_sizes_match_the_standard)
{
    /* element sizes after the IOA, as Wireshark's asdu_length table lists them */
    static const struct { uint8_t type; int8_t size; const char *name; } want[] = {
        {1, 1, "M_SP_NA_1"},   {2, 4, "M_SP_TA_1"},   {5, 2, "M_ST_NA_1"},
        {7, 5, "M_BO_NA_1"},   {9, 3, "M_ME_NA_1"},   {13, 5, "M_ME_NC_1"},
        {15, 5, "M_IT_NA_1"},  {20, 5, "M_PS_NA_1"},  {21, 2, "M_ME_ND_1"},
        {30, 8, "M_SP_TB_1"},  {32, 9, "M_ST_TB_1"},  {33, 12, "M_BO_TB_1"},
        {36, 12, "M_ME_TF_1"}, {37, 12, "M_IT_TB_1"}, {38, 10, "M_EP_TD_1"},
        {39, 11, "M_EP_TE_1"}, {40, 11, "M_EP_TF_1"}, {41, 14, "S_IT_TC_1"},
        {50, 5, "C_SE_NC_1"},  {51, 4, "C_BO_NA_1"},  {63, 12, "C_SE_TC_1"},
        {64, 11, "C_BO_TA_1"}, {102, 0, "C_RD_NA_1"}, {103, 7, "C_CS_NA_1"},
        {107, 9, "C_TS_TA_1"}, {112, 5, "P_ME_NC_1"}, {120, 6, "F_FR_NA_1"},
        {121, 7, "F_SR_NA_1"}, {126, 13, "F_DR_TA_1"}, {127, 16, "F_SC_NB_1"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct iec104_type_info *ti = iec104_type(want[i].type);
        cr_assert_not_null(ti, "type %u", want[i].type);
        cr_assert_str_eq(ti->name, want[i].name);
        cr_assert_eq(ti->size, want[i].size, "%s", want[i].name);
    }
    cr_assert_null(iec104_type(0));
    cr_assert_null(iec104_type(24));
    cr_assert_null(iec104_type(128));
    cr_assert_str_eq(iec104_cot_name(37), "reqcogen");
    cr_assert_str_eq(iec104_cot_name(47), "unknown_ioa");
    cr_assert_null(iec104_cot_name(0));
    cr_assert_null(iec104_cot_name(42));
}

/* ---- framing: the sensor's loop over a byte stream ---- */

/* Runs pdu_len/resync/parse over buf as the sensor does; returns the octets consumed
 * (whole PDUs and skipped junk), leaving an incomplete PDU in place. */
static size_t stream_feed(struct pdt *T, uint8_t dir, const uint8_t *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        long l = pd_iec104.pdu_len(buf + off, n - off);
        if (l == 0)
            break;
        if (l < 0) {
            long r = pd_iec104.resync(buf + off + 1, n - off - 1);
            if (r < 0)
                return n;
            off += 1 + (size_t)r;
            continue;
        }
        if ((size_t)l > n - off)
            break;
        pdt_parse(T, dir, T0, buf + off, (size_t)l);
        off += (size_t)l;
    }
    return off;
}

Test(iec104_framing, several_apdus_in_one_buffer)
{
    uint8_t buf[128];
    size_t n = 0;
    /* the S-frame (N(R)=10) after the I-frames (N(R)=0): before them, N(R) would go back */
    memcpy(buf + n, i_m_sp_na, sizeof i_m_sp_na), n += sizeof i_m_sp_na;
    memcpy(buf + n, i_m_dp_na, sizeof i_m_dp_na), n += sizeof i_m_dp_na;
    memcpy(buf + n, s_ack10, sizeof s_ack10), n += sizeof s_ack10;
    memcpy(buf + n, u_testfr_act, sizeof u_testfr_act), n += sizeof u_testfr_act;
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(stream_feed(T, S2C, buf, n), n);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 0, "M_SP_NA_1");
    HAS(T, 1, "M_DP_NA_1");
    HAS(T, 2, "testfr_act");
    cr_assert_eq(((const struct iec104_state *)T->state)->dir[S2C].s_frames, 1);
    pdt_free(T);
}

Test(iec104_framing, one_apdu_across_segments)
{
    /* M_ME_TF_1 followed by an S-frame, delivered 3 octets at a time */
    uint8_t all[64], acc[64];
    size_t n = 0, have = 0;
    memcpy(all, i_m_me_tf, sizeof i_m_me_tf), n = sizeof i_m_me_tf;
    memcpy(all + n, s_ack10, sizeof s_ack10), n += sizeof s_ack10;
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pd_iec104.pdu_len(all, 1), 0);
    cr_assert_eq(pd_iec104.pdu_len(all, 2), (long)sizeof i_m_me_tf);
    for (size_t off = 0; off < n; off += 3) {
        size_t k = n - off < 3 ? n - off : 3;
        memcpy(acc + have, all + off, k);
        have += k;
        size_t used = stream_feed(T, S2C, acc, have);
        memmove(acc, acc + used, have - used);
        have -= used;
        if (off + k < sizeof i_m_me_tf)
            cr_assert_eq(T->n_events, 0, "event before the APDU was complete");
    }
    cr_assert_eq(have, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 0, "\"value\":-1.5");
    pdt_free(T);
}

Test(iec104_framing, resync_skips_junk_to_a_sane_apci)
{
    static const uint8_t junk[] = {
        0x00, 0x01,             /* noise */
        0x68, 0x02, 0x02,       /* 0x68 with length 2: not an APCI */
        0x68, 0x06, 0x19, 0x19, /* S-format bits with length 6: not an APCI */
        0x68, 0x05, 0x17, 0x17, /* U-format bits with length 5: not an APCI */
        0x68, 0x08, 0x18, 0x18, /* I-format with length 8 (< 10): not an APCI */
        0x68, 0x04, 0x43, 0x00, 0x00, 0x00, /* TESTFR act */
    };
    cr_assert_eq(pd_iec104.resync(junk, sizeof junk), 17);
    cr_assert_eq(pd_iec104.resync(junk, 4), -1);
    /* a candidate cut by the end of the buffer is a plausible start */
    cr_assert_eq(pd_iec104.resync(junk + 17, 3), 0);
    /* ... unless the octets present already rule it out (I or S with the wrong length) */
    cr_assert_eq(pd_iec104.resync(junk + 13, 3), -1);
    cr_assert_eq(pd_iec104.resync(junk + 5, 3), -1);
    cr_assert_eq(pd_iec104.resync(junk + 9, 3), -1);
    cr_assert_eq(pd_iec104.pdu_len(junk, sizeof junk), -1);
    cr_assert_eq(pd_iec104.pdu_len(junk + 2, sizeof junk - 2), -1);
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(stream_feed(T, C2S, junk, sizeof junk), sizeof junk);
    cr_assert_eq(T->n_events, 1);
    HAS(T, 0, "testfr_act");
    pdt_free(T);
}

Test(iec104_probe, accepts_every_vector_rejects_noise)
{
    for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
        const struct vec *v = &all_vectors[i];
        cr_assert_eq(pd_iec104.probe(v->p, v->n, C2S), PD_PROBE_YES, "%s", v->name);
        cr_assert_eq(pd_iec104.probe(v->p, 1, C2S), PD_PROBE_NEED_MORE, "%s", v->name);
        cr_assert_eq(pd_iec104.probe(v->p, 5, C2S), PD_PROBE_NEED_MORE, "%s", v->name);
    }
    static const uint8_t http[] = "GET / HTTP/1.1\r\n";
    static const uint8_t u_two_bits[] = {0x68, 0x04, 0x0f, 0x00, 0x00, 0x00};
    static const uint8_t u_nonzero[] = {0x68, 0x04, 0x07, 0x00, 0x01, 0x00};
    static const uint8_t s_long[] = {0x68, 0x06, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00};
    static const uint8_t s_odd_rx[] = {0x68, 0x04, 0x01, 0x00, 0x03, 0x00};
    static const uint8_t i_type24[] = {0x68, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x18, 0x01,
                                       0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t i_short[] = {0x68, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01,
                                      0x03, 0x00};
    cr_assert_eq(pd_iec104.probe(http, sizeof http - 1, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(u_two_bits, sizeof u_two_bits, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(u_nonzero, sizeof u_nonzero, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(s_long, sizeof s_long, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(s_odd_rx, sizeof s_odd_rx, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(i_type24, sizeof i_type24, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(i_short, sizeof i_short, C2S), PD_PROBE_NO);
    cr_assert_eq(pd_iec104.probe(i_m_sp_na, 6, C2S), PD_PROBE_NEED_MORE);
    cr_assert_eq(pd_iec104.probe(http, 0, C2S), PD_PROBE_NEED_MORE);
}

/* ---- sequence tracking ---- */

static void i_frame(uint8_t *buf, unsigned ns, unsigned nr)
{
    memcpy(buf, i_m_sp_na, sizeof i_m_sp_na);
    buf[2] = (uint8_t)(ns << 1); /* N(S) low 7 bits, shifted past the I-format bit */
    buf[3] = (uint8_t)(ns >> 7);
    buf[4] = (uint8_t)(nr << 1);
    buf[5] = (uint8_t)(nr >> 7);
}

Test(iec104_seq, gap_and_duplicate)
{
    struct pdt *T = pdt_new(&pd_iec104);
    uint8_t f[sizeof i_m_sp_na];
    static const unsigned ns[] = {5, 6, 9, 10, 7, 8, 11};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        i_frame(f, ns[i], 0);
        cr_assert_eq(pdt_parse(T, S2C, T0, f, sizeof f), 0);
    }
    cr_assert_eq(T->n_events, 7);
    cr_assert_eq(T->n_anomalies, 3);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_seq_gap");       /* 6 -> 9 */
    cr_assert_str_eq(T->anomaly_kind[1], "iec104_seq_duplicate"); /* 7, expected 11 */
    cr_assert_str_eq(T->anomaly_kind[2], "iec104_seq_duplicate"); /* 8, still expected 11 */
    HAS(T, 2, "\"tx\":9");
    cr_assert_eq(((const struct iec104_state *)T->state)->dir[S2C].next_tx, 12);
    pdt_free(T);
}

Test(iec104_seq, directions_are_independent_and_wrap_is_fine)
{
    struct pdt *T = pdt_new(&pd_iec104);
    uint8_t f[sizeof i_m_sp_na];
    /* each N(R) acknowledges only what the other side has sent */
    i_frame(f, 32766, 0);
    cr_assert_eq(pdt_parse(T, S2C, T0, f, sizeof f), 0);
    i_frame(f, 0, 32767); /* acknowledges up to 32766 */
    cr_assert_eq(pdt_parse(T, C2S, T0, f, sizeof f), 0);
    i_frame(f, 32767, 1);
    cr_assert_eq(pdt_parse(T, S2C, T0, f, sizeof f), 0);
    i_frame(f, 0, 1);
    cr_assert_eq(pdt_parse(T, S2C, T0, f, sizeof f), 0);
    i_frame(f, 1, 1); /* acknowledges up to 0: N(R) 32767 -> 1 across the wrap */
    cr_assert_eq(pdt_parse(T, C2S, T0, f, sizeof f), 0);
    cr_assert_eq(T->n_anomalies, 0);
    HAS(T, 2, "\"tx\":32767,\"rx\":1");
    const struct iec104_state *st = T->state;
    cr_assert_eq(st->dir[S2C].next_tx, 1);
    cr_assert_eq(st->dir[C2S].next_tx, 2);
    cr_assert_eq(st->dir[S2C].i_frames, 3);
    i_frame(f, 32767, 1); /* behind by 2 after the wrap */
    cr_assert_eq(pdt_parse(T, S2C, T0, f, sizeof f), 0);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_seq_duplicate");
    pdt_free(T);
}

/* Feeds vector x in direction dir on T; expects parse() 0. */
#define FEED(T, dir, x) cr_assert_eq(pdt_parse((T), (dir), T0, (x), sizeof(x)), 0, "%s", #x)

Test(iec104_seq, duplicate_then_resume_is_one_duplicate_and_no_gap)
{
    struct pdt *T = pdt_new(&pd_iec104);
    FEED(T, S2C, i_m_sp_na); /* N(S) 0 */
    FEED(T, S2C, i_m_dp_na); /* N(S) 1 */
    FEED(T, S2C, i_m_st_na); /* N(S) 2 */
    FEED(T, S2C, i_m_dp_na); /* N(S) 1 again: a duplicate, 3 still expected */
    FEED(T, S2C, i_m_bo_na); /* N(S) 3: the stream resumes */
    cr_assert_eq(T->n_events, 5);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_seq_duplicate");
    cr_assert_eq(((const struct iec104_state *)T->state)->dir[S2C].next_tx, 4);
    pdt_free(T);
}

Test(iec104_seq, ack_of_unsent_frames)
{
    /* S-format: the station sent N(S) 0 and 1; N(R) 2 is right, N(R) 10 is 8 too many */
    struct pdt *T = pdt_new(&pd_iec104);
    FEED(T, S2C, i_m_sp_na); /* N(S) 0 */
    FEED(T, S2C, i_m_dp_na); /* N(S) 1 */
    FEED(T, C2S, s_ack2);    /* acknowledges 0 and 1 */
    cr_assert_eq(T->n_anomalies, 0);
    FEED(T, C2S, s_ack10);   /* acknowledges 2..9, never sent */
    FEED(T, C2S, s_ack10);   /* the same claim again is not a new anomaly */
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_ack_unsent");
    pdt_free(T);

    /* I-format: the N(R) of a command does the same */
    T = pdt_new(&pd_iec104);
    FEED(T, S2C, i_m_sp_na);     /* N(S) 0 */
    FEED(T, S2C, i_m_dp_na);     /* N(S) 1 */
    FEED(T, C2S, i_c_sc_select); /* N(S) 0, N(R) 10 */
    pd_iec104.expire(&T->ctx, 1); /* the command waits for its actcon until the end */
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_ack_unsent");
    pdt_free(T);
}

Test(iec104_seq, ack_going_backwards)
{
    /* S-format: N(R) 10, then 2 */
    struct pdt *T = pdt_new(&pd_iec104);
    FEED(T, C2S, s_ack10);
    FEED(T, C2S, s_ack2);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_ack_backwards");
    pdt_free(T);

    /* I-format: N(R) 1, 1, then 0; N(S) 10, 11, 12 run on without a gap */
    T = pdt_new(&pd_iec104);
    FEED(T, S2C, i_m_sp_sq);
    FEED(T, S2C, i_m_me_nb_sq);
    cr_assert_eq(T->n_anomalies, 0);
    FEED(T, S2C, i_m_sp_na_ns12);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104_ack_backwards");
    pdt_free(T);
}

Test(iec104_seq, wrap_at_32767_is_no_anomaly)
{
    struct pdt *T = pdt_new(&pd_iec104);
    FEED(T, S2C, i_m_sp_na_ns32766); /* N(S) 32766 */
    FEED(T, S2C, i_m_sp_na_ns32767); /* N(S) 32767 */
    FEED(T, S2C, i_m_sp_na);         /* N(S) 32767 -> 0: next expected 1 */
    FEED(T, C2S, s_ack32767);        /* lags behind next N(S) 1: acknowledges up to 32766 */
    FEED(T, C2S, s_ack0);            /* N(R) 32767 -> 0 moves forward: acknowledges 32767 */
    FEED(T, C2S, s_ack1);            /* acknowledges 0 */
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 0, "anomaly %s", T->anomaly_kind[0]);
    const struct iec104_state *st = T->state;
    cr_assert_eq(st->dir[S2C].next_tx, 1);
    cr_assert_eq(st->dir[C2S].last_rx, 1);
    pdt_free(T);
}

Test(iec104_seq, mid_stream_start_is_no_anomaly)
{
    /* The capture starts with the station at N(S) 1000 and the client at N(S) 20000.
     * Against a zeroed state N(R) 1000 would acknowledge unsent frames and N(R) 20000
     * would be behind 0; neither is reported, nothing being known yet. */
    struct pdt *T = pdt_new(&pd_iec104);
    FEED(T, C2S, s_ack1000);         /* N(R) 1000: nothing seen from the station */
    FEED(T, S2C, i_m_sp_na_ns1000);  /* N(S) 1000, N(R) 20000: first N(R) of this side */
    FEED(T, C2S, i_c_ic_na_ns20000); /* N(S) 20000, N(R) 1001 */
    FEED(T, S2C, s_ack20001);        /* N(R) 20001 */
    pd_iec104.expire(&T->ctx, 1);    /* the interrogation waits for its actcon until the end */
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0, "anomaly %s", T->anomaly_kind[0]);
    pdt_free(T);
}

/* ---- malformed inputs ---- */

struct bad {
    const char *name;
    uint8_t bytes[40];
    size_t n;
    int rc;            /* parse() result: -1 or 0 */
    const char *kind;  /* the anomaly kind */
    int status;        /* status of the one event, or -1 when no event */
};

/* The ASDU header most malformed I-frames below share:
 *   0x68 start | length | N(S)=0 (00 00) | N(R)=0 (00 00) | type | VSQ | COT | OA 0 | CA 1 (01 00) */
static const struct bad bad_inputs[] = {
    {"empty", {0}, 0, -1, "iec104_truncated", -1},
    {"start only",
     {0x68},                                /* start, then nothing */
     1, -1, "iec104_truncated", -1},
    {"wrong start",
     {0x69, 0x04,                           /* 0x69 is not the start octet, length 4 */
      0x07, 0x00, 0x00, 0x00},              /* STARTDT act */
     6, -1, "iec104_malformed", -1},
    {"length 3",
     {0x68, 0x03,                           /* length 3 < 4: no room for the control field */
      0x07, 0x00, 0x00},
     5, -1, "iec104_malformed", -1},
    {"length 254",
     {0x68, 0xfe,                           /* length 254 > 253 */
      0x07, 0x00, 0x00, 0x00},
     6, -1, "iec104_malformed", -1},
    {"length beyond data",
     {0x68, 0x0e,                           /* length 14 ... */
      0x00, 0x00, 0x00, 0x00,               /* I: N(S)=0, N(R)=0 */
      0x01, 0x01, 0x03, 0x00},              /* ... but the ASDU stops after 4 octets */
     10, -1, "iec104_truncated", -1},
    {"U two function bits",
     {0x68, 0x04,                           /* start, length 4 */
      0x0f, 0x00, 0x00, 0x00},              /* U: STARTDT act and con at once */
     6, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"U no function bit",
     {0x68, 0x04,                           /* start, length 4 */
      0x03, 0x00, 0x00, 0x00},              /* U: no function */
     6, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"U length 5",
     {0x68, 0x05,                           /* length 5: a U-format APDU is 4 */
      0x07, 0x00, 0x00, 0x00,               /* STARTDT act */
      0x00},                                /* stray octet */
     7, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"S length 6",
     {0x68, 0x06,                           /* length 6: an S-format APDU is 4 */
      0x01, 0x00, 0x02, 0x00,               /* S: N(R)=1 */
      0x00, 0x00},                          /* stray octets */
     8, -1, "iec104_malformed", -1},
    {"S octet 2 set",
     {0x68, 0x04,                           /* start, length 4 */
      0x01, 0x05,                           /* S, but octet 2 must be 0 */
      0x02, 0x00},                          /* N(R)=1 */
     6, -1, "iec104_malformed", -1},
    {"I length 8",
     {0x68, 0x08,                           /* length 8 < 10: no room for the ASDU header */
      0x00, 0x00, 0x00, 0x00,               /* I: N(S)=0, N(R)=0 */
      0x01, 0x01, 0x03, 0x00},              /* type 1, VSQ 1, COT 3, OA 0: CA missing */
     10, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"I count 2, one object",
     {0x68, 0x0e, 0x00, 0x00, 0x00, 0x00,   /* length 14, N(S)=0, N(R)=0 */
      0x01, 0x02, 0x03, 0x00, 0x01, 0x00,   /* M_SP_NA_1, VSQ: 2 objects, spont, OA 0, CA 1 */
      0x64, 0x00, 0x00, 0x01},              /* IOA 100, SIQ on; the second object is missing */
     16, -1, "iec104_truncated", PD_ST_MALFORMED},
    {"I trailing octet",
     {0x68, 0x0f, 0x00, 0x00, 0x00, 0x00,   /* length 15, N(S)=0, N(R)=0 */
      0x01, 0x01, 0x03, 0x00, 0x01, 0x00,   /* M_SP_NA_1, 1 object, spont, OA 0, CA 1 */
      0x64, 0x00, 0x00, 0x01,               /* IOA 100, SIQ on */
      0xee},                                /* one octet more than the VSQ declares */
     17, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"I count 0 with objects",
     {0x68, 0x0e, 0x00, 0x00, 0x00, 0x00,   /* length 14, N(S)=0, N(R)=0 */
      0x01, 0x00, 0x03, 0x00, 0x01, 0x00,   /* M_SP_NA_1, VSQ: 0 objects, spont, OA 0, CA 1 */
      0x64, 0x00, 0x00, 0x01},              /* an object all the same */
     16, -1, "iec104_malformed", PD_ST_MALFORMED},
    {"I M_ME_TF_1 cut in its time tag",
     {0x68, 0x15, 0x00, 0x00, 0x00, 0x00,   /* length 21, N(S)=0, N(R)=0 */
      0x24, 0x01, 0x03, 0x00, 0x01, 0x00,   /* M_ME_TF_1, 1 object, spont, OA 0, CA 1 */
      0x01, 0x00, 0x00,                     /* IOA 1 */
      0x00, 0x00, 0x80, 0x3f,               /* float 1.0 */
      0x00,                                 /* QDS */
      0x00, 0x00, 0x01},                    /* 3 of the 7 CP56Time2a octets */
     23, -1, "iec104_truncated", PD_ST_MALFORMED},
    {"I SQ=1 count 127, two elements",
     {0x68, 0x0f, 0x00, 0x00, 0x00, 0x00,   /* length 15, N(S)=0, N(R)=0 */
      0x01, 0xff, 0x14, 0x00, 0x01, 0x00,   /* M_SP_NA_1, SQ=1 127 elements, inrogen, CA 1 */
      0x64, 0x00, 0x00,                     /* IOA 100 */
      0x01, 0x00},                          /* 2 of the 127 SIQs */
     17, -1, "iec104_truncated", PD_ST_MALFORMED},
    {"I segment longer than the APDU",
     {0x68, 0x11, 0x00, 0x00, 0x00, 0x00,   /* length 17, N(S)=0, N(R)=0 */
      0x7d, 0x01, 0x0d, 0x00, 0x01, 0x00,   /* F_SG_NA_1, 1 object, COT 13 file, CA 1 */
      0x01, 0x00, 0x00,                     /* IOA 1 */
      0x05, 0x00,                           /* name of file 5 */
      0x01,                                 /* name of section 1 */
      0xc8},                                /* segment length 200, no data follows */
     19, -1, "iec104_truncated", PD_ST_MALFORMED},
    {"I unknown type id 24 (record kept)",
     {0x68, 0x0e, 0x00, 0x00, 0x00, 0x00,   /* length 14, N(S)=0, N(R)=0 */
      0x18, 0x01, 0x03, 0x00, 0x01, 0x00,   /* type 24 (not assigned), 1 object, spont, CA 1 */
      0x64, 0x00, 0x00,                     /* IOA 100 */
      0x01},                                /* an element of unknown layout */
     16, 0, "iec104_unknown_type", PD_ST_OK},
};

Test(iec104_malformed, table)
{
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        const struct bad *b = &bad_inputs[i];
        struct pdt *T = pdt_new(&pd_iec104);
        uint8_t *copy = malloc(b->n ? b->n : 1); /* exact size so ASan sees over-reads */
        memcpy(copy, b->bytes, b->n);
        int rc = pdt_parse(T, C2S, T0, copy, b->n);
        cr_assert_eq(rc, b->rc, "%s: rc %d", b->name, rc);
        cr_assert_eq(T->n_anomalies, 1, "%s: %d anomalies", b->name, T->n_anomalies);
        cr_assert_str_eq(T->anomaly_kind[0], b->kind, "%s", b->name);
        if (b->status < 0) {
            cr_assert_eq(T->n_events, 0, "%s", b->name);
        } else {
            cr_assert_eq(T->n_events, 1, "%s", b->name);
            cr_assert_eq(T->txn[0].status, b->status, "%s", b->name);
        }
        free(copy);
        pdt_free(T);
    }
    cr_assert_geq(sizeof bad_inputs / sizeof bad_inputs[0], 15);
}

Test(iec104_malformed, malformed_asdu_keeps_header_and_decoded_objects)
{
    const struct bad *b = &bad_inputs[12]; /* count 2, one object */
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, S2C, T0, b->bytes, b->n), -1);
    HAS(T, 0, "\"type_name\":\"M_SP_NA_1\"");
    HAS(T, 0, "\"num\":2");
    HAS(T, 0, "\"objects\":[{\"ioa\":100,\"value\":1,\"qual\":0}]");
    pdt_free(T);
}

Test(iec104_malformed, unknown_type_keeps_first_ioa)
{
    const struct bad *b = &bad_inputs[18];
    struct pdt *T = pdt_new(&pd_iec104);
    cr_assert_eq(pdt_parse(T, S2C, T0, b->bytes, b->n), 0);
    HAS(T, 0, "\"type\":24,\"sq\":false");
    HAS(T, 0, "\"objects\":[{\"ioa\":100}]");
    HASNT(T, 0, "type_name");
    pdt_free(T);
}

Test(iec104_truncation, every_prefix_of_every_vector)
{
    for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
        const struct vec *v = &all_vectors[i];
        int ok = pdt_every_prefix(&pd_iec104, C2S, v->p, v->n);
        /* only the whole APDU parses: every shorter prefix is truncated */
        cr_assert_eq(ok, 1, "%s: %d prefixes accepted", v->name, ok);
        ok = pdt_every_prefix(&pd_iec104, S2C, v->p, v->n);
        cr_assert_eq(ok, 1, "%s", v->name);
    }
}
