#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen_opcua_vectors.py - writes tests/dissectors/opcua_vectors.h, the commented OPC UA byte
vectors of test_opcua.c, and (with --corpus DIR) the same vectors as fuzz seed files. Run it
again after changing a vector: python3 tests/dissectors/gen_opcua_vectors.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opcua_enc import *  # noqa: E402,F401,F403

V = []  # (name, fields, doc)


def add(name, fields, doc):
    V.append((name, fields, doc))


ENDPOINT = "opc.tcp://plc1:4840/ua"
CH, TOK = 7, 3
AUTH = 12345  # ns=1;i=12345 session authentication token

# --- UA TCP connection protocol -------------------------------------------------------
add("v_hel", transport("HEL", u32(0, "ProtocolVersion") + u32(65535, "ReceiveBufferSize") +
                       u32(65535, "SendBufferSize") + u32(0, "MaxMessageSize (0 = no limit)") +
                       u32(0, "MaxChunkCount (0 = no limit)") + string(ENDPOINT, "EndpointUrl")),
    "HEL: client hello with its endpoint URL")
add("v_ack", transport("ACK", u32(0, "ProtocolVersion") + u32(65535, "ReceiveBufferSize") +
                       u32(65535, "SendBufferSize") + u32(2097152, "MaxMessageSize") +
                       u32(64, "MaxChunkCount")),
    "ACK: server acknowledge")
add("v_err", transport("ERR", status(0x80830000, "Error (BadTcpEndpointUrlInvalid)") +
                       string("unknown endpoint", "Reason")),
    "ERR: server rejects the HEL")
add("v_rhe", transport("RHE", string("urn:plc1", "ServerUri") + string("opc.tcp://plc1:4840", "EndpointUrl")),
    "RHE: reverse hello from a server")

# --- OpenSecureChannel, policy None ---------------------------------------------------
add("v_opn_req", opn("F", 0, POLICY_NONE, None, None, 51, 1,
                     nodeid(446, 0, "TypeId OpenSecureChannelRequest") + request_header(0) +
                     u32(0, "ClientProtocolVersion") + u32(0, "RequestType (0 Issue)") +
                     u32(1, "SecurityMode (1 None)") + string(b"", "ClientNonce") +
                     u32(3600000, "RequestedLifetime")),
    "OPN request, SecurityPolicy#None")
add("v_opn_resp", opn("F", CH, POLICY_NONE, None, None, 1, 1,
                      nodeid(449, 0, "TypeId OpenSecureChannelResponse") + response_header(0) +
                      u32(0, "ServerProtocolVersion") + u32(CH, "SecurityToken.ChannelId") +
                      u32(TOK, "SecurityToken.TokenId") + datetime(TS, "SecurityToken.CreatedAt") +
                      u32(600000, "SecurityToken.RevisedLifetime") + string(b"", "ServerNonce")),
    "OPN response: channel 7, token 3")

# --- OpenSecureChannel, Basic256Sha256 (encrypted) ------------------------------------
CERT = bytes(range(0x30, 0x30 + 40))
THUMB = bytes(range(0xa0, 0xa0 + 20))
ENC = bytes((i * 37 + 11) & 0xff for i in range(64))
add("v_opn_b256_req", opn("F", 0, POLICY_B256SHA256, CERT, THUMB, None, None,
                          raw(ENC, "encrypted sequence header, body, padding and signature")),
    "OPN request, Basic256Sha256: asymmetric header in the clear, the rest encrypted")
add("v_opn_b256_resp", opn("F", 9, POLICY_B256SHA256, CERT, THUMB, None, None,
                           raw(ENC[::-1], "encrypted sequence header, body, padding and signature")),
    "OPN response, Basic256Sha256, channel 9")
add("v_msg_enc", header("MSG", "F", 8 + 8 + 80) + u32(9, "SecureChannelId") + u32(1, "TokenId") +
    raw(bytes((i * 91 + 7) & 0xff for i in range(80)), "encrypted sequence header, body, padding and signature"),
    "MSG on the Basic256Sha256 channel: SignAndEncrypt body")

# --- Read -----------------------------------------------------------------------------
def rvid(ident, ns, attr):
    return nodeid(ident, ns, "ReadValueId.NodeId") + u32(attr, "  AttributeId") + \
        string(None, "  IndexRange") + qname(0, None, "  DataEncoding")


READ_BODY = nodeid(631, 0, "TypeId ReadRequest") + request_header(2, AUTH) + \
    f64(0.0, "MaxAge") + u32(2, "TimestampsToReturn (2 Both)") + \
    array([rvid("Temperature", 2, 13), rvid(2258, 0, 13), rvid(1001, 1, 13), rvid("Mode", 2, 13),
           rvid("Counts", 2, 13), rvid("Running", 2, 13)], "NodesToRead")
add("v_read_req", msg("MSG", "F", CH, TOK, 52, 2, READ_BODY), "MSG ReadRequest: six nodes, Value attribute")
add("v_read_resp", msg("MSG", "F", CH, TOK, 53, 2,
                       nodeid(634, 0, "TypeId ReadResponse") + response_header(2) +
                       array([datavalue("Double", 21.5, src_ts=TS, c="Results[0]"),
                              datavalue("DateTime", TS, c="Results[1]"),
                              datavalue(st=0x80340000, c="Results[2]"),
                              datavalue("String", "automatic", c="Results[3]"),
                              datavalue("Int32", [1, 2, 3], c="Results[4]"),
                              datavalue("Boolean", True, c="Results[5]")], "Results") +
                       array(None, "DiagnosticInfos")),
    "MSG ReadResponse: Double, DateTime, BadNodeIdUnknown, String, Int32[3], Boolean")
