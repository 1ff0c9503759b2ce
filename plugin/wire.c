/* wire.c - find the TCP segment (or the ICMP error quoting one) in a frame.
 *
 * Why this reads bytes instead of dissector fields: tcpconn must learn every
 * segment on the first pass, and on tshark's first pass with -2 there is
 * neither a protocol tree nor a tap queue to read TCP's fields from.
 * Asking for the fields (set_postdissector_wanted_hfids) would force a full
 * protocol tree on every run, including the ones that never show tcpconn.
 *
 * What every pass does leave behind is pinfo: the addresses of the innermost
 * IP header and the ports of the innermost TCP header. So the IP header is
 * found in the frame by those addresses, and the TCP header is read after
 * it. In an ICMP error the addresses are the ICMP packet's own (dissectors
 * restore them after an error quote) while the ports are the quoted
 * segment's, so the same search finds the ICMP header, and the quote is read
 * from inside it.
 *
 * The stream index is TCP's own. When tapping is on (one pass, the GUI,
 * tshark's second pass) TCP has queued its parsed header, stream included,
 * for tap listeners; a listener that only helps a dissector keeps tapping on
 * without making tshark dissect more. tshark's first pass with -2 runs
 * without taps, and an 8-byte ICMP quote never reaches TCP's tap; then TCP's
 * conversation table is asked, which costs several times more.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wire.h"

#include <epan/address.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/tap.h>

#define IP_PROTO_ICMP   1
#define IP_PROTO_TCP    6
#define IP_PROTO_ICMPV6 58

#define IPV4_MIN_HEADER 20
#define IPV6_HEADER     40
#define TCP_MIN_HEADER  20
/* Enough of a TCP header to read the flags, and the window. */
#define TCP_FLAGS_END  14
#define TCP_WINDOW_END 16
/* RFC 792: an ICMP error quotes at least the first 8 bytes of the datagram. */
#define TCP_QUOTE_MIN 8
#define ICMP_HEADER   8
/* Bounds the walk over IPv6 extension headers in hostile input. */
#define IPV6_MAX_EXTENSION_HEADERS 8

/* Big-endian reads of bounds-checked bytes (wsutil's pntoh16 was renamed in
 * 4.6, so these stay local). */
static uint16_t read_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int proto_tcp = -1;
static int tcp_tap = -1;

/* Registering as a listener is what makes TCP queue its header on every
 * pass that taps; the address only identifies the listener. */
static int tcp_tap_helper;

void tcpconn_wire_init(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    tcp_tap = find_tap_id("tcp");
    GString *error = register_tap_listener("tcp", &tcp_tap_helper, NULL, TL_IS_DISSECTOR_HELPER,
                                           NULL, NULL, NULL, NULL);
    if (error != NULL) {
        /* Not fatal: stream lookups then always go to the conversation table. */
        ws_warning("tcpconn: cannot listen to the tcp tap: %s", error->str);
        g_string_free(error, TRUE);
    }
}

/* The stream of the segment TCP queued for taps in this frame, matched by
 * ports and sequence number (a frame can carry more than one TCP header). */
static bool stream_from_tcp_tap(uint16_t src_port, uint16_t dst_port, uint32_t seq,
                                uint32_t *stream)
{
    const struct tcpheader *tcph;
    for (int i = 0; (tcph = fetch_tapped_data(tcp_tap, i)) != NULL; i++) {
        if (tcph->th_sport == src_port && tcph->th_dport == dst_port && tcph->th_rawseq == seq) {
            *stream = tcph->th_stream;
            return true;
        }
    }
    return false;
}

static bool stream_from_conversation(const packet_info *pinfo, const tcpconn_wire *w,
                                     uint32_t *stream)
{
    conversation_t *conv = find_conversation(pinfo->num, &w->src, &w->dst, CONVERSATION_TCP,
                                             w->src_port, w->dst_port, 0);
    struct tcp_analysis *tcpd =
        conv ? (struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp) : NULL;
    if (tcpd == NULL)
        return false;
    *stream = tcpd->stream;
    return true;
}

/* Where the upper-layer header of an IP datagram starts, and where the
 * datagram ends. */
typedef struct {
    uint8_t protocol;
    unsigned start;  /* of the IP header */
    unsigned offset; /* of the upper-layer header */
    unsigned end;
    bool later_fragment; /* a fragment other than the first: no upper header here */
} ip_payload;

static unsigned datagram_end(unsigned start, unsigned length_field, unsigned reported)
{
    /* A zero length is what TSO leaves in captures; trust the frame then. */
    if (length_field == 0)
        return reported;
    return start + length_field;
}

