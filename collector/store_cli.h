/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_cli.h - the store's subcommands of tanzhen-collector: `verify` (the hash chain and
 * its anchors, verify.h) and `dump` (the stored events as JSON lines, store_query.h).
 * Exit codes: 0 ok, 1 the chain does not hold (verify), 2 usage or an unreadable store.
 */
#ifndef TZ_STORE_CLI_H
#define TZ_STORE_CLI_H

int store_cli_verify(int argc, char **argv);
int store_cli_dump(int argc, char **argv);

#endif
