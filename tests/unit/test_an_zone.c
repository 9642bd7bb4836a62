/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_zone.c - the zone boundary policy (det_zone.c) and remote maintenance
 * (det_maint.c): a positive and a negative case per rule, the zone-pair policy's
 * precedence, nDPI's "MASTER.APP" names, and the maintenance session record.
 */
#include "pol.h"
#include "tz_policy_test.h"

static struct analytics_policy pairs(void)
{
    return (struct analytics_policy){
        .zone_pairs = "office>production=deny\n"
                      "management>production=allow:modbus,Modbus,IEC60870\n"
                      "dmz>*=deny\n"};
}

Test(zone, forbidden_pair_positive)
{
    cr_assert_eq(tp_open(pairs(), NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 1000, "192.168.1.5", "10.1.0.9", 502, "Modbus", "IoT-Scada", 100, 100);
    tp_flow(10, 1000, "10.2.0.3", "10.1.0.9", 102, "s7comm", "Network", 100, 100);
    tp_flow(20, 1000, "172.16.0.4", "10.2.0.3", 443, "TLS", "Web", 100, 100);
    ta_finish();
    cr_assert_eq(ta_alerts("zone.forbidden_pair"), 3);
    json_t *a = ta_alert("zone.forbidden_pair", 1);
    cr_assert(strstr(json_string_value(json_object_get(a, "title")), "forbidden"));
    ta_close();
}

Test(zone, forbidden_pair_negative)
{
    cr_assert_eq(tp_open(pairs(), NULL, NULL), 0, "%s", ta_err);
    /* allowed protocol on a restricted pair, same zone, reverse of a denied pair with the
     * default allow */
    tp_flow(0, 1000, "10.2.0.3", "10.1.0.9", 502, "Modbus", "IoT-Scada", 100, 100);
    tp_flow(10, 1000, "10.1.0.8", "10.1.0.9", 502, "Modbus", "IoT-Scada", 100, 100);
    tp_flow(20, 1000, "10.1.0.9", "192.168.1.5", 514, "Syslog", "System", 100, 0);
    ta_finish();
    cr_assert_eq(ta_alerts("zone.forbidden_pair"), 0);
    ta_close();
}

Test(zone, zone_default_deny)
{
    struct analytics_policy p = {.zone_default = "deny"};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 1000, "10.1.0.9", "192.168.1.5", 514, "Syslog", "System", 100, 0);
    ta_finish();
    cr_assert_eq(ta_alerts("zone.forbidden_pair"), 1);
    ta_close();
}

Test(zone, bad_pair_line_is_an_error)
{
    struct analytics_policy p = {.zone_pairs = "office-production=deny\n"};
    cr_assert_neq(tp_open(p, NULL, NULL), 0);
    cr_assert(strstr(ta_err, "policy.zone_pairs"), "%s", ta_err);
    json_decref(ta_out);
}

Test(zone, general_service_positive)
{
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 1000, "192.168.1.5", "10.1.0.9", 80, "HTTP", "Web", 100, 100);
    tp_flow(10, 1000, "10.1.0.9", "192.168.1.7", 445, "NetBIOS.SMBv1", "System", 100, 100);
    tp_flow(20, 1000, "192.168.1.5", "10.2.0.9", 23, "Telnet", "RemoteAccess", 100, 100);
    tp_flow(30, 1000, "10.1.0.9", "192.168.1.9", 53, "DNS.GMail", "Email", 100, 100);
    tp_flow(40, 1000, "192.168.1.5", "10.1.0.9", 513, "Unknown", "Unspecified", 10, 0);
    ta_finish();
    cr_assert_eq(ta_alerts("zone.general_service"), 5);
    cr_assert(strstr(json_string_value(json_object_get(ta_alert("zone.general_service", 4),
                                                       "detail")) ?: "Rlogin", "Rlogin"));
    ta_close();
}

Test(zone, general_service_negative)
{
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, NULL), 0, "%s", ta_err);
    /* inside the production zone, an ICS app across, web between office hosts */
    tp_flow(0, 1000, "10.1.0.8", "10.1.0.9", 80, "HTTP", "Web", 100, 100);
    tp_flow(10, 1000, "10.2.0.3", "10.1.0.9", 502, "Modbus", "IoT-Scada", 100, 100);
    tp_flow(20, 1000, "192.168.1.5", "192.168.1.6", 80, "HTTP", "Web", 100, 100);
    tp_flow(30, 1000, "192.168.1.5", "10.1.0.9", 40513, "Unknown", "Unspecified", 10, 0);
    ta_finish();
    cr_assert_eq(ta_alerts("zone.general_service"), 0);
    ta_close();
}

Test(zone, public_address)
{
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 1000, "10.1.0.9", "8.8.8.8", 53, "DNS", "Network", 60, 60);
    tp_flow(10, 1000, "192.168.1.5", "8.8.8.8", 53, "DNS", "Network", 60, 60); /* office */
    tp_flow(20, 1000, "10.1.0.9", "10.99.0.1", 53, "DNS", "Network", 60, 60);  /* private */
    ta_finish();
    cr_assert_eq(ta_alerts("zone.public_address"), 1);
    ta_close();
}

