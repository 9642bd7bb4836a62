/* SPDX-License-Identifier: Apache-2.0 */
/*
 * s7comm_names.c - the names the S7 dissector writes into events (ROSCTR, functions,
 * areas, transport sizes, return codes, userdata groups and subfunctions, S7comm-plus
 * opcodes and function codes), the op classification (EVENTS.md `op`) and the field
 * table of the descriptor. Values from Wireshark's packet-s7comm.c and the S7comm-plus
 * dissector; the op choices are documented in the field table.
 */
#include <stddef.h>
#include <string.h>

#include "s7comm_int.h"

struct s7_name {
    unsigned code;
    const char *name;
};

#define NAMES_LOOKUP(table, code, dflt) names_lookup(table, sizeof table / sizeof table[0], code, dflt)

static const char *names_lookup(const struct s7_name *t, size_t n, unsigned code, const char *dflt)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return dflt;
}

static const struct s7_name rosctr_names[] = {
    {1, "job"}, {2, "ack"}, {3, "ack_data"}, {7, "userdata"},
};

static const struct s7_name func_names[] = {
    {0x00, "cpu_services"},     {0x01, "mode_transition"},  {0x04, "read_var"},
    {0x05, "write_var"},        {0x1a, "request_download"}, {0x1b, "download_block"},
    {0x1c, "download_ended"},   {0x1d, "start_upload"},     {0x1e, "upload"},
    {0x1f, "end_upload"},       {0x28, "pi_service"},       {0x29, "plc_stop"},
    {0xf0, "setup_communication"},
};

static const struct s7_name area_names[] = {
    {0x01, "RECORD"}, {0x03, "SI200"}, {0x05, "SF200"}, {0x06, "AI200"}, {0x07, "AO200"},
    {0x1c, "C"},      {0x1d, "T"},     {0x1e, "C200"},  {0x1f, "T200"},  {0x80, "P"},
    {0x81, "I"},      {0x82, "Q"},     {0x83, "M"},     {0x84, "DB"},    {0x85, "DI"},
    {0x86, "L"},      {0x87, "V"},
};

static const struct s7_name type_names[] = {
    {1, "BIT"},       {2, "BYTE"},        {3, "CHAR"},      {4, "WORD"},
    {5, "INT"},       {6, "DWORD"},       {7, "DINT"},      {8, "REAL"},
    {9, "DATE"},      {10, "TOD"},        {11, "TIME"},     {12, "S5TIME"},
    {15, "DATE_AND_TIME"}, {28, "COUNTER"}, {29, "TIMER"},  {30, "IEC_COUNTER"},
    {31, "IEC_TIMER"}, {32, "HS_COUNTER"},
};

static const struct s7_name syntax_names[] = {
    {0x10, "S7ANY"},    {0x11, "SHORT"},      {0x12, "EXT"},       {0x13, "PBC_ID"},
    {0x15, "ALARM_LOCKFREE"}, {0x16, "ALARM_IND"}, {0x19, "ALARM_ACK"},
    {0x1a, "ALARM_QUERYREQ"}, {0x1c, "NOTIFY_IND"}, {0x82, "NCK"}, {0x83, "NCK_M"},
    {0x84, "NCK_I"},    {0xa2, "DRIVEESANY"}, {0xb0, "DBREAD"},    {0xb2, "1200SYM"},
};

static const struct s7_name ret_names[] = {
    {0x00, "reserved"},           {0x01, "hardware_fault"},    {0x03, "access_denied"},
    {0x05, "invalid_address"},    {0x06, "type_not_supported"}, {0x07, "type_inconsistent"},
    {0x0a, "object_not_found"},   {0xff, "success"},
};

static const struct s7_name group_names[] = {
    {0x00, "mode_transition"}, {0x01, "programmer_commands"}, {0x02, "cyclic_data"},
    {0x03, "block_functions"}, {0x04, "cpu_functions"},       {0x05, "security"},
    {0x06, "pbc_bsend"},       {0x07, "time_functions"},      {0x20, "dr_routing"},
    {0x3f, "nc_programming"},
};

