/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104_names.c - the IEC 60870-5-101/104 name tables: type identification (101 clause
 * 7.2.1 and 104 clause 8; secure authentication types from IEC 60870-5-7), the element
 * layout and size after each IOA, cause of transmission (101 clause 7.2.3), U-format
 * functions (104 clause 5.3), and the op class each type maps to. Sizes were checked
 * against Wireshark's packet-iec104.c asdu_length table and lib60870's decoders.
 */
#include <stddef.h>

#include "iec104.h"

#define T(id, nm, lay, tm, sz) [id] = {nm, IEC104_L_##lay, IEC104_T_##tm, sz}

static const struct iec104_type_info types[256] = {
    /* process information in monitor direction */
    T(1, "M_SP_NA_1", SIQ, NONE, 1),
    T(2, "M_SP_TA_1", SIQ, CP24, 4),
    T(3, "M_DP_NA_1", DIQ, NONE, 1),
    T(4, "M_DP_TA_1", DIQ, CP24, 4),
    T(5, "M_ST_NA_1", VTI_QDS, NONE, 2),
    T(6, "M_ST_TA_1", VTI_QDS, CP24, 5),
    T(7, "M_BO_NA_1", BSI_QDS, NONE, 5),
    T(8, "M_BO_TA_1", BSI_QDS, CP24, 8),
    T(9, "M_ME_NA_1", NVA_QDS, NONE, 3),
    T(10, "M_ME_TA_1", NVA_QDS, CP24, 6),
    T(11, "M_ME_NB_1", SVA_QDS, NONE, 3),
    T(12, "M_ME_TB_1", SVA_QDS, CP24, 6),
    T(13, "M_ME_NC_1", FLT_QDS, NONE, 5),
    T(14, "M_ME_TC_1", FLT_QDS, CP24, 8),
    T(15, "M_IT_NA_1", BCR, NONE, 5),
    T(16, "M_IT_TA_1", BCR, CP24, 8),
    T(17, "M_EP_TA_1", SEP_CP16, CP24, 6),
    T(18, "M_EP_TB_1", SPE_QDP_CP16, CP24, 7),
    T(19, "M_EP_TC_1", OCI_QDP_CP16, CP24, 7),
    T(20, "M_PS_NA_1", SCD_QDS, NONE, 5),
    T(21, "M_ME_ND_1", NVA, NONE, 2),
    T(30, "M_SP_TB_1", SIQ, CP56, 8),
    T(31, "M_DP_TB_1", DIQ, CP56, 8),
    T(32, "M_ST_TB_1", VTI_QDS, CP56, 9),
    T(33, "M_BO_TB_1", BSI_QDS, CP56, 12),
    T(34, "M_ME_TD_1", NVA_QDS, CP56, 10),
    T(35, "M_ME_TE_1", SVA_QDS, CP56, 10),
    T(36, "M_ME_TF_1", FLT_QDS, CP56, 12),
    T(37, "M_IT_TB_1", BCR, CP56, 12),
    T(38, "M_EP_TD_1", SEP_CP16, CP56, 10),
    T(39, "M_EP_TE_1", SPE_QDP_CP16, CP56, 11),
    T(40, "M_EP_TF_1", OCI_QDP_CP16, CP56, 11),
    T(41, "S_IT_TC_1", AID_BCR, CP56, 14),
    /* process information in control direction */
    T(45, "C_SC_NA_1", SCO, NONE, 1),
    T(46, "C_DC_NA_1", DCO, NONE, 1),
    T(47, "C_RC_NA_1", RCO, NONE, 1),
    T(48, "C_SE_NA_1", NVA_QOS, NONE, 3),
    T(49, "C_SE_NB_1", SVA_QOS, NONE, 3),
    T(50, "C_SE_NC_1", FLT_QOS, NONE, 5),
    T(51, "C_BO_NA_1", BSI, NONE, 4),
    T(58, "C_SC_TA_1", SCO, CP56, 8),
    T(59, "C_DC_TA_1", DCO, CP56, 8),
    T(60, "C_RC_TA_1", RCO, CP56, 8),
    T(61, "C_SE_TA_1", NVA_QOS, CP56, 10),
    T(62, "C_SE_TB_1", SVA_QOS, CP56, 10),
    T(63, "C_SE_TC_1", FLT_QOS, CP56, 12),
    T(64, "C_BO_TA_1", BSI, CP56, 11),
    /* system information in monitor direction */
    T(70, "M_EI_NA_1", COI, NONE, 1),
    /* secure authentication (IEC 60870-5-7): carried, not decoded */
    T(81, "S_CH_NA_1", OPAQUE, NONE, -1),
    T(82, "S_RP_NA_1", OPAQUE, NONE, -1),
    T(83, "S_AR_NA_1", OPAQUE, NONE, -1),
    T(84, "S_KR_NA_1", OPAQUE, NONE, -1),
    T(85, "S_KS_NA_1", OPAQUE, NONE, -1),
    T(86, "S_KC_NA_1", OPAQUE, NONE, -1),
    T(87, "S_ER_NA_1", OPAQUE, NONE, -1),
    T(90, "S_US_NA_1", OPAQUE, NONE, -1),
    T(91, "S_UQ_NA_1", OPAQUE, NONE, -1),
    T(92, "S_UR_NA_1", OPAQUE, NONE, -1),
    T(93, "S_UK_NA_1", OPAQUE, NONE, -1),
    T(94, "S_UA_NA_1", OPAQUE, NONE, -1),
    T(95, "S_UC_NA_1", OPAQUE, NONE, -1),
    /* system information in control direction */
    T(100, "C_IC_NA_1", QOI, NONE, 1),
    T(101, "C_CI_NA_1", QCC, NONE, 1),
    T(102, "C_RD_NA_1", EMPTY, NONE, 0),
    T(103, "C_CS_NA_1", EMPTY, CP56, 7),
    T(104, "C_TS_NA_1", FBP, NONE, 2),
    T(105, "C_RP_NA_1", QRP, NONE, 1),
    T(106, "C_CD_NA_1", CP16, NONE, 2),
    T(107, "C_TS_TA_1", TSC, CP56, 9),
    /* parameter in control direction */
    T(110, "P_ME_NA_1", NVA_QPM, NONE, 3),
    T(111, "P_ME_NB_1", SVA_QPM, NONE, 3),
    T(112, "P_ME_NC_1", FLT_QPM, NONE, 5),
    T(113, "P_AC_NA_1", QPA, NONE, 1),
    /* file transfer */
    T(120, "F_FR_NA_1", F_FR, NONE, 6),
    T(121, "F_SR_NA_1", F_SR, NONE, 7),
    T(122, "F_SC_NA_1", F_SC, NONE, 4),
    T(123, "F_LS_NA_1", F_LS, NONE, 5),
    T(124, "F_AF_NA_1", F_AF, NONE, 4),
    T(125, "F_SG_NA_1", F_SG, NONE, -1),
    T(126, "F_DR_TA_1", F_DR, CP56, 13),
    T(127, "F_SC_NB_1", F_SCNB, NONE, 16),
};

