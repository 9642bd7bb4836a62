/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_s7comm.c - the S7comm side of pd_s7comm: COTP connection records, every job and
 * ack-data function (download block and download ended sent by the PLC), userdata (SZL
 * identity, block list and block info, time, password), header lengths, pairing by PDU
 * reference, COTP segment reassembly. Vectors in s7comm_vectors.h.
 * Covers dissectors/s7comm.c, s7comm_job.c and s7comm_ud.c (the layers of one dissector).
 */
#include <criterion/criterion.h>

#include "s7_test.h"

TestSuite(s7comm, .init = setup, .fini = teardown);

Test(s7comm, vectors_are_whole_tpkt_frames)
{
    for (size_t i = 0; i < S7_NVECTORS; i++)
        cr_assert_eq(pd_s7comm.pdu_len(s7_vectors[i].p, s7_vectors[i].n), (long)s7_vectors[i].n,
                     "%s", s7_vectors[i].name);
}

Test(s7comm, cotp_cr_cc_session_record)
{
    cr_assert_eq(FEED(0, T0, v_cotp_cr), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(FEED(1, T0 + 700, v_cotp_cc), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_S7COMM);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, 0);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert_eq(T->txn[0].latency_us, 700);
    JSON_HAS(0, "\"cotp_result\":\"cc\"");
    JSON_HAS(0, "\"src_tsap\":\"0100\"");
    JSON_HAS(0, "\"dst_tsap\":\"0102\"");
    JSON_HAS(0, "\"rack\":0,\"slot\":2,\"conn_type\":\"pg\"");
    JSON_HAS(0, "\"tpdu_size\":1024");
    JSON_LACKS(0, "\"param_len\""); /* no S7 header in a COTP connection record */
    /* later S7 records carry the connection too */
    FEED(0, T0 + 1000, v_setup_job);
    FEED(1, T0 + 1500, v_setup_ack);
    cr_assert_eq(T->n_events, 2);
    JSON_HAS(1, "\"cotp\":{\"src_tsap\":\"0100\",\"dst_tsap\":\"0102\"");
}

Test(s7comm, cotp_string_tsap)
{
    FEED(0, T0, v_cotp_cr_simatic);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    JSON_HAS(0, "\"src_tsap\":\"0600\"");
    JSON_HAS(0, "\"dst_tsap_text\":\"SIMATIC-ROOT-ES\"");
    JSON_LACKS(0, "\"rack\"");
}

