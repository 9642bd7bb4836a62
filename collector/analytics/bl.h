/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bl.h - the baseline whitelist's table, shared by det_baseline.c (learn and enforce on
 * the event stream) and baseline_file.c (the JSON file format, the copy in analytics.db,
 * review commands). An entry is one (client, server, protocol, unit, function) with the
 * address range and, for writes and setpoints, the value range seen; a poll is one
 * (client, server, protocol) read pattern with its learned period.
 */
#ifndef TZ_AN_BL_H
#define TZ_AN_BL_H

#include <stdint.h>

#include "an_int.h"

#define BL_ENTRIES_MAX 65536
#define BL_POLLS_MAX 4096

enum bl_status { BL_LEARNED, BL_ACCEPTED, BL_DROPPED };
enum bl_mode { BL_LEARN, BL_ENFORCE, BL_OFF };

struct bl_entry {
    char id[33];
    char client[AN_IP_MAX], server[AN_IP_MAX], proto[16];
    int64_t unit, func;
    char fname[40];
    int64_t addr_lo, addr_hi; /* addr_lo < 0: no address seen */
    double val_lo, val_hi;
    int has_val;
    uint64_t count;
    int64_t first_us, last_us;
    enum bl_status status;
    uint64_t hash;
};

struct bl_poll {
    char client[AN_IP_MAX], server[AN_IP_MAX], proto[16];
    double period_s;       /* learned mean interval (0: fewer than 3 samples) */
    double sum_s;          /* while learning */
    uint64_t samples;
    int64_t last_us;
    double ewma_s;         /* while enforcing */
    int stopped, changed;  /* alert raised, until the pattern comes back */
    enum bl_status status;
};

/* One (client, server, protocol): its polling pattern and how many entries not dropped. */
struct bl_pairslot {
    uint64_t h;            /* 0: empty */
    int32_t poll;          /* index into bl.p, or -1 */
    int32_t live;
};

struct bl {
    enum bl_mode mode;
    int64_t version;
    double poll_factor;
    struct bl_entry *e;
    size_t n, cap;
    int32_t *idx;          /* open addressing: -1 empty, else an index into e */
    size_t cap_idx;
    struct bl_poll *p;
    size_t np, cap_p;
    struct bl_pairslot *pairs; /* open addressing by pair hash */
    size_t npairs, cap_pairs;
    uint64_t full;         /* entries not learned: the table was full */
    int dirty;
};

uint64_t bl_hash(const char *client, const char *server, const char *proto, int64_t unit,
                 int64_t func);
struct bl_entry *bl_find(struct bl *b, const char *client, const char *server,
                         const char *proto, int64_t unit, int64_t func);
struct bl_entry *bl_add(struct bl *b, const char *client, const char *server, const char *proto,
                        int64_t unit, int64_t func);
struct bl_poll *bl_poll_find(struct bl *b, const char *client, const char *server,
                             const char *proto, int create);
/* Has the pair an entry that is not dropped? */
int bl_pair_known(struct bl *b, const char *client, const char *server, const char *proto);
/* Recounts the pair index after status changes. */
void bl_pairs_rebuild(struct bl *b);
void bl_clear(struct bl *b);
const char *bl_status_name(enum bl_status s);
const char *bl_mode_name(enum bl_mode m);
int bl_mode_parse(const char *s, enum bl_mode *m);

/* baseline_file.c */
json_t *bl_to_json(const struct bl *b);
/* Replaces b's content by the document (validated); -1 with err (b unchanged). */
int bl_from_json(struct bl *b, const json_t *doc, char *err, size_t errlen);
int bl_load_file(struct bl *b, const char *path, char *err, size_t errlen);
int bl_save_file(const struct bl *b, const char *path, char *err, size_t errlen);
/* A review command (accept ID|all, drop ID|all, mode learn|enforce|off, edit "ID
 * addr=LO-HI" | "ID values=LO:HI" | "ID addr=none"); 0, or -1 with err (b unchanged). */
int bl_apply(struct bl *b, const char *op, const char *arg, char *err, size_t errlen);

#endif
