#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_store.py - the tests' view of a collector store (format 3: events kept in compressed
blocks, read back with `tanzhen-collector dump`) as the old one-row-per-event table, so a test
can still count with SQL:

  tz_store.py count STORE_DIR [WHERE-clause]

The events are loaded into an in-memory SQLite table `events` (pos, id, type, topic, ts,
sensor, seq, proto, src_ip, src_port, dst_ip, dst_port, community_id, op, status, json) and
the count of rows matching the clause is printed. Needs TZ_BUILD.
"""
import json
import os
import sqlite3
import subprocess
import sys

TOPIC = {"ics": 0, "flow": 0, "anomaly": 0, "alert": 1, "asset": 2, "health": 3}


def load(store):
    exe = os.path.join(os.environ["TZ_BUILD"], "collector", "tanzhen-collector")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE events (pos, id, type, topic, ts, sensor, seq, proto, src_ip, "
               "src_port, dst_ip, dst_port, community_id, op, status, json)")
    if not os.path.isdir(store) or not any(n.startswith("events-") for n in os.listdir(store)):
        return db
    out = subprocess.run([exe, "dump", "--store", store], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    rows = []
    for pos, ln in enumerate(out.splitlines(), 1):
        e = json.loads(ln)
        src, dst = e.get("src") or {}, e.get("dst") or {}
        rows.append((pos, e["id"], e["type"], TOPIC.get(e["type"]), e["ts"], e["sensor"],
                     e["seq"], e.get("proto"), src.get("ip"), src.get("port"), dst.get("ip"),
                     dst.get("port"), e.get("community_id"), e.get("op"), e.get("status"), ln))
    db.executemany("INSERT INTO events VALUES (%s)" % ",".join("?" * 16), rows)
    return db


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "count":
        sys.exit(__doc__)
    db = load(sys.argv[2])
    where = sys.argv[3] if len(sys.argv) > 3 else ""
    print(db.execute("SELECT count(*) FROM events " + where).fetchone()[0])


main()
