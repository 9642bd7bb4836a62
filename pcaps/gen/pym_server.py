# SPDX-License-Identifier: Apache-2.0
"""pym_server.py - a pymodbus 3.0 Modbus/TCP server used by pcaps/gen/regen.sh.

Serves units 1 and 2 (100 coils, discrete inputs, holding and input registers each, with known
values) and a device identity for Read Device Identification (FC 43/14, basic, regular and
extended objects). Requests to other units get pymodbus's gateway exception (0x0B). Runs until
SIGTERM/SIGINT or --max-seconds. Run with /usr/bin/python3 (Debian python3-pymodbus).
Usage: pym_server.py --addr 127.0.0.2 --port 5020
"""
import argparse
import asyncio
import signal
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server.async_io import ModbusTcpServer

POINTS = 100


def make_unit(base):
    """One unit's tables; pymodbus blocks start at 1 for address 0 when zero_mode is off."""
    return ModbusSlaveContext(
        co=ModbusSequentialDataBlock(0, [i % 3 == 0 for i in range(POINTS + 1)]),
        di=ModbusSequentialDataBlock(0, [i % 2 == 0 for i in range(POINTS + 1)]),
        hr=ModbusSequentialDataBlock(0, [base + i for i in range(POINTS + 1)]),
        ir=ModbusSequentialDataBlock(0, [base + 500 + i for i in range(POINTS + 1)]),
        zero_mode=True,
    )


def make_identity():
    ident = ModbusDeviceIdentification(
        info_name={
            "VendorName": "tanzhen test vendor",
            "ProductCode": "TZ-PLC-1",
            "MajorMinorRevision": "3.0.0",
            "VendorUrl": "https://example.invalid/tanzhen",
            "ProductName": "tanzhen pymodbus server",
            "ModelName": "pym-5020",
            "UserApplicationName": "pcap generator",
        })
    # Private (extended) objects 0x80 and up, read with read code 3.
    ident[0x80] = "line 3 pump station"
    ident[0x81] = "serial 0042"
    return ident


async def serve(addr, port, max_seconds):
    context = ModbusServerContext(slaves={1: make_unit(1000), 2: make_unit(3000)}, single=False)
    server = ModbusTcpServer(context, identity=make_identity(), address=(addr, port),
                             allow_reuse_address=True)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(True))
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"pym_server: listening on {addr}:{port}", flush=True)
    try:
        await asyncio.wait_for(stop, max_seconds)
    except asyncio.TimeoutError:
        print("pym_server: --max-seconds reached", file=sys.stderr)
    await server.server_close()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.2")
    ap.add_argument("--port", type=int, default=5020)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    args = ap.parse_args()
    asyncio.run(serve(args.addr, args.port, args.max_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
