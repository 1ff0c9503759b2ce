/* wire.h - find the TCP segment (or the ICMP error quoting one) in a frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_WIRE_H
#define TCPCONN_WIRE_H

#include <epan/packet.h>

#include "segment.h"

typedef enum {
    TCPCONN_WIRE_NONE = 0,
    TCPCONN_WIRE_SEGMENT, /* a TCP segment */
    TCPCONN_WIRE_ICMP,    /* an ICMP/ICMPv6 error quoting a TCP segment */
} tcpconn_wire_kind;

typedef struct {
    tcpconn_wire_kind kind;
    /* Endpoints of the TCP segment (for ICMP: of the quoted one), as the
     * transport sees them. The address data points into the packet and
     * lives as long as it does. */
    address src;
    address dst;
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t stream; /* tcp.stream of the connection */
    uint8_t src_endpoint[TCPCONN_ENDPOINT_LEN];
    uint8_t dst_endpoint[TCPCONN_ENDPOINT_LEN];
    tcpconn_segment segment;
    tcpconn_icmp_error icmp;
} tcpconn_wire;

/* Looks up the ids of the protocols and taps this needs. */
void tcpconn_wire_init(void);

/* Reads what tcpconn needs from the frame that was just dissected, and
 * checks the checksums when asked. Returns false when the frame carries no
 * TCP segment (or ICMP error quoting one) that TCP tracked. */
bool tcpconn_wire_read(packet_info *pinfo, tvbuff_t *frame_tvb, int64_t time_ns,
                       bool check_checksums, tcpconn_wire *out);

#endif /* TCPCONN_WIRE_H */