Test(s7comm, setup_communication)
{
    cr_assert_eq(FEED(0, T0, v_setup_job), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(FEED(1, T0 + 300, v_setup_ack), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 300);
    JSON_HAS(0, "\"rosctr\":1,\"rosctr_name\":\"job\",\"resp_rosctr\":3,\"pdu_ref\":1024,"
                "\"param_len\":8,\"data_len\":0,\"resp_param_len\":8,\"resp_data_len\":0,");
    JSON_HAS(0, "\"func\":240,\"func_name\":\"setup_communication\"");
    JSON_HAS(0, "\"error_class\":0,\"error_code\":0");
    JSON_HAS(0, "\"pdu_size\":240,\"amq_calling\":1,\"amq_called\":1");
}

Test(s7comm, read_var_items_and_response)
{
    FEED(0, T0, v_read_job);
    FEED(1, T0 + 50, v_read_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION, "item 3 failed");
    JSON_HAS(0, "\"pdu_ref\":1280,\"param_len\":38,\"data_len\":0,\"resp_param_len\":2,"
                "\"resp_data_len\":18,\"func\":4,\"func_name\":\"read_var\"");
    JSON_HAS(0, "{\"syntax\":\"S7ANY\",\"area\":132,\"area_name\":\"DB\",\"db\":1,\"byte\":10,"
                "\"bit\":2,\"type\":1,\"type_name\":\"BIT\",\"count\":1,\"ret\":255,"
                "\"ret_name\":\"success\",\"value\":\"01\",\"value_len\":1}");
    JSON_HAS(0, "{\"syntax\":\"S7ANY\",\"area\":131,\"area_name\":\"M\",\"db\":0,\"byte\":100,"
                "\"bit\":0,\"type\":2,\"type_name\":\"BYTE\",\"count\":4,\"ret\":255,"
                "\"ret_name\":\"success\",\"value\":\"deadbeef\",\"value_len\":4}");
    JSON_HAS(0, "{\"syntax\":\"S7ANY\",\"area\":132,\"area_name\":\"DB\",\"db\":5,\"byte\":20,"
                "\"bit\":0,\"type\":4,\"type_name\":\"WORD\",\"count\":2,\"ret\":5,"
                "\"ret_name\":\"invalid_address\"}");
}

Test(s7comm, write_var_value_and_ack)
{
    FEED(0, T0, v_write_job);
    FEED(1, T0 + 10, v_write_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_WRITE);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    JSON_HAS(0, "\"param_len\":14,\"data_len\":6,\"resp_param_len\":2,\"resp_data_len\":1,");
    JSON_HAS(0, "\"area_name\":\"DB\",\"db\":1,\"byte\":4,\"bit\":0,\"type\":2,"
                "\"type_name\":\"BYTE\",\"count\":2,\"ret\":255,\"ret_name\":\"success\","
                "\"value\":\"1234\",\"value_len\":2}");
}

Test(s7comm, write_value_capped)
{
    T->lim.max_values = 1;
    FEED(0, T0, v_write_job);
    FEED(1, T0 + 10, v_write_ack);
    JSON_HAS(0, "\"value\":\"12\",\"value_len\":2,\"value_truncated\":true");
}

Test(s7comm, items_capped_by_limit)
{
    T->lim.max_items = 2;
    FEED(0, T0, v_read_job);
    FEED(1, T0 + 10, v_read_ack);
    JSON_HAS(0, "\"items_total\":3");
    JSON_LACKS(0, "\"db\":5");
    cr_assert_eq(T->txn[0].status, PD_ST_OK, "the failing third item was not kept");
}

Test(s7comm, upload_sequence)
{
    FEED(0, T0, v_start_upload_job);
    FEED(1, T0 + 1, v_start_upload_ack);
    FEED(0, T0 + 2, v_upload_job);
    FEED(1, T0 + 3, v_upload_ack);
    FEED(0, T0 + 4, v_end_upload_job);
    FEED(1, T0 + 5, v_end_upload_ack);
    cr_assert_eq(T->n_events, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(T->txn[i].op, PD_OP_PROGRAM);
        cr_assert_eq(T->txn[i].status, PD_ST_OK);
        JSON_HAS(i, "\"upload_id\":7");
    }
    JSON_HAS(0, "\"func_name\":\"start_upload\"");
    JSON_HAS(0, "\"block\":{\"type\":\"DB\",\"number\":1,\"filesys\":\"P\"}");
    JSON_HAS(0, "\"filename\":\"_0A00001P\"");
    JSON_HAS(1, "\"func_name\":\"upload\"");
    JSON_HAS(2, "\"func_name\":\"end_upload\"");
}

Test(s7comm, request_download)
{
    FEED(0, T0, v_req_download_job);
    FEED(1, T0 + 9, v_req_download_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_PROGRAM);
    JSON_HAS(0, "\"func\":26,\"func_name\":\"request_download\"");
    JSON_HAS(0, "\"block\":{\"type\":\"OB\",\"number\":1,\"filesys\":\"P\"}");
}

/* Download: the PG announces the block, then the PLC fetches it with its own jobs. */
Test(s7comm, download_block_and_download_ended)
{
    FEED(0, T0, v_req_download_job);
    FEED(1, T0 + 9, v_req_download_ack);
    cr_assert_eq(FEED(1, T0 + 20, v_download_block_job), 0);
    cr_assert_eq(FEED(0, T0 + 26, v_download_block_ack), 0);
    cr_assert_eq(FEED(1, T0 + 40, v_download_ended_job), 0);
    cr_assert_eq(FEED(0, T0 + 43, v_download_ended_ack), 0);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->n_anomalies, 0);
    static const uint8_t req_dir[3] = {0, 1, 1};
    static const uint64_t latency[3] = {9, 6, 3};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(T->txn[i].op, PD_OP_PROGRAM, "event %d", i);
        cr_assert_eq(T->txn[i].status, PD_ST_OK, "event %d", i);
        cr_assert_eq(T->txn[i].req_dir, req_dir[i], "event %d: the PLC asks", i);
        cr_assert_eq(T->txn[i].latency_us, latency[i], "event %d", i);
        JSON_HAS(i, "\"error_class\":0,\"error_code\":0");
        JSON_HAS(i, "\"block\":{\"type\":\"OB\",\"number\":1,\"filesys\":\"P\"},"
                    "\"filename\":\"_0800001P\"}");
        JSON_LACKS(i, "\"error\":");
        JSON_LACKS(i, "\"upload_id\"");
    }
    JSON_HAS(0, "\"pdu_ref\":2560,\"param_len\":32,\"data_len\":0,\"resp_param_len\":1,"
                "\"resp_data_len\":0,\"func\":26,\"func_name\":\"request_download\"");
    JSON_HAS(1, "{\"rosctr\":1,\"rosctr_name\":\"job\",\"resp_rosctr\":3,\"pdu_ref\":3584,"
                "\"param_len\":18,\"data_len\":0,\"resp_param_len\":2,\"resp_data_len\":12,"
                "\"func\":27,\"func_name\":\"download_block\",");
    JSON_HAS(2, "{\"rosctr\":1,\"rosctr_name\":\"job\",\"resp_rosctr\":3,\"pdu_ref\":3585,"
                "\"param_len\":18,\"data_len\":0,\"resp_param_len\":1,\"resp_data_len\":0,"
                "\"func\":28,\"func_name\":\"download_ended\",");
}

