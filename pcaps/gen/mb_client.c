/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mb_client.c - a libmodbus Modbus/TCP client that plays one scenario against a server, used
 * by pcaps/gen/regen.sh (Modbus Application Protocol v1.1b3 function codes).
 *   rw          reads FC 1-4, writes FC 5/6/15/16, FC 22, FC 23, FC 17, one request per turn
 *   exceptions  requests the server must refuse: illegal function (01), illegal data address
 *               (02) and illegal data value (03), the last ones sent raw because libmodbus
 *               itself refuses to build them; then FC 7, which libmodbus leaves unanswered
 * Usage: mb_client ADDR PORT SCENARIO
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus/modbus.h>

#define MB_CLIENT_UNIT 1

static int client_failures;

static int client_parse_port(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

/* A call that must succeed: counts and reports a failure, goes on. */
static void client_expect_ok(const char *what, int rc)
{
    if (rc < 0) {
        fprintf(stderr, "mb_client: %s failed: %s\n", what, modbus_strerror(errno));
        client_failures++;
    }
}

/* A call the server must refuse with exception `code` (libmodbus maps code c to
 * MODBUS_ENOBASE + c). */
static void client_expect_exception(const char *what, int rc, int code)
{
    if (rc >= 0 || errno != MODBUS_ENOBASE + code) {
        fprintf(stderr, "mb_client: %s: expected exception %d, got rc=%d (%s)\n", what, code,
                rc, rc < 0 ? modbus_strerror(errno) : "ok");
        client_failures++;
    }
}

/* Sends `pdu` (unit id first, then function code and data) as is and reads the answer.
 * An exception response returns -1 with errno set the way libmodbus's own calls set it. */
static int client_raw(modbus_t *ctx, const uint8_t *pdu, int len)
{
    uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];

    if (modbus_send_raw_request(ctx, pdu, len) < 0)
        return -1;
    int n = modbus_receive_confirmation(ctx, rsp);
    if (n >= 9 && (rsp[7] & 0x80) != 0) {
        errno = MODBUS_ENOBASE + rsp[8];
        return -1;
    }
    return n;
}

static void client_rw(modbus_t *ctx)
{
    uint8_t bits[128];
    uint16_t regs[128];
    uint8_t id[64];

    client_expect_ok("FC1 read coils", modbus_read_bits(ctx, 0, 20, bits));
    client_expect_ok("FC2 read discrete inputs", modbus_read_input_bits(ctx, 3, 16, bits));
    client_expect_ok("FC3 read holding registers", modbus_read_registers(ctx, 0, 10, regs));
    client_expect_ok("FC4 read input registers", modbus_read_input_registers(ctx, 10, 4, regs));
    /* 100 registers: more values than the sensor keeps by default (values_truncated). */
    client_expect_ok("FC3 read 100 registers", modbus_read_registers(ctx, 0, 100, regs));

    client_expect_ok("FC5 write coil on", modbus_write_bit(ctx, 7, 1));
    client_expect_ok("FC5 write coil off", modbus_write_bit(ctx, 8, 0));
    client_expect_ok("FC6 write register", modbus_write_register(ctx, 20, 0x1234));

    static const uint8_t coils[10] = { 1, 0, 1, 1, 0, 0, 1, 0, 1, 1 };
    client_expect_ok("FC15 write coils", modbus_write_bits(ctx, 30, 10, coils));
    static const uint16_t vals[5] = { 11, 22, 33, 44, 55 };
    client_expect_ok("FC16 write registers", modbus_write_registers(ctx, 40, 5, vals));

    client_expect_ok("FC22 mask write register",
                     modbus_mask_write_register(ctx, 20, 0x00f2, 0x0025));
    static const uint16_t wr[3] = { 0xaaaa, 0xbbbb, 0xcccc };
    client_expect_ok("FC23 read/write registers",
                     modbus_write_and_read_registers(ctx, 50, 3, wr, 48, 6, regs));
    client_expect_ok("FC17 report server id", modbus_report_slave_id(ctx, sizeof id, id));

    /* Read back what was written, so the responses show the new values. */
    client_expect_ok("FC1 read back coils", modbus_read_bits(ctx, 30, 10, bits));
    client_expect_ok("FC3 read back registers", modbus_read_registers(ctx, 40, 5, regs));
}

