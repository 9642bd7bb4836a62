/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.h - the sensor's shared types: its config (one table in sensor_config.c drives
 * YAML, defaults, bounds, --help and --dump-config), the per-thread counters the health
 * heartbeat reads, and the entry points of each thread (capture, worker, publisher).
 *
 * Threads: one capture thread -> N workers (packet rings) -> one publisher (event rings).
 * Each thread owns its state; only rings and relaxed atomic counters cross threads.
 */
#ifndef TZ_SENSOR_H
#define TZ_SENSOR_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "decode.h"
#include "pd.h"
#include "ring.h"

#define SENSOR_MAX_WORKERS 64
#define SENSOR_MAX_FILES 256
#define SENSOR_PATH_MAX 1024

struct sensor_config {
    char sensor_id[65];
    char interface[64];
    char filter[1024];
    int64_t buffer_mb;
    int64_t poll_timeout_ms;
    int64_t snaplen;
    int promisc;
    int64_t workers;
    int64_t packet_ring_kb;
    int64_t event_ring_kb;
    int64_t flows_max;
    int64_t ics_flows_max;
    int64_t timeout_tcp_s;
    int64_t timeout_udp_s;
    int64_t timeout_closed_s;
    int64_t max_pdu;
    int64_t ooo_bytes;
    int64_t ooo_segments;
    int64_t ident_bytes;
    int64_t max_values;
    int64_t max_items;
    int64_t max_points;
    int64_t max_pending;
    int64_t txn_timeout_ms;
    int ndpi_enabled;
    int64_t ndpi_max_packets;
    char jsonl[SENSOR_PATH_MAX];
    char collector[256];
    int64_t batch_events;
    int64_t batch_ms;
    int64_t ack_wait_s;
    int curve;
    char server_key[SENSOR_PATH_MAX];
    char client_key[SENSOR_PATH_MAX];
    char state_dir[SENSOR_PATH_MAX];
    int64_t memory_batches;
    int64_t spool_mb;
    int64_t resend_ms;
    int64_t health_interval_s;
    char zones[4096]; /* CFG_MAP: zone name = comma-separated CIDRs */
    /* encapsulations, mirror paths and IP fragments (decap.c, frag.c) */
    char vxlan_ports[128];
    int64_t decode_max_depth;
    int64_t mirror_switch_ms;
    int64_t frag_max_datagrams;
    int64_t frag_datagram_bytes;
    int64_t frag_total_kb;
    int64_t frag_timeout_ms;
    struct decode_opts dopts; /* from vxlan_ports and decode_max_depth (sensor_config_finish) */
    char iec104_tz[64];          /* dissect.iec104.time_zone */
    char iec104_tz_by_ca[2048];  /* CFG_MAP: common address = zone */
};

extern const struct cfg_opt sensor_config_table[];

/* Counters: each is written by one thread (relaxed atomics) and read by the publisher. */
struct capture_stats {
    _Atomic uint64_t pkts, bytes;
    _Atomic uint64_t drop_ring;     /* packet ring full (live capture) */
    _Atomic uint64_t ring_waits;    /* packet ring full while replaying (we waited) */
    _Atomic uint64_t drop_kernel;   /* pcap_stats ps_drop */
    _Atomic uint64_t drop_iface;    /* pcap_stats ps_ifdrop */
    _Atomic uint64_t too_big;       /* frames larger than a ring record */
    _Atomic uint64_t decode_bad, non_ip, fragments;
    /* encapsulations: packets decoded from inside a tunnel, malformed tunnel headers,
     * deeper than decode.max_depth */
    _Atomic uint64_t tunneled, tunnel_bad, tunnel_too_deep;
    /* IP reassembly (frag.h struct frag_stats, copied after each fragment) */
    _Atomic uint64_t frag_reassembled, frag_timeouts, frag_overlaps, frag_duplicates;
    _Atomic uint64_t frag_too_big, frag_no_room, frag_bad;
    _Atomic int link_up;
};

