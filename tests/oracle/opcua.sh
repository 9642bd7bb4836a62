#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OPC UA oracle: the sensor against tshark on every OPC UA capture in $TZ_SHARED/pcaps
# (message type, RequestId and service NodeId per request and response). Skips (77) when
# the shared captures, tshark or the sensor are absent.
set -uo pipefail
if [ ! -d "${TZ_SHARED:-}/pcaps" ]; then
  echo "skip: no shared captures at \$TZ_SHARED/pcaps"; exit 77
fi
if ! command -v tshark >/dev/null; then
  echo "skip: tshark is not installed"; exit 77
fi
if [ ! -x "$TZ_BUILD/sensor/tanzhen-sensor" ]; then
  echo "skip: $TZ_BUILD/sensor/tanzhen-sensor is not built"; exit 77
fi
exec /usr/bin/python3 "$TZ_SRC/tests/oracle/opcua_oracle.py"
