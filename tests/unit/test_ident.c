/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ident.c - protocol identification: a strict yes names the protocol on any port; a
 * weak yes (exact framing, unusual content: a scanner's function code 0) only on the
 * protocol's default port; need-more and no are passed on.
 */
#include <criterion/criterion.h>
#include <string.h>

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

/* ---- byte budget: segment boundaries ------------------------------------------------ */

Test(ident, no_restarts_at_the_next_segment_boundary)
{
    struct ident_side s;
    ident_side_reset(&s);
    ident_mark(&s, 0); /* the buffer's start is not a mark */
    ident_mark(&s, 3);
    ident_mark(&s, 6);
    ident_mark(&s, 6); /* repeated: ignored */
    cr_expect_eq(s.n_marks, 2);
    cr_expect_eq(ident_skip(&s, 9), 3); /* drop up to the boundary at 3 */
    cr_expect_eq(s.n_marks, 1);
    cr_expect_eq(s.marks[0], 3);         /* 6, moved along by 3 */
    cr_expect_eq(ident_skip(&s, 6), 3);
    cr_expect_eq(ident_skip(&s, 3), 3);  /* no boundary left: drop it all */
    cr_expect_eq(s.n_marks, 0);
}

Test(ident, marks_are_capped)
{
    struct ident_side s;
    ident_side_reset(&s);
    for (uint32_t i = 1; i <= 1000; i++)
        ident_mark(&s, i * 3);
    cr_expect_eq(s.n_marks, IDENT_MARKS);
}

/* A mid-stream Modbus buffer starting inside a PDU: the first probe says no, the skip to
 * the next 3-byte segment boundary that begins a PDU makes it a yes. */
Test(ident, tiny_segments_mid_stream_found_at_a_boundary)
{
    uint8_t buf[3 + sizeof fc3];
    memcpy(buf, "\x03\x00\x01", 3); /* the tail of an earlier PDU */
    memcpy(buf + 3, fc3, sizeof fc3);
    struct ident_side s;
    ident_side_reset(&s);
    for (uint32_t at = 3; at < sizeof buf; at += 3)
        ident_mark(&s, at);
    const struct pd_dissector *d = NULL;
    cr_expect_eq(ident_probe(6, 15020, PD_DIR_TO_SERVER, buf, sizeof buf, &d), IDENT_NO);
    uint32_t drop = ident_skip(&s, sizeof buf);
    cr_expect_eq(drop, 3);
    cr_expect_eq(ident_probe(6, 15020, PD_DIR_TO_SERVER, buf + drop, sizeof buf - drop, &d),
                 IDENT_YES);
    cr_expect_str_eq(d->name, "modbus");
}

/* ---- roles from content ------------------------------------------------------------ */

/* FC 1 read coils at 0x0302, 17 coils, and its answer (byte count 3): each also has the
 * other's shape, so each alone is "either"; the answer repeating the request's transaction
 * id settles it. */
static const uint8_t fc1_req[] = {0, 7, 0, 0, 0, 6, 1, 1, 3, 2, 0, 17};
static const uint8_t fc1_rsp[] = {0, 7, 0, 0, 0, 6, 1, 1, 3, 0xff, 0xff, 1};
/* FC 3 response, 1 register: only a server sends it */
static const uint8_t fc3_rsp[] = {0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 42};

static struct ident_state st;

Test(ident, role_answers_of_the_modbus_probe)
{
    const struct pd_dissector *d = pd_find("modbus");
    struct pd_role_info ri;
    d->role(fc3, sizeof fc3, &ri);
    cr_expect_eq(ri.role, PD_ROLE_REQUEST);
    cr_expect(ri.has_id && ri.id == 1);
    d->role(fc3_rsp, sizeof fc3_rsp, &ri);
    cr_expect_eq(ri.role, PD_ROLE_RESPONSE);
    d->role(fc1_req, sizeof fc1_req, &ri);
    cr_expect_eq(ri.role, PD_ROLE_EITHER);
}

Test(ident, roles_from_requests_and_responses)
{
    const struct pd_dissector *d = pd_find("modbus");
    memset(&st, 0, sizeof st);
    /* side 1 (taken for the server by the ports) sends the request */
    ident_roles_feed(&st, d, 1, fc3, sizeof fc3, 100);
    cr_expect_eq(ident_roles_verdict(&st), 0); /* one PDU is not enough */
    ident_roles_feed(&st, d, 0, fc3_rsp, sizeof fc3_rsp, 200);
    cr_expect_eq(ident_roles_verdict(&st), -1); /* side 1 is the client */
    cr_expect_eq(st.side[1].n_pdus, 1);
    cr_expect_eq(st.side[1].pdu_end[0], sizeof fc3);
    cr_expect_eq(st.side[1].pdu_ts[0], 100);
    cr_expect_eq(st.side[0].pdu_ord[0], 1); /* completed after side 1's */
}

Test(ident, roles_from_the_answered_id)
{
    const struct pd_dissector *d = pd_find("modbus");
    memset(&st, 0, sizeof st);
    ident_roles_feed(&st, d, 1, fc1_req, sizeof fc1_req, 100);
    ident_roles_feed(&st, d, 0, fc1_rsp, sizeof fc1_rsp, 200);
    cr_expect_eq(ident_roles_verdict(&st), -1); /* side 0 answered side 1's id 7 */
    memset(&st, 0, sizeof st);
    ident_roles_feed(&st, d, 0, fc1_req, sizeof fc1_req, 100);
    ident_roles_feed(&st, d, 1, fc1_rsp, sizeof fc1_rsp, 200);
    cr_expect_eq(ident_roles_verdict(&st), 1);
}

Test(ident, roles_walk_skips_a_partial_pdu_and_waits_for_the_rest)
{
    const struct pd_dissector *d = pd_find("modbus");
    memset(&st, 0, sizeof st);
    uint8_t buf[2 + sizeof fc3 + sizeof fc3];
    memcpy(buf, "\x00\x01", 2); /* the end of a PDU before the capture */
    memcpy(buf + 2, fc3, sizeof fc3);
    memcpy(buf + 2 + sizeof fc3, fc3, sizeof fc3);
    ident_roles_feed(&st, d, 0, buf, 2 + sizeof fc3 + 5, 100); /* second PDU cut short */
    cr_expect_eq(st.side[0].start, 2);
    cr_expect_eq(st.side[0].n_pdus, 1);
    ident_roles_feed(&st, d, 0, buf, sizeof buf, 150);
    cr_expect_eq(st.side[0].n_pdus, 2);
    cr_expect_eq(st.side[0].pdu_ts[1], 150);
    cr_expect_eq(ident_roles_verdict(&st), 1);
}

Test(ident, watch_swaps_once_on_a_contradiction)
{
    const struct pd_dissector *d = pd_find("modbus");
    memset(&st, 0, sizeof st);
    st.watch = IDENT_WATCH;
    /* side 1 (the server by the handshake) sends a request: swap */
    cr_expect_eq(ident_roles_check(&st, d, 1, fc3, sizeof fc3), 1);
    cr_expect(st.swap_pending);
    cr_expect_eq(st.watch, 0);
    /* after the swap nothing swaps again */
    st.swap_pending = 0;
    st.swapped = 1;
    st.watch = IDENT_WATCH;
    cr_expect_eq(ident_roles_check(&st, d, 1, fc3, sizeof fc3), 0);
}

Test(ident, watch_confirmed_roles_are_kept)
{
    const struct pd_dissector *d = pd_find("modbus");
    memset(&st, 0, sizeof st);
    st.watch = IDENT_WATCH;
    cr_expect_eq(ident_roles_check(&st, d, 1, fc1_rsp, sizeof fc1_rsp), 0); /* either */
    cr_expect_eq(ident_roles_check(&st, d, 0, fc3, sizeof fc3), 0);         /* agrees */
    cr_expect(st.confirmed);
    cr_expect_eq(ident_roles_check(&st, d, 1, fc3, sizeof fc3), 0); /* too late to swap */
    cr_expect(!st.swap_pending);
}

Test(ident, swap_trades_the_sides)
{
    memset(&st, 0, sizeof st);
    st.score = 3;
    st.side[0].n_pdus = 2;
    ident_roles_swap(&st);
    cr_expect_eq(st.score, -3);
    cr_expect_eq(st.side[1].n_pdus, 2);
    cr_expect_eq(st.side[0].n_pdus, 0);
}