static void client_exceptions(modbus_t *ctx)
{
    uint8_t bits[128];
    uint16_t regs[128];

    /* 02 illegal data address: outside the 0-99 mapping. */
    client_expect_exception("FC3 at 200", modbus_read_registers(ctx, 200, 5, regs), 2);
    client_expect_exception("FC1 95+10", modbus_read_bits(ctx, 95, 10, bits), 2);
    client_expect_exception("FC4 at 150", modbus_read_input_registers(ctx, 150, 1, regs), 2);
    client_expect_exception("FC6 at 500", modbus_write_register(ctx, 500, 7), 2);
    client_expect_exception("FC22 at 300", modbus_mask_write_register(ctx, 300, 0, 1), 2);

    /* 03 illegal data value: quantities out of range, a bad coil value, a byte count that
     * does not match the quantity. */
    static const uint8_t qty0[] = { MB_CLIENT_UNIT, 0x03, 0x00, 0x00, 0x00, 0x00 };
    client_expect_exception("FC3 qty 0", client_raw(ctx, qty0, sizeof qty0), 3);
    static const uint8_t qty126[] = { MB_CLIENT_UNIT, 0x03, 0x00, 0x00, 0x00, 0x7e };
    client_expect_exception("FC3 qty 126", client_raw(ctx, qty126, sizeof qty126), 3);
    static const uint8_t coil_val[] = { MB_CLIENT_UNIT, 0x05, 0x00, 0x01, 0x12, 0x34 };
    client_expect_exception("FC5 value 0x1234", client_raw(ctx, coil_val, sizeof coil_val), 3);
    static const uint8_t bad_count[] = {
        MB_CLIENT_UNIT, 0x10, 0x00, 0x00, 0x00, 0x02, 0x03, 0x00, 0x01, 0x00,
    };
    client_expect_exception("FC16 byte count 3 for 2 registers",
                            client_raw(ctx, bad_count, sizeof bad_count), 3);

    /* 01 illegal function: codes libmodbus does not serve. */
    static const uint8_t fc8[] = { MB_CLIENT_UNIT, 0x08, 0x00, 0x00, 0xa5, 0x37 };
    client_expect_exception("FC8 sub 0", client_raw(ctx, fc8, sizeof fc8), 1);
    static const uint8_t fc43[] = { MB_CLIENT_UNIT, 0x2b, 0x0e, 0x01, 0x00 };
    client_expect_exception("FC43/14", client_raw(ctx, fc43, sizeof fc43), 1);
    static const uint8_t fc65[] = { MB_CLIENT_UNIT, 0x41, 0x01, 0x02 };
    client_expect_exception("FC65 user defined", client_raw(ctx, fc65, sizeof fc65), 1);

    /* FC 7: libmodbus 3.1.6 knows the code but sends nothing back (modbus_reply fails with
     * ENOPROTOOPT), so this request stays unanswered: a real no_response case. */
    static const uint8_t fc7[] = { MB_CLIENT_UNIT, 0x07 };
    modbus_set_response_timeout(ctx, 0, 300000);
    if (client_raw(ctx, fc7, sizeof fc7) >= 0 || errno != ETIMEDOUT) {
        fprintf(stderr, "mb_client: FC7: expected no answer\n");
        client_failures++;
    }
    modbus_set_response_timeout(ctx, 2, 0);

    /* One good read at the end: the connection is still usable. */
    client_expect_ok("FC3 after exceptions", modbus_read_registers(ctx, 0, 2, regs));
}

int main(int argc, char **argv)
{
    int port = 0;

    if (argc != 4 || client_parse_port(argv[2], &port) < 0) {
        fprintf(stderr, "usage: mb_client ADDR PORT rw|exceptions\n");
        return 2;
    }
    modbus_t *ctx = modbus_new_tcp(argv[1], port);
    if (ctx == NULL) {
        fprintf(stderr, "mb_client: modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, MB_CLIENT_UNIT);
    modbus_set_response_timeout(ctx, 2, 0);
    if (modbus_connect(ctx) < 0) {
        fprintf(stderr, "mb_client: connect to %s:%d: %s\n", argv[1], port,
                modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }

    int rc = 0;
    if (strcmp(argv[3], "rw") == 0) {
        client_rw(ctx);
    } else if (strcmp(argv[3], "exceptions") == 0) {
        client_exceptions(ctx);
    } else {
        fprintf(stderr, "mb_client: unknown scenario %s\n", argv[3]);
        rc = 2;
    }

    modbus_close(ctx);
    modbus_free(ctx);
    if (client_failures > 0) {
        fprintf(stderr, "mb_client: %d unexpected results\n", client_failures);
        rc = 1;
    }
    return rc;
}
