/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_asset.c - assets (collector/analytics/asset.c, det_asset.c, oui.c, zone.c,
 * state.c): roles inferred from behaviour per protocol, identity from Modbus device
 * identification and S7 SZL, conflicting identities kept with their times, vendors from
 * the IEEE OUI registry, zones by longest prefix, the asset alerts after the learning
 * period (rogue device only in a production zone, new MAC, identity change) and not
 * during it, and the state surviving a close and reopen.
 */
#include <unistd.h>

#include "tz_analytics_test.h"

#include "an_core.h"

static int has_str(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

static const char *role_of(const char *ip)
{
    json_t *a = ta_asset(ip);
    cr_assert_not_null(a, "no asset event for %s", ip);
    return json_string_value(json_object_get(a, "role"));
}

Test(an_asset, roles_from_behaviour)
{
    ta_open();
    ta_ics(0, "10.0.0.1", "10.0.1.1", "modbus", "read", "ok",
           "{\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\"}");
    cr_assert_str_eq(role_of("10.0.0.1"), "hmi");
    cr_assert_str_eq(role_of("10.0.1.1"), "plc");
    ta_ics(10, "10.0.0.2", "10.0.1.2", "dnp3", "read", "ok",
           "{\"func\":1,\"func_name\":\"READ\",\"link\":{\"dst\":10}}");
    cr_assert_str_eq(role_of("10.0.0.2"), "master");
    cr_assert_str_eq(role_of("10.0.1.2"), "outstation");
    ta_ics(20, "10.0.0.3", "10.0.1.3", "iec104", "read", "ok",
           "{\"apci\":\"I\",\"asdu\":{\"type\":100,\"type_name\":\"C_IC_NA_1\",\"cot\":6,"
           "\"cot_name\":\"act\",\"ca\":7}}");
    cr_assert_str_eq(role_of("10.0.0.3"), "master");
    cr_assert_str_eq(role_of("10.0.1.3"), "rtu");
    ta_ics(30, "10.0.0.4", "10.0.1.4", "opcua", "read", "ok",
           "{\"service\":\"Read\",\"service_id\":631}");
    cr_assert_str_eq(role_of("10.0.0.4"), "opcua_client");
    cr_assert_str_eq(role_of("10.0.1.4"), "opcua_server");
    /* the HMI that also uploads a program is an engineering workstation */
    ta_ics(40, "10.0.0.1", "10.0.1.1", "s7comm", "program", "ok",
           "{\"func\":29,\"func_name\":\"start_upload\"}");
    cr_assert_str_eq(role_of("10.0.0.1"), "engineering_workstation");
    json_t *a = ta_asset("10.0.0.1");
    cr_assert(has_str(json_object_get(a, "roles"), "hmi"), "the HMI role is kept beside it");
    cr_assert(has_str(json_object_get(a, "protocols_client"), "s7comm"));
    cr_assert(has_str(json_object_get(a, "protocols_client"), "modbus"));
    cr_assert_eq(json_array_size(json_object_get(a, "protocols_server")), 0);
    ta_close();
}

Test(an_asset, server_found_by_port_when_it_asks)
{
    ta_open();
    /* DNP3 unsolicited data: the outstation (port 20000) is src */
    ta_feed_fmt("{\"v\":1,\"type\":\"ics\",\"id\":\"u1\",\"ts\":\"2024-05-01T08:00:00Z\","
                "\"sensor\":\"s1\",\"seq\":1,\"src\":{\"ip\":\"10.0.1.9\",\"port\":20000},"
                "\"dst\":{\"ip\":\"10.0.0.9\",\"port\":50000},\"proto\":\"dnp3\","
                "\"op\":\"report\",\"status\":\"response_only\",\"dnp3\":{\"func\":130,"
                "\"func_name\":\"UNSOLICITED_RESPONSE\",\"link\":{\"dst\":1}}}");
    cr_assert_str_eq(role_of("10.0.1.9"), "outstation");
    ta_close();
}

#define MEI(vendor, fw)                                                                        \
    "{\"unit\":1,\"func\":43,\"func_name\":\"encapsulated_interface_transport\","           \
    "\"sub_func\":14,\"mei\":{\"type\":14,\"objects\":[{\"id\":0,\"name\":\"VendorName\","  \
    "\"value\":\"" vendor "\"},{\"id\":1,\"name\":\"ProductCode\",\"value\":\"TZ-1\"},"      \
    "{\"id\":2,\"name\":\"MajorMinorRevision\",\"value\":\"" fw "\"}]}}"

Test(an_asset, identity_and_conflicts)
{
    ta_open_policy(60, NULL, NULL);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "identify", "ok", MEI("Acme", "1.0"));
    json_t *id = json_object_get(ta_asset("10.0.1.10"), "identity");
    cr_assert_str_eq(json_string_value(json_object_get(id, "vendor")), "Acme");
    cr_assert_str_eq(json_string_value(json_object_get(id, "firmware")), "1.0");
    cr_assert_str_eq(json_string_value(json_object_get(id, "product_code")), "TZ-1");
    ta_ics(10000, "10.0.0.5", "10.0.1.10", "modbus", "identify", "ok", MEI("Acme", "1.1"));
    cr_assert_eq(ta_alerts("asset.identity_change"), 0, "a change while learning is learned");
    ta_ics(120000, "10.0.0.5", "10.0.1.10", "modbus", "identify", "ok", MEI("Acme", "1.1"));
    cr_assert_eq(ta_alerts("asset.identity_change"), 0, "the same firmware again");
    ta_ics(130000, "10.0.0.5", "10.0.1.10", "modbus", "identify", "ok", MEI("Acme", "2.0"));
    cr_assert_eq(ta_alerts("asset.identity_change"), 1, "firmware changed after learning");
    json_t *al = ta_alert("asset.identity_change", 0);
    cr_assert(strstr(json_string_value(json_object_get(al, "detail")), "'1.1' to '2.0'"));
    json_t *hist = json_object_get(ta_asset("10.0.1.10"), "identities");
    int fw = 0;
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h)
    {
        fw += strcmp(json_string_value(json_object_get(h, "key")), "firmware") == 0;
    }
    cr_assert_eq(fw, 3, "every firmware seen is kept with its times");
    ta_close();
}

