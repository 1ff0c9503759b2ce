/* zeek.c - Zeek's conn_state and history for a connection attempt.
 *
 * The rules follow Zeek's documented behaviour and its TCP analyzer: which
 * side is the originator (the first packet's sender, unless the ports say a
 * server sent it), the endpoint states from which conn_state is derived, and
 * the history letters with their case and repetition rules (once per
 * direction; S, H, F and R again at a new sequence number; C, T, W and G at
 * the 1st, 10th, 100th... time). Things this does not reproduce are listed
 * in the README (tunnel changes, 'X'; the second connection Zeek logs when
 * its timers split one).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "zeek.h"

#include <string.h>

#include "ports.h"

/* The tcpconn.zeek preference promises this cost. */
_Static_assert(sizeof(tcpconn_zeek) <= TCPCONN_ZEEK_BYTES,
               "tcpconn_zeek outgrew TCPCONN_ZEEK_BYTES");

/* Endpoint states. */
enum { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET };

/* Counted events, in tcpconn_zeek.events, with the letter each records. */
enum { EV_CHECKSUM, EV_RETRANSMIT, EV_ZERO_WINDOW, EV_GAP };
static const char event_letter[4] = { 'C', 'T', 'W', 'G' };

/* Letters recorded at most once per direction; bit n for the originator,
 * bit n + 8 for the responder. S and H share one. */
enum { ONCE_SYN, ONCE_ACK, ONCE_DATA, ONCE_FIN, ONCE_RST, ONCE_FIN_RST, ONCE_MULTI_FLAG };

/* tcpconn_zeek.flags */
#define SEEN(e)         (1u << (e))       /* endpoint e's sequence numbers are known */
#define PAYLOAD(e)      (1u << (2 + (e))) /* endpoint e sent payload */
#define ATTEMPT_CHECKED (1u << 4)         /* the attempt timer has been looked at */
#define REMOVED         (1u << 5)         /* Zeek's timers would have ended it */

/* Zeek's default timeouts, on packet time. */
#define NS_PER_S                1000000000LL
#define ATTEMPT_TIMEOUT_NS      (5 * NS_PER_S)  /* unanswered SYN */
#define CLOSE_DELAY_NS          (5 * NS_PER_S)  /* after the close is complete */
#define HANDSHAKE_INACTIVITY_NS (60 * NS_PER_S) /* no packet while still handshaking */
#define INACTIVITY_NS           (300 * NS_PER_S)

/* A retransmitted SYN or RST this far off is ignored, as Zeek does. */
#define SEQ_JUMP_LIMIT 1048576

static int state_of(const tcpconn_zeek *z, int e)
{
    return z->state[e] & 0x0f;
}

static int previous_state_of(const tcpconn_zeek *z, int e)
{
    return z->state[e] >> 4;
}

static void set_state(tcpconn_zeek *z, int e, int s)
{
    if (state_of(z, e) != s)
        z->state[e] = (uint8_t)((state_of(z, e) << 4) | s);
}

bool tcpconn_zeek_is_originator(const tcpconn_zeek *z, uint8_t orientation)
{
    return orientation == z->originator;
}

static void add_letter(tcpconn_zeek *z, char letter)
{
    if (z->history_len < TCPCONN_ZEEK_HISTORY_MAX)
        z->history[z->history_len++] = letter;
    else
        z->history[TCPCONN_ZEEK_HISTORY_MAX - 1] = '+';
}

/* Upper case for the originator, lower case for the responder. */
static char in_case_of(const tcpconn_zeek *z, int e, char letter)
{
    return tcpconn_zeek_is_originator(z, (uint8_t)e) ? letter : (char)(letter - 'A' + 'a');
}

static void flip_roles(tcpconn_zeek *z)
{
    z->originator ^= 1;
    add_letter(z, '^');
}

