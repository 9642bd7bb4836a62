/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jw.c - the bounded JSON writer: nesting and commas, escaping (control characters,
 * quotes, invalid UTF-8), overflow is sticky and reported, unbalanced output refused, and
 * numbers written exactly as snprintf writes them.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>

#include "jw.h"

Test(jw, nesting_and_types)
{
    char buf[256];
    struct jw w;
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    jw_str(&w, "a", "x");
    jw_int(&w, "b", -5);
    jw_arr_begin(&w, "c");
    jw_uint(&w, NULL, 1);
    jw_bool(&w, NULL, 0);
    jw_null(&w, NULL);
    jw_obj_begin(&w, NULL);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_hex(&w, "h", (const uint8_t *)"\x01\xff", 2);
    jw_double(&w, "d", 1.5);
    jw_obj_end(&w);
    cr_assert_gt(jw_finish(&w), 0);
    cr_expect_str_eq(buf, "{\"a\":\"x\",\"b\":-5,\"c\":[1,false,null,{}],\"h\":\"01ff\",\"d\":1.5}");
}

Test(jw, escaping)
{
    char buf[256];
    struct jw w;
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    jw_strn(&w, "s", "q\"b\\\n\x01\xc3\xa9\xff", 9);
    jw_obj_end(&w);
    cr_assert_gt(jw_finish(&w), 0);
    /* valid UTF-8 (é) kept, the lone 0xff escaped */
    cr_expect_str_eq(buf, "{\"s\":\"q\\\"b\\\\\\u000a\\u0001\xc3\xa9\\u00ff\"}");
}

Test(jw, overflow_is_sticky)
{
    char buf[16];
    struct jw w;
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    jw_str(&w, "key", "a value that does not fit");
    jw_obj_end(&w);
    cr_expect_eq(jw_finish(&w), -1);
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    cr_expect_eq(jw_finish(&w), -1, "an unclosed object is refused");
}

/* jw_put_uint / jw_put_int against snprintf: every value up to 200,000 (all the short
 * paths and their edges), powers of ten and their neighbours, and the extremes. */
static void expect_uint(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    char *end = jw_put_uint(got, v);
    *end = '\0';
    cr_assert_str_eq(got, want, "jw_put_uint(%llu)", (unsigned long long)v);
}

Test(jw, numbers_match_snprintf)
{
    for (uint64_t v = 0; v <= 200000; v++)
        expect_uint(v);
    for (uint64_t p = 10; p <= 1000000000000000000ull; p *= 10) {
        expect_uint(p - 1);
        expect_uint(p);
        expect_uint(p + 1);
    }
    for (uint64_t v = 200000; v < 3000000000ull; v += 999983)
        expect_uint(v);
    expect_uint(UINT64_MAX);
    expect_uint(UINT64_MAX - 1);
    const int64_t ints[] = {0, -1, 1, -9, -10, -99, -100, -9999, -10000, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char want[32], got[32];
        snprintf(want, sizeof want, "%lld", (long long)ints[i]);
        *jw_put_int(got, ints[i]) = '\0';
        cr_assert_str_eq(got, want);
    }
}

/* jw_put_u8 against snprintf for every byte; it stores four bytes and moves on by the
 * digits, so what follows is written over the spare ones. */
Test(jw, u8_table_matches_snprintf)
{
    for (unsigned v = 0; v < 256; v++) {
        char want[8], got[8];
        snprintf(want, sizeof want, "%u", v);
        char *end = jw_put_u8(got, (uint8_t)v);
        *end = '\0';
        cr_assert_str_eq(got, want, "jw_put_u8(%u)", v);
    }
}

/* A name in a slot is the name between quotes; one too long for the slot is still written
 * whole (through jw_put_name). */
Test(jw, slots_write_the_name)
{
    static const char longer[] = "a_name_of_forty_characters_which_is_long"; /* > JW_SLOT */
    struct jw_slot a, b;
    char buf[JW_NAME_MAX + JW_SLOT + 8];
    jw_slot_set(&a, "binary_input");
    jw_slot_set(&b, longer);
    cr_expect_eq(a.n, strlen("binary_input") + 2);
    cr_expect_eq(b.n, 0);
    char *o = jw_put_slot(buf, &a);
    *o++ = ',';
    o = jw_put_slot(o, &b);
    *o = '\0';
    cr_expect_str_eq(buf, "\"binary_input\",\"a_name_of_forty_characters_which_is_long\"");
}

/* Containers opened and closed by raw writes, with jw_raw_enter / jw_raw_leave, give the
 * same commas as jw_obj_begin / jw_arr_begin; jw_raw_room adds none. */
Test(jw, raw_containers_keep_the_commas)
{
    char buf[256];
    struct jw w;
    jw_init(&w, buf, sizeof buf);
    jw_obj_begin(&w, NULL);
    jw_uint(&w, "a", 1);
    char *o = jw_raw_open(&w, 32); /* writes the comma after "a":1 */
    o = jw_put_lit(o, "\"o\":{\"x\":1,\"p\":[");
    jw_raw_close(&w, o);
    jw_raw_enter(&w, 1); /* the object, which has a member */
    jw_raw_enter(&w, 0); /* the array, empty so far */
    jw_uint(&w, NULL, 2);
    jw_uint(&w, NULL, 3);
    o = jw_raw_room(&w, 8);
    o = jw_put_lit(o, "]}");
    jw_raw_close(&w, o);
    jw_raw_leave(&w);
    jw_raw_leave(&w);
    jw_uint(&w, "b", 4);
    jw_obj_end(&w);
    cr_assert_gt(jw_finish(&w), 0);
    cr_expect_str_eq(buf, "{\"a\":1,\"o\":{\"x\":1,\"p\":[2,3]},\"b\":4}");
    /* no room: the error is sticky, the output refused */
    char small[8];
    jw_init(&w, small, sizeof small);
    jw_obj_begin(&w, NULL);
    cr_expect_null(jw_raw_room(&w, 16));
    jw_obj_end(&w);
    cr_expect_eq(jw_finish(&w), -1);
}
