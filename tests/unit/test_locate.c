/* Unit tests for the locator (plugin/locate.c): where in a frame's bytes
 * the TCP segment or ICMP error is, with a pretend TCP that knows a few
 * connections.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "locate.h"
#include "packets.h"

#define MAX_SOURCES 4
#define MAX_KNOWN   4

/* A connection the pretend TCP tracks, in either direction. */
typedef struct {
    const uint8_t *client;
    const uint8_t *server;
    uint8_t address_len;
    uint16_t client_port;
    uint16_t server_port;
    uint32_t stream;
} connection;

/* A frame and what TCP knows: the glue's side of tcpconn_frame. */
typedef struct {
    tcpconn_bytes sources[MAX_SOURCES]; /* 0 is the frame */
    size_t source_count;
    connection known[MAX_KNOWN];
    size_t known_count;
    bool knows_everything; /* every lookup succeeds, as stream 99 */
    /* What the locator asked. */
    unsigned lookups;
    unsigned source_calls;
    size_t highest_source_asked;
    uint32_t last_seq;
} fake_frame;

static bool fake_source(void *context, size_t index, tcpconn_bytes *bytes)
{
    fake_frame *f = context;
    f->source_calls++;
    if (index > f->highest_source_asked)
        f->highest_source_asked = index;
    if (index >= f->source_count)
        return false;
    *bytes = f->sources[index];
    return true;
}

static bool same_endpoint(const uint8_t *address, uint16_t port, const uint8_t *want_address,
                          uint16_t want_port, uint8_t len)
{
    return port == want_port && memcmp(address, want_address, len) == 0;
}

static bool fake_stream_of(void *context, const tcpconn_ip *ip, uint16_t src_port,
                           uint16_t dst_port, uint32_t seq, uint32_t *stream)
{
    fake_frame *f = context;
    f->lookups++;
    f->last_seq = seq;
    if (f->knows_everything) {
        *stream = 99;
        return true;
    }
    for (size_t i = 0; i < f->known_count; i++) {
        const connection *c = &f->known[i];
        if (c->address_len != ip->address_len)
            continue;
        uint8_t n = c->address_len;
        bool forward = same_endpoint(ip->src, src_port, c->client, c->client_port, n) &&
                       same_endpoint(ip->dst, dst_port, c->server, c->server_port, n);
        bool backward = same_endpoint(ip->src, src_port, c->server, c->server_port, n) &&
                        same_endpoint(ip->dst, dst_port, c->client, c->client_port, n);
        if (forward || backward) {
            *stream = c->stream;
            return true;
        }
    }
    return false;
}

static void add_source(fake_frame *f, const packet *p)
{
    g_assert_cmpuint(f->source_count, <, MAX_SOURCES);
    f->sources[f->source_count++] = bytes_of(p);
}

static void know(fake_frame *f, const uint8_t *client, const uint8_t *server, uint8_t address_len,
                 uint16_t client_port, uint16_t server_port, uint32_t stream)
{
    g_assert_cmpuint(f->known_count, <, MAX_KNOWN);
    connection c = { client, server, address_len, client_port, server_port, stream };
    f->known[f->known_count++] = c;
}

/* The usual connection: client:40001 -> server:443, as stream 7. */
static void know_client_v4(fake_frame *f)
{
    know(f, CLIENT4, SERVER4, 4, CLIENT_PORT, SERVER_PORT, 7);
}

/* A frame, a fresh locator, and what it found. */
typedef struct {
    fake_frame f;
    tcpconn_locator l;
    tcpconn_found found;
} fixture;

/* Starts with `frame` as the only data source (none when NULL) and a TCP
 * that knows nothing yet. */
static void start(fixture *x, const packet *frame)
{
    memset(x, 0, sizeof *x);
    tcpconn_locator_reset(&x->l);
    if (frame != NULL)
        add_source(&x->f, frame);
}

