/* packet-tcpconn.c - TCP Connection Outcome post-dissector.
 *
 * Tells, on every packet of a TCP connection attempt, how the attempt ended:
 * established, refused, unanswered, rejected by ICMP, half-open, aborted,
 * answered for an old connection, or accepted and then dropped before any
 * data.
 *
 * The work is split four ways: wire.c finds the segment (or the ICMP error
 * quoting one) in the frame with locate.c and headers.c; attempt.c and streams.c follow
 * each attempt and outcome.c says what it came to, without knowing anything
 * about Wireshark; output.c and stats.c show it. This file registers the
 * protocol, its preferences and the post-dissector that feeds the events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <wireshark.h>

#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>

#include "connects.h"
#include "dns.h"
#include "names.h"
#include "output.h"
#include "stats_tap.h"
#include "streams.h"
#include "version_compat.h"
#include "wire.h"
#include "zeek.h"

#if TCPCONN_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h> /* plugin descriptions arrived in 4.4 */
#endif

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

static int proto_tcpconn = -1;
static protocol_t *tcpconn_protocol;
static dissector_handle_t tcpconn_handle;
static int expert_tap = -1;
static int tcpconn_tap = -1;

/* Preferences. */
static tcpconn_pref_bool pref_note_retries = TRUE;
static tcpconn_pref_bool pref_zeek = FALSE;
static tcpconn_pref_bool pref_zeek_checksums = FALSE;
static unsigned pref_capture_end_ms = 1000; /* one initial retransmission timeout */
static unsigned pref_fallback_window_ms = 2000;

/* Per capture file: the attempts, in wmem_file_scope() so they go with the
 * file, and where the previous frame had its IP header. */
static tcpconn_streams *attempts;
static tcpconn_locator locator;
/* The names DNS answers gave the servers, and which attempts one connect()
 * made, also per file. */
static tcpconn_names *names;
static tcpconn_connects *connects;

/* Whether the frames of this file can be dissected again. Wireshark,
 * tshark -2 and sharkd keep a frame_data for every frame and revisit them
 * (a new display filter, a selected packet, the second pass). tshark's
 * single pass fills one frame_data on its stack for frame after frame and
 * shows each frame once, as it is read, with taps on; then a frame that
 * nothing asks tcpconn about needs no work at all, since nothing ever will
 * (tshark decides once what it shows of every frame). Reading frames
 * through one frame_data alone is not enough: tshark -2, sharkd and a
 * read filter do that too on their first pass, but without taps, before
 * keeping the frame. So the single pass is recognised by both: two frames
 * in a row in one frame_data, and TCP's tap record in the first pass. */
typedef enum { FRAMES_UNKNOWN, FRAMES_KEPT, FRAMES_SEEN_ONCE } frames_fate;
static frames_fate frames;
static const frame_data *previous_frame;
static bool tapped_first_pass;

static void note_frame(const packet_info *pinfo)
{
    if (frames == FRAMES_UNKNOWN && previous_frame != NULL) {
        if (pinfo->fd != previous_frame)
            frames = FRAMES_KEPT;
        else if (tapped_first_pass)
            frames = FRAMES_SEEN_ONCE;
    }
    previous_frame = pinfo->fd;
}

static void *file_scope_realloc(void *ctx _U_, void *ptr, size_t size)
{
    return wmem_realloc(wmem_file_scope(), ptr, size);
}

static void file_scope_free(void *ctx _U_, void *ptr)
{
    wmem_free(wmem_file_scope(), ptr);
}

static void tcpconn_init(void)
{
    static const tcpconn_allocator file_scope = { file_scope_realloc, file_scope_free, NULL };
    tcpconn_streams_options options = { pref_zeek, (int64_t)pref_capture_end_ms * 1000000 };
    attempts = tcpconn_streams_new(&file_scope, &options);
    names = tcpconn_names_new(&file_scope);
    connects = tcpconn_connects_new(&file_scope, (int64_t)pref_fallback_window_ms * 1000000);
    tcpconn_locator_reset(&locator);
    frames = FRAMES_UNKNOWN;
    previous_frame = NULL;
    tapped_first_pass = false;
    /* The expert tap is registered after the handoffs, so look it up here. */
    expert_tap = find_tap_id("expert");
}

