/* attempt.h - one TCP connection attempt, as a plain-C state machine.
 *
 * Segments and ICMP errors go in; the attempt records what they showed, and
 * outcome.h reads the outcome from that record. Nothing here knows about
 * Wireshark: the post-dissector turns frames into these events, and the
 * unit tests drive the same functions directly.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_ATTEMPT_H
#define TCPCONN_ATTEMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "segment.h"

/* Per-attempt state. Kept small on purpose (one per tcp.stream in the common
 * case, millions in a SYN flood); see the static assertion in attempt.c.
 * Durations are in microseconds, the resolution of most captures. */
typedef struct {
    int64_t first_ns;       /* time of the attempt's first segment */
    uint32_t end_ms;        /* open until then, in ms after first_ns rounded up: the close
                               (TCPCONN_A_CLOSED), else the last packet (saturating) */
    uint32_t connect_us;    /* first SYN to the completing ACK, if connected (saturating) */
    uint32_t outcome_us;    /* first segment to outcome_frame (saturating) */
    uint32_t first_frame;   /* the first SYN, or the first segment seen */
    uint32_t outcome_frame; /* the frame that decided (or so far best explains) the outcome */
    uint32_t initiator_isn; /* sequence number of the initiator's SYN */
    uint32_t responder_isn; /* sequence number of the responder's SYN */
    uint32_t server;        /* id of the server endpoint (address and port) */
    uint32_t server_index;  /* 1 for the first attempt to that server, 2 for the next... */
    uint16_t flags;         /* TCPCONN_A_* below */
    uint16_t concurrent; /* attempts to the same server open when this one began, itself included */
    uint8_t syn_count;   /* SYNs (without ACK) sent by the initiator, saturating */
    uint8_t synack_count;            /* SYN-ACKs sent by the responder, saturating */
    uint8_t decision : 4;            /* the deciding event, tcpconn_decision */
    uint8_t syns_after_decision : 4; /* SYNs sent after a refusal or ICMP error (saturating):
                                        retries that got no answer */
    uint8_t icmp_code;               /* of the deciding ICMP destination unreachable */
} tcpconn_attempt;

/* Which event decided the attempt. Answers to a SYN (refused, ICMP) give
 * way to a later answer, because the client may retry with the same ISN;
 * the others are final. */
typedef enum {
    TCPCONN_DECIDED_NOTHING = 0,
    TCPCONN_DECIDED_NOT_SEEN,  /* first segment was not the initiator's SYN */
    TCPCONN_DECIDED_REFUSED,   /* responder RST before any SYN-ACK */
    TCPCONN_DECIDED_ICMP,      /* ICMP unreachable quoting the SYN */
    TCPCONN_DECIDED_ABORTED,   /* initiator RST/FIN before the handshake completed */
    TCPCONN_DECIDED_RESET,     /* RST after the handshake, before payload */
    TCPCONN_DECIDED_CLOSED,    /* FIN after the handshake, before payload */
    TCPCONN_DECIDED_HALF_OPEN, /* responder RST after its SYN-ACK, before the ACK */
    TCPCONN_DECISION_COUNT
} tcpconn_decision;

/* tcpconn_attempt.flags */
enum {
    TCPCONN_A_INITIATOR_ORIENTATION = 1 << 0, /* orientation of the initiator's segments */
    TCPCONN_A_ISN_KNOWN = 1 << 1,             /* initiator_isn is meaningful */
    TCPCONN_A_RESPONDER_SYN = 1 << 2,         /* responder sent SYN (or was shown to have) */
    TCPCONN_A_INITIATOR_SYN_ACKED = 1 << 3,   /* responder acknowledged the initiator's SYN */
    TCPCONN_A_RESPONDER_SYN_ACKED = 1 << 4,   /* initiator acknowledged the responder's SYN */
    TCPCONN_A_CONNECTED = 1 << 5,             /* the handshake completed */
    TCPCONN_A_DATA = 1 << 6,                  /* a payload byte was sent (seen or implied) */
    TCPCONN_A_SYNACK_AFTER_ACK = 1 << 7,      /* responder re-sent SYN-ACK after the handshake */
    TCPCONN_A_INITIATOR_FIN = 1 << 8,
    TCPCONN_A_RESPONDER_FIN = 1 << 9,
    TCPCONN_A_RST = 1 << 10,
    TCPCONN_A_ENDED_BY_RESPONDER = 1 << 11, /* the first FIN or RST came from the responder */
    TCPCONN_A_CLOSED = 1 << 12,             /* stopped counting as open (see end_ms) */
    TCPCONN_A_STALE_ACK = 1 << 13,          /* responder answered a SYN with an ACK for an old
                                               connection on the same ports */
    TCPCONN_A_INITIATOR_SEEN = 1 << 14,     /* the initiator has sent a segment */
    TCPCONN_A_VERDICT = 1 << 15,            /* TCPCONN_NOW_VERDICT has been reported */
};

