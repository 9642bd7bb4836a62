/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_cli.c - `tanzhen-collector verify` and `tanzhen-collector dump` (see store_cli.h).
 * verify takes the store from --store DIR or the config (-c FILE, which also gives the
 * collector's key, so the checkpoint's signer is checked), anchors from --anchor FILE
 * (a checkpoint or a health event as taken from Kafka) and --head BATCH:EVENTS:HASH.
 */
#include "store_cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "collector_config.h"
#include "keys.h"
#include "store_query.h"
#include "verify.h"

#define PROG "tanzhen-collector"

static const char verify_usage[] =
    "usage: " PROG " verify (--store DIR | -c FILE) [--anchor FILE]... [--head B:E:HASH]...\n"
    "  --anchor FILE   a checkpoint file or a collector health event (JSON) holding\n"
    "                  \"chain\": {batch, events, hash}, e.g. one taken from Kafka\n"
    "  --head B:E:H    a chain head as the health event or /metrics gave it\n"
    "  -c FILE         the collector's config: its store.dir and, from receiver.server_key,\n"
    "                  the key the store's checkpoint must be signed with\n";

int store_cli_verify(int argc, char **argv)
{
    static struct collector_config conf;
    static struct anchor anchors[VERIFY_MAX_ANCHORS];
    size_t na = 0;
    const char *store = NULL, *config = NULL;
    char err[1400];
    for (int i = 2; i < argc; i++) {
        int more = i + 1 < argc;
        if (strcmp(argv[i], "--store") == 0 && more) {
            store = argv[++i];
        } else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && more) {
            config = argv[++i];
        } else if ((strcmp(argv[i], "--anchor") == 0 || strcmp(argv[i], "--head") == 0) &&
                   more && na < VERIFY_MAX_ANCHORS) {
            int head = strcmp(argv[i], "--head") == 0;
            const char *arg = argv[++i];
            int rc = head ? anchor_parse_head(arg, &anchors[na], err, sizeof err)
                          : anchor_read_file(arg, &anchors[na], err, sizeof err);
            if (rc == 1)
                snprintf(err, sizeof err, "%s: no such file", arg);
            if (rc != 0) {
                fprintf(stderr, PROG " verify: --%s %s\n", head ? "head" : "anchor", err);
                return 2;
            }
            na++;
        } else {
            fputs(verify_usage, stderr);
            return 2;
        }
    }
    uint8_t pk[32], *key = NULL;
    if (config) {
        if (cfg_defaults(collector_cfg_table, &conf, err, sizeof err) != 0 ||
            cfg_load_yaml(collector_cfg_table, &conf, config, err, sizeof err) != 0) {
            fprintf(stderr, PROG " verify: config: %s\n", err);
            return 2;
        }
        if (!store)
            store = conf.store_dir;
        uint8_t pub[KEY_LEN], sec[KEY_LEN], sk[64];
        char z85[KEY_Z85_LEN];
        if (conf.curve && keys_load_secret(conf.server_key, pub, sec, z85, err, sizeof err) == 0) {
            anchor_key_derive(sec, pk, sk);
            key = pk;
            sodium_memzero(sec, sizeof sec);
            sodium_memzero(sk, sizeof sk);
        }
    }
    if (!store) {
        fputs(verify_usage, stderr);
        return 2;
    }
    struct verify_opts o = {.anchors = anchors, .nanchors = na, .key = key};
    static struct verify_result vr;
    int rc = verify_store(store, &o, &vr);
    printf("%s\n", vr.line);
    if (rc == 0) {
        fputs(vr.notes, stdout);
        printf("verify: %d anchor(s) held (meta.db, checkpoint, given)\n", vr.anchors_checked);
        if (vr.removed_to > 0)
            printf("verify: batches 1..%lld were removed by retention, as the chain records\n",
                   (long long)vr.removed_to);
        if (vr.expired_files > 0)
            printf("verify: %d expired day file(s) skipped (retention deletes them)\n",
                   vr.expired_files);
        if (vr.no_meta && vr.anchors_checked == 0)
            printf("verify: note: no meta.db and no checkpoint or anchor: a cut tail cannot be "
                   "seen; give --anchor or --head from the health events\n");
    }
    return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}

static int dump_one(void *arg, const struct sq_event *e)
{
    (void)arg;
    fwrite(e->line, 1, e->line_len, stdout);
    fputc('\n', stdout);
    return 0;
}

int store_cli_dump(int argc, char **argv)
{
    struct sq_filter f = {0};
    const char *store = NULL;
    for (int i = 2; i < argc; i++) {
        int more = i + 1 < argc;
        if (strcmp(argv[i], "--store") == 0 && more)
            store = argv[++i];
        else if (strcmp(argv[i], "--sensor") == 0 && more)
            f.sensor = argv[++i];
        else {
            fprintf(stderr, "usage: " PROG " dump --store DIR [--sensor ID]\n"
                            "  prints every stored event as one JSON line, in store order\n");
            return 2;
        }
    }
    if (!store) {
        fprintf(stderr, "usage: " PROG " dump --store DIR [--sensor ID]\n");
        return 2;
    }
    char err[1400];
    if (store_scan(store, &f, dump_one, NULL, err, sizeof err) != 0) {
        fprintf(stderr, PROG " dump: %s\n", err);
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 2;
}