static const struct s7_name sub_mode[] = {
    {0, "stop"}, {1, "warm_restart"}, {2, "run"}, {3, "hot_restart"}, {4, "hold"},
    {6, "cold_restart"}, {9, "run_r"}, {11, "link_up"}, {12, "update"},
};

static const struct s7_name sub_prog[] = {
    {0x01, "block_status"},   {0x02, "variable_status"}, {0x03, "output_istack"},
    {0x04, "output_bstack"},  {0x05, "output_lstack"},   {0x06, "time_measurement"},
    {0x07, "force_selection"}, {0x08, "modify_variable"}, {0x09, "force"},
    {0x0a, "breakpoint"},     {0x0b, "exit_hold"},       {0x0c, "memory_reset"},
    {0x0d, "disable_job"},    {0x0e, "enable_job"},      {0x0f, "delete_job"},
    {0x10, "read_job_list"},  {0x11, "read_job"},        {0x12, "replace_job"},
    {0x13, "block_status_v2"}, {0x16, "flash_led"},
};

static const struct s7_name sub_cyclic[] = {
    {0x01, "cyclic_transfer"}, {0x04, "unsubscribe"}, {0x05, "change_driven_transfer"},
    {0x07, "change_driven_transfer_modify"}, {0x08, "rdrec"},
};

static const struct s7_name sub_block[] = {
    {0x01, "list_blocks"}, {0x02, "list_blocks_of_type"}, {0x03, "block_info"},
};

static const struct s7_name sub_cpu[] = {
    {0x01, "read_szl"},            {0x02, "message_service"},     {0x03, "diagnostic_message"},
    {0x05, "alarm8_indication"},   {0x06, "notify_indication"},   {0x07, "alarm8_lock"},
    {0x08, "alarm8_unlock"},       {0x09, "scan_indication"},     {0x0b, "alarm_ack"},
    {0x0c, "alarm_ack_indication"}, {0x0d, "alarm_lock_indication"},
    {0x0e, "alarm_unlock_indication"}, {0x10, "ar_send_indication"},
    {0x11, "alarm_sq_indication"}, {0x12, "alarm_s_indication"}, {0x13, "alarm_query"},
    {0x16, "notify8_indication"},
};

static const struct s7_name sub_security[] = {
    {0x01, "plc_password"}, {0x02, "clear_password"},
};

static const struct s7_name sub_time[] = {
    {0x01, "read_clock"}, {0x02, "set_clock"}, {0x03, "read_clock_following"},
    {0x04, "set_clock"},
};

static const struct s7_name sub_ncprg[] = {
    {1, "request_download"}, {2, "download_block"}, {3, "continue_download"},
    {4, "download_ended"},   {6, "start_upload"},   {7, "upload"}, {8, "continue_upload"},
};

static const struct s7_name sub_drr[] = {
    {1, "drr_init"}, {2, "drr_finish"}, {3, "drr_data"},
};

static const struct s7_name error_names[] = {
    {0x0000, "no_error"},
    {0x0110, "invalid_block_number"},     {0x0111, "invalid_request_length"},
    {0x0112, "invalid_parameter"},        {0x0113, "invalid_block_type"},
    {0x0114, "block_not_found"},          {0x0115, "block_already_exists"},
    {0x0116, "block_write_protected"},    {0x0117, "block_too_large"},
    {0x0119, "incorrect_password"},       {0x011c, "protocol_error"},
    {0x0140, "insufficient_memory"},      {0x8001, "block_status_prevents_service"},
    {0x8104, "service_not_implemented"},  {0x8304, "no_parallel_upload"},
    {0x8305, "function_not_available"},   {0x8401, "invalid_service_sequence"},
    {0x8404, "function_cannot_be_performed"}, {0x8500, "wrong_frames"},
    {0x8701, "object_address_error"},     {0x8702, "service_not_supported"},
    {0x8703, "access_refused"},           {0x8704, "object_damaged"},
    {0xd081, "not_permitted_in_mode"},    {0xd0a1, "not_permitted_at_protection_level"},
    {0xd209, "block_not_on_module"},      {0xd241, "not_permitted_at_protection_level"},
    {0xd401, "information_function_unavailable"}, {0xd402, "information_function_unavailable"},
    {0xd602, "incorrect_password"},       {0xd603, "already_legitimized"},
    {0xd604, "already_enabled"},          {0xd605, "no_password_configured"},
    {0xdc01, "invalid_date_time"},
};

