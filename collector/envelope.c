/* SPDX-License-Identifier: Apache-2.0 */
/*
 * envelope.c - redaction and the platform envelope (see envelope.h). The common case is a
 * splice: the platform object (serialized once by jansson) goes in before the event's
 * closing brace, so the event's own bytes leave unchanged. Only an event that holds a
 * redacted path (or already has a "platform" key) is parsed and re-serialized by jansson.
 * The credit code check follows GB 32100-2015 (weights 3^i mod 31 over 31 characters).
 */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int envelope_check_credit_code(const char *s)
{
    static const int weight[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (strlen(s) != 18)
        return -1;
    int sum = 0;
    for (int i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(uscc_chars, s[i]) : NULL;
        if (!p)
            return -1;
        if (i < 17)
            sum += (int)(p - uscc_chars) * weight[i];
    }
    int check = (31 - sum % 31) % 31;
    return s[17] == uscc_chars[check] ? 0 : -1;
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int seg_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* These identify the event; the platform reconciles by them. */
static const char *const protected_keys[] = {"v", "type", "id", "ts", "sensor", "seq",
                                             "platform"};

static int parse_path(struct env_path *p, const char *s, size_t n, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (n == 0 || n >= sizeof p->text) {
        snprintf(err, errlen, "kafka.redact: empty or too long path");
        return -1;
    }
    memcpy(p->text, s, n);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!seg_char_ok(s[i])) {
                snprintf(err, errlen,
                         "kafka.redact: '%s' may only hold letters, digits, '_', '-' and dots",
                         p->text);
                return -1;
            }
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > ENV_SEG_MAX || p->nseg == ENV_MAX_DEPTH) {
            snprintf(err, errlen, "kafka.redact: '%s' has an empty, long or too deep part",
                     p->text);
            return -1;
        }
        memcpy(p->seg[p->nseg], s + start, len);
        p->seg[p->nseg][len] = '\0';
        p->nseg++;
        start = i + 1;
    }
    if (p->nseg == 1) {
        for (size_t k = 0; k < sizeof protected_keys / sizeof protected_keys[0]; k++) {
            if (strcmp(p->seg[0], protected_keys[k]) == 0) {
                snprintf(err, errlen, "kafka.redact: '%s' identifies the event and cannot be "
                                      "removed", p->text);
                return -1;
            }
        }
    }
    size_t ll = strlen(p->seg[p->nseg - 1]);
    p->quoted_last[0] = '"';
    memcpy(p->quoted_last + 1, p->seg[p->nseg - 1], ll);
    p->quoted_last[ll + 1] = '"';
    p->quoted_last[ll + 2] = '\0';
    return 0;
}

static int parse_paths(struct envelope *e, const char *list, char *err, size_t errlen)
{
    const char *s = list ? list : "";
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        const char *end = s;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > s && last[-1] == ' ')
            last--;
        if (e->npaths == ENV_MAX_PATHS) {
            snprintf(err, errlen, "kafka.redact: more than %d paths", ENV_MAX_PATHS);
            return -1;
        }
        if (parse_path(&e->path[e->npaths], s, (size_t)(last - s), err, errlen) != 0)
            return -1;
        e->npaths++;
        s = end;
    }
    return 0;
}

static int set_str(json_t *obj, const char *key, const char *v, char *err, size_t errlen)
{
    if (!v || !v[0])
        return 0;
    json_t *s = json_string(v);
    if (!s) {
        snprintf(err, errlen, "envelope.%s: not valid UTF-8", key);
        return -1;
    }
    json_object_set_new(obj, key, s);
    return 0;
}

