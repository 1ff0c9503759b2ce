/* headers.c - read IPv4, IPv6, TCP and ICMP/ICMPv6 error headers from bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "headers.h"

#define IPV4_MIN_HEADER 20
#define IPV6_HEADER     40
#define TCP_MIN_HEADER  20
#define TCP_FLAGS_END   14 /* ports, numbers and flags: all tcpconn needs */
#define TCP_WINDOW_END  16
#define ICMP_HEADER     8
#define QUOTED_TCP_MIN  8 /* RFC 792: ports and sequence number */

/* Hostile input can chain extension headers; real packets have a few. */
#define IPV6_MAX_EXTENSION_HEADERS 16

/* IPv4 options that carry a source route (RFC 791). */
#define IPOPT_END          0
#define IPOPT_NOP          1
#define IPOPT_LOOSE_ROUTE  131
#define IPOPT_STRICT_ROUTE 137

/* IPv6 extension headers (RFC 8200) and the options tcpconn reads. */
#define IPV6_HOP_BY_HOP       0
#define IPV6_ROUTING          43
#define IPV6_FRAGMENT         44
#define IPV6_AUTHENTICATION   51
#define IPV6_DESTINATION      60
#define IPV6_OPT_PAD1         0
#define IPV6_OPT_HOME_ADDRESS 201 /* RFC 6275 */
#define ROUTING_TYPE0         0
#define ROUTING_MIPV6         2
#define ROUTING_SEGMENT       4 /* RFC 8754 */

static uint16_t read_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* True when `len` bytes from `offset` were captured (without overflow). */
static bool captured(const tcpconn_bytes *b, size_t offset, size_t len)
{
    return offset <= b->captured && len <= b->captured - offset;
}

/* Where a datagram whose header starts at `start` ends, from its length
 * field. A zero length is what TSO and jumbograms leave in captures: the
 * frame's own length is all there is then. Within a frame the length must
 * fit what the frame had on the wire; a quote holds only the start. */
static bool datagram_end(const tcpconn_bytes *b, size_t start, size_t length,
                         tcpconn_ip_context context, size_t *end)
{
    if (length == 0) {
        *end = b->reported;
        return b->reported >= start;
    }
    *end = start + length;
    return context == TCPCONN_IP_QUOTED || *end <= b->reported;
}

/* The final destination of a loose or strict source route: the last
 * address of the route, unless the route is used up (RFC 791 3.1). Like
 * Wireshark, the first source route option decides. */
static void ipv4_source_route(const tcpconn_bytes *b, size_t from, size_t to, tcpconn_ip *ip)
{
    const uint8_t *p = b->data;
    size_t o = from;
    while (o < to) {
        uint8_t type = p[o];
        if (type == IPOPT_END)
            return;
        if (type == IPOPT_NOP) {
            o++;
            continue;
        }
        if (o + 2 > to)
            return;
        uint8_t len = p[o + 1];
        if (len < 2 || o + len > to)
            return;
        if (type == IPOPT_LOOSE_ROUTE || type == IPOPT_STRICT_ROUTE) {
            uint8_t pointer = len >= 3 ? p[o + 2] : 0;
            if (len >= 7 && pointer >= 4 && (pointer & 3) == 0 && pointer <= len)
                ip->dst = p + o + len - 4;
            return;
        }
        o += len;
    }
}

static bool read_ipv4(const tcpconn_bytes *b, size_t offset, tcpconn_ip_context context,
                      tcpconn_ip *ip)
{
    const uint8_t *p = b->data + offset;
    size_t header_len = (p[0] & 0x0fu) * 4u;
    if (header_len < IPV4_MIN_HEADER || !captured(b, offset, header_len))
        return false;
    size_t length = read_be16(p + 2);
    if (length != 0 && length < header_len)
        return false;
    if (!datagram_end(b, offset, length, context, &ip->end))
        return false;
    ip->version = 4;
    ip->protocol = p[9];
    ip->address_len = 4;
    ip->src = p + 12;
    ip->dst = p + 16;
    ip->start = offset;
    ip->payload = offset + header_len;
    ip->later_fragment = (read_be16(p + 6) & 0x1fff) != 0;
    ipv4_source_route(b, offset + IPV4_MIN_HEADER, offset + header_len, ip);
    return true;
}

