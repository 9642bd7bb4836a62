#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sensor_resend.sh - the sensor's delivery against a stand-in collector (tz_router.py, a
# Python ROUTER that can drop, RETRY or REJECT batches and speak CURVE):
#  1. acks withheld for the first 5 batches and RETRY for the next 3: the sensor resends
#     and every seq arrives; --insecure logs its warning;
#     a slow collector that keeps acking gets no copies;
#  2. a REJECTED batch is dropped and logged, everything else arrives; a link that goes
#     silent for 8 s (tz_proxy.py stops forwarding) is noticed and everything arrives;
#  3. kill -9 mid-delivery with a state dir: the spool (read by tz_spool.py, checksums
#     verified) plus what was acked is every seq with no hole; a restart on the rest of
#     the capture sends the spool first, in order, then its own events with seq above;
#  4. live capture on lo with the collector down and a 1 MiB spool: capture never waits,
#     the oldest data is dropped, and the spool_overflow anomalies name exactly the seqs
#     that never arrived (root only);
#  5. CURVE: keygen (modes, no overwrite), an allowed key delivers, an unknown key and a
#     plain-TCP sensor are refused and say so; 6. key errors: one line, exit 1.
set -euo pipefail
source "$(dirname "$0")/tz_lib.bash"

S="$TZ_BUILD/sensor/tanzhen-sensor"
GEN="$TZ_BUILD/tests/bench/gen_modbus_pcap"
ROUTER="$TZ_SRC/tests/integration/tz_router.py"
SPOOL="$TZ_SRC/tests/integration/tz_spool.py"
tz_need "$S" "$GEN" timeout
tz_need_pyzmq
T=$TZ_TMP

"$GEN" "$T/a.pcap" 40000 40 11 >/dev/null 2>&1 || tz_fail "gen_modbus_pcap a"
"$GEN" "$T/b.pcap" 400000 100 12 >/dev/null 2>&1 || tz_fail "gen_modbus_pcap b"
"$GEN" "$T/c.pcap" 20000 10 13 >/dev/null 2>&1 || tz_fail "gen_modbus_pcap c"

# start_router NAME ARGS...: a tz_router.py on a free port; sets RPORT and RPID
start_router() {
    local name=$1
    shift
    RPORT=$(tz_free_port)
    tz_spawn "$name" /usr/bin/python3 "$ROUTER" "tcp://127.0.0.1:$RPORT" --out "$T/$name.jsonl" \
        --log "$T/$name.batches" "$@"
    RPID=$TZ_LAST_PID
    tz_wait_for 15 _tz_log_has "$name" "listening on" || tz_fail "$name did not start"
    : >>"$T/$name.jsonl"
    : >>"$T/$name.batches"
}

stop_router() {
    tz_stop "$RPID" 10
    [ "$TZ_RC" -eq 0 ] || tz_fail "router exited with $TZ_RC"
}

# seqs FILE...: the sorted distinct seq numbers of JSON lines
seqs() {
    /usr/bin/python3 -c 'import json, sys
s = set()
for p in sys.argv[1:]:
    for l in open(p):
        if l.strip():
            s.add(json.loads(l)["seq"])
print("\n".join(str(x) for x in sorted(s)))' "$@"
}

# --- 1. withheld acks and RETRY: resent until every seq arrives -------------------------
start_router r1 --drop-first 5 --retry-first 3
timeout 60 "$S" -r "$T/a.pcap" -w 1 --sensor-id resend --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --set output.resend_ms=300 --jsonl "$T/r1-sensor.jsonl" 2>"$T/r1-sensor.log" ||
    tz_fail "sensor exit $? with withheld acks"
