/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_proto.h - per-protocol JSON encoders: each writes the object named after its
 * protocol (`"modbus": {...}`) from the typed record a dissector emitted. One file per
 * protocol (json_<proto>.c); the table in json_proto.c maps enum pd_proto to encoders.
 */
#ifndef TZ_JSON_PROTO_H
#define TZ_JSON_PROTO_H

#include "../common/jw.h"
#include "../dissectors/pd.h"

typedef void (*json_proto_fn)(struct jw *w, const void *rec);

void json_modbus(struct jw *w, const void *rec);
void json_dnp3(struct jw *w, const void *rec);
void json_s7comm(struct jw *w, const void *rec);
void json_s7comm_plus(struct jw *w, const void *rec);
void json_opcua(struct jw *w, const void *rec);
void json_iec104(struct jw *w, const void *rec);

/* The encoder for a protocol, or NULL. */
json_proto_fn json_proto_encoder(unsigned proto);

/* Writes the object `name` describing an X.509 certificate given as DER (thumbprint,
 * subject, issuer, validity). The sensor installs sensor/x509.c's (GnuTLS) at start-up;
 * while NULL (fuzzers, dissector tests: libc only) only the length is written. */
typedef void (*json_cert_fn)(struct jw *w, const char *name, const uint8_t *der, size_t n);
extern json_cert_fn json_cert_writer;

#endif