static const struct s7_name plus_opcode_names[] = {
    {0x31, "request"}, {0x32, "response"}, {0x33, "notification"}, {0x02, "response2"},
};

static const struct s7_name plus_func_names[] = {
    {0x04b1, "Error"},          {0x04bb, "Explore"},           {0x04ca, "CreateObject"},
    {0x04d4, "DeleteObject"},   {0x04f2, "SetVariable"},       {0x04fc, "GetVariable"},
    {0x0506, "AddLink"},        {0x051a, "RemoveLink"},        {0x0524, "GetLink"},
    {0x0542, "SetMultiVariables"}, {0x054c, "GetMultiVariables"}, {0x0556, "BeginSequence"},
    {0x0560, "EndSequence"},    {0x056b, "Invoke"},            {0x057c, "SetVarSubStreamed"},
    {0x0586, "GetVarSubStreamed"}, {0x0590, "GetVariablesAddress"}, {0x059a, "Abort"},
    {0x05a9, "Error2"},         {0x05b3, "InitSsl"},
};

static const struct s7_name block_type_names[] = {
    {0x3038, "OB"}, {0x3039, "CMod"}, {0x3041, "DB"}, {0x3042, "SDB"},
    {0x3043, "FC"}, {0x3044, "SFC"},  {0x3045, "FB"}, {0x3046, "SFB"},
};

/* Wireshark's blocklanguage_names, in English (AWL = STL, KOP = LAD, FUP = FBD). */
static const struct s7_name block_lang_names[] = {
    {0x00, "undefined"}, {0x01, "STL"},       {0x02, "LAD"},          {0x03, "FBD"},
    {0x04, "SCL"},       {0x05, "DB"},        {0x06, "GRAPH"},        {0x07, "SDB"},
    {0x08, "CPU_DB"},    {0x11, "SDB_RESET"}, {0x12, "SDB_ROUTING"},  {0x29, "ENCRYPTED"},
};

const char *s7comm_rosctr_name(unsigned v) { return NAMES_LOOKUP(rosctr_names, v, "unknown"); }
const char *s7comm_func_name(unsigned v) { return NAMES_LOOKUP(func_names, v, "unknown"); }
const char *s7comm_area_name(unsigned v) { return NAMES_LOOKUP(area_names, v, "unknown"); }
const char *s7comm_type_name(unsigned v) { return NAMES_LOOKUP(type_names, v, "unknown"); }
const char *s7comm_syntax_name(unsigned v) { return NAMES_LOOKUP(syntax_names, v, "unknown"); }
const char *s7comm_ret_name(unsigned v) { return NAMES_LOOKUP(ret_names, v, "unknown"); }
const char *s7comm_group_name(unsigned v) { return NAMES_LOOKUP(group_names, v, "unknown"); }
const char *s7comm_error_name(unsigned v) { return NAMES_LOOKUP(error_names, v, NULL); }
const char *s7comm_plus_opcode_name(unsigned v) { return NAMES_LOOKUP(plus_opcode_names, v, "unknown"); }
const char *s7comm_plus_func_name(unsigned v) { return NAMES_LOOKUP(plus_func_names, v, "unknown"); }
const char *s7comm_block_lang_name(unsigned v)
{
    return NAMES_LOOKUP(block_lang_names, v, "unknown");
}

const char *s7comm_ud_type_name(unsigned type)
{
    static const char *const n[4] = {"push", "request", "response", "unknown"};
    return n[type & 3];
}

