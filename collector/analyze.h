/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.h - the `tanzhen-collector analyze` subcommand (analyze.c): the analytics
 * engine over events read as JSON lines, its output written as JSON lines.
 */
#ifndef TZ_ANALYZE_H
#define TZ_ANALYZE_H

/* argv[1] is "analyze". Returns the exit code: 0, 1 (I/O or emit failure), 2 (usage). */
int cmd_analyze(int argc, char **argv);

#endif
