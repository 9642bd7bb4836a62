/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_iec104_tz.c - IEC 104 time zones (sensor/iec104_tz.c): UTC by default, fixed
 * offsets, IANA names from the system tz database (Asia/Shanghai, and Europe/Berlin for
 * the summer time changes: the repeated hour read with the CP56 SU bit, the skipped hour),
 * the per common address map, and the messages for bad settings.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "iec104_tz.h"

#define SEC 1000000ll

static void setup_ok(const char *zone, const char *map)
{
    char err[256] = "";
    cr_assert_eq(iec104_tz_setup(zone, map, err, sizeof err), 0, "%s", err);
}

/* 2024-03-15 10:20:30.456 as a UTC epoch in microseconds */
#define T_2024_03_15_102030 (1710498030ll * SEC + 456000)

Test(iec104_tz, utc_by_default)
{
    setup_ok("", "");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0), T_2024_03_15_102030);
    cr_assert_str_eq(iec104_tz_name(1), "UTC");
}

Test(iec104_tz, fixed_offsets)
{
    setup_ok("+08:00", "");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 - 8 * 3600 * SEC);
    setup_ok("-0530", "");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 + (5 * 3600 + 1800) * SEC);
    setup_ok("UTC+8", "");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 - 8 * 3600 * SEC);
}

Test(iec104_tz, iana_shanghai_and_day_change)
{
    setup_ok("Asia/Shanghai", "");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 - 8 * 3600 * SEC);
    /* 2024-01-01 03:00 in Shanghai is 2023-12-31 19:00 UTC */
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 1, 1, 3, 0, 0, 0), 1704049200ll * SEC);
}

Test(iec104_tz, iana_summer_time)
{
    setup_ok("Europe/Berlin", "");
    /* 2024-07-01 12:00 CEST (+02:00) = 10:00 UTC */
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 7, 1, 12, 0, 0, 1), 1719828000ll * SEC);
    /* 2024-01-15 12:00 CET (+01:00) = 11:00 UTC */
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 1, 15, 12, 0, 0, 0), 1705316400ll * SEC);
    /* 2024-10-27 02:30 happens twice: SU set is the first (CEST, 00:30 UTC), clear the
     * second (CET, 01:30 UTC) */
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 10, 27, 2, 30, 0, 1), 1729989000ll * SEC);
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 10, 27, 2, 30, 0, 0), 1729992600ll * SEC);
    /* 2024-03-31 02:30 does not exist: read with the offset before the change (+01:00) */
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 31, 2, 30, 0, 0), 1711848600ll * SEC);
}

Test(iec104_tz, per_common_address)
{
    setup_ok("UTC", "7=Asia/Shanghai\n8=+05:30\n");
    cr_assert_eq(iec104_tz_to_utc(1, 2024, 3, 15, 10, 20, 30456, 0), T_2024_03_15_102030);
    cr_assert_eq(iec104_tz_to_utc(7, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 - 8 * 3600 * SEC);
    cr_assert_eq(iec104_tz_to_utc(8, 2024, 3, 15, 10, 20, 30456, 0),
                 T_2024_03_15_102030 - (5 * 3600 + 1800) * SEC);
    cr_assert_str_eq(iec104_tz_name(7), "Asia/Shanghai");
    cr_assert_str_eq(iec104_tz_name(9), "UTC");
}

Test(iec104_tz, bad_settings_say_what_to_fix)
{
    char err[256];
    cr_assert_eq(iec104_tz_setup("Mars/Olympus", "", err, sizeof err), -1);
    cr_assert(strstr(err, "tz database"), "%s", err);
    cr_assert_eq(iec104_tz_setup("../../etc/passwd", "", err, sizeof err), -1);
    cr_assert_eq(iec104_tz_setup("+25:00", "", err, sizeof err), -1);
    cr_assert_eq(iec104_tz_setup("UTC", "x=+08:00\n", err, sizeof err), -1);
    cr_assert(strstr(err, "common address"), "%s", err);
    cr_assert_eq(iec104_tz_setup("UTC", "70000=+08:00\n", err, sizeof err), -1);
}

Test(iec104_tz, civil_fields_of_utc)
{
    unsigned y, mo, d, h, mi, ms;
    iec104_tz_civil(T_2024_03_15_102030, &y, &mo, &d, &h, &mi, &ms);
    cr_assert(y == 2024 && mo == 3 && d == 15 && h == 10 && mi == 20 && ms == 30456);
    iec104_tz_civil(951782400ll * SEC + 999000, &y, &mo, &d, &h, &mi, &ms); /* 2000-02-29 */
    cr_assert(y == 2000 && mo == 2 && d == 29 && h == 0 && mi == 0 && ms == 999);
    iec104_tz_civil(4102444799ll * SEC, &y, &mo, &d, &h, &mi, &ms); /* 2099-12-31 23:59:59 */
    cr_assert(y == 2099 && mo == 12 && d == 31 && h == 23 && mi == 59 && ms == 59000);
}
