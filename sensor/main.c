/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - tanzhen-sensor: command line, config, start-up checks, then one capture
 * thread, N workers and one publisher until the capture ends or SIGINT/SIGTERM; every
 * queued event is flushed before exit. Exit status: 0 ok, 1 bad usage/config/input,
 * 2 a capture ended early (truncated file; what was read was processed), 3 the collector
 * did not acknowledge everything. `tanzhen-sensor keygen DIR [NAME]` writes a CURVE key
 * pair (common/keys.c) and exits.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "iec104_tz.h"
#include "sensor.h"
#include "x509.h"
#include "tztime.h"

static struct sensor sensor;

static void on_signal(int sig)
{
    (void)sig;
    /* a first signal stops capture and drains; a second one stops waiting */
    atomic_fetch_add_explicit(&sensor.stop, 1, memory_order_relaxed);
    capture_break(&sensor);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tanzhen-sensor (-r FILE ... | -i IFACE) [options]\n"
            "       tanzhen-sensor keygen DIR [NAME] [--sensor-id ID]   write a CURVE key pair\n"
            "                              bound to sensor id ID (default NAME, NAME: sensor)\n"
            "Passive industrial-protocol monitor: decodes Modbus/TCP, DNP3, S7comm, S7comm-plus,\n"
            "OPC UA and IEC 60870-5-104 from pcap files "
            "or a mirror port and writes one JSON event per transaction.\n\n"
            "  -r, --read FILE        read a pcap/pcapng file (repeatable, read in order)\n"
            "  -i, --interface IFACE  capture live from IFACE (TPACKET_V3 ring)\n"
            "  -c, --config FILE      YAML config (keys below); options given here override it\n"
            "  -w, --workers N        worker threads (pipeline.workers)\n"
            "  -f, --filter BPF       libpcap filter (capture.filter)\n"
            "      --jsonl PATH|-     write events as JSON lines (output.jsonl)\n"
            "      --collector EP     send events to a collector, e.g. tcp://127.0.0.1:7700\n"
            "      --insecure         plain TCP to the collector, no CURVE (output.curve=false)\n"
            "      --server-key FILE  the collector's public certificate (output.server_key)\n"
            "      --client-key FILE  this sensor's secret certificate (output.client_key)\n"
            "      --state-dir DIR    persisted seq numbers and spool (output.state_dir)\n"
            "      --sensor-id ID     sensor id in every event (sensor.id)\n"
            "      --set KEY=VALUE    set any config key\n"
            "      --check-config     validate the config and exit\n"
            "      --dump-config      print the effective config as YAML and exit\n"
            "  -v, --verbose          log more\n"
            "      --version          print the version and exit\n"
            "  -h, --help             this help\n\n"
            "Config keys (YAML: section, then key):\n");
    cfg_help(sensor_config_table, out);
}

enum {
    OPT_JSONL = 1000,
    OPT_COLLECTOR,
    OPT_SENSOR_ID,
    OPT_SET,
    OPT_CHECK,
    OPT_DUMP,
    OPT_VERSION,
    OPT_INSECURE,
    OPT_SERVER_KEY,
    OPT_CLIENT_KEY,
    OPT_STATE_DIR,
};

static const struct option long_opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"config", required_argument, NULL, 'c'},
    {"workers", required_argument, NULL, 'w'},
    {"filter", required_argument, NULL, 'f'},
    {"jsonl", required_argument, NULL, OPT_JSONL},
    {"collector", required_argument, NULL, OPT_COLLECTOR},
    {"sensor-id", required_argument, NULL, OPT_SENSOR_ID},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"server-key", required_argument, NULL, OPT_SERVER_KEY},
    {"client-key", required_argument, NULL, OPT_CLIENT_KEY},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"set", required_argument, NULL, OPT_SET},
    {"check-config", no_argument, NULL, OPT_CHECK},
    {"dump-config", no_argument, NULL, OPT_DUMP},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* `tanzhen-sensor keygen DIR [NAME] [--sensor-id ID]`: returns the exit status. */
