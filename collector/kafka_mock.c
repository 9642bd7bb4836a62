/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka_mock.c - tanzhen-kafka-mock: librdkafka's mock cluster (rdkafka_mock.h) as a
 * process, so the demo and the tests have a Kafka that speaks the real protocol without
 * a JVM. It listens on 127.0.0.1, pre-creates PREFIX.{events,alerts,assets,health}, prints
 * its bootstrap servers as the first line of stdout and runs until SIGINT or SIGTERM.
 * Messages live in memory only.
 */
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "tanzhen-kafka-mock"

static const char *const topic_suffix[] = {"events", "alerts", "assets", "health"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [--brokers N] [--partitions N] [--topic-prefix P]\n"
            "Runs librdkafka's mock Kafka cluster on 127.0.0.1 until SIGINT/SIGTERM.\n"
            "The first line of stdout is the bootstrap server list.\n"
            "\n"
            "  --brokers N        brokers in the cluster (default 1, 1..16)\n"
            "  --partitions N     partitions of each pre-created topic (default 1, 1..64)\n"
            "  --topic-prefix P   pre-creates P.events, P.alerts, P.assets, P.health\n"
            "                     (default tanzhen)\n"
            "  --version, -h/--help\n");
}

static int parse_int(const char *opt, const char *s, long lo, long hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, PROG ": %s wants an integer in %ld..%ld (got '%s')\n", opt, lo, hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* the cluster's own handle has no bootstrap.servers, and needs none */
    if (strcmp(fac, "CONFWARN") == 0 && strstr(buf, "bootstrap.servers"))
        return;
    fprintf(stderr, PROG ": %s: %s\n", fac, buf);
}

int main(int argc, char **argv)
{
    enum { O_BROKERS = 256, O_PARTS, O_PREFIX, O_VERSION };
    static const struct option opts[] = {
        {"brokers", required_argument, NULL, O_BROKERS},
        {"partitions", required_argument, NULL, O_PARTS},
        {"topic-prefix", required_argument, NULL, O_PREFIX},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int brokers = 1, partitions = 1;
    const char *prefix = "tanzhen";
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_BROKERS:
            if (parse_int("--brokers", optarg, 1, 16, &brokers) != 0)
                return 2;
            break;
        case O_PARTS:
            if (parse_int("--partitions", optarg, 1, 64, &partitions) != 0)
                return 2;
            break;
        case O_PREFIX:
            prefix = optarg;
            break;
        case O_VERSION:
            printf(PROG " %s (librdkafka %s)\n", TZ_VERSION, rd_kafka_version_str());
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '" PROG " --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    size_t plen = strlen(prefix);
    if (plen == 0 || plen > 200 || strspn(prefix, "abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != plen) {
        fprintf(stderr, PROG ": --topic-prefix: 1-200 characters from [A-Za-z0-9._-]\n");
        return 2;
    }

    /* Block the stop signals before librdkafka starts its threads, so they inherit the
     * mask and the main thread alone takes them in sigwait(). */
    sigset_t stopset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopset, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, on_log);
    /* this handle only owns the cluster; it produces nothing */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, PROG ": rd_kafka_new: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, PROG ": cannot create the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    int repl = brokers < 3 ? brokers : 3;
    for (size_t i = 0; i < sizeof topic_suffix / sizeof topic_suffix[0]; i++) {
        char topic[256];
        snprintf(topic, sizeof topic, "%s.%s", prefix, topic_suffix[i]);
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topic, partitions, repl);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, PROG ": cannot create topic %s: %s\n", topic, rd_kafka_err2str(e));
            rd_kafka_mock_cluster_destroy(mc);
            rd_kafka_destroy(rk);
            return 1;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    fprintf(stderr, PROG ": %d broker(s), topics %s.{events,alerts,assets,health} with %d "
                    "partition(s); stop with SIGTERM\n",
            brokers, prefix, partitions);

    int sig = 0;
    while (sigwait(&stopset, &sig) != 0)
        ;
    fprintf(stderr, PROG ": signal %d, stopping\n", sig);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
