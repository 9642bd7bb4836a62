/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tztime.h - time helpers: microseconds since the epoch, RFC 3339 UTC formatting with
 * microseconds ("2024-05-01T08:00:00.123456Z") as EVENTS.md asks, and parsing it back.
 */
#ifndef TZ_TZTIME_H
#define TZ_TZTIME_H

#include <stddef.h>
#include <stdint.h>

#define TZ_TIME_LEN 28 /* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" plus NUL */

uint64_t tz_now_us(void);       /* wall clock */
uint64_t tz_mono_us(void);      /* monotonic clock */
void tz_time_fmt(uint64_t us, char out[TZ_TIME_LEN]);
/* Parses what tz_time_fmt writes; returns 0 or -1. */
int tz_time_parse(const char *s, uint64_t *us);

#endif
