/* segment.h - the events the plain-C core is fed: TCP segments and ICMP
 * errors that quote one.
 *
 * The glue (wire.c) fills these in from a frame; the unit tests build them
 * directly. One segment type serves the outcome state machine and the Zeek
 * view alike.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_SEGMENT_H
#define TCPCONN_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

/* TCP header flag bits, as on the wire. */
enum {
    TCPCONN_FIN = 0x01,
    TCPCONN_SYN = 0x02,
    TCPCONN_RST = 0x04,
    TCPCONN_ACK = 0x10,
};

/* An endpoint (address family, address, port) as a fixed-size key. */
#define TCPCONN_ENDPOINT_LEN 20

/* Writes the key of an IPv4 (4-byte) or IPv6 (16-byte) address and port. */
void tcpconn_endpoint_key(uint8_t key[TCPCONN_ENDPOINT_LEN], const uint8_t *address,
                          uint8_t address_len, uint16_t port);

/* 0 or 1, opposite for the two directions of a 4-tuple and the same for
 * every segment sent one way: the core tells the initiator's segments from
 * the responder's by it without storing addresses. */
uint8_t tcpconn_orientation(const uint8_t src[TCPCONN_ENDPOINT_LEN],
                            const uint8_t dst[TCPCONN_ENDPOINT_LEN]);

/* One TCP segment. */
typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint8_t orientation;
    uint16_t flags;
    uint32_t seq;
    uint32_t ack;
    uint32_t payload_len;
    uint16_t window; /* UINT16_MAX when not captured */
    uint16_t src_port;
    uint16_t dst_port;
    const uint8_t *src_endpoint; /* TCPCONN_ENDPOINT_LEN bytes each */
    const uint8_t *dst_endpoint;
    bool header_cut_off;  /* TCP options not all captured */
    bool payload_cut_off; /* payload not all captured */
    bool checksum_bad;    /* TCP checksum checked (only when asked) and wrong */
    bool ip_checksum_bad; /* IPv4 header checksum checked (only when asked) and wrong */
} tcpconn_segment;

/* An ICMP or ICMPv6 error quoting the start of a TCP segment. */
typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint8_t orientation; /* of the quoted segment */
    uint32_t quoted_seq;
    bool unreachable; /* destination unreachable, as opposed to e.g. time exceeded */
    uint8_t code;
} tcpconn_icmp_error;

#endif /* TCPCONN_SEGMENT_H */
