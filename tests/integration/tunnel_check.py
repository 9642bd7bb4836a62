# SPDX-License-Identifier: Apache-2.0
"""tunnel_check.py - the sensor on every shape a mirror port delivers a capture in.

For each capture given, mkvariants.py writes the variants (ERSPAN I/II/III, GRE with and
without key and sequence, Ethernet in GRE, GRE over IPv6, MPLS in GRE, VXLAN on 4789 and on
a configured port, MPLS with 1 and 3 labels, VLAN and QinQ inside tunnels, IPv4 and IPv6
fragments of 16 bytes in order and reversed, every fragment twice, fragmented outer IP,
plain + ERSPAN copies of every packet, forged overlapping fragments). Each variant must give
exactly the `ics` events of its baseline (normalised: id, seq, tunnel and MAC addresses
aside), and every event of a tunnel variant must carry the expected `tunnel` object; the
health counters of reassembly and mirror copies must be what the variant was built with;
with --schema every event must match the JSON Schema. Prints one line per capture; exit 1 on
any difference. Run with /usr/bin/python3.
Usage: tunnel_check.py --sensor BIN --tmp DIR [--schema FILE] CAPTURE...
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkvariants  # noqa: E402  (the variant table: baseline and tunnel of each)

GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mkvariants.py")
PY = "/usr/bin/python3"


VALIDATOR = None  # Draft 2020-12 validator of docs/schema/event.schema.json (--schema)


def run_sensor(sensor, pcap, extra=()):
    """(ics events, last health object) of one run; every event is checked against the
    JSON Schema."""
    out = subprocess.run([sensor, "-r", pcap, "--jsonl", "-", "-w", "1", *extra],
                         capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{pcap}: sensor exit {out.returncode}: {out.stderr[-500:]}")
    ics, health = [], None
    for line in out.stdout.splitlines():
        ev = json.loads(line)
        errors = list(VALIDATOR.iter_errors(ev)) if VALIDATOR else []
        if errors:
            raise RuntimeError(f"{pcap}: event does not match the schema: {errors[0].message}: "
                               f"{line[:300]}")
        if ev["type"] == "ics":
            ics.append(ev)
        elif ev["type"] == "health":
            health = ev["health"]
    return ics, health


def norm(ev):
    """An ics event without what legitimately differs between the variants."""
    e = {k: v for k, v in ev.items() if k not in ("id", "seq", "tunnel")}
    for side in ("src", "dst"):
        e[side] = {k: v for k, v in ev[side].items() if k != "mac"}
    return json.dumps(e, sort_keys=True)


class Checker:
    def __init__(self, sensor, name):
        self.sensor = sensor
        self.name = name
        self.errors = []
        self.checked = 0

    def fail(self, msg):
        self.errors.append(f"{self.name}: {msg}")

    def same(self, variant, got, want):
        self.checked += 1
        g, w = [norm(e) for e in got], [norm(e) for e in want]
        if g == w:
            return
        self.fail(f"{variant}: {len(got)} ics events, baseline {len(want)}")
        for a, b in zip(g, w):
            if a != b:
                self.fail(f"{variant}: first difference:\n    got  {a[:400]}\n    want {b[:400]}")
                break


def check_capture(sensor, tmp, pcap):
    name = os.path.splitext(os.path.basename(pcap))[0]
    out = os.path.join(tmp, name)
    subprocess.run([PY, GEN, pcap, out, "--udp"], check=True, capture_output=True, timeout=600)
    c = Checker(sensor, name)
    p = lambda v: os.path.join(out, v + ".pcap")  # noqa: E731
    base = {b: run_sensor(sensor, p(b))[0] for b in ("plain", "plain_vlan", "plain_qinq", "plain6")}
    if not base["plain"]:
        c.fail("the plain capture gives no ics event: nothing to compare")
        return c
    vx = ["--set", "decode.vxlan_ports=4789,8472"]
    for variant, (baseline, tunnel) in mkvariants.VARIANTS.items():
        ics, health = run_sensor(sensor, p(variant), vx if variant == "vxlan_8472" else ())
        c.same(variant, ics, base[baseline])
        for ev in ics:
            if ev.get("tunnel") != tunnel:
                c.fail(f"{variant}: tunnel {ev.get('tunnel')}, expected {tunnel}")
                break
        fr = dict.fromkeys(("fragments", "reassembled", "timeouts", "overlaps", "duplicates",
                            "bad"), 0) | health.get("frag", {})
        tu = {"packets": 0, "mirror_copies": 0} | health.get("tunnel", {})
        if variant.startswith(("frag", "erspan2_outer")) and (
                fr["reassembled"] == 0 or fr["timeouts"] or fr["overlaps"] or fr["bad"]):
            c.fail(f"{variant}: reassembly counters {fr}")
        if variant.endswith("_dup") and fr["duplicates"] * 2 != fr["fragments"]:
            c.fail(f"{variant}: {fr['duplicates']} duplicates of {fr['fragments']} fragments")
        if variant == "mirror" and (tu["mirror_copies"] == 0 or
                                    tu["mirror_copies"] != tu["packets"]):
            c.fail(f"mirror: {tu['mirror_copies']} copies skipped of {tu['packets']} tunnelled")
    # the VXLAN port must be configured: on 8472 without it there is nothing to decode
    ics, _ = run_sensor(sensor, p("vxlan_8472"))
    if ics:
        c.fail(f"vxlan_8472 without decode.vxlan_ports: {len(ics)} ics events, expected 0")
    # every copy decoded (decode.mirror_switch_ms 0): TCP reassembly still takes each byte once
    ics, health = run_sensor(sensor, p("mirror"), ["--set", "decode.mirror_switch_ms=0"])
    c.same("mirror (mirror_switch_ms=0)", ics, base["plain"])
    if health["tcp"]["retrans"] == 0 and any(e["transport"] == "tcp" for e in ics):
        c.fail("mirror (mirror_switch_ms=0): the copies were not seen as retransmissions")
    # forged overlapping fragments: dropped (RFC 5722); identical overlaps: duplicates
    ics, health = run_sensor(sensor, p("overlap"))
    c.same("overlap", ics, base["plain"])
    if health.get("frag", {}).get("overlaps") != 6:
        c.fail(f"overlap: {health.get('frag', {}).get('overlaps')} datagrams dropped, expected 6")
    ics, health = run_sensor(sensor, p("overlap_dup"))
    forged = [e for e in ics if e["src"]["port"] == 40000 and e["dst"]["port"] == 502
              and e["transport"] == "udp"]
    c.same("overlap_dup", [e for e in ics if e not in forged], base["plain"])
    dups = health.get("frag", {}).get("duplicates")
    if len(forged) != 6 or dups != 6:
        c.fail(f"overlap_dup: {len(forged)} forged requests decoded and {dups} duplicates, "
               "expected 6 and 6")
    # UDP: one datagram through two mirror paths is one event, not two
    udp, _ = run_sensor(sensor, p("udp"))
    if udp:
        ics, health = run_sensor(sensor, p("udp_mirror"))
        c.same("udp_mirror", ics, udp)
        ics, _ = run_sensor(sensor, p("udp_mirror"), ["--set", "decode.mirror_switch_ms=0"])
        if len(ics) <= len(udp):
            c.fail(f"udp_mirror with every copy decoded: {len(ics)} events, expected more "
                   f"than {len(udp)} (the path rule is what keeps them single)")
    c.counts = (len(base["plain"]), len(udp))
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--schema")
    ap.add_argument("captures", nargs="+")
    args = ap.parse_args()
    if args.schema:
        import jsonschema
        global VALIDATOR
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        VALIDATOR = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    failed = 0
    for pcap in args.captures:
        c = check_capture(args.sensor, args.tmp, pcap)
        if c.errors:
            failed += 1
            print(f"tunnels: {c.name}: FAIL")
            for e in c.errors[:20]:
                print("  " + e)
        else:
            print(f"tunnels: {c.name}: ok ({c.checked} variants, {c.counts[0]} ics events each; "
                  f"UDP copy {c.counts[1]})")
    print(f"tunnels: {len(args.captures) - failed}/{len(args.captures)} captures ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
