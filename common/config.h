/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - one table per binary drives YAML parsing, defaults, bounds, --help and
 * --dump-config. Each row names a dotted key ("capture.buffer_mb"), a type, where the
 * value lives in the binary's config struct, its default as text, its bounds and a help
 * line. Unknown keys and out-of-bounds values are errors that name the key and the file.
 */
#ifndef TZ_CONFIG_H
#define TZ_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
    CFG_INT,  /* int64_t; min/max bound the value */
    CFG_BOOL, /* int: 0 or 1; YAML true/false/yes/no/on/off/1/0 */
    CFG_STR,  /* char[size]; max is the longest accepted length (<= size-1) */
    CFG_MAP,  /* char[size] holding "k=v\n" lines; a YAML mapping of scalars (e.g. kafka.properties) */
};

struct cfg_opt {
    const char *key;
    enum cfg_type type;
    size_t offset;
    size_t size;      /* bytes at offset (CFG_STR/CFG_MAP buffer size) */
    const char *def;  /* default, as it would be written in YAML */
    int64_t min, max;
    const char *help;
};

#define CFG_END {NULL, CFG_INT, 0, 0, NULL, 0, 0, NULL}

/* All return 0, or -1 with a message in err that says what to fix. */
int cfg_defaults(const struct cfg_opt *tab, void *conf, char *err, size_t errlen);
int cfg_load_yaml(const struct cfg_opt *tab, void *conf, const char *path, char *err, size_t errlen);
/* Sets one key from text (command-line options use this, so bounds apply alike). */
int cfg_set(const struct cfg_opt *tab, void *conf, const char *key, const char *val, char *err,
            size_t errlen);
const struct cfg_opt *cfg_find(const struct cfg_opt *tab, const char *key);
/* Writes the effective config as YAML that cfg_load_yaml() reads back, except that the
 * value of every secret (cfg_is_secret, also inside maps such as kafka.properties) is
 * written as CFG_REDACTED. */
void cfg_dump(const struct cfg_opt *tab, const void *conf, FILE *out);
#define CFG_REDACTED "<redacted>"
/* 1 for a key whose value is a secret: sasl.password, ssl.key.password,
 * ssl.keystore.password, ssl.key.pem, and any key holding "password" or "secret" (any
 * case). */
int cfg_is_secret(const char *key);
/* One line per key: key, type, default, bounds, help. */
void cfg_help(const struct cfg_opt *tab, FILE *out);

#endif
