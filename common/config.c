/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the table-driven config loader (see config.h). YAML is read with libyaml's
 * event parser: nested mappings become dotted keys ("capture: {buffer_mb: 64}" is
 * "capture.buffer_mb"), each scalar goes through cfg_set() so the bounds that apply to
 * command-line options apply to files alike. Sequences and anchors are not accepted.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define CFG_KEY_MAX 256
#define CFG_DEPTH_MAX 8

const struct cfg_opt *cfg_find(const struct cfg_opt *tab, const char *key)
{
    for (const struct cfg_opt *o = tab; o->key; o++)
        if (strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int set_value(const struct cfg_opt *o, void *conf, const char *val, char *err,
                     size_t errlen)
{
    char *dst = (char *)conf + o->offset;
    switch (o->type) {
    case CFG_INT: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(val, &end, 0);
        if (errno || end == val || *end != '\0') {
            snprintf(err, errlen, "%s: '%s' is not an integer", o->key, val);
            return -1;
        }
        if (v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: %lld is out of bounds [%" PRId64 ", %" PRId64 "]", o->key,
                     v, o->min, o->max);
            return -1;
        }
        int64_t iv = v;
        memcpy(dst, &iv, sizeof iv);
        return 0;
    }
    case CFG_BOOL: {
        int b;
        if (parse_bool(val, &b) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a boolean (true/false)", o->key, val);
            return -1;
        }
        memcpy(dst, &b, sizeof b);
        return 0;
    }
    case CFG_STR: {
        size_t n = strlen(val);
        if (n >= o->size || (o->max > 0 && (int64_t)n > o->max)) {
            snprintf(err, errlen, "%s: value is longer than %zu characters", o->key,
                     o->max > 0 ? (size_t)o->max : o->size - 1);
            return -1;
        }
        if (o->min > 0 && (int64_t)n < o->min) {
            snprintf(err, errlen, "%s: value must have at least %" PRId64 " characters", o->key,
                     o->min);
            return -1;
        }
        memcpy(dst, val, n + 1);
        return 0;
    }
    case CFG_MAP: {
        /* val is "k=v" to append, or "" to clear */
        if (val[0] == '\0') {
            dst[0] = '\0';
            return 0;
        }
        size_t used = strnlen(dst, o->size);
        size_t n = strlen(val);
        if (strchr(val, '=') == NULL || strchr(val, '\n') != NULL) {
            snprintf(err, errlen, "%s: '%s' must be key=value", o->key, val);
            return -1;
        }
        if (used + n + 2 > o->size) {
            snprintf(err, errlen, "%s: too many entries (%zu bytes at most)", o->key, o->size);
            return -1;
        }
        memcpy(dst + used, val, n);
        dst[used + n] = '\n';
        dst[used + n + 1] = '\0';
        return 0;
    }
    }
    snprintf(err, errlen, "%s: bad option type", o->key);
    return -1;
}

int cfg_set(const struct cfg_opt *tab, void *conf, const char *key, const char *val, char *err,
            size_t errlen)
{
    const struct cfg_opt *o = cfg_find(tab, key);
    if (!o) {
        snprintf(err, errlen, "unknown key '%s' (--help lists the keys)", key);
        return -1;
    }
    return set_value(o, conf, val, err, errlen);
}

