/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_opcua.c - OPC UA binary dissector tests: one vector per message type
 * (opcua_vectors.h, OPC 10000-6 encodings, every field commented), request/response
 * pairing, multi-chunk reassembly, aborts, encrypted and signed channels, mid-stream
 * pickup, a table of malformed inputs and the every-prefix truncation loop.
 * Covers dissectors/opcua.c, opcua_chan.c, opcua_svc.c and opcua_types.c (the layers of one dissector).
 */
#include <criterion/criterion.h>

#include "opcua.h"
#include "opcua_vectors.h"
#include "pd_test.h"

#define T0 1700000000000000ull
#define V(x) x, sizeof x

static struct pdt *T;

static void setup(void)
{
    T = pdt_new(&pd_opcua);
}

static void teardown(void)
{
    pdt_free(T);
}

TestSuite(opcua, .init = setup, .fini = teardown);

static int req(const uint8_t *p, size_t n, uint64_t t)
{
    return pdt_parse(T, PD_DIR_TO_SERVER, t, p, n);
}

static int rsp(const uint8_t *p, size_t n, uint64_t t)
{
    return pdt_parse(T, PD_DIR_TO_CLIENT, t, p, n);
}

static void finish(void)
{
    pd_opcua.expire(&T->ctx, 1);
}

static void has(int i, const char *s)
{
    cr_assert(strstr(T->json[i], s), "event %d lacks %s:\n%s", i, s, T->json[i]);
}

static void lacks(int i, const char *s)
{
    cr_assert(!strstr(T->json[i], s), "event %d has %s:\n%s", i, s, T->json[i]);
}

/* Whether the n bytes at s occur anywhere in the n_hay bytes at hay. */
static int bytes_contain(const void *hay, size_t n_hay, const char *s, size_t n)
{
    const uint8_t *h = hay;
    for (size_t i = 0; n && i + n <= n_hay; i++)
        if (memcmp(h + i, s, n) == 0)
            return 1;
    return 0;
}

/* Neither the text s nor its hex form (how ByteStrings are written) is in event i. */
static void lacks_secret(int i, const char *s)
{
    char hex[128];
    size_t n = strlen(s);
    cr_assert_lt(2 * n, sizeof hex);
    for (size_t k = 0; k < n; k++)
        snprintf(hex + 2 * k, 3, "%02x", (unsigned)(uint8_t)s[k]);
    lacks(i, s);
    lacks(i, hex);
}

/* Token secrets of v_activate_x509 and v_activate_issued (gen_opcua_vectors.py). */
static const char *const token_secrets[] = {
    "tz-x509-cert-SECRET", "tz-issued-SECRET", "eyJhbGciOiJSUzI1NiJ9",
    "certificate_basic256sha256", "issued_jwt",
};
#define N_SECRETS (sizeof token_secrets / sizeof token_secrets[0])

static int secret_hits; /* records handed to emit() that held a token secret */

/* emit() that looks through the decoded record for the secrets before encoding it. */
static void secret_emit(struct pd_ctx *ctx, const struct pd_txn *t)
{
    for (size_t k = 0; k < N_SECRETS; k++)
        if (t->rec && bytes_contain(t->rec, sizeof(struct opcua_rec), token_secrets[k],
                                    strlen(token_secrets[k])))
            secret_hits++;
    pdt_emit(ctx, t);
}

static void one_event(uint8_t op, uint8_t status)
{
    cr_assert_eq(T->n_events, 1, "events: %d", T->n_events);
    cr_assert_eq(T->txn[0].proto, PD_PROTO_OPCUA);
    cr_assert_eq(T->txn[0].op, op, "op %d", T->txn[0].op);
    cr_assert_eq(T->txn[0].status, status, "status %d", T->txn[0].status);
    cr_assert_eq(T->n_anomalies, 0, "anomaly %s", T->anomaly_kind[0]);
}

/* A channel opened with SecurityPolicy#None: no events left behind. */
static void open_clear_channel(void)
{
    cr_assert_eq(req(V(v_opn_req), T0 - 2000), 0);
    cr_assert_eq(rsp(V(v_opn_resp), T0 - 1000), 0);
    T->n_events = 0;
}

Test(opcua, hel_ack_pair)
{
    cr_assert_eq(req(V(v_hel), T0), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(rsp(V(v_ack), T0 + 500), 0);
    one_event(PD_OP_SESSION, PD_ST_OK);
    cr_assert_eq(T->txn[0].req_dir, PD_DIR_TO_SERVER);
    cr_assert_eq(T->txn[0].ts_us, T0);
    cr_assert(T->txn[0].has_latency);
    cr_assert_eq(T->txn[0].latency_us, 500);
    has(0, "\"msg_type\":\"HEL\"");
    has(0, "\"endpoint\":\"opc.tcp://plc1:4840/ua\"");
    has(0, "\"hello\":{\"version\":0,\"recv_buf\":65535,\"send_buf\":65535,\"max_msg\":0,\"max_chunks\":0}");
    has(0, "\"ack\":{\"version\":0,\"recv_buf\":65535,\"send_buf\":65535,\"max_msg\":2097152,\"max_chunks\":64}");
}

Test(opcua, hel_err_pair)
{
    req(V(v_hel), T0);
    cr_assert_eq(rsp(V(v_err), T0 + 100), 0);
    one_event(PD_OP_SESSION, PD_ST_EXCEPTION);
    has(0, "\"status\":\"0x80830000\",\"status_name\":\"BadTcpEndpointUrlInvalid\"");
    has(0, "\"reason\":\"unknown endpoint\"");
}

Test(opcua, err_alone_and_rhe)
{
    cr_assert_eq(rsp(V(v_err), T0), 0);
    cr_assert_eq(rsp(V(v_rhe), T0 + 1), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].status, PD_ST_EXCEPTION);
    has(0, "\"msg_type\":\"ERR\"");
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    has(1, "\"msg_type\":\"RHE\"");
    has(1, "\"endpoint\":\"opc.tcp://plc1:4840\"");
}

