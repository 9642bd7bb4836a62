/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_vectors.h - byte vectors for the S7 dissector tests: one per message type, each a
 * whole TPKT (RFC 1006) frame with COTP and S7comm or S7comm-plus, every field commented.
 * Shared by test_s7comm.c and test_s7comm_plus.c (and written out as fuzz seeds).
 */
#ifndef TZ_S7COMM_VECTORS_H
#define TZ_S7COMM_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define COTP_DT_EOT 0x02, 0xf0, 0x80 /* COTP LI 2, DT, EOT + TPDU number 0 */

/* ---- COTP connection ------------------------------------------------------------ */

static const uint8_t v_cotp_cr[] = {
    0x03, 0x00, 0x00, 0x16, /* TPKT version 3, reserved, length 22 */
    0x11,                   /* COTP length indicator 17 */
    0xe0,                   /* CR, credit 0 */
    0x00, 0x00,             /* destination reference */
    0x00, 0x01,             /* source reference */
    0x00,                   /* class 0, no options */
    0xc0, 0x01, 0x0a,       /* parameter TPDU size: 2^10 = 1024 */
    0xc1, 0x02, 0x01, 0x00, /* calling TSAP 0x0100 */
    0xc2, 0x02, 0x01, 0x02, /* called TSAP 0x0102: PG connection, rack 0, slot 2 */
};

static const uint8_t v_cotp_cc[] = {
    0x03, 0x00, 0x00, 0x16, /* TPKT length 22 */
    0x11,                   /* LI 17 */
    0xd0,                   /* CC */
    0x00, 0x01,             /* destination reference (the CR's source) */
    0x44, 0x31,             /* source reference */
    0x00,                   /* class 0 */
    0xc0, 0x01, 0x0a,       /* TPDU size 1024 */
    0xc1, 0x02, 0x01, 0x00, /* calling TSAP 0x0100 */
    0xc2, 0x02, 0x01, 0x02, /* called TSAP 0x0102 */
};

/* S7-1500 style CR: string TSAP, rack/slot not applicable */
static const uint8_t v_cotp_cr_simatic[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    0x1e,                   /* LI 30 */
    0xe0,                   /* CR */
    0x00, 0x00, 0x00, 0x02, /* references */
    0x00,                   /* class 0 */
    0xc1, 0x02, 0x06, 0x00, /* calling TSAP 0x0600 */
    0xc2, 0x0f,             /* called TSAP, 15 bytes: */
    'S', 'I', 'M', 'A', 'T', 'I', 'C', '-', 'R', 'O', 'O', 'T', '-', 'E', 'S',
    0xc0, 0x01, 0x0a,       /* TPDU size 1024 */
};

/* IEC 61850 MMS CR: called TSAP 0x0001 is not S7 */
static const uint8_t v_cotp_cr_mms[] = {
    0x03, 0x00, 0x00, 0x16, /* TPKT length 22 */
    0x11, 0xe0,             /* LI 17, CR */
    0x00, 0x00, 0x00, 0x03, /* references */
    0x00,                   /* class 0 */
    0xc0, 0x01, 0x0d,       /* TPDU size 8192 */
    0xc1, 0x02, 0x00, 0x01, /* calling TSAP 0x0001 */
    0xc2, 0x02, 0x00, 0x01, /* called TSAP 0x0001 */
};

/* IEC 61850 MMS server's CC: calling TSAP 0x0002, called 0x0200 */
static const uint8_t v_cotp_cc_mms[] = {
    0x03, 0x00, 0x00, 0x16, /* TPKT length 22 */
    0x11, 0xd0,             /* LI 17, CC */
    0x18, 0x01, 0x00, 0x04, /* references */
    0x00,                   /* class 0 */
    0xc1, 0x02, 0x00, 0x02, /* calling TSAP 0x0002 */
    0xc2, 0x02, 0x02, 0x00, /* called TSAP 0x0200 */
    0xc0, 0x01, 0x0a,       /* TPDU size 1024 */
};

/* RDP CR: a cookie instead of TSAPs */
static const uint8_t v_cotp_cr_rdp[] = {
    0x03, 0x00, 0x00, 0x13, /* TPKT length 19 */
    0x0e, 0xe0,             /* LI 14, CR */
    0x00, 0x00, 0x00, 0x00, /* references */
    0x00,                   /* class 0 */
    'C', 'o', 'o', 'k', 'i', 'e', ':', 0x0d, /* user data, not parameters */
};

/* ---- S7comm jobs and ack-data --------------------------------------------------- */

static const uint8_t v_setup_job[] = {
    0x03, 0x00, 0x00, 0x19, /* TPKT length 25 */
    COTP_DT_EOT,
    0x32, 0x01,             /* S7, ROSCTR job */
    0x00, 0x00,             /* redundancy identification */
    0x04, 0x00,             /* PDU reference 1024 */
    0x00, 0x08, 0x00, 0x00, /* parameter length 8, data length 0 */
    0xf0, 0x00,             /* setup communication, reserved */
    0x00, 0x01, 0x00, 0x01, /* max AmQ calling 1, called 1 */
    0x01, 0xe0,             /* PDU size 480 */
};

static const uint8_t v_setup_ack[] = {
    0x03, 0x00, 0x00, 0x1b, /* TPKT length 27 */
    COTP_DT_EOT,
    0x32, 0x03,             /* S7, ROSCTR ack-data */
    0x00, 0x00, 0x04, 0x00, /* redundancy id, PDU reference 1024 */
    0x00, 0x08, 0x00, 0x00, /* parameter length 8, data length 0 */
    0x00, 0x00,             /* error class 0, error code 0 */
    0xf0, 0x00,             /* setup communication */
    0x00, 0x01, 0x00, 0x01, /* AmQ calling 1, called 1 */
    0x00, 0xf0,             /* negotiated PDU size 240 */
};