int cfg_defaults(const struct cfg_opt *tab, void *conf, char *err, size_t errlen)
{
    for (const struct cfg_opt *o = tab; o->key; o++) {
        if (o->type == CFG_MAP) {
            ((char *)conf + o->offset)[0] = '\0';
            continue;
        }
        if (set_value(o, conf, o->def ? o->def : "", err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Is `prefix` the key of a CFG_MAP option? */
static const struct cfg_opt *map_option(const struct cfg_opt *tab, const char *prefix)
{
    const struct cfg_opt *o = cfg_find(tab, prefix);
    return o && o->type == CFG_MAP ? o : NULL;
}

int cfg_load_yaml(const struct cfg_opt *tab, void *conf, const char *path, char *err,
                  size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);

    char stack[CFG_DEPTH_MAX][CFG_KEY_MAX]; /* key of each open mapping */
    int depth = -1;                         /* index of the innermost open mapping */
    char pending_key[CFG_KEY_MAX] = "";
    int have_key = 0;
    int rc = 0, done = 0;
    char msg[512];

    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(err, errlen, "%s:%zu:%zu: YAML error: %s", path,
                     parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                     parser.problem ? parser.problem : "unknown");
            rc = -1;
            break;
        }
        size_t line = ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_MAPPING_START_EVENT: {
            if (depth + 1 >= CFG_DEPTH_MAX) {
                snprintf(err, errlen, "%s:%zu: nesting too deep", path, line);
                rc = -1;
                break;
            }
            char full[CFG_KEY_MAX * 2] = "";
            if (depth >= 0) {
                if (!have_key) {
                    snprintf(err, errlen, "%s:%zu: a mapping cannot be a key", path, line);
                    rc = -1;
                    break;
                }
                if (stack[depth][0])
                    snprintf(full, sizeof full, "%s.%s", stack[depth], pending_key);
                else
                    snprintf(full, sizeof full, "%s", pending_key);
            }
            if (strlen(full) >= CFG_KEY_MAX) {
                snprintf(err, errlen, "%s:%zu: key path too long", path, line);
                rc = -1;
                break;
            }
            depth++;
            memcpy(stack[depth], full, strlen(full) + 1);
            have_key = 0;
            if (depth > 0 && !map_option(tab, full)) {
                /* an intermediate section: some key must start with "full." */
                size_t n = strlen(full);
                int known = 0;
                for (const struct cfg_opt *o = tab; o->key && !known; o++)
                    known = strncmp(o->key, full, n) == 0 && o->key[n] == '.';
                if (!known) {
                    snprintf(err, errlen, "%s:%zu: unknown section '%s'", path, line, full);
                    rc = -1;
                }
            }
            break;
        }
        case YAML_MAPPING_END_EVENT:
            depth--;
            have_key = 0;
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (depth < 0) {
                /* a bare scalar document: only an empty file is fine */
                if (s[0] != '\0') {
                    snprintf(err, errlen, "%s:%zu: expected a mapping of keys", path, line);
                    rc = -1;
                }
                break;
            }
            if (!have_key) {
                if (strlen(s) >= CFG_KEY_MAX / 2) {
                    snprintf(err, errlen, "%s:%zu: key too long", path, line);
                    rc = -1;
                    break;
                }
                snprintf(pending_key, sizeof pending_key, "%s", s);
                have_key = 1;
                break;
            }
            have_key = 0;
            const struct cfg_opt *m = map_option(tab, stack[depth]);
            if (m) {
                char kv[CFG_KEY_MAX * 2];
                snprintf(kv, sizeof kv, "%s=%s", pending_key, s);
                if (set_value(m, conf, kv, msg, sizeof msg) != 0) {
                    snprintf(err, errlen, "%s:%zu: %s", path, line, msg);
                    rc = -1;
                }
                break;
            }
            char full[CFG_KEY_MAX * 2];
            if (stack[depth][0])
                snprintf(full, sizeof full, "%s.%s", stack[depth], pending_key);
            else
                snprintf(full, sizeof full, "%s", pending_key);
            if (cfg_set(tab, conf, full, s, msg, sizeof msg) != 0) {
                snprintf(err, errlen, "%s:%zu: %s", path, line, msg);
                rc = -1;
            }
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            snprintf(err, errlen, "%s:%zu: lists are not accepted here (key '%s')", path, line,
                     have_key ? pending_key : "?");
            rc = -1;
            break;
        case YAML_ALIAS_EVENT:
            snprintf(err, errlen, "%s:%zu: YAML aliases are not accepted", path, line);
            rc = -1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

static int needs_quotes(const char *s)
{
    if (s[0] == '\0')
        return 1;
    for (const char *p = s; *p; p++)
        if (strchr(":#{}[],&*!|>'\"%@`", *p) || *p == ' ')
            return 1;
    return 0;
}

static void dump_scalar(FILE *out, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

int cfg_is_secret(const char *key)
{
    static const char *const named[] = {"sasl.password", "ssl.key.password",
                                        "ssl.keystore.password", "ssl.key.pem"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcasecmp(key, named[i]) == 0)
            return 1;
    return strcasestr(key, "password") != NULL || strcasestr(key, "secret") != NULL;
}

void cfg_dump(const struct cfg_opt *tab, const void *conf, FILE *out)
{
    char section[CFG_KEY_MAX] = "";
    for (const struct cfg_opt *o = tab; o->key; o++) {
        const char *dot = strrchr(o->key, '.');
        char sec[CFG_KEY_MAX] = "";
        const char *leaf = o->key;
        if (dot) {
            snprintf(sec, sizeof sec, "%.*s", (int)(dot - o->key), o->key);
            leaf = dot + 1;
        }
        if (strchr(sec, '.')) {
            /* deeper nesting is written flat-quoted; the tables keep to one level */
            leaf = o->key;
            sec[0] = '\0';
        }
        if (strcmp(sec, section) != 0) {
            if (sec[0])
                fprintf(out, "%s:\n", sec);
            snprintf(section, sizeof section, "%s", sec);
        }
        const char *indent = sec[0] ? "  " : "";
        const char *v = (const char *)conf + o->offset;
        fprintf(out, "%s# %s\n%s%s: ", indent, o->help, indent, leaf);
        switch (o->type) {
        case CFG_INT: {
            int64_t iv;
            memcpy(&iv, v, sizeof iv);
            fprintf(out, "%" PRId64 "\n", iv);
            break;
        }
        case CFG_BOOL: {
            int b;
            memcpy(&b, v, sizeof b);
            fputs(b ? "true\n" : "false\n", out);
            break;
        }
        case CFG_STR:
            dump_scalar(out, v[0] && cfg_is_secret(o->key) ? CFG_REDACTED : v);
            fputc('\n', out);
            break;
        case CFG_MAP: {
            if (v[0] == '\0') {
                fputs("{}\n", out);
                break;
            }
            fputc('\n', out);
            const char *line = v;
            while (*line) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                char kv[CFG_KEY_MAX * 2];
                snprintf(kv, sizeof kv, "%.*s", (int)n, line);
                char *eq = strchr(kv, '=');
                if (eq) {
                    *eq = '\0';
                    fprintf(out, "%s  ", indent);
                    dump_scalar(out, kv);
                    fputs(": ", out);
                    dump_scalar(out, eq[1] && cfg_is_secret(kv) ? CFG_REDACTED : eq + 1);
                    fputc('\n', out);
                }
                line += n + (nl ? 1 : 0);
            }
            break;
        }
        }
    }
}

void cfg_help(const struct cfg_opt *tab, FILE *out)
{
    static const char *const tnames[] = {"int", "bool", "string", "map"};
    for (const struct cfg_opt *o = tab; o->key; o++) {
        fprintf(out, "  %-28s %-6s default %-14s", o->key, tnames[o->type],
                o->type == CFG_MAP ? "{}" : (o->def && o->def[0] ? o->def : "\"\""));
        if (o->type == CFG_INT)
            fprintf(out, " [%" PRId64 "..%" PRId64 "]", o->min, o->max);
        fprintf(out, "\n      %s\n", o->help);
    }
}