static void tcpconn_cleanup(void)
{
    /* The memory belongs to the file scope, which is freed with the file. */
    attempts = NULL;
    names = NULL;
    connects = NULL;
}

/* Called when the sequential read of the file is over (tshark -2 after its
 * first pass, the GUI after loading or after a live capture stops). From then
 * on an unanswered SYN is no-answer (or capture-ended), not in-progress. */
static void tcpconn_capture_read(void)
{
    if (attempts != NULL)
        tcpconn_streams_finish(attempts);
}

/* What dissect_tcpconn() does once Wireshark has called it. */
/* The attempt of a frame whose stream and flags TCP's tap record gives,
 * without reading the frame: in the first pass when the segment only
 * extends a settled attempt (most of a capture), after it always. False
 * when the frame must be read. */
static bool place_from_tap(packet_info *pinfo, const tcpconn_wire_layers *layers, bool first_pass,
                           int64_t time_ns, tcpconn_place *place)
{
    uint32_t stream;
    uint16_t flags;
    if (!tcpconn_wire_tapped(layers, &stream, &flags))
        return false;
    if (first_pass) {
        tapped_first_pass = true; /* see frames_fate */
        return tcpconn_streams_plain_segment(attempts, stream, flags, time_ns, place);
    }
    *place = tcpconn_streams_attempt_at(attempts, stream, pinfo->num);
    return true;
}

/* Which host a frame's client is, from the link-layer address on the
 * client's side of the frame: its Ethernet address, which its IPv4 and IPv6
 * attempts and its DNS answers share. A frame without one (Linux cooked,
 * raw IP, loopback) comes from a capture taken on the client itself, so all
 * such frames are one host. */
static tcpconn_host host_of(const address *client_link)
{
    tcpconn_host h;
    memset(&h, 0, sizeof h);
    if (client_link->type == AT_ETHER && client_link->len == 6) {
        h.bytes[0] = 1;
        memcpy(h.bytes + 1, client_link->data, 6);
    }
    return h;
}

/* The answers of a DNS response, for the host it was sent to. */
typedef struct {
    tcpconn_host host;
    uint32_t frame;
} dns_answer_context;

static void record_answer(void *context, const char *name, const uint8_t *address,
                          uint8_t address_len)
{
    const dns_answer_context *c = context;
    tcpconn_names_answer(names, &c->host, address, address_len, name, c->frame);
}

static void read_dns(tvbuff_t *tvb, packet_info *pinfo)
{
    tcpconn_found_udp udp;
    if (!tcpconn_wire_read_dns(&locator, pinfo, tvb, &udp))
        return;
    dns_answer_context c = { host_of(&pinfo->dl_dst), pinfo->num };
    tcpconn_dns_read_response(udp.payload, udp.payload_len, record_answer, &c);
}

static const tcpconn_attempt *attempt_of(void *context _U_, tcpconn_attempt_ref ref)
{
    return tcpconn_streams_attempt_at(attempts, ref.stream, ref.frame).attempt;
}

static const tcpconn_attempt_finder finder = { attempt_of, NULL };

/* The server's endpoint key, the client's host and the attempt's reference,
 * from a frame of the attempt. */
typedef struct {
    const uint8_t *server;
    tcpconn_host host;
    tcpconn_attempt_ref ref;
} attempt_ends;

