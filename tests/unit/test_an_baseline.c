/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_baseline.c - the baseline whitelist (det_baseline.c, baseline_file.c): learn,
 * review (accept, drop, mode through the command queue and on files), enforce: new pair,
 * new function, address range, value range (Modbus writes, IEC 104 setpoints), polling
 * stopped and changed; each with a negative case; the file format's round trip and errors.
 */
#include <unistd.h>

#include "bl.h"
#include "pol.h"
#include "tz_policy_test.h"

#define HR "{\"unit\":1,\"func\":3,\"func_name\":\"read_holding_registers\",\"addr\":%d,\"qty\":%d}"
#define WR "{\"unit\":1,\"func\":16,\"func_name\":\"write_multiple_registers\",\"addr\":%d," \
           "\"qty\":2,\"req_values\":[%d,%d]}"

static void read_hr(int64_t ms, const char *c, const char *s, int addr, int qty)
{
    char o[200];
    snprintf(o, sizeof o, HR, addr, qty);
    ta_ics(ms, c, s, "modbus", "read", "ok", o);
}

static void write_hr(int64_t ms, int addr, int v1, int v2)
{
    char o[300];
    snprintf(o, sizeof o, WR, addr, v1, v2);
    ta_ics(ms, "10.2.0.3", "10.1.0.9", "modbus", "write", "ok", o);
}

/* 60 s of learning: the HMI 10.2.0.3 reads 10.1.0.9 every second, writes setpoints
 * 100..200 at 40-41; then enforcing from t = 60 s. */
static void learn_then_enforce(void)
{
    struct analytics_policy p = {.baseline_learn_s = 60};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    for (int i = 0; i < 60; i++)
        read_hr(i * 1000, "10.2.0.3", "10.1.0.9", 0, 10);
    write_hr(5000, 40, 100, 150);
    write_hr(6000, 40, 120, 200);
}

Test(baseline, normal_traffic_after_learning_is_quiet)
{
    learn_then_enforce();
    for (int i = 60; i < 120; i++)
        read_hr(i * 1000, "10.2.0.3", "10.1.0.9", 2, 5);
    write_hr(70000, 40, 110, 190);
    ta_finish();
    cr_assert_eq(ta_alerts(NULL), 0, "%zu alerts", ta_alerts(NULL));
    ta_close();
}

Test(baseline, new_pair_and_new_function)
{
    learn_then_enforce();
    read_hr(61000, "10.2.0.66", "10.1.0.9", 0, 10); /* new client */
    ta_ics(62000, "10.2.0.3", "10.1.0.9", "modbus", "diagnostic", "ok",
           "{\"unit\":1,\"func\":8,\"func_name\":\"diagnostics\",\"sub_func\":4}");
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.new_pair"), 1);
    cr_assert_eq(ta_alerts("baseline.new_function"), 1);
    cr_assert(strstr(json_string_value(json_object_get(ta_alert("baseline.new_pair", 0),
                                                       "detail")) ?: "new pair", "new pair"));
    ta_close();
}

Test(baseline, address_and_value_range)
{
    learn_then_enforce();
    read_hr(61000, "10.2.0.3", "10.1.0.9", 5, 20); /* up to 24, learned 0-9 */
    write_hr(62000, 40, 100, 900);                 /* 900 > 200 */
    write_hr(63000, 41, 150, 150);                 /* 41-42: addr out, value in */
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.address_range"), 2);
    cr_assert_eq(ta_alerts("baseline.value_range"), 1);
    ta_close();
}

Test(baseline, iec104_setpoint_values)
{
    struct analytics_policy p = {.baseline_learn_s = 10};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
#define SP "{\"apci\":\"I\",\"asdu\":{\"type\":50,\"type_name\":\"C_SE_NC_1\"," \
           "\"cot\":6,\"ca\":1,\"objects\":[{\"ioa\":4001,\"value\":%s}]}}"
    char o[300];
    snprintf(o, sizeof o, SP, "21.5");
    ta_ics(0, "10.2.0.3", "10.1.0.20", "iec104", "write", "ok", o);
    snprintf(o, sizeof o, SP, "23.0");
    ta_ics(1000, "10.2.0.3", "10.1.0.20", "iec104", "write", "ok", o);
    snprintf(o, sizeof o, SP, "22.0");
    ta_ics(11000, "10.2.0.3", "10.1.0.20", "iec104", "write", "ok", o); /* within */
    snprintf(o, sizeof o, SP, "95.0");
    ta_ics(12000, "10.2.0.3", "10.1.0.20", "iec104", "write", "ok", o); /* outside */
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.value_range"), 1);
    cr_assert_eq(ta_alerts("baseline.new_pair"), 0);
    ta_close();
}

Test(baseline, polling_stopped)
{
    learn_then_enforce();
    for (int i = 60; i < 70; i++)
        read_hr(i * 1000, "10.2.0.3", "10.1.0.9", 0, 10);
    /* silence: other traffic moves the clock 10 s on */
    for (int i = 0; i < 10; i++)
        read_hr(70000 + i * 1000, "10.2.0.4", "10.1.0.10", 0, 1);
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.polling_stopped"), 1);
    cr_assert_eq(ta_alerts("baseline.polling_changed"), 0);
    ta_close();
}

Test(baseline, polling_changed)
{
    learn_then_enforce();
    for (int i = 0; i < 40; i++) /* every 100 ms instead of 1 s */
        read_hr(60000 + i * 100, "10.2.0.3", "10.1.0.9", 0, 10);
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.polling_changed"), 1);
    cr_assert_eq(ta_alerts("baseline.polling_stopped"), 0);
    ta_close();
}

Test(baseline, review_drop_and_mode_through_the_queue)
{
    struct analytics_policy p = {0}; /* learn until told */
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    for (int i = 0; i < 5; i++)
        read_hr(i * 1000, "10.2.0.3", "10.1.0.9", 0, 10);
    write_hr(5000, 40, 1, 2);
    json_t *doc = analytics_baseline_json(ta_engine);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "mode")), "learn");
    cr_assert_eq(json_array_size(json_object_get(doc, "entries")), 2);
    json_t *w = json_array_get(json_object_get(doc, "entries"), 1);
    cr_assert_eq(json_integer_value(json_object_get(w, "func")), 16);
    char id[40];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(w, "id")));
    json_decref(doc);
    cr_assert_eq(pol_cmd_push("accept", "all"), 0);
    cr_assert_eq(pol_cmd_push("drop", id), 0);
    cr_assert_eq(pol_cmd_push("mode", "enforce"), 0);
    read_hr(6000, "10.2.0.3", "10.1.0.9", 0, 10); /* applies the commands, then checks */
    write_hr(7000, 40, 1, 2); /* dropped: not in the whitelist; the pair is (by its read) */
    ta_finish();
    doc = analytics_baseline_json(ta_engine);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "mode")), "enforce");
    cr_assert_eq(json_integer_value(json_object_get(doc, "version")), 3);
    json_decref(doc);
    cr_assert_eq(ta_alerts("baseline.new_function"), 1);
    cr_assert_eq(ta_alerts(NULL), 1);
    ta_close();
}

Test(baseline, file_round_trip_and_enforce_from_file)
{
    char path[] = "/tmp/tz_bl_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    /* learn, then write the baseline to a file */
    learn_then_enforce();
    json_t *doc = analytics_baseline_json(ta_engine);
    struct bl b = {0};
    char err[256];
    cr_assert_eq(bl_from_json(&b, doc, err, sizeof err), 0, "%s", err);
    json_decref(doc);
    cr_assert_eq(b.n, 2);
    cr_assert_eq(b.np, 1);
    cr_assert_float_eq(b.p[0].period_s, 1.0, 1e-9);
    cr_assert_eq(bl_apply(&b, "mode", "enforce", err, sizeof err), 0);
    cr_assert_eq(bl_save_file(&b, path, err, sizeof err), 0, "%s", err);
    bl_clear(&b);
    ta_close();
    /* a fresh engine with that file enforces from its first event */
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, path), 0, "%s", ta_err);
    read_hr(0, "10.2.0.3", "10.1.0.9", 0, 10);
    write_hr(1000, 40, 100, 200);
    read_hr(2000, "10.2.0.3", "10.1.0.9", 100, 1);
    ta_finish();
    cr_assert_eq(ta_alerts(NULL), 1);
    cr_assert_eq(ta_alerts("baseline.address_range"), 1);
    ta_close();
    unlink(path);
}

Test(baseline, bad_files)
{
    struct bl b = {0};
    char err[256];
    json_t *d = json_loads("{\"format\":\"other\"}", 0, NULL);
    cr_assert_neq(bl_from_json(&b, d, err, sizeof err), 0);
    json_decref(d);
    d = json_loads("{\"format\":\"tanzhen-baseline\",\"entries\":[{\"client\":\"a\","
                   "\"server\":\"b\",\"proto\":\"modbus\",\"unit\":1,\"func\":3,"
                   "\"addr\":[5,2]}]}", 0, NULL);
    cr_assert_neq(bl_from_json(&b, d, err, sizeof err), 0);
    cr_assert(strstr(err, "entries[0]"), "%s", err);
    json_decref(d);
    cr_assert_neq(tp_open((struct analytics_policy){0}, NULL, "/nonexistent/bl.json"), 0);
    cr_assert(strstr(ta_err, "baseline"), "%s", ta_err);
    json_decref(ta_out);
    cr_assert_neq(bl_apply(&b, "drop", "0123456789abcdef", err, sizeof err), 0);
}

