/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_int.h - what a detector family sees of the engine: the parsed view of one event
 * (struct an_ev), the detector descriptor, the rule table entry and its tuned copy, the
 * call that raises an alert, the asset accessors and the zone lookup. The engine's clock
 * is event time only (an_now: the largest `ts` fed so far), so every detector is a
 * deterministic function of the event stream and its own state.
 *
 * Adding a detector family (one file + one line):
 *   1. Write collector/analytics/det_NAME.c. It defines its rules,
 *        static const struct an_rule rules[] = {
 *            {.id = "ics.plc_stop", .title = "PLC stop", .severity = AN_SEV_HIGH,
 *             .category = "ics_operation", .attack = "T0816,T0858", .gbt = "NAI-06"},
 *            {0},
 *        };
 *      its callbacks (any may be NULL) and one descriptor,
 *        const struct an_detector an_det_NAME = {
 *            .name = "NAME", .rules = rules, .init = ..., .on_event = ...,
 *            .on_tick = ..., .free = ...,
 *        };
 *      init() looks up its tuned rules with an_rule_get(e, "ics.plc_stop") once and keeps
 *      the pointers; on_event() returns at once for events it does not care about (it is
 *      called for every event: keep the first test cheap, e.g. on ev->proto or ev->type).
 *   2. Add `extern const struct an_detector an_det_NAME;` and `&an_det_NAME,` to the table
 *      in detectors.c, and det_NAME.c to CMakeLists.txt here. Order in the table is the
 *      order detectors see each event (the asset family runs first, so the asset of an
 *      event's endpoints exists when the other families run).
 *   3. Tests: tests/unit/test_an_NAME.c with a positive and a negative case per rule
 *      (tests/unit/tz_analytics_test.h feeds events built from JSON text).
 * Rule ids are stable names (family.what); the config's analytics.rules map tunes them
 * (off, severity, threshold, window) without code changes.
 */
#ifndef TZ_AN_INT_H
#define TZ_AN_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analytics.h"

struct analytics;
typedef struct analytics an_engine;

#define AN_US 1000000LL
#define AN_IP_MAX 46   /* text form, IPv6 included */
#define AN_MAC_MAX 18  /* "aa:bb:cc:dd:ee:ff" */
#define AN_ID_MAX 64   /* event ids (the sensor's are 32 hex digits) */
#define AN_KEY_MAX 160 /* aggregation keys */
#define AN_DETAIL_MAX 240
#define AN_EVIDENCE_MAX 8 /* evidence event ids kept per alert (the first ones) */
#define AN_ALERT_ASSETS 4

enum an_type { AN_T_OTHER, AN_T_ICS, AN_T_FLOW, AN_T_ALERT, AN_T_ANOMALY, AN_T_HEALTH,
               AN_T_ASSET };
enum an_proto { AN_P_NONE, AN_P_MODBUS, AN_P_DNP3, AN_P_S7COMM, AN_P_S7PLUS, AN_P_OPCUA,
                AN_P_IEC104, AN_P_OTHER, AN_P_COUNT };
enum an_op { AN_OP_NONE, AN_OP_READ, AN_OP_WRITE, AN_OP_CONTROL, AN_OP_PROGRAM,
             AN_OP_DIAGNOSTIC, AN_OP_IDENTIFY, AN_OP_SESSION, AN_OP_TIME, AN_OP_FILE,
             AN_OP_REPORT, AN_OP_OTHER };
enum an_status { AN_ST_NONE, AN_ST_OK, AN_ST_EXCEPTION, AN_ST_NO_RESPONSE,
                 AN_ST_RESPONSE_ONLY, AN_ST_MALFORMED };

struct an_endpoint {
    const char *ip;  /* NULL when absent */
    const char *mac; /* NULL when absent */
    int port;        /* -1 when absent */
};

/* One event as the detectors see it. Strings and objects point into root (borrowed for
 * the duration of on_event only: copy what you keep). */
struct an_ev {
    const json_t *root;
    enum an_type type;
    const char *id;          /* never NULL ("" when absent) */
    const char *sensor;      /* never NULL */
    int64_t ts_us;           /* `ts` in µs since the epoch */
    enum an_proto proto;
    const char *proto_name;  /* NULL when absent */
    enum an_op op;
    enum an_status status;
    struct an_endpoint src, dst; /* for `ics`, src is the requester */
    const json_t *pobj;      /* the protocol object (root[proto_name]), or NULL */
    const json_t *flow;      /* root.flow of a `flow` event, or NULL */
    const json_t *anomaly;   /* root.anomaly of an `anomaly` event, or NULL */
    int64_t func;            /* modbus/dnp3/s7comm/s7comm_plus func, opcua service_id,
                              * iec104 asdu.type; -1 when absent */
    const char *func_name;   /* func_name, opcua service, iec104 asdu.type_name or u_func */
    int64_t unit;            /* modbus unit, dnp3 link.dst, iec104 asdu.ca; -1 */
};

enum an_sev { AN_SEV_INFO, AN_SEV_LOW, AN_SEV_MEDIUM, AN_SEV_HIGH, AN_SEV_CRITICAL };

/* A rule as a detector declares it (static, const). */
struct an_rule {
    const char *id;        /* stable: "family.what" */
    const char *title;
    enum an_sev severity;
    const char *category;  /* ics_operation, recon, ics_error, asset, boundary, ... */
    const char *attack;    /* MITRE ATT&CK for ICS technique ids, comma-separated */
    const char *gbt;       /* GB/T 20986-2023 category code (see docs/analytics.md) */
    int64_t threshold;     /* counting rules: how many in window_s (0: not a counting rule) */
    int64_t window_s;
    int learn;             /* 1: keys raised during the learning period are learned (not
                            * raised), and only keys never learned are raised afterwards */
    int64_t aggregate_s;   /* repeats window for this rule; 0: policy.aggregate_s */
    const char *help;      /* one line for the docs and --help */
};

/* The rule as tuned by the config (analytics.rules). */
struct an_rule_rt {
    const struct an_rule *def;
    int enabled;
    enum an_sev severity;
    int64_t threshold;
    int64_t window_us;
};

struct an_detector {
    const char *name;
    const struct an_rule *rules; /* ended by an entry with id == NULL; may be NULL */
    /* Sets *state (may stay NULL). Returns 0, or -1 with err. */
    int (*init)(an_engine *e, void **state, char *err, size_t errlen);
    void (*on_event)(an_engine *e, void *state, const struct an_ev *ev);
    /* Called once per second of event time that passes (now is a whole second), before
     * the event that moved the clock; and once more from analytics_finish. */
    void (*on_tick)(an_engine *e, void *state, int64_t now_us);
    void (*free)(void *state);
};

/* The engine's clock: the largest `ts` fed so far (µs). */
int64_t an_now(const an_engine *e);
/* Is the engine still learning (less than policy.learning_s since the first event)? */
int an_learning(const an_engine *e);
const struct analytics_policy *an_policy(const an_engine *e);

/* The tuned rule of that id; NULL when no detector declares it (a bug: init fails). */
const struct an_rule_rt *an_rule_get(const an_engine *e, const char *id);

/* One alert to raise. ev is the evidence event (its id, ts, src, dst, proto go into the
 * alert); key groups repeats (NULL: "<src ip>><dst ip>"); assets NULL-ended (NULL: the
 * src and dst ip of ev). more_evidence adds ids of earlier events (bursts, scans). */
struct an_alert {
    const struct an_rule_rt *rule;
    const struct an_ev *ev;
    const char *key;
    const char *detail;
    const char *assets[AN_ALERT_ASSETS + 1];
    const char *const *more_evidence;
    size_t n_more;
};

/* Raises (or aggregates) an alert. Disabled rules are dropped here. The alert's id is
 * derived from its rule, key and first evidence id: the same events give the same ids. */
void an_alert_raise(an_engine *e, const struct an_alert *a);
/* The common case: evidence ev, default assets, key and a printf-style detail. */
void an_raise(an_engine *e, const struct an_rule_rt *r, const struct an_ev *ev,
              const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Assets: one per (ip, mac) seen; the asset family (det_asset.c) maintains them. */
enum an_role {
    AN_ROLE_PLC = 1u << 0,        /* answers control/program/read as a server */
    AN_ROLE_RTU = 1u << 1,        /* IEC 104 controlled station */
    AN_ROLE_OUTSTATION = 1u << 2, /* DNP3 outstation */
    AN_ROLE_OPCUA_SERVER = 1u << 3,
    AN_ROLE_HMI = 1u << 4,        /* polls servers (reads and writes) */
    AN_ROLE_MASTER = 1u << 5,     /* SCADA master: DNP3 master, IEC 104 controlling station */
    AN_ROLE_OPCUA_CLIENT = 1u << 6,
    AN_ROLE_EWS = 1u << 7,        /* engineering workstation: program, mode, SZL/device id */
};
struct an_asset;
/* The asset last seen with that ip (NULL when none). */
struct an_asset *an_asset_by_ip(an_engine *e, const char *ip);
const char *an_asset_ip(const struct an_asset *a);
const char *an_asset_mac(const struct an_asset *a);  /* "" when unknown */
const char *an_asset_id(const struct an_asset *a);   /* stable id, 32 hex digits */
unsigned an_asset_roles(const struct an_asset *a);
int64_t an_asset_first_seen(const struct an_asset *a);
/* Marks a role seen (an `asset` event follows when it is new). */
void an_asset_add_role(an_engine *e, struct an_asset *a, unsigned role, const struct an_ev *ev);
/* Records one identity attribute (vendor, product, order_number, firmware, serial, name,
 * ...) as the traffic told it; a different value than before is kept beside the old one
 * with its time. Returns 0 when nothing changed, 1 for a key's first value, 2 when the
 * value differs from the latest one (prev then holds the latest one before, if given). */
int an_asset_set_identity(an_engine *e, struct an_asset *a, const char *key, const char *value,
                          const struct an_ev *ev, char *prev, size_t prevlen);
/* Did the asset appear with the event being processed? */
int an_asset_is_new(const struct an_asset *a);

/* Zones: CIDR lists with a level (policy.zones). */
enum an_zone_level { AN_ZONE_NONE, AN_ZONE_PRODUCTION, AN_ZONE_MANAGEMENT, AN_ZONE_OFFICE,
                     AN_ZONE_DMZ, AN_ZONE_INTERNET };
struct an_zone {
    char name[32];
    enum an_zone_level level;
};
/* The zone of ip: the most specific configured prefix; NULL when no zone covers it. */
const struct an_zone *an_zone_of(const an_engine *e, const char *ip);
const char *an_zone_level_name(enum an_zone_level l);
/* Are any zones configured at all? */
int an_zones_configured(const an_engine *e);
/* Parses "ADDR" or "ADDR/BITS" (IPv4 or IPv6; no /BITS: a host) into addr (16 bytes, zero
 * padded), *v6 and *bits; -1 when it is not one (zone.c). */
int an_cidr_parse(const char *s, uint8_t addr[16], int *v6, int *bits);

/* Windowed counters for counting rules (bursts, scans): one per key, a tumbling window
 * that opens at the key's first event and lasts window_us; it keeps the count, up to
 * AN_DISTINCT_MAX distinct values and the evidence ids (the first ones and the latest). */
#define AN_DISTINCT_MAX 64
struct an_counter {
    char key[AN_KEY_MAX];
    int64_t start_us, end_us;
    uint64_t count;
    int64_t distinct[AN_DISTINCT_MAX];
    int ndistinct;
    int fired;               /* the detector raised for this window already */
    char evidence[AN_EVIDENCE_MAX][AN_ID_MAX];
    int nev;
};
struct an_counts;
struct an_counts *an_counts_new(void);
void an_counts_free(struct an_counts *c);
/* A detector family's state (an_family.c): rule i of its rule table's tuned rule in r[i],
 * and its counters (NULL unless asked for). an_family_init allocates it into *state (counts:
 * with a count table; nrules at most AN_FAMILY_RULES); an_family_free is the family's free. */
#define AN_FAMILY_RULES 16
struct an_family {
    const struct an_rule_rt *r[AN_FAMILY_RULES];
    struct an_counts *c;
};
int an_family_init(an_engine *e, const struct an_rule *rules, int nrules, int counts,
                   void **state, char *err, size_t errlen);
void an_family_free(void *state);
/* The two steps of an_family_init for a family with a state of its own: a zeroed state of
 * size bytes, stored in *state (NULL, with err "out of memory", when there is none), and
 * r[i] = the tuned rule of rules[i] for i < nrules. */
void *an_state_new(size_t size, void **state, char *err, size_t errlen);
void an_rules_lookup(an_engine *e, const struct an_rule *rules, int nrules,
                     const struct an_rule_rt **r);
/* The counter of key at ev's time (a new window when none is open or it ended), with
 * ev counted and its id kept as evidence; NULL when out of memory. */
struct an_counter *an_count(struct an_counts *c, const char *key, int64_t window_us,
                            const struct an_ev *ev);
/* Adds v to the counter's distinct values; returns their number. */
int an_count_distinct(struct an_counter *k, int64_t v);
/* Drops the counters whose window ended before now (call from on_tick). */
void an_counts_expire(struct an_counts *c, int64_t now_us);
/* Raises r with the counter's evidence ids. */
void an_raise_counter(an_engine *e, const struct an_rule_rt *r, const struct an_ev *ev,
                      const struct an_counter *k, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Joins up to three strings (NULL as "-") into dst of cap bytes, truncating; returns the
 * length. The hot path's alternative to snprintf for keys. */
static inline size_t an_join3(char *dst, size_t cap, const char *a, const char *b,
                              const char *c)
{
    const char *p[3] = {a ? a : "-", b ? b : "-", c ? c : "-"};
    size_t n = 0;
    for (int i = 0; i < 3 && cap > 0; i++) {
        size_t l = strlen(p[i]);
        if (n + l >= cap)
            l = cap - 1 - n;
        memcpy(dst + n, p[i], l);
        n += l;
    }
    if (cap > 0)
        dst[n] = '\0';
    return n;
}

/* Small helpers for detectors over the protocol object. */
int64_t an_json_int(const json_t *obj, const char *key, int64_t dflt);
const char *an_json_str(const json_t *obj, const char *key); /* NULL when absent */
const char *an_sev_name(enum an_sev s);

#endif
