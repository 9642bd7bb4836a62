/* SPDX-License-Identifier: Apache-2.0 */
/*
 * anchor.c - signed checkpoints of the chain head and the other anchor forms `verify`
 * accepts (see anchor.h). Signatures are libsodium's Ed25519 (crypto_sign_detached);
 * JSON health events are read with jansson. The file is replaced atomically so a crash
 * leaves the previous checkpoint or the new one, never half of one.
 */
#include "anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tztime.h"

#define PATH_CAP 1200

void anchor_key_derive(const uint8_t curve_secret[32], uint8_t pk[32], uint8_t sk[64])
{
    static const char ctx[] = "tanzhen-checkpoint-v1";
    uint8_t seed[32];
    crypto_generichash(seed, sizeof seed, curve_secret, 32, (const unsigned char *)ctx,
                       sizeof ctx - 1);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
}

int anchor_write(const char *dir, int64_t batch, int64_t events, const uint8_t hash[CHAIN_HASH_LEN],
                 const uint8_t *pk, const uint8_t *sk, char *err, size_t errlen)
{
    char line[ANCHOR_LINE_MAX], hex[CHAIN_HEX_LEN], ts[TZ_TIME_LEN], pkhex[65] = "none";
    chain_hex(hash, hex);
    tz_time_fmt(tz_now_us(), ts);
    if (pk)
        sodium_bin2hex(pkhex, sizeof pkhex, pk, 32);
    int n = snprintf(line, sizeof line, "tanzhen-checkpoint 1 batch=%lld events=%lld hash=%s "
                     "time=%s key=%s", (long long)batch, (long long)events, hex, ts, pkhex);
    char sighex[129] = "none";
    if (sk) {
        uint8_t sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, NULL, (const unsigned char *)line, (unsigned long long)n, sk);
        sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
    }
    int m = snprintf(line + n, sizeof line - (size_t)n, " sig=%s\n", sighex);
    char path[PATH_CAP], tmp[PATH_CAP + 8];
    snprintf(path, sizeof path, "%s/" ANCHOR_FILE, dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = (size_t)n + (size_t)m;
    int ok = write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(ok ? errno : e));
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* The value after " NAME=" up to the next space. */
static int field(const char *line, const char *name, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof pat, " %s=", name);
    const char *p = strstr(line, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    size_t n = strcspn(p, " \n");
    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || x < 0)
        return -1;
    *v = x;
    return 0;
}

static int read_checkpoint(const char *line, struct anchor *a, char *err, size_t errlen)
{
    char b[32], e[32], h[80], k[80], sig[160];
    if (field(line, "batch", b, sizeof b) != 0 || field(line, "events", e, sizeof e) != 0 ||
        field(line, "hash", h, sizeof h) != 0 || field(line, "key", k, sizeof k) != 0 ||
        field(line, "sig", sig, sizeof sig) != 0 || parse_i64(b, &a->batch) != 0 ||
        parse_i64(e, &a->events) != 0 || chain_unhex(h, a->hash) != 0) {
        snprintf(err, errlen, "not a tanzhen checkpoint line");
        return -1;
    }
    field(line, "time", a->time, sizeof a->time);
    if (strcmp(sig, "none") == 0)
        return 0;
    const char *cut = strstr(line, " sig=");
    uint8_t sb[crypto_sign_BYTES];
    size_t n = 0;
    if (sodium_hex2bin(a->key, sizeof a->key, k, strlen(k), NULL, &n, NULL) != 0 || n != 32 ||
        sodium_hex2bin(sb, sizeof sb, sig, strlen(sig), NULL, &n, NULL) != 0 ||
        n != sizeof sb ||
        crypto_sign_verify_detached(sb, (const unsigned char *)line,
                                    (unsigned long long)(cut - line), a->key) != 0) {
        snprintf(err, errlen, "the checkpoint's signature does not verify (edited?)");
        return -1;
    }
    a->signed_ = 1;
    return 0;
}

static int read_health(const char *text, size_t len, struct anchor *a, char *err, size_t errlen)
{
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *c = json_object_get(json_object_get(root, "health"), "chain");
    if (!c)
        c = json_object_get(root, "chain");
    json_t *b = json_object_get(c, "batch"), *e = json_object_get(c, "events"),
           *h = json_object_get(c, "hash");
    int rc = -1;
    if (json_is_integer(b) && json_is_integer(e) && json_is_string(h) &&
        chain_unhex(json_string_value(h), a->hash) == 0) {
        a->batch = json_integer_value(b);
        a->events = json_integer_value(e);
        json_t *ts = json_object_get(root, "ts");
        snprintf(a->time, sizeof a->time, "%s", json_is_string(ts) ? json_string_value(ts) : "");
        rc = 0;
    } else {
        snprintf(err, errlen, "neither a checkpoint line nor JSON with chain {batch, events, hash}");
    }
    json_decref(root);
    return rc;
}

int anchor_read_file(const char *path, struct anchor *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    snprintf(a->source, sizeof a->source, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char why[200];
    int rc = strncmp(buf, "tanzhen-checkpoint ", 19) == 0
                 ? read_checkpoint(buf, a, why, sizeof why)
                 : read_health(buf, n, a, why, sizeof why);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

int anchor_parse_head(const char *s, struct anchor *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    snprintf(a->source, sizeof a->source, "--head %.100s", s);
    char b[32], e[32];
    const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || (size_t)(c1 - s) >= sizeof b || (size_t)(c2 - c1 - 1) >= sizeof e) {
        snprintf(err, errlen, "--head: '%.100s' is not BATCH:EVENTS:HASH", s);
        return -1;
    }
    memcpy(b, s, (size_t)(c1 - s));
    b[c1 - s] = '\0';
    memcpy(e, c1 + 1, (size_t)(c2 - c1 - 1));
    e[c2 - c1 - 1] = '\0';
    if (parse_i64(b, &a->batch) != 0 || parse_i64(e, &a->events) != 0 ||
        chain_unhex(c2 + 1, a->hash) != 0) {
        snprintf(err, errlen, "--head: '%.100s' is not BATCH:EVENTS:HASH", s);
        return -1;
    }
    return 0;
}
