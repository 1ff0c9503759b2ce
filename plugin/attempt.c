/* attempt.c - one TCP connection attempt, as a plain-C state machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "attempt.h"

#include <string.h>

#include "ports.h"

/* A SYN flood gives one attempt per packet; with the slack of a growing
 * array, an attempt must stay below 64 bytes for a stream to cost no more. */
_Static_assert(sizeof(tcpconn_attempt) <= 56, "tcpconn_attempt must stay within 56 bytes");
_Static_assert(TCPCONN_DECISION_COUNT <= 16, "tcpconn_attempt.decision has 4 bits");

#define SYNS_AFTER_DECISION_MAX 15

/* An ACK without SYN that the responder sends before its SYN-ACK was seen
 * is taken to acknowledge the initiator's SYN (and its SYN data) when it
 * lies this close after the ISN; anything else acknowledges an older
 * connection. */
#define SYN_ACK_WINDOW (1u << 24)

static bool is_bare_syn(uint16_t flags)
{
    return (flags & (TCPCONN_SYN | TCPCONN_ACK | TCPCONN_RST)) == TCPCONN_SYN;
}

static bool is_synack(uint16_t flags)
{
    return (flags & (TCPCONN_SYN | TCPCONN_ACK | TCPCONN_RST)) == (TCPCONN_SYN | TCPCONN_ACK);
}

static uint8_t saturating_increment(uint8_t n)
{
    return n == UINT8_MAX ? n : (uint8_t)(n + 1);
}

/* True when `seq` lies after `base` in sequence space, which wraps. */
static bool seq_after(uint32_t seq, uint32_t base)
{
    return (int32_t)(seq - base) > 0;
}

/* True when `ack` acknowledges the SYN that used `isn`, allowing for SYN
 * payload (TFO) and later data being acknowledged too. */
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

static bool answered_with_error(const tcpconn_attempt *a)
{
    return a->decision == TCPCONN_DECIDED_REFUSED || a->decision == TCPCONN_DECIDED_ICMP;
}

/* A RST or ICMP error answering the SYN. The client may retry with the same
 * ISN, so the latest answer decides: it is when the application got its
 * error. */
static void decide_answer(tcpconn_attempt *a, tcpconn_decision d, uint32_t frame, int64_t time_ns)
{
    if (a->decision != TCPCONN_DECIDED_NOTHING && !answered_with_error(a))
        return;
    a->decision = d;
    a->syns_after_decision = 0;
    set_outcome_frame(a, frame, time_ns);
}

/* Every other decision is final: the first one wins, later events are part
 * of the aftermath. */
static void decide(tcpconn_attempt *a, tcpconn_decision d, uint32_t frame, int64_t time_ns)
{
    if (a->decision != TCPCONN_DECIDED_NOTHING)
        return;
    a->decision = d;
    set_outcome_frame(a, frame, time_ns);
}

/* The attempt stops counting as open, once. */
static void close_attempt(tcpconn_attempt *a, int64_t time_ns)
{
    if (a->flags & TCPCONN_A_CLOSED)
        return;
    a->flags |= TCPCONN_A_CLOSED;
    a->end_ms = ms_since_start(a, time_ns);
}

/* A FIN or RST: remembers who sent the first one, and closes. */
static void note_end(tcpconn_attempt *a, const tcpconn_segment *s, bool by_responder)
{
    const uint16_t ends = TCPCONN_A_INITIATOR_FIN | TCPCONN_A_RESPONDER_FIN | TCPCONN_A_RST;
    if (!(a->flags & ends) && by_responder)
        a->flags |= TCPCONN_A_ENDED_BY_RESPONDER;
    if (s->flags & TCPCONN_RST)
        a->flags |= TCPCONN_A_RST;
    else
        a->flags |= by_responder ? TCPCONN_A_RESPONDER_FIN : TCPCONN_A_INITIATOR_FIN;
    close_attempt(a, s->time_ns);
}

/* TCP itself ended the connection: a RST, or FINs from both sides. */
static bool connection_torn_down(const tcpconn_attempt *a)
{
    const uint16_t both_fins = TCPCONN_A_INITIATOR_FIN | TCPCONN_A_RESPONDER_FIN;
    return (a->flags & TCPCONN_A_RST) || (a->flags & both_fins) == both_fins;
}

