#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# api.sh - the collector's /api/ routes over real HTTP with curl: the token subcommand;
# a missing or wrong bearer token (401) while /metrics stays open; bad parameters (400
# with a JSON message); alerts paged with a cursor (every stored alert once), filtered by
# severity and acknowledged with a comment (POST); maintenance sessions, the baseline and
# its review commands (202), assets paged, sensors, /api/events (bad parameters 400; every
# stored `ics` event of an address once, in time order, over pages with the store's cursor,
# the same set `dump` gives; a cursor the store never gave 400); SIGHUP keeps the collector serving and rotates the token (503
# when the token file is gone). The engine's state file is
# written by `analyze --state` from events with an RDP session into a production zone.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

C="$TZ_BUILD/collector/tanzhen-collector"
tz_need "$C" curl sqlite3 timeout
tz_need_pyzmq

store="$TZ_TMP/store"
mkdir -p "$store"

# 1. token: written 0600, not overwritten without --force
"$C" token "$TZ_TMP/tok" >/dev/null || tz_fail "token subcommand failed"
[ "$(stat -c %a "$TZ_TMP/tok")" = 600 ] || tz_fail "token file is not mode 0600"
[ "$(tr -d '\n' <"$TZ_TMP/tok" | wc -c)" -eq 64 ] || tz_fail "token is not 64 hex digits"
if "$C" token "$TZ_TMP/tok" 2>/dev/null; then tz_fail "token overwrote a file without --force"; fi
"$C" token "$TZ_TMP/tok" --force >/dev/null || tz_fail "token --force failed"
TOKEN=$(tr -d '\n' <"$TZ_TMP/tok")

# 2. the engine's state: analyze with zones and a maintenance policy
cat >"$TZ_TMP/an.yaml" <<'YAML'
analytics:
  zones:
    plc: production:10.1.0.0/16
    office: office:192.168.0.0/16
policy:
  maint_jump_hosts: 10.2.0.250
  maint_window: mon-fri 07:00-18:00
YAML
/usr/bin/python3 - >"$TZ_TMP/events.jsonl" <<'PY'
import json
def ts(s): return "2024-05-01T08:%02d:%02d.000000Z" % (s // 60, s % 60)
n = 0
def ev(t, s, **kw):
    global n
    n += 1
    e = {"v": 1, "type": t, "id": "e%04d" % n, "ts": ts(s), "sensor": "s1", "seq": n}
    e.update(kw)
    print(json.dumps(e))
for s in range(90):
    ev("ics", s, src={"ip": "10.1.0.3", "port": 40000}, dst={"ip": "10.1.0.9", "port": 502},
       proto="modbus", op="read", status="ok",
       modbus={"unit": 1, "func": 3, "func_name": "read_holding_registers", "addr": 0, "qty": 8})
ev("flow", 95, src={"ip": "192.168.1.5", "port": 50000}, dst={"ip": "10.1.0.9", "port": 3389},
   transport="tcp", community_id="1:rdp",
   flow={"app": "RDP", "category": "RemoteAccess", "bytes_toserver": 4000,
         "bytes_toclient": 80000, "start": ts(95), "end": ts(155), "state": "closed"})
PY
"$C" analyze -c "$TZ_TMP/an.yaml" --state "$store/analytics.db" -r "$TZ_TMP/events.jsonl" \
    >"$TZ_TMP/alerts.jsonl" 2>"$TZ_TMP/analyze.log" || tz_fail "analyze failed"
grep -q '"maint.unauthorized"' "$TZ_TMP/alerts.jsonl" || tz_fail "no maint.unauthorized alert"
# assets as the engine's state file holds them (table assets: ix, ip, mac, doc)
sqlite3 "$store/analytics.db" "CREATE TABLE IF NOT EXISTS assets(ix INTEGER PRIMARY KEY,
    ip TEXT NOT NULL, mac TEXT NOT NULL, doc TEXT NOT NULL);"