stop_router
grep -q "insecure: CURVE is off" "$T/r1-sensor.log" || tz_fail "--insecure logged no warning"
seqs "$T/r1-sensor.jsonl" >"$T/r1.want"
seqs "$T/r1.jsonl" >"$T/r1.got"
n1=$(wc -l <"$T/r1.want")
[ "$n1" -gt 10000 ] || tz_fail "only $n1 events from a.pcap"
diff -q "$T/r1.want" "$T/r1.got" >/dev/null || tz_fail "resend: seqs differ ($(wc -l <"$T/r1.got") of $n1 arrived)"
# the first 8 batches came again, flagged RESEND, and were then stored
/usr/bin/python3 - "$T/r1.batches" <<'PY' || tz_fail "resend: batch log"
import sys
rows = [l.split() for l in open(sys.argv[1])]
first = {}
for b, _, _, flags, answer in rows:
    first.setdefault(int(b), []).append((int(flags), answer))
unanswered = [b for b, v in first.items() if v[0][1] in ("none", "retry")]
assert len(unanswered) == 8, unanswered
for b in unanswered:
    later = first[b][1:]
    assert later and all(f & 1 for f, _ in later), (b, first[b])
    assert later[-1][1] == "stored", (b, first[b])
print("resend: %d batches, 8 withheld/RETRY then resent with the RESEND flag" % len(first))
PY
echo "1. withheld acks: all $n1 seqs arrived; $(cat "$T/r1.out")"

# --- 1b. a slow collector that keeps acking gets no copies ---------------------------
# 32 batches in flight at 100 ms each wait 3.2 s, far past resend_ms=400, but acks keep
# coming, so nothing is sent twice
start_router r1b --delay-ms 100
timeout 60 "$S" -r "$T/a.pcap" -w 1 --sensor-id slow --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --set output.resend_ms=400 2>"$T/r1b-sensor.log" || tz_fail "sensor exit $? (slow)"
stop_router
[ "$(tz_json "$(cat "$T/r1b.out")" resent_flag)" -eq 0 ] && [ "$(tz_json "$(cat "$T/r1b.out")" duplicates)" -eq 0 ] ||
    tz_fail "slow collector got copies: $(cat "$T/r1b.out")"
echo "1b. slow collector (100 ms a batch, resend_ms 400): no copies; $(cat "$T/r1b.out")"

# --- 2. a REJECTED batch is dropped, logged and counted ---------------------------------
start_router r2 --reject-batch 3
timeout 60 "$S" -r "$T/a.pcap" -w 1 --sensor-id reject --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --jsonl "$T/r2-sensor.jsonl" 2>"$T/r2-sensor.log" || tz_fail "sensor exit $? (reject)"
stop_router
grep -q "collector rejected batch 3 " "$T/r2-sensor.log" || tz_fail "rejected batch not logged"
read -r _ rfirst rcount _ _ < <(awk '$1 == 3' "$T/r2.batches" | head -n 1)
seqs "$T/r2-sensor.jsonl" | awk -v f="$rfirst" -v c="$rcount" '$1 < f || $1 >= f + c' >"$T/r2.want"
seqs "$T/r2.jsonl" >"$T/r2.got"
diff -q "$T/r2.want" "$T/r2.got" >/dev/null || tz_fail "reject: the other batches did not all arrive"
echo "2. rejected batch 3 (seq $rfirst..$((rfirst + rcount - 1))) dropped and logged; the rest arrived"

# --- 2b. the link goes silent for 8 s mid-delivery (no RST, no FIN) -------------------
# tz_proxy.py stops forwarding without closing anything; ZMTP heartbeats notice, the
# sensor reconnects when the link is back and sends everything unacked again
start_router r2b --delay-ms 50
pport=$(tz_free_port)
tz_spawn proxy /usr/bin/python3 "$TZ_SRC/tests/integration/tz_proxy.py" "$pport" "$RPORT"
PXPID=$TZ_LAST_PID
tz_wait_for 15 _tz_log_has proxy "listening" || tz_fail "proxy did not start"
tz_spawn s2b "$S" -r "$T/a.pcap" -w 1 --sensor-id linkcut --collector "tcp://127.0.0.1:$pport" \
    --insecure --set output.ack_wait_s=60 --jsonl "$T/r2b-sensor.jsonl"
