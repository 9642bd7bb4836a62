/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - tanzhen-collector: reads the config (defaults, then -c FILE, then options),
 * opens the store, the Kafka forwarder, /metrics and the ZeroMQ receiver (CURVE unless
 * --insecure), and runs until SIGINT or SIGTERM; then it stops receiving, lets the
 * forwarder deliver for at most kafka.flush_timeout_ms and exits 0. Subcommands:
 * `keygen DIR [NAME]` writes a CURVE key pair, `verify --store DIR` checks the hash chain,
 * `dump --store DIR` prints the stored events, `analyze` runs the analytics engine over
 * JSON lines (analyze.c).
 * Exit 1: bad usage or config (as the sensor), or a start-up failure (keys, store, socket,
 * Kafka). --check-config also sets every kafka.properties entry on a real rd_kafka_conf_t;
 * --dump-config redacts secrets (common/config.h).
 */
#include <czmq.h>
/* czmq.h brings syslog.h, whose LOG_* macros would rename log.h's levels */
#undef LOG_ERR
#undef LOG_WARNING
#undef LOG_INFO
#undef LOG_DEBUG
#include <sodium.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "analyze.h"
#include "chain.h"
#include "collector_config.h"
#include "analytics.h"
#include "api.h"
#include "envelope.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "receiver.h"
#include "retention.h"
#include "store.h"
#include "store_cli.h"

#define PROG "tanzhen-collector"
#define MAX_SETS 64

static volatile sig_atomic_t stop_flag;

