#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# modbus.sh - the Modbus/TCP oracle: the sensor's events against tshark on every public
# capture whose SOURCES.tsv row mentions Modbus (modbus_oracle.py does the work). Skips
# (exit 77) when $TZ_SHARED/pcaps or the sensor is absent.
# Usage: bash tests/oracle/modbus.sh [BUILD_DIR] [-v]    (default $TZ_BUILD, then build/)
set -euo pipefail

SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${1:-${TZ_BUILD:-$SRC/build}}
[ $# -gt 0 ] && shift
SHARED=${TZ_SHARED:-$SRC/../shared}
SENSOR="$BUILD/sensor/tanzhen-sensor"

if [ ! -f "$SHARED/pcaps/SOURCES.tsv" ]; then
  echo "modbus oracle: $SHARED/pcaps (with SOURCES.tsv) absent; skipped"
  exit 77
fi
if [ ! -x "$SENSOR" ]; then
  echo "modbus oracle: $SENSOR not built; skipped"
  exit 77
fi
command -v tshark >/dev/null || { echo "modbus oracle: tshark missing"; exit 1; }
exec /usr/bin/python3 "$SRC/tests/oracle/modbus_oracle.py" --sensor "$SENSOR" \
  --shared "$SHARED/pcaps" "$@"