static const uint8_t v_read_job[] = {
    0x03, 0x00, 0x00, 0x37, /* TPKT length 55 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x05, 0x00,             /* PDU reference 1280 */
    0x00, 0x26, 0x00, 0x00, /* parameter length 38, data length 0 */
    0x04, 0x03,             /* read var, 3 items */
    /* item 1: DB1.DBX10.2 BIT 1 */
    0x12, 0x0a, 0x10,       /* var spec, length 10, syntax S7ANY */
    0x01, 0x00, 0x01,       /* transport size BIT, count 1 */
    0x00, 0x01, 0x84,       /* DB 1, area DB */
    0x00, 0x00, 0x52,       /* address 10 * 8 + 2 */
    /* item 2: MB100 BYTE 4 */
    0x12, 0x0a, 0x10,
    0x02, 0x00, 0x04,       /* BYTE, count 4 */
    0x00, 0x00, 0x83,       /* DB 0, area M */
    0x00, 0x03, 0x20,       /* address 100 * 8 */
    /* item 3: DB5.DBW20 WORD 2 */
    0x12, 0x0a, 0x10,
    0x04, 0x00, 0x02,       /* WORD, count 2 */
    0x00, 0x05, 0x84,       /* DB 5, area DB */
    0x00, 0x00, 0xa0,       /* address 20 * 8 */
};

static const uint8_t v_read_ack[] = {
    0x03, 0x00, 0x00, 0x27, /* TPKT length 39 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x05, 0x00,             /* PDU reference 1280 */
    0x00, 0x02, 0x00, 0x12, /* parameter length 2, data length 18 */
    0x00, 0x00,             /* no error */
    0x04, 0x03,             /* read var, 3 items */
    0xff, 0x03, 0x00, 0x01, /* item 1: success, BIT, 1 bit */
    0x01, 0x00,             /* value 1, fill byte */
    0xff, 0x04, 0x00, 0x20, /* item 2: success, BYTE/WORD/DWORD, 32 bits */
    0xde, 0xad, 0xbe, 0xef, /* value */
    0x05, 0x00, 0x00, 0x00, /* item 3: invalid address, no data */
};

static const uint8_t v_write_job[] = {
    0x03, 0x00, 0x00, 0x25, /* TPKT length 37 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x06, 0x00,             /* PDU reference 1536 */
    0x00, 0x0e, 0x00, 0x06, /* parameter length 14, data length 6 */
    0x05, 0x01,             /* write var, 1 item */
    0x12, 0x0a, 0x10,       /* var spec, length 10, S7ANY */
    0x02, 0x00, 0x02,       /* BYTE, count 2 */
    0x00, 0x01, 0x84,       /* DB 1, area DB */
    0x00, 0x00, 0x20,       /* DB1.DBB4 */
    0x00, 0x04, 0x00, 0x10, /* data: reserved, BYTE/WORD/DWORD, 16 bits */
    0x12, 0x34,             /* value */
};

static const uint8_t v_write_ack[] = {
    0x03, 0x00, 0x00, 0x16, /* TPKT length 22 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x06, 0x00,             /* PDU reference 1536 */
    0x00, 0x02, 0x00, 0x01, /* parameter length 2, data length 1 */
    0x00, 0x00,             /* no error */
    0x05, 0x01,             /* write var, 1 item */
    0xff,                   /* item 1: success */
};

static const uint8_t v_start_upload_job[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x07, 0x00,             /* PDU reference 1792 */
    0x00, 0x12, 0x00, 0x00, /* parameter length 18 */
    0x1d, 0x00,             /* start upload, function status */
    0x00, 0x00,             /* unknown */
    0x00, 0x00, 0x00, 0x00, /* upload id (not yet assigned) */
    0x09,                   /* file name length */
    '_', '0', 'A', '0', '0', '0', '0', '1', 'P', /* complete module, DB 1, passive */
};

static const uint8_t v_start_upload_ack[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x07, 0x00,             /* PDU reference 1792 */
    0x00, 0x10, 0x00, 0x00, /* parameter length 16 */
    0x00, 0x00,             /* no error */
    0x1d, 0x00,             /* start upload, function status */
    0x01, 0x00,             /* unknown */
    0x00, 0x00, 0x00, 0x07, /* upload id 7 */
    0x07,                   /* block length string, 7 characters */
    '0', '0', '0', '0', '0', '9', '6',
};

static const uint8_t v_upload_job[] = {
    0x03, 0x00, 0x00, 0x19, /* TPKT length 25 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x08, 0x00,             /* PDU reference 2048 */
    0x00, 0x08, 0x00, 0x00, /* parameter length 8 */
    0x1e, 0x00, 0x00, 0x00, /* upload, status, unknown */
    0x00, 0x00, 0x00, 0x07, /* upload id 7 */
};

static const uint8_t v_upload_ack[] = {
    0x03, 0x00, 0x00, 0x1d, /* TPKT length 29 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x08, 0x00,             /* PDU reference 2048 */
    0x00, 0x02, 0x00, 0x08, /* parameter length 2, data length 8 */
    0x00, 0x00,             /* no error */
    0x1e, 0x00,             /* upload, function status: last */
    0x00, 0x04, 0x00, 0xfb, /* data length 4, unknown */
    0x70, 0x70, 0x01, 0x01, /* block bytes */
};

