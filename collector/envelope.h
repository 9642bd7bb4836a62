/* SPDX-License-Identifier: Apache-2.0 */
/*
 * envelope.h - what the forwarder does to an event before it leaves the enterprise: it
 * removes the configured redaction paths (kafka.redact, dotted, e.g. "opcua.identity";
 * a path through an array applies to each element) and adds the platform envelope
 * `"platform": {"enterprise_name", "credit_code", "region_code", "level", "site"}` with
 * the configured keys only, plus `"redacted": [paths]` when something was removed. The
 * store keeps the event as received. Pure functions over jansson; no I/O.
 */
#ifndef TZ_ENVELOPE_H
#define TZ_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define ENV_MAX_PATHS 32
#define ENV_MAX_DEPTH 8
#define ENV_SEG_MAX 64

struct envelope_conf {
    const char *enterprise_name; /* "" leaves a key out */
    const char *credit_code;     /* unified social credit code (GB 32100-2015), 18 chars */
    const char *region_code;     /* administrative division code (GB/T 2260), 6 digits */
    int64_t level;               /* enterprise level 1..5; 0 leaves it out */
    const char *site;
    const char *redact;          /* comma-separated dotted paths */
};

struct env_path {
    char text[ENV_MAX_DEPTH * (ENV_SEG_MAX + 1)];
    char seg[ENV_MAX_DEPTH][ENV_SEG_MAX + 1];
    char quoted_last[ENV_SEG_MAX + 3]; /* "last" with quotes: a cheap pre-check */
    int nseg;
};

struct envelope {
    json_t *platform;      /* the configured keys; NULL when none */
    char *platform_text;   /* platform serialized (compact), or NULL */
    struct env_path path[ENV_MAX_PATHS];
    int npaths;
};

/* Checks the values and builds e. Returns 0, or -1 with a message naming the key. */
int envelope_init(struct envelope *e, const struct envelope_conf *c, char *err, size_t errlen);
void envelope_free(struct envelope *e);
/* Does anything change the events (a platform key or a redaction path)? */
int envelope_active(const struct envelope *e);
/* The message value for one stored event (a JSON object). Returns a malloc'd buffer of
 * *outlen bytes (not NUL-terminated; the caller frees it) and sets *redacted to the number
 * of paths removed; NULL when the event is not a JSON object or out of memory. */
char *envelope_apply(const struct envelope *e, const char *json, size_t len, size_t *outlen,
                     unsigned *redacted);
/* 0 when s is a valid unified social credit code (charset, length, check character). */
int envelope_check_credit_code(const char *s);

#endif