add("v_fault", msg("MSG", "F", CH, TOK, 54, 2,
                   nodeid(397, 0, "TypeId ServiceFault") + response_header(2, 0x80250000)),
    "MSG ServiceFault answering RequestId 2: BadSessionIdInvalid")

# --- Write ----------------------------------------------------------------------------
def wv(ident, ns, t, v):
    return nodeid(ident, ns, "WriteValue.NodeId") + u32(13, "  AttributeId (13 Value)") + \
        string(None, "  IndexRange") + datavalue(t, v, c="  Value")


add("v_write_req", msg("MSG", "F", CH, TOK, 55, 3,
                       nodeid(673, 0, "TypeId WriteRequest") + request_header(3, AUTH) +
                       array([wv("Setpoint", 2, "Float", 42.5), wv(5001, 2, "UInt16", 7)], "NodesToWrite")),
    "MSG WriteRequest: Float 42.5 and UInt16 7")
add("v_write_resp", msg("MSG", "F", CH, TOK, 56, 3,
                        nodeid(676, 0, "TypeId WriteResponse") + response_header(3) +
                        array([status(0, "Results[0] Good"), status(0x803B0000, "Results[1] BadNotWritable")],
                              "Results") + array(None, "DiagnosticInfos")),
    "MSG WriteResponse: Good, BadNotWritable")

# --- Call -----------------------------------------------------------------------------
add("v_call_req", msg("MSG", "F", CH, TOK, 57, 4,
                      nodeid(712, 0, "TypeId CallRequest") + request_header(4, AUTH) +
                      array([nodeid("Pump1", 2, "CallMethodRequest.ObjectId") +
                             nodeid("Pump1.Start", 2, "  MethodId") +
                             array([variant("Int32", 1500, "  InputArguments[0]"),
                                    variant("String", "fast", "  InputArguments[1]")], "  InputArguments")],
                            "MethodsToCall")),
    "MSG CallRequest: Pump1.Start(1500, \"fast\")")
add("v_call_resp", msg("MSG", "F", CH, TOK, 58, 4,
                       nodeid(715, 0, "TypeId CallResponse") + response_header(4) +
                       array([status(0, "CallMethodResult.StatusCode Good") +
                              array([status(0, "  [0]"), status(0, "  [1]")], "  InputArgumentResults") +
                              array(None, "  InputArgumentDiagnosticInfos") +
                              array([variant("Boolean", True, "  OutputArguments[0]")], "  OutputArguments")],
                             "Results") + array(None, "DiagnosticInfos")),
    "MSG CallResponse: Good, one output argument")

# --- Browse ---------------------------------------------------------------------------
add("v_browse_req", msg("MSG", "F", CH, TOK, 59, 5,
                        nodeid(527, 0, "TypeId BrowseRequest") + request_header(5, AUTH) +
                        null_nodeid("View.ViewId") + datetime(0, "View.Timestamp") + u32(0, "View.ViewVersion") +
                        u32(100, "RequestedMaxReferencesPerNode") +
                        array([nodeid(85, 0, "BrowseDescription.NodeId (Objects)") +
                               u32(0, "  BrowseDirection (0 Forward)") +
                               nodeid(33, 0, "  ReferenceTypeId (HierarchicalReferences)") +
                               boolean(True, "  IncludeSubtypes") + u32(0, "  NodeClassMask") +
                               u32(63, "  ResultMask")], "NodesToBrowse")),
    "MSG BrowseRequest of the Objects folder")


def refdesc(ident, ns, name):
    return nodeid(35, 0, "ReferenceDescription.ReferenceTypeId (Organizes)") + boolean(True, "  IsForward") + \
        expnodeid(ident, ns, "  NodeId") + qname(ns, name, "  BrowseName") + ltext(name, "  DisplayName") + \
        u32(1, "  NodeClass (1 Object)") + expnodeid(61, 0, "  TypeDefinition (FolderType)")


add("v_browse_resp", msg("MSG", "F", CH, TOK, 60, 5,
                         nodeid(530, 0, "TypeId BrowseResponse") + response_header(5) +
                         array([status(0, "BrowseResult.StatusCode") + string(None, "  ContinuationPoint") +
                                array([refdesc(2253, 0, "Server"), refdesc("Pump1", 2, "Pump1")], "  References")],
                               "Results") + array(None, "DiagnosticInfos")),
    "MSG BrowseResponse: two references")
BROWSE_CP1 = bytes([0x42, 0x4e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07])  # server-chosen, opaque
BROWSE_CP2 = bytes([0x42, 0x4e, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09])
add("v_browse_next_req", msg("MSG", "F", CH, TOK, 91, 21,
                             nodeid(533, 0, "TypeId BrowseNextRequest") + request_header(21, AUTH) +
                             boolean(False, "ReleaseContinuationPoints") +
                             array([string(BROWSE_CP1, "  [0]"), string(BROWSE_CP2, "  [1]")],
                                   "ContinuationPoints")),
    "MSG BrowseNextRequest: two continuation points")
