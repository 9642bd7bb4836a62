#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_proxy.py - a TCP forwarder that can play a cut link: between a sensor and its
collector, it copies bytes both ways; SIGUSR1 freezes it (nothing is read, forwarded or
accepted, every connection stays open: packets just stop, as when a cable is pulled or a
firewall drops them), SIGUSR2 thaws it.

  tz_proxy.py LISTEN_PORT UPSTREAM_PORT      (both on 127.0.0.1; "listening" on stderr)
"""
import select
import signal
import socket
import sys


def main():
    lport, uport = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(16)
    state = {"frozen": False, "stop": False}
    signal.signal(signal.SIGUSR1, lambda *_: state.update(frozen=True))
    signal.signal(signal.SIGUSR2, lambda *_: state.update(frozen=False))
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    peer = {}
    print("listening on %d" % lport, file=sys.stderr, flush=True)
    while not state["stop"]:
        rl = [] if state["frozen"] else [ls] + list(peer)
        try:
            ready, _, _ = select.select(rl, [], [], 0.05)
        except InterruptedError:
            continue
        for s in ready:
            if state["frozen"]:
                break
            if s is ls:
                c, _ = ls.accept()
                u = socket.create_connection(("127.0.0.1", uport))
                peer[c], peer[u] = u, c
                continue
            if s not in peer:
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            other = peer[s]
            if not data:
                for x in (s, other):
                    peer.pop(x, None)
                    x.close()
                continue
            try:
                other.sendall(data)
            except OSError:
                for x in (s, other):
                    peer.pop(x, None)
                    x.close()
    for s in list(peer):
        s.close()
    ls.close()


if __name__ == "__main__":
    main()