/* Hop-by-hop and destination options: a Home Address option replaces the
 * source address (RFC 6275 6.3). */
static void ipv6_options(const tcpconn_bytes *b, size_t from, size_t to, tcpconn_ip *ip)
{
    const uint8_t *p = b->data;
    size_t o = from;
    while (o < to) {
        if (p[o] == IPV6_OPT_PAD1) {
            o++;
            continue;
        }
        if (o + 2 > to)
            return;
        size_t len = 2u + p[o + 1];
        if (o + len > to)
            return;
        if (p[o] == IPV6_OPT_HOME_ADDRESS && len == 2 + 16)
            ip->src = p + o + 2;
        o += len;
    }
}

/* A routing header with segments left names the final destination: the
 * last address of type 0, the home address of type 2, the first entry of a
 * segment routing header (RFC 8754 4.1). Other types leave it alone. */
static void ipv6_routing(const tcpconn_bytes *b, size_t o, size_t len, tcpconn_ip *ip)
{
    const uint8_t *p = b->data + o;
    uint8_t type = p[2], segments_left = p[3];
    size_t addresses = (len - 8) / 16;
    if (segments_left == 0 || addresses == 0)
        return;
    if (type == ROUTING_TYPE0)
        ip->dst = p + 8 + 16 * (addresses - 1);
    else if (type == ROUTING_MIPV6 || type == ROUTING_SEGMENT)
        ip->dst = p + 8;
}

/* The length of the extension header at `o`, from its length byte counted
 * in `unit`-byte units, not counting the first `uncounted` units; false
 * unless all of it was captured. */
static bool extension_length(const tcpconn_bytes *b, size_t o, size_t unit, size_t uncounted,
                             size_t *len)
{
    if (!captured(b, o, 2))
        return false;
    *len = (b->data[o + 1] + uncounted) * unit;
    return captured(b, o, *len);
}

static bool read_ipv6(const tcpconn_bytes *b, size_t offset, tcpconn_ip_context context,
                      tcpconn_ip *ip)
{
    const uint8_t *p = b->data + offset;
    if (!captured(b, offset, IPV6_HEADER))
        return false;
    if (!datagram_end(b, offset + IPV6_HEADER, read_be16(p + 4), context, &ip->end))
        return false;
    ip->version = 6;
    ip->address_len = 16;
    ip->src = p + 8;
    ip->dst = p + 24;
    ip->start = offset;
    ip->later_fragment = false;

    uint8_t next = p[6];
    size_t o = offset + IPV6_HEADER;
    for (int i = 0; i < IPV6_MAX_EXTENSION_HEADERS; i++) {
        size_t len;
        switch (next) {
        case IPV6_HOP_BY_HOP:
        case IPV6_DESTINATION:
        case IPV6_ROUTING:
            if (!extension_length(b, o, 8, 1, &len))
                return false;
            if (next == IPV6_ROUTING)
                ipv6_routing(b, o, len, ip);
            else
                ipv6_options(b, o + 2, o + len, ip);
            break;
        case IPV6_FRAGMENT:
            if (!captured(b, o, 8))
                return false;
            len = 8;
            if ((read_be16(b->data + o + 2) & 0xfff8) != 0) {
                /* Only the first fragment carries the upper-layer header. */
                ip->later_fragment = true;
                ip->protocol = b->data[o];
                ip->payload = o + len;
                return true;
            }
            break;
        case IPV6_AUTHENTICATION:
            if (!extension_length(b, o, 4, 2, &len))
                return false;
            break;
        default:
            ip->protocol = next;
            ip->payload = o;
            return true;
        }
        next = b->data[o];
        o += len;
    }
    return false;
}

bool tcpconn_read_ip(const tcpconn_bytes *b, size_t offset, tcpconn_ip_context context,
                     tcpconn_ip *ip)
{
    if (!captured(b, offset, IPV4_MIN_HEADER))
        return false;
    switch (b->data[offset] >> 4) {
    case 4:
        return read_ipv4(b, offset, context, ip);
    case 6:
        return read_ipv6(b, offset, context, ip);
    default:
        return false;
    }
}

