#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""proto_cpu.py - CPU time of the sensor on several captures, for tests/bench/protocols.sh.

Runs `SENSOR -r PCAP --jsonl /dev/null -w 1` on every capture in turn, RUNS rounds (the
captures interleaved, so a machine that gets busier or quieter during the run moves them all
alike), and prints one line per capture: median CPU seconds (user + system from wait4's
rusage, in microseconds where GNU time prints hundredths), median wall seconds, the spread
of CPU (max - min) over the rounds, and the least CPU of any round (on a shared machine
other work only ever adds time; here the runs of one capture also fall into a fast and a
slow group, so the median can move by a third between invocations while the least moves
little).
Usage: proto_cpu.py RUNS SENSOR PCAP...
"""
import os
import statistics
import sys
import time


def one_run(sensor, pcap):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.execv(sensor, [sensor, "-r", pcap, "--jsonl", "/dev/null", "-w", "1"])
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        sys.exit(f"bench: the sensor failed on {pcap} (status {status})")
    return ru.ru_utime + ru.ru_stime, time.monotonic() - t0


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, sensor, pcaps = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    cpu = {p: [] for p in pcaps}
    wall = {p: [] for p in pcaps}
    for _ in range(max(runs, 1)):
        for p in pcaps:
            c, w = one_run(sensor, p)
            cpu[p].append(c)
            wall[p].append(w)
    for p in pcaps:
        print(f"{statistics.median(cpu[p]):.6f} {statistics.median(wall[p]):.6f} "
              f"{max(cpu[p]) - min(cpu[p]):.6f} {min(cpu[p]):.6f}")


if __name__ == "__main__":
    main()
