/* Unit tests for the header readers (plugin/headers.c): well-formed,
 * truncated and hostile byte arrays.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "headers.h"
#include "packets.h"

static void test_ipv4_segment(void)
{
    packet p = ipv4_segment(SYN, 1000, 5);
    tcpconn_bytes b = bytes_of(&p);

    tcpconn_ip ip;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.version, ==, 4);
    g_assert_cmpuint(ip.protocol, ==, 6);
    g_assert_cmpmem(ip.src, 4, CLIENT4, 4);
    g_assert_cmpmem(ip.dst, 4, SERVER4, 4);
    g_assert_cmpuint(ip.payload, ==, 20);
    g_assert_cmpuint(ip.end, ==, p.len);
    g_assert_false(ip.later_fragment);

    tcpconn_tcp tcp;
    g_assert_true(tcpconn_read_tcp(&b, ip.payload, ip.end, &tcp));
    g_assert_cmpuint(tcp.src_port, ==, 40001);
    g_assert_cmpuint(tcp.dst_port, ==, 443);
    g_assert_cmpuint(tcp.seq, ==, 1000);
    g_assert_cmpuint(tcp.ack, ==, 7);
    g_assert_cmpuint(tcp.flags, ==, SYN);
    g_assert_cmpuint(tcp.window, ==, 64240);
    g_assert_cmpuint(tcp.payload_len, ==, 5);
    g_assert_false(tcp.header_cut_off);
    g_assert_false(tcp.payload_cut_off);
}

/* Ethernet pads short frames: the IP length, not the frame, ends it. */
static void test_ipv4_padding_and_tso(void)
{
    packet p = ipv4_segment(ACK, 1, 0);
    put(&p, "\0\0\0\0\0\0", 6);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    tcpconn_tcp tcp;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.end, ==, 40);
    g_assert_true(tcpconn_read_tcp(&b, ip.payload, ip.end, &tcp));
    g_assert_cmpuint(tcp.payload_len, ==, 0);

    /* TSO leaves a zero length: the frame decides. */
    put16(&p, 2, 0);
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.end, ==, p.len);
}

static void test_ipv4_rejects_bad_headers(void)
{
    packet p = ipv4_segment(SYN, 1, 0);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;

    p.data[0] = 0x44; /* header length 16 */
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    p.data[0] = 0x4f; /* 60 bytes, more than the 40 there */
    b.captured = 30;
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    b.captured = p.len;
    p.data[0] = 0x45;
    put16(&p, 2, 12); /* total length shorter than the header */
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    put16(&p, 2, 400); /* longer than the frame was on the wire */
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    /* ...which is normal for a quote, which holds only the start. */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_QUOTED, &ip));
    g_assert_cmpuint(ip.end, ==, 400);
    p.data[0] = 0x55; /* version 5 */
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_QUOTED, &ip));
    b.captured = 19;
    p.data[0] = 0x45;
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_QUOTED, &ip));
    g_assert_false(tcpconn_read_ip(&b, 400, TCPCONN_IP_QUOTED, &ip)); /* past the end */
}

static void test_ipv4_later_fragment(void)
{
    packet p = { .len = 0 };
    size_t ip_at = put_ipv4(&p, 6, CLIENT4, SERVER4, NULL, 0);
    put(&p, "fragment", 8);
    ipv4_done(&p, ip_at);
    put16(&p, 6, 0x00b9); /* offset 185 * 8 */
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_true(ip.later_fragment);
}

/* A loose or strict source route names the final destination last. */
static void test_ipv4_source_route(void)
{
    /* NOP, then a loose source route of two addresses (router, server)
     * with the pointer at the first: 20 NOP, 21 type, 22 length, 23 pointer. */
    uint8_t options[12] = { 1, 131, 11, 4 };
    memcpy(options + 4, ROUTER4, 4);
    memcpy(options + 8, SERVER4, 4);
    packet p = { .len = 0 };
    const uint8_t first_hop[4] = { 192, 0, 2, 1 };
    size_t ip_at = put_ipv4(&p, 6, CLIENT4, first_hop, options, sizeof options);
    put_tcp(&p, SYN, 1, 0);
    ipv4_done(&p, ip_at);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;

    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, SERVER4, 4);
    g_assert_cmpmem(ip.src, 4, CLIENT4, 4);
    g_assert_cmpuint(ip.payload, ==, 32);

    p.data[21] = 137; /* strict: the same */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, SERVER4, 4);

    p.data[23] = 12; /* pointer past the route: it is used up */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, first_hop, 4);
    p.data[23] = 6; /* not a multiple of 4: malformed, ignored */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, first_hop, 4);

    p.data[23] = 4;
    p.data[22] = 40; /* option runs past the header: ignored, header still read */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, first_hop, 4);
    p.data[22] = 1; /* shorter than its own type and length */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, first_hop, 4);
    p.data[22] = 11;
    p.data[20] = 0; /* END before the route: no more options */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, first_hop, 4);
}

