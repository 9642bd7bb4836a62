/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_floor.c - what the sensor's architecture costs before it decodes anything: the
 * bare libpcap read loop of pcap_count, plus the hand-off DESIGN.md asks for (a capture
 * thread copying each frame behind a record header into the sensor's own SPSC ring, in
 * bursts, a worker thread taking them out), plus, optionally, the output: OUT bytes of text
 * a packet gathered in a 1 MiB buffer and written to /dev/null, as the sensor's --jsonl
 * writer does. No decoding, no flow table, no JSON formatting.
 *
 * The sensor cannot be faster than this program run with the sensor's JSON bytes per
 * packet, so this run's packets/s over the bare loop's is the ceiling of sensor/bare.
 * Prints "PACKETS BYTES SECONDS".
 * Usage: pipeline_floor FILE [OUT_BYTES_PER_PACKET]      (default 0: no output)
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <pcap/pcap.h>

#include "ring.h"

#define RING_BYTES (16u << 20) /* the sensor's default pipeline.packet_ring_kb */
#define BURST 64               /* the sensor's CAPTURE_BURST and WORKER_BURST */
#define OUT_BUF (1u << 20)     /* the sensor's --jsonl buffer */

/* Stands in for the sensor's struct pkt_rec: the frame's time, lengths and offsets. */
struct rec_head {
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    uint8_t pad[48];
};

struct floor {
    struct ring ring;
    _Atomic int done;
    size_t out_per_pkt;
    FILE *out;
    uint64_t pkts, bytes; /* the worker's counts */
    int out_error;
};

static void on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
    struct floor *f = (struct floor *)arg;
    uint32_t need = (uint32_t)sizeof(struct rec_head) + h->caplen;
    void *rec;
    while ((rec = ring_reserve(&f->ring, need)) == NULL) {
        /* a replay waits, as the sensor's does: publish, let a quarter drain */
        ring_commit(&f->ring);
        do {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        } while (ring_used(&f->ring) > f->ring.size / 4 * 3);
    }
    struct rec_head *rh = rec;
    rh->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    rh->caplen = h->caplen;
    rh->wirelen = h->len;
    memcpy((uint8_t *)rec + sizeof *rh, data, h->caplen);
}

/* As the sensor's --jsonl writer: a stream without stdio's buffer, one fwrite a megabyte. */
static void flush_out(struct floor *f, const char *buf, size_t n)
{
    if (fwrite(buf, 1, n, f->out) != n)
        f->out_error = 1;
}

static void *worker(void *arg)
{
    struct floor *f = arg;
    char *out = NULL;
    size_t used = 0;
    char line[4096];
    if (f->out_per_pkt) {
        out = malloc(OUT_BUF);
        if (out == NULL) {
            f->out_error = 1;
            f->out_per_pkt = 0;
        }
    }
    if (out) {
        memset(line, 'x', sizeof line);
        line[f->out_per_pkt - 1] = '\n';
    }
    unsigned spins = 0;
    for (;;) {
        int n = 0;
        uint32_t len;
        void *rec;
        while (n < BURST && (rec = ring_peek(&f->ring, &len)) != NULL) {
            const struct rec_head *rh = rec;
            f->pkts++;
            f->bytes += rh->caplen;
            if (out) {
                if (used + f->out_per_pkt > OUT_BUF) {
                    flush_out(f, out, used);
                    used = 0;
                }
                memcpy(out + used, line, f->out_per_pkt);
                used += f->out_per_pkt;
            }
            ring_next(&f->ring);
            n++;
        }
        if (n) {
            ring_release(&f->ring);
            spins = 0;
            continue;
        }
        if (atomic_load_explicit(&f->done, memory_order_acquire) &&
            ring_peek(&f->ring, &len) == NULL)
            break;
        if (++spins < 64) {
            sched_yield();
        } else {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    if (out && used)
        flush_out(f, out, used);
    free(out);
    return NULL;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct timespec t0, t1;
    static struct floor f;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: pipeline_floor FILE [OUT_BYTES_PER_PACKET]\n");
        return 2;
    }
    char *end = "";
    long out = argc == 3 ? strtol(argv[2], &end, 10) : 0;
    if (*end != '\0' || out < 0 || out > 4096) {
        fprintf(stderr, "pipeline_floor: output bytes per packet must be 0..4096\n");
        return 2;
    }
    f.out_per_pkt = (size_t)out;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pcap_t *pd = pcap_open_offline(argv[1], err);
    if (pd == NULL) {
        fprintf(stderr, "pipeline_floor: %s\n", err);
        return 1;
    }
    uint8_t *buf = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (buf == MAP_FAILED) {
        fprintf(stderr, "pipeline_floor: cannot map the ring\n");
        return 1;
    }
    (void)madvise(buf, RING_BYTES, MADV_HUGEPAGE);
    ring_init(&f.ring, buf, RING_BYTES);
    f.out = fopen("/dev/null", "w");
    if (f.out == NULL) {
        fprintf(stderr, "pipeline_floor: cannot open /dev/null\n");
        return 1;
    }
    setvbuf(f.out, NULL, _IONBF, 0);
    pthread_t th;
    if (pthread_create(&th, NULL, worker, &f) != 0) {
        fprintf(stderr, "pipeline_floor: cannot start the worker\n");
        return 1;
    }
    int n;
    while ((n = pcap_dispatch(pd, BURST, on_frame, (u_char *)&f)) > 0)
        ring_commit(&f.ring);
    ring_commit(&f.ring);
    atomic_store_explicit(&f.done, 1, memory_order_release);
    pthread_join(th, NULL);
    int rc = 0;
    if (n < 0) {
        fprintf(stderr, "pipeline_floor: %s\n", pcap_geterr(pd));
        rc = 1;
    }
    if (f.out_error) {
        fprintf(stderr, "pipeline_floor: writing the output failed\n");
        rc = 1;
    }
    pcap_close(pd);
    if (fclose(f.out) != 0)
        rc = 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%" PRIu64 " %" PRIu64 " %.6f\n", f.pkts, f.bytes, secs);
    return rc;
}
