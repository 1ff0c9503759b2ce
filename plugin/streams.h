/* streams.h - connection attempts indexed by tcp.stream.
 *
 * Plain C: the caller provides the memory functions (allocator.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_STREAMS_H
#define TCPCONN_STREAMS_H

#include <stddef.h>

#include "allocator.h"
#include "attempt.h"
#include "outcome.h"
#include "zeek.h"

/* A tcp.stream very rarely holds more than one attempt (Wireshark usually
 * opens a new stream when ports are reused). A hostile capture could make
 * thousands on one stream, so past this many the last attempt absorbs the
 * rest, which keeps every lookup short. */
#define TCPCONN_MAX_ATTEMPTS_PER_STREAM 64

typedef struct tcpconn_streams tcpconn_streams;

typedef struct {
    bool zeek;                     /* also keep Zeek's view per attempt (zeek.h) */
    int64_t capture_end_window_ns; /* see tcpconn_capture.end_window_ns */
} tcpconn_streams_options;

tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc,
                                     const tcpconn_streams_options *options);
void tcpconn_streams_free(tcpconn_streams *t);

/* Where a packet's attempt lives. The attempt pointer stays valid until the
 * next call that feeds the table. */
typedef struct {
    const tcpconn_attempt *attempt; /* NULL when there is none */
    uint32_t stream;                /* the tcp.stream of the attempt's first packet */
    unsigned number;                /* 1 for the stream's first attempt, 2 for the next... */
    bool several;                   /* the stream holds more than one attempt */
    unsigned now;                   /* what feeding the packet changed (TCPCONN_NOW_*) */
} tcpconn_place;

/* Every frame of the capture, in order, whatever its protocol: the last
 * one's time is the end of the capture. */
void tcpconn_streams_frame_seen(tcpconn_streams *t, int64_t time_ns);

/* Feeds a segment of `stream` (its src_endpoint and dst_endpoint must be
 * set). A SYN that Wireshark put in a new stream although it retries an
 * attempt on the same ports (same ISN, after a RST) joins that attempt. */
tcpconn_place tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream,
                                      const tcpconn_segment *s);

/* Feeds a segment of `stream` with these flags when that needs nothing
 * more (tcpconn_attempt_plain_segment): then sets *place as
 * tcpconn_streams_segment() would and returns true. Returns false, having
 * changed nothing, when the whole segment must be fed. Never with the Zeek
 * view, which counts every segment. */
bool tcpconn_streams_plain_segment(tcpconn_streams *t, uint32_t stream, uint16_t flags,
                                   int64_t time_ns, tcpconn_place *place);

/* Feeds an ICMP error quoting a segment of `stream`: to the attempt whose
 * SYN it quotes, if any. */
tcpconn_place tcpconn_streams_icmp(tcpconn_streams *t, uint32_t stream,
                                   const tcpconn_icmp_error *e);

/* The attempt frame `frame` of `stream` belongs to: the latest one that had
 * started by then. */
tcpconn_place tcpconn_streams_attempt_at(const tcpconn_streams *t, uint32_t stream, uint32_t frame);

/* The attempt whose SYN an ICMP error quotes (attempt NULL if none). */
tcpconn_place tcpconn_streams_quoted_attempt(const tcpconn_streams *t, uint32_t stream,
                                             const tcpconn_icmp_error *e);

/* The Zeek view of attempt `a` (from this table), or NULL when the table
 * keeps none. */
const tcpconn_zeek *tcpconn_streams_zeek(const tcpconn_streams *t, const tcpconn_attempt *a);

/* The whole capture has been read: undecided attempts take their
 * end-of-capture outcome, and concurrency is recounted with every attempt's
 * real end. */
void tcpconn_streams_finish(tcpconn_streams *t);

/* What outcomes are read against (outcome.h). */
const tcpconn_capture *tcpconn_streams_capture(const tcpconn_streams *t);

/* Attempts tracked, and bytes of memory the table uses: what the tests
 * check the growth of. */
size_t tcpconn_streams_attempts(const tcpconn_streams *t);
size_t tcpconn_streams_bytes(const tcpconn_streams *t);

#ifdef TCPCONN_STREAMS_STEPS
/* Built for the fuzz targets only: attempts visited and hash slots probed
 * so far, to bound the work per packet. */
size_t tcpconn_streams_steps(const tcpconn_streams *t);
#endif

#endif /* TCPCONN_STREAMS_H */
