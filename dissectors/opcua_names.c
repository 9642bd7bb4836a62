/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua_names.c - the OPC UA name tables: every standard service's binary encoding NodeId
 * (namespace 0, "<Service>Request/Response_Encoding_DefaultBinary" in the OPC Foundation
 * NodeIds.csv) with its Part 4 service name and tanzhen op class, the StatusCodes of
 * StatusCode.csv (OPC 10000-4 7.34 / OPC 10000-6 A.2), and the built-in type names of
 * OPC 10000-6 5.1.2.
 */
#include <stddef.h>

#include "opcua.h"

struct opcua_service {
    uint32_t req;      /* request encoding id, 0 = none (ServiceFault) */
    uint32_t resp;     /* response encoding id */
    const char *name;
    uint8_t op;        /* enum pd_op */
};

static const struct opcua_service services[] = {
    {0, 397, "ServiceFault", PD_OP_OTHER},
    {410, 413, "TestStack", PD_OP_OTHER},
    {416, 419, "TestStackEx", PD_OP_OTHER},
    {422, 425, "FindServers", PD_OP_IDENTIFY},
    {428, 431, "GetEndpoints", PD_OP_IDENTIFY},
    {437, 440, "RegisterServer", PD_OP_IDENTIFY},
    {446, 449, "OpenSecureChannel", PD_OP_SESSION},
    {452, 455, "CloseSecureChannel", PD_OP_SESSION},
    {461, 464, "CreateSession", PD_OP_SESSION},
    {467, 470, "ActivateSession", PD_OP_SESSION},
    {473, 476, "CloseSession", PD_OP_SESSION},
    {479, 482, "Cancel", PD_OP_SESSION},
    {488, 491, "AddNodes", PD_OP_WRITE},
    {494, 497, "AddReferences", PD_OP_WRITE},
    {500, 503, "DeleteNodes", PD_OP_WRITE},
    {506, 509, "DeleteReferences", PD_OP_WRITE},
    {527, 530, "Browse", PD_OP_READ},
    {533, 536, "BrowseNext", PD_OP_READ},
    {554, 557, "TranslateBrowsePathsToNodeIds", PD_OP_READ},
    {560, 563, "RegisterNodes", PD_OP_READ},
    {566, 569, "UnregisterNodes", PD_OP_READ},
    {615, 618, "QueryFirst", PD_OP_READ},
    {621, 624, "QueryNext", PD_OP_READ},
    {631, 634, "Read", PD_OP_READ},
    {664, 667, "HistoryRead", PD_OP_READ},
    {673, 676, "Write", PD_OP_WRITE},
    {700, 703, "HistoryUpdate", PD_OP_WRITE},
    {712, 715, "Call", PD_OP_CONTROL},
    {751, 754, "CreateMonitoredItems", PD_OP_OTHER},
    {763, 766, "ModifyMonitoredItems", PD_OP_OTHER},
    {769, 772, "SetMonitoringMode", PD_OP_OTHER},
    {775, 778, "SetTriggering", PD_OP_OTHER},
    {781, 784, "DeleteMonitoredItems", PD_OP_OTHER},
    {787, 790, "CreateSubscription", PD_OP_OTHER},
    {793, 796, "ModifySubscription", PD_OP_OTHER},
    {799, 802, "SetPublishingMode", PD_OP_OTHER},
    {826, 829, "Publish", PD_OP_REPORT}, /* notifications the server sends */
    {832, 835, "Republish", PD_OP_READ},
    {841, 844, "TransferSubscriptions", PD_OP_OTHER},
    {847, 850, "DeleteSubscriptions", PD_OP_OTHER},
    {12208, 12209, "FindServersOnNetwork", PD_OP_IDENTIFY},
    {12211, 12212, "RegisterServer2", PD_OP_IDENTIFY},
};

static const struct opcua_service *service_find(uint32_t id, int *is_resp)
{
    if (id == 0)
        return NULL;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        if (services[i].req == id) {
            *is_resp = 0;
            return &services[i];
        }
        if (services[i].resp == id) {
            *is_resp = 1;
            return &services[i];
        }
    }
    return NULL;
}

const char *opcua_service_name(uint32_t encoding_id)
{
    int is_resp;
    const struct opcua_service *s = service_find(encoding_id, &is_resp);
    return s ? s->name : NULL;
}

