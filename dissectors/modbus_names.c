/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modbus_names.c - Modbus name tables as they appear in events: function codes,
 * exception codes, FC 8 diagnostic sub-functions, FC 43 MEI types and device
 * identification objects (Modbus Application Protocol v1.1b3, sections 6 and 7), the
 * Schneider UMAS function codes carried in FC 90 (public UMAS write-ups), and the
 * mapping from function code to the cross-protocol `op` class.
 */
#include <stdio.h>
#include <string.h>

#include "modbus.h"

static const char *const fc_names[] = {
    [MODBUS_FC_READ_COILS] = "read_coils",
    [MODBUS_FC_READ_DISCRETE_INPUTS] = "read_discrete_inputs",
    [MODBUS_FC_READ_HOLDING_REGISTERS] = "read_holding_registers",
    [MODBUS_FC_READ_INPUT_REGISTERS] = "read_input_registers",
    [MODBUS_FC_WRITE_SINGLE_COIL] = "write_single_coil",
    [MODBUS_FC_WRITE_SINGLE_REGISTER] = "write_single_register",
    [MODBUS_FC_READ_EXCEPTION_STATUS] = "read_exception_status",
    [MODBUS_FC_DIAGNOSTICS] = "diagnostics",
    [MODBUS_FC_GET_COMM_EVENT_COUNTER] = "get_comm_event_counter",
    [MODBUS_FC_GET_COMM_EVENT_LOG] = "get_comm_event_log",
    [MODBUS_FC_WRITE_MULTIPLE_COILS] = "write_multiple_coils",
    [MODBUS_FC_WRITE_MULTIPLE_REGISTERS] = "write_multiple_registers",
    [MODBUS_FC_REPORT_SERVER_ID] = "report_server_id",
    [MODBUS_FC_READ_FILE_RECORD] = "read_file_record",
    [MODBUS_FC_WRITE_FILE_RECORD] = "write_file_record",
    [MODBUS_FC_MASK_WRITE_REGISTER] = "mask_write_register",
    [MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS] = "read_write_multiple_registers",
    [MODBUS_FC_READ_FIFO_QUEUE] = "read_fifo_queue",
    [MODBUS_FC_ENCAPSULATED_INTERFACE] = "encapsulated_interface_transport",
    [MODBUS_FC_SCHNEIDER_UMAS] = "schneider_umas",
};

static const char *const exception_names[] = {
    [1] = "illegal_function",
    [2] = "illegal_data_address",
    [3] = "illegal_data_value",
    [4] = "server_device_failure",
    [5] = "acknowledge",
    [6] = "server_device_busy",
    [8] = "memory_parity_error",
    [10] = "gateway_path_unavailable",
    [11] = "gateway_target_failed_to_respond",
};

static const char *const diag_names[] = {
    [0] = "return_query_data",
    [1] = "restart_communications_option",
    [2] = "return_diagnostic_register",
    [3] = "change_ascii_input_delimiter",
    [4] = "force_listen_only_mode",
    [10] = "clear_counters_and_diagnostic_register",
    [11] = "return_bus_message_count",
    [12] = "return_bus_communication_error_count",
    [13] = "return_bus_exception_error_count",
    [14] = "return_server_message_count",
    [15] = "return_server_no_response_count",
    [16] = "return_server_nak_count",
    [17] = "return_server_busy_count",
    [18] = "return_bus_character_overrun_count",
    [20] = "clear_overrun_counter_and_flag",
};

static const char *const mei_object_names[] = {
    "VendorName",  "ProductCode", "MajorMinorRevision", "VendorUrl",
    "ProductName", "ModelName",   "UserApplicationName",
};

/* Schneider UMAS function codes (the byte after the session key in an FC 90 request). */
static const struct {
    uint8_t code;
    uint8_t op;
    const char *name;
} umas_funcs[] = {
    {0x01, PD_OP_SESSION, "init_comm"},
    {0x02, PD_OP_IDENTIFY, "read_id"},
    {0x03, PD_OP_IDENTIFY, "read_project_info"},
    {0x04, PD_OP_IDENTIFY, "read_plc_info"},
    {0x06, PD_OP_IDENTIFY, "read_card_info"},
    {0x0a, PD_OP_OTHER, "repeat"},
    {0x10, PD_OP_SESSION, "take_plc_reservation"},
    {0x11, PD_OP_SESSION, "release_plc_reservation"},
    {0x12, PD_OP_SESSION, "keep_alive"},
    {0x20, PD_OP_READ, "read_memory_block"},
    {0x22, PD_OP_READ, "read_variables"},
    {0x23, PD_OP_WRITE, "write_variables"},
    {0x24, PD_OP_READ, "read_coils_registers"},
    {0x25, PD_OP_WRITE, "write_coils_registers"},
    {0x30, PD_OP_PROGRAM, "initialize_upload"},
    {0x31, PD_OP_PROGRAM, "upload_block"},
    {0x32, PD_OP_PROGRAM, "end_strategy_upload"},
    {0x33, PD_OP_PROGRAM, "initialize_download"},
    {0x34, PD_OP_PROGRAM, "download_block"},
    {0x35, PD_OP_PROGRAM, "end_strategy_download"},
    {0x39, PD_OP_READ, "read_eth_master_data"},
    {0x40, PD_OP_PROGRAM, "start_plc"},
    {0x41, PD_OP_PROGRAM, "stop_plc"},
    {0x50, PD_OP_READ, "monitor_plc"},
    {0x58, PD_OP_DIAGNOSTIC, "check_plc"},
    {0x70, PD_OP_READ, "read_io_object"},
    {0x71, PD_OP_WRITE, "write_io_object"},
    {0x73, PD_OP_DIAGNOSTIC, "get_status_module"},
};