/* Over on the wire: torn down, refused, rejected or aborted. */
static bool is_over(const tcpconn_attempt *a)
{
    return connection_torn_down(a) || answered_with_error(a) ||
           a->decision == TCPCONN_DECIDED_ABORTED;
}

bool tcpconn_attempt_is_superseded_by(const tcpconn_attempt *a, const tcpconn_segment *s)
{
    if (!is_bare_syn(s->flags))
        return false;
    if (tcpconn_attempt_from_initiator(a, s->orientation)) {
        /* A retried SYN keeps its ISN, even after a RST (Windows retries a
         * refused connect that way, and a client answering a stale ACK
         * too); a new connect() picks a new one. Only once the attempt had
         * connected and ended is the same ISN a fresh try (tools that reuse
         * it). */
        if (!(a->flags & TCPCONN_A_ISN_KNOWN) || s->seq != a->initiator_isn)
            return true;
        return (a->flags & TCPCONN_A_CONNECTED) && connection_torn_down(a);
    }
    /* A SYN the other way is a simultaneous open while the handshake is
     * under way, and a new connection in the reverse direction once the
     * attempt is over (or when we never saw how it began). */
    return is_over(a) || a->decision == TCPCONN_DECIDED_NOT_SEEN;
}

bool tcpconn_attempt_is_retried_by(const tcpconn_attempt *a, const tcpconn_segment *s)
{
    if (!(a->flags & TCPCONN_A_ISN_KNOWN) || (a->flags & TCPCONN_A_CONNECTED))
        return false;
    bool from_initiator = tcpconn_attempt_from_initiator(a, s->orientation);
    if (is_bare_syn(s->flags))
        return from_initiator && s->seq == a->initiator_isn;
    /* The answer to that SYN, after a RST or FIN that was no real end. */
    return is_synack(s->flags) && !from_initiator && s->ack == a->initiator_isn + 1;
}

static void check_connected(tcpconn_attempt *a, const tcpconn_segment *s)
{
    const uint16_t both_acked =
        TCPCONN_A_RESPONDER_SYN | TCPCONN_A_INITIATOR_SYN_ACKED | TCPCONN_A_RESPONDER_SYN_ACKED;
    if ((a->flags & TCPCONN_A_CONNECTED) || (a->flags & both_acked) != both_acked)
        return;
    /* Over before the handshake completed (the client gave up after the
     * SYN-ACK, or the server reset it): an ACK after that, reordered or
     * forged, completes nothing. */
    if (a->decision == TCPCONN_DECIDED_ABORTED || a->decision == TCPCONN_DECIDED_HALF_OPEN)
        return;
    a->flags |= TCPCONN_A_CONNECTED;
    a->connect_us = us_since_start(a, s->time_ns);
    if (a->decision == TCPCONN_DECIDED_NOTHING)
        set_outcome_frame(a, s->frame, s->time_ns);
}

/* Payload shows in a segment's length, but also in its numbers: a sequence
 * number past ISN+1 means its sender had sent data before, an ACK past the
 * peer's ISN+1 that the peer had. That is how filtered (SYN/FIN/RST only)
 * and lossy captures still show data. Once a side has sent its FIN, its
 * numbers count the FIN too, so they tell nothing more. */
static void note_data(tcpconn_attempt *a, const tcpconn_segment *s, bool from_initiator)
{
    uint16_t own_isn_known = from_initiator ? TCPCONN_A_ISN_KNOWN : TCPCONN_A_RESPONDER_SYN;
    uint16_t peer_isn_known = from_initiator ? TCPCONN_A_RESPONDER_SYN : TCPCONN_A_ISN_KNOWN;
    uint16_t own_fin = from_initiator ? TCPCONN_A_INITIATOR_FIN : TCPCONN_A_RESPONDER_FIN;
    uint16_t peer_fin = from_initiator ? TCPCONN_A_RESPONDER_FIN : TCPCONN_A_INITIATOR_FIN;
    uint32_t own_isn = from_initiator ? a->initiator_isn : a->responder_isn;
    uint32_t peer_isn = from_initiator ? a->responder_isn : a->initiator_isn;

    if (s->payload_len > 0 && !(s->flags & TCPCONN_RST)) /* a RST's payload is not data */
        a->flags |= TCPCONN_A_DATA;
    if ((a->flags & own_isn_known) && !(a->flags & own_fin) && !(s->flags & TCPCONN_SYN) &&
        seq_after(s->seq, own_isn + 1)) {
        a->flags |= TCPCONN_A_DATA;
        /* A responder sends data only once the handshake is complete. */
        if (!from_initiator) {
            a->flags |= TCPCONN_A_INITIATOR_SYN_ACKED | TCPCONN_A_RESPONDER_SYN_ACKED;
            check_connected(a, s);
        }
    }
    if ((s->flags & TCPCONN_ACK) && (a->flags & peer_isn_known) && !(a->flags & peer_fin) &&
        seq_after(s->ack, peer_isn + 1))
        a->flags |= TCPCONN_A_DATA;
}

