#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DNP3 oracle: tanzhen's DNP3 events against tshark on every DNP3 capture in
# $TZ_SHARED/pcaps (see dnp3_oracle.py for what is compared and the explained differences).
set -euo pipefail
: "${TZ_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TZ_BUILD:=$TZ_SRC/build}"
: "${TZ_SHARED:=$TZ_SRC/../shared}"
if [ ! -f "$TZ_SHARED/pcaps/SOURCES.tsv" ]; then
  echo "dnp3 oracle: $TZ_SHARED/pcaps not present, skipped"; exit 77
fi
if ! command -v tshark >/dev/null; then
  echo "dnp3 oracle: tshark not installed, skipped"; exit 77
fi
sensor="$TZ_BUILD/sensor/tanzhen-sensor"
[ -x "$sensor" ] || { echo "dnp3 oracle: $sensor not built"; exit 1; }
exec /usr/bin/python3 "$TZ_SRC/tests/oracle/dnp3_oracle.py" "$sensor" "$TZ_SHARED/pcaps"
