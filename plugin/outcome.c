/* outcome.c - what an attempt's record means: its outcome, derived in one
 * place, and the tables every output is generated from.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "outcome.h"

#include <stdio.h>
#include <string.h>

/* One row per outcome: its token, its statistics group, and the expert item
 * its deciding frame gets when the server or when the client ended it. */
static const struct {
    const char *token;
    tcpconn_group group;
    tcpconn_expert expert_server;
    tcpconn_expert expert_client;
    bool expert_while_reading; /* shown before the outcome is final (one pass) */
} reasons[TCPCONN_REASON_COUNT] = {
    [TCPCONN_IN_PROGRESS] = { "in-progress", TCPCONN_GROUP_UNDECIDED, TCPCONN_EXPERT_NONE,
                              TCPCONN_EXPERT_NONE, false },
    [TCPCONN_ESTABLISHED] = { "established", TCPCONN_GROUP_CONNECTED, TCPCONN_EXPERT_NONE,
                              TCPCONN_EXPERT_NONE, false },
    [TCPCONN_ESTABLISHED_AFTER_RETRY] = { "established-after-retry", TCPCONN_GROUP_CONNECTED,
                                          TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY,
                                          TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY, true },
    /* A refusal or ICMP error is a fact when it arrives, even if a retry
     * may still connect. */
    [TCPCONN_REFUSED] = { "refused", TCPCONN_GROUP_FAILED, TCPCONN_EXPERT_REFUSED,
                          TCPCONN_EXPERT_REFUSED, true },
    /* Provisional only after a retransmission went unanswered: a fact too. */
    [TCPCONN_NO_ANSWER] = { "no-answer", TCPCONN_GROUP_FAILED, TCPCONN_EXPERT_NO_ANSWER,
                            TCPCONN_EXPERT_NO_ANSWER, true },
    [TCPCONN_ICMP_UNREACHABLE] = { "icmp-unreachable", TCPCONN_GROUP_FAILED,
                                   TCPCONN_EXPERT_ICMP_UNREACHABLE, TCPCONN_EXPERT_ICMP_UNREACHABLE,
                                   true },
    [TCPCONN_HALF_OPEN] = { "half-open", TCPCONN_GROUP_FAILED, TCPCONN_EXPERT_HALF_OPEN,
                            TCPCONN_EXPERT_HALF_OPEN, true },
    [TCPCONN_ABORTED_BY_CLIENT] = { "aborted-by-client", TCPCONN_GROUP_FAILED,
                                    TCPCONN_EXPERT_ABORTED_BY_CLIENT,
                                    TCPCONN_EXPERT_ABORTED_BY_CLIENT, false },
    [TCPCONN_STALE_CONNECTION] = { "stale-connection", TCPCONN_GROUP_FAILED,
                                   TCPCONN_EXPERT_STALE_CONNECTION, TCPCONN_EXPERT_STALE_CONNECTION,
                                   false },
    [TCPCONN_RESET_AFTER_ESTABLISHED] = { "reset-after-established", TCPCONN_GROUP_DROPPED,
                                          TCPCONN_EXPERT_RESET_BY_SERVER,
                                          TCPCONN_EXPERT_RESET_BY_CLIENT, false },
    [TCPCONN_CLOSED_BEFORE_DATA] = { "closed-before-data", TCPCONN_GROUP_DROPPED,
                                     TCPCONN_EXPERT_CLOSED_BY_SERVER,
                                     TCPCONN_EXPERT_CLOSED_BY_CLIENT, false },
    [TCPCONN_HANDSHAKE_NOT_SEEN] = { "handshake-not-seen", TCPCONN_GROUP_NOT_SEEN,
                                     TCPCONN_EXPERT_NONE, TCPCONN_EXPERT_NONE, false },
    [TCPCONN_CAPTURE_ENDED] = { "capture-ended", TCPCONN_GROUP_UNDECIDED, TCPCONN_EXPERT_NONE,
                                TCPCONN_EXPERT_NONE, false },
    [TCPCONN_ACK_NOT_CAPTURED] = { "ack-not-captured", TCPCONN_GROUP_UNDECIDED, TCPCONN_EXPERT_NONE,
                                   TCPCONN_EXPERT_NONE, false },
};