Test(s7comm, download_ended_error_code)
{
    uint8_t v[sizeof v_download_ended_job];
    memcpy(v, v_download_ended_job, sizeof v);
    v[19] = 0x01; /* error code 0x0114: block not found */
    v[20] = 0x14;
    feed(1, T0, v, sizeof v);
    FEED(0, T0 + 3, v_download_ended_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_PROGRAM);
    JSON_HAS(0, "\"error_class\":0,\"error_code\":0,\"error\":276,"
                "\"error_name\":\"block_not_found\"");
}

Test(s7comm, pi_service_inse)
{
    FEED(0, T0, v_pi_inse_job);
    FEED(1, T0 + 9, v_pi_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_PROGRAM);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    JSON_HAS(0, "\"func_name\":\"pi_service\"");
    JSON_HAS(0, "\"pi_service\":\"_INSE\"");
    JSON_HAS(0, "\"block\":{\"type\":\"OB\",\"number\":1,\"filesys\":\"P\"}");
}

Test(s7comm, pi_service_p_program_with_error_header)
{
    FEED(0, T0, v_pi_program_job);
    FEED(1, T0 + 9, v_error_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    JSON_HAS(0, "\"pi_service\":\"P_PROGRAM\"");
    JSON_HAS(0, "\"resp_rosctr\":2,\"pdu_ref\":3072,\"param_len\":20,\"data_len\":0,"
                "\"resp_param_len\":0,\"resp_data_len\":0,");
    JSON_HAS(0, "\"error_class\":129,\"error_code\":4,\"error\":33028,"
                "\"error_name\":\"service_not_implemented\"");
}

Test(s7comm, plc_stop)
{
    FEED(0, T0, v_plc_stop_job);
    FEED(1, T0 + 9, v_plc_stop_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    JSON_HAS(0, "\"func\":41,\"func_name\":\"plc_stop\"");
    JSON_HAS(0, "\"pi_service\":\"P_PROGRAM\"");
}

Test(s7comm, szl_0011_identity)
{
    FEED(0, T0, v_szl11_req);
    FEED(1, T0 + 20, v_szl11_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    JSON_HAS(0, "\"userdata\":{\"type\":\"request\",\"group\":4,\"group_name\":\"cpu_functions\","
                "\"sub\":1,\"sub_name\":\"read_szl\",\"seq\":0,\"szl_id\":17,\"szl_index\":0,"
                "\"szl_count\":3}");
    JSON_HAS(0, "\"identity\":{\"order_number\":\"6ES7 315-2EH14-0AB0\","
                "\"hw_order_number\":\"6ES7 315-2EH14-0AB0\",\"firmware\":\"V3.2.6\"}");
}

Test(s7comm, szl_001c_identity)
{
    FEED(0, T0, v_szl1c_req);
    FEED(1, T0 + 20, v_szl1c_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    JSON_HAS(0, "\"szl_id\":28");
    JSON_HAS(0, "\"system_name\":\"SNAP7-SERVER\"");
    JSON_HAS(0, "\"module_name\":\"CPU 315-2 PN/DP\"");
    JSON_HAS(0, "\"plant_name\":\"Boiler house 2\"");
    JSON_HAS(0, "\"serial\":\"S C-C2UR28922012\"");
}

Test(s7comm, szl_001c_over_two_data_units)
{
    FEED(0, T0, v_szl1c_req);
    FEED(1, T0 + 20, v_szl1c_frag1);
    FEED(0, T0 + 30, v_szl_cont_req);
    FEED(1, T0 + 40, v_szl1c_frag2);
    cr_assert_eq(T->n_events, 2);
    JSON_HAS(0, "\"more\":true");
    JSON_HAS(0, "\"system_name\":\"SNAP7-SERVER\"");
    JSON_LACKS(0, "\"serial\"");
    cr_assert_eq(T->txn[1].op, PD_OP_IDENTIFY);
    JSON_HAS(1, "\"szl_id\":28");
    JSON_HAS(1, "\"serial\":\"S C-C2UR28922012\"");
}

Test(s7comm, other_szl_is_diagnostic)
{
    uint8_t v[sizeof v_szl11_req];
    memcpy(v, v_szl11_req, sizeof v);
    v[sizeof v - 4] = 0x04; /* SZL id 0x0424: current mode */
    v[sizeof v - 3] = 0x24;
    feed(0, T0, v, sizeof v);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_DIAGNOSTIC);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    JSON_HAS(0, "\"szl_id\":1060");
}

Test(s7comm, block_functions)
{
    FEED(0, T0, v_block_list_req);
    FEED(1, T0 + 5, v_block_list_resp);
    FEED(0, T0 + 10, v_block_info_req);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    JSON_HAS(0, "\"group_name\":\"block_functions\",\"sub\":1,\"sub_name\":\"list_blocks\"");
    JSON_HAS(1, "\"sub_name\":\"block_info\"");
    JSON_HAS(1, "\"block\":{\"type\":\"FB\",\"number\":42,\"filesys\":\"A\"}");
}

Test(s7comm, block_info_response)
{
    FEED(0, T0, v_block_info_req);
    cr_assert_eq(FEED(1, T0 + 5, v_block_info_resp), 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 5);
    JSON_HAS(0, "{\"rosctr\":7,\"rosctr_name\":\"userdata\",\"pdu_ref\":4864,\"param_len\":8,"
                "\"data_len\":12,\"resp_param_len\":12,\"resp_data_len\":82,"
                "\"userdata\":{\"type\":\"request\",\"group\":3,"
                "\"group_name\":\"block_functions\",\"sub\":3,\"sub_name\":\"block_info\","
                "\"seq\":0},");
    JSON_HAS(0, "\"block\":{\"type\":\"FB\",\"number\":42,\"filesys\":\"A\"}");
    JSON_HAS(0, "\"block_info\":{\"flags\":1,\"lang\":1,\"lang_name\":\"STL\","
                "\"load_len\":246,\"security\":0,\"know_how_protected\":false,"
                "\"code_time\":\"2019-05-13T10:22:31.520\","
                "\"interface_time\":\"2019-05-13T09:00:00.000\",\"ssb_len\":28,"
                "\"add_len\":2,\"local_len\":20,\"mc7_len\":162,\"author\":\"PLANT2\","
                "\"family\":\"BOILER\",\"name\":\"FB_PID\",\"version\":\"1.2\","
                "\"checksum\":42435}");
    JSON_LACKS(0, "\"error\":");
}

/* Without the request the block comes from the answer's subblock type and number. */
Test(s7comm, block_info_response_only_know_how_protected)
{
    uint8_t v[sizeof v_block_info_resp];
    memcpy(v, v_block_info_resp, sizeof v);
    v[43] = 0x05; /* language DB */
    v[44] = 0x0a; /* subblock type DB */
    v[46] = 0x07; /* block number 7 */
    v[54] = 0x03; /* block security: know-how protect */
    feed(1, T0, v, sizeof v);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[0].req_dir, 0);
    JSON_HAS(0, "\"param_len\":12,\"data_len\":82,\"resp_param_len\":12,\"resp_data_len\":82");
    JSON_HAS(0, "\"block\":{\"type\":\"DB\",\"number\":7},");
    JSON_HAS(0, "\"lang\":5,\"lang_name\":\"DB\",\"load_len\":246,\"security\":3,"
                "\"know_how_protected\":true");
}

/* The answer of the golden pcap: error 0xd209, data return code "object does not exist". */
Test(s7comm, block_info_error_response)
{
    static const uint8_t err_resp[] = {
        0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
        COTP_DT_EOT,
        0x32, 0x07, 0x00, 0x00, /* S7 userdata */
        0x13, 0x00,             /* PDU reference 4864 */
        0x00, 0x0c, 0x00, 0x04, /* parameter length 12, data length 4 */
        0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
        0x12, 0x83, 0x03, 0x01, /* response, block functions, block info, sequence 1 */
        0x00, 0x00, 0xd2, 0x09, /* unit reference, last unit, error 0xd209 */
        0x0a, 0x00, 0x00, 0x00, /* object does not exist, no data */
    };
    FEED(0, T0, v_block_info_req);
    FEED(1, T0 + 5, err_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    JSON_HAS(0, "\"resp_param_len\":12,\"resp_data_len\":4");
    JSON_HAS(0, "\"error\":53769,\"error_name\":\"block_not_on_module\"");
    JSON_HAS(0, "\"block\":{\"type\":\"FB\",\"number\":42,\"filesys\":\"A\"}");
    JSON_LACKS(0, "\"block_info\":{");
}

/* A block info answer shorter than the documented 78 bytes, or whose data return code is
 * not success, is not decoded (nor malformed). */
Test(s7comm, block_info_short_or_failed_answer_not_decoded)
{
    uint8_t v[sizeof v_block_info_resp];
    memcpy(v, v_block_info_resp, sizeof v);
    v[32] = 0x4d; /* data item length 77 */
    feed(1, T0, v, sizeof v);
    memcpy(v, v_block_info_resp, sizeof v);
    v[29] = 0x0a; /* data return code: object does not exist */
    feed(1, T0 + 1, v, sizeof v);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(T->txn[i].status, PD_ST_RESPONSE_ONLY);
        JSON_LACKS(i, "\"block_info\":{");
        JSON_LACKS(i, "\"block\":{");
    }
}

Test(s7comm, time_read)
{
    FEED(0, T0, v_time_req);
    FEED(1, T0 + 5, v_time_resp);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_TIME);
    JSON_HAS(0, "\"sub_name\":\"read_clock\"");
    JSON_HAS(0, "\"clock\":\"2014-08-20T11:59:43.912\"");
}

Test(s7comm, password_recognised_never_reported)
{
    FEED(0, T0, v_password_req);
    FEED(1, T0 + 5, v_password_resp);
    FEED(0, T0 + 10, v_clear_password_req);
    pd_s7comm.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    JSON_HAS(0, "\"sub_name\":\"plc_password\"");
    JSON_HAS(0, "\"error\":54786,\"error_name\":\"incorrect_password\"");
    JSON_LACKS(0, "213a1b1d");
    JSON_HAS(1, "\"sub_name\":\"clear_password\"");
}

Test(s7comm, pairing_out_of_order_and_response_only)
{
    FEED(0, T0, v_read_job);
    FEED(0, T0 + 1, v_write_job);
    FEED(1, T0 + 10, v_write_ack);
    FEED(1, T0 + 20, v_read_ack);
    cr_assert_eq(T->n_events, 2);
    JSON_HAS(0, "\"func_name\":\"write_var\"");
    cr_assert_eq(T->txn[0].latency_us, 9);
    JSON_HAS(1, "\"func_name\":\"read_var\"");
    cr_assert_eq(T->txn[1].latency_us, 20);
    /* an ack-data nobody asked for */
    FEED(1, T0 + 30, v_setup_ack);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->txn[2].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[2].req_dir, 0, "the requester is the other side");
    JSON_HAS(2, "\"pdu_size\":240");
    JSON_HAS(2, "\"rosctr\":3,\"rosctr_name\":\"ack_data\",\"resp_rosctr\":3,\"pdu_ref\":1024,"
                "\"param_len\":8,\"data_len\":0,\"resp_param_len\":8,\"resp_data_len\":0,");
}