Test(opcua, opn_none_pair)
{
    cr_assert_eq(req(V(v_opn_req), T0), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(rsp(V(v_opn_resp), T0 + 300), 0);
    one_event(PD_OP_SESSION, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 300);
    has(0, "\"msg_type\":\"OPN\"");
    has(0, "\"channel\":7,\"token\":3,\"seq\":51,\"req_id\":1");
    has(0, "\"service\":\"OpenSecureChannel\",\"service_id\":446,\"resp_service_id\":449");
    has(0, "\"security_policy\":\"http://opcfoundation.org/UA/SecurityPolicy#None\"");
    has(0, "\"security_mode\":\"None\"");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    lacks(0, "encrypted");
}

Test(opcua, opn_basic256sha256_encrypted)
{
    cr_assert_eq(req(V(v_opn_b256_req), T0), 0);
    cr_assert_eq(rsp(V(v_opn_b256_resp), T0 + 900), 0);
    one_event(PD_OP_SESSION, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 900);
    has(0, "\"msg_type\":\"OPN\"");
    has(0, "\"channel\":9");
    has(0, "\"service\":\"OpenSecureChannel\"");
    has(0, "SecurityPolicy#Basic256Sha256\"");
    has(0, "\"encrypted\":true");
    lacks(0, "req_id");
    lacks(0, "service_id");
    /* the channel's MSG bodies are encrypted: metadata, never garbage */
    cr_assert_eq(req(V(v_msg_enc), T0 + 2000), 0);
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_eq(T->txn[1].op, PD_OP_OTHER);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
    has(1, "\"msg_type\":\"MSG\",\"chunk\":\"F\",\"channel\":9,\"token\":1");
    has(1, "\"encrypted\":true");
    lacks(1, "req_id");
    /* the server's encrypted answer: its RequestId is encrypted, so it is not called
     * response_only (nothing says its request was missed); the client still the requester */
    cr_assert_eq(rsp(V(v_msg_enc), T0 + 2100), 0);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->txn[2].status, PD_ST_OK);
    has(2, "\"encrypted\":true");
    cr_assert_eq(T->txn[2].req_dir, PD_DIR_TO_SERVER);
    cr_assert_eq(T->n_anomalies, 0);
}

Test(opcua, signed_msg_is_decoded)
{
    req(V(v_opn_b256_req), T0);
    rsp(V(v_opn_b256_resp), T0 + 1);
    T->n_events = 0;
    cr_assert_eq(req(V(v_msg_signed), T0 + 2), 0);
    finish();
    one_event(PD_OP_READ, PD_ST_NO_RESPONSE);
    has(0, "\"service\":\"Read\"");
    has(0, "\"nodes\":[\"i=2258\"]");
    lacks(0, "encrypted");
}

