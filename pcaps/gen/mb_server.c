/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mb_server.c - a small Modbus/TCP server built on libmodbus (modbus_mapping_new_start_address,
 * modbus_receive, modbus_reply), used by pcaps/gen/regen.sh to capture a real stack. It serves
 * 100 coils, discrete inputs, holding and input registers at addresses 0-99 with known values,
 * answers connections one after the other and exits after `conns` connections have closed.
 * Usage: mb_server ADDR PORT CONNS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modbus/modbus.h>

#define MB_SERVER_POINTS 100

static int server_parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Known contents, so responses carry recognisable values. */
static void server_fill(modbus_mapping_t *map)
{
    for (int i = 0; i < MB_SERVER_POINTS; i++) {
        map->tab_bits[i] = (uint8_t)(i % 3 == 0);
        map->tab_input_bits[i] = (uint8_t)(i % 2 == 0);
        map->tab_registers[i] = (uint16_t)(1000 + i);
        map->tab_input_registers[i] = (uint16_t)(2000 + i);
    }
}

/* Serves one connection until the client closes it. */
static void server_serve(modbus_t *ctx, modbus_mapping_t *map)
{
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];

    for (;;) {
        int n = modbus_receive(ctx, req);
        if (n > 0) {
            if (modbus_reply(ctx, req, n, map) < 0)
                fprintf(stderr, "mb_server: no reply sent (libmodbus: %s)\n",
                        modbus_strerror(errno));
        } else if (n < 0) {
            /* ECONNRESET or an orderly close: the client is done. */
            break;
        }
    }
}

int main(int argc, char **argv)
{
    long port = 0;
    long conns = 0;

    if (argc != 4 || server_parse_int(argv[2], 1, 65535, &port) < 0 ||
        server_parse_int(argv[3], 1, 1000, &conns) < 0) {
        fprintf(stderr, "usage: mb_server ADDR PORT CONNS\n");
        return 2;
    }

    modbus_t *ctx = modbus_new_tcp(argv[1], (int)port);
    if (ctx == NULL) {
        fprintf(stderr, "mb_server: modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_mapping_t *map = modbus_mapping_new_start_address(
        0, MB_SERVER_POINTS, 0, MB_SERVER_POINTS, 0, MB_SERVER_POINTS, 0, MB_SERVER_POINTS);
    if (map == NULL) {
        fprintf(stderr, "mb_server: mapping: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }
    server_fill(map);

    int listen_fd = modbus_tcp_listen(ctx, 1);
    if (listen_fd < 0) {
        fprintf(stderr, "mb_server: listen on %s:%ld: %s\n", argv[1], port,
                modbus_strerror(errno));
        modbus_mapping_free(map);
        modbus_free(ctx);
        return 1;
    }
    printf("mb_server: listening on %s:%ld\n", argv[1], port);
    fflush(stdout);

    int rc = 0;
    for (long i = 0; i < conns; i++) {
        if (modbus_tcp_accept(ctx, &listen_fd) < 0) {
            fprintf(stderr, "mb_server: accept: %s\n", modbus_strerror(errno));
            rc = 1;
            break;
        }
        server_serve(ctx, map);
        modbus_close(ctx);
    }

    close(listen_fd);
    modbus_mapping_free(map);
    modbus_free(ctx);
    return rc;
}
