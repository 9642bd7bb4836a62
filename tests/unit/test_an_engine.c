/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_engine.c - the analytics engine's frame (collector/analytics/engine.c,
 * alert.c, event.c): an S7 PLC STOP raises ics.plc_stop with its evidence and assets, a
 * read does not; repeats aggregate into one update with count, first and last; ids are
 * the same on a second run; rules switch off and change severity by config; a bad
 * setting fails open with the rule's name; time parsing and formatting round-trip.
 */
#include "tz_analytics_test.h"

#include "an_core.h"

#define S7_STOP "{\"rosctr\":1,\"func\":41,\"func_name\":\"plc_stop\",\"pi_service\":\"P_PROGRAM\"}"
#define S7_READ "{\"rosctr\":1,\"func\":4,\"func_name\":\"read_var\"}"

Test(an_engine, plc_stop_raises_with_evidence)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    cr_assert_eq(ta_alerts("ics.plc_stop"), 1);
    json_t *a = ta_alert("ics.plc_stop", 0);
    cr_assert_str_eq(json_string_value(json_object_get(a, "severity")), "high");
    cr_assert_eq(json_integer_value(json_object_get(a, "level")), 2);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "event_ids"), 0)),
                     "ev0001");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "assets"), 1)),
                     "10.0.1.10");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "attack"), 0)),
                     "T0858");
    ta_close();
}

Test(an_engine, read_raises_nothing)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "read", "ok", S7_READ);
    ta_finish();
    cr_assert_eq(ta_alerts(NULL), 0);
    ta_close();
}

Test(an_engine, repeats_aggregate)
{
    ta_open(); /* aggregate_s 300 */
    for (int i = 0; i < 5; i++)
        ta_ics(i * 1000, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    cr_assert_eq(ta_alerts("ics.plc_stop"), 1, "repeats are counted, not raised");
    ta_ics(400 * 1000, "10.0.0.9", "10.0.1.10", "s7comm", "read", "ok", S7_READ);
    /* the window closed in event time: one update with the count */
    cr_assert_eq(ta_alerts("ics.plc_stop"), 2);
    json_t *u = ta_alert("ics.plc_stop", 1);
    cr_assert_eq(json_integer_value(json_object_get(u, "count")), 5);
    cr_assert_str_eq(json_string_value(json_object_get(u, "first")),
                     "2024-05-01T08:00:00.000000Z");
    cr_assert_str_eq(json_string_value(json_object_get(u, "last")),
                     "2024-05-01T08:00:04.000000Z");
    cr_assert_eq(json_array_size(json_object_get(u, "event_ids")), 5);
    cr_assert_str_eq(json_string_value(json_object_get(u, "group")),
                     json_string_value(json_object_get(ta_alert("ics.plc_stop", 0), "group")));
    ta_close();
}

Test(an_engine, finish_flushes_open_aggregates)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    ta_ics(10, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    cr_assert_eq(ta_alerts("ics.plc_stop"), 1);
    ta_finish();
    cr_assert_eq(ta_alerts("ics.plc_stop"), 2);
    ta_close();
}

static char *run_ids(void)
{
    ta_open();
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    ta_ics(10, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    ta_finish();
    char *s = json_dumps(ta_out, JSON_COMPACT);
    ta_close();
    return s;
}

Test(an_engine, same_input_same_output)
{
    char *a = run_ids(), *b = run_ids();
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
}

Test(an_engine, rule_switched_off_and_retuned)
{
    ta_open_policy(0, "ics.plc_stop=off\nasset.*=off\n", NULL);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    cr_assert_eq(ta_alerts(NULL), 0);
    ta_close();
    ta_open_policy(0, "ics.*=critical\nasset.*=off\n", NULL);
    ta_ics(0, "10.0.0.5", "10.0.1.10", "s7comm", "control", "ok", S7_STOP);
    cr_assert_str_eq(
        json_string_value(json_object_get(ta_alert("ics.plc_stop", 0), "severity")),
        "critical");
    ta_close();
}

Test(an_engine, bad_rule_setting_names_the_rule)
{
    struct analytics *a = NULL;
    char err[512];
    struct analytics_opts o = {.policy = {.rules = "ics.plc_stop=loud\n"}};
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "ics.plc_stop") && strstr(err, "loud"), "%s", err);
    o.policy.rules = "no.such_rule=off\n";
    cr_assert_eq(analytics_open(&a, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "no.such_rule"), "%s", err);
}

Test(an_engine, events_without_ts_are_skipped)
{
    ta_open();
    json_t *bad = json_pack("{s:s}", "type", "ics");
    cr_assert_eq(analytics_feed(ta_engine, bad), -1);
    json_decref(bad);
    struct analytics_stats st;
    analytics_get_stats(ta_engine, &st);
    cr_assert_eq(st.skipped, 1);
    ta_close();
}

Test(an_engine, time_round_trip)
{
    int64_t us;
    char out[32];
    cr_assert_eq(an_time_parse("2024-05-01T08:00:00.123456Z", &us), 0);
    cr_assert_eq(us, 1714550400123456LL);
    an_time_fmt(us, out);
    cr_assert_str_eq(out, "2024-05-01T08:00:00.123456Z");
    cr_assert_eq(an_time_parse("2024-02-29T23:59:59Z", &us), 0);
    an_time_fmt(us, out);
    cr_assert_str_eq(out, "2024-02-29T23:59:59.000000Z");
    cr_assert_eq(an_time_parse("2024-05-01 08:00:00Z", &us), -1);
    cr_assert_eq(an_time_parse("2024-05-01T08:00:00.5+02:00", &us), -1);
}