static const uint8_t v_end_upload_job[] = {
    0x03, 0x00, 0x00, 0x19, /* TPKT length 25 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x09, 0x00,             /* PDU reference 2304 */
    0x00, 0x08, 0x00, 0x00, /* parameter length 8 */
    0x1f, 0x00,             /* end upload, status */
    0x00, 0x00,             /* error code 0 */
    0x00, 0x00, 0x00, 0x07, /* upload id 7 */
};

static const uint8_t v_end_upload_ack[] = {
    0x03, 0x00, 0x00, 0x14, /* TPKT length 20 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x09, 0x00,             /* PDU reference 2304 */
    0x00, 0x01, 0x00, 0x00, /* parameter length 1 */
    0x00, 0x00,             /* no error */
    0x1f,                   /* end upload */
};

static const uint8_t v_req_download_job[] = {
    0x03, 0x00, 0x00, 0x31, /* TPKT length 49 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x0a, 0x00,             /* PDU reference 2560 */
    0x00, 0x20, 0x00, 0x00, /* parameter length 32 */
    0x1a, 0x00,             /* request download, status */
    0x01, 0x00,             /* unknown */
    0x00, 0x00, 0x00, 0x00, /* unknown */
    0x09,                   /* file name length */
    '_', '0', '8', '0', '0', '0', '0', '1', 'P', /* OB 1, passive */
    0x0d, '1',              /* part 2: length 13, unknown '1' */
    '0', '0', '0', '2', '6', '4', /* load memory length */
    '0', '0', '0', '1', '2', '4', /* MC7 code length */
};

static const uint8_t v_req_download_ack[] = {
    0x03, 0x00, 0x00, 0x14, /* TPKT length 20 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x0a, 0x00,             /* PDU reference 2560 */
    0x00, 0x01, 0x00, 0x00, /* parameter length 1 */
    0x00, 0x00,             /* no error */
    0x1a,                   /* request download */
};

/* The PLC fetches the block the PG announced with request download: its own jobs. */
static const uint8_t v_download_block_job[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job, sent by the PLC */
    0x0e, 0x00,             /* PDU reference 3584 (the PLC's) */
    0x00, 0x12, 0x00, 0x00, /* parameter length 18, data length 0 */
    0x1b,                   /* download block */
    0x00,                   /* function status */
    0x01, 0x00,             /* unknown */
    0x00, 0x00, 0x00, 0x00, /* unknown */
    0x09,                   /* file name length */
    '_', '0', '8', '0', '0', '0', '0', '1', 'P', /* OB 1, passive */
};

static const uint8_t v_download_block_ack[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data, sent by the PG */
    0x0e, 0x00,             /* PDU reference 3584 */
    0x00, 0x02, 0x00, 0x0c, /* parameter length 2, data length 12 */
    0x00, 0x00,             /* no error */
    0x1b, 0x00,             /* download block, function status: last, no error */
    0x00, 0x08, 0x00, 0xfb, /* data length 8, unknown */
    0x70, 0x70, 0x01, 0x01, 0x01, 0x08, 0x00, 0x01, /* block bytes ("pp" MC7 header) */
};

static const uint8_t v_download_ended_job[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job, sent by the PLC */
    0x0e, 0x01,             /* PDU reference 3585 (the PLC's) */
    0x00, 0x12, 0x00, 0x00, /* parameter length 18, data length 0 */
    0x1c,                   /* download ended */
    0x00,                   /* function status */
    0x00, 0x00,             /* error code 0 */
    0x00, 0x00, 0x00, 0x00, /* unknown */
    0x09,                   /* file name length */
    '_', '0', '8', '0', '0', '0', '0', '1', 'P', /* OB 1, passive */
};

static const uint8_t v_download_ended_ack[] = {
    0x03, 0x00, 0x00, 0x14, /* TPKT length 20 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data, sent by the PG */
    0x0e, 0x01,             /* PDU reference 3585 */
    0x00, 0x01, 0x00, 0x00, /* parameter length 1, data length 0 */
    0x00, 0x00,             /* no error */
    0x1c,                   /* download ended */
};

static const uint8_t v_pi_inse_job[] = {
    0x03, 0x00, 0x00, 0x2b, /* TPKT length 43 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x0b, 0x00,             /* PDU reference 2816 */
    0x00, 0x1a, 0x00, 0x00, /* parameter length 26 */
    0x28,                   /* PI service */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, /* unknown */
    0x00, 0x0a,             /* parameter block length 10 */
    0x01, 0x00,             /* 1 block, unknown */
    '0', '8',               /* block type OB */
    '0', '0', '0', '0', '1', /* number 1 */
    'P',                    /* destination file system: passive */
    0x05, '_', 'I', 'N', 'S', 'E', /* service name */
};

static const uint8_t v_pi_ack[] = {
    0x03, 0x00, 0x00, 0x14, /* TPKT length 20 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x0b, 0x00,             /* PDU reference 2816 */
    0x00, 0x01, 0x00, 0x00, /* parameter length 1 */
    0x00, 0x00,             /* no error */
    0x28,                   /* PI service */
};

static const uint8_t v_pi_program_job[] = {
    0x03, 0x00, 0x00, 0x25, /* TPKT length 37 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x0c, 0x00,             /* PDU reference 3072 */
    0x00, 0x14, 0x00, 0x00, /* parameter length 20 */
    0x28,                   /* PI service */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, /* unknown */
    0x00, 0x00,             /* parameter block length 0 */
    0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M', /* start the PLC program */
};