static attempt_ends ends_of(const packet_info *pinfo, const tcpconn_place *place,
                            const tcpconn_found *f)
{
    uint8_t orientation =
        f->kind == TCPCONN_FOUND_SEGMENT ? f->segment.orientation : f->icmp.orientation;
    /* The segment, or the one an ICMP error quotes, was sent by the client. */
    bool by_client = tcpconn_attempt_from_initiator(place->attempt, orientation);
    /* An ICMP error travels to the client, like the server's segments. */
    bool frame_from_client = by_client && f->kind == TCPCONN_FOUND_SEGMENT;
    attempt_ends e = { by_client ? f->dst_endpoint : f->src_endpoint,
                       host_of(frame_from_client ? &pinfo->dl_src : &pinfo->dl_dst),
                       { place->stream, place->attempt->first_frame } };
    return e;
}

static uint32_t server_name_of(const attempt_ends *e)
{
    return tcpconn_names_find(names, &e->host, e->server + 1, e->server[0] == 6 ? 16 : 4,
                              e->ref.frame);
}

/* A bare SYN that began an attempt: the client may be falling back from
 * an earlier one. */
static void attempt_began(const packet_info *pinfo, const tcpconn_place *place,
                          const tcpconn_found *f, int64_t time_ns)
{
    if (f->kind != TCPCONN_FOUND_SEGMENT ||
        (f->segment.flags & (TCPCONN_SYN | TCPCONN_ACK)) != TCPCONN_SYN ||
        place->attempt->first_frame != pinfo->num)
        return;
    attempt_ends e = ends_of(pinfo, place, f);
    tcpconn_attempt_begins b = { e.ref, e.host, { 0 }, server_name_of(&e), time_ns };
    memcpy(b.server, e.server, TCPCONN_ENDPOINT_LEN);
    tcpconn_connects_begin(connects, &b, &finder, tcpconn_streams_capture(attempts));
}

