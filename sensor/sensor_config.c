/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor_config.c - the sensor's one config table: every YAML key with its type, default,
 * bounds and help. --help, --dump-config, the YAML loader and the command-line options
 * all go through it (common/config.h).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_lines.h"
#include "reasm.h"
#include "sensor.h"

#define S(field) offsetof(struct sensor_config, field), sizeof(((struct sensor_config *)0)->field)

const struct cfg_opt sensor_config_table[] = {
    {"sensor.id", CFG_STR, S(sensor_id), "tanzhen", 1, 64,
     "sensor id carried by every event (EVENTS.md `sensor`)"},
    {"capture.interface", CFG_STR, S(interface), "", 0, 63,
     "interface for live capture (-i); empty when reading files (-r)"},
    {"capture.filter", CFG_STR, S(filter), "", 0, 1023, "BPF filter applied by libpcap (-f)"},
    {"capture.buffer_mb", CFG_INT, S(buffer_mb), "64", 1, 4096,
     "kernel ring (TPACKET_V3) buffer size in MiB for live capture"},
    {"capture.poll_timeout_ms", CFG_INT, S(poll_timeout_ms), "100", 1, 1000,
     "how long a live read waits for a block of packets (never immediate mode)"},
    {"capture.snaplen", CFG_INT, S(snaplen), "65535", 128, 262144, "bytes captured per frame"},
    {"capture.promisc", CFG_BOOL, S(promisc), "true", 0, 1, "promiscuous mode for live capture"},
    {"pipeline.workers", CFG_INT, S(workers), "2", 1, SENSOR_MAX_WORKERS,
     "worker threads (-w); flows are spread by a symmetric 5-tuple hash"},
    {"pipeline.packet_ring_kb", CFG_INT, S(packet_ring_kb), "16384", 256, 1048576,
     "capture -> worker ring size per worker in KiB (rounded up to a power of two)"},
    {"pipeline.event_ring_kb", CFG_INT, S(event_ring_kb), "8192", 256, 1048576,
     "worker -> publisher ring size per worker in KiB (rounded up to a power of two)"},
    {"flows.max", CFG_INT, S(flows_max), "65536", 64, 16777216,
     "flows tracked per worker; the least recently seen is evicted (counted)"},
    {"flows.max_ics", CFG_INT, S(ics_flows_max), "4096", 16, 1048576,
     "flows per worker with protocol decoding state and TCP reassembly buffers"},
    {"flows.timeout_tcp_s", CFG_INT, S(timeout_tcp_s), "600", 1, 86400,
     "idle timeout of an open TCP flow"},
    {"flows.timeout_udp_s", CFG_INT, S(timeout_udp_s), "120", 1, 86400,
     "idle timeout of a UDP flow"},
    {"flows.timeout_closed_s", CFG_INT, S(timeout_closed_s), "10", 0, 3600,
     "how long a closed (FIN/RST) TCP flow lingers for late packets"},
    {"tcp.max_pdu", CFG_INT, S(max_pdu), "65544", 512, 1048576,
     "largest PDU reassembled per direction; larger ones are skipped as an anomaly"},
    {"tcp.ooo_bytes", CFG_INT, S(ooo_bytes), "16384", 1024, 1048576,
     "out-of-order bytes buffered per direction before a hole is given up"},
    {"tcp.ooo_segments", CFG_INT, S(ooo_segments), "256", 1, REASM_MAX_SEG,
     "out-of-order segments buffered per direction; past this (or tcp.ooo_bytes) the oldest "
     "hole is given up like a gap (health tcp.ooo_overflow, a tcp_gap anomaly)"},
    {"tcp.ident_bytes", CFG_INT, S(ident_bytes), "16384", 64, 1048576,
     "stream bytes (both directions) the protocol probes may look at before a TCP flow is "
     "called non-ICS; also the budget for finding client and server from content"},
    {"dissect.max_values", CFG_INT, S(max_values), "64", 1, 2048,
     "register/coil/point values kept per event (values_truncated when cut)"},
    {"dissect.max_items", CFG_INT, S(max_items), "32", 1, 1024,
     "items, objects or nodes kept per event"},
    {"dissect.max_points", CFG_INT, S(max_points), "64", 1, 4096,
     "points kept per object header"},
    {"dissect.max_pending", CFG_INT, S(max_pending), "16", 1, PD_MAX_PENDING,
     "outstanding requests remembered per flow"},
    {"dissect.txn_timeout_ms", CFG_INT, S(txn_timeout_ms), "5000", 10, 3600000,
     "a request unanswered this long becomes a no_response event"},
    {"dissect.iec104.time_zone", CFG_STR, S(iec104_tz), "UTC", 1, 63,
     "zone IEC 104 CP56Time2a tags are read in: UTC, an offset (+08:00) or an IANA name "
     "(Asia/Shanghai, from tzdata); events carry time_tag as sent and time_utc"},
    {"dissect.iec104.time_zone_by_ca", CFG_MAP, S(iec104_tz_by_ca), "", 0, 0,
     "per common address: CA = zone (overrides dissect.iec104.time_zone for that CA)"},
    {"ndpi.enabled", CFG_BOOL, S(ndpi_enabled), "true", 0, 1,
     "classify every flow with nDPI (application name in flow events)"},
    {"ndpi.max_packets", CFG_INT, S(ndpi_max_packets), "32", 1, 1000,
     "packets given to nDPI before it must decide (then it is given up)"},
    {"output.jsonl", CFG_STR, S(jsonl), "", 0, SENSOR_PATH_MAX - 1,
     "write events as JSON lines to this file, or - for standard output (--jsonl)"},
    {"output.collector", CFG_STR, S(collector), "", 0, 255,
     "collector ZeroMQ endpoint, e.g. tcp://127.0.0.1:7700 (--collector)"},
    {"output.batch_events", CFG_INT, S(batch_events), "512", 1, 100000,
     "events per batch sent to the collector"},
    {"output.batch_ms", CFG_INT, S(batch_ms), "200", 1, 60000,
     "a partial batch is sent after this long"},
    {"output.ack_wait_s", CFG_INT, S(ack_wait_s), "15", 0, 3600,
     "at shutdown, how long to wait for the collector to ack what was sent"},
    {"output.curve", CFG_BOOL, S(curve), "true", 0, 1,
     "encrypt and authenticate with ZeroMQ CURVE (--insecure turns it off: plain TCP)"},
    {"output.server_key", CFG_STR, S(server_key), "", 0, SENSOR_PATH_MAX - 1,
     "the collector's PUBLIC certificate (collector.key) for CURVE (--server-key)"},
    {"output.client_key", CFG_STR, S(client_key), "", 0, SENSOR_PATH_MAX - 1,
     "this sensor's SECRET certificate (NAME.key_secret from keygen) (--client-key)"},
    {"output.state_dir", CFG_STR, S(state_dir), "", 0, SENSOR_PATH_MAX - 64,
     "persisted seq numbers and the spool of unacked batches; empty: none, seq starts at 1 "
     "(--state-dir)"},
    {"output.memory_batches", CFG_INT, S(memory_batches), "64", 1, 100000,
     "unacked batches held in memory; past that they live only in the spool"},
    {"output.spool_mb", CFG_INT, S(spool_mb), "1024", 1, 1048576,
     "bound of the on-disk spool in MiB; when full the oldest unacked data is dropped"},
    {"output.resend_ms", CFG_INT, S(resend_ms), "5000", 100, 3600000,
     "resend a batch unacked this long while the collector acks nothing (doubles per resend)"},
    {"health.interval_s", CFG_INT, S(health_interval_s), "10", 1, 3600,
     "seconds between health heartbeats"},
    {"zones", CFG_MAP, S(zones), "", 0, 0,
     "network zones: name -> comma-separated CIDRs (flow events carry zone_src/zone_dst)"},
    /* encapsulations, mirror paths, IP fragments */
    {"decode.vxlan_ports", CFG_STR, S(vxlan_ports), "4789", 0, 127,
     "UDP destination ports decoded as VXLAN, comma-separated (at most 8); empty: none"},
    {"decode.max_depth", CFG_INT, S(decode_max_depth), "4", 1, DECODE_MAX_DEPTH,
     "nested encapsulations (GRE, ERSPAN, VXLAN, MPLS) decoded per packet; a deeper packet is "
     "counted (health tunnel.too_deep) and skipped"},
    {"decode.mirror_switch_ms", CFG_INT, S(mirror_switch_ms), "500", 0, 3600000,
     "a flow direction seen on several mirror paths (plain, each tunnel) is decoded from the "
     "first; another takes over when it has been silent this long; 0: every copy is decoded"},
    {"frag.max_datagrams", CFG_INT, S(frag_max_datagrams), "256", 1, 1048576,
     "IP datagrams reassembled at once; a new one evicts the oldest (counted)"},
    {"frag.datagram_bytes", CFG_INT, S(frag_datagram_bytes), "65535", 64, 65535,
     "largest reassembled datagram payload; a longer one is dropped (counted)"},
    {"frag.total_kb", CFG_INT, S(frag_total_kb), "4096", 64, 1048576,
     "fragment data held at once in KiB, every datagram together (allocated at start)"},
    {"frag.timeout_ms", CFG_INT, S(frag_timeout_ms), "30000", 10, 3600000,
     "an incomplete datagram is dropped this long after its first fragment (capture time)"},
    CFG_END,
};

