#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""opcua_session.py - writes pcaps/opcua_session.pcap, the OPC UA golden capture. No OPC UA
stack is packaged for Debian (apt-cache search opcua / open62541 finds nothing, PyPI is out of
reach), so the messages are built from the documented encodings (OPC 10000-6) by
tests/dissectors/opcua_enc.py, the encoder whose output tshark 4.0 decodes without a
malformed flag, and laid on TCP with handshakes, acks and checksums. Four connections:
  1 192.168.10.20 -> .10:4840   HEL/ACK, OPN None, GetEndpoints, CLO
  2 192.168.10.21 -> .10:4840   HEL/ACK, OPN, CreateSession, ActivateSession (user name:
                                 the password is on the wire and must not reach the events),
                                 Read, Write, Call, Browse, CreateSubscription,
                                 CreateMonitoredItems, Publish, a 3-chunk Write, HistoryRead,
                                 a Read answered by ServiceFault, CloseSession, CLO
  3 192.168.10.22 -> .11:48401  picked up mid-stream (no handshake, HEL or OPN): Read
  4 192.168.10.23 -> .10:4840   OPN Basic256Sha256 (encrypted), encrypted MSGs, CLO
Usage: /usr/bin/python3 pcaps/gen/opcua_session.py [OUT]"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "dissectors"))
import gen_opcua_vectors as g  # noqa: E402
from opcua_enc import (array, msg, nodeid, response_header, status, string, to_bytes,  # noqa: E402
                       u32, datavalue, extobj)

VEC = {n: to_bytes(f) for n, f, _ in g.V}
CH, TOK = g.CH, g.TOK


def extra():
    """Responses the unit vectors do not need but a whole session does."""
    out = {}
    out["create_mon_resp"] = msg("MSG", "F", CH, TOK, 200, 11,
                                 nodeid(754, 0, "CreateMonitoredItemsResponse") + response_header(11) +
                                 array([status(0, "StatusCode") + u32(1, "MonitoredItemId") +
                                        [(struct.pack("<d", 250.0), "RevisedSamplingInterval")] +
                                        u32(1, "RevisedQueueSize") + extobj(None, None)], "Results") +
                                 array(None, "DiagnosticInfos"))
    out["write3_resp"] = msg("MSG", "F", CH, TOK, 201, 19,
                             nodeid(676, 0, "WriteResponse") + response_header(19) +
                             array([status(0, "r0"), status(0, "r1"), status(0x80740000, "r2 BadTypeMismatch")],
                                   "Results") + array(None, "DiagnosticInfos"))
    out["history_resp"] = msg("MSG", "F", CH, TOK, 202, 15,
                              nodeid(667, 0, "HistoryReadResponse") + response_header(15) +
                              array([status(0x809B0000, "BadNoData") + string(None, "ContinuationPoint") +
                                     extobj(None, None)], "Results") + array(None, "DiagnosticInfos"))
    out["read_again"] = msg("MSG", "F", CH, TOK, 203, 21, g.READ_BODY)
    out["fault21"] = msg("MSG", "F", CH, TOK, 204, 21,
                         nodeid(397, 0, "ServiceFault") + response_header(21, 0x80260000))
    out["close_session_resp"] = msg("MSG", "F", CH, TOK, 205, 9,
                                    nodeid(476, 0, "CloseSessionResponse") + response_header(9))
    out["read_dc_resp"] = msg("MSG", "F", CH, TOK, 206, 2,
                              nodeid(634, 0, "ReadResponse") + response_header(2) +
                              array([datavalue("Double", 19.75), datavalue("Int32", 3)], "Results") +
                              array(None, "DiagnosticInfos"))
    out["read_dc_req"] = msg("MSG", "F", CH, TOK, 207, 2,
                             nodeid(631, 0, "ReadRequest") + g.request_header(2, g.AUTH) +
                             [(struct.pack("<d", 0.0), "MaxAge")] + u32(0, "TimestampsToReturn") +
                             array([g.rvid("Level", 3, 13), g.rvid("Batch", 3, 13)], "NodesToRead"))
    enc2 = bytes((i * 53 + 3) & 0xff for i in range(96))
    out["msg_enc_resp"] = g.header("MSG", "F", 8 + 8 + 96) + u32(9, "SecureChannelId") + u32(1, "TokenId") + \
        [(enc2, "encrypted")]
    out["clo_enc"] = g.header("CLO", "F", 8 + 8 + 64) + u32(9, "SecureChannelId") + u32(1, "TokenId") + \
        [(enc2[:64], "encrypted")]
    return {k: to_bytes(v) for k, v in out.items()}


