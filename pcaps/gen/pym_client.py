# SPDX-License-Identifier: Apache-2.0
"""pym_client.py - a pymodbus 3.0 Modbus/TCP client that plays one scenario, for regen.sh.

Scenarios (function codes as in the Modbus Application Protocol v1.1b3):
  rw     FC 1-6, 15, 16, 22, 23 on units 1 and 2, FC 7, 11, 12, an illegal data address
         exception (02), then a read for unit 9, which pymodbus 3.0.0 leaves unanswered (no
         gateway exception): the client times out, closes and reconnects for the last read
  devid  FC 43/14 read device identification (basic, regular, extended, one object, a bad
         read code), FC 17 report server id, FC 8 diagnostics sub-functions, ending with
         FC 8/4 force listen only mode, which the server by definition leaves unanswered
Run with /usr/bin/python3 (Debian python3-pymodbus). Exit status 1 when a reply differs
from what the scenario expects.
Usage: pym_client.py --addr 127.0.0.2 --port 5020 --scenario rw|devid
"""
import argparse
import logging
import sys

from pymodbus import diag_message as diag
from pymodbus import other_message as other
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.mei_message import ReadDeviceInformationRequest
from pymodbus.pdu import ExceptionResponse
from pymodbus.register_read_message import ReadWriteMultipleRegistersRequest
from pymodbus.register_write_message import MaskWriteRegisterRequest

FAILURES = []


def check(what, rsp, exception=None):
    """Records a failure when rsp is not a normal reply (or not exception code `exception`)."""
    if isinstance(rsp, ModbusException):
        got = f"error {rsp}"
    elif isinstance(rsp, ExceptionResponse):
        got = f"exception {rsp.exception_code}"
    else:
        got = "ok"
    want = "ok" if exception is None else f"exception {exception}"
    if got != want:
        FAILURES.append(f"{what}: want {want}, got {got}")
    return rsp


def run_rw(c):
    check("FC1 unit 1", c.read_coils(0, 16, slave=1))
    check("FC2 unit 1", c.read_discrete_inputs(5, 8, slave=1))
    check("FC3 unit 1", c.read_holding_registers(0, 8, slave=1))
    check("FC4 unit 1", c.read_input_registers(2, 3, slave=1))
    check("FC3 unit 2", c.read_holding_registers(10, 2, slave=2))
    check("FC5", c.write_coil(3, True, slave=1))
    check("FC6", c.write_register(4, 0xBEEF, slave=1))
    check("FC15", c.write_coils(10, [True, False, True, True, False], slave=1))
    check("FC16", c.write_registers(20, [1, 2, 3, 4], slave=1))
    check("FC22", c.execute(MaskWriteRegisterRequest(4, 0xFF00, 0x0012, unit=1)))
    check("FC23", c.execute(ReadWriteMultipleRegistersRequest(
        read_address=0, read_count=4, write_address=30, write_registers=[7, 8, 9], unit=1)))
    check("FC3 read back", c.read_holding_registers(20, 4, slave=1))
    check("FC7", c.read_exception_status(slave=1))
    check("FC11", c.execute(other.GetCommEventCounterRequest(unit=1)))
    check("FC12", c.execute(other.GetCommEventLogRequest(unit=1)))
    check("FC3 past the end", c.read_holding_registers(150, 10, slave=1), exception=2)
    rsp = c.read_holding_registers(0, 1, slave=9)
    if not isinstance(rsp, ModbusException):
        FAILURES.append(f"FC3 unknown unit 9: want no reply, got {rsp}")
    check("FC1 after exceptions", c.read_coils(0, 8, slave=1))


def run_devid(c):
    check("FC43/14 basic", c.execute(ReadDeviceInformationRequest(read_code=1, unit=1)))
    check("FC43/14 regular", c.execute(ReadDeviceInformationRequest(read_code=2, unit=1)))
    check("FC43/14 extended", c.execute(ReadDeviceInformationRequest(read_code=3, unit=1)))
    check("FC43/14 object 4", c.execute(ReadDeviceInformationRequest(
        read_code=4, object_id=0x04, unit=1)))
    check("FC43/14 read code 5", c.execute(ReadDeviceInformationRequest(read_code=5, unit=1)),
          exception=3)
    check("FC17", c.execute(other.ReportSlaveIdRequest(unit=1)))
    check("FC8/0 return query data",
          c.execute(diag.ReturnQueryDataRequest(message=0xA537, unit=1)))
    check("FC8/2 diagnostic register", c.execute(diag.ReturnDiagnosticRegisterRequest(unit=1)))
    check("FC8/11 bus message count", c.execute(diag.ReturnBusMessageCountRequest(unit=1)))
    check("FC8/14 server message count", c.execute(diag.ReturnSlaveMessageCountRequest(unit=1)))
    check("FC8/10 clear counters", c.execute(diag.ClearCountersRequest(unit=1)))
    check("FC8/12 bus comm error count",
          c.execute(diag.ReturnBusCommunicationErrorCountRequest(unit=1)))
    # The server stops answering after this one; the reply is a timeout by design.
    rsp = c.execute(diag.ForceListenOnlyModeRequest(unit=1))
    if not isinstance(rsp, ModbusException):
        FAILURES.append(f"FC8/4 force listen only: want no reply, got {rsp}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.2")
    ap.add_argument("--port", type=int, default=5020)
    ap.add_argument("--scenario", choices=("rw", "devid"), required=True)
    args = ap.parse_args()
    # pymodbus logs a timeout at error level; the one in devid is expected.
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

    c = ModbusTcpClient(args.addr, port=args.port, timeout=1, retries=0,
                        retry_on_empty=False)
    if not c.connect():
        print(f"pym_client: cannot connect to {args.addr}:{args.port}", file=sys.stderr)
        return 1
    try:
        if args.scenario == "rw":
            run_rw(c)
        else:
            run_devid(c)
    finally:
        c.close()
    for f in FAILURES:
        print(f"pym_client: {f}", file=sys.stderr)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
