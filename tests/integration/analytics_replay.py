#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""analytics_replay.py - public captures through tanzhen-sensor and `tanzhen-collector
analyze`: the captures that hold a PLC stop, a program download, an SZL read, an OPC UA
anonymous session and so on raise exactly the alerts in TABLE (rule -> first raises, each
row with its reason), with no learning period and the asset rules off (every address of a
short capture would be new); normal polling captures raise no alert after their own
learning period (the first half of the capture). Prints the alert counts per capture.
Usage: analytics_replay.py SENSOR COLLECTOR PCAPS_DIR"""
import collections
import json
import math
import os
import subprocess
import sys
import tempfile

ITI = "ITI__ICS-Security-Tools/pcaps/"
# capture, {rule: first raises}, reason
TABLE = [
    (ITI + "s7/snap7_s300_stop.pcapng", {"ics.plc_stop": 1}, "snap7 sends S7 PLC STOP"),
    (ITI + "s7/step7_s300_stop.pcapng", {"ics.plc_stop": 1}, "STEP 7 stops the CPU"),
    (ITI + "s7/step7_s300_download.pcapng", {"ics.program_download": 1},
     "STEP 7 downloads blocks (request, download, end, PI _INSE), one aggregate"),
    (ITI + "s7/s7comm_downloading_block_db1.pcap", {"ics.program_download": 1},
     "DB1 downloaded"),
    (ITI + "s7/step7_s300_copyRamToRom.pcapng", {"ics.program_download": 1},
     "PI _MODU commits the program (copy RAM to ROM)"),
    (ITI + "s7/s7comm_reading_plc_status.pcap", {"recon.device_id": 1},
     "SZL module identification read"),
    (ITI + "s7/s7comm_reading_setting_plc_time.pcap", {"ics.clock_set": 1, "recon.device_id": 1},
     "the PLC clock is set; SZL identification"),
    (ITI + "s7/step7_s300_rwVarTab.pcapng", {"ics.force": 1},
     "a variable table modifies a variable"),
    ("cisagov__icsnpp-s7comm/tests/traces/s7ident.pcap",
     {"recon.device_id": 1, "ics.program_upload": 1}, "identification, then an SDB upload attempt"),
    ("cisagov__icsnpp-s7comm/tests/traces/snap7.pcap",
     {"ics.plc_stop": 1, "ics.plc_start": 1, "ics.program_download": 1, "ics.program_upload": 1,
      "ics.clock_set": 1, "ics.setpoint": 1, "recon.device_id": 1},
     "the snap7 client demo: stop, start, download, upload, set clock, write, SZL"),
    ("cisagov__icsnpp-opcua-binary/pcaps/python_opcua-client-server_minimal.pcap",
     {"opcua.anonymous": 1, "opcua.security_none": 1},
     "python-opcua: no security, anonymous session"),
    (ITI + "ModbusTCP/modbus_test_data_part1.pcap",
     {"ics.listen_only": 1, "ics.restart": 1, "ics.command": 1, "ics.setpoint": 1,
      "recon.device_id": 2},
     "FC 8 listen-only and restart communications, coil and register writes, FC 43 and FC 17"),
    (ITI + "ModbusTCP/modbus_test_data_part2.pcap",
     {"recon.function_scan": 1, "recon.address_scan": 1, "ics.exception_burst": 1,
      "ics.malformed_burst": 1, "ics.command": 1, "recon.device_id": 1},
     "a function-code sweep (0-127) and out-of-range addresses refused"),
    (ITI + "dnp3/cold_restart_and_response.pcap", {"ics.restart": 1}, "DNP3 COLD_RESTART"),
    (ITI + "dnp3/warm_restart_and_response.pcap", {"ics.restart": 1}, "DNP3 WARM_RESTART"),
    (ITI + "dnp3/disable_unsolcited_and_response.pcap", {"ics.disable_unsolicited": 1},
     "DNP3 DISABLE_UNSOLICITED"),
    (ITI + "dnp3/file_delete.pcap", {"ics.program_delete": 1}, "DNP3 DELETE_FILE"),
    (ITI + "dnp3/file_write.pcap", {"ics.file_to_device": 1}, "DNP3 file opened for writing"),
    (ITI + "dnp3/directoperate_and_response.pcap", {"ics.command": 1}, "DNP3 DIRECT_OPERATE"),
    (ITI + "openics/DNP3-Malformed.pcap", {"ics.malformed_burst": 1, "ics.command": 1},
     "192 malformed OPERATE requests in a row"),
    ("ntop__nDPI/tests/cfgs/default/pcap/iec60780-5-104.pcap",
     {"ics.clock_set": 1, "ics.command": 1}, "IEC 104 clock sync and a single command"),
    (ITI + "dnp3/enable_unsolicited_and_response.pcap", {}, "enabling unsolicited is benign"),
    (ITI + "dnp3/file_read.pcap", {}, "reading a file changes nothing"),
    (ITI + "dnp3/read_and_response.pcap", {}, "a plain DNP3 read"),
]
# normal traffic: no alert after the first half of the capture, except what the row names
# (with its reason: a real operation or a finding in the second half, not a false alarm)
NORMAL = [
    ("zeek__zeek/testing/btest/Traces/modbus/modbusBig.pcap", {}, "Modbus polling with writes"),
    (ITI + "ModbusTCP/Modbus/modbus_test.pcap", {}, "Modbus input register polling and writes"),
    (ITI + "s7/s7comm_varservice_libnodavedemo_bench.pcap", {}, "S7 read/write var loop"),
    (ITI + "s7/wincc_s300_setup-alarm-read_2.pcapng", {}, "WinCC HMI reading a S7-300"),
    (ITI + "s7/S7-1511_db2_var1_HMI.pcap", {}, "an HMI on an S7-1500 (S7comm-plus)"),
    (ITI + "s7/V13_1200_TP1200sim_MW100_Int_SPS_5s_MW102_Int_SPS_10s_MW102_ab_1000_Timer_sync.pcapng",
     {}, "a TP1200 panel on an S7-1200"),
    ("cisagov__icsnpp-opcua-binary/pcaps/open62541_read_service_test_data.pcap", {},
     "OPC UA reads (a loopback address appearing late is no device)"),
    ("cisagov__icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap",
     {"opcua.security_none": 1},
     "the client opens its channel only in the second half, with security None: a finding"),
    ("cisagov__icsnpp-dnp3/testing/traces/dnp3_example.pcap", {"ics.command": 1},
     "the master reads for a minute, then starts SELECT/OPERATE: a new kind of command on "
     "the pair, raised once and aggregated (134 SELECT, 133 OPERATE)"),
    ("ntop__nDPI/tests/cfgs/default/pcap/dnp3.pcap", {"ics.restart": 1},
     "a test capture with cold/warm restarts in its second half too"),
]


def run(sensor, collector, pcap, *sets):
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as ev:
        subprocess.run([sensor, "-r", pcap, "--jsonl", ev.name, "-w", "1"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        events = [json.loads(l) for l in open(ev.name) if l.strip()]
        args = [collector, "analyze", "-r", ev.name]
        for s in sets:
            args += ["--set", s]
        out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=300).stdout
    return events, [json.loads(l) for l in out.splitlines() if l.strip()]


def first_raises(produced, since_us=None):
    c = collections.Counter()
    for e in produced:
        if e["type"] != "alert" or e["alert"]["count"] != 1:
            continue
        if since_us is not None and ts_us(e["ts"]) < since_us:
            continue
        c[e["alert"]["rule"]] += 1
    return dict(c)


def ts_us(s):
    import datetime
    d = datetime.datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e6)


def main():
    sensor, collector, root = sys.argv[1:4]
    bad = 0
    print("%-70s %s" % ("capture (operations: no learning, asset rules off)", "alerts"))
    for path, want, why in TABLE:
        p = os.path.join(root, path)
        if not os.path.exists(p):
            print("%-70s MISSING" % path)
            bad += 1
            continue
        _, out = run(sensor, collector, p, "analytics.learning_s=0", "analytics.rules=asset.*=off")
        got = first_raises(out)
        ok = got == want
        bad += not ok
        print("%-70s %s %s%s" % (path[-70:], "ok  " if ok else "FAIL", got or "{}",
                                 "" if ok else "  expected %s (%s)" % (want, why)))
    print()
    print("%-70s %s" % ("capture (normal: learning = first half)", "alerts after learning"))
    for path, allowed, why in NORMAL:
        p = os.path.join(root, path)
        if not os.path.exists(p):
            print("%-70s MISSING" % path)
            bad += 1
            continue
        events, _ = run(sensor, collector, p, "analytics.learning_s=0")
        ts = [ts_us(e["ts"]) for e in events if e["type"] in ("ics", "flow", "anomaly")]
        half = max(1, math.ceil((max(ts) - min(ts)) / 2e6))
        _, out = run(sensor, collector, p, "analytics.learning_s=%d" % half)
        after = first_raises(out, min(ts) + half * 1000000)
        during = first_raises(out)
        ok = after == allowed
        bad += not ok
        print("%-70s %s after: %s (learning %ds; whole capture: %s)%s" %
              (path[-70:], "ok  " if ok else "FAIL", after or "{}", half, during or "{}",
               "" if ok else "  expected %s (%s)" % (allowed, why)))
    sys.exit(1 if bad else 0)


main()