const char *s7comm_sub_name(unsigned group, unsigned sub)
{
    switch (group) {
    case 0x00: return NAMES_LOOKUP(sub_mode, sub, "unknown");
    case S7COMM_UD_GROUP_PROG: return NAMES_LOOKUP(sub_prog, sub, "unknown");
    case S7COMM_UD_GROUP_CYCLIC: return NAMES_LOOKUP(sub_cyclic, sub, "unknown");
    case S7COMM_UD_GROUP_BLOCK: return NAMES_LOOKUP(sub_block, sub, "unknown");
    case S7COMM_UD_GROUP_CPU: return NAMES_LOOKUP(sub_cpu, sub, "unknown");
    case S7COMM_UD_GROUP_SECURITY: return NAMES_LOOKUP(sub_security, sub, "unknown");
    case S7COMM_UD_GROUP_TIME: return NAMES_LOOKUP(sub_time, sub, "unknown");
    case S7COMM_UD_GROUP_NCPRG: return NAMES_LOOKUP(sub_ncprg, sub, "unknown");
    case S7COMM_UD_GROUP_DRR: return NAMES_LOOKUP(sub_drr, sub, "unknown");
    default: return "unknown";
    }
}

/* "0A" -> "DB"; NULL for a type that is not one of the S7 block types. */
const char *s7comm_block_type_name(const char type[3])
{
    unsigned hi = (unsigned char)type[0], lo = (unsigned char)type[1];
    if (lo >= 'a' && lo <= 'f')
        lo -= 'a' - 'A';
    return NAMES_LOOKUP(block_type_names, hi << 8 | lo, NULL);
}

static enum pd_op pi_op(const char *service)
{
    if (strcmp(service, "P_PROGRAM") == 0)
        return PD_OP_CONTROL; /* PLC (re)start; PLC stop names the same service */
    if (service[0] == '_' && strncmp(service, "_N_", 3) != 0)
        return PD_OP_PROGRAM; /* _INSE, _DELE, _MODU, _GARB: program memory changes */
    return PD_OP_OTHER;
}

static enum pd_op ud_op(const struct s7comm_userdata *u)
{
    /* pushes (cyclic data, alarm and diagnostic indications, mode transitions): the PLC
     * sends them unasked */
    if (u->type == S7COMM_UD_TYPE_PUSH)
        return PD_OP_REPORT;
    switch (u->group) {
    case S7COMM_UD_GROUP_CPU:
        if (u->sub == S7COMM_UD_SUB_READ_SZL && u->has_szl &&
            ((u->szl_id & 0xff) == 0x11 || (u->szl_id & 0xff) == 0x1c))
            return PD_OP_IDENTIFY;
        return PD_OP_DIAGNOSTIC; /* other SZL lists, alarms, diagnostic messages */
    case S7COMM_UD_GROUP_BLOCK:
    case S7COMM_UD_GROUP_CYCLIC:
        return PD_OP_READ;
    case S7COMM_UD_GROUP_TIME:
        return PD_OP_TIME;
    case S7COMM_UD_GROUP_SECURITY:
        return PD_OP_SESSION;
    case S7COMM_UD_GROUP_NCPRG:
        return PD_OP_PROGRAM;
    case S7COMM_UD_GROUP_PROG:
        if (u->sub == 0x08 || u->sub == 0x09)
            return PD_OP_WRITE; /* modify variable, force */
        if (u->sub == 0x0b || u->sub == 0x0c)
            return PD_OP_CONTROL; /* exit HOLD, memory reset */
        return u->sub == 0x02 ? PD_OP_READ : PD_OP_DIAGNOSTIC;
    case 0x00:
        return PD_OP_DIAGNOSTIC; /* the PLC reporting a mode transition */
    default:
        return PD_OP_OTHER;
    }
}

