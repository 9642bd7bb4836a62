/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_ops.c - ICS operation alerts, one event at a time, across Modbus, DNP3, S7comm,
 * S7comm-plus, OPC UA and IEC 104: controller stop/start/mode change, program download,
 * upload and delete, file transfer to a device, restarts, diagnostics that silence a
 * device (Modbus FC 8 listen-only, restart communications), disable unsolicited, clock
 * set, force/modify, commands to outputs and setpoint writes, and broadcast writes. Each
 * protocol's classify_* maps an event to one rule and a detail line; keys are src>dst.
 * Field values follow what the sensor emits (EVENTS.md, docs/protocols.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_core.h"

enum op_rule {
    R_STOP, R_START, R_MODE, R_DOWNLOAD, R_UPLOAD, R_DELETE, R_FILE, R_RESTART, R_LISTEN,
    R_DISABLE_UNSOL, R_CLOCK, R_FORCE, R_COMMAND, R_SETPOINT, R_BROADCAST, R_COUNT
};

static const struct an_rule rules[] = {
    [R_STOP] = {.id = "ics.plc_stop", .title = "Controller stop command",
                .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0858,T0816",
                .gbt = "NAI-ONAI",
                .help = "S7 PLC STOP, S7comm-plus operating state stop, DNP3 STOP_APPL, "
                        "Modbus/UMAS stop"},
    [R_START] = {.id = "ics.plc_start", .title = "Controller start command",
                 .severity = AN_SEV_MEDIUM, .category = "ics_operation", .attack = "T0858",
                 .gbt = "NAI-ONAI",
                 .help = "S7 PI service P_PROGRAM (run), S7comm-plus state run, DNP3 "
                         "START_APPL"},
    [R_MODE] = {.id = "ics.mode_change", .title = "Controller operating mode changed",
                .severity = AN_SEV_MEDIUM, .category = "ics_operation", .attack = "T0858",
                .gbt = "NAI-ONAI",
                .help = "an S7 CPU reports a mode transition; other S7comm-plus state writes"},
    [R_DOWNLOAD] = {.id = "ics.program_download", .title = "Program or block download",
                    .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0843",
                    .gbt = "IDI-IAI",
                    .help = "S7 request/download block, PI _INSE/_MODU (activate, copy RAM to "
                            "ROM), S7comm-plus program sequences"},
    [R_UPLOAD] = {.id = "ics.program_upload", .title = "Program or block upload",
                  .severity = AN_SEV_MEDIUM, .category = "ics_operation", .attack = "T0845",
                  .gbt = "IDI-ILEI", .help = "S7 start upload/upload/end upload"},
    [R_DELETE] = {.id = "ics.program_delete", .title = "Program block or file deleted",
                  .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0809",
                  .gbt = "IDI-ILI", .help = "S7 PI _DELE, DNP3 DELETE_FILE"},
    [R_FILE] = {.id = "ics.file_to_device", .title = "File written to a device",
                .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0857,T0843",
                .gbt = "IDI-IAI",
                .help = "DNP3 file transfer opened for writing (firmware or configuration)"},
    [R_RESTART] = {.id = "ics.restart", .title = "Device restart command",
                   .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0816",
                   .gbt = "NAI-DOSAI",
                   .help = "DNP3 COLD/WARM_RESTART, IEC 104 C_RP_NA_1 reset process, Modbus "
                           "FC 8 restart communications"},
    [R_LISTEN] = {.id = "ics.listen_only", .title = "Device forced to listen-only mode",
                  .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0814,T0804",
                  .gbt = "NAI-DOSAI",
                  .help = "Modbus FC 8 sub-function 4: the device stops answering"},
    [R_DISABLE_UNSOL] = {.id = "ics.disable_unsolicited",
                         .title = "Unsolicited reporting disabled", .severity = AN_SEV_MEDIUM,
                         .category = "ics_operation", .attack = "T0804", .gbt = "NAI-ONAI",
                         .learn = 1,
                         .help = "DNP3 DISABLE_UNSOLICITED from a master not seen doing it "
                                 "while learning"},
    [R_CLOCK] = {.id = "ics.clock_set", .title = "Device clock set", .severity = AN_SEV_LOW,
                 .category = "ics_operation", .attack = "T0855", .gbt = "NAI-ONAI", .learn = 1,
                 .help = "S7 set clock, DNP3 time write, IEC 104 C_CS_NA_1 from a source not "
                         "seen doing it while learning"},
    [R_FORCE] = {.id = "ics.force", .title = "Variable forced or modified from a programmer",
                 .severity = AN_SEV_HIGH, .category = "ics_operation", .attack = "T0836,T0831",
                 .gbt = "IDI-IAI", .help = "S7 programmer command modify variable"},
    [R_COMMAND] = {.id = "ics.command", .title = "Command to outputs",
                   .severity = AN_SEV_LOW, .category = "ics_operation", .attack = "T0855,T0831",
                   .gbt = "NAI-ONAI", .learn = 1,
                   .help = "Modbus coil writes, DNP3 SELECT/OPERATE/DIRECT_OPERATE, IEC 104 "
                           "single/double/step commands, from a pair not seen while learning"},
    [R_SETPOINT] = {.id = "ics.setpoint", .title = "Write to registers or setpoints",
                    .severity = AN_SEV_LOW, .category = "ics_operation", .attack = "T0836",
                    .gbt = "IDI-IAI", .learn = 1,
                    .help = "Modbus register writes, S7 write var, S7comm-plus SetVariable, "
                            "DNP3 WRITE, IEC 104 set-points, OPC UA Write/AddNodes, from a "
                            "pair not seen while learning"},
    [R_BROADCAST] = {.id = "ics.broadcast_write", .title = "Broadcast write or command",
                     .severity = AN_SEV_HIGH, .category = "ics_operation",
                     .attack = "T0855,T0831", .gbt = "NAI-ONAI",
                     .help = "Modbus unit 0 or DNP3 broadcast address (0xFFFD-0xFFFF) with a "
                             "write or control"},
    {0},
};

_Static_assert(R_COUNT <= AN_FAMILY_RULES, "too many rules for struct an_family");

static int ops_init(an_engine *e, void **state, char *err, size_t errlen)
{
    return an_family_init(e, rules, R_COUNT, 0, state, err, errlen);
}

struct verdict {
    int rule;       /* enum op_rule, or -1 */
    char what[96];
};

static void set(struct verdict *v, int rule, const char *what)
{
    v->rule = rule;
    snprintf(v->what, sizeof v->what, "%s", what);
}

static void classify_modbus(const struct an_ev *ev, struct verdict *v)
{
    int64_t f = ev->func, sub = an_json_int(ev->pobj, "sub_func", -1);
    if (f == 8 && sub == 4)
        set(v, R_LISTEN, "Modbus FC 8 force listen-only mode");
    else if (f == 8 && sub == 1)
        set(v, R_RESTART, "Modbus FC 8 restart communications");
    else if (f == 5 || f == 15)
        set(v, R_COMMAND, ev->func_name ? ev->func_name : "coil write");
    else if (f == 6 || f == 16 || f == 22 || f == 23)
        set(v, R_SETPOINT, ev->func_name ? ev->func_name : "register write");
    else if (f == 90) { /* Schneider UMAS: 0x40 start, 0x41 stop, 0x30-0x32 download */
        int64_t u = an_json_int(ev->pobj, "umas_func", -1);
        if (u == 0x41)
            set(v, R_STOP, "UMAS stop PLC");
        else if (u == 0x40)
            set(v, R_START, "UMAS start PLC");
        else if (u >= 0x30 && u <= 0x32)
            set(v, R_DOWNLOAD, "UMAS download");
    }
}

static int dnp3_has_group(const json_t *p, int group)
{
    const json_t *objs = json_object_get(p, "objects"), *o;
    size_t i;
    json_array_foreach(objs, i, o)
    {
        if (an_json_int(o, "group", -1) == group)
            return 1;
    }
    return 0;
}

static void classify_dnp3(const struct an_ev *ev, struct verdict *v)
{
    switch (ev->func) {
    case 2: /* WRITE: time (g50) is the clock, IIN (g80) a restart acknowledgement */
        if (ev->op == AN_OP_TIME || dnp3_has_group(ev->pobj, 50))
            set(v, R_CLOCK, "DNP3 WRITE of the time");
        else if (!dnp3_has_group(ev->pobj, 80) && !dnp3_has_group(ev->pobj, 70))
            set(v, R_SETPOINT, "DNP3 WRITE"); /* g70 is file data: ics.file_to_device */
        break;
    case 3:
    case 4:
    case 5:
    case 6:
        set(v, R_COMMAND, ev->func_name ? ev->func_name : "DNP3 operate");
        break;
    case 13:
        set(v, R_RESTART, "DNP3 COLD_RESTART");
        break;
    case 14:
        set(v, R_RESTART, "DNP3 WARM_RESTART");
        break;
    case 17:
        set(v, R_START, "DNP3 START_APPL");
        break;
    case 18:
        set(v, R_STOP, "DNP3 STOP_APPL");
        break;
    case 21:
        set(v, R_DISABLE_UNSOL, "DNP3 DISABLE_UNSOLICITED");
        break;
    case 24:
        set(v, R_CLOCK, "DNP3 RECORD_CURRENT_TIME");
        break;
    case 25: { /* OPEN_FILE: g70 file command with a write mode (2) */
        const json_t *objs = json_object_get(ev->pobj, "objects"), *o;
        size_t i;
        json_array_foreach(objs, i, o)
        {
            const json_t *file = json_object_get(o, "file");
            const char *mode = an_json_str(file, "mode");
            int64_t m = an_json_int(file, "mode", -1);
            if ((mode && (strcmp(mode, "write") == 0 || strcmp(mode, "append") == 0)) || m == 2 ||
                m == 3) {
                set(v, R_FILE, "DNP3 OPEN_FILE for writing");
                break;
            }
        }
        break;
    }
    case 27:
        set(v, R_DELETE, "DNP3 DELETE_FILE");
        break;
    default:
        break;
    }
}

static void classify_s7(const struct an_ev *ev, struct verdict *v)
{
    const json_t *p = ev->pobj;
    const char *pi = an_json_str(p, "pi_service");
    switch (ev->func) {
    case 0x29:
        set(v, R_STOP, "S7 PLC STOP");
        return;
    case 0x28: /* PI service */
        if (!pi)
            return;
        if (strcmp(pi, "P_PROGRAM") == 0)
            set(v, R_START, "S7 PI P_PROGRAM (start)");
        else if (strcmp(pi, "_INSE") == 0 || strcmp(pi, "_MODU") == 0)
            set(v, R_DOWNLOAD, strcmp(pi, "_INSE") == 0 ? "S7 PI _INSE (activate block)"
                                                       : "S7 PI _MODU (copy RAM to ROM)");
        else if (strcmp(pi, "_DELE") == 0)
            set(v, R_DELETE, "S7 PI _DELE (delete block)");
        return;
    case 0x1a:
    case 0x1b:
    case 0x1c:
        set(v, R_DOWNLOAD, ev->func_name ? ev->func_name : "S7 download");
        return;
    case 0x1d:
    case 0x1e:
    case 0x1f:
        set(v, R_UPLOAD, ev->func_name ? ev->func_name : "S7 upload");
        return;
    case 0x05:
        set(v, R_SETPOINT, "S7 write var");
        return;
    default:
        break;
    }
    const json_t *ud = json_object_get(p, "userdata");
    const char *g = an_json_str(ud, "group_name"), *sub = an_json_str(ud, "sub_name");
    if (!g || !sub)
        return;
    if (strcmp(g, "time_functions") == 0 && strcmp(sub, "set_clock") == 0)
        set(v, R_CLOCK, "S7 set clock");
    else if (strcmp(g, "programmer_commands") == 0 && strcmp(sub, "modify_variable") == 0)
        set(v, R_FORCE, "S7 programmer modify variable");
    else if (strcmp(g, "programmer_commands") == 0 && strcmp(sub, "force") == 0)
        set(v, R_FORCE, "S7 programmer force");
    else if (strcmp(g, "mode_transition") == 0) {
        char w[96];
        snprintf(w, sizeof w, "S7 CPU mode transition: %s", sub);
        set(v, strcmp(sub, "stop") == 0 ? R_STOP : R_MODE, w);
    }
}

static void classify_s7plus(const struct an_ev *ev, struct verdict *v)
{
    const char *st = an_json_str(ev->pobj, "plc_state_req");
    if (st) {
        if (strcmp(st, "stop") == 0)
            set(v, R_STOP, "S7comm-plus operating state stop");
        else if (strcmp(st, "run") == 0)
            set(v, R_START, "S7comm-plus operating state run");
        else
            set(v, R_MODE, "S7comm-plus operating state request");
        return;
    }
    if (ev->op == AN_OP_PROGRAM)
        set(v, R_DOWNLOAD, ev->func_name ? ev->func_name : "S7comm-plus program sequence");
    else if (ev->func_name && (strcmp(ev->func_name, "SetVariable") == 0 ||
                               strcmp(ev->func_name, "SetMultiVariables") == 0) &&
             ev->op == AN_OP_WRITE)
        set(v, R_SETPOINT, ev->func_name);
}

static void classify_opcua(const struct an_ev *ev, struct verdict *v)
{
    if (ev->op == AN_OP_WRITE && ev->func_name)
        set(v, R_SETPOINT, ev->func_name); /* Write, AddNodes, DeleteNodes, ... */
}

static void classify_iec104(const struct an_ev *ev, struct verdict *v)
{
    const json_t *asdu = json_object_get(ev->pobj, "asdu");
    if (!asdu)
        return;
    const char *cot = an_json_str(asdu, "cot_name");
    /* the command itself (activation), not its confirmation or termination */
    if (cot && strcmp(cot, "act") != 0)
        return;
    int64_t t = ev->func;
    const char *n = ev->func_name ? ev->func_name : "IEC 104 command";
    if ((t >= 45 && t <= 47) || (t >= 58 && t <= 60) || t == 51 || t == 64)
        set(v, R_COMMAND, n);
    else if ((t >= 48 && t <= 50) || (t >= 61 && t <= 63))
        set(v, R_SETPOINT, n);
    else if (t == 103)
        set(v, R_CLOCK, n);
    else if (t == 105)
        set(v, R_RESTART, "IEC 104 C_RP_NA_1 reset process");
}

static int is_broadcast(const struct an_ev *ev)
{
    if (ev->proto == AN_P_MODBUS)
        return ev->unit == 0;
    if (ev->proto == AN_P_DNP3)
        return ev->unit >= 0xfffd && ev->unit <= 0xffff;
    return 0;
}

static void ops_on_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct an_family *o = state;
    if (ev->type != AN_T_ICS || !ev->pobj)
        return;
    /* an answer without its request is the device talking; it commands nothing */
    if (ev->status == AN_ST_RESPONSE_ONLY || ev->status == AN_ST_MALFORMED)
        return;
    struct verdict v = {.rule = -1};
    switch (ev->proto) {
    case AN_P_MODBUS:
        classify_modbus(ev, &v);
        break;
    case AN_P_DNP3:
        classify_dnp3(ev, &v);
        break;
    case AN_P_S7COMM:
        classify_s7(ev, &v);
        break;
    case AN_P_S7PLUS:
        classify_s7plus(ev, &v);
        break;
    case AN_P_OPCUA:
        classify_opcua(ev, &v);
        break;
    case AN_P_IEC104:
        classify_iec104(ev, &v);
        break;
    default:
        return;
    }
    if (v.rule < 0)
        return;
    const char *dst = ev->dst.ip ? ev->dst.ip : "?", *src = ev->src.ip ? ev->src.ip : "?";
    const char *status = ev->status == AN_ST_EXCEPTION     ? " (refused by the device)"
                         : ev->status == AN_ST_NO_RESPONSE ? " (no response seen)"
                                                           : "";
    if ((v.rule == R_COMMAND || v.rule == R_SETPOINT) && is_broadcast(ev)) {
        an_raise(e, o->r[R_BROADCAST], ev, NULL, "%s to broadcast address %lld from %s", v.what,
                 (long long)ev->unit, src);
        return;
    }
    /* an S7 download is driven by the PLC asking the programmer for the blocks: the
     * programmer is the one listening on 102 then, so name the PLC side by its port */
    const char *plc = dst, *peer = src;
    if (ev->proto == AN_P_S7COMM && ev->src.port == 102 && ev->dst.port != 102) {
        plc = src;
        peer = dst;
    }
    char key[AN_KEY_MAX];
    an_join3(key, sizeof key, peer, ">", plc);
    an_raise(e, o->r[v.rule], ev, key, "%s on %s from %s%s", v.what, plc, peer, status);
}

const struct an_detector an_det_ops = {
    .name = "ops",
    .rules = rules,
    .init = ops_init,
    .on_event = ops_on_event,
    .free = an_family_free,
};