static const char *const group_names[TCPCONN_GROUP_COUNT] = {
    [TCPCONN_GROUP_CONNECTED] = "Connected",
    [TCPCONN_GROUP_FAILED] = "Failed",
    [TCPCONN_GROUP_DROPPED] = "Accepted, then dropped",
    [TCPCONN_GROUP_NOT_SEEN] = "Handshake not in capture",
    [TCPCONN_GROUP_UNDECIDED] = "Undecided",
};

const tcpconn_expert_info tcpconn_experts[TCPCONN_EXPERT_COUNT] = {
    [TCPCONN_EXPERT_REFUSED] = { "refused", true,
                                 "Connection refused: the server answered the SYN with RST" },
    [TCPCONN_EXPERT_NO_ANSWER] = { "no_answer", true,
                                   "Connection attempt got no answer: no SYN-ACK, RST or ICMP "
                                   "error came back" },
    [TCPCONN_EXPERT_ICMP_UNREACHABLE] = { "icmp_unreachable", true,
                                          "Connection attempt rejected by an ICMP destination "
                                          "unreachable" },
    [TCPCONN_EXPERT_HALF_OPEN] = { "half_open", true,
                                   "Handshake never completed: the server's SYN-ACK was not "
                                   "acknowledged (half-open)" },
    [TCPCONN_EXPERT_ABORTED_BY_CLIENT] = { "aborted_by_client", true,
                                           "Client aborted the connection attempt before the "
                                           "handshake completed" },
    [TCPCONN_EXPERT_STALE_CONNECTION] = { "stale_connection", true,
                                          "Connection attempt answered with an ACK for an old "
                                          "connection on the same ports, never with a SYN-ACK" },
    [TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY] = { "established_after_retry", false,
                                                 "Connected only after retrying the handshake" },
    [TCPCONN_EXPERT_RESET_BY_SERVER] = { "reset_by_server", true,
                                         "Server reset the connection right after accepting it, "
                                         "before any data" },
    [TCPCONN_EXPERT_RESET_BY_CLIENT] = { "reset_by_client", false,
                                         "Client reset the connection right after connecting, "
                                         "before any data" },
    [TCPCONN_EXPERT_CLOSED_BY_SERVER] = { "closed_by_server", true,
                                          "Server closed the connection right after accepting "
                                          "it, before any data" },
    [TCPCONN_EXPERT_CLOSED_BY_CLIENT] = { "closed_by_client", false,
                                          "Client closed the connection right after connecting, "
                                          "before any data" },
};

const char *tcpconn_reason_name(tcpconn_reason r)
{
    return (unsigned)r < TCPCONN_REASON_COUNT ? reasons[r].token : "unknown";
}

tcpconn_group tcpconn_reason_group(tcpconn_reason r)
{
    return (unsigned)r < TCPCONN_REASON_COUNT ? reasons[r].group : TCPCONN_GROUP_UNDECIDED;
}

const char *tcpconn_group_name(tcpconn_group g)
{
    return (unsigned)g < TCPCONN_GROUP_COUNT ? group_names[g] : "unknown";
}

/* An attempt that nothing decided and that never connected: it was still
 * waiting for an answer when its packets stopped. A retransmission is its
 * sender's own statement that no answer came in time, however soon after
 * it the capture ends; one SYN (or SYN-ACK) is evidence only once it had
 * time to be answered or retried. */
static tcpconn_reason waiting_reason(const tcpconn_attempt *a, const tcpconn_capture *c)
{
    bool synack = (a->flags & TCPCONN_A_RESPONDER_SYN) != 0;
    if (tcpconn_attempt_synack_resent_unacked(a))
        return TCPCONN_HALF_OPEN;
    if (tcpconn_attempt_retried_unanswered(a))
        return TCPCONN_NO_ANSWER;
    if (!c->complete)
        return TCPCONN_IN_PROGRESS;
    /* A capture without any plain ACK cannot show the one that completes a
     * handshake, however long it ran; only a SYN-ACK the server re-sent on
     * its own shows that it never came. */
    if (synack && c->handshake_only && a->synack_count > 0)
        return TCPCONN_ACK_NOT_CAPTURED;
    if (tcpconn_capture_stopped_while_waiting(a, c))
        return TCPCONN_CAPTURE_ENDED;
    if (a->flags & TCPCONN_A_STALE_ACK)
        return TCPCONN_STALE_CONNECTION;
    return synack ? TCPCONN_HALF_OPEN : TCPCONN_NO_ANSWER;
}

