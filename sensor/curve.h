/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curve.h - the sensor's ZeroMQ CURVE keys: at start-up the publisher loads this sensor's
 * secret certificate (output.client_key) and the collector's public one
 * (output.server_key), CZMQ zcert files written by `tanzhen-sensor keygen` (common/keys.h).
 * (curve.c includes czmq.h, whose syslog.h clashes with log.h: it reports, main logs.)
 */
#ifndef TZ_CURVE_H
#define TZ_CURVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct curve_keys {
    uint8_t public_key[32], secret_key[32]; /* this sensor */
    uint8_t server_key[32];                 /* the collector's public key */
    char public_txt[41];                    /* Z85 */
    char warning[1200];                     /* not fatal (e.g. a readable secret file) */
};

/* Loads both certificates; every failure names the config key and the file. */
int curve_load_client(const char *client_key, const char *server_key, struct curve_keys *k,
                     char *err, size_t errlen);

#endif