/* Records the letter the first time; returns false when it had been. */
static bool once(tcpconn_zeek *z, int e, int which, char letter)
{
    int role = tcpconn_zeek_is_originator(z, (uint8_t)e) ? 0 : 1;
    uint16_t mask = (uint16_t)(1u << (which + 8 * role));
    if (z->seen_once & mask)
        return false;
    z->seen_once |= mask;
    add_letter(z, in_case_of(z, e, letter));
    return true;
}

/* S, H, F and R are recorded again when their sequence number differs from
 * that of the endpoint's last segment of the same kind (for a FIN, the end
 * of its data). */
enum { LAST_SYN, LAST_FIN, LAST_RST };

static void once_per_seq(tcpconn_zeek *z, int e, int which, char letter, int kind, uint32_t seq)
{
    if (!once(z, e, which, letter) && seq != z->last_flag_seq[e][kind])
        add_letter(z, in_case_of(z, e, letter));
    z->last_flag_seq[e][kind] = seq;
}

/* Counted letters appear at the 1st, 10th, 100th... event of an endpoint. */
static void count_event(tcpconn_zeek *z, int e, int ev)
{
    uint16_t n = z->events[e][ev];
    if (n == UINT16_MAX)
        return;
    z->events[e][ev] = ++n;
    for (uint32_t threshold = 1; threshold <= n; threshold *= 10) {
        if (threshold == n) {
            add_letter(z, in_case_of(z, e, event_letter[ev]));
            break;
        }
    }
}

/* A connection that began with a lone SYN-ACK ("H") turns out to be the
 * other way round once anyone acknowledges or sends data: Zeek swaps the
 * roles and rewrites the history as "^h". */
static void maybe_swap_after_synack(tcpconn_zeek *z)
{
    if (z->history_len == 1 && z->history[0] == 'H') {
        z->originator ^= 1;
        z->history[0] = '^';
        z->history[1] = 'h';
        z->history_len = 2;
    }
}

static void update_history(tcpconn_zeek *z, int e, const tcpconn_segment *s)
{
    bool syn = s->flags & TCPCONN_SYN, fin = s->flags & TCPCONN_FIN, rst = s->flags & TCPCONN_RST;
    int flag_count = syn + fin + rst;

    if (flag_count >= 2) {
        if (fin && rst)
            once(z, e, ONCE_FIN_RST, 'I');
        else
            once(z, e, ONCE_MULTI_FLAG, 'Q');
    } else if (syn) {
        once_per_seq(z, e, ONCE_SYN, (s->flags & TCPCONN_ACK) ? 'H' : 'S', LAST_SYN, s->seq);
    } else if (fin) {
        once_per_seq(z, e, ONCE_FIN, 'F', LAST_FIN, s->seq + s->payload_len);
    } else if (rst) {
        once_per_seq(z, e, ONCE_RST, 'R', LAST_RST, s->seq);
    } else if (s->payload_len > 0) {
        maybe_swap_after_synack(z);
        once(z, e, ONCE_DATA, 'D');
    } else if (s->flags & TCPCONN_ACK) {
        maybe_swap_after_synack(z);
        once(z, e, ONCE_ACK, 'A');
    }
}

/* Retransmissions: payload that does not reach past the highest sequence
 * seen from that endpoint. */
static void update_last_seq(tcpconn_zeek *z, int e, const tcpconn_segment *s, uint32_t seg_len,
                            int state_before)
{
    bool syn = s->flags & TCPCONN_SYN, fin = s->flags & TCPCONN_FIN, rst = s->flags & TCPCONN_RST;
    uint32_t end = s->seq + seg_len;
    int32_t delta = (int32_t)(end - z->last_seq[e]);

    if ((syn || rst) && (delta > SEQ_JUMP_LIMIT || delta < -SEQ_JUMP_LIMIT))
        return;
    if (fin && z->last_seq[e] == z->start_seq[e] + 1)
        z->last_seq[e] = end;
    else if (state_before == RESET)
        return;
    else if (delta > 0)
        z->last_seq[e] = end;
    else if (s->payload_len > 0)
        count_event(z, e, EV_RETRANSMIT);
}