bool tcpconn_capture_stopped_while_waiting(const tcpconn_attempt *a, const tcpconn_capture *c)
{
    return c->complete && a->decision == TCPCONN_DECIDED_NOTHING &&
           !(a->flags & TCPCONN_A_CONNECTED) &&
           c->end_ns - tcpconn_attempt_end_ns(a) < c->end_window_ns;
}

static tcpconn_reason reason_of(const tcpconn_attempt *a, const tcpconn_capture *c)
{
    switch ((tcpconn_decision)a->decision) {
    case TCPCONN_DECIDED_NOT_SEEN:
        return TCPCONN_HANDSHAKE_NOT_SEEN;
    case TCPCONN_DECIDED_REFUSED:
        return TCPCONN_REFUSED;
    case TCPCONN_DECIDED_ICMP:
        return TCPCONN_ICMP_UNREACHABLE;
    case TCPCONN_DECIDED_ABORTED:
        return TCPCONN_ABORTED_BY_CLIENT;
    case TCPCONN_DECIDED_HALF_OPEN:
        return TCPCONN_HALF_OPEN;
    default:
        break;
    }
    if (!(a->flags & TCPCONN_A_CONNECTED))
        return waiting_reason(a, c);
    /* A responder that kept re-sending its SYN-ACK never saw the ACK:
     * without data after it, the connection was never usable. */
    if ((a->flags & TCPCONN_A_SYNACK_AFTER_ACK) && !(a->flags & TCPCONN_A_DATA))
        return TCPCONN_HALF_OPEN;
    if (a->decision == TCPCONN_DECIDED_RESET)
        return TCPCONN_RESET_AFTER_ESTABLISHED;
    if (a->decision == TCPCONN_DECIDED_CLOSED)
        return TCPCONN_CLOSED_BEFORE_DATA;
    return (a->syn_count > 1 || a->synack_count > 1) ? TCPCONN_ESTABLISHED_AFTER_RETRY
                                                     : TCPCONN_ESTABLISHED;
}

static tcpconn_side ended_by(const tcpconn_attempt *a)
{
    if (!(a->flags & (TCPCONN_A_INITIATOR_FIN | TCPCONN_A_RESPONDER_FIN | TCPCONN_A_RST)))
        return TCPCONN_SIDE_NONE;
    return (a->flags & TCPCONN_A_ENDED_BY_RESPONDER) ? TCPCONN_SIDE_SERVER : TCPCONN_SIDE_CLIENT;
}

tcpconn_outcome tcpconn_outcome_of(const tcpconn_attempt *a, const tcpconn_capture *c)
{
    tcpconn_outcome o;
    o.reason = reason_of(a, c);
    o.provisional = !c->complete && !tcpconn_attempt_is_settled(a);
    o.failed = reasons[o.reason].group == TCPCONN_GROUP_FAILED;
    o.connected = (a->flags & TCPCONN_A_CONNECTED) && a->decision != TCPCONN_DECIDED_NOT_SEEN;
    o.ended_by = ended_by(a);
    o.capture_stopped = tcpconn_capture_stopped_while_waiting(a, c);
    o.expert = o.ended_by == TCPCONN_SIDE_CLIENT ? reasons[o.reason].expert_client
                                                 : reasons[o.reason].expert_server;
    if (o.provisional && !reasons[o.reason].expert_while_reading)
        o.expert = TCPCONN_EXPERT_NONE;
    return o;
}

