/* locate.c - find the TCP segment (or the ICMP error quoting one) in the
 * bytes of a frame.
 *
 * Why bytes and an offset search: the link layer in front of the IP header
 * can be anything Wireshark dissects (Ethernet, VLAN tags, Linux cooked,
 * tunnels), and which addresses the dissectors leave in pinfo depends on IP
 * options and ICMP quotes. Any offset where headers.c reads a plausible IP
 * header is a candidate; it counts only when TCP tracks its connection,
 * which rules out payload bytes that merely look like a header.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "locate.h"

#include <stdint.h>
#include <string.h>

void tcpconn_locator_reset(tcpconn_locator *l)
{
    l->ip_offset_hint = 0;
}

/* Asks the glue whether TCP tracks the connection; if so, records its
 * endpoints and stream. */
static bool known_connection(const tcpconn_frame *frame, const tcpconn_ip *ip, uint16_t src_port,
                             uint16_t dst_port, uint32_t seq, tcpconn_found *found)
{
    if (!frame->stream_of(frame->context, ip, src_port, dst_port, seq, &found->stream))
        return false;
    found->ip = *ip;
    found->src_port = src_port;
    found->dst_port = dst_port;
    return true;
}

/* The TCP header of a later IP fragment is at the start of a buffer
 * Wireshark reassembled, not in the data source the fragment is in. */
static bool read_reassembled_tcp(const tcpconn_frame *frame, size_t fragment_source,
                                 const tcpconn_ip *ip, tcpconn_tcp *tcp, tcpconn_found *found)
{
    tcpconn_bytes r;
    for (size_t i = 0; frame->source(frame->context, i, &r); i++) {
        if (i == fragment_source || r.captured == 0)
            continue;
        if (tcpconn_read_tcp(&r, 0, r.reported, tcp) &&
            known_connection(frame, ip, tcp->src_port, tcp->dst_port, tcp->seq, found))
            return true;
    }
    return false;
}

static bool read_segment(const tcpconn_frame *frame, const tcpconn_wanted *wanted, size_t source,
                         const tcpconn_bytes *b, const tcpconn_ip *ip, tcpconn_found *found)
{
    tcpconn_tcp tcp;
    if (ip->later_fragment) {
        if (!read_reassembled_tcp(frame, source, ip, &tcp, found))
            return false;
    } else if (!tcpconn_read_tcp(b, ip->payload, ip->end, &tcp) ||
               !known_connection(frame, ip, tcp.src_port, tcp.dst_port, tcp.seq, found)) {
        return false;
    }
    tcpconn_segment *s = &found->segment;
    s->flags = tcp.flags;
    s->seq = tcp.seq;
    s->ack = tcp.ack;
    s->payload_len = tcp.payload_len;
    s->window = tcp.window;
    s->src_port = tcp.src_port;
    s->dst_port = tcp.dst_port;
    s->header_cut_off = tcp.header_cut_off;
    s->payload_cut_off = tcp.payload_cut_off;
    /* Checksum offload makes a capturing host's own segments look bad,
     * which is why checksums are only checked when asked (Zeek's 'C'). */
    s->ip_checksum_bad = wanted->check_checksums && tcpconn_ipv4_checksum_bad(b, ip);
    s->checksum_bad =
        wanted->check_checksums && !ip->later_fragment && tcpconn_tcp_checksum_bad(b, ip);
    found->kind = TCPCONN_FOUND_SEGMENT;
    return true;
}

static bool read_icmp(const tcpconn_frame *frame, const tcpconn_bytes *b, const tcpconn_ip *ip,
                      tcpconn_found *found)
{
    tcpconn_icmp_quote quote;
    if (!tcpconn_read_icmp_error(b, ip, &quote) ||
        !known_connection(frame, &quote.quoted_ip, quote.src_port, quote.dst_port, quote.seq,
                          found))
        return false;
    found->icmp.quoted_seq = quote.seq;
    found->icmp.unreachable = quote.unreachable;
    found->icmp.code = quote.code;
    found->kind = TCPCONN_FOUND_ICMP;
    return true;
}

/* Whether what is wanted has its IP header at `offset` of data source
 * `source`. */
static bool read_at(const tcpconn_frame *frame, const tcpconn_wanted *wanted, size_t source,
                    const tcpconn_bytes *b, size_t offset, tcpconn_found *found)
{
    bool several = wanted->several && !wanted->icmp;
    tcpconn_ip ip;
    if (!tcpconn_read_ip(b, offset, several ? TCPCONN_IP_QUOTED : TCPCONN_IP_IN_FRAME, &ip))
        return false;
    if (wanted->icmp)
        return read_icmp(frame, b, &ip, found);
    if (ip.protocol != TCPCONN_IP_PROTO_TCP || !read_segment(frame, wanted, source, b, &ip, found))
        return false;
    return !several || (found->src_port == wanted->src_port && found->dst_port == wanted->dst_port);
}