add("v_browse_next_resp", msg("MSG", "F", CH, TOK, 92, 21,
                              nodeid(536, 0, "TypeId BrowseNextResponse") + response_header(21) +
                              array([status(0, "BrowseResult[0].StatusCode Good") +
                                     string(bytes([0x42, 0x4e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08]),
                                            "  ContinuationPoint (more to come)") +
                                     array([refdesc("Pump2", 2, "Pump2"), refdesc("Pump3", 2, "Pump3")],
                                           "  References"),
                                     status(0x804A0000, "BrowseResult[1].StatusCode BadContinuationPointInvalid") +
                                     string(None, "  ContinuationPoint") + array(None, "  References")],
                                    "Results") + array(None, "DiagnosticInfos")),
    "MSG BrowseNextResponse: two more references, then BadContinuationPointInvalid")

# --- Sessions -------------------------------------------------------------------------
add("v_create_session_req", msg("MSG", "F", CH, TOK, 61, 6,
                                nodeid(461, 0, "TypeId CreateSessionRequest") + request_header(6) +
                                string("urn:tz:client", "ClientDescription.ApplicationUri") +
                                string(None, "  ProductUri") + ltext("tz client", "  ApplicationName") +
                                u32(1, "  ApplicationType (1 Client)") + string(None, "  GatewayServerUri") +
                                string(None, "  DiscoveryProfileUri") + array(None, "  DiscoveryUrls") +
                                string(None, "ServerUri") + string(ENDPOINT, "EndpointUrl") +
                                string("tz-session-1", "SessionName") + string(bytes(32), "ClientNonce") +
                                string(None, "ClientCertificate") + f64(1200000.0, "RequestedSessionTimeout") +
                                u32(0, "MaxResponseMessageSize")),
    "MSG CreateSessionRequest")
add("v_create_session_resp", msg("MSG", "F", CH, TOK, 62, 6,
                                 nodeid(464, 0, "TypeId CreateSessionResponse") + response_header(6) +
                                 nodeid(9001, 1, "SessionId") + nodeid(AUTH, 1, "AuthenticationToken") +
                                 f64(1200000.0, "RevisedSessionTimeout") + string(bytes(32), "ServerNonce") +
                                 string(None, "ServerCertificate") + array([], "ServerEndpoints") +
                                 array(None, "ServerSoftwareCertificates") + string(None, "ServerSignature.Algorithm") +
                                 string(None, "ServerSignature.Signature") + u32(0, "MaxRequestMessageSize")),
    "MSG CreateSessionResponse")


def activate(seq, req, token, sig_alg=None, sig=None):
    return msg("MSG", "F", CH, TOK, seq, req,
               nodeid(467, 0, "TypeId ActivateSessionRequest") + request_header(req, AUTH) +
               string(None, "ClientSignature.Algorithm") + string(None, "ClientSignature.Signature") +
               array(None, "ClientSoftwareCertificates") + array([string("en", "  [0]")], "LocaleIds") +
               token + string(sig_alg, "UserTokenSignature.Algorithm") + string(sig, "UserTokenSignature.Signature"))


add("v_activate_anon", activate(63, 7, extobj(321, string("anonymous", "PolicyId"),
                                              "UserIdentityToken (AnonymousIdentityToken)")),
    "MSG ActivateSessionRequest with an anonymous token")
add("v_activate_user", activate(64, 8, extobj(324, string("username_basic", "PolicyId") +
                                              string("operator7", "UserName") +
                                              string(b"S3cr3t-Pa55!", "Password (clear under policy None)") +
                                              string(None, "EncryptionAlgorithm"),
                                              "UserIdentityToken (UserNameIdentityToken)")),
    "MSG ActivateSessionRequest with a user name token: the password must never be emitted")
