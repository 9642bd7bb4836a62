/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.h - protocol identification and roles on any port. Every dissector's strict probe
 * looks at the stream a side sends, over a byte budget (tcp.ident_bytes), restarting at the
 * next segment boundary after a "no". Client and server come from content when the TCP
 * handshake was not seen or the port is not the protocol's own: the client is the side
 * whose PDUs are requests and whose identifiers the other side answers (pd.h role());
 * default ports and the handshake only break a tie. libc and the dissectors only.
 */
#ifndef TZ_IDENT_H
#define TZ_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "pd.h"

enum ident_answer { IDENT_NO = 0, IDENT_YES, IDENT_MORE };

#define IDENT_MARKS 64    /* segment boundaries remembered per side while probing */
#define IDENT_PDUS 32     /* whole PDUs (end offset and time) remembered per side */
#define IDENT_IDS 8       /* transaction ids remembered per side */
#define IDENT_DECIDE 2    /* evidence that settles the roles */
#define IDENT_WATCH 8     /* PDUs checked against the roles once they are set */

/* What identification knows about one side's buffered stream. */
struct ident_side {
    uint32_t marks[IDENT_MARKS]; /* offsets in the buffer where a delivery began */
    uint8_t n_marks;
    uint8_t walk;                /* 0 not started, 1 framing from `fed`, 2 given up */
    uint16_t n_pdus;
    uint32_t start;              /* offset of the first PDU the walk found */
    uint32_t fed;                /* bytes of the buffer the walk has framed */
    uint32_t pdu_end[IDENT_PDUS];
    uint32_t pdu_ord[IDENT_PDUS];
    uint64_t pdu_ts[IDENT_PDUS];
    uint32_t ids[IDENT_IDS];
    uint8_t n_ids, ids_next;
};

/* Per TCP flow while its protocol or its roles are being found. */
struct ident_state {
    uint32_t bytes;                   /* payload bytes looked at (the budget) */
    uint32_t ord;                     /* PDU completion order across both sides */
    const struct pd_dissector *cand;  /* protocol found, roles still open */
    int16_t score;                    /* > 0: side 0 is the client; < 0: side 1 */
    uint8_t ready;                    /* the roles can be settled now */
    uint8_t watch;                    /* PDUs still checked against the roles */
    uint8_t confirmed;                /* a checked PDU agreed with the roles */
    uint8_t swap_pending;             /* a checked PDU contradicted them: swap once */
    uint8_t swapped;
    struct ident_side side[2];
};

/* Is port a default port of some dissector for this transport (6 TCP / 17 UDP)? */
int ident_is_hint_port(uint16_t port, uint8_t l4proto);
/* Is port one of d's default ports? */
int ident_is_own_port(const struct pd_dissector *d, uint16_t port);
/* Probes payload p[0..n) sent in direction dir of a flow whose server port is server_port. */
enum ident_answer ident_probe(uint8_t l4proto, uint16_t server_port, uint8_t dir,
                              const uint8_t *p, size_t n, const struct pd_dissector **out);

/* A delivery was appended to a side's buffer at offset `at`. */
void ident_mark(struct ident_side *s, uint32_t at);
/* After a "no" on a buffer of blen bytes: bytes to drop so it starts at the next segment
 * boundary (blen when there is none); the marks are moved along. */
uint32_t ident_skip(struct ident_side *s, uint32_t blen);
/* Forgets what a side's buffer held (a gap, or the buffer was emptied). */
void ident_side_reset(struct ident_side *s);

/* Frames the whole PDUs of side `side`'s buffer buf[0..n) not yet looked at with d and
 * weighs what each says about the roles; now_us is when they completed. */
void ident_roles_feed(struct ident_state *st, const struct pd_dissector *d, int side,
                      const uint8_t *buf, uint32_t n, uint64_t now_us);
/* +1: side 0 is the client; -1: side 1 is; 0: not settled yet. */
int ident_roles_verdict(const struct ident_state *st);
/* While st->watch: one PDU of `side` (0 = the current client) about to be parsed. Returns 1
 * when it contradicts the roles before anything confirmed them (st->swap_pending is set:
 * swap once); else 0. */
int ident_roles_check(struct ident_state *st, const struct pd_dissector *d, int side,
                      const uint8_t *p, size_t n);
/* The roles were swapped: side 0 and 1 trade what was learnt about them. */
void ident_roles_swap(struct ident_state *st);

#endif
