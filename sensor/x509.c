/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x509.c - X.509 certificates for events (x509.h), parsed by GnuTLS: no DER is decoded
 * here beyond the outer SEQUENCE length that separates the first certificate of an OPC UA
 * SenderCertificate from the chain after it (Part 6 6.7.2.3 sends them concatenated).
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#include "json_proto.h"
#include "tztime.h"
#include "x509.h"

/* Length of the DER element at der (tag, length, content), or 0 when it does not fit. */
static size_t der_first_len(const uint8_t *der, size_t n)
{
    if (n < 2 || der[0] != 0x30)
        return 0;
    size_t len = der[1], hdr = 2;
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return 0;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | der[2 + i];
        hdr += k;
    }
    return hdr + len <= n ? hdr + len : 0;
}

static void put_time(struct jw *w, const char *key, time_t t)
{
    char buf[TZ_TIME_LEN];
    if (t == (time_t)-1)
        return;
    tz_time_fmt((uint64_t)t * 1000000u, buf);
    jw_str(w, key, buf);
}

static void put_dn(struct jw *w, const char *key, gnutls_x509_crt_t crt, int issuer)
{
    gnutls_datum_t dn = {NULL, 0};
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0)
                    : gnutls_x509_crt_get_dn3(crt, &dn, 0);
    if (rc == 0 && dn.data)
        jw_strn(w, key, (const char *)dn.data, dn.size);
    gnutls_free(dn.data);
}

void x509_write_json(struct jw *w, const char *name, const uint8_t *der, size_t n)
{
    jw_obj_begin(w, name);
    jw_uint(w, "len", n);
    size_t first = der_first_len(der, n);
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)first};
    if (first == 0 || gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
        jw_str(w, "error", first ? "not an X.509 certificate" : "cut short or not DER");
        if (crt)
            gnutls_x509_crt_deinit(crt);
        jw_obj_end(w);
        return;
    }
    unsigned char sha1[20];
    size_t sl = sizeof sha1;
    if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA1, sha1, &sl) == 0 && sl == 20) {
        static const char hex[] = "0123456789abcdef";
        char t[41];
        for (int i = 0; i < 20; i++) {
            t[2 * i] = hex[sha1[i] >> 4];
            t[2 * i + 1] = hex[sha1[i] & 15];
        }
        t[40] = '\0';
        jw_str(w, "thumbprint", t);
    }
    put_dn(w, "subject", crt, 0);
    put_dn(w, "issuer", crt, 1);
    put_time(w, "not_before", gnutls_x509_crt_get_activation_time(crt));
    put_time(w, "not_after", gnutls_x509_crt_get_expiration_time(crt));
    gnutls_x509_crt_deinit(crt);
    jw_obj_end(w);
}

void x509_install(void)
{
    json_cert_writer = x509_write_json;
}
