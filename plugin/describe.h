/* describe.h - an attempt's outcome in words: the sentence that sums it
 * up, the expert item's text, ICMP code names and durations.
 *
 * Plain C, like outcome.h, which decides what the words say.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_DESCRIBE_H
#define TCPCONN_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

/* "35 µs", "0.41 ms", "3.02 s". */
#define TCPCONN_DURATION_LEN 24
const char *tcpconn_format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us);

/* The one sentence that sums the attempt up, e.g. "TCP connection refused:
 * 198.51.100.20:8080 answered the SYN with RST after 0.40 ms (1 SYN)".
 * `server` is the responder as text; `icmpv6` picks the ICMP code names. */
void tcpconn_describe(const tcpconn_attempt *a, const tcpconn_outcome *o, const tcpconn_capture *c,
                      const char *server, bool icmpv6, char *buf, size_t len);

/* Everything tcpconn_describe() reads of the attempt, its outcome and the
 * capture: two equal keys (compared with memcmp) give the same sentence for
 * the same server. What a segment that only extends a settled attempt
 * changes (its end, the capture's end) is left out unless the sentence
 * tells it, so that a sentence can be kept while an attempt is read. */
typedef struct {
    tcpconn_attempt attempt; /* end_ms 0 unless the outcome's capture_stopped */
    tcpconn_reason reason;
    bool provisional;
    bool capture_stopped;
    tcpconn_side ended_by;
    int64_t capture_end_ns; /* 0 unless capture_stopped */
    int64_t end_window_ns;
} tcpconn_describe_key;

/* Fills in `key` (padding included, for memcmp). */
void tcpconn_describe_key_of(const tcpconn_attempt *a, const tcpconn_outcome *o,
                             const tcpconn_capture *c, tcpconn_describe_key *key);

/* The expert item's text when it says more than its summary (the retry
 * counts); false when the summary is all. */
bool tcpconn_expert_text(const tcpconn_attempt *a, const tcpconn_outcome *o, char *buf, size_t len);

#endif /* TCPCONN_DESCRIBE_H */