static bool ipv4_payload(const uint8_t *p, unsigned captured, unsigned reported, unsigned q,
                         ip_payload *out)
{
    unsigned header_len = (p[q] & 0x0f) * 4u;
    if (header_len < IPV4_MIN_HEADER || q + header_len > captured)
        return false;
    out->protocol = p[q + 9];
    out->start = q;
    out->offset = q + header_len;
    out->end = datagram_end(q, read_be16(p + q + 2), reported);
    out->later_fragment = (read_be16(p + q + 6) & 0x1fff) != 0;
    return true;
}

static bool ipv6_payload(const uint8_t *p, unsigned captured, unsigned reported, unsigned q,
                         ip_payload *out)
{
    uint8_t next = p[q + 6];
    unsigned o = q + IPV6_HEADER;

    out->start = q;
    out->end = datagram_end(q + IPV6_HEADER, read_be16(p + q + 4), reported);
    out->later_fragment = false;
    for (int i = 0; i < IPV6_MAX_EXTENSION_HEADERS; i++) {
        unsigned ext_len;
        switch (next) {
        case 0:  /* hop-by-hop options */
        case 43: /* routing */
        case 60: /* destination options */
            if (o + 2 > captured)
                return false;
            ext_len = (p[o + 1] + 1u) * 8u;
            break;
        case 44: /* fragment */
            if (o + 8 > captured)
                return false;
            if ((read_be16(p + o + 2) & 0xfff8) != 0)
                out->later_fragment = true;
            ext_len = 8;
            break;
        case 51: /* authentication header */
            if (o + 2 > captured)
                return false;
            ext_len = (p[o + 1] + 2u) * 4u;
            break;
        default:
            out->protocol = next;
            out->offset = o;
            return true;
        }
        next = p[o];
        o += ext_len;
    }
    return false;
}

/* True when an IP header with source `src` and destination `dst` starts at
 * offset `o`; describes its payload. */
static bool ip_header_at(const uint8_t *p, unsigned captured, unsigned reported, unsigned o,
                         const address *src, const address *dst, ip_payload *out)
{
    bool v6 = src->type == AT_IPv6;
    unsigned src_at = v6 ? 8 : 12;
    unsigned alen = (unsigned)src->len;

    if (o + (v6 ? IPV6_HEADER : IPV4_MIN_HEADER) > captured || (p[o] >> 4) != (v6 ? 6 : 4))
        return false;
    if (memcmp(p + o + src_at, src->data, alen) != 0 ||
        memcmp(p + o + src_at + alen, dst->data, alen) != 0)
        return false;
    return v6 ? ipv6_payload(p, captured, reported, o, out)
              : ipv4_payload(p, captured, reported, o, out);
}

static bool read_tcp_header(const uint8_t *p, unsigned captured, unsigned off, unsigned end,
                            const packet_info *pinfo, tcpconn_segment *seg)
{
    if (off + TCP_FLAGS_END > captured)
        return false;
    if (read_be16(p + off) != pinfo->srcport || read_be16(p + off + 2) != pinfo->destport)
        return false;
    unsigned header_len = (p[off + 12] >> 4) * 4u;
    if (header_len < TCP_MIN_HEADER)
        return false;
    seg->seq = read_be32(p + off + 4);
    seg->ack = read_be32(p + off + 8);
    seg->flags = read_be16(p + off + 12) & 0x0fff;
    /* A window we cannot read is taken as open, not as zero. */
    seg->window = off + TCP_WINDOW_END <= captured ? read_be16(p + off + 14) : UINT16_MAX;
    seg->src_port = (uint16_t)pinfo->srcport;
    seg->dst_port = (uint16_t)pinfo->destport;
    seg->payload_len = end > off + header_len ? end - off - header_len : 0;
    seg->payload_cut_off = seg->payload_len > 0 && end > captured;
    /* Zeek skips a segment whose header (options included) was cut off. */
    seg->zeek_view = off + header_len > captured ? TCPCONN_ZEEK_DROP : TCPCONN_ZEEK_USE;
    return true;
}