/* What dissect_tcpconn() does once Wireshark has called it. */
static int dissect_tcpconn_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    bool first_pass = !PINFO_FD_VISITED(pinfo);
    bool expert_wanted = have_tap_listener(expert_tap);
    bool stats_wanted = have_tap_listener(tcpconn_tap);
    /* A tree nobody shows and that no filter, column or colouring rule asks
     * tcpconn about (tshark -z io,stat, say) gets nothing from us. */
    bool tree_wanted = tree != NULL && proto_field_is_referenced(tree, proto_tcpconn);
    bool output_wanted = tree_wanted || expert_wanted || stats_wanted;
    int64_t time_ns = (int64_t)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
    bool checksums = pref_zeek && pref_zeek_checksums;

    if (attempts == NULL)
        return 0;
    if (first_pass) {
        tcpconn_streams_frame_seen(attempts, time_ns);
        note_frame(pinfo);
    }
    /* After the first pass only a tree or a tap can show anything; in
     * tshark's single pass, nothing will ask later either (frames_fate). */
    if (!output_wanted && (!first_pass || frames == FRAMES_SEEN_ONCE))
        return 0;
    /* The statistics and a tree showing the client, the server or the
     * sentence need the frame's addresses. */
    bool endpoints_wanted = stats_wanted || (tree_wanted && tcpconn_output_needs_endpoints(tree));
    bool connect_wanted = stats_wanted || (tree_wanted && tcpconn_output_needs_connect(tree));
    /* Names and connects are learnt as the capture is read, for any later
     * pass to show; tshark's single pass shows each frame once, and if
     * nothing asks about connects now, nothing ever will. */
    bool learn_connects = frames != FRAMES_SEEN_ONCE || connect_wanted || expert_wanted;
    tcpconn_wire_layers layers = tcpconn_wire_layers_of(pinfo);
    if (layers.dns) {
        if (first_pass && learn_connects)
            read_dns(tvb, pinfo);
        return 0;
    }
    tcpconn_wire w;
    const tcpconn_wire *wire = NULL;
    tcpconn_place place;
    if (place_from_tap(pinfo, &layers, first_pass, time_ns, &place)) {
        if (place.attempt == NULL || !output_wanted)
            return 0;
        /* A connect's expert item goes on an attempt's deciding frame. */
        connect_wanted |= expert_wanted && pinfo->num == place.attempt->outcome_frame;
        if (endpoints_wanted || connect_wanted) {
            if (!tcpconn_wire_read(&locator, pinfo, &layers, tvb, time_ns, checksums, &w))
                return 0;
            wire = &w;
        }
    } else {
        if (!tcpconn_wire_read(&locator, pinfo, &layers, tvb, time_ns, checksums, &w))
            return 0;
        wire = &w;
        const tcpconn_found *f = &w.found;
        bool segment = f->kind == TCPCONN_FOUND_SEGMENT;
        if (first_pass) {
            place = segment ? tcpconn_streams_segment(attempts, f->stream, &f->segment)
                            : tcpconn_streams_icmp(attempts, f->stream, &f->icmp);
            if (place.attempt != NULL && learn_connects)
                attempt_began(pinfo, &place, f, time_ns);
        } else
            place = segment ? tcpconn_streams_attempt_at(attempts, f->stream, pinfo->num)
                            : tcpconn_streams_quoted_attempt(attempts, f->stream, &f->icmp);
        /* An ICMP error that does not quote an attempt's SYN shows nothing. */
        if (place.attempt == NULL || !output_wanted)
            return 0;
        connect_wanted |= expert_wanted && pinfo->num == place.attempt->outcome_frame;
    }

    const tcpconn_capture *capture = tcpconn_streams_capture(attempts);
    tcpconn_outcome outcome = tcpconn_outcome_of(place.attempt, capture);
    tcpconn_shown shown = { wire,
                            &place,
                            &outcome,
                            capture,
                            tcpconn_streams_zeek(attempts, place.attempt),
                            pref_note_retries,
                            NULL,
                            NULL,
                            NULL };
    /* The connect, and the server's name, need the frame's addresses. */
    tcpconn_connect connect;
    tcpconn_connect_outcome connect_outcome;
    if (connect_wanted && wire != NULL && outcome.reason != TCPCONN_HANDSHAKE_NOT_SEEN) {
        attempt_ends e = ends_of(pinfo, &place, &wire->found);
        tcpconn_connects_of(connects, e.ref, e.server, &connect);
        connect_outcome = tcpconn_connect_outcome_of(&connect, &finder, capture);
        uint32_t name = server_name_of(&e);
        shown.connect = &connect;
        shown.connect_outcome = &connect_outcome;
        shown.server_name = name != 0 ? tcpconn_names_text(names, name) : NULL;
    }

    /* Each attempt is counted once: in one pass with its first verdict (where
     * it settled or first showed a failure), on its deciding frame after a
     * full pass. */
    if (stats_wanted && (first_pass ? (place.now & TCPCONN_NOW_VERDICT) != 0
                                    : pinfo->num == place.attempt->outcome_frame))
        tcpconn_output_tap(tcpconn_tap, pinfo, &shown);
    if (!tree_wanted) {
        if (expert_wanted)
            tcpconn_output_expert(pinfo, NULL, &shown);
        return 0;
    }
    tcpconn_output_tree(tree, tvb, pinfo, &shown);
    return tvb_captured_length(tvb);
}

/* The post-dissector's handle names no protocol (see proto_reg_handoff),
 * so it does here what Wireshark would: skip a disabled protocol, and make
 * TCPCONN the protocol of the expert items it adds. */
static int dissect_tcpconn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (!proto_is_protocol_enabled(tcpconn_protocol))
        return 0;
    const char *saved_proto = pinfo->current_proto;
    pinfo->current_proto = "TCPCONN";
    int len = dissect_tcpconn_frame(tvb, pinfo, tree);
    pinfo->current_proto = saved_proto;
    return len;
}

