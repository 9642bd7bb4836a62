/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_core.h - the engine's own insides, shared by its core files (engine.c, event.c,
 * alert.c, asset.c, zone.c, oui.c, state.c) and not by detector families, which use
 * an_int.h only. struct analytics is defined here.
 */
#ifndef TZ_AN_CORE_H
#define TZ_AN_CORE_H

#include <sqlite3.h>

#include "an_int.h"

#define AN_TICK_US AN_US     /* detectors' on_tick granularity: one second of event time */
#define AN_LINE_MAX 65536    /* one produced event, serialized */

struct an_det_slot {
    const struct an_detector *d;
    void *state;
};

struct an_aggs;   /* alert.c */
struct an_assets; /* asset.c */
struct an_zones;  /* zone.c */
struct an_oui;    /* oui.c */

struct analytics {
    struct analytics_opts o;
    char producer[65];
    char *policy_rules, *policy_zones; /* owned copies */
    struct an_rule_rt *rules;
    size_t nrules;
    struct an_det_slot *det;
    size_t ndet;
    int64_t now_us;      /* the clock: largest ts fed */
    int64_t first_us;    /* ts of the first event (0: none yet) */
    int64_t next_tick_us;
    uint64_t seq;        /* produced events when next_seq is NULL */
    int64_t position;    /* store position seen (the collector's) */
    int mute;            /* produce nothing (analytics_set_mute) */
    struct analytics_stats st;
    struct an_aggs *aggs;
    struct an_assets *assets;
    struct an_zones *zones;
    struct an_oui *oui;
    sqlite3 *db;         /* NULL in memory */
    char *line;          /* AN_LINE_MAX */
};

/* event.c: fills v from root; returns 0, or -1 when the event has no usable type/ts. */
int an_ev_parse(struct an_ev *v, const json_t *root);
/* RFC 3339 UTC with up to 9 fractional digits ("...Z"); returns 0 or -1. */
int an_time_parse(const char *s, int64_t *us);
void an_time_fmt(int64_t us, char out[32]);
enum an_sev an_sev_from_name(const char *s, int *ok);

/* engine.c: starts a produced event with its envelope (v, type, id, ts, sensor, seq and,
 * when ev is given, src, dst and proto of ev); an_out_emit serializes, calls the
 * callback and frees obj. */
json_t *an_out_begin(an_engine *e, const char *type, const char *id, int64_t ts_us,
                     const struct an_ev *ev);
void an_out_emit(an_engine *e, enum analytics_out_type type, json_t *obj);
/* A deterministic id: 32 hex digits of BLAKE2b-128 over the NUL-separated parts. */
void an_make_id(char out[33], const char *const *parts, size_t n);

/* alert.c */
int an_aggs_open(an_engine *e, char *err, size_t errlen);
void an_aggs_tick(an_engine *e, int64_t now_us);
void an_aggs_flush(an_engine *e); /* end of input: every pending update */
void an_aggs_free(an_engine *e);
/* Adds "RULE\x1fKEY" to the learned set (state.c loads it); 1 added, 0 known, -1 full. */
int an_learned_add(an_engine *e, const char *rk);

/* asset.c */
int an_assets_open(an_engine *e, char *err, size_t errlen);
void an_assets_free(an_engine *e);
size_t an_assets_count(const an_engine *e);
/* Looks up or creates the asset of an endpoint (NULL for an endpoint without ip). */
struct an_asset *an_asset_touch(an_engine *e, const struct an_endpoint *ep,
                                const struct an_ev *ev);
/* Notes that a speaks proto as client or server (an asset event follows when new). */
void an_asset_add_proto(an_engine *e, struct an_asset *a, enum an_proto p, int as_server,
                        const struct an_ev *ev);
/* Emits the pending `asset` events (appear/change), in the order the changes happened. */
void an_assets_publish(an_engine *e);

/* zone.c */
int an_zones_open(an_engine *e, const char *spec, char *err, size_t errlen);
void an_zones_free(an_engine *e);

/* oui.c: the vendor of a MAC from the IEEE registry; NULL when unknown or not loaded. */
int an_oui_open(an_engine *e, const char *path, char *err, size_t errlen);
const char *an_oui_vendor(const an_engine *e, const char *mac);
void an_oui_free(an_engine *e);

/* state.c: the SQLite side (assets, aggregates, position). */
int an_state_open(an_engine *e, const char *path, char *err, size_t errlen);
int an_state_save(an_engine *e, char *err, size_t errlen);
void an_state_close(an_engine *e);

extern const struct an_detector *const an_detectors[];

#endif
