/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_envelope.c - what leaves for the platform (collector/envelope.c): the platform
 * object with only the configured keys, spliced into the event without touching its own
 * bytes; redaction of dotted paths, through arrays, with the removed paths listed; the
 * paths that identify an event refused; credit code and region code checks.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

static char err[512];

static const char ev_opcua[] =
    "{\"v\":1,\"type\":\"ics\",\"id\":\"a\",\"ts\":\"2024-05-01T08:00:00.000000Z\","
    "\"sensor\":\"s1\",\"seq\":7,\"proto\":\"opcua\",\"op\":\"session\",\"status\":\"ok\","
    "\"latency_us\":0.5,\"opcua\":{\"service\":\"ActivateSession\",\"identity\":\"username\","
    "\"nodes\":[{\"id\":\"ns=2;s=x\",\"user\":\"bob\"},{\"id\":\"i=85\",\"user\":\"eve\"}]}}";

static char *apply(const struct envelope *e, const char *ev, unsigned *red)
{
    size_t n = 0;
    char *out = envelope_apply(e, ev, strlen(ev), &n, red);
    cr_assert_not_null(out);
    char *s = malloc(n + 1);
    memcpy(s, out, n);
    s[n] = '\0';
    free(out);
    return s;
}

Test(envelope, the_platform_object_holds_the_configured_keys)
{
    struct envelope e;
    struct envelope_conf c = {.enterprise_name = "某某煤业有限公司",
                              .credit_code = "91350100M000100Y43",
                              .region_code = "140200",
                              .level = 3,
                              .site = "mine \"north\""};
    cr_assert_eq(envelope_init(&e, &c, err, sizeof err), 0, "%s", err);
    cr_assert(envelope_active(&e));
    unsigned red = 9;
    char *s = apply(&e, ev_opcua, &red);
    cr_assert_eq(red, 0);
    /* the event's bytes are kept, the object goes before the closing brace */
    size_t evlen = strlen(ev_opcua);
    cr_assert_eq(strncmp(s, ev_opcua, evlen - 1), 0, "%s", s);
    cr_assert_str_eq(s + evlen - 1,
                     ",\"platform\":{\"enterprise_name\":\"某某煤业有限公司\",\"credit_code\":"
                     "\"91350100M000100Y43\",\"region_code\":\"140200\",\"level\":3,"
                     "\"site\":\"mine \\\"north\\\"\"}}");
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
    cr_assert_not_null(j, "the result is JSON");
    json_decref(j);
    free(s);
    envelope_free(&e);
}

Test(envelope, only_configured_keys)
{
    struct envelope e;
    struct envelope_conf c = {.site = "plant-2"};
    cr_assert_eq(envelope_init(&e, &c, err, sizeof err), 0);
    unsigned red;
    char *s = apply(&e, "{\"v\":1} \n", &red);
    cr_assert_str_eq(s, "{\"v\":1,\"platform\":{\"site\":\"plant-2\"}}");
    free(s);
    s = apply(&e, "{ }", &red);
    cr_assert_str_eq(s, "{ \"platform\":{\"site\":\"plant-2\"}}", "an empty object gets no comma");
    free(s);
    envelope_free(&e);
    struct envelope_conf none = {0};
    cr_assert_eq(envelope_init(&e, &none, err, sizeof err), 0);
    cr_assert(!envelope_active(&e), "nothing configured: events leave as stored");
    envelope_free(&e);
}