/* One's complement sum, folded to 16 bits by the caller. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static bool folds_to_all_ones(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

bool tcpconn_ipv4_checksum_bad(const tcpconn_bytes *b, const tcpconn_ip *ip)
{
    if (ip->version != 4)
        return false;
    return !folds_to_all_ones(sum16(0, b->data + ip->start, ip->payload - ip->start));
}

bool tcpconn_read_tcp(const tcpconn_bytes *b, size_t offset, size_t end, tcpconn_tcp *tcp)
{
    if (!captured(b, offset, TCP_FLAGS_END))
        return false;
    const uint8_t *p = b->data + offset;
    size_t header_len = (p[12] >> 4) * 4u;
    if (header_len < TCP_MIN_HEADER)
        return false;
    tcp->src_port = read_be16(p);
    tcp->dst_port = read_be16(p + 2);
    tcp->seq = read_be32(p + 4);
    tcp->ack = read_be32(p + 8);
    tcp->flags = read_be16(p + 12) & 0x0fff;
    tcp->window = captured(b, offset, TCP_WINDOW_END) ? read_be16(p + 14) : UINT16_MAX;
    size_t payload = end > offset + header_len ? end - offset - header_len : 0;
    tcp->payload_len = payload > UINT32_MAX ? UINT32_MAX : (uint32_t)payload;
    tcp->header_cut_off = !captured(b, offset, header_len);
    tcp->payload_cut_off = payload > 0 && end > b->captured;
    return true;
}

bool tcpconn_read_udp(const tcpconn_bytes *b, size_t offset, size_t end, tcpconn_udp *udp)
{
    enum { UDP_HEADER = 8 };
    if (!captured(b, offset, UDP_HEADER) || end < offset + UDP_HEADER)
        return false;
    const uint8_t *p = b->data + offset;
    if (read_be16(p + 4) != end - offset)
        return false;
    udp->src_port = read_be16(p);
    udp->dst_port = read_be16(p + 2);
    udp->payload = offset + UDP_HEADER;
    udp->payload_captured = (end < b->captured ? end : b->captured) - udp->payload;
    return true;
}

bool tcpconn_tcp_checksum_bad(const tcpconn_bytes *b, const tcpconn_ip *ip)
{
    if (ip->later_fragment || ip->end <= ip->payload || ip->end > b->captured)
        return false;
    size_t len = ip->end - ip->payload;
    uint32_t sum = sum16(0, ip->src, ip->address_len);
    sum = sum16(sum, ip->dst, ip->address_len);
    sum += TCPCONN_IP_PROTO_TCP + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
    return !folds_to_all_ones(sum16(sum, b->data + ip->payload, len));
}

/* The ICMP and ICMPv6 types that quote the offending datagram. */
static bool is_error_type(uint8_t version, uint8_t type, bool *unreachable)
{
    if (version == 6) {
        *unreachable = type == 1;
        return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */
    }
    *unreachable = type == 3;
    /* unreachable, source quench, redirect, time exceeded, parameter problem */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

bool tcpconn_read_icmp_error(const tcpconn_bytes *b, const tcpconn_ip *ip,
                             tcpconn_icmp_quote *quote)
{
    uint8_t icmp = ip->version == 6 ? TCPCONN_IP_PROTO_ICMPV6 : TCPCONN_IP_PROTO_ICMP;
    size_t o = ip->payload;
    if (ip->protocol != icmp || ip->later_fragment || !captured(b, o, ICMP_HEADER) ||
        !is_error_type(ip->version, b->data[o], &quote->unreachable))
        return false;
    quote->code = b->data[o + 1];

    tcpconn_ip *q = &quote->quoted_ip;
    if (!tcpconn_read_ip(b, o + ICMP_HEADER, TCPCONN_IP_QUOTED, q) || q->version != ip->version ||
        q->protocol != TCPCONN_IP_PROTO_TCP || q->later_fragment ||
        !captured(b, q->payload, QUOTED_TCP_MIN))
        return false;
    const uint8_t *t = b->data + q->payload;
    quote->src_port = read_be16(t);
    quote->dst_port = read_be16(t + 2);
    quote->seq = read_be32(t + 4);
    return true;
}