static const uint8_t v_plc_stop_job[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x01, 0x00, 0x00, /* S7 job */
    0x0d, 0x00,             /* PDU reference 3328 */
    0x00, 0x10, 0x00, 0x00, /* parameter length 16 */
    0x29,                   /* PLC stop */
    0x00, 0x00, 0x00, 0x00, 0x00, /* unknown */
    0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M', /* PI service */
};

static const uint8_t v_plc_stop_ack[] = {
    0x03, 0x00, 0x00, 0x14, /* TPKT length 20 */
    COTP_DT_EOT,
    0x32, 0x03, 0x00, 0x00, /* S7 ack-data */
    0x0d, 0x00,             /* PDU reference 3328 */
    0x00, 0x01, 0x00, 0x00, /* parameter length 1 */
    0x00, 0x00,             /* no error */
    0x29,                   /* PLC stop */
};

/* Ack with an error header answering the PI P_PROGRAM job */
static const uint8_t v_error_ack[] = {
    0x03, 0x00, 0x00, 0x13, /* TPKT length 19 */
    COTP_DT_EOT,
    0x32, 0x02, 0x00, 0x00, /* S7 ack */
    0x0c, 0x00,             /* PDU reference 3072 */
    0x00, 0x00, 0x00, 0x00, /* no parameter, no data */
    0x81, 0x04,             /* error class 0x81, code 0x04: service not implemented */
};

/* ---- S7comm userdata ------------------------------------------------------------ */

static const uint8_t v_szl11_req[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x0f, 0x00,             /* PDU reference 3840 */
    0x00, 0x08, 0x00, 0x08, /* parameter length 8, data length 8 */
    0x00, 0x01, 0x12,       /* parameter head */
    0x04,                   /* parameter length 4 */
    0x11,                   /* method: request */
    0x44,                   /* type request, group CPU functions */
    0x01,                   /* subfunction read SZL */
    0x00,                   /* sequence number */
    0xff, 0x09, 0x00, 0x04, /* data: success, octet string, length 4 */
    0x00, 0x11, 0x00, 0x00, /* SZL id 0x0011, index 0 */
};

#define MLFB_315 '6', 'E', 'S', '7', ' ', '3', '1', '5', '-', '2', 'E', 'H', '1', '4', '-', \
                 '0', 'A', 'B', '0', ' '
#define SPACES20 ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', \
                 ' ', ' ', ' ', ' ', ' '

static const uint8_t v_szl11_resp[] = {
    0x03, 0x00, 0x00, 0x7d, /* TPKT length 125 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x0f, 0x00,             /* PDU reference 3840 */
    0x00, 0x0c, 0x00, 0x60, /* parameter length 12, data length 96 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x84, 0x01, 0x01, /* response, type response + CPU, read SZL, sequence 1 */
    0x00, 0x00,             /* data unit reference 0, last data unit */
    0x00, 0x00,             /* error code 0 */
    0xff, 0x09, 0x00, 0x5c, /* success, octet string, length 92 */
    0x00, 0x11, 0x00, 0x00, /* SZL id 0x0011, index 0 */
    0x00, 0x1c, 0x00, 0x03, /* record length 28, 3 records */
    0x00, 0x01, MLFB_315,   /* index 1: module order number */
    0x00, 0xc0, 0x00, 0x04, 0x00, 0x01, /* BGTyp, Ausbg 4, Ausbe 1 */
    0x00, 0x06, MLFB_315,   /* index 6: basic hardware */
    0x00, 0xc0, 0x00, 0x04, 0x00, 0x01,
    0x00, 0x07, SPACES20,   /* index 7: basic firmware */
    0x00, 0xc0, 0x56, 0x03, 0x02, 0x06, /* BGTyp, 'V' 3, 2 6: V3.2.6 */
};

#define Z8 0, 0, 0, 0, 0, 0, 0, 0

static const uint8_t v_szl1c_req[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x10, 0x00,             /* PDU reference 4096 */
    0x00, 0x08, 0x00, 0x08, /* parameter length 8, data length 8 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x44, 0x01, 0x00, /* request, CPU functions, read SZL, sequence 0 */
    0xff, 0x09, 0x00, 0x04, /* success, octet string, length 4 */
    0x00, 0x1c, 0x00, 0x00, /* SZL id 0x001C, index 0 */
};

static const uint8_t v_szl1c_resp[] = {
    0x03, 0x00, 0x00, 0xb1, /* TPKT length 177 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x10, 0x00,             /* PDU reference 4096 */
    0x00, 0x0c, 0x00, 0x94, /* parameter length 12, data length 148 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x84, 0x01, 0x01, /* response, CPU functions, read SZL, sequence 1 */
    0x00, 0x00, 0x00, 0x00, /* unit reference 0, last unit, error 0 */
    0xff, 0x09, 0x00, 0x90, /* success, octet string, length 144 */
    0x00, 0x1c, 0x00, 0x00, /* SZL id 0x001C, index 0 */
    0x00, 0x22, 0x00, 0x04, /* record length 34, 4 records */
    0x00, 0x01,             /* index 1: name of the automation system (24 + 8 reserved) */
    'S', 'N', 'A', 'P', '7', '-', 'S', 'E', 'R', 'V', 'E', 'R', 0, 0, 0, 0, Z8, Z8,
    0x00, 0x02,             /* index 2: name of the module */
    'C', 'P', 'U', ' ', '3', '1', '5', '-', '2', ' ', 'P', 'N', '/', 'D', 'P', 0, Z8, Z8,
    0x00, 0x03,             /* index 3: plant designation (32) */
    'B', 'o', 'i', 'l', 'e', 'r', ' ', 'h', 'o', 'u', 's', 'e', ' ', '2', 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, Z8,
    0x00, 0x05,             /* index 5: serial number (24 + 8 reserved) */
    'S', ' ', 'C', '-', 'C', '2', 'U', 'R', '2', '8', '9', '2', '2', '0', '1', '2', Z8, Z8,
};