/* The handshake was under way but its SYN-ACK is not in the capture: a
 * side sending a plain ACK shows that it saw one, which overrules an
 * earlier refusal or ICMP error as a captured SYN-ACK would. */
static void infer_missing_synack(tcpconn_attempt *a, uint32_t responder_isn)
{
    a->flags |=
        TCPCONN_A_RESPONDER_SYN | TCPCONN_A_INITIATOR_SYN_ACKED | TCPCONN_A_RESPONDER_SYN_ACKED;
    a->responder_isn = responder_isn;
    if (answered_with_error(a))
        a->decision = TCPCONN_DECIDED_NOTHING;
}

/* Connected with data: the outcome is settled, and a copy of a SYN or
 * SYN-ACK arriving this late (duplicated, or reordered by the capture)
 * retries nothing. */
static bool connected_with_data(const tcpconn_attempt *a)
{
    return (a->flags & (TCPCONN_A_CONNECTED | TCPCONN_A_DATA)) ==
           (TCPCONN_A_CONNECTED | TCPCONN_A_DATA);
}

static void initiator_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    uint16_t f = s->flags;
    bool first_from_initiator = !(a->flags & TCPCONN_A_INITIATOR_SEEN);
    a->flags |= TCPCONN_A_INITIATOR_SEEN;

    if ((f & TCPCONN_RST) && (a->flags & TCPCONN_A_STALE_ACK) &&
        !(a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_CONNECTED)))
        return; /* the kernel's answer to a stale ACK (RFC 9293 3.10.7.3): no abort */
    if (is_bare_syn(f) && !connected_with_data(a)) {
        /* A SYN-ACK captured just before its SYN: the handshake is seen. */
        if (a->decision == TCPCONN_DECIDED_NOT_SEEN && first_from_initiator &&
            (a->flags & TCPCONN_A_RESPONDER_SYN) && s->seq == a->initiator_isn)
            a->decision = TCPCONN_DECIDED_NOTHING;
        a->syn_count = saturating_increment(a->syn_count);
        if (answered_with_error(a)) {
            if (a->syns_after_decision < SYNS_AFTER_DECISION_MAX)
                a->syns_after_decision++;
        } else if (!(a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_STALE_ACK)) &&
                   a->decision == TCPCONN_DECIDED_NOTHING) {
            /* Until something answers, the latest SYN is the best evidence. */
            set_outcome_frame(a, s->frame, s->time_ns);
        }
    }
    note_data(a, s, true);
    if (f & TCPCONN_ACK) {
        /* Even a RST that acknowledges the SYN-ACK shows the client had
         * taken it (a kernel resetting an unexpected SYN-ACK sets no ACK). */
        if (a->flags & TCPCONN_A_RESPONDER_SYN) {
            if (acknowledges_syn(s->ack, a->responder_isn))
                a->flags |= TCPCONN_A_RESPONDER_SYN_ACKED;
        } else if (!(f & (TCPCONN_SYN | TCPCONN_RST)) && a->decision != TCPCONN_DECIDED_NOT_SEEN) {
            infer_missing_synack(a, s->ack - 1);
        }
        check_connected(a, s);
    }
    if (f & (TCPCONN_RST | TCPCONN_FIN)) {
        note_end(a, s, false);
        if (!(a->flags & TCPCONN_A_CONNECTED))
            decide(a, TCPCONN_DECIDED_ABORTED, s->frame, s->time_ns);
        else if (!(a->flags & TCPCONN_A_DATA))
            decide(a, (f & TCPCONN_RST) ? TCPCONN_DECIDED_RESET : TCPCONN_DECIDED_CLOSED, s->frame,
                   s->time_ns);
    }
}

