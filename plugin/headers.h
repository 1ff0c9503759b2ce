/* headers.h - read IPv4, IPv6, TCP and ICMP/ICMPv6 error headers from bytes.
 *
 * Plain C with no Wireshark types, so every bound can be unit-tested on
 * hostile byte arrays. Nothing here trusts a length field: each read is
 * checked against what was captured.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_HEADERS_H
#define TCPCONN_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TCPCONN_IP_PROTO_ICMP = 1,
    TCPCONN_IP_PROTO_TCP = 6,
    TCPCONN_IP_PROTO_UDP = 17,
    TCPCONN_IP_PROTO_ICMPV6 = 58,
};

/* A frame, or a reassembled data source: `captured` bytes are readable,
 * `reported` is the length the packet had on the wire. */
typedef struct {
    const uint8_t *data;
    size_t captured;
    size_t reported;
} tcpconn_bytes;

/* An IP header and where its payload lies. The addresses are the ones the
 * transport layer sees (its pseudo-header): the final destination of an
 * IPv4 source route or an IPv6 routing header, and the home address of an
 * IPv6 Home Address option. They point into the bytes. */
typedef struct {
    uint8_t version; /* 4 or 6 */
    uint8_t protocol;
    uint8_t address_len; /* 4 or 16 */
    const uint8_t *src;
    const uint8_t *dst;
    size_t start;        /* of the IP header */
    size_t payload;      /* of the upper-layer header */
    size_t end;          /* end of the datagram (may lie past what was captured) */
    bool later_fragment; /* a fragment other than the first: no upper-layer header */
} tcpconn_ip;

/* How an IP header is read. */
typedef enum {
    TCPCONN_IP_IN_FRAME, /* a datagram of the frame: its length must fit the frame */
    TCPCONN_IP_QUOTED,   /* quoted by an ICMP error: only its start is there */
} tcpconn_ip_context;

/* Reads an IPv4 or IPv6 header at `offset`. False when the bytes there are
 * not a plausible IP header. */
bool tcpconn_read_ip(const tcpconn_bytes *b, size_t offset, tcpconn_ip_context context,
                     tcpconn_ip *ip);

/* True when an IPv4 header checksum is wrong (IPv6 has none). */
bool tcpconn_ipv4_checksum_bad(const tcpconn_bytes *b, const tcpconn_ip *ip);

/* A TCP header. */
typedef struct {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint16_t flags;  /* the 12 flag bits */
    uint16_t window; /* UINT16_MAX when not captured: unknown is taken as open */
    uint32_t payload_len;
    bool header_cut_off;  /* options not all captured */
    bool payload_cut_off; /* payload not all captured */
} tcpconn_tcp;

/* Reads a TCP header at `offset` of a datagram that ends at `end`. Needs the
 * first 14 bytes (ports, numbers, flags) captured. */
bool tcpconn_read_tcp(const tcpconn_bytes *b, size_t offset, size_t end, tcpconn_tcp *tcp);

/* A UDP header and its payload. */
typedef struct {
    uint16_t src_port;
    uint16_t dst_port;
    size_t payload;          /* offset of the payload */
    size_t payload_captured; /* bytes of it captured */
} tcpconn_udp;

/* Reads a UDP header at `offset` of a datagram that ends at `end`. False
 * unless its length field says the same as the IP header (a UDP datagram
 * in a frame, not bytes that look like one) and it is captured. */
bool tcpconn_read_udp(const tcpconn_bytes *b, size_t offset, size_t end, tcpconn_udp *udp);

/* True when the captured TCP segment's checksum is wrong. False when it is
 * right or cannot be checked (not all captured). */
bool tcpconn_tcp_checksum_bad(const tcpconn_bytes *b, const tcpconn_ip *ip);

/* An ICMP or ICMPv6 error and the start of the TCP segment it quotes. */
typedef struct {
    bool unreachable; /* destination unreachable, not e.g. time exceeded */
    uint8_t code;
    tcpconn_ip quoted_ip;
    uint16_t src_port; /* of the quoted segment */
    uint16_t dst_port;
    uint32_t seq;
} tcpconn_icmp_quote;

/* Reads the ICMP (IPv4) or ICMPv6 (IPv6) error carried by `ip`. False unless
 * it is an error that quotes at least the first 8 bytes of a TCP segment
 * (RFC 792's minimum: ports and sequence number). */
bool tcpconn_read_icmp_error(const tcpconn_bytes *b, const tcpconn_ip *ip,
                             tcpconn_icmp_quote *quote);

#endif /* TCPCONN_HEADERS_H */
