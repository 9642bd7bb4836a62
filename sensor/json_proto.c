/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_proto.c - the table from protocol to JSON encoder (see json_proto.h).
 */
#include "json_proto.h"

static const json_proto_fn encoders[PD_PROTO_COUNT] = {
    [PD_PROTO_MODBUS] = json_modbus,
    [PD_PROTO_DNP3] = json_dnp3,
    /* @@table-s7comm@@ */
    /* @@table-opcua@@ */
    /* @@table-iec104@@ */
};

json_proto_fn json_proto_encoder(unsigned proto)
{
    return proto < PD_PROTO_COUNT ? encoders[proto] : NULL;
}