Test(baseline, edit_widens_ranges)
{
    struct analytics_policy p = {0};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    write_hr(0, 40, 100, 150);
    json_t *doc = analytics_baseline_json(ta_engine);
    char cmd[80];
    snprintf(cmd, sizeof cmd, "%s values=0:1000",
             json_string_value(json_object_get(json_array_get(json_object_get(doc, "entries"), 0),
                                               "id")));
    json_decref(doc);
    cr_assert_eq(pol_cmd_push("edit", cmd), 0);
    cr_assert_eq(pol_cmd_push("mode", "enforce"), 0);
    write_hr(1000, 40, 900, 1000); /* inside the edited range */
    write_hr(2000, 40, 900, 1001); /* outside */
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.value_range"), 1);
    ta_close();
    struct bl b = {0};
    char err[256];
    cr_assert_neq(bl_apply(&b, "edit", "0123456789abcdef addr=9-1", err, sizeof err), 0);
    cr_assert_neq(bl_apply(&b, "edit", "nonsense", err, sizeof err), 0);
}

Test(baseline, reload_keeps_the_baseline_on_a_bad_file)
{
    char path[] = "/tmp/tz_bl_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    struct bl b = {.mode = BL_ENFORCE, .poll_factor = 3};
    struct bl_entry *x = bl_add(&b, "10.2.0.3", "10.1.0.9", "modbus", 1, 3);
    x->addr_lo = 0;
    x->addr_hi = 9;
    char err[256];
    cr_assert_eq(bl_save_file(&b, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tp_open((struct analytics_policy){0}, NULL, path), 0, "%s", ta_err);
    read_hr(0, "10.2.0.3", "10.1.0.9", 0, 10);
    FILE *f = fopen(path, "w");
    fputs("{\"format\": \"tanzhen-baseline\", \"entries\": [{\"client\": 1}]}", f);
    fclose(f);
    analytics_request_reload();
    read_hr(1000, "10.2.0.3", "10.1.0.9", 0, 10); /* still the old baseline: quiet */
    x->addr_hi = 99;
    cr_assert_eq(bl_save_file(&b, path, err, sizeof err), 0, "%s", err);
    analytics_request_reload();
    read_hr(2000, "10.2.0.3", "10.1.0.9", 50, 10); /* the new one allows 0-99 */
    read_hr(3000, "10.2.0.3", "10.1.0.9", 100, 1);
    ta_finish();
    cr_assert_eq(ta_alerts(NULL), 1);
    cr_assert_eq(ta_alerts("baseline.address_range"), 1);
    ta_close();
    bl_clear(&b);
    unlink(path);
}

Test(baseline, s7_rack_slot_is_the_unit)
{
    struct analytics_policy p = {.baseline_learn_s = 10};
    cr_assert_eq(tp_open(p, NULL, NULL), 0, "%s", ta_err);
    char o[300];
#define S7(ms, slot)                                                                          \
    do {                                                                                      \
        snprintf(o, sizeof o, "{\"rosctr\":1,\"func\":4,\"func_name\":\"read_var\","         \
                              "\"items\":[{\"area\":\"DB\",\"db\":1,\"byte\":0,\"count\":4}]," \
                              "\"cotp\":{\"rack\":0,\"slot\":%d}}", slot);                    \
        ta_ics(ms, "10.2.0.3", "10.1.0.30", "s7comm", "read", "ok", o);                       \
    } while (0)
    S7(0, 2);
    S7(1000, 2);
    S7(11000, 2); /* the learned CPU: quiet */
    S7(12000, 3); /* another slot behind the same address */
    ta_finish();
    cr_assert_eq(ta_alerts("baseline.new_function"), 1);
    cr_assert(strstr(json_string_value(json_object_get(ta_alert("baseline.new_function", 0),
                                                       "detail")) ?: "", "unit 3"));
    ta_close();
}

/* Every prefix of a baseline file either loads or fails with a message. */
Test(baseline, every_prefix_of_a_file)
{
    struct bl b = {.mode = BL_ENFORCE, .poll_factor = 3};
    struct bl_entry *x = bl_add(&b, "10.2.0.3", "10.1.0.9", "modbus", 1, 16);
    x->addr_lo = 40;
    x->addr_hi = 41;
    x->has_val = 1;
    x->val_lo = 1;
    x->val_hi = 2;
    struct bl_poll *p = bl_poll_find(&b, "10.2.0.3", "10.1.0.9", "modbus", 1);
    p->period_s = 1;
    json_t *doc = bl_to_json(&b);
    char *txt = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    bl_clear(&b);
    size_t n = strlen(txt);
    char err[256];
    int loaded = 0;
    for (size_t len = 0; len <= n; len++) {
        json_t *d = json_loadb(txt, len, 0, NULL);
        struct bl t = {0};
        if (d && bl_from_json(&t, d, err, sizeof err) == 0) {
            loaded++;
            bl_clear(&t);
        }
        json_decref(d);
    }
    cr_assert_eq(loaded, 1); /* only the whole file */
    free(txt);
}