/* What is looked for at an offset of a data source. */
typedef struct {
    bool (*read_at)(void *context, const tcpconn_bytes *b, size_t offset);
    void *context;
} offset_reader;

/* Looks in one data source: at the hint if there is one, then at each
 * other offset that starts with IP version 4 or 6. A hit in the scan moves
 * the hint. Returns the offset of the hit, or SIZE_MAX. */
static size_t search_source(const tcpconn_bytes *b, size_t *hint, const offset_reader *reader)
{
    if (b->captured == 0)
        return SIZE_MAX;
    if (hint != NULL && reader->read_at(reader->context, b, *hint))
        return *hint;
    for (size_t o = 0; o < b->captured; o++) {
        uint8_t version = b->data[o] >> 4;
        if ((version != 4 && version != 6) || (hint != NULL && o == *hint))
            continue;
        if (reader->read_at(reader->context, b, o)) {
            if (hint != NULL)
                *hint = o;
            return o;
        }
    }
    return SIZE_MAX;
}

typedef struct {
    const tcpconn_frame *frame;
    const tcpconn_wanted *wanted;
    size_t source;
    tcpconn_found *found;
} segment_search;

static bool segment_at(void *context, const tcpconn_bytes *b, size_t offset)
{
    segment_search *s = context;
    return read_at(s->frame, s->wanted, s->source, b, offset, s->found);
}

/* Endpoint keys and orientation, from the endpoints found. */
static void complete(tcpconn_found *found, size_t source)
{
    found->source = source;
    tcpconn_endpoint_key(found->src_endpoint, found->ip.src, found->ip.address_len,
                         found->src_port);
    tcpconn_endpoint_key(found->dst_endpoint, found->ip.dst, found->ip.address_len,
                         found->dst_port);
    uint8_t orientation = tcpconn_orientation(found->src_endpoint, found->dst_endpoint);
    if (found->kind == TCPCONN_FOUND_SEGMENT) {
        found->segment.src_endpoint = found->src_endpoint;
        found->segment.dst_endpoint = found->dst_endpoint;
        found->segment.orientation = orientation;
    } else {
        found->icmp.orientation = orientation;
    }
}

bool tcpconn_locate(tcpconn_locator *l, const tcpconn_frame *frame, const tcpconn_wanted *wanted,
                    tcpconn_found *found)
{
    memset(found, 0, sizeof *found);
    /* The frame itself, then what was reassembled from it (a tunnel carried
     * in IP fragments has its inner headers only there). Only the frame
     * teaches the hint: reassembled buffers start with their payload. */
    tcpconn_bytes b;
    for (size_t i = 0; frame->source(frame->context, i, &b); i++) {
        segment_search search = { frame, wanted, i, found };
        offset_reader reader = { segment_at, &search };
        size_t offset = search_source(&b, i == 0 ? &l->ip_offset_hint : NULL, &reader);
        if (offset != SIZE_MAX) {
            found->offset = offset;
            complete(found, i);
            return true;
        }
    }
    memset(found, 0, sizeof *found);
    return false;
}

typedef struct {
    uint16_t src_port;
    uint16_t dst_port;
    tcpconn_found_udp *found;
} udp_search;

static bool udp_at(void *context, const tcpconn_bytes *b, size_t offset)
{
    udp_search *s = context;
    tcpconn_ip ip;
    tcpconn_udp udp;
    if (!tcpconn_read_ip(b, offset, TCPCONN_IP_IN_FRAME, &ip) ||
        ip.protocol != TCPCONN_IP_PROTO_UDP || ip.later_fragment ||
        !tcpconn_read_udp(b, ip.payload, ip.end, &udp) || udp.src_port != s->src_port ||
        udp.dst_port != s->dst_port)
        return false;
    s->found->ip = ip;
    s->found->payload = b->data + udp.payload;
    s->found->payload_len = udp.payload_captured;
    return true;
}

bool tcpconn_locate_udp(tcpconn_locator *l, const tcpconn_frame *frame, uint16_t src_port,
                        uint16_t dst_port, tcpconn_found_udp *found)
{
    memset(found, 0, sizeof *found);
    tcpconn_bytes b;
    if (!frame->source(frame->context, 0, &b))
        return false;
    udp_search search = { src_port, dst_port, found };
    offset_reader reader = { udp_at, &search };
    return search_source(&b, &l->ip_offset_hint, &reader) != SIZE_MAX;
}
