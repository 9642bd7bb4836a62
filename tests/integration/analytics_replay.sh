#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# analytics_replay.sh - the public captures of ../shared/pcaps through the sensor and
# `tanzhen-collector analyze`: operation captures raise exactly the alerts of the table in
# analytics_replay.py (each row with its reason), normal traffic raises none after its
# learning period but those the table names. Prints the alert counts per capture.
set -uo pipefail
source "$TZ_SRC/tests/integration/tz_lib.bash"
S="$TZ_BUILD/sensor/tanzhen-sensor"
C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$S" "$C"
[ -d "$TZ_SHARED/pcaps" ] || tz_skip "$TZ_SHARED/pcaps is absent (the public captures)"
/usr/bin/python3 "$TZ_SRC/tests/integration/analytics_replay.py" "$S" "$C" "$TZ_SHARED/pcaps" ||
    tz_fail "alerts differ from the table"
