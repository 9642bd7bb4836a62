/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_baseline.c - the protocol whitelist learned from traffic (learn -> review ->
 * enforce). While learning, each ics request adds or widens an entry (client, server,
 * protocol, unit / station / common address, function) with its address range and, for
 * Modbus and IEC 104 writes and setpoints, its value range, and each master's read
 * polling period per server. Enforcing, anything outside the entries not dropped is an
 * alert naming what was new. The table lives in analytics.db (table baseline) and in
 * baseline files (baseline_file.c); review commands arrive through pol_cmd_push().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl.h"
#include "pol.h"

#define SAVE_EVERY_US (60 * AN_US) /* of event time (replays) */
#define SAVE_WALL_S 5              /* or of wall time (live): when the API sees changes */
#define POLL_MIN_S 0.05

enum { R_PAIR, R_FUNC, R_ADDR, R_VALUE, R_POLL_STOP, R_POLL_CHANGE, R_N };

static const struct an_rule rules[] = {
    [R_PAIR] = {.id = "baseline.new_pair", .title = "New communication pair (not in baseline)",
                .severity = AN_SEV_HIGH, .category = "baseline", .attack = "T0886,T0846",
                .gbt = "NAI-ONAI", .help = "client, server and protocol never seen together"},
    [R_FUNC] = {.id = "baseline.new_function", .title = "New function or unit on a known pair",
                .severity = AN_SEV_MEDIUM, .category = "baseline", .attack = "T0855,T0836",
                .gbt = "NAI-ONAI", .help = "a known pair uses a function or unit it did not"},
    [R_ADDR] = {.id = "baseline.address_range", .title = "Address outside the learned range",
                .severity = AN_SEV_MEDIUM, .category = "baseline", .attack = "T0836,T0801",
                .gbt = "NAI-ONAI", .help = "register, point or object address never used"},
    [R_VALUE] = {.id = "baseline.value_range", .title = "Written value outside the learned range",
                 .severity = AN_SEV_HIGH, .category = "baseline", .attack = "T0836,T0831",
                 .gbt = "IDI-IAI", .help = "Modbus write or IEC 104 setpoint/command value"},
    [R_POLL_STOP] = {.id = "baseline.polling_stopped", .title = "Polling stopped",
                     .severity = AN_SEV_MEDIUM, .category = "baseline", .attack = "T0814,T0815",
                     .gbt = "NAI-DOSAI", .help = "no read for poll_factor times the period"},
    [R_POLL_CHANGE] = {.id = "baseline.polling_changed", .title = "Polling period changed",
                       .severity = AN_SEV_LOW, .category = "baseline", .attack = "T0856",
                       .gbt = "NAI-ONAI", .help = "mean read interval off by poll_factor"},
    {0},
};

struct bl_state {
    const struct an_rule_rt *r[R_N];
    struct bl b;
    const char *file;      /* the configured baseline file, or NULL */
    unsigned gen;          /* reload generation last seen */
    int loaded;            /* state db looked at */
    int64_t learn_s, start_us, next_save_us;
    int64_t last_tick_us;  /* regular ticks fall on whole, increasing seconds */
    int64_t saved_wall_s;  /* CLOCK_MONOTONIC of the last save: persistence timing only,
                            * never the output */
};

static int load_file(struct bl_state *s, char *err, size_t errlen)
{
    struct bl nb = {0};
    if (bl_load_file(&nb, s->file, err, errlen) != 0)
        return -1;
    bl_clear(&s->b);
    s->b = nb;
    return 0;
}