Test(s7comm, response_from_the_same_side_does_not_pair)
{
    FEED(0, T0, v_setup_job);
    FEED(0, T0 + 1, v_setup_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_RESPONSE_ONLY);
}

Test(s7comm, expiry_gives_no_response)
{
    FEED(0, T0, v_read_job);
    T->ctx.now_us = T0 + 1000000;
    pd_s7comm.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 0);
    T->ctx.now_us = T0 + 6000000;
    pd_s7comm.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].has_latency, 0);
    cr_assert_eq(T->txn[0].ts_us, T0);
    /* the late response finds nothing */
    FEED(1, T0 + 6000001, v_read_ack);
    cr_assert_eq(T->txn[1].status, PD_ST_RESPONSE_ONLY);
}

Test(s7comm, pending_table_full)
{
    T->lim.max_pending = 2;
    uint8_t v[sizeof v_setup_job];
    for (int i = 0; i < 3; i++) {
        memcpy(v, v_setup_job, sizeof v);
        v[11] = (uint8_t)i; /* PDU reference low byte */
        feed(0, T0 + (uint64_t)i, v, sizeof v);
    }
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0, "the oldest request was evicted");
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "s7comm.pending_overflow");
}

/* Splits the S7 payload of `v` over two DT TPDUs, the first without EOT. */
static void feed_split(uint8_t dir, const uint8_t *v, size_t n, size_t first)
{
    uint8_t a[64], b[128];
    size_t pl = n - 7, na = 7 + first, nb = 7 + (pl - first);
    cr_assert(na <= sizeof a && nb <= sizeof b);
    memcpy(a, v, 7);
    memcpy(a + 7, v + 7, first);
    a[2] = (uint8_t)(na >> 8);
    a[3] = (uint8_t)na;
    a[6] = 0x00; /* TPDU number 0, no EOT */
    memcpy(b, v, 7);
    memcpy(b + 7, v + 7 + first, pl - first);
    b[2] = (uint8_t)(nb >> 8);
    b[3] = (uint8_t)nb;
    cr_assert_eq(feed(dir, T0, a, na), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(feed(dir, T0 + 1, b, nb), 0);
}

Test(s7comm, cotp_segments_reassembled)
{
    feed_split(0, v_read_job, sizeof v_read_job, 20);
    feed_split(1, v_read_ack, sizeof v_read_ack, 13);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 0);
    JSON_HAS(0, "\"value\":\"deadbeef\"");
    JSON_HAS(0, "\"db\":5,\"byte\":20");
}

