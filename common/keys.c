/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c - CURVE key files through CZMQ's zcert (see keys.h). keygen reserves both file
 * names with O_EXCL before zcert writes them, so it never overwrites a key, even racing
 * another keygen. The allow list is a sorted-free array of public keys read from a
 * directory; it is read again when the directory's listing or a file's size or time
 * changes, so adding or removing a sensor's certificate needs no restart.
 */
#include "keys.h"

#include <czmq.h>
/* czmq.h brings syslog.h, whose LOG_* macros would rename log.h's levels */
#undef LOG_ERR
#undef LOG_WARNING
#undef LOG_INFO
#undef LOG_DEBUG
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"
#include "tztime.h"

#define PATH_CAP 4096
#define ALLOW_MAX 100000
#define ALLOW_NAME_MAX 128

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 100 || s[0] == '.')
        return 0;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* A sensor id as the wire carries it (common/wire.h): printable ASCII, no spaces. */
static int sensor_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p <= ' ' || *p > '~')
            return 0;
    return 1;
}

int keys_generate(const char *dir, const char *name, const char *who, FILE *out, char *err,
                  size_t errlen)
{
    return keys_generate_sensor(dir, name, who, NULL, out, err, errlen);
}

int keys_generate_sensor(const char *dir, const char *name, const char *who,
                         const char *sensor_id, FILE *out, char *err, size_t errlen)
{
    if (sensor_id && sensor_id[0] && !sensor_id_ok(sensor_id)) {
        snprintf(err, errlen, "sensor id '%s': 1 to 64 printable characters without spaces",
                 sensor_id);
        return -1;
    }
    if (!name_ok(name)) {
        snprintf(err, errlen, "key name '%s' may only hold letters, digits, '.', '_' and '-'",
                 name);
        return -1;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    char pub[PATH_CAP], sec[PATH_CAP + 8];
    int n = snprintf(pub, sizeof pub, "%s/%s.key", dir, name);
    if (n < 0 || (size_t)n >= sizeof pub) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    snprintf(sec, sizeof sec, "%s_secret", pub);
    int fp = open(pub, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fp < 0) {
        snprintf(err, errlen, "%s: %s", pub,
                 errno == EEXIST ? "exists; refusing to overwrite a key" : strerror(errno));
        return -1;
    }
    close(fp);
    int fs = open(sec, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fs < 0) {
        snprintf(err, errlen, "%s: %s", sec,
                 errno == EEXIST ? "exists; refusing to overwrite a key" : strerror(errno));
        unlink(pub);
        return -1;
    }
    close(fs);
    zcert_t *c = zcert_new();
    if (!c) {
        snprintf(err, errlen, "cannot generate a CURVE key pair (libzmq without CURVE?)");
        goto fail;
    }
    zcert_set_meta(c, "name", "%s", name);
    zcert_set_meta(c, "created-by", "%s", who);
    if (sensor_id && sensor_id[0])
        zcert_set_meta(c, "sensor-id", "%s", sensor_id);
    char when[TZ_TIME_LEN];
    tz_time_fmt(tz_now_us(), when);
    zcert_set_meta(c, "created", "%s", when);
    if (zcert_save_public(c, pub) != 0 || zcert_save_secret(c, sec) != 0) {
        snprintf(err, errlen, "%s: cannot write the key files: %s", dir, strerror(errno));
        zcert_destroy(&c);
        goto fail;
    }
    if (chmod(sec, 0600) != 0 || chmod(pub, 0600) != 0) {
        snprintf(err, errlen, "%s: cannot set the permissions: %s", sec, strerror(errno));
        zcert_destroy(&c);
        goto fail;
    }
    fprintf(out, "public key: %s\npublic certificate: %s\nsecret certificate: %s (both mode 0600)\n",
            zcert_public_txt(c), pub, sec);
    if (sensor_id && sensor_id[0])
        fprintf(out, "sensor id: %s (the collector accepts batches of this key only under "
                     "this id)\n", sensor_id);
    zcert_destroy(&c);
    return 0;
fail:
    unlink(pub);
    unlink(sec);
    return -1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

int keys_check_file(const char *path, unsigned *mode, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    struct stat sb;
    int rc = fstat(fd, &sb);
    close(fd);
    if (rc != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(why, whylen, "%s", S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
        return -1;
    }
    if (mode)
        *mode = (unsigned)(sb.st_mode & 0777);
    return 0;
}

int keys_load_secret(const char *path, uint8_t pub[KEY_LEN], uint8_t sec[KEY_LEN],
                     char pub_z85[KEY_Z85_LEN], char *err, size_t errlen)
{
    char why[128];
    unsigned mode = 0600;
    if (keys_check_file(path, &mode, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, why);
        return -1;
    }
    char sibling[PATH_CAP + 8];
    snprintf(sibling, sizeof sibling, "%s_secret", path);
    if (access(sibling, F_OK) == 0) { /* zcert_load would read the sibling instead */
        snprintf(err, errlen, "%s is a public certificate; give its secret one, %s", path,
                 sibling);
        return -1;
    }
    zcert_t *c = zcert_load(path);
    if (!c) {
        snprintf(err, errlen, "%s: not a CURVE certificate (make one with keygen)", path);
        return -1;
    }
    int rc = -1;
    const uint8_t *s = zcert_secret_key(c);
    if (all_zero(s, KEY_LEN)) {
        snprintf(err, errlen, "%s: holds no secret key (give the NAME.key_secret file)", path);
        goto out;
    }
    char derived[KEY_Z85_LEN];
    if (zmq_curve_public(derived, zcert_secret_txt(c)) != 0 ||
        strcmp(derived, zcert_public_txt(c)) != 0) {
        snprintf(err, errlen, "%s: the public and secret keys do not belong together", path);
        goto out;
    }
    if (mode & 077)
        log_warn("%s: readable by other users (mode %03o); chmod 600 it", path, mode);
    memcpy(pub, zcert_public_key(c), KEY_LEN);
    memcpy(sec, s, KEY_LEN);
    memcpy(pub_z85, zcert_public_txt(c), KEY_Z85_LEN);
    rc = 0;
out:
    zcert_destroy(&c);
    return rc;
}

/* ---- the allow list ---- */

struct allow_key {
    uint8_t key[KEY_LEN];
    char name[ALLOW_NAME_MAX];
    char sensor[ALLOW_NAME_MAX]; /* the sensor id the key is bound to */
    int from_meta;               /* sensor came from the `sensor-id` metadata */
};

struct allow_list {
    char dir[PATH_CAP];
    struct allow_key *k;
    size_t n, cap;
    uint64_t signature;   /* of the listing, sizes and times */
    uint64_t checked_us;  /* monotonic time of the last look at the directory */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static int wanted(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && !(n >= 7 && strcmp(name + n - 7, "_secret") == 0);
}

/* A hash of what the directory holds (names, sizes, times); -1 when unreadable. */
static int dir_signature(const char *dir, uint64_t *sig)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    uint64_t h = 1469598103934665603ull;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!wanted(de->d_name))
            continue;
        char p[PATH_CAP + 256];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        uint64_t nh = 0;
        for (const char *c = de->d_name; *c; c++)
            nh = nh * 31 + (uint8_t)*c;
        /* order-independent: readdir's order may change */
        h += mix(mix(mix(nh, (uint64_t)sb.st_size), (uint64_t)sb.st_mtim.tv_sec),
                 (uint64_t)sb.st_mtim.tv_nsec);
    }
    closedir(d);
    *sig = h;
    return 0;
}

static int allow_load(struct allow_list *a, int verbose)
{
    DIR *d = opendir(a->dir);
    if (!d)
        return -1;
    a->n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!wanted(de->d_name))
            continue;
        char p[PATH_CAP + 256];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", a->dir, de->d_name);
        if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        zcert_t *c = zcert_load(p);
        if (!c) {
            if (verbose)
                log_warn("receiver.allow_dir: %s is not a CURVE certificate; ignored", p);
            continue;
        }
        if (!all_zero(zcert_secret_key(c), KEY_LEN) && verbose)
            log_warn("receiver.allow_dir: %s_secret is a secret key; only public "
                     "certificates belong in the allow list",
                     p);
        const uint8_t *key = zcert_public_key(c);
        int dup = 0;
        for (size_t i = 0; i < a->n && !dup; i++)
            dup = memcmp(a->k[i].key, key, KEY_LEN) == 0;
        if (dup) {
            if (verbose)
                log_warn("receiver.allow_dir: %s repeats a key already listed", p);
        } else if (a->n < ALLOW_MAX) {
            if (a->n == a->cap) {
                size_t ncap = a->cap ? a->cap * 2 : 16;
                struct allow_key *nk = realloc(a->k, ncap * sizeof *nk);
                if (!nk) {
                    zcert_destroy(&c);
                    break;
                }
                a->k = nk;
                a->cap = ncap;
            }
            struct allow_key *k = &a->k[a->n++];
            memcpy(k->key, key, KEY_LEN);
            snprintf(k->name, sizeof k->name, "%.120s", de->d_name);
            size_t nl = strlen(k->name);
            if (nl > 4 && strcmp(k->name + nl - 4, ".key") == 0)
                k->name[nl - 4] = '\0';
            const char *sid = zcert_meta(c, "sensor-id");
            k->from_meta = sid && sid[0];
            if (k->from_meta && !sensor_id_ok(sid)) {
                if (verbose)
                    log_warn("receiver.allow_dir: %s: sensor-id '%.80s' is not a usable sensor "
                             "id; the key is bound to '%s' (its file name)",
                             p, sid, k->name);
                k->from_meta = 0;
            }
            snprintf(k->sensor, sizeof k->sensor, "%s", k->from_meta ? sid : k->name);
        }
        zcert_destroy(&c);
    }
    closedir(d);
    return 0;
}