static int bl_init(an_engine *e, void **state, char *err, size_t errlen)
{
    struct bl_state *s = an_state_new(sizeof *s, state, err, errlen);
    if (!s)
        return -1;
    an_rules_lookup(e, rules, R_N, s->r);
    const struct analytics_policy *p = an_policy(e);
    if (p->baseline_mode && *p->baseline_mode && bl_mode_parse(p->baseline_mode, &s->b.mode)) {
        snprintf(err, errlen, "policy.baseline_mode: '%s' must be learn, enforce or off",
                 p->baseline_mode);
        return -1;
    }
    s->b.poll_factor = p->baseline_poll_factor > 1 ? (double)p->baseline_poll_factor : 3;
    s->learn_s = p->baseline_learn_s;
    s->gen = pol_reload_gen();
    const char *f = an_opts_baseline_path(e);
    if (f && *f) {
        s->file = f;
        char e2[512];
        if (load_file(s, e2, sizeof e2) != 0) {
            snprintf(err, errlen, "baseline: %s", e2);
            return -1;
        }
        s->loaded = 1; /* the file wins over the state's copy */
    }
    return 0;
}

static void bl_free(void *state)
{
    struct bl_state *s = state;
    if (s)
        bl_clear(&s->b);
    free(s);
}

static void save_db(an_engine *e, struct bl_state *s, int version_row)
{
    sqlite3 *db = pol_db(e);
    if (!db || !s->b.dirty)
        return;
    json_t *doc = bl_to_json(&s->b);
    char *txt = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!txt)
        return;
    sqlite3_stmt *st = NULL;
    const char *sql = "INSERT OR REPLACE INTO baseline(k, version, ts_us, doc) VALUES(?,?,?,?)";
    if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS baseline(k TEXT PRIMARY KEY,"
                         " version INTEGER, ts_us INTEGER, doc TEXT)", NULL, NULL, NULL) ==
            SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        for (int pass = 0; pass < 1 + (version_row != 0); pass++) {
            char k[32];
            snprintf(k, sizeof k, pass ? "v%lld" : "current", (long long)s->b.version);
            sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, s->b.version);
            sqlite3_bind_int64(st, 3, an_now(e));
            sqlite3_bind_text(st, 4, txt, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                break;
            sqlite3_reset(st);
        }
        s->b.dirty = 0;
    } else {
        fprintf(stderr, "analytics: baseline: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    free(txt);
}

static void load_db(an_engine *e, struct bl_state *s)
{
    sqlite3 *db = pol_db(e);
    s->loaded = 1;
    sqlite3_stmt *st = NULL;
    if (!db || sqlite3_prepare_v2(db, "SELECT doc FROM baseline WHERE k='current'", -1, &st,
                                  NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        char err[256];
        if (doc && bl_from_json(&s->b, doc, err, sizeof err) != 0)
            fprintf(stderr, "analytics: baseline in the state: %s (ignored)\n", err);
        s->b.dirty = 0;
        json_decref(doc);
    }
    sqlite3_finalize(st);
}

static void housekeeping(an_engine *e, struct bl_state *s)
{
    if (!s->loaded)
        load_db(e, s);
    unsigned g = pol_reload_gen();
    if (g != s->gen) {
        s->gen = g;
        char err[512];
        if (s->file && load_file(s, err, sizeof err) != 0)
            fprintf(stderr, "analytics: baseline reload: %s; keeping the previous baseline "
                            "(version %lld)\n", err, (long long)s->b.version);
    }
    char op[16], arg[128], err[256];
    while (pol_cmd_pop(op, sizeof op, arg, sizeof arg)) {
        if (bl_apply(&s->b, op, arg, err, sizeof err) != 0)
            fprintf(stderr, "analytics: baseline %s %s: %s\n", op, arg, err);
        else
            save_db(e, s, 1);
    }
}

/* The address range and (for writes) the value range of one request. */
static void extract(const struct an_ev *ev, int64_t *alo, int64_t *ahi, double *vlo,
                    double *vhi, int *hv)
{
    *alo = *ahi = -1;
    *hv = 0;
    const json_t *o = ev->pobj;
    size_t i;
    json_t *x;
#define ADDR(lo_, hi_)                                                                        \
    do {                                                                                      \
        int64_t l_ = (lo_), h_ = (hi_);                                                       \
        if (l_ >= 0 && h_ >= l_) {                                                            \
            *alo = *alo < 0 || l_ < *alo ? l_ : *alo;                                         \
            *ahi = h_ > *ahi ? h_ : *ahi;                                                     \
        }                                                                                     \
    } while (0)
#define VAL(v_)                                                                               \
    do {                                                                                      \
        double d_ = (v_);                                                                     \
        if (!*hv || d_ < *vlo)                                                                \
            *vlo = d_;                                                                        \
        if (!*hv || d_ > *vhi)                                                                \
            *vhi = d_;                                                                        \
        *hv = 1;                                                                              \
    } while (0)
    switch (ev->proto) {
    case AN_P_MODBUS: {
        int64_t a = an_json_int(o, "addr", -1), q = an_json_int(o, "qty", 1);
        ADDR(a, a + (q > 0 ? q : 1) - 1);
        if (ev->op == AN_OP_WRITE)
            json_array_foreach(json_object_get(o, "req_values"), i, x)
                if (json_is_number(x))
                    VAL(json_number_value(x));
        break;
    }
    case AN_P_IEC104: {
        const json_t *asdu = json_object_get(o, "asdu");
        int setp = ev->func >= 45 && ev->func <= 64;
        json_array_foreach(json_object_get(asdu, "objects"), i, x)
        {
            int64_t ioa = an_json_int(x, "ioa", -1);
            ADDR(ioa, ioa);
            json_t *v = json_object_get(x, "value");
            if (setp && json_is_number(v))
                VAL(json_number_value(v));
        }
        break;
    }
    case AN_P_DNP3:
        json_array_foreach(json_object_get(o, "objects"), i, x)
            ADDR(an_json_int(x, "start", -1), an_json_int(x, "stop", -1));
        break;
    case AN_P_S7COMM:
        json_array_foreach(json_object_get(o, "items"), i, x)
        {
            int64_t b = an_json_int(x, "byte", -1), c = an_json_int(x, "count", 1);
            ADDR(b, b + (c > 0 ? c : 1) - 1);
        }
        break;
    default:
        break;
    }
#undef ADDR
#undef VAL
}

/* The unit of an entry: Modbus unit, DNP3 destination, IEC 104 common address (the
 * engine's ev->unit) or, for S7, rack * 32 + slot as the called TSAP encodes them. */
static int64_t unit_of(const struct an_ev *ev)
{
    if (ev->unit >= 0 || ev->proto != AN_P_S7COMM)
        return ev->unit;
    const json_t *c = json_object_get(ev->pobj, "cotp");
    int64_t rack = an_json_int(c, "rack", -1), slot = an_json_int(c, "slot", -1);
    return rack >= 0 && slot >= 0 ? rack * 32 + slot : -1;
}

static void learn(struct bl_state *s, const struct an_ev *ev, const char *proto)
{
    int64_t unit = unit_of(ev);
    struct bl_entry *x = bl_find(&s->b, ev->src.ip, ev->dst.ip, proto, unit, ev->func);
    if (!x) {
        x = bl_add(&s->b, ev->src.ip, ev->dst.ip, proto, unit, ev->func);
        if (!x)
            return;
        snprintf(x->fname, sizeof x->fname, "%s", ev->func_name ? ev->func_name : "");
        x->first_us = ev->ts_us;
    }
    int64_t alo, ahi;
    double vlo, vhi;
    int hv;
    extract(ev, &alo, &ahi, &vlo, &vhi, &hv);
    if (alo >= 0) {
        if (x->addr_lo < 0 || alo < x->addr_lo)
            x->addr_lo = alo;
        if (ahi > x->addr_hi)
            x->addr_hi = ahi;
    }
    if (hv) {
        if (!x->has_val || vlo < x->val_lo)
            x->val_lo = vlo;
        if (!x->has_val || vhi > x->val_hi)
            x->val_hi = vhi;
        x->has_val = 1;
    }
    x->count++;
    x->last_us = ev->ts_us;
    s->b.dirty = 1;
}

static void enforce(an_engine *e, struct bl_state *s, const struct an_ev *ev, const char *proto)
{
    char key[AN_KEY_MAX];
    int64_t unit = unit_of(ev);
    struct bl_entry *x = bl_find(&s->b, ev->src.ip, ev->dst.ip, proto, unit, ev->func);
    if (!x || x->status == BL_DROPPED) {
        int known = bl_pair_known(&s->b, ev->src.ip, ev->dst.ip, proto);
        snprintf(key, sizeof key, "%s>%s:%s:%lld:%lld", ev->src.ip, ev->dst.ip, proto,
                 (long long)unit, (long long)ev->func);
        if (!known)
            an_raise(e, s->r[R_PAIR], ev, key, "new pair: %s -> %s speaking %s (%s)", ev->src.ip,
                     ev->dst.ip, proto, ev->func_name ? ev->func_name : "?");
        else
            an_raise(e, s->r[R_FUNC], ev, key, "new function on a known pair: %s -> %s %s "
                     "unit %lld function %lld (%s)", ev->src.ip, ev->dst.ip, proto,
                     (long long)unit, (long long)ev->func, ev->func_name ? ev->func_name : "?");
        return;
    }
    x->count++;
    x->last_us = ev->ts_us;
    int64_t alo, ahi;
    double vlo, vhi;
    int hv;
    extract(ev, &alo, &ahi, &vlo, &vhi, &hv);
    if (alo >= 0 && (x->addr_lo < 0 || alo < x->addr_lo || ahi > x->addr_hi)) {
        snprintf(key, sizeof key, "%s:addr", x->id);
        an_raise(e, s->r[R_ADDR], ev, key, "address outside the learned range: %s -> %s %s "
                 "function %lld addresses %lld-%lld, learned %lld-%lld", ev->src.ip, ev->dst.ip,
                 proto, (long long)ev->func, (long long)alo, (long long)ahi,
                 (long long)x->addr_lo, (long long)x->addr_hi);
    }
    if (hv && (!x->has_val || vlo < x->val_lo || vhi > x->val_hi)) {
        snprintf(key, sizeof key, "%s:value", x->id);
        if (x->has_val)
            an_raise(e, s->r[R_VALUE], ev, key, "value outside the learned range: %s -> %s %s "
                     "function %lld wrote %g..%g, learned %g..%g", ev->src.ip, ev->dst.ip,
                     proto, (long long)ev->func, vlo, vhi, x->val_lo, x->val_hi);
        else
            an_raise(e, s->r[R_VALUE], ev, key, "value outside the learned range: %s -> %s %s "
                     "function %lld wrote %g..%g, none learned", ev->src.ip, ev->dst.ip, proto,
                     (long long)ev->func, vlo, vhi);
    }
}

static void poll_note(an_engine *e, struct bl_state *s, const struct an_ev *ev, const char *proto)
{
    struct bl_poll *p = bl_poll_find(&s->b, ev->src.ip, ev->dst.ip, proto,
                                     s->b.mode == BL_LEARN);
    if (!p)
        return;
    if (p->last_us && ev->ts_us < p->last_us) /* out of order: the clock never goes back */
        return;
    double dt = p->last_us ? (double)(ev->ts_us - p->last_us) / (double)AN_US : -1;
    p->last_us = ev->ts_us;
    if (dt < POLL_MIN_S) /* several reads of one poll cycle count once */
        return;
    if (s->b.mode == BL_LEARN) {
        p->sum_s += dt;
        p->samples++;
        p->period_s = 0;
        return;
    }
    if (p->period_s <= 0 || p->status == BL_DROPPED)
        return;
    p->stopped = 0;
    p->ewma_s = p->ewma_s > 0 ? 0.8 * p->ewma_s + 0.2 * dt : dt;
    double f = s->b.poll_factor;
    int off = p->ewma_s > p->period_s * f || p->ewma_s * f < p->period_s;
    if (off && !p->changed) {
        char key[AN_KEY_MAX];
        snprintf(key, sizeof key, "%s>%s:%s:poll", p->client, p->server, p->proto);
        an_raise(e, s->r[R_POLL_CHANGE], ev, key, "polling changed: %s polls %s (%s) every "
                 "%.3g s, learned %.3g s (factor %.3g)", p->client, p->server, p->proto,
                 p->ewma_s, p->period_s, f);
    }
    p->changed = off;
}

/* Leaving the learning mode: freeze each polling pattern's period. */
static void freeze_polls(struct bl *b)
{
    for (size_t i = 0; i < b->np; i++) {
        struct bl_poll *p = &b->p[i];
        if (p->period_s <= 0 && p->samples >= 3)
            p->period_s = p->sum_s / (double)p->samples;
        p->ewma_s = 0;
    }
}

static void bl_event(an_engine *e, void *state, const struct an_ev *ev)
{
    struct bl_state *s = state;
    if (ev->type != AN_T_ICS)
        return;
    enum bl_mode before = s->b.mode;
    housekeeping(e, s);
    if (!s->start_us)
        s->start_us = ev->ts_us;
    if (s->b.mode == BL_LEARN && s->learn_s > 0 && ev->ts_us - s->start_us >= s->learn_s * AN_US)
        s->b.mode = BL_ENFORCE;
    if (before == BL_LEARN && s->b.mode == BL_ENFORCE)
        freeze_polls(&s->b);
    if (s->b.mode == BL_OFF || !ev->src.ip || !ev->dst.ip || !ev->proto_name ||
        ev->status == AN_ST_RESPONSE_ONLY || ev->status == AN_ST_MALFORMED ||
        ev->op == AN_OP_REPORT)
        return;
    const char *proto = ev->proto_name;
    if (s->b.mode == BL_LEARN)
        learn(s, ev, proto);
    else
        enforce(e, s, ev, proto);
    if (ev->op == AN_OP_READ)
        poll_note(e, s, ev, proto);
}

static void bl_tick(an_engine *e, void *state, int64_t now_us)
{
    struct bl_state *s = state;
    /* analytics_finish ticks once more at the clock itself: save then too */
    int finish = now_us % AN_US != 0 || now_us <= s->last_tick_us;
    s->last_tick_us = now_us > s->last_tick_us ? now_us : s->last_tick_us;
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    if (now_us >= s->next_save_us || finish || mono.tv_sec - s->saved_wall_s >= SAVE_WALL_S) {
        if (!s->loaded)
            load_db(e, s);
        save_db(e, s, 0);
        s->next_save_us = now_us + SAVE_EVERY_US;
        s->saved_wall_s = mono.tv_sec;
    }
    if (s->b.mode != BL_ENFORCE)
        return;
    for (size_t i = 0; i < s->b.np; i++) {
        struct bl_poll *p = &s->b.p[i];
        if (p->period_s <= 0 || p->stopped || !p->last_us || p->status == BL_DROPPED)
            continue;
        double silent = (double)(now_us - p->last_us) / (double)AN_US;
        if (silent > p->period_s * s->b.poll_factor && silent >= 1) {
            p->stopped = 1;
            char key[AN_KEY_MAX];
            snprintf(key, sizeof key, "%s>%s:%s:poll", p->client, p->server, p->proto);
            json_t *root = json_pack("{s:{s:s}, s:{s:s}}", "src", "ip", p->client, "dst",
                                     "ip", p->server);
            struct an_ev ev = {.root = root, .type = AN_T_ICS, .id = "", .sensor = "",
                               .ts_us = now_us, .src = {.ip = p->client, .port = -1},
                               .dst = {.ip = p->server, .port = -1},
                               .proto_name = p->proto, .func = -1, .unit = -1};
            an_raise(e, s->r[R_POLL_STOP], &ev, key, "polling stopped: %s has not polled %s "
                     "(%s) for %.0f s, learned period %.3g s", p->client, p->server, p->proto,
                     silent, p->period_s);
            json_decref(root);
        }
    }
}

const struct an_detector an_det_baseline = {
    .name = "baseline",
    .rules = rules,
    .init = bl_init,
    .on_event = bl_event,
    .on_tick = bl_tick,
    .free = bl_free,
};

json_t *analytics_baseline_json(struct analytics *a)
{
    const struct bl_state *s = an_det_state(a, &an_det_baseline);
    return s ? bl_to_json(&s->b) : NULL;
}
