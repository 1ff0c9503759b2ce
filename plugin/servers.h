/* servers.h - connection attempts counted per server endpoint.
 *
 * A server is an address and port, given as TCPCONN_ENDPOINT_LEN opaque
 * bytes. Each gets a small id, so an attempt stores 4 bytes, not an
 * address. Plain C, with the caller's allocator (see streams.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_SERVERS_H
#define TCPCONN_SERVERS_H

#include <stddef.h>
#include <stdint.h>

#include "allocator.h"
#include "attempt.h"

typedef struct tcpconn_servers tcpconn_servers;

tcpconn_servers *tcpconn_servers_new(const tcpconn_allocator *alloc);
void tcpconn_servers_free(tcpconn_servers *s);

/* The id of a server endpoint, created on first sight. Ids start at 0. */
uint32_t tcpconn_servers_id(tcpconn_servers *s, const uint8_t *endpoint);

/* An attempt to server `id` begins: its 1-based index among the attempts to
 * that server, and the number of attempts to it not yet closed, this one
 * included (what is known while reading; see tcpconn_concurrency_final). */
void tcpconn_servers_attempt_begins(tcpconn_servers *s, uint32_t id, uint32_t *index,
                                    uint16_t *open);

/* An attempt to server `id` closed (its first FIN or RST, or an ICMP error). */
void tcpconn_servers_attempt_closes(tcpconn_servers *s, uint32_t id);

size_t tcpconn_servers_count(const tcpconn_servers *s);
size_t tcpconn_servers_bytes(const tcpconn_servers *s);

/* Final concurrency, once the whole capture is known: for each attempt, the
 * attempts to the same server that were open at its first packet, itself
 * included. An attempt is open from its first packet to its end_ns. Sorts
 * `attempts` (by server, then start). */
void tcpconn_concurrency_final(tcpconn_attempt **attempts, size_t n);

#endif /* TCPCONN_SERVERS_H */
