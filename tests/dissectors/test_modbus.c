/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_modbus.c - Modbus/TCP dissector vectors: one request and one response per
 * function code (most from the examples in Modbus Application Protocol v1.1b3 section 6),
 * pairing (out of order, response_only, no_response, table overflow, reused tid), the
 * values cap, a table of malformed PDUs, probe/pdu_len/resync, and the every-prefix loop.
 * Covers dissectors/modbus.c and modbus_pdu.c (the layers of one dissector).
 */
#include <criterion/criterion.h>

#include "modbus.h"
#include "pd_test.h"

extern const struct pd_dissector pd_modbus;

#define T0 1700000000000000ull
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vectors: MBAP = tid(2) proto(2) length(2) unit(1), then the PDU ------------------ */

/* FC 1 read coils: 19 coils from 0x0013 (spec 6.1 example) */
static const uint8_t fc1_req[] = {
    0x00, 0x01, /* tid 1 */
    0x00, 0x00, /* protocol id 0 */
    0x00, 0x06, /* length: unit + 5-byte PDU */
    0x01,       /* unit 1 */
    0x01,       /* FC 1 read coils */
    0x00, 0x13, /* starting address 19 */
    0x00, 0x13, /* quantity 19 */
};
static const uint8_t fc1_resp[] = {
    0x00, 0x01, /* tid 1 */
    0x00, 0x00, /* protocol id */
    0x00, 0x06, /* length 6 */
    0x01,       /* unit 1 */
    0x01,       /* FC 1 */
    0x03,       /* byte count 3 */
    0xcd,       /* coils 27-20: 1100 1101 */
    0x6b,       /* coils 35-28: 0110 1011 */
    0x05,       /* coils 38-36: 101 (padding zeros above) */
};

/* FC 2 read discrete inputs: 22 inputs from 0x00c4 (spec 6.2) */
static const uint8_t fc2_req[] = {
    0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 2, proto 0, length 6, unit 1 */
    0x02,       /* FC 2 */
    0x00, 0xc4, /* address 196 */
    0x00, 0x16, /* quantity 22 */
};
static const uint8_t fc2_resp[] = {
    0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 2, proto 0, length 6, unit 1 */
    0x02,             /* FC 2 */
    0x03,             /* byte count 3 */
    0xac, 0xdb, 0x35, /* input status bytes */
};

/* FC 3 read holding registers: 3 registers from 0x006b (spec 6.3) */
static const uint8_t fc3_req[] = {
    0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 3, proto 0, length 6, unit 1 */
    0x03,       /* FC 3 */
    0x00, 0x6b, /* address 107 */
    0x00, 0x03, /* quantity 3 */
};
static const uint8_t fc3_resp[] = {
    0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0x01, /* tid 3, proto 0, length 9, unit 1 */
    0x03,       /* FC 3 */
    0x06,       /* byte count 6 */
    0x02, 0x2b, /* register 107 = 555 */
    0x00, 0x00, /* register 108 = 0 */
    0x00, 0x64, /* register 109 = 100 */
};

/* FC 4 read input registers: 1 register at 0x0008 (spec 6.4) */
static const uint8_t fc4_req[] = {
    0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x11, /* tid 4, proto 0, length 6, unit 17 */
    0x04,       /* FC 4 */
    0x00, 0x08, /* address 8 */
    0x00, 0x01, /* quantity 1 */
};
static const uint8_t fc4_resp[] = {
    0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0x11, /* tid 4, proto 0, length 5, unit 17 */
    0x04,       /* FC 4 */
    0x02,       /* byte count 2 */
    0x00, 0x0a, /* register 8 = 10 */
};

/* FC 5 write single coil 172 ON (spec 6.5); the response echoes the request */
static const uint8_t fc5_req[] = {
    0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 5, proto 0, length 6, unit 1 */
    0x05,       /* FC 5 */
    0x00, 0xac, /* output address 172 */
    0xff, 0x00, /* value ON */
};
static const uint8_t fc5_resp[] = {
    0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 5, proto 0, length 6, unit 1 */
    0x05, 0x00, 0xac, 0xff, 0x00,             /* FC 5, address 172, ON (echo) */
};

/* FC 6 write single register 1 = 3 (spec 6.6) */
static const uint8_t fc6_req[] = {
    0x00, 0x06, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 6, proto 0, length 6, unit 1 */
    0x06,       /* FC 6 */
    0x00, 0x01, /* register address 1 */
    0x00, 0x03, /* value 3 */
};
static const uint8_t fc6_resp[] = {
    0x00, 0x06, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 6, proto 0, length 6, unit 1 */
    0x06, 0x00, 0x01, 0x00, 0x03,             /* FC 6, address 1, value 3 (echo) */
};

/* FC 7 read exception status (spec 6.7) */
static const uint8_t fc7_req[] = {
    0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x01, /* tid 7, proto 0, length 2, unit 1 */
    0x07,                                     /* FC 7, no data */
};
static const uint8_t fc7_resp[] = {
    0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x01, /* tid 7, proto 0, length 3, unit 1 */
    0x07,                                     /* FC 7 */
    0x6d,                                     /* output data 0110 1101 */
};

/* FC 8 diagnostics, sub-function 0 return query data (spec 6.8) */
static const uint8_t fc8_req[] = {
    0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 8, proto 0, length 6, unit 1 */
    0x08,       /* FC 8 */
    0x00, 0x00, /* sub-function 0 return query data */
    0xa5, 0x37, /* data */
};
static const uint8_t fc8_resp[] = {
    0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 8, proto 0, length 6, unit 1 */
    0x08, 0x00, 0x00, 0xa5, 0x37,             /* FC 8, sub 0, data echoed */
};
/* FC 8 sub-function 11 return bus message count */
static const uint8_t fc8_11_req[] = {
    0x00, 0x09, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 9, proto 0, length 6, unit 1 */
    0x08,       /* FC 8 */
    0x00, 0x0b, /* sub-function 11 */
    0x00, 0x00, /* data 0 */
};
static const uint8_t fc8_11_resp[] = {
    0x00, 0x09, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 9, proto 0, length 6, unit 1 */
    0x08,       /* FC 8 */
    0x00, 0x0b, /* sub-function 11 */
    0x01, 0x2c, /* bus message count 300 */
};
/* FC 8 sub-function 1 restart communications option, clear log; odd data length 3 */
static const uint8_t fc8_1_req[] = {
    0x00, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x01, /* tid 10, proto 0, length 7, unit 1 */
    0x08,             /* FC 8 */
    0x00, 0x01,       /* sub-function 1 */
    0xff, 0x00, 0x07, /* data: 3 bytes, odd, kept raw */
};

/* FC 11 get comm event counter (spec 6.9) */
static const uint8_t fc11_req[] = {
    0x00, 0x0b, 0x00, 0x00, 0x00, 0x02, 0x01, /* tid 11, proto 0, length 2, unit 1 */
    0x0b,                                     /* FC 11 */
};
static const uint8_t fc11_resp[] = {
    0x00, 0x0b, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 11, proto 0, length 6, unit 1 */
    0x0b,       /* FC 11 */
    0xff, 0xff, /* status: busy */
    0x01, 0x08, /* event count 264 */
};

/* FC 12 get comm event log (spec 6.10) */
static const uint8_t fc12_req[] = {
    0x00, 0x0c, 0x00, 0x00, 0x00, 0x02, 0x01, /* tid 12, proto 0, length 2, unit 1 */
    0x0c,                                     /* FC 12 */
};
static const uint8_t fc12_resp[] = {
    0x00, 0x0c, 0x00, 0x00, 0x00, 0x0b, 0x01, /* tid 12, proto 0, length 11, unit 1 */
    0x0c,       /* FC 12 */
    0x08,       /* byte count 8 */
    0x00, 0x00, /* status 0 */
    0x01, 0x08, /* event count 264 */
    0x01, 0x21, /* message count 289 */
    0x20, 0x00, /* events 0 and 1 */
};

/* FC 15 write multiple coils: 10 coils from 19 (spec 6.11) */
static const uint8_t fc15_req[] = {
    0x00, 0x0f, 0x00, 0x00, 0x00, 0x09, 0x01, /* tid 15, proto 0, length 9, unit 1 */
    0x0f,       /* FC 15 */
    0x00, 0x13, /* address 19 */
    0x00, 0x0a, /* quantity 10 */
    0x02,       /* byte count 2 */
    0xcd,       /* coils 26-19: 1100 1101 */
    0x01,       /* coils 28-27: 01 */
};
static const uint8_t fc15_resp[] = {
    0x00, 0x0f, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 15, proto 0, length 6, unit 1 */
    0x0f, 0x00, 0x13, 0x00, 0x0a,             /* FC 15, address 19, quantity 10 */
};