static void test_ipv6_segment(void)
{
    packet p = { .len = 0 };
    size_t ip_at = put_ipv6(&p, 6, CLIENT6, SERVER6);
    put_tcp(&p, SYN, 77, 3);
    ipv6_done(&p, ip_at);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    tcpconn_tcp tcp;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.version, ==, 6);
    g_assert_cmpuint(ip.address_len, ==, 16);
    g_assert_cmpmem(ip.src, 16, CLIENT6, 16);
    g_assert_cmpmem(ip.dst, 16, SERVER6, 16);
    g_assert_cmpuint(ip.payload, ==, 40);
    g_assert_true(tcpconn_read_tcp(&b, ip.payload, ip.end, &tcp));
    g_assert_cmpuint(tcp.payload_len, ==, 3);

    put16(&p, 4, 500); /* longer than the frame */
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
}

/* Destination options with a Home Address option, then a type 0 routing
 * header, then TCP: the transport sees home address -> final destination. */
static void test_ipv6_home_address_and_routing(void)
{
    packet p = { .len = 0 };
    size_t ip_at = put_ipv6(&p, 60, HOME6 /* overwritten below */, ROUTER6);
    memcpy(p.data + 8, CLIENT6, 16);
    /* destination options, 24 bytes: PadN(2), Home Address (18), Pad1 x2... */
    uint8_t dest[24] = { 43, 2, 1, 0, 201, 16 };
    memcpy(dest + 6, HOME6, 16);
    put(&p, dest, sizeof dest);
    /* routing type 0, two addresses, 2 segments left: router then server */
    uint8_t routing[8] = { 6, 4, 0, 2 };
    put(&p, routing, sizeof routing);
    put(&p, ROUTER6, 16);
    put(&p, SERVER6, 16);
    put_tcp(&p, SYN, 1, 0);
    ipv6_done(&p, ip_at);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;

    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.protocol, ==, 6);
    g_assert_cmpuint(ip.payload, ==, 40 + 24 + 8 + 32);
    g_assert_cmpmem(ip.src, 16, HOME6, 16);
    g_assert_cmpmem(ip.dst, 16, SERVER6, 16);

    /* No segments left: the header's destination is the final one. */
    p.data[40 + 24 + 3] = 0;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 16, ROUTER6, 16);

    /* Type 2 (Mobile IPv6) and segment routing name it first. */
    p.data[40 + 24 + 3] = 1;
    p.data[40 + 24 + 2] = 2;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 16, ROUTER6, 16);
    p.data[40 + 24 + 2] = 3; /* RPL: compressed, left alone */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 16, ROUTER6, 16);

    /* A Home Address option with the wrong length is not one. */
    p.data[40 + 5] = 15;
    p.data[40 + 5 + 1 + 15] = 1; /* keep the list well-formed: ...then Pad1 */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.src, 16, CLIENT6, 16);

    /* Cut off inside the routing header: no transport header to find. */
    b.captured = 40 + 24 + 20;
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_QUOTED, &ip));
}