/* The same list in two data units: the first says "not last" and stops in record 2. */
static const uint8_t v_szl1c_frag1[] = {
    0x03, 0x00, 0x00, 0x53, /* TPKT length 83 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x10, 0x00,             /* PDU reference 4096 */
    0x00, 0x0c, 0x00, 0x36, /* parameter length 12, data length 54 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x84, 0x01, 0x01, /* response, CPU functions, read SZL, sequence 1 */
    0x05, 0x01,             /* data unit reference 5, not the last unit */
    0x00, 0x00,             /* error code 0 */
    0xff, 0x09, 0x00, 0x32, /* success, octet string, length 50 */
    0x00, 0x1c, 0x00, 0x00, /* SZL id 0x001C, index 0 */
    0x00, 0x22, 0x00, 0x02, /* record length 34, 2 records */
    0x00, 0x01,             /* index 1 */
    'S', 'N', 'A', 'P', '7', '-', 'S', 'E', 'R', 'V', 'E', 'R', 0, 0, 0, 0, Z8, Z8,
    0x00, 0x05, 'S', ' ', 'C', '-', 'C', '2', /* index 5: first 8 bytes of the record */
};

static const uint8_t v_szl_cont_req[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x11, 0x00,             /* PDU reference 4352 */
    0x00, 0x0c, 0x00, 0x04, /* parameter length 12, data length 4 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x44, 0x01, 0x02, /* request, CPU functions, read SZL, sequence 2 */
    0x05, 0x00,             /* data unit reference 5 */
    0x00, 0x00,             /* error code 0 */
    0x0a, 0x00, 0x00, 0x00, /* no data */
};

static const uint8_t v_szl1c_frag2[] = {
    0x03, 0x00, 0x00, 0x3b, /* TPKT length 59 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x11, 0x00,             /* PDU reference 4352 */
    0x00, 0x0c, 0x00, 0x1e, /* parameter length 12, data length 30 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x84, 0x01, 0x02, /* response, CPU functions, read SZL, sequence 2 */
    0x05, 0x00,             /* data unit reference 5, last unit */
    0x00, 0x00,             /* error code 0 */
    0xff, 0x09, 0x00, 0x1a, /* success, octet string, length 26 */
    'U', 'R', '2', '8', '9', '2', '2', '0', '1', '2', /* rest of record 2 */
    Z8, Z8,
};

static const uint8_t v_block_list_req[] = {
    0x03, 0x00, 0x00, 0x1d, /* TPKT length 29 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x12, 0x00,             /* PDU reference 4608 */
    0x00, 0x08, 0x00, 0x04, /* parameter length 8, data length 4 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x43, 0x01, 0x00, /* request, block functions, list blocks, sequence 0 */
    0x0a, 0x00, 0x00, 0x00, /* no data */
};

static const uint8_t v_block_list_resp[] = {
    0x03, 0x00, 0x00, 0x29, /* TPKT length 41 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x12, 0x00,             /* PDU reference 4608 */
    0x00, 0x0c, 0x00, 0x0c, /* parameter length 12, data length 12 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x83, 0x01, 0x00, /* response, block functions, list blocks */
    0x00, 0x00, 0x00, 0x00, /* unit reference, last unit, error 0 */
    0xff, 0x09, 0x00, 0x08, /* success, octet string, length 8 */
    '0', '8', 0x00, 0x01,   /* 1 OB */
    '0', 'A', 0x00, 0x02,   /* 2 DBs */
};

static const uint8_t v_block_info_req[] = {
    0x03, 0x00, 0x00, 0x25, /* TPKT length 37 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x13, 0x00,             /* PDU reference 4864 */
    0x00, 0x08, 0x00, 0x0c, /* parameter length 8, data length 12 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x43, 0x03, 0x00, /* request, block functions, block info */
    0xff, 0x09, 0x00, 0x08, /* success, octet string, length 8 */
    '0', 'E',               /* block type FB */
    '0', '0', '0', '4', '2', /* number 42 */
    'A',                    /* file system: active */
};

/* The answer to v_block_info_req: FB 42's block header. */
static const uint8_t v_block_info_resp[] = {
    0x03, 0x00, 0x00, 0x6f, /* TPKT length 111 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x13, 0x00,             /* PDU reference 4864 */
    0x00, 0x0c, 0x00, 0x52, /* parameter length 12, data length 82 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x83, 0x03, 0x01, /* response, block functions, block info, sequence 1 */
    0x00, 0x00, 0x00, 0x00, /* unit reference, last unit, error 0 */
    0xff, 0x09, 0x00, 0x4e, /* success, octet string, length 78 */
    '0', 'E',               /* block type FB */
    0x00, 0x4a,             /* info length */
    0x00, 0x00,             /* unknown */
    'p', 'p',               /* constant "pp" */
    0x00,                   /* unknown */
    0x01,                   /* block flags */
    0x01,                   /* language STL (AWL) */
    0x0e,                   /* subblock type FB */
    0x00, 0x2a,             /* block number 42 */
    0x00, 0x00, 0x00, 0xf6, /* load memory length 246 */
    0x00, 0x00, 0x00, 0x00, /* block security: none */
    0x02, 0x39, 0xf0, 0x60, 0x32, 0x74, /* code: 10:22:31.520 of day 12916 (2019-05-13) */
    0x01, 0xee, 0x62, 0x80, 0x32, 0x74, /* interface: 09:00:00.000 of the same day */
    0x00, 0x1c,             /* SSB length 28 */
    0x00, 0x02,             /* ADD length 2 */
    0x00, 0x14,             /* local data length 20 */
    0x00, 0xa2,             /* MC7 code length 162 */
    'P', 'L', 'A', 'N', 'T', '2', 0, 0,   /* author */
    'B', 'O', 'I', 'L', 'E', 'R', 0, 0,   /* family */
    'F', 'B', '_', 'P', 'I', 'D', 0, 0,   /* name */
    0x12,                   /* header version 1.2 */
    0x00,                   /* unknown */
    0xa5, 0xc3,             /* checksum 0xa5c3 */
    0x00, 0x00, 0x00, 0x00, /* reserved 1 */
    0x00, 0x00, 0x00, 0x00, /* reserved 2 */
};

