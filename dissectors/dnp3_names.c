/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnp3_names.c - DNP3 name tables and the object layout table (IEEE 1815-2012: function
 * codes 4.2.2.5, IIN 4.2.2.7, link functions 9.2.4.1.3, object library annex A). The
 * layout table gives the size of every fixed-size object so parsing continues past
 * groups that are not decoded point by point.
 */
#include "dnp3.h"

static const char *const func_names[] = {
    [0] = "CONFIRM",
    [1] = "READ",
    [2] = "WRITE",
    [3] = "SELECT",
    [4] = "OPERATE",
    [5] = "DIRECT_OPERATE",
    [6] = "DIRECT_OPERATE_NR",
    [7] = "IMMED_FREEZE",
    [8] = "IMMED_FREEZE_NR",
    [9] = "FREEZE_CLEAR",
    [10] = "FREEZE_CLEAR_NR",
    [11] = "FREEZE_AT_TIME",
    [12] = "FREEZE_AT_TIME_NR",
    [13] = "COLD_RESTART",
    [14] = "WARM_RESTART",
    [15] = "INITIALIZE_DATA",
    [16] = "INITIALIZE_APPL",
    [17] = "START_APPL",
    [18] = "STOP_APPL",
    [19] = "SAVE_CONFIG",
    [20] = "ENABLE_UNSOLICITED",
    [21] = "DISABLE_UNSOLICITED",
    [22] = "ASSIGN_CLASS",
    [23] = "DELAY_MEASURE",
    [24] = "RECORD_CURRENT_TIME",
    [25] = "OPEN_FILE",
    [26] = "CLOSE_FILE",
    [27] = "DELETE_FILE",
    [28] = "GET_FILE_INFO",
    [29] = "AUTHENTICATE_FILE",
    [30] = "ABORT_FILE",
    [31] = "ACTIVATE_CONFIG",
    [32] = "AUTHENTICATE_REQ",
    [33] = "AUTH_REQ_NO_ACK",
};

const char *dnp3_func_name(unsigned func)
{
    if (func < sizeof func_names / sizeof func_names[0])
        return func_names[func];
    switch (func) {
    case DNP3_FC_RESPONSE:
        return "RESPONSE";
    case DNP3_FC_UNSOLICITED_RESPONSE:
        return "UNSOLICITED_RESPONSE";
    case DNP3_FC_AUTHENTICATE_RESP:
        return "AUTHENTICATE_RESP";
    default:
        return "RESERVED";
    }
}

const char *dnp3_link_func_name(unsigned ctrl)
{
    static const char *const prim[16] = {
        [0] = "RESET_LINK_STATES", [1] = "RESET_USER_PROCESS", [2] = "TEST_LINK_STATES",
        [3] = "CONFIRMED_USER_DATA", [4] = "UNCONFIRMED_USER_DATA", [9] = "REQUEST_LINK_STATUS",
    };
    static const char *const sec[16] = {
        [0] = "ACK", [1] = "NACK", [11] = "LINK_STATUS", [14] = "NOT_FUNCTIONING",
        [15] = "NOT_SUPPORTED",
    };
    const char *n = (ctrl & DNP3_LC_PRM) ? prim[ctrl & DNP3_LC_FUNC] : sec[ctrl & DNP3_LC_FUNC];
    return n ? n : "RESERVED";
}

/* Bit 15 is IIN1.7 (the first IIN octet is the high byte of iin_raw). */
const char *dnp3_iin_name(unsigned bit)
{
    static const char *const names[16] = {
        "NO_FUNC_CODE_SUPPORT", "OBJECT_UNKNOWN", "PARAMETER_ERROR", "EVENT_BUFFER_OVERFLOW",
        "ALREADY_EXECUTING",    "CONFIG_CORRUPT", "RESERVED_2",      "RESERVED_1",
        "BROADCAST",            "CLASS_1_EVENTS", "CLASS_2_EVENTS",  "CLASS_3_EVENTS",
        "NEED_TIME",            "LOCAL_CONTROL",  "DEVICE_TROUBLE",  "DEVICE_RESTART",
    };
    return bit < 16 ? names[bit] : "RESERVED";
}

