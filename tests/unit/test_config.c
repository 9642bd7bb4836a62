/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - the table-driven config: defaults, YAML sections, bounds, unknown keys,
 * maps, bad YAML, and a --dump-config round trip (what is dumped loads back the same).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sensor.h"

static struct sensor_config c;
static char err[512];

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tz_cfg_%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

Test(config, defaults)
{
    cr_assert_eq(cfg_defaults(sensor_config_table, &c, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(c.sensor_id, "tanzhen");
    cr_expect_eq(c.workers, 2);
    cr_expect_eq(c.ndpi_enabled, 1);
    cr_expect_str_eq(c.zones, "");
}

Test(config, yaml_sections_and_maps)
{
    cfg_defaults(sensor_config_table, &c, err, sizeof err);
    const char *p = write_tmp("sensor:\n  id: plant-7\npipeline:\n  workers: 4\n"
                              "ndpi:\n  enabled: no\n"
                              "zones:\n  control: 10.1.0.0/16\n  office: \"192.168.0.0/24, 192.168.1.0/24\"\n");
    cr_assert_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(c.sensor_id, "plant-7");
    cr_expect_eq(c.workers, 4);
    cr_expect_eq(c.ndpi_enabled, 0);
    struct zone z[8];
    int n = zones_parse(c.zones, z, 8, err, sizeof err);
    cr_assert_eq(n, 3, "%s", err);
    uint8_t ip[16] = {192, 168, 1, 9};
    int i = zones_match(z, n, 4, ip);
    cr_assert_geq(i, 0);
    cr_expect_str_eq(z[i].name, "office");
    uint8_t other[16] = {8, 8, 8, 8};
    cr_expect_eq(zones_match(z, n, 4, other), -1);
    unlink(p);
}

Test(config, errors_name_the_key)
{
    cfg_defaults(sensor_config_table, &c, err, sizeof err);
    const char *p = write_tmp("pipeline:\n  workers: 1000\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    cr_expect(strstr(err, "pipeline.workers") && strstr(err, "out of bounds"), "%s", err);
    p = write_tmp("pipeline:\n  wrokers: 2\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    cr_expect(strstr(err, "unknown key 'pipeline.wrokers'"), "%s", err);
    p = write_tmp("bogus:\n  x: 1\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    cr_expect(strstr(err, "unknown section 'bogus'"), "%s", err);
    p = write_tmp("pipeline:\n  workers: [1, 2]\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    p = write_tmp("pipeline: {workers: 2\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    cr_expect(strstr(err, "YAML error"), "%s", err);
    p = write_tmp("ndpi:\n  enabled: maybe\n");
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, p, err, sizeof err), -1);
    cr_expect(strstr(err, "not a boolean"), "%s", err);
    cr_expect_eq(cfg_load_yaml(sensor_config_table, &c, "/nonexistent/x.yaml", err, sizeof err), -1);
    cr_expect(strstr(err, "cannot open"), "%s", err);
    unlink(p);
}

Test(config, dump_round_trip)
{
    cfg_defaults(sensor_config_table, &c, err, sizeof err);
    cfg_set(sensor_config_table, &c, "sensor.id", "a b:c", err, sizeof err);
    cfg_set(sensor_config_table, &c, "zones", "dmz=172.16.0.0/12", err, sizeof err);
    cfg_set(sensor_config_table, &c, "flows.max", "1024", err, sizeof err);
    char path[64];
    snprintf(path, sizeof path, "/tmp/tz_dump_%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    cfg_dump(sensor_config_table, &c, f);
    fclose(f);
    static struct sensor_config d;
    cfg_defaults(sensor_config_table, &d, err, sizeof err);
    cr_assert_eq(cfg_load_yaml(sensor_config_table, &d, path, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(d.sensor_id, "a b:c");
    cr_expect_str_eq(d.zones, "dmz=172.16.0.0/12\n");
    cr_expect_eq(d.flows_max, 1024);
    cr_expect_eq(memcmp(&c, &d, sizeof c), 0, "every key survives the round trip");
    unlink(path);
}

/* issue 10: --dump-config never prints a secret, in a string key or inside a map */
Test(config, dump_redacts_secrets)
{
    cr_assert(cfg_is_secret("sasl.password"));
    cr_assert(cfg_is_secret("ssl.key.password"));
    cr_assert(cfg_is_secret("ssl.keystore.password"));
    cr_assert(cfg_is_secret("sasl.oauthbearer.client.secret"));
    cr_assert(cfg_is_secret("Some.PASSWORD.thing"));
    cr_assert(!cfg_is_secret("sasl.username"));
    cr_assert(!cfg_is_secret("output.client_key"));
    static const struct cfg_opt tab[] = {
        {"db.password", CFG_STR, 0, 64, "", 0, 63, "a secret string"},
        {"db.user", CFG_STR, 64, 64, "", 0, 63, "not a secret"},
        {"kafka.properties", CFG_MAP, 128, 512, "", 0, 0, "a map"},
        CFG_END,
    };
    static char conf[640];
    cr_assert_eq(cfg_defaults(tab, conf, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cfg_set(tab, conf, "db.password", "hunter2", err, sizeof err), 0, "%s", err);
    cr_assert_eq(cfg_set(tab, conf, "db.user", "bob", err, sizeof err), 0, "%s", err);
    const char *p = write_tmp("kafka:\n  properties:\n    sasl.password: hunter3\n"
                              "    ssl.keystore.password: hunter4\n    acks: all\n");
    cr_assert_eq(cfg_load_yaml(tab, conf, p, err, sizeof err), 0, "%s", err);
    unlink(p);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    cfg_dump(tab, conf, f);
    fclose(f);
    cr_assert_null(strstr(out, "hunter"), "%s", out);
    cr_assert(strstr(out, "password: \"<redacted>\""), "%s", out);
    cr_assert(strstr(out, "user: bob"), "%s", out);
    cr_assert(strstr(out, "acks: all"), "%s", out);
    free(out);
}
