#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_link.py - the sensor -> collector link for the link-cut fault test: a TCP relay on
127.0.0.1 between the sensor and the collector that can be cut and mended while both keep
running (no iptables/nft needed; nothing leaves the loopback).

  tz_link.py LISTEN_PORT TARGET_PORT

SIGUSR1 cuts the link: every relayed connection is closed and the listening socket with it,
so the sensor's reconnects are refused - the collector port is blocked. SIGUSR2 mends it:
the port listens again. SIGTERM stops. Each change is one line on stderr ("link up",
"link cut: N connection(s) dropped", "link mended"); stdout stays empty.
"""
import signal
import socket
import sys
import threading
import time

lock = threading.Lock()
conns = []          # every socket of every relayed connection
want_up = True
stop = False


def relay(src, dst):
    try:
        while True:
            buf = src.recv(65536)
            if not buf:
                break
            dst.sendall(buf)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    with lock:  # the first direction to end retires the pair
        if src in conns:
            conns.remove(src)
            conns.remove(dst)
            src.close()
            dst.close()


def listen(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    ls.settimeout(0.1)
    return ls


def on_signal(sig, _frame):
    global want_up, stop
    if sig == signal.SIGUSR1:
        want_up = False
    elif sig == signal.SIGUSR2:
        want_up = True
    else:
        stop = True


def main():
    lport, tport = int(sys.argv[1]), int(sys.argv[2])
    for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT):
        signal.signal(s, on_signal)
    ls = listen(lport)
    up = True
    print("link up: 127.0.0.1:%d -> 127.0.0.1:%d" % (lport, tport), file=sys.stderr, flush=True)
    while not stop:
        if up and not want_up:
            ls.close()
            ls = None
            with lock:
                dropped = len(conns) // 2
                for s in conns:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
                conns.clear()
            up = False
            print("link cut: %d connection(s) dropped" % dropped, file=sys.stderr, flush=True)
        elif not up and want_up:
            for _ in range(50):
                try:
                    ls = listen(lport)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                print("cannot listen on %d again" % lport, file=sys.stderr, flush=True)
                return 1
            up = True
            print("link mended", file=sys.stderr, flush=True)
        if not up:
            time.sleep(0.05)
            continue
        try:
            c, _ = ls.accept()
        except (socket.timeout, InterruptedError):
            continue
        except OSError:
            continue
        c.settimeout(None)
        try:
            t = socket.create_connection(("127.0.0.1", tport), timeout=5)
            t.settimeout(None)
        except OSError:
            c.close()
            continue
        with lock:
            conns.extend([c, t])
        threading.Thread(target=relay, args=(c, t), daemon=True).start()
        threading.Thread(target=relay, args=(t, c), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