/* FC 16 write multiple registers: 2 registers from 1 (spec 6.12) */
static const uint8_t fc16_req[] = {
    0x00, 0x10, 0x00, 0x00, 0x00, 0x0b, 0x01, /* tid 16, proto 0, length 11, unit 1 */
    0x10,       /* FC 16 */
    0x00, 0x01, /* address 1 */
    0x00, 0x02, /* quantity 2 */
    0x04,       /* byte count 4 */
    0x00, 0x0a, /* register 1 = 10 */
    0x01, 0x02, /* register 2 = 258 */
};
static const uint8_t fc16_resp[] = {
    0x00, 0x10, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 16, proto 0, length 6, unit 1 */
    0x10, 0x00, 0x01, 0x00, 0x02,             /* FC 16, address 1, quantity 2 */
};

/* FC 17 report server id (spec 6.13) */
static const uint8_t fc17_req[] = {
    0x00, 0x11, 0x00, 0x00, 0x00, 0x02, 0x01, /* tid 17, proto 0, length 2, unit 1 */
    0x11,                                     /* FC 17 */
};
static const uint8_t fc17_resp[] = {
    0x00, 0x11, 0x00, 0x00, 0x00, 0x08, 0x01, /* tid 17, proto 0, length 8, unit 1 */
    0x11,             /* FC 17 */
    0x05,             /* byte count 5 */
    0x01,             /* server id */
    0xff,             /* run indicator ON */
    0x41, 0x42, 0x43, /* additional data "ABC" */
};

/* FC 20 read file record: two sub-requests (spec 6.14) */
static const uint8_t fc20_req[] = {
    0x00, 0x14, 0x00, 0x00, 0x00, 0x11, 0x01, /* tid 20, proto 0, length 17, unit 1 */
    0x14,       /* FC 20 */
    0x0e,       /* byte count 14 */
    0x06,       /* sub 1: reference type 6 */
    0x00, 0x04, /* file 4 */
    0x00, 0x01, /* record 1 */
    0x00, 0x02, /* length 2 registers */
    0x06,       /* sub 2: reference type 6 */
    0x00, 0x03, /* file 3 */
    0x00, 0x09, /* record 9 */
    0x00, 0x02, /* length 2 */
};
static const uint8_t fc20_resp[] = {
    0x00, 0x14, 0x00, 0x00, 0x00, 0x0f, 0x01, /* tid 20, proto 0, length 15, unit 1 */
    0x14,       /* FC 20 */
    0x0c,       /* response data length 12 */
    0x05,       /* sub 1: file response length 5 */
    0x06,       /* reference type 6 */
    0x0d, 0xfe, /* 3582 */
    0x00, 0x20, /* 32 */
    0x05,       /* sub 2: length 5 */
    0x06,       /* reference type 6 */
    0x33, 0xcd, /* 13261 */
    0x00, 0x40, /* 64 */
};

/* FC 21 write file record: one sub-request with 3 registers (spec 6.15); echoed */
static const uint8_t fc21_req[] = {
    0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x01, /* tid 21, proto 0, length 16, unit 1 */
    0x15,       /* FC 21 */
    0x0d,       /* request data length 13 */
    0x06,       /* reference type 6 */
    0x00, 0x04, /* file 4 */
    0x00, 0x07, /* record 7 */
    0x00, 0x03, /* length 3 */
    0x06, 0xaf, /* 1711 */
    0x04, 0xbe, /* 1214 */
    0x10, 0x0d, /* 4109 */
};
static const uint8_t fc21_resp[] = {
    0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x01, /* tid 21, proto 0, length 16, unit 1 */
    0x15, 0x0d,                               /* FC 21, length 13 */
    0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03, /* ref 6, file 4, record 7, length 3 */
    0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d,       /* the data, echoed */
};

/* FC 22 mask write register 4 (spec 6.16) */
static const uint8_t fc22_req[] = {
    0x00, 0x16, 0x00, 0x00, 0x00, 0x08, 0x01, /* tid 22, proto 0, length 8, unit 1 */
    0x16,       /* FC 22 */
    0x00, 0x04, /* reference address 4 */
    0x00, 0xf2, /* AND mask */
    0x00, 0x25, /* OR mask */
};
static const uint8_t fc22_resp[] = {
    0x00, 0x16, 0x00, 0x00, 0x00, 0x08, 0x01, /* tid 22, proto 0, length 8, unit 1 */
    0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25, /* FC 22 echo */
};

/* FC 23 read/write multiple registers (spec 6.17) */
static const uint8_t fc23_req[] = {
    0x00, 0x17, 0x00, 0x00, 0x00, 0x11, 0x01, /* tid 23, proto 0, length 17, unit 1 */
    0x17,       /* FC 23 */
    0x00, 0x03, /* read address 3 */
    0x00, 0x06, /* read quantity 6 */
    0x00, 0x0e, /* write address 14 */
    0x00, 0x03, /* write quantity 3 */
    0x06,       /* write byte count 6 */
    0x00, 0xff, /* 255 */
    0x00, 0xff, /* 255 */
    0x00, 0xff, /* 255 */
};
static const uint8_t fc23_resp[] = {
    0x00, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x01, /* tid 23, proto 0, length 15, unit 1 */
    0x17,       /* FC 23 */
    0x0c,       /* byte count 12 */
    0x00, 0xfe, /* 254 */
    0x0a, 0xcd, /* 2765 */
    0x00, 0x01, /* 1 */
    0x00, 0x03, /* 3 */
    0x00, 0x0d, /* 13 */
    0x00, 0xff, /* 255 */
};

/* FC 24 read FIFO queue at 0x04de (spec 6.18) */
static const uint8_t fc24_req[] = {
    0x00, 0x18, 0x00, 0x00, 0x00, 0x04, 0x01, /* tid 24, proto 0, length 4, unit 1 */
    0x18,       /* FC 24 */
    0x04, 0xde, /* FIFO pointer address 1246 */
};
static const uint8_t fc24_resp[] = {
    0x00, 0x18, 0x00, 0x00, 0x00, 0x0a, 0x01, /* tid 24, proto 0, length 10, unit 1 */
    0x18,       /* FC 24 */
    0x00, 0x06, /* byte count 6 */
    0x00, 0x02, /* FIFO count 2 */
    0x01, 0xb8, /* 440 */
    0x12, 0x84, /* 4740 */
};

/* FC 43 / MEI 14 read device identification, basic, from object 0 (spec 6.21) */
static const uint8_t fc43_req[] = {
    0x00, 0x2b, 0x00, 0x00, 0x00, 0x05, 0x01, /* tid 43, proto 0, length 5, unit 1 */
    0x2b, /* FC 43 */
    0x0e, /* MEI type 14 */
    0x01, /* read device id code 1 basic */
    0x00, /* object id 0 */
};
static const uint8_t fc43_resp[] = {
    0x00, 0x2b, 0x00, 0x00, 0x00, 0x22, 0x01, /* tid 43, proto 0, length 34, unit 1 */
    0x2b,                                     /* FC 43 */
    0x0e,                                     /* MEI type 14 */
    0x01,                                     /* read device id code 1 */
    0x81,                                     /* conformity: basic, stream and individual */
    0x00,                                     /* more follows: no */
    0x00,                                     /* next object id 0 */
    0x03,                                     /* number of objects 3 */
    0x00, 0x09, 'S', 'c', 'h', 'n', 'e', 'i', 'd', 'e', 'r', /* VendorName */
    0x01, 0x07, 'B', 'M', 'X', ' ', 'P', '3', '4',           /* ProductCode */
    0x02, 0x04, 'v', '2', '.', '7',                          /* MajorMinorRevision */
};
/* FC 43 / MEI 14 extended, from the private range, more follows */
static const uint8_t fc43_ext_req[] = {
    0x00, 0x2c, 0x00, 0x00, 0x00, 0x05, 0x01, /* tid 44, proto 0, length 5, unit 1 */
    0x2b, 0x0e, /* FC 43, MEI 14 */
    0x03,       /* read device id code 3 extended */
    0x80,       /* object id 0x80 */
};
static const uint8_t fc43_ext_resp[] = {
    0x00, 0x2c, 0x00, 0x00, 0x00, 0x11, 0x01, /* tid 44, proto 0, length 17, unit 1 */
    0x2b, 0x0e,            /* FC 43, MEI 14 */
    0x03,                  /* read device id code 3 */
    0x83,                  /* conformity: extended, stream and individual */
    0xff,                  /* more follows */
    0x82,                  /* next object id 0x82 */
    0x02,                  /* 2 objects */
    0x80, 0x02, 'x', 'y',  /* private object 0x80 */
    0x81, 0x03, 'a', 'b', 'c', /* private object 0x81 */
};
/* FC 43 / MEI 13 CANopen general reference: kept raw */
static const uint8_t fc43_13_req[] = {
    0x00, 0x2d, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 45, proto 0, length 6, unit 1 */
    0x2b, 0x0d,       /* FC 43, MEI 13 */
    0x01, 0x02, 0x03, /* CANopen request bytes */
};
static const uint8_t fc43_13_resp[] = {
    0x00, 0x2d, 0x00, 0x00, 0x00, 0x05, 0x01, /* tid 45, proto 0, length 5, unit 1 */
    0x2b, 0x0d,       /* FC 43, MEI 13 */
    0x04, 0x05,       /* CANopen response bytes */
};