struct worker_stats {
    _Atomic uint64_t pkts, bytes;
    _Atomic uint64_t flows_active, flows_total, flows_evicted;
    _Atomic uint64_t ics_slots_exhausted;
    _Atomic uint64_t drop_events;    /* event ring full */
    _Atomic uint64_t events_too_big; /* an event larger than the encode buffer */
    _Atomic uint64_t tcp_gaps, tcp_gap_bytes, tcp_retrans, tcp_ooo;
    _Atomic uint64_t tcp_ooo_overflow;  /* holes given up: out-of-order buffer full */
    _Atomic uint64_t roles_inferred, roles_swapped; /* flows whose roles content decided */
    _Atomic uint64_t pdu_too_big, framing_errors;
    _Atomic uint64_t decode_errors[PD_PROTO_COUNT];
    _Atomic uint64_t pdus[PD_PROTO_COUNT];
    _Atomic uint64_t ndpi_flows;
    _Atomic uint64_t mirror_copies; /* a copy of a packet from a second mirror path: skipped */
};

struct publisher_stats {
    _Atomic uint64_t events, batches, acked, send_fail, jsonl_fail;
    _Atomic uint64_t unacked_batches, unacked_events; /* sealed, not yet acked */
    _Atomic uint64_t spool_bytes;                     /* segment files on disk */
    _Atomic uint64_t spool_lost_events;               /* oldest unacked data dropped */
    _Atomic uint64_t spool_corrupt;                   /* spool records failing checks */
    _Atomic uint64_t resends;                         /* batches sent again */
    _Atomic uint64_t acks_rejected;                   /* batches the collector rejected */
    _Atomic uint64_t acks_refused;                    /* REFUSED acks (e.g. key bound to
                                                       * another sensor id) */
    _Atomic uint64_t state_write_fail;                /* seq reservations not written */
    _Atomic int connected;                            /* CURVE/ZMTP handshake done */
};

/* Network zones from the `zones` map (sensor_config.c). */
#define SENSOR_MAX_ZONES 64
struct zone {
    char name[32];
    uint8_t ipver;
    uint8_t plen;
    uint8_t net[16];
};
int zones_parse(const char *map, struct zone *z, int max, char *err, size_t errlen);
/* The most specific zone holding ip, or -1. */
int zones_match(const struct zone *z, int n, uint8_t ipver, const uint8_t *ip);

struct sensor;

struct worker {
    struct sensor *s;
    int id;
    struct ring pkt_ring;   /* capture -> worker */
    struct ring ev_ring;    /* worker -> publisher */
    struct worker_stats st;
    _Atomic int done;       /* set by the worker after its last event is committed */
    void *priv;             /* worker.c's private state */
};

struct sensor {
    struct sensor_config cfg;
    struct pd_limits lim;
    const char *files[SENSOR_MAX_FILES];
    int n_files;
    int live;                 /* reading an interface (drop when full) or files (wait) */
    int n_workers;
    struct worker *workers;
    struct capture_stats cst;
    struct publisher_stats pst;
    char run_hex[17];         /* this run's id (seqstore.h), set by publisher_init */
    _Atomic int stop;         /* SIGINT/SIGTERM */
    _Atomic int capture_done; /* the capture thread pushed its last packet */
    int capture_error;        /* set by capture: a file ended early (truncated) etc. */
    uint64_t start_us;        /* wall clock at start */
    struct zone zones[SENSOR_MAX_ZONES];
    int n_zones;
    void *capture_priv;
};

/* Record pushed on a packet ring: this header, then caplen bytes of frame. */
struct pkt_rec {
    struct pkt k;
};

/* sensor_config.c */
int sensor_config_finish(struct sensor_config *c, char *err, size_t errlen);

/* capture.c: opens every source up front (so bad input fails before threads start). */
int capture_open(struct sensor *s, char *err, size_t errlen);
void *capture_thread(void *arg);
void capture_close(struct sensor *s);
/* From a signal handler: makes a blocked live read return. */
void capture_break(struct sensor *s);

/* worker.c */
int worker_init(struct worker *w, struct sensor *s, int id, char *err, size_t errlen);
void *worker_thread(void *arg);
void worker_free(struct worker *w);

/* publisher.c */
int publisher_init(struct sensor *s, char *err, size_t errlen);
void *publisher_thread(void *arg);
/* Exit status the publisher saw (non-zero when events could not be written). */
int publisher_status(void);

/* stats.c: the health event's `health` object, from every thread's counters. */
struct jw;
void stats_write_health(struct sensor *s, struct jw *w, uint64_t now_us);

#endif