if [ "$(sqlite3 "$store/analytics.db" 'SELECT count(*) FROM assets')" -lt 3 ]; then
    sqlite3 "$store/analytics.db" "DELETE FROM assets; INSERT INTO assets VALUES
        (1, '10.1.0.3', '', '{\"roles\":16}'), (2, '10.1.0.9', '', '{\"roles\":1}'),
        (3, '192.168.1.5', '', '{}');"
fi
nassets=$(sqlite3 "$store/analytics.db" 'SELECT count(*) FROM assets')

# 3. a collector with 100 stored alerts (tz_send.py: one event in ten is an alert)
port=$(tz_free_port)
ep="tcp://127.0.0.1:$port"
tz_start_collector collector --listen "$ep" --store "$store" --insecure \
    --set api.token_file="$TZ_TMP/tok"
out=$(timeout 60 "${TZ_SEND[@]}" "$ep" --batches 20 --events 50 --window 4) ||
    tz_fail "sending batches: $out"
base="http://127.0.0.1:$HTTP_PORT"

# get PATH [TOKEN]: body to $TZ_TMP/body, prints the HTTP status
get() {
    curl -s -o "$TZ_TMP/body" -w '%{http_code}' --max-time 10 \
        -H "Authorization: Bearer ${2-$TOKEN}" "$base$1"
}
post() {
    curl -s -o "$TZ_TMP/body" -w '%{http_code}' --max-time 10 -X POST \
        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data "$2" "$base$1"
}
jq_() { /usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print(d if not isinstance(d, (list, dict)) else json.dumps(d))' "$TZ_TMP/body" "$1"; }
expect() { # expect CODE STATUS WHAT
    [ "$1" = "$2" ] || { cat "$TZ_TMP/body" >&2; tz_fail "$3: HTTP $2, expected $1"; }
}

# 4. authentication: /metrics open, /api/ closed without the right token
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics"); expect 200 "$code" "/metrics"
code=$(curl -s -o "$TZ_TMP/body" -w '%{http_code}' "$base/api/alerts")
expect 401 "$code" "no token"
grep -q '"error"' "$TZ_TMP/body" || tz_fail "401 without a JSON message"
code=$(get /api/alerts wrongtoken); expect 401 "$code" "wrong token"
code=$(get /api/alerts "${TOKEN}x"); expect 401 "$code" "longer token"

# 5. bad parameters: 400 with a JSON message
for q in "severity=urgent" "limit=0" "limit=abc" "since=yesterday" "colour=red" \
    "since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z" "rule=a%20b"; do
    code=$(get "/api/alerts?$q"); expect 400 "$code" "/api/alerts?$q"
    [ -n "$(jq_ error)" ] || tz_fail "400 without an error message for $q"
done
code=$(get "/api/nothing"); expect 404 "$code" "unknown route"

# 6. alerts paged with a cursor: every stored alert exactly once
stored=$(tz_rows "$store" "WHERE type = 'alert'")
[ "$stored" -eq 100 ] || tz_fail "stored $stored alerts, expected 100"
cursor="" ; : >"$TZ_TMP/ids"; pages=0
while :; do
    code=$(get "/api/alerts?limit=30${cursor:+&cursor=$cursor}"); expect 200 "$code" "alerts page"
    /usr/bin/python3 -c 'import json, sys
for a in json.load(open(sys.argv[1]))["items"]: print(a["id"])' "$TZ_TMP/body" >>"$TZ_TMP/ids"
    pages=$((pages + 1))
    cursor=$(jq_ next)
    [ "$cursor" != None ] || break
    [ "$pages" -lt 10 ] || tz_fail "paging does not end"
done
[ "$pages" -eq 4 ] || tz_fail "$pages pages of 30 for 100 alerts, expected 4"
[ "$(wc -l <"$TZ_TMP/ids")" -eq 100 ] || tz_fail "paging returned $(wc -l <"$TZ_TMP/ids") alerts"
[ "$(sort -u "$TZ_TMP/ids" | wc -l)" -eq 100 ] || tz_fail "paging repeated alerts"
code=$(get "/api/alerts?severity=low&limit=1000"); expect 200 "$code" "severity=low"
[ "$(jq_ count)" -eq 100 ] || tz_fail "severity=low: $(jq_ count)"
code=$(get "/api/alerts?severity=high"); expect 200 "$code" "severity=high"
[ "$(jq_ count)" -eq 0 ] || tz_fail "severity=high: $(jq_ count)"
code=$(get "/api/alerts?since=2030-01-01T00:00:00Z"); expect 200 "$code" "since"
[ "$(jq_ count)" -eq 0 ] || tz_fail "since in the future: $(jq_ count)"

# 7. acknowledge with a comment
id=$(head -n 1 "$TZ_TMP/ids")
code=$(post "/api/alerts/$id/ack" '{"comment": "checked with the plant"}')
expect 200 "$code" "ack"
code=$(post "/api/alerts/$id/ack" '{"note": 1}'); expect 400 "$code" "ack without comment"
code=$(post "/api/alerts/not%20an%20id/ack" '{"comment": "x"}'); expect 400 "$code" "ack bad id"
code=$(get "/api/alerts?status=acked&limit=1000"); expect 200 "$code" "status=acked"
[ "$(jq_ count)" -eq 1 ] || tz_fail "acked alerts: $(jq_ count)"
[ "$(jq_ items.0.ack.comment)" = "checked with the plant" ] || tz_fail "ack comment lost"
code=$(get "/api/alerts?status=open&limit=1000"); expect 200 "$code" "status=open"
[ "$(jq_ count)" -eq 99 ] || tz_fail "open alerts: $(jq_ count)"

# 8. maintenance sessions, baseline and its review, assets, sensors
code=$(get /api/maintenance); expect 200 "$code" "maintenance"
[ "$(jq_ count)" -eq 1 ] || tz_fail "maintenance sessions: $(jq_ count)"
[ "$(jq_ items.0.tool)" = RDP ] || tz_fail "session tool: $(jq_ items.0.tool)"
[ "$(jq_ items.0.bytes_toclient)" = 80000 ] || tz_fail "session bytes"
[ "$(jq_ items.0.duration_s)" = 60.0 ] || tz_fail "session duration $(jq_ items.0.duration_s)"
code=$(get "/api/maintenance?ip=10.9.9.9"); expect 200 "$code" "maintenance?ip"
[ "$(jq_ count)" -eq 0 ] || tz_fail "maintenance ip filter"
code=$(get /api/baseline); expect 200 "$code" "baseline"
[ "$(jq_ mode)" = learn ] || tz_fail "baseline mode $(jq_ mode)"
[ "$(jq_ entries.0.count)" = 90 ] || tz_fail "baseline entry count $(jq_ entries.0.count)"
code=$(post /api/baseline '{"op": "mode", "arg": "enforce"}'); expect 202 "$code" "mode"
code=$(post /api/baseline '{"op": "accept", "arg": "0123456789abcdef"}'); expect 202 "$code" accept
code=$(post /api/baseline '{"op": "promote", "arg": "all"}'); expect 400 "$code" "bad op"
code=$(post /api/baseline 'not json'); expect 400 "$code" "bad body"
code=$(get "/api/assets?limit=2"); expect 200 "$code" "assets"
[ "$(jq_ count)" -eq 2 ] || tz_fail "assets page 1: $(jq_ count)"
next=$(jq_ next)
code=$(get "/api/assets?limit=2&cursor=$next"); expect 200 "$code" "assets page 2"
[ "$(jq_ count)" -eq $((nassets - 2)) ] || tz_fail "assets page 2: $(jq_ count)"
code=$(get /api/sensors); expect 200 "$code" "sensors"
[ "$(jq_ items.0.sensor)" = test-sensor ] || tz_fail "sensors: $(cat "$TZ_TMP/body")"
[ "$(jq_ items.0.events)" -eq 1000 ] || tz_fail "sensor events: $(jq_ items.0.events)"
[ "$(jq_ chain_head)" -gt 0 ] || tz_fail "no chain head"

# 9. /api/events from the store's indexes: every ics event of one address once, in time
# order, page by page, exactly the ones `dump` says are stored
code=$(get "/api/events?since=bad"); expect 400 "$code" "events since"
code=$(get "/api/events?cursor=nonsense"); expect 400 "$code" "events cursor"
"$C" dump --store "$store" | /usr/bin/python3 -c '
import json, sys
ids = sorted(e["id"] for e in map(json.loads, sys.stdin)
             if e["type"] == "ics" and "10.0.0.12" in (e["src"]["ip"], e["dst"]["ip"]))
print("\n".join(ids))' >"$TZ_TMP/want_ids"
[ -s "$TZ_TMP/want_ids" ] || tz_fail "no ics events of 10.0.0.12 in the store"
: >"$TZ_TMP/got_ids"
cursor="" pages=0
while :; do
    code=$(get "/api/events?type=ics&ip=10.0.0.12&limit=7${cursor:+&cursor=$cursor}")
    expect 200 "$code" "events page $pages"
    /usr/bin/python3 - "$TZ_TMP/body" "$TZ_TMP/got_ids" <<'PY' || tz_fail "events page $pages: $(head -c 300 "$TZ_TMP/body")"
import json, sys
b = json.load(open(sys.argv[1]))
ts = [e["ts"] for e in b["items"]]
assert ts == sorted(ts), "not in time order"
assert all(e["type"] == "ics" for e in b["items"]), "a non-ics event"
assert "took_ms" in b
with open(sys.argv[2], "a") as f:
    for e in b["items"]:
        f.write(e["id"] + "\n")
PY
    pages=$((pages + 1))
    cursor=$(jq_ next 2>/dev/null || true)
    [ -n "$cursor" ] && [ "$cursor" != None ] || break
    [ "$pages" -lt 100 ] || tz_fail "events: no last page after 100 pages"
done
[ "$(sort "$TZ_TMP/got_ids" | uniq -d | wc -l)" -eq 0 ] || tz_fail "events: an event came twice"
sort "$TZ_TMP/got_ids" | diff -q - "$TZ_TMP/want_ids" >/dev/null ||
    tz_fail "events: $(wc -l <"$TZ_TMP/got_ids") paged, $(wc -l <"$TZ_TMP/want_ids") stored"
echo "api: /api/events gave the $(wc -l <"$TZ_TMP/want_ids") stored ics events of 10.0.0.12 in $pages pages"

# 10. SIGHUP reloads, the collector keeps serving
kill -HUP "$COLLECTOR_PID"
sleep 0.3
kill -0 "$COLLECTOR_PID" 2>/dev/null || tz_fail "the collector died on SIGHUP"
code=$(get /api/sensors); expect 200 "$code" "after SIGHUP"
# a rotated token takes effect at SIGHUP; the old one is refused
"$C" token "$TZ_TMP/tok" --force >/dev/null
old=$TOKEN; TOKEN=$(tr -d '\n' <"$TZ_TMP/tok")
code=$(get /api/sensors "$old"); expect 200 "$code" "old token before SIGHUP"
kill -HUP "$COLLECTOR_PID"
sleep 0.3
code=$(get /api/sensors "$old"); expect 401 "$code" "old token after SIGHUP"
code=$(get /api/sensors); expect 200 "$code" "new token after SIGHUP"
rm "$TZ_TMP/tok"
kill -HUP "$COLLECTOR_PID"
sleep 0.3
code=$(get /api/sensors); expect 503 "$code" "no token file"
tz_stop "$COLLECTOR_PID" 20
[ "$TZ_RC" -eq 0 ] || tz_fail "collector exit status $TZ_RC"
echo "api: ok (100 alerts in $pages pages, ack, maintenance, baseline, assets, sensors)"
