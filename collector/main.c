/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - tanzhen-collector: reads the config (defaults, then -c FILE, then options),
 * opens the store, the Kafka forwarder and the ZeroMQ receiver, and runs until SIGINT or
 * SIGTERM; then it flushes the producer for at most kafka.flush_timeout_ms and exits 0.
 * Exit 2: bad usage or config; exit 1: a start-up failure (store, socket, Kafka config).
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "collector_config.h"
#include "forward.h"
#include "log.h"
#include "receiver.h"
#include "store.h"

#define PROG "tanzhen-collector"
#define MAX_SETS 64

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [-c FILE] [options]\n"
            "Receives sensor batches over ZeroMQ, stores them in SQLite, forwards to Kafka.\n"
            "\n"
            "  -c, --config FILE          YAML config (keys below); options override it\n"
            "      --listen ENDPOINT      receiver.listen\n"
            "      --store DIR            store.dir\n"
            "      --kafka-brokers LIST   kafka.brokers (empty: no forwarding)\n"
            "      --kafka-topic-prefix P kafka.topic_prefix\n"
            "      --set KEY=VALUE        any key below (repeatable)\n"
            "      --check-config         validate the config and exit\n"
            "      --dump-config          print the effective config as YAML and exit\n"
            "      --version              print versions and exit\n"
            "  -h, --help                 this text\n"
            "\n"
            "Config keys (YAML sections are the part before the dot):\n");
    cfg_help(collector_cfg_table, out);
}

struct cli {
    const char *config_path;
    const char *keys[MAX_SETS];
    const char *vals[MAX_SETS];
    char owned[MAX_SETS][1100]; /* --set KEY=VALUE split copies */
    int nsets;
    int check, dump;
};

static int cli_add(struct cli *c, const char *key, const char *val)
{
    if (c->nsets == MAX_SETS) {
        fprintf(stderr, PROG ": too many options (at most %d keys)\n", MAX_SETS);
        return -1;
    }
    c->keys[c->nsets] = key;
    c->vals[c->nsets] = val;
    c->nsets++;
    return 0;
}

static int cli_add_kv(struct cli *c, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t n = strlen(kv);
    if (!eq || eq == kv || c->nsets == MAX_SETS || n >= sizeof c->owned[0]) {
        fprintf(stderr, PROG ": --set wants KEY=VALUE (got '%s')\n", kv);
        return -1;
    }
    char *buf = c->owned[c->nsets];
    memcpy(buf, kv, n + 1);
    buf[eq - kv] = '\0';
    return cli_add(c, buf, buf + (eq - kv) + 1);
}

/* Returns -1 to go on, else the exit code. */
static int cli_parse(struct cli *c, int argc, char **argv)
{
    enum { O_LISTEN = 256, O_STORE, O_BROKERS, O_PREFIX, O_SET, O_CHECK, O_DUMP, O_VERSION };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, O_LISTEN},
        {"store", required_argument, NULL, O_STORE},
        {"kafka-brokers", required_argument, NULL, O_BROKERS},
        {"kafka-topic-prefix", required_argument, NULL, O_PREFIX},
        {"set", required_argument, NULL, O_SET},
        {"check-config", no_argument, NULL, O_CHECK},
        {"dump-config", no_argument, NULL, O_DUMP},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    int rc = 0;
    while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            c->config_path = optarg;
            break;
        case O_LISTEN:
            rc = cli_add(c, "receiver.listen", optarg);
            break;
        case O_STORE:
            rc = cli_add(c, "store.dir", optarg);
            break;
        case O_BROKERS:
            rc = cli_add(c, "kafka.brokers", optarg);
            break;
        case O_PREFIX:
            rc = cli_add(c, "kafka.topic_prefix", optarg);
            break;
        case O_SET:
            rc = cli_add_kv(c, optarg);
            break;
        case O_CHECK:
            c->check = 1;
            break;
        case O_DUMP:
            c->dump = 1;
            break;
        case O_VERSION:
            printf(PROG " %s (librdkafka %s, SQLite %s, ZeroMQ %d.%d.%d)\n", TZ_VERSION,
                   rd_kafka_version_str(), sqlite3_libversion(), ZMQ_VERSION_MAJOR,
                   ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '" PROG " --help'.\n");
            return 2;
        }
        if (rc != 0)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'; try --help\n", argv[optind]);
        return 2;
    }
    return -1;
}

static int load_config(struct collector_config *conf, const struct cli *c)
{
    char err[1024];
    if (cfg_defaults(collector_cfg_table, conf, err, sizeof err) != 0 ||
        (c->config_path && cfg_load_yaml(collector_cfg_table, conf, c->config_path, err,
                                         sizeof err) != 0)) {
        fprintf(stderr, PROG ": config: %s\n", err);
        return -1;
    }
    for (int i = 0; i < c->nsets; i++) {
        if (cfg_set(collector_cfg_table, conf, c->keys[i], c->vals[i], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": option: %s\n", err);
            return -1;
        }
    }
    if (collector_config_check(conf, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": config: %s\n", err);
        return -1;
    }
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int run(const struct collector_config *conf)
{
    char err[1024];
    struct store *st = NULL;
    struct forward *fwd = NULL;
    struct receiver *rcv = NULL;
    int rc = 1;

    struct store_opts so = {
        .dir = conf->store_dir,
        .sync_full = strcmp(conf->store_sync, "full") == 0,
        .busy_timeout_ms = (int)conf->busy_timeout_ms,
    };
    if (store_open(&st, &so, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    struct forward_opts fo = {
        .brokers = conf->kafka_brokers,
        .prefix = conf->kafka_prefix,
        .properties = conf->kafka_props,
        .queue_wait_ms = (int)conf->queue_wait_ms,
    };
    if (forward_open(&fwd, &fo, err, sizeof err) != 0) {
        log_err("kafka: %s", err);
        goto out;
    }
    struct receiver_opts ro = {
        .listen = conf->listen,
        .max_batch_events = (size_t)conf->max_batch_events,
        .max_batch_bytes = conf->max_batch_bytes,
        .stats_interval_s = (int)conf->stats_interval_s,
    };
    if (receiver_open(&rcv, &ro, st, fwd, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    if (forward_enabled(fwd))
        log_info("listening on %s, store %s, forwarding to %s (topics %s.*)", conf->listen,
                 store_path(st), conf->kafka_brokers, conf->kafka_prefix);
    else
        log_info("listening on %s, store %s, Kafka forwarding off", conf->listen,
                 store_path(st));
    rc = receiver_run(rcv, &stop_flag) == 0 ? 0 : 1;
    log_info("stopping");
    receiver_log_stats(rcv);
out:
    forward_close(fwd, (int)conf->flush_timeout_ms); /* logs what it could not deliver */
    receiver_close(rcv);
    store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    static struct cli cli;
    static struct collector_config conf;
    int rc = cli_parse(&cli, argc, argv);
    if (rc >= 0)
        return rc;
    if (load_config(&conf, &cli) != 0)
        return 2;
    if (cli.dump) {
        cfg_dump(collector_cfg_table, &conf, stdout);
        return 0;
    }
    if (cli.check) {
        printf("%s: config ok\n", cli.config_path ? cli.config_path : "(defaults)");
        return 0;
    }
    log_init(PROG, collector_config_log_level(&conf));
    install_signals();
    return run(&conf);
}
