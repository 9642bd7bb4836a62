/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pd_test.h - what every dissector test shares: a pd_ctx whose emit() encodes each record
 * to JSON with the sensor's own encoder and keeps it, an anomaly() that keeps the kind,
 * and a helper that feeds every prefix of a vector (the truncation loop). Header-only so
 * each test file stays one translation unit.
 */
#ifndef TZ_PD_TEST_H
#define TZ_PD_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_proto.h"
#include "jw.h"
#include "pd.h"

#define PDT_MAX_EVENTS 64
#define PDT_JSON_MAX 16384

struct pdt {
    struct pd_ctx ctx;
    struct pd_limits lim;
    void *state;
    const struct pd_dissector *d;
    int n_events;
    struct pd_txn txn[PDT_MAX_EVENTS];        /* rec pointers are NOT valid after emit */
    char json[PDT_MAX_EVENTS][PDT_JSON_MAX];  /* the protocol object as the sensor writes it */
    int n_anomalies;
    char anomaly_kind[PDT_MAX_EVENTS][64];
};

static void pdt_emit(struct pd_ctx *ctx, const struct pd_txn *t)
{
    struct pdt *T = (struct pdt *)ctx->opaque;
    if (T->n_events >= PDT_MAX_EVENTS)
        return;
    int i = T->n_events++;
    T->txn[i] = *t;
    struct jw w;
    jw_init(&w, T->json[i], PDT_JSON_MAX);
    jw_obj_begin(&w, NULL);
    json_proto_fn enc = json_proto_encoder(t->proto);
    if (enc)
        enc(&w, t->rec);
    jw_obj_end(&w);
    if (jw_finish(&w) < 0)
        snprintf(T->json[i], PDT_JSON_MAX, "JSON-OVERFLOW");
}

static void pdt_anomaly(struct pd_ctx *ctx, const char *kind, const char *detail)
{
    struct pdt *T = (struct pdt *)ctx->opaque;
    (void)detail;
    if (T->n_anomalies < PDT_MAX_EVENTS)
        snprintf(T->anomaly_kind[T->n_anomalies], 64, "%s", kind);
    T->n_anomalies++;
}

/* A fresh test context for dissector d (state zeroed, default limits, TCP). */
static inline struct pdt *pdt_new(const struct pd_dissector *d)
{
    struct pdt *T = calloc(1, sizeof *T);
    T->d = d;
    T->lim = pd_default_limits;
    T->state = calloc(1, d->state_size ? d->state_size : 1);
    T->ctx.state = T->state;
    T->ctx.lim = &T->lim;
    T->ctx.emit = pdt_emit;
    T->ctx.anomaly = pdt_anomaly;
    T->ctx.opaque = T;
    T->ctx.transport = PD_TRANSPORT_TCP;
    T->ctx.now_us = 1700000000000000ull;
    return T;
}

static inline void pdt_free(struct pdt *T)
{
    free(T->state);
    free(T);
}

/* Parses one PDU in direction dir at time now_us; returns parse()'s result. */
static inline int pdt_parse(struct pdt *T, uint8_t dir, uint64_t now_us, const uint8_t *p, size_t n)
{
    T->ctx.dir = dir;
    T->ctx.now_us = now_us;
    return T->d->parse(&T->ctx, p, n);
}

/*
 * The truncation loop: feeds every prefix of v (lengths 0..n) to pdu_len(), probe() and,
 * through a heap copy of exactly that length (so ASan sees any over-read), to parse() on a
 * fresh state. Expects no crash; returns how many prefixes parse() accepted.
 */
static inline int pdt_every_prefix(const struct pd_dissector *d, uint8_t dir, const uint8_t *v,
                                   size_t n)
{
    int accepted = 0;
    for (size_t len = 0; len <= n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        if (len)
            memcpy(copy, v, len);
        (void)d->pdu_len(copy, len);
        (void)d->probe(copy, len, dir);
        if (d->resync)
            (void)d->resync(copy, len);
        struct pdt *T = pdt_new(d);
        accepted += pdt_parse(T, dir, T->ctx.now_us, copy, len) == 0;
        if (d->expire)
            d->expire(&T->ctx, 1);
        pdt_free(T);
        free(copy);
    }
    return accepted;
}

#endif