int opcua_service_is_response(uint32_t encoding_id)
{
    int is_resp = -1;
    return service_find(encoding_id, &is_resp) ? is_resp : -1;
}

uint8_t opcua_service_op(uint32_t encoding_id)
{
    int is_resp;
    const struct opcua_service *s = service_find(encoding_id, &is_resp);
    return s ? s->op : PD_OP_OTHER;
}

struct opcua_status {
    uint32_t code;
    const char *name;
};

/* Sorted by code for the binary search below. */
static const struct opcua_status statuses[] = {
    {0x00000000, "Good"},
    {0x002D0000, "GoodSubscriptionTransferred"},
    {0x002E0000, "GoodCompletesAsynchronously"},
    {0x002F0000, "GoodOverload"},
    {0x00300000, "GoodClamped"},
    {0x00960000, "GoodLocalOverride"},
    {0x00A20000, "GoodEntryInserted"},
    {0x00A30000, "GoodEntryReplaced"},
    {0x00A50000, "GoodNoData"},
    {0x00A60000, "GoodMoreData"},
    {0x00A70000, "GoodCommunicationEvent"},
    {0x00A80000, "GoodShutdownEvent"},
    {0x00A90000, "GoodCallAgain"},
    {0x00AA0000, "GoodNonCriticalTimeout"},
    {0x00BA0000, "GoodResultsMayBeIncomplete"},
    {0x00D90000, "GoodDataIgnored"},
    {0x00DC0000, "GoodEdited"},
    {0x00DD0000, "GoodPostActionFailed"},
    {0x00DF0000, "GoodRetransmissionQueueNotSupported"},
    {0x00E00000, "GoodDependentValueChanged"},
    {0x00EB0000, "GoodSubNormal"},
    {0x00EF0000, "GoodPasswordChangeRequired"},
    {0x40000000, "Uncertain"},
    {0x406C0000, "UncertainReferenceOutOfServer"},
    {0x408F0000, "UncertainNoCommunicationLastUsableValue"},
    {0x40900000, "UncertainLastUsableValue"},
    {0x40910000, "UncertainSubstituteValue"},
    {0x40920000, "UncertainInitialValue"},
    {0x40930000, "UncertainSensorNotAccurate"},
    {0x40940000, "UncertainEngineeringUnitsExceeded"},
    {0x40950000, "UncertainSubNormal"},
    {0x40A40000, "UncertainDataSubNormal"},
    {0x40BC0000, "UncertainReferenceNotDeleted"},
    {0x40C00000, "UncertainNotAllNodesAvailable"},
    {0x40DE0000, "UncertainDominantValueChanged"},
    {0x40E20000, "UncertainDependentValueChanged"},
    {0x40F20000, "UncertainOverRange"},
    {0x40F30000, "UncertainUnderRange"},
    {0x42080000, "UncertainTransducerInManual"},
    {0x42090000, "UncertainSimulatedValue"},
    {0x420A0000, "UncertainSensorCalibration"},
    {0x420F0000, "UncertainConfigurationError"},
    {0x80000000, "Bad"},
    {0x80010000, "BadUnexpectedError"},
    {0x80020000, "BadInternalError"},
    {0x80030000, "BadOutOfMemory"},
    {0x80040000, "BadResourceUnavailable"},
    {0x80050000, "BadCommunicationError"},
    {0x80060000, "BadEncodingError"},
    {0x80070000, "BadDecodingError"},
    {0x80080000, "BadEncodingLimitsExceeded"},
    {0x80090000, "BadUnknownResponse"},
    {0x800A0000, "BadTimeout"},
    {0x800B0000, "BadServiceUnsupported"},
    {0x800C0000, "BadShutdown"},
    {0x800D0000, "BadServerNotConnected"},
    {0x800E0000, "BadServerHalted"},
    {0x800F0000, "BadNothingToDo"},
    {0x80100000, "BadTooManyOperations"},
    {0x80110000, "BadDataTypeIdUnknown"},
    {0x80120000, "BadCertificateInvalid"},
    {0x80130000, "BadSecurityChecksFailed"},
    {0x80140000, "BadCertificateTimeInvalid"},
    {0x80150000, "BadCertificateIssuerTimeInvalid"},
    {0x80160000, "BadCertificateHostNameInvalid"},
    {0x80170000, "BadCertificateUriInvalid"},
    {0x80180000, "BadCertificateUseNotAllowed"},
    {0x80190000, "BadCertificateIssuerUseNotAllowed"},
    {0x801A0000, "BadCertificateUntrusted"},
    {0x801B0000, "BadCertificateRevocationUnknown"},
    {0x801C0000, "BadCertificateIssuerRevocationUnknown"},
    {0x801D0000, "BadCertificateRevoked"},
    {0x801E0000, "BadCertificateIssuerRevoked"},
    {0x801F0000, "BadUserAccessDenied"},
    {0x80200000, "BadIdentityTokenInvalid"},
    {0x80210000, "BadIdentityTokenRejected"},
    {0x80220000, "BadSecureChannelIdInvalid"},
    {0x80230000, "BadInvalidTimestamp"},
    {0x80240000, "BadNonceInvalid"},
    {0x80250000, "BadSessionIdInvalid"},
    {0x80260000, "BadSessionClosed"},
    {0x80270000, "BadSessionNotActivated"},
    {0x80280000, "BadSubscriptionIdInvalid"},
    {0x802A0000, "BadRequestHeaderInvalid"},
    {0x802B0000, "BadTimestampsToReturnInvalid"},
    {0x802C0000, "BadRequestCancelledByClient"},
    {0x80310000, "BadNoCommunication"},
    {0x80320000, "BadWaitingForInitialData"},
    {0x80330000, "BadNodeIdInvalid"},
    {0x80340000, "BadNodeIdUnknown"},
    {0x80350000, "BadAttributeIdInvalid"},
    {0x80360000, "BadIndexRangeInvalid"},
    {0x80370000, "BadIndexRangeNoData"},
    {0x80380000, "BadDataEncodingInvalid"},
    {0x80390000, "BadDataEncodingUnsupported"},
    {0x803A0000, "BadNotReadable"},
    {0x803B0000, "BadNotWritable"},
    {0x803C0000, "BadOutOfRange"},
    {0x803D0000, "BadNotSupported"},
    {0x803E0000, "BadNotFound"},
    {0x803F0000, "BadObjectDeleted"},
    {0x80400000, "BadNotImplemented"},
    {0x80410000, "BadMonitoringModeInvalid"},
    {0x80420000, "BadMonitoredItemIdInvalid"},
    {0x80430000, "BadMonitoredItemFilterInvalid"},
    {0x80440000, "BadMonitoredItemFilterUnsupported"},
    {0x80450000, "BadFilterNotAllowed"},
    {0x80460000, "BadStructureMissing"},
    {0x80470000, "BadEventFilterInvalid"},
    {0x80480000, "BadContentFilterInvalid"},
    {0x80490000, "BadFilterOperandInvalid"},
    {0x804A0000, "BadContinuationPointInvalid"},
    {0x804B0000, "BadNoContinuationPoints"},
    {0x804C0000, "BadReferenceTypeIdInvalid"},
    {0x804D0000, "BadBrowseDirectionInvalid"},
    {0x804E0000, "BadNodeNotInView"},
    {0x804F0000, "BadServerUriInvalid"},
    {0x80500000, "BadServerNameMissing"},
    {0x80510000, "BadDiscoveryUrlMissing"},
    {0x80520000, "BadSemaphoreFileMissing"},
    {0x80530000, "BadRequestTypeInvalid"},
    {0x80540000, "BadSecurityModeRejected"},
    {0x80550000, "BadSecurityPolicyRejected"},
    {0x80560000, "BadTooManySessions"},
    {0x80570000, "BadUserSignatureInvalid"},
    {0x80580000, "BadApplicationSignatureInvalid"},
    {0x80590000, "BadNoValidCertificates"},
    {0x805A0000, "BadRequestCancelledByRequest"},
    {0x805B0000, "BadParentNodeIdInvalid"},
    {0x805C0000, "BadReferenceNotAllowed"},
    {0x805D0000, "BadNodeIdRejected"},
    {0x805E0000, "BadNodeIdExists"},
    {0x805F0000, "BadNodeClassInvalid"},
    {0x80600000, "BadBrowseNameInvalid"},
    {0x80610000, "BadBrowseNameDuplicated"},
    {0x80620000, "BadNodeAttributesInvalid"},
    {0x80630000, "BadTypeDefinitionInvalid"},
    {0x80640000, "BadSourceNodeIdInvalid"},
    {0x80650000, "BadTargetNodeIdInvalid"},
    {0x80660000, "BadDuplicateReferenceNotAllowed"},
    {0x80670000, "BadInvalidSelfReference"},
    {0x80680000, "BadReferenceLocalOnly"},
    {0x80690000, "BadNoDeleteRights"},
    {0x806A0000, "BadServerIndexInvalid"},
    {0x806B0000, "BadViewIdUnknown"},
    {0x806D0000, "BadTooManyMatches"},
    {0x806E0000, "BadQueryTooComplex"},
    {0x806F0000, "BadNoMatch"},
    {0x80700000, "BadMaxAgeInvalid"},
    {0x80710000, "BadHistoryOperationInvalid"},
    {0x80720000, "BadHistoryOperationUnsupported"},
    {0x80730000, "BadWriteNotSupported"},
    {0x80740000, "BadTypeMismatch"},
    {0x80750000, "BadMethodInvalid"},
    {0x80760000, "BadArgumentsMissing"},
    {0x80770000, "BadTooManySubscriptions"},
    {0x80780000, "BadTooManyPublishRequests"},
    {0x80790000, "BadNoSubscription"},
    {0x807A0000, "BadSequenceNumberUnknown"},
    {0x807B0000, "BadMessageNotAvailable"},
    {0x807C0000, "BadInsufficientClientProfile"},
    {0x807D0000, "BadTcpServerTooBusy"},
    {0x807E0000, "BadTcpMessageTypeInvalid"},
    {0x807F0000, "BadTcpSecureChannelUnknown"},
    {0x80800000, "BadTcpMessageTooLarge"},
    {0x80810000, "BadTcpNotEnoughResources"},
    {0x80820000, "BadTcpInternalError"},
    {0x80830000, "BadTcpEndpointUrlInvalid"},
    {0x80840000, "BadRequestInterrupted"},
    {0x80850000, "BadRequestTimeout"},
    {0x80860000, "BadSecureChannelClosed"},
    {0x80870000, "BadSecureChannelTokenUnknown"},
    {0x80880000, "BadSequenceNumberInvalid"},
    {0x80890000, "BadConfigurationError"},
    {0x808A0000, "BadNotConnected"},
    {0x808B0000, "BadDeviceFailure"},
    {0x808C0000, "BadSensorFailure"},
    {0x808D0000, "BadOutOfService"},
    {0x808E0000, "BadDeadbandFilterInvalid"},
    {0x80970000, "BadRefreshInProgress"},
    {0x80980000, "BadConditionAlreadyDisabled"},
    {0x80990000, "BadConditionDisabled"},
    {0x809A0000, "BadEventIdUnknown"},
    {0x809B0000, "BadNoData"},
    {0x809D0000, "BadDataLost"},
    {0x809E0000, "BadDataUnavailable"},
    {0x809F0000, "BadEntryExists"},
    {0x80A00000, "BadNoEntryExists"},
    {0x80A10000, "BadTimestampNotSupported"},
    {0x80AB0000, "BadInvalidArgument"},
    {0x80AC0000, "BadConnectionRejected"},
    {0x80AD0000, "BadDisconnect"},
    {0x80AE0000, "BadConnectionClosed"},
    {0x80AF0000, "BadInvalidState"},
    {0x80B00000, "BadEndOfStream"},
    {0x80B10000, "BadNoDataAvailable"},
    {0x80B20000, "BadWaitingForResponse"},
    {0x80B30000, "BadOperationAbandoned"},
    {0x80B40000, "BadExpectedStreamToBlock"},
    {0x80B50000, "BadWouldBlock"},
    {0x80B60000, "BadSyntaxError"},
    {0x80B70000, "BadMaxConnectionsReached"},
    {0x80B80000, "BadRequestTooLarge"},
    {0x80B90000, "BadResponseTooLarge"},
    {0x80BB0000, "BadEventNotAcknowledgeable"},
    {0x80BD0000, "BadInvalidTimestampArgument"},
    {0x80BE0000, "BadProtocolVersionUnsupported"},
    {0x80BF0000, "BadStateNotActive"},
    {0x80C10000, "BadFilterOperatorInvalid"},
    {0x80C20000, "BadFilterOperatorUnsupported"},
    {0x80C30000, "BadFilterOperandCountMismatch"},
    {0x80C40000, "BadFilterElementInvalid"},
    {0x80C50000, "BadFilterLiteralInvalid"},
    {0x80C60000, "BadIdentityChangeNotSupported"},
    {0x80C80000, "BadNotTypeDefinition"},
    {0x80C90000, "BadViewTimestampInvalid"},
    {0x80CA0000, "BadViewParameterMismatch"},
    {0x80CB0000, "BadViewVersionInvalid"},
    {0x80CC0000, "BadConditionAlreadyEnabled"},
    {0x80CD0000, "BadDialogNotActive"},
    {0x80CE0000, "BadDialogResponseInvalid"},
    {0x80CF0000, "BadConditionBranchAlreadyAcked"},
    {0x80D00000, "BadConditionBranchAlreadyConfirmed"},
    {0x80D10000, "BadConditionAlreadyShelved"},
    {0x80D20000, "BadConditionNotShelved"},
    {0x80D30000, "BadShelvingTimeOutOfRange"},
    {0x80D40000, "BadAggregateListMismatch"},
    {0x80D50000, "BadAggregateNotSupported"},
    {0x80D60000, "BadAggregateInvalidInputs"},
    {0x80D70000, "BadBoundNotFound"},
    {0x80D80000, "BadBoundNotSupported"},
    {0x80DA0000, "BadAggregateConfigurationRejected"},
    {0x80DB0000, "BadTooManyMonitoredItems"},
    {0x80E10000, "BadDominantValueChanged"},
    {0x80E30000, "BadDependentValueChanged"},
    {0x80E40000, "BadRequestNotAllowed"},
    {0x80E50000, "BadTooManyArguments"},
    {0x80E60000, "BadSecurityModeInsufficient"},
    {0x80E70000, "BadDataSetIdInvalid"},
    {0x80E80000, "BadTransactionPending"},
    {0x80E90000, "BadLocked"},
    {0x80EA0000, "BadIndexRangeDataMismatch"},
    {0x80EC0000, "BadRequiresLock"},
    {0x80ED0000, "BadLocaleNotSupported"},
    {0x80EE0000, "BadServerTooBusy"},
    {0x80F00000, "BadNoValue"},
    {0x80F10000, "BadTransactionFailed"},
    {0x810D0000, "BadCertificateChainIncomplete"},
    {0x810E0000, "BadLicenseExpired"},
    {0x810F0000, "BadLicenseLimitsExceeded"},
    {0x81100000, "BadLicenseNotAvailable"},
    {0x81110000, "BadNotExecutable"},
    {0x81120000, "BadNumericOverflow"},
    {0x81130000, "BadRequestNotComplete"},
    {0x81140000, "BadCertificatePolicyCheckFailed"},
    {0x81150000, "BadAlreadyExists"},
    {0x811F0000, "BadTicketRequired"},
    {0x81200000, "BadTicketInvalid"},
};

