/* packet-tcpconn.c - TCP Connection Outcome post-dissector.
 *
 * Tells, on every packet of a TCP connection attempt, how the attempt ended:
 * established, refused, unanswered, rejected by ICMP, half-open, aborted,
 * or accepted and then dropped before any data.
 *
 * The work is split three ways: wire.c reads the segment (or the ICMP error
 * quoting one) out of the frame, attempt.c and streams.c decide the outcome
 * without knowing anything about Wireshark, and this file registers the
 * protocol and turns an attempt into tree items and expert info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <wireshark.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <wsutil/inet_addr.h>

#include "attempt.h"
#include "packet-tcpconn.h"
#include "streams.h"
#include "version_compat.h"
#include "wire.h"

#if TCPCONN_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h> /* plugin descriptions arrived in 4.4 */
#endif

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

static int proto_tcpconn = -1;

static int hf_stream = -1;
static int hf_attempt = -1;
static int hf_reason = -1;
static int hf_failed = -1;
static int hf_provisional = -1;
static int hf_syn_count = -1;
static int hf_synack_count = -1;
static int hf_connect_time = -1;
static int hf_time_to_outcome = -1;
static int hf_syn_frame = -1;
static int hf_outcome_frame = -1;
static int hf_ended_by = -1;
static int hf_client = -1;
static int hf_server = -1;
static int hf_server_port = -1;
static int hf_concurrent = -1;
static int hf_server_attempts = -1;
static int hf_conn_state = -1;
static int hf_history = -1;

static int ett_tcpconn = -1;

static expert_field ei_refused = EI_INIT;
static expert_field ei_no_answer = EI_INIT;
static expert_field ei_icmp_unreachable = EI_INIT;
static expert_field ei_half_open = EI_INIT;
static expert_field ei_aborted_by_client = EI_INIT;
static expert_field ei_established_after_retry = EI_INIT;
static expert_field ei_reset_by_server = EI_INIT;
static expert_field ei_reset_by_client = EI_INIT;
static expert_field ei_closed_by_server = EI_INIT;
static expert_field ei_closed_by_client = EI_INIT;

static dissector_handle_t tcpconn_handle;
static int expert_tap = -1;
static int tcpconn_tap = -1;

/* Preferences. */
static tcpconn_pref_bool pref_note_retries = TRUE;
static tcpconn_pref_bool pref_zeek = FALSE;
static tcpconn_pref_bool pref_zeek_checksums = FALSE;

/* Per capture file: the attempts, in wmem_file_scope() so they go with the
 * file. */
static tcpconn_streams *attempts;

static const value_string icmp_unreachable_codes[] = {
    { 0, "Network unreachable" },
    { 1, "Host unreachable" },
    { 2, "Protocol unreachable" },
    { 3, "Port unreachable" },
    { 4, "Fragmentation needed" },
    { 5, "Source route failed" },
    { 6, "Destination network unknown" },
    { 7, "Destination host unknown" },
    { 9, "Network administratively prohibited" },
    { 10, "Host administratively prohibited" },
    { 11, "Network unreachable for TOS" },
    { 12, "Host unreachable for TOS" },
    { 13, "Communication administratively prohibited" },
    { 14, "Host precedence violation" },
    { 15, "Precedence cutoff in effect" },
    { 0, NULL },
};

static const value_string icmpv6_unreachable_codes[] = {
    { 0, "No route to destination" },
    { 1, "Communication administratively prohibited" },
    { 2, "Beyond scope of source address" },
    { 3, "Address unreachable" },
    { 4, "Port unreachable" },
    { 5, "Source address failed ingress/egress policy" },
    { 6, "Reject route to destination" },
    { 0, NULL },
};

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
    attempts = tcpconn_streams_new(&file_scope, pref_zeek);
    /* The expert tap is registered after the handoffs, so look it up here. */
    expert_tap = find_tap_id("expert");
}

static void tcpconn_cleanup(void)
{
    /* The memory belongs to the file scope, which is freed with the file. */
    attempts = NULL;
}

/* Called when the sequential read of the file is over (tshark -2 after its
 * first pass, the GUI after loading or after a live capture stops). From then
 * on an unanswered SYN is no-answer, not in-progress. */
static void tcpconn_capture_read(void)
{
    if (attempts != NULL)
        tcpconn_streams_finish(attempts);
}