/* FC 90 Schneider UMAS: STOP_PLC (0x41) */
static const uint8_t fc90_req[] = {
    0x00, 0x5a, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 90, proto 0, length 6, unit 1 */
    0x5a,       /* FC 90 */
    0x01,       /* UMAS session key */
    0x41,       /* UMAS function STOP_PLC */
    0xff, 0x00, /* data */
};
static const uint8_t fc90_resp[] = {
    0x00, 0x5a, 0x00, 0x00, 0x00, 0x04, 0x01, /* tid 90, proto 0, length 4, unit 1 */
    0x5a, /* FC 90 */
    0x01, /* session key */
    0xfe, /* return code OK */
};
/* FC 90 UMAS READ_ID (0x02): op identify */
static const uint8_t fc90_id_req[] = {
    0x00, 0x5b, 0x00, 0x00, 0x00, 0x04, 0x01, /* tid 91, proto 0, length 4, unit 1 */
    0x5a, 0x00, 0x02,                         /* FC 90, session 0, READ_ID */
};

/* FC 65 user-defined */
static const uint8_t fc65_req[] = {
    0x00, 0x41, 0x00, 0x00, 0x00, 0x05, 0x01, /* tid 65, proto 0, length 5, unit 1 */
    0x41,             /* FC 65 */
    0x01, 0x02, 0x03, /* vendor data */
};
static const uint8_t fc65_resp[] = {
    0x00, 0x41, 0x00, 0x00, 0x00, 0x03, 0x01, /* tid 65, proto 0, length 3, unit 1 */
    0x41, 0xaa,                               /* FC 65, vendor data */
};

/* exception: FC 3 answered with 0x83 illegal data address */
static const uint8_t exc_req[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 256, proto 0, length 6, unit 1 */
    0x03, 0x27, 0x10, 0x00, 0x7d,             /* FC 3, address 10000, quantity 125 */
};
static const uint8_t exc_resp[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, /* tid 256, proto 0, length 3, unit 1 */
    0x83, /* FC 3 + exception bit */
    0x02, /* exception 2 illegal data address */
};

struct vec {
    const char *name;
    const uint8_t *req;
    size_t req_n;
    const uint8_t *resp;
    size_t resp_n;
};

#define PAIR(n) {#n, n##_req, sizeof n##_req, n##_resp, sizeof n##_resp}
static const struct vec vectors[] = {
    PAIR(fc1),  PAIR(fc2),  PAIR(fc3),  PAIR(fc4),    PAIR(fc5),     PAIR(fc6),
    PAIR(fc7),  PAIR(fc8),  PAIR(fc8_11), PAIR(fc11), PAIR(fc12),    PAIR(fc15),
    PAIR(fc16), PAIR(fc17), PAIR(fc20), PAIR(fc21),   PAIR(fc22),    PAIR(fc23),
    PAIR(fc24), PAIR(fc43), PAIR(fc43_ext), PAIR(fc43_13), PAIR(fc90), PAIR(fc65),
    PAIR(exc),
};

/* ---- harness: keep a copy of each record next to the JSON pd_test.h keeps ------------- */

static struct modbus_rec recs[PDT_MAX_EVENTS];
static int n_recs;

static void capture_emit(struct pd_ctx *ctx, const struct pd_txn *t)
{
    if (n_recs < PDT_MAX_EVENTS)
        memcpy(&recs[n_recs++], t->rec, sizeof recs[0]);
    pdt_emit(ctx, t);
}

static struct pdt *mb_new(void)
{
    struct pdt *T = pdt_new(&pd_modbus);
    T->ctx.emit = capture_emit;
    n_recs = 0;
    return T;
}

#define JSON_HAS(T, i, s)                                                                   \
    cr_assert(strstr((T)->json[i], (s)) != NULL, "event %d lacks %s: %s", (i), (s),           \
              (T)->json[i])
#define JSON_LACKS(T, i, s)                                                                 \
    cr_assert(strstr((T)->json[i], (s)) == NULL, "event %d has %s: %s", (i), (s), (T)->json[i])

/* Request at T0, response 1500 us later; expects exactly one clean record. */
static struct pdt *pair_run(const uint8_t *req, size_t rn, const uint8_t *resp, size_t sn)
{
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, req, rn), 0, "request: %s",
                 T->n_anomalies ? T->anomaly_kind[0] : "");
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 1500, resp, sn), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_MODBUS);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert(T->txn[0].has_latency);
    cr_assert_eq(T->txn[0].latency_us, 1500);
    cr_assert_eq(T->txn[0].req_dir, PD_DIR_TO_SERVER);
    return T;
}

#define PAIR_RUN(n) pair_run(n##_req, sizeof n##_req, n##_resp, sizeof n##_resp)

static void values_eq(const uint16_t *got, uint16_t n, const uint16_t *want, size_t wn)
{
    cr_assert_eq(n, wn, "value count %u, want %zu", (unsigned)n, wn);
    for (size_t i = 0; i < wn; i++)
        cr_assert_eq(got[i], want[i], "value %zu: %u, want %u", i, got[i], want[i]);
}

/* ---- one test per function code ------------------------------------------------------ */

Test(modbus, fc1_read_coils)
{
    struct pdt *T = PAIR_RUN(fc1);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1};
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(r->tid, 1);
    cr_assert_eq(r->unit, 1);
    cr_assert_eq(r->func, 1);
    cr_assert_str_eq(r->func_name, "read_coils");
    cr_assert_eq(r->addr, 19);
    cr_assert_eq(r->qty, 19);
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    cr_assert_eq(r->n_req_values, 0);
    JSON_HAS(T, 0, "\"modbus\":{\"tid\":1,\"unit\":1,\"func\":1,\"func_name\":\"read_coils\","
                   "\"addr\":19,\"qty\":19,");
    JSON_HAS(T, 0, "\"resp_values\":[1,0,1,1,0,0,1,1,1,1,0,1,0,1,1,0,1,0,1]");
    JSON_HAS(T, 0, "\"values_truncated\":false");
    JSON_LACKS(T, 0, "req_values");
    JSON_LACKS(T, 0, "exception");
    JSON_LACKS(T, 0, "null");
    pdt_free(T);
}

Test(modbus, fc2_read_discrete_inputs)
{
    struct pdt *T = PAIR_RUN(fc2);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0,
                                    1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1};
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_str_eq(r->func_name, "read_discrete_inputs");
    cr_assert_eq(r->addr, 196);
    cr_assert_eq(r->qty, 22);
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    pdt_free(T);
}

Test(modbus, fc3_read_holding_registers)
{
    struct pdt *T = PAIR_RUN(fc3);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {555, 0, 100};
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_str_eq(r->func_name, "read_holding_registers");
    cr_assert_eq(r->addr, 107);
    cr_assert_eq(r->qty, 3);
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    JSON_HAS(T, 0,
             "\"addr\":107,\"qty\":3,\"resp_values\":[555,0,100],\"values_truncated\":false}");
    pdt_free(T);
}

Test(modbus, fc4_read_input_registers)
{
    struct pdt *T = PAIR_RUN(fc4);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {10};
    cr_assert_eq(r->unit, 17);
    cr_assert_str_eq(r->func_name, "read_input_registers");
    cr_assert_eq(r->addr, 8);
    cr_assert_eq(r->qty, 1);
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    pdt_free(T);
}

Test(modbus, fc5_write_single_coil)
{
    struct pdt *T = PAIR_RUN(fc5);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {1};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_str_eq(r->func_name, "write_single_coil");
    cr_assert_eq(r->addr, 172);
    cr_assert(!(r->has & MODBUS_HAS_QTY));
    values_eq(r->req_values, r->n_req_values, want, LEN(want));
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    JSON_HAS(T, 0, "\"addr\":172,\"req_values\":[1],\"resp_values\":[1]");
    JSON_LACKS(T, 0, "qty");
    pdt_free(T);
}

Test(modbus, fc6_write_single_register)
{
    struct pdt *T = PAIR_RUN(fc6);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {3};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(r->addr, 1);
    values_eq(r->req_values, r->n_req_values, want, LEN(want));
    JSON_HAS(T, 0, "\"func_name\":\"write_single_register\",\"addr\":1,\"req_values\":[3]");
    pdt_free(T);
}

Test(modbus, fc7_read_exception_status)
{
    struct pdt *T = PAIR_RUN(fc7);
    cr_assert_eq(T->txn[0].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(recs[0].output_data, 0x6d);
    JSON_HAS(T, 0, "\"func_name\":\"read_exception_status\",\"output_data\":109}");
    pdt_free(T);
}

Test(modbus, fc8_return_query_data)
{
    struct pdt *T = PAIR_RUN(fc8);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {0xa537};
    cr_assert_eq(T->txn[0].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(r->sub_func, 0);
    cr_assert_str_eq(r->sub_func_name, "return_query_data");
    values_eq(r->req_values, r->n_req_values, want, LEN(want));
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    JSON_HAS(T, 0, "\"sub_func\":0,\"sub_func_name\":\"return_query_data\"");
    pdt_free(T);
}

Test(modbus, fc8_sub_functions)
{
    struct pdt *T = PAIR_RUN(fc8_11);
    static const uint16_t want[] = {300};
    cr_assert_eq(recs[0].sub_func, 11);
    cr_assert_str_eq(recs[0].sub_func_name, "return_bus_message_count");
    values_eq(recs[0].resp_values, recs[0].n_resp_values, want, LEN(want));
    pdt_free(T);

    /* sub-function 1 with an odd data length: kept raw, and names for more codes */
    T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc8_1_req, sizeof fc8_1_req), 0);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_str_eq(recs[0].sub_func_name, "restart_communications_option");
    JSON_HAS(T, 0, "\"req_raw\":\"ff0007\"");
    pdt_free(T);
    cr_assert_str_eq(modbus_diag_name(4), "force_listen_only_mode");
    cr_assert_str_eq(modbus_diag_name(10), "clear_counters_and_diagnostic_register");
    cr_assert_str_eq(modbus_diag_name(20), "clear_overrun_counter_and_flag");
    cr_assert_str_eq(modbus_diag_name(19), "reserved");
}

