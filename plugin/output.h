/* output.h - what a packet shows of its attempt: the tcpconn fields, the
 * subtree's sentence, expert info, and what it queues on the statistics
 * tap (stats_tap.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_OUTPUT_H
#define TCPCONN_OUTPUT_H

#include <epan/packet.h>

#include "connects.h"
#include "outcome.h"
#include "streams.h"
#include "stats_tap.h"
#include "wire.h"

/* Everything one packet's output is made from. */
typedef struct {
    const tcpconn_wire *wire; /* NULL when the frame was not read: see below */
    const tcpconn_place *place;
    const tcpconn_outcome *outcome;
    const tcpconn_capture *capture;
    const tcpconn_zeek *zeek; /* NULL unless the Zeek view is kept */
    bool note_retries;        /* the tcpconn.note_retries preference */
    /* The connect() the attempt belongs to; NULL without the frame's
     * addresses or when the attempt's SYN was not seen. */
    const tcpconn_connect *connect;
    const tcpconn_connect_outcome *connect_outcome;
    const char *server_name; /* from the capture's DNS answers; NULL: none */
} tcpconn_shown;

/* Registers the fields, the subtree and the expert items of `proto`. */
void tcpconn_output_register(int proto);

/* Whether the tree asks for what only the frame's addresses tell (the
 * client, the server, the sentence); if not, tcpconn_output_tree() may be
 * given no wire. */
bool tcpconn_output_needs_endpoints(proto_tree *tree);

/* Whether the tree asks for the server's name or the connect, which the
 * frame's addresses lead to too. */
bool tcpconn_output_needs_connect(proto_tree *tree);

/* Adds the subtree and, on the deciding frame, the expert item. */
void tcpconn_output_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                         const tcpconn_shown *s);

/* Only the expert item, for a frame that shows no tree (the expert tap
 * still counts it). */
void tcpconn_output_expert(packet_info *pinfo, proto_item *item, const tcpconn_shown *s);

/* Queues the attempt's tcpconn_tap_info (stats_tap.h) on the "tcpconn" tap. */
void tcpconn_output_tap(int tap, packet_info *pinfo, const tcpconn_shown *s);

#endif /* TCPCONN_OUTPUT_H */
