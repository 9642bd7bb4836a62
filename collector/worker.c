/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - the receiver's second thread (see worker.h). Job pointers travel as 8-byte
 * records of two sensor/ring.h rings: `todo` (owner produces, worker consumes) and `done`
 * (worker produces, owner consumes). Each side writes the other's eventfd after it commits
 * to a ring, and clears its own eventfd before it looks at its ring, so no wake-up is lost.
 */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"

#define WORKER_RING_BYTES 512 /* 16-byte records: room for more than WORKER_QUEUE */

struct worker {
    struct ring todo, done;
    alignas(RING_CACHELINE) uint8_t todo_buf[WORKER_RING_BYTES];
    alignas(RING_CACHELINE) uint8_t done_buf[WORKER_RING_BYTES];
    int todo_fd, done_fd; /* eventfds: work waiting, a job back */
    pthread_t thread;
    int started;
    size_t out; /* owner's count of jobs handed over and not taken back */
};

/* A job's pointer into a ring; 0, or -1 when the ring is full. */
static int push(struct ring *r, struct worker_job *j)
{
    void *rec = ring_reserve(r, sizeof j);
    if (!rec)
        return -1;
    memcpy(rec, &j, sizeof j);
    ring_commit(r);
    return 0;
}

static struct worker_job *pop(struct ring *r)
{
    uint32_t len;
    void *rec = ring_peek(r, &len);
    if (!rec)
        return NULL;
    struct worker_job *j;
    memcpy(&j, rec, sizeof j);
    ring_next(r);
    ring_release(r);
    return j;
}

static void wake(int fd)
{
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

static void clear(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
        ;
}

/* A job with no run() is the stop request (worker_stop). */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        struct pollfd p = {.fd = w->todo_fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            break;
        clear(w->todo_fd);
        struct worker_job *j;
        while ((j = pop(&w->todo)) != NULL) {
            if (!j->run)
                return NULL;
            j->run(j);
            /* the done ring has room: the owner never has more than WORKER_QUEUE out */
            push(&w->done, j);
            wake(w->done_fd);
        }
    }
    return NULL;
}

int worker_start(struct worker **out, const char *name, char *err, size_t errlen)
{
    *out = NULL;
    struct worker *w = aligned_alloc(RING_CACHELINE, sizeof *w); /* the rings' alignment */
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(w, 0, sizeof *w);
    ring_init(&w->todo, w->todo_buf, sizeof w->todo_buf);
    ring_init(&w->done, w->done_buf, sizeof w->done_buf);
    w->todo_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->todo_fd < 0 || w->done_fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        worker_stop(w);
        return -1;
    }
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the %s thread: %s", name, strerror(rc));
        worker_stop(w);
        return -1;
    }
    w->started = 1;
    pthread_setname_np(w->thread, name);
    *out = w;
    return 0;
}

int worker_submit(struct worker *w, struct worker_job *j)
{
    if (w->out >= WORKER_QUEUE || push(&w->todo, j) != 0)
        return -1;
    w->out++;
    wake(w->todo_fd);
    return 0;
}

struct worker_job *worker_done(struct worker *w)
{
    if (w->out == 0)
        return NULL;
    clear(w->done_fd);
    struct worker_job *j = pop(&w->done);
    if (j)
        w->out--;
    return j;
}

struct worker_job *worker_wait(struct worker *w)
{
    while (w->out > 0) {
        struct worker_job *j = worker_done(w);
        if (j)
            return j;
        struct pollfd p = {.fd = w->done_fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return NULL;
    }
    return NULL;
}

size_t worker_out(const struct worker *w)
{
    return w->out;
}

int worker_fd(const struct worker *w)
{
    return w->done_fd;
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    if (w->started) {
        static struct worker_job stop = {.run = NULL};
        while (push(&w->todo, &stop) != 0) /* full only if the owner broke the contract */
            worker_wait(w);
        wake(w->todo_fd);
        pthread_join(w->thread, NULL);
    }
    if (w->todo_fd >= 0)
        close(w->todo_fd);
    if (w->done_fd >= 0)
        close(w->done_fd);
    free(w);
}
