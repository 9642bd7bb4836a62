# SPDX-License-Identifier: Apache-2.0
"""opcua_enc.py - a small OPC UA binary encoder (OPC 10000-6 5.2 built-in types, 6.7 secure
conversation, 7.1 UA TCP) that keeps a comment beside every field. It writes the commented C
byte vectors of tests/dissectors/opcua_vectors.h (gen_opcua_vectors.py) and the messages of
the golden capture generator. Each encoder returns a list of (bytes, comment) fields."""

import struct

POLICY_NONE = "http://opcfoundation.org/UA/SecurityPolicy#None"
POLICY_B256SHA256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"


def raw(b, c):
    return [(bytes(b), c)]


def u8(v, c):
    return [(struct.pack("<B", v), c)]


def boolean(v, c):
    return [(struct.pack("<B", 1 if v else 0), c + (" = true" if v else " = false"))]


def u16(v, c):
    return [(struct.pack("<H", v), "%s = %d" % (c, v))]


def i16(v, c):
    return [(struct.pack("<h", v), "%s = %d" % (c, v))]


def u32(v, c):
    return [(struct.pack("<I", v), "%s = %d" % (c, v))]


def i32(v, c):
    return [(struct.pack("<i", v), "%s = %d" % (c, v))]


def status(v, c):
    return [(struct.pack("<I", v), "%s = 0x%08X" % (c, v))]


def i64(v, c):
    return [(struct.pack("<q", v), "%s = %d" % (c, v))]


def f32(v, c):
    return [(struct.pack("<f", v), "%s = %r" % (c, v))]


def f64(v, c):
    return [(struct.pack("<d", v), "%s = %r" % (c, v))]


def datetime(ticks, c):
    return [(struct.pack("<q", ticks), c + " (DateTime, 100 ns ticks since 1601)")]


def string(s, c):
    """String/ByteString/XmlElement: Int32 length (-1 = null), then the bytes."""
    if s is None:
        return [(struct.pack("<i", -1), c + ": null (length -1)")]
    b = s.encode() if isinstance(s, str) else bytes(s)
    if not b:
        return [(struct.pack("<i", 0), c + ": empty (length 0)")]
    shown = ('"%s"' % s) if isinstance(s, str) else ("%d bytes" % len(b))
    return [(struct.pack("<i", len(b)), c + " length = %d" % len(b)), (b, c + " " + shown)]


def array(items, c):
    """Int32 count (-1 = null), then the encoded elements (a list of field lists)."""
    if items is None:
        return [(struct.pack("<i", -1), c + ": null array (-1)")]
    out = [(struct.pack("<i", len(items)), c + " count = %d" % len(items))]
    for it in items:
        out += it
    return out


def nodeid(ident, ns=0, c="NodeId"):
    """The shortest NodeId encoding for the identifier (Part 6, 5.2.2.9)."""
    if isinstance(ident, int):
        if ns == 0 and ident <= 255:
            return [(b"\x00", c + ": encoding 0x00 two-byte"), (struct.pack("<B", ident), "  identifier i=%d" % ident)]
        if ns <= 255 and ident <= 65535:
            return [(b"\x01", c + ": encoding 0x01 four-byte"), (struct.pack("<B", ns), "  namespace %d" % ns),
                    (struct.pack("<H", ident), "  identifier i=%d" % ident)]
        return [(b"\x02", c + ": encoding 0x02 numeric"), (struct.pack("<H", ns), "  namespace %d" % ns),
                (struct.pack("<I", ident), "  identifier i=%d" % ident)]
    if isinstance(ident, str):
        return [(b"\x03", c + ": encoding 0x03 string"), (struct.pack("<H", ns), "  namespace %d" % ns)] + \
            string(ident, "  identifier s=")
    if isinstance(ident, tuple) and ident[0] == "g":
        return [(b"\x04", c + ": encoding 0x04 guid"), (struct.pack("<H", ns), "  namespace %d" % ns),
                (ident[1], "  identifier (16-byte Guid)")]
    return [(b"\x05", c + ": encoding 0x05 opaque"), (struct.pack("<H", ns), "  namespace %d" % ns)] + \
        string(bytes(ident), "  identifier b=")


def null_nodeid(c="NodeId"):
    return [(b"\x00\x00", c + ": null (two-byte i=0)")]


def expnodeid(ident, ns=0, c="ExpandedNodeId"):
    return nodeid(ident, ns, c)


def qname(ns, name, c="QualifiedName"):
    return u16(ns, c + " namespace") + string(name, c + " name")


def ltext(text, c="LocalizedText", locale=None):
    mask = (1 if locale is not None else 0) | (2 if text is not None else 0)
    out = u8(mask, c + " mask 0x%02x" % mask)
    if locale is not None:
        out += string(locale, c + " locale")
    if text is not None:
        out += string(text, c + " text")
    return out


def extobj(type_id, body, c="ExtensionObject"):
    """body: None (no body) or a field list, wrapped as a ByteString body."""
    if type_id is None:
        return [(b"\x00\x00", c + " TypeId: null"), (b"\x00", c + " encoding 0x00: no body")]
    out = nodeid(type_id, 0, c + " TypeId")
    if body is None:
        return out + [(b"\x00", c + " encoding 0x00: no body")]
    n = sum(len(b) for b, _ in body)
    return out + [(b"\x01", c + " encoding 0x01: ByteString body"), (struct.pack("<i", n), c + " body length = %d" % n)] + body


