/* stats_tap.h - the "tcpconn" tap: what output.c queues for each connection
 * attempt, and the statistics tree (stats.c) that reads it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_STATS_TAP_H
#define TCPCONN_STATS_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "connects.h"
#include "outcome.h"

/* Queued on the "tcpconn" tap once per connection attempt: on its deciding
 * frame after a full pass, or where its outcome became final in one pass. */
typedef struct {
    tcpconn_reason reason;
    const char *client_address; /* "192.0.2.10", "2001:db8::10" */
    const char *server;         /* "198.51.100.20:443", "[2001:db8::20]:443" */
    uint32_t syn_count;
    bool connected;
    uint32_t connect_us;
    uint32_t concurrent;
    const char *server_name; /* from DNS, or NULL */
    /* Set on the attempt that decided its connect: after a full pass the
     * winner, or the attempt decided last; in one pass only a winner (a
     * connect whose attempts all failed so far may still fall back). */
    bool connect_decided;
    tcpconn_connect_result connect_result;
    uint32_t connect_lost_us; /* from the first attempt to the winner's first SYN */
} tcpconn_tap_info;

/* Registers the "TCP Connection Outcomes" statistics tree (stats.c). */
void tcpconn_register_stats(void);

#endif /* TCPCONN_STATS_TAP_H */
