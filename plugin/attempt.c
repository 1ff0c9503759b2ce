/* attempt.c - how one TCP connection attempt ended, as a plain-C state machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "attempt.h"

#include <string.h>

/* A SYN flood gives one attempt per packet; with the slack of a growing
 * array, an attempt must stay below 64 bytes for a stream to cost no more. */
_Static_assert(sizeof(tcpconn_attempt) <= 56, "tcpconn_attempt must stay within 56 bytes");

static bool is_bare_syn(uint16_t flags)
{
    return (flags & (TCPCONN_SYN | TCPCONN_ACK | TCPCONN_RST)) == TCPCONN_SYN;
}

static uint8_t saturating_increment(uint8_t n)
{
    return n == UINT8_MAX ? n : (uint8_t)(n + 1);
}

/* True when `ack` acknowledges the SYN that used `isn`, allowing for SYN
 * payload (TFO) being acknowledged too. Sequence space wraps, hence the
 * unsigned difference. */
static bool acknowledges_syn(uint32_t ack, uint32_t isn)
{
    uint32_t advance = ack - isn;
    return advance >= 1 && advance < 0x80000000u;
}

bool tcpconn_attempt_from_initiator(const tcpconn_attempt *a, uint8_t orientation)
{
    bool initiator_orientation = (a->flags & TCPCONN_A_INITIATOR_ORIENTATION) != 0;
    return (orientation != 0) == initiator_orientation;
}

/* Microseconds from the attempt's start, clamped to what the field holds
 * (timestamps can go backwards in a capture). */
