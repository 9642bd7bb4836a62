/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - a second thread for the receiver: jobs go to it through one SPSC ring
 * (sensor/ring.h) and come back through another, so the receiver parses the next group of
 * batches while this thread commits the last one. Concurrency contract: one owner thread
 * calls every function here; the job's run() is called on the worker thread, and between
 * worker_submit and the job coming back from worker_done/worker_wait the job and whatever
 * it points at belong to the worker. Each direction has an eventfd to sleep on (a syscall
 * per job, none per event); no locks.
 */
#ifndef TZ_WORKER_H
#define TZ_WORKER_H

#include <stddef.h>

struct worker_job {
    void (*run)(struct worker_job *j); /* called on the worker thread */
};

struct worker;

/* Starts the thread (named `name`, at most 15 characters, for top and the benchmark). */
int worker_start(struct worker **out, const char *name, char *err, size_t errlen);
/* Hands j over; 0, or -1 when WORKER_QUEUE jobs are already out (j stays the caller's). */
int worker_submit(struct worker *w, struct worker_job *j);
/* A job run to its end, or NULL when none is back yet (never blocks). */
struct worker_job *worker_done(struct worker *w);
/* Like worker_done, but waits for a job when one is out; NULL when none is out. */
struct worker_job *worker_wait(struct worker *w);
/* Jobs handed over and not yet taken back. */
size_t worker_out(const struct worker *w);
/* Readable when a job may be back (zmq_poll / poll it, then call worker_done). */
int worker_fd(const struct worker *w);
/* Runs what was submitted, stops and joins the thread, frees w (jobs still out are lost
 * to the caller: wait for them first). NULL is fine. */
void worker_stop(struct worker *w);

#define WORKER_QUEUE 8

#endif