Test(an_asset, s7_szl_identity)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "identify", "ok",
           "{\"rosctr\":7,\"userdata\":{\"group\":4,\"group_name\":\"cpu_functions\",\"sub\":1,"
           "\"sub_name\":\"read_szl\",\"szl_id\":17},\"identity\":{\"order_number\":"
           "\"6ES7 315-2EH14-0AB0\",\"firmware\":\"V3.2.6\"}}");
    json_t *id = json_object_get(ta_asset("10.0.1.10"), "identity");
    cr_assert_str_eq(json_string_value(json_object_get(id, "order_number")),
                     "6ES7 315-2EH14-0AB0");
    cr_assert_str_eq(json_string_value(json_object_get(id, "firmware")), "V3.2.6");
    cr_assert_str_eq(role_of("10.0.0.5"), "engineering_workstation");
    ta_close();
}

#define RD "{\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\"}"

Test(an_asset, rogue_device_and_new_mac_after_learning)
{
    ta_open_policy(60, NULL, NULL);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "read", "ok", RD);
    ta_ics(30000, "10.0.0.6", "10.0.1.10", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts("asset.new_device"), 0, "new while learning");
    ta_ics(90000, "10.0.0.5", "10.0.1.10", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts(NULL), 0, "known assets after learning");
    ta_ics(100000, "10.0.0.99", "10.0.1.10", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts("asset.new_device"), 1, "a new device after learning");
    ta_ics(110000, "10.0.0.5/02:00:00:00:00:99", "10.0.1.10", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts("asset.new_mac"), 1, "10.0.0.5 with another MAC");
    cr_assert_eq(ta_alerts("asset.new_device"), 1, "a new MAC is not a new device");
    ta_close();
}

Test(an_asset, rogue_only_in_production_zones)
{
    ta_open_policy(60, NULL, "plant=production:10.0.1.0/24\noffice=office:10.0.0.0/24\n");
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "read", "ok", RD);
    ta_ics(100000, "10.0.0.99", "10.0.1.10", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts("asset.new_device"), 0, "a new office host");
    ta_ics(110000, "10.0.0.5", "10.0.1.77", "modbus", "read", "ok", RD);
    cr_assert_eq(ta_alerts("asset.new_device"), 1, "a new host in the plant");
    cr_assert_str_eq(json_string_value(json_object_get(ta_asset("10.0.1.77"), "zone")), "plant");
    ta_close();
}