Test(opcua, read_pair_values)
{
    open_clear_channel();
    cr_assert_eq(req(V(v_read_req), T0), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(rsp(V(v_read_resp), T0 + 1234), 0);
    one_event(PD_OP_READ, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 1234);
    has(0, "\"req_id\":2,\"service\":\"Read\",\"service_id\":631,\"resp_service_id\":634");
    has(0, "\"nodes_total\":6");
    has(0, "\"nodes\":[\"ns=2;s=Temperature\",\"i=2258\",\"ns=1;i=1001\",\"ns=2;s=Mode\","
           "\"ns=2;s=Counts\",\"ns=2;s=Running\"]");
    has(0, "\"attribute_ids\":[13,13,13,13,13,13]");
    has(0, "{\"type\":\"Double\",\"value\":21.5}");
    has(0, "{\"type\":\"DateTime\",\"value\":\"2022-06-18T04:26:40.000000Z\"}");
    has(0, "{\"status\":\"0x80340000\",\"status_name\":\"BadNodeIdUnknown\"}");
    has(0, "{\"type\":\"String\",\"value\":\"automatic\"}");
    has(0, "{\"type\":\"Int32\",\"array_len\":3}");
    has(0, "{\"type\":\"Boolean\",\"value\":true}");
    has(0, "\"security_mode\":\"None\"");
}

Test(opcua, read_service_fault)
{
    open_clear_channel();
    req(V(v_read_req), T0);
    cr_assert_eq(rsp(V(v_fault), T0 + 10), 0);
    one_event(PD_OP_READ, PD_ST_EXCEPTION);
    has(0, "\"service\":\"Read\",\"service_id\":631,\"resp_service_id\":397");
    has(0, "\"status\":\"0x80250000\",\"status_name\":\"BadSessionIdInvalid\"");
}

Test(opcua, server_abort_ends_request)
{
    open_clear_channel();
    req(V(v_read_req), T0);
    cr_assert_eq(rsp(V(v_abort_server), T0 + 10), 0);
    one_event(PD_OP_READ, PD_ST_EXCEPTION);
    has(0, "\"chunk\":\"A\"");
    has(0, "\"aborted\":true");
    has(0, "\"status_name\":\"BadResponseTooLarge\"");
    has(0, "\"reason\":\"response too large\"");
}

Test(opcua, write_pair)
{
    open_clear_channel();
    req(V(v_write_req), T0);
    rsp(V(v_write_resp), T0 + 5);
    one_event(PD_OP_WRITE, PD_ST_OK);
    has(0, "\"service\":\"Write\"");
    has(0, "\"nodes\":[\"ns=2;s=Setpoint\",\"ns=2;i=5001\"]");
    has(0, "\"values\":[{\"type\":\"Float\",\"value\":42.5},{\"type\":\"UInt16\",\"value\":7}]");
    has(0, "\"results\":[\"Good\",\"BadNotWritable\"]");
}

Test(opcua, call_pair)
{
    open_clear_channel();
    req(V(v_call_req), T0);
    rsp(V(v_call_resp), T0 + 5);
    one_event(PD_OP_CONTROL, PD_ST_OK);
    has(0, "\"service\":\"Call\",\"service_id\":712");
    has(0, "\"object\":\"ns=2;s=Pump1\",\"method\":\"ns=2;s=Pump1.Start\",\"methods\":1,\"args\":2");
    has(0, "\"values\":[{\"type\":\"Int32\",\"value\":1500},{\"type\":\"String\",\"value\":\"fast\"}]");
    has(0, "\"method_status\":\"Good\"");
}

Test(opcua, browse_pair)
{
    open_clear_channel();
    req(V(v_browse_req), T0);
    rsp(V(v_browse_resp), T0 + 5);
    one_event(PD_OP_READ, PD_ST_OK);
    has(0, "\"service\":\"Browse\"");
    has(0, "\"nodes\":[\"i=85\"]");
    has(0, "\"results\":[\"Good\"]");
    has(0, "\"references\":2");
}

Test(opcua, browse_next_pair)
{
    open_clear_channel();
    cr_assert_eq(req(V(v_browse_next_req), T0), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(rsp(V(v_browse_next_resp), T0 + 8), 0);
    one_event(PD_OP_READ, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 8);
    has(0, "\"seq\":91,\"req_id\":21,\"service\":\"BrowseNext\",\"service_id\":533,"
           "\"resp_service_id\":536");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    /* two continuation points asked for, two BrowseResults back */
    has(0, "\"nodes_total\":2,\"results\":[\"Good\",\"BadContinuationPointInvalid\"]");
    has(0, "\"references\":2");
    lacks(0, "\"nodes\":"); /* a continuation point is no node id */
}

Test(opcua, browse_next_request_alone)
{
    open_clear_channel();
    cr_assert_eq(req(V(v_browse_next_req), T0), 0);
    finish();
    one_event(PD_OP_READ, PD_ST_NO_RESPONSE);
    has(0, "\"req_id\":21,\"service\":\"BrowseNext\",\"service_id\":533");
    has(0, "\"nodes_total\":2");
    lacks(0, "\"results\"");
    lacks(0, "\"references\"");
}

Test(opcua, create_session_pair)
{
    open_clear_channel();
    req(V(v_create_session_req), T0);
    rsp(V(v_create_session_resp), T0 + 5);
    one_event(PD_OP_SESSION, PD_ST_OK);
    has(0, "\"service\":\"CreateSession\",\"service_id\":461,\"resp_service_id\":464");
    has(0, "\"endpoint\":\"opc.tcp://plc1:4840/ua\"");
    has(0, "\"session_name\":\"tz-session-1\"");
}

Test(opcua, activate_identity_without_secrets)
{
    open_clear_channel();
    req(V(v_activate_anon), T0);
    req(V(v_activate_user), T0 + 1);
    rsp(V(v_activate_resp), T0 + 5);
    finish();
    cr_assert_eq(T->n_events, 2);
    /* RequestId 8 (user name) is answered first; RequestId 7 expires */
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    has(0, "\"req_id\":8");
    has(0, "\"identity\":\"username\"");
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE);
    has(1, "\"identity\":\"anonymous\"");
    for (int i = 0; i < 2; i++) {
        lacks(i, "S3cr3t");
        lacks(i, "Pa55");
        lacks(i, "operator7");
        lacks(i, "username_basic");
    }
}

Test(opcua, activate_certificate_and_issued_without_secrets)
{
    open_clear_channel();
    T->ctx.emit = secret_emit;
    secret_hits = 0;
    cr_assert_eq(req(V(v_activate_x509), T0), 0);
    cr_assert_eq(req(V(v_activate_issued), T0 + 1), 0);
    cr_assert_eq(T->n_events, 0);
    /* the pending records live in the flow state: no secret was copied into it */
    for (size_t k = 0; k < N_SECRETS; k++)
        cr_assert(!bytes_contain(T->state, pd_opcua.state_size, token_secrets[k],
                                 strlen(token_secrets[k])),
                  "flow state holds %s", token_secrets[k]);
    finish();
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    has(0, "\"req_id\":22,\"service\":\"ActivateSession\",\"service_id\":467");
    has(0, "\"identity\":\"certificate\"");
    cr_assert_eq(T->txn[1].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE);
    has(1, "\"req_id\":23,\"service\":\"ActivateSession\",\"service_id\":467");
    has(1, "\"identity\":\"issued\"");
    for (int i = 0; i < 2; i++)
        for (size_t k = 0; k < N_SECRETS; k++)
            lacks_secret(i, token_secrets[k]);
    cr_assert_eq(secret_hits, 0, "a decoded record held a token secret");
}

Test(opcua, close_session_and_clo)
{
    open_clear_channel();
    req(V(v_close_session_req), T0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(req(V(v_clo), T0 + 1), 0);
    cr_assert_eq(T->n_events, 1); /* CLO has no response: reported at once */
    cr_assert_eq(T->txn[0].op, PD_OP_SESSION);
    cr_assert_eq(T->txn[0].status, PD_ST_OK);
    has(0, "\"msg_type\":\"CLO\"");
    has(0, "\"service\":\"CloseSecureChannel\",\"service_id\":452");
    finish();
    cr_assert_eq(T->n_events, 2);
    has(1, "\"service\":\"CloseSession\"");
    cr_assert_eq(T->txn[1].status, PD_ST_NO_RESPONSE);
}

Test(opcua, subscription_and_monitored_items)
{
    open_clear_channel();
    req(V(v_create_sub_req), T0);
    rsp(V(v_create_sub_resp), T0 + 1);
    req(V(v_create_mon_req), T0 + 2);
    finish();
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_OTHER);
    has(0, "\"service\":\"CreateSubscription\"");
    has(0, "\"subscription_id\":17");
    has(1, "\"service\":\"CreateMonitoredItems\"");
    has(1, "\"nodes\":[\"ns=2;s=Temperature\"]");
    has(1, "\"handles\":[42]");
    has(1, "\"subscription_id\":17");
}

Test(opcua, publish_notifications)
{
    open_clear_channel();
    req(V(v_publish_req), T0);
    rsp(V(v_publish_resp), T0 + 50);
    one_event(PD_OP_REPORT, PD_ST_OK); /* notifications: a report */
    has(0, "\"service\":\"Publish\"");
    has(0, "\"handles\":[42,43]");
    has(0, "\"values\":[{\"type\":\"Double\",\"value\":3.25},{\"type\":\"Int16\",\"value\":-7,"
           "\"status\":\"0x40900000\",\"status_name\":\"UncertainLastUsableValue\"}]");
    has(0, "\"notifications\":{\"data_changes\":2,\"events\":1,\"status_changes\":0}");
    has(0, "\"subscription_id\":17");
}

Test(opcua, discovery)
{
    open_clear_channel();
    req(V(v_getendpoints_req), T0);
    rsp(V(v_getendpoints_resp), T0 + 5);
    req(V(v_find_servers_req), T0 + 6);
    finish();
    cr_assert_eq(T->n_events, 2);
    cr_assert_eq(T->txn[0].op, PD_OP_IDENTIFY);
    has(0, "\"service\":\"GetEndpoints\"");
    has(0, "\"endpoint\":\"opc.tcp://plc1:4840\"");
    has(0, "\"found\":1");
    cr_assert_eq(T->txn[1].op, PD_OP_IDENTIFY);
    has(1, "\"service\":\"FindServers\"");
    has(1, "\"endpoint\":\"opc.tcp://lds:4840\"");
}

Test(opcua, find_servers_pair)
{
    open_clear_channel();
    req(V(v_find_servers_req), T0);
    cr_assert_eq(rsp(V(v_find_servers_resp), T0 + 4), 0);
    one_event(PD_OP_IDENTIFY, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 4);
    has(0, "\"req_id\":14,\"service\":\"FindServers\",\"service_id\":422,"
           "\"resp_service_id\":425");
    has(0, "\"endpoint\":\"opc.tcp://lds:4840\"");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    has(0, "\"found\":2");
    lacks(0, "urn:plc1"); /* only the count of ApplicationDescriptions is kept */
}

Test(opcua, history_translate_add_delete)
{
    open_clear_channel();
    req(V(v_history_req), T0);
    req(V(v_translate_req), T0 + 1);
    req(V(v_add_nodes_req), T0 + 2);
    req(V(v_delete_nodes_req), T0 + 3);
    finish();
    cr_assert_eq(T->n_events, 4);
    cr_assert_eq(T->n_anomalies, 0);
    cr_assert_eq(T->txn[0].op, PD_OP_READ);
    has(0, "\"service\":\"HistoryRead\"");
    has(0, "\"nodes\":[\"ns=2;s=Temperature\"]");
    has(1, "\"service\":\"TranslateBrowsePathsToNodeIds\"");
    has(1, "\"nodes\":[\"i=84\"]");
    cr_assert_eq(T->txn[2].op, PD_OP_WRITE);
    has(2, "\"service\":\"AddNodes\"");
    has(2, "\"nodes\":[\"ns=2;s=NewVar\"]");
    cr_assert_eq(T->txn[3].op, PD_OP_WRITE);
    has(3, "\"service\":\"DeleteNodes\"");
    has(3, "\"nodes\":[\"ns=2;s=OldVar\"]");
}

Test(opcua, translate_pair)
{
    open_clear_channel();
    req(V(v_translate_req), T0);
    cr_assert_eq(rsp(V(v_translate_resp), T0 + 3), 0);
    one_event(PD_OP_READ, PD_ST_OK);
    cr_assert_eq(T->txn[0].latency_us, 3);
    has(0, "\"req_id\":16,\"service\":\"TranslateBrowsePathsToNodeIds\",\"service_id\":554,"
           "\"resp_service_id\":557");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    has(0, "\"nodes_total\":1,\"nodes\":[\"i=84\"],\"results\":[\"Good\"]");
}

Test(opcua, add_nodes_pair)
{
    open_clear_channel();
    req(V(v_add_nodes_req), T0);
    cr_assert_eq(rsp(V(v_add_nodes_resp), T0 + 3), 0);
    one_event(PD_OP_WRITE, PD_ST_OK);
    has(0, "\"req_id\":17,\"service\":\"AddNodes\",\"service_id\":488,\"resp_service_id\":491");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    has(0, "\"nodes_total\":1,\"nodes\":[\"ns=2;s=NewVar\"],\"results\":[\"Good\"]");
}

Test(opcua, add_nodes_server_chosen_id)
{
    open_clear_channel();
    req(V(v_add_nodes2_req), T0);
    cr_assert_eq(rsp(V(v_add_nodes2_resp), T0 + 3), 0);
    one_event(PD_OP_WRITE, PD_ST_OK);
    has(0, "\"req_id\":24,\"service\":\"AddNodes\",\"service_id\":488,\"resp_service_id\":491");
    /* item 0 asked for no id: the one the server chose is shown; item 1 was refused,
     * its null AddedNodeId does not replace the id it asked for */
    has(0, "\"nodes_total\":2,\"nodes\":[\"ns=2;i=7001\",\"ns=2;s=Dup\"],"
           "\"results\":[\"Good\",\"BadNodeIdExists\"]");
}

Test(opcua, add_nodes_response_only)
{
    /* no request seen: the AddedNodeIds are all there is to show */
    open_clear_channel();
    cr_assert_eq(rsp(V(v_add_nodes2_resp), T0), 0);
    one_event(PD_OP_WRITE, PD_ST_RESPONSE_ONLY);
    has(0, "\"service\":\"AddNodes\",\"service_id\":491");
    has(0, "\"nodes_total\":2,\"nodes\":[\"ns=2;i=7001\",\"i=0\"],"
           "\"results\":[\"Good\",\"BadNodeIdExists\"]");
}

Test(opcua, delete_nodes_pair)
{
    open_clear_channel();
    req(V(v_delete_nodes_req), T0);
    cr_assert_eq(rsp(V(v_delete_nodes_resp), T0 + 3), 0);
    one_event(PD_OP_WRITE, PD_ST_OK); /* the service succeeded; the operation did not */
    has(0, "\"req_id\":18,\"service\":\"DeleteNodes\",\"service_id\":500,"
           "\"resp_service_id\":503");
    has(0, "\"status\":\"0x00000000\",\"status_name\":\"Good\"");
    has(0, "\"nodes_total\":1,\"nodes\":[\"ns=2;s=OldVar\"],\"results\":[\"BadUserAccessDenied\"]");
}

Test(opcua, multi_chunk_reassembly)
{
    open_clear_channel();
    cr_assert_eq(req(V(v_chunk_c1), T0), 0);
    cr_assert_eq(req(V(v_chunk_c2), T0 + 1), 0);
    cr_assert_eq(T->n_events, 0);
    cr_assert_eq(req(V(v_chunk_f3), T0 + 2), 0);
    finish();
    one_event(PD_OP_WRITE, PD_ST_NO_RESPONSE);
    cr_assert_eq(T->txn[0].ts_us, T0); /* the first chunk's time */
    has(0, "\"chunk\":\"F\",\"chunks\":3");
    has(0, "\"seq\":80,\"req_id\":19");
    has(0, "\"nodes\":[\"ns=2;s=Valve1\",\"ns=2;s=Valve2\",\"ns=2;s=Valve3\"]");
    has(0, "\"values\":[{\"type\":\"Double\",\"value\":1},{\"type\":\"Double\",\"value\":2},"
           "{\"type\":\"Double\",\"value\":3}]");
}

Test(opcua, client_abort_chunk)
{
    open_clear_channel();
    req(V(v_chunk_c1), T0);
    cr_assert_eq(req(V(v_abort_client), T0 + 1), 0);
    one_event(PD_OP_OTHER, PD_ST_EXCEPTION);
    has(0, "\"chunk\":\"A\"");
    has(0, "\"req_id\":19");
    has(0, "\"aborted\":true");
    has(0, "\"status_name\":\"BadRequestTooLarge\"");
    /* the aborted message is gone: its last chunk alone is no Write of three valves */
    T->n_events = 0;
    req(V(v_chunk_f3), T0 + 2);
    finish();
    for (int i = 0; i < T->n_events; i++) {
        lacks(i, "Valve");
        lacks(i, "\"service\":\"Write\"");
    }
}

Test(opcua, reassembly_cap)
{
    /* 30 'C' chunks of 1000 bytes: more than OPCUA_REASM_CAP, decoded as far as kept */
    open_clear_channel();
    static uint8_t chunk[1024];
    memcpy(chunk, v_chunk_c1, 24); /* header, channel, token, seq, req_id of chunk 1 */
    uint32_t size = 1024;
    chunk[4] = (uint8_t)size;
    chunk[5] = (uint8_t)(size >> 8);
    memcpy(chunk + 24, v_chunk_c1 + 24, sizeof v_chunk_c1 - 24); /* the request's start */
    for (int i = 0; i < 30; i++) {
        cr_assert_eq(req(chunk, sizeof chunk, T0 + (uint64_t)i), 0);
        memset(chunk + 24, 0, sizeof chunk - 24);
    }
    cr_assert_eq(req(V(v_chunk_f3), T0 + 40), 0);
    finish();
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->n_anomalies, 1);
    cr_assert_str_eq(T->anomaly_kind[0], "reassembly_overflow");
    has(0, "\"reassembly_truncated\":true");
    has(0, "\"service\":\"Write\"");
}

