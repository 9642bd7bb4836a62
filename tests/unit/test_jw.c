/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jw.c - the bounded JSON writer: nesting and commas, escaping (control characters,
 * quotes, invalid UTF-8), overflow is sticky and reported, unbalanced output refused.
 */
#include <criterion/criterion.h>
#include <string.h>

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
