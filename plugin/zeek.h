/* zeek.h - Zeek's conn_state and history for a connection attempt.
 *
 * Security teams read Zeek's conn.log; this follows Zeek's rules for the
 * originator and responder (including when Zeek swaps them), for the
 * endpoint states that conn_state is derived from, and for the history
 * letters, so that a Zeek record can be looked up in Wireshark with the same
 * words. Plain C, fed the same segments as attempt.c.
 *
 * The record costs TCPCONN_ZEEK_BYTES per attempt, which the tcpconn.zeek
 * preference tells the user.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_ZEEK_H
#define TCPCONN_ZEEK_H

#include <stdbool.h>
#include <stdint.h>

#include "segment.h"

/* What the record costs per attempt (checked in zeek.c). */
#define TCPCONN_ZEEK_BYTES 112

/* Room for the history letters; a longer history ends with '+'. */
#define TCPCONN_ZEEK_HISTORY_MAX 23

/* Per-attempt Zeek state. Endpoint data is indexed by orientation, so a role
 * swap only flips `originator`. */
typedef struct {
    int64_t first_ns; /* Zeek's timers run on packet time */
    int64_t last_ns;
    char history[TCPCONN_ZEEK_HISTORY_MAX];
    uint8_t history_len;
    uint32_t last_seq[2];         /* highest sequence end seen from each endpoint */
    uint32_t start_seq[2];        /* each endpoint's initial sequence number */
    uint32_t contiguous[2];       /* each endpoint's data received without a hole, up to here */
    uint32_t last_flag_seq[2][3]; /* per endpoint: sequence of its last SYN, FIN and RST */
    uint16_t events[2][4]; /* per endpoint: bad checksums, retransmissions, zero windows, gaps */
    uint16_t seen_once;    /* once-per-direction letters, by role */
    uint8_t state[2];      /* per endpoint: state in the low nibble, previous state high */
    uint8_t originator;    /* orientation of Zeek's originator */
    uint8_t flags;         /* endpoints seen, payload sent, timers; see zeek.c */
} tcpconn_zeek;

/* Starts the record with the attempt's first segment, then feeds it. */
void tcpconn_zeek_start(tcpconn_zeek *z, const tcpconn_segment *s);

/* Feeds a later segment. Once Zeek's timers would have removed the
 * connection, later segments (which Zeek gives to a new connection) leave
 * the record as it was. */
void tcpconn_zeek_segment_in(tcpconn_zeek *z, const tcpconn_segment *s);

/* Zeek's conn_state code: "S0", "SF", "REJ"... */
const char *tcpconn_zeek_conn_state(const tcpconn_zeek *z);

/* A short description of a conn_state code, in our words. */
const char *tcpconn_zeek_conn_state_meaning(const char *code);

/* The history letters, NUL-terminated (the record keeps them unterminated). */
void tcpconn_zeek_history(const tcpconn_zeek *z, char out[TCPCONN_ZEEK_HISTORY_MAX + 1]);

/* True when the orientation is Zeek's originator's. */
bool tcpconn_zeek_is_originator(const tcpconn_zeek *z, uint8_t orientation);

#endif /* TCPCONN_ZEEK_H */
