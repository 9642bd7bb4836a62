/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_outbox.c - the store-driven Kafka forwarder (collector/outbox.c) against
 * librdkafka's mock cluster in this process: 3 brokers, 4 partitions per topic, so
 * delivery reports come back out of order. With request errors injected and every broker
 * down for a while, the cursors only move on delivery, the lag shows the backlog, and at
 * the end every stored event is in Kafka at least once (consumed back and reconciled by
 * (sensor, seq)) with the envelope added; a restart resumes at the saved cursors.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include "envelope.h"
#include "log.h"
#include "outbox.h"
#include "tz_collector_test.h"
#include "tztime.h"

#define PARTS 4
#define PREFIX "tz"
#define KAFKA_API_PRODUCE 0 /* the Produce request's ApiKey in the Kafka protocol */

static struct metrics m;
static struct store *st;
static rd_kafka_t *mrk;
static rd_kafka_mock_cluster_t *mc;
static char bootstrap[256];
static struct envelope env;

static void setup(void)
{
    log_init("test_outbox", LOG_ERR);
    t_mkdir();
    metrics_init(&m, t_dir);
    struct store_opts o = {.dir = t_dir, .busy_timeout_ms = 2000, .clock_us = t_clock,
                           .metrics = &m};
    cr_assert_eq(store_open(&st, &o, t_err, sizeof t_err), 0, "%s", t_err);
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    mrk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cr_assert_not_null(mrk, "%s", err);
    mc = rd_kafka_mock_cluster_new(mrk, 3);
    cr_assert_not_null(mc);
    static const char *const topics[] = {"events", "alerts", "assets", "health"};
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, PREFIX ".%s", topics[i]);
        cr_assert_eq(rd_kafka_mock_topic_create(mc, name, PARTS, 3), 0);
    }
    snprintf(bootstrap, sizeof bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(mc));
    struct envelope_conf ec = {.site = "test-site", .level = 3};
    cr_assert_eq(envelope_init(&env, &ec, err, sizeof err), 0);
}

static void teardown(void)
{
    envelope_free(&env);
    store_close(st);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mrk);
    metrics_free(&m);
    t_rmdir();
}

TestSuite(outbox, .init = setup, .fini = teardown, .timeout = 240);

static struct outbox *start(void)
{
    struct outbox *ob = NULL;
    struct outbox_opts o = {.dir = t_dir, .brokers = bootstrap, .prefix = PREFIX,
                            .properties = "message.timeout.ms=600000\n",
                            .env = &env, .busy_timeout_ms = 2000, .flush_timeout_ms = 3000,
                            .retention_days = 180, .m = &m};
    cr_assert_eq(outbox_start(&ob, &o, t_err, sizeof t_err), 0, "%s", t_err);
    return ob;
}

static int64_t lag(void)
{
    int64_t n = 0;
    for (int t = 0; t < TOPIC_COUNT; t++)
        n += atomic_load(&m.lag_events[t]);
    return n;
}

/* Waits until every stored event is delivered (lag 0 and the cursors at the end). */
static int wait_delivered(int seconds)
{
    uint64_t deadline = tz_mono_us() + (uint64_t)seconds * 1000000u;
    int64_t end = store_last_pos(st);
    while (tz_mono_us() < deadline) {
        int64_t c = atomic_load(&m.cursor[TOPIC_EVENTS]);
        int64_t h = atomic_load(&m.cursor[TOPIC_HEALTH]);
        if (lag() == 0 && (c == end || h == end))
            return 1;
        usleep(50000);
    }
    return 0;
}

/* Consumes every partition of the events and health topics from the beginning; counts
 * each (sensor, seq) in seen[seq] (sensor s1 only). Returns the messages read. */
static long consume_all(int *seen, int max_seq)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err), 0);
    rd_kafka_conf_set(conf, "group.id", "reconcile", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(2 * PARTS);
    for (int p = 0; p < PARTS; p++) {
        rd_kafka_topic_partition_list_add(parts, PREFIX ".events", p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_topic_partition_list_add(parts, PREFIX ".health", p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    cr_assert_eq(rd_kafka_assign(c, parts), 0);
    rd_kafka_topic_partition_list_destroy(parts);
    long n = 0;
    int eofs = 0;
    uint64_t deadline = tz_mono_us() + 60000000u;
    while (eofs < 2 * PARTS && tz_mono_us() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 200);
        if (!msg)
            continue;
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
        } else if (!msg->err) {
            n++;
            json_t *j = json_loadb(msg->payload, msg->len, 0, NULL);
            cr_assert_not_null(j, "a message that is not JSON");
            int64_t seq = json_integer_value(json_object_get(j, "seq"));
            cr_assert(seq >= 1 && seq <= max_seq, "seq %lld", (long long)seq);
            seen[seq]++;
            json_t *p = json_object_get(j, "platform");
            cr_assert_str_eq(json_string_value(json_object_get(p, "site")), "test-site");
            json_decref(j);
        }
        rd_kafka_message_destroy(msg);
    }
    cr_assert_eq(eofs, 2 * PARTS, "not every partition was read to its end");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return n;
}

static void put_range(uint64_t first, int batches, int events)
{
    struct store_put_result r;
    for (int b = 0; b < batches; b++)
        cr_assert_eq(t_put(st, "s1", first + (uint64_t)b * (uint64_t)events, events, &r), 0,
                     "%s", t_err);
}

static int64_t saved_cursor(const char *topic)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(pos), 0) FROM cursors WHERE topic = '%s'",
             topic);
    return t_int("meta.db", sql);
}