Test(envelope, redaction_removes_paths_and_says_so)
{
    struct envelope e;
    struct envelope_conf c = {.site = "s",
                              .redact = "opcua.identity, opcua.nodes.user,modbus.req_values"};
    cr_assert_eq(envelope_init(&e, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(e.npaths, 3);
    unsigned red;
    char *s = apply(&e, ev_opcua, &red);
    cr_assert_eq(red, 2, "two paths matched (modbus.req_values is absent)");
    json_t *j = json_loads(s, 0, NULL);
    cr_assert_not_null(j, "%s", s);
    json_t *op = json_object_get(j, "opcua");
    cr_assert_null(json_object_get(op, "identity"));
    cr_assert_str_eq(json_string_value(json_object_get(op, "service")), "ActivateSession");
    json_t *nodes = json_object_get(op, "nodes");
    cr_assert_eq(json_array_size(nodes), 2);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_null(json_object_get(json_array_get(nodes, i), "user"), "through arrays");
        cr_assert_not_null(json_object_get(json_array_get(nodes, i), "id"));
    }
    json_t *p = json_object_get(j, "platform");
    cr_assert_str_eq(json_string_value(json_object_get(p, "site")), "s");
    json_t *r = json_object_get(p, "redacted");
    cr_assert_eq(json_array_size(r), 2);
    cr_assert_str_eq(json_string_value(json_array_get(r, 0)), "opcua.identity");
    cr_assert_str_eq(json_string_value(json_array_get(r, 1)), "opcua.nodes.user");
    /* the other fields keep their order and values */
    cr_assert_eq(json_integer_value(json_object_get(j, "seq")), 7);
    cr_assert(strncmp(s, "{\"v\":1,\"type\":\"ics\",\"id\":\"a\"", 28) == 0, "%s", s);
    cr_assert(strstr(s, "\"latency_us\":0.5") != NULL, "%s", s);
    json_decref(j);
    free(s);
    /* an event without those paths keeps its bytes */
    const char *plain = "{\"v\":1,\"type\":\"flow\",\"flow\":{\"app\":\"Modbus\"}}";
    s = apply(&e, plain, &red);
    cr_assert_eq(red, 0);
    cr_assert_str_eq(s, "{\"v\":1,\"type\":\"flow\",\"flow\":{\"app\":\"Modbus\"},"
                        "\"platform\":{\"site\":\"s\"}}");
    free(s);
    /* the key name appears, but not at that path: bytes kept */
    const char *elsewhere = "{\"v\":1,\"identity\":\"x\"}";
    s = apply(&e, elsewhere, &red);
    cr_assert_eq(red, 0);
    cr_assert_str_eq(s, "{\"v\":1,\"identity\":\"x\",\"platform\":{\"site\":\"s\"}}");
    free(s);
    envelope_free(&e);
}

Test(envelope, redaction_alone_adds_only_the_list)
{
    struct envelope e;
    struct envelope_conf c = {.redact = "opcua.identity"};
    cr_assert_eq(envelope_init(&e, &c, err, sizeof err), 0);
    unsigned red;
    char *s = apply(&e, "{\"v\":1,\"opcua\":{\"identity\":\"anonymous\"}}", &red);
    cr_assert_str_eq(s, "{\"v\":1,\"opcua\":{},\"platform\":{\"redacted\":[\"opcua.identity\"]}}");
    free(s);
    s = apply(&e, "{\"v\":1}", &red);
    cr_assert_str_eq(s, "{\"v\":1}", "nothing to add");
    free(s);
    envelope_free(&e);
}

Test(envelope, an_events_own_platform_key_is_replaced)
{
    struct envelope e;
    struct envelope_conf c = {.level = 2};
    cr_assert_eq(envelope_init(&e, &c, err, sizeof err), 0);
    unsigned red;
    char *s = apply(&e, "{\"v\":1,\"platform\":\"forged\",\"x\":2}", &red);
    cr_assert_str_eq(s, "{\"v\":1,\"platform\":{\"level\":2},\"x\":2}");
    free(s);
    envelope_free(&e);
}

Test(envelope, bad_values_are_refused)
{
    struct envelope e;
    static const struct {
        struct envelope_conf c;
        const char *needle;
    } bad[] = {
        {{.credit_code = "91350100M000100Y44"}, "envelope.credit_code"},
        {{.credit_code = "91350100M000100Y4"}, "envelope.credit_code"},
        {{.credit_code = "9135010OM000100Y43"}, "envelope.credit_code"},
        {{.region_code = "14020"}, "envelope.region_code"},
        {{.region_code = "14020a"}, "envelope.region_code"},
        {{.redact = "seq"}, "identifies the event"},
        {{.redact = "sensor"}, "identifies the event"},
        {{.redact = "platform"}, "identifies the event"},
        {{.redact = "opcua..identity"}, "empty"},
        {{.redact = "opcua.iden tity"}, "may only hold"},
        {{.redact = "a.b.c.d.e.f.g.h.i"}, "too deep"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(envelope_init(&e, &bad[i].c, err, sizeof err), -1, "case %zu accepted", i);
        cr_assert(strstr(err, bad[i].needle) != NULL, "case %zu: %s", i, err);
    }
    cr_assert_eq(envelope_check_credit_code("91440300708461136T"), 0);
    cr_assert_eq(envelope_check_credit_code("911100001000079554"), 0);
    struct envelope_conf ok = {.redact = "a.b, c"};
    cr_assert_eq(envelope_init(&e, &ok, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(e.path[1].text, "c");
    envelope_free(&e);
}