Test(modbus, fc11_get_comm_event_counter)
{
    struct pdt *T = PAIR_RUN(fc11);
    cr_assert_eq(T->txn[0].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(recs[0].comm_status, 0xffff);
    cr_assert_eq(recs[0].event_count, 264);
    JSON_HAS(T, 0, "\"comm_status\":65535,\"event_count\":264");
    pdt_free(T);
}

Test(modbus, fc12_get_comm_event_log)
{
    struct pdt *T = PAIR_RUN(fc12);
    cr_assert_eq(recs[0].comm_status, 0);
    cr_assert_eq(recs[0].event_count, 264);
    cr_assert_eq(recs[0].message_count, 289);
    JSON_HAS(T, 0, "\"comm_status\":0,\"event_count\":264,\"message_count\":289,"
                   "\"events\":\"2000\"");
    pdt_free(T);
}

Test(modbus, fc15_write_multiple_coils)
{
    struct pdt *T = PAIR_RUN(fc15);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(r->addr, 19);
    cr_assert_eq(r->qty, 10);
    values_eq(r->req_values, r->n_req_values, want, LEN(want));
    cr_assert(!(r->has & MODBUS_HAS_RESP_VALUES));
    JSON_HAS(T, 0, "\"req_values\":[1,0,1,1,0,0,1,1,1,0]");
    pdt_free(T);
}

Test(modbus, fc16_write_multiple_registers)
{
    struct pdt *T = PAIR_RUN(fc16);
    static const uint16_t want[] = {10, 258};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(recs[0].addr, 1);
    cr_assert_eq(recs[0].qty, 2);
    values_eq(recs[0].req_values, recs[0].n_req_values, want, LEN(want));
    pdt_free(T);
}

Test(modbus, fc17_report_server_id)
{
    struct pdt *T = PAIR_RUN(fc17);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    cr_assert_eq(recs[0].run_indicator, 1);
    JSON_HAS(T, 0, "\"server_id\":\"01ff414243\",\"run_indicator\":true");
    pdt_free(T);
}

Test(modbus, fc20_read_file_record)
{
    struct pdt *T = PAIR_RUN(fc20);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {3582, 32, 13261, 64};
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(r->n_file_refs, 2);
    cr_assert_eq(r->file_refs[1].file, 3);
    cr_assert_eq(r->file_refs[1].record, 9);
    cr_assert_eq(r->file_refs[1].length, 2);
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    JSON_HAS(T, 0, "\"file_records\":[{\"ref_type\":6,\"file\":4,\"record\":1,\"length\":2},"
                   "{\"ref_type\":6,\"file\":3,\"record\":9,\"length\":2}]");
    pdt_free(T);
}

Test(modbus, fc21_write_file_record)
{
    struct pdt *T = PAIR_RUN(fc21);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t want[] = {1711, 1214, 4109};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(r->n_file_refs, 1);
    cr_assert_eq(r->file_refs[0].file, 4);
    cr_assert_eq(r->file_refs[0].record, 7);
    cr_assert_eq(r->file_refs[0].length, 3);
    values_eq(r->req_values, r->n_req_values, want, LEN(want));
    values_eq(r->resp_values, r->n_resp_values, want, LEN(want));
    pdt_free(T);
}

Test(modbus, fc22_mask_write_register)
{
    struct pdt *T = PAIR_RUN(fc22);
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(recs[0].addr, 4);
    JSON_HAS(T, 0, "\"addr\":4,\"and_mask\":242,\"or_mask\":37");
    pdt_free(T);
}

Test(modbus, fc23_read_write_multiple_registers)
{
    struct pdt *T = PAIR_RUN(fc23);
    const struct modbus_rec *r = &recs[0];
    static const uint16_t wr[] = {255, 255, 255};
    static const uint16_t rd[] = {254, 2765, 1, 3, 13, 255};
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_str_eq(r->func_name, "read_write_multiple_registers");
    cr_assert_eq(r->addr, 3);
    cr_assert_eq(r->qty, 6);
    cr_assert_eq(r->write_addr, 14);
    cr_assert_eq(r->write_qty, 3);
    values_eq(r->req_values, r->n_req_values, wr, LEN(wr));
    values_eq(r->resp_values, r->n_resp_values, rd, LEN(rd));
    JSON_HAS(T, 0, "\"addr\":3,\"qty\":6,\"write_addr\":14,\"write_qty\":3,"
                   "\"req_values\":[255,255,255],\"resp_values\":[254,2765,1,3,13,255]");
    pdt_free(T);
}

Test(modbus, fc24_read_fifo_queue)
{
    struct pdt *T = PAIR_RUN(fc24);
    static const uint16_t want[] = {440, 4740};
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(recs[0].addr, 1246);
    cr_assert_eq(recs[0].qty, 2);
    values_eq(recs[0].resp_values, recs[0].n_resp_values, want, LEN(want));
    pdt_free(T);
}

Test(modbus, fc43_read_device_identification)
{
    struct pdt *T = PAIR_RUN(fc43);
    const struct modbus_rec *r = &recs[0];
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    cr_assert_str_eq(r->func_name, "encapsulated_interface_transport");
    cr_assert_eq(r->sub_func, 14);
    cr_assert_eq(r->mei.read_code, 1);
    cr_assert_eq(r->mei.conformity, 0x81);
    cr_assert_eq(r->mei.n_objects, 3);
    cr_assert_eq(r->mei.objects[2].id, 2);
    cr_assert_eq(r->mei.objects[2].len, 4);
    JSON_HAS(T, 0, "\"sub_func\":14,\"sub_func_name\":\"read_device_identification\"");
    JSON_HAS(T, 0, "\"mei\":{\"type\":14,\"type_name\":\"read_device_identification\","
                   "\"read_code\":1,\"object_id\":0,\"conformity\":129,\"more\":false,"
                   "\"next_object\":0,\"objects\":["
                   "{\"id\":0,\"name\":\"VendorName\",\"value\":\"Schneider\"},"
                   "{\"id\":1,\"name\":\"ProductCode\",\"value\":\"BMX P34\"},"
                   "{\"id\":2,\"name\":\"MajorMinorRevision\",\"value\":\"v2.7\"}]}");
    pdt_free(T);
}

Test(modbus, fc43_private_objects_more_follows)
{
    struct pdt *T = PAIR_RUN(fc43_ext);
    JSON_HAS(T, 0, "\"read_code\":3,\"object_id\":128,\"conformity\":131,\"more\":true,"
                   "\"next_object\":130,\"objects\":["
                   "{\"id\":128,\"name\":\"private_0x80\",\"value\":\"xy\"},"
                   "{\"id\":129,\"name\":\"private_0x81\",\"value\":\"abc\"}]");
    pdt_free(T);
    char name[32];
    modbus_mei_object_name(3, name, sizeof name);
    cr_assert_str_eq(name, "VendorUrl");
    modbus_mei_object_name(6, name, sizeof name);
    cr_assert_str_eq(name, "UserApplicationName");
    modbus_mei_object_name(0x10, name, sizeof name);
    cr_assert_str_eq(name, "reserved_0x10");
}

Test(modbus, fc43_canopen_raw)
{
    struct pdt *T = PAIR_RUN(fc43_13);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    JSON_HAS(T, 0, "\"sub_func\":13,\"sub_func_name\":\"canopen_general_reference\"");
    JSON_HAS(T, 0, "\"req_raw\":\"010203\",\"resp_raw\":\"0405\"");
    JSON_HAS(T, 0, "\"mei\":{\"type\":13,\"type_name\":\"canopen_general_reference\"}");
    pdt_free(T);
}

Test(modbus, fc90_umas)
{
    struct pdt *T = PAIR_RUN(fc90);
    cr_assert_eq(T->txn[0].op, PD_OP_PROGRAM);
    cr_assert_str_eq(recs[0].func_name, "schneider_umas");
    cr_assert_eq(recs[0].umas_func, 0x41);
    JSON_HAS(T, 0, "\"func\":90,\"func_name\":\"schneider_umas\",\"umas_func\":65,"
                   "\"umas_func_name\":\"stop_plc\",\"umas_status\":254,"
                   "\"req_raw\":\"0141ff00\",\"resp_raw\":\"01fe\"");
    pdt_free(T);

    T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc90_id_req, sizeof fc90_id_req), 0);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    JSON_HAS(T, 0, "\"umas_func_name\":\"read_id\"");
    pdt_free(T);
}