s2b=$TZ_LAST_PID
_acked_5() { [ "$(wc -l <"$T/r2b.batches")" -ge 5 ]; }
tz_wait_for 30 _acked_5 || tz_fail "link cut: nothing arrived before the cut"
kill -USR1 "$PXPID"
sleep 8
at_cut=$(wc -l <"$T/r2b.batches")
kill -USR2 "$PXPID"
tz_stop "$s2b" 90 # SIGTERM only ends a wait that is already bounded by ack_wait_s
rc=$TZ_RC
[ "$rc" -eq 0 ] || tz_fail "link cut: sensor exit $rc"
stop_router
grep -q "lost the connection to the collector" "$T/s2b.log" || tz_fail "link cut not noticed"
grep -q "reconnected to the collector" "$T/s2b.log" || tz_fail "no reconnect logged"
seqs "$T/r2b-sensor.jsonl" >"$T/r2b.want"
seqs "$T/r2b.jsonl" >"$T/r2b.got"
diff -q "$T/r2b.want" "$T/r2b.got" >/dev/null || tz_fail "link cut: seqs differ"
echo "2b. link silent for 8 s after $at_cut batches: noticed, reconnected, all $(wc -l <"$T/r2b.want") seqs arrived; $(cat "$T/r2b.out")"

# --- 3. SIGKILL mid-delivery, restart on the rest of the capture ------------------------
start_router r3 --delay-ms 20
# a 32 MiB spool (~110 batches) fills long before the slow collector catches up: the
# replay waits for acks (and loses nothing), so the kill lands while the capture is still
# being read, with more in the spool than the 32 batches in flight
tz_spawn s3a "$S" -r "$T/b.pcap" -w 1 --sensor-id crash --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --state-dir "$T/state" --set output.spool_mb=32
s3a=$TZ_LAST_PID
# 80 batches at 20 ms: past the first ack-mark write (once a second)
_acked_80() { [ "$(wc -l <"$T/r3.batches")" -ge 80 ]; }
tz_wait_for 30 _acked_80 || tz_fail "the router stored too few batches"
kill -KILL "$s3a"
wait "$s3a" 2>/dev/null || true
# let the router finish what was already queued to it
_quiet() {
    local a b
    a=$(wc -l <"$T/r3.batches")
    sleep 1
    b=$(wc -l <"$T/r3.batches")
    [ "$a" -eq "$b" ]
}
tz_wait_for 30 _quiet || tz_fail "the router kept receiving after the kill"
/usr/bin/python3 "$SPOOL" "$T/state/spool" >"$T/spool.json"
seqs "$T/r3.jsonl" >"$T/r3.before"
/usr/bin/python3 - "$T/spool.json" "$T/r3.before" "$T/b.pcap" "$S" <<'PY' || tz_fail "spool at the kill"
import json, sys
sp = json.load(open(sys.argv[1]))
got = set(int(x) for x in open(sys.argv[2]))
assert sp["bad"] == 0 and sp["torn"] == 0, sp
spool = set(sp["seqs"])
top = max(spool | got)
hole = set(range(1, top + 1)) - spool - got
assert not hole, "sealed events neither acked nor spooled: %d, e.g. %s" % (len(hole), sorted(hole)[:5])
unacked = spool - got
assert unacked, "nothing was left unacked at the kill (kill came too late)"
assert sp["acked_mark"] > 0, "no ack mark written"
# the kill came mid-capture: the whole capture holds more events than were numbered
import subprocess
full = subprocess.run([sys.argv[4], "-r", sys.argv[3], "-w", "1", "--jsonl", "-"],
                      capture_output=True, check=True).stdout.count(b"\n")
assert top < full - 1000, "the capture was already read to its end (%d of %d)" % (top, full)
print("3. at SIGKILL: %d events acked, %d records in the spool (ack mark: batch %d; %d events "
      "not yet at the collector), seq 1..%d with no hole"
      % (len(got), sp["records"], sp["acked_mark"], len(unacked), top))
PY
lines_before=$(wc -l <"$T/r3.batches")
timeout 120 "$S" -r "$T/c.pcap" -w 1 --sensor-id crash --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --state-dir "$T/state" --set output.spool_mb=32 --jsonl "$T/r3-run2.jsonl" 2>"$T/s3b.log" ||
    tz_fail "restarted sensor exit $?"
