/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify_block.c - one stored batch against itself (see verify_int.h): the block must
 * decompress; each record's copies of type, seq, ts and community_id must be what its line
 * says, and the line's sensor the row's; the row's count, first_seq, last_seq, ts_min,
 * ts_max and topics, and the batch's `keys` rows, must be what the records give. The line
 * is parsed with jansson (evb_fields_parse), as the writer's parser read it.
 */
#include <stdio.h>
#include <string.h>

#include "verify_int.h"

/* One record against its line; 0, or 1 with why. */
static int check_record(const struct vrow *r, const struct evb_rec *rec, int64_t pos,
                        struct evb_keys *derived, char *why, size_t whylen)
{
    struct evb_fields f;
    void *hold = NULL;
    if (evb_fields_parse(rec->line, rec->line_len, &f, &hold) != 0) {
        snprintf(why, whylen, "column body: the event at position %lld is not an event object",
                 (long long)pos);
        evb_fields_release(hold);
        return 1;
    }
    const char *col = NULL;
    size_t clen = f.community_id ? strlen(f.community_id) : 0;
    if (clen > EVB_CID_MAX)
        clen = 0;
    if (f.type != rec->type)
        col = "type";
    else if (f.seq != rec->seq)
        col = "seq";
    else if (f.ts_us != rec->ts_us)
        col = "ts";
    else if (clen != rec->cid_len || memcmp(rec->cid, f.community_id ? f.community_id : "", clen))
        col = "community_id";
    else if (!f.sensor || strcmp(f.sensor, r->sensor) != 0)
        col = "sensor";
    int bad = 0;
    if (col && strcmp(col, "sensor") == 0)
        snprintf(why, whylen, "column sensor: the row says '%s', its event seq %lld says '%s'",
                 r->sensor, (long long)f.seq, f.sensor ? f.sensor : "");
    else if (col)
        snprintf(why, whylen, "column body: the %s of the event at position %lld (seq %lld) "
                 "differs from its line", col, (long long)pos, (long long)rec->seq);
    if (col)
        bad = 1;
    else if (evb_keys_add(derived, &f) != 0) {
        snprintf(why, whylen, "out of memory");
        bad = 1;
    }
    evb_fields_release(hold);
    return bad;
}

int verify_block(const struct vrow *r, const struct vkeys *keys, struct evb_buf *scratch,
                 char *why, size_t whylen)
{
    if (evb_decompress(r->body, r->body_len, scratch) < 0) {
        snprintf(why, whylen, "column body: the block does not decompress");
        return VB_BODY;
    }
    struct evb_keys derived = {0};
    size_t off = 0;
    struct evb_rec rec;
    int64_t n = 0, first = -1, last = -1, tmin = INT64_MAX, tmax = INT64_MIN, topics = 0;
    int rc = 0, more;
    while ((more = evb_next(scratch->p, scratch->len, &off, &rec)) == 1) {
        if (check_record(r, &rec, r->first_pos + n, &derived, why, whylen) != 0) {
            rc = strncmp(why, "column sensor", 13) == 0 ? VB_ROW : VB_BODY;
            goto out;
        }
        if (n == 0)
            first = rec.seq;
        last = rec.seq;
        tmin = rec.ts_us < tmin ? rec.ts_us : tmin;
        tmax = rec.ts_us > tmax ? rec.ts_us : tmax;
        topics |= 1 << ev_topic_of(rec.type);
        n++;
    }
    rc = more < 0 ? VB_BODY : VB_ROW;
    if (more < 0)
        snprintf(why, whylen, "column body: record %lld of the block is damaged", (long long)n + 1);
    else if (n != r->count)
        snprintf(why, whylen, "column count: %lld, the block holds %lld event(s)",
                 (long long)r->count, (long long)n);
    else if (first != r->first_seq)
        snprintf(why, whylen, "column first_seq: %lld, the block starts at seq %lld",
                 (long long)r->first_seq, (long long)first);
    else if (last != r->last_seq)
        snprintf(why, whylen, "column last_seq: %lld, the block ends at seq %lld",
                 (long long)r->last_seq, (long long)last);
    else if ((rc = VB_DERIVED) && tmin != r->ts_min)
        snprintf(why, whylen, "column ts_min: %lld, the events' earliest ts is %lld",
                 (long long)r->ts_min, (long long)tmin);
    else if (tmax != r->ts_max)
        snprintf(why, whylen, "column ts_max: %lld, the events' latest ts is %lld",
                 (long long)r->ts_max, (long long)tmax);
    else if (topics != r->topics)
        snprintf(why, whylen, "column topics: %lld, the events give %lld", (long long)r->topics,
                 (long long)topics);
    else
        rc = 0;
    if (rc)
        goto out;
    evb_keys_finish(&derived);
    for (size_t i = 0; i < derived.n || i < keys->n; i++) {
        if (i >= keys->n || (i < derived.n && strcmp(derived.k[i], keys->k[i]) < 0)) {
            snprintf(why, whylen, "keys: the index row '%.100s' is missing (deleted or its k "
                     "or batch column edited)", derived.k[i]);
            rc = VB_DERIVED;
            break;
        }
        if (i >= derived.n || strcmp(derived.k[i], keys->k[i]) != 0) {
            snprintf(why, whylen, "keys: the index row '%.100s' is not derived from the block "
                     "(inserted, or its k or batch column edited)", keys->k[i]);
            rc = VB_DERIVED;
            break;
        }
    }
out:
    evb_keys_free(&derived);
    return rc;
}
