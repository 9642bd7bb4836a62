/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.c - `tanzhen-collector analyze`: the analytics engine offline. It reads events
 * as JSON lines (a file or stdin, e.g. `tanzhen-sensor -r x.pcap --jsonl -`), feeds them
 * to the same engine the live collector runs, and writes the `alert` and `asset` events
 * it produces as JSON lines. The analytics.* keys of the config apply; without --state
 * the engine's state lives in memory only. A summary goes to stderr.
 */
#include "analyze.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_replay.h"
#include "analytics.h"
#include "collector_config.h"

#define PROG "tanzhen-collector analyze"
#define AN_MAX_LINE (64u << 20) /* one input line at most */
#define AN_MAX_SETS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [-c FILE] [--baseline FILE] [--rules FILE] [--state FILE]\n"
            "       [--set KEY=VALUE]... [-r EVENTS.jsonl|- | --store DIR] [-w OUT.jsonl|-]\n"
            "       [--list-rules]\n"
            "Feeds events (JSON lines, EVENTS.md) through the analytics engine and writes the\n"
            "alert and asset events it raises, one JSON line each. Same events in, same\n"
            "output out, as the live collector.\n"
            "\n"
            "  -c, --config FILE   collector config; its analytics.* keys apply\n"
            "  -r, --read FILE     events to read (default -: stdin)\n"
            "  -w, --write FILE    where to write (default -: stdout)\n"
            "      --store DIR     read the traffic events stored by a collector (store.dir),\n"
            "                      in store order: what the live engine saw\n"
            "      --baseline FILE analytics.baseline\n"
            "      --rules FILE    analytics.rules_file\n"
            "      --state FILE    keep the engine's state in this SQLite file (default: memory)\n"
            "      --id ID         `sensor` of the produced events (default: collector.id)\n"
            "      --set KEY=VALUE any config key (e.g. analytics.learning_s=0)\n"
            "      --list-rules    print the rules (id, severity, ATT&CK, GB/T 20986) as JSON\n"
            "  -h, --help          this text\n");
}

struct out_ctx {
    FILE *f;
};

static int write_line(void *ctx, enum analytics_out_type type, const char *line, size_t len)
{
    (void)type;
    struct out_ctx *o = ctx;
    if (fwrite(line, 1, len, o->f) != len || fputc('\n', o->f) == EOF)
        return -1;
    return 0;
}

static int feed_file(struct analytics *a, FILE *in, const char *name, uint64_t *lines)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, in)) >= 0) {
        (*lines)++;
        size_t len = (size_t)n;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        if (len > AN_MAX_LINE) {
            fprintf(stderr, PROG ": %s:%llu: line longer than %u bytes, skipped\n", name,
                    (unsigned long long)*lines, AN_MAX_LINE);
            continue;
        }
        if (analytics_feed_line(a, buf, len) != 0) {
            struct analytics_stats st;
            analytics_get_stats(a, &st);
            if (st.skipped <= 10)
                fprintf(stderr, PROG ": %s:%llu: not an event (JSON object with type and ts), "
                                "skipped\n",
                        name, (unsigned long long)*lines);
        }
    }
    free(buf);
    if (ferror(in)) {
        fprintf(stderr, PROG ": %s: read error\n", name);
        return -1;
    }
    return 0;
}

