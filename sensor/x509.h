/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x509.h - X.509 certificates seen on the wire (OPC UA SenderCertificate), parsed with
 * GnuTLS: the OPC UA thumbprint (SHA-1 of the DER, OPC 10000-6 6.7.2.3), subject, issuer
 * and validity, written as a JSON object.
 */
#ifndef TZ_X509_H
#define TZ_X509_H

#include <stddef.h>
#include <stdint.h>

#include "jw.h"

/* Writes {"len", "thumbprint", "subject", "issuer", "not_before", "not_after"} as `name`
 * for the first certificate in der[0..n) (a chain may follow it); an unparsable one gets
 * {"len", "error"}. Thread-safe. */
void x509_write_json(struct jw *w, const char *name, const uint8_t *der, size_t n);

/* Installs x509_write_json as the JSON encoders' certificate writer (start-up). */
void x509_install(void);

#endif