stop_router
grep -q "from an earlier run are sent first" "$T/s3b.log" || tz_fail "restart did not load the spool"
seqs "$T/r3.jsonl" >"$T/r3.after"
seqs "$T/r3-run2.jsonl" >"$T/r3.run2"
/usr/bin/python3 - "$T/spool.json" "$T/r3.after" "$T/r3.run2" "$T/r3.batches" "$lines_before" \
    "$T/r3-run2.jsonl" "$T/state" "$SPOOL" <<'PY' || tz_fail "after the restart"
import json, subprocess, sys
sp = json.load(open(sys.argv[1]))
after = set(int(x) for x in open(sys.argv[2]))
run2 = set(int(x) for x in open(sys.argv[3]))
rows = [l.split() for l in open(sys.argv[4])][int(sys.argv[5]):]
spool = set(sp["seqs"])
missing = spool - after
assert not missing, "%d spooled events never arrived" % len(missing)
assert min(run2) > max(spool), "seq went back: %d <= %d" % (min(run2), max(spool))
assert run2 <= after, "%d events of the second run missing" % len(run2 - after)
first = json.loads(open(sys.argv[6]).readline())
assert first["type"] == "anomaly" and first["anomaly"]["kind"] == "sensor_restart", first
# order: every spooled batch not acked by the mark goes out before the first new batch
old = set(b for b, _, _ in sp["batches"] if b > sp["acked_mark"])
top_old = max(b for b, _, _ in sp["batches"])
order = [int(r[0]) for r in rows]
first_new = next(i for i, b in enumerate(order) if b > top_old)
assert old <= set(order[:first_new]), "new batches went out before the spool was resent"
assert all(order[i] < order[i + 1] for i in range(first_new - 1)), "spool resent out of order"
# after a clean stop: the spool is empty and the state file is exact
left = json.loads(subprocess.check_output(["/usr/bin/python3", sys.argv[8],
                                           sys.argv[7] + "/spool"]))
assert left["records"] == 0, left
assert "\nclean 1\n" in open(sys.argv[7] + "/seq").read()
print("   restart: the %d spooled batches above the ack mark resent first, in order; run 2 seq %d..%d; all %d "
      "events at the collector; spool empty after the clean stop"
      % (len(old), min(run2), max(run2), len(after)))
PY

# --- 4. live capture, collector down, 1 MiB spool: drop oldest, count, report ------------
if [ "$(id -u)" -eq 0 ]; then
    mport=$(tz_free_port)
    rport=$(tz_free_port)
    tz_spawn s4 "$S" -i lo -f "tcp port $mport" -w 1 --sensor-id live --insecure \
        --collector "tcp://127.0.0.1:$rport" --state-dir "$T/live-state" \
        --set output.spool_mb=1 --set output.batch_events=20 --set health.interval_s=1 \
        --jsonl "$T/live.jsonl"
    s4=$TZ_LAST_PID
    _health() { grep -q '"type":"health"' "$T/live.jsonl" 2>/dev/null; }
    tz_wait_for 20 _health || tz_fail "the live sensor did not start"
    timeout 120 /usr/bin/python3 - "$mport" <<'PY' || tz_fail "modbus traffic"
import socket, struct, sys, threading
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
N = 6000
def serve():
    c, _ = srv.accept()
    while True:
        h = c.recv(7, socket.MSG_WAITALL)
        if len(h) < 7:
            break
        tid, _, ln, unit = struct.unpack("!HHHB", h)
        fc, addr, qty = struct.unpack("!BHH", c.recv(ln - 1, socket.MSG_WAITALL))
        body = bytes([fc, qty * 2]) + b"".join(struct.pack("!H", addr + i) for i in range(qty))
        c.sendall(struct.pack("!HHHB", tid, 0, len(body) + 1, unit) + body)
    c.close()
