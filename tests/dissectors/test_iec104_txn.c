/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_iec104_txn.c - IEC 60870-5-104 command transactions (dissectors/iec104_txn.c):
 * act -> actcon -> actterm as one record with the latency to each, a select ending at its
 * actcon, a negative actcon as exception, an unanswered command as no_response (timeout,
 * clock step back and flow end), a confirmation without its command as response_only,
 * monitoring data sent unasked as op report, a table of malformed command inputs and the
 * every-prefix truncation loop. Vectors follow IEC 60870-5-104 clause 5 and
 * IEC 60870-5-101 7.2.3 / 7.3.2; every octet is commented.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "iec104.h"
#include "pd_test.h"

#define T0 1700000000000000ull
#define S2C PD_DIR_TO_CLIENT
#define C2S PD_DIR_TO_SERVER
#define HAS(T, i, s) cr_assert(strstr((T)->json[i], (s)) != NULL, "no %s in %s", (s), (T)->json[i])
#define HASNT(T, i, s) cr_assert(strstr((T)->json[i], (s)) == NULL, "%s in %s", (s), (T)->json[i])

static const uint8_t sc_exec_act[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x2d,             /* type 45 C_SC_NA_1 single command */
    0x01,             /* SQ=0, 1 object */
    0x06, 0x00,       /* COT 6 act, OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x01,             /* SCO: S/E=0 execute, SCS=1 on */
};
static const uint8_t sc_exec_actcon[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x02, 0x00,       /* N(R) = 1 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x07, 0x00,       /* COT 7 actcon, positive; OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x01,             /* SCO as in the command */
};
static const uint8_t sc_exec_actcon_neg[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x02, 0x00,       /* N(R) = 1 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x47, 0x00,       /* COT 7 actcon, P/N=1 negative; OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x01,             /* SCO */
};
static const uint8_t sc_exec_actterm[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x02, 0x00,       /* N(S) = 1 */
    0x02, 0x00,       /* N(R) = 1 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x0a, 0x00,       /* COT 10 actterm; OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x01,             /* SCO */
};
static const uint8_t sc_select_act[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x00, 0x00,       /* N(R) = 0 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x06, 0x00,       /* COT 6 act; OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x81,             /* SCO: S/E=1 select, SCS=1 on */
};
static const uint8_t sc_select_actcon[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x00, 0x00,       /* N(S) = 0 */
    0x02, 0x00,       /* N(R) = 1 */
    0x2d,             /* type 45 C_SC_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x07, 0x00,       /* COT 7 actcon; OA 0 */
    0x01, 0x00,       /* CA 1 */
    0x88, 0x13, 0x00, /* IOA 5000 */
    0x81,             /* SCO: select */
};
static const uint8_t ic_act_ca2[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x02, 0x00,       /* N(S) = 1 */
    0x00, 0x00,       /* N(R) = 0 */
    0x64,             /* type 100 C_IC_NA_1 interrogation */
    0x01,             /* SQ=0, 1 object */
    0x06, 0x00,       /* COT 6 act; OA 0 */
    0x02, 0x00,       /* CA 2 */
    0x00, 0x00, 0x00, /* IOA 0 */
    0x14,             /* QOI 20: station interrogation */
};
static const uint8_t sp_inrogen_ca2[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x04, 0x00,       /* N(S) = 2 */
    0x04, 0x00,       /* N(R) = 2 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x14, 0x00,       /* COT 20 inrogen; OA 0 */
    0x02, 0x00,       /* CA 2 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x01,             /* SIQ: SPI=1 */
};
static const uint8_t sp_req[] = {
    0x68, 0x0e,       /* start, length 14 */
    0x04, 0x00,       /* N(S) = 2 */
    0x04, 0x00,       /* N(R) = 2 */
    0x01,             /* type 1 M_SP_NA_1 */
    0x01,             /* SQ=0, 1 object */
    0x05, 0x00,       /* COT 5 req: the answer to a read command */
    0x02, 0x00,       /* CA 2 */
    0x64, 0x00, 0x00, /* IOA 100 */
    0x00,             /* SIQ */
};