/* Locates what is wanted in the frame, counting what the locator asks. */
static bool find(fixture *x, const tcpconn_wanted *wanted)
{
    tcpconn_frame frame = { fake_source, fake_stream_of, &x->f };
    x->f.lookups = 0;
    x->f.source_calls = 0;
    x->f.highest_source_asked = 0;
    return tcpconn_locate(&x->l, &frame, wanted, &x->found);
}

static const tcpconn_wanted A_SEGMENT = { .icmp = false };
static const tcpconn_wanted AN_ICMP_ERROR = { .icmp = true };

/* `len` bytes of a link layer that holds no IP version nibble. */
static void put_link_layer(packet *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put(p, "\x11", 1);
}

static packet segment_behind(size_t link_len, uint16_t flags, uint32_t seq, size_t payload)
{
    packet p = { .len = 0 };
    put_link_layer(&p, link_len);
    size_t at = put_ipv4(&p, 6, CLIENT4, SERVER4, NULL, 0);
    put_tcp(&p, flags, seq, payload);
    ipv4_done(&p, at);
    return p;
}

static void assert_endpoints(const tcpconn_found *found, const uint8_t *src, uint16_t src_port,
                             const uint8_t *dst, uint16_t dst_port, uint8_t address_len)
{
    uint8_t key[TCPCONN_ENDPOINT_LEN];
    g_assert_cmpuint(found->src_port, ==, src_port);
    g_assert_cmpuint(found->dst_port, ==, dst_port);
    g_assert_cmpuint(found->ip.address_len, ==, address_len);
    g_assert_cmpmem(found->ip.src, address_len, src, address_len);
    g_assert_cmpmem(found->ip.dst, address_len, dst, address_len);
    tcpconn_endpoint_key(key, src, address_len, src_port);
    g_assert_cmpmem(found->src_endpoint, sizeof key, key, sizeof key);
    tcpconn_endpoint_key(key, dst, address_len, dst_port);
    g_assert_cmpmem(found->dst_endpoint, sizeof key, key, sizeof key);
}

static void test_segment_behind_ethernet(void)
{
    packet p = segment_behind(14, SYN, 1000, 5);
    fixture x;
    start(&x, &p);
    know_client_v4(&x.f);

    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpint(x.found.kind, ==, TCPCONN_FOUND_SEGMENT);
    g_assert_cmpuint(x.found.source, ==, 0);
    g_assert_cmpuint(x.found.offset, ==, 14);
    g_assert_cmpuint(x.found.stream, ==, 7);
    g_assert_cmpuint(x.found.ip.version, ==, 4);
    assert_endpoints(&x.found, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, 4);

    const tcpconn_segment *s = &x.found.segment;
    g_assert_cmpuint(s->flags, ==, SYN);
    g_assert_cmpuint(s->seq, ==, 1000);
    g_assert_cmpuint(s->ack, ==, 7);
    g_assert_cmpuint(s->window, ==, 64240);
    g_assert_cmpuint(s->payload_len, ==, 5);
    g_assert_cmpuint(s->src_port, ==, CLIENT_PORT);
    g_assert_cmpuint(s->dst_port, ==, SERVER_PORT);
    g_assert_false(s->header_cut_off || s->payload_cut_off);
    g_assert_false(s->checksum_bad || s->ip_checksum_bad); /* not asked */
    g_assert_true(s->src_endpoint == x.found.src_endpoint);
    g_assert_true(s->dst_endpoint == x.found.dst_endpoint);
    g_assert_cmpuint(s->orientation, ==,
                     tcpconn_orientation(x.found.src_endpoint, x.found.dst_endpoint));
    /* The caller's part. */
    g_assert_cmpuint(s->frame, ==, 0);
    g_assert_cmpint(s->time_ns, ==, 0);
    /* Found in the frame: no other data source was asked for. */
    g_assert_cmpuint(x.f.source_calls, ==, 1);
    g_assert_cmpuint(x.f.lookups, ==, 1);
    g_assert_cmpuint(x.f.last_seq, ==, 1000);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 14);
}

/* The answer goes the other way: the same connection, the other
 * orientation. */
