/* SPDX-License-Identifier: Apache-2.0 */
/*
 * window.c - the forwarder's in-flight window and contiguous cursor (see window.h). A ring
 * of slots indexed by free-running slot numbers; settling marks a slot and then pops every
 * delivered slot at the head, moving the cursor to the last popped position.
 */
#include "window.h"

#include <stdlib.h>
#include <string.h>

int window_init(struct window *w, uint64_t cap, int64_t cursor)
{
    memset(w, 0, sizeof *w);
    uint64_t c = 1;
    while (c < cap)
        c <<= 1;
    w->slot = calloc(c, sizeof *w->slot);
    if (!w->slot)
        return -1;
    w->cap = c;
    w->cursor = cursor;
    return 0;
}

void window_free(struct window *w)
{
    free(w->slot);
    memset(w, 0, sizeof *w);
}

int64_t window_push(struct window *w, int64_t pos, int64_t received_us)
{
    if (window_used(w) == w->cap)
        return -1;
    struct win_slot *s = &w->slot[w->tail & (w->cap - 1)];
    s->pos = pos;
    s->received_us = received_us;
    s->state = WIN_PENDING;
    w->pending++;
    return (int64_t)w->tail++;
}

void window_unpush(struct window *w)
{
    if (w->tail > w->head) {
        w->tail--;
        w->pending--;
    }
}

int window_settle(struct window *w, uint64_t slot, int ok)
{
    if (slot < w->head || slot >= w->tail)
        return -1;
    struct win_slot *s = &w->slot[slot & (w->cap - 1)];
    if (s->state != WIN_PENDING)
        return -1; /* settled twice: not from librdkafka, which reports each message once */
    w->pending--;
    if (!ok) {
        s->state = WIN_FAILED;
        w->failed++;
        return 0;
    }
    s->state = WIN_DONE;
    int moved = 0;
    while (w->head < w->tail) {
        struct win_slot *h = &w->slot[w->head & (w->cap - 1)];
        if (h->state != WIN_DONE)
            break;
        w->cursor = h->pos;
        w->head++;
        moved = 1;
    }
    return moved;
}

int window_rewind(struct window *w)
{
    if (w->failed == 0 || w->pending > 0)
        return 0;
    w->head = w->tail;
    w->failed = 0;
    return 1;
}

int64_t window_oldest_received(const struct window *w)
{
    if (w->head == w->tail)
        return 0;
    return w->slot[w->head & (w->cap - 1)].received_us;
}
