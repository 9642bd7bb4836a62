/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opcua_svc.c - decodes the bodies of OPC UA services (OPC 10000-4 section 5) in their
 * binary encoding (OPC 10000-6 5.2): Read, Write, Call, Browse/BrowseNext,
 * TranslateBrowsePaths, Create/Activate/CloseSession (identity token type only, never its
 * secret), CreateSubscription, CreateMonitoredItems, Publish, GetEndpoints/FindServers,
 * HistoryRead, AddNodes/DeleteNodes and OpenSecureChannel. Other services: header only.
 */
#include <string.h>

#include "opcua_int.h"

static uint32_t item_cap(const struct pd_limits *lim)
{
    return lim->max_items < OPCUA_MAX_ITEMS ? lim->max_items : OPCUA_MAX_ITEMS;
}

/* Item i of the record when it is kept, else NULL; grows n_items to cover it. */
static struct opcua_item *item_at(struct opcua_rec *r, uint32_t i, const struct pd_limits *lim)
{
    if (i >= item_cap(lim))
        return NULL;
    if (i >= r->n_items)
        r->n_items = (uint8_t)(i + 1);
    return &r->items[i];
}

/* Reads the StatusCode that starts result i and keeps it with item i (when kept). */
static void item_result(struct pd_cur *c, struct opcua_rec *r, uint32_t i,
                        const struct pd_limits *lim)
{
    uint32_t st = pd_u32le(c);
    struct opcua_item *it = item_at(r, i, lim);
    if (it) {
        it->result = st;
        it->has_result = 1;
    }
}

static void note_total(struct opcua_rec *r, uint32_t n)
{
    if (n > r->items_total)
        r->items_total = n;
}

/* ReadValueId (Part 4, 7.29): NodeId, AttributeId, IndexRange, DataEncoding. */
static void read_value_id(struct pd_cur *c, struct opcua_item *it)
{
    opcua_nodeid(c, it ? &it->node : NULL);
    uint32_t attr = pd_u32le(c);
    if (it)
        it->attr = attr;
    opcua_skip_string(c);
    opcua_skip_qname(c);
}

/* StatusCode[] of a response into items[i].result. */
static void results(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        item_result(c, r, i, lim);
    }
    r->cols |= OPCUA_COL_RESULTS;
}

static void read_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    pd_skip(c, 8 + 4); /* MaxAge, TimestampsToReturn */
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++)
        read_value_id(c, item_at(r, i, lim));
    r->cols |= OPCUA_COL_NODES | OPCUA_COL_ATTRS;
}

static void read_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_datavalue(c, it ? &it->value : NULL, 0);
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_VALUES;
}

static void write_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_nodeid(c, it ? &it->node : NULL);
        uint32_t attr = pd_u32le(c);
        if (it)
            it->attr = attr;
        opcua_skip_string(c); /* IndexRange */
        opcua_datavalue(c, it ? &it->value : NULL, 0);
    }
    r->cols |= OPCUA_COL_NODES | OPCUA_COL_ATTRS | OPCUA_COL_VALUES;
}

static void call_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    r->methods = n;
    r->has_call = 1;
    for (uint32_t i = 0; i < n && !c->err; i++) {
        opcua_nodeid(c, i == 0 ? &r->object : NULL);
        opcua_nodeid(c, i == 0 ? &r->method : NULL);
        uint32_t args = opcua_count(c);
        if (i == 0) {
            r->args = args;
            note_total(r, args);
            r->cols |= OPCUA_COL_VALUES;
        }
        for (uint32_t a = 0; a < args && !c->err; a++) {
            struct opcua_item *it = i == 0 ? item_at(r, a, lim) : NULL;
            opcua_variant(c, it ? &it->value : NULL, 0);
        }
    }
}

static void call_resp(struct pd_cur *c, struct opcua_rec *r)
{
    uint32_t n = opcua_count(c);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        uint32_t st = pd_u32le(c);
        if (i == 0) {
            r->call_status = st;
            r->has_call_status = 1;
        }
        uint32_t in = opcua_count(c); /* InputArgumentResults */
        pd_skip(c, (size_t)in * 4);
        opcua_skip_diags(c);
        uint32_t out = opcua_count(c); /* OutputArguments */
        for (uint32_t a = 0; a < out && !c->err; a++)
            opcua_variant(c, NULL, 0);
    }
    opcua_skip_diags(c);
}

static void browse_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    opcua_nodeid(c, NULL); /* View.ViewId */
    pd_skip(c, 8 + 4 + 4); /* View.Timestamp, View.ViewVersion, RequestedMaxReferencesPerNode */
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_nodeid(c, it ? &it->node : NULL);
        pd_skip(c, 4);         /* BrowseDirection */
        opcua_nodeid(c, NULL); /* ReferenceTypeId */
        pd_skip(c, 1 + 4 + 4); /* IncludeSubtypes, NodeClassMask, ResultMask */
    }
    r->cols |= OPCUA_COL_NODES;
}