/* "35 µs", "0.41 ms", "3.02 s", written into the caller's buffer with integer
 * arithmetic: this runs for every packet of a shown tree (tshark -T fields
 * shows one), where %f or a pool allocation per call costs several times
 * more. */
#define TCPCONN_DURATION_LEN 24

static const char *format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us)
{
    if (us < 100) {
        snprintf(buf, TCPCONN_DURATION_LEN, "%u \xc2\xb5s", us);
    } else if (us < 1000000) {
        uint32_t hundredths = (us + 5) / 10;
        snprintf(buf, TCPCONN_DURATION_LEN, "%u.%02u ms", hundredths / 100, hundredths % 100);
    } else {
        uint32_t hundredths = (uint32_t)(((uint64_t)us + 5000) / 10000);
        snprintf(buf, TCPCONN_DURATION_LEN, "%u.%02u s", hundredths / 100, hundredths % 100);
    }
    return buf;
}

static nstime_t nstime_from_us(uint32_t us)
{
    nstime_t t;
    t.secs = (time_t)(us / 1000000);
    t.nsecs = (int)(us % 1000000) * 1000;
    return t;
}

/* "192.0.2.10:443", "[2001:db8::10]:443", built without printf. */
static const char *endpoint_to_str(wmem_allocator_t *pool, const address *addr, uint16_t port)
{
    char buf[1 + WS_INET6_ADDRSTRLEN + 2 + 5 + 1];
    bool v6 = addr->type == AT_IPv6;
    size_t n = 0;

    if (v6)
        buf[n++] = '[';
    address_to_str_buf(addr, buf + n, WS_INET6_ADDRSTRLEN);
    n += strlen(buf + n);
    if (v6)
        buf[n++] = ']';
    buf[n++] = ':';
    char digits[5];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + port % 10);
        port /= 10;
    } while (port != 0);
    while (d > 0)
        buf[n++] = digits[--d];
    buf[n] = '\0';
    return wmem_strdup(pool, buf);
}

/* Which end of the segment (or of the quoted one) is the attempt's client. */
typedef struct {
    const address *client;
    uint16_t client_port;
    const address *server;
    uint16_t server_port;
} tcpconn_endpoints;

static tcpconn_endpoints endpoints_of(const tcpconn_wire *w, const tcpconn_attempt *a)
{
    uint8_t orientation =
        w->kind == TCPCONN_WIRE_SEGMENT ? w->segment.orientation : w->icmp.orientation;
    bool sent_by_client = tcpconn_attempt_from_initiator(a, orientation);
    tcpconn_endpoints e = {
        .client = sent_by_client ? &w->src : &w->dst,
        .client_port = sent_by_client ? w->src_port : w->dst_port,
        .server = sent_by_client ? &w->dst : &w->src,
        .server_port = sent_by_client ? w->dst_port : w->src_port,
    };
    return e;
}

static const char *plural(unsigned n)
{
    return n == 1 ? "" : "s";
}

static const char *icmp_text(wmem_allocator_t *pool, const tcpconn_attempt *a, bool v6)
{
    const char *code = val_to_str_const(
        a->icmp_code, v6 ? icmpv6_unreachable_codes : icmp_unreachable_codes, "unknown code");
    return wmem_strdup_printf(pool, "%s destination unreachable (%s)", v6 ? "ICMPv6" : "ICMP",
                              code);
}