static void update_state(tcpconn_zeek *z, int e, const tcpconn_segment *s)
{
    int p = !e;
    bool syn = s->flags & TCPCONN_SYN, fin = s->flags & TCPCONN_FIN, rst = s->flags & TCPCONN_RST;
    bool ack = s->flags & TCPCONN_ACK;

    switch (state_of(z, e)) {
    case INACTIVE:
        if (syn) {
            if (tcpconn_zeek_is_originator(z, (uint8_t)e)) {
                set_state(z, e, ack ? SYN_ACK_SENT : SYN_SENT);
            } else {
                /* The SYN-ACK came first: this SYN shows who really began. */
                if (!ack && state_of(z, p) == SYN_ACK_SENT) {
                    flip_roles(z);
                    set_state(z, p, ESTABLISHED);
                }
                if (state_of(z, p) == SYN_SENT)
                    set_state(z, p, ESTABLISHED);
                set_state(z, e, ESTABLISHED);
            }
        }
        if (fin)
            set_state(z, e, CLOSED);
        if (rst)
            set_state(z, e, RESET);
        if (state_of(z, e) == INACTIVE) {
            int orig = z->originator;
            if (!tcpconn_zeek_is_originator(z, (uint8_t)e) && s->payload_len == 0 &&
                state_of(z, orig) == SYN_SENT)
                break; /* an ACK before the SYN-ACK does not count */
            set_state(z, e, ack && state_of(z, p) == ESTABLISHED ? ESTABLISHED : PARTIAL);
        }
        break;
    case SYN_SENT:
    case SYN_ACK_SENT:
        if (fin)
            set_state(z, e, CLOSED);
        if (rst)
            set_state(z, e, RESET);
        break;
    case ESTABLISHED:
    case PARTIAL:
        if (syn && !ack && state_of(z, e) == PARTIAL && state_of(z, p) == INACTIVE)
            set_state(z, e, SYN_SENT);
        if (fin && !rst) {
            set_state(z, e, CLOSED);
            /* The peer sent FIN, then RST: with this FIN it counts as closed. */
            if (state_of(z, p) == RESET && previous_state_of(z, p) == CLOSED)
                set_state(z, p, CLOSED);
        }
        if (rst)
            set_state(z, e, RESET);
        break;
    case CLOSED:
        if (rst && state_of(z, p) != CLOSED)
            set_state(z, e, RESET);
        break;
    default: /* RESET is final */
        break;
    }
}

static bool clean(const tcpconn_zeek *z, int e)
{
    return state_of(z, e) == ESTABLISHED ||
           (state_of(z, e) == CLOSED && previous_state_of(z, e) == ESTABLISHED);
}

static bool seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* Notes which of an endpoint's bytes arrived without a hole before them.
 * One hole is tracked: when a segment fills it, what came after it is taken
 * as received. `highest` is the highest end seen before this segment. */
static void note_data(tcpconn_zeek *z, int e, uint32_t seq, uint32_t end, uint32_t highest)
{
    if (seq_after(seq, z->contiguous[e]))
        return; /* a hole opens before this segment */
    uint32_t reach = seq_after(end, highest) ? end : highest;
    if (seq_after(reach, z->contiguous[e]))
        z->contiguous[e] = reach;
}

/* Content gaps: the peer acknowledged bytes of this endpoint's stream that
 * never went past. Counted for the sender of the missing data, once per hole
 * (the acknowledgement moves past it). */
static void check_gap(tcpconn_zeek *z, int acker, uint32_t ack)
{
    int sender = !acker;
    if (!(z->flags & SEEN(sender)) || !clean(z, 0) || !clean(z, 1))
        return;
    if (seq_after(ack, z->contiguous[sender])) {
        count_event(z, sender, EV_GAP);
        z->contiguous[sender] = seq_after(z->last_seq[sender], ack) ? z->last_seq[sender] : ack;
    }
}

