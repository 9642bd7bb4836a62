/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c - stderr logging shared by the sensor and the collector (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "tztime.h"

static const char *log_prog = "tanzhen";
static int log_level = LOG_INFO;

void log_init(const char *prog, int level)
{
    log_prog = prog;
    log_level = level;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > log_level)
        return;
    char line[1024];
    char ts[TZ_TIME_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tz_time_fmt(tz_now_us(), ts);
    fprintf(stderr, "%s %s %s: %s\n", ts, log_prog, names[level < 0 ? 0 : level > 3 ? 3 : level],
            line);
}
