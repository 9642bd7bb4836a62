/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_proto.c - the table from protocol to JSON encoder (see json_proto.h).
 */
#include "json_proto.h"

static const json_proto_fn encoders[PD_PROTO_COUNT] = {
    [PD_PROTO_MODBUS] = json_modbus,
    [PD_PROTO_DNP3] = json_dnp3,
    [PD_PROTO_S7COMM] = json_s7comm,
    [PD_PROTO_S7COMM_PLUS] = json_s7comm_plus,
    [PD_PROTO_OPCUA] = json_opcua,
    [PD_PROTO_IEC104] = json_iec104,
};

json_proto_fn json_proto_encoder(unsigned proto)
{
    return proto < PD_PROTO_COUNT ? encoders[proto] : NULL;
}
