# SPDX-License-Identifier: Apache-2.0
"""normalize.py - turns the sensor's JSONL into what golden files hold and compare.

Reads JSON lines on stdin and writes them unchanged on stdout except that:
  - health events are dropped (they carry run-time figures: uptime, rss, cpu);
  - `seq` is renumbered 1, 2, ... over the events kept, after checking it was strictly
    increasing, so a heartbeat emitted at a different moment does not shift every line.
Fails (exit 1, message on stderr) on a line that is not one JSON object, an object with a
duplicate key, or a non-increasing seq. With --flatten it instead prints normalized events as
one `<ts> <type> <path> = <value>` line per field, so a diff of two runs names the fields that
changed. Run with /usr/bin/python3.
"""
import collections
import json
import re
import sys

SEQ_PREFIX = re.compile(r'^\{"v":1,"seq":(\d+),')


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate key(s) {sorted(dup)}")
    return dict(pairs)


def flatten(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for i, v in enumerate(value):
            flatten(f"{prefix}[{i}]", v, out)
    else:
        out.append((prefix, json.dumps(value, ensure_ascii=False)))


def print_flat():
    # Lines are keyed by the event's time and type (and a counter when several share them),
    # so an inserted event or a change of id shows as a few lines, not a shifted file.
    seen = collections.Counter()
    for line in sys.stdin:
        ev = json.loads(line)
        base = f"{ev.get('ts', '?')} {ev.get('type', '?')}"
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        fields = []
        flatten("", ev, fields)
        for path, val in fields:
            print(f"{key} {path} = {val}")
    return 0


def main():
    if sys.argv[1:] == ["--flatten"]:
        return print_flat()
    last_seq = 0
    kept = 0
    for lineno, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        try:
            ev = json.loads(line, object_pairs_hook=no_duplicates)
        except ValueError as exc:
            print(f"normalize: line {lineno}: {exc}: {line[:200]}", file=sys.stderr)
            return 1
        if not isinstance(ev, dict):
            print(f"normalize: line {lineno}: not an object", file=sys.stderr)
            return 1
        m = SEQ_PREFIX.match(line)
        if m is None or ev.get("seq") != int(m.group(1)):
            print(f"normalize: line {lineno}: does not start with {{\"v\":1,\"seq\":N,",
                  file=sys.stderr)
            return 1
        seq = int(m.group(1))
        if seq <= last_seq:
            print(f"normalize: line {lineno}: seq {seq} after {last_seq}", file=sys.stderr)
            return 1
        last_seq = seq
        if ev.get("type") == "health":
            continue
        kept += 1
        sys.stdout.write(f'{{"v":1,"seq":{kept},' + line[m.end():] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