enum pd_op s7comm_rec_op(const struct s7comm_rec *r)
{
    if (r->kind == S7COMM_KIND_SESSION)
        return PD_OP_SESSION;
    if (r->kind == S7COMM_KIND_USERDATA)
        return r->ud.present ? ud_op(&r->ud) : PD_OP_OTHER;
    if (!r->has_func)
        return PD_OP_OTHER;
    switch (r->func) {
    case S7COMM_FUNC_READ_VAR:
        return PD_OP_READ;
    case S7COMM_FUNC_WRITE_VAR:
        return PD_OP_WRITE;
    case S7COMM_FUNC_SETUP_COMM:
        return PD_OP_SESSION;
    case S7COMM_FUNC_REQ_DOWNLOAD:
    case S7COMM_FUNC_DOWNLOAD_BLOCK:
    case S7COMM_FUNC_DOWNLOAD_ENDED:
    case S7COMM_FUNC_START_UPLOAD:
    case S7COMM_FUNC_UPLOAD:
    case S7COMM_FUNC_END_UPLOAD:
        return PD_OP_PROGRAM;
    case S7COMM_FUNC_PLC_STOP:
        return PD_OP_CONTROL;
    case S7COMM_FUNC_PI_SERVICE:
        return pi_op(r->pi_service);
    default:
        return PD_OP_OTHER;
    }
}

enum pd_op s7comm_plus_rec_op(const struct s7comm_plus_rec *r)
{
    if (r->encrypted)
        return r->tls_type == 22 ? PD_OP_SESSION : PD_OP_OTHER;
    if (r->opcode == S7COMM_PLUS_OP_NOTIFICATION)
        return PD_OP_REPORT; /* subscription data pushed by the PLC */
    if (!r->has_func)
        return PD_OP_OTHER;
    switch (r->func) {
    case S7COMM_PLUS_FC_CREATE_OBJECT:
        if ((r->has_object && r->object_id == 285) || (r->has_class && r->class_id == 287))
            return PD_OP_SESSION; /* server session container / class */
        if (r->has_class && (r->class_id == 1001 || r->class_id == 2662))
            return PD_OP_READ; /* (alarm) subscription */
        if (r->has_object && r->object_id == 3)
            return PD_OP_PROGRAM; /* object created in thePLCProgram: download */
        return PD_OP_OTHER;
    case S7COMM_PLUS_FC_DELETE_OBJECT:
        return r->has_session && r->has_object && r->object_id == r->session ? PD_OP_SESSION
                                                                              : PD_OP_OTHER;
    case S7COMM_PLUS_FC_SET_VARIABLE:
        if (r->has_state_req)
            return PD_OP_CONTROL;
        if (r->has_attribute && r->attribute >= 1000 && r->attribute < 1100)
            return PD_OP_READ; /* subscription attributes (credit limit, cycle): upkeep */
        return PD_OP_WRITE;
    case 0x0542: /* SetMultiVariables */
    case 0x057c: /* SetVarSubStreamed */
        return PD_OP_WRITE;
    case 0x04bb: /* Explore */
    case 0x04fc: /* GetVariable */
    case 0x0524: /* GetLink */
    case 0x054c: /* GetMultiVariables */
    case 0x0586: /* GetVarSubStreamed */
    case 0x0590: /* GetVariablesAddress */
        return PD_OP_READ;
    case S7COMM_PLUS_FC_BEGIN_SEQUENCE:
    case S7COMM_PLUS_FC_END_SEQUENCE:
        return PD_OP_PROGRAM; /* download transactions ("DLTransaction") */
    case S7COMM_PLUS_FC_INIT_SSL:
        return PD_OP_SESSION;
    default:
        return PD_OP_OTHER;
    }
}