const struct iec104_type_info *iec104_type(unsigned type)
{
    if (type >= sizeof types / sizeof types[0] || types[type].name == NULL)
        return NULL;
    return &types[type];
}

/* Cause of transmission, the abbreviations of 101 clause 7.2.3 in lower case. */
static const char *const cot_names[64] = {
    [1] = "per_cyc",   [2] = "back",     [3] = "spont",    [4] = "init",
    [5] = "req",       [6] = "act",      [7] = "actcon",   [8] = "deact",
    [9] = "deactcon",  [10] = "actterm", [11] = "retrem",  [12] = "retloc",
    [13] = "file",     [14] = "auth",    [15] = "seskey",  [16] = "usrkey",
    [20] = "inrogen",  [21] = "inro1",   [22] = "inro2",   [23] = "inro3",
    [24] = "inro4",    [25] = "inro5",   [26] = "inro6",   [27] = "inro7",
    [28] = "inro8",    [29] = "inro9",   [30] = "inro10",  [31] = "inro11",
    [32] = "inro12",   [33] = "inro13",  [34] = "inro14",  [35] = "inro15",
    [36] = "inro16",   [37] = "reqcogen", [38] = "reqco1", [39] = "reqco2",
    [40] = "reqco3",   [41] = "reqco4",
    [44] = "unknown_type",  [45] = "unknown_cause",
    [46] = "unknown_ca",    [47] = "unknown_ioa",
};

const char *iec104_cot_name(unsigned cot)
{
    return cot < 64 ? cot_names[cot] : NULL;
}

const char *iec104_u_name(unsigned u_func)
{
    switch (u_func) {
    case IEC104_U_STARTDT_ACT:
        return "startdt_act";
    case IEC104_U_STARTDT_CON:
        return "startdt_con";
    case IEC104_U_STOPDT_ACT:
        return "stopdt_act";
    case IEC104_U_STOPDT_CON:
        return "stopdt_con";
    case IEC104_U_TESTFR_ACT:
        return "testfr_act";
    case IEC104_U_TESTFR_CON:
        return "testfr_con";
    default:
        return NULL;
    }
}

/*
 * The op class of an I-format APDU, by type id: interrogations and the read command are
 * reads; single, double and step commands and the reset process command are controls;
 * set points, bitstring commands and parameters are writes; clock synchronisation and
 * delay acquisition are time; test commands are diagnostics; file transfer is file.
 * Confirmations carry the op of the command they confirm (same type id); monitor
 * direction data and everything else is other.
 */
/*
 * Monitoring data (types 1..44, monitor direction) that the station sends unasked: cyclic
 * (1), background scan (2), spontaneous (3), return information after a remote or local
 * command (11, 12), and the answers to a station or group interrogation (20..36) or counter
 * interrogation (37..41), which arrive between that command's actcon and actterm as data,
 * not as its response. Requested (5: answer to a read command) stays read.
 */
uint8_t iec104_rec_op(const struct iec104_asdu *a)
{
    unsigned cot = a->cot;
    if (a->type >= 1 && a->type <= 44 &&
        (cot == 1 || cot == 2 || cot == 3 || cot == 11 || cot == 12 || (cot >= 20 && cot <= 41)))
        return PD_OP_REPORT;
    return iec104_type_op(a->type);
}

uint8_t iec104_type_op(unsigned type)
{
    switch (type) {
    case 100: case 101: case 102:
        return PD_OP_READ;
    case 45: case 46: case 47: case 58: case 59: case 60: case 105:
        return PD_OP_CONTROL;
    case 48: case 49: case 50: case 51: case 61: case 62: case 63: case 64:
    case 110: case 111: case 112: case 113:
        return PD_OP_WRITE;
    case 103: case 106:
        return PD_OP_TIME;
    case 104: case 107:
        return PD_OP_DIAGNOSTIC;
    default:
        return type >= 120 && type <= 127 ? PD_OP_FILE : PD_OP_OTHER;
    }
}