Test(an_asset, zone_lookup)
{
    struct analytics *a = NULL;
    char err[256];
    struct analytics_opts o = {
        .policy = {.zones = "plant=production:10.0.0.0/8\ncell=production:10.1.2.0/24\n"
                            "office=office:192.168.0.0/16,fd00::/8\nnet=internet\n"}};
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(an_zone_of(a, "10.1.2.3")->name, "cell", "the longest prefix wins");
    cr_assert_str_eq(an_zone_of(a, "10.9.9.9")->name, "plant");
    cr_assert_str_eq(an_zone_of(a, "fd00::1")->name, "office");
    cr_assert_str_eq(an_zone_of(a, "8.8.8.8")->name, "net", "public: the internet zone");
    cr_assert_null(an_zone_of(a, "172.16.0.1"), "private and unlisted");
    analytics_close(a);
    o.policy.zones = "plant=production:10.0.0.0/33\n";
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "10.0.0.0/33"), "%s", err);
    o.policy.zones = "plant=factory:10.0.0.0/8\n";
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "factory"), "%s", err);
}

Test(an_asset, oui_vendor)
{
    if (access("/usr/share/ieee-data/oui.csv", R_OK) != 0) {
        cr_skip_test("ieee-data is not installed (packaging/install-deps.sh installs it)");
    }
    struct analytics *a = NULL;
    char err[256];
    struct analytics_opts o = {0};
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(an_oui_vendor(a, "00:1b:1b:00:00:02"), "Siemens AG");
    cr_assert_str_eq(an_oui_vendor(a, "00:0C:29:12:34:56"), "VMware, Inc.");
    cr_assert_str_eq(an_oui_vendor(a, "08:00:06:00:00:01"), "SIEMENS AG");
    cr_assert_null(an_oui_vendor(a, "02:00:00:00:00:01"), "locally administered");
    cr_assert_null(an_oui_vendor(a, "zz:00:00:00:00:01"));
    cr_assert_null(an_oui_vendor(a, "00:1b"));
    analytics_close(a);
    o.oui_path = "/nonexistent/oui.csv";
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), 0, "no registry: no vendors");
    cr_assert_null(an_oui_vendor(a, "00:1b:1b:00:00:02"));
    analytics_close(a);
}

Test(an_asset, state_survives_reopen)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/tz_an_state_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unlink(path);
    struct analytics_opts o = {.state_path = path, .emit = ta_collect,
                               .policy = {.learning_s = 60, .aggregate_s = 300}};
    ta_out = json_array();
    cr_assert_eq(analytics_open(&ta_engine, &o, ta_err, sizeof ta_err), 0, "%s", ta_err);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "write", "ok",
           "{\"unit\":1,\"func\":6,\"func_name\":\"write_single_register\"}");
    ta_ics(1000, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", "{\"func\":41}");
    size_t produced = json_array_size(ta_out);
    analytics_close(ta_engine);
    cr_assert_eq(analytics_open(&ta_engine, &o, ta_err, sizeof ta_err), 0, "%s", ta_err);
    ta_ics(120000, "10.0.0.5", "10.0.1.10", "modbus", "write", "ok",
           "{\"unit\":1,\"func\":6,\"func_name\":\"write_single_register\"}");
    cr_assert_eq(json_array_size(ta_out), produced,
                 "known assets, a learned writer: nothing new after the reopen");
    ta_ics(121000, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", "{\"func\":41}");
    cr_assert_eq(ta_alerts("ics.plc_stop"), 1, "counted into the aggregate saved before");
    analytics_finish(ta_engine);
    cr_assert_eq(ta_alerts("ics.plc_stop"), 2);
    cr_assert_eq(json_integer_value(json_object_get(ta_alert("ics.plc_stop", 1), "count")), 2);
    analytics_close(ta_engine);
    json_decref(ta_out);
    unlink(path);
}
