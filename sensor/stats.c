/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.c - the `health` object of the heartbeat (EVENTS.md): every drop counter of every
 * stage, decode errors per protocol, flows, CPU, RSS, free disk and link state. Reads the
 * relaxed atomic counters each thread keeps; runs on the publisher thread. Delivery: the
 * unacked batches and events, spool bytes, resends, rejected batches, events lost to a
 * full spool (drops.spool_lost_events) and whether the collector connection is up.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "jw.h"
#include "sensor.h"

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, res = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static uint64_t disk_free(const struct sensor *s)
{
    char dir[SENSOR_PATH_MAX] = ".";
    if (s->cfg.state_dir[0]) {
        snprintf(dir, sizeof dir, "%s", s->cfg.state_dir); /* where the spool grows */
    } else if (s->cfg.jsonl[0] && strcmp(s->cfg.jsonl, "-") != 0) {
        snprintf(dir, sizeof dir, "%s", s->cfg.jsonl);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = slash == dir ? '/' : '\0';
        else
            snprintf(dir, sizeof dir, ".");
        if (slash == dir)
            dir[1] = '\0';
    }
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return 0;
    return (uint64_t)v.f_bavail * v.f_frsize;
}

static int link_up(const struct sensor *s)
{
    if (!s->live)
        return 1;
    char path[160], state[32] = "";
    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", s->cfg.interface);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(state, sizeof state, f))
            state[0] = '\0';
        fclose(f);
        if (strncmp(state, "down", 4) == 0)
            return 0;
    }
    return LOAD(((struct sensor *)s)->cst.link_up) != 0;
}