static void proto_register_tcpconn(void)
{
    proto_tcpconn = proto_register_protocol("TCP Connection Outcome", "TCPCONN", "tcpconn");
    tcpconn_output_register(proto_tcpconn);

    module_t *tcpconn_module = prefs_register_protocol(proto_tcpconn, NULL);
    prefs_register_bool_preference(
        tcpconn_module, "note_retries", "Note connections that needed a retried handshake",
        "Add a Note expert item when a connection succeeded only after SYN or SYN-ACK "
        "retransmissions",
        &pref_note_retries);
    prefs_register_uint_preference(
        tcpconn_module, "capture_end_ms", "Cut off by the end of the capture (ms)",
        "An attempt still waiting for an answer, with no retransmission that went "
        "unanswered (one SYN, or SYN-ACKs that only answer its SYNs), whose last packet came "
        "less than this many milliseconds before the capture's last frame is reported "
        "capture-ended, not failed: it had no time to be answered or retried. A "
        "retransmitted SYN or SYN-ACK that got no answer is failed however soon the capture "
        "ended; tcpconn.capture_stopped marks such attempts. 1000 is one initial "
        "retransmission timeout; 0 turns this off. Takes effect when a capture is (re)loaded",
        10, &pref_capture_end_ms);
    prefs_register_uint_preference(
        tcpconn_module, "fallback_window_ms", "Fallback window (ms)",
        "An attempt joins the connect of an earlier attempt from the same client host to "
        "another address of the same server name and port when it begins at most this many "
        "milliseconds after that attempt's last packet while it still waited for an answer, or "
        "after it failed (Happy Eyeballs, the next DNS record). Takes effect when a capture is "
        "(re)loaded",
        10, &pref_fallback_window_ms);
    prefs_register_bool_preference(
        tcpconn_module, "zeek", "Zeek conn_state and history",
        "Keep Zeek's view of each connection and show it as tcpconn.conn_state and "
        "tcpconn.history (" G_STRINGIFY(
            TCPCONN_ZEEK_BYTES) " more bytes of memory per TCP "
                                "stream); takes effect when a capture is (re)loaded",
        &pref_zeek);
    prefs_register_bool_preference(
        tcpconn_module, "zeek_checksums", "Check TCP checksums like Zeek",
        "Verify every TCP checksum, record bad ones as Zeek's history letter C and otherwise "
        "ignore those segments in the Zeek view, as Zeek does without -C. Off by default, "
        "because checksum offload makes the capturing host's own segments look bad",
        &pref_zeek_checksums);

    tcpconn_protocol = find_protocol_by_id(proto_tcpconn);
    tcpconn_tap = register_tap("tcpconn");
    register_dissector("tcpconn", dissect_tcpconn, proto_tcpconn);
    /* Called through a handle of a protocol, a post-dissector costs every
     * frame a protocol layer (a list entry, a map lookup and insert, then
     * their removal when it adds nothing): as much as tcpconn's own work on
     * a frame nobody asks about. Wireshark calls this one with no protocol;
     * dissect_tcpconn() checks that tcpconn is enabled itself. */
    tcpconn_handle = create_dissector_handle(dissect_tcpconn, -1);
    register_init_routine(tcpconn_init);
    register_cleanup_routine(tcpconn_cleanup);
    register_postseq_cleanup_routine(tcpconn_capture_read);
}

static void proto_reg_handoff_tcpconn(void)
{
    tcpconn_wire_init();
    register_postdissector(tcpconn_handle);
}

/* Wireshark 4.0 to 4.6 find a plugin by its exported symbols; 4.4 added
 * plugin_describe(). (The struct ws_module registration of Wireshark's
 * development branch is in no 4.x release.) */
static void register_tcpconn_plugin(void)
{
    static proto_plugin dissector;
    dissector.register_protoinfo = proto_register_tcpconn;
    dissector.register_handoff = proto_reg_handoff_tcpconn;
    proto_register_plugin(&dissector);

    static tap_plugin statistics;
    statistics.register_tap_listener = tcpconn_register_stats;
    tap_register_plugin(&statistics);
}

WS_DLL_PUBLIC_DEF const char plugin_version[] = PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    register_tcpconn_plugin();
}

#if TCPCONN_WS_AT_LEAST(4, 4)
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif
