/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - one logging function for both binaries: "<time> <prog> <level>: message" on
 * stderr. Thread-safe (one fprintf per line). The control path logs; the packet path
 * counts instead.
 */
#ifndef TZ_LOG_H
#define TZ_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *prog, int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