const char *tcpconn_format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us)
{
    /* Integer arithmetic: this runs for every packet of a shown tree. */
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

static const char *const icmp_codes[] = {
    "Network unreachable",
    "Host unreachable",
    "Protocol unreachable",
    "Port unreachable",
    "Fragmentation needed",
    "Source route failed",
    "Destination network unknown",
    "Destination host unknown",
    "Source host isolated",
    "Network administratively prohibited",
    "Host administratively prohibited",
    "Network unreachable for TOS",
    "Host unreachable for TOS",
    "Communication administratively prohibited",
    "Host precedence violation",
    "Precedence cutoff in effect",
};

static const char *const icmpv6_codes[] = {
    "No route to destination",
    "Communication administratively prohibited",
    "Beyond scope of source address",
    "Address unreachable",
    "Port unreachable",
    "Source address failed ingress/egress policy",
    "Reject route to destination",
};

static const char *icmp_code_name(uint8_t code, bool v6)
{
    if (v6)
        return code < sizeof icmpv6_codes / sizeof *icmpv6_codes ? icmpv6_codes[code]
                                                                 : "unknown code";
    return code < sizeof icmp_codes / sizeof *icmp_codes ? icmp_codes[code] : "unknown code";
}

static const char *plural(unsigned n)
{
    return n == 1 ? "" : "s";
}

/* "(3 SYNs)" for an answer to the SYN, and the retries after it that got
 * none. */
static void answered_syns(const tcpconn_attempt *a, char *buf, size_t len)
{
    unsigned before = a->syn_count > a->syns_after_decision
                          ? (unsigned)(a->syn_count - a->syns_after_decision)
                          : 0;
    unsigned after = a->syns_after_decision;
    if (after == 0)
        snprintf(buf, len, "(%u SYN%s)", before, plural(before));
    else
        snprintf(buf, len, "(%u SYN%s; %u later SYN%s got no answer)", before, plural(before),
                 after, plural(after));
}

/* "; the capture ended 0.50 s after the last SYN, while the client may
 * still have been retrying" when the capture stopped while the attempt
 * waited, so that a reader can tell giving up from stopping the capture. */
static void capture_stop_clause(const tcpconn_attempt *a, const tcpconn_outcome *o,
                                const tcpconn_capture *c, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!o->capture_stopped)
        return;
    const char *last =
        o->reason == TCPCONN_NO_ANSWER ? "the last SYN" : "the attempt's last packet";
    /* The attempt's end is kept in whole milliseconds. */
    int64_t gap_us = (c->end_ns - tcpconn_attempt_end_ns(a)) / 1000;
    char duration[TCPCONN_DURATION_LEN], gap[TCPCONN_DURATION_LEN + 8];
    if (gap_us < 1000)
        snprintf(gap, sizeof gap, "with");
    else
        snprintf(
            gap, sizeof gap, "%s after",
            tcpconn_format_duration(duration, gap_us > UINT32_MAX ? UINT32_MAX : (uint32_t)gap_us));
    if (o->reason == TCPCONN_NO_ANSWER)
        snprintf(buf, len,
                 "; the capture ended %s %s, while the client may still have been retrying", gap,
                 last);
    else if (o->reason == TCPCONN_HALF_OPEN)
        snprintf(buf, len,
                 "; the capture ended %s %s, while the server may still have been re-sending its "
                 "SYN-ACK",
                 gap, last);
    else if (o->reason == TCPCONN_STALE_CONNECTION)
        snprintf(buf, len, "; the capture ended %s %s", gap, last);
}

static void describe_half_open(const tcpconn_attempt *a, const tcpconn_outcome *o,
                               const char *server, char *buf, size_t len)
{
    if (a->flags & TCPCONN_A_SYNACK_AFTER_ACK)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server kept "
                 "re-sending SYN-ACK after the client's ACK",
                 server);
    else if (a->synack_count == 0)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server answered "
                 "with a SYN of its own, not a SYN-ACK",
                 server);
    else if (a->decision == TCPCONN_DECIDED_HALF_OPEN)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server reset it "
                 "after %u SYN-ACK%s, before the client's ACK",
                 server, a->synack_count, plural(a->synack_count));
    else
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): %u SYN-ACK%s, no ACK "
                 "from the client%s",
                 server, a->synack_count, plural(a->synack_count), o->provisional ? " yet" : "");
}

static void describe_in_progress(const tcpconn_attempt *a, const char *server, char *buf,
                                 size_t len)
{
    unsigned syns = a->syn_count;
    if (a->flags & TCPCONN_A_RESPONDER_SYN)
        snprintf(buf, len,
                 "TCP connection to %s in progress: SYN-ACK received, no ACK from the "
                 "client yet",
                 server);
    else if (a->flags & TCPCONN_A_STALE_ACK)
        snprintf(buf, len,
                 "TCP connection to %s in progress: the server answered with an ACK for an "
                 "old connection on the same ports",
                 server);
    else
        snprintf(buf, len, "TCP connection to %s in progress: %u SYN%s, no answer yet", server,
                 syns, plural(syns));
}

