#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bad input gets one clear message and a non-zero exit, never a crash: a truncated pcap
# (what was read is still processed: exit 2), a file that is not a capture, an unknown
# link type, a missing interface, a config with an unknown key or an out-of-bounds value,
# bad command lines. Also: a good file still works after all that (exit 0).
set -uo pipefail
S="$TZ_BUILD/sensor/tanzhen-sensor"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
py=/usr/bin/python3

# expect NAME CODE PATTERN -- command...
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    echo "FAIL $name: exit $rc, expected $code"; cat "$T/err"; fail=1; return
  fi
  if ! grep -qiE "$pattern" "$T/err"; then
    echo "FAIL $name: message does not match /$pattern/:"; cat "$T/err"; fail=1; return
  fi
  if [ "$(wc -l <"$T/err")" -gt 3 ]; then
    echo "FAIL $name: more than one clear message:"; cat "$T/err"; fail=1; return
  fi
  echo "ok   $name: $(head -1 "$T/err" | cut -c29-)"
}

$py "$TZ_SRC/tests/integration/mkpcap.py" "$T/good.pcap" --requests 5
$py "$TZ_SRC/tests/integration/mkpcap.py" "$T/link147.pcap" --linktype 147
size=$(stat -c %s "$T/good.pcap")
head -c $((size - 30)) "$T/good.pcap" >"$T/truncated.pcap"
printf 'this is not a capture\n' >"$T/text.pcap"
printf 'pipeline:\n  wrokers: 2\n' >"$T/unknown_key.yaml"
printf 'pipeline:\n  workers: 0\n' >"$T/out_of_bounds.yaml"
printf 'pipeline: {workers: 2\n' >"$T/broken.yaml"

expect truncated_pcap 2 "ends early after [0-9]+ packets" -- "$S" -r "$T/truncated.pcap" --jsonl "$T/trunc.jsonl"
# the packets before the cut were decoded: 4 of 5 transactions at least
n=$(grep -c '"type":"ics"' "$T/trunc.jsonl" || true)
if [ "$n" -lt 4 ]; then echo "FAIL truncated_pcap: only $n ics events from the readable part"; fail=1; fi
expect not_a_capture 1 "cannot read as pcap or pcapng" -- "$S" -r "$T/text.pcap" --jsonl -
expect missing_file 1 "cannot read as pcap or pcapng.*No such file" -- "$S" -r "$T/nope.pcap" --jsonl -
expect unknown_link_type 1 "link type 147 .* not supported" -- "$S" -r "$T/link147.pcap" --jsonl -
expect missing_interface 1 "interface tznope0: (no such interface|.*No such device)" -- "$S" -i tznope0 --jsonl -
expect unknown_key 1 "unknown key 'pipeline.wrokers'" -- "$S" -c "$T/unknown_key.yaml" --check-config
expect out_of_bounds 1 "pipeline.workers: 0 is out of bounds" -- "$S" -c "$T/out_of_bounds.yaml" --check-config
expect broken_yaml 1 "YAML error" -- "$S" -c "$T/broken.yaml" --check-config
expect missing_config 1 "cannot open" -- "$S" -c "$T/none.yaml" --check-config
expect workers_flag 1 "pipeline.workers: 999 is out of bounds" -- "$S" -r "$T/good.pcap" -w 999 --jsonl -
expect no_input 1 "nothing to read" -- "$S" --jsonl -
expect no_output 1 "no output" -- "$S" -r "$T/good.pcap"
expect both_inputs 1 "either -r FILE or -i IFACE" -- "$S" -r "$T/good.pcap" -i lo --jsonl -
expect bad_bpf 1 "bad BPF filter" -- "$S" -r "$T/good.pcap" -f "tcp port banana" --jsonl -
expect bad_collector 1 "not a tcp:// or ipc:// endpoint" -- "$S" -r "$T/good.pcap" --collector 127.0.0.1:7700
expect bad_set 1 "expected KEY=VALUE" -- "$S" -r "$T/good.pcap" --jsonl - --set nonsense

# and the good file: 5 transactions, exit 0
"$S" -r "$T/good.pcap" --jsonl "$T/good.jsonl" -w 1 2>"$T/err"
rc=$?
n=$(grep -c '"type":"ics"' "$T/good.jsonl" || true)
if [ $rc -ne 0 ] || [ "$n" -ne 5 ]; then echo "FAIL good_file: exit $rc, $n ics events"; cat "$T/err"; fail=1; else echo "ok   good_file: 5 ics events"; fi
"$S" --check-config >/dev/null && "$S" --dump-config >"$T/dump.yaml" && "$S" -c "$T/dump.yaml" --check-config >/dev/null \
  || { echo "FAIL dump-config does not load back"; fail=1; }
exit $fail
