/* dns.h - the addresses a DNS response gives for the name that was asked.
 *
 * Plain C on the bytes of one DNS message (a UDP payload), so every bound
 * is unit-tested and fuzzed. Nothing here trusts a count or a length: the
 * reader stops at the first record that does not fit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_DNS_H
#define TCPCONN_DNS_H

#include <stddef.h>
#include <stdint.h>

/* A name in text form, without the trailing dot, in lower case: at most 253
 * characters. A byte that is not a printable character shows as '?'. */
#define TCPCONN_DNS_NAME_MAX 254

/* Called for each address found: `name` is the name asked, NUL-terminated. */
typedef void (*tcpconn_dns_address_fn)(void *context, const char *name, const uint8_t *address,
                                       uint8_t address_len);

/* Reads a DNS response without error (RCODE 0) and calls `found` for every
 * A (4-byte) and AAAA (16-byte) record of the answer section that answers
 * the name asked in its first question: directly, or at the end of a chain
 * of CNAME records that starts there. Returns how many it found; 0 for a
 * query, an error, or bytes that are not a DNS message. */
unsigned tcpconn_dns_read_response(const uint8_t *message, size_t len, tcpconn_dns_address_fn found,
                                   void *context);

#endif /* TCPCONN_DNS_H */