const char *dnp3_group_name(unsigned group)
{
    switch (group) {
    case 0: return "device_attributes";
    case 1: return "binary_input";
    case 2: return "binary_input_event";
    case 3: return "double_bit_input";
    case 4: return "double_bit_input_event";
    case 10: return "binary_output";
    case 11: return "binary_output_event";
    case 12: return "binary_output_command";
    case 13: return "binary_output_command_event";
    case 20: return "counter";
    case 21: return "frozen_counter";
    case 22: return "counter_event";
    case 23: return "frozen_counter_event";
    case 30: return "analog_input";
    case 31: return "frozen_analog_input";
    case 32: return "analog_input_event";
    case 33: return "frozen_analog_input_event";
    case 34: return "analog_input_deadband";
    case 40: return "analog_output_status";
    case 41: return "analog_output";
    case 42: return "analog_output_event";
    case 43: return "analog_output_command_event";
    case 50: return "time";
    case 51: return "cto";
    case 52: return "time_delay";
    case 60: return "class";
    case 70: return "file";
    case 80: return "iin";
    case 81: return "storage";
    case 82: return "device_profile";
    case 83: return "data_set_registration";
    case 85: return "data_set_prototype";
    case 86: return "data_set_descriptor";
    case 87: return "data_set";
    case 88: return "data_set_event";
    case 90: return "application";
    case 91: return "activate_config_status";
    case 101: return "bcd";
    case 102: return "unsigned_integer";
    case 110: return "octet_string";
    case 111: return "octet_string_event";
    case 112: return "virtual_terminal_output";
    case 113: return "virtual_terminal_event";
    case 120: return "authentication";
    case 121: return "security_statistic";
    case 122: return "security_statistic_event";
    default: return "unknown";
    }
}

/* Group 120 variations (IEEE 1815-2012 A.45). */
const char *dnp3_auth_name(unsigned var)
{
    static const char *const names[] = {
        [1] = "challenge",
        [2] = "reply",
        [3] = "aggressive_mode_request",
        [4] = "session_key_status_request",
        [5] = "session_key_status",
        [6] = "session_key_change",
        [7] = "error",
        [8] = "user_certificate",
        [9] = "mac",
        [10] = "user_status_change",
        [11] = "update_key_change_request",
        [12] = "update_key_change_reply",
        [13] = "update_key_change",
        [14] = "update_key_change_signature",
        [15] = "update_key_change_confirmation",
    };
    if (var < sizeof names / sizeof names[0] && names[var])
        return names[var];
    return "unknown";
}

/* Group 0 device attribute variations (IEEE 1815-2012 A.1). */
const char *dnp3_attr_name(unsigned var)
{
    switch (var) {
    case 240: return "max_tx_fragment_size";
    case 241: return "max_rx_fragment_size";
    case 242: return "software_version";
    case 243: return "hardware_version";
    case 244: return "user_assigned_owner_name";
    case 245: return "user_assigned_location";
    case 246: return "user_assigned_id";
    case 247: return "user_assigned_device_name";
    case 248: return "serial_number";
    case 249: return "subset_and_conformance";
    case 250: return "product_name";
    case 252: return "manufacturer_name";
    case 254: return "all_attributes";
    case 255: return "attribute_list";
    default: return "attribute";
    }
}

const char *dnp3_crob_op_name(unsigned code)
{
    static const char *const names[16] = {
        [0] = "NUL", [1] = "PULSE_ON", [2] = "PULSE_OFF", [3] = "LATCH_ON", [4] = "LATCH_OFF",
    };
    const char *n = names[code & 0x0f];
    return n ? n : "UNDEFINED";
}

const char *dnp3_crob_tcc_name(unsigned code)
{
    static const char *const names[4] = {"NUL", "CLOSE", "TRIP", "RESERVED"};
    return names[(code >> 6) & 3];
}