static void test_both_directions(void)
{
    packet p = { .len = 0 };
    size_t at = put_ipv6(&p, 6, SERVER6, CLIENT6);
    put_tcp_ports(&p, SERVER_PORT, CLIENT_PORT, SYN | ACK, 5000, 0);
    ipv6_done(&p, at);
    packet q = { .len = 0 };
    at = put_ipv6(&q, 6, CLIENT6, SERVER6);
    put_tcp(&q, SYN, 1, 0);
    ipv6_done(&q, at);

    fixture x;
    start(&x, &p);
    know(&x.f, CLIENT6, SERVER6, 16, CLIENT_PORT, SERVER_PORT, 3);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 0); /* raw IP */
    g_assert_cmpuint(x.found.ip.version, ==, 6);
    assert_endpoints(&x.found, SERVER6, SERVER_PORT, CLIENT6, CLIENT_PORT, 16);
    uint8_t answer_orientation = x.found.segment.orientation;
    x.f.sources[0] = bytes_of(&q);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.stream, ==, 3);
    g_assert_cmpuint(answer_orientation, !=, x.found.segment.orientation);
}

/* Where the previous frame had its IP header is tried first, whatever lies
 * before it; a new capture file forgets it. */
static void test_hint(void)
{
    /* Two datagrams of known connections back to back: a scan finds the
     * first, the hint the second. */
    packet p = segment_behind(4, SYN, 1, 0);
    size_t second = p.len;
    size_t at = put_ipv4(&p, 6, ROUTER4, SERVER4, NULL, 0);
    put_tcp_ports(&p, 5555, 80, SYN, 2, 0);
    ipv4_done(&p, at);

    fixture x;
    start(&x, &p);
    know_client_v4(&x.f);
    know(&x.f, ROUTER4, SERVER4, 4, 5555, 80, 8);

    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 4);
    g_assert_cmpuint(x.found.stream, ==, 7);

    x.l.ip_offset_hint = second;
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, second);
    g_assert_cmpuint(x.found.stream, ==, 8);
    g_assert_cmpuint(x.f.lookups, ==, 1);

    /* A hint that does not hold (another link layer) costs a scan, which
     * moves the hint. */
    packet other = segment_behind(18, SYN, 3, 0); /* VLAN-tagged Ethernet */
    x.f.sources[0] = bytes_of(&other);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 18);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 18);
    /* A hint past the end of a shorter frame is harmless. */
    x.l.ip_offset_hint = 5000;
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 18);

    x.l.ip_offset_hint = second;
    tcpconn_locator_reset(&x.l);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 0);
    x.f.sources[0] = bytes_of(&p);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 4);
}

/* Bytes that read as an IP and TCP header count only when TCP tracks their
 * connection. */
static void test_unknown_connections_are_passed_over(void)
{
    packet p = { .len = 0 };
    size_t at = put_ipv4(&p, 6, ROUTER4, SERVER4, NULL, 0); /* nobody's */
    put_tcp_ports(&p, 1, 2, SYN, 9, 0);
    ipv4_done(&p, at);
    size_t real = p.len;
    at = put_ipv4(&p, 6, CLIENT4, SERVER4, NULL, 0);
    put_tcp(&p, ACK, 10, 0);
    ipv4_done(&p, at);

    fixture x;
    start(&x, &p);

    /* TCP knows neither: nothing, and nothing left behind. */
    g_assert_false(find(&x, &A_SEGMENT));
    g_assert_cmpint(x.found.kind, ==, TCPCONN_FOUND_NOTHING);
    g_assert_cmpuint(x.found.stream, ==, 0);
    g_assert_null(x.found.ip.src);
    g_assert_cmpuint(x.f.lookups, ==, 2);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 0);

    know_client_v4(&x.f);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, real);
    g_assert_cmpuint(x.found.segment.seq, ==, 10);
    g_assert_cmpuint(x.f.lookups, ==, 2);

    /* A TCP segment is not an ICMP error, and UDP is not TCP. */
    g_assert_false(find(&x, &AN_ICMP_ERROR));
    p.data[real + 9] = 17;
    x.f.knows_everything = true;
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 0); /* the first one, now that all are known */
    p.data[9] = 17;
    g_assert_false(find(&x, &A_SEGMENT));
}

