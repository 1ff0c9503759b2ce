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

#include "connects.h"
#include "outcome.h"

/* "35 µs", "0.41 ms", "3.02 s". */
#define TCPCONN_DURATION_LEN 24
const char *tcpconn_format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us);

/* The one sentence that sums the attempt up, e.g. "TCP connection refused:
 * 198.51.100.20:8080 answered the SYN with RST after 0.40 ms (1 SYN)".
 * `server` is the responder as text; `icmpv6` picks the ICMP code names. */
void tcpconn_describe(const tcpconn_attempt *a, const tcpconn_outcome *o, const tcpconn_capture *c,
                      const char *server, bool icmpv6, char *buf, size_t len);

/* The expert item's text when it says more than its summary (the retry
 * counts); false when the summary is all. */
bool tcpconn_expert_text(const tcpconn_attempt *a, const tcpconn_outcome *o, char *buf, size_t len);

/* The address of an endpoint key (segment.h) as text: "192.0.2.10",
 * "2001:db8::10". */
#define TCPCONN_ADDRESS_LEN 46
const char *tcpconn_format_address(char buf[TCPCONN_ADDRESS_LEN],
                                   const uint8_t endpoint[TCPCONN_ENDPOINT_LEN]);

/* The sentence that sums up the connect of the attempt at `position`, e.g.
 * "IPv6 attempt to 2001:db8::10 got no answer; the client connected over
 * IPv4 to 192.0.2.10 250.12 ms after its first SYN (Happy Eyeballs)".
 * `name` is the server's name, or NULL. */
void tcpconn_describe_connect(const tcpconn_connect *c, const tcpconn_connect_outcome *o,
                              unsigned position, const char *name, char *buf, size_t len);

#endif /* TCPCONN_DESCRIBE_H */
