#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iec104.sh - the IEC 60870-5-104 oracle: the sensor against tshark on every IEC 104
# capture (TZ_SHARED/pcaps via SOURCES.tsv, and pcaps/iec104*.pcap); the comparison and the
# reasons for every accepted difference live in iec104_oracle.py. Exit 77 = skipped.
set -euo pipefail
SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${TZ_BUILD:-$SRC/build}
SHARED=${TZ_SHARED:-$SRC/../shared}
SENSOR="$BUILD/sensor/tanzhen-sensor"

if [ ! -f "$SHARED/pcaps/SOURCES.tsv" ]; then
  echo "iec104 oracle: $SHARED/pcaps (the public captures) is absent; skipped"
  exit 77
fi
if [ ! -x "$SENSOR" ]; then
  echo "iec104 oracle: $SENSOR is not built; skipped"
  exit 77
fi
if ! command -v tshark >/dev/null; then
  echo "iec104 oracle: tshark is not installed; skipped"
  exit 77
fi
exec /usr/bin/python3 "$SRC/tests/oracle/iec104_oracle.py" "$SENSOR" "$SHARED" "$SRC"