static void test_empty_and_cut_short(void)
{
    fixture x;
    start(&x, NULL);
    x.f.knows_everything = true;

    /* No data source at all, or an empty frame. */
    g_assert_false(find(&x, &A_SEGMENT));
    packet empty = { .len = 0 };
    add_source(&x.f, &empty);
    g_assert_false(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.f.lookups, ==, 0);

    /* Captured up to the flags: found, window unknown, cut off. */
    packet p = segment_behind(14, SYN, 1, 50);
    x.f.sources[0] = bytes_of(&p);
    x.f.sources[0].captured = 14 + 20 + 14;
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.segment.window, ==, UINT16_MAX);
    g_assert_true(x.found.segment.header_cut_off);
    g_assert_true(x.found.segment.payload_cut_off);
    g_assert_cmpuint(x.found.segment.payload_len, ==, 50);
    /* One byte less: not a segment tcpconn can read. */
    x.f.sources[0].captured--;
    g_assert_false(find(&x, &A_SEGMENT));
    /* A datagram longer than the frame was on the wire is not one. */
    x.f.sources[0].captured = p.len;
    x.f.sources[0].reported = p.len - 1;
    g_assert_false(find(&x, &A_SEGMENT));
}

/* TCP inside TCP, or sFlow samples: the header with pinfo's ports. */
static void test_several_headers(void)
{
    packet p = segment_behind(14, ACK, 1, 0);
    size_t inner = p.len;
    size_t at = put_ipv4(&p, 6, CLIENT4, ROUTER4, NULL, 0);
    put_tcp_ports(&p, 5000, 6000, SYN, 77, 0);
    ipv4_done(&p, at);
    put16(&p, 14 + 2, (uint16_t)(p.len - 14)); /* the outer datagram holds the inner */

    fixture x;
    start(&x, &p);
    know_client_v4(&x.f);
    know(&x.f, CLIENT4, ROUTER4, 4, 5000, 6000, 11);

    tcpconn_wanted inner_one = { .several = true, .src_port = 5000, .dst_port = 6000 };
    g_assert_true(find(&x, &inner_one));
    g_assert_cmpuint(x.found.offset, ==, inner);
    g_assert_cmpuint(x.found.stream, ==, 11);
    g_assert_cmpuint(x.found.segment.seq, ==, 77);

    tcpconn_wanted outer_one = { .several = true,
                                 .src_port = CLIENT_PORT,
                                 .dst_port = SERVER_PORT };
    g_assert_true(find(&x, &outer_one));
    g_assert_cmpuint(x.found.offset, ==, 14);
    g_assert_cmpuint(x.found.stream, ==, 7);

    /* The ports are read as sent: the reverse of a header is not it. */
    tcpconn_wanted reversed = { .several = true, .src_port = 6000, .dst_port = 5000 };
    g_assert_false(find(&x, &reversed));
    g_assert_cmpint(x.found.kind, ==, TCPCONN_FOUND_NOTHING);

    /* One header wanted: the first known one. */
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.offset, ==, 14);

    /* A sampled header whose datagram was longer than the sample: fine when
     * several are expected, not otherwise. */
    put16(&p, inner + 2, 1400);
    x.l.ip_offset_hint = inner;
    g_assert_true(find(&x, &inner_one));
    g_assert_cmpuint(x.found.offset, ==, inner);
    g_assert_cmpuint(x.found.segment.payload_len, ==, 1400 - 40);
    g_assert_true(x.found.segment.payload_cut_off);
    x.f.known[0].client_port = 1; /* forget the outer connection */
    g_assert_false(find(&x, &A_SEGMENT));
}

