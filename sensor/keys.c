/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c - CURVE key files for the sensor through CZMQ's zcert (keys.h). Key generation
 * saves the pair under temporary names and then link()s each to its final name, which
 * fails when the name exists, so an existing key is never overwritten, even by a
 * concurrent keygen. zcert writes the secret file with mode 0600; it is checked after.
 */
#include "keys.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int keys_generate(const char *dir, const char *name, const char *creator, FILE *out,
                  char *err, size_t errlen)
{
    char pub[1100], sec[1100], tmp[1100], tmp_sec[1120];
    if (!name_ok(name)) {
        snprintf(err, errlen, "key name '%s': use 1 to 64 of A-Z a-z 0-9 . _ - (not starting "
                              "with a dot)", name);
        return -1;
    }
    if ((size_t)snprintf(pub, sizeof pub, "%s/%s.key", dir, name) >= sizeof pub ||
        (size_t)snprintf(sec, sizeof sec, "%s/%s.key_secret", dir, name) >= sizeof sec ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.key.tmp%ld", dir, name, (long)getpid()) >=
            sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    snprintf(tmp_sec, sizeof tmp_sec, "%s_secret", tmp);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create the directory: %s", dir, strerror(errno));
        return -1;
    }
    if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
        snprintf(err, errlen, "%s exists: refusing to overwrite a key (remove %s and %s "
                              "first if you mean to replace it)",
                 access(sec, F_OK) == 0 ? sec : pub, pub, sec);
        return -1;
    }
    zsys_handler_set(NULL); /* CZMQ must not take over SIGINT/SIGTERM */
    zcert_t *cert = zcert_new();
    if (!cert) {
        snprintf(err, errlen, "cannot generate a CURVE key pair (libzmq without CURVE?)");
        return -1;
    }
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "created-by", "%s", creator);
    int rc = zcert_save(cert, tmp);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        unlink(tmp_sec);
        zcert_destroy(&cert);
        return -1;
    }
    int e = 0;
    const char *failed = sec;
    if (chmod(tmp_sec, 0600) != 0 || link(tmp_sec, sec) != 0) {
        e = errno;
    } else if (link(tmp, pub) != 0) {
        e = errno;
        failed = pub;
        unlink(sec);
    }
    unlink(tmp);
    unlink(tmp_sec);
    if (e) {
        snprintf(err, errlen, "%s: %s%s", failed, strerror(e),
                 e == EEXIST ? " (refusing to overwrite a key)" : "");
        zcert_destroy(&cert);
        return -1;
    }
    struct stat sb;
    if (stat(sec, &sb) != 0 || (sb.st_mode & 0777) != 0600) {
        snprintf(err, errlen, "%s: could not make it mode 0600", sec);
        zcert_destroy(&cert);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: the files themselves are complete */
        close(dfd);
    }
    fprintf(out,
            "public key: %s\n"
            "public certificate: %s\n"
            "secret certificate: %s (mode 0600: keep it on this machine)\n",
            zcert_public_txt(cert), pub, sec);
    zcert_destroy(&cert);
    return 0;
}

/* Checks that path can be read, then loads it with zcert. */
static zcert_t *load_cert(const char *key, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: cannot read the key file: %s", key, path,
                 strerror(errno));
        return NULL;
    }
    close(fd);
    zsys_handler_set(NULL);
    zcert_t *c = zcert_load(path);
    if (!c)
        snprintf(err, errlen,
                 "%s %s: not a CURVE certificate (expected a file written by "
                 "tanzhen-sensor/tanzhen-collector keygen)",
                 key, path);
    return c;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

int keys_load_client(const char *client_key, const char *server_key, struct curve_keys *k,
                     char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    k->warning[0] = '\0';
    if (!client_key[0]) {
        snprintf(err, errlen, "output.client_key is not set: CURVE needs this sensor's "
                              "secret certificate (--client-key, made by tanzhen-sensor "
                              "keygen), or give --insecure for plain TCP");
        return -1;
    }
    if (!server_key[0]) {
        snprintf(err, errlen, "output.server_key is not set: CURVE needs the collector's "
                              "public certificate (--server-key), or give --insecure for "
                              "plain TCP");
        return -1;
    }
    zcert_t *cc = load_cert("output.client_key", client_key, err, errlen);
    if (!cc)
        return -1;
    if (all_zero(zcert_secret_key(cc), 32)) {
        snprintf(err, errlen, "output.client_key %s holds no secret key: give this sensor's "
                              "secret certificate (NAME.key_secret)", client_key);
        zcert_destroy(&cc);
        return -1;
    }
    memcpy(k->public_key, zcert_public_key(cc), 32);
    memcpy(k->secret_key, zcert_secret_key(cc), 32);
    snprintf(k->public_txt, sizeof k->public_txt, "%s", zcert_public_txt(cc));
    zcert_destroy(&cc);
    struct stat sb;
    if (stat(client_key, &sb) == 0 && (sb.st_mode & 077))
        snprintf(k->warning, sizeof k->warning,
                 "output.client_key %s can be read by other users (mode %03o): chmod 600 it",
                 client_key, (unsigned)(sb.st_mode & 0777));
    zcert_t *sc = load_cert("output.server_key", server_key, err, errlen);
    if (!sc)
        return -1;
    memcpy(k->server_key, zcert_public_key(sc), 32);
    zcert_destroy(&sc);
    if (all_zero(k->server_key, 32)) {
        snprintf(err, errlen, "output.server_key %s holds no public key", server_key);
        return -1;
    }
    return 0;
}