/* BrowseNext: ReleaseContinuationPoints, then ContinuationPoints (ByteString[]), counted. */
static void browse_next_req(struct pd_cur *c, struct opcua_rec *r)
{
    pd_skip(c, 1); /* ReleaseContinuationPoints */
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++)
        opcua_skip_string(c);
}

/* BrowseResult[] of Browse and BrowseNext responses. */
static void browse_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    r->has_refs = 1;
    for (uint32_t i = 0; i < n && !c->err; i++) {
        item_result(c, r, i, lim);
        opcua_skip_string(c); /* ContinuationPoint */
        uint32_t refs = opcua_count(c);
        r->refs += refs;
        for (uint32_t k = 0; k < refs && !c->err; k++) {
            opcua_nodeid(c, NULL);    /* ReferenceTypeId */
            pd_skip(c, 1);            /* IsForward */
            opcua_expnodeid(c, NULL); /* NodeId */
            opcua_skip_qname(c);      /* BrowseName */
            opcua_skip_ltext(c);      /* DisplayName */
            pd_skip(c, 4);            /* NodeClass */
            opcua_expnodeid(c, NULL); /* TypeDefinition */
        }
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_RESULTS;
}

static void translate_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_nodeid(c, it ? &it->node : NULL); /* StartingNode */
        uint32_t elems = opcua_count(c);
        for (uint32_t k = 0; k < elems && !c->err; k++) {
            opcua_nodeid(c, NULL); /* ReferenceTypeId */
            pd_skip(c, 2);         /* IsInverse, IncludeSubtypes */
            opcua_skip_qname(c);   /* TargetName */
        }
    }
    r->cols |= OPCUA_COL_NODES;
}

static void translate_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        item_result(c, r, i, lim);
        uint32_t targets = opcua_count(c);
        for (uint32_t k = 0; k < targets && !c->err; k++) {
            opcua_expnodeid(c, NULL); /* TargetId */
            pd_skip(c, 4);            /* RemainingPathIndex */
        }
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_RESULTS;
}

/* ApplicationDescription (Part 4, 7.1). */
static void skip_app_description(struct pd_cur *c)
{
    opcua_skip_string(c); /* ApplicationUri */
    opcua_skip_string(c); /* ProductUri */
    opcua_skip_ltext(c);  /* ApplicationName */
    pd_skip(c, 4);        /* ApplicationType */
    opcua_skip_string(c); /* GatewayServerUri */
    opcua_skip_string(c); /* DiscoveryProfileUri */
    opcua_skip_strings(c); /* DiscoveryUrls */
}

static void create_session_req(struct pd_cur *c, struct opcua_rec *r)
{
    skip_app_description(c);
    opcua_skip_string(c); /* ServerUri */
    opcua_string(c, r->endpoint, sizeof r->endpoint);
    opcua_string(c, r->session_name, sizeof r->session_name);
    opcua_skip_string(c); /* ClientNonce */
    opcua_skip_string(c); /* ClientCertificate */
    pd_skip(c, 8 + 4);    /* RequestedSessionTimeout, MaxResponseMessageSize */
}

static void skip_signature(struct pd_cur *c)
{
    opcua_skip_string(c); /* Algorithm */
    opcua_skip_string(c); /* Signature */
}

static void activate_session_req(struct pd_cur *c, struct opcua_rec *r)
{
    skip_signature(c); /* ClientSignature */
    uint32_t certs = opcua_count(c); /* ClientSoftwareCertificates */
    for (uint32_t i = 0; i < certs && !c->err; i++)
        skip_signature(c); /* CertificateData, Signature: two ByteStrings */
    opcua_skip_strings(c); /* LocaleIds */
    /* UserIdentityToken: only its type is looked at; the body (password, token) is not. */
    uint32_t type = opcua_extobj(c, NULL);
    switch (type) {
    case OPCUA_ID_ANONYMOUS_TOKEN:
        r->identity = OPCUA_ID_ANONYMOUS;
        break;
    case OPCUA_ID_USERNAME_TOKEN:
        r->identity = OPCUA_ID_USERNAME;
        break;
    case OPCUA_ID_X509_TOKEN:
        r->identity = OPCUA_ID_CERTIFICATE;
        break;
    case OPCUA_ID_ISSUED_TOKEN:
        r->identity = OPCUA_ID_ISSUED;
        break;
    case 0:
        break;
    default:
        r->identity = OPCUA_ID_OTHER;
        break;
    }
    skip_signature(c); /* UserTokenSignature */
}