static uint32_t us_since_start(const tcpconn_attempt *a, int64_t time_ns)
{
    int64_t us = (time_ns - a->first_ns) / 1000;
    if (us < 0)
        return 0;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Milliseconds from the attempt's start, rounded up so that an end never
 * comes before the real one. */
static uint32_t ms_since_start(const tcpconn_attempt *a, int64_t time_ns)
{
    int64_t ms = (time_ns - a->first_ns + 999999) / 1000000;
    if (ms < 0)
        return 0;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

int64_t tcpconn_attempt_end_ns(const tcpconn_attempt *a)
{
    return a->first_ns + (int64_t)a->end_ms * 1000000;
}

static void set_outcome_frame(tcpconn_attempt *a, uint32_t frame, int64_t time_ns)
{
    a->outcome_frame = frame;
    a->outcome_us = us_since_start(a, time_ns);
}

/* The first deciding event wins; later ones are part of the aftermath. */
static void decide(tcpconn_attempt *a, tcpconn_decision d, uint32_t frame, int64_t time_ns,
                   bool by_responder)
{
    if (a->decision != TCPCONN_DECIDED_NOTHING)
        return;
    a->decision = (uint8_t)d;
    set_outcome_frame(a, frame, time_ns);
    if (by_responder)
        a->flags |= TCPCONN_A_BY_RESPONDER;
}

void tcpconn_attempt_start(tcpconn_attempt *a, const tcpconn_segment *s)
{
    memset(a, 0, sizeof *a);
    a->first_ns = s->time_ns;
    a->first_frame = s->frame;
    a->outcome_frame = s->frame;

    if (is_bare_syn(s->flags)) {
        if (s->orientation)
            a->flags |= TCPCONN_A_INITIATOR_ORIENTATION;
        a->flags |= TCPCONN_A_ISN_KNOWN;
        a->initiator_isn = s->seq;
        a->syn_count = 1;
        if (s->payload_len > 0)
            a->flags |= TCPCONN_A_DATA;
        return;
    }

    /* The handshake started before the capture. A SYN-ACK still tells us
     * who the initiator is and which ISN it used; for anything else the
     * sender of the first segment is taken as the initiator. */
    bool synack = (s->flags & (TCPCONN_SYN | TCPCONN_ACK)) == (TCPCONN_SYN | TCPCONN_ACK);
    bool initiator_orientation = synack ? !s->orientation : s->orientation != 0;
    if (initiator_orientation)
        a->flags |= TCPCONN_A_INITIATOR_ORIENTATION;
    a->decision = TCPCONN_DECIDED_NOT_SEEN;
    if (synack) {
        a->flags |= TCPCONN_A_ISN_KNOWN;
        a->initiator_isn = s->ack - 1;
    }
    tcpconn_attempt_segment(a, s);
}

/* TCP itself ended the connection: a RST, or FINs from both sides. */
static bool connection_torn_down(const tcpconn_attempt *a)
{
    const uint16_t both_fins = TCPCONN_A_INITIATOR_FIN | TCPCONN_A_RESPONDER_FIN;
    return (a->flags & TCPCONN_A_RST) || (a->flags & both_fins) == both_fins;
}

bool tcpconn_attempt_is_over(const tcpconn_attempt *a)
{
    if (connection_torn_down(a))
        return true;
    return a->decision == TCPCONN_DECIDED_REFUSED || a->decision == TCPCONN_DECIDED_ICMP ||
           a->decision == TCPCONN_DECIDED_ABORTED;
}

bool tcpconn_attempt_is_superseded_by(const tcpconn_attempt *a, const tcpconn_segment *s)
{
    if (!is_bare_syn(s->flags))
        return false;
    bool known_isn = (a->flags & TCPCONN_A_ISN_KNOWN) != 0;
    if (tcpconn_attempt_from_initiator(a, s->orientation)) {
        /* A retransmitted SYN keeps its ISN; a new connect() picks a new
         * one. After a RST or a full close the old connection is gone, so
         * even a SYN with the same ISN is a fresh try (some tools reuse it). */
        return !known_isn || s->seq != a->initiator_isn || connection_torn_down(a);
    }
    /* A SYN the other way is a simultaneous open while the handshake is
     * under way, and a new connection in the reverse direction once the
     * attempt is over (or when we never saw how it began). */
    return tcpconn_attempt_is_over(a) || a->decision == TCPCONN_DECIDED_NOT_SEEN;
}

static void check_connected(tcpconn_attempt *a, const tcpconn_segment *s)
{
    const uint16_t both_acked =
        TCPCONN_A_RESPONDER_SYN | TCPCONN_A_INITIATOR_SYN_ACKED | TCPCONN_A_RESPONDER_SYN_ACKED;
    if ((a->flags & TCPCONN_A_CONNECTED) || (a->flags & both_acked) != both_acked)
        return;
    a->flags |= TCPCONN_A_CONNECTED;
    a->connect_us = us_since_start(a, s->time_ns);
    if (a->decision == TCPCONN_DECIDED_NOTHING)
        set_outcome_frame(a, s->frame, s->time_ns);
}

static void initiator_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    uint16_t f = s->flags;

    if (f & TCPCONN_RST) {
        a->flags |= TCPCONN_A_RST;
        if (!(a->flags & TCPCONN_A_CONNECTED))
            decide(a, TCPCONN_DECIDED_ABORTED, s->frame, s->time_ns, false);
        else if (!(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_RESET, s->frame, s->time_ns, false);
        return;
    }
    if (is_bare_syn(f)) {
        a->syn_count = saturating_increment(a->syn_count);
        /* Until something answers, the latest SYN is the best evidence. */
        if (!(a->flags & TCPCONN_A_RESPONDER_SYN) && a->decision == TCPCONN_DECIDED_NOTHING)
            set_outcome_frame(a, s->frame, s->time_ns);
    }
    if ((f & TCPCONN_ACK) && (a->flags & TCPCONN_A_RESPONDER_SYN) &&
        acknowledges_syn(s->ack, a->responder_isn)) {
        a->flags |= TCPCONN_A_RESPONDER_SYN_ACKED;
        check_connected(a, s);
    }
    if (s->payload_len > 0)
        a->flags |= TCPCONN_A_DATA;
    if (f & TCPCONN_FIN) {
        a->flags |= TCPCONN_A_INITIATOR_FIN;
        if (!(a->flags & TCPCONN_A_CONNECTED))
            decide(a, TCPCONN_DECIDED_ABORTED, s->frame, s->time_ns, false);
        else if (!(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_CLOSED, s->frame, s->time_ns, false);
    }
}

static void responder_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    uint16_t f = s->flags;

    if (f & TCPCONN_RST) {
        a->flags |= TCPCONN_A_RST;
        if (!(a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_CONNECTED)))
            decide(a, TCPCONN_DECIDED_REFUSED, s->frame, s->time_ns, true);
        else if (!(a->flags & TCPCONN_A_CONNECTED))
            decide(a, TCPCONN_DECIDED_HALF_OPEN, s->frame, s->time_ns, true);
        else if (!(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_RESET, s->frame, s->time_ns, true);
        return;
    }
    if (f & TCPCONN_SYN) {
        if (!(a->flags & TCPCONN_A_RESPONDER_SYN)) {
            a->flags |= TCPCONN_A_RESPONDER_SYN;
            a->responder_isn = s->seq;
        }
        /* An ICMP error only counts when nothing answered the SYN. */
        if (a->decision == TCPCONN_DECIDED_ICMP)
            a->decision = TCPCONN_DECIDED_NOTHING;
        if (f & TCPCONN_ACK) {
            a->synack_count = saturating_increment(a->synack_count);
            if ((a->flags & TCPCONN_A_CONNECTED) && !(a->flags & TCPCONN_A_DATA))
                a->flags |= TCPCONN_A_SYNACK_AFTER_ACK;
            if (!(a->flags & TCPCONN_A_CONNECTED) && a->decision == TCPCONN_DECIDED_NOTHING)
                set_outcome_frame(a, s->frame, s->time_ns);
        }
    }
    if ((f & TCPCONN_ACK) && acknowledges_syn(s->ack, a->initiator_isn)) {
        a->flags |= TCPCONN_A_INITIATOR_SYN_ACKED;
        check_connected(a, s);
    }
    if (s->payload_len > 0)
        a->flags |= TCPCONN_A_DATA;
    if (f & TCPCONN_FIN) {
        a->flags |= TCPCONN_A_RESPONDER_FIN;
        /* A responder FIN before the handshake completes can be TFO data
         * plus FIN racing the initiator's ACK, so it decides nothing. */
        if ((a->flags & TCPCONN_A_CONNECTED) && !(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_CLOSED, s->frame, s->time_ns, true);
    }
}

bool tcpconn_attempt_is_closed(const tcpconn_attempt *a)
{
    return (a->flags & (TCPCONN_A_RST | TCPCONN_A_INITIATOR_FIN | TCPCONN_A_RESPONDER_FIN)) ||
           a->decision == TCPCONN_DECIDED_ICMP;
}

void tcpconn_attempt_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    /* Open until the first FIN or RST; until then its latest packet. */
    if (!tcpconn_attempt_is_closed(a))
        a->end_ms = ms_since_start(a, s->time_ns);
    if (tcpconn_attempt_from_initiator(a, s->orientation))
        initiator_segment(a, s);
    else
        responder_segment(a, s);
}

bool tcpconn_attempt_matches_icmp(const tcpconn_attempt *a, const tcpconn_icmp *e)
{
    return (a->flags & TCPCONN_A_ISN_KNOWN) && tcpconn_attempt_from_initiator(a, e->orientation) &&
           e->quoted_seq == a->initiator_isn;
}

bool tcpconn_attempt_icmp(tcpconn_attempt *a, const tcpconn_icmp *e)
{
    if (!e->unreachable || (a->flags & TCPCONN_A_RESPONDER_SYN) ||
        a->decision != TCPCONN_DECIDED_NOTHING)
        return false;
    decide(a, TCPCONN_DECIDED_ICMP, e->frame, e->time_ns, false);
    a->end_ms = ms_since_start(a, e->time_ns);
    a->icmp_code = e->code;
    return true;
}

tcpconn_reason tcpconn_attempt_reason(const tcpconn_attempt *a, bool capture_complete)
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
    case TCPCONN_DECIDED_RESET:
    case TCPCONN_DECIDED_CLOSED:
    case TCPCONN_DECIDED_NOTHING:
        break;
    }

    if (a->flags & TCPCONN_A_CONNECTED) {
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
    if (!capture_complete)
        return TCPCONN_IN_PROGRESS;
    return (a->flags & TCPCONN_A_RESPONDER_SYN) ? TCPCONN_HALF_OPEN : TCPCONN_NO_ANSWER;
}

bool tcpconn_attempt_is_provisional(const tcpconn_attempt *a, bool capture_complete)
{
    if (capture_complete || a->decision != TCPCONN_DECIDED_NOTHING)
        return false;
    /* Connected with data: nothing later changes the outcome. */
    return (a->flags & (TCPCONN_A_CONNECTED | TCPCONN_A_DATA)) !=
           (TCPCONN_A_CONNECTED | TCPCONN_A_DATA);
}

bool tcpconn_attempt_has_connect_time(const tcpconn_attempt *a)
{
    return (a->flags & TCPCONN_A_CONNECTED) && a->decision != TCPCONN_DECIDED_NOT_SEEN;
}

bool tcpconn_reason_is_failure(tcpconn_reason r)
{
    switch (r) {
    case TCPCONN_REFUSED:
    case TCPCONN_NO_ANSWER:
    case TCPCONN_ICMP_UNREACHABLE:
    case TCPCONN_HALF_OPEN:
    case TCPCONN_ABORTED_BY_CLIENT:
        return true;
    default:
        return false;
    }
}

const char *tcpconn_reason_name(tcpconn_reason r)
{
    static const char *const names[TCPCONN_REASON_COUNT] = {
        [TCPCONN_IN_PROGRESS] = "in-progress",
        [TCPCONN_ESTABLISHED] = "established",
        [TCPCONN_ESTABLISHED_AFTER_RETRY] = "established-after-retry",
        [TCPCONN_REFUSED] = "refused",
        [TCPCONN_NO_ANSWER] = "no-answer",
        [TCPCONN_ICMP_UNREACHABLE] = "icmp-unreachable",
        [TCPCONN_HALF_OPEN] = "half-open",
        [TCPCONN_ABORTED_BY_CLIENT] = "aborted-by-client",
        [TCPCONN_RESET_AFTER_ESTABLISHED] = "reset-after-established",
        [TCPCONN_CLOSED_BEFORE_DATA] = "closed-before-data",
        [TCPCONN_HANDSHAKE_NOT_SEEN] = "handshake-not-seen",
    };
    return (unsigned)r < TCPCONN_REASON_COUNT ? names[r] : "unknown";
}