Test(zone, ics_from_office)
{
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, NULL), 0, "%s", ta_err);
    ta_ics(0, "192.168.1.5", "10.1.0.9", "modbus", "read", "ok",
           "{\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\",\"addr\":0,\"qty\":4}");
    ta_ics(10, "10.2.0.3", "10.1.0.9", "modbus", "read", "ok",
           "{\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\",\"addr\":0,\"qty\":4}");
    ta_finish();
    cr_assert_eq(ta_alerts("zone.ics_from_office"), 1);
    json_t *a = ta_alert("zone.ics_from_office", 0);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "event_ids"), 0)),
                     "ev0001");
    ta_close();
}

Test(zone, no_zones_no_alert)
{
    struct analytics_policy p = {.zones = "\n"};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 1000, "192.168.1.5", "10.1.0.9", 80, "HTTP", "Web", 100, 100);
    ta_finish();
    cr_assert_eq(ta_alerts(NULL), 0);
    ta_close();
}

static struct analytics_policy maint(void)
{
    return (struct analytics_policy){.maint_jump_hosts = "10.2.0.250/32",
                                     .maint_window = "mon-fri 07:00-18:00"};
}

/* TA_T0 is Wednesday 2024-05-01 08:00 UTC. */
Test(maint, unauthorized_positive)
{
    cr_assert_eq(tp_open(maint(), NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 60000, "192.168.1.5", "10.1.0.9", 3389, "RDP", "RemoteAccess", 5000, 90000);
    tp_flow(11LL * 3600 * 1000, 1000, "10.2.0.250", "10.1.0.9", 5938, "TeamViewer",
            "RemoteAccess", 10, 10); /* 19:00: outside the window */
    tp_flow(20, 1000, "10.2.0.7", "10.1.0.9", 5900, "Unknown", "Unspecified", 10, 10);
    ta_finish();
    cr_assert_eq(ta_alerts("maint.unauthorized"), 3);
    cr_assert(strstr(json_string_value(json_object_get(ta_alert("maint.unauthorized", 1),
                                                       "detail")) ?: "x", "") != NULL);
    json_t *s = analytics_maint_sessions(ta_engine);
    cr_assert_eq(json_array_size(s), 3);
    json_t *rdp = json_array_get(s, 0);
    cr_assert_str_eq(json_string_value(json_object_get(rdp, "tool")), "RDP");
    cr_assert_str_eq(json_string_value(json_object_get(rdp, "src")), "192.168.1.5");
    cr_assert_eq(json_integer_value(json_object_get(rdp, "bytes_toclient")), 90000);
    cr_assert_float_eq(json_real_value(json_object_get(rdp, "duration_s")), 60.0, 1e-6);
    cr_assert(!json_is_true(json_object_get(rdp, "allowed")));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(s, 2), "tool")), "VNC");
    json_decref(s);
    ta_close();
}

Test(maint, allowed_negative)
{
    cr_assert_eq(tp_open(maint(), NULL, NULL), 0, "%s", ta_err);
    tp_flow(0, 60000, "10.2.0.250", "10.1.0.9", 22, "SSH", "RemoteAccess", 5000, 90000);
    /* not into a production zone: no session at all */
    tp_flow(10, 1000, "10.1.0.9", "192.168.1.5", 3389, "RDP", "RemoteAccess", 10, 10);
    /* an update of the same flow is the same session */
    ta_finish();
    cr_assert_eq(ta_alerts("maint.unauthorized"), 0);
    json_t *s = analytics_maint_sessions(ta_engine);
    cr_assert_eq(json_array_size(s), 1);
    cr_assert(json_is_true(json_object_get(json_array_get(s, 0), "allowed")));
    json_decref(s);
    ta_close();
}

Test(maint, window_parse)
{
    struct pol_window w;
    char err[200];
    cr_assert_eq(pol_window_parse(&w, "sat,sun 22:00-06:00", "x", err, sizeof err), 0, "%s", err);
    int64_t sat2300 = (1714780800LL + 23 * 3600) * AN_US; /* 2024-05-04 is a Saturday */
    int64_t sun0300 = (1714780800LL + 27 * 3600) * AN_US;
    int64_t mon0300 = (1714780800LL + 51 * 3600) * AN_US;
    int64_t sat1200 = (1714780800LL + 12 * 3600) * AN_US;
    cr_assert(pol_window_has(&w, sat2300));
    cr_assert(pol_window_has(&w, sun0300));
    cr_assert(pol_window_has(&w, mon0300)); /* Sunday night's window */
    cr_assert(!pol_window_has(&w, sat1200));
    cr_assert_neq(pol_window_parse(&w, "8-18", "x", err, sizeof err), 0);
}