/* The one-sentence summary shown on the tcpconn subtree. */
static void set_summary(proto_item *ti, wmem_allocator_t *pool, const tcpconn_attempt *a,
                        tcpconn_reason reason, bool provisional, const char *server, bool v6)
{
    unsigned syns = a->syn_count;
    const char *who = (a->flags & TCPCONN_A_BY_RESPONDER) ? "server" : "client";
    char took[TCPCONN_DURATION_LEN];

    switch (reason) {
    case TCPCONN_IN_PROGRESS:
        if (a->flags & TCPCONN_A_RESPONDER_SYN)
            proto_item_set_text(ti,
                                "TCP connection to %s in progress: SYN-ACK received, "
                                "no ACK from the client yet",
                                server);
        else
            proto_item_set_text(ti, "TCP connection to %s in progress: %u SYN%s, no answer yet",
                                server, syns, plural(syns));
        break;
    case TCPCONN_ESTABLISHED:
        proto_item_set_text(ti, "TCP connection to %s established in %s%s", server,
                            format_duration(took, a->connect_us),
                            provisional ? " (so far no data)" : "");
        break;
    case TCPCONN_ESTABLISHED_AFTER_RETRY:
        proto_item_set_text(ti,
                            "TCP connection to %s established only after retrying: "
                            "%u SYN%s, %u SYN-ACK%s, connected in %s",
                            server, syns, plural(syns), a->synack_count, plural(a->synack_count),
                            format_duration(took, a->connect_us));
        break;
    case TCPCONN_REFUSED:
        proto_item_set_text(ti,
                            "TCP connection refused: %s answered the SYN with RST after %s "
                            "(%u SYN%s)",
                            server, format_duration(took, a->outcome_us), syns, plural(syns));
        break;
    case TCPCONN_NO_ANSWER:
        proto_item_set_text(ti,
                            "TCP connection got no answer: %u SYN%s to %s over %s, "
                            "nothing came back",
                            syns, plural(syns), server, format_duration(took, a->outcome_us));
        break;
    case TCPCONN_ICMP_UNREACHABLE:
        proto_item_set_text(ti, "TCP connection to %s rejected by %s after %s (%u SYN%s)", server,
                            icmp_text(pool, a, v6), format_duration(took, a->outcome_us), syns,
                            plural(syns));
        break;
    case TCPCONN_HALF_OPEN:
        if (a->flags & TCPCONN_A_SYNACK_AFTER_ACK)
            proto_item_set_text(ti,
                                "TCP handshake with %s never completed (half-open): "
                                "the server kept re-sending SYN-ACK after the client's ACK",
                                server);
        else
            proto_item_set_text(ti,
                                "TCP handshake with %s never completed (half-open): "
                                "%u SYN-ACK%s, no ACK from the client",
                                server, a->synack_count, plural(a->synack_count));
        break;
    case TCPCONN_ABORTED_BY_CLIENT:
        proto_item_set_text(ti,
                            "TCP connection to %s aborted by the client before the "
                            "handshake completed, after %s",
                            server, format_duration(took, a->outcome_us));
        break;
    case TCPCONN_RESET_AFTER_ESTABLISHED:
        proto_item_set_text(ti,
                            "TCP connection to %s reset by the %s before any data, %s after "
                            "the first SYN",
                            server, who, format_duration(took, a->outcome_us));
        break;
    case TCPCONN_CLOSED_BEFORE_DATA:
        proto_item_set_text(ti,
                            "TCP connection to %s closed by the %s before any data, %s after "
                            "the first SYN",
                            server, who, format_duration(took, a->outcome_us));
        break;
    case TCPCONN_HANDSHAKE_NOT_SEEN:
        proto_item_set_text(ti, "TCP connection with %s: handshake not in the capture", server);
        break;
    case TCPCONN_REASON_COUNT:
        break;
    }
}

/* Expert info goes on the deciding frame only, once the outcome is known
 * there (a retried handshake is worth a note even while still provisional).
 * `ti` may be NULL: without a tree the expert tap still gets the item. */
static void add_expert(packet_info *pinfo, proto_item *ti, const tcpconn_attempt *a)
{
    bool by_server = (a->flags & TCPCONN_A_BY_RESPONDER) != 0;
    tcpconn_reason reason = tcpconn_attempt_reason(a, tcpconn_streams_complete(attempts));

    if (pinfo->num != a->outcome_frame)
        return;
    if (tcpconn_attempt_is_provisional(a, tcpconn_streams_complete(attempts)) &&
        reason != TCPCONN_ESTABLISHED_AFTER_RETRY)
        return;

    switch (reason) {
    case TCPCONN_REFUSED:
        expert_add_info(pinfo, ti, &ei_refused);
        break;
    case TCPCONN_NO_ANSWER:
        expert_add_info(pinfo, ti, &ei_no_answer);
        break;
    case TCPCONN_ICMP_UNREACHABLE:
        expert_add_info(pinfo, ti, &ei_icmp_unreachable);
        break;
    case TCPCONN_HALF_OPEN:
        expert_add_info(pinfo, ti, &ei_half_open);
        break;
    case TCPCONN_ABORTED_BY_CLIENT:
        expert_add_info(pinfo, ti, &ei_aborted_by_client);
        break;
    case TCPCONN_ESTABLISHED_AFTER_RETRY:
        if (pref_note_retries) {
            char took[TCPCONN_DURATION_LEN];
            expert_add_info_format(pinfo, ti, &ei_established_after_retry,
                                   "Connected only after retrying the handshake: %u SYN%s, "
                                   "%u SYN-ACK%s, connect time %s",
                                   a->syn_count, plural(a->syn_count), a->synack_count,
                                   plural(a->synack_count), format_duration(took, a->connect_us));
        }
        break;
    case TCPCONN_RESET_AFTER_ESTABLISHED:
        expert_add_info(pinfo, ti, by_server ? &ei_reset_by_server : &ei_reset_by_client);
        break;
    case TCPCONN_CLOSED_BEFORE_DATA:
        expert_add_info(pinfo, ti, by_server ? &ei_closed_by_server : &ei_closed_by_client);
        break;
    default:
        break;
    }
}

