/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_an_rules.c - user rules in YAML (rules_load.c, rules.c): matching on protocol, op,
 * function, address range, zones, roles-free fields, time of day and any dotted field,
 * each with a negative case; load errors carry FILE:LINE; a reload with a bad file keeps
 * the rules in force, a good one replaces them.
 */
#include <stdio.h>
#include <unistd.h>

#include "pol.h"
#include "tz_policy_test.h"
#include "urules.h"

static char rpath[64];

static void write_rules(const char *text)
{
    if (!rpath[0]) {
        snprintf(rpath, sizeof rpath, "/tmp/tz_rules_XXXXXX");
        int fd = mkstemp(rpath);
        cr_assert_geq(fd, 0);
        close(fd);
    }
    FILE *f = fopen(rpath, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static const char good[] =
    "rules:\n"
    "  - id: user.coil_write_from_office\n"
    "    title: Coil write from the office\n"
    "    severity: critical\n"
    "    attack: [T0855, T0836]\n"
    "    match:\n"
    "      proto: modbus\n"
    "      op: write\n"
    "      func: [5, 15]\n"
    "      addr: 100-199\n"
    "      src_zone: office\n"
    "      dst_zone: production\n"
    "  - id: user.night_read\n"
    "    title: Reads at night\n"
    "    severity: low\n"
    "    attack: T0801\n"
    "    match:\n"
    "      op: read\n"
    "      time: \"20:00-06:00\"\n"
    "      dst: 10.1.0.0/24\n"
    "  - id: user.exception_code\n"
    "    title: Illegal data address\n"
    "    match:\n"
    "      fields:\n"
    "        modbus.exception: 2\n"
    "        status: exception\n";

#define WC "{\"unit\":1,\"func\":5,\"func_name\":\"write_single_coil\",\"addr\":%d,\"qty\":1}"

Test(rules, match_positive)
{
    write_rules(good);
    cr_assert_eq(tp_open((struct analytics_policy){0}, rpath, NULL), 0, "%s", ta_err);
    char o[200];
    snprintf(o, sizeof o, WC, 150);
    ta_ics(0, "192.168.1.5", "10.1.0.9", "modbus", "write", "ok", o);
    ta_ics(13LL * 3600 * 1000, "10.2.0.3", "10.1.0.9", "modbus", "read", "ok", /* 21:00 */
           "{\"unit\":1,\"func\":3,\"addr\":0,\"qty\":1}");
    ta_ics(20, "10.2.0.3", "10.1.0.9", "modbus", "read", "exception",
           "{\"unit\":1,\"func\":3,\"addr\":900,\"qty\":1,\"exception\":2}");
    ta_finish();
    cr_assert_eq(ta_alerts("user.coil_write_from_office"), 1);
    json_t *a = ta_alert("user.coil_write_from_office", 0);
    cr_assert_str_eq(json_string_value(json_object_get(a, "severity")), "critical");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "attack"), 1)), "T0836");
    cr_assert_eq(ta_alerts("user.night_read"), 1);
    cr_assert_eq(ta_alerts("user.exception_code"), 1);
    ta_close();
    unlink(rpath);
}

Test(rules, match_negative)
{
    write_rules(good);
    cr_assert_eq(tp_open((struct analytics_policy){0}, rpath, NULL), 0, "%s", ta_err);
    char o[200];
    snprintf(o, sizeof o, WC, 250); /* address outside 100-199 */
    ta_ics(0, "192.168.1.5", "10.1.0.9", "modbus", "write", "ok", o);
    snprintf(o, sizeof o, WC, 150); /* from the management zone */
    ta_ics(10, "10.2.0.3", "10.1.0.9", "modbus", "write", "ok", o);
    ta_ics(20, "10.2.0.3", "10.1.0.9", "modbus", "read", "ok", /* 08:00: daytime */
           "{\"unit\":1,\"func\":3,\"addr\":0,\"qty\":1}");
    ta_ics(30, "10.2.0.3", "10.1.0.9", "modbus", "read", "exception",
           "{\"unit\":1,\"func\":3,\"addr\":900,\"qty\":1,\"exception\":3}");
    ta_finish();
    cr_assert_eq(ta_alerts(NULL) - ta_alerts("zone.ics_from_office"), 0);
    ta_close();
    unlink(rpath);
}

static void expect_error(const char *text, const char *where, const char *what)
{
    write_rules(text);
    char err[1024];
    struct ur_set *s = ur_load(rpath, err, sizeof err);
    cr_assert_null(s, "loaded: %s", text);
    char want[128];
    snprintf(want, sizeof want, "%s:%s: ", rpath, where);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "want '%s...' got '%s'", want, err);
    cr_assert(strstr(err, what), "want '%s' in '%s'", what, err);
}

