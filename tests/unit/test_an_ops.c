/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_ops.c - the ICS operation rules (collector/analytics/det_ops.c): for every rule
 * one event that raises it and a close one that must not (a table, each row with its
 * reason); learnable rules stay silent for pairs seen while learning and raise for new
 * pairs afterwards; the S7 download names the PLC even when the PLC is the requester.
 */
#include "tz_analytics_test.h"

struct ops_case {
    const char *rule, *proto, *op, *status, *pobj;
    int expect;
    const char *why;
};

static const struct ops_case cases[] = {
    {"ics.plc_stop", "s7comm", "control", "ok", "{\"func\":41,\"func_name\":\"plc_stop\"}", 1,
     "S7 PLC STOP"},
    {"ics.plc_stop", "s7comm", "read", "ok", "{\"func\":4,\"func_name\":\"read_var\"}", 0,
     "a read stops nothing"},
    {"ics.plc_stop", "s7comm_plus", "control", "ok",
     "{\"func\":1266,\"func_name\":\"SetVariable\",\"plc_state_req\":\"stop\"}", 1,
     "S7comm-plus operating state stop"},
    {"ics.plc_stop", "dnp3", "program", "ok", "{\"func\":18,\"func_name\":\"STOP_APPL\"}", 1,
     "DNP3 STOP_APPL"},
    {"ics.plc_start", "s7comm", "control", "ok",
     "{\"func\":40,\"func_name\":\"pi_service\",\"pi_service\":\"P_PROGRAM\"}", 1,
     "S7 PI P_PROGRAM starts the CPU"},
    {"ics.plc_start", "s7comm", "program", "ok",
     "{\"func\":40,\"func_name\":\"pi_service\",\"pi_service\":\"_GARB\"}", 0,
     "compress memory is not a start"},
    {"ics.mode_change", "s7comm", "diagnostic", "ok",
     "{\"rosctr\":7,\"userdata\":{\"group\":0,\"group_name\":\"mode_transition\",\"sub\":8,"
     "\"sub_name\":\"run\"}}",
     1, "an S7 CPU reports a mode transition"},
    {"ics.mode_change", "s7comm", "diagnostic", "ok",
     "{\"rosctr\":7,\"userdata\":{\"group\":4,\"group_name\":\"cpu_functions\",\"sub\":1,"
     "\"sub_name\":\"read_szl\",\"szl_id\":1060}}",
     0, "an SZL status read changes nothing"},
    {"ics.program_download", "s7comm", "program", "ok",
     "{\"func\":26,\"func_name\":\"request_download\",\"block\":{\"type\":\"OB\"}}", 1,
     "S7 request download"},
    {"ics.program_download", "s7comm", "program", "ok",
     "{\"func\":29,\"func_name\":\"start_upload\"}", 0, "an upload is not a download"},
    {"ics.program_upload", "s7comm", "program", "ok",
     "{\"func\":29,\"func_name\":\"start_upload\"}", 1, "S7 start upload"},
    {"ics.program_upload", "s7comm", "read", "ok", "{\"func\":4,\"func_name\":\"read_var\"}", 0,
     "a variable read is not an upload"},
    {"ics.program_delete", "dnp3", "file", "ok", "{\"func\":27,\"func_name\":\"DELETE_FILE\"}",
     1, "DNP3 DELETE_FILE"},
    {"ics.program_delete", "s7comm", "program", "ok",
     "{\"func\":40,\"func_name\":\"pi_service\",\"pi_service\":\"_DELE\"}", 1, "S7 PI _DELE"},
    {"ics.program_delete", "dnp3", "read", "ok", "{\"func\":1,\"func_name\":\"READ\"}", 0,
     "a DNP3 read deletes nothing"},
    {"ics.file_to_device", "dnp3", "file", "ok",
     "{\"func\":25,\"func_name\":\"OPEN_FILE\",\"objects\":[{\"group\":70,\"var\":3,"
     "\"file\":{\"name\":\"fw.bin\",\"mode\":2}}]}",
     1, "DNP3 file opened for writing"},
    {"ics.file_to_device", "dnp3", "file", "ok",
     "{\"func\":25,\"func_name\":\"OPEN_FILE\",\"objects\":[{\"group\":70,\"var\":3,"
     "\"file\":{\"name\":\"log.txt\",\"mode\":1}}]}",
     0, "opened for reading"},
    {"ics.restart", "dnp3", "control", "ok", "{\"func\":13,\"func_name\":\"COLD_RESTART\"}", 1,
     "DNP3 cold restart"},
    {"ics.restart", "modbus", "diagnostic", "ok",
     "{\"unit\":1,\"func\":8,\"func_name\":\"diagnostics\",\"sub_func\":1}", 1,
     "Modbus FC 8 restart communications"},
    {"ics.restart", "iec104", "control", "ok",
     "{\"apci\":\"I\",\"asdu\":{\"type\":105,\"type_name\":\"C_RP_NA_1\",\"cot\":6,"
     "\"cot_name\":\"act\",\"ca\":1}}",
     1, "IEC 104 reset process"},
    {"ics.restart", "modbus", "diagnostic", "ok",
     "{\"unit\":1,\"func\":8,\"func_name\":\"diagnostics\",\"sub_func\":0}", 0,
     "return query data is an echo"},
    {"ics.listen_only", "modbus", "diagnostic", "ok",
     "{\"unit\":1,\"func\":8,\"func_name\":\"diagnostics\",\"sub_func\":4}", 1,
     "Modbus FC 8 force listen-only"},
    {"ics.listen_only", "modbus", "diagnostic", "ok",
     "{\"unit\":1,\"func\":8,\"func_name\":\"diagnostics\",\"sub_func\":10}", 0,
     "clear counters does not silence"},
    {"ics.disable_unsolicited", "dnp3", "session", "ok",
     "{\"func\":21,\"func_name\":\"DISABLE_UNSOLICITED\"}", 1, "DNP3 disable unsolicited"},
    {"ics.disable_unsolicited", "dnp3", "session", "ok",
     "{\"func\":20,\"func_name\":\"ENABLE_UNSOLICITED\"}", 0, "enabling is not disabling"},
    {"ics.clock_set", "iec104", "time", "ok",
     "{\"apci\":\"I\",\"asdu\":{\"type\":103,\"type_name\":\"C_CS_NA_1\",\"cot\":6,"
     "\"cot_name\":\"act\",\"ca\":1}}",
     1, "IEC 104 clock synchronisation command"},
    {"ics.clock_set", "iec104", "time", "ok",
     "{\"apci\":\"I\",\"asdu\":{\"type\":103,\"type_name\":\"C_CS_NA_1\",\"cot\":7,"
     "\"cot_name\":\"actcon\",\"ca\":1}}",
     0, "the station's confirmation is not a command"},
    {"ics.clock_set", "s7comm", "time", "ok",
     "{\"rosctr\":7,\"userdata\":{\"group\":7,\"group_name\":\"time_functions\",\"sub\":2,"
     "\"sub_name\":\"set_clock\"}}",
     1, "S7 set clock"},
    {"ics.force", "s7comm", "write", "ok",
     "{\"rosctr\":7,\"userdata\":{\"group\":1,\"group_name\":\"programmer_commands\","
     "\"sub\":2,\"sub_name\":\"modify_variable\"}}",
     1, "S7 modify variable from a programmer"},
    {"ics.force", "s7comm", "read", "ok",
     "{\"rosctr\":7,\"userdata\":{\"group\":1,\"group_name\":\"programmer_commands\","
     "\"sub\":1,\"sub_name\":\"variable_status\"}}",
     0, "watching a variable changes nothing"},
    {"ics.command", "modbus", "write", "ok",
     "{\"unit\":1,\"func\":5,\"func_name\":\"write_single_coil\",\"addr\":3}", 1,
     "a coil is an output"},
    {"ics.command", "dnp3", "control", "ok",
     "{\"func\":5,\"func_name\":\"DIRECT_OPERATE\",\"link\":{\"dst\":10}}", 1,
     "DNP3 direct operate"},
    {"ics.command", "modbus", "read", "ok",
     "{\"unit\":1,\"func\":1,\"func_name\":\"read_coils\",\"addr\":3}", 0,
     "reading coils commands nothing"},
    {"ics.command", "modbus", "write", "response_only",
     "{\"unit\":1,\"func\":5,\"func_name\":\"write_single_coil\",\"addr\":3}", 0,
     "an answer without its request is not a command"},
    {"ics.setpoint", "modbus", "write", "ok",
     "{\"unit\":1,\"func\":6,\"func_name\":\"write_single_register\",\"addr\":3}", 1,
     "a register write"},
    {"ics.setpoint", "opcua", "write", "ok", "{\"service\":\"Write\",\"service_id\":673}", 1,
     "OPC UA Write"},
    {"ics.setpoint", "iec104", "write", "ok",
     "{\"apci\":\"I\",\"asdu\":{\"type\":50,\"type_name\":\"C_SE_NC_1\",\"cot\":7,"
     "\"cot_name\":\"actcon\",\"ca\":1}}",
     0, "a set-point confirmation"},
    {"ics.broadcast_write", "modbus", "write", "ok",
     "{\"unit\":0,\"func\":6,\"func_name\":\"write_single_register\",\"addr\":3}", 1,
     "Modbus unit 0 is broadcast"},
    {"ics.broadcast_write", "dnp3", "control", "ok",
     "{\"func\":6,\"func_name\":\"DIRECT_OPERATE_NR\",\"link\":{\"dst\":65535}}", 1,
     "DNP3 address 0xFFFF is broadcast"},
    {"ics.broadcast_write", "modbus", "write", "ok",
     "{\"unit\":1,\"func\":6,\"func_name\":\"write_single_register\",\"addr\":3}", 0,
     "unit 1 is one device"},
};

Test(an_ops, each_rule_positive_and_negative)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ops_case *c = &cases[i];
        ta_open();
        ta_ics(0, "10.0.0.5", "10.0.1.10", c->proto, c->op, c->status, c->pobj);
        size_t n = ta_alerts(c->rule);
        cr_expect_eq(n, (size_t)c->expect, "row %zu (%s): %s: %zu alert(s), expected %d", i,
                     c->rule, c->why, n, c->expect);
        ta_close();
    }
}

#define MB_WRITE "{\"unit\":1,\"func\":6,\"func_name\":\"write_single_register\",\"addr\":3}"

Test(an_ops, learnable_rules_learn_pairs)
{
    ta_open_policy(60, "asset.*=off\n", NULL);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "write", "ok", MB_WRITE);
    ta_ics(1000, "10.0.0.5", "10.0.1.10", "modbus", "write", "ok", MB_WRITE);
    cr_assert_eq(ta_alerts("ics.setpoint"), 0, "silent while learning");
    ta_ics(120000, "10.0.0.5", "10.0.1.10", "modbus", "write", "ok", MB_WRITE);
    cr_assert_eq(ta_alerts("ics.setpoint"), 0, "a learned pair stays silent");
    ta_ics(121000, "10.0.0.66", "10.0.1.10", "modbus", "write", "ok", MB_WRITE);
    cr_assert_eq(ta_alerts("ics.setpoint"), 1, "a new writer raises");
    struct analytics_stats st;
    analytics_get_stats(ta_engine, &st);
    cr_assert_eq(st.alerts_learned, 3);
    ta_close();
}

Test(an_ops, s7_download_names_the_plc)
{
    ta_open();
    /* during a download the PLC (port 102) asks the programmer for each block */
    ta_feed_fmt("{\"v\":1,\"type\":\"ics\",\"id\":\"dl1\",\"ts\":\"2024-05-01T08:00:00Z\","
                "\"sensor\":\"s1\",\"seq\":1,\"src\":{\"ip\":\"10.0.1.10\",\"port\":102},"
                "\"dst\":{\"ip\":\"10.0.0.5\",\"port\":40000},\"proto\":\"s7comm\","
                "\"op\":\"program\",\"status\":\"ok\",\"s7comm\":{\"func\":27,"
                "\"func_name\":\"download_block\"}}");
    json_t *a = ta_alert("ics.program_download", 0);
    cr_assert_not_null(a);
    cr_assert_str_eq(json_string_value(json_object_get(a, "key")), "10.0.0.5>10.0.1.10");
    cr_assert(strstr(json_string_value(json_object_get(a, "detail")), "on 10.0.1.10 from 10.0.0.5"));
    ta_close();
}