Test(s7comm, cotp_reassembly_overflow)
{
    static uint8_t seg[7 + 1000];
    memset(seg, 0x32, sizeof seg);
    seg[0] = 0x03;
    seg[1] = 0x00;
    seg[2] = (uint8_t)(sizeof seg >> 8);
    seg[3] = (uint8_t)(sizeof seg & 0xff);
    seg[4] = 0x02;
    seg[5] = 0xf0;
    seg[6] = 0x00; /* no EOT */
    int rc = 0;
    for (int i = 0; i < 9; i++)
        rc |= feed(0, T0, seg, sizeof seg);
    cr_assert_lt(rc, 0);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "s7comm.reassembly_overflow");
    seg[6] = 0x80; /* the last segment of the dropped unit */
    cr_assert_eq(feed(0, T0, seg, sizeof seg), 0);
    cr_assert_eq(T->n_events, 0);
    /* the flow goes on */
    FEED(0, T0 + 5, v_setup_job);
    FEED(1, T0 + 6, v_setup_ack);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
}

Test(s7comm, cotp_refused_connection)
{
    static const uint8_t dr[] = {
        0x03, 0x00, 0x00, 0x0b, /* TPKT length 11 */
        0x06, 0x80,             /* LI 6, DR */
        0x00, 0x01, 0x44, 0x31, /* references */
        0x01,                   /* reason: congestion */
    };
    FEED(0, T0, v_cotp_cr);
    FEED(1, T0 + 3, dr);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    JSON_HAS(0, "\"cotp_result\":\"dr\"");
}

/* A userdata push (type 0): cyclic data the PLC sends after a subscription, unasked. It
 * is op report, status ok (not response_only), the PLC named as its sender. */
Test(s7comm, userdata_push_is_a_report)
{
    static const uint8_t push[] = {
        0x03, 0x00, 0x00, 0x21, /* TPKT length 33 */
        COTP_DT_EOT,
        0x32, 0x07, 0x00, 0x00, /* S7 userdata */
        0x00, 0x00,             /* PDU reference 0 */
        0x00, 0x0c, 0x00, 0x04, /* parameter length 12, data length 4 */
        0x00, 0x01, 0x12, 0x08, /* head, parameter length 8 */
        0x00, 0x02, 0x01, 0x00, /* method push, type push + cyclic data, subfunction 1, seq 0 */
        0x00, 0x00, 0x00, 0x00, /* data unit reference 0, last data unit, error 0 */
        0xff, 0x09, 0x00, 0x00, /* success, octet string, length 0 */
    };
    FEED(1, T0, push);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_REPORT);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, 1);
    JSON_HAS(0, "\"type\":\"push\"");
    /* every prefix: no crash; only the whole PDU parses */
    cr_assert_eq(pdt_every_prefix(&pd_s7comm, 1, push, sizeof push), 1);
}