static uint32_t ones_complement_add(uint32_t sum, const uint8_t *p, unsigned len)
{
    for (unsigned i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

/* True when an IPv4 header's checksum is wrong (IPv6 has none). */
static bool ipv4_header_checksum_bad(const uint8_t *p, unsigned ip_start, unsigned header_len)
{
    uint32_t sum = ones_complement_add(0, p + ip_start, header_len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum != 0xffff;
}

/* True when the whole segment was captured and its checksum is wrong.
 * Checksum offload makes a capturing host's own segments look wrong, which
 * is why this is only done when asked (for Zeek's 'C'). */
static bool tcp_checksum_bad(const uint8_t *p, unsigned captured, unsigned off, unsigned end,
                             const packet_info *pinfo)
{
    if (end <= off || end > captured)
        return false;
    unsigned tcp_len = end - off;
    uint32_t sum = ones_complement_add(0, pinfo->src.data, (unsigned)pinfo->src.len);
    sum = ones_complement_add(sum, pinfo->dst.data, (unsigned)pinfo->dst.len);
    sum += IP_PROTO_TCP + (tcp_len & 0xffff) + (tcp_len >> 16);
    sum = ones_complement_add(sum, p + off, tcp_len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum != 0xffff;
}

static bool icmp_error_type(uint8_t type, bool v6, bool *unreachable)
{
    if (v6) {
        *unreachable = type == 1;
        return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */
    }
    *unreachable = type == 3;
    /* unreachable, source quench, redirect, time exceeded, parameter problem */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Reads an ICMP/ICMPv6 error at `icmp` whose quote must be the TCP segment
 * the TCP dissector saw (its ports are in pinfo). */
static bool read_icmp_quote(const uint8_t *p, unsigned captured, unsigned icmp, bool v6,
                            const packet_info *pinfo, tcpconn_wire *out)
{
    bool unreachable;
    if (icmp + ICMP_HEADER > captured || !icmp_error_type(p[icmp], v6, &unreachable))
        return false;

    unsigned q = icmp + ICMP_HEADER;
    ip_payload quoted;
    if (v6) {
        if (q + IPV6_HEADER > captured || (p[q] >> 4) != 6 ||
            !ipv6_payload(p, captured, captured, q, &quoted))
            return false;
        set_address(&out->src, AT_IPv6, 16, p + q + 8);
        set_address(&out->dst, AT_IPv6, 16, p + q + 24);
    } else {
        if (q + IPV4_MIN_HEADER > captured || (p[q] >> 4) != 4 ||
            !ipv4_payload(p, captured, captured, q, &quoted))
            return false;
        set_address(&out->src, AT_IPv4, 4, p + q + 12);
        set_address(&out->dst, AT_IPv4, 4, p + q + 16);
    }
    if (quoted.protocol != IP_PROTO_TCP || quoted.later_fragment ||
        quoted.offset + TCP_QUOTE_MIN > captured)
        return false;

    unsigned t = quoted.offset;
    out->src_port = read_be16(p + t);
    out->dst_port = read_be16(p + t + 2);
    if (out->src_port != pinfo->srcport || out->dst_port != pinfo->destport)
        return false;
    out->icmp.quoted_seq = read_be32(p + t + 4);
    out->icmp.unreachable = unreachable;
    out->icmp.type = p[icmp];
    out->icmp.code = p[icmp + 1];
    out->kind = TCPCONN_WIRE_ICMP;
    return true;
}

/* The TCP header of a reassembled IP datagram is at the start of the
 * reassembled data source, not in this frame. */
static bool read_reassembled_tcp(const packet_info *pinfo, tvbuff_t *frame_tvb, tcpconn_wire *out)
{
    for (GSList *l = pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *tvb = get_data_source_tvb((struct data_source *)l->data);
        if (tvb == frame_tvb)
            continue;
        unsigned captured = tvb_captured_length(tvb);
        if (captured < TCP_FLAGS_END)
            continue;
        unsigned header = captured < TCP_WINDOW_END ? captured : TCP_WINDOW_END;
        const uint8_t *p = tvb_get_ptr(tvb, 0, (int)header);
        if (read_tcp_header(p, header, 0, tvb_reported_length(tvb), pinfo, &out->segment))
            return true;
    }
    return false;
}

/* Reads the segment, or the ICMP error, carried by the IP datagram `ip`. */
static bool read_ip_payload(const uint8_t *p, unsigned captured, const ip_payload *ip,
                            packet_info *pinfo, tvbuff_t *tvb, bool check_checksum,
                            tcpconn_wire *out)
{
    bool v6 = pinfo->src.type == AT_IPv6;

    if (ip->protocol == IP_PROTO_TCP) {
        bool found = ip->later_fragment
                         ? read_reassembled_tcp(pinfo, tvb, out)
                         : read_tcp_header(p, captured, ip->offset, ip->end, pinfo, &out->segment);
        if (!found)
            return false;
        /* Zeek drops a datagram with a bad IPv4 header checksum without a
         * trace, and notes a bad TCP checksum as 'C'. */
        if (check_checksum && !v6 && ipv4_header_checksum_bad(p, ip->start, ip->offset - ip->start))
            out->segment.zeek_view = TCPCONN_ZEEK_DROP;
        else if (check_checksum && !ip->later_fragment &&
                 out->segment.zeek_view == TCPCONN_ZEEK_USE &&
                 tcp_checksum_bad(p, captured, ip->offset, ip->end, pinfo))
            out->segment.zeek_view = TCPCONN_ZEEK_BAD_CHECKSUM;
        copy_address_shallow(&out->src, &pinfo->src);
        copy_address_shallow(&out->dst, &pinfo->dst);
        out->src_port = (uint16_t)pinfo->srcport;
        out->dst_port = (uint16_t)pinfo->destport;
        out->kind = TCPCONN_WIRE_SEGMENT;
        return true;
    }
    if (ip->protocol == (v6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP) && !ip->later_fragment)
        return read_icmp_quote(p, captured, ip->offset, v6, pinfo, out);
    return false;
}

/* Frames of one capture nearly always share a link layer, so the IP header
 * is first looked for where the previous frame had it. */
static unsigned ip_offset_hint;

/* Looks for the segment in one data source. */
static bool locate_in(packet_info *pinfo, tvbuff_t *tvb, bool use_hint, bool check_checksum,
                      tcpconn_wire *out)
{
    unsigned captured = tvb_captured_length(tvb);
    if (captured == 0)
        return false;
    const uint8_t *p = tvb_get_ptr(tvb, 0, (int)captured);
    unsigned reported = tvb_reported_length(tvb);
    ip_payload ip;

    if (use_hint &&
        ip_header_at(p, captured, reported, ip_offset_hint, &pinfo->src, &pinfo->dst, &ip) &&
        read_ip_payload(p, captured, &ip, pinfo, tvb, check_checksum, out))
        return true;
    for (unsigned q = 0; q < captured; q++) {
        if (ip_header_at(p, captured, reported, q, &pinfo->src, &pinfo->dst, &ip) &&
            read_ip_payload(p, captured, &ip, pinfo, tvb, check_checksum, out)) {
            if (use_hint)
                ip_offset_hint = q;
            return true;
        }
    }
    return false;
}

/* The frame itself, then what was reassembled from it (a tunnel carried in
 * IP fragments has its inner headers only there). */
static bool locate(packet_info *pinfo, tvbuff_t *frame_tvb, bool check_checksum, tcpconn_wire *out)
{
    if (locate_in(pinfo, frame_tvb, true, check_checksum, out))
        return true;
    for (GSList *l = pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *tvb = get_data_source_tvb((struct data_source *)l->data);
        if (tvb != frame_tvb && locate_in(pinfo, tvb, false, check_checksum, out))
            return true;
    }
    return false;
}

/* An address and port as a fixed-size key: family, address, port. */
static void endpoint_key(uint8_t key[TCPCONN_ENDPOINT_LEN], const address *addr, uint16_t port)
{
    memset(key, 0, TCPCONN_ENDPOINT_LEN);
    key[0] = addr->type == AT_IPv6 ? 6 : 4;
    memcpy(key + 1, addr->data, (size_t)addr->len); /* 4 or 16 bytes */
    key[17] = (uint8_t)(port >> 8);
    key[18] = (uint8_t)port;
}

/* Both directions of a 4-tuple get the opposite value, whatever order the
 * endpoints are written in. */
static uint8_t orientation_of(const tcpconn_wire *w)
{
    int c = cmp_address(&w->src, &w->dst);
    return c > 0 || (c == 0 && w->src_port > w->dst_port);
}

bool tcpconn_wire_read(packet_info *pinfo, tvbuff_t *frame_tvb, bool check_checksum,
                       tcpconn_wire *out)
{
    if (pinfo->ptype != PT_TCP || pinfo->src.type != pinfo->dst.type ||
        (pinfo->src.type != AT_IPv4 && pinfo->src.type != AT_IPv6))
        return false;

    memset(out, 0, sizeof *out);
    if (!locate(pinfo, frame_tvb, check_checksum, out))
        return false;

    uint32_t seq = out->kind == TCPCONN_WIRE_SEGMENT ? out->segment.seq : out->icmp.quoted_seq;
    if (!stream_from_tcp_tap(out->src_port, out->dst_port, seq, &out->stream) &&
        !stream_from_conversation(pinfo, out, &out->stream))
        return false;

    int64_t time_ns = (int64_t)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
    uint8_t orientation = orientation_of(out);
    endpoint_key(out->src_endpoint, &out->src, out->src_port);
    endpoint_key(out->dst_endpoint, &out->dst, out->dst_port);
    if (out->kind == TCPCONN_WIRE_SEGMENT) {
        out->segment.src_endpoint = out->src_endpoint;
        out->segment.dst_endpoint = out->dst_endpoint;
        out->segment.frame = pinfo->num;
        out->segment.time_ns = time_ns;
        out->segment.orientation = orientation;
    } else {
        out->icmp.frame = pinfo->num;
        out->icmp.time_ns = time_ns;
        out->icmp.orientation = orientation;
    }
    return true;
}