t = threading.Thread(target=serve)
t.start()
cl = socket.create_connection(("127.0.0.1", port))
for tid in range(1, N + 1):
    cl.sendall(struct.pack("!HHHBBHH", tid & 0xffff, 0, 6, 1, 3, tid % 1000, 8))
    cl.recv(25, socket.MSG_WAITALL)
cl.close()
t.join()
PY
    sleep 2
    RPORT=$rport
    tz_spawn r4 /usr/bin/python3 "$ROUTER" "tcp://127.0.0.1:$rport" --out "$T/r4.jsonl" \
        --log "$T/r4.batches"
    RPID=$TZ_LAST_PID
    tz_wait_for 15 _tz_log_has r4 "listening on" || tz_fail "r4 did not start"
    sleep 3
    tz_stop "$s4" 60
    [ "$TZ_RC" -eq 0 ] || tz_fail "live sensor exit $TZ_RC after SIGTERM"
    stop_router
    /usr/bin/python3 - "$T/live.jsonl" "$T/r4.jsonl" <<'PY' || tz_fail "live overflow"
import json, re, sys
emitted = [json.loads(l) for l in open(sys.argv[1])]
got = set(json.loads(l)["seq"] for l in open(sys.argv[2]))
E = set(e["seq"] for e in emitted)
lost, n_lost = set(), 0
for e in emitted:
    if e["type"] == "anomaly" and e["anomaly"]["kind"] == "spool_overflow":
        m = re.search(r"(\d+) events \(seq (\d+)\.\.(\d+)\)", e["anomaly"]["detail"])
        n, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
        assert b - a + 1 == n, e["anomaly"]["detail"]
        lost |= set(range(a, b + 1))
        n_lost += n
ics = sum(1 for e in emitted if e["type"] == "ics")
health = [e["health"] for e in emitted if e["type"] == "health"][-1]
assert ics == 6000, "capture lost transactions: %d ics events" % ics
assert n_lost > 0 and len(lost) == n_lost, (n_lost, len(lost))
assert not (lost & got), "%d events reported lost arrived anyway" % len(lost & got)
assert lost | got == E, "unaccounted: %d" % len(E - lost - got)
assert health["drops"]["spool_lost_events"] == n_lost, (health["drops"], n_lost)
assert health["drops"]["packet_ring"] == 0 and health["drops"]["event_ring"] == 0, health["drops"]
print("4. live, collector down, 1 MiB spool: %d events emitted, %d dropped oldest-first "
      "(reported in spool_overflow anomalies and health), %d delivered once it came back"
      % (len(E), n_lost, len(got)))
PY
else
    echo "4. live overflow: skipped (live capture needs root)"
fi

# --- 5. CURVE -------------------------------------------------------------------------
K=$T/keys
"$S" keygen "$K" collector >"$T/kg1.out" || tz_fail "keygen collector"
"$S" keygen "$K" >"$T/kg2.out" || tz_fail "keygen sensor"
"$S" keygen "$K" stranger >/dev/null || tz_fail "keygen stranger"
grep -q "^public key: .\{40\}$" "$T/kg2.out" || tz_fail "keygen printed no Z85 key"
[ "$(stat -c %a "$K/sensor.key_secret")" = 600 ] || tz_fail "secret key mode $(stat -c %a "$K/sensor.key_secret")"
[ "$(stat -c %a "$K/collector.key_secret")" = 600 ] || tz_fail "collector secret key mode"
sum_before=$(cat "$K/sensor.key" "$K/sensor.key_secret" | sha256sum)
if "$S" keygen "$K" >"$T/kg3.out" 2>"$T/kg3.err"; then tz_fail "keygen overwrote a key"; fi
grep -q "refusing to overwrite" "$T/kg3.err" || tz_fail "keygen refusal says: $(cat "$T/kg3.err")"
[ "$(cat "$K/sensor.key" "$K/sensor.key_secret" | sha256sum)" = "$sum_before" ] ||
    tz_fail "keygen changed an existing key"