static struct pdt *t_new(void)
{
    return pdt_new(&pd_iec104);
}

#define FEED(T, dir, at, v) cr_assert_eq(pdt_parse((T), (dir), (at), (v), sizeof(v)), 0)

Test(iec104_txn, act_actcon_actterm_is_one_record_with_latency_to_each)
{
    struct pdt *T = t_new();
    FEED(T, C2S, T0, sc_exec_act);
    cr_assert_eq(T->n_events, 0); /* held until it is answered */
    FEED(T, S2C, T0 + 1500, sc_exec_actcon);
    cr_assert_eq(T->n_events, 0); /* an executed command may still terminate */
    FEED(T, S2C, T0 + 4000, sc_exec_actterm);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].op, PD_OP_CONTROL);
    cr_assert_eq(T->txn[0].req_dir, C2S);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert_eq(T->txn[0].has_latency, 1);
    cr_assert_eq(T->txn[0].latency_us, 1500);
    HAS(T, 0, "\"cot\":6,\"cot_name\":\"act\"");
    HAS(T, 0, "\"confirm\":{\"tx\":0,\"rx\":1,\"cot\":7,\"cot_name\":\"actcon\",\"neg\":false,"
              "\"test\":false,\"oa\":0,\"sq\":false,\"num\":1,\"latency_us\":1500}");
    HAS(T, 0, "\"term\":{\"tx\":1,\"rx\":1,\"cot\":10,\"cot_name\":\"actterm\"");
    HAS(T, 0, "\"latency_us\":4000}");
    cr_assert_eq(T->n_anomalies, 0);
    pdt_free(T);
}

Test(iec104_txn, confirmed_without_actterm_is_ok_at_timeout)
{
    struct pdt *T = t_new();
    T->lim.txn_timeout_us = 1000;
    FEED(T, C2S, T0, sc_exec_act);
    FEED(T, S2C, T0 + 700, sc_exec_actcon);
    T->ctx.now_us = T0 + 1500; /* 800 us after the actcon: the actterm still may come */
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 0);
    T->ctx.now_us = T0 + 1800;
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 700);
    HASNT(T, 0, "\"term\"");
    pdt_free(T);
}

Test(iec104_txn, select_ends_at_its_actcon)
{
    struct pdt *T = t_new();
    FEED(T, C2S, T0, sc_select_act);
    FEED(T, S2C, T0 + 900, sc_select_actcon);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 900);
    HAS(T, 0, "\"se\":\"select\"");
    pdt_free(T);
}

Test(iec104_txn, negative_actcon_is_exception)
{
    struct pdt *T = t_new();
    FEED(T, C2S, T0, sc_exec_act);
    FEED(T, S2C, T0 + 300, sc_exec_actcon_neg);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    cr_assert_eq(T->txn[0].latency_us, 300);
    HAS(T, 0, "\"cot\":7,\"cot_name\":\"actcon\",\"neg\":true");
    pdt_free(T);
}

Test(iec104_txn, unanswered_command_is_no_response)
{
    struct pdt *T = t_new();
    T->lim.txn_timeout_us = 1000;
    FEED(T, C2S, T0, sc_exec_act);
    T->ctx.now_us = T0 + 999;
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 0);
    T->ctx.now_us = T0 + 1001;
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].has_latency, 0);
    cr_assert_eq(T->txn[0].ts_us, T0);
    HASNT(T, 0, "\"confirm\"");
    /* the late actcon has nothing to answer: response_only, the client named requester */
    FEED(T, S2C, T0 + 1100, sc_exec_actcon);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[1].req_dir, C2S);
    pdt_free(T);
}

Test(iec104_txn, clock_step_back_and_flow_end_end_commands)
{
    struct pdt *T = t_new();
    T->lim.txn_timeout_us = 1000;
    FEED(T, C2S, T0 + 5000000, sc_exec_act);
    T->ctx.now_us = T0; /* the capture clock stepped back 5 s */
    pd_iec104.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    FEED(T, C2S, T0, ic_act_ca2);
    pd_iec104.expire(&T->ctx, 1);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[1].op, PD_OP_READ);
    pdt_free(T);
}

