/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_replay.h - feeding the analytics engine from the store (an_replay.c): the stored
 * traffic events (ics, flow, anomaly) after a position, in store order. The collector
 * uses it at start to catch up with what was stored but not analysed (or to rebuild a
 * lost analytics.db); `analyze --store DIR` to run the engine over a whole store.
 */
#ifndef TZ_AN_REPLAY_H
#define TZ_AN_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "analytics.h"

/* Feeds the events of every day file of dir with pos > from_pos, in pos order, and sets
 * the engine's position to the last one fed. *fed counts them. Returns 0, or -1 with err. */
int an_replay_store(struct analytics *a, const char *dir, int64_t from_pos, uint64_t *fed,
                    char *err, size_t errlen);

#endif