Test(modbus, fc65_user_defined)
{
    struct pdt *T = PAIR_RUN(fc65);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    cr_assert_str_eq(recs[0].func_name, "user_defined_65");
    JSON_HAS(T, 0, "\"func\":65,\"func_name\":\"user_defined_65\",\"req_raw\":\"010203\","
                   "\"resp_raw\":\"aa\"}");
    pdt_free(T);
}

Test(modbus, raw_capped)
{
    uint8_t req[7 + 101] = {0x00, 0x42, 0x00, 0x00, 0x00, 102, 0x01, 0x64};
    struct pdt *T = mb_new();
    for (size_t i = 8; i < sizeof req; i++)
        req[i] = 0xab;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, req, sizeof req), 0);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_str_eq(recs[0].func_name, "user_defined_100");
    cr_assert_eq(recs[0].req_raw.len, MODBUS_RAW_CAP);
    JSON_HAS(T, 0, "\"raw_truncated\":true");
    pdt_free(T);
}

Test(modbus, exception_response)
{
    struct pdt *T = PAIR_RUN(exc);
    const struct modbus_rec *r = &recs[0];
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(r->func, 3);
    cr_assert_eq(r->exception, 2);
    cr_assert_str_eq(r->exception_name, "illegal_data_address");
    JSON_HAS(T, 0, "\"tid\":256,\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\","
                   "\"addr\":10000,\"qty\":125,\"exception\":2,"
                   "\"exception_name\":\"illegal_data_address\"}");
    pdt_free(T);
    cr_assert_str_eq(modbus_exception_name(1), "illegal_function");
    cr_assert_str_eq(modbus_exception_name(3), "illegal_data_value");
    cr_assert_str_eq(modbus_exception_name(4), "server_device_failure");
    cr_assert_str_eq(modbus_exception_name(5), "acknowledge");
    cr_assert_str_eq(modbus_exception_name(6), "server_device_busy");
    cr_assert_str_eq(modbus_exception_name(8), "memory_parity_error");
    cr_assert_str_eq(modbus_exception_name(10), "gateway_path_unavailable");
    cr_assert_str_eq(modbus_exception_name(11), "gateway_target_failed_to_respond");
    cr_assert_str_eq(modbus_exception_name(7), "unknown");
}

/* ---- pairing ------------------------------------------------------------------------- */

Test(modbus, pairing_out_of_order)
{
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc1_req, sizeof fc1_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 10, fc3_req, sizeof fc3_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 20, fc4_req, sizeof fc4_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 100, fc3_resp, sizeof fc3_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 200, fc1_resp, sizeof fc1_resp), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(recs[0].tid, 3);
    cr_assert_eq(T->txn[0].ts_us, T0 + 10);
    cr_assert_eq(T->txn[0].latency_us, 90);
    cr_assert_eq(recs[0].qty, 3);
    cr_assert_eq(recs[1].tid, 1);
    cr_assert_eq(T->txn[1].latency_us, 200);
    cr_assert_eq(recs[1].n_resp_values, 19);
    /* the FC 4 request is still pending; it ends as no_response */
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->txn[2].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(recs[2].tid, 4);
    cr_assert_eq(T->txn[2].has_latency, 0);
    pdt_free(T);
}

Test(modbus, pairing_needs_same_unit_and_fc)
{
    /* a response with the right tid but another unit or function is not the answer */
    struct pdt *T = mb_new();
    uint8_t resp[sizeof fc3_resp];
    memcpy(resp, fc3_resp, sizeof resp);
    resp[6] = 0x02; /* unit 2 */
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc3_req, sizeof fc3_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 5, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(recs[0].unit, 2);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 6, fc3_resp, sizeof fc3_resp), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    pdt_free(T);
}

Test(modbus, response_only)
{
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 7, fc3_resp, sizeof fc3_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 8, fc1_resp, sizeof fc1_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 9, fc6_resp, sizeof fc6_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 10, exc_resp, sizeof exc_resp), 0);
    cr_assert_eq(T->n_events, 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(T->txn[i].has_latency, 0);
        cr_assert_eq(T->txn[i].ts_us, T0 + 7 + (uint64_t)i);
        cr_assert_eq(T->txn[i].req_dir, PD_DIR_TO_SERVER);
    }
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    JSON_HAS(T, 0, "\"func\":3,\"func_name\":\"read_holding_registers\","
                   "\"resp_values\":[555,0,100]");
    JSON_LACKS(T, 0, "addr");
    /* coils: without the request, all bits of the byte count */
    cr_assert_eq(recs[1].n_resp_values, 24);
    /* an echo shows the address and value */
    JSON_HAS(T, 2, "\"addr\":1,\"resp_values\":[3]");
    /* an exception without its request is still an exception */
    cr_assert_eq(T->txn[3].status, PD_ST_EXCEPTION);
    cr_assert_eq(recs[3].func, 3);
    cr_assert_eq(recs[3].exception, 2);
    pdt_free(T);
}

Test(modbus, no_response_after_timeout)
{
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc3_req, sizeof fc3_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 3000000, fc6_req, sizeof fc6_req), 0);
    T->ctx.now_us = T0 + T->lim.txn_timeout_us; /* exactly the timeout: not older yet */
    pd_modbus.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 0);
    T->ctx.now_us = T0 + T->lim.txn_timeout_us + 1;
    pd_modbus.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    JSON_HAS(T, 0, "\"tid\":3,\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\","
                   "\"addr\":107,\"qty\":3}");
    /* the late response of the expired request is response_only */
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 5000002, fc3_resp, sizeof fc3_resp), 0);
    cr_assert_eq(T->txn[1].status, PD_ST_RESPONSE_ONLY);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(recs[2].tid, 6);
    cr_assert_eq(T->txn[2].status, PD_ST_NO_RESPONSE);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 3);
    pdt_free(T);
}

Test(modbus, pending_table_overflow)
{
    struct pdt *T = mb_new();
    T->lim.max_pending = 2;
    uint8_t req[sizeof fc3_req];
    memcpy(req, fc3_req, sizeof req);
    for (uint8_t tid = 1; tid <= 3; tid++) {
        req[1] = tid;
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + tid, req, sizeof req), 0);
    }
    /* the third request pushed out the oldest */
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(recs[0].tid, 1);
    uint8_t resp[sizeof fc3_resp];
    memcpy(resp, fc3_resp, sizeof resp);
    resp[1] = 3;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 50, resp, sizeof resp), 0);
    resp[1] = 2;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 60, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    cr_assert_eq(recs[1].tid, 3);
    cr_assert_eq(T->txn[2].status, PD_ST_OK);
    cr_assert_eq(recs[2].tid, 2);
    cr_assert_eq(T->txn[2].latency_us, 58);
    pdt_free(T);
}

Test(modbus, pending_table_full_size)
{
    /* max_pending above the hard cap is clamped to PD_MAX_PENDING */
    struct pdt *T = mb_new();
    T->lim.max_pending = 1000;
    uint8_t req[sizeof fc3_req];
    memcpy(req, fc3_req, sizeof req);
    for (unsigned tid = 0; tid < PD_MAX_PENDING + 5; tid++) {
        req[0] = (uint8_t)(tid >> 8);
        req[1] = (uint8_t)tid;
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + tid, req, sizeof req), 0);
    }
    cr_assert_eq(T->n_events, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(recs[i].tid, i);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 5 + PD_MAX_PENDING);
    cr_assert_eq(recs[5].tid, 5); /* expired oldest first */
    pdt_free(T);
}

Test(modbus, same_tid_pipelined)
{
    /* a client sends three FC 6 writes with one tid before any answer; the server answers
     * in order: each response pairs with its own request (first in, first out) */
    static const uint8_t reqs[3][12] = {
        {0x01, 0xf8, 0, 0, 0, 6, 7, 6, 0, 4, 0x09, 0xc4}, /* tid 504 unit 7: reg 4 = 2500 */
        {0x01, 0xf8, 0, 0, 0, 6, 7, 6, 0, 4, 0x00, 0x00}, /* reg 4 = 0 */
        {0x01, 0xf8, 0, 0, 0, 6, 7, 6, 0, 5, 0x36, 0xc1}, /* reg 5 = 14017 */
    };
    struct pdt *T = mb_new();
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + (uint64_t)i, reqs[i], 12), 0);
    cr_assert_eq(T->n_events, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 100 + (uint64_t)i, reqs[i], 12), 0);
    cr_assert_eq(T->n_events, 3);
    static const uint16_t addr[3] = {4, 4, 5}, val[3] = {2500, 0, 14017};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(T->txn[i].status, PD_ST_OK);
        cr_assert_eq(T->txn[i].latency_us, 100);
        cr_assert_eq(recs[i].addr, addr[i]);
        cr_assert_eq(recs[i].req_values[0], val[i]);
        cr_assert_eq(recs[i].resp_values[0], val[i]);
    }
    pdt_free(T);
}

