/* attempt.h - how one TCP connection attempt ended, as a plain-C state machine.
 *
 * Segments and ICMP errors go in, an outcome comes out. Nothing here knows
 * about Wireshark: the post-dissector turns frames into these events, and
 * the unit tests drive the same functions directly.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_ATTEMPT_H
#define TCPCONN_ATTEMPT_H

#include <stdbool.h>
#include <stdint.h>

/* The outcome vocabulary. The order is the order of the value_string and
 * of the statistics tree; keep tcpconn_reason_name() in step. */
typedef enum {
    TCPCONN_IN_PROGRESS = 0,
    TCPCONN_ESTABLISHED,
    TCPCONN_ESTABLISHED_AFTER_RETRY,
    TCPCONN_REFUSED,
    TCPCONN_NO_ANSWER,
    TCPCONN_ICMP_UNREACHABLE,
    TCPCONN_HALF_OPEN,
    TCPCONN_ABORTED_BY_CLIENT,
    TCPCONN_RESET_AFTER_ESTABLISHED,
    TCPCONN_CLOSED_BEFORE_DATA,
    TCPCONN_HANDSHAKE_NOT_SEEN,
    TCPCONN_REASON_COUNT
} tcpconn_reason;

/* TCP header flag bits, as on the wire. */
enum {
    TCPCONN_FIN = 0x01,
    TCPCONN_SYN = 0x02,
    TCPCONN_RST = 0x04,
    TCPCONN_ACK = 0x10,
};

/* One TCP segment. `orientation` is 0 or 1 and must be the same for every
 * segment sent in the same direction of a 4-tuple (the glue derives it by
 * comparing the two endpoints), so the state machine can tell the
 * initiator's segments from the responder's without storing addresses.
 * `src_endpoint` and `dst_endpoint` identify the two endpoints (address and
 * port, TCPCONN_ENDPOINT_LEN bytes each); only the server's is kept, as an
 * id, to count attempts per server. */
#define TCPCONN_ENDPOINT_LEN 20
typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint8_t orientation;
    uint16_t flags;
    uint32_t seq;
    uint32_t ack;
    uint32_t payload_len;
    const uint8_t *src_endpoint;
    const uint8_t *dst_endpoint;
    /* Only for the Zeek view (zeek.h). */
    uint16_t window;
    uint16_t src_port;
    uint16_t dst_port;
    uint8_t zeek_view;    /* tcpconn_zeek_view */
    bool payload_cut_off; /* the capture holds only part of the payload */
} tcpconn_segment;

/* How Zeek would take a segment that tcpconn reads normally. */
typedef enum {
    TCPCONN_ZEEK_USE = 0,
    TCPCONN_ZEEK_BAD_CHECKSUM, /* noted as 'C', otherwise ignored */
    TCPCONN_ZEEK_DROP,         /* bad IPv4 header checksum, or TCP header not all captured */
} tcpconn_zeek_view;

/* An ICMP or ICMPv6 error that quotes the start of a TCP segment. */
typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint8_t orientation; /* of the quoted segment */
    uint32_t quoted_seq;
    bool unreachable; /* destination unreachable, as opposed to e.g. time exceeded */
    uint8_t type;
    uint8_t code;
} tcpconn_icmp;

/* Per-attempt state. Kept small on purpose (one per tcp.stream in the common
 * case, millions in a SYN flood); see the static assertion in attempt.c.
 * Durations are in microseconds, the resolution of most captures. */
typedef struct {
    int64_t first_ns;       /* time of the attempt's first segment */
    uint32_t end_ms;        /* open until then, in ms after first_ns rounded up: first FIN,
                               RST or ICMP error, else last packet (saturating) */
    uint32_t connect_us;    /* first SYN to the completing ACK, if connected (saturating) */
    uint32_t outcome_us;    /* first segment to outcome_frame (saturating) */
    uint32_t first_frame;   /* the first SYN, or the first segment seen */
    uint32_t outcome_frame; /* the frame that decided (or so far best explains) the outcome */
    uint32_t initiator_isn; /* sequence number of the initiator's SYN */
    uint32_t responder_isn; /* sequence number of the responder's SYN */
    uint32_t next;          /* storage link to the next attempt on the same stream; 0 = none */
    uint32_t server;        /* id of the server endpoint (address and port) */
    uint32_t server_index;  /* 1 for the first attempt to that server, 2 for the next... */
    uint16_t flags;         /* TCPCONN_A_* below */
    uint16_t concurrent; /* attempts to the same server open when this one began, itself included */
    uint8_t syn_count;   /* SYNs (without ACK) sent by the initiator, saturating */
    uint8_t synack_count; /* SYN-ACKs sent by the responder, saturating */
    uint8_t decision;     /* first deciding event, tcpconn_decision */
    uint8_t icmp_code;    /* of the deciding ICMP destination unreachable */
} tcpconn_attempt;

