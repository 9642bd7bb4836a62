/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h - CURVE key files, shared by tanzhen-sensor and tanzhen-collector (CZMQ zcert
 * format: NAME.key is the public certificate, NAME.key_secret the secret one, mode 0600):
 * generating a pair (both `keygen` commands), loading a secret certificate, and the
 * collector's allow list of sensor public certificates (a directory, read again when it
 * changes). Each allowed key is bound to one sensor id: the certificate's `sensor-id`
 * metadata (written by `tanzhen-sensor keygen`), or, when it has none, the file name
 * (NAME.key -> NAME). zcert parses and writes the files; this module only decides which key is
 * allowed.
 */
#ifndef TZ_KEYS_H
#define TZ_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KEY_LEN 32
#define KEY_Z85_LEN 41 /* 40 characters and a NUL */

/* 0 when path opens for reading and is a regular file, with its permission bits in *mode
 * (mode may be NULL); else -1 with why set ("No such file or directory", "is a
 * directory", ...). */
int keys_check_file(const char *path, unsigned *mode, char *why, size_t whylen);

/* Writes DIR/NAME.key and DIR/NAME.key_secret (DIR is created with 0700 if missing) and
 * prints the public key and the paths to out. Refuses to overwrite. `who` goes into the
 * certificate's metadata. Returns 0, or -1 with err. */
int keys_generate(const char *dir, const char *name, const char *who, FILE *out, char *err,
                  size_t errlen);
/* keys_generate with a `sensor-id` metadata field (sensor_id NULL or "": none), the sensor
 * id the collector binds this key to. */
int keys_generate_sensor(const char *dir, const char *name, const char *who,
                         const char *sensor_id, FILE *out, char *err, size_t errlen);
/* Loads a secret certificate. Returns 0, or -1 with err naming the file and the fault
 * (missing, unreadable, not a certificate, no secret key, keys that do not match). */
int keys_load_secret(const char *path, uint8_t pub[KEY_LEN], uint8_t sec[KEY_LEN],
                     char pub_z85[KEY_Z85_LEN], char *err, size_t errlen);

struct allow_list;

/* Reads the public certificates in dir (files whose name does not end in _secret or
 * start with a dot). Returns 0, or -1 with err when dir is missing or unreadable. */
int allow_open(struct allow_list **out, const char *dir, char *err, size_t errlen);
void allow_close(struct allow_list *a);
/* Keys loaded. */
size_t allow_count(const struct allow_list *a);
/* The certificate name (file name without .key) of an allowed key, or NULL. Reads the
 * directory again first when it changed (at most once a second). */
const char *allow_lookup(struct allow_list *a, const uint8_t key[KEY_LEN]);
/* Like allow_lookup; also sets *sensor to the sensor id the key is bound to and
 * *from_meta to 1 when it came from the certificate's metadata (0: from the file name). */
const char *allow_lookup_binding(struct allow_list *a, const uint8_t key[KEY_LEN],
                                 const char **sensor, int *from_meta);

#endif
