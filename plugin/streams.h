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
#include "servers.h"
#include "zeek.h"

/* A tcp.stream very rarely holds more than one attempt (Wireshark usually
 * opens a new stream when ports are reused). A hostile capture could make
 * thousands on one stream, so past this many the last attempt absorbs the
 * rest, which keeps every lookup short. */
#define TCPCONN_MAX_ATTEMPTS_PER_STREAM 64

typedef struct tcpconn_streams tcpconn_streams;

/* `zeek`: also keep Zeek's conn_state and history per attempt (zeek.h),
 * which costs sizeof(tcpconn_zeek) more per attempt. */
tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc, bool zeek);
void tcpconn_streams_free(tcpconn_streams *t);

/* Feeds a segment of `stream` (its src_endpoint and dst_endpoint must be
 * set). Returns the attempt it belongs to, which stays valid until the next
 * call that feeds the table. *started is set when the segment began a new
 * attempt. */
tcpconn_attempt *tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream,
                                         const tcpconn_segment *s, bool *started);

/* Feeds an ICMP error quoting a segment of `stream`. Returns the attempt whose
 * SYN it quotes (NULL if none); *decided is set when it decided the outcome. */
tcpconn_attempt *tcpconn_streams_icmp(tcpconn_streams *t, uint32_t stream, const tcpconn_icmp *e,
                                      bool *decided);

/* The attempt of `stream` that frame `frame` belongs to: the latest one that
 * had started by then. NULL if the stream has none. */
const tcpconn_attempt *tcpconn_streams_attempt_at(const tcpconn_streams *t, uint32_t stream,
                                                  uint32_t frame, unsigned *attempt_number);

/* The attempt of `stream` whose outcome an ICMP error in frame `frame`
 * decided, or else the one covering that frame. */
const tcpconn_attempt *tcpconn_streams_attempt_for_icmp(const tcpconn_streams *t, uint32_t stream,
                                                        const tcpconn_icmp *e,
                                                        unsigned *attempt_number);

/* The Zeek view of attempt `a` (from this table), or NULL when the table
 * keeps none. */
const tcpconn_zeek *tcpconn_streams_zeek(const tcpconn_streams *t, const tcpconn_attempt *a);

/* The whole capture has been read: undecided attempts take their
 * end-of-capture outcome, and concurrency is recounted with every attempt's
 * real end. */
void tcpconn_streams_finish(tcpconn_streams *t);
bool tcpconn_streams_complete(const tcpconn_streams *t);

/* Attempts tracked, and bytes of memory they use (for the benchmark). */
size_t tcpconn_streams_attempts(const tcpconn_streams *t);
size_t tcpconn_streams_bytes(const tcpconn_streams *t);

#endif /* TCPCONN_STREAMS_H */