const char *opcua_status_name(uint32_t status)
{
    /* The low 16 bits are info bits and flags (Part 4, 7.34.1); the code is the top 16. */
    uint32_t code = status & 0xFFFF0000u;
    size_t lo = 0, hi = sizeof statuses / sizeof statuses[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (statuses[mid].code == code)
            return statuses[mid].name;
        if (statuses[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *const type_names[] = {
    "Null",       "Boolean",        "SByte",         "Byte",          "Int16",
    "UInt16",     "Int32",          "UInt32",        "Int64",         "UInt64",
    "Float",      "Double",         "String",        "DateTime",      "Guid",
    "ByteString", "XmlElement",     "NodeId",        "ExpandedNodeId", "StatusCode",
    "QualifiedName", "LocalizedText", "ExtensionObject", "DataValue", "Variant",
    "DiagnosticInfo",
};

const char *opcua_type_name(uint8_t builtin)
{
    return builtin < sizeof type_names / sizeof type_names[0] ? type_names[builtin] : NULL;
}

const char *opcua_msg_name(uint8_t msg_type)
{
    static const char *const names[] = {"", "HEL", "ACK", "ERR", "RHE", "OPN", "CLO", "MSG"};
    return msg_type < sizeof names / sizeof names[0] ? names[msg_type] : "";
}

const char *opcua_mode_name(uint8_t mode)
{
    static const char *const names[] = {NULL, "None", "Sign", "SignAndEncrypt"};
    return mode < sizeof names / sizeof names[0] ? names[mode] : NULL;
}

const char *opcua_identity_name(uint8_t identity)
{
    static const char *const names[] = {NULL, "anonymous", "username", "certificate", "issued",
                                        "other"};
    return identity < sizeof names / sizeof names[0] ? names[identity] : NULL;
}