static void create_mon_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    r->sub_id = pd_u32le(c);
    r->has_sub = 1;
    pd_skip(c, 4); /* TimestampsToReturn */
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        read_value_id(c, it); /* ItemToMonitor */
        pd_skip(c, 4);        /* MonitoringMode */
        uint32_t handle = pd_u32le(c);
        if (it)
            it->handle = handle;
        pd_skip(c, 8);          /* SamplingInterval */
        opcua_extobj(c, NULL);  /* Filter */
        pd_skip(c, 4 + 1);      /* QueueSize, DiscardOldest */
    }
    r->cols |= OPCUA_COL_NODES | OPCUA_COL_ATTRS | OPCUA_COL_HANDLES;
}

static void create_mon_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        item_result(c, r, i, lim);
        pd_skip(c, 4 + 8 + 4); /* MonitoredItemId, RevisedSamplingInterval, RevisedQueueSize */
        opcua_extobj(c, NULL); /* FilterResult */
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_RESULTS;
}

/* DataChangeNotification body: MonitoredItemNotification[] into the record's items. */
static void data_change(struct pd_cur *b, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(b);
    for (uint32_t i = 0; i < n && !b->err; i++) {
        struct opcua_item *it = item_at(r, r->data_changes, lim);
        uint32_t handle = pd_u32le(b);
        if (it)
            it->handle = handle;
        opcua_datavalue(b, it ? &it->value : NULL, 0);
        r->data_changes++;
    }
    r->cols |= OPCUA_COL_HANDLES | OPCUA_COL_VALUES;
}

static void publish_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    r->sub_id = pd_u32le(c);
    r->has_sub = 1;
    uint32_t avail = opcua_count(c); /* AvailableSequenceNumbers */
    pd_skip(c, (size_t)avail * 4);
    pd_skip(c, 1 + 4 + 8); /* MoreNotifications, NotificationMessage.SequenceNumber, PublishTime */
    r->has_notif = 1;
    uint32_t n = opcua_count(c); /* NotificationData: ExtensionObject[] */
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct pd_cur body;
        uint32_t type = opcua_extobj(c, &body);
        if (type == OPCUA_ID_DATA_CHANGE) {
            data_change(&body, r, lim);
        } else if (type == OPCUA_ID_EVENT_LIST) {
            r->events += opcua_count(&body);
        } else if (type == OPCUA_ID_STATUS_CHANGE) {
            r->status_changes++;
        }
    }
    note_total(r, r->data_changes);
    results(c, r, lim);
    r->cols &= (uint8_t)~OPCUA_COL_RESULTS; /* per-acknowledgement results are not items */
    opcua_skip_diags(c);
}

static void history_read_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    opcua_extobj(c, NULL); /* HistoryReadDetails */
    pd_skip(c, 4 + 1);     /* TimestampsToReturn, ReleaseContinuationPoints */
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_nodeid(c, it ? &it->node : NULL);
        opcua_skip_string(c); /* IndexRange */
        opcua_skip_qname(c);  /* DataEncoding */
        opcua_skip_string(c); /* ContinuationPoint */
    }
    r->cols |= OPCUA_COL_NODES;
}

static void history_read_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        item_result(c, r, i, lim);
        opcua_skip_string(c);  /* ContinuationPoint */
        opcua_extobj(c, NULL); /* HistoryData */
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_RESULTS;
}

static void add_nodes_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_expnodeid(c, NULL);                  /* ParentNodeId */
        opcua_nodeid(c, NULL);                     /* ReferenceTypeId */
        opcua_expnodeid(c, it ? &it->node : NULL); /* RequestedNewNodeId */
        opcua_skip_qname(c);                       /* BrowseName */
        pd_skip(c, 4);                             /* NodeClass */
        opcua_extobj(c, NULL);                     /* NodeAttributes */
        opcua_expnodeid(c, NULL);                  /* TypeDefinition */
    }
    r->cols |= OPCUA_COL_NODES;
}

static void add_nodes_resp(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        uint32_t st = pd_u32le(c);
        struct opcua_item *it = item_at(r, i, lim);
        struct opcua_nodeid added;
        memset(&added, 0, sizeof added);
        opcua_nodeid(c, &added);
        if (!it)
            continue;
        it->result = st;
        it->has_result = 1;
        /* A null requested id lets the server choose: show the id it chose. */
        if (it->node.kind == OPCUA_NID_NONE ||
            (opcua_nodeid_is_ns0_numeric(&it->node) && it->node.num == 0))
            it->node = added;
    }
    opcua_skip_diags(c);
    r->cols |= OPCUA_COL_NODES | OPCUA_COL_RESULTS;
}

