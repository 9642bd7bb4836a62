/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcap_count.c - the floor for the benchmark: the bare libpcap read loop (pcap_open_offline +
 * pcap_next_ex) over a capture, counting packets and bytes and touching nothing else. Whatever
 * the sensor does on top of this is its own cost. Prints "PACKETS BYTES SECONDS".
 * Usage: pcap_count FILE
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t pkts = 0, bytes = 0;
    struct timespec t0, t1;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: pcap_count FILE\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pcap_t *pd = pcap_open_offline(argv[1], err);
    if (pd == NULL) {
        fprintf(stderr, "pcap_count: %s\n", err);
        return 1;
    }
    for (;;) {
        rc = pcap_next_ex(pd, &h, &data);
        if (rc != 1)
            break;
        pkts++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap_count: %s\n", pcap_geterr(pd));
        pcap_close(pd);
        return 1;
    }
    pcap_close(pd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%" PRIu64 " %" PRIu64 " %.6f\n", pkts, bytes, secs);
    return 0;
}