static void init_endpoint(tcpconn_zeek *z, int e, uint32_t seq, bool syn, uint32_t seg_len)
{
    z->flags |= SEEN(e);
    z->start_seq[e] = syn ? seq : seq - 1;
    /* A SYN's own end; a mid-stream segment's start. */
    z->last_seq[e] = syn ? seq + seg_len : seq;
    z->contiguous[e] = syn ? seq + 1 : seq;
}

/* Whether Zeek's timers would have removed the connection before a packet
 * at `now`: an unanswered attempt after 5 s, a closed one 5 s after its last
 * packet, any after a long silence. */
static bool removed_before(tcpconn_zeek *z, int64_t now)
{
    int orig = z->originator, resp = !z->originator;
    int os = state_of(z, orig), rs = state_of(z, resp);

    if (!(z->flags & ATTEMPT_CHECKED) && now > z->first_ns + ATTEMPT_TIMEOUT_NS) {
        z->flags |= ATTEMPT_CHECKED;
        if ((os == SYN_SENT || os == SYN_ACK_SENT) && rs == INACTIVE)
            return true;
    }
    int64_t silence = now - z->last_ns;
    bool closing = os == CLOSED || os == RESET || rs == CLOSED || rs == RESET;
    /* A side seen only mid-stream (PARTIAL) counts as inactive here too. */
    bool orig_quiet = os == INACTIVE || os == PARTIAL, resp_quiet = rs == INACTIVE || rs == PARTIAL;
    bool close_complete = closing && (os == RESET || rs == RESET ||
                                      (os >= CLOSED && rs >= CLOSED) || orig_quiet || resp_quiet);
    if (close_complete && silence > CLOSE_DELAY_NS)
        return true;
    bool handshaking = os <= SYN_ACK_SENT && rs <= SYN_ACK_SENT;
    return silence > (handshaking ? HANDSHAKE_INACTIVITY_NS : INACTIVITY_NS);
}

void tcpconn_zeek_segment_in(tcpconn_zeek *z, const tcpconn_segment *s)
{
    int e = s->orientation ? 1 : 0;
    int p = !e;
    bool syn = s->flags & TCPCONN_SYN, fin = s->flags & TCPCONN_FIN, rst = s->flags & TCPCONN_RST;
    bool ack = s->flags & TCPCONN_ACK;

    if (z->flags & REMOVED)
        return;
    if (removed_before(z, s->time_ns)) {
        z->flags |= REMOVED;
        return;
    }
    /* Zeek drops a datagram with a bad IPv4 header checksum or a TCP header
     * it cannot read, without a trace. */
    if (s->ip_checksum_bad || s->header_cut_off)
        return;
    z->last_ns = s->time_ns;
    /* A bad checksum is noted, and the packet is otherwise ignored. */
    if (s->checksum_bad) {
        count_event(z, e, EV_CHECKSUM);
        return;
    }

    /* A RST's payload does not occupy sequence space. */
    uint32_t seg_len = (rst ? 0 : s->payload_len) + syn + fin;
    if (!(z->flags & SEEN(e)) || (syn && s->seq != z->start_seq[e]))
        init_endpoint(z, e, s->seq, syn, seg_len);

    int state_before = state_of(z, e);
    int peer_state_before = state_of(z, p);

    update_history(z, e, s);
    if (s->window == 0 && !rst && peer_state_before != CLOSED && state_before != RESET)
        count_event(z, e, EV_ZERO_WINDOW);
    if (ack && !(z->flags & SEEN(p)) && peer_state_before == INACTIVE)
        init_endpoint(z, p, s->ack - 1, true, 1); /* the peer's start, from what it acknowledged */
    uint32_t highest = z->last_seq[e];
    update_last_seq(z, e, s, seg_len, state_before);
    if (seg_len > 0 && !s->payload_cut_off)
        note_data(z, e, s->seq, s->seq + seg_len, highest);
    update_state(z, e, s);
    if (ack && !rst)
        check_gap(z, e, s->ack);
    if (s->payload_len > 0 && !rst)
        z->flags |= PAYLOAD(e);
}