/* decode.vxlan_ports: "4789, 8472" -> c->dopts.vxlan_ports */
static int parse_ports(struct sensor_config *c, char *err, size_t errlen)
{
    const char *p = c->vxlan_ports;
    c->dopts.n_vxlan_ports = 0;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65535 || (*end && *end != ',' && *end != ' ')) {
            snprintf(err, errlen,
                     "decode.vxlan_ports: '%s' is not a comma-separated list of UDP ports",
                     c->vxlan_ports);
            return -1;
        }
        if (c->dopts.n_vxlan_ports >= DECODE_MAX_VXLAN_PORTS) {
            snprintf(err, errlen, "decode.vxlan_ports: more than %d ports", DECODE_MAX_VXLAN_PORTS);
            return -1;
        }
        c->dopts.vxlan_ports[c->dopts.n_vxlan_ports++] = (uint16_t)v;
        p = end;
    }
    c->dopts.max_depth = (uint8_t)c->decode_max_depth;
    return 0;
}

int sensor_config_finish(struct sensor_config *c, char *err, size_t errlen)
{
    if (parse_ports(c, err, errlen) != 0)
        return -1;
    if (c->interface[0] == '\0' && c->jsonl[0] == '\0' && c->collector[0] == '\0') {
        /* allowed for --check-config; main() decides whether an output is needed */
    }
    if (c->collector[0] && strncmp(c->collector, "tcp://", 6) != 0 &&
        strncmp(c->collector, "ipc://", 6) != 0) {
        snprintf(err, errlen, "output.collector: '%s' is not a tcp:// or ipc:// endpoint",
                 c->collector);
        return -1;
    }
    if (c->collector[0] && c->curve) {
        if (!c->client_key[0]) {
            snprintf(err, errlen,
                     "output.client_key is not set: CURVE (output.curve, on by default) needs "
                     "this sensor's secret certificate (--client-key FILE, made by "
                     "tanzhen-sensor keygen), or give --insecure for plain TCP");
            return -1;
        }
        if (!c->server_key[0]) {
            snprintf(err, errlen,
                     "output.server_key is not set: CURVE (output.curve, on by default) needs "
                     "the collector's public certificate (--server-key FILE), or give "
                     "--insecure for plain TCP");
            return -1;
        }
    }
    return 0;
}