/* Control status codes (IEEE 1815-2012 A.8, the CROB and analog output status). */
const char *dnp3_status_name(unsigned status)
{
    static const char *const names[] = {
        "SUCCESS",        "TIMEOUT",        "NO_SELECT",     "FORMAT_ERROR",   "NOT_SUPPORTED",
        "ALREADY_ACTIVE", "HARDWARE_ERROR", "LOCAL",         "TOO_MANY_OBJS",  "NOT_AUTHORIZED",
        "AUTOMATION_INHIBIT", "PROCESSING_LIMITED", "OUT_OF_RANGE", "DOWNSTREAM_LOCAL",
        "ALREADY_COMPLETE", "BLOCKED", "CANCELLED", "BLOCKED_OTHER_MASTER",
        "DOWNSTREAM_FAIL",
    };
    if (status < sizeof names / sizeof names[0])
        return names[status];
    return status == 127 ? "NON_PARTICIPATING" : "UNDEFINED";
}

/* Fixed layouts. Groups 0, 70, 82-91 and 120 are free format (see dnp3_layout). */
struct layout_row {
    uint8_t group, var;
    struct dnp3_layout ly;
};

#define L(g, v, dec, size, width, flags) {g, v, {DNP3_DEC_##dec, size, width, flags}}
#define F DNP3_LY_FLAGS
#define T DNP3_LY_TIME
#define R DNP3_LY_RELTIME
#define S DNP3_LY_STATUS
#define S1 DNP3_LY_STATUS1

