#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s7comm.sh - the S7comm / S7comm-plus oracle: the sensor's S7comm events against tshark, and
# its S7comm-plus events against the documented layout (tshark 4.0 has no S7comm-plus
# dissector), on every public capture whose SOURCES.tsv row names S7comm (s7comm_oracle.py
# does the work). Skips (exit 77) when $TZ_SHARED/pcaps or the sensor is absent.
# Usage: bash tests/oracle/s7comm.sh [BUILD_DIR] [-v]    (default $TZ_BUILD, then build/)
set -euo pipefail

SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${1:-${TZ_BUILD:-$SRC/build}}
[ $# -gt 0 ] && shift
SHARED=${TZ_SHARED:-$SRC/../shared}
SENSOR="$BUILD/sensor/tanzhen-sensor"

if [ ! -f "$SHARED/pcaps/SOURCES.tsv" ]; then
  echo "s7comm oracle: $SHARED/pcaps (with SOURCES.tsv) absent; skipped"
  exit 77
fi
if [ ! -x "$SENSOR" ]; then
  echo "s7comm oracle: $SENSOR not built; skipped"
  exit 77
fi
command -v tshark >/dev/null || { echo "s7comm oracle: tshark missing"; exit 1; }
exec /usr/bin/python3 "$SRC/tests/oracle/s7comm_oracle.py" --sensor "$SENSOR" \
  --shared "$SHARED/pcaps" "$@"
