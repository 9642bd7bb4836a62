/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka_mock.c - tanzhen-kafka-mock: librdkafka's mock cluster (rdkafka_mock.h) as a
 * process, so the demo and the tests have a Kafka that speaks the real protocol without
 * a JVM. It listens on 127.0.0.1, pre-creates PREFIX.{events,alerts,assets,health}, prints
 * its bootstrap servers as the first line of stdout and runs until SIGINT or SIGTERM.
 * Messages live in memory only. While it runs, a test can take the brokers down and up
 * and inject request errors (rd_kafka_mock_broker_set_down/_up,
 * rd_kafka_mock_push_request_errors_array): one command per line on standard input, each
 * answered by one line on stdout, or SIGUSR1 (all down) and SIGUSR2 (all up).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define PROG "tanzhen-kafka-mock"

static const char *const topic_suffix[] = {"events", "alerts", "assets", "health"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [--brokers N] [--partitions N] [--topic-prefix P]\n"
            "Runs librdkafka's mock Kafka cluster on 127.0.0.1 until SIGINT/SIGTERM.\n"
            "The first line of stdout is the bootstrap server list. Messages live in memory,\n"
            "and each partition keeps only its last 5 MiB (librdkafka's mock log limit).\n"
            "\n"
            "  --brokers N        brokers in the cluster (default 1, 1..16)\n"
            "  --partitions N     partitions of each pre-created topic (default 1, 1..64)\n"
            "  --topic-prefix P   pre-creates P.events, P.alerts, P.assets, P.health\n"
            "                     (default tanzhen)\n"
            "  --version, -h/--help\n"
            "\n"
            "Control while running: one command per line on standard input, each answered\n"
            "by one line on stdout (\"ok ...\" or \"error: ...\"); end of input only stops\n"
            "the reading of commands:\n"
            "  down [ID]               broker ID (1..N), or all brokers, refuse and drop\n"
            "                          connections (rd_kafka_mock_broker_set_down)\n"
            "  up [ID]                 accept connections again (rd_kafka_mock_broker_set_up)\n"
            "  errors API N ERR        the next N requests of API (name, e.g. Produce, or\n"
            "                          number) fail with ERR (librdkafka error name, e.g.\n"
            "                          NOT_LEADER_FOR_PARTITION, or number); _TRANSPORT\n"
            "                          disconnects (rd_kafka_mock_push_request_errors)\n"
            "  clear API               drop the errors still queued for API\n"
            "SIGUSR1 takes every broker down, SIGUSR2 brings every broker up.\n");
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

/* Kafka protocol API keys by name (the public headers do not export them). */
static const struct {
    const char *name;
    int16_t key;
} api_names[] = {
    {"Produce", 0},         {"Fetch", 1},           {"ListOffsets", 2},
    {"Metadata", 3},        {"OffsetCommit", 8},    {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},      {"Heartbeat", 12},
    {"LeaveGroup", 13},     {"SyncGroup", 14},      {"ApiVersions", 18},
    {"InitProducerId", 22}, {"AddPartitionsToTxn", 24}, {"EndTxn", 26},
};

static int parse_api(const char *s, int16_t *key)
{
    for (size_t i = 0; i < sizeof api_names / sizeof api_names[0]; i++)
        if (strcasecmp(s, api_names[i].name) == 0) {
            *key = api_names[i].key;
            return 0;
        }
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > 1000)
        return -1;
    *key = (int16_t)v;
    return 0;
}

/* An error by librdkafka's name (NOT_LEADER_FOR_PARTITION, with or without the
 * RD_KAFKA_RESP_ERR_ prefix, any case) or by number. */
static int parse_err(const char *s, rd_kafka_resp_err_t *out)
{
    const struct rd_kafka_err_desc *descs;
    size_t n;
    if (strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18) == 0)
        s += 18;
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++)
        if (descs[i].name && strcasecmp(s, descs[i].name) == 0) {
            *out = descs[i].code;
            return 0;
        }
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < -200 || v > 1000)
        return -1;
    *out = (rd_kafka_resp_err_t)v;
    return 0;
}

/* Broker id from an optional argument: NULL or "all" = -1 (every broker). */
static int parse_broker(const char *s, int brokers, int32_t *id)
{
    int v;
    if (!s || strcmp(s, "all") == 0) {
        *id = -1;
        return 0;
    }
    if (parse_int("broker id", s, 1, brokers, &v) != 0)
        return -1;
    *id = v;
    return 0;
}