/* A SYN from the responder: its ISN, and an answer that overrules an
 * earlier refusal or ICMP error. */
static void responder_syn(tcpconn_attempt *a, const tcpconn_segment *s)
{
    if (!(a->flags & TCPCONN_A_RESPONDER_SYN)) {
        /* The client's RST or FIN came before any answer; this one shows
         * the handshake went on regardless (the client's kernel resetting
         * a bogus segment, then taking the real SYN-ACK). */
        if (a->decision == TCPCONN_DECIDED_ABORTED)
            a->decision = TCPCONN_DECIDED_NOTHING;
        a->flags |= TCPCONN_A_RESPONDER_SYN;
        a->responder_isn = s->seq;
    }
    if (answered_with_error(a))
        a->decision = TCPCONN_DECIDED_NOTHING;
    if (!(s->flags & TCPCONN_ACK) || connected_with_data(a))
        return;
    a->synack_count = saturating_increment(a->synack_count);
    if (a->flags & TCPCONN_A_CONNECTED) {
        /* A re-sent SYN-ACK, not the first one captured late: the responder
         * never got the ACK. */
        if (a->synack_count > 1 && !(a->flags & TCPCONN_A_DATA) &&
            a->decision == TCPCONN_DECIDED_NOTHING)
            a->flags |= TCPCONN_A_SYNACK_AFTER_ACK;
    } else if (a->decision == TCPCONN_DECIDED_NOTHING) {
        set_outcome_frame(a, s->frame, s->time_ns);
    }
}

/* A plain ACK from the responder before any SYN-ACK: either the SYN-ACK
 * is missing from the capture, or the responder still holds an older
 * connection on these ports and answers the SYN with an ACK for that one. */
static void responder_ack_before_synack(tcpconn_attempt *a, const tcpconn_segment *s)
{
    if (s->ack - a->initiator_isn - 1 < SYN_ACK_WINDOW) {
        infer_missing_synack(a, s->seq - 1);
        check_connected(a, s);
        return;
    }
    a->flags |= TCPCONN_A_STALE_ACK;
    if (a->decision == TCPCONN_DECIDED_NOTHING)
        set_outcome_frame(a, s->frame, s->time_ns);
}

static void responder_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    uint16_t f = s->flags;

    if (f & TCPCONN_RST) {
        note_data(a, s, false);
        if (!(a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_CONNECTED)))
            decide_answer(a, TCPCONN_DECIDED_REFUSED, s->frame, s->time_ns);
        else if (!(a->flags & TCPCONN_A_CONNECTED))
            decide(a, TCPCONN_DECIDED_HALF_OPEN, s->frame, s->time_ns);
        else if (!(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_RESET, s->frame, s->time_ns);
        note_end(a, s, true);
        return;
    }
    /* A FIN before the responder's own SYN uses a sequence number it has
     * not chosen yet: no TCP sends it, it ends nothing and implies no
     * SYN-ACK. */
    if ((f & (TCPCONN_SYN | TCPCONN_FIN)) == TCPCONN_FIN && !(a->flags & TCPCONN_A_RESPONDER_SYN))
        return;
    if (f & TCPCONN_SYN) {
        responder_syn(a, s);
    } else if ((f & TCPCONN_ACK) && !(a->flags & TCPCONN_A_RESPONDER_SYN) &&
               (a->flags & TCPCONN_A_ISN_KNOWN) && a->decision != TCPCONN_DECIDED_NOT_SEEN) {
        responder_ack_before_synack(a, s);
        if (!(a->flags & TCPCONN_A_CONNECTED))
            return; /* a stale ACK says nothing more */
    }
    if ((f & TCPCONN_ACK) && (a->flags & TCPCONN_A_RESPONDER_SYN) &&
        acknowledges_syn(s->ack, a->initiator_isn)) {
        a->flags |= TCPCONN_A_INITIATOR_SYN_ACKED;
        check_connected(a, s);
    }
    note_data(a, s, false);
    if (f & TCPCONN_FIN) {
        note_end(a, s, true);
        /* A responder FIN before the handshake completes can be TFO data
         * plus FIN racing the initiator's ACK, so it decides nothing. */
        if ((a->flags & TCPCONN_A_CONNECTED) && !(a->flags & TCPCONN_A_DATA))
            decide(a, TCPCONN_DECIDED_CLOSED, s->frame, s->time_ns);
    }
}