int envelope_init(struct envelope *e, const struct envelope_conf *c, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    if (c->credit_code && c->credit_code[0] && envelope_check_credit_code(c->credit_code) != 0) {
        snprintf(err, errlen,
                 "envelope.credit_code: '%s' is not a unified social credit code (18 characters "
                 "of 0-9 and A-Y without I, O, S, V, Z, the last a check character)",
                 c->credit_code);
        return -1;
    }
    if (c->region_code && c->region_code[0] && !all_digits(c->region_code, 6)) {
        snprintf(err, errlen, "envelope.region_code: '%s' is not a 6-digit division code",
                 c->region_code);
        return -1;
    }
    if (parse_paths(e, c->redact, err, errlen) != 0)
        return -1;
    json_t *p = json_object();
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (set_str(p, "enterprise_name", c->enterprise_name, err, errlen) != 0 ||
        set_str(p, "credit_code", c->credit_code, err, errlen) != 0 ||
        set_str(p, "region_code", c->region_code, err, errlen) != 0) {
        json_decref(p);
        return -1;
    }
    if (c->level > 0)
        json_object_set_new(p, "level", json_integer(c->level));
    if (set_str(p, "site", c->site, err, errlen) != 0) {
        json_decref(p);
        return -1;
    }
    if (json_object_size(p) == 0) {
        json_decref(p);
        return 0;
    }
    e->platform = p;
    e->platform_text = json_dumps(p, JSON_COMPACT);
    if (!e->platform_text) {
        envelope_free(e);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void envelope_free(struct envelope *e)
{
    json_decref(e->platform);
    free(e->platform_text);
    memset(e, 0, sizeof *e);
}

int envelope_active(const struct envelope *e)
{
    return e->platform != NULL || e->npaths > 0;
}

/* Removes path segments [i..] below node; returns how many members were removed. */
static unsigned redact_at(json_t *node, const struct env_path *p, int i)
{
    if (json_is_array(node)) {
        unsigned n = 0;
        size_t k;
        json_t *el;
        json_array_foreach(node, k, el) n += redact_at(el, p, i);
        return n;
    }
    if (!json_is_object(node))
        return 0;
    if (i == p->nseg - 1)
        return json_object_del(node, p->seg[i]) == 0 ? 1 : 0;
    json_t *child = json_object_get(node, p->seg[i]);
    return child ? redact_at(child, p, i + 1) : 0;
}

static char *dup_bytes(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n ? n : 1);
    if (out) {
        memcpy(out, s, n);
        *outlen = n;
    }
    return out;
}

/* The event with the platform object spliced in before its closing brace. */
static char *splice(const struct envelope *e, const char *json, size_t len, size_t *outlen)
{
    if (!e->platform_text)
        return dup_bytes(json, len, outlen);
    size_t end = len;
    while (end > 0 && (json[end - 1] == ' ' || json[end - 1] == '\t' ||
                       json[end - 1] == '\r' || json[end - 1] == '\n'))
        end--;
    if (end < 2 || json[0] != '{' || json[end - 1] != '}')
        return NULL;
    size_t inner = end - 1; /* up to, not including, the closing brace */
    size_t k = inner;
    while (k > 1 && (json[k - 1] == ' ' || json[k - 1] == '\t' || json[k - 1] == '\r' ||
                     json[k - 1] == '\n'))
        k--;
    int empty = json[k - 1] == '{';
    static const char key[] = "\"platform\":";
    size_t plen = strlen(e->platform_text);
    size_t n = inner + (empty ? 0 : 1) + (sizeof key - 1) + plen + 1;
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t o = 0;
    memcpy(out, json, inner);
    o += inner;
    if (!empty)
        out[o++] = ',';
    memcpy(out + o, key, sizeof key - 1);
    o += sizeof key - 1;
    memcpy(out + o, e->platform_text, plen);
    o += plen;
    out[o++] = '}';
    *outlen = o;
    return out;
}

char *envelope_apply(const struct envelope *e, const char *json, size_t len, size_t *outlen,
                     unsigned *redacted)
{
    *redacted = 0;
    int need_parse = memmem(json, len, "\"platform\"", 10) != NULL;
    for (int i = 0; i < e->npaths && !need_parse; i++)
        need_parse = memmem(json, len, e->path[i].quoted_last,
                            strlen(e->path[i].quoted_last)) != NULL;
    if (!need_parse)
        return splice(e, json, len, outlen);

    json_t *root = json_loadb(json, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    json_t *removed = json_array();
    for (int i = 0; i < e->npaths; i++) {
        unsigned n = redact_at(root, &e->path[i], 0);
        if (n > 0) {
            *redacted += 1;
            json_array_append_new(removed, json_string(e->path[i].text));
        }
    }
    int had_platform = json_object_get(root, "platform") != NULL;
    if (*redacted == 0 && !(had_platform && e->platform)) { /* a key of that name deeper down: keep the bytes */
        json_decref(removed);
        json_decref(root);
        return splice(e, json, len, outlen);
    }
    json_t *platform = e->platform ? json_deep_copy(e->platform) : json_object();
    if (*redacted > 0)
        json_object_set(platform, "redacted", removed);
    json_decref(removed);
    if (json_object_size(platform) > 0)
        json_object_set_new(root, "platform", platform); /* replaces the event's own */
    else
        json_decref(platform);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        return NULL;
    *outlen = strlen(text);
    return text;
}