Test(opcua, pairing_out_of_order_and_response_only)
{
    open_clear_channel();
    req(V(v_write_req), T0);
    req(V(v_read_req), T0 + 1);
    rsp(V(v_read_resp), T0 + 10);
    rsp(V(v_write_resp), T0 + 20);
    cr_assert_eq(T->n_events, 2);
    has(0, "\"service\":\"Read\"");
    cr_assert_eq(T->txn[0].latency_us, 9);
    has(1, "\"service\":\"Write\"");
    cr_assert_eq(T->txn[1].latency_us, 20);
    rsp(V(v_read_resp), T0 + 30);
    cr_assert_eq(T->n_events, 3);
    cr_assert_eq(T->txn[2].status, PD_ST_RESPONSE_ONLY);
    cr_assert_eq(T->txn[2].req_dir, PD_DIR_TO_SERVER);
    has(2, "\"service\":\"Read\",\"service_id\":634");
}

Test(opcua, mid_stream_pickup)
{
    /* no HEL, no OPN: the MSG chunks alone are decoded */
    uint8_t buf[512];
    static const uint8_t junk[] = {0x13, 0x37, 0x4d, 0x53, 0x47, 0x00, 0xff, 0x01, 0x02};
    memcpy(buf, junk, sizeof junk);
    memcpy(buf + sizeof junk, v_read_req, sizeof v_read_req);
    size_t n = sizeof junk + sizeof v_read_req;
    cr_assert_lt(pd_opcua.pdu_len(buf, n), 0);
    cr_assert_eq(pd_opcua.resync(buf, n), (long)sizeof junk);
    cr_assert_eq(pd_opcua.pdu_len(buf + sizeof junk, n - sizeof junk), (long)sizeof v_read_req);
    cr_assert_eq(req(buf + sizeof junk, sizeof v_read_req, T0), 0);
    cr_assert_eq(rsp(V(v_read_resp), T0 + 7), 0);
    one_event(PD_OP_READ, PD_ST_OK);
    lacks(0, "encrypted");
    lacks(0, "security_policy");
    has(0, "\"channel\":7,\"token\":3,\"seq\":52,\"req_id\":2");
}