X = extra()


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conn:
    """One TCP connection; writes frames with correct sequence numbers and checksums."""

    def __init__(self, w, cli, srv, cport, sport, handshake=True):
        self.w, self.cli, self.srv, self.cp, self.sp = w, cli, srv, cport, sport
        self.seq = {0: 100000 + cport, 1: 900000 + cport}
        if handshake:
            self.frame(0, 0x02, b"", syn=True)
            self.frame(1, 0x12, b"", syn=True)
            self.frame(0, 0x10)

    def frame(self, d, flags, payload=b"", syn=False):
        src, dst = (self.cli, self.srv) if d == 0 else (self.srv, self.cli)
        sport, dport = (self.cp, self.sp) if d == 0 else (self.sp, self.cp)
        ack = self.seq[1 - d] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[d], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        mac_c, mac_s = b"\x02\x00\x00\x00\x00\x21", b"\x02\x00\x00\x00\x00\x10"
        eth = (mac_s + mac_c if d == 0 else mac_c + mac_s) + b"\x08\x00"
        self.w.packet(eth + ip + tcp + payload)
        self.seq[d] += len(payload) + (1 if syn or flags & 0x01 else 0)

    def send(self, d, data):
        self.frame(d, 0x18, data)

    def close(self):
        self.frame(0, 0x11)
        self.frame(1, 0x11)
        self.frame(0, 0x10)


class Writer:
    def __init__(self):
        self.out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        self.t = 1700000000 * 1000000

    def packet(self, data):
        self.t += 1500  # 1.5 ms between frames
        self.out.append(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(data), len(data)) + data)

    def pause(self, us):
        self.t += us


def exchange(c, names):
    for n in names:
        data = VEC.get(n) or X[n]
        d = 1 if (n.endswith("resp") or n in ("v_ack", "v_fault", "fault21")) else 0
        c.send(d, data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "opcua_session.pcap")
    w = Writer()
    ip = lambda *b: bytes(b)
    srv, srv2 = ip(192, 168, 10, 10), ip(192, 168, 10, 11)

    c = Conn(w, ip(192, 168, 10, 20), srv, 50101, 4840)
    exchange(c, ["v_hel", "v_ack", "v_opn_req", "v_opn_resp", "v_getendpoints_req", "v_getendpoints_resp", "v_clo"])
    c.close()

    c = Conn(w, ip(192, 168, 10, 21), srv, 50102, 4840)
    exchange(c, ["v_hel", "v_ack", "v_opn_req", "v_opn_resp", "v_create_session_req", "v_create_session_resp",
                 "v_activate_user", "v_activate_resp", "v_read_req", "v_read_resp", "v_write_req", "v_write_resp",
                 "v_call_req", "v_call_resp", "v_browse_req", "v_browse_resp", "v_create_sub_req",
                 "v_create_sub_resp", "v_create_mon_req", "create_mon_resp", "v_publish_req"])
    w.pause(400000)
    exchange(c, ["v_publish_resp", "v_chunk_c1", "v_chunk_c2", "v_chunk_f3", "write3_resp", "v_history_req",
                 "history_resp", "read_again", "fault21", "v_close_session_req", "close_session_resp", "v_clo"])
    c.close()

    c = Conn(w, ip(192, 168, 10, 22), srv2, 50103, 48401, handshake=False)
    exchange(c, ["read_dc_req", "read_dc_resp"])

    c = Conn(w, ip(192, 168, 10, 23), srv, 50104, 4840)
    exchange(c, ["v_hel", "v_ack", "v_opn_b256_req", "v_opn_b256_resp", "v_msg_enc", "msg_enc_resp", "clo_enc"])
    c.close()

    with open(out, "wb") as f:
        f.write(b"".join(w.out))


if __name__ == "__main__":
    main()
