/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analytics.h - the analytics engine, public side: events in (EVENTS.md contract, one
 * parsed jansson object at a time), `alert` and `asset` events out (one JSON line each,
 * through a callback). The engine's only clock is the events' own `ts`, so the same
 * events in the same order give the same output, live in the collector and offline in
 * `tanzhen-collector analyze`. One thread owns a struct analytics; nothing here blocks
 * except the optional SQLite state (analytics.db) written at analytics_checkpoint().
 */
#ifndef TZ_ANALYTICS_H
#define TZ_ANALYTICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What the collector's config says (collector_config.c: the analytics.* keys). Strings
 * may be NULL or "" for "none"; they are copied at open. */
struct analytics_policy {
    int64_t learning_s;      /* learning period from the first event seen; asset alerts
                              * (rogue device, new MAC, identity change) wait for its end */
    int64_t aggregate_s;     /* repeats of one alert (same rule and key) within this many
                              * seconds of its first are counted, not raised again */
    const char *rules;       /* per-rule tuning, "RULE=SETTING\n" lines (a CFG_MAP): SETTING
                              * is off | on | info | low | medium | high | critical |
                              * threshold:N | window:S, several joined by ',' */
    const char *zones;       /* "NAME=LEVEL:CIDR,CIDR...\n" lines (a CFG_MAP); LEVEL is
                              * production | management | office | dmz | internet */
    /* ---- policy.* keys: zone policy, maintenance, baseline (det_zone.c, det_maint.c,
     * det_baseline.c; collector/policy_conf.c fills them). NULL/0: the defaults. ---- */
    const char *zone_pairs;       /* "FROM>TO=allow|deny|allow:APP,APP\n" lines */
    const char *zone_default;     /* allow | deny: pairs no line names (NULL: allow) */
    const char *general_services; /* nDPI apps/categories that are general-purpose */
    const char *maint_tools;      /* nDPI apps/categories that are remote maintenance */
    const char *maint_jump_hosts; /* addresses/CIDRs allowed to open maintenance sessions */
    const char *maint_window;     /* "[DAYS ]HH:MM-HH:MM" UTC when they may ("" never) */
    const char *baseline_mode;    /* learn | enforce | off (NULL: learn) */
    int64_t baseline_learn_s;     /* learn for this long, then enforce (0: until told) */
    int64_t baseline_poll_factor; /* polling period alert when off by this factor (0: 3) */
};

enum analytics_out_type { ANALYTICS_OUT_ALERT, ANALYTICS_OUT_ASSET };

/* One produced event: line is the compact JSON object without a newline, len its length;
 * valid during the callback only. Returns 0; a non-zero return is counted as a loss. */
typedef int (*analytics_emit_fn)(void *ctx, enum analytics_out_type type, const char *line,
                                 size_t len);
/* The `seq` of the next produced event (the collector hands out its own id's sequence);
 * NULL: the engine counts from 1 (what `analyze` prints). */
typedef uint64_t (*analytics_seq_fn)(void *ctx);

struct analytics_opts {
    const char *state_path;    /* SQLite file of assets and alert aggregation (created);
                                * NULL or "": in memory, nothing survives close */
    const char *baseline_path; /* baseline whitelist file; NULL: none */
    const char *rules_path;    /* user rules (YAML); NULL: none */
    const char *oui_path;      /* IEEE OUI registry; NULL: /usr/share/ieee-data/oui.csv */
    const char *producer_id;   /* the `sensor` of produced events; NULL: "analytics" */
    struct analytics_policy policy;
    analytics_emit_fn emit;
    analytics_seq_fn next_seq;
    void *ctx;                 /* passed to emit and next_seq */
};

struct analytics_stats {
    uint64_t events;         /* fed */
    uint64_t skipped;        /* not an object, or without a usable type/ts */
    uint64_t alerts;         /* alert events produced (first raises and aggregate updates) */
    uint64_t alerts_suppressed; /* repeats counted into an open aggregate */
    uint64_t alerts_learned; /* raises of learnable rules during learning, or of learned keys */
    uint64_t assets;         /* asset events produced */
    uint64_t assets_known;   /* assets in the table */
    uint64_t emit_failed;    /* the callback returned non-zero, or a line did not fit */
};

struct analytics;

/* Opens an engine (state loaded from state_path when it exists). On success *out is
 * owned by the caller (analytics_close). Returns 0, or -1 with a message in err. */
int analytics_open(struct analytics **out, const struct analytics_opts *o, char *err,
                   size_t errlen);
/* Feeds one event (borrowed; the engine keeps no reference after it returns). Produced
 * events reach the callback before it returns. Returns 0, or -1 when the event was
 * skipped (counted in stats.skipped). */
int analytics_feed(struct analytics *a, const json_t *ev);
/* Parses one JSON line and feeds it: the convenience path for `analyze`. */
int analytics_feed_line(struct analytics *a, const char *line, size_t len);
/* End of input: every open aggregate with uncounted repeats is emitted now, in the order
 * the aggregates opened. `analyze` calls it at EOF; the collector at shutdown. */
void analytics_finish(struct analytics *a);
/* Writes the changed state to state_path in one transaction (no-op in memory). The
 * collector calls it after each group of batches. Returns 0, or -1 with err. */
int analytics_checkpoint(struct analytics *a, char *err, size_t errlen);
/* The store position the state has seen up to (kept in the state; 0 when new), so the
 * collector replays only what the engine missed; set with each checkpoint. */
int64_t analytics_position(const struct analytics *a);
void analytics_set_position(struct analytics *a, int64_t pos);
void analytics_get_stats(const struct analytics *a, struct analytics_stats *st);
/* Muted, the engine updates its state but hands nothing to the callback (a rebuild from
 * stored events whose alerts and assets are already stored). */
void analytics_set_mute(struct analytics *a, int mute);
/* Checkpoints (errors are logged to stderr) and frees. NULL is fine. */
void analytics_close(struct analytics *a);

/* Checks a policy (rule tuning and zones) without opening anything: 0, or -1 with err
 * naming the rule or zone at fault. For --check-config. */
int analytics_check_policy(const struct analytics_policy *p, char *err, size_t errlen);

/* The rule table as a JSON array (id, title, severity, attack, gbt20986, enabled,
 * threshold, window_s) for --help and the docs; the caller frees it. */
json_t *analytics_rules_json(const struct analytics *a);

/* ---- policy families (pol.c, det_maint.c, det_baseline.c) ---- */
/* The recent maintenance sessions (at most 256, oldest first) as a JSON array; the caller
 * owns it. The full list is the maint_sessions table of the state file. */
json_t *analytics_maint_sessions(struct analytics *a);
/* The baseline as a JSON document (the baseline file format, docs in README); the caller
 * owns it. NULL when the baseline family is not running. */
json_t *analytics_baseline_json(struct analytics *a);
/* Asks the engine to reload the user rules and the baseline file at its next event
 * (safe from any thread and from a signal handler). */
void analytics_request_reload(void);

#endif