Test(opcua, expire_by_timeout_but_not_publish)
{
    open_clear_channel();
    req(V(v_read_req), T0);
    req(V(v_publish_req), T0);
    T->ctx.now_us = T0 + T->lim.txn_timeout_us + 1;
    pd_opcua.expire(&T->ctx, 0);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    has(0, "\"service\":\"Read\"");
    finish();
    cr_assert_eq(T->n_events, 2);
    has(1, "\"service\":\"Publish\"");
}

Test(opcua, pending_table_full_evicts_oldest)
{
    open_clear_channel();
    T->lim.max_pending = 1;
    req(V(v_write_req), T0);
    req(V(v_read_req), T0 + 1);
    cr_assert_eq(T->n_events, 1);
    cr_assert_eq(T->txn[0].status, PD_ST_NO_RESPONSE);
    has(0, "\"service\":\"Write\"");
    rsp(V(v_read_resp), T0 + 2);
    cr_assert_eq(T->txn[1].status, PD_ST_OK);
}

Test(opcua, items_capped_by_limits)
{
    open_clear_channel();
    T->lim.max_items = 2;
    req(V(v_read_req), T0);
    rsp(V(v_read_resp), T0 + 1);
    one_event(PD_OP_READ, PD_ST_OK);
    has(0, "\"nodes_total\":6");
    has(0, "\"nodes\":[\"ns=2;s=Temperature\",\"i=2258\"]");
    has(0, "\"values\":[{\"type\":\"Double\",\"value\":21.5},{\"type\":\"DateTime\"");
}

