#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tunnels.sh - encapsulations, IP fragments and mirror copies end to end: every capture of
# pcaps/ (and, when ../shared is present, the public Modbus example of issue 12) is rewritten
# by mkvariants.py into ERSPAN, GRE, VXLAN, MPLS, VLAN-inside, fragmented and mirrored
# variants, and tunnel_check.py runs the sensor on each: same ics events as the plain
# capture, exact count, the right `tunnel` object, the reassembly counters in health, every
# event valid against docs/schema/event.schema.json.
set -euo pipefail

SRC=${TZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${TZ_BUILD:-$SRC/build}
SHARED=${TZ_SHARED:-$SRC/../shared}
SENSOR="$BUILD/sensor/tanzhen-sensor"
PY=/usr/bin/python3

if [ ! -x "$SENSOR" ]; then
  echo "tunnels: $SENSOR not built; skipped" >&2
  exit 77
fi
if ! "$PY" -c "import scapy.all" 2>/dev/null; then
  echo "tunnels: python3-scapy missing (packaging/install-deps.sh); skipped" >&2
  exit 77
fi
TMP=$(mktemp -d /tmp/tz-tunnels.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

caps=("$SRC"/pcaps/*.pcap)
public="$SHARED/pcaps/cisagov__icsnpp-modbus/testing/traces/modbus_example.pcap"
if [ -f "$public" ]; then
  caps+=("$public")
else
  echo "tunnels: $public absent: the project's own captures only"
fi
"$PY" "$SRC/tests/integration/tunnel_check.py" --sensor "$SENSOR" --tmp "$TMP" \
  --schema "$SRC/docs/schema/event.schema.json" "${caps[@]}"