static int parse_cidr(const char *text, struct zone *z)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n == 0 || n >= sizeof addr)
        return -1;
    memcpy(addr, text, n);
    addr[n] = '\0';
    memset(z->net, 0, sizeof z->net);
    if (inet_pton(AF_INET, addr, z->net) == 1)
        z->ipver = 4;
    else if (inet_pton(AF_INET6, addr, z->net) == 1)
        z->ipver = 6;
    else
        return -1;
    int maxlen = z->ipver == 4 ? 32 : 128;
    long plen = maxlen;
    if (slash) {
        char *end = NULL;
        plen = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || plen < 0 || plen > maxlen)
            return -1;
    }
    z->plen = (uint8_t)plen;
    return 0;
}

int zones_parse(const char *map, struct zone *z, int max, char *err, size_t errlen)
{
    int count = 0;
    const char *line = map;
    char buf[1024], *rest;
    int got;
    while ((got = kv_line_next(&line, buf, sizeof buf, &rest)) != 0) {
        if (got < 0) {
            snprintf(err, errlen, "zones: entry too long");
            return -1;
        }
        const char *name = buf;
        if (strlen(name) == 0 || strlen(name) >= sizeof z->name) {
            snprintf(err, errlen, "zones: zone name '%s' must have 1 to %zu characters", name,
                     sizeof z->name - 1);
            return -1;
        }
        char *save = NULL;
        for (char *tok = strtok_r(rest, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            if (count >= max) {
                snprintf(err, errlen, "zones: more than %d networks", max);
                return -1;
            }
            if (parse_cidr(tok, &z[count]) != 0) {
                snprintf(err, errlen, "zones.%s: '%s' is not an address or CIDR", name, tok);
                return -1;
            }
            memcpy(z[count].name, name, strlen(name) + 1); /* length checked above */
            count++;
        }
    }
    return count;
}

int zones_match(const struct zone *z, int n, uint8_t ipver, const uint8_t *ip)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (z[i].ipver != ipver)
            continue;
        int bits = z[i].plen, ok = 1;
        for (int b = 0; b < bits / 8 && ok; b++)
            ok = z[i].net[b] == ip[b];
        if (ok && bits % 8) {
            uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
            ok = (z[i].net[bits / 8] & mask) == (ip[bits / 8] & mask);
        }
        if (ok && (best < 0 || z[i].plen > z[best].plen))
            best = i;
    }
    return best;
}