mkdir "$T/allow"
cp "$K/sensor.key" "$T/allow/"
start_router r5 --curve-secret "$K/collector.key_secret" --allow-dir "$T/allow"
timeout 60 "$S" -r "$T/c.pcap" -w 1 --sensor-id curve-ok --collector "tcp://127.0.0.1:$RPORT" \
    --server-key "$K/collector.key" --client-key "$K/sensor.key_secret" \
    --jsonl "$T/r5-ok.jsonl" 2>"$T/r5-ok.log" || tz_fail "CURVE sensor exit $?"
grep -q "CURVE on" "$T/r5-ok.log" || tz_fail "CURVE sensor did not say CURVE on"
rc=0
timeout 60 "$S" -r "$T/c.pcap" -w 1 --sensor-id curve-stranger --collector "tcp://127.0.0.1:$RPORT" \
    --server-key "$K/collector.key" --client-key "$K/stranger.key_secret" \
    --set output.ack_wait_s=2 2>"$T/r5-stranger.log" || rc=$?
[ "$rc" -eq 3 ] || tz_fail "unknown key: exit $rc, expected 3"
grep -q "refused this sensor's key" "$T/r5-stranger.log" || tz_fail "unknown key: not logged"
rc=0
timeout 60 "$S" -r "$T/c.pcap" -w 1 --sensor-id curve-plain --collector "tcp://127.0.0.1:$RPORT" \
    --insecure --set output.ack_wait_s=2 2>"$T/r5-plain.log" || rc=$?
[ "$rc" -eq 3 ] || tz_fail "plain TCP to a CURVE collector: exit $rc, expected 3"
grep -q "handshake with the collector .* failed" "$T/r5-plain.log" || tz_fail "plain: not logged"
stop_router
seqs "$T/r5-ok.jsonl" >"$T/r5.want"
seqs "$T/r5.jsonl" >"$T/r5.got"
diff -q "$T/r5.want" "$T/r5.got" >/dev/null || tz_fail "CURVE: seqs differ"
if grep -q '"sensor":"curve-\(stranger\|plain\)"' "$T/r5.jsonl"; then
    tz_fail "a refused sensor's event arrived"
fi
echo "5. CURVE: keygen 0600 and no overwrite; allowed key delivered $(wc -l <"$T/r5.want") events;"
echo "   unknown key and plain TCP refused (exit 3, logged), nothing of theirs arrived"

# --- 6. key errors: one line naming the key, exit 1, no state touched --------------------
echo junk >"$T/junk.key"
mkdir "$T/pubonly"
cp "$K/sensor.key" "$T/pubonly/"
expect_err() {
    local what=$1
    shift
    local rc=0
    timeout 30 "$S" -r "$T/c.pcap" --collector tcp://127.0.0.1:9 --state-dir "$T/nostate" "$@" \
        >/dev/null 2>"$T/err.log" || rc=$?
    [ "$rc" -eq 1 ] || tz_fail "$*: exit $rc, expected 1"
    [ "$(wc -l <"$T/err.log")" -eq 1 ] || tz_fail "$*: $(wc -l <"$T/err.log") lines: $(cat "$T/err.log")"
    grep -q -- "$what" "$T/err.log" || tz_fail "$*: says $(cat "$T/err.log")"
    [ ! -e "$T/nostate" ] || tz_fail "$*: the state dir was created"
}
expect_err "output.client_key is not set"
expect_err "output.server_key is not set" --client-key "$K/sensor.key_secret"
expect_err "output.client_key $T/none: cannot read the key file: No such file" \
    --client-key "$T/none" --server-key "$K/collector.key"
expect_err "output.server_key $T/none: cannot read the key file" \
    --client-key "$K/sensor.key_secret" --server-key "$T/none"
expect_err "output.client_key $T/junk.key: not a CURVE certificate" \
    --client-key "$T/junk.key" --server-key "$K/collector.key"
expect_err "output.server_key $T/junk.key: not a CURVE certificate" \
    --client-key "$K/sensor.key_secret" --server-key "$T/junk.key"
expect_err "holds no secret key" --client-key "$T/pubonly/sensor.key" --server-key "$K/collector.key"
echo "6. key errors: 7 cases, one line each naming the key, exit 1, state dir untouched"
echo "sensor_resend: ok"