Test(modbus, retried_request)
{
    /* the client retries a request (same tid) and one answer comes: it pairs with the
     * first, the retry ends as no_response */
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc3_req, sizeof fc3_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 100, fc3_req, sizeof fc3_req), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 150, fc3_resp, sizeof fc3_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 150);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[1].ts_us, T0 + 100);
    pdt_free(T);
}

Test(modbus, values_cap)
{
    struct pdt *T = mb_new();
    T->lim.max_values = 4;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc1_req, sizeof fc1_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 1, fc1_resp, sizeof fc1_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 2, fc23_req, sizeof fc23_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 3, fc23_resp, sizeof fc23_resp), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(recs[0].n_resp_values, 4);
    cr_assert_eq(recs[0].values_truncated, 1);
    JSON_HAS(T, 0, "\"resp_values\":[1,0,1,1],\"values_truncated\":true");
    /* three write values fit, six read values do not */
    JSON_HAS(T, 1, "\"req_values\":[255,255,255],\"resp_values\":[254,2765,1,3],"
                   "\"values_truncated\":true");
    pdt_free(T);

    /* max_items caps the device identification objects */
    T = mb_new();
    T->lim.max_items = 2;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fc43_resp, sizeof fc43_resp), 0);
    cr_assert_eq(recs[0].mei.n_objects, 2);
    JSON_HAS(T, 0, "\"objects_truncated\":true");
    pdt_free(T);
}

Test(modbus, response_only_shows_the_response)
{
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fc21_resp, sizeof fc21_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fc43_resp, sizeof fc43_resp), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0, fc15_resp, sizeof fc15_resp), 0);
    cr_assert_eq(T->n_events, 3);
    JSON_HAS(T, 0, "\"resp_values\":[1711,1214,4109],\"values_truncated\":false,"
                   "\"file_records\":[{\"ref_type\":6,\"file\":4,\"record\":7,\"length\":3}]");
    cr_assert_eq(T->txn[1].op, PD_OP_IDENTIFY);
    JSON_HAS(T, 1, "\"mei\":{\"type\":14,\"type_name\":\"read_device_identification\","
                   "\"read_code\":1,\"conformity\":129");
    JSON_LACKS(T, 1, "object_id");
    JSON_HAS(T, 2, "\"func\":15,\"func_name\":\"write_multiple_coils\",\"addr\":19,\"qty\":10}");
    pdt_free(T);
}

Test(modbus, unknown_function_code)
{
    /* FC 9 is not assigned: recorded raw, not malformed; the server's exception pairs */
    static const uint8_t req[] = {0, 5, 0, 0, 0, 4, 1, 9, 0xde, 0xad};
    static const uint8_t resp[] = {0, 5, 0, 0, 0, 3, 1, 0x89, 1};
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, req, sizeof req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 3, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    JSON_HAS(T, 0, "\"func\":9,\"func_name\":\"unknown_9\",\"exception\":1,"
                   "\"exception_name\":\"illegal_function\",\"req_raw\":\"dead\"}");
    pdt_free(T);
}

Test(modbus, udp_same_as_tcp)
{
    struct pdt *T = mb_new();
    T->ctx.transport = PD_TRANSPORT_UDP;
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc4_req, sizeof fc4_req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 9, fc4_resp, sizeof fc4_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert(pd_modbus.transports & PD_TRANSPORT_UDP);
    pdt_free(T);
}

Test(modbus, json_never_null)
{
    for (size_t i = 0; i < LEN(vectors); i++) {
        const struct vec *v = &vectors[i];
        struct pdt *T = pair_run(v->req, v->req_n, v->resp, v->resp_n);
        cr_assert(strncmp(T->json[0], "{\"modbus\":{\"tid\":", 17) == 0, "%s: %s", v->name,
                  T->json[0]);
        JSON_LACKS(T, 0, "null");
        JSON_LACKS(T, 0, "\"error\"");
        pdt_free(T);
    }
}

/* ---- malformed ----------------------------------------------------------------------- */

struct bad {
    const char *name;
    uint8_t dir;
    int record;        /* 1: a malformed record comes out (now or at flow end) */
    const char *why;   /* a substring of the anomaly detail */
    const uint8_t *bytes;
    size_t n;
};

#define TS PD_DIR_TO_SERVER
#define TC PD_DIR_TO_CLIENT
#define BAD(name, dir, record, why, ...)                                                     \
    {name, dir, record, why, (const uint8_t[]){__VA_ARGS__},                                 \
     sizeof((const uint8_t[]){__VA_ARGS__})}
/* each: MBAP tid 1, proto 0, length, unit 1, then the PDU */
static const struct bad bad_table[] = {
    BAD("fc3 qty 0", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 0),
    BAD("fc3 qty 126", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 126),
    BAD("fc3 short pdu", TS, 1, "truncated: PDU shorter", 0, 1, 0, 0, 0, 4, 1, 3, 0, 0),
    BAD("fc3 long pdu", TS, 1, "PDU longer", 0, 1, 0, 0, 0, 7, 1, 3, 0, 0, 0, 1, 9),
    BAD("fc1 qty 2001", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 6, 1, 1, 0, 0, 0x07, 0xd1),
    BAD("fc5 coil value", TS, 1, "coil value", 0, 1, 0, 0, 0, 6, 1, 5, 0, 1, 0x12, 0x34),
    BAD("fc15 byte count", TS, 1, "byte count does not match", 0, 1, 0, 0, 0, 8, 1, 15, 0, 0,
        0, 10, 1, 0xff),
    BAD("fc15 qty 1969", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 8, 1, 15, 0, 0, 0x07,
        0xb1, 1, 0xff),
    BAD("fc16 qty 124", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 8, 1, 16, 0, 0, 0, 124, 1,
        0),
    BAD("fc16 byte count", TS, 1, "byte count does not match", 0, 1, 0, 0, 0, 10, 1, 16, 0, 0,
        0, 1, 3, 0, 0, 0),
    BAD("fc16 data short", TS, 1, "truncated", 0, 1, 0, 0, 0, 10, 1, 16, 0, 0, 0, 2, 4, 0, 0,
        0),
    BAD("fc23 write qty 122", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 11, 1, 23, 0, 0, 0, 1,
        0, 0, 0, 122, 0),
    BAD("fc23 read qty 0", TS, 1, "invalid: quantity", 0, 1, 0, 0, 0, 13, 1, 23, 0, 0, 0, 0, 0,
        0, 0, 1, 2, 0, 1),
    BAD("fc20 byte count 6", TS, 1, "read file record byte count", 0, 1, 0, 0, 0, 10, 1, 20, 6,
        6, 0, 1, 0, 0, 0, 1),
    BAD("fc20 ref type 5", TS, 1, "reference type", 0, 1, 0, 0, 0, 10, 1, 20, 7, 5, 0, 1, 0, 0,
        0, 1),
    BAD("fc21 record past data", TS, 1, "record length exceeds", 0, 1, 0, 0, 0, 12, 1, 21, 9, 6,
        0, 1, 0, 0, 0, 2, 0, 1),
    BAD("fc22 short", TS, 1, "truncated", 0, 1, 0, 0, 0, 6, 1, 22, 0, 1, 0, 2),
    BAD("fc24 long", TS, 1, "PDU longer", 0, 1, 0, 0, 0, 5, 1, 24, 0, 1, 2),
    BAD("fc43/14 read code 5", TS, 1, "read device id code", 0, 1, 0, 0, 0, 5, 1, 43, 14, 5, 0),
    BAD("fc8 no sub-function", TS, 1, "truncated", 0, 1, 0, 0, 0, 3, 1, 8, 0),
    BAD("fc7 with data", TS, 1, "PDU longer", 0, 1, 0, 0, 0, 3, 1, 7, 0),
    BAD("exception bit in request", TS, 1, "exception bit", 0, 1, 0, 0, 0, 3, 1, 0x83, 2),
    BAD("fc0 request", TS, 1, "function code 0", 0, 1, 0, 0, 0, 2, 1, 0),
    BAD("fc90 no umas function", TS, 1, "truncated", 0, 1, 0, 0, 0, 3, 1, 90, 0),
    BAD("mbap length beyond bytes", TS, 1, "fewer bytes than the MBAP length", 0, 1, 0, 0, 0, 7,
        1, 3, 0, 0, 0, 1),
    BAD("mbap bytes beyond length", TS, 1, "bytes beyond the MBAP length", 0, 1, 0, 0, 0, 5, 1,
        3, 0, 0, 0, 1),
    BAD("mbap length 255", TS, 1, "outside 2..254", 0, 1, 0, 0, 0, 255, 1, 3, 0, 0, 0, 1),
    BAD("mbap length 1", TS, 1, "outside 2..254", 0, 1, 0, 0, 0, 1, 1, 3),
    BAD("protocol id 1", TS, 0, "protocol id", 0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1),
    BAD("mbap 5 bytes", TS, 0, "truncated: MBAP", 0, 1, 0, 0, 0),
    BAD("mbap without fc", TC, 0, "truncated: MBAP", 0, 1, 0, 0, 0, 1, 1),
    BAD("fc3 resp odd byte count", TC, 1, "byte count zero or odd", 0, 1, 0, 0, 0, 6, 1, 3, 3,
        0, 1, 2),
    BAD("fc1 resp byte count 0", TC, 1, "byte count zero", 0, 1, 0, 0, 0, 3, 1, 1, 0),
    BAD("fc3 resp count past pdu", TC, 1, "truncated", 0, 1, 0, 0, 0, 5, 1, 3, 4, 0, 1),
    BAD("fc5 resp coil value", TC, 1, "coil value", 0, 1, 0, 0, 0, 6, 1, 5, 0, 1, 0, 1),
    BAD("exception 3 bytes", TC, 1, "exception response longer", 0, 1, 0, 0, 0, 4, 1, 0x83, 2,
        0),
    BAD("exception without code", TC, 1, "without an exception code", 0, 1, 0, 0, 0, 2, 1,
        0x83),
    BAD("fc24 fifo count 32", TC, 1, "FIFO count", 0, 1, 0, 0, 0, 6, 1, 24, 0, 66, 0, 32),
    BAD("fc24 byte count", TC, 1, "FIFO count", 0, 1, 0, 0, 0, 8, 1, 24, 0, 6, 0, 1, 0, 7),
    BAD("fc12 byte count 5", TC, 1, "comm event log byte count", 0, 1, 0, 0, 0, 8, 1, 12, 5, 0,
        0, 0, 0, 0),
    BAD("fc20 resp ref type", TC, 1, "file sub-response", 0, 1, 0, 0, 0, 7, 1, 20, 4, 3, 7, 0,
        1),
    BAD("fc43/14 more 0x12", TC, 1, "more-follows", 0, 1, 0, 0, 0, 8, 1, 43, 14, 1, 1, 0x12, 0,
        0),
    BAD("fc43/14 object past pdu", TC, 1, "truncated", 0, 1, 0, 0, 0, 11, 1, 43, 14, 1, 1, 0, 0,
        1, 0, 9, 'a'),
    BAD("fc43/14 too few objects", TC, 1, "truncated", 0, 1, 0, 0, 0, 11, 1, 43, 14, 1, 1, 0, 0,
        2, 0, 1, 'a'),
    BAD("fc17 byte count 0", TC, 1, "byte count zero", 0, 1, 0, 0, 0, 3, 1, 17, 0),
    BAD("fc0 response", TC, 1, "function code 0", 0, 1, 0, 0, 0, 2, 1, 0),
};

static char last_detail[256];

static void capture_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    snprintf(last_detail, sizeof last_detail, "%s", detail);
    pdt_anomaly(ctx, kind, detail);
}

Test(modbus, malformed_table)
{
    for (size_t i = 0; i < LEN(bad_table); i++) {
        const struct bad *b = &bad_table[i];
        struct pdt *T = mb_new();
        T->ctx.anomaly = capture_anomaly;
        last_detail[0] = 0;
        int rc = pdt_parse(T, b->dir, T0, b->bytes, b->n);
        cr_assert_lt(rc, 0, "%s: parse returned %d", b->name, rc);
        cr_assert_eq(T->n_anomalies, 1, "%s: %d anomalies", b->name, T->n_anomalies);
        cr_assert_str_eq(T->anomaly_kind[0], "modbus_malformed", "%s", b->name);
        cr_assert(strstr(last_detail, b->why) != NULL, "%s: detail '%s' lacks '%s'", b->name,
                  last_detail, b->why);
        pd_modbus.expire(&T->ctx, 1);
        cr_assert_eq(T->n_events, b->record, "%s: %d records", b->name, T->n_events);
        if (b->record) {
            cr_assert_eq(T->txn[0].status, PD_ST_MALFORMED, "%s", b->name);
            JSON_HAS(T, 0, "\"error\":\"");
        }
        /* the flow goes on: a good transaction still pairs */
        int before = T->n_events;
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0 + 1, fc4_req, sizeof fc4_req), 0, "%s",
                     b->name);
        cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 2, fc4_resp, sizeof fc4_resp), 0);
        cr_assert_eq(T->n_events, before + 1, "%s", b->name);
        cr_assert_eq(T->txn[before].status, PD_ST_OK, "%s", b->name);
        pdt_free(T);
    }
}

Test(modbus, malformed_tells_truncated_from_invalid)
{
    struct pdt *T = mb_new();
    cr_assert_lt(pdt_parse(T, PD_DIR_TO_SERVER, T0, bad_table[2].bytes, bad_table[2].n), 0);
    cr_assert_lt(pdt_parse(T, PD_DIR_TO_SERVER, T0, bad_table[0].bytes, bad_table[0].n), 0);
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert(strncmp(recs[0].error, "truncated:", 10) == 0, "%s", recs[0].error);
    cr_assert(strncmp(recs[1].error, "invalid:", 8) == 0, "%s", recs[1].error);
    pdt_free(T);
}

Test(modbus, malformed_request_still_pairs)
{
    /* FC 3 qty 0 is invalid, but the server's exception answers it */
    static const uint8_t req[] = {0, 9, 0, 0, 0, 6, 1, 3, 0, 0, 0, 0};
    static const uint8_t resp[] = {0, 9, 0, 0, 0, 3, 1, 0x83, 3};
    struct pdt *T = mb_new();
    cr_assert_lt(pdt_parse(T, PD_DIR_TO_SERVER, T0, req, sizeof req), 0);
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 40, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_MALFORMED);
    cr_assert_eq(T->txn[0].latency_us, 40);
    cr_assert_eq(recs[0].exception, 3);
    JSON_HAS(T, 0, "\"exception_name\":\"illegal_data_value\"");
    pd_modbus.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    pdt_free(T);
}

Test(modbus, response_count_mismatch_is_malformed)
{
    /* the request asked for 3 registers; the response carries 2 */
    static const uint8_t resp[] = {0, 3, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2};
    struct pdt *T = mb_new();
    cr_assert_eq(pdt_parse(T, PD_DIR_TO_SERVER, T0, fc3_req, sizeof fc3_req), 0);
    cr_assert_lt(pdt_parse(T, PD_DIR_TO_CLIENT, T0 + 1, resp, sizeof resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_MALFORMED);
    cr_assert_eq(recs[0].qty, 3);
    cr_assert_eq(T->n_anomalies, 1);
    pdt_free(T);
}

/* ---- probe, pdu_len, resync ---------------------------------------------------------- */

Test(modbus, probe_positive)
{
    for (size_t i = 0; i < LEN(vectors); i++) {
        const struct vec *v = &vectors[i];
        cr_assert_eq(pd_modbus.probe(v->req, v->req_n, PD_DIR_TO_SERVER), PD_PROBE_YES, "%s req",
                     v->name);
        cr_assert_eq(pd_modbus.probe(v->resp, v->resp_n, PD_DIR_TO_CLIENT), PD_PROBE_YES,
                     "%s resp", v->name);
    }
    /* two frames in one segment, and a frame plus the start of the next */
    uint8_t two[sizeof fc3_req + sizeof fc16_req];
    memcpy(two, fc3_req, sizeof fc3_req);
    memcpy(two + sizeof fc3_req, fc16_req, sizeof fc16_req);
    cr_assert_eq(pd_modbus.probe(two, sizeof two, PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_modbus.probe(two, sizeof two - 3, PD_DIR_TO_SERVER), PD_PROBE_YES);
    /* short prefixes of a real frame ask for more */
    for (size_t n = 0; n < sizeof fc3_req; n++)
        cr_assert_eq(pd_modbus.probe(fc3_req, n, PD_DIR_TO_SERVER), PD_PROBE_NEED_MORE, "n=%zu", n);
    /* a response seen with the direction guessed wrong is still Modbus */
    cr_assert_eq(pd_modbus.probe(fc3_resp, sizeof fc3_resp, PD_DIR_TO_SERVER), PD_PROBE_YES);
}

Test(modbus, probe_negative)
{
    static const char http[] = "GET /index.html HTTP/1.1\r\nHost: plc\r\n\r\n";
    static const uint8_t tls[] = {
        0x16, 0x03, 0x01, 0x00, 0xc8, /* TLS handshake record, length 200 */
        0x01, 0x00, 0x00, 0xc4,       /* client hello */
        0x03, 0x03, 0x5b, 0x90, 0x12, 0x34, 0x56, 0x78, 0x9a,
    };
    static const uint8_t tpkt[] = {
        0x03, 0x00, 0x00, 0x16,       /* TPKT version 3, length 22 */
        0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, /* COTP connection request */
        0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02, 0xc0, 0x01, 0x0a,
    };
    static const uint8_t dnp3[] = {0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04, 0xe9, 0x21};
    /* MBAP-like but the FC 3 request PDU is 6 bytes, not 5 */
    static const uint8_t bad_len[] = {0, 1, 0, 0, 0, 7, 1, 3, 0, 0, 0, 1, 0};
    /* unknown function code 9 */
    static const uint8_t bad_fc[] = {0, 1, 0, 0, 0, 6, 1, 9, 0, 0, 0, 1};
    /* a good frame followed by a frame with protocol id 5 */
    uint8_t tail_bad[sizeof fc3_req + 12];
    memcpy(tail_bad, fc3_req, sizeof fc3_req);
    memcpy(tail_bad + sizeof fc3_req, (const uint8_t[]){0, 2, 0, 5, 0, 6, 1, 3, 0, 0, 0, 1}, 12);
    /* a good frame followed by one whose PDU length does not fit FC 6 */
    uint8_t tail_short[sizeof fc3_req + 11];
    memcpy(tail_short, fc3_req, sizeof fc3_req);
    memcpy(tail_short + sizeof fc3_req, (const uint8_t[]){0, 2, 0, 0, 0, 5, 1, 6, 0, 0, 0}, 11);

    for (uint8_t dir = 0; dir < 2; dir++) {
        cr_assert_eq(pd_modbus.probe((const uint8_t *)http, sizeof http - 1, dir), PD_PROBE_NO);
        cr_assert_eq(pd_modbus.probe(tls, sizeof tls, dir), PD_PROBE_NO);
        cr_assert_eq(pd_modbus.probe(tpkt, sizeof tpkt, dir), PD_PROBE_NO);
        cr_assert_eq(pd_modbus.probe(dnp3, sizeof dnp3, dir), PD_PROBE_NO);
        /* exact MBAP framing with unusual content is only a weak yes (taken on port 502) */
        cr_assert_eq(pd_modbus.probe(bad_len, sizeof bad_len, dir), PD_PROBE_WEAK);
        cr_assert_eq(pd_modbus.probe(bad_fc, sizeof bad_fc, dir), PD_PROBE_WEAK);
        cr_assert_eq(pd_modbus.probe(tail_short, sizeof tail_short, dir), PD_PROBE_WEAK);
        cr_assert_eq(pd_modbus.probe(tail_bad, sizeof tail_bad, dir), PD_PROBE_NO);
        /* framing that does not end where the bytes end is no */
        cr_assert_eq(pd_modbus.probe(bad_fc, sizeof bad_fc - 1, dir), PD_PROBE_NO);
    }
    /* an exception response is never a request, and both dirs are tried: it stays YES only
     * as a response */
    cr_assert_eq(pd_modbus.probe(exc_resp, sizeof exc_resp, PD_DIR_TO_CLIENT), PD_PROBE_YES);

    /* random bytes: a fixed xorshift stream, 20000 buffers of 8..100 bytes, all NO */
    uint32_t x = 0x2545f491u;
    uint8_t buf[100];
    for (int k = 0; k < 20000; k++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t n = 8 + x % 93;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[i] = (uint8_t)x;
        }
        cr_assert_eq(pd_modbus.probe(buf, n, PD_DIR_TO_SERVER), PD_PROBE_NO, "buffer %d", k);
    }
}

Test(modbus, pdu_len)
{
    cr_assert_eq(pd_modbus.pdu_len(fc3_req, sizeof fc3_req), 12);
    cr_assert_eq(pd_modbus.pdu_len(fc43_resp, sizeof fc43_resp), 6 + 34);
    cr_assert_eq(pd_modbus.pdu_len(fc3_req, 7), 12);
    for (size_t n = 0; n < 7; n++)
        cr_assert_eq(pd_modbus.pdu_len(fc3_req, n), 0, "n=%zu", n);
    static const uint8_t proto1[] = {0, 1, 0, 1, 0, 6, 1, 3};
    static const uint8_t len1[] = {0, 1, 0, 0, 0, 1, 1, 3};
    static const uint8_t len255[] = {0, 1, 0, 0, 0, 255, 1, 3};
    static const uint8_t len256[] = {0, 1, 0, 0, 1, 0, 1, 3};
    cr_assert_lt(pd_modbus.pdu_len(proto1, sizeof proto1), 0);
    cr_assert_lt(pd_modbus.pdu_len(proto1, 4), 0);
    cr_assert_lt(pd_modbus.pdu_len(len1, sizeof len1), 0);
    cr_assert_lt(pd_modbus.pdu_len(len255, sizeof len255), 0);
    cr_assert_lt(pd_modbus.pdu_len(len256, 6), 0);
}

Test(modbus, resync)
{
    uint8_t buf[64];
    /* garbage then two frames: the first frame, which is followed by another */
    static const uint8_t junk[] = {0x55, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01};
    memcpy(buf, junk, sizeof junk);
    memcpy(buf + sizeof junk, fc3_req, sizeof fc3_req);
    memcpy(buf + sizeof junk + sizeof fc3_req, fc6_req, sizeof fc6_req);
    size_t n = sizeof junk + sizeof fc3_req + sizeof fc6_req;
    cr_assert_eq(pd_modbus.resync(buf, n), (long)sizeof junk);
    /* one frame exactly ending the buffer */
    cr_assert_eq(pd_modbus.resync(buf, sizeof junk + sizeof fc3_req), (long)sizeof junk);
    /* a frame running past the end is still a candidate */
    cr_assert_eq(pd_modbus.resync(buf, sizeof junk + sizeof fc3_req - 2), (long)sizeof junk);
    /* the tail of a frame alone: only its last two bytes "00 03" could start one */
    cr_assert_eq(pd_modbus.resync(fc3_req + 3, sizeof fc3_req - 3), 7);
    /* the tail of a frame followed by the next frame: skip to the next */
    memcpy(buf, fc16_req + 5, sizeof fc16_req - 5);
    memcpy(buf + sizeof fc16_req - 5, fc3_req, sizeof fc3_req);
    cr_assert_eq(pd_modbus.resync(buf, sizeof fc16_req - 5 + sizeof fc3_req),
                 (long)sizeof fc16_req - 5);
    /* a real frame start near the end with too few bytes to decide */
    memset(buf, 0xee, 20);
    memcpy(buf + 20, fc3_req, 5);
    cr_assert_eq(pd_modbus.resync(buf, 25), 20);
    /* nothing plausible: only the last two bytes, too short to rule out, are kept */
    memset(buf, 0xee, sizeof buf);
    cr_assert_eq(pd_modbus.resync(buf, sizeof buf), (long)sizeof buf - 2);
    memset(buf, 0x00, sizeof buf); /* zeros: length 0 is never valid, 5 bytes cannot tell */
    cr_assert_eq(pd_modbus.resync(buf, sizeof buf), (long)sizeof buf - 5);
    cr_assert_eq(pd_modbus.resync(buf, 1), 0);
    cr_assert_eq(pd_modbus.resync(buf, 0), -1);
}

/* ---- truncation loop and the descriptor ---------------------------------------------- */

Test(modbus, every_prefix)
{
    for (size_t i = 0; i < LEN(vectors); i++) {
        const struct vec *v = &vectors[i];
        /* exactly the full vector parses cleanly; every shorter prefix is refused */
        cr_assert_eq(pdt_every_prefix(&pd_modbus, PD_DIR_TO_SERVER, v->req, v->req_n), 1, "%s",
                     v->name);
        cr_assert_eq(pdt_every_prefix(&pd_modbus, PD_DIR_TO_CLIENT, v->resp, v->resp_n), 1,
                     "%s", v->name);
    }
    for (size_t i = 0; i < LEN(bad_table); i++)
        cr_assert_eq(pdt_every_prefix(&pd_modbus, bad_table[i].dir, bad_table[i].bytes,
                                      bad_table[i].n),
                     0, "%s", bad_table[i].name);
}

Test(modbus, func_names_whole)
{
    /* every name fits the record's buffer untruncated */
    for (unsigned fc = 0; fc < 128; fc++) {
        static struct modbus_rec r;
        modbus_set_func(&r, (uint8_t)fc);
        const char *name = modbus_fc_name((uint8_t)fc);
        if (name)
            cr_assert_str_eq(r.func_name, name);
        else if ((fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110))
            cr_assert(strncmp(r.func_name, "user_defined_", 13) == 0, "%u", fc);
        else
            cr_assert(strncmp(r.func_name, "unknown_", 8) == 0, "%u", fc);
    }
    cr_assert_str_eq(modbus_fc_name(23), "read_write_multiple_registers");
    cr_assert_str_eq(modbus_fc_name(43), "encapsulated_interface_transport");
}

Test(modbus, descriptor_and_fields)
{
    cr_assert_eq(pd_find("modbus"), &pd_modbus);
    cr_assert_eq(pd_modbus.proto, PD_PROTO_MODBUS);
    cr_assert_eq(pd_modbus.ports[0], 502);
    cr_assert(pd_modbus.state_size <= PD_MAX_STATE);
    /* every key json_modbus writes for these vectors is in the field table */
    static const char *const keys[] = {
        "tid", "unit", "func", "func_name", "addr", "qty", "exception", "exception_name",
        "req_values", "resp_values", "values_truncated", "sub_func", "write_addr", "write_qty",
        "mei", "mei.objects", "mei.conformity", "mei.more", "mei.next_object", "error",
    };
    for (size_t k = 0; k < LEN(keys); k++) {
        char want[64];
        snprintf(want, sizeof want, "modbus.%s", keys[k]);
        int found = 0;
        for (const struct pd_field *f = pd_modbus.fields; f->name; f++)
            found |= strcmp(f->name, want) == 0;
        cr_assert(found, "%s missing from the field table", want);
    }
}