Test(outbox, errors_and_an_outage_only_delay)
{
    enum { N1 = 10000, N2 = 5000 };
    put_range(1, 20, 500);
    /* retriable produce errors first: librdkafka retries, nothing is lost */
    rd_kafka_mock_push_request_errors(mc, KAFKA_API_PRODUCE, 6,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                      RD_KAFKA_RESP_ERR__TRANSPORT,
                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                                      RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE);
    struct outbox *ob = start();
    cr_assert(wait_delivered(60), "not delivered: lag %lld", (long long)lag());
    cr_assert_eq(atomic_load(&m.kafka_delivered[TOPIC_EVENTS]) +
                     atomic_load(&m.kafka_delivered[TOPIC_HEALTH]),
                 N1, "each message reported delivered once");
    /* every broker down: storing goes on, forwarding waits, the cursors stay */
    for (int b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_down(mc, b);
    int64_t before = atomic_load(&m.cursor[TOPIC_EVENTS]);
    put_range(N1 + 1, 10, 500);
    usleep(2500000);
    cr_assert_eq(lag(), N2, "the lag is the backlog: %lld", (long long)lag());
    cr_assert_geq(atomic_load(&m.lag_us[TOPIC_EVENTS]), 2000000, "lag in seconds");
    cr_assert_eq(atomic_load(&m.cursor[TOPIC_EVENTS]), before, "no delivery, no move");
    for (int b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_up(mc, b);
    cr_assert(wait_delivered(90), "not delivered after the outage: lag %lld", (long long)lag());
    cr_assert_eq(outbox_stop(ob), 0);
    cr_assert_eq(saved_cursor("events"), N1 + N2 - 1, "the last ics is seq %d", N1 + N2 - 1);
    cr_assert_eq(saved_cursor("health"), N1 + N2);
    static int seen[N1 + N2 + 1];
    long n = consume_all(seen, N1 + N2);
    long dups = 0;
    for (int s = 1; s <= N1 + N2; s++) {
        cr_assert_geq(seen[s], 1, "seq %d never reached Kafka", s);
        dups += seen[s] - 1;
    }
    cr_log_info("outage: %ld messages for %d events, %ld duplicates", n, N1 + N2, dups);
}

Test(outbox, a_restart_resumes_at_the_cursors)
{
    enum { N = 6000 };
    put_range(1, 6, 500);
    struct outbox *ob = start();
    cr_assert(wait_delivered(60));
    cr_assert_eq(outbox_stop(ob), 0);
    int64_t c = saved_cursor("events");
    cr_assert_eq(c, 2999);
    /* more events while nothing forwards, then a new forwarder */
    put_range(3001, 6, 500);
    ob = start();
    cr_assert(wait_delivered(60));
    cr_assert_eq(atomic_load(&m.kafka_produced[TOPIC_EVENTS]), N / 2,
                 "1500 + 1500: the second run produced only what came after the cursor");
    outbox_stop(ob);
    static int seen[N + 1];
    long n = consume_all(seen, N);
    cr_assert_eq(n, N, "a clean stop and restart sends nothing twice");
    for (int s = 1; s <= N; s++)
        cr_assert_eq(seen[s], 1, "seq %d", s);
}

Test(outbox, a_fatal_producer_error_restarts_from_the_cursors)
{
    enum { N = 4000 };
    put_range(1, 8, 500);
    /* the idempotent producer cannot go on after these */
    rd_kafka_mock_push_request_errors(mc, KAFKA_API_PRODUCE, 3,
                                      RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                      RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                      RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    struct outbox *ob = start();
    cr_assert(wait_delivered(90), "lag %lld", (long long)lag());
    outbox_stop(ob);
    static int seen[N + 1];
    consume_all(seen, N);
    for (int s = 1; s <= N; s++)
        cr_assert_geq(seen[s], 1, "seq %d never reached Kafka", s);
    cr_log_info("fatal: %llu rewinds", (unsigned long long)atomic_load(&m.kafka_rewinds));
}