static const struct layout_row layouts[] = {
    L(1, 1, PACKED, 0, 1, 0),   L(1, 2, STATE, 1, 1, F),
    L(2, 1, STATE, 1, 1, F),    L(2, 2, STATE, 7, 1, F | T),   L(2, 3, STATE, 3, 1, F | R),
    L(3, 1, PACKED, 0, 2, 0),   L(3, 2, STATE, 1, 2, F),
    L(4, 1, STATE, 1, 2, F),    L(4, 2, STATE, 7, 2, F | T),   L(4, 3, STATE, 3, 2, F | R),
    L(10, 1, PACKED, 0, 1, 0),  L(10, 2, STATE, 1, 1, F),
    L(11, 1, STATE, 1, 1, F),   L(11, 2, STATE, 7, 1, F | T),
    L(12, 1, CROB, 11, 0, 0),   L(12, 2, CROB, 11, 0, 0),      L(12, 3, PACKED, 0, 1, 0),
    L(13, 1, STATE, 1, 1, F),   L(13, 2, STATE, 7, 1, F | T),
    /* counters: 32/16-bit with flag, delta variants, without flag */
    L(20, 1, UINT, 5, 4, F),    L(20, 2, UINT, 3, 2, F),       L(20, 3, UINT, 5, 4, F),
    L(20, 4, UINT, 3, 2, F),    L(20, 5, UINT, 4, 4, 0),       L(20, 6, UINT, 2, 2, 0),
    L(20, 7, UINT, 4, 4, 0),    L(20, 8, UINT, 2, 2, 0),
    L(21, 1, UINT, 5, 4, F),    L(21, 2, UINT, 3, 2, F),       L(21, 3, UINT, 5, 4, F),
    L(21, 4, UINT, 3, 2, F),    L(21, 5, UINT, 11, 4, F | T),  L(21, 6, UINT, 9, 2, F | T),
    L(21, 7, UINT, 11, 4, F | T), L(21, 8, UINT, 9, 2, F | T), L(21, 9, UINT, 4, 4, 0),
    L(21, 10, UINT, 2, 2, 0),   L(21, 11, UINT, 4, 4, 0),      L(21, 12, UINT, 2, 2, 0),
    L(22, 1, UINT, 5, 4, F),    L(22, 2, UINT, 3, 2, F),       L(22, 3, UINT, 5, 4, F),
    L(22, 4, UINT, 3, 2, F),    L(22, 5, UINT, 11, 4, F | T),  L(22, 6, UINT, 9, 2, F | T),
    L(22, 7, UINT, 11, 4, F | T), L(22, 8, UINT, 9, 2, F | T),
    L(23, 1, UINT, 5, 4, F),    L(23, 2, UINT, 3, 2, F),       L(23, 3, UINT, 5, 4, F),
    L(23, 4, UINT, 3, 2, F),    L(23, 5, UINT, 11, 4, F | T),  L(23, 6, UINT, 9, 2, F | T),
    L(23, 7, UINT, 11, 4, F | T), L(23, 8, UINT, 9, 2, F | T),
    /* analogs */
    L(30, 1, INT, 5, 4, F),     L(30, 2, INT, 3, 2, F),        L(30, 3, INT, 4, 4, 0),
    L(30, 4, INT, 2, 2, 0),     L(30, 5, FLOAT, 5, 4, F),      L(30, 6, FLOAT, 9, 8, F),
    L(31, 1, INT, 5, 4, F),     L(31, 2, INT, 3, 2, F),        L(31, 3, INT, 11, 4, F | T),
    L(31, 4, INT, 9, 2, F | T), L(31, 5, INT, 4, 4, 0),        L(31, 6, INT, 2, 2, 0),
    L(31, 7, FLOAT, 5, 4, F),   L(31, 8, FLOAT, 9, 8, F),
    L(32, 1, INT, 5, 4, F),     L(32, 2, INT, 3, 2, F),        L(32, 3, INT, 11, 4, F | T),
    L(32, 4, INT, 9, 2, F | T), L(32, 5, FLOAT, 5, 4, F),      L(32, 6, FLOAT, 9, 8, F),
    L(32, 7, FLOAT, 11, 4, F | T), L(32, 8, FLOAT, 15, 8, F | T),
    L(33, 1, INT, 5, 4, F),     L(33, 2, INT, 3, 2, F),        L(33, 3, INT, 11, 4, F | T),
    L(33, 4, INT, 9, 2, F | T), L(33, 5, FLOAT, 5, 4, F),      L(33, 6, FLOAT, 9, 8, F),
    L(33, 7, FLOAT, 11, 4, F | T), L(33, 8, FLOAT, 15, 8, F | T),
    L(34, 1, UINT, 2, 2, 0),    L(34, 2, UINT, 4, 4, 0),       L(34, 3, FLOAT, 4, 4, 0),
    L(40, 1, INT, 5, 4, F),     L(40, 2, INT, 3, 2, F),        L(40, 3, FLOAT, 5, 4, F),
    L(40, 4, FLOAT, 9, 8, F),
    L(41, 1, INT, 5, 4, S),     L(41, 2, INT, 3, 2, S),        L(41, 3, FLOAT, 5, 4, S),
    L(41, 4, FLOAT, 9, 8, S),
    L(42, 1, INT, 5, 4, F),     L(42, 2, INT, 3, 2, F),        L(42, 3, INT, 11, 4, F | T),
    L(42, 4, INT, 9, 2, F | T), L(42, 5, FLOAT, 5, 4, F),      L(42, 6, FLOAT, 9, 8, F),
    L(42, 7, FLOAT, 11, 4, F | T), L(42, 8, FLOAT, 15, 8, F | T),
    L(43, 1, INT, 5, 4, S1),    L(43, 2, INT, 3, 2, S1),       L(43, 3, INT, 11, 4, S1 | T),
    L(43, 4, INT, 9, 2, S1 | T), L(43, 5, FLOAT, 5, 4, S1),    L(43, 6, FLOAT, 9, 8, S1),
    L(43, 7, FLOAT, 11, 4, S1 | T), L(43, 8, FLOAT, 15, 8, S1 | T),
    /* time: absolute, absolute + interval, last recorded, indexed absolute; CTO; delays */
    L(50, 1, TIME, 6, 6, 0),    L(50, 2, TIME, 10, 6, 0),      L(50, 3, TIME, 6, 6, 0),
    L(50, 4, TIME, 11, 6, 0),
    L(51, 1, TIME, 6, 6, 0),    L(51, 2, TIME, 6, 6, 0),
    L(52, 1, UINT, 2, 2, 0),    L(52, 2, UINT, 2, 2, 0),
    L(60, 1, NONE, 0, 0, 0),    L(60, 2, NONE, 0, 0, 0),       L(60, 3, NONE, 0, 0, 0),
    L(60, 4, NONE, 0, 0, 0),
    L(80, 1, PACKED, 0, 1, 0),
    L(81, 1, RAW, 3, 0, 0),
    L(101, 1, RAW, 2, 0, 0),    L(101, 2, RAW, 4, 0, 0),       L(101, 3, RAW, 8, 0, 0),
    L(102, 1, UINT, 1, 1, 0),
    L(121, 1, RAW, 7, 0, 0),    L(122, 1, RAW, 7, 0, 0),       L(122, 2, RAW, 13, 0, 0),
};

