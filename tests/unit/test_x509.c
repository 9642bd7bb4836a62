/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_x509.c - certificates in events (sensor/x509.c, GnuTLS): a real certificate made
 * here with certtool (Debian gnutls-bin) gives the OPC UA thumbprint (SHA-1 of the DER,
 * checked against sha1sum), its subject, issuer and validity; a chain after it is ignored;
 * every cut-short prefix and a non-certificate give an error member, never a crash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jw.h"
#include "x509.h"

static uint8_t der[8192];
static size_t der_n;
static char sha1_hex[41];

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

/* Makes /tmp/tz-x509-<pid>/c.der with certtool and reads it and its sha1sum. */
static void make_cert(void)
{
    char dir[64], cmd[1024];
    snprintf(dir, sizeof dir, "/tmp/tz-x509-%d", (int)getpid());
    if (sh("command -v certtool >/dev/null 2>&1") != 0)
        cr_skip_test("certtool (gnutls-bin) not installed");
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p %s; cd %s; "
             "certtool --generate-privkey --key-type ecdsa --outfile k.pem >/dev/null 2>&1; "
             "printf 'cn = \"plc-07\"\\norganization = \"Tanzhen Test\"\\n"
             "expiration_days = 365\\n' > t.cfg; "
             "certtool --generate-self-signed --load-privkey k.pem --template t.cfg "
             "--outfile c.pem >/dev/null 2>&1; "
             "certtool --certificate-info --infile c.pem --outder --outfile c.der >/dev/null 2>&1; "
             "sha1sum c.der | cut -c1-40 > sha1.txt",
             dir, dir);
    cr_assert_eq(sh(cmd), 0, "certtool failed");
    char path[128];
    snprintf(path, sizeof path, "%s/c.der", dir);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    der_n = fread(der, 1, sizeof der / 2, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/sha1.txt", dir);
    f = fopen(path, "r");
    cr_assert(f);
    cr_assert(fgets(sha1_hex, sizeof sha1_hex, f));
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)sh(cmd);
}

static const char *render(const uint8_t *p, size_t n, char *out, size_t cap)
{
    struct jw w;
    jw_init(&w, out, cap);
    jw_obj_begin(&w, NULL);
    x509_write_json(&w, "sender_cert", p, n);
    jw_obj_end(&w);
    cr_assert(jw_finish(&w) >= 0);
    return out;
}

Test(x509, real_certificate_fields_and_thumbprint)
{
    make_cert();
    char out[2048], want[128];
    render(der, der_n, out, sizeof out);
    snprintf(want, sizeof want, "\"thumbprint\":\"%s\"", sha1_hex);
    cr_assert(strstr(out, want), "%s not in %s", want, out);
    cr_assert(strstr(out, "\"subject\":\"CN=plc-07,O=Tanzhen Test\""), "%s", out);
    cr_assert(strstr(out, "\"issuer\":\"CN=plc-07,O=Tanzhen Test\""), "%s", out);
    cr_assert(strstr(out, "\"not_before\":\"20"), "%s", out);
    cr_assert(strstr(out, "\"not_after\":\"20"), "%s", out);
    cr_assert_null(strstr(out, "error"), "%s", out);
}

Test(x509, chain_after_the_first_certificate_is_ignored)
{
    make_cert();
    char one[2048], two[2048];
    memcpy(der + der_n, der, der_n); /* the same certificate again, as a chain */
    render(der, der_n, one, sizeof one);
    render(der, 2 * der_n, two, sizeof two);
    const char *a = strstr(one, "\"thumbprint\""), *b = strstr(two, "\"thumbprint\"");
    cr_assert(a && b);
    cr_assert_eq(strncmp(a, b, 54), 0);
}

Test(x509, every_prefix_and_garbage_is_an_error_not_a_crash)
{
    make_cert();
    char out[2048];
    for (size_t n = 1; n < der_n; n++) {
        render(der, n, out, sizeof out);
        cr_assert(strstr(out, "\"error\""), "prefix %zu: %s", n, out);
    }
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    render(junk, sizeof junk, out, sizeof out);
    cr_assert(strstr(out, "\"error\":\"not an X.509 certificate\""), "%s", out);
}
