#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""s7comm_session.py - writes a pcap of snap7-style S7comm sessions on TCP 102, every PDU
built from the layouts documented by Wireshark's packet-s7comm.c (TPKT RFC 1006, COTP class 0,
S7 header, job/ack-data parameters, userdata, SZL 0x0011/0x001C records), optionally with one
S7comm-plus session (layouts of the S7comm-plus dissector / S7CommPlusDriver).

Each S7comm flow is what a snap7 client does against a CPU 315-2 PN/DP at rack 0, slot 2:
COTP CR/CC, setup communication, read SZL 0x0011, 0x001C and 0x0424, read var (DB bit, DB
words, MB bytes, a timer, inputs), write var, list blocks, block info, start upload / upload /
end upload, read clock, request download / download block / download ended (the PLC's jobs)
with PI _INSE, PLC stop and PI P_PROGRAM, set and clear the session password, a read of an
address that does not exist (item return code 5), then read/write polling until the flow holds
its share of --packets, then FIN. Timestamps, ports and sequence numbers are fixed, so the
output is the same on every run; flows are interleaved by time.

Usage: s7comm_session.py OUT [--packets N] [--flows M] [--plus]
"""
import argparse
import struct

PLC_MLFB = b"6ES7 315-2EH14-0AB0 "
T_START = 1700000000.0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 8192, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x00\x1b\x1b\x00\x00\x02" + b"\x00\x0c\x29\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


# ---- TPKT / COTP / S7 -------------------------------------------------------------------

def tpkt(body):
    return struct.pack("!BBH", 3, 0, 4 + len(body)) + body


def dt(payload):
    return tpkt(b"\x02\xf0\x80" + payload)  # COTP DT, class 0, EOT


def cotp_conn(code, dst_ref, src_ref, calling, called):
    params = b"\xc0\x01\x0a" + bytes([0xc1, len(calling)]) + calling + \
        bytes([0xc2, len(called)]) + called
    hdr = bytes([code]) + struct.pack("!HHB", dst_ref, src_ref, 0) + params
    return tpkt(bytes([len(hdr)]) + hdr)


def s7(rosctr, ref, param, data=b"", err=(0, 0)):
    hdr = struct.pack("!BBHHHH", 0x32, rosctr, 0, ref, len(param), len(data))
    if rosctr in (2, 3):
        hdr += bytes(err)
    return dt(hdr + param + data)


def any_item(tsize, count, db, area, byte, bit=0):
    addr = byte if area in (0x1c, 0x1d) else byte * 8 + bit
    return struct.pack("!BBBBHHB", 0x12, 10, 0x10, tsize, count, db, area) + \
        addr.to_bytes(3, "big")


def data_item(ret, tsize, value, last):
    bits = tsize in (3, 4, 5)
    n = len(value) * 8 if bits else len(value)
    if tsize == 3:
        n = 1
    out = struct.pack("!BBH", ret, tsize, n) + value
    if len(value) % 2 and not last:
        out += b"\0"
    return out


def read_ack_data(results):
    out = b""
    for i, (ret, tsize, value) in enumerate(results):
        if ret != 0xff:
            out += struct.pack("!BBH", ret, 0, 0)
        else:
            out += data_item(ret, tsize, value, i + 1 == len(results))
    return out


def ud_req(ref, group, sub, data, seq=0):
    param = b"\x00\x01\x12\x04\x11" + bytes([0x40 | group, sub, seq])
    return s7(7, ref, param, data)


def ud_resp(ref, group, sub, data, seq=1, err=0, unit=0, last=0):
    param = b"\x00\x01\x12\x08\x12" + bytes([0x80 | group, sub, seq, unit, last]) + \
        struct.pack("!H", err)
    return s7(7, ref, param, data)


def octets(ret, payload):
    return struct.pack("!BBH", ret, 9, len(payload)) + payload


def szl_list(szl_id, index, records):
    rec_len = len(records[0]) if records else 0
    return struct.pack("!HHHH", szl_id, index, rec_len, len(records)) + b"".join(records)


def szl11_records():
    return [struct.pack("!H", 1) + PLC_MLFB + struct.pack("!HHH", 0xc0, 4, 1),
            struct.pack("!H", 6) + PLC_MLFB + struct.pack("!HHH", 0xc0, 4, 1),
            struct.pack("!H", 7) + b" " * 20 + struct.pack("!HHH", 0xc0, 0x5603, 0x0206)]


def name_record(index, text, width=32):
    return struct.pack("!H", index) + text.encode().ljust(width, b"\0")


def filename(block_type, number, filesys=b"P"):
    return b"_" + block_type + b"%05d" % number + filesys


def updown_param(func, status, word, dword, fname=b""):
    out = bytes([func, status]) + struct.pack("!HI", word, dword)
    if fname:
        out += bytes([len(fname)]) + fname
    return out


def pi_param(service, block_param=b""):
    return b"\x28\x00\x00\x00\x00\x00\x00\xfd" + struct.pack("!H", len(block_param)) + \
        block_param + bytes([len(service)]) + service


# ---- one S7comm flow ---------------------------------------------------------------------

class Flow:
    def __init__(self, idx, t0):
        self.cli = bytes([10, 10, 0, 10 + idx])
        self.srv = bytes([10, 10, 1, 10 + idx])
        self.cport = 40000 + idx
        self.cseq = 1000 + idx * 100000
        self.sseq = 500000 + idx * 100000
        self.t = t0
        self.pkts = []

    def add(self, to_server, payload, flags=0x18):
        if to_server:
            f = frame(self.cli, self.srv, self.cport, 102, self.cseq, self.sseq, flags, payload)
            self.cseq += len(payload) + (1 if flags & 0x03 else 0)
        else:
            f = frame(self.srv, self.cli, 102, self.cport, self.sseq, self.cseq, flags, payload)
            self.sseq += len(payload) + (1 if flags & 0x03 else 0)
        self.pkts.append((self.t, f))
        self.t += 0.0004 if not to_server else 0.0100

    def txn(self, req, resp, req_from_client=True):
        self.add(req_from_client, req)
        self.add(not req_from_client, resp)

    def handshake(self):
        self.pkts.append((self.t, frame(self.cli, self.srv, self.cport, 102, self.cseq, 0, 0x02)))
        self.cseq += 1
        self.t += 0.0002
        self.pkts.append((self.t, frame(self.srv, self.cli, 102, self.cport, self.sseq,
                                        self.cseq, 0x12)))
        self.sseq += 1
        self.t += 0.0002
        self.add(True, b"", 0x10)

    def close(self):
        self.add(True, b"", 0x11)
        self.add(False, b"", 0x11)
        self.add(True, b"", 0x10)


def s7_flow(idx, t0, budget):
    f = Flow(idx, t0)
    f.handshake()
    f.txn(cotp_conn(0xe0, 0, 1, b"\x01\x00", b"\x01\x02"),
          cotp_conn(0xd0, 1, 0x4431, b"\x01\x00", b"\x01\x02"))
    ref = 0x100

    def next_ref():
        nonlocal ref
        ref += 1
        return ref

    r = next_ref()
    f.txn(s7(1, r, b"\xf0\x00" + struct.pack("!HHH", 1, 1, 480)),
          s7(3, r, b"\xf0\x00" + struct.pack("!HHH", 1, 1, 240)))
    r = next_ref()
    f.txn(ud_req(r, 4, 1, octets(0xff, struct.pack("!HH", 0x0011, 0))),
          ud_resp(r, 4, 1, octets(0xff, szl_list(0x0011, 0, szl11_records()))))
    r = next_ref()
    names = [name_record(1, "S7-GEN-%d" % idx, 24) + b"\0" * 8,
             name_record(2, "CPU 315-2 PN/DP", 24) + b"\0" * 8,
             name_record(3, "Line %d" % idx),
             name_record(5, "S C-GEN%09d" % idx, 24) + b"\0" * 8,
             name_record(7, "CPU 315-2 PN/DP")]
    f.txn(ud_req(r, 4, 1, octets(0xff, struct.pack("!HH", 0x001c, 0))),
          ud_resp(r, 4, 1, octets(0xff, szl_list(0x001c, 0, names))))
    r = next_ref()
    f.txn(ud_req(r, 4, 1, octets(0xff, struct.pack("!HH", 0x0424, 0))),
          ud_resp(r, 4, 1, octets(0xff, szl_list(0x0424, 0, [bytes(range(20))]))))
    r = next_ref()
    items = [any_item(1, 1, 1, 0x84, 0, 0), any_item(4, 2, 1, 0x84, 2), any_item(2, 4, 0, 0x83, 10),
             any_item(0x1d, 1, 0, 0x1d, 3), any_item(2, 1, 0, 0x81, 0)]
    f.txn(s7(1, r, bytes([4, len(items)]) + b"".join(items)),
          s7(3, r, b"\x04\x05", read_ack_data([(0xff, 3, b"\x01"), (0xff, 4, b"\x00\x2a\x00\x07"),
                                               (0xff, 4, b"\x10\x20\x30\x40"),
                                               (0xff, 9, b"\x00\x25"), (0xff, 4, b"\x81")])))
    r = next_ref()
    f.txn(s7(1, r, b"\x05\x01" + any_item(4, 1, 1, 0x84, 2), data_item(0, 4, b"\x00\x2b", True)),
          s7(3, r, b"\x05\x01", b"\xff"))
    r = next_ref()
    f.txn(ud_req(r, 3, 1, b"\x0a\x00\x00\x00"),
          ud_resp(r, 3, 1, octets(0xff, b"08\x00\x01" + b"0A\x00\x02" + b"0C\x00\x01")))
    r = next_ref()
    f.txn(ud_req(r, 3, 3, octets(0xff, b"0A00001A")),
          ud_resp(r, 3, 3, b"\x0a\x00\x00\x00", err=0xd209))
    upload_id = 7 + idx
    r = next_ref()
    f.txn(s7(1, r, updown_param(0x1d, 0, 0, 0, filename(b"0A", 1))),
          s7(3, r, updown_param(0x1d, 0, 0x0100, upload_id) + b"\x07" + b"0000064"))
    r = next_ref()
    f.txn(s7(1, r, updown_param(0x1e, 0, 0, upload_id)),
          s7(3, r, b"\x1e\x00", struct.pack("!HH", 8, 0xfb) + bytes(range(8))))
    r = next_ref()
    f.txn(s7(1, r, updown_param(0x1f, 0, 0, upload_id)), s7(3, r, b"\x1f"))
    r = next_ref()
    f.txn(ud_req(r, 7, 1, b"\x0a\x00\x00\x00"),
          ud_resp(r, 7, 1, octets(0xff, bytes([0x00, 0x19, 0x23, 0x11, 0x14, 0x09, 0x30,
                                              0x15 + idx, 0x25, 0x04]))))
    # download of FC 5: the PG asks, the PLC fetches the block with its own jobs
    r = next_ref()
    fc = filename(b"0C", 5)
    f.txn(s7(1, r, updown_param(0x1a, 0, 0x0100, 0, fc) + b"\x0d1000146000038"),
          s7(3, r, b"\x1a"))
    f.txn(s7(1, 0x0400 + idx, updown_param(0x1b, 0, 0x0100, 0, fc)),
          s7(3, 0x0400 + idx, b"\x1b\x00", struct.pack("!HH", 8, 0xfb) + bytes(range(8))),
          req_from_client=False)
    f.txn(s7(1, 0x0500 + idx, updown_param(0x1c, 0, 0, 0, fc)), s7(3, 0x0500 + idx, b"\x1c"),
          req_from_client=False)
    r = next_ref()
    f.txn(s7(1, r, pi_param(b"_INSE", b"\x01\x00" + b"0C00005P")), s7(3, r, b"\x28"))
    r = next_ref()
    f.txn(s7(1, r, b"\x29\x00\x00\x00\x00\x00\x09P_PROGRAM"), s7(3, r, b"\x29"))
    r = next_ref()
    f.txn(s7(1, r, pi_param(b"P_PROGRAM")), s7(3, r, b"\x28"))
    r = next_ref()
    f.txn(ud_req(r, 5, 1, octets(0xff, bytes([0x21, 0x3a, 0x1b, 0x1d, 0x6e, 0x68, 0x1b, 0x1d]))),
          ud_resp(r, 5, 1, b"\x0a\x00\x00\x00"))
    r = next_ref()
    f.txn(ud_req(r, 5, 2, b"\x0a\x00\x00\x00"), ud_resp(r, 5, 2, b"\x0a\x00\x00\x00"))
    r = next_ref()
    f.txn(s7(1, r, b"\x04\x01" + any_item(2, 4, 999, 0x84, 0)),
          s7(3, r, b"\x04\x01", read_ack_data([(0x0a, 0, b"")])))
    # polling until the flow has its share of packets (3 left for the FIN exchange)
    n = 0
    while len(f.pkts) + 2 + 3 <= budget:
        r = next_ref()
        if n % 2 == 0:
            f.txn(s7(1, r, b"\x04\x01" + any_item(2, 16, 0, 0x83, 0)),
                  s7(3, r, b"\x04\x01", read_ack_data([(0xff, 4, bytes([n & 0xff] * 16))])))
        else:
            f.txn(s7(1, r, b"\x05\x01" + any_item(4, 1, 2, 0x84, 4),
                     data_item(0, 4, struct.pack("!H", n & 0xffff), True)),
                  s7(3, r, b"\x05\x01", b"\xff"))
        n += 1
        ref &= 0xffff
    f.close()
    return f.pkts


# ---- one S7comm-plus flow ----------------------------------------------------------------

def s7p(version, data, trailer=True):
    out = struct.pack("!BBH", 0x72, version, len(data)) + data
    if trailer:
        out += struct.pack("!BBH", 0x72, version, 0)
    return dt(out)


def p_req(func, seq, session, body, flags=0x34):
    return b"\x31\x00\x00" + struct.pack("!HHHI", func, 0, seq, session) + bytes([flags]) + body


def p_resp(func, seq, body, flags=0x34):
    return b"\x32\x00\x00" + struct.pack("!HHH", func, 0, seq) + bytes([flags]) + body


def plus_flow(t0):
    f = Flow(9, t0)
    f.handshake()
    f.txn(cotp_conn(0xe0, 0, 2, b"\x06\x00", b"SIMATIC-ROOT-HMI"),
          cotp_conn(0xd0, 2, 0x0001, b"\x06\x00", b"SIMATIC-ROOT-HMI"))
    create = struct.pack("!I", 285) + b"\x00\x04\x00" + b"\0" * 4 + b"\xa1" + \
        struct.pack("!I", 211) + b"\x82\x1f" + b"\0" * 4
    f.txn(s7p(1, p_req(0x04ca, 1, 288, create, 0x36)),
          s7p(1, p_resp(0x04ca, 1, b"\x11\x02\x87\x08\x87\x09" + b"\0" * 4, 0x36)))
    session = 904
    seq = 2
    for i in range(3):
        f.txn(s7p(2, p_req(0x054c, seq, session, b"\x00\x00\x00\x00")),
              s7p(2, p_resp(0x054c, seq, b"\x00" + bytes([i]) * 6 + b"\0" * 4)))
        seq += 1
    f.add(False, s7p(3, b"\x20" + bytes(range(32)) + b"\x33" + struct.pack("!I", 0x70000e51) +
                     b"\x04\x00\x00\x00\x00\x00"))
    stop = struct.pack("!I", 52) + b"\x01\x90\x77" + b"\x00\x08\x01" + b"\0" * 4
    f.txn(s7p(2, p_req(0x04f2, seq, session, stop)), s7p(2, p_resp(0x04f2, seq, b"\x00" +
                                                                   b"\0" * 4)))
    seq += 1
    f.txn(s7p(2, p_req(0x04d4, seq, session, struct.pack("!I", session) + b"\0" * 4)),
          s7p(2, p_resp(0x04d4, seq, b"\x00" + struct.pack("!I", session) + b"\0" * 4)))
    f.close()
    return f.pkts


def write_pcap(path, pkts):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, data in pkts:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            out.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=200, help="packets over all S7comm flows")
    ap.add_argument("--flows", type=int, default=2, help="S7comm flows (PLCs)")
    ap.add_argument("--plus", action="store_true", help="add one S7comm-plus flow")
    a = ap.parse_args()
    pkts = []
    budget = max(a.packets // max(a.flows, 1), 1)
    for i in range(a.flows):
        pkts += s7_flow(i, T_START + i * 0.003, budget)
    if a.plus:
        pkts += plus_flow(T_START + 0.5)
    pkts.sort(key=lambda p: p[0])
    write_pcap(a.out, pkts)


if __name__ == "__main__":
    main()