# The secrets carry an ASCII marker so test_opcua.c can look for them in the JSON and the record.
X509_CERT = bytes([0x30, 0x82, 0x01, 0x0a, 0x30, 0x81, 0xf3]) + b"tz-x509-cert-SECRET" + bytes(range(0xe0, 0xf0))
ISSUED_TOKEN = b"eyJhbGciOiJSUzI1NiJ9.tz-issued-SECRET.c2lnbmF0dXJl"
add("v_activate_x509", activate(93, 22, extobj(327, string("certificate_basic256sha256", "PolicyId") +
                                               string(X509_CERT, "CertificateData (DER, user certificate)"),
                                               "UserIdentityToken (X509IdentityToken)"),
                                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", bytes([0x5c] * 64)),
    "MSG ActivateSessionRequest with an X509 token: the certificate must never be emitted")
add("v_activate_issued", activate(94, 23, extobj(940, string("issued_jwt", "PolicyId") +
                                                 string(ISSUED_TOKEN, "TokenData (JWT, clear under policy None)") +
                                                 string(None, "EncryptionAlgorithm"),
                                                 "UserIdentityToken (IssuedIdentityToken)")),
    "MSG ActivateSessionRequest with an issued (JWT) token: the token must never be emitted")
add("v_activate_resp", msg("MSG", "F", CH, TOK, 65, 8,
                           nodeid(470, 0, "TypeId ActivateSessionResponse") + response_header(8) +
                           string(bytes(32), "ServerNonce") + array([], "Results") + array(None, "DiagnosticInfos")),
    "MSG ActivateSessionResponse to RequestId 8")
add("v_close_session_req", msg("MSG", "F", CH, TOK, 66, 9,
                               nodeid(473, 0, "TypeId CloseSessionRequest") + request_header(9, AUTH) +
                               boolean(True, "DeleteSubscriptions")),
    "MSG CloseSessionRequest")

# --- Subscriptions --------------------------------------------------------------------
add("v_create_sub_req", msg("MSG", "F", CH, TOK, 67, 10,
                            nodeid(787, 0, "TypeId CreateSubscriptionRequest") + request_header(10, AUTH) +
                            f64(500.0, "RequestedPublishingInterval") + u32(10000, "RequestedLifetimeCount") +
                            u32(10, "RequestedMaxKeepAliveCount") + u32(0, "MaxNotificationsPerPublish") +
                            boolean(True, "PublishingEnabled") + u8(0, "Priority = 0")),
    "MSG CreateSubscriptionRequest")
add("v_create_sub_resp", msg("MSG", "F", CH, TOK, 68, 10,
                             nodeid(790, 0, "TypeId CreateSubscriptionResponse") + response_header(10) +
                             u32(17, "SubscriptionId") + f64(500.0, "RevisedPublishingInterval") +
                             u32(10000, "RevisedLifetimeCount") + u32(10, "RevisedMaxKeepAliveCount")),
    "MSG CreateSubscriptionResponse: subscription 17")
add("v_create_mon_req", msg("MSG", "F", CH, TOK, 69, 11,
                            nodeid(751, 0, "TypeId CreateMonitoredItemsRequest") + request_header(11, AUTH) +
                            u32(17, "SubscriptionId") + u32(2, "TimestampsToReturn (2 Both)") +
                            array([rvid("Temperature", 2, 13) + u32(2, "  MonitoringMode (2 Reporting)") +
                                   u32(42, "  RequestedParameters.ClientHandle") +
                                   f64(250.0, "  SamplingInterval") + extobj(None, None, "  Filter") +
                                   u32(1, "  QueueSize") + boolean(True, "  DiscardOldest")], "ItemsToCreate")),
    "MSG CreateMonitoredItemsRequest: one item, client handle 42")
add("v_publish_req", msg("MSG", "F", CH, TOK, 70, 12,
                         nodeid(826, 0, "TypeId PublishRequest") + request_header(12, AUTH) +
                         array([u32(17, "  SubscriptionId") + u32(4, "  SequenceNumber")],
                               "SubscriptionAcknowledgements")),
    "MSG PublishRequest acknowledging sequence 4")
DATA_CHANGE = array([u32(42, "MonitoredItemNotification.ClientHandle") + datavalue("Double", 3.25, c="  Value"),
                     u32(43, "MonitoredItemNotification.ClientHandle") +
                     datavalue("Int16", -7, st=0x40900000, c="  Value")], "MonitoredItems") + \
    array(None, "DiagnosticInfos")
EVENTS = array([u32(44, "EventFieldList.ClientHandle") +
                array([variant("String", "alarm", "  EventFields[0]")], "  EventFields")], "Events")
add("v_publish_resp", msg("MSG", "F", CH, TOK, 71, 12,
                          nodeid(829, 0, "TypeId PublishResponse") + response_header(12) +
                          u32(17, "SubscriptionId") + array([u32(5, "  [0]")], "AvailableSequenceNumbers") +
                          boolean(False, "MoreNotifications") + u32(5, "NotificationMessage.SequenceNumber") +
                          datetime(TS, "NotificationMessage.PublishTime") +
                          array([extobj(811, DATA_CHANGE, "NotificationData[0] (DataChangeNotification)"),
                                 extobj(916, EVENTS, "NotificationData[1] (EventNotificationList)")],
                                "NotificationData") +
                          array([status(0, "  [0] Good")], "Results") + array(None, "DiagnosticInfos")),
    "MSG PublishResponse: two data changes and one event")

# --- Discovery ------------------------------------------------------------------------
add("v_getendpoints_req", msg("MSG", "F", CH, TOK, 72, 13,
                              nodeid(428, 0, "TypeId GetEndpointsRequest") + request_header(13) +
                              string("opc.tcp://plc1:4840", "EndpointUrl") + array(None, "LocaleIds") +
                              array(None, "ProfileUris")),
    "MSG GetEndpointsRequest")
add("v_getendpoints_resp", msg("MSG", "F", CH, TOK, 73, 13,
                               nodeid(431, 0, "TypeId GetEndpointsResponse") + response_header(13) +
                               array([string("opc.tcp://plc1:4840", "EndpointDescription.EndpointUrl") +
                                      string("urn:plc1", "  Server.ApplicationUri") + string(None, "  Server.ProductUri") +
                                      ltext("PLC 1", "  Server.ApplicationName") + u32(0, "  Server.ApplicationType (0 Server)") +
                                      string(None, "  Server.GatewayServerUri") + string(None, "  Server.DiscoveryProfileUri") +
                                      array(None, "  Server.DiscoveryUrls") + string(None, "  ServerCertificate") +
                                      u32(1, "  SecurityMode (1 None)") + string(POLICY_NONE, "  SecurityPolicyUri") +
                                      array([string("anonymous", "  UserTokenPolicy.PolicyId") +
                                             u32(0, "  TokenType (0 Anonymous)") + string(None, "  IssuedTokenType") +
                                             string(None, "  IssuerEndpointUrl") + string(None, "  SecurityPolicyUri")],
                                            "  UserIdentityTokens") +
                                      string(None, "  TransportProfileUri") + u8(1, "  SecurityLevel = 1")],
                                     "Endpoints")),
    "MSG GetEndpointsResponse: one endpoint")
add("v_find_servers_req", msg("MSG", "F", CH, TOK, 74, 14,
                              nodeid(422, 0, "TypeId FindServersRequest") + request_header(14) +
                              string("opc.tcp://lds:4840", "EndpointUrl") + array(None, "LocaleIds") +
                              array(None, "ServerUris")),
    "MSG FindServersRequest")
def app_desc(uri, name, app_type, urls, c):
    return string(uri, c + ".ApplicationUri") + string(None, "  ProductUri") + ltext(name, "  ApplicationName") + \
        u32(app_type[0], "  ApplicationType (%d %s)" % app_type) + string(None, "  GatewayServerUri") + \
        string(None, "  DiscoveryProfileUri") + array([string(u, "  DiscoveryUrl") for u in urls], "  DiscoveryUrls")


add("v_find_servers_resp", msg("MSG", "F", CH, TOK, 95, 14,
                               nodeid(425, 0, "TypeId FindServersResponse") + response_header(14) +
                               array([app_desc("urn:lds", "LDS", (3, "DiscoveryServer"), ["opc.tcp://lds:4840"],
                                               "Servers[0]"),
                                      app_desc("urn:plc1", "PLC 1", (0, "Server"), ["opc.tcp://plc1:4840"],
                                               "Servers[1]")], "Servers")),
    "MSG FindServersResponse: the discovery server and one server")

# --- Other services -------------------------------------------------------------------
add("v_history_req", msg("MSG", "F", CH, TOK, 75, 15,
                         nodeid(664, 0, "TypeId HistoryReadRequest") + request_header(15, AUTH) +
                         extobj(649, boolean(False, "IsReadModified") + datetime(TS - 36000000000, "StartTime") +
                                datetime(TS, "EndTime") + u32(100, "NumValuesPerNode") +
                                boolean(False, "ReturnBounds"), "HistoryReadDetails (ReadRawModifiedDetails)") +
                         u32(0, "TimestampsToReturn (0 Source)") + boolean(False, "ReleaseContinuationPoints") +
                         array([nodeid("Temperature", 2, "HistoryReadValueId.NodeId") + string(None, "  IndexRange") +
                                qname(0, None, "  DataEncoding") + string(None, "  ContinuationPoint")],
                               "NodesToRead")),
    "MSG HistoryReadRequest: raw history of one node")
add("v_translate_req", msg("MSG", "F", CH, TOK, 76, 16,
                           nodeid(554, 0, "TypeId TranslateBrowsePathsToNodeIdsRequest") + request_header(16, AUTH) +
                           array([nodeid(84, 0, "BrowsePath.StartingNode (Root)") +
                                  array([nodeid(33, 0, "  RelativePathElement.ReferenceTypeId") +
                                         boolean(False, "  IsInverse") + boolean(True, "  IncludeSubtypes") +
                                         qname(0, "Objects", "  TargetName")], "  RelativePath.Elements")],
                                 "BrowsePaths")),
    "MSG TranslateBrowsePathsToNodeIdsRequest: Root/Objects")
add("v_translate_resp", msg("MSG", "F", CH, TOK, 96, 16,
                            nodeid(557, 0, "TypeId TranslateBrowsePathsToNodeIdsResponse") + response_header(16) +
                            array([status(0, "BrowsePathResult.StatusCode Good") +
                                   array([expnodeid(85, 0, "  BrowsePathTarget.TargetId (Objects)") +
                                          u32(0xFFFFFFFF, "  RemainingPathIndex (UInt32 max: fully resolved)")],
                                         "  Targets")], "Results") + array(None, "DiagnosticInfos")),
    "MSG TranslateBrowsePathsToNodeIdsResponse: Root/Objects is i=85")
add("v_add_nodes_req", msg("MSG", "F", CH, TOK, 77, 17,
                           nodeid(488, 0, "TypeId AddNodesRequest") + request_header(17, AUTH) +
                           array([expnodeid(85, 0, "AddNodesItem.ParentNodeId") +
                                  nodeid(35, 0, "  ReferenceTypeId (Organizes)") +
                                  expnodeid("NewVar", 2, "  RequestedNewNodeId") + qname(2, "NewVar", "  BrowseName") +
                                  u32(2, "  NodeClass (2 Variable)") + extobj(None, None, "  NodeAttributes") +
                                  expnodeid(63, 0, "  TypeDefinition (BaseDataVariableType)")], "NodesToAdd")),
    "MSG AddNodesRequest: ns=2;s=NewVar")
add("v_add_nodes_resp", msg("MSG", "F", CH, TOK, 97, 17,
                            nodeid(491, 0, "TypeId AddNodesResponse") + response_header(17) +
                            array([status(0, "AddNodesResult.StatusCode Good") +
                                   nodeid("NewVar", 2, "  AddedNodeId")], "Results") +
                            array(None, "DiagnosticInfos")),
    "MSG AddNodesResponse: ns=2;s=NewVar added")


def add_item(requested, name, c):
    return expnodeid(85, 0, c + ".ParentNodeId (Objects)") + nodeid(35, 0, "  ReferenceTypeId (Organizes)") + \
        requested + qname(2, name, "  BrowseName") + u32(2, "  NodeClass (2 Variable)") + \
        extobj(None, None, "  NodeAttributes") + expnodeid(63, 0, "  TypeDefinition (BaseDataVariableType)")


add("v_add_nodes2_req", msg("MSG", "F", CH, TOK, 98, 24,
                            nodeid(488, 0, "TypeId AddNodesRequest") + request_header(24, AUTH) +
                            array([add_item(null_nodeid("  RequestedNewNodeId"), "Auto", "AddNodesItem[0]"),
                                   add_item(expnodeid("Dup", 2, "  RequestedNewNodeId"), "Dup", "AddNodesItem[1]")],
                                  "NodesToAdd")),
    "MSG AddNodesRequest: one node the server names, one with a requested id ns=2;s=Dup")
add("v_add_nodes2_resp", msg("MSG", "F", CH, TOK, 99, 24,
                             nodeid(491, 0, "TypeId AddNodesResponse") + response_header(24) +
                             array([status(0, "AddNodesResult[0].StatusCode Good") +
                                    nodeid(7001, 2, "  AddedNodeId (chosen by the server)"),
                                    status(0x805E0000, "AddNodesResult[1].StatusCode BadNodeIdExists") +
                                    null_nodeid("  AddedNodeId")], "Results") +
                             array(None, "DiagnosticInfos")),
    "MSG AddNodesResponse: ns=2;i=7001 added, ns=2;s=Dup refused")
add("v_delete_nodes_req", msg("MSG", "F", CH, TOK, 78, 18,
                              nodeid(500, 0, "TypeId DeleteNodesRequest") + request_header(18, AUTH) +
                              array([nodeid("OldVar", 2, "DeleteNodesItem.NodeId") +
                                     boolean(True, "  DeleteTargetReferences")], "NodesToDelete")),
    "MSG DeleteNodesRequest: ns=2;s=OldVar")
add("v_delete_nodes_resp", msg("MSG", "F", CH, TOK, 100, 18,
                               nodeid(503, 0, "TypeId DeleteNodesResponse") + response_header(18) +
                               array([status(0x801F0000, "Results[0] BadUserAccessDenied")], "Results") +
                               array(None, "DiagnosticInfos")),
    "MSG DeleteNodesResponse: BadUserAccessDenied")

# --- Chunks ---------------------------------------------------------------------------
WRITE3 = nodeid(673, 0, "TypeId WriteRequest") + request_header(19, AUTH) + \
    array([wv("Valve1", 2, "Double", 1.0), wv("Valve2", 2, "Double", 2.0), wv("Valve3", 2, "Double", 3.0)],
          "NodesToWrite")
wb = to_bytes(WRITE3)
cut1, cut2 = 30, 75
add("v_chunk_c1", msg("MSG", "C", CH, TOK, 80, 19, raw(wb[:cut1], "body part 1 of a WriteRequest (three Double values)")),
    "MSG 'C' chunk 1 of 3")
add("v_chunk_c2", msg("MSG", "C", CH, TOK, 81, 19, raw(wb[cut1:cut2], "body part 2")), "MSG 'C' chunk 2 of 3")
add("v_chunk_f3", msg("MSG", "F", CH, TOK, 82, 19, raw(wb[cut2:], "body part 3 (final)")), "MSG 'F' chunk 3 of 3")
add("v_abort_client", msg("MSG", "A", CH, TOK, 83, 19, status(0x80B80000, "Error (BadRequestTooLarge)") +
                          string("too large", "Reason")),
    "MSG 'A' chunk: the client abandons RequestId 19")
add("v_abort_server", msg("MSG", "A", CH, TOK, 84, 2, status(0x80B90000, "Error (BadResponseTooLarge)") +
                          string("response too large", "Reason")),
    "MSG 'A' chunk: the server aborts its response to RequestId 2")
add("v_clo", msg("CLO", "F", CH, TOK, 85, 20,
                 nodeid(452, 0, "TypeId CloseSecureChannelRequest") + request_header(20)),
    "CLO: CloseSecureChannelRequest")

# --- Signed only (Sign mode): body in the clear, 32-byte HMAC-SHA256 signature after it ---
add("v_msg_signed", msg("MSG", "F", 9, 1, 90, 30, nodeid(631, 0, "TypeId ReadRequest") + request_header(30, AUTH) +
                        f64(0.0, "MaxAge") + u32(0, "TimestampsToReturn (0 Source)") +
                        array([rvid(2258, 0, 13)], "NodesToRead") + raw(bytes([0x5a] * 32), "signature (32 bytes)")),
    "MSG ReadRequest on a Basic256Sha256 channel in Sign mode: readable, signature appended")


# --- Malformed inputs (test_opcua.c runs each after a clear OPN exchange) ---------------
M = []  # (name, fields, doc)


def bad(name, fields, doc):
    M.append((name, fields, doc))


def mreq(body, seq=100, req=100):
    return msg("MSG", "F", CH, TOK, seq, req, body)


RH = request_header(1, AUTH)
bad("m_hel_short", header("HEL", "F", 20) + u32(0, "ProtocolVersion") + u32(65535, "ReceiveBufferSize") +
    u32(65535, "SendBufferSize") + [],
    "HEL cut after SendBufferSize (size 20): truncated")
bad("m_ack_short", header("ACK", "F", 12) + u32(0, "ProtocolVersion"), "ACK with only its version: truncated")
bad("m_err_reason_long", header("ERR", "F", 20) + status(0x80820000, "Error") + i32(100, "Reason length, past the end") +
    raw(b"abcd", "4 of the 100 bytes"), "ERR whose Reason runs past the message")
bad("m_hel_chunk_c", header("HEL", "C", 8), "HEL with chunk type 'C' (only F is allowed)")
bad("m_msg_chunk_x", header("MSG", "X", 8), "MSG with chunk type 'X'")
bad("m_bad_type", header("XYZ", "F", 8), "unknown message type \"XYZ\"")
bad("m_size_past_end", header("MSG", "F", 200) + u32(CH, "SecureChannelId"), "size 200 but 12 bytes given")
bad("m_opn_policy_huge", header("OPN", "F", 16) + u32(0, "SecureChannelId") + i32(0x7fff0000, "SecurityPolicyUri length, absurd"),
    "OPN whose policy URI length is absurd: invalid")
bad("m_msg_no_token", header("MSG", "F", 12) + u32(CH, "SecureChannelId"), "MSG without its TokenId")
bad("m_msg_no_reqid", header("MSG", "F", 20) + u32(CH, "SecureChannelId") + u32(TOK, "TokenId") +
    u32(1, "SequenceNumber"), "MSG without its RequestId")
bad("m_nodeid_enc", mreq(raw(b"\x07\x00\x77\x02", "TypeId with NodeId encoding 0x07 (undefined)")),
    "MSG whose type NodeId has an undefined encoding")
bad("m_read_count", mreq(nodeid(631, 0, "TypeId ReadRequest") + RH + f64(0.0, "MaxAge") + u32(0, "TimestampsToReturn") +
                         i32(0x7fffffff, "NodesToRead count, absurd")),
    "ReadRequest claiming 2^31-1 nodes")
bad("m_variant_type", mreq(nodeid(634, 0, "TypeId ReadResponse") + response_header(1) + i32(1, "Results count") +
                           u8(0x01, "DataValue mask: value") + u8(30, "Variant mask: type 30 (undefined)")),
    "ReadResponse with a Variant of undefined type 30", )
bad("m_datavalue_mask", mreq(nodeid(634, 0, "TypeId ReadResponse") + response_header(1) + i32(1, "Results count") +
                             u8(0xC0, "DataValue mask 0xC0: reserved bits")),
    "ReadResponse with reserved DataValue mask bits")
bad("m_variant_dims", mreq(nodeid(634, 0, "TypeId ReadResponse") + response_header(1) + i32(1, "Results count") +
                           u8(0x01, "DataValue mask: value") + u8(0x46, "Variant mask 0x46: Int32 with dimensions, no array") +
                           i32(5, "Int32")),
    "ReadResponse with ArrayDimensions on a scalar")
bad("m_string_negative", mreq(nodeid(428, 0, "TypeId GetEndpointsRequest") + RH + i32(-5, "EndpointUrl length -5")),
    "GetEndpointsRequest whose EndpointUrl length is -5")
deep = []
for i in range(12):
    deep += u8(0x98, "Variant mask 0x98: Variant array (nesting %d)" % i) + i32(1, "  array length")
deep += u8(0x06, "innermost Variant: Int32") + i32(1, "  Int32")
bad("m_deep_variant", mreq(nodeid(673, 0, "TypeId WriteRequest") + RH + i32(1, "NodesToWrite count") +
                           nodeid(1, 2, "WriteValue.NodeId") + u32(13, "AttributeId") + string(None, "IndexRange") +
                           u8(0x01, "DataValue mask: value") + deep),
    "WriteRequest whose value nests Variants 12 deep (the cap is 8)")
bad("m_diag_mask", mreq(nodeid(634, 0, "TypeId ReadResponse") + datetime(TS, "ResponseHeader.Timestamp") +
                        u32(1, "RequestHandle") + status(0, "ServiceResult") + u8(0x80, "ServiceDiagnostics mask 0x80: reserved")),
    "ReadResponse whose diagnostic info has the reserved mask bit")
bad("m_extobj_enc", mreq(nodeid(631, 0, "TypeId ReadRequest") + null_nodeid("AuthenticationToken") +
                         datetime(TS, "Timestamp") + u32(1, "RequestHandle") + u32(0, "ReturnDiagnostics") +
                         string(None, "AuditEntryId") + u32(0, "TimeoutHint") + null_nodeid("AdditionalHeader TypeId") +
                         u8(0x03, "AdditionalHeader encoding 0x03 (undefined)")),
    "ReadRequest whose AdditionalHeader has encoding 0x03")
bad("m_abort_short", msg("MSG", "A", CH, TOK, 101, 101, status(0x80B80000, "Error") + i32(50, "Reason length, past the end")),
    "abort chunk whose Reason runs past the message")
bad("m_read_trunc", mreq(nodeid(631, 0, "TypeId ReadRequest") + RH + f64(0.0, "MaxAge") + u32(0, "TimestampsToReturn") +
                         i32(2, "NodesToRead count = 2") + rvid(2258, 0, 13)),
    "ReadRequest announcing two nodes but carrying one: truncated")
bad("m_browse_next_trunc", mreq(nodeid(533, 0, "TypeId BrowseNextRequest") + RH +
                                boolean(False, "ReleaseContinuationPoints") +
                                i32(2, "ContinuationPoints count = 2") + string(BROWSE_CP1, "  [0]")),
    "BrowseNextRequest announcing two continuation points but carrying one: truncated")
bad("m_browse_next_refs", mreq(nodeid(536, 0, "TypeId BrowseNextResponse") + response_header(1) +
                               i32(1, "Results count") + status(0, "BrowseResult.StatusCode") +
                               string(None, "  ContinuationPoint") + i32(2, "  References count = 2") +
                               refdesc("Pump2", 2, "Pump2")),
    "BrowseNextResponse announcing two references but carrying one: truncated")
bad("m_translate_targets", mreq(nodeid(557, 0, "TypeId TranslateBrowsePathsToNodeIdsResponse") + response_header(1) +
                                i32(1, "Results count") + status(0, "BrowsePathResult.StatusCode") +
                                i32(2, "  Targets count = 2") + expnodeid(85, 0, "  TargetId") +
                                u32(0xFFFFFFFF, "  RemainingPathIndex")),
    "TranslateBrowsePathsToNodeIdsResponse announcing two targets but carrying one: truncated")
bad("m_add_nodes_added_flags", mreq(nodeid(491, 0, "TypeId AddNodesResponse") + response_header(1) +
                                    i32(1, "Results count") + status(0, "AddNodesResult.StatusCode") +
                                    u8(0x80, "AddedNodeId encoding 0x80: an ExpandedNodeId flag in a NodeId") +
                                    u8(7001 & 0xff, "  identifier")),
    "AddNodesResponse whose AddedNodeId carries the ExpandedNodeId NamespaceUri flag: invalid")
bad("m_delete_nodes_results", mreq(nodeid(503, 0, "TypeId DeleteNodesResponse") + response_header(1) +
                                   i32(0x7fffffff, "Results count, absurd")),
    "DeleteNodesResponse claiming 2^31-1 results")
bad("m_find_servers_count", mreq(nodeid(425, 0, "TypeId FindServersResponse") + response_header(1) +
                                 i32(40, "Servers count = 40, past the end") + string("urn:lds", "  ApplicationUri")),
    "FindServersResponse announcing more servers than it has bytes: truncated")
bad("m_activate_token_len", mreq(nodeid(467, 0, "TypeId ActivateSessionRequest") + RH +
                                 string(None, "ClientSignature.Algorithm") + string(None, "ClientSignature.Signature") +
                                 array(None, "ClientSoftwareCertificates") + array(None, "LocaleIds") +
                                 nodeid(327, 0, "UserIdentityToken TypeId (X509IdentityToken)") +
                                 u8(0x01, "  encoding 0x01: ByteString body") +
                                 i32(500, "  body length = 500, past the end") +
                                 string("certificate_basic256sha256", "  PolicyId")),
    "ActivateSessionRequest whose X509 token body runs past the message: truncated")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = ["/* SPDX-License-Identifier: Apache-2.0 */",
           "/*",
           " * opcua_vectors.h - OPC UA binary test vectors for test_opcua.c, one per message type,",
           " * every field commented. Generated by gen_opcua_vectors.py from the encodings of",
           " * OPC 10000-6 (5.2 built-in types, 6.7 secure conversation, 7.1 UA TCP); edit there.",
           " */",
           "#ifndef TZ_OPCUA_VECTORS_H", "#define TZ_OPCUA_VECTORS_H", "", "#include <stdint.h>", ""]
    for name, fields, doc in V + M:
        out.append(to_c(name, fields, doc))
        out.append("")
    out.append("#endif")
    with open(os.path.join(here, "opcua_vectors.h"), "w") as f:
        f.write("\n".join(out) + "\n")
    if len(sys.argv) > 2 and sys.argv[1] == "--corpus":
        os.makedirs(sys.argv[2], exist_ok=True)
        # a session in one file, so the fuzzer starts from a flow with state
        picks = ["v_hel", "v_ack", "v_opn_req", "v_opn_resp", "v_read_req", "v_read_resp", "v_write_req",
                 "v_call_req", "v_publish_resp", "v_activate_user", "v_chunk_c1", "v_chunk_c2", "v_chunk_f3",
                 "v_opn_b256_req", "v_msg_enc", "v_browse_resp", "v_abort_server", "v_clo"]
        by = {n: f for n, f, _ in V}
        # fuzz_opcua reads the first byte as the directions of the PDUs (bit k: PDU k)
        for n in picks:
            d = b"\xff" if ("resp" in n or n in ("v_ack", "v_abort_server")) else b"\x00"
            with open(os.path.join(sys.argv[2], n[2:]), "wb") as f:
                f.write(d + to_bytes(by[n]))
        sessions = {"session_clear": (0xAA, ["v_hel", "v_ack", "v_opn_req", "v_opn_resp", "v_read_req",
                                             "v_read_resp", "v_write_req", "v_write_resp"]),
                    "session_chunks": (0x08, ["v_chunk_c1", "v_chunk_c2", "v_chunk_f3", "v_abort_server"])}
        for name, (dirs, names) in sessions.items():
            with open(os.path.join(sys.argv[2], name), "wb") as f:
                f.write(bytes([dirs]) + b"".join(to_bytes(by[n]) for n in names))


if __name__ == "__main__":
    main()
