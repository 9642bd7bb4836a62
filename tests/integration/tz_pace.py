#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_pace.py - feeds a classic pcap file (libpcap format: 24-byte global header, then
16-byte record headers) into a FIFO at a steady pace, so a sensor replaying "-r FIFO"
keeps capturing for as long as a fault test needs, the way a mirror port would.

  tz_pace.py IN.pcap OUT_FIFO --seconds 30 [--from N] [--progress FILE]

Writes the global header and then records N.. (0-based) spread evenly over SECONDS.
When the reader goes away (the sensor was killed: EPIPE) it stops. Either way it prints
"next N" on stdout: the index of the first record it did not write whole, so a second run
with --from N feeds the rest of the capture. --progress FILE gets that number rewritten
about every 0.2 s (the test reads it to see the sensor is still reading). Exit 0 when the
whole capture was written, 3 when the reader went away first.
"""
import argparse
import errno
import os
import signal
import struct
import sys
import time


def records(data):
    """Offsets of the records of a classic pcap (either byte order)."""
    if len(data) < 24:
        raise ValueError("not a pcap file (too short)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError("not a classic pcap file (pcapng is not supported)")
    offs = []
    at = 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        if at + 16 + caplen > len(data):
            break
        offs.append(at)
        at += 16 + caplen
    offs.append(at)  # end of the last whole record
    return offs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("pcap")
    p.add_argument("out")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--from", dest="start", type=int, default=0)
    p.add_argument("--progress")
    a = p.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # EPIPE instead

    with open(a.pcap, "rb") as f:
        data = f.read()
    offs = records(data)
    total = len(offs) - 1
    start = max(0, min(a.start, total))
    fd = os.open(a.out, os.O_WRONLY)  # a FIFO: waits for the reader
    nxt = start
    status = 0

    def progress():
        if a.progress:
            tmp = a.progress + ".tmp"
            with open(tmp, "w") as pf:
                pf.write("%d\n" % nxt)
            os.replace(tmp, a.progress)

    def write_all(buf):
        view = memoryview(buf)
        while view:
            n = os.write(fd, view)
            view = view[n:]

    try:
        write_all(data[:24])
        t0 = time.monotonic()
        last_progress = 0.0
        n = total - start
        while nxt < total:
            elapsed = time.monotonic() - t0
            due = start + (n if a.seconds <= 0 else min(n, int(n * elapsed / a.seconds) + 1))
            if due > nxt:
                # one write per record, so "next" is exact when the reader dies
                for i in range(nxt, due):
                    write_all(data[offs[i]:offs[i + 1]])
                    nxt = i + 1
            if elapsed - last_progress >= 0.2:
                progress()
                last_progress = elapsed
            if nxt < total:
                time.sleep(0.02)
    except OSError as e:
        if e.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise
        status = 3
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    progress()
    print("next %d" % nxt)
    print("records %d, written %d (from %d), %s" % (
        total, nxt - start, start, "reader gone" if status else "complete"), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