Test(opcua, probe)
{
    cr_assert_eq(pd_opcua.probe(V(v_hel), PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_ack), PD_DIR_TO_CLIENT), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_err), PD_DIR_TO_CLIENT), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_rhe), PD_DIR_TO_CLIENT), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_opn_req), PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_opn_b256_req), PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_read_req), PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(V(v_clo), PD_DIR_TO_SERVER), PD_PROBE_YES);
    cr_assert_eq(pd_opcua.probe(v_hel, 5, PD_DIR_TO_SERVER), PD_PROBE_NEED_MORE);
    cr_assert_eq(pd_opcua.probe(v_hel, 20, PD_DIR_TO_SERVER), PD_PROBE_NEED_MORE);
    cr_assert_eq(pd_opcua.probe(v_opn_req, 20, PD_DIR_TO_SERVER), PD_PROBE_NEED_MORE);
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const uint8_t mbap[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a};
    cr_assert_eq(pd_opcua.probe(V(http), PD_DIR_TO_SERVER), PD_PROBE_NO);
    cr_assert_eq(pd_opcua.probe(V(mbap), PD_DIR_TO_SERVER), PD_PROBE_NO);
    /* HEL with protocol version 1, or a 16-byte receive buffer, is not believed */
    uint8_t hel[sizeof v_hel];
    memcpy(hel, v_hel, sizeof hel);
    hel[8] = 1;
    cr_assert_eq(pd_opcua.probe(V(hel), PD_DIR_TO_SERVER), PD_PROBE_NO);
    memcpy(hel, v_hel, sizeof hel);
    hel[12] = 16;
    hel[13] = 0;
    cr_assert_eq(pd_opcua.probe(V(hel), PD_DIR_TO_SERVER), PD_PROBE_NO);
    /* MSG with channel 0, OPN with a policy that is no UA policy */
    uint8_t msg[sizeof v_read_req];
    memcpy(msg, v_read_req, sizeof msg);
    msg[8] = 0;
    cr_assert_eq(pd_opcua.probe(V(msg), PD_DIR_TO_SERVER), PD_PROBE_NO);
    uint8_t opn[sizeof v_opn_req];
    memcpy(opn, v_opn_req, sizeof opn);
    opn[20] = 'X';
    cr_assert_eq(pd_opcua.probe(V(opn), PD_DIR_TO_SERVER), PD_PROBE_NO);
}

