/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_s7comm_plus.c - the S7comm-plus side of pd_s7comm (versions 1-3, request, response,
 * notification, integrity part, trailer, fragments, TLS, program download), the framing
 * entry points (probe, pdu_len, resync), the table of malformed inputs and the every-prefix
 * loop over every vector of s7comm_vectors.h.
 */
#include <criterion/criterion.h>

#include "s7_test.h"

TestSuite(s7comm_plus, .init = setup, .fini = teardown);

Test(s7comm_plus, v1_create_object_session)
{
    cr_assert_eq(FEED(0, T0, v_p1_create_req), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(FEED(1, T0 + 40, v_p1_create_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_S7COMM_PLUS);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 40);
    JSON_HAS(0, "\"s7comm_plus\":{\"version\":1,\"opcode\":49,\"opcode_name\":\"request\","
                "\"resp_opcode\":50,\"func\":1226,\"func_name\":\"CreateObject\",\"seq\":1,"
                "\"session\":288");
    JSON_HAS(0, "\"integrity\":false,\"trailer\":true");
    JSON_HAS(0, "\"ret\":17");
    JSON_HAS(0, "\"object_id\":285,\"class_id\":287,\"created_object\":904");
}

Test(s7comm_plus, v2_plc_stop_is_control)
{
    FEED(0, T0, v_p1_create_req);
    FEED(1, T0 + 1, v_p1_create_resp);
    FEED(0, T0 + 10, v_p2_stop_req);
    FEED(1, T0 + 15, v_p2_stop_resp);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    JSON_HAS(1, "\"version\":2");
    JSON_HAS(1, "\"func\":1266,\"func_name\":\"SetVariable\",\"seq\":2,\"session\":904");
    JSON_HAS(1, "\"object_id\":52,\"attribute\":2167,\"plc_state_req\":\"stop\"");
}

Test(s7comm_plus, v2_run_request_value)
{
    uint8_t v[sizeof v_p2_stop_req];
    memcpy(v, v_p2_stop_req, sizeof v);
    v[sizeof v - 9] = 0x03; /* DInt 3 = RUN */
    feed(0, T0, v, sizeof v);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    JSON_HAS(0, "\"plc_state_req\":\"run\"");
}

/* Program download: BeginSequence, CreateObject in thePLCProgram (object 3), EndSequence. */
Test(s7comm_plus, v2_program_download_sequence)
{
    FEED(0, T0, v_p2_begin_seq_req);
    FEED(1, T0 + 3, v_p2_begin_seq_resp);
    FEED(0, T0 + 10, v_p2_create_prog_req);
    FEED(1, T0 + 14, v_p2_create_prog_resp);
    FEED(0, T0 + 20, v_p2_end_seq_req);
    FEED(1, T0 + 25, v_p2_end_seq_resp);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 0);
    static const uint64_t latency[3] = {3, 4, 5};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(T->txn[i].proto, PD_PROTO_S7COMM_PLUS, "event %d", i);
        cr_assert_eq(T->txn[i].op, PD_OP_PROGRAM, "event %d", i);
        cr_assert_eq(T->txn[i].status, PD_ST_OK, "event %d", i);
        cr_assert_eq(T->txn[i].latency_us, latency[i], "event %d", i);
        JSON_HAS(i, "\"integrity\":false,\"trailer\":true,\"transport_flags\":52,\"ret\":0");
    }
    JSON_HAS(0, "{\"version\":2,\"opcode\":49,\"opcode_name\":\"request\",\"resp_opcode\":50,"
                "\"func\":1366,\"func_name\":\"BeginSequence\",\"seq\":6,\"session\":904,"
                "\"data_len\":25,");
    JSON_HAS(1, "{\"version\":2,\"opcode\":49,\"opcode_name\":\"request\",\"resp_opcode\":50,"
                "\"func\":1226,\"func_name\":\"CreateObject\",\"seq\":7,\"session\":904,"
                "\"data_len\":39,");
    JSON_HAS(1, "\"ret\":0,\"object_id\":3,\"class_id\":2574,\"created_object\":912}");
    JSON_HAS(2, "{\"version\":2,\"opcode\":49,\"opcode_name\":\"request\",\"resp_opcode\":50,"
                "\"func\":1376,\"func_name\":\"EndSequence\",\"seq\":8,\"session\":904,"
                "\"data_len\":20,");
    JSON_LACKS(0, "\"object_id\"");
    JSON_LACKS(2, "\"object_id\"");
}

