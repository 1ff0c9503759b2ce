/* packet-tcpconn.h - what the tcpconn post-dissector shares with its
 * statistics.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_PACKET_TCPCONN_H
#define TCPCONN_PACKET_TCPCONN_H

#include <stdbool.h>
#include <stdint.h>

#include "attempt.h"

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
} tcpconn_tap_info;

/* Registers the "TCP Connection Outcomes" statistics tree (stats.c). */
void tcpconn_register_stats(void);

#endif /* TCPCONN_PACKET_TCPCONN_H */