/* Which event settled the attempt (the first one wins). */
typedef enum {
    TCPCONN_DECIDED_NOTHING = 0,
    TCPCONN_DECIDED_NOT_SEEN,  /* first segment was not the initiator's SYN */
    TCPCONN_DECIDED_REFUSED,   /* responder RST before any SYN-ACK */
    TCPCONN_DECIDED_ICMP,      /* ICMP unreachable quoting the SYN */
    TCPCONN_DECIDED_ABORTED,   /* initiator RST/FIN before the handshake completed */
    TCPCONN_DECIDED_RESET,     /* RST after the handshake, before payload */
    TCPCONN_DECIDED_CLOSED,    /* FIN after the handshake, before payload */
    TCPCONN_DECIDED_HALF_OPEN, /* responder RST after its SYN-ACK, before the ACK */
} tcpconn_decision;

/* tcpconn_attempt.flags */
enum {
    TCPCONN_A_INITIATOR_ORIENTATION = 1 << 0, /* orientation of the initiator's segments */
    TCPCONN_A_ISN_KNOWN = 1 << 1,             /* initiator_isn is meaningful */
    TCPCONN_A_RESPONDER_SYN = 1 << 2,         /* responder sent SYN (with or without ACK) */
    TCPCONN_A_INITIATOR_SYN_ACKED = 1 << 3,   /* responder acknowledged the initiator's SYN */
    TCPCONN_A_CONNECTED = 1 << 4,             /* initiator acknowledged the responder's SYN too */
    TCPCONN_A_DATA = 1 << 5,                  /* a payload byte was seen */
    TCPCONN_A_SYNACK_AFTER_ACK = 1 << 6,      /* responder re-sent SYN-ACK after the handshake */
    TCPCONN_A_BY_RESPONDER = 1 << 7,          /* the deciding RST/FIN came from the responder */
    TCPCONN_A_INITIATOR_FIN = 1 << 8,
    TCPCONN_A_RESPONDER_FIN = 1 << 9,
    TCPCONN_A_RST = 1 << 10,
    TCPCONN_A_RESPONDER_SYN_ACKED = 1 << 11, /* initiator acknowledged the responder's SYN */
};

/* Start a new attempt with its first segment. */
void tcpconn_attempt_start(tcpconn_attempt *a, const tcpconn_segment *s);

/* True when `s`, seen on the same 4-tuple as `a`, begins a new attempt
 * (port reuse) instead of continuing `a`. */
bool tcpconn_attempt_is_superseded_by(const tcpconn_attempt *a, const tcpconn_segment *s);

/* Feed a later segment of the same attempt. */
void tcpconn_attempt_segment(tcpconn_attempt *a, const tcpconn_segment *s);

/* True when the ICMP error quotes this attempt's SYN. */
bool tcpconn_attempt_matches_icmp(const tcpconn_attempt *a, const tcpconn_icmp *e);

/* Feed an ICMP error that tcpconn_attempt_matches_icmp() accepted.
 * Returns true if it decided the outcome. */
bool tcpconn_attempt_icmp(tcpconn_attempt *a, const tcpconn_icmp *e);

/* The outcome. `capture_complete` is true once the whole capture has been
 * read: undecided attempts then take their end-of-capture outcome
 * (no-answer, half-open, established) instead of in-progress. */
tcpconn_reason tcpconn_attempt_reason(const tcpconn_attempt *a, bool capture_complete);

/* True while later packets could still change the outcome. */
bool tcpconn_attempt_is_provisional(const tcpconn_attempt *a, bool capture_complete);

/* True for the outcomes that mean "did not connect". */
bool tcpconn_reason_is_failure(tcpconn_reason r);

/* The token shown in tcpconn.reason, e.g. "refused". */
const char *tcpconn_reason_name(tcpconn_reason r);

/* True when connect_us means something: the handshake completed and its
 * first SYN is in the capture. */
bool tcpconn_attempt_has_connect_time(const tcpconn_attempt *a);

/* True when the segment came from the attempt's initiator. */
bool tcpconn_attempt_from_initiator(const tcpconn_attempt *a, uint8_t orientation);

/* True once the attempt is over on the wire: RST, ICMP, refusal, or FINs
 * from both sides. */
bool tcpconn_attempt_is_over(const tcpconn_attempt *a);

/* True once the attempt stopped counting as open: its first FIN or RST, or
 * the ICMP error that ended it. */
bool tcpconn_attempt_is_closed(const tcpconn_attempt *a);

/* When the attempt stopped being open (see end_ms), as absolute time. */
int64_t tcpconn_attempt_end_ns(const tcpconn_attempt *a);

#endif /* TCPCONN_ATTEMPT_H */
