#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tz_reconcile.py - the fault tests' verdict: reconciles what one sensor emitted with what
the collector stored and what Kafka holds, by (sensor, seq).

  tz_reconcile.py --label NAME --sensor ID --jsonl RUN1.jsonl [--jsonl RUN2.jsonl ...]
                  --store DIR --kafka VALUES.txt [--duplicates N] [--killed RUN1.jsonl]

emitted   the events in the sensor's own --jsonl files (written alongside --collector)
stored    rows of the collector's store for that sensor: every SQLite file under DIR with an
          `events` table (the day files), read-only
in Kafka  the message values kcat read from the topics (one JSON per line), for that sensor
lost      emitted seqs missing from the store or from Kafka

Passes (exit 0) when every emitted event is stored exactly once with the same id and the
same JSON, the stored seqs of the sensor run 1..max without a gap and hold nothing that was
not emitted, and Kafka holds every stored seq at least once (same id) and nothing else.
--killed FILE names the --jsonl of a sensor run that was killed with SIGKILL: its file ends
where stdio last flushed it, so stored events that follow its last line and precede the next
run's first seq were emitted but not logged; they are counted as emitted, not failed. The
seqs between the last one the killed run logged or got stored and the next run's first are
reported as skipped, not as a gap: the test cannot tell seqs reserved ahead by a persisted
counter from events numbered in the killed process's memory and lost with it. The killed
run's trailing logged events that were never stored - after its last stored one, at most
--unsealed-max (one batch) - are reported as lost in its memory (the batch being filled when
SIGKILL came: the spool is written ahead per sealed batch), not failed; anything more is. Prints the figures and every failed check; exit 1 on any failure.
"""
import argparse
import json
import os
import sqlite3
import sys


def find_ids(obj):
    """(sensor, seq, id) of a Kafka value: the event itself, or an event inside an envelope."""
    if isinstance(obj, dict):
        if "sensor" in obj and "seq" in obj and "id" in obj:
            return obj["sensor"], obj["seq"], obj["id"]
        for v in obj.values():
            if isinstance(v, dict):
                r = find_ids(v)
                if r:
                    return r
    return None


def read_jsonl(path, sensor, killed):
    """seq -> (id, line) of the sensor's events in a --jsonl file."""
    out = {}
    bad = 0
    with open(path, "rb") as f:
        raw = f.read()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines and killed:
        lines.pop()  # cut mid-line by the kill
    for ln in lines:
        try:
            ev = json.loads(ln)
        except ValueError:
            bad += 1
            continue
        if ev.get("sensor") != sensor:
            continue
        if ev["seq"] in out:
            raise SystemExit("%s: seq %d twice in the sensor's own output" % (path, ev["seq"]))
        out[ev["seq"]] = (ev["id"], ln.decode())
    return out, bad


def store_files(d):
    for root, _dirs, files in os.walk(d):
        for name in sorted(files):
            p = os.path.join(root, name)
            try:
                with open(p, "rb") as f:
                    if f.read(16) != b"SQLite format 3\x00":
                        continue
            except OSError:
                continue
            yield p


def read_store_v3(d, sensor, rows, used):
    """The format-3 stores under d (day files with a `batches` table), read through
    `tanzhen-collector dump`, which opens the compressed blocks."""
    import subprocess
    dirs = set()
    for p in store_files(d):
        db = sqlite3.connect("file:%s?mode=ro" % p, uri=True, timeout=30)
        try:
            if db.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                          "name='batches'").fetchone()[0] and os.path.basename(p).startswith(
                              "events-"):
                dirs.add(os.path.dirname(p))
                used.append(os.path.relpath(p, d))
        finally:
            db.close()
    exe = os.path.join(os.environ.get("TZ_BUILD", "build"), "collector", "tanzhen-collector")
    for sd in sorted(dirs):
        out = subprocess.run([exe, "dump", "--store", sd, "--sensor", sensor], check=True,
                             stdout=subprocess.PIPE).stdout
        for ln in out.decode().splitlines():
            ev = json.loads(ln)
            rows.setdefault(ev["seq"], []).append((ev["id"], ln))