#undef L
#undef F
#undef T
#undef R
#undef S
#undef S1

/* The row of layouts[] for (group, variation), or -1; a binary search (the table is sorted
 * by group and variation: test_dnp3 checks the order). */
static long layout_row(unsigned group, unsigned var)
{
    size_t lo = 0, hi = sizeof layouts / sizeof layouts[0];
    unsigned key = group << 8 | var;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        unsigned k = (unsigned)layouts[mid].group << 8 | layouts[mid].var;
        if (k == key)
            return (long)mid;
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Every fixed layout has group < 128 and variation < 16: the row of each such pair, plus
 * one (0: none), worked out once at load, so that a response repeating the same few
 * objects thousands of times a second looks each up with one read. */
_Static_assert(sizeof layouts / sizeof layouts[0] < 255, "rows fit a uint8_t");
static uint8_t row_of[128][16];

__attribute__((constructor)) static void row_of_init(void)
{
    for (unsigned g = 0; g < 128; g++)
        for (unsigned v = 1; v < 16; v++)
            row_of[g][v] = (uint8_t)(layout_row(g, v) + 1);
}

struct dnp3_layout dnp3_layout(unsigned group, unsigned var)
{
    struct dnp3_layout ly = {DNP3_DEC_UNKNOWN, 0, 0, 0};
    if (group < 128 && var < 16 && row_of[group][var])
        return layouts[row_of[group][var] - 1].ly;
    if (var == 0) { /* "any variation" in requests; no group defines a variation 0 object */
        ly.dec = DNP3_DEC_NONE;
        return ly;
    }
    switch (group) {
    case 0: case 70: case 82: case 83: case 85: case 86: case 87: case 88: case 90: case 91:
    case 120:
        ly.dec = DNP3_DEC_FREE;
        return ly;
    case 110: case 111: case 112: case 113:
        ly.dec = DNP3_DEC_OCTET;
        ly.size = (uint8_t)var;
        return ly;
    default:
        break;
    }
    long row = group < 128 && var < 16 ? -1 : layout_row(group, var);
    return row >= 0 ? layouts[row].ly : ly;
}

int dnp3_layout_table_sorted(void)
{
    for (size_t i = 1; i < sizeof layouts / sizeof layouts[0]; i++) {
        unsigned a = (unsigned)layouts[i - 1].group << 8 | layouts[i - 1].var;
        unsigned b = (unsigned)layouts[i].group << 8 | layouts[i].var;
        if (a >= b)
            return 0;
    }
    return 1;
}

/* Every field json_dnp3.c writes, under the event's `dnp3` object. */
const struct pd_field dnp3_fields[] = {
    {"dnp3.link", "object", "link header of the first frame of the record's first message"},
    {"dnp3.link.src", "int", "link source address"},
    {"dnp3.link.dst", "int", "link destination address"},
    {"dnp3.link.func", "int", "link function code (control bits 0-3)"},
    {"dnp3.link.func_name", "string", "link function name (PRM decides the table)"},
    {"dnp3.link.dir", "bool", "DIR bit: sent by a master"},
    {"dnp3.link.prm", "bool", "PRM bit: primary (initiating) frame"},
    {"dnp3.link.fcb", "bool", "FCB bit: frame count bit (primary frames only)"},
    {"dnp3.link.fcv", "bool", "FCV bit: FCB is valid (primary frames only)"},
    {"dnp3.link.dfc", "bool", "DFC bit: data flow control (secondary frames only)"},
    {"dnp3.link.len", "int", "link length octet (control, addresses and user data, 5-255)"},
    {"dnp3.func", "int", "application function code of the first message"},
    {"dnp3.func_name", "string", "its name (READ, DIRECT_OPERATE, UNSOLICITED_RESPONSE, ...)"},
    {"dnp3.seq", "int", "application sequence number (0-15)"},
    {"dnp3.fir", "bool", "application control FIR"},
    {"dnp3.fin", "bool", "application control FIN"},
    {"dnp3.con", "bool", "application control CON (confirm requested)"},
    {"dnp3.uns", "bool", "application control UNS (unsolicited)"},
    {"dnp3.iin", "array", "names of the IIN bits set in the response (IIN1.7 first)"},
    {"dnp3.iin_raw", "int", "IIN1 << 8 | IIN2"},
    {"dnp3.objects", "array", "object headers of the request (absent when the record starts "
                              "with a response)"},
    {"dnp3.objects[].group", "int", "object group"},
    {"dnp3.objects[].var", "int", "object variation"},
    {"dnp3.objects[].qual", "int", "qualifier byte (prefix code << 4 | range code)"},
    {"dnp3.objects[].group_name", "string", "group name (binary_input, analog_input, ...)"},
    {"dnp3.objects[].start", "int", "range start (range codes 0-5)"},
    {"dnp3.objects[].stop", "int", "range stop (range codes 0-5)"},
    {"dnp3.objects[].count", "int", "objects announced by the header (range or count)"},
    {"dnp3.objects[].points", "array", "decoded points, at most lim->max_points per header"},
    {"dnp3.objects[].points[].index", "int", "point index (range position or index prefix)"},
    {"dnp3.objects[].points[].value", "number", "state, counter, analog, time (ms) or attribute"},
    {"dnp3.objects[].points[].flags", "int", "quality flags byte"},
    {"dnp3.objects[].points[].time", "int", "event time, ms since 1970-01-01 UTC"},
    {"dnp3.objects[].points[].rel_time_ms", "int", "16-bit time relative to the last CTO"},
    {"dnp3.objects[].points[].status", "int", "control status (CROB, analog output)"},
    {"dnp3.objects[].points[].status_name", "string", "control status name"},
    {"dnp3.objects[].points[].op_type", "string", "CROB operation (PULSE_ON, LATCH_OFF, ...)"},
    {"dnp3.objects[].points[].tcc", "string", "CROB trip/close code (NUL, CLOSE, TRIP)"},
    {"dnp3.objects[].points[].queue", "bool", "CROB queue bit"},
    {"dnp3.objects[].points[].clear", "bool", "CROB clear bit"},
    {"dnp3.objects[].points[].count", "int", "CROB pulse count"},
    {"dnp3.objects[].points[].on_ms", "int", "CROB on time"},
    {"dnp3.objects[].points[].off_ms", "int", "CROB off time"},
    {"dnp3.objects[].points[].data_type", "int", "group 0 attribute data type code"},
    {"dnp3.objects[].attr_name", "string", "group 0 attribute name"},
    {"dnp3.objects[].text", "string", "group 0 string attribute (first 48 bytes)"},
    {"dnp3.objects[].file", "object", "group 70: name, handle, size, mode, block, last, status"},
    {"dnp3.objects[].auth", "object", "group 120: name (challenge, reply, ...), seq, user, code; "
                                      "no key material"},
    {"dnp3.objects[].truncated", "bool", "more points than were kept"},
    {"dnp3.objects[].unknown", "bool", "objects of unknown size: the rest was not decoded"},
    {"dnp3.resp_func", "int", "function code of the response (129, 130, 131)"},
    {"dnp3.resp_func_name", "string", "its name"},
    {"dnp3.resp_seq", "int", "application sequence of the response's first fragment"},
    {"dnp3.resp_fragments", "int", "application fragments merged into the response"},
    {"dnp3.resp_objects", "array", "object headers of the response, same shape as objects"},
    {"dnp3.confirmed", "bool", "unsolicited response with CON: whether the master confirmed"},
    {"dnp3.incomplete", "bool", "a multi-fragment response ended without its FIN fragment"},
    {"dnp3.crc_errors", "int", "link CRC errors in these directions since the previous "
                               "fragment (the bad frames were dropped)"},
    {"dnp3.truncated", "bool", "an object or point cap was hit"},
    {"dnp3.objects_dropped", "int", "object headers over lim->max_items (not kept)"},
    {"dnp3.points_dropped", "int", "points over the caps (not kept)"},
    {"dnp3.link_only_frames", "int", "link-only frames (link status, reset, ack) on the flow "
                                     "since the previous record"},
    {"dnp3.json_omitted", "int", "objects and points kept but left out of the event so it "
                                 "fits the sensor's event buffer"},
    {NULL, NULL, NULL},
};