void tcpconn_zeek_start(tcpconn_zeek *z, const tcpconn_segment *s)
{
    memset(z, 0, sizeof *z);
    z->first_ns = s->time_ns;
    z->last_ns = s->time_ns;
    z->originator = s->orientation ? 1 : 0;

    /* Only a first packet that is not a plain SYN can make Zeek swap the
     * roles: when it comes from a likely server port (and, between two such
     * ports, when it has no SYN and comes from the lower one). */
    bool plain_syn = (s->flags & (TCPCONN_SYN | TCPCONN_ACK)) == TCPCONN_SYN;
    if (!plain_syn && tcpconn_likely_server_port(s->src_port)) {
        bool both = tcpconn_likely_server_port(s->dst_port);
        if (!both || (!(s->flags & TCPCONN_SYN) && s->src_port < s->dst_port))
            flip_roles(z);
    }
    tcpconn_zeek_segment_in(z, s);
}

/* optional '^', then 'S', then an 'R' with none of H A F G I Q between */
static bool rejected_by_originator(const tcpconn_zeek *z)
{
    int i = 0;
    if (i < z->history_len && z->history[i] == '^')
        i++;
    if (i >= z->history_len || z->history[i] != 'S')
        return false;
    for (i++; i < z->history_len; i++) {
        if (z->history[i] == 'R')
            return true;
        if (strchr("HAFGIQ", z->history[i]))
            return false;
    }
    return false;
}

const char *tcpconn_zeek_conn_state(const tcpconn_zeek *z)
{
    int orig = z->originator, resp = !z->originator;
    int os = state_of(z, orig), rs = state_of(z, resp);
    bool orig_inactive = os == INACTIVE || os == PARTIAL;
    bool resp_inactive = rs == INACTIVE || rs == PARTIAL;
    /* Zeek asks for zero bytes from both sides; payload seen is our measure. */
    bool no_bytes = !(z->flags & (PAYLOAD(0) | PAYLOAD(1)));

    if (rs == RESET) {
        if (os == SYN_SENT || os == SYN_ACK_SENT || (os == RESET && no_bytes))
            return "REJ";
        return orig_inactive ? "RSTRH" : "RSTR";
    }
    if (os == RESET) {
        if (resp_inactive)
            return rejected_by_originator(z) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (os == CLOSED && rs == CLOSED)
        return "SF";
    if (os == CLOSED)
        return resp_inactive ? "SH" : "S2";
    if (rs == CLOSED)
        return orig_inactive ? "SHR" : "S3";
    if (os == SYN_SENT && rs == INACTIVE)
        return "S0";
    if (os == ESTABLISHED && rs == ESTABLISHED)
        return "S1";
    return "OTH";
}

const char *tcpconn_zeek_conn_state_meaning(const char *code)
{
    static const struct {
        const char *code;
        const char *meaning;
    } meanings[] = {
        { "S0", "attempt seen, no reply" },
        { "S1", "established, not closed" },
        { "SF", "established and closed normally" },
        { "REJ", "attempt rejected" },
        { "S2", "established, the originator closed, no reply to that" },
        { "S3", "established, the responder closed, no reply to that" },
        { "RSTO", "established, the originator reset it" },
        { "RSTR", "the responder reset it" },
        { "RSTOS0", "the originator sent SYN then RST, no SYN-ACK seen" },
        { "RSTRH", "the responder sent SYN-ACK then RST, the originator's SYN not seen" },
        { "SH", "the originator sent SYN then FIN, no SYN-ACK seen" },
        { "SHR", "the responder sent SYN-ACK then FIN, the originator's SYN not seen" },
        { "OTH", "no SYN seen, only midstream traffic" },
    };
    for (size_t i = 0; i < sizeof meanings / sizeof meanings[0]; i++) {
        if (strcmp(meanings[i].code, code) == 0)
            return meanings[i].meaning;
    }
    return "unknown";
}

void tcpconn_zeek_history(const tcpconn_zeek *z, char out[TCPCONN_ZEEK_HISTORY_MAX + 1])
{
    memcpy(out, z->history, z->history_len);
    out[z->history_len] = '\0';
}
