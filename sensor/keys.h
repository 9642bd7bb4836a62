/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h - the sensor's ZeroMQ CURVE keys, as CZMQ certificate files (zcert): NAME.key is
 * the public certificate, NAME.key_secret the secret one (mode 0600). `tanzhen-sensor
 * keygen DIR [NAME]` writes a pair; at start-up the publisher loads this sensor's secret
 * certificate (output.client_key) and the collector's public one (output.server_key).
 * (keys.c includes czmq.h, whose syslog.h clashes with log.h: it reports, main logs.)
 */
#ifndef TZ_KEYS_H
#define TZ_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct curve_keys {
    uint8_t public_key[32], secret_key[32]; /* this sensor */
    uint8_t server_key[32];                 /* the collector's public key */
    char public_txt[41];                    /* Z85 */
    char warning[1200];                     /* not fatal (e.g. a readable secret file) */
};

/* Writes DIR/NAME.key and DIR/NAME.key_secret (0600); refuses to overwrite either.
 * Prints the public key and the paths to out. Returns 0 or -1 with a message in err. */
int keys_generate(const char *dir, const char *name, const char *creator, FILE *out,
                  char *err, size_t errlen);
/* Loads both certificates; every failure names the config key and the file. */
int keys_load_client(const char *client_key, const char *server_key, struct curve_keys *k,
                     char *err, size_t errlen);

#endif
