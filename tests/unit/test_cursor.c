/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cursor.c - the bounds-checked cursor: byte orders, sticky errors, child cursors,
 * truncated versus invalid.
 */
#include <criterion/criterion.h>

#include "pd_cursor.h"

static const uint8_t v[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

Test(cursor, reads_in_both_byte_orders)
{
    struct pd_cur c = pd_cur_make(v, sizeof v);
    cr_expect_eq(pd_u8(&c), 0x01);
    cr_expect_eq(pd_u16be(&c), 0x0203);
    cr_expect_eq(pd_u16le(&c), 0x0504);
    cr_expect_eq(pd_u32be(&c), 0x06070809u);
    cr_expect_eq(c.err, PD_OK);
    cr_expect_eq(pd_left(&c), 0);
    c = pd_cur_make(v, sizeof v);
    cr_expect_eq(pd_u32le(&c), 0x04030201u);
    cr_expect_eq(pd_u24le(&c), 0x070605u);
    c = pd_cur_make(v, sizeof v);
    cr_expect_eq(pd_u64be(&c), 0x0102030405060708ull);
    c = pd_cur_make(v, sizeof v);
    cr_expect_eq(pd_u64le(&c), 0x0807060504030201ull);
    c = pd_cur_make(v, sizeof v);
    cr_expect_eq(pd_u48le(&c), 0x060504030201ull);
}

Test(cursor, error_is_sticky_and_reads_return_zero)
{
    struct pd_cur c = pd_cur_make(v, 3);
    cr_expect_eq(pd_u16be(&c), 0x0102);
    cr_expect_eq(pd_u16be(&c), 0, "a read past the end returns 0");
    cr_expect_eq(c.err, PD_ERR_TRUNCATED);
    cr_expect_eq(pd_u8(&c), 0, "and every later read too");
    cr_expect_eq(pd_left(&c), 0);
    cr_expect_null(pd_bytes(&c, 1));
}

Test(cursor, invalid_is_not_truncated)
{
    struct pd_cur c = pd_cur_make(v, sizeof v);
    pd_invalid(&c);
    cr_expect_eq(c.err, PD_ERR_INVALID);
    pd_u8(&c);
    cr_expect_eq(c.err, PD_ERR_INVALID, "the first error wins");
}

Test(cursor, sub_cursor_is_bounded)
{
    struct pd_cur c = pd_cur_make(v, sizeof v);
    struct pd_cur s = pd_sub(&c, 2);
    cr_expect_eq(pd_u16be(&s), 0x0102);
    cr_expect_eq(pd_u8(&s), 0);
    cr_expect_eq(s.err, PD_ERR_TRUNCATED);
    cr_expect_eq(c.err, PD_OK, "the child's error does not touch the parent");
    cr_expect_eq(pd_u8(&c), 0x03);
    struct pd_cur big = pd_sub(&c, 100);
    cr_expect_eq(big.err, PD_ERR_TRUNCATED);
    cr_expect_eq(c.err, PD_ERR_TRUNCATED);
}

Test(cursor, copy_and_skip)
{
    uint8_t out[4] = {9, 9, 9, 9};
    struct pd_cur c = pd_cur_make(v, sizeof v);
    pd_skip(&c, 7);
    pd_copy(&c, out, 4);
    cr_expect_eq(c.err, PD_ERR_TRUNCATED);
    cr_expect_eq(out[0], 0, "a short copy zero-fills");
    cr_expect_eq(pd_peek8(&c, 0), 0);
}
