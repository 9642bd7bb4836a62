/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_recon.c - reconnaissance, error bursts and OPC UA session security
 * (det_recon.c, det_errors.c, det_opcua.c): every rule raised at its threshold and not one
 * below it (or by the close legitimate case), scans counted within their window only,
 * thresholds tuned by config, evidence ids carried.
 */
#include "tz_analytics_test.h"

#define MB(fc, unit, addr)                                                                    \
    "{\"unit\":" #unit ",\"func\":" #fc ",\"func_name\":\"f" #fc "\",\"addr\":" #addr "}"

Test(an_recon, device_id_read)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "modbus", "identify", "ok",
           "{\"unit\":1,\"func\":43,\"func_name\":\"encapsulated_interface_transport\","
           "\"sub_func\":14}");
    cr_assert_eq(ta_alerts("recon.device_id"), 1, "Modbus read device identification");
    ta_close();
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "opcua", "identify", "ok",
           "{\"service\":\"GetEndpoints\",\"service_id\":428}");
    cr_assert_eq(ta_alerts("recon.device_id"), 0, "OPC UA clients ask for endpoints to connect");
    ta_close();
}

static void fscan(int n)
{
    char p[200];
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p,
                 "{\"unit\":1,\"func\":%d,\"func_name\":\"x\",\"exception\":1,"
                 "\"exception_name\":\"illegal_function\"}",
                 65 + i);
        ta_ics(i * 100, "10.0.0.5", "10.0.1.10", "modbus", "other", "exception", p);
    }
}

Test(an_recon, function_scan)
{
    ta_open();
    fscan(4);
    cr_assert_eq(ta_alerts("recon.function_scan"), 0, "4 refused functions are below 5");
    ta_close();
    ta_open();
    fscan(9);
    cr_assert_eq(ta_alerts("recon.function_scan"), 1, "raised once at 5, not again");
    json_t *a = ta_alert("recon.function_scan", 0);
    cr_assert_eq(json_array_size(json_object_get(a, "event_ids")), 5, "the 5 events as evidence");
    ta_close();
}

Test(an_recon, unit_scan)
{
    char p[200];
    ta_open();
    for (int u = 1; u <= 6; u++) {
        snprintf(p, sizeof p, "{\"unit\":%d,\"func\":3,\"func_name\":\"read_holding_registers\"}",
                 u);
        ta_ics(u * 100, "10.0.0.5", "10.0.1.10", "modbus", "read", "ok", p);
    }
    cr_assert_eq(ta_alerts("recon.unit_scan"), 0, "a gateway polled on 6 units that answer");
    for (int u = 10; u <= 16; u++) {
        snprintf(p, sizeof p, "{\"unit\":%d,\"func\":3,\"func_name\":\"read_holding_registers\"}",
                 u);
        ta_ics(1000 + u * 100, "10.0.0.5", "10.0.1.10", "modbus", "read", "no_response", p);
    }
    cr_assert_eq(ta_alerts("recon.unit_scan"), 1, "units that do not answer, one after another");
    ta_close();
}

Test(an_recon, address_scan)
{
    char p[200];
    ta_open();
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p,
                 "{\"unit\":1,\"func\":3,\"func_name\":\"r\",\"addr\":%d,\"exception\":%d}",
                 1000 * i, 2);
        ta_ics(i * 100, "10.0.0.5", "10.0.1.10", "modbus", "read", "exception", p);
    }
    cr_assert_eq(ta_alerts("recon.address_scan"), 1, "5 addresses refused as illegal");
    ta_close();
    ta_open();
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p,
                 "{\"unit\":1,\"func\":3,\"func_name\":\"r\",\"addr\":%d,\"exception\":%d}",
                 1000 * i, 6);
        ta_ics(i * 100, "10.0.0.5", "10.0.1.10", "modbus", "read", "exception", p);
    }
    cr_assert_eq(ta_alerts("recon.address_scan"), 0, "device busy is not an address refused");
    ta_close();
}

static void hosts(int n, int64_t step_ms)
{
    char dst[32];
    for (int i = 0; i < n; i++) {
        snprintf(dst, sizeof dst, "10.0.1.%d", i + 1);
        ta_ics(i * step_ms, "10.0.0.5", dst, "modbus", "read", "ok", MB(3, 1, 0));
    }
}