static void test_icmp_errors(void)
{
    packet p = { .len = 0 };
    put_link_layer(&p, 14);
    packet error = icmp4_error(3, 13, 20);
    put(&p, error.data, error.len);

    fixture x;
    start(&x, &p);
    know_client_v4(&x.f);

    g_assert_true(find(&x, &AN_ICMP_ERROR));
    g_assert_cmpint(x.found.kind, ==, TCPCONN_FOUND_ICMP);
    g_assert_cmpuint(x.found.offset, ==, 14);
    g_assert_cmpuint(x.found.stream, ==, 7);
    /* The endpoints are the quoted segment's, not the router's. */
    assert_endpoints(&x.found, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, 4);
    g_assert_cmpuint(x.found.icmp.quoted_seq, ==, 0x11223344);
    g_assert_cmpuint(x.f.last_seq, ==, 0x11223344);
    g_assert_true(x.found.icmp.unreachable);
    g_assert_cmpuint(x.found.icmp.code, ==, 13);
    g_assert_cmpuint(x.found.icmp.orientation, ==,
                     tcpconn_orientation(x.found.src_endpoint, x.found.dst_endpoint));
    g_assert_null(x.found.segment.src_endpoint);

    /* Time exceeded quoting 8 bytes: an error, not unreachable. */
    error = icmp4_error(11, 0, 8);
    p.len = 14;
    put(&p, error.data, error.len);
    x.f.sources[0] = bytes_of(&p);
    g_assert_true(find(&x, &AN_ICMP_ERROR));
    g_assert_false(x.found.icmp.unreachable);

    /* An error about a connection TCP does not track. */
    x.f.known[0].server_port = 80;
    g_assert_false(find(&x, &AN_ICMP_ERROR));

    /* ICMPv6, behind Linux cooked capture's 16 bytes. */
    packet syn = { .len = 0 };
    size_t at = put_ipv6(&syn, 6, CLIENT6, SERVER6);
    put_tcp(&syn, SYN, 5, 0);
    ipv6_done(&syn, at);
    packet v6 = { .len = 0 };
    put_link_layer(&v6, 16);
    at = put_ipv6(&v6, 58, ROUTER6, CLIENT6);
    uint8_t icmp[8] = { 1, 4 };
    put(&v6, icmp, sizeof icmp);
    put(&v6, syn.data, syn.len);
    ipv6_done(&v6, at);
    x.f.sources[0] = bytes_of(&v6);
    know(&x.f, CLIENT6, SERVER6, 16, CLIENT_PORT, SERVER_PORT, 21);
    g_assert_true(find(&x, &AN_ICMP_ERROR));
    g_assert_cmpuint(x.found.offset, ==, 16);
    g_assert_cmpuint(x.found.stream, ==, 21);
    g_assert_cmpuint(x.found.icmp.code, ==, 4);
    assert_endpoints(&x.found, CLIENT6, CLIENT_PORT, SERVER6, SERVER_PORT, 16);
}

/* A later IP fragment has no TCP header; Wireshark's reassembled datagram,
 * another data source, starts with it. */
static void test_later_fragment(void)
{
    packet frame = { .len = 0 };
    put_link_layer(&frame, 14);
    size_t at = put_ipv4(&frame, 6, CLIENT4, SERVER4, NULL, 0);
    put(&frame, "the rest", 8);
    ipv4_done(&frame, at);
    put16(&frame, at + 6, 0x00b9); /* fragment offset 185 * 8 */
    set_ipv4_checksum(&frame, at);

    packet reassembled = { .len = 0 };
    put_tcp(&reassembled, SYN, 4242, 100);
    packet empty = { .len = 0 };

    fixture x;
    start(&x, &frame);
    know_client_v4(&x.f);

    /* Not reassembled (yet): nothing to read. */
    g_assert_false(find(&x, &A_SEGMENT));

    add_source(&x.f, &empty);
    add_source(&x.f, &reassembled);
    tcpconn_wanted checked = { .check_checksums = true };
    g_assert_true(find(&x, &checked));
    g_assert_cmpuint(x.found.source, ==, 0); /* where the IP header is */
    g_assert_cmpuint(x.found.offset, ==, 14);
    g_assert_cmpuint(x.found.segment.seq, ==, 4242);
    g_assert_cmpuint(x.found.segment.payload_len, ==, 100);
    assert_endpoints(&x.found, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, 4);
    /* The IP header can be checked, TCP's checksum not (it spans frames). */
    g_assert_false(x.found.segment.ip_checksum_bad);
    g_assert_false(x.found.segment.checksum_bad);
    frame.data[at + 8] ^= 1;
    g_assert_true(find(&x, &checked));
    g_assert_true(x.found.segment.ip_checksum_bad);
    g_assert_false(x.found.segment.checksum_bad);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 14);

    /* A reassembled TCP header of another connection is not this one's. */
    x.f.known[0].client_port = 1;
    g_assert_false(find(&x, &A_SEGMENT));
}