static const uint8_t v_time_req[] = {
    0x03, 0x00, 0x00, 0x1d, /* TPKT length 29 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x14, 0x00,             /* PDU reference 5120 */
    0x00, 0x08, 0x00, 0x04, /* parameter length 8, data length 4 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x47, 0x01, 0x00, /* request, time functions, read clock */
    0x0a, 0x00, 0x00, 0x00, /* no data */
};

static const uint8_t v_time_resp[] = {
    0x03, 0x00, 0x00, 0x2b, /* TPKT length 43 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x14, 0x00,             /* PDU reference 5120 */
    0x00, 0x0c, 0x00, 0x0e, /* parameter length 12, data length 14 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x87, 0x01, 0x01, /* response, time functions, read clock, sequence 1 */
    0x00, 0x00, 0x00, 0x00, /* unit reference, last unit, error 0 */
    0xff, 0x09, 0x00, 0x0a, /* success, octet string, length 10 */
    0x00, 0x19, 0x14,       /* reserved, BCD year 19 14 (2014) */
    0x08, 0x20,             /* month 08, day 20 */
    0x11, 0x59, 0x43,       /* 11:59:43 */
    0x91, 0x24,             /* milliseconds 912, weekday 4 */
};

static const uint8_t v_password_req[] = {
    0x03, 0x00, 0x00, 0x25, /* TPKT length 37 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x15, 0x00,             /* PDU reference 5376 */
    0x00, 0x08, 0x00, 0x0c, /* parameter length 8, data length 12 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x45, 0x01, 0x00, /* request, security, PLC password */
    0xff, 0x09, 0x00, 0x08, /* success, octet string, length 8 */
    0x21, 0x3a, 0x1b, 0x1d, 0x6e, 0x68, 0x1b, 0x1d, /* obfuscated password: never reported */
};

static const uint8_t v_password_resp[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x15, 0x00,             /* PDU reference 5376 */
    0x00, 0x0c, 0x00, 0x04, /* parameter length 12, data length 4 */
    0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
    0x12, 0x85, 0x01, 0x01, /* response, security, PLC password */
    0x00, 0x00,             /* unit reference, last unit */
    0xd6, 0x02,             /* error 0xd602: incorrect password */
    0x0a, 0x00, 0x00, 0x00, /* no data */
};

static const uint8_t v_clear_password_req[] = {
    0x03, 0x00, 0x00, 0x1d, /* TPKT length 29 */
    COTP_DT_EOT,
    0x32, 0x07, 0x00, 0x00, /* S7 userdata */
    0x16, 0x00,             /* PDU reference 5632 */
    0x00, 0x08, 0x00, 0x04, /* parameter length 8, data length 4 */
    0x00, 0x01, 0x12, 0x04, /* head, parameter length 4 */
    0x11, 0x45, 0x02, 0x00, /* request, security, clear password */
    0x0a, 0x00, 0x00, 0x00, /* no data */
};

/* ---- S7comm-plus ----------------------------------------------------------------- */

#define DIGEST32 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, \
                 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, \
                 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef

static const uint8_t v_p1_create_req[] = {
    0x03, 0x00, 0x00, 0x33, /* TPKT length 51 */
    COTP_DT_EOT,
    0x72, 0x01, 0x00, 0x24, /* S7comm-plus, version 1, data length 36 */
    0x31,                   /* opcode request */
    0x00, 0x00,             /* reserved */
    0x04, 0xca,             /* function CreateObject */
    0x00, 0x00,             /* reserved */
    0x00, 0x01,             /* sequence number 1 */
    0x00, 0x00, 0x01, 0x20, /* session id 288: the null server session */
    0x36,                   /* transport flags */
    0x00, 0x00, 0x01, 0x1d, /* request id 285: ObjectServerSessionContainer */
    0x00, 0x04, 0x00,       /* value: flags 0, UDInt, 0 */
    0x00, 0x00, 0x00, 0x00, /* unknown */
    0xa1,                   /* start of object */
    0x00, 0x00, 0x00, 0xd3, /* relation id 211 */
    0x82, 0x1f,             /* class id 287 (ClassServerSession), VLQ */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x01, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p1_create_resp[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x72, 0x01, 0x00, 0x14, /* S7comm-plus, version 1, data length 20 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x04, 0xca, /* reserved, CreateObject */
    0x00, 0x00, 0x00, 0x01, /* reserved, sequence number 1 */
    0x36,                   /* transport flags */
    0x11,                   /* return value 17: session pre-legitimated */
    0x02,                   /* 2 object ids */
    0x87, 0x08, 0x87, 0x09, /* 904 (the new session), 905 (VLQ) */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x01, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_stop_req[] = {
    0x03, 0x00, 0x00, 0x2b, /* TPKT length 43 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x1c, /* S7comm-plus, version 2, data length 28 */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x04, 0xf2, /* reserved, SetVariable */
    0x00, 0x00, 0x00, 0x02, /* reserved, sequence number 2 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x00, 0x00, 0x00, 0x34, /* object 52: theCPUexecUnit */
    0x01,                   /* 1 address */
    0x90, 0x77,             /* attribute 2167: operatingStateReq (VLQ) */
    0x00, 0x08, 0x01,       /* value: flags 0, DInt, 1 = STOP */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_stop_resp[] = {
    0x03, 0x00, 0x00, 0x1e, /* TPKT length 30 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x0f, /* version 2, data length 15 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x04, 0xf2, /* reserved, SetVariable */
    0x00, 0x00, 0x00, 0x02, /* reserved, sequence number 2 */
    0x34,                   /* transport flags */
    0x00,                   /* return value 0 */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

/* A program download (S7-1200 style, version 2): BeginSequence on thePLCProgram, a
 * CreateObject of a data block in it, EndSequence. Bodies as the S7comm-plus Wireshark
 * dissector decodes them; object and class ids from S7CommPlusDriver's Ids. */
static const uint8_t v_p2_begin_seq_req[] = {
    0x03, 0x00, 0x00, 0x28, /* TPKT length 40 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x19, /* S7comm-plus, version 2, data length 25 */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x05, 0x56, /* reserved, BeginSequence */
    0x00, 0x00, 0x00, 0x06, /* reserved, sequence number 6 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x01,                   /* transaction type */
    0x00, 0x12,             /* value type 18: an object id follows */
    0x00, 0x00, 0x00, 0x03, /* object 3: thePLCProgram */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_begin_seq_resp[] = {
    0x03, 0x00, 0x00, 0x24, /* TPKT length 36 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x15, /* version 2, data length 21 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x05, 0x56, /* reserved, BeginSequence */
    0x00, 0x00, 0x00, 0x06, /* reserved, sequence number 6 */
    0x34,                   /* transport flags */
    0x00,                   /* return value 0 */
    0x00, 0x12,             /* value type 18 */
    0x00, 0x00, 0x00, 0x03, /* object id 3 */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_create_prog_req[] = {
    0x03, 0x00, 0x00, 0x36, /* TPKT length 54 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x27, /* S7comm-plus, version 2, data length 39 */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x04, 0xca, /* reserved, CreateObject */
    0x00, 0x00, 0x00, 0x07, /* reserved, sequence number 7 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x00, 0x00, 0x00, 0x03, /* request id 3: create in thePLCProgram */
    0x00, 0x04, 0x00,       /* value: flags 0, UDInt, 0 */
    0x00, 0x00, 0x00, 0x00, /* unknown */
    0xa1,                   /* start of object */
    0x00, 0x00, 0x00, 0xd3, /* relation id 211: new id on the server */
    0x94, 0x0e,             /* class id 2574: DB_Class_Rid (VLQ) */
    0x00,                   /* class flags (VLQ) */
    0x00,                   /* attribute id (VLQ) */
    0xa2,                   /* terminating object */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_create_prog_resp[] = {
    0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x12, /* version 2, data length 18 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x04, 0xca, /* reserved, CreateObject */
    0x00, 0x00, 0x00, 0x07, /* reserved, sequence number 7 */
    0x34,                   /* transport flags */
    0x00,                   /* return value 0 */
    0x01,                   /* 1 object id */
    0x87, 0x10,             /* 912: the new block (VLQ) */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_end_seq_req[] = {
    0x03, 0x00, 0x00, 0x23, /* TPKT length 35 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x14, /* S7comm-plus, version 2, data length 20 */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x05, 0x60, /* reserved, EndSequence */
    0x00, 0x00, 0x00, 0x08, /* reserved, sequence number 8 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x00, 0x00,             /* unknown */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p2_end_seq_resp[] = {
    0x03, 0x00, 0x00, 0x1e, /* TPKT length 30 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x0f, /* version 2, data length 15 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x05, 0x60, /* reserved, EndSequence */
    0x00, 0x00, 0x00, 0x08, /* reserved, sequence number 8 */
    0x34,                   /* transport flags */
    0x00,                   /* return value 0 */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p3_getmulti_req[] = {
    0x03, 0x00, 0x00, 0x42, /* TPKT length 66 */
    COTP_DT_EOT,
    0x72, 0x03, 0x00, 0x33, /* S7comm-plus, version 3, data length 51 */
    0x20, DIGEST32,         /* integrity part: digest length 32, digest */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x05, 0x4c, /* reserved, GetMultiVariables */
    0x00, 0x00, 0x00, 0x03, /* reserved, sequence number 3 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x00, 0x00, 0x00, 0x00, /* request set (empty) */
    0x72, 0x03, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p3_getmulti_resp_err[] = {
    0x03, 0x00, 0x00, 0x41, /* TPKT length 65 */
    COTP_DT_EOT,
    0x72, 0x03, 0x00, 0x32, /* version 3, data length 50 */
    0x20, DIGEST32,         /* integrity part */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x05, 0x4c, /* reserved, GetMultiVariables */
    0x00, 0x00, 0x00, 0x03, /* reserved, sequence number 3 */
    0x34,                   /* transport flags */
    0x83, 0xff, 0x74,       /* return value 0xfff4: error code -12, object not found */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x03, 0x00, 0x00, /* trailer */
};

static const uint8_t v_p3_notification[] = {
    0x03, 0x00, 0x00, 0x3b, /* TPKT length 59 */
    COTP_DT_EOT,
    0x72, 0x03, 0x00, 0x2c, /* version 3, data length 44 */
    0x20, DIGEST32,         /* integrity part */
    0x33,                   /* opcode notification */
    0x70, 0x00, 0x0e, 0x51, /* subscription object id */
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* unknown */
    0x72, 0x03, 0x00, 0x00, /* trailer */
};

/* A request spread over two PDUs: the first has no trailer. */
static const uint8_t v_p2_frag1[] = {
    0x03, 0x00, 0x00, 0x1d, /* TPKT length 29 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x12, /* version 2, data length 18, no trailer follows */
    0x31,                   /* opcode request */
    0x00, 0x00, 0x05, 0x42, /* reserved, SetMultiVariables */
    0x00, 0x00, 0x00, 0x05, /* reserved, sequence number 5 */
    0x00, 0x00, 0x03, 0x88, /* session id 904 */
    0x34,                   /* transport flags */
    0x01, 0x02, 0x03, 0x04, /* first part of the request set */
};

static const uint8_t v_p2_frag2[] = {
    0x03, 0x00, 0x00, 0x13, /* TPKT length 19 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x04, /* version 2, data length 4 */
    0x05, 0x06, 0x07, 0x08, /* rest of the request set */
    0x72, 0x02, 0x00, 0x00, /* trailer: the message is complete */
};

static const uint8_t v_p2_frag_resp[] = {
    0x03, 0x00, 0x00, 0x1e, /* TPKT length 30 */
    COTP_DT_EOT,
    0x72, 0x02, 0x00, 0x0f, /* version 2, data length 15 */
    0x32,                   /* opcode response */
    0x00, 0x00, 0x05, 0x42, /* reserved, SetMultiVariables */
    0x00, 0x00, 0x00, 0x05, /* reserved, sequence number 5 */
    0x34,                   /* transport flags */
    0x00,                   /* return value 0 */
    0x00, 0x00, 0x00, 0x00, /* end */
    0x72, 0x02, 0x00, 0x00, /* trailer */
};

static const uint8_t v_tls_record[] = {
    0x03, 0x00, 0x00, 0x11, /* TPKT length 17 */
    COTP_DT_EOT,
    0x17, 0x03, 0x03,       /* TLS application data, TLS 1.2 record version */
    0x00, 0x05,             /* record length 5 */
    0xa1, 0xb2, 0xc3, 0xd4, 0xe5, /* ciphertext */
};

struct s7v {
    const char *name;
    const uint8_t *p;
    size_t n;
    uint8_t dir; /* the direction it is sent in: 0 client to PLC */
};

#define S7V(v, d) {#v, v, sizeof v, d}

static const struct s7v s7_vectors[] = {
    S7V(v_cotp_cr, 0),          S7V(v_cotp_cc, 1),           S7V(v_cotp_cr_simatic, 0),
    S7V(v_cotp_cr_mms, 0),      S7V(v_cotp_cc_mms, 1),       S7V(v_cotp_cr_rdp, 0),
    S7V(v_setup_job, 0),        S7V(v_setup_ack, 1),         S7V(v_read_job, 0),
    S7V(v_read_ack, 1),         S7V(v_write_job, 0),         S7V(v_write_ack, 1),
    S7V(v_start_upload_job, 0), S7V(v_start_upload_ack, 1),  S7V(v_upload_job, 0),
    S7V(v_upload_ack, 1),       S7V(v_end_upload_job, 0),    S7V(v_end_upload_ack, 1),
    S7V(v_req_download_job, 0), S7V(v_req_download_ack, 1),  S7V(v_download_block_job, 1),
    S7V(v_download_block_ack, 0), S7V(v_download_ended_job, 1), S7V(v_download_ended_ack, 0),
    S7V(v_pi_inse_job, 0),      S7V(v_pi_ack, 1),            S7V(v_pi_program_job, 0),
    S7V(v_plc_stop_job, 0),     S7V(v_plc_stop_ack, 1),      S7V(v_error_ack, 1),
    S7V(v_szl11_req, 0),        S7V(v_szl11_resp, 1),        S7V(v_szl1c_req, 0),
    S7V(v_szl1c_resp, 1),       S7V(v_szl1c_frag1, 1),       S7V(v_szl_cont_req, 0),
    S7V(v_szl1c_frag2, 1),      S7V(v_block_list_req, 0),    S7V(v_block_list_resp, 1),
    S7V(v_block_info_req, 0),   S7V(v_block_info_resp, 1),   S7V(v_time_req, 0),
    S7V(v_time_resp, 1),        S7V(v_password_req, 0),      S7V(v_password_resp, 1),
    S7V(v_clear_password_req, 0), S7V(v_p1_create_req, 0),   S7V(v_p1_create_resp, 1),
    S7V(v_p2_stop_req, 0),      S7V(v_p2_stop_resp, 1),      S7V(v_p2_begin_seq_req, 0),
    S7V(v_p2_begin_seq_resp, 1), S7V(v_p2_create_prog_req, 0), S7V(v_p2_create_prog_resp, 1),
    S7V(v_p2_end_seq_req, 0),   S7V(v_p2_end_seq_resp, 1),   S7V(v_p3_getmulti_req, 0),
    S7V(v_p3_getmulti_resp_err, 1), S7V(v_p3_notification, 1), S7V(v_p2_frag1, 0),
    S7V(v_p2_frag2, 0),         S7V(v_p2_frag_resp, 1),      S7V(v_tls_record, 1),
};

#define S7_NVECTORS (sizeof s7_vectors / sizeof s7_vectors[0])

#endif
