#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tunnels.sh - encapsulations, IP fragments and mirror copies end to end: a capture of each
# protocol from pcaps/ (all of them with TZ_TUNNEL_ALL=1: about 80 s on an idle 2-core machine)
# and, when ../shared is present, the public Modbus example of issue 12, is rewritten
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

# one capture per protocol and Modbus pipelined (TZ_TUNNEL_ALL=1: every capture of pcaps/)
if [ -n "${TZ_TUNNEL_ALL:-}" ]; then
  caps=("$SRC"/pcaps/*.pcap)
else
  caps=()
  for n in modbus_libmodbus_rw modbus_pipelined dnp3_session iec104_session opcua_session \
           s7comm_session; do
    caps+=("$SRC/pcaps/$n.pcap")
  done
fi
public="$SHARED/pcaps/cisagov__icsnpp-modbus/testing/traces/modbus_example.pcap"
if [ -f "$public" ]; then
  caps+=("$public")
else
  echo "tunnels: $public absent: the project's own captures only"
fi
"$PY" "$SRC/tests/integration/tunnel_check.py" --sensor "$SENSOR" --tmp "$TMP" \
  --schema "$SRC/docs/schema/event.schema.json" "${caps[@]}"
