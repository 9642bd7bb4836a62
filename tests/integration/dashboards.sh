#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dashboards.sh - the Grafana dashboard (dashboards/grafana/tanzhen-collector.json) queries
# only what the collector exports: a collector with one sensor batch stored serves /metrics,
# and every tanzhen_collector_* name in every panel's PromQL is there (so a renamed metric
# fails here, not as an empty panel in a plant's control room). Also: the file is JSON,
# panel ids are unique, every panel has a title, a Prometheus data source and a target.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"
tz_need "$TZ_BUILD/collector/tanzhen-collector" "$TZ_BUILD/sensor/tanzhen-sensor" curl timeout

port=$(tz_free_port)
tz_start_collector collector --listen "tcp://127.0.0.1:$port" --store "$TZ_TMP/store" --insecure
timeout 60 "$TZ_BUILD/sensor/tanzhen-sensor" -r "$TZ_SRC/pcaps/modbus_libmodbus_rw.pcap" \
    --collector "tcp://127.0.0.1:$port" --insecure 2>"$TZ_TMP/sensor.log" ||
    tz_fail "the sensor could not deliver to the collector"
curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$TZ_TMP/metrics.txt" ||
    tz_fail "no /metrics"
/usr/bin/python3 - "$TZ_SRC/dashboards/grafana/tanzhen-collector.json" "$TZ_TMP/metrics.txt" <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
exported = set()
for line in open(sys.argv[2]):
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
    if m and not line.startswith("#"):
        exported.add(m.group(1))
errors, used, ids = [], set(), set()
for p in dash["panels"]:
    title = p.get("title") or ""
    if not title:
        errors.append("panel %s has no title" % p.get("id"))
    if p.get("id") in ids:
        errors.append("panel id %s used twice" % p.get("id"))
    ids.add(p.get("id"))
    if p.get("datasource", {}).get("type") != "prometheus":
        errors.append("panel '%s' has no Prometheus data source" % title)
    if not p.get("targets"):
        errors.append("panel '%s' has no query" % title)
    for t in p.get("targets", []):
        names = re.findall(r"\btanzhen_[a-z_]+", t.get("expr", ""))
        if not names:
            errors.append("panel '%s' query %r names no tanzhen metric" % (title, t.get("expr")))
        for n in names:
            used.add(n)
            if n not in exported:
                errors.append("panel '%s' queries %s, which /metrics does not export" % (title, n))
print("dashboards: %d panels, %d metrics queried, %d exported by the collector" %
      (len(dash["panels"]), len(used), len(exported)))
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exited with $TZ_RC"
echo "dashboards: ok"