bool tcpconn_attempt_is_settled(const tcpconn_attempt *a)
{
    switch ((tcpconn_decision)a->decision) {
    case TCPCONN_DECIDED_NOTHING:
        /* Connected with data: nothing later changes the outcome. */
        return (a->flags & (TCPCONN_A_CONNECTED | TCPCONN_A_DATA)) ==
               (TCPCONN_A_CONNECTED | TCPCONN_A_DATA);
    case TCPCONN_DECIDED_NOT_SEEN:
        /* A lone SYN-ACK may still be followed by its SYN (reordering). */
        return (a->flags & TCPCONN_A_INITIATOR_SEEN) || !(a->flags & TCPCONN_A_RESPONDER_SYN);
    case TCPCONN_DECIDED_REFUSED:
    case TCPCONN_DECIDED_ICMP:
        return false; /* a same-ISN retry may still connect */
    case TCPCONN_DECIDED_ABORTED:
        /* Before any SYN-ACK, the handshake may still go on (responder_syn). */
        return (a->flags & TCPCONN_A_RESPONDER_SYN) != 0;
    default:
        /* Closed or reset before data while the server kept re-sending its
         * SYN-ACK reads as half-open, until data shows the ACK arrived
         * after all (a client's FIN completes the server's handshake, and
         * the server may still send). */
        return !tcpconn_attempt_ack_never_arrived(a);
    }
}

bool tcpconn_attempt_retried_unanswered(const tcpconn_attempt *a)
{
    return a->syn_count > 1 && a->decision == TCPCONN_DECIDED_NOTHING &&
           !(a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_STALE_ACK | TCPCONN_A_CONNECTED));
}

bool tcpconn_attempt_synack_resent_unacked(const tcpconn_attempt *a)
{
    return (a->flags & TCPCONN_A_RESPONDER_SYN) && a->synack_count > a->syn_count &&
           a->decision == TCPCONN_DECIDED_NOTHING && !(a->flags & TCPCONN_A_CONNECTED);
}

bool tcpconn_attempt_ack_never_arrived(const tcpconn_attempt *a)
{
    return (a->flags & (TCPCONN_A_SYNACK_AFTER_ACK | TCPCONN_A_DATA)) == TCPCONN_A_SYNACK_AFTER_ACK;
}

/* Something a reader can already act on: a final outcome, or evidence that
 * the attempt is failing (which a later answer may still overrule). */
static bool shows_verdict(const tcpconn_attempt *a)
{
    return tcpconn_attempt_is_settled(a) || answered_with_error(a) ||
           tcpconn_attempt_retried_unanswered(a) || tcpconn_attempt_synack_resent_unacked(a) ||
           tcpconn_attempt_ack_never_arrived(a);
}

/* TCPCONN_NOW_VERDICT, the first time the attempt shows one. */
static unsigned note_verdict(tcpconn_attempt *a)
{
    if ((a->flags & TCPCONN_A_VERDICT) || !shows_verdict(a))
        return 0;
    a->flags |= TCPCONN_A_VERDICT;
    return TCPCONN_NOW_VERDICT;
}

/* Feeds `s` and reports what changed. */
static unsigned feed(tcpconn_attempt *a, const tcpconn_segment *s)
{
    bool closed = (a->flags & TCPCONN_A_CLOSED) != 0;
    /* Open until it closes; until then its latest packet. */
    if (!closed)
        a->end_ms = ms_since_start(a, s->time_ns);
    if (tcpconn_attempt_from_initiator(a, s->orientation))
        initiator_segment(a, s);
    else
        responder_segment(a, s);
    unsigned now = 0;
    if (!closed && (a->flags & TCPCONN_A_CLOSED))
        now |= TCPCONN_NOW_CLOSED;
    if ((s->flags & (TCPCONN_RST | TCPCONN_FIN)) &&
        (a->flags & (TCPCONN_A_ISN_KNOWN | TCPCONN_A_CONNECTED)) == TCPCONN_A_ISN_KNOWN)
        now |= TCPCONN_NOW_RETRYABLE;
    return now | note_verdict(a);
}

