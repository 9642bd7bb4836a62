/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ident.c - protocol identification: a strict yes names the protocol on any port; a
 * weak yes (exact framing, unusual content: a scanner's function code 0) only on the
 * protocol's default port; need-more and no are passed on.
 */
#include <criterion/criterion.h>

#include "ident.h"

/* Modbus FC 3 request: tid 1, protocol 0, length 6, unit 1, addr 0, qty 1 */
static const uint8_t fc3[] = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1};
/* the same framing with function code 0, as scanners send */
static const uint8_t fc0[] = {0, 1, 0, 0, 0, 6, 1, 0, 0, 0, 0, 1};

Test(ident, strict_yes_on_any_port)
{
    const struct pd_dissector *d = NULL;
    cr_expect_eq(ident_probe(6, 15020, PD_DIR_TO_SERVER, fc3, sizeof fc3, &d), IDENT_YES);
    cr_expect_str_eq(d->name, "modbus");
}

Test(ident, weak_yes_only_on_the_default_port)
{
    const struct pd_dissector *d = NULL;
    cr_expect_eq(ident_probe(6, 502, PD_DIR_TO_SERVER, fc0, sizeof fc0, &d), IDENT_YES);
    cr_assert_not_null(d);
    cr_expect_str_eq(d->name, "modbus");
    cr_expect_eq(ident_probe(6, 8080, PD_DIR_TO_SERVER, fc0, sizeof fc0, &d), IDENT_NO);
    cr_expect_null(d);
}

Test(ident, need_more_and_no)
{
    const struct pd_dissector *d = NULL;
    cr_expect_eq(ident_probe(6, 502, PD_DIR_TO_SERVER, fc3, 5, &d), IDENT_MORE);
    static const uint8_t http[] = "GET / HTTP/1.1\r\n\r\n";
    cr_expect_eq(ident_probe(6, 502, PD_DIR_TO_SERVER, http, sizeof http - 1, &d), IDENT_NO);
    cr_expect(ident_is_hint_port(502, 6));
    cr_expect(!ident_is_hint_port(8080, 6));
}
