/* ports.h - which end of a connection is likely the server, by its port.
 *
 * Used when the capture does not show who sent the SYN: by the outcome
 * state machine to name client and server, and by the Zeek view, which
 * follows Zeek's own rule.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_PORTS_H
#define TCPCONN_PORTS_H

#include <stdbool.h>
#include <stdint.h>

/* True for a port that Zeek's default scripts register an analyzer for
 * (80, 443, 22...). */
bool tcpconn_likely_server_port(uint16_t port);

typedef enum {
    TCPCONN_SERVER_UNKNOWN = 0,
    TCPCONN_SERVER_IS_SOURCE,
    TCPCONN_SERVER_IS_DESTINATION,
} tcpconn_server_guess;

/* Which end of a segment is the server, judged by ports alone: a likely
 * server port against one that is not, then a port below 1024 against one
 * at or above it. */
tcpconn_server_guess tcpconn_guess_server(uint16_t src_port, uint16_t dst_port);

#endif /* TCPCONN_PORTS_H */
