/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_worker.c - the receiver's store thread hand-off (collector/worker.c): jobs run on
 * the other thread, come back in order and whole, worker_wait waits for a slow one, the
 * eventfd says when one is back, the queue bound is kept, and worker_stop runs what was
 * submitted before it joins.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "worker.h"

struct tjob {
    struct worker_job job; /* first */
    int id;
    pthread_t ran_on;
    int slow_ms;
    long sum; /* work done on the other thread, read back by the owner */
    long in[1000];
};

static atomic_int ran;

static void tjob_run(struct worker_job *j)
{
    struct tjob *t = (struct tjob *)j;
    t->ran_on = pthread_self();
    if (t->slow_ms > 0) {
        struct timespec ts = {0, t->slow_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    t->sum = 0;
    for (int i = 0; i < 1000; i++)
        t->sum += t->in[i];
    atomic_fetch_add(&ran, 1);
}

static char err[256];

Test(worker, jobs_run_on_the_other_thread_and_come_back_in_order)
{
    struct worker *w = NULL;
    cr_assert_eq(worker_start(&w, "tz-test", err, sizeof err), 0, "%s", err);
    static struct tjob jobs[WORKER_QUEUE];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < WORKER_QUEUE; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].job.run = tjob_run;
            jobs[i].id = i;
            for (int k = 0; k < 1000; k++)
                jobs[i].in[k] = round * 1000 + i + k;
            cr_assert_eq(worker_submit(w, &jobs[i].job), 0);
        }
        struct tjob extra = {.job.run = tjob_run};
        cr_assert_eq(worker_submit(w, &extra.job), -1, "the queue bound is kept");
        cr_assert_eq(worker_out(w), WORKER_QUEUE);
        for (int i = 0; i < WORKER_QUEUE; i++) {
            struct tjob *t = (struct tjob *)worker_wait(w);
            cr_assert_not_null(t);
            cr_assert_eq(t->id, i, "job %d came back as %d", i, t->id);
            cr_assert_not(pthread_equal(t->ran_on, pthread_self()));
            long want = 0;
            for (int k = 0; k < 1000; k++)
                want += round * 1000 + i + k;
            cr_assert_eq(t->sum, want);
        }
        cr_assert_eq(worker_out(w), 0);
        cr_assert_null(worker_wait(w), "nothing out: no wait");
        cr_assert_null(worker_done(w));
    }
    worker_stop(w);
}

Test(worker, the_fd_tells_when_a_slow_job_is_back)
{
    struct worker *w = NULL;
    cr_assert_eq(worker_start(&w, "tz-test", err, sizeof err), 0, "%s", err);
    struct tjob t = {.job.run = tjob_run, .slow_ms = 200};
    cr_assert_eq(worker_submit(w, &t.job), 0);
    cr_assert_null(worker_done(w), "not back yet");
    struct pollfd p = {.fd = worker_fd(w), .events = POLLIN};
    cr_assert_eq(poll(&p, 1, 5000), 1, "the fd becomes readable");
    struct worker_job *j = worker_done(w);
    if (!j) /* woken before the record was visible: it is there at the latest now */
        j = worker_wait(w);
    cr_assert_eq(j, &t.job);
    worker_stop(w);
}

Test(worker, stop_runs_what_was_submitted)
{
    struct worker *w = NULL;
    atomic_store(&ran, 0);
    cr_assert_eq(worker_start(&w, "tz-test", err, sizeof err), 0, "%s", err);
    static struct tjob jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (struct tjob){.job.run = tjob_run, .id = i, .slow_ms = 20};
        cr_assert_eq(worker_submit(w, &jobs[i].job), 0);
    }
    worker_stop(w);
    cr_assert_eq(atomic_load(&ran), 3);
}