Test(rules, load_errors_name_file_and_line)
{
    expect_error("rules:\n  - id: user.a\n    title: A\n    severity: urgent\n    match: "
                 "{op: read}\n", "4", "severity");
    expect_error("rules:\n  - id: user.a\n    title: A\n    match:\n      op: wrte\n", "5",
                 "match.op");
    expect_error("rules:\n  - id: user.a\n    title: A\n    match:\n      colour: red\n", "5",
                 "unknown condition 'colour'");
    expect_error("rules:\n  - id: user.a\n    title: A\n    match: {op: read}\n  - id: user.a\n"
                 "    title: B\n    match: {op: read}\n", "5", "already used");
    expect_error("rules:\n  - id: plc_stop\n    title: A\n    match: {op: read}\n", "2",
                 "user.NAME");
    expect_error("rules:\n  - id: user.a\n    title: A\n    attack: [X1]\n    match: {op: read}\n",
                 "4", "ATT&CK");
    expect_error("rules:\n  - id: user.a\n    title: A\n    match:\n      addr: 10-2\n", "5",
                 "match.addr");
    expect_error("rules:\n  - id: user.a\n   title: [\n", "3", "");
    expect_error("rules:\n  - id: user.a\n    match: {op: read}\n", "2", "needs id, title");
    unlink(rpath);
}

Test(rules, bad_file_fails_open)
{
    write_rules("rules: 5\n");
    cr_assert_neq(tp_open((struct analytics_policy){0}, rpath, NULL), 0);
    cr_assert(strstr(ta_err, ":1: "), "%s", ta_err);
    json_decref(ta_out);
    unlink(rpath);
}

Test(rules, reload_keeps_old_rules_on_error)
{
    write_rules("rules:\n  - id: user.reads\n    title: Reads\n    match: {op: read}\n");
    cr_assert_eq(tp_open((struct analytics_policy){0}, rpath, NULL), 0, "%s", ta_err);
    const char *rd = "{\"unit\":1,\"func\":3,\"addr\":0,\"qty\":1}";
    ta_ics(0, "10.2.0.3", "10.1.0.9", "modbus", "read", "ok", rd);
    write_rules("rules:\n  - id: user.writes\n    title: W\n    match: {op: [write, wrong]}\n");
    analytics_request_reload();
    ta_ics(10, "10.2.0.4", "10.1.0.9", "modbus", "read", "ok", rd); /* old rules still on */
    write_rules("rules:\n  - id: user.writes\n    title: Writes\n    match: {op: write}\n");
    analytics_request_reload();
    ta_ics(20, "10.2.0.5", "10.1.0.9", "modbus", "read", "ok", rd); /* new: no match */
    ta_ics(30, "10.2.0.5", "10.1.0.9", "modbus", "write", "ok",
           "{\"unit\":1,\"func\":6,\"addr\":0,\"qty\":1}");
    ta_finish();
    cr_assert_eq(ta_alerts("user.reads"), 2);
    cr_assert_eq(ta_alerts("user.writes"), 1);
    ta_close();
    unlink(rpath);
}

/* Every prefix of a good file and every single-byte corruption of it loads or fails with
 * FILE:LINE, never crashes (the collector keeps running on a bad SIGHUP reload). */
Test(rules, every_prefix_and_corruption)
{
    size_t n = strlen(good);
    char buf[sizeof good], err[1024];
    static const char junk[] = {'\0', ':', '-', '[', '{', '"', '\n', ' ', '&', '*', '!'};
    for (size_t len = 0; len <= n; len++) {
        memcpy(buf, good, len);
        buf[len] = '\0';
        write_rules(buf);
        struct ur_set *s = ur_load(rpath, err, sizeof err);
        if (s)
            ur_set_free(s);
        else
            cr_assert(strncmp(err, rpath, strlen(rpath)) == 0 && strchr(err + strlen(rpath), ':'),
                      "prefix %zu: '%s'", len, err);
    }
    for (size_t at = 0; at < n; at += 3) {
        for (size_t k = 0; k < sizeof junk; k++) {
            memcpy(buf, good, n + 1);
            buf[at] = junk[k] ? junk[k] : 'x';
            write_rules(buf);
            struct ur_set *s = ur_load(rpath, err, sizeof err);
            if (s)
                ur_set_free(s);
            else
                cr_assert(strncmp(err, rpath, strlen(rpath)) == 0, "at %zu: '%s'", at, err);
        }
    }
    unlink(rpath);
}