static int keygen_main(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *sid = NULL;
    int npos = 0, bad = 0;
    int help = argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
    for (int i = 1; i < argc && !help; i++) {
        if (strcmp(argv[i], "--sensor-id") == 0 && i + 1 < argc)
            sid = argv[++i];
        else if (argv[i][0] == '-' || npos == 2)
            bad = 1;
        else
            pos[npos++] = argv[i];
    }
    if (help || bad || npos < 1) {
        fprintf(help ? stdout : stderr,
                "usage: tanzhen-sensor keygen DIR [NAME] [--sensor-id ID]\n"
                "Writes DIR/NAME.key (the public certificate: copy it into the collector's "
                "allow list)\nand DIR/NAME.key_secret (this sensor's secret certificate, mode "
                "0600: output.client_key).\nNAME defaults to 'sensor'. The certificate's "
                "sensor-id metadata is ID (default NAME):\nthe collector accepts this key's "
                "batches only under that sensor id. Existing files are\nnever overwritten.\n");
        return help ? 0 : 1;
    }
    const char *name = pos[1] ? pos[1] : "sensor";
    char err[1400];
    if (keys_generate_sensor(pos[0], name, "tanzhen-sensor keygen", sid ? sid : name, stdout,
                             err, sizeof err) != 0) {
        log_err("keygen: %s", err);
        return 1;
    }
    return 0;
}