#define NAMES_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int fc_user_defined(uint8_t fc)
{
    return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

int modbus_fc_known(uint8_t fc)
{
    if (fc < NAMES_LEN(fc_names) && fc_names[fc])
        return 1;
    return fc_user_defined(fc);
}

const char *modbus_fc_name(uint8_t fc)
{
    return fc < NAMES_LEN(fc_names) ? fc_names[fc] : NULL;
}

void modbus_set_func(struct modbus_rec *r, uint8_t fc)
{
    const char *name = modbus_fc_name(fc);
    r->func = fc;
    if (name)
        snprintf(r->func_name, sizeof r->func_name, "%s", name);
    else if (fc_user_defined(fc))
        snprintf(r->func_name, sizeof r->func_name, "user_defined_%u", (unsigned)fc);
    else
        snprintf(r->func_name, sizeof r->func_name, "unknown_%u", (unsigned)fc);
}

const char *modbus_exception_name(uint8_t code)
{
    if (code < NAMES_LEN(exception_names) && exception_names[code])
        return exception_names[code];
    return "unknown";
}

const char *modbus_diag_name(uint16_t sub)
{
    if (sub < NAMES_LEN(diag_names) && diag_names[sub])
        return diag_names[sub];
    return "reserved";
}

const char *modbus_mei_type_name(uint8_t type)
{
    if (type == MODBUS_MEI_CANOPEN)
        return "canopen_general_reference";
    if (type == MODBUS_MEI_READ_DEVICE_ID)
        return "read_device_identification";
    return "reserved";
}

const char *modbus_umas_name(uint8_t func)
{
    for (size_t i = 0; i < NAMES_LEN(umas_funcs); i++)
        if (umas_funcs[i].code == func)
            return umas_funcs[i].name;
    return "unknown";
}

void modbus_mei_object_name(uint8_t id, char *buf, size_t cap)
{
    if (id < NAMES_LEN(mei_object_names))
        snprintf(buf, cap, "%s", mei_object_names[id]);
    else if (id < 0x80)
        snprintf(buf, cap, "reserved_0x%02x", (unsigned)id);
    else
        snprintf(buf, cap, "private_0x%02x", (unsigned)id);
}

static uint8_t umas_op(uint8_t func)
{
    for (size_t i = 0; i < NAMES_LEN(umas_funcs); i++)
        if (umas_funcs[i].code == func)
            return umas_funcs[i].op;
    return PD_OP_OTHER;
}

uint8_t modbus_op(const struct modbus_rec *r)
{
    switch (r->func) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS:
    case MODBUS_FC_READ_FILE_RECORD:
    case MODBUS_FC_READ_FIFO_QUEUE:
        return PD_OP_READ;
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
    case MODBUS_FC_WRITE_FILE_RECORD:
    case MODBUS_FC_MASK_WRITE_REGISTER:
    case MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS: /* it writes, so it counts as a write */
        return PD_OP_WRITE;
    case MODBUS_FC_READ_EXCEPTION_STATUS:
    case MODBUS_FC_DIAGNOSTICS:
    case MODBUS_FC_GET_COMM_EVENT_COUNTER:
    case MODBUS_FC_GET_COMM_EVENT_LOG:
        return PD_OP_DIAGNOSTIC;
    case MODBUS_FC_REPORT_SERVER_ID:
        return PD_OP_IDENTIFY;
    case MODBUS_FC_ENCAPSULATED_INTERFACE:
        if ((r->has & MODBUS_HAS_SUB_FUNC) && r->sub_func == MODBUS_MEI_READ_DEVICE_ID)
            return PD_OP_IDENTIFY;
        return PD_OP_OTHER;
    case MODBUS_FC_SCHNEIDER_UMAS:
        return (r->has & MODBUS_HAS_UMAS) ? umas_op(r->umas_func) : PD_OP_OTHER;
    default:
        return PD_OP_OTHER;
    }
}