/* CreateObject elsewhere than in the program is not a download. */
Test(s7comm_plus, create_object_outside_program_is_other)
{
    uint8_t v[sizeof v_p2_create_prog_req];
    memcpy(v, v_p2_create_prog_req, sizeof v);
    v[28] = 0x04; /* request id 4: theFolders */
    feed(0, T0, v, sizeof v);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    JSON_HAS(0, "\"object_id\":4,\"class_id\":2574");
}

Test(s7comm_plus, v3_integrity_and_error_response)
{
    FEED(0, T0, v_p3_getmulti_req);
    FEED(1, T0 + 7, v_p3_getmulti_resp_err);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    JSON_HAS(0, "\"version\":3");
    JSON_HAS(0, "\"func_name\":\"GetMultiVariables\",\"seq\":3,\"session\":904");
    JSON_HAS(0, "\"integrity\":true,\"trailer\":true");
    JSON_HAS(0, "\"ret\":65524,\"error_code\":-12");
}

Test(s7comm_plus, v3_notification)
{
    FEED(1, T0, v_p3_notification);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_REPORT); /* pushed by the PLC: a report */
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, 1);
    JSON_HAS(0, "\"opcode\":51,\"opcode_name\":\"notification\"");
    JSON_HAS(0, "\"object_id\":1879051857");
    JSON_LACKS(0, "\"func\"");
}

Test(s7comm_plus, fragmented_request)
{
    FEED(0, T0, v_p2_frag1);
    FEED(0, T0 + 1, v_p2_frag2);
    cr_assert_eq(T->n_events, 0);
    FEED(1, T0 + 9, v_p2_frag_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    JSON_HAS(0, "\"func_name\":\"SetMultiVariables\",\"seq\":5");
    JSON_HAS(0, "\"trailer\":true,\"fragments\":2");
    /* a later message starts fresh */
    FEED(0, T0 + 20, v_p2_stop_req);
    FEED(1, T0 + 21, v_p2_stop_resp);
    cr_assert_eq(T->n_events, 2);
    JSON_HAS(1, "\"plc_state_req\":\"stop\"");
}

Test(s7comm_plus, response_only)
{
    FEED(1, T0, v_p2_stop_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[0].req_dir, 0);
    JSON_HAS(0, "\"opcode_name\":\"response\",\"func\":1266");
}

Test(s7comm_plus, tls_header_level_event)
{
    cr_assert_eq(FEED(1, T0, v_tls_record), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_S7COMM_PLUS);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    JSON_HAS(0, "\"encrypted\":true,\"tls_content_type\":23");
    JSON_HAS(0, "\"data_len\":5");
}

Test(s7comm_plus, keepalive_gives_no_event)
{
    static const uint8_t ka[] = {
        0x03, 0x00, 0x00, 0x0b, /* TPKT length 11 */
        COTP_DT_EOT,
        0x72, 0xff,             /* S7comm-plus keep-alive */
        0x03, 0x00,             /* keep-alive sequence, reserved */
    };
    cr_assert_eq(FEED(0, T0, ka), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(T->n_anomalies, 0);
}

Test(s7comm_plus, probe)
{
    const struct pd_dissector *d = &pd_s7comm;
    cr_assert_eq(d->probe(v_cotp_cr, sizeof v_cotp_cr, 0), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_cotp_cc, sizeof v_cotp_cc, 1), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_cotp_cr_simatic, sizeof v_cotp_cr_simatic, 0), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_cotp_cr_mms, sizeof v_cotp_cr_mms, 0), PD_PROBE_NO);
    cr_assert_eq(d->probe(v_cotp_cc_mms, sizeof v_cotp_cc_mms, 1), PD_PROBE_NO);
    cr_assert_eq(d->probe(v_cotp_cr_rdp, sizeof v_cotp_cr_rdp, 0), PD_PROBE_NO);
    cr_assert_eq(d->probe(v_read_job, sizeof v_read_job, 0), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_p3_notification, sizeof v_p3_notification, 1), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_tls_record, sizeof v_tls_record, 1), PD_PROBE_YES);
    cr_assert_eq(d->probe(v_read_job, 3, 0), PD_PROBE_NEED_MORE);
    cr_assert_eq(d->probe(v_read_job, 8, 0), PD_PROBE_NEED_MORE);
    cr_assert_eq(d->probe(v_cotp_cr, 12, 0), PD_PROBE_NEED_MORE);
    cr_assert_eq(d->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0), PD_PROBE_NO);
    static const uint8_t mms_dt[] = {0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x01, 0x00,
                                     0x01, 0x00};
    cr_assert_eq(d->probe(mms_dt, sizeof mms_dt, 0), PD_PROBE_NO);
    static const uint8_t modbus[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03};
    cr_assert_eq(d->probe(modbus, sizeof modbus, 0), PD_PROBE_NO);
}