Test(iec104_txn, reused_command_supersedes_the_earlier)
{
    struct pdt *T = t_new();
    FEED(T, C2S, T0, sc_exec_act);
    FEED(T, C2S, T0 + 10, sc_exec_act);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0);
    FEED(T, S2C, T0 + 60, sc_exec_actcon_neg);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[1].latency_us, 50);
    pdt_free(T);
}

Test(iec104_txn, table_overflow_evicts_oldest_with_anomaly)
{
    struct pdt *T = t_new();
    T->lim.max_pending = 2;
    uint8_t v[sizeof ic_act_ca2];
    for (unsigned ca = 0; ca <= 2; ca++) {
        memcpy(v, ic_act_ca2, sizeof v);
        v[2] = (uint8_t)(ca << 1); /* N(S) = ca, in sequence */
        v[10] = (uint8_t)ca;       /* a different common address each time */
        FEED(T, C2S, T0 + ca, v);
    }
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "iec104.pending_overflow");
    pdt_free(T);
}

Test(iec104_txn, interrogated_data_is_a_report_read_answer_is_not)
{
    struct pdt *T = t_new();
    FEED(T, C2S, T0, ic_act_ca2);
    FEED(T, S2C, T0 + 100, sp_inrogen_ca2);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].op, PD_OP_REPORT);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, S2C); /* the station sent it */
    FEED(T, S2C, T0 + 200, sp_req);
    cr_assert_eq(T->txn[1].op, PD_OP_OTHER);
    pdt_free(T);
}

/* Malformed commands: each reports, none is held as a transaction, none crashes. */
Test(iec104_txn, malformed_commands)
{
    static const struct {
        const char *name;
        uint8_t v[16];
        size_t n;
    } bad[] = {
        /* C_SC act with no room for the SCO: length 13 */
        {"short", {0x68, 0x0d, 0, 0, 0, 0, 0x2d, 0x01, 0x06, 0, 1, 0, 0x88, 0x13, 0x00}, 15},
        /* C_SC act declaring 2 objects with bytes for 1 */
        {"count", {0x68, 0x0e, 0, 0, 0, 0, 0x2d, 0x02, 0x06, 0, 1, 0, 0x88, 0x13, 0, 1}, 16},
        /* C_SC actcon with zero objects */
        {"empty", {0x68, 0x0a, 0, 0, 0, 0, 0x2d, 0x00, 0x07, 0, 1, 0}, 12},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct pdt *T = t_new();
        (void)pdt_parse(T, C2S, T0, bad[k].v, bad[k].n);
        const struct iec104_state *st = T->state;
        cr_assert_eq(pd_txn_count(&st->txn), 0, "%s held", bad[k].name);
        cr_assert(T->n_anomalies + T->n_events >= 1, "%s: nothing reported", bad[k].name);
        pd_iec104.expire(&T->ctx, 1);
        pdt_free(T);
    }
}

Test(iec104_txn, every_prefix_of_every_vector)
{
    static const struct {
        const uint8_t *p;
        size_t n;
    } v[] = {
        {sc_exec_act, sizeof sc_exec_act},         {sc_exec_actcon, sizeof sc_exec_actcon},
        {sc_exec_actcon_neg, sizeof sc_exec_actcon_neg},
        {sc_exec_actterm, sizeof sc_exec_actterm}, {sc_select_act, sizeof sc_select_act},
        {sc_select_actcon, sizeof sc_select_actcon}, {ic_act_ca2, sizeof ic_act_ca2},
        {sp_inrogen_ca2, sizeof sp_inrogen_ca2},   {sp_req, sizeof sp_req},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cr_assert_eq(pdt_every_prefix(&pd_iec104, C2S, v[i].p, v[i].n), 1, "vector %zu", i);
        cr_assert_eq(pdt_every_prefix(&pd_iec104, S2C, v[i].p, v[i].n), 1, "vector %zu", i);
    }
}