Test(opcua, pdu_len)
{
    cr_assert_eq(pd_opcua.pdu_len(v_hel, 7), 0);
    cr_assert_eq(pd_opcua.pdu_len(v_hel, 8), (long)sizeof v_hel);
    cr_assert_eq(pd_opcua.pdu_len(V(v_publish_resp)), (long)sizeof v_publish_resp);
    cr_assert_eq(pd_opcua.pdu_len(V(v_chunk_c1)), (long)sizeof v_chunk_c1);
    cr_assert_lt(pd_opcua.pdu_len(V(m_bad_type)), 0);
    cr_assert_lt(pd_opcua.pdu_len(V(m_hel_chunk_c)), 0);
    uint8_t big[8] = {'M', 'S', 'G', 'F', 0x09, 0x00, 0x01, 0x00}; /* 65545 */
    cr_assert_lt(pd_opcua.pdu_len(V(big)), 0);
    big[4] = 0x08; /* 65544: the largest */
    cr_assert_eq(pd_opcua.pdu_len(V(big)), 65544);
    uint8_t tiny[8] = {'M', 'S', 'G', 'F', 0x07, 0x00, 0x00, 0x00};
    cr_assert_lt(pd_opcua.pdu_len(V(tiny)), 0);
    cr_assert_eq(pd_opcua.resync(V(m_bad_type)), -1);
}

struct bad_case {
    const char *name;
    const uint8_t *p;
    size_t n;
    uint8_t dir;
};

#define BAD(v, d) {#v, v, sizeof v, d}

static const struct bad_case bad_cases[] = {
    BAD(m_hel_short, PD_DIR_TO_SERVER),       BAD(m_ack_short, PD_DIR_TO_CLIENT),
    BAD(m_err_reason_long, PD_DIR_TO_CLIENT), BAD(m_hel_chunk_c, PD_DIR_TO_SERVER),
    BAD(m_msg_chunk_x, PD_DIR_TO_SERVER),     BAD(m_bad_type, PD_DIR_TO_SERVER),
    BAD(m_size_past_end, PD_DIR_TO_SERVER),   BAD(m_opn_policy_huge, PD_DIR_TO_SERVER),
    BAD(m_msg_no_token, PD_DIR_TO_SERVER),    BAD(m_msg_no_reqid, PD_DIR_TO_SERVER),
    BAD(m_nodeid_enc, PD_DIR_TO_SERVER),      BAD(m_read_count, PD_DIR_TO_SERVER),
    BAD(m_variant_type, PD_DIR_TO_CLIENT),    BAD(m_datavalue_mask, PD_DIR_TO_CLIENT),
    BAD(m_variant_dims, PD_DIR_TO_CLIENT),    BAD(m_string_negative, PD_DIR_TO_SERVER),
    BAD(m_deep_variant, PD_DIR_TO_SERVER),    BAD(m_diag_mask, PD_DIR_TO_CLIENT),
    BAD(m_extobj_enc, PD_DIR_TO_SERVER),      BAD(m_abort_short, PD_DIR_TO_SERVER),
    BAD(m_read_trunc, PD_DIR_TO_SERVER),        BAD(m_browse_next_trunc, PD_DIR_TO_SERVER),
    BAD(m_browse_next_refs, PD_DIR_TO_CLIENT),  BAD(m_translate_targets, PD_DIR_TO_CLIENT),
    BAD(m_add_nodes_added_flags, PD_DIR_TO_CLIENT), BAD(m_delete_nodes_results, PD_DIR_TO_CLIENT),
    BAD(m_find_servers_count, PD_DIR_TO_CLIENT), BAD(m_activate_token_len, PD_DIR_TO_SERVER),
};

Test(opcua, malformed_table)
{
    cr_assert_geq(sizeof bad_cases / sizeof bad_cases[0], 15);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *b = &bad_cases[i];
        pdt_free(T);
        T = pdt_new(&pd_opcua);
        open_clear_channel();
        int rc = pdt_parse(T, b->dir, T0, b->p, b->n);
        finish();
        int malformed_rec = 0;
        for (int k = 0; k < T->n_events; k++)
            malformed_rec |= T->txn[k].status == PD_ST_MALFORMED;
        cr_assert_lt(rc, 0, "%s: parse accepted it", b->name);
        cr_assert_gt(T->n_anomalies, 0, "%s: no anomaly", b->name);
        cr_assert(malformed_rec || T->n_events == 0, "%s: an event that is not malformed",
                  b->name);
        /* the flow goes on: a good exchange still decodes */
        T->n_events = 0;
        cr_assert_eq(req(V(v_read_req), T0 + 10), 0, "%s: flow blinded", b->name);
        cr_assert_eq(rsp(V(v_read_resp), T0 + 20), 0);
        cr_assert_eq(T->n_events, 1, "%s", b->name);
        cr_assert_eq(T->txn[0].status, PD_ST_OK, "%s", b->name);
    }
}

