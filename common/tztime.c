/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tztime.c - clocks and RFC 3339 timestamps (see tztime.h).
 */
#include "tztime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t tz_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t tz_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void tz_time_fmt(uint64_t us, char out[TZ_TIME_LEN])
{
    time_t sec = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(us % 1000000u));
    snprintf(out, TZ_TIME_LEN, "%.*s", TZ_TIME_LEN - 1, tmp);
}

int tz_time_parse(const char *s, uint64_t *us)
{
    struct tm tm;
    unsigned frac = 0;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t sec = timegm(&tm);
    if (sec == (time_t)-1)
        return -1;
    *us = (uint64_t)sec * 1000000u + frac;
    return 0;
}
