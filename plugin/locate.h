/* locate.h - find the TCP segment (or the ICMP error quoting one) in the
 * bytes of a frame.
 *
 * Plain C with no Wireshark types. The glue says what to look for (from the
 * protocols Wireshark dissected), hands out the frame's data sources, and
 * answers one question: does TCP track a connection with these endpoints?
 * Everything else (where the IP header is, which of several TCP headers is
 * meant, a TCP header left in a reassembled buffer by IP fragmentation) is
 * decided here, so that it can be unit-tested on byte arrays.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_LOCATE_H
#define TCPCONN_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "headers.h"
#include "segment.h"

/* What the glue supplies about the frame being read. */
typedef struct {
    /* Data source `index` of the frame: 0 is the frame itself, then each
     * buffer reassembled from it, in the order Wireshark made them. False
     * past the last one. Called in increasing order, restarting at 0 now and
     * then, and only as far as needed. */
    bool (*source)(void *context, size_t index, tcpconn_bytes *bytes);
    /* True when TCP tracks the connection of a segment sent from ip->src
     * and src_port to ip->dst and dst_port with sequence number `seq`;
     * then sets its tcp.stream. This is what tells a header from bytes that
     * merely look like one. */
    bool (*stream_of)(void *context, const tcpconn_ip *ip, uint16_t src_port, uint16_t dst_port,
                      uint32_t seq, uint32_t *stream);
    void *context;
} tcpconn_frame;

/* What to look for. */
typedef struct {
    bool icmp; /* an ICMP error quoting a TCP segment; else a TCP segment */
    /* The frame holds several TCP headers (TCP in a TCP tunnel, sFlow
     * samples): the one with these ports is meant. Its datagram may be cut
     * short (a sampled header), so only the start of it must be there.
     * Segments only: an ICMP error is read as the first one TCP knows. */
    bool several;
    uint16_t src_port;
    uint16_t dst_port;
    bool check_checksums; /* fill in segment.checksum_bad and ip_checksum_bad */
} tcpconn_wanted;

typedef enum {
    TCPCONN_FOUND_NOTHING = 0,
    TCPCONN_FOUND_SEGMENT, /* a TCP segment */
    TCPCONN_FOUND_ICMP,    /* an ICMP/ICMPv6 error quoting a TCP segment */
} tcpconn_found_kind;

/* What was found. For an ICMP error, the endpoints are the quoted
 * segment's. */
typedef struct {
    tcpconn_found_kind kind;
    tcpconn_ip ip; /* addresses point into the data source's bytes */
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t stream; /* tcp.stream of the connection */
    uint8_t src_endpoint[TCPCONN_ENDPOINT_LEN];
    uint8_t dst_endpoint[TCPCONN_ENDPOINT_LEN];
    /* Filled in but for frame and time_ns, which the caller knows. The
     * segment's endpoint pointers point into this struct. */
    tcpconn_segment segment; /* kind SEGMENT */
    tcpconn_icmp_error icmp; /* kind ICMP */
    size_t source;           /* data source the IP header is in */
    size_t offset;           /* of the IP header in that source */
} tcpconn_found;

/* State kept from frame to frame of one capture file. */
typedef struct {
    /* Frames of one capture nearly always share a link layer, so the IP
     * header is first looked for where the previous frame had it. */
    size_t ip_offset_hint;
} tcpconn_locator;

/* Forgets what earlier frames taught: call it for every capture file. */
void tcpconn_locator_reset(tcpconn_locator *l);

/* Looks in the frame, where the previous frame had its IP header and then
 * at each offset, then in each reassembled data source at each offset.
 * Returns false, with found->kind TCPCONN_FOUND_NOTHING, when there is no
 * such segment (or ICMP error) of a connection TCP tracks. */
bool tcpconn_locate(tcpconn_locator *l, const tcpconn_frame *frame, const tcpconn_wanted *wanted,
                    tcpconn_found *found);

/* A UDP datagram of the frame itself (not of a reassembled buffer: a DNS
 * answer large enough for IP fragments is not read). */
typedef struct {
    tcpconn_ip ip; /* addresses point into the frame */
    const uint8_t *payload;
    size_t payload_len; /* captured */
} tcpconn_found_udp;

/* Looks for the UDP datagram with these ports, where the previous frame had
 * its IP header and then at each offset. */
bool tcpconn_locate_udp(tcpconn_locator *l, const tcpconn_frame *frame, uint16_t src_port,
                        uint16_t dst_port, tcpconn_found_udp *found);

#endif /* TCPCONN_LOCATE_H */
