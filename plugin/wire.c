/* wire.c - the Wireshark side of finding the TCP segment (or the ICMP error
 * quoting one) in a frame; locate.c does the finding.
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
 * this file takes from Wireshark is which protocols were dissected (pinfo's
 * layers), the frame's data sources, pinfo's ports when a frame holds
 * several TCP headers, and whether TCP knows a connection.
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

static int proto_tcp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;
static int proto_dns = -1;
static int tcp_tap = -1;

/* Registering as a listener is what makes TCP queue its header on every
 * pass that taps; the address only identifies the listener. */
static int tcp_tap_helper;

void tcpconn_wire_init(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    proto_dns = proto_get_id_by_filter_name("dns");
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

static void set_addresses(const tcpconn_ip *ip, address *src, address *dst)
{
    address_type type = ip->version == 6 ? AT_IPv6 : AT_IPv4;
    set_address(src, type, ip->address_len, ip->src);
    set_address(dst, type, ip->address_len, ip->dst);
}

static bool stream_from_conversation(const packet_info *pinfo, const tcpconn_ip *ip,
                                     uint16_t src_port, uint16_t dst_port, uint32_t *stream)
{
    address src, dst;
    set_addresses(ip, &src, &dst);
    conversation_t *conv =
        find_conversation(pinfo->num, &src, &dst, CONVERSATION_TCP, src_port, dst_port, 0);
    struct tcp_analysis *tcpd =
        conv ? (struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp) : NULL;
    if (tcpd == NULL)
        return false;
    *stream = tcpd->stream;
    return true;
}

/* The frame as locate.c sees it. Data sources are handed out by index from
 * pinfo's list; the cursor makes going through them in order cost one step
 * each. */
typedef struct {
    const packet_info *pinfo;
    tvbuff_t *frame;
    GSList *cursor;      /* the list entry after the one handed out last */
    size_t cursor_index; /* the index the entry at `cursor` would get */
} frame_access;

static void bytes_of(tvbuff_t *tvb, tcpconn_bytes *bytes)
{
    unsigned captured = tvb_captured_length(tvb);
    bytes->data = captured ? tvb_get_ptr(tvb, 0, (int)captured) : NULL;
    bytes->captured = captured;
    bytes->reported = tvb_reported_length(tvb);
}

/* Index 0 is the frame, then every other data source (what was reassembled
 * from this frame and earlier ones). */
static bool source_at(void *context, size_t index, tcpconn_bytes *bytes)
{
    frame_access *f = context;
    if (index == 0) {
        bytes_of(f->frame, bytes);
        return true;
    }
    if (f->cursor_index == 0 || index < f->cursor_index) {
        f->cursor = f->pinfo->data_src;
        f->cursor_index = 1;
    }
    for (; f->cursor != NULL; f->cursor = f->cursor->next) {
        tvbuff_t *tvb = get_data_source_tvb((struct data_source *)f->cursor->data);
        if (tvb == f->frame)
            continue;
        if (f->cursor_index++ == index) {
            f->cursor = f->cursor->next;
            bytes_of(tvb, bytes);
            return true;
        }
    }
    return false;
}

static bool stream_of(void *context, const tcpconn_ip *ip, uint16_t src_port, uint16_t dst_port,
                      uint32_t seq, uint32_t *stream)
{
    const frame_access *f = context;
    return stream_from_tcp_tap(src_port, dst_port, seq, stream) ||
           stream_from_conversation(f->pinfo, ip, src_port, dst_port, stream);
}

tcpconn_wire_layers tcpconn_wire_layers_of(const packet_info *pinfo)
{
    tcpconn_wire_layers l = { layers_of(pinfo, proto_tcp), false, false };
    l.icmp = layers_of(pinfo, proto_icmp) > 0 || layers_of(pinfo, proto_icmpv6) > 0;
    /* Only a frame without TCP pays for the DNS lookup. */
    l.dns = l.tcp == 0 && !l.icmp && pinfo->ptype == PT_UDP && layers_of(pinfo, proto_dns) > 0;
    return l;
}

bool tcpconn_wire_tapped(const tcpconn_wire_layers *layers, uint32_t *stream, uint16_t *flags)
{
    /* With one TCP header and no ICMP quote, tcpconn_wire_read() finds the
     * segment TCP queued (by its ports and sequence number), so its stream
     * and flags can be taken from there without reading the frame. */
    if (layers->tcp != 1 || layers->icmp)
        return false;
    const struct tcpheader *tcph = fetch_tapped_data(tcp_tap, 0);
    if (tcph == NULL)
        return false;
    *stream = tcph->th_stream;
    *flags = tcph->th_flags;
    return true;
}

bool tcpconn_wire_read(tcpconn_locator *locator, packet_info *pinfo,
                       const tcpconn_wire_layers *layers, tvbuff_t *frame_tvb, int64_t time_ns,
                       bool check_checksums, tcpconn_wire *out)
{
    /* An ICMP error carries TCP only as a quote; a frame without TCP or
     * ICMP carries nothing tcpconn reads. */
    int tcp_layers = layers->tcp;
    bool icmp = layers->icmp;
    if (tcp_layers == 0 && !icmp)
        return false;
    /* Several TCP headers (a TCP tunnel, sFlow samples): the one TCP
     * dissected last, whose ports it left in pinfo. TCP sets them for every
     * segment; only an ICMP quote's dissection restores them. */
    bool several = !icmp && tcp_layers > 1;
    if (several && pinfo->ptype != PT_TCP)
        return false;
    tcpconn_wanted wanted = { icmp, several, (uint16_t)pinfo->srcport, (uint16_t)pinfo->destport,
                              check_checksums };
    frame_access access = { pinfo, frame_tvb, NULL, 0 };
    tcpconn_frame frame = { source_at, stream_of, &access };

    tcpconn_found *found = &out->found;
    if (!tcpconn_locate(locator, &frame, &wanted, found))
        return false;
    set_addresses(&found->ip, &out->src, &out->dst);
    if (found->kind == TCPCONN_FOUND_SEGMENT) {
        found->segment.frame = pinfo->num;
        found->segment.time_ns = time_ns;
    } else {
        found->icmp.frame = pinfo->num;
        found->icmp.time_ns = time_ns;
    }
    return true;
}

bool tcpconn_wire_read_dns(tcpconn_locator *locator, packet_info *pinfo, tvbuff_t *frame_tvb,
                           tcpconn_found_udp *out)
{
    /* UDP leaves its ports in pinfo, and DNS does not change them. */
    frame_access access = { pinfo, frame_tvb, NULL, 0 };
    tcpconn_frame frame = { source_at, stream_of, &access };
    return tcpconn_locate_udp(locator, &frame, (uint16_t)pinfo->srcport, (uint16_t)pinfo->destport,
                              out);
}
