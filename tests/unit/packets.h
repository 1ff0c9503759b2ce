/* packets.h - byte arrays of IPv4, IPv6, TCP and ICMP headers for the unit
 * tests of the header readers and the locator.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_TEST_PACKETS_H
#define TCPCONN_TEST_PACKETS_H

#include <glib.h>
#include <string.h>

#include "headers.h"

/* A packet under construction. */
typedef struct {
    uint8_t data[512];
    size_t len;
} packet;

static inline void put(packet *p, const void *bytes, size_t len)
{
    if (len == 0)
        return;
    g_assert_cmpuint(p->len + len, <=, sizeof p->data);
    memcpy(p->data + p->len, bytes, len);
    p->len += len;
}

static inline void put16(packet *p, size_t at, uint16_t v)
{
    p->data[at] = (uint8_t)(v >> 8);
    p->data[at + 1] = (uint8_t)v;
}

static const uint8_t CLIENT4[4] = { 192, 0, 2, 10 };
static const uint8_t SERVER4[4] = { 198, 51, 100, 20 };
static const uint8_t ROUTER4[4] = { 203, 0, 113, 1 };
static const uint8_t CLIENT6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t SERVER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20 };
static const uint8_t ROUTER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 0x01 };
static const uint8_t HOME6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 0x77 };

#define CLIENT_PORT 40001
#define SERVER_PORT 443

/* A 20-byte TCP header from `src_port` to `dst_port` with `payload` bytes
 * after it. */
static inline void put_tcp_ports(packet *p, uint16_t src_port, uint16_t dst_port, uint16_t flags,
                                 uint32_t seq, size_t payload)
{
    uint8_t h[20] = { (uint8_t)(src_port >> 8), (uint8_t)src_port, (uint8_t)(dst_port >> 8),
                      (uint8_t)dst_port };
    h[4] = (uint8_t)(seq >> 24);
    h[5] = (uint8_t)(seq >> 16);
    h[6] = (uint8_t)(seq >> 8);
    h[7] = (uint8_t)seq;
    h[8] = 0, h[11] = 7; /* ack 7 */
    h[12] = 0x50 | (uint8_t)(flags >> 8 & 0x0f);
    h[13] = (uint8_t)flags;
    h[14] = 0xfa, h[15] = 0xf0; /* window 64240 */
    put(p, h, sizeof h);
    for (size_t i = 0; i < payload; i++)
        put(p, "x", 1);
}

/* The same from the client's port 40001 to the server's 443. */
static inline void put_tcp(packet *p, uint16_t flags, uint32_t seq, size_t payload)
{
    put_tcp_ports(p, CLIENT_PORT, SERVER_PORT, flags, seq, payload);
}

/* An IPv4 header with `options` (a multiple of 4 bytes); its length fields
 * are fixed up by ipv4_done(). */
static inline size_t put_ipv4(packet *p, uint8_t protocol, const uint8_t *src, const uint8_t *dst,
                              const uint8_t *options, size_t options_len)
{
    size_t at = p->len;
    uint8_t h[20] = {
        (uint8_t)(0x40 | (20 + options_len) / 4), 0, 0, 0, 0, 1, 0x40, 0, 64, protocol
    };
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    put(p, h, sizeof h);
    put(p, options, options_len);
    return at;
}

static inline void ipv4_done(packet *p, size_t at)
{
    put16(p, at + 2, (uint16_t)(p->len - at));
}

static inline size_t put_ipv6(packet *p, uint8_t next, const uint8_t *src, const uint8_t *dst)
{
    size_t at = p->len;
    uint8_t h[40] = { 0x60, 0, 0, 0, 0, 0, next, 64 };
    memcpy(h + 8, src, 16);
    memcpy(h + 24, dst, 16);
    put(p, h, sizeof h);
    return at;
}

static inline void ipv6_done(packet *p, size_t at)
{
    put16(p, at + 4, (uint16_t)(p->len - at - 40));
}

static inline tcpconn_bytes bytes_of(const packet *p)
{
    tcpconn_bytes b = { p->data, p->len, p->len };
    return b;
}

#define SYN 0x002
#define ACK 0x010

/* An IPv4 datagram from client to server carrying one TCP segment. */
static inline packet ipv4_segment(uint16_t flags, uint32_t seq, size_t payload)
{
    packet p = { .len = 0 };
    size_t ip_at = put_ipv4(&p, 6, CLIENT4, SERVER4, NULL, 0);
    put_tcp(&p, flags, seq, payload);
    ipv4_done(&p, ip_at);
    return p;
}

static inline uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Fills in a correct TCP checksum over the pseudo-header given. */
static inline void set_tcp_checksum(packet *p, size_t tcp_at, const uint8_t *src,
                                    const uint8_t *dst, size_t alen)
{
    uint32_t sum = 0;
    put16(p, tcp_at + 16, 0);
    for (size_t i = 0; i < alen; i += 2)
        sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
    size_t len = p->len - tcp_at;
    sum += 6 + (uint32_t)len;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)(p->data[tcp_at + i] << 8 | (i + 1 < len ? p->data[tcp_at + i + 1] : 0));
    put16(p, tcp_at + 16, (uint16_t)~fold(sum));
}

/* Fills in a correct header checksum of the IPv4 header at `at`. */
static inline void set_ipv4_checksum(packet *p, size_t at)
{
    size_t header_len = (p->data[at] & 0x0fu) * 4u;
    uint32_t sum = 0;
    put16(p, at + 10, 0);
    for (size_t i = 0; i < header_len; i += 2)
        sum += (uint32_t)(p->data[at + i] << 8 | p->data[at + i + 1]);
    put16(p, at + 10, (uint16_t)~fold(sum));
}

/* An ICMP error from a router quoting `quote_tcp_bytes` of the client's SYN. */
static inline packet icmp4_error(uint8_t type, uint8_t code, size_t quote_tcp_bytes)
{
    packet syn = { .len = 0 };
    size_t at = put_ipv4(&syn, 6, CLIENT4, SERVER4, NULL, 0);
    put_tcp(&syn, SYN, 0x11223344, 0);
    ipv4_done(&syn, at);

    packet p = { .len = 0 };
    at = put_ipv4(&p, 1, ROUTER4, CLIENT4, NULL, 0);
    uint8_t icmp[8] = { type, code };
    put(&p, icmp, sizeof icmp);
    put(&p, syn.data, 20 + quote_tcp_bytes);
    ipv4_done(&p, at);
    return p;
}

#endif /* TCPCONN_TEST_PACKETS_H */