static void test_ipv6_fragments_and_hostile_chains(void)
{
    packet p = { .len = 0 };
    size_t ip_at = put_ipv6(&p, 44, CLIENT6, SERVER6);
    uint8_t fragment[8] = { 6, 0, 0x05, 0x00, 0, 0, 0, 1 }; /* offset 160 */
    put(&p, fragment, sizeof fragment);
    put(&p, "payload", 7);
    ipv6_done(&p, ip_at);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_true(ip.later_fragment);
    g_assert_cmpuint(ip.protocol, ==, 6);

    /* The first fragment carries the TCP header. */
    p.data[42] = 0, p.data[43] = 1; /* offset 0, more fragments */
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_false(ip.later_fragment);
    g_assert_cmpuint(ip.payload, ==, 48);

    /* Authentication header: length in 4-byte units, plus 2. */
    packet a = { .len = 0 };
    ip_at = put_ipv6(&a, 51, CLIENT6, SERVER6);
    uint8_t ah[16] = { 6, 2 };
    put(&a, ah, sizeof ah);
    put_tcp(&a, SYN, 1, 0);
    ipv6_done(&a, ip_at);
    b = bytes_of(&a);
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpuint(ip.payload, ==, 56);

    /* Endless destination options: given up after a bounded walk. */
    packet h = { .len = 0 };
    ip_at = put_ipv6(&h, 60, CLIENT6, SERVER6);
    for (int i = 0; i < 40; i++) {
        uint8_t opts[8] = { 60, 0, 1, 4 };
        put(&h, opts, sizeof opts);
    }
    ipv6_done(&h, ip_at);
    b = bytes_of(&h);
    g_assert_false(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
}

static void test_tcp_bounds(void)
{
    packet p = ipv4_segment(SYN | ACK, 9, 100);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_tcp tcp;

    b.captured = 20 + 15; /* flags there, window not */
    g_assert_true(tcpconn_read_tcp(&b, 20, p.len, &tcp));
    g_assert_cmpuint(tcp.window, ==, UINT16_MAX);
    g_assert_true(tcp.header_cut_off);
    g_assert_true(tcp.payload_cut_off);
    g_assert_cmpuint(tcp.payload_len, ==, 100);
    b.captured = 20 + 13; /* flags not there */
    g_assert_false(tcpconn_read_tcp(&b, 20, p.len, &tcp));
    b.captured = p.len;
    p.data[32] = 0x40; /* data offset 4: not a TCP header */
    g_assert_false(tcpconn_read_tcp(&b, 20, p.len, &tcp));
    p.data[32] = 0xf0; /* 60 bytes: longer than the segment, so no payload */
    g_assert_true(tcpconn_read_tcp(&b, 20, 60, &tcp));
    g_assert_cmpuint(tcp.payload_len, ==, 0);
    g_assert_false(tcpconn_read_tcp(&b, p.len - 5, p.len, &tcp));
}

static void test_checksums(void)
{
    uint8_t options[8] = { 131, 7, 4, 198, 51, 100, 20, 0 };
    packet p = { .len = 0 };
    size_t ip_at = put_ipv4(&p, 6, CLIENT4, ROUTER4, options, sizeof options);
    put_tcp(&p, SYN, 1, 3);
    ipv4_done(&p, ip_at);
    /* The pseudo-header holds the final destination (RFC 791). */
    set_tcp_checksum(&p, 28, CLIENT4, SERVER4, 4);
    set_ipv4_checksum(&p, 0);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_cmpmem(ip.dst, 4, SERVER4, 4);
    g_assert_false(tcpconn_ipv4_checksum_bad(&b, &ip));
    g_assert_false(tcpconn_tcp_checksum_bad(&b, &ip));

    p.data[p.len - 1] ^= 1;
    g_assert_true(tcpconn_tcp_checksum_bad(&b, &ip));
    b.captured = p.len - 1; /* cannot be checked: not called bad */
    g_assert_false(tcpconn_tcp_checksum_bad(&b, &ip));
    p.data[8] ^= 1; /* TTL */
    g_assert_true(tcpconn_ipv4_checksum_bad(&b, &ip));

    packet v6 = { .len = 0 };
    ip_at = put_ipv6(&v6, 6, CLIENT6, SERVER6);
    put_tcp(&v6, SYN, 1, 1);
    ipv6_done(&v6, ip_at);
    set_tcp_checksum(&v6, 40, CLIENT6, SERVER6, 16);
    b = bytes_of(&v6);
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_false(tcpconn_ipv4_checksum_bad(&b, &ip)); /* IPv6 has none */
    g_assert_false(tcpconn_tcp_checksum_bad(&b, &ip));
    v6.data[50] ^= 0x80;
    g_assert_true(tcpconn_tcp_checksum_bad(&b, &ip));
}

/* Whether the packet's IP datagram (which must read) is an ICMP error
 * quoting TCP. */
static bool icmp_error_quote(const packet *p, tcpconn_icmp_quote *q)
{
    tcpconn_bytes b = bytes_of(p);
    tcpconn_ip ip;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    return tcpconn_read_icmp_error(&b, &ip, q);
}

static void test_icmp_quotes(void)
{
    tcpconn_icmp_quote q;
    packet p = icmp4_error(3, 13, 20);
    g_assert_true(icmp_error_quote(&p, &q));
    g_assert_true(q.unreachable);
    g_assert_cmpuint(q.code, ==, 13);
    g_assert_cmpmem(q.quoted_ip.src, 4, CLIENT4, 4);
    g_assert_cmpmem(q.quoted_ip.dst, 4, SERVER4, 4);
    g_assert_cmpuint(q.src_port, ==, 40001);
    g_assert_cmpuint(q.dst_port, ==, 443);
    g_assert_cmpuint(q.seq, ==, 0x11223344);

    /* RFC 792's 8 bytes are enough; 7 are not. */
    p = icmp4_error(11, 0, 8);
    g_assert_true(icmp_error_quote(&p, &q));
    g_assert_false(q.unreachable);
    p = icmp4_error(3, 3, 7);
    g_assert_false(icmp_error_quote(&p, &q));

    /* An echo request is not an error; a quote of UDP is not ours... */
    p = icmp4_error(8, 0, 20);
    g_assert_false(icmp_error_quote(&p, &q));
    p = icmp4_error(3, 3, 20);
    p.data[28 + 9] = 17;
    g_assert_false(icmp_error_quote(&p, &q));
    /* ...nor a quoted later fragment, nor an IPv6 datagram in ICMP. */
    p = icmp4_error(3, 3, 20);
    put16(&p, 28 + 6, 0x0010);
    g_assert_false(icmp_error_quote(&p, &q));
    p = icmp4_error(3, 3, 20);
    p.data[28] = 0x65;
    g_assert_false(icmp_error_quote(&p, &q));
    /* A TCP segment is not an ICMP error. */
    p = icmp4_error(3, 3, 20);
    p.data[9] = 6;
    g_assert_false(icmp_error_quote(&p, &q));
}

static void test_icmpv6_quote(void)
{
    packet syn = { .len = 0 };
    size_t at = put_ipv6(&syn, 6, CLIENT6, SERVER6);
    put_tcp(&syn, SYN, 5, 0);
    ipv6_done(&syn, at);

    packet p = { .len = 0 };
    at = put_ipv6(&p, 58, ROUTER6, CLIENT6);
    uint8_t icmp[8] = { 1, 4 };
    put(&p, icmp, sizeof icmp);
    put(&p, syn.data, syn.len);
    ipv6_done(&p, at);
    tcpconn_bytes b = bytes_of(&p);
    tcpconn_ip ip;
    tcpconn_icmp_quote q;
    g_assert_true(tcpconn_read_ip(&b, 0, TCPCONN_IP_IN_FRAME, &ip));
    g_assert_true(tcpconn_read_icmp_error(&b, &ip, &q));
    g_assert_true(q.unreachable);
    g_assert_cmpuint(q.code, ==, 4);
    g_assert_cmpmem(q.quoted_ip.dst, 16, SERVER6, 16);
    g_assert_cmpuint(q.seq, ==, 5);

    p.data[40] = 2; /* packet too big: an error, not unreachable */
    g_assert_true(tcpconn_read_icmp_error(&b, &ip, &q));
    g_assert_false(q.unreachable);
    p.data[40] = 128; /* echo request */
    g_assert_false(tcpconn_read_icmp_error(&b, &ip, &q));
}

/* Random bytes, and every truncation of real headers: the readers may say
 * no, but never read past what they were given (the sanitizer build of
 * this test checks that). */
static void test_hostile_bytes(void)
{
    GRand *rand = g_rand_new_with_seed(20261130);
    packet samples[3] = { icmp4_error(3, 3, 20), { .len = 0 }, { .len = 0 } };
    size_t at = put_ipv6(&samples[1], 60, CLIENT6, SERVER6);
    uint8_t dest[8] = { 43, 0, 201, 4 };
    put(&samples[1], dest, sizeof dest);
    uint8_t routing[8] = { 6, 2, 0, 1 };
    put(&samples[1], routing, sizeof routing);
    put(&samples[1], SERVER6, 16);
    put_tcp(&samples[1], SYN, 1, 4);
    ipv6_done(&samples[1], at);
    uint8_t options[8] = { 137, 7, 4, 198, 51, 100, 20, 0 };
    at = put_ipv4(&samples[2], 6, CLIENT4, ROUTER4, options, sizeof options);
    put_tcp(&samples[2], SYN, 1, 4);
    ipv4_done(&samples[2], at);

    /* What the readers accepted: the checks below run only on those, so
     * each reader must have said yes often enough to be tested at all. */
    unsigned ips = 0, tcps = 0, icmps = 0;
    for (int round = 0; round < 200000; round++) {
        packet p;
        if (round % 2) {
            p = samples[round % 3];
            p.data[g_rand_int_range(rand, 0, (gint32)p.len)] = (uint8_t)g_rand_int(rand);
        } else {
            p.len = (size_t)g_rand_int_range(rand, 0, 128);
            for (size_t i = 0; i < p.len; i++)
                p.data[i] = (uint8_t)g_rand_int(rand);
            if (p.len > 0)
                p.data[0] = (uint8_t)(round % 4 ? 0x45 : 0x60);
        }
        /* Only the first `captured` bytes are real: the rest is poisoned
         * by copying into an exact-size heap block. */
        size_t captured = (size_t)g_rand_int_range(rand, 0, (gint32)p.len + 1);
        uint8_t *exact = g_memdup2(p.data, captured ? captured : 1);
        tcpconn_bytes b = { exact, captured, p.len };
        tcpconn_ip ip;
        tcpconn_tcp tcp;
        tcpconn_icmp_quote q;
        for (size_t offset = 0; offset < 4; offset++) {
            if (!tcpconn_read_ip(&b, offset, offset % 2 ? TCPCONN_IP_QUOTED : TCPCONN_IP_IN_FRAME,
                                 &ip))
                continue;
            ips++;
            g_assert_cmpuint(ip.payload, <=, captured);
            (void)tcpconn_ipv4_checksum_bad(&b, &ip);
            (void)tcpconn_tcp_checksum_bad(&b, &ip);
            if (tcpconn_read_tcp(&b, ip.payload, ip.end, &tcp)) {
                tcps++;
                g_assert_cmpuint(ip.payload + 14, <=, captured);
            }
            if (tcpconn_read_icmp_error(&b, &ip, &q)) {
                icmps++;
                g_assert_cmpuint(q.quoted_ip.payload + 8, <=, captured);
            }
        }
        g_free(exact);
    }
    g_rand_free(rand);
    g_test_message("accepted: %u IP, %u TCP, %u ICMP error", ips, tcps, icmps);
    g_assert_cmpuint(ips, >, 10000);
    g_assert_cmpuint(tcps, >, 10000);
    g_assert_cmpuint(icmps, >, 1000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/headers/ipv4/segment", test_ipv4_segment);
    g_test_add_func("/headers/ipv4/padding_and_tso", test_ipv4_padding_and_tso);
    g_test_add_func("/headers/ipv4/rejects_bad_headers", test_ipv4_rejects_bad_headers);
    g_test_add_func("/headers/ipv4/later_fragment", test_ipv4_later_fragment);
    g_test_add_func("/headers/ipv4/source_route", test_ipv4_source_route);
    g_test_add_func("/headers/ipv6/segment", test_ipv6_segment);
    g_test_add_func("/headers/ipv6/home_address_and_routing", test_ipv6_home_address_and_routing);
    g_test_add_func("/headers/ipv6/fragments_and_hostile_chains",
                    test_ipv6_fragments_and_hostile_chains);
    g_test_add_func("/headers/tcp/bounds", test_tcp_bounds);
    g_test_add_func("/headers/checksums", test_checksums);
    g_test_add_func("/headers/icmp/quotes", test_icmp_quotes);
    g_test_add_func("/headers/icmpv6/quote", test_icmpv6_quote);
    g_test_add_func("/headers/hostile_bytes", test_hostile_bytes);
    return g_test_run();
}