int allow_open(struct allow_list **out, const char *dir, char *err, size_t errlen)
{
    *out = NULL;
    struct allow_list *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(a->dir, sizeof a->dir, "%s", dir);
    struct stat sb;
    const char *why = NULL;
    if (stat(dir, &sb) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(sb.st_mode))
        why = "not a directory";
    else if (access(dir, R_OK | X_OK) != 0)
        why = strerror(errno);
    else if (dir_signature(dir, &a->signature) != 0 || allow_load(a, 1) != 0)
        why = "cannot be read";
    if (why) {
        snprintf(err, errlen, "receiver.allow_dir %s: %s (the directory of allowed sensor "
                              "certificates)", dir, why);
        allow_close(a);
        return -1;
    }
    a->checked_us = tz_mono_us();
    *out = a;
    return 0;
}

void allow_close(struct allow_list *a)
{
    if (!a)
        return;
    free(a->k);
    free(a);
}

size_t allow_count(const struct allow_list *a)
{
    return a->n;
}

const char *allow_lookup(struct allow_list *a, const uint8_t key[KEY_LEN])
{
    const char *sensor;
    int from_meta;
    return allow_lookup_binding(a, key, &sensor, &from_meta);
}

const char *allow_lookup_binding(struct allow_list *a, const uint8_t key[KEY_LEN],
                                 const char **sensor, int *from_meta)
{
    uint64_t now = tz_mono_us();
    if (now - a->checked_us >= 1000000u) {
        uint64_t sig;
        a->checked_us = now;
        if (dir_signature(a->dir, &sig) == 0 && sig != a->signature) {
            a->signature = sig;
            allow_load(a, 1);
            log_info("receiver.allow_dir changed: %zu sensor key(s) allowed", a->n);
        }
    }
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->k[i].key, key, KEY_LEN) == 0) {
            *sensor = a->k[i].sensor;
            *from_meta = a->k[i].from_meta;
            return a->k[i].name;
        }
    return NULL;
}
