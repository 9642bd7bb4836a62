/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_window.c - the forwarder's in-flight window (collector/window.c): delivery reports
 * coming back in any order move the cursor only to the highest position below which
 * everything was delivered; a failure holds the cursor until nothing is pending, then the
 * topic rewinds to it; stale reports from before a rewind are ignored; the window is
 * bounded. Plus a randomised check against a simple model.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "window.h"

static struct window w;

TestSuite(window, .fini = NULL);

Test(window, out_of_order_reports_move_the_cursor_contiguously)
{
    cr_assert_eq(window_init(&w, 8, 100), 0);
    /* positions of one topic are not contiguous in the store */
    int64_t pos[5] = {103, 107, 108, 120, 121};
    int64_t slot[5];
    for (int i = 0; i < 5; i++) {
        slot[i] = window_push(&w, pos[i], 1000 + i);
        cr_assert_eq(slot[i], i);
    }
    cr_assert_eq(window_oldest_received(&w), 1000);
    cr_assert_eq(window_settle(&w, (uint64_t)slot[2], 1), 0, "108 before 103: no move");
    cr_assert_eq(w.cursor, 100);
    cr_assert_eq(window_settle(&w, (uint64_t)slot[4], 1), 0);
    cr_assert_eq(w.cursor, 100);
    cr_assert_eq(window_settle(&w, (uint64_t)slot[0], 1), 1, "103 arrives");
    cr_assert_eq(w.cursor, 103, "107 is still out");
    cr_assert_eq(window_oldest_received(&w), 1001);
    cr_assert_eq(window_settle(&w, (uint64_t)slot[1], 1), 1);
    cr_assert_eq(w.cursor, 108, "107 and the delivered 108 behind it");
    cr_assert_eq(window_settle(&w, (uint64_t)slot[3], 1), 1);
    cr_assert_eq(w.cursor, 121);
    cr_assert_eq(window_used(&w), 0);
    cr_assert_eq(window_oldest_received(&w), 0);
    cr_assert_eq(window_settle(&w, (uint64_t)slot[3], 1), -1, "a slot settles once");
    window_free(&w);
}

Test(window, a_failure_holds_the_cursor_and_rewinds)
{
    cr_assert_eq(window_init(&w, 8, 0), 0);
    for (int i = 1; i <= 4; i++)
        window_push(&w, i * 10, 0);
    cr_assert_eq(window_settle(&w, 0, 1), 1);
    cr_assert_eq(window_settle(&w, 1, 0), 0, "20 failed");
    cr_assert_eq(window_settle(&w, 3, 1), 0);
    cr_assert_eq(window_rewind(&w), 0, "30 is still pending");
    cr_assert_eq(window_settle(&w, 2, 1), 0);
    cr_assert_eq(w.cursor, 10, "the failed 20 holds the cursor");
    cr_assert_eq(window_rewind(&w), 1, "nothing pending: rewind to the cursor");
    cr_assert_eq(window_used(&w), 0);
    cr_assert_eq(w.cursor, 10);
    /* a late report for a slot from before the rewind changes nothing */
    cr_assert_eq(window_settle(&w, 1, 1), -1);
    int64_t s = window_push(&w, 20, 0);
    cr_assert_eq(s, 4, "slot numbers go on");
    cr_assert_eq(window_settle(&w, (uint64_t)s, 1), 1);
    cr_assert_eq(w.cursor, 20);
    window_free(&w);
}

Test(window, the_window_is_bounded)
{
    cr_assert_eq(window_init(&w, 3, 0), 0);
    cr_assert_eq(w.cap, 4, "rounded up to a power of two");
    for (int i = 1; i <= 4; i++)
        cr_assert_geq(window_push(&w, i, 0), 0);
    cr_assert_eq(window_push(&w, 5, 0), -1, "full");
    window_unpush(&w);
    cr_assert_eq(window_used(&w), 3);
    cr_assert_geq(window_push(&w, 4, 0), 0);
    cr_assert_eq(window_settle(&w, 0, 1), 1);
    cr_assert_geq(window_push(&w, 5, 0), 0, "room again once the head is delivered");
    window_free(&w);
}

Test(window, random_orders_agree_with_a_model)
{
    srand(7);
    for (int round = 0; round < 200; round++) {
        cr_assert_eq(window_init(&w, 64, 0), 0);
        int n = 1 + rand() % 64;
        int order[64], done[64] = {0};
        for (int i = 0; i < n; i++) {
            window_push(&w, (i + 1) * 3, 0);
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rand() % (i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < n; k++) {
            window_settle(&w, (uint64_t)order[k], 1);
            done[order[k]] = 1;
            int c = 0;
            while (c < n && done[c])
                c++;
            cr_assert_eq(w.cursor, c * 3, "round %d step %d", round, k);
        }
        window_free(&w);
    }
}
