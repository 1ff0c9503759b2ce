/* wire.c - find the TCP segment (or the ICMP error quoting one) in a frame.
 *
 * Why this reads bytes instead of dissector fields: tcpconn must learn every
 * segment on the first pass, and on tshark's first pass with -2 there is
 * neither a protocol tree nor a tap queue to read TCP's fields from.
 * Asking for the fields (set_postdissector_wanted_hfids) would force a full
 * protocol tree on every run, including the ones that never show tcpconn.
 *
 * Nor does it lean on what the dissectors leave in pinfo: which addresses
 * end up there depends on IP options and extension headers, and since 4.4
 * Wireshark restores the ports after dissecting an ICMP error's quote. What
 * it uses is which protocols were dissected (pinfo's layers), and the bytes:
 * the IP header is looked for where the previous frame had it, else at each
 * offset, and read by headers.c. A candidate counts only when TCP knows its
 * connection, which rules out bytes that merely look like a header. Only
 * when a frame holds several TCP headers (a TCP tunnel, sFlow samples) do
 * pinfo's ports pick the one TCP dissected last: TCP sets them for every
 * segment, and only an ICMP quote's dissection restores them.
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

#include "headers.h"

static int proto_tcp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;
static int tcp_tap = -1;

/* Registering as a listener is what makes TCP queue its header on every
 * pass that taps; the address only identifies the listener. */
static int tcp_tap_helper;

/* Frames of one capture nearly always share a link layer, so the IP header
 * is first looked for where the previous frame had it. */
static size_t ip_offset_hint;

void tcpconn_wire_init(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    tcp_tap = find_tap_id("tcp");
    GString *error = register_tap_listener("tcp", &tcp_tap_helper, NULL, TL_IS_DISSECTOR_HELPER,
                                           NULL, NULL, NULL, NULL);
    if (error != NULL) {
        /* Not fatal: stream lookups then always go to the conversation table. */
        ws_warning("tcpconn: cannot listen to the tcp tap: %s", error->str);
        g_string_free(error, TRUE);
    }
}

/* How many times the protocol was dissected in this frame. */
static int layers_of(const packet_info *pinfo, int proto)
{
    if (pinfo->proto_layers == NULL || proto < 0)
        return 0;
    const int *count = wmem_map_lookup(pinfo->proto_layers, GINT_TO_POINTER(proto));
    return count ? *count : 0;
}

/* The stream of the segment TCP queued for taps in this frame, matched by
 * ports and sequence number (a frame can carry more than one TCP header). */
