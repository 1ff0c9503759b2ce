/* output.h - what a packet shows of its attempt: the tcpconn fields, the
 * subtree's sentence, expert info, and the statistics tap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_OUTPUT_H
#define TCPCONN_OUTPUT_H

#include <epan/packet.h>

#include "outcome.h"
#include "streams.h"
#include "wire.h"

/* Everything one packet's output is made from. */
typedef struct {
    const tcpconn_wire *wire;
    const tcpconn_place *place;
    const tcpconn_outcome *outcome;
    const tcpconn_capture *capture;
    const tcpconn_zeek *zeek; /* NULL unless the Zeek view is kept */
    bool note_retries;        /* the tcpconn.note_retries preference */
} tcpconn_shown;

/* Registers the fields, the subtree and the expert items of `proto`. */
void tcpconn_output_register(int proto);

/* Adds the subtree and, on the deciding frame, the expert item. */
void tcpconn_output_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                         const tcpconn_shown *s);

/* Only the expert item, for a frame that shows no tree (the expert tap
 * still counts it). */
void tcpconn_output_expert(packet_info *pinfo, proto_item *item, const tcpconn_shown *s);

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

void tcpconn_output_tap(int tap, packet_info *pinfo, const tcpconn_shown *s);

/* Registers the "TCP Connection Outcomes" statistics tree (stats.c). */
void tcpconn_register_stats(void);

#endif /* TCPCONN_OUTPUT_H */
