/* SPDX-License-Identifier: Apache-2.0 */
/*
 * window.h - the forwarder's in-flight window for one topic: the store positions of the
 * messages produced and not yet settled, in the order they were produced (ascending).
 * Delivery reports may come back in any order (several partitions, retries); the cursor
 * only moves to the highest position below which every message was delivered, so a
 * restart resumes at the first event that may be missing from Kafka (at-least-once).
 * A failed message holds the cursor; once nothing is in flight the owner rewinds the
 * topic to the cursor and produces again from there. One thread owns a struct window.
 */
#ifndef TZ_WINDOW_H
#define TZ_WINDOW_H

#include <stddef.h>
#include <stdint.h>

enum win_state { WIN_PENDING = 0, WIN_DONE = 1, WIN_FAILED = 2 };

struct win_slot {
    int64_t pos;
    int64_t received_us; /* when the collector stored the event (for the lag in seconds) */
    uint8_t state;
};

struct window {
    struct win_slot *slot; /* cap entries, a power of two; owned */
    uint64_t cap;
    uint64_t head, tail;   /* free-running slot numbers: head = oldest in flight */
    int64_t cursor;        /* every message at or below it is delivered */
    uint64_t pending;      /* slots still waiting for their report */
    uint64_t failed;       /* slots whose report was an error, not yet rewound */
};

/* cap is rounded up to a power of two. Returns 0 or -1 (out of memory). */
int window_init(struct window *w, uint64_t cap, int64_t cursor);
void window_free(struct window *w);
/* Slots in use (in flight or settled but behind an unsettled one). */
static inline uint64_t window_used(const struct window *w)
{
    return w->tail - w->head;
}
/* Appends pos (above every pos already in); returns its slot number, or -1 when full. */
int64_t window_push(struct window *w, int64_t pos, int64_t received_us);
/* Removes the newest slot again (its produce call failed). */
void window_unpush(struct window *w);
/* Settles slot `slot` (a number window_push returned). Returns 1 when the cursor moved,
 * 0 when not, -1 for a slot number that is not in the window (ignored). */
int window_settle(struct window *w, uint64_t slot, int ok);
/* When something failed and nothing is pending any more: empties the window and returns
 * 1 (produce again from w->cursor + 1); else 0. */
int window_rewind(struct window *w);
/* The oldest unsettled or failed slot's received time, or 0 when none. */
int64_t window_oldest_received(const struct window *w);

#endif