static bool stream_from_tcp_tap(const tcpconn_wire *w, uint32_t seq, uint32_t *stream)
{
    const struct tcpheader *tcph;
    for (int i = 0; (tcph = fetch_tapped_data(tcp_tap, i)) != NULL; i++) {
        if (tcph->th_sport == w->src_port && tcph->th_dport == w->dst_port &&
            tcph->th_rawseq == seq) {
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

/* Fills in the endpoints of a segment (or quoted segment) and finds its
 * stream; false when TCP does not know the connection. */
static bool set_endpoints(const packet_info *pinfo, const tcpconn_ip *ip, uint16_t src_port,
                          uint16_t dst_port, uint32_t seq, tcpconn_wire *w)
{
    address_type type = ip->version == 6 ? AT_IPv6 : AT_IPv4;
    set_address(&w->src, type, ip->address_len, ip->src);
    set_address(&w->dst, type, ip->address_len, ip->dst);
    w->src_port = src_port;
    w->dst_port = dst_port;
    if (!stream_from_tcp_tap(w, seq, &w->stream) && !stream_from_conversation(pinfo, w, &w->stream))
        return false;
    tcpconn_endpoint_key(w->src_endpoint, ip->src, ip->address_len, src_port);
    tcpconn_endpoint_key(w->dst_endpoint, ip->dst, ip->address_len, dst_port);
    return true;
}

/* The TCP header of a reassembled IP datagram is at the start of a
 * reassembled data source, not in this frame. */
static bool read_reassembled_tcp(const packet_info *pinfo, tvbuff_t *frame_tvb, tcpconn_tcp *tcp,
                                 const tcpconn_ip *ip, tcpconn_wire *w)
{
    for (GSList *l = pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *tvb = get_data_source_tvb((struct data_source *)l->data);
        unsigned captured = tvb_captured_length(tvb);
        if (tvb == frame_tvb || captured == 0)
            continue;
        tcpconn_bytes b = { tvb_get_ptr(tvb, 0, (int)captured), captured,
                            tvb_reported_length(tvb) };
        if (tcpconn_read_tcp(&b, 0, b.reported, tcp) &&
            set_endpoints(pinfo, ip, tcp->src_port, tcp->dst_port, tcp->seq, w))
            return true;
    }
    return false;
}

static bool read_segment(const packet_info *pinfo, tvbuff_t *tvb, const tcpconn_bytes *b,
                         const tcpconn_ip *ip, bool check_checksums, tcpconn_wire *w)
{
    tcpconn_tcp tcp;
    if (ip->later_fragment) {
        if (!read_reassembled_tcp(pinfo, tvb, &tcp, ip, w))
            return false;
    } else if (!tcpconn_read_tcp(b, ip->payload, ip->end, &tcp) ||
               !set_endpoints(pinfo, ip, tcp.src_port, tcp.dst_port, tcp.seq, w)) {
        return false;
    }
    tcpconn_segment *s = &w->segment;
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
    s->ip_checksum_bad = check_checksums && tcpconn_ipv4_checksum_bad(b, ip);
    s->checksum_bad = check_checksums && !ip->later_fragment && tcpconn_tcp_checksum_bad(b, ip);
    w->kind = TCPCONN_WIRE_SEGMENT;
    return true;
}

static bool read_icmp(const packet_info *pinfo, const tcpconn_bytes *b, const tcpconn_ip *ip,
                      tcpconn_wire *w)
{
    tcpconn_icmp_quote quote;
    if (!tcpconn_read_icmp_error(b, ip, &quote) ||
        !set_endpoints(pinfo, &quote.quoted_ip, quote.src_port, quote.dst_port, quote.seq, w))
        return false;
    w->icmp.quoted_seq = quote.seq;
    w->icmp.unreachable = quote.unreachable;
    w->icmp.code = quote.code;
    w->kind = TCPCONN_WIRE_ICMP;
    return true;
}

/* What to look for in a frame. */
typedef struct {
    packet_info *pinfo;
    tvbuff_t *frame;
    bool icmp; /* an ICMP error quoting TCP; else a TCP segment */
    /* Several TCP headers (TCP inside a TCP tunnel, sFlow samples): the one
     * TCP dissected last, whose ports it left in pinfo. Its datagram may be
     * cut short (a sampled header), so only its start must be there. */
    bool several;
    uint16_t src_port;
    uint16_t dst_port;
    bool check_checksums;
} search;

static bool read_at(const search *q, tvbuff_t *tvb, const tcpconn_bytes *b, size_t offset,
                    tcpconn_wire *w)
{
    tcpconn_ip ip;
    if (!tcpconn_read_ip(b, offset, q->several ? TCPCONN_IP_QUOTED : TCPCONN_IP_IN_FRAME, &ip))
        return false;
    if (q->icmp)
        return read_icmp(q->pinfo, b, &ip, w);
    if (ip.protocol != TCPCONN_IP_PROTO_TCP ||
        !read_segment(q->pinfo, tvb, b, &ip, q->check_checksums, w))
        return false;
    return !q->several || (w->src_port == q->src_port && w->dst_port == q->dst_port);
}

/* Looks for the segment in one data source: where the previous frame had
 * its IP header, else at each offset. */
static bool locate_in(const search *q, tvbuff_t *tvb, bool use_hint, tcpconn_wire *out)
{
    unsigned captured = tvb_captured_length(tvb);
    if (captured == 0)
        return false;
    tcpconn_bytes b = { tvb_get_ptr(tvb, 0, (int)captured), captured, tvb_reported_length(tvb) };

    if (use_hint && read_at(q, tvb, &b, ip_offset_hint, out))
        return true;
    for (size_t o = 0; o < captured; o++) {
        uint8_t version = b.data[o] >> 4;
        if (version != 4 && version != 6)
            continue;
        memset(out, 0, sizeof *out);
        if (read_at(q, tvb, &b, o, out)) {
            if (use_hint)
                ip_offset_hint = o;
            return true;
        }
    }
    return false;
}

/* The frame itself, then what was reassembled from it (a tunnel carried in
 * IP fragments has its inner headers only there). */
static bool locate(const search *q, tcpconn_wire *out)
{
    if (locate_in(q, q->frame, true, out))
        return true;
    for (GSList *l = q->pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *tvb = get_data_source_tvb((struct data_source *)l->data);
        if (tvb != q->frame && locate_in(q, tvb, false, out))
            return true;
    }
    return false;
}

bool tcpconn_wire_read(packet_info *pinfo, tvbuff_t *frame_tvb, int64_t time_ns,
                       bool check_checksums, tcpconn_wire *out)
{
    /* An ICMP error carries TCP only as a quote; a frame without TCP or
     * ICMP carries nothing tcpconn reads. */
    int tcp_layers = layers_of(pinfo, proto_tcp);
    bool icmp = layers_of(pinfo, proto_icmp) > 0 || layers_of(pinfo, proto_icmpv6) > 0;
    if (tcp_layers == 0 && !icmp)
        return false;
    bool several = !icmp && tcp_layers > 1;
    if (several && pinfo->ptype != PT_TCP)
        return false;
    search q = { pinfo,
                 frame_tvb,
                 icmp,
                 several,
                 (uint16_t)pinfo->srcport,
                 (uint16_t)pinfo->destport,
                 check_checksums };

    memset(out, 0, sizeof *out);
    if (!locate(&q, out))
        return false;

    uint8_t orientation = tcpconn_orientation(out->src_endpoint, out->dst_endpoint);
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
