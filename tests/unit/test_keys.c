/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_keys.c - CURVE key files (common/keys.c): keygen writes NAME.key and NAME.key_secret,
 * both 0600, that zcert and libzmq read back, and refuses to overwrite; a
 * missing, public-only, mismatched or junk secret certificate is a clear error; the allow
 * list reads public certificates only, skips junk, and follows changes to its directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "keys.h"

static char dir[64];
static char err[2048];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tz_keys_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(keys, .init = setup, .fini = teardown);

static void path(char *out, size_t cap, const char *sub)
{
    snprintf(out, cap, "%s/%s", dir, sub);
}

static void write_file(const char *sub, const char *text)
{
    char p[256];
    path(p, sizeof p, sub);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(keys, keygen_writes_a_pair_and_never_overwrites)
{
    char kd[128], pub[256], sec[256];
    path(kd, sizeof kd, "k");
    FILE *out = tmpfile();
    cr_assert_eq(keys_generate(kd, "collector", "test", out, err, sizeof err), 0, "%s", err);
    snprintf(pub, sizeof pub, "%s/collector.key", kd);
    snprintf(sec, sizeof sec, "%s/collector.key_secret", kd);
    struct stat sb;
    cr_assert_eq(stat(sec, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600, "secret mode %o", sb.st_mode & 0777);
    cr_assert_eq(stat(pub, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    cr_assert_eq(stat(kd, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0700, "a new key directory is private");
    /* what keygen printed is the public key the secret certificate derives */
    char line[256];
    rewind(out);
    cr_assert_not_null(fgets(line, sizeof line, out));
    fclose(out);
    cr_assert(strncmp(line, "public key: ", 12) == 0, "%s", line);
    uint8_t p[KEY_LEN], s[KEY_LEN];
    char z85[KEY_Z85_LEN];
    cr_assert_eq(keys_load_secret(sec, p, s, z85, err, sizeof err), 0, "%s", err);
    cr_assert_eq(strncmp(line + 12, z85, 40), 0);
    char derived[KEY_Z85_LEN], sec_z85[KEY_Z85_LEN];
    zmq_z85_encode(sec_z85, s, KEY_LEN);
    cr_assert_eq(zmq_curve_public(derived, sec_z85), 0);
    cr_assert_str_eq(derived, z85);
    /* again: refused, the files unchanged */
    cr_assert_eq(keys_generate(kd, "collector", "test", stdout, err, sizeof err), -1);
    cr_assert(strstr(err, "refusing to overwrite") != NULL, "%s", err);
    uint8_t p2[KEY_LEN], s2[KEY_LEN];
    cr_assert_eq(keys_load_secret(sec, p2, s2, z85, err, sizeof err), 0);
    cr_assert_eq(memcmp(p, p2, KEY_LEN), 0);
    /* only the secret file left over from something else: refused too, nothing written */
    char lone[256];
    snprintf(lone, sizeof lone, "%s/s9.key_secret", kd);
    FILE *f = fopen(lone, "w");
    fclose(f);
    cr_assert_eq(keys_generate(kd, "s9", "test", stdout, err, sizeof err), -1);
    snprintf(lone, sizeof lone, "%s/s9.key", kd);
    cr_assert_neq(access(lone, F_OK), 0, "the public file it reserved is removed again");
    cr_assert_eq(keys_generate(kd, "../evil", "test", stdout, err, sizeof err), -1);
    cr_assert_eq(keys_generate(kd, "", "test", stdout, err, sizeof err), -1);
}

Test(keys, bad_secret_certificates_are_named)
{
    uint8_t p[KEY_LEN], s[KEY_LEN];
    char z85[KEY_Z85_LEN], kd[128], f[256];
    path(kd, sizeof kd, "k");
    cr_assert_eq(keys_generate(kd, "a", "t", stdout, err, sizeof err), 0);
    snprintf(f, sizeof f, "%s/missing.key_secret", kd);
    cr_assert_eq(keys_load_secret(f, p, s, z85, err, sizeof err), -1);
    cr_assert(strstr(err, "missing.key_secret: cannot read: No such file") != NULL, "%s", err);
    /* the public certificate alone (with its secret moved away) */
    char pub[256], sec[256], moved[256];
    snprintf(pub, sizeof pub, "%s/a.key", kd);
    snprintf(sec, sizeof sec, "%s/a.key_secret", kd);
    snprintf(moved, sizeof moved, "%s/elsewhere", dir);
    cr_assert_eq(rename(sec, moved), 0);
    cr_assert_eq(keys_load_secret(pub, p, s, z85, err, sizeof err), -1);
    cr_assert(strstr(err, "holds no secret key") != NULL, "%s", err);
    write_file("junk.key_secret", "hello\n");
    path(f, sizeof f, "junk.key_secret");
    cr_assert_eq(keys_load_secret(f, p, s, z85, err, sizeof err), -1);
    cr_assert(strstr(err, "not a CURVE certificate") != NULL, "%s", err);
    /* a secret key with somebody else's public key (the server secret and client public
     * key of the ZeroMQ RFC 26 test vectors) */
    write_file("mix.key_secret",
               "curve\n    public-key = \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\"\n"
               "    secret-key = \"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\"\n");
    path(f, sizeof f, "mix.key_secret");
    cr_assert_eq(keys_load_secret(f, p, s, z85, err, sizeof err), -1);
    cr_assert(strstr(err, "do not belong together") != NULL, "%s", err);
    if (geteuid() != 0) {
        cr_assert_eq(chmod(moved, 0), 0);
        cr_assert_eq(keys_load_secret(moved, p, s, z85, err, sizeof err), -1);
        cr_assert(strstr(err, "Permission denied") != NULL, "%s", err);
    }
}

Test(keys, the_allow_list_follows_its_directory)
{
    char ad[128], kd[128];
    path(ad, sizeof ad, "allow");
    path(kd, sizeof kd, "keys");
    cr_assert_eq(mkdir(ad, 0700), 0);
    struct allow_list *a = NULL;
    cr_assert_eq(allow_open(&a, ad, err, sizeof err), 0, "%s", err);
    cr_assert_eq(allow_count(a), 0);
    cr_assert_eq(keys_generate(kd, "s1", "t", stdout, err, sizeof err), 0);
    cr_assert_eq(keys_generate(kd, "s2", "t", stdout, err, sizeof err), 0);
    uint8_t p1[KEY_LEN], p2[KEY_LEN], s[KEY_LEN];
    char z85[KEY_Z85_LEN], f[256];
    snprintf(f, sizeof f, "%s/s1.key_secret", kd);
    cr_assert_eq(keys_load_secret(f, p1, s, z85, err, sizeof err), 0);
    snprintf(f, sizeof f, "%s/s2.key_secret", kd);
    cr_assert_eq(keys_load_secret(f, p2, s, z85, err, sizeof err), 0);
    cr_assert_null(allow_lookup(a, p1));
    /* s1's public certificate goes in (twice, under two names), plus junk and a dotfile */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp %s/s1.key %s/ && cp %s/s1.key %s/s1-copy.key && "
                              "echo junk > %s/README && cp %s/s2.key %s/.hidden.key",
             kd, ad, kd, ad, ad, kd, ad);
    cr_assert_eq(system(cmd), 0);
    sleep(1); /* the directory is looked at again at most once a second */
    usleep(100000);
    const char *name = allow_lookup(a, p1);
    cr_assert_not_null(name, "a new certificate is picked up without a restart");
    cr_assert(strcmp(name, "s1") == 0 || strcmp(name, "s1-copy") == 0, "%s", name);
    cr_assert_eq(allow_count(a), 1, "the same key twice counts once");
    cr_assert_null(allow_lookup(a, p2), "dotfiles are not read");
    allow_close(a);
    /* at open: the same view; removal is followed too */
    cr_assert_eq(allow_open(&a, ad, err, sizeof err), 0);
    cr_assert_not_null(allow_lookup(a, p1));
    snprintf(cmd, sizeof cmd, "rm %s/s1.key %s/s1-copy.key", ad, ad);
    cr_assert_eq(system(cmd), 0);
    sleep(1);
    usleep(100000);
    cr_assert_null(allow_lookup(a, p1), "a removed certificate is refused");
    allow_close(a);
    /* a missing directory, or a file, is an error naming it */
    path(f, sizeof f, "nope");
    cr_assert_eq(allow_open(&a, f, err, sizeof err), -1);
    cr_assert(strstr(err, "receiver.allow_dir") && strstr(err, "No such file"), "%s", err);
    write_file("afile", "x");
    path(f, sizeof f, "afile");
    cr_assert_eq(allow_open(&a, f, err, sizeof err), -1);
    cr_assert(strstr(err, "not a directory") != NULL, "%s", err);
}
