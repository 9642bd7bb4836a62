/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7_test.h - the fixture test_s7comm.c and test_s7comm_plus.c share: one pd_s7comm test
 * context per test (setup/teardown for TestSuite), feed() and the JSON assertions.
 */
#ifndef TZ_S7_TEST_H
#define TZ_S7_TEST_H

#include "pd_test.h"
#include "s7comm.h"
#include "s7comm_vectors.h"

#define T0 1700000000000000ull

static struct pdt *T;

static void setup(void)
{
    T = pdt_new(&pd_s7comm);
}

static void teardown(void)
{
    pdt_free(T);
}

static int feed(uint8_t dir, uint64_t at, const uint8_t *p, size_t n)
{
    return pdt_parse(T, dir, at, p, n);
}

#define FEED(dir, at, v) feed(dir, at, v, sizeof v)
#define JSON_HAS(i, s) cr_assert(strstr(T->json[i], s) != NULL, "json %d lacks %s: %s", i, s, T->json[i])
#define JSON_LACKS(i, s) cr_assert(strstr(T->json[i], s) == NULL, "json %d has %s: %s", i, s, T->json[i])

#endif
