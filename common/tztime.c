/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tztime.c - clocks and RFC 3339 timestamps (see tztime.h).
 */
#include "tztime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jw.h"

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
    /* the date and time of the last second formatted, per thread: events come in bursts
     * within the same second */
    static __thread uint64_t cached_sec = UINT64_MAX;
    static __thread char cached[20];
    uint64_t sec = us / 1000000u;
    if (sec != cached_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        unsigned year = (unsigned)(tm.tm_year + 1900);
        if (year > 9999)
            year = 9999;
        jw_put_fixed(cached, year, 4);
        cached[4] = '-';
        jw_put_fixed(cached + 5, (unsigned)tm.tm_mon + 1, 2);
        cached[7] = '-';
        jw_put_fixed(cached + 8, (unsigned)tm.tm_mday, 2);
        cached[10] = 'T';
        jw_put_fixed(cached + 11, (unsigned)tm.tm_hour, 2);
        cached[13] = ':';
        jw_put_fixed(cached + 14, (unsigned)tm.tm_min, 2);
        cached[16] = ':';
        jw_put_fixed(cached + 17, (unsigned)tm.tm_sec, 2);
        cached[19] = '.';
        cached_sec = sec;
    }
    memcpy(out, cached, 20);
    jw_put_fixed(out + 20, (unsigned)(us % 1000000u), 6);
    out[26] = 'Z';
    out[27] = '\0';
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
