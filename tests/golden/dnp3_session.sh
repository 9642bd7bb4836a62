#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Golden test for pcaps/dnp3_session.pcap: the generator still writes the committed pcap
# byte for byte, and the sensor's events (health excluded) equal
# pcaps/expected/dnp3_session.jsonl. Regenerate both after an intended change with:
#   pcaps/gen/dnp3_gen.py pcaps/dnp3_session.pcap
#   build/sensor/tanzhen-sensor -r pcaps/dnp3_session.pcap --jsonl - -w 1 |
#     grep -v '"type":"health"' > pcaps/expected/dnp3_session.jsonl
set -euo pipefail
: "${TZ_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TZ_BUILD:=$TZ_SRC/build}"
sensor="$TZ_BUILD/sensor/tanzhen-sensor"
[ -x "$sensor" ] || { echo "dnp3 golden: $sensor not built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$TZ_SRC/pcaps/gen/dnp3_gen.py" "$work/gen.pcap"
cmp "$work/gen.pcap" "$TZ_SRC/pcaps/dnp3_session.pcap" ||
  { echo "dnp3 golden: the generator no longer writes pcaps/dnp3_session.pcap"; exit 1; }
"$sensor" -r "$TZ_SRC/pcaps/dnp3_session.pcap" --jsonl - -w 1 2>"$work/err" |
  grep -v '"type":"health"' >"$work/out.jsonl" || true
if ! diff -u "$TZ_SRC/pcaps/expected/dnp3_session.jsonl" "$work/out.jsonl"; then
  echo "dnp3 golden: events differ from pcaps/expected/dnp3_session.jsonl"; exit 1
fi
echo "dnp3 golden: $(wc -l <"$work/out.jsonl") events as expected"
