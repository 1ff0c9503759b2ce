/* wire.h - find the TCP segment (or the ICMP error quoting one) in a frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_WIRE_H
#define TCPCONN_WIRE_H

#include <epan/packet.h>

#include "locate.h"

/* What was found in a frame, and its endpoints as Wireshark addresses. */
typedef struct {
    tcpconn_found found; /* with the frame number and time filled in */
    /* The address data points into the packet and lives as long as it does. */
    address src;
    address dst;
} tcpconn_wire;

/* Which protocols the frame holds that tcpconn reads. */
typedef struct {
    int tcp;   /* TCP headers Wireshark dissected */
    bool icmp; /* an ICMP or ICMPv6 message */
    bool dns;  /* a DNS message over UDP, with no TCP or ICMP */
} tcpconn_wire_layers;

/* Looks up the ids of the protocols and taps this needs. */
void tcpconn_wire_init(void);

/* The frame's layers, for the two readers below. */
tcpconn_wire_layers tcpconn_wire_layers_of(const packet_info *pinfo);

/* The cheap read, for a frame with one TCP header and no ICMP whose
 * segment TCP has queued for taps: its stream and flags, which
 * tcpconn_wire_read() would find too. False when that is not at hand. */
bool tcpconn_wire_tapped(const tcpconn_wire_layers *layers, uint32_t *stream, uint16_t *flags);

/* Reads what tcpconn needs from the frame that was just dissected, and
 * checks the checksums when asked. `locator` keeps what one frame of the
 * capture file teaches about the next. Returns false when the frame carries
 * no TCP segment (or ICMP error quoting one) that TCP tracked. */
bool tcpconn_wire_read(tcpconn_locator *locator, packet_info *pinfo,
                       const tcpconn_wire_layers *layers, tvbuff_t *frame_tvb, int64_t time_ns,
                       bool check_checksums, tcpconn_wire *out);

/* The DNS message of a frame whose layers say it has one over UDP. */
bool tcpconn_wire_read_dns(tcpconn_locator *locator, packet_info *pinfo, tvbuff_t *frame_tvb,
                           tcpconn_found_udp *out);

#endif /* TCPCONN_WIRE_H */
