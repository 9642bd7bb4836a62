# SPDX-License-Identifier: Apache-2.0
"""schema_check.py - validates every event the sensor emits against docs/schema/event.schema.json.

Runs the sensor (`-r PCAP --jsonl - -w 1`) on each capture given (files or folders searched
for *.pcap, *.pcapng, *.cap), parses every line and validates it with jsonschema's Draft
2020-12 validator (formats ipv4/ipv6 checked). Prints counts by event type and by protocol, and
every invalid event with the error. Exit 1 on an invalid event, a line that is not JSON, or a
sensor crash (killed by a signal); a capture the sensor refuses or that ends early (exit
status 1 or 2: truncated or unsupported files among public captures) is listed, not failed.
With --jsonl, the paths are JSON-lines files of events that went elsewhere (the Kafka
topics read back with kcat in the integration tests: the collector's own health events, the
sensor's restart and spool anomalies, the platform envelope) and are validated as they are;
--per-type N validates at most N events of each (type, proto), so a fault test's 100,000
audit records cost a second, not minutes, while every rarer event is still checked.
Run with /usr/bin/python3 (Debian python3-jsonschema 4.10).
Usage: schema_check.py --sensor BIN --schema FILE PATH...
       schema_check.py --jsonl --schema FILE [--per-type N] FILE.jsonl...
"""
import argparse
import collections
import json
import os
import subprocess
import sys

import jsonschema

EXTS = (".pcap", ".pcapng", ".cap")
MAX_SHOWN = 20


def captures(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                out.extend(os.path.join(root, f) for f in files if f.lower().endswith(EXTS))
        elif os.path.isfile(p):
            out.append(p)
    return sorted(out)


def check_line(validator, line):
    """(event or None, [error messages]) for one JSON line."""
    try:
        ev = json.loads(line)
    except ValueError as exc:
        return None, [f"not JSON: {exc}"]
    errors = sorted(validator.iter_errors(ev), key=lambda e: list(e.absolute_path))
    return ev, [f"at {'/'.join(str(x) for x in e.absolute_path) or '(event)'}: {e.message}"
                for e in errors]


def check_jsonl(validator, paths, per_type):
    """Validates JSON-lines files; returns the exit status."""
    seen = collections.Counter()
    checked = collections.Counter()
    invalid = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    head = json.loads(line)
                    kind = (str(head.get("type")), str(head.get("proto", "")))
                except (ValueError, AttributeError):
                    kind = ("?", "")
                seen[kind] += 1
                if per_type and seen[kind] > per_type:
                    continue
                checked[kind] += 1
                _ev, errors = check_line(validator, line)
                invalid.extend((path, lineno, line, msg) for msg in errors)
    total = sum(seen.values())
    print(f"schema: {len(paths)} file(s), {total} events, {sum(checked.values())} validated, "
          f"{len(invalid)} schema errors")
    print("schema: validated: " + ", ".join(
        f"{t}{'/' + p if p else ''} {checked[(t, p)]} of {n}" for (t, p), n in sorted(seen.items())))
    for path, lineno, line, msg in invalid[:MAX_SHOWN]:
        print(f"schema: INVALID {path} line {lineno}: {msg}\n  event: {line[:600]}")
    if total == 0:
        print("schema: no event to validate", file=sys.stderr)
        return 1
    return 1 if invalid else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor")
    ap.add_argument("--schema", required=True)
    ap.add_argument("--jsonl", action="store_true",
                    help="the paths are JSON-lines files of events, not captures")
    ap.add_argument("--per-type", type=int, default=0,
                    help="with --jsonl: validate at most N events per (type, proto)")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    if not args.jsonl and not args.sensor:
        ap.error("--sensor is required unless --jsonl is given")

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    if args.jsonl:
        return check_jsonl(validator, args.paths, args.per_type)

    files = captures(args.paths)
    by_type = collections.Counter()
    by_proto = collections.Counter()
    invalid = []
    refused = []
    crashed = []
    events = 0
    for pcap in files:
        try:
            run = subprocess.run([args.sensor, "-r", pcap, "--jsonl", "-", "-w", "1",
                                  "--sensor-id", "schema"], capture_output=True, timeout=300,
                                 check=False)
        except subprocess.TimeoutExpired:
            crashed.append((pcap, "timed out after 300 s"))
            continue
        if run.returncode < 0 or run.returncode > 2:
            err = run.stderr.decode(errors="replace").strip().splitlines()[-1:]
            crashed.append((pcap, f"exit status {run.returncode} {' '.join(err)}"))
        elif run.returncode != 0:
            err = run.stderr.decode(errors="replace").strip().splitlines()[-1:]
            refused.append((pcap, f"exit status {run.returncode} {' '.join(err)}"))
        for lineno, line in enumerate(run.stdout.decode("utf-8", errors="replace").splitlines(),
                                      1):
            events += 1
            ev, errors = check_line(validator, line)
            if isinstance(ev, dict):
                by_type[str(ev.get("type"))] += 1
                if ev.get("type") == "ics":
                    by_proto[str(ev.get("proto"))] += 1
            invalid.extend((pcap, lineno, line, msg) for msg in errors)

    print(f"schema: {len(files)} captures, {events} events, {len(invalid)} schema errors")
    print("schema: by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    print("schema: ics by proto: " + ", ".join(f"{k} {v}" for k, v in sorted(by_proto.items())))
    for pcap, why in refused:
        print(f"schema: note: {pcap}: {why}")
    for pcap, lineno, line, msg in invalid[:MAX_SHOWN]:
        print(f"schema: INVALID {pcap} line {lineno}: {msg}\n  event: {line[:600]}")
    if len(invalid) > MAX_SHOWN:
        print(f"schema: ... {len(invalid) - MAX_SHOWN} more errors")
    for pcap, why in crashed:
        print(f"schema: SENSOR FAILED on {pcap}: {why}")
    if not files:
        print("schema: no capture found", file=sys.stderr)
        return 1
    return 1 if invalid or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
