/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_state.h - the engine's tables as the core files share them: open alert aggregates
 * (alert.c) and assets (asset.c), so that state.c can save and load them. Detector
 * families do not include this file.
 */
#ifndef TZ_AN_STATE_H
#define TZ_AN_STATE_H

#include "an_core.h"

#define AGG_EMPTY (-1)
#define LEARNED_MAX 1000000
#define AGG_TOMB (-2)

struct an_agg {
    const struct an_rule_rt *rule;
    uint64_t hash;
    char key[AN_KEY_MAX];
    char group[33];          /* id of the first alert; the aggregate's name */
    int64_t first_us, last_us, expires_us;
    uint64_t count, reported; /* raises counted; count in the last emitted event */
    char evidence[AN_EVIDENCE_MAX][AN_ID_MAX];
    size_t nev;
    json_t *first_alert;     /* the first alert event, the template of updates */
    int open;
    int dirty;
};

struct an_aggs {
    struct an_agg *v;        /* in the order they opened */
    size_t n, cap, closed;
    int32_t *idx;            /* open addressing over v: AGG_EMPTY, AGG_TOMB or an index */
    size_t cap_idx;          /* power of two */
    int64_t next_expiry;
    /* keys of learnable rules seen during the learning period: "RULE\x1fKEY" */
    char **learned;          /* open addressing; NULL empty */
    size_t nlearned, cap_learned;
    size_t learned_saved;    /* how many of them state.c wrote (they are appended) */
    char **learned_order;    /* in the order they were learned (for saving) */
};

#define AN_SENSORS_MAX 8
#define AN_IDENT_MAX 24     /* identity attributes (with their conflicting values) */
#define AN_IDENT_KEY 24
#define AN_IDENT_VAL 96

struct an_ident {
    char key[AN_IDENT_KEY];
    char value[AN_IDENT_VAL];
    char source[16];         /* the protocol that told it */
    int64_t first_us, last_us;
};

enum an_change {
    AN_CH_NEW = 1u << 0,
    AN_CH_ROLE = 1u << 1,
    AN_CH_PROTO = 1u << 2,
    AN_CH_IDENTITY = 1u << 3,
    AN_CH_SENSOR = 1u << 4,
};

struct an_asset {
    char ip[AN_IP_MAX];
    char mac[AN_MAC_MAX];
    char id[33];
    const char *vendor;      /* OUI registry entry (lives with the engine), or NULL */
    int64_t first_us, last_us;
    unsigned roles;          /* enum an_role bits */
    uint32_t proto_client, proto_server; /* 1u << enum an_proto */
    char sensors[AN_SENSORS_MAX][65];
    int nsensors;
    struct an_ident ident[AN_IDENT_MAX];
    int nident;
    uint64_t version;        /* asset events emitted */
    unsigned change;         /* pending changes (enum an_change), published after the event */
    char change_ev[AN_ID_MAX]; /* the event that caused the first pending change */
    int64_t change_us;
    int pending;             /* in the pending list */
    int dirty;               /* to be saved */
    uint64_t hash;
    int32_t ix;              /* its index in an_assets.v */
};

struct an_assets {
    struct an_asset **v;     /* in the order they appeared; each allocated once */
    size_t n, cap;
    int32_t *idx;            /* (ip, mac) -> v index */
    int32_t *ipidx;          /* ip -> v index of the asset last seen with that ip */
    size_t cap_idx;
    struct an_asset **pending;
    size_t npending, cap_pending;
};

/* Loading saved state (state.c): an asset without an asset event, an open aggregate. */
struct an_asset *an_asset_restore(an_engine *e, const char *ip, const char *mac);
int an_agg_restore(an_engine *e, const struct an_agg *src);
uint64_t an_agg_hash(const struct an_rule_rt *r, const char *key);

#endif