/* One answer line on stdout (a test waits for it); errors go to stderr too. */
__attribute__((format(printf, 1, 2))) static void reply(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (strncmp(fmt, "error", 5) == 0) {
        va_list ap2;
        va_copy(ap2, ap);
        fputs(PROG ": ", stderr);
        vfprintf(stderr, fmt, ap2);
        fputc('\n', stderr);
        va_end(ap2);
    }
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* Runs one control command (a NUL-terminated line without its newline). */
static void control_command(rd_kafka_mock_cluster_t *mc, int brokers, char *line)
{
    char *argv[8];
    int argc = 0;
    char *p = line;
    while (*p && argc < 8) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    if (argc == 0 || argv[0][0] == '#')
        return;
    const char *cmd = argv[0];
    if ((strcmp(cmd, "down") == 0 || strcmp(cmd, "up") == 0) && argc <= 2) {
        int32_t id;
        if (parse_broker(argc == 2 ? argv[1] : NULL, brokers, &id) != 0) {
            reply("error: %s: broker id must be 1..N or all (%s)", cmd, argc == 2 ? argv[1] : "");
            return;
        }
        rd_kafka_resp_err_t e = cmd[0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id)
                                              : rd_kafka_mock_broker_set_up(mc, id);
        if (e) {
            reply("error: %s: %s", cmd, rd_kafka_err2str(e));
            return;
        }
        fprintf(stderr, PROG ": broker %s %s\n", id < 0 ? "all" : argv[1], cmd);
        reply("ok %s %s", cmd, id < 0 ? "all" : argv[1]);
        return;
    }
    if (strcmp(cmd, "errors") == 0 && argc == 4) {
        int16_t api;
        int cnt;
        rd_kafka_resp_err_t err;
        if (parse_api(argv[1], &api) != 0) {
            reply("error: errors: unknown API '%s'", argv[1]);
            return;
        }
        if (parse_int("errors N", argv[2], 1, 100000, &cnt) != 0) {
            reply("error: errors: N must be 1..100000 (got '%s')", argv[2]);
            return;
        }
        if (parse_err(argv[3], &err) != 0) {
            reply("error: errors: unknown error '%s'", argv[3]);
            return;
        }
        rd_kafka_resp_err_t *arr = malloc((size_t)cnt * sizeof *arr);
        if (!arr) {
            reply("error: errors: out of memory");
            return;
        }
        for (int i = 0; i < cnt; i++)
            arr[i] = err;
        rd_kafka_mock_push_request_errors_array(mc, api, (size_t)cnt, arr);
        free(arr);
        fprintf(stderr, PROG ": the next %d %s requests fail with %s\n", cnt, argv[1],
                rd_kafka_err2name(err));
        reply("ok errors %s %d %s", argv[1], cnt, rd_kafka_err2name(err));
        return;
    }
    if (strcmp(cmd, "clear") == 0 && argc == 2) {
        int16_t api;
        if (parse_api(argv[1], &api) != 0) {
            reply("error: clear: unknown API '%s'", argv[1]);
            return;
        }
        rd_kafka_mock_clear_request_errors(mc, api);
        reply("ok clear %s", argv[1]);
        return;
    }
    reply("error: unknown command '%s' (down [ID], up [ID], errors API N ERR, clear API)", cmd);
}

/* Splits what arrived on stdin into lines; returns -1 at end of input. */
static int control_read(rd_kafka_mock_cluster_t *mc, int brokers, char *buf, size_t cap,
                        size_t *len)
{
    ssize_t n = read(STDIN_FILENO, buf + *len, cap - 1 - *len);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -1;
    if (n == 0)
        return -1;
    *len += (size_t)n;
    for (;;) {
        char *nl = memchr(buf, '\n', *len);
        if (!nl) {
            if (*len == cap - 1) {
                reply("error: command line longer than %zu bytes", cap - 2);
                *len = 0;
            }
            return 0;
        }
        *nl = '\0';
        control_command(mc, brokers, buf);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, nl + 1, *len - used);
        *len -= used;
    }
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

    /* Block the signals before librdkafka starts its threads, so they inherit the mask
     * and the main thread alone takes them from its signalfd. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sfd < 0) {
        fprintf(stderr, PROG ": signalfd: %s\n", strerror(errno));
        return 1;
    }
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

    char cbuf[256];
    size_t clen = 0;
    int reading = 1, sig = 0;
    while (!sig) {
        struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        if (poll(pfd, reading ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
            break;
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGUSR1 || si.ssi_signo == SIGUSR2) {
                    int down = si.ssi_signo == SIGUSR1;
                    rd_kafka_resp_err_t e = down ? rd_kafka_mock_broker_set_down(mc, -1)
                                                 : rd_kafka_mock_broker_set_up(mc, -1);
                    fprintf(stderr, PROG ": %s: every broker %s%s%s\n",
                            down ? "SIGUSR1" : "SIGUSR2", down ? "down" : "up",
                            e ? ": " : "", e ? rd_kafka_err2str(e) : "");
                } else {
                    sig = (int)si.ssi_signo;
                }
            }
        }
        if (reading && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
            if ((pfd[1].revents & POLLNVAL) ||
                control_read(mc, brokers, cbuf, sizeof cbuf, &clen) != 0)
                reading = 0; /* end of the commands; keep serving */
        }
    }
    close(sfd);
    fprintf(stderr, PROG ": signal %d, stopping\n", sig);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
