#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# schema.sh - validates every event the sensor produces on the project's captures (pcaps/)
# and on the public ones ($TZ_SHARED/pcaps, when present) against
# docs/schema/event.schema.json, the JSON Schema of EVENTS.md (schema_check.py does the work).
# Usage: bash tests/golden/schema.sh [BUILD_DIR]    (default $TZ_BUILD, then build/)
set -euo pipefail

SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${1:-${TZ_BUILD:-$SRC/build}}
SHARED=${TZ_SHARED:-$SRC/../shared}
SENSOR="$BUILD/sensor/tanzhen-sensor"

if [ ! -x "$SENSOR" ]; then
  echo "schema: $SENSOR not built; skipped" >&2
  exit 77
fi
paths=("$SRC/pcaps")
if [ -d "$SHARED/pcaps" ]; then
  paths+=("$SHARED/pcaps")
else
  echo "schema: $SHARED/pcaps absent: checking the project's own captures only"
fi
exec /usr/bin/python3 "$SRC/tests/golden/schema_check.py" --sensor "$SENSOR" \
  --schema "$SRC/docs/schema/event.schema.json" "${paths[@]}"