const struct pd_field s7comm_fields[] = {
    {"s7comm.rosctr", "int", "ROSCTR of the first message: 1 job, 2 ack, 3 ack-data, 7 userdata"},
    {"s7comm.rosctr_name", "string", "job, ack, ack_data, userdata"},
    {"s7comm.resp_rosctr", "int", "ROSCTR of the response"},
    {"s7comm.pdu_ref", "int", "PDU reference pairing request and response"},
    {"s7comm.param_len", "int", "S7 header parameter length of the first message"},
    {"s7comm.data_len", "int", "S7 header data length of the first message"},
    {"s7comm.resp_param_len", "int", "S7 header parameter length of the response (the last "
                                     "data unit's)"},
    {"s7comm.resp_data_len", "int", "S7 header data length of the response"},
    {"s7comm.func", "int", "parameter function code (job/ack-data)"},
    {"s7comm.func_name", "string", "read_var, write_var, setup_communication, request_download, "
                                   "download_block, download_ended, start_upload, upload, "
                                   "end_upload, pi_service, plc_stop, cpu_services"},
    {"s7comm.error_class", "int", "response header error class (0 none)"},
    {"s7comm.error_code", "int", "response header error code"},
    {"s7comm.error", "int", "error class<<8|code, or the userdata/block error code, when not 0"},
    {"s7comm.error_name", "string", "name of `error` when known"},
    {"s7comm.pdu_size", "int", "setup communication: PDU size (negotiated when answered)"},
    {"s7comm.amq_calling", "int", "setup communication: max parallel jobs, calling"},
    {"s7comm.amq_called", "int", "setup communication: max parallel jobs, called"},
    {"s7comm.items", "array", "read/write items"},
    {"s7comm.items.syntax", "string", "S7ANY, DBREAD, 1200SYM, NCK..."},
    {"s7comm.items.area", "int", "0x81 I, 0x82 Q, 0x83 M, 0x84 DB, 0x85 DI, 0x1c C, 0x1d T..."},
    {"s7comm.items.area_name", "string", "I, Q, M, DB, DI, L, P, C, T..."},
    {"s7comm.items.db", "int", "data block number"},
    {"s7comm.items.byte", "int", "byte address (timer/counter number for areas T and C)"},
    {"s7comm.items.bit", "int", "bit address"},
    {"s7comm.items.type", "int", "transport size: 1 BIT, 2 BYTE, 4 WORD, 6 DWORD..."},
    {"s7comm.items.type_name", "string", "BIT, BYTE, CHAR, WORD, INT, DWORD, DINT, REAL..."},
    {"s7comm.items.count", "int", "number of elements"},
    {"s7comm.items.ret", "int", "response return code: 255 success, 5 invalid address..."},
    {"s7comm.items.ret_name", "string", "success, invalid_address, object_not_found..."},
    {"s7comm.items.value", "string", "hex of the written (write) or read (read) value, capped"},
    {"s7comm.items.value_len", "int", "value bytes on the wire"},
    {"s7comm.items.value_truncated", "bool", "true when value holds fewer bytes than value_len"},
    {"s7comm.items_total", "int", "items announced when more than were kept"},
    {"s7comm.userdata", "object", "userdata parameter"},
    {"s7comm.userdata.type", "string", "request, response, push"},
    {"s7comm.userdata.group", "int", "function group: 1 programmer, 2 cyclic, 3 block, 4 CPU, "
                                     "5 security, 7 time"},
    {"s7comm.userdata.group_name", "string", "cpu_functions, block_functions, time_functions..."},
    {"s7comm.userdata.sub", "int", "subfunction"},
    {"s7comm.userdata.sub_name", "string", "read_szl, list_blocks, block_info, read_clock, "
                                           "set_clock, plc_password, clear_password..."},
    {"s7comm.userdata.seq", "int", "sequence number"},
    {"s7comm.userdata.szl_id", "int", "SZL id of a read SZL"},
    {"s7comm.userdata.szl_index", "int", "SZL index"},
    {"s7comm.userdata.szl_count", "int", "records the response announced"},
    {"s7comm.userdata.more", "bool", "the response continues in another data unit"},
    {"s7comm.userdata.clock", "string", "time functions: PLC clock, local time"},
    {"s7comm.block", "object", "block {type (OB, DB, FC, FB, SDB...), number, filesys}"},
    {"s7comm.blocks", "array", "all blocks of a PI _INSE/_DELE"},
    {"s7comm.block_info", "object", "block info response: flags, lang, lang_name (STL, LAD, "
                                    "FBD, SCL, DB, GRAPH, SDB...), load_len, security, "
                                    "know_how_protected, code_time, interface_time (S7 block "
                                    "times as stored, no zone), ssb_len, add_len, local_len, "
                                    "mc7_len, author, family, name, version, checksum"},
    {"s7comm.filename", "string", "up/download file name (\"_0A00001P\")"},
    {"s7comm.upload_id", "int", "upload id"},
    {"s7comm.pi_service", "string", "PI service name: _INSE, _DELE, _MODU, _GARB, P_PROGRAM"},
    {"s7comm.pi_arg", "string", "PI service argument text"},
    {"s7comm.cotp", "object", "COTP connection: src_tsap/dst_tsap hex (\"0100\"/\"0102\"), "
                              "*_text for string TSAPs, rack, slot, conn_type (pg/op/s7_basic) "
                              "from the called TSAP, tpdu_size"},
    {"s7comm.cotp_result", "string", "session records: cc (confirmed), dr, er (refused)"},
    {"s7comm.identity", "object", "SZL 0x0011/0x001C: order_number, hw_order_number, "
                                  "firmware, system_name, module_name, plant_name, serial, "
                                  "module_type, memory_card_serial, copyright, location"},
    {"s7comm.op", "string", "read var/cyclic/block list and info: read; write var, modify, "
                            "force: write; up/download, _INSE/_DELE/_MODU/_GARB, NC programs: "
                            "program; PLC stop, P_PROGRAM (start), memory reset: control; "
                            "SZL 0x11/0x1C: identify; other SZL and alarms: diagnostic; "
                            "COTP CR/CC, setup, password: session; clock: time"},
    {"s7comm_plus.version", "int", "header version 1, 2 or 3"},
    {"s7comm_plus.opcode", "int", "0x31 request, 0x32 response, 0x33 notification"},
    {"s7comm_plus.opcode_name", "string", "request, response, notification, response2"},
    {"s7comm_plus.resp_opcode", "int", "opcode of the response"},
    {"s7comm_plus.func", "int", "function code"},
    {"s7comm_plus.func_name", "string", "CreateObject, DeleteObject, SetVariable, GetVariable, "
                                        "SetMultiVariables, GetMultiVariables, Explore, GetLink, "
                                        "BeginSequence, EndSequence, Invoke..."},
    {"s7comm_plus.seq", "int", "sequence number pairing request and response"},
    {"s7comm_plus.session", "int", "session id of the request header (notifications: the "
                                   "flow's session)"},
    {"s7comm_plus.data_len", "int", "header data length"},
    {"s7comm_plus.integrity", "bool", "an integrity part (32-byte digest) was present"},
    {"s7comm_plus.trailer", "bool", "the message ended with its trailer"},
    {"s7comm_plus.fragments", "int", "PDUs carrying a fragmented request"},
    {"s7comm_plus.encrypted", "bool", "TLS inside COTP: header level only"},
    {"s7comm_plus.tls_content_type", "int", "TLS record type of an encrypted PDU"},
    {"s7comm_plus.transport_flags", "int", "transport flags byte"},
    {"s7comm_plus.ret", "int", "response return value"},
    {"s7comm_plus.error_code", "int", "negative error code of the return value"},
    {"s7comm_plus.object_id", "int", "target/created-in object, subscription of a notification"},
    {"s7comm_plus.class_id", "int", "CreateObject: class (287 session, 1001 subscription)"},
    {"s7comm_plus.created_object", "int", "CreateObject response: the first object id "
                                          "created (the new session for the session "
                                          "container 285)"},
    {"s7comm_plus.attribute", "int", "SetVariable: attribute id"},
    {"s7comm_plus.plc_state_req", "string", "operatingStateReq written: stop (1), run (3); "
                                            "the number when it is neither"},
    {"s7comm_plus.cotp", "object", "as s7comm.cotp"},
    {"s7comm_plus.op", "string", "Get*/Explore/GetLink/notification and SetVariable of a "
                                 "subscription attribute (1000-1099): read; Set*: write; "
                                 "SetVariable operatingStateReq: control; CreateObject in "
                                 "the PLC program, Begin/EndSequence: program; session "
                                 "CreateObject/DeleteObject, InitSsl: session"},
    {NULL, NULL, NULL},
};