static void delete_nodes_req(struct pd_cur *c, struct opcua_rec *r, const struct pd_limits *lim)
{
    uint32_t n = opcua_count(c);
    note_total(r, n);
    for (uint32_t i = 0; i < n && !c->err; i++) {
        struct opcua_item *it = item_at(r, i, lim);
        opcua_nodeid(c, it ? &it->node : NULL);
        pd_skip(c, 1); /* DeleteTargetReferences */
    }
    r->cols |= OPCUA_COL_NODES;
}

/* GetEndpointsRequest and FindServersRequest: EndpointUrl, LocaleIds, ProfileUris/ServerUris. */
static void discovery_req(struct pd_cur *c, struct opcua_rec *r)
{
    opcua_string(c, r->endpoint, sizeof r->endpoint);
    opcua_skip_strings(c);
    opcua_skip_strings(c);
}

/* Responses of GetEndpoints (EndpointDescription[]) and FindServers: only the count is kept,
 * the rest of the message is not needed. */
static void discovery_resp(struct pd_cur *c, struct opcua_rec *r)
{
    r->found = opcua_count(c);
    r->has_found = 1;
}

static void opn_req(struct pd_cur *c, struct opcua_rec *r)
{
    pd_skip(c, 4 + 4); /* ClientProtocolVersion, RequestType */
    uint32_t mode = pd_u32le(c);
    if (!c->err && mode >= OPCUA_MODE_NONE && mode <= OPCUA_MODE_SIGN_ENCRYPT)
        r->security_mode = (uint8_t)mode;
    opcua_skip_string(c); /* ClientNonce */
    pd_skip(c, 4);        /* RequestedLifetime */
}

static void opn_resp(struct pd_cur *c, struct opcua_rec *r)
{
    pd_skip(c, 4); /* ServerProtocolVersion */
    r->channel = pd_u32le(c);
    r->token = pd_u32le(c);
    r->has_channel = r->has_token = !c->err;
    pd_skip(c, 8 + 4);    /* CreatedAt, RevisedLifetime */
    opcua_skip_string(c); /* ServerNonce */
}

static void request_body(struct pd_cur *c, uint32_t id, struct opcua_rec *r,
                         const struct pd_limits *lim)
{
    switch (id) {
    case 446: opn_req(c, r); break;
    case 422: /* FindServers */
    case 428: /* GetEndpoints */
        discovery_req(c, r);
        break;
    case 461: create_session_req(c, r); break;
    case 467: activate_session_req(c, r); break;
    case 473: pd_skip(c, 1); break; /* CloseSession: DeleteSubscriptions */
    case 488: add_nodes_req(c, r, lim); break;
    case 500: delete_nodes_req(c, r, lim); break;
    case 527: browse_req(c, r, lim); break;
    case 533: browse_next_req(c, r); break;
    case 554: translate_req(c, r, lim); break;
    case 631: read_req(c, r, lim); break;
    case 664: history_read_req(c, r, lim); break;
    case 673: write_req(c, r, lim); break;
    case 712: call_req(c, r, lim); break;
    case 751: create_mon_req(c, r, lim); break;
    default: break; /* header only */
    }
}

static void response_body(struct pd_cur *c, uint32_t id, struct opcua_rec *r,
                          const struct pd_limits *lim)
{
    switch (id) {
    case 449: opn_resp(c, r); break;
    case 425: /* FindServers */
    case 431: /* GetEndpoints */
        discovery_resp(c, r);
        break;
    case 491: add_nodes_resp(c, r, lim); break;
    case 503: /* DeleteNodes */
    case 676: /* Write */
        results(c, r, lim);
        opcua_skip_diags(c);
        break;
    case 530: /* Browse */
    case 536: /* BrowseNext */
        browse_resp(c, r, lim);
        break;
    case 557: translate_resp(c, r, lim); break;
    case 634: read_resp(c, r, lim); break;
    case 667: history_read_resp(c, r, lim); break;
    case 715: call_resp(c, r); break;
    case 754: create_mon_resp(c, r, lim); break;
    case 790: /* CreateSubscription: SubscriptionId first */
        r->sub_id = pd_u32le(c);
        r->has_sub = !c->err;
        break;
    case 829: publish_resp(c, r, lim); break;
    default: break; /* header only (ServiceFault included) */
    }
}

void opcua_svc_decode(struct pd_cur *c, uint32_t type_id, struct opcua_rec *r,
                      const struct pd_limits *lim)
{
    int is_resp = opcua_service_is_response(type_id);
    if (is_resp < 0)
        return; /* not a standard service: its layout is unknown */
    if (is_resp) {
        r->status = opcua_resp_header(c);
        r->has_status = !c->err;
        response_body(c, type_id, r, lim);
    } else {
        opcua_req_header(c);
        request_body(c, type_id, r, lim);
    }
}