Test(s7comm_plus, pdu_len)
{
    const struct pd_dissector *d = &pd_s7comm;
    cr_assert_eq(d->pdu_len(v_read_job, 3), 0);
    cr_assert_eq(d->pdu_len(v_read_job, 6), (long)sizeof v_read_job);
    cr_assert_eq(d->pdu_len(v_read_job, sizeof v_read_job), (long)sizeof v_read_job);
    static const uint8_t short_len[] = {0x03, 0x00, 0x00, 0x06, 0x02, 0xf0};
    cr_assert_lt(d->pdu_len(short_len, sizeof short_len), 0);
    static const uint8_t bad_ver[] = {0x04, 0x00, 0x00, 0x10, 0x02, 0xf0};
    cr_assert_lt(d->pdu_len(bad_ver, sizeof bad_ver), 0);
    static const uint8_t bad_li[] = {0x03, 0x00, 0x00, 0x08, 0x09, 0xf0};
    cr_assert_lt(d->pdu_len(bad_li, sizeof bad_li), 0);
}

Test(s7comm_plus, resync_finds_next_frame)
{
    uint8_t buf[64 + sizeof v_setup_job + sizeof v_setup_ack];
    for (size_t i = 0; i < 64; i++)
        buf[i] = (uint8_t)(0x03 + (i % 3)); /* 03 04 05 ...: TPKT-like bytes, never valid */
    memcpy(buf + 64, v_setup_job, sizeof v_setup_job);
    memcpy(buf + 64 + sizeof v_setup_job, v_setup_ack, sizeof v_setup_ack);
    cr_assert_eq(pd_s7comm.resync(buf, sizeof buf), 64);
    cr_assert_eq(pd_s7comm.resync(buf, 64), -1);
    /* a mid-stream pickup inside an S7 PDU lands on the next TPKT */
    cr_assert_eq(pd_s7comm.resync(v_read_job + 5, sizeof v_read_job - 5), -1);
}

struct bad {
    const char *name;
    const uint8_t *p;
    size_t n;
    const char *kind; /* the anomaly expected first */
    int malformed;    /* a record with status malformed is expected */
};

static const uint8_t b_tpkt_version[] = {0x02, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x32, 0x01,
                                         0x00, 0x00};
static const uint8_t b_tpkt_short[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x80, 0x32, 0x01,
                                       0x00, 0x00};
static const uint8_t b_tpkt_long[] = {0x03, 0x00, 0x00, 0x40, 0x02, 0xf0, 0x80, 0x32, 0x01};
static const uint8_t b_li_overrun[] = {0x03, 0x00, 0x00, 0x09, 0x08, 0xe0, 0x00, 0x00, 0x00};
static const uint8_t b_cotp_type[] = {0x03, 0x00, 0x00, 0x08, 0x02, 0x30, 0x00, 0x00};
static const uint8_t b_dt_class2[] = {0x03, 0x00, 0x00, 0x0b, 0x04, 0xf0, 0x00, 0x00, 0x80,
                                      0x32, 0x01};
static const uint8_t b_cr_params[] = {
    0x03, 0x00, 0x00, 0x0e, 0x09, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, /* CR, class 0 */
    0xc1, 0x09, 0x01,                                               /* TSAP length 9 > 1 */
};
static const uint8_t b_s7_short[] = {0x03, 0x00, 0x00, 0x0b, COTP_DT_EOT, 0x32, 0x01, 0x00,
                                     0x00};
