/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kv_lines.h - reading a config map as common/config.c hands it over: "KEY=VALUE" entries,
 * one a line. Header-only (static inline) so that the libc-only tz_json_proto
 * (iec104_tz.c) and tz_sensor_core (sensor_config.c) share it without a new link edge.
 */
#ifndef TZ_KV_LINES_H
#define TZ_KV_LINES_H

#include <stddef.h>
#include <string.h>

/* Copies the next entry of *line into buf (cap bytes), the '=' replaced by a NUL, with
 * *value after it, and moves *line past it; lines without '=' are skipped. Returns 1 with
 * an entry, 0 at the end, -1 when a line does not fit buf (*line stays on it). */
static inline int kv_line_next(const char **line, char *buf, size_t cap, char **value)
{
    while (**line) {
        const char *nl = strchr(*line, '\n');
        size_t n = nl ? (size_t)(nl - *line) : strlen(*line);
        if (n >= cap)
            return -1;
        memcpy(buf, *line, n);
        buf[n] = '\0';
        *line += n + (nl ? 1 : 0);
        char *eq = strchr(buf, '=');
        if (!eq)
            continue;
        *eq = '\0';
        *value = eq + 1;
        return 1;
    }
    return 0;
}

#endif
