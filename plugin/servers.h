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
#include "segment.h" /* TCPCONN_ENDPOINT_LEN */

typedef struct tcpconn_servers tcpconn_servers;

tcpconn_servers *tcpconn_servers_new(const tcpconn_allocator *alloc);
void tcpconn_servers_free(tcpconn_servers *s);

/* The id of a server endpoint, created on first sight. Ids start at 0. */
uint32_t tcpconn_servers_id(tcpconn_servers *s, const uint8_t *endpoint);

/* An attempt to server `id` begins: returns its 1-based index among the
 * attempts to that server. */
uint32_t tcpconn_servers_count_attempt(tcpconn_servers *s, uint32_t id);

/* One more attempt to server `id` is open: returns how many are, this one
 * included (saturating). */
uint16_t tcpconn_servers_open(tcpconn_servers *s, uint32_t id);

/* One attempt to server `id` stopped being open. */
void tcpconn_servers_close(tcpconn_servers *s, uint32_t id);

/* No attempt is open any more, anywhere (before counting them again). */
void tcpconn_servers_reset_open(tcpconn_servers *s);

size_t tcpconn_servers_count(const tcpconn_servers *s);
size_t tcpconn_servers_bytes(const tcpconn_servers *s);

#endif /* TCPCONN_SERVERS_H */