static void on_hup(int sig)
{
    (void)sig;
    analytics_request_reload(); /* an atomic add: safe in a signal handler */
}

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [-c FILE] [options]\n"
            "       " PROG " keygen DIR [NAME]      write DIR/NAME.key and DIR/NAME.key_secret\n"
            "       " PROG " verify --store DIR     check the store's hash chain and anchors\n"
            "                 [-c FILE] [--anchor FILE] [--head B:E:HASH]   (verify --help)\n"
            "       " PROG " dump --store DIR       print the stored events as JSON lines\n"
            "       " PROG " analyze [-c FILE] [-r EVENTS.jsonl|-]  alerts and assets offline\n"
            "       " PROG " token FILE [--force]  a new bearer token for the /api/ routes\n"
            "       " PROG " baseline list|accept|drop|mode|export|import ...  baseline review\n"
            "Receives sensor batches over ZeroMQ (CURVE), stores them in SQLite day files with\n"
            "a hash chain, forwards them to Kafka from the store.\n"
            "\n"
            "  -c, --config FILE          YAML config (keys below); options override it\n"
            "      --listen ENDPOINT      receiver.listen\n"
            "      --server-key FILE      receiver.server_key (the collector's secret cert)\n"
            "      --allow-dir DIR        receiver.allow_dir (allowed sensors' public certs)\n"
            "      --insecure             receiver.curve=false: plain TCP, no authentication\n"
            "      --store DIR            store.dir\n"
            "      --allow-short-retention  accept store.retention_days under 180\n"
            "      --kafka-brokers LIST   kafka.brokers (empty: no forwarding)\n"
            "      --kafka-topic-prefix P kafka.topic_prefix\n"
            "      --http-listen ADDR     http.listen (HOST:PORT for /metrics, \"\" for none)\n"
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
    int check, dump, insecure, short_retention;
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
    enum {
        O_LISTEN = 256, O_STORE, O_BROKERS, O_PREFIX, O_SET, O_CHECK, O_DUMP, O_VERSION,
        O_SERVER_KEY, O_ALLOW_DIR, O_INSECURE, O_SHORT, O_HTTP
    };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, O_LISTEN},
        {"server-key", required_argument, NULL, O_SERVER_KEY},
        {"allow-dir", required_argument, NULL, O_ALLOW_DIR},
        {"insecure", no_argument, NULL, O_INSECURE},
        {"store", required_argument, NULL, O_STORE},
        {"allow-short-retention", no_argument, NULL, O_SHORT},
        {"kafka-brokers", required_argument, NULL, O_BROKERS},
        {"kafka-topic-prefix", required_argument, NULL, O_PREFIX},
        {"http-listen", required_argument, NULL, O_HTTP},
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
        case O_SERVER_KEY:
            rc = cli_add(c, "receiver.server_key", optarg);
            break;
        case O_ALLOW_DIR:
            rc = cli_add(c, "receiver.allow_dir", optarg);
            break;
        case O_INSECURE:
            c->insecure = 1;
            break;
        case O_STORE:
            rc = cli_add(c, "store.dir", optarg);
            break;
        case O_SHORT:
            c->short_retention = 1;
            break;
        case O_BROKERS:
            rc = cli_add(c, "kafka.brokers", optarg);
            break;
        case O_PREFIX:
            rc = cli_add(c, "kafka.topic_prefix", optarg);
            break;
        case O_HTTP:
            rc = cli_add(c, "http.listen", optarg);
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
            printf(PROG " %s (librdkafka %s, SQLite %s, ZeroMQ %d.%d.%d, CZMQ %d.%d.%d)\n",
                   TZ_VERSION, rd_kafka_version_str(), sqlite3_libversion(), ZMQ_VERSION_MAJOR,
                   ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH, CZMQ_VERSION_MAJOR, CZMQ_VERSION_MINOR,
                   CZMQ_VERSION_PATCH);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '" PROG " --help'.\n");
            return 1;
        }
        if (rc != 0)
            return 1;
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'; try --help\n", argv[optind]);
        return 1;
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
    if (c->insecure)
        conf->curve = 0;
    if (collector_config_check(conf, err, sizeof err) != 0 ||
        collector_config_check_kafka(conf, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": config: %s\n", err);
        return -1;
    }
    if (conf->retention_days < RETENTION_MIN_DAYS && !c->short_retention) {
        fprintf(stderr,
                PROG ": config: store.retention_days: %lld is under %d days (the law asks for "
                     "six months of network logs); add --allow-short-retention to accept it\n",
                (long long)conf->retention_days, RETENTION_MIN_DAYS);
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
    sa.sa_handler = on_hup; /* user rules and baseline file reloaded, state kept */
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_signal;
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int run(const struct collector_config *conf, int short_retention)
{
    char err[1024];
    static struct metrics m;
    struct store *st = NULL;
    struct outbox *ob = NULL;
    struct metrics_http *http = NULL;
    struct api *api = NULL;
    struct receiver *rcv = NULL;
    struct allow_list *allow = NULL;
    struct envelope env;
    int rc = 1;
    uint8_t pub[KEY_LEN], sec[KEY_LEN];
    char pub_z85[KEY_Z85_LEN];

    memset(&env, 0, sizeof env);
    metrics_init(&m, conf->store_dir);
    if (conf->curve) {
        if (keys_load_secret(conf->server_key, pub, sec, pub_z85, err, sizeof err) != 0) {
            log_err("receiver.server_key %s", err);
            goto out;
        }
        if (allow_open(&allow, conf->allow_dir, err, sizeof err) != 0) {
            log_err("%s", err);
            goto out;
        }
        log_info("CURVE on: collector public key %s; %zu sensor key(s) allowed from %s",
                 pub_z85, allow_count(allow), conf->allow_dir);
        if (allow_count(allow) == 0)
            log_warn("receiver.allow_dir %s holds no sensor certificate: every sensor is "
                     "rejected until one is added (tanzhen-sensor keygen, then copy NAME.key)",
                     conf->allow_dir);
    } else {
        log_warn("receiver.curve is off (--insecure): sensor traffic is neither encrypted nor "
                 "authenticated; anyone who reaches %s can store events under any sensor id",
                 conf->listen);
    }
    if (conf->retention_days < RETENTION_MIN_DAYS && short_retention)
        log_warn("store.retention_days is %lld, under the %d days the law asks for "
                 "(--allow-short-retention)",
                 (long long)conf->retention_days, RETENTION_MIN_DAYS);
    struct store_opts so = {
        .dir = conf->store_dir,
        .sync_full = strcmp(conf->store_sync, "full") == 0,
        .busy_timeout_ms = (int)conf->busy_timeout_ms,
        .metrics = &m,
        .zstd_level = (int)conf->zstd_level,
        .retention_days = (int)conf->retention_days,
        .checkpoint_interval_s = (int)conf->checkpoint_interval_s,
        .sign_secret = conf->curve ? sec : NULL,
    };
    if (store_open(&st, &so, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    struct envelope_conf ec = {
        .enterprise_name = conf->env_name, .credit_code = conf->env_credit,
        .region_code = conf->env_region, .level = conf->env_level, .site = conf->env_site,
        .redact = conf->kafka_redact,
    };
    if (envelope_init(&env, &ec, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    struct outbox_opts oo = {
        .dir = conf->store_dir,
        .brokers = conf->kafka_brokers,
        .prefix = conf->kafka_prefix,
        .properties = conf->kafka_props,
        .env = &env,
        .busy_timeout_ms = (int)conf->busy_timeout_ms,
        .flush_timeout_ms = (int)conf->flush_timeout_ms,
        .retention_days = (int)conf->retention_days,
        .m = &m,
    };
    if (outbox_start(&ob, &oo, err, sizeof err) != 0) {
        log_err("kafka: %s", err);
        goto out;
    }
    if (metrics_http_start(&http, &m, conf->http_listen, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    char an_state[1100];
    if (conf->an_state[0])
        snprintf(an_state, sizeof an_state, "%s", conf->an_state);
    else
        snprintf(an_state, sizeof an_state, "%s/analytics.db", conf->store_dir);
    struct analytics_opts ao = {
        .state_path = an_state,
        .baseline_path = conf->an_baseline[0] ? conf->an_baseline : NULL,
        .rules_path = conf->an_rules_file[0] ? conf->an_rules_file : NULL,
        .oui_path = conf->an_oui,
        .policy = {.learning_s = conf->an_learning_s, .aggregate_s = conf->an_aggregate_s,
                   .rules = conf->an_rules, .zones = conf->an_zones},
    };
    collector_policy_fill(conf, &ao.policy);
    struct api_opts apo = {.store_dir = conf->store_dir, .analytics_db = an_state,
                           .token_file = conf->api_token_file, .page_max = conf->api_page_max,
                           .m = &m};
    if (http && api_open(&api, &apo, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    metrics_http_set_api(http, api);
    struct receiver_opts ro = {
        .listen = conf->listen,
        .max_batch_events = (size_t)conf->max_batch_events,
        .max_batch_bytes = conf->max_batch_bytes,
        .stats_interval_s = (int)conf->stats_interval_s,
        .self_id = conf->self_id,
        .health_interval_s = (int)conf->health_interval_s,
        .curve = conf->curve,
        .server_secret = sec,
        .allow = allow,
        .metrics = &m,
        .analytics = conf->an_enabled ? &ao : NULL,
    };
    allow = NULL; /* the receiver has it now */
    if (receiver_open(&rcv, &ro, st, err, sizeof err) != 0) {
        log_err("%s", err);
        goto out;
    }
    log_info("listening on %s (%s), store %s (retention %lld days), %s%s%s, metrics %s%s",
             conf->listen, conf->curve ? "CURVE" : "plain TCP", store_dir(st),
             (long long)conf->retention_days,
             conf->kafka_brokers[0] ? "forwarding to " : "Kafka forwarding off",
             conf->kafka_brokers, conf->kafka_brokers[0] ? "" : "",
             conf->http_listen[0] ? "http://" : "off", conf->http_listen);
    rc = receiver_run(rcv, &stop_flag) == 0 ? 0 : 1;
    log_info("stopping");
    receiver_log_stats(rcv);
out:
    receiver_close(rcv); /* no more batches */
    allow_close(allow);
    outbox_stop(ob);     /* delivers what it can within kafka.flush_timeout_ms */
    metrics_http_stop(http);
    api_close(api);
    envelope_free(&env);
    store_close(st);
    metrics_free(&m);
    sodium_memzero(sec, sizeof sec);
    return rc;
}

static int cmd_keygen(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || argv[2][0] == '-') {
        fprintf(stderr, "usage: " PROG " keygen DIR [NAME]   (NAME defaults to collector)\n");
        return 1;
    }
    char err[1024];
    if (keys_generate(argv[2], argc == 4 ? argv[3] : "collector", PROG " keygen", stdout, err,
                      sizeof err) != 0) {
        fprintf(stderr, PROG " keygen: %s\n", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct cli cli;
    static struct collector_config conf;
    zsys_handler_set(NULL); /* CZMQ must not take over SIGINT/SIGTERM */
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return store_cli_verify(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "dump") == 0)
        return store_cli_dump(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "analyze") == 0)
        return cmd_analyze(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return cmd_token(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "baseline") == 0)
        return cmd_baseline(argc, argv);
    int rc = cli_parse(&cli, argc, argv);
    if (rc >= 0)
        return rc;
    if (load_config(&conf, &cli) != 0)
        return 1;
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
    return run(&conf, cli.short_retention);
}