/* What a segment or ICMP error changed, reported as it happens so that the
 * callers need not compare states before and after. */
enum {
    TCPCONN_NOW_CLOSED = 1 << 0,    /* the attempt stopped counting as open (once per attempt) */
    TCPCONN_NOW_VERDICT = 1 << 1,   /* the first packet with a verdict (once per attempt): the
                                       outcome settled, or the attempt showed it was failing (an
                                       error answered the SYN, a retransmission got no answer) */
    TCPCONN_NOW_RETRYABLE = 1 << 2, /* a RST or FIN before the handshake completed, with the
                                       initiator's ISN known (each time): a SYN with that ISN
                                       still retries the attempt, even in a new tcp.stream */
};

/* Starts a new attempt with its first segment. Returns transitions. */
unsigned tcpconn_attempt_start(tcpconn_attempt *a, const tcpconn_segment *s);

/* True when `s`, seen on the same 4-tuple as `a`, begins a new attempt
 * (port reuse) instead of continuing `a`. */
bool tcpconn_attempt_is_superseded_by(const tcpconn_attempt *a, const tcpconn_segment *s);

/* True when a SYN or SYN-ACK that opens a new tcp.stream (Wireshark 4.4 and
 * later give a SYN after a RST or FIN its own stream) continues `a`, which
 * never connected: the initiator's SYN with the same ISN (a retry), or the
 * responder's SYN-ACK acknowledging that ISN. */
bool tcpconn_attempt_is_retried_by(const tcpconn_attempt *a, const tcpconn_segment *s);

/* Feeds a later segment of the same attempt. Returns transitions. */
unsigned tcpconn_attempt_segment(tcpconn_attempt *a, const tcpconn_segment *s);

/* The shortcut for most of a capture's segments: one without SYN, FIN or
 * RST, of an attempt that connected, carried data and has reported its
 * verdict, changes nothing but when the attempt was last open. Returns
 * false, changing nothing, unless that is the case; otherwise does what
 * tcpconn_attempt_segment() would (which then reports no transition), with
 * neither the segment's numbers nor its direction, and returns true. */
bool tcpconn_attempt_plain_segment(tcpconn_attempt *a, uint16_t flags, int64_t time_ns);

/* True when the ICMP error quotes this attempt's SYN. */
bool tcpconn_attempt_matches_icmp(const tcpconn_attempt *a, const tcpconn_icmp_error *e);

/* Feeds an ICMP error that tcpconn_attempt_matches_icmp() accepted.
 * Returns transitions. */
unsigned tcpconn_attempt_icmp(tcpconn_attempt *a, const tcpconn_icmp_error *e);

/* True once later packets can no longer change the outcome. */
bool tcpconn_attempt_is_settled(const tcpconn_attempt *a);

/* The client sent its SYN more than once and nothing has answered: its own
 * retransmission timer says no answer came in time. */
bool tcpconn_attempt_retried_unanswered(const tcpconn_attempt *a);

/* The server sent more SYN-ACKs than it got SYNs, and the handshake has not
 * completed: its own retransmission timer says no ACK came in time. (A
 * SYN-ACK answering a retransmitted SYN says nothing about the ACK.) */
bool tcpconn_attempt_synack_resent_unacked(const tcpconn_attempt *a);

/* The handshake completed for the client, but the server kept re-sending
 * its SYN-ACK and no data followed: the server never got the ACK. */
bool tcpconn_attempt_ack_never_arrived(const tcpconn_attempt *a);

/* True when the segment came from the attempt's initiator. */
bool tcpconn_attempt_from_initiator(const tcpconn_attempt *a, uint8_t orientation);

/* When the attempt stopped being open (see end_ms), as absolute time. */
int64_t tcpconn_attempt_end_ns(const tcpconn_attempt *a);

#endif /* TCPCONN_ATTEMPT_H */