/* Every field json_modbus() writes, under the event's "modbus" object. */
const struct pd_field modbus_fields[] = {
    {"modbus.tid", "int", "MBAP transaction identifier"},
    {"modbus.unit", "int", "MBAP unit identifier"},
    {"modbus.func", "int", "function code without the exception bit"},
    {"modbus.func_name", "string",
     "function name (read_coils, ...); user_defined_N for 65-72 and 100-110, "
     "schneider_umas for 90, unknown_N otherwise"},
    {"modbus.addr", "int", "starting address (FC 23: read address; FC 24: FIFO pointer)"},
    {"modbus.qty", "int",
     "quantity of coils or registers (FC 23: read quantity; FC 24: FIFO count)"},
    {"modbus.exception", "int", "exception code of an exception response"},
    {"modbus.exception_name", "string", "exception name (illegal_function, ...) or unknown"},
    {"modbus.sub_func", "int", "FC 8 diagnostic sub-function; FC 43 MEI type"},
    {"modbus.sub_func_name", "string", "name of the FC 8 sub-function or FC 43 MEI type"},
    {"modbus.write_addr", "int", "FC 23 write starting address"},
    {"modbus.write_qty", "int", "FC 23 write quantity"},
    {"modbus.and_mask", "int", "FC 22 AND mask"},
    {"modbus.or_mask", "int", "FC 22 OR mask"},
    {"modbus.req_values", "array",
     "values the request writes: registers as ints, coils as 0/1 (LSB first, exactly qty); "
     "FC 8 data words; FC 21 record data"},
    {"modbus.resp_values", "array",
     "values the response carries: registers, coils as 0/1, FC 20 record data, FIFO values"},
    {"modbus.values_truncated", "bool", "true when a value list was capped at max_values"},
    {"modbus.file_records", "array", "FC 20/21 sub-requests"},
    {"modbus.file_records[].ref_type", "int", "reference type (6)"},
    {"modbus.file_records[].file", "int", "file number"},
    {"modbus.file_records[].record", "int", "starting record number"},
    {"modbus.file_records[].length", "int", "record length in registers"},
    {"modbus.file_records_truncated", "bool", "true when more sub-requests than were kept"},
    {"modbus.comm_status", "int", "FC 11/12 status word (0xFFFF busy)"},
    {"modbus.event_count", "int", "FC 11/12 event count"},
    {"modbus.message_count", "int", "FC 12 message count"},
    {"modbus.events", "string", "FC 12 event bytes, hex"},
    {"modbus.output_data", "int", "FC 7 exception status output byte"},
    {"modbus.server_id", "string", "FC 17 byte-count data (server id, run indicator, more), hex"},
    {"modbus.run_indicator", "bool", "FC 17 run indicator (second data byte 0xFF on, 0x00 off)"},
    {"modbus.umas_func", "int", "FC 90 UMAS function code of the request"},
    {"modbus.umas_func_name", "string", "UMAS function name (stop_plc, ...) or unknown"},
    {"modbus.umas_status", "int", "FC 90 UMAS return code of the response (0xFE ok, 0xFD error)"},
    {"modbus.req_raw", "string",
     "request data of user-defined, UMAS, odd-length FC 8 or MEI 13 PDUs, hex"},
    {"modbus.resp_raw", "string", "response data of the same, hex"},
    {"modbus.raw_truncated", "bool", "true when a hex field was capped at 64 bytes"},
    {"modbus.mei", "object", "FC 43 encapsulated interface transport"},
    {"modbus.mei.type", "int", "MEI type (13 CANopen general reference, 14 read device id)"},
    {"modbus.mei.type_name", "string", "MEI type name"},
    {"modbus.mei.read_code", "int", "read device id code (1 basic, 2 regular, 3 extended, 4 one)"},
    {"modbus.mei.object_id", "int", "object id the request asked for"},
    {"modbus.mei.conformity", "int", "conformity level of the response"},
    {"modbus.mei.more", "bool", "more follows"},
    {"modbus.mei.next_object", "int", "next object id"},
    {"modbus.mei.objects", "array", "device identification objects"},
    {"modbus.mei.objects[].id", "int", "object id"},
    {"modbus.mei.objects[].name", "string",
     "VendorName, ProductCode, MajorMinorRevision, VendorUrl, ProductName, ModelName, "
     "UserApplicationName, reserved_0xNN (0x07-0x7F) or private_0xNN (0x80-0xFF)"},
    {"modbus.mei.objects[].value", "string", "object value as a string"},
    {"modbus.mei.objects_truncated", "bool", "true when more objects than max_items"},
    {"modbus.error", "string", "why the record is malformed (truncated: or invalid: ...)"},
    {NULL, NULL, NULL},
};