/* A tunnel carried in IP fragments: the inner headers exist only in the
 * reassembled data source, which does not teach the frame's hint. */
static void test_tunnel_in_reassembled_source(void)
{
    packet frame = { .len = 0 };
    put_link_layer(&frame, 14);
    size_t at = put_ipv4(&frame, 17, ROUTER4, SERVER4, NULL, 0); /* UDP */
    put(&frame, "\x11\x11\x11\x11\x11\x11\x11\x11", 8);
    ipv4_done(&frame, at);

    packet reassembled = { .len = 0 };
    put_link_layer(&reassembled, 8); /* the UDP header */
    at = put_ipv4(&reassembled, 6, CLIENT4, SERVER4, NULL, 0);
    put_tcp(&reassembled, SYN, 31, 0);
    ipv4_done(&reassembled, at);

    fixture x;
    start(&x, &frame);
    add_source(&x.f, &reassembled);
    know_client_v4(&x.f);
    x.l.ip_offset_hint = 3;

    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.found.source, ==, 1);
    g_assert_cmpuint(x.found.offset, ==, 8);
    g_assert_cmpuint(x.found.segment.seq, ==, 31);
    g_assert_cmpuint(x.l.ip_offset_hint, ==, 3);
    /* Sources were asked for in order, and no further than needed. */
    g_assert_cmpuint(x.f.highest_source_asked, ==, 1);
    g_assert_cmpuint(x.f.source_calls, ==, 2);

    /* Found nowhere: every source was looked at once, then one more call
     * said there are no more. */
    x.f.known[0].client_port = 1;
    g_assert_false(find(&x, &A_SEGMENT));
    g_assert_cmpuint(x.f.source_calls, ==, 3);
}

/* Checksums are read only when asked: offload makes good segments look
 * bad. */
static void test_checksums_when_asked(void)
{
    packet p = segment_behind(14, SYN, 1, 3);
    set_tcp_checksum(&p, 14 + 20, CLIENT4, SERVER4, 4);
    set_ipv4_checksum(&p, 14);

    fixture x;
    start(&x, &p);
    know_client_v4(&x.f);
    tcpconn_wanted checked = { .check_checksums = true };

    g_assert_true(find(&x, &checked));
    g_assert_false(x.found.segment.checksum_bad || x.found.segment.ip_checksum_bad);
    p.data[p.len - 1] ^= 1; /* payload */
    g_assert_true(find(&x, &checked));
    g_assert_true(x.found.segment.checksum_bad);
    g_assert_false(x.found.segment.ip_checksum_bad);
    p.data[14 + 8] ^= 1; /* TTL */
    g_assert_true(find(&x, &checked));
    g_assert_true(x.found.segment.ip_checksum_bad);
    g_assert_true(find(&x, &A_SEGMENT));
    g_assert_false(x.found.segment.checksum_bad || x.found.segment.ip_checksum_bad);
}

/* Random link layers in front of real and mutated headers, and random
 * bytes, read with a TCP that knows every connection: whatever is found
 * must lie in the bytes given (the sanitizer build checks every read). */
