/* connects.h - the attempts one connect() made: an application falling back
 * from one address of a name to the next (Happy Eyeballs, or the next A or
 * AAAA record after a failure).
 *
 * Plain C, with the caller's allocator. Attempts are grouped as they begin,
 * in the order of the capture, from how the earlier attempts stood at that
 * moment; a lookup later finds the group again. An attempt alone (the
 * usual case) costs no memory here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_CONNECTS_H
#define TCPCONN_CONNECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"
#include "names.h"
#include "outcome.h"
#include "segment.h"

/* No client tries more addresses than this in one connect; past it a new
 * connect begins, which keeps every lookup short. */
#define TCPCONN_CONNECT_MAX_ATTEMPTS 8

/* An attempt, as the per-stream table places it: its tcp.stream and the
 * frame it began with. */
typedef struct {
    uint32_t stream;
    uint32_t frame;
} tcpconn_attempt_ref;

/* The caller's way to the attempt a reference names (NULL: none). */
typedef struct {
    const tcpconn_attempt *(*attempt_of)(void *context, tcpconn_attempt_ref ref);
    void *context;
} tcpconn_attempt_finder;

typedef struct tcpconn_connects tcpconn_connects;

tcpconn_connects *tcpconn_connects_new(const tcpconn_allocator *alloc, int64_t window_ns);
void tcpconn_connects_free(tcpconn_connects *t);

/* A new attempt began. */
typedef struct {
    tcpconn_attempt_ref ref;
    tcpconn_host host;                    /* the client's host (names.h) */
    uint8_t server[TCPCONN_ENDPOINT_LEN]; /* the server's address and port */
    uint32_t name;                        /* from names.h; 0 without DNS */
    int64_t time_ns;                      /* its first segment */
} tcpconn_attempt_begins;

/* Joins the attempt to the connect whose latest attempt it falls back from,
 * or makes it the start of a new one. `capture` is what outcomes are read
 * against at this moment (the capture is still being read). */
void tcpconn_connects_begin(tcpconn_connects *t, const tcpconn_attempt_begins *b,
                            const tcpconn_attempt_finder *finder, const tcpconn_capture *capture);

/* The connect an attempt belongs to. */
typedef struct {
    uint32_t id;       /* the tcp.stream of its first attempt */
    unsigned position; /* 1 for its first attempt, 2 for the first fallback... */
    unsigned count;    /* attempts */
    bool guessed;      /* linked by port and time alone: the capture had no name */
    tcpconn_attempt_ref members[TCPCONN_CONNECT_MAX_ATTEMPTS];
    uint8_t servers[TCPCONN_CONNECT_MAX_ATTEMPTS][TCPCONN_ENDPOINT_LEN];
} tcpconn_connect;

/* Fills in the connect of attempt `ref`, whose server is `server`: a
 * connect of its own unless other attempts joined it. */
void tcpconn_connects_of(const tcpconn_connects *t, tcpconn_attempt_ref ref,
                         const uint8_t server[TCPCONN_ENDPOINT_LEN], tcpconn_connect *c);

/* How a connect ended, read from its attempts' outcomes. */
typedef enum {
    TCPCONN_CONNECT_UNDECIDED = 0, /* an attempt is still open, or its end was not seen */
    TCPCONN_CONNECT_CONNECTED,     /* the first attempt connected */
    TCPCONN_CONNECT_FELL_BACK,     /* connected, through a later attempt */
    TCPCONN_CONNECT_FAILED,        /* every attempt failed */
    TCPCONN_CONNECT_RESULT_COUNT
} tcpconn_connect_result;

typedef struct {
    tcpconn_connect_result result;
    bool provisional;   /* an attempt's outcome may still change (one pass) */
    unsigned winner;    /* position of the attempt that connected first, 0: none */
    unsigned failed;    /* attempts that failed */
    unsigned no_answer; /* ...of which got no answer */
    unsigned refused;   /* ...were refused */
    unsigned icmp;      /* ...were turned away by ICMP */
    int64_t lost_ns;    /* from the first attempt to the winner's first SYN */
    int64_t connect_ns; /* from the first attempt to the winner's handshake */
    tcpconn_reason reasons[TCPCONN_CONNECT_MAX_ATTEMPTS]; /* each attempt's outcome */
    unsigned decided_by;    /* position of the attempt whose outcome decided the connect: the
                               winner, else the one decided last */
    uint32_t decided_frame; /* that attempt's deciding frame */
} tcpconn_connect_outcome;

tcpconn_connect_outcome tcpconn_connect_outcome_of(const tcpconn_connect *c,
                                                   const tcpconn_attempt_finder *finder,
                                                   const tcpconn_capture *capture);

/* A member other than the winner of a connect that connected: the
 * fallback made its outcome irrelevant to the application. */
bool tcpconn_connect_superseded(const tcpconn_connect_outcome *o, unsigned position);

const char *tcpconn_connect_result_name(tcpconn_connect_result r);

/* Connects of more than one attempt, and bytes of memory used. */
size_t tcpconn_connects_count(const tcpconn_connects *t);
size_t tcpconn_connects_bytes(const tcpconn_connects *t);

#endif /* TCPCONN_CONNECTS_H */