Test(opcua, truncated_and_invalid_told_apart)
{
    open_clear_channel();
    cr_assert_lt(req(V(m_read_trunc), T0), 0);
    cr_assert_str_eq(T->anomaly_kind[0], "truncated");
    cr_assert_lt(req(V(m_read_count), T0), 0);
    cr_assert_str_eq(T->anomaly_kind[1], "malformed");
    cr_assert_lt(req(V(m_browse_next_trunc), T0), 0);
    cr_assert_str_eq(T->anomaly_kind[2], "truncated");
    cr_assert_lt(rsp(V(m_add_nodes_added_flags), T0), 0);
    cr_assert_str_eq(T->anomaly_kind[3], "malformed");
    cr_assert_lt(req(V(m_activate_token_len), T0), 0);
    cr_assert_str_eq(T->anomaly_kind[4], "truncated");
}

static const struct {
    const uint8_t *p;
    size_t n;
    uint8_t dir;
} all_vectors[] = {
    {V(v_hel), 0}, {V(v_ack), 1}, {V(v_err), 1}, {V(v_rhe), 1}, {V(v_opn_req), 0},
    {V(v_opn_resp), 1}, {V(v_opn_b256_req), 0}, {V(v_opn_b256_resp), 1}, {V(v_msg_enc), 0},
    {V(v_read_req), 0}, {V(v_read_resp), 1}, {V(v_fault), 1}, {V(v_write_req), 0},
    {V(v_write_resp), 1}, {V(v_call_req), 0}, {V(v_call_resp), 1}, {V(v_browse_req), 0},
    {V(v_browse_resp), 1}, {V(v_create_session_req), 0}, {V(v_create_session_resp), 1},
    {V(v_activate_anon), 0}, {V(v_activate_user), 0}, {V(v_activate_resp), 1},
    {V(v_close_session_req), 0}, {V(v_create_sub_req), 0}, {V(v_create_sub_resp), 1},
    {V(v_create_mon_req), 0}, {V(v_publish_req), 0}, {V(v_publish_resp), 1},
    {V(v_getendpoints_req), 0}, {V(v_getendpoints_resp), 1}, {V(v_find_servers_req), 0},
    {V(v_history_req), 0}, {V(v_translate_req), 0}, {V(v_add_nodes_req), 0},
    {V(v_delete_nodes_req), 0}, {V(v_chunk_c1), 0}, {V(v_chunk_c2), 0}, {V(v_chunk_f3), 0},
    {V(v_abort_client), 0}, {V(v_abort_server), 1}, {V(v_clo), 0}, {V(v_msg_signed), 0},
    {V(v_browse_next_req), 0}, {V(v_browse_next_resp), 1}, {V(v_activate_x509), 0},
    {V(v_activate_issued), 0}, {V(v_find_servers_resp), 1}, {V(v_translate_resp), 1},
    {V(v_add_nodes_resp), 1}, {V(v_add_nodes2_req), 0}, {V(v_add_nodes2_resp), 1},
    {V(v_delete_nodes_resp), 1},
};

Test(opcua, every_prefix)
{
    size_t count = sizeof all_vectors / sizeof all_vectors[0];
    for (size_t i = 0; i < count; i++) {
        int accepted = pdt_every_prefix(&pd_opcua, all_vectors[i].dir, all_vectors[i].p,
                                        all_vectors[i].n);
        /* a prefix shorter than the size field says is never taken as a message */
        cr_assert_leq(accepted, 1, "vector %zu: %d prefixes accepted", i, accepted);
    }
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        (void)pdt_every_prefix(&pd_opcua, bad_cases[i].dir, bad_cases[i].p, bad_cases[i].n);
}

Test(opcua, every_vector_decodes_cleanly)
{
    /* each vector alone on a clear channel: no anomaly, and its probe/pdu_len agree */
    size_t count = sizeof all_vectors / sizeof all_vectors[0];
    for (size_t i = 0; i < count; i++) {
        pdt_free(T);
        T = pdt_new(&pd_opcua);
        const uint8_t *p = all_vectors[i].p;
        int secured = p == v_opn_b256_req || p == v_opn_b256_resp || p == v_msg_enc;
        if (p != v_chunk_c2 && p != v_chunk_f3 && !secured)
            open_clear_channel();
        cr_assert_eq(pd_opcua.pdu_len(all_vectors[i].p, all_vectors[i].n), (long)all_vectors[i].n);
        int rc = pdt_parse(T, all_vectors[i].dir, T0, all_vectors[i].p, all_vectors[i].n);
        if (all_vectors[i].p == v_chunk_c2 || all_vectors[i].p == v_chunk_f3)
            continue; /* a middle or last chunk alone cannot decode */
        cr_assert_eq(rc, 0, "vector %zu rejected", i);
        finish();
        cr_assert_eq(T->n_anomalies, 0, "vector %zu: anomaly %s", i, T->anomaly_kind[0]);
        for (int k = 0; k < T->n_events; k++)
            cr_assert_neq(T->txn[k].status, PD_ST_MALFORMED, "vector %zu", i);
    }
}