static void test_hostile_bytes(void)
{
    GRand *rand = g_rand_new_with_seed(20261201);
    packet samples[3] = { segment_behind(0, SYN, 1, 4), icmp4_error(3, 1, 20), { .len = 0 } };
    size_t at = put_ipv6(&samples[2], 6, CLIENT6, SERVER6);
    put_tcp(&samples[2], SYN | ACK, 5, 0);
    ipv6_done(&samples[2], at);

    fixture x;
    start(&x, NULL);
    x.f.knows_everything = true;
    unsigned segments = 0, errors = 0;
    for (int round = 0; round < 50000; round++) {
        packet p = { .len = 0 };
        put_link_layer(&p, (size_t)g_rand_int_range(rand, 0, 40));
        if (round % 3) {
            const packet *s = &samples[round % 3];
            put(&p, s->data, s->len);
            p.data[g_rand_int_range(rand, 0, (gint32)p.len)] = (uint8_t)g_rand_int(rand);
        } else {
            size_t len = (size_t)g_rand_int_range(rand, 0, 128);
            for (size_t i = 0; i < len; i++)
                put(&p, (uint8_t[]){ (uint8_t)g_rand_int(rand) }, 1);
        }
        size_t captured = round % 4 ? p.len : (size_t)g_rand_int_range(rand, 0, (gint32)p.len + 1);
        uint8_t *exact = g_memdup2(p.data, captured ? captured : 1);
        tcpconn_bytes b = { exact, captured, p.len };
        x.f.sources[0] = b;
        x.f.source_count = 1;
        tcpconn_wanted wanted = { .icmp = round % 3 == 1,
                                  .several = round % 5 == 0,
                                  .src_port = CLIENT_PORT,
                                  .dst_port = SERVER_PORT,
                                  .check_checksums = round % 2 == 0 };
        if (find(&x, &wanted)) {
            if (x.found.kind == TCPCONN_FOUND_SEGMENT)
                segments++;
            else
                errors++;
            g_assert_cmpint(x.found.kind, ==,
                            wanted.icmp ? TCPCONN_FOUND_ICMP : TCPCONN_FOUND_SEGMENT);
            g_assert_cmpuint(x.found.offset + 20, <=, captured);
            g_assert_true(x.found.ip.src >= exact &&
                          x.found.ip.src + x.found.ip.address_len <= exact + captured);
            g_assert_true(x.found.ip.dst >= exact &&
                          x.found.ip.dst + x.found.ip.address_len <= exact + captured);
            g_assert_cmpuint(x.l.ip_offset_hint, ==, x.found.offset);
            if (wanted.several && !wanted.icmp) {
                g_assert_cmpuint(x.found.src_port, ==, CLIENT_PORT);
                g_assert_cmpuint(x.found.dst_port, ==, SERVER_PORT);
            }
        } else {
            g_assert_cmpint(x.found.kind, ==, TCPCONN_FOUND_NOTHING);
        }
        g_free(exact);
    }
    g_rand_free(rand);
    g_test_message("found: %u segments, %u ICMP errors", segments, errors);
    g_assert_cmpuint(segments, >, 5000);
    g_assert_cmpuint(errors, >, 5000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/locate/segment_behind_ethernet", test_segment_behind_ethernet);
    g_test_add_func("/locate/both_directions", test_both_directions);
    g_test_add_func("/locate/hint", test_hint);
    g_test_add_func("/locate/unknown_connections_are_passed_over",
                    test_unknown_connections_are_passed_over);
    g_test_add_func("/locate/empty_and_cut_short", test_empty_and_cut_short);
    g_test_add_func("/locate/several_headers", test_several_headers);
    g_test_add_func("/locate/icmp_errors", test_icmp_errors);
    g_test_add_func("/locate/later_fragment", test_later_fragment);
    g_test_add_func("/locate/tunnel_in_reassembled_source", test_tunnel_in_reassembled_source);
    g_test_add_func("/locate/checksums_when_asked", test_checksums_when_asked);
    g_test_add_func("/locate/hostile_bytes", test_hostile_bytes);
    return g_test_run();
}