/* Every tcpconn item is generated: none of it is in the packet's bytes. */
static void add_uint(proto_tree *st, int hf, tvbuff_t *tvb, uint32_t value)
{
    proto_item_set_generated(proto_tree_add_uint(st, hf, tvb, 0, 0, value));
}

static proto_item *add_string(proto_tree *st, int hf, tvbuff_t *tvb, const char *value)
{
    proto_item *it = proto_tree_add_string(st, hf, tvb, 0, 0, value);
    proto_item_set_generated(it);
    return it;
}

/* For the booleans that are present only when true. */
static void add_flag(proto_tree *st, int hf, tvbuff_t *tvb)
{
    proto_item_set_generated(proto_tree_add_boolean(st, hf, tvb, 0, 0, 1));
}

static void add_duration(proto_tree *st, int hf, tvbuff_t *tvb, uint32_t us)
{
    nstime_t t = nstime_from_us(us);
    proto_item_set_generated(proto_tree_add_time(st, hf, tvb, 0, 0, &t));
}

static void add_zeek_view(proto_tree *st, tvbuff_t *tvb, const tcpconn_zeek *z)
{
    const char *state = tcpconn_zeek_conn_state(z);
    proto_item_append_text(add_string(st, hf_conn_state, tvb, state), " (%s)",
                           tcpconn_zeek_conn_state_meaning(state));
    char history[TCPCONN_ZEEK_HISTORY_MAX + 1];
    tcpconn_zeek_history(z, history);
    add_string(st, hf_history, tvb, history);
}

