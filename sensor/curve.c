/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c - CURVE key files for the sensor through CZMQ's zcert (keys.h). Key generation
 * saves the pair under temporary names and then link()s each to its final name, which
 * fails when the name exists, so an existing key is never overwritten, even by a
 * concurrent keygen. zcert writes the secret file with mode 0600; it is checked after.
 */
#include "curve.h"
#include "keys.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Checks that path can be read, then loads it with zcert. */
static zcert_t *load_cert(const char *key, const char *path, char *err, size_t errlen)
{
    char why[128];
    if (keys_check_file(path, NULL, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s %s: cannot read the key file: %s", key, path, why);
        return NULL;
    }
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

int curve_load_client(const char *client_key, const char *server_key, struct curve_keys *k,
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
    /* zcert_load(X) reads X_secret instead when that file exists: a public certificate
     * given here must be an error, not the secret key beside it loaded in silence */
    char sibling[4096 + 8];
    snprintf(sibling, sizeof sibling, "%s_secret", client_key);
    if (access(sibling, F_OK) == 0) {
        snprintf(err, errlen, "output.client_key %s is a public certificate: give this "
                              "sensor's secret certificate, %s", client_key, sibling);
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