unsigned tcpconn_attempt_start(tcpconn_attempt *a, const tcpconn_segment *s)
{
    memset(a, 0, sizeof *a);
    a->first_ns = s->time_ns;
    a->first_frame = s->frame;
    a->outcome_frame = s->frame;

    if (is_bare_syn(s->flags)) {
        if (s->orientation)
            a->flags |= TCPCONN_A_INITIATOR_ORIENTATION;
        a->flags |= TCPCONN_A_ISN_KNOWN | TCPCONN_A_INITIATOR_SEEN;
        a->initiator_isn = s->seq;
        a->syn_count = 1;
        if (s->payload_len > 0)
            a->flags |= TCPCONN_A_DATA;
        return 0;
    }

    /* The handshake started before the capture. A SYN-ACK still tells who
     * the initiator is and which ISN it used; otherwise the ports tell who
     * the server is, and failing that the sender is taken as the client. */
    /* With RST set it is no SYN-ACK (crafted flag sweeps): it answers nothing. */
    bool synack = is_synack(s->flags);
    bool sender_is_server =
        synack || tcpconn_guess_server(s->src_port, s->dst_port) == TCPCONN_SERVER_IS_SOURCE;
    if ((s->orientation != 0) != sender_is_server)
        a->flags |= TCPCONN_A_INITIATOR_ORIENTATION;
    a->decision = TCPCONN_DECIDED_NOT_SEEN;
    if (synack) {
        a->flags |= TCPCONN_A_ISN_KNOWN;
        a->initiator_isn = s->ack - 1;
    }
    return feed(a, s);
}

unsigned tcpconn_attempt_segment(tcpconn_attempt *a, const tcpconn_segment *s)
{
    return feed(a, s);
}

bool tcpconn_attempt_plain_segment(tcpconn_attempt *a, uint16_t flags, int64_t time_ns)
{
    /* Every flag such a segment could set in initiator_segment(),
     * responder_segment() and note_data() is set already; INITIATOR_SEEN
     * makes its direction irrelevant, VERDICT that nothing is reported. */
    const uint16_t done = TCPCONN_A_CONNECTED | TCPCONN_A_DATA | TCPCONN_A_INITIATOR_SEEN |
                          TCPCONN_A_VERDICT | TCPCONN_A_RESPONDER_SYN |
                          TCPCONN_A_INITIATOR_SYN_ACKED | TCPCONN_A_RESPONDER_SYN_ACKED;
    if ((flags & (TCPCONN_SYN | TCPCONN_FIN | TCPCONN_RST)) || (a->flags & done) != done ||
        a->decision != TCPCONN_DECIDED_NOTHING)
        return false;
    if (!(a->flags & TCPCONN_A_CLOSED))
        a->end_ms = ms_since_start(a, time_ns);
    return true;
}

bool tcpconn_attempt_matches_icmp(const tcpconn_attempt *a, const tcpconn_icmp_error *e)
{
    return (a->flags & TCPCONN_A_ISN_KNOWN) && tcpconn_attempt_from_initiator(a, e->orientation) &&
           e->quoted_seq == a->initiator_isn;
}

unsigned tcpconn_attempt_icmp(tcpconn_attempt *a, const tcpconn_icmp_error *e)
{
    /* An ICMP error only counts while nothing else answered the SYN. */
    if (!e->unreachable || (a->flags & (TCPCONN_A_RESPONDER_SYN | TCPCONN_A_CONNECTED)) ||
        (a->decision != TCPCONN_DECIDED_NOTHING && !answered_with_error(a)))
        return 0;
    bool closed = (a->flags & TCPCONN_A_CLOSED) != 0;
    decide_answer(a, TCPCONN_DECIDED_ICMP, e->frame, e->time_ns);
    a->icmp_code = e->code;
    close_attempt(a, e->time_ns);
    return (closed ? 0 : TCPCONN_NOW_CLOSED) | note_verdict(a);
}
