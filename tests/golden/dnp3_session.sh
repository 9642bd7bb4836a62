#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The DNP3 generator still writes the committed pcaps/dnp3_session.pcap byte for byte, so
# the golden capture can be regenerated from its documented layouts at any time (its
# events are checked by run.sh with the other golden captures):
#   /usr/bin/python3 pcaps/gen/dnp3_gen.py pcaps/dnp3_session.pcap
set -euo pipefail
: "${TZ_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$TZ_SRC/pcaps/gen/dnp3_gen.py" "$work/gen.pcap"
cmp "$work/gen.pcap" "$TZ_SRC/pcaps/dnp3_session.pcap" ||
  { echo "dnp3 golden: the generator no longer writes pcaps/dnp3_session.pcap"; exit 1; }
echo "dnp3 golden: the generator reproduces pcaps/dnp3_session.pcap"