void stats_write_health(struct sensor *s, struct jw *w, uint64_t now_us)
{
    struct capture_stats *c = &s->cst;
    uint64_t wsum[17] = {0};
    uint64_t derr[PD_PROTO_COUNT] = {0}, pdus[PD_PROTO_COUNT] = {0};
    for (int i = 0; i < s->n_workers; i++) {
        struct worker_stats *t = &s->workers[i].st;
        wsum[0] += LOAD(t->flows_active);
        wsum[1] += LOAD(t->flows_total);
        wsum[2] += LOAD(t->flows_evicted);
        wsum[3] += LOAD(t->ics_slots_exhausted);
        wsum[4] += LOAD(t->drop_events);
        wsum[5] += LOAD(t->events_too_big);
        wsum[6] += LOAD(t->tcp_gaps);
        wsum[7] += LOAD(t->tcp_gap_bytes);
        wsum[8] += LOAD(t->tcp_retrans);
        wsum[9] += LOAD(t->framing_errors);
        wsum[10] += LOAD(t->pdu_too_big);
        wsum[11] += LOAD(t->ndpi_flows);
        wsum[12] += LOAD(t->pkts);
        wsum[13] += LOAD(t->mirror_copies);
        wsum[14] += LOAD(t->tcp_ooo_overflow);
        wsum[15] += LOAD(t->roles_inferred);
        wsum[16] += LOAD(t->roles_swapped);
        for (int p = 0; p < PD_PROTO_COUNT; p++) {
            derr[p] += LOAD(t->decode_errors[p]);
            pdus[p] += LOAD(t->pdus[p]);
        }
    }
    double up = (double)(now_us - s->start_us) / 1e6;
    jw_obj_begin(w, "health");
    jw_uint(w, "uptime_s", (uint64_t)up);
    jw_uint(w, "pkts", LOAD(c->pkts));
    jw_uint(w, "bytes", LOAD(c->bytes));
    jw_obj_begin(w, "drops");
    jw_uint(w, "kernel", LOAD(c->drop_kernel));
    jw_uint(w, "interface", LOAD(c->drop_iface));
    jw_uint(w, "packet_ring", LOAD(c->drop_ring));
    jw_uint(w, "frame_too_big", LOAD(c->too_big));
    jw_uint(w, "flow_evicted", wsum[2]);
    jw_uint(w, "ics_slots_exhausted", wsum[3]);
    jw_uint(w, "event_ring", wsum[4]);
    jw_uint(w, "event_too_big", wsum[5]);
    jw_uint(w, "publish", LOAD(s->pst.send_fail));
    jw_uint(w, "jsonl_write", LOAD(s->pst.jsonl_fail));
    jw_uint(w, "spool_lost_events", LOAD(s->pst.spool_lost_events));
    jw_obj_end(w);
    jw_obj_begin(w, "decode_errors");
    jw_uint(w, "l2_l4", LOAD(c->decode_bad));
    jw_uint(w, "framing", wsum[9]);
    jw_uint(w, "pdu_too_big", wsum[10]);
    for (int p = 1; p < PD_PROTO_COUNT; p++)
        if (pd_by_proto((unsigned)p) || derr[p])
            jw_uint(w, pd_proto_name((unsigned)p), derr[p]);
    jw_obj_end(w);
    jw_obj_begin(w, "pdus");
    for (int p = 1; p < PD_PROTO_COUNT; p++)
        if (pd_by_proto((unsigned)p) || pdus[p])
            jw_uint(w, pd_proto_name((unsigned)p), pdus[p]);
    jw_obj_end(w);
    jw_uint(w, "flows_active", wsum[0]);
    jw_uint(w, "flows_total", wsum[1]);
    jw_uint(w, "ndpi_flows", wsum[11]);
    jw_uint(w, "non_ip", LOAD(c->non_ip));
    jw_uint(w, "ip_fragments", LOAD(c->fragments));
    jw_obj_begin(w, "frag");
    jw_uint(w, "fragments", LOAD(c->fragments));
    jw_uint(w, "reassembled", LOAD(c->frag_reassembled));
    jw_uint(w, "timeouts", LOAD(c->frag_timeouts));
    jw_uint(w, "overlaps", LOAD(c->frag_overlaps));
    jw_uint(w, "duplicates", LOAD(c->frag_duplicates));
    jw_uint(w, "too_big", LOAD(c->frag_too_big));
    jw_uint(w, "no_room", LOAD(c->frag_no_room));
    jw_uint(w, "bad", LOAD(c->frag_bad));
    jw_obj_end(w);
    jw_obj_begin(w, "tunnel");
    jw_uint(w, "packets", LOAD(c->tunneled));
    jw_uint(w, "bad", LOAD(c->tunnel_bad));
    jw_uint(w, "too_deep", LOAD(c->tunnel_too_deep));
    jw_uint(w, "mirror_copies", wsum[13]);
    jw_obj_end(w);
    jw_uint(w, "ring_waits", LOAD(c->ring_waits));
    jw_obj_begin(w, "tcp");
    jw_uint(w, "gaps", wsum[6]);
    jw_uint(w, "gap_bytes", wsum[7]);
    jw_uint(w, "retrans", wsum[8]);
    jw_uint(w, "ooo_overflow", wsum[14]);
    jw_uint(w, "roles_inferred", wsum[15]);
    jw_uint(w, "roles_swapped", wsum[16]);
    jw_obj_end(w);
    jw_uint(w, "events", LOAD(s->pst.events));
    jw_uint(w, "batches", LOAD(s->pst.batches));
    jw_uint(w, "batches_acked", LOAD(s->pst.acked));
    jw_uint(w, "unacked_batches", LOAD(s->pst.unacked_batches));
    jw_uint(w, "unacked_events", LOAD(s->pst.unacked_events));
    jw_uint(w, "spool_bytes", LOAD(s->pst.spool_bytes));
    jw_uint(w, "spool_corrupt", LOAD(s->pst.spool_corrupt));
    jw_uint(w, "resends", LOAD(s->pst.resends));
    jw_uint(w, "acks_rejected", LOAD(s->pst.acks_rejected));
    jw_uint(w, "acks_refused", LOAD(s->pst.acks_refused));
    jw_str(w, "run", s->run_hex);
    jw_uint(w, "state_write_errors", LOAD(s->pst.state_write_fail));
    jw_bool(w, "collector_connected",
            atomic_load_explicit(&s->pst.connected, memory_order_relaxed) != 0);
    jw_double(w, "cpu", up > 0 ? 100.0 * cpu_seconds() / up : 0.0);
    jw_uint(w, "rss", rss_bytes());
    jw_uint(w, "disk_free", disk_free(s));
    jw_bool(w, "link_up", link_up(s));
    jw_obj_end(w);
}