static void add_outcome_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                             const tcpconn_wire *w, const tcpconn_attempt *a, unsigned number)
{
    bool complete = tcpconn_streams_complete(attempts);
    tcpconn_reason reason = tcpconn_attempt_reason(a, complete);
    bool provisional = tcpconn_attempt_is_provisional(a, complete);
    tcpconn_endpoints e = endpoints_of(w, a);

    /* Formatting addresses costs; only do it when someone will look. */
    const char *server = proto_field_is_referenced(tree, hf_server) || PTREE_DATA(tree)->visible
                             ? endpoint_to_str(pinfo->pool, e.server, e.server_port)
                             : NULL;

    proto_item *ti = proto_tree_add_item(tree, proto_tcpconn, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(ti);
    /* The sentence is only read, never filtered on: build it for a visible
     * tree only. */
    if (PTREE_DATA(tree)->visible)
        set_summary(ti, pinfo->pool, a, reason, provisional, server, e.server->type == AT_IPv6);
    proto_tree *st = proto_item_add_subtree(ti, ett_tcpconn);

    add_uint(st, hf_stream, tvb, w->stream);
    /* Only where ports were reused within one tcp.stream. */
    if (number > 1 || a->next != 0)
        add_uint(st, hf_attempt, tvb, number);
    add_string(st, hf_reason, tvb, tcpconn_reason_name(reason));
    if (proto_field_is_referenced(tree, hf_client))
        add_string(st, hf_client, tvb, endpoint_to_str(pinfo->pool, e.client, e.client_port));
    if (server != NULL)
        add_string(st, hf_server, tvb, server);
    add_uint(st, hf_server_port, tvb, e.server_port);
    if (tcpconn_reason_is_failure(reason))
        add_flag(st, hf_failed, tvb);
    if (provisional)
        add_flag(st, hf_provisional, tvb);
    const tcpconn_zeek *z = tcpconn_streams_zeek(attempts, a);
    if (z != NULL)
        add_zeek_view(st, tvb, z);
    if (reason == TCPCONN_RESET_AFTER_ESTABLISHED || reason == TCPCONN_CLOSED_BEFORE_DATA)
        add_string(st, hf_ended_by, tvb, (a->flags & TCPCONN_A_BY_RESPONDER) ? "server" : "client");
    add_uint(st, hf_concurrent, tvb, a->concurrent);
    add_uint(st, hf_server_attempts, tvb, a->server_index);
    add_uint(st, hf_syn_count, tvb, a->syn_count);
    add_uint(st, hf_synack_count, tvb, a->synack_count);
    if (tcpconn_attempt_has_connect_time(a))
        add_duration(st, hf_connect_time, tvb, a->connect_us);
    add_duration(st, hf_time_to_outcome, tvb, a->outcome_us);
    if (a->decision != TCPCONN_DECIDED_NOT_SEEN)
        add_uint(st, hf_syn_frame, tvb, a->first_frame);
    add_uint(st, hf_outcome_frame, tvb, a->outcome_frame);

    add_expert(pinfo, ti, a);
}

/* The tap listeners (statistics) see each attempt once: on its deciding
 * frame once the capture is read, or, while reading in one pass, on the
 * frame that made its outcome final. */
static void queue_tap(packet_info *pinfo, const tcpconn_wire *w, const tcpconn_attempt *a)
{
    tcpconn_endpoints e = endpoints_of(w, a);
    tcpconn_tap_info *info = wmem_new0(pinfo->pool, tcpconn_tap_info);
    info->reason = tcpconn_attempt_reason(a, tcpconn_streams_complete(attempts));
    info->client_address = address_to_str(pinfo->pool, e.client);
    info->server = endpoint_to_str(pinfo->pool, e.server, e.server_port);
    info->syn_count = a->syn_count;
    info->connected = tcpconn_attempt_has_connect_time(a);
    info->connect_us = a->connect_us;
    info->concurrent = a->concurrent;
    tap_queue_packet(tcpconn_tap, pinfo, info);
}

static int dissect_tcpconn(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    bool first_pass = !PINFO_FD_VISITED(pinfo);
    bool expert_wanted = have_tap_listener(expert_tap);
    bool stats_wanted = have_tap_listener(tcpconn_tap);
    tcpconn_wire w;

    /* After the first pass only a tree or a tap can show anything. */
    if (attempts == NULL || (!first_pass && tree == NULL && !expert_wanted && !stats_wanted))
        return 0;
    if (!tcpconn_wire_read(pinfo, tvb, pref_zeek && pref_zeek_checksums, &w))
        return 0;

    bool complete = tcpconn_streams_complete(attempts);
    bool settled_here = false; /* this frame made its attempt's outcome final */
    if (first_pass) {
        if (w.kind == TCPCONN_WIRE_SEGMENT) {
            const tcpconn_attempt *before =
                tcpconn_streams_attempt_at(attempts, w.stream, pinfo->num, NULL);
            bool was_settled = before != NULL && !tcpconn_attempt_is_provisional(before, complete);
            bool started;
            const tcpconn_attempt *fed =
                tcpconn_streams_segment(attempts, w.stream, &w.segment, &started);
            settled_here =
                !tcpconn_attempt_is_provisional(fed, complete) && (started || !was_settled);
        } else {
            tcpconn_streams_icmp(attempts, w.stream, &w.icmp, &settled_here);
        }
    }
    if (tree == NULL && !expert_wanted && !stats_wanted)
        return 0;

    unsigned number = 1;
    const tcpconn_attempt *a =
        w.kind == TCPCONN_WIRE_SEGMENT
            ? tcpconn_streams_attempt_at(attempts, w.stream, pinfo->num, &number)
            : tcpconn_streams_attempt_for_icmp(attempts, w.stream, &w.icmp, &number);
    if (a == NULL)
        return 0;
    if (stats_wanted && (first_pass ? settled_here : pinfo->num == a->outcome_frame))
        queue_tap(pinfo, &w, a);
    /* A tree nobody shows and that no filter, column or colouring rule asks
     * tcpconn about (tshark -z io,stat, say) gets nothing from us. */
    if (tree == NULL || !proto_field_is_referenced(tree, proto_tcpconn)) {
        if (expert_wanted)
            add_expert(pinfo, NULL, a);
        return 0;
    }
    add_outcome_tree(tree, tvb, pinfo, &w, a, number);
    return tvb_captured_length(tvb);
}

static void proto_register_tcpconn(void)
{
    static hf_register_info hf[] = {
        { &hf_stream,
          { "Stream index", "tcpconn.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
            "The tcp.stream index of the connection attempt this packet belongs to; on an ICMP "
            "error, the stream of the segment it quotes",
            HFILL } },
        { &hf_attempt,
          { "Attempt", "tcpconn.attempt", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Present only on a tcp.stream that holds more than one connection attempt (the "
            "same ports reused for a new SYN): which attempt this packet belongs to, 1 for the "
            "first",
            HFILL } },
        { &hf_reason,
          { "Outcome", "tcpconn.reason", FT_STRING, BASE_NONE, NULL, 0x0,
            "How the connection attempt ended: established, established-after-retry, refused, "
            "no-answer, icmp-unreachable, half-open, aborted-by-client, reset-after-established, "
            "closed-before-data, handshake-not-seen; in-progress only in one pass",
            HFILL } },
        { &hf_failed,
          { "Failed", "tcpconn.failed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Present only when the attempt did not connect: refused, no-answer, "
            "icmp-unreachable, half-open or aborted-by-client",
            HFILL } },
        { &hf_provisional,
          { "Provisional", "tcpconn.provisional", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Present only while later packets could still change the outcome (one-pass "
            "reading and live capture)",
            HFILL } },
        { &hf_syn_count,
          { "SYNs sent", "tcpconn.syn_count", FT_UINT32, BASE_DEC, NULL, 0x0,
            "SYN segments (without ACK) the initiator sent in this attempt; more than one means "
            "the SYN was retransmitted",
            HFILL } },
        { &hf_synack_count,
          { "SYN-ACKs sent", "tcpconn.synack_count", FT_UINT32, BASE_DEC, NULL, 0x0,
            "SYN-ACK segments the responder sent in this attempt; more than one means the "
            "SYN-ACK was retransmitted",
            HFILL } },
        { &hf_connect_time,
          { "Connect time", "tcpconn.connect_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the first SYN to the initiator's ACK that completed the handshake "
            "(connected attempts only)",
            HFILL } },
        { &hf_time_to_outcome,
          { "Time to outcome", "tcpconn.time_to_outcome", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the first SYN to the packet that decided the outcome (for no-answer, to "
            "the last SYN)",
            HFILL } },
        { &hf_syn_frame,
          { "First SYN in frame", "tcpconn.syn_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "The frame with the attempt's first SYN",
            HFILL } },
        { &hf_outcome_frame,
          { "Outcome decided in frame", "tcpconn.outcome_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
            "The frame that decided the outcome: the RST, ICMP error, completing ACK, or the "
            "last SYN of an unanswered attempt",
            HFILL } },
        { &hf_client,
          { "Client", "tcpconn.client", FT_STRING, BASE_NONE, NULL, 0x0,
            "The initiator of the attempt as address:port ([address]:port for IPv6); on an ICMP "
            "error, taken from the quoted segment, not from the ICMP packet's own addresses",
            HFILL } },
        { &hf_server,
          { "Server", "tcpconn.server", FT_STRING, BASE_NONE, NULL, 0x0,
            "The responder of the attempt as address:port ([address]:port for IPv6); on an ICMP "
            "error, taken from the quoted segment",
            HFILL } },
        { &hf_server_port,
          { "Server port", "tcpconn.server_port", FT_UINT16, BASE_PT_TCP, NULL, 0x0,
            "The responder's TCP port", HFILL } },
        { &hf_concurrent,
          { "Concurrent attempts", "tcpconn.concurrent", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Attempts to the same server address and port that were open when this attempt's "
            "first SYN was sent, this one included; an attempt is open from its first SYN to its "
            "first FIN or RST, or else to its last packet",
            HFILL } },
        { &hf_server_attempts,
          { "Attempt to this server", "tcpconn.server_attempts", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Which attempt to this server address and port this is, in capture order: 1 for the "
            "first",
            HFILL } },
        { &hf_conn_state,
          { "Zeek conn_state", "tcpconn.conn_state", FT_STRING, BASE_NONE, NULL, 0x0,
            "The connection's state code as Zeek's conn.log gives it (S0, S1, SF, REJ, S2, S3, "
            "RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH); needs the tcpconn.zeek preference",
            HFILL } },
        { &hf_history,
          { "Zeek history", "tcpconn.history", FT_STRING, BASE_NONE, NULL, 0x0,
            "The connection's history letters as Zeek's conn.log gives them (upper case: "
            "originator, lower case: responder); needs the tcpconn.zeek preference",
            HFILL } },
        { &hf_ended_by,
          { "Ended by", "tcpconn.ended_by", FT_STRING, BASE_NONE, NULL, 0x0,
            "For reset-after-established and closed-before-data: which side sent the RST or "
            "FIN (client or server)",
            HFILL } },
    };

    static int *ett[] = { &ett_tcpconn };

    static ei_register_info ei[] = {
        { &ei_refused,
          { "tcpconn.expert.refused", PI_SEQUENCE, PI_WARN,
            "Connection refused: the server answered the SYN with RST", EXPFILL } },
        { &ei_no_answer,
          { "tcpconn.expert.no_answer", PI_SEQUENCE, PI_WARN,
            "Connection attempt got no answer: no SYN-ACK, RST or ICMP error came back",
            EXPFILL } },
        { &ei_icmp_unreachable,
          { "tcpconn.expert.icmp_unreachable", PI_SEQUENCE, PI_WARN,
            "Connection attempt rejected by an ICMP destination unreachable", EXPFILL } },
        { &ei_half_open,
          { "tcpconn.expert.half_open", PI_SEQUENCE, PI_WARN,
            "Handshake never completed: the server's SYN-ACK was not acknowledged (half-open)",
            EXPFILL } },
        { &ei_aborted_by_client,
          { "tcpconn.expert.aborted_by_client", PI_SEQUENCE, PI_WARN,
            "Client aborted the connection attempt before the handshake completed", EXPFILL } },
        { &ei_established_after_retry,
          { "tcpconn.expert.established_after_retry", PI_SEQUENCE, PI_NOTE,
            "Connected only after retrying the handshake", EXPFILL } },
        { &ei_reset_by_server,
          { "tcpconn.expert.reset_by_server", PI_SEQUENCE, PI_WARN,
            "Server reset the connection right after accepting it, before any data", EXPFILL } },
        { &ei_reset_by_client,
          { "tcpconn.expert.reset_by_client", PI_SEQUENCE, PI_NOTE,
            "Client reset the connection right after connecting, before any data", EXPFILL } },
        { &ei_closed_by_server,
          { "tcpconn.expert.closed_by_server", PI_SEQUENCE, PI_WARN,
            "Server closed the connection right after accepting it, before any data", EXPFILL } },
        { &ei_closed_by_client,
          { "tcpconn.expert.closed_by_client", PI_SEQUENCE, PI_NOTE,
            "Client closed the connection right after connecting, before any data", EXPFILL } },
    };

    proto_tcpconn = proto_register_protocol("TCP Connection Outcome", "TCPCONN", "tcpconn");
    proto_register_field_array(proto_tcpconn, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *expert_tcpconn = expert_register_protocol(proto_tcpconn);
    expert_register_field_array(expert_tcpconn, ei, array_length(ei));

    module_t *prefs = prefs_register_protocol(proto_tcpconn, NULL);
    prefs_register_bool_preference(
        prefs, "note_retries", "Note connections that needed a retried handshake",
        "Add a Note expert item when a connection succeeded only after SYN or SYN-ACK "
        "retransmissions",
        &pref_note_retries);

    prefs_register_bool_preference(
        prefs, "zeek", "Zeek conn_state and history",
        "Keep Zeek's view of each connection and show it as tcpconn.conn_state and "
        "tcpconn.history (88 more bytes of memory per TCP stream); takes effect when a "
        "capture is (re)loaded",
        &pref_zeek);
    prefs_register_bool_preference(
        prefs, "zeek_checksums", "Check TCP checksums like Zeek",
        "Verify every TCP checksum, record bad ones as Zeek's history letter C and otherwise "
        "ignore those segments in the Zeek view, as Zeek does without -C. Off by default, "
        "because checksum offload makes the capturing host's own segments look bad",
        &pref_zeek_checksums);

    tcpconn_tap = register_tap("tcpconn");
    tcpconn_handle = register_dissector("tcpconn", dissect_tcpconn, proto_tcpconn);
    register_init_routine(tcpconn_init);
    register_cleanup_routine(tcpconn_cleanup);
    register_postseq_cleanup_routine(tcpconn_capture_read);
}

static void proto_reg_handoff_tcpconn(void)
{
    tcpconn_wire_init();
    register_postdissector(tcpconn_handle);
}

/* Wireshark 4.0 to 4.6 find the plugin by its exported symbols; 4.4 added
 * plugin_describe(). (The struct ws_module registration of Wireshark's
 * development branch is not in any 4.x release.) */
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