static const uint8_t b_s7_rosctr[] = {0x03, 0x00, 0x00, 0x11, COTP_DT_EOT, 0x32, 0x05, 0x00,
                                      0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t b_s7_plen[] = {0x03, 0x00, 0x00, 0x13, COTP_DT_EOT, 0x32, 0x03, 0x00,
                                    0x00, 0x05, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00};
static const uint8_t b_read_count[] = {
    0x03, 0x00, 0x00, 0x1f, COTP_DT_EOT, 0x32, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0e,
    0x00, 0x00, 0x04, 0x02,                                     /* read var, 2 items */
    0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x01, 0x84, 0x00, 0x00, 0x00, /* only one */
};
static const uint8_t b_var_spec[] = {
    0x03, 0x00, 0x00, 0x1f, COTP_DT_EOT, 0x32, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0e,
    0x00, 0x00, 0x04, 0x01,
    0x11, 0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x01, 0x84, 0x00, 0x00, 0x00, /* spec 0x11 */
};
static const uint8_t b_read_data[] = {
    0x03, 0x00, 0x00, 0x1b, COTP_DT_EOT, 0x32, 0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x02,
    0x00, 0x06, 0x00, 0x00, 0x04, 0x01,
    0xff, 0x04, 0x00, 0x40, 0x01, 0x02, /* 64 bits announced, 2 bytes there */
};
static const uint8_t b_ud_param[] = {
    0x03, 0x00, 0x00, 0x16, COTP_DT_EOT, 0x32, 0x07, 0x00, 0x00, 0x05, 0x00, 0x00, 0x05,
    0x00, 0x00, 0x00, 0x01, 0x12, 0x04, 0x11, /* 5 of the 8 parameter bytes */
};
static const uint8_t b_job_no_param[] = {0x03, 0x00, 0x00, 0x11, COTP_DT_EOT, 0x32, 0x01,
                                         0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t b_payload[] = {0x03, 0x00, 0x00, 0x0b, COTP_DT_EOT, 0x41, 0x42, 0x43,
                                    0x44};
static const uint8_t b_p_version[] = {0x03, 0x00, 0x00, 0x0f, COTP_DT_EOT, 0x72, 0x07, 0x00,
                                      0x00, 0x72, 0x07, 0x00, 0x00};
static const uint8_t b_p_dlen[] = {0x03, 0x00, 0x00, 0x0f, COTP_DT_EOT, 0x72, 0x02, 0x00,
                                   0x40, 0x31, 0x00, 0x00, 0x05};
static const uint8_t b_p_trailer[] = {
    0x03, 0x00, 0x00, 0x1e, COTP_DT_EOT, 0x72, 0x02, 0x00, 0x0f,
    0x32, 0x00, 0x00, 0x04, 0xf2, 0x00, 0x00, 0x00, 0x02, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x72, 0x01, 0x00, 0x00, /* trailer with the wrong version */
};
static const uint8_t b_p_data_hdr[] = {0x03, 0x00, 0x00, 0x12, COTP_DT_EOT, 0x72, 0x02, 0x00,
                                       0x03, 0x31, 0x00, 0x00, 0x72, 0x02, 0x00, 0x00};
static const uint8_t b_pi_blocks[] = {
    0x03, 0x00, 0x00, 0x2b, COTP_DT_EOT, 0x32, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x1a,
    0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x0a,
    0x03, 0x00, '0', '8', '0', '0', '0', '0', '1', 'P', /* 3 blocks announced, one there */
    0x05, '_', 'I', 'N', 'S', 'E',
};

static const uint8_t b_download_block_name[] = {
    0x03, 0x00, 0x00, 0x1e, COTP_DT_EOT, 0x32, 0x01, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x0d,
    0x00, 0x00, 0x1b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* download block */
    0x09, '_', '0', '8', '0', /* file name of 9 announced, 4 there */
};
static const uint8_t b_block_info_len[] = {
    0x03, 0x00, 0x00, 0x29, COTP_DT_EOT, 0x32, 0x07, 0x00, 0x00, 0x13, 0x00, 0x00, 0x0c,
    0x00, 0x0c, 0x00, 0x01, 0x12, 0x08, 0x12, 0x83, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00,
    0xff, 0x09, 0x00, 0x4e, /* block info answer: 78 bytes announced, 8 there */
    '0', 'E', 0x00, 0x4a, 0x00, 0x00, 'p', 'p',
};

#define BAD(v, k, m) {#v, v, sizeof v, k, m}

static const struct bad bad_inputs[] = {
    BAD(b_tpkt_version, "s7comm.bad_tpkt", 0),
    BAD(b_tpkt_short, "s7comm.bad_tpkt", 0),
    BAD(b_tpkt_long, "s7comm.truncated", 0),
    BAD(b_li_overrun, "s7comm.bad_tpkt", 0),
    BAD(b_cotp_type, "s7comm.bad_tpkt", 0),
    BAD(b_dt_class2, "s7comm.bad_tpkt", 0),
    BAD(b_cr_params, "s7comm.cotp_invalid", 0),
    BAD(b_s7_short, "s7comm.truncated", 0),
    BAD(b_s7_rosctr, "s7comm.invalid", 0),
    BAD(b_s7_plen, "s7comm.truncated", 1),
    BAD(b_read_count, "s7comm.truncated", 1),
    BAD(b_var_spec, "s7comm.invalid", 1),
    BAD(b_read_data, "s7comm.truncated", 1),
    BAD(b_ud_param, "s7comm.truncated", 1),
    BAD(b_job_no_param, "s7comm.invalid", 1),
    BAD(b_payload, "s7comm.unknown_payload", 0),
    BAD(b_p_version, "s7comm_plus.invalid", 1),
    BAD(b_p_dlen, "s7comm_plus.truncated", 1),
    BAD(b_p_data_hdr, "s7comm_plus.truncated", 1),
    BAD(b_pi_blocks, "s7comm.invalid", 1),
    BAD(b_download_block_name, "s7comm.truncated", 1),
    BAD(b_block_info_len, "s7comm.truncated", 1),
};

Test(s7comm_plus, malformed_table)
{
    cr_assert_geq(sizeof bad_inputs / sizeof bad_inputs[0], 15);
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        const struct bad *b = &bad_inputs[i];
        struct pdt *t = pdt_new(&pd_s7comm);
        int rc = pdt_parse(t, 0, T0, b->p, b->n);
        cr_assert_lt(rc, 0, "%s accepted", b->name);
        cr_assert_geq(t->n_anomalies, 1, "%s: no anomaly", b->name);
        cr_assert_str_eq(t->anomaly_kind[0], b->kind, "%s", b->name);
        int malformed = t->n_events > 0 && t->txn[t->n_events - 1].status == PD_ST_MALFORMED;
        cr_assert_eq(malformed, b->malformed, "%s: malformed record %d", b->name, malformed);
        /* the flow goes on */
        pdt_parse(t, 0, T0 + 1, v_setup_job, sizeof v_setup_job);
        pdt_parse(t, 1, T0 + 2, v_setup_ack, sizeof v_setup_ack);
        cr_assert_eq(t->txn[t->n_events - 1].status, PD_ST_OK, "%s: flow stuck", b->name);
        pdt_free(t);
    }
}

Test(s7comm_plus, bad_trailer_is_reported_and_parsed)
{
    cr_assert_eq(FEED(1, T0, b_p_trailer), 0);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "s7comm_plus.bad_trailer");
    cr_assert_eq(T->n_events, 1);
    JSON_HAS(0, "\"func_name\":\"SetVariable\"");
}

Test(s7comm_plus, every_prefix_of_every_vector)
{
    for (size_t i = 0; i < S7_NVECTORS; i++) {
        const struct s7v *v = &s7_vectors[i];
        for (uint8_t dir = 0; dir < 2; dir++) {
            int accepted = pdt_every_prefix(&pd_s7comm, dir, v->p, v->n);
            int want = v->p == v_cotp_cr_rdp ? 0 : 1; /* RDP's cookie is not COTP parameters */
            cr_assert_eq(accepted, want, "%s dir %u: %d prefixes accepted", v->name, dir, accepted);
        }
    }
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++)
        (void)pdt_every_prefix(&pd_s7comm, 0, bad_inputs[i].p, bad_inputs[i].n);
}

Test(s7comm_plus, whole_session_in_one_state)
{
    for (size_t i = 0; i < S7_NVECTORS; i++)
        (void)feed(s7_vectors[i].dir, T0 + i, s7_vectors[i].p, s7_vectors[i].n);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_gt(T->n_events, 20);
    for (int i = 0; i < T->n_events && i < PDT_MAX_EVENTS; i++)
        cr_assert(strcmp(T->json[i], "JSON-OVERFLOW") != 0);
}