static int set_key(const char *key, const char *val)
{
    char err[512];
    if (cfg_set(sensor_config_table, &sensor.cfg, key, val, err, sizeof err) != 0) {
        log_err("%s", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sensor *s = &sensor;
    char err[1024];
    const char *config_path = NULL;
    int check = 0, dump = 0, verbose = 0;
    log_init("tanzhen-sensor", LOG_INFO);
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return keygen_main(argc - 1, argv + 1);

    /* pass 1: the config file, so command-line options override it */
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "r:i:c:w:f:vh", long_opts, NULL)) != -1)
        if (opt == 'c')
            config_path = optarg;
    if (cfg_defaults(sensor_config_table, &s->cfg, err, sizeof err) != 0) {
        log_err("built-in defaults: %s", err);
        return 1;
    }
    if (config_path &&
        cfg_load_yaml(sensor_config_table, &s->cfg, config_path, err, sizeof err) != 0) {
        log_err("%s", err);
        return 1;
    }

    /* pass 2: everything else */
    optind = 1;
    opterr = 1;
    while ((opt = getopt_long(argc, argv, "r:i:c:w:f:vh", long_opts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'r':
            if (s->n_files >= SENSOR_MAX_FILES) {
                log_err("at most %d files with -r", SENSOR_MAX_FILES);
                return 1;
            }
            s->files[s->n_files++] = optarg;
            break;
        case 'i': rc = set_key("capture.interface", optarg); break;
        case 'c': break;
        case 'w': rc = set_key("pipeline.workers", optarg); break;
        case 'f': rc = set_key("capture.filter", optarg); break;
        case OPT_JSONL: rc = set_key("output.jsonl", optarg); break;
        case OPT_COLLECTOR: rc = set_key("output.collector", optarg); break;
        case OPT_SENSOR_ID: rc = set_key("sensor.id", optarg); break;
        case OPT_INSECURE: rc = set_key("output.curve", "false"); break;
        case OPT_SERVER_KEY: rc = set_key("output.server_key", optarg); break;
        case OPT_CLIENT_KEY: rc = set_key("output.client_key", optarg); break;
        case OPT_STATE_DIR: rc = set_key("output.state_dir", optarg); break;
        case OPT_SET: {
            char kv[1400];
            snprintf(kv, sizeof kv, "%s", optarg);
            char *eq = strchr(kv, '=');
            if (!eq) {
                log_err("--set %s: expected KEY=VALUE", optarg);
                return 1;
            }
            *eq = '\0';
            rc = set_key(kv, eq + 1);
            break;
        }
        case OPT_CHECK: check = 1; break;
        case OPT_DUMP: dump = 1; break;
        case 'v': verbose = 1; break;
        case OPT_VERSION: printf("tanzhen-sensor %s\n", TZ_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
        if (rc != 0)
            return 1;
    }
    if (optind < argc) {
        log_err("unexpected argument '%s' (files are read with -r)", argv[optind]);
        return 1;
    }
    if (verbose)
        log_init("tanzhen-sensor", LOG_DEBUG);
    if (sensor_config_finish(&s->cfg, err, sizeof err) != 0) {
        log_err("%s", err);
        return 1;
    }
    s->n_zones = zones_parse(s->cfg.zones, s->zones, SENSOR_MAX_ZONES, err, sizeof err);
    if (s->n_zones < 0) {
        log_err("%s", err);
        return 1;
    }
    x509_install(); /* OPC UA certificates in events: parsed with GnuTLS */
    if (iec104_tz_setup(s->cfg.iec104_tz, s->cfg.iec104_tz_by_ca, err, sizeof err) != 0) {
        log_err("dissect.iec104.time_zone: %s", err);
        return 1;
    }
    if (dump) {
        cfg_dump(sensor_config_table, &s->cfg, stdout);
        return 0;
    }
    if (check) {
        printf("config OK%s%s\n", config_path ? ": " : "", config_path ? config_path : "");
        return 0;
    }
    s->live = s->cfg.interface[0] != '\0';
    if (s->live && s->n_files) {
        log_err("give either -r FILE or -i IFACE, not both");
        return 1;
    }
    if (!s->live && s->n_files == 0) {
        log_err("nothing to read: give -r FILE or -i IFACE (--help for more)");
        return 1;
    }
    if (!s->cfg.jsonl[0] && !s->cfg.collector[0]) {
        log_err("no output: give --jsonl PATH (or -) and/or --collector ENDPOINT");
        return 1;
    }
    s->lim = pd_default_limits;
    s->lim.max_values = (uint32_t)s->cfg.max_values;
    s->lim.max_items = (uint32_t)s->cfg.max_items;
    s->lim.max_points = (uint32_t)s->cfg.max_points;
    s->lim.max_pending = (uint32_t)s->cfg.max_pending;
    s->lim.txn_timeout_us = (uint64_t)s->cfg.txn_timeout_ms * 1000u;
    if (community_id_init() != 0) {
        log_err("libgcrypt/libsodium initialisation failed");
        return 1;
    }

    if (capture_open(s, err, sizeof err) != 0) {
        log_err("%s", err);
        capture_close(s);
        return 1;
    }
    s->n_workers = (int)s->cfg.workers;
    s->workers = calloc((size_t)s->n_workers, sizeof *s->workers);
    if (!s->workers) {
        log_err("out of memory");
        return 1;
    }
    for (int i = 0; i < s->n_workers; i++) {
        if (worker_init(&s->workers[i], s, i, err, sizeof err) != 0) {
            log_err("%s", err);
            return 1;
        }
    }
    if (publisher_init(s, err, sizeof err) != 0) {
        log_err("%s", err);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    s->start_us = tz_now_us();
    pthread_t cap, pubt, *wt = calloc((size_t)s->n_workers, sizeof *wt);
    if (!wt) {
        log_err("out of memory");
        return 1;
    }
    if (pthread_create(&pubt, NULL, publisher_thread, s) != 0) {
        log_err("cannot start the publisher thread");
        return 1;
    }
    for (int i = 0; i < s->n_workers; i++)
        if (pthread_create(&wt[i], NULL, worker_thread, &s->workers[i]) != 0) {
            log_err("cannot start worker thread %d", i);
            return 1;
        }
    if (pthread_create(&cap, NULL, capture_thread, s) != 0) {
        log_err("cannot start the capture thread");
        return 1;
    }
    pthread_join(cap, NULL);
    for (int i = 0; i < s->n_workers; i++)
        pthread_join(wt[i], NULL);
    pthread_join(pubt, NULL);

    capture_close(s);
    for (int i = 0; i < s->n_workers; i++)
        worker_free(&s->workers[i]);
    free(wt);
    free(s->workers);
    if (s->capture_error)
        return 2;
    return publisher_status();
}
