/* outcome.c - what an attempt's record means: its outcome, derived in one
 * place, and the tables every output is generated from. The words are in
 * describe.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "outcome.h"

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
    if (tcpconn_attempt_ack_never_arrived(a))
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
