/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.c - the list of dissectors the sensor knows, one line each, and the names of
 * the shared enums (protocol, op, status) as they appear in events (EVENTS.md).
 */
#include <string.h>

#include "pd.h"

extern const struct pd_dissector pd_modbus;
extern const struct pd_dissector pd_dnp3;
extern const struct pd_dissector pd_s7comm;
extern const struct pd_dissector pd_opcua;
extern const struct pd_dissector pd_iec104;

const struct pd_dissector *const pd_registry[] = {
    &pd_modbus,
    &pd_dnp3,
    &pd_s7comm,
    &pd_opcua,
    &pd_iec104,
};
const size_t pd_registry_count = sizeof pd_registry / sizeof pd_registry[0];

const struct pd_limits pd_default_limits = {
    .max_values = 64,
    .max_items = 32,
    .max_points = 64,
    .max_pending = 16,
    .txn_timeout_us = 5000000,
};

static const char *const proto_names[PD_PROTO_COUNT] = {
    [PD_PROTO_NONE] = "none",       [PD_PROTO_MODBUS] = "modbus", [PD_PROTO_DNP3] = "dnp3",
    [PD_PROTO_S7COMM] = "s7comm",   [PD_PROTO_S7COMM_PLUS] = "s7comm_plus",
    [PD_PROTO_OPCUA] = "opcua",     [PD_PROTO_IEC104] = "iec104",
};

static const char *const op_names[PD_OP_COUNT] = {
    [PD_OP_OTHER] = "other",         [PD_OP_READ] = "read",         [PD_OP_WRITE] = "write",
    [PD_OP_CONTROL] = "control",     [PD_OP_PROGRAM] = "program",
    [PD_OP_DIAGNOSTIC] = "diagnostic", [PD_OP_IDENTIFY] = "identify",
    [PD_OP_SESSION] = "session",     [PD_OP_TIME] = "time",         [PD_OP_FILE] = "file",
    [PD_OP_REPORT] = "report",
};

static const char *const status_names[PD_ST_COUNT] = {
    [PD_ST_OK] = "ok",
    [PD_ST_EXCEPTION] = "exception",
    [PD_ST_NO_RESPONSE] = "no_response",
    [PD_ST_RESPONSE_ONLY] = "response_only",
    [PD_ST_MALFORMED] = "malformed",
};

const struct pd_dissector *pd_find(const char *name)
{
    for (size_t i = 0; i < pd_registry_count; i++)
        if (strcmp(pd_registry[i]->name, name) == 0)
            return pd_registry[i];
    return NULL;
}

const struct pd_dissector *pd_by_proto(unsigned proto)
{
    for (size_t i = 0; i < pd_registry_count; i++)
        if (pd_registry[i]->proto == proto)
            return pd_registry[i];
    return NULL;
}

const char *pd_proto_name(unsigned proto)
{
    return proto < PD_PROTO_COUNT && proto_names[proto] ? proto_names[proto] : "unknown";
}

const char *pd_op_name(unsigned op)
{
    return op < PD_OP_COUNT ? op_names[op] : "other";
}

const char *pd_status_name(unsigned status)
{
    return status < PD_ST_COUNT ? status_names[status] : "malformed";
}