int cmd_analyze(int argc, char **argv)
{
    static struct collector_config conf;
    const char *config = NULL, *in_path = "-", *out_path = "-", *state = NULL, *id = NULL;
    const char *store = NULL;
    const char *keys[AN_MAX_SETS], *vals[AN_MAX_SETS];
    static char owned[AN_MAX_SETS][1100];
    int nsets = 0, list = 0;
    enum { O_BASELINE = 256, O_RULES, O_STATE, O_SET, O_LIST, O_ID, O_STORE };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"read", required_argument, NULL, 'r'},
        {"write", required_argument, NULL, 'w'},  {"baseline", required_argument, NULL, O_BASELINE},
        {"rules", required_argument, NULL, O_RULES}, {"state", required_argument, NULL, O_STATE},
        {"set", required_argument, NULL, O_SET},  {"list-rules", no_argument, NULL, O_LIST},
        {"id", required_argument, NULL, O_ID},    {"help", no_argument, NULL, 'h'},
        {"store", required_argument, NULL, O_STORE},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc - 1, argv + 1, "c:r:w:h", opts, NULL)) != -1) {
        const char *k = NULL, *v = optarg;
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'r':
            in_path = optarg;
            break;
        case 'w':
            out_path = optarg;
            break;
        case O_BASELINE:
            k = "analytics.baseline";
            break;
        case O_RULES:
            k = "analytics.rules_file";
            break;
        case O_STATE:
            state = optarg;
            break;
        case O_ID:
            id = optarg;
            break;
        case O_STORE:
            store = optarg;
            break;
        case O_LIST:
            list = 1;
            break;
        case O_SET: {
            const char *eq = strchr(optarg, '=');
            size_t n = strlen(optarg);
            if (!eq || eq == optarg || n >= sizeof owned[0] || nsets == AN_MAX_SETS) {
                fprintf(stderr, PROG ": --set wants KEY=VALUE (got '%s')\n", optarg);
                return 2;
            }
            memcpy(owned[nsets], optarg, n + 1);
            owned[nsets][eq - optarg] = '\0';
            k = owned[nsets];
            v = owned[nsets] + (eq - optarg) + 1;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '" PROG " --help'.\n");
            return 2;
        }
        if (k) {
            if (nsets == AN_MAX_SETS) {
                fprintf(stderr, PROG ": too many options\n");
                return 2;
            }
            keys[nsets] = k;
            vals[nsets++] = v;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, PROG ": unexpected argument '%s'; try --help\n", argv[optind + 1]);
        return 2;
    }
    char err[1024];
    if (cfg_defaults(collector_cfg_table, &conf, err, sizeof err) != 0 ||
        (config && cfg_load_yaml(collector_cfg_table, &conf, config, err, sizeof err) != 0)) {
        fprintf(stderr, PROG ": config: %s\n", err);
        return 2;
    }
    for (int i = 0; i < nsets; i++) {
        if (cfg_set(collector_cfg_table, &conf, keys[i], vals[i], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": option: %s\n", err);
            return 2;
        }
    }
    struct out_ctx oc = {.f = stdout};
    if (strcmp(out_path, "-") != 0 && !(oc.f = fopen(out_path, "w"))) {
        perror(out_path);
        return 1;
    }
    struct analytics_opts ao = {
        .state_path = state,
        .baseline_path = conf.an_baseline[0] ? conf.an_baseline : NULL,
        .rules_path = conf.an_rules_file[0] ? conf.an_rules_file : NULL,
        .oui_path = conf.an_oui,
        .producer_id = id ? id : conf.self_id,
        .policy = {.learning_s = conf.an_learning_s, .aggregate_s = conf.an_aggregate_s,
                   .rules = conf.an_rules, .zones = conf.an_zones},
        .emit = write_line,
        .ctx = &oc,
    };
    collector_policy_fill(&conf, &ao.policy);
    struct analytics *a = NULL;
    if (analytics_open(&a, &ao, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        if (oc.f != stdout)
            fclose(oc.f);
        return 2;
    }
    int rc = 0;
    if (list) {
        json_t *r = analytics_rules_json(a);
        char *s = r ? json_dumps(r, JSON_INDENT(2)) : NULL;
        if (s)
            fprintf(oc.f, "%s\n", s);
        free(s);
        json_decref(r);
        analytics_close(a);
        if (oc.f != stdout)
            fclose(oc.f);
        return 0;
    }
    FILE *in = stdin;
    if (store) {
        uint64_t fed = 0;
        if (an_replay_store(a, store, 0, &fed, err, sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", err);
            rc = 1;
        }
        analytics_finish(a);
    } else if (strcmp(in_path, "-") != 0 && !(in = fopen(in_path, "r"))) {
        perror(in_path);
        rc = 1;
    } else {
        uint64_t lines = 0;
        if (feed_file(a, in, in_path, &lines) != 0)
            rc = 1;
        analytics_finish(a);
        if (in != stdin)
            fclose(in);
    }
    struct analytics_stats st;
    analytics_get_stats(a, &st);
    analytics_close(a);
    if (fflush(oc.f) != 0 || (oc.f != stdout && fclose(oc.f) != 0)) {
        fprintf(stderr, PROG ": %s: write error\n", out_path);
        rc = 1;
    }
    fprintf(stderr,
            PROG ": %llu event(s) read, %llu skipped; %llu alert event(s) (%llu repeats "
                 "aggregated), %llu asset event(s), %llu asset(s)\n",
            (unsigned long long)st.events, (unsigned long long)st.skipped,
            (unsigned long long)st.alerts, (unsigned long long)st.alerts_suppressed,
            (unsigned long long)st.assets, (unsigned long long)st.assets_known);
    if (st.emit_failed > 0) {
        fprintf(stderr, PROG ": %llu produced event(s) could not be written\n",
                (unsigned long long)st.emit_failed);
        rc = 1;
    }
    return rc;
}
