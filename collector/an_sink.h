/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_sink.h - the analytics engine inside the collector (an_sink.c): opens the engine
 * over the store, catches up with stored events it has not seen, feeds it the newly stored
 * events of acked batches, and stores what it produces under the collector's own id
 * through a store callback (the receiver's per-batch path, as for health events), in one
 * batch per group, then checkpoints the engine's state with the store position. Owned by
 * the receiver's thread.
 */
#ifndef TZ_AN_SINK_H
#define TZ_AN_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "analytics.h"
#include "batch.h"
#include "store.h"

/* Stores one batch (wire header + JSONL body); returns the ack status. */
typedef int (*an_sink_store_fn)(void *ctx, const uint8_t *hdr, size_t hlen, const char *body,
                                size_t blen);

struct an_sink;

/* Opens the engine with o (its emit, next_seq, ctx and producer_id are the sink's), then
 * catches up with the store: from the saved position, or a silent rebuild when the state is
 * new. Returns 0, or -1 with err. */
int an_sink_open(struct an_sink **out, const struct analytics_opts *o, struct store *st,
                 const char *self_id, an_sink_store_fn store_fn, void *ctx, char *err,
                 size_t errlen);
/* Is the sink storing its own output right now (the receiver must not feed that back)? */
int an_sink_storing(const struct an_sink *s);
/* Feeds the events of a stored batch that were new to the store. */
void an_sink_feed(struct an_sink *s, const struct batch *b);
/* After a group of batches: store what was produced, remember the position, checkpoint. */
void an_sink_done(struct an_sink *s);
/* End of input (emits the open aggregates' updates and stores them), then frees. */
void an_sink_close(struct an_sink *s);

#endif