Test(an_recon, host_scan)
{
    ta_open();
    hosts(9, 100);
    cr_assert_eq(ta_alerts("recon.host_scan"), 0, "9 servers are below 10");
    ta_close();
    ta_open();
    hosts(10, 100);
    cr_assert_eq(ta_alerts("recon.host_scan"), 1, "10 servers within a minute");
    ta_close();
    ta_open();
    hosts(10, 10000);
    cr_assert_eq(ta_alerts("recon.host_scan"), 0, "10 servers over 90 s: two windows");
    ta_close();
    ta_open_policy(0, "asset.*=off\nrecon.host_scan=threshold:20\n", NULL);
    hosts(10, 100);
    cr_assert_eq(ta_alerts("recon.host_scan"), 0, "threshold tuned to 20");
    ta_close();
}

Test(an_errors, exception_burst)
{
    const char *exc = "{\"unit\":1,\"func\":3,\"func_name\":\"r\",\"exception\":6}";
    ta_open();
    for (int i = 0; i < 19; i++)
        ta_ics(i * 100, "10.0.0.5", "10.0.1.10", "modbus", "read", "exception", exc);
    cr_assert_eq(ta_alerts("ics.exception_burst"), 0);
    ta_ics(1900, "10.0.0.5", "10.0.1.10", "modbus", "read", "exception", exc);
    cr_assert_eq(ta_alerts("ics.exception_burst"), 1, "the 20th exception within a minute");
    ta_close();
}

Test(an_errors, malformed_burst)
{
    ta_open();
    for (int i = 0; i < 10; i++) /* one every 7 s: never 10 in one minute */
        ta_anomaly(i * 7000, "10.0.0.5", "10.0.1.10", "modbus", "modbus_malformed");
    cr_assert_eq(ta_alerts("ics.malformed_burst"), 0);
    ta_close();
    ta_open();
    for (int i = 0; i < 10; i++) /* both directions count for the pair */
        ta_anomaly(i * 100, i % 2 ? "10.0.0.5" : "10.0.1.10", i % 2 ? "10.0.1.10" : "10.0.0.5",
                   "modbus", "modbus_malformed");
    cr_assert_eq(ta_alerts("ics.malformed_burst"), 1);
    ta_close();
}

#define UA(svc, extra) "{\"service\":\"" svc "\",\"service_id\":1" extra "}"

Test(an_opcua, security_none)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "opcua", "session", "ok",
           UA("OpenSecureChannel", ",\"security_mode\":\"SignAndEncrypt\""));
    cr_assert_eq(ta_alerts("opcua.security_none"), 0, "signed and encrypted");
    ta_ics(10, "10.0.0.5", "10.0.1.10", "opcua", "session", "ok",
           UA("OpenSecureChannel", ",\"security_mode\":\"None\""));
    ta_ics(20, "10.0.0.5", "10.0.1.10", "opcua", "session", "ok",
           UA("CreateSession", ",\"security_mode\":\"None\""));
    cr_assert_eq(ta_alerts("opcua.security_none"), 1, "one alert for the pair, repeats counted");
    ta_close();
}

Test(an_opcua, anonymous)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "opcua", "session", "ok",
           UA("ActivateSession", ",\"identity\":\"username\""));
    cr_assert_eq(ta_alerts("opcua.anonymous"), 0, "a user name token");
    ta_ics(10, "10.0.0.5", "10.0.1.10", "opcua", "session", "ok",
           UA("ActivateSession", ",\"identity\":\"anonymous\""));
    cr_assert_eq(ta_alerts("opcua.anonymous"), 1);
    ta_close();
}

Test(an_opcua, activation_failures)
{
    const char *bad = UA("ActivateSession", ",\"identity\":\"username\",\"status_name\":"
                                            "\"BadUserAccessDenied\"");
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "opcua", "session", "exception", bad);
    ta_ics(100, "10.0.0.5", "10.0.1.10", "opcua", "session", "exception", bad);
    cr_assert_eq(ta_alerts("opcua.activation_failures"), 0, "two refusals");
    ta_ics(200, "10.0.0.5", "10.0.1.10", "opcua", "session", "exception", bad);
    cr_assert_eq(ta_alerts("opcua.activation_failures"), 1, "the third within a minute");
    ta_close();
}
