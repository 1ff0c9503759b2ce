/* outcome.h - what an attempt's record means: its outcome, derived in one
 * place, and the tables every output (fields, expert info, statistics) is
 * generated from. describe.h puts it into words.
 *
 * Plain C, like attempt.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_OUTCOME_H
#define TCPCONN_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attempt.h"

/* The outcome vocabulary, in the order of the reason table in outcome.c. */
typedef enum {
    TCPCONN_IN_PROGRESS = 0,
    TCPCONN_ESTABLISHED,
    TCPCONN_ESTABLISHED_AFTER_RETRY,
    TCPCONN_REFUSED,
    TCPCONN_NO_ANSWER,
    TCPCONN_ICMP_UNREACHABLE,
    TCPCONN_HALF_OPEN,
    TCPCONN_ABORTED_BY_CLIENT,
    TCPCONN_STALE_CONNECTION,
    TCPCONN_RESET_AFTER_ESTABLISHED,
    TCPCONN_CLOSED_BEFORE_DATA,
    TCPCONN_HANDSHAKE_NOT_SEEN,
    TCPCONN_CAPTURE_ENDED,
    TCPCONN_ACK_NOT_CAPTURED,
    TCPCONN_REASON_COUNT
} tcpconn_reason;

/* How the statistics group the outcomes. */
typedef enum {
    TCPCONN_GROUP_CONNECTED = 0,
    TCPCONN_GROUP_FAILED,
    TCPCONN_GROUP_DROPPED, /* accepted, then dropped */
    TCPCONN_GROUP_NOT_SEEN,
    TCPCONN_GROUP_UNDECIDED,
    TCPCONN_GROUP_COUNT
} tcpconn_group;

/* What is known about the capture as a whole. */
typedef struct {
    bool complete;         /* the whole capture has been read */
    bool handshake_only;   /* ...and it holds no TCP segment without SYN, FIN or RST */
    int64_t end_ns;        /* time of its last frame, of any protocol */
    int64_t end_window_ns; /* an attempt still waiting this close to the end is cut off */
} tcpconn_capture;

typedef enum {
    TCPCONN_SIDE_NONE = 0,
    TCPCONN_SIDE_CLIENT,
    TCPCONN_SIDE_SERVER,
} tcpconn_side;

/* An expert item. The order is the order of the table in outcome.c. */
typedef enum {
    TCPCONN_EXPERT_NONE = -1,
    TCPCONN_EXPERT_REFUSED = 0,
    TCPCONN_EXPERT_NO_ANSWER,
    TCPCONN_EXPERT_ICMP_UNREACHABLE,
    TCPCONN_EXPERT_HALF_OPEN,
    TCPCONN_EXPERT_ABORTED_BY_CLIENT,
    TCPCONN_EXPERT_STALE_CONNECTION,
    TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY,
    TCPCONN_EXPERT_RESET_BY_SERVER,
    TCPCONN_EXPERT_RESET_BY_CLIENT,
    TCPCONN_EXPERT_CLOSED_BY_SERVER,
    TCPCONN_EXPERT_CLOSED_BY_CLIENT,
    TCPCONN_EXPERT_COUNT
} tcpconn_expert;

typedef struct {
    const char *name; /* after "tcpconn.expert." */
    bool warning;     /* Warning, else Note */
    const char *summary;
} tcpconn_expert_info;

extern const tcpconn_expert_info tcpconn_experts[TCPCONN_EXPERT_COUNT];

/* An attempt's outcome, as every output shows it. */
typedef struct {
    tcpconn_reason reason;
    bool provisional;      /* later packets could still change it (one pass) */
    bool failed;           /* did not connect */
    bool connected;        /* connect time means something */
    tcpconn_side ended_by; /* whose FIN or RST came first */
    bool capture_stopped;  /* the capture ended within end_window_ns of the attempt's last
                              packet, while it still waited for an answer */
    tcpconn_expert expert; /* for the deciding frame, or TCPCONN_EXPERT_NONE */
} tcpconn_outcome;

tcpconn_outcome tcpconn_outcome_of(const tcpconn_attempt *a, const tcpconn_capture *c);

/* True when the whole capture has been read and it ended less than
 * end_window_ns after the attempt's last packet, while the attempt was
 * still waiting for an answer: the client (or server) may have been about
 * to retry. */
bool tcpconn_capture_stopped_while_waiting(const tcpconn_attempt *a, const tcpconn_capture *c);

/* The token shown in tcpconn.reason, e.g. "refused". */
const char *tcpconn_reason_name(tcpconn_reason r);
tcpconn_group tcpconn_reason_group(tcpconn_reason r);
const char *tcpconn_group_name(tcpconn_group g);

#endif /* TCPCONN_OUTCOME_H */
