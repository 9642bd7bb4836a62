#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""perf_split.py - reads `perf report --no-children --sort dso,sym --stdio -g none` on stdin
and prints the self time by component: jansson, malloc/free, SQLite, CURVE (libsodium),
ZeroMQ, librdkafka, the kernel, the collector's own code, the rest of libc. Used by
collector.sh when TZ_BENCH_PROFILE=perf."""
import re
import sys

ALLOC = re.compile(r"^(_int_malloc|_int_free|malloc|free|cfree|calloc|realloc|_int_realloc|"
                   r"malloc_consolidate|unlink_chunk|tcache_|__libc_malloc|__libc_free|"
                   r"__GI___libc_malloc|__GI___libc_free|arena_get2|sysmalloc|alloc_perturb)")


def component(dso, sym):
    if "jansson" in dso:
        return "jansson"
    if dso.startswith("libc.so") or dso.startswith("libc-"):
        return "malloc/free" if ALLOC.match(sym) else "libc (memcpy, strlen, ...)"
    if "sqlite" in dso:
        return "SQLite"
    if "sodium" in dso:
        return "CURVE (libsodium)"
    if "zmq" in dso:
        return "ZeroMQ"
    if "rdkafka" in dso or "lz4" in dso or "libz." in dso or "zstd" in dso:
        return "librdkafka"
    if "kernel" in dso:
        return "kernel (fsync, sockets, page faults)"
    if "tanzhen" in dso:
        return "collector code"
    return "other (" + dso + ")"


split = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(\S+)", line)
    if not m:
        continue
    pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
    c = component(dso, sym.split("@")[0])
    split[c] = split.get(c, 0.0) + pct
total = sum(split.values())
print("perf split of the collector's CPU (self time): " +
      ", ".join("%s %.1f%%" % (k, 100 * v / total if total else 0)
                for k, v in sorted(split.items(), key=lambda kv: -kv[1])))