VARIANT_TYPES = {"Boolean": 1, "SByte": 2, "Byte": 3, "Int16": 4, "UInt16": 5, "Int32": 6, "UInt32": 7,
                 "Int64": 8, "UInt64": 9, "Float": 10, "Double": 11, "String": 12, "DateTime": 13,
                 "ByteString": 15, "StatusCode": 19}


def scalar(t, v, c):
    if t == "Boolean":
        return boolean(v, c)
    if t in ("Byte",):
        return u8(v, "%s = %d" % (c, v))
    if t == "Int16":
        return i16(v, c)
    if t == "UInt16":
        return u16(v, c)
    if t == "Int32":
        return i32(v, c)
    if t == "UInt32":
        return u32(v, c)
    if t == "Int64":
        return i64(v, c)
    if t == "Float":
        return f32(v, c)
    if t == "Double":
        return f64(v, c)
    if t in ("String", "ByteString"):
        return string(v, c)
    if t == "DateTime":
        return datetime(v, c)
    if t == "StatusCode":
        return status(v, c)
    raise ValueError(t)


def variant(t, v, c="Variant"):
    code = VARIANT_TYPES[t]
    if isinstance(v, list):
        out = u8(code | 0x80, c + " mask 0x%02x: %s array" % (code | 0x80, t))
        out += i32(len(v), c + " array length")
        for i, e in enumerate(v):
            out += scalar(t, e, "  [%d]" % i)
        return out
    return u8(code, c + " mask 0x%02x: %s" % (code, t)) + scalar(t, v, "  " + t)


def datavalue(t=None, v=None, st=None, src_ts=None, c="DataValue"):
    mask = (1 if t else 0) | (2 if st is not None else 0) | (4 if src_ts is not None else 0)
    out = u8(mask, c + " mask 0x%02x" % mask)
    if t:
        out += variant(t, v, "  Variant")
    if st is not None:
        out += status(st, "  StatusCode")
    if src_ts is not None:
        out += datetime(src_ts, "  SourceTimestamp")
    return out


TS = 133000000000000000  # 2022-06-19T... as DateTime ticks


def request_header(handle, auth=None):
    out = nodeid(auth, 1, "RequestHeader.AuthenticationToken") if auth is not None else \
        null_nodeid("RequestHeader.AuthenticationToken")
    out += datetime(TS, "RequestHeader.Timestamp")
    out += u32(handle, "RequestHeader.RequestHandle")
    out += u32(0, "RequestHeader.ReturnDiagnostics")
    out += string(None, "RequestHeader.AuditEntryId")
    out += u32(10000, "RequestHeader.TimeoutHint")
    out += extobj(None, None, "RequestHeader.AdditionalHeader")
    return out


def response_header(handle, result=0):
    out = datetime(TS + 10000, "ResponseHeader.Timestamp")
    out += u32(handle, "ResponseHeader.RequestHandle")
    out += status(result, "ResponseHeader.ServiceResult")
    out += u8(0, "ResponseHeader.ServiceDiagnostics: DiagnosticInfo mask 0 (empty)")
    out += array(None, "ResponseHeader.StringTable")
    out += extobj(None, None, "ResponseHeader.AdditionalHeader")
    return out


def header(mtype, chunk, size):
    return [(mtype.encode(), '"%s" message type' % mtype), (chunk.encode(), "'%s' chunk type" % chunk),
            (struct.pack("<I", size), "message size = %d" % size)]


def size_of(fields):
    return sum(len(b) for b, _ in fields)


def transport(mtype, body):
    return header(mtype, "F", 8 + size_of(body)) + body


def msg(mtype, chunk, channel, token, seq, req_id, body):
    """A MSG/CLO chunk with symmetric security header and sequence header."""
    f = u32(channel, "SecureChannelId") + u32(token, "TokenId (symmetric security header)")
    f += u32(seq, "SequenceNumber") + u32(req_id, "RequestId") + body
    return header(mtype, chunk, 8 + size_of(f)) + f


def opn(chunk, channel, policy, cert, thumb, seq, req_id, body):
    """An OPN chunk with asymmetric security header."""
    f = u32(channel, "SecureChannelId") + string(policy, "SecurityPolicyUri")
    f += string(cert, "SenderCertificate") + string(thumb, "ReceiverCertificateThumbprint")
    if seq is not None:
        f += u32(seq, "SequenceNumber") + u32(req_id, "RequestId")
    f += body
    return header("OPN", chunk, 8 + size_of(f)) + f


def to_bytes(fields):
    return b"".join(b for b, _ in fields)


def to_c(name, fields, doc):
    lines = ["/* %s */" % doc, "static const uint8_t %s[] = {" % name]
    for b, c in fields:
        for off in range(0, max(len(b), 1), 12):
            part = b[off:off + 12]
            hexes = " ".join("0x%02x," % x for x in part)
            cm = c if off == 0 else "  ..."
            lines.append("    %-72s /* %s */" % (hexes, cm.replace("*/", "* /")))
    lines.append("};")
    return "\n".join(lines)