void tcpconn_describe(const tcpconn_attempt *a, const tcpconn_outcome *o, const tcpconn_capture *c,
                      const char *server, bool icmpv6, char *buf, size_t len)
{
    unsigned syns = a->syn_count;
    const char *who = o->ended_by == TCPCONN_SIDE_SERVER ? "server" : "client";
    char took[TCPCONN_DURATION_LEN], window[TCPCONN_DURATION_LEN], counts[64], stop[160];
    size_t used;

    switch (o->reason) {
    case TCPCONN_IN_PROGRESS:
        describe_in_progress(a, server, buf, len);
        break;
    case TCPCONN_ESTABLISHED:
        snprintf(buf, len, "TCP connection to %s established in %s%s", server,
                 tcpconn_format_duration(took, a->connect_us),
                 o->provisional ? " (so far no data)" : "");
        break;
    case TCPCONN_ESTABLISHED_AFTER_RETRY:
        snprintf(buf, len,
                 "TCP connection to %s established only after retrying: %u SYN%s, %u SYN-ACK%s, "
                 "connected in %s",
                 server, syns, plural(syns), a->synack_count, plural(a->synack_count),
                 tcpconn_format_duration(took, a->connect_us));
        break;
    case TCPCONN_REFUSED:
        answered_syns(a, counts, sizeof counts);
        snprintf(buf, len, "TCP connection refused: %s answered the SYN with RST after %s %s",
                 server, tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_NO_ANSWER:
        snprintf(buf, len,
                 "TCP connection got no answer%s: %u SYN%s to %s over %s, nothing came back%s",
                 o->provisional ? " so far" : "", syns, plural(syns), server,
                 tcpconn_format_duration(took, a->outcome_us), o->provisional ? " yet" : "");
        break;
    case TCPCONN_ICMP_UNREACHABLE:
        answered_syns(a, counts, sizeof counts);
        snprintf(buf, len,
                 "TCP connection to %s rejected by %s destination unreachable (%s) "
                 "after %s %s",
                 server, icmpv6 ? "ICMPv6" : "ICMP", icmp_code_name(a->icmp_code, icmpv6),
                 tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_HALF_OPEN:
        describe_half_open(a, o, server, buf, len);
        break;
    case TCPCONN_ABORTED_BY_CLIENT:
        snprintf(buf, len,
                 "TCP connection to %s aborted by the client before the handshake completed, "
                 "after %s",
                 server, tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_STALE_CONNECTION:
        snprintf(buf, len,
                 "TCP connection to %s failed: the server answered %u SYN%s with an ACK for an "
                 "old connection on the same ports, never with a SYN-ACK",
                 server, syns, plural(syns));
        break;
    case TCPCONN_RESET_AFTER_ESTABLISHED:
    case TCPCONN_CLOSED_BEFORE_DATA:
        snprintf(buf, len,
                 "TCP connection to %s %s by the %s before any data, %s after the first SYN",
                 server, o->reason == TCPCONN_RESET_AFTER_ESTABLISHED ? "reset" : "closed", who,
                 tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_HANDSHAKE_NOT_SEEN:
        snprintf(buf, len, "TCP connection with %s: handshake not in the capture", server);
        break;
    case TCPCONN_CAPTURE_ENDED:
        snprintf(buf, len,
                 "TCP connection to %s undecided: the capture ended less than %s after its last "
                 "packet, too soon to tell whether an answer was coming",
                 server,
                 tcpconn_format_duration(window, c->end_window_ns / 1000 > UINT32_MAX
                                                     ? UINT32_MAX
                                                     : (uint32_t)(c->end_window_ns / 1000)));
        break;
    case TCPCONN_ACK_NOT_CAPTURED:
        snprintf(buf, len,
                 "TCP connection to %s undecided: SYN-ACK seen, but the capture holds no plain "
                 "ACK at all (a SYN/FIN/RST-only capture filter), so the handshake's last ACK "
                 "cannot show",
                 server);
        break;
    case TCPCONN_REASON_COUNT:
        snprintf(buf, len, "TCP connection to %s", server);
        break;
    }
    capture_stop_clause(a, o, c, stop, sizeof stop);
    used = strlen(buf);
    if (stop[0] != '\0' && used < len)
        snprintf(buf + used, len - used, "%s", stop);
}

bool tcpconn_expert_text(const tcpconn_attempt *a, const tcpconn_outcome *o, char *buf, size_t len)
{
    if (o->expert != TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY)
        return false;
    char took[TCPCONN_DURATION_LEN];
    snprintf(buf, len, "%s: %u SYN%s, %u SYN-ACK%s, connect time %s",
             tcpconn_experts[o->expert].summary, a->syn_count, plural(a->syn_count),
             a->synack_count, plural(a->synack_count),
             tcpconn_format_duration(took, a->connect_us));
    return true;
}