def read_store(d, sensor):
    """seq -> list of (id, json) over every day file; and the files read."""
    rows = {}
    used = []
    read_store_v3(d, sensor, rows, used)
    for p in store_files(d):
        db = sqlite3.connect("file:%s?mode=ro" % p, uri=True, timeout=30)
        try:
            has = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                             "name='events'").fetchone()[0]
            if not has:
                continue
            used.append(os.path.relpath(p, d))
            for seq, eid, js in db.execute(
                    "SELECT seq, id, json FROM events WHERE sensor = ?", (sensor,)):
                rows.setdefault(seq, []).append((eid, js))
        finally:
            db.close()
    return rows, used


def read_kafka(path, sensor):
    got = {}
    total = other = unparsed = 0
    with open(path, "rb") as f:
        for ln in f:
            ln = ln.strip()
            if not ln:
                continue
            try:
                ids = find_ids(json.loads(ln))
            except ValueError:
                unparsed += 1
                continue
            if not ids or ids[0] != sensor:
                other += 1
                continue
            total += 1
            got.setdefault(ids[1], []).append(ids[2])
    return got, total, other, unparsed


def ranges(seqs):
    """'a..b, c' text of a sorted list of ints, at most 8 ranges."""
    out = []
    start = prev = None
    for s in seqs:
        if start is None:
            start = prev = s
        elif s == prev + 1:
            prev = s
        else:
            out.append((start, prev))
            start = prev = s
    if start is not None:
        out.append((start, prev))
    txt = ", ".join("%d" % a if a == b else "%d..%d" % (a, b) for a, b in out[:8])
    return txt + (", ... (%d ranges)" % len(out) if len(out) > 8 else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--label", required=True)
    p.add_argument("--sensor", required=True)
    p.add_argument("--jsonl", action="append", default=[])
    p.add_argument("--killed", action="append", default=[])
    p.add_argument("--store", required=True)
    p.add_argument("--kafka", required=True)
    p.add_argument("--duplicates", default="?")
    p.add_argument("--unsealed-max", type=int, default=512,
                   help="events of a killed run's unsealed batch (output.batch_events)")
    a = p.parse_args()

    fails = []
    emitted = {}
    killed_runs = []  # (last logged seq of the killed run, first seq of the next run)
    killed_seqs = []  # the seqs each killed run logged
    files = a.jsonl
    for i, path in enumerate(files):
        killed = path in a.killed
        run, bad = read_jsonl(path, a.sensor, killed)
        if bad:
            fails.append("%s: %d lines that are not JSON" % (path, bad))
        dup = set(run) & set(emitted)
        if dup:
            fails.append("%s reuses %d seqs of an earlier run (%s): sequence numbers did not "
                         "survive the restart" % (path, len(dup), ranges(sorted(dup))))
        if killed:
            last = max(run) if run else 0
            nxt_first = None
            if i + 1 < len(files):
                nxt, _ = read_jsonl(files[i + 1], a.sensor, files[i + 1] in a.killed)
                nxt_first = min(nxt) if nxt else None
            killed_runs.append((last, nxt_first))
            killed_seqs.append(sorted(run))
        emitted.update(run)

    stored, used = read_store(a.store, a.sensor)
    kafka, k_total, k_other, k_unparsed = read_kafka(a.kafka, a.sensor)

    n_stored = sum(len(v) for v in stored.values())
    twice = sorted(s for s, v in stored.items() if len(v) > 1)
    if twice:
        fails.append("%d seqs stored more than once: %s" % (len(twice), ranges(twice)))
    # A killed run's unsealed batch: the events it numbered (and logged) after the last
    # batch it sealed - written ahead to the spool - die with the process, like the packets
    # in its rings. Accepted only as the run's trailing events, after every event of it that
    # was stored, at most one batch (--unsealed-max) of them.
    unsealed = set()
    for run in killed_seqs:
        lost_here = [x for x in run if x not in stored]
        if not lost_here:
            continue
        stored_here = [x for x in run if x in stored]
        tail = run[len(run) - len(lost_here):]
        if (tail == lost_here and (not stored_here or lost_here[0] > stored_here[-1])
                and len(lost_here) <= a.unsealed_max):
            unsealed |= set(lost_here)
    missing_store = sorted(set(emitted) - set(stored) - unsealed)
    if missing_store:
        fails.append("%d emitted events not in the store: seqs %s"
                     % (len(missing_store), ranges(missing_store)))
    wrong = sorted(s for s in emitted if s in stored and
                   any(r[0] != emitted[s][0] for r in stored[s]))
    if wrong:
        fails.append("%d seqs stored with another event id than the sensor emitted: %s"
                     % (len(wrong), ranges(wrong)))
    changed = sorted(s for s in emitted if s in stored and s not in wrong and
                     any(r[1] != emitted[s][1] for r in stored[s]))
    if changed:
        fails.append("%d events stored with JSON that differs from the sensor's: %s"
                     % (len(changed), ranges(changed)))

    # stored but not in any --jsonl: only the killed run's unflushed tail may be that
    unlogged = []
    extra = []
    for s in sorted(set(stored) - set(emitted)):
        if any(s > last and (first is None or s < first) for last, first in killed_runs):
            unlogged.append(s)
        else:
            extra.append(s)
    if extra:
        fails.append("%d stored events the sensor never emitted: seqs %s"
                     % (len(extra), ranges(extra)))
    all_seqs = sorted(stored)
    top = max(all_seqs[-1] if all_seqs else 0, max(emitted) if emitted else 0)
    # at a restart after SIGKILL the next run may start above the last seq the killed run
    # logged or got stored (a persisted seq reserves ahead): that one range is reported
    skipped = set()
    for last, first in killed_runs:
        if first is None:
            continue
        below = [x for x in all_seqs if x < first]
        skipped |= set(range(max([last] + below[-1:]) + 1, first))
    skipped -= set(emitted)
    gaps = sorted(set(range(1, top + 1)) - set(stored) - skipped - unsealed)
    if gaps:
        fails.append("the store has gaps in the sensor's seqs: %s" % ranges(gaps))

    # Kafka: every stored seq at least once, with the same id, nothing else
    k_missing = sorted(set(stored) - set(kafka))
    if k_missing:
        fails.append("%d stored events not in Kafka: seqs %s" % (len(k_missing), ranges(k_missing)))
    k_extra = sorted(set(kafka) - set(stored))
    if k_extra:
        fails.append("%d Kafka messages whose seq is not stored: %s" % (len(k_extra), ranges(k_extra)))
    k_wrong = sorted(s for s, ids in kafka.items() if s in stored and
                     any(i != stored[s][0][0] for i in ids))
    if k_wrong:
        fails.append("%d seqs in Kafka with another event id than stored: %s"
                     % (len(k_wrong), ranges(k_wrong)))
    k_top = max(kafka) if kafka else 0
    k_gaps = sorted(set(range(1, k_top + 1)) - set(kafka) - skipped - unsealed)
    if k_gaps:
        fails.append("Kafka has gaps in the sensor's seqs: %s" % ranges(k_gaps))
    k_repeated = k_total - len(kafka)
    lost = sorted((set(emitted) - set(stored) - unsealed) | (set(emitted) - set(kafka) - unsealed))

    n_emitted = len(emitted) + len(unlogged)
    print("reconciliation %s: emitted %d, stored %d, duplicates dropped %s, in Kafka %d "
          "(%d distinct seqs, %d repeated), lost %d"
          % (a.label, n_emitted, n_stored, a.duplicates, k_total, len(kafka), k_repeated,
             len(lost)))
    types = {}
    for s, (_i, ln) in emitted.items():
        t = json.loads(ln)["type"]
        types[t] = types.get(t, 0) + 1
    print("  emitted by type: %s; seqs 1..%d" % (
        ", ".join("%s %d" % kv for kv in sorted(types.items())), top))
    if killed_runs:
        print("  killed run: %d events stored that its --jsonl had not flushed (counted as "
              "emitted); %d events logged but never sealed into a batch before SIGKILL (seqs "
              "%s: lost in the killed process's memory, not counted as lost); %d seqs skipped "
              "at the restart (%s): reserved by the killed run, or numbered in its memory and "
              "never logged"
              % (len(unlogged), len(unsealed), ranges(sorted(unsealed)) or "none", len(skipped),
                 ranges(sorted(skipped)) or "none"))
    print("  store: %d file(s) %s; Kafka: %d other messages, %d not JSON"
          % (len(used), ", ".join(used[:6]) + (" ..." if len(used) > 6 else ""), k_other,
             k_unparsed))
    if not emitted:
        fails.append("the sensor emitted nothing")
    for f in fails:
        print("  FAILED: " + f)
    print("  verdict: %s" % ("ok" if not fails else "FAILED"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
