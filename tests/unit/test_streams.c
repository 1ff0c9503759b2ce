/* Unit tests for the per-stream attempt table (plugin/streams.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "servers.h"
#include "streams.h"

static size_t live_allocations;

static void *counting_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (ptr == NULL)
        live_allocations++;
    return g_realloc(ptr, size);
}

static void counting_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr != NULL)
        live_allocations--;
    g_free(ptr);
}

static const tcpconn_allocator heap = { counting_realloc, counting_free, NULL };

/* Two endpoints of one 4-tuple; orientation 0 is sent from A to B. */
static const uint8_t endpoint_a[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 10, [17] = 0x9c, 0x40 };
static const uint8_t endpoint_b[TCPCONN_ENDPOINT_LEN] = { 4, 198, 51, 100, 20, [17] = 0x01, 0xbb };

static tcpconn_segment seg(uint32_t frame, uint8_t orientation, uint16_t flags, uint32_t seq,
                           uint32_t ack)
{
    tcpconn_segment s = {
        .frame = frame,
        .time_ns = (int64_t)frame * 1000000,
        .orientation = orientation,
        .flags = flags,
        .seq = seq,
        .ack = ack,
        .src_endpoint = orientation ? endpoint_b : endpoint_a,
        .dst_endpoint = orientation ? endpoint_a : endpoint_b,
    };
    return s;
}

static const tcpconn_streams_options plain = { false, 1000 * 1000000LL };

static tcpconn_reason reason_at(tcpconn_streams *t, uint32_t stream, uint32_t frame,
                                unsigned *number)
{
    tcpconn_place p = tcpconn_streams_attempt_at(t, stream, frame);
    g_assert_nonnull(p.attempt);
    if (number)
        *number = p.number;
    tcpconn_capture complete = *tcpconn_streams_capture(t);
    complete.complete = true;
    return tcpconn_outcome_of(p.attempt, &complete).reason;
}

/* Feeds a segment, noting its time as a frame of the capture. */
static tcpconn_place feed_seg(tcpconn_streams *t, uint32_t stream, tcpconn_segment s)
{
    tcpconn_streams_frame_seen(t, s.time_ns);
    return tcpconn_streams_segment(t, stream, &s);
}

static void feed(tcpconn_streams *t, uint32_t stream, tcpconn_segment s, bool expect_new)
{
    size_t before = tcpconn_streams_attempts(t);
    tcpconn_place p = feed_seg(t, stream, s);
    g_assert_nonnull(p.attempt);
    g_assert_cmpint(tcpconn_streams_attempts(t) > before, ==, expect_new);
}

static void test_port_reuse_refused_then_established(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 0, seg(3, 0, TCPCONN_SYN, 9000, 0), true); /* new ISN: a new attempt */
    feed(t, 0, seg(4, 1, TCPCONN_SYN | TCPCONN_ACK, 500, 9001), false);
    feed(t, 0, seg(5, 0, TCPCONN_ACK, 9001, 501), false);

    unsigned n;
    g_assert_cmpint(reason_at(t, 0, 1, &n), ==, TCPCONN_REFUSED);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpint(reason_at(t, 0, 2, &n), ==, TCPCONN_REFUSED);
    g_assert_cmpint(reason_at(t, 0, 3, &n), ==, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(n, ==, 2);
    g_assert_true(tcpconn_streams_attempt_at(t, 0, 5).several);
    g_assert_cmpint(reason_at(t, 0, 5, &n), ==, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 2);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* A same-ISN retry after a RST: Wireshark 4.0 keeps it in the stream, 4.4
 * and later give it a new one. Either way it is one attempt. */
static void test_same_isn_retry_in_one_stream(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 0, seg(3, 0, TCPCONN_SYN, 100, 0), false);
    feed(t, 0, seg(4, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    unsigned n;
    g_assert_cmpint(reason_at(t, 0, 4, &n), ==, TCPCONN_REFUSED);
    g_assert_cmpuint(n, ==, 1);
    g_assert_false(tcpconn_streams_attempt_at(t, 0, 4).several);
    g_assert_cmpuint(tcpconn_streams_attempt_at(t, 0, 4).attempt->syn_count, ==, 2);
    tcpconn_streams_free(t);
}

/* Fuzz finding: a stream that only forwards to a retried attempt's stream
 * (Wireshark 4.4's split of each same-ISN retry) cost a hash entry on top of
 * its slot; it costs no more than any other stream now. */
static void test_forwarding_streams_cost_a_slot(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    size_t before = tcpconn_streams_bytes(t);
    uint32_t frame = 2;
    for (uint32_t stream = 1; stream <= 1000; stream++) {
        feed(t, stream - 1 == 0 ? 0 : stream - 1,
             seg(frame++, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
        tcpconn_place p = feed_seg(t, stream, seg(frame++, 0, TCPCONN_SYN, 100, 0));
        g_assert_cmpuint(p.stream, ==, 0);
    }
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 1);
    g_assert_cmpuint(tcpconn_streams_bytes(t) - before, <=, 1000 * (sizeof(tcpconn_attempt) + 2));
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_same_isn_retry_in_a_new_stream(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    /* Other traffic in between, on other ports. */
    uint8_t other_client[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 99, [17] = 0x9c, 0x41 };
    tcpconn_segment other = seg(3, 0, TCPCONN_SYN, 77, 0);
    other.src_endpoint = other_client;
    feed(t, 1, other, true);
    tcpconn_segment retry = seg(4, 0, TCPCONN_SYN, 100, 0);
    tcpconn_place p = feed_seg(t, 2, retry);
    g_assert_cmpuint(p.stream, ==, 0);
    g_assert_cmpuint(p.number, ==, 1);
    feed(t, 2, seg(5, 1, TCPCONN_SYN | TCPCONN_ACK, 500, 101), false);
    feed(t, 2, seg(6, 0, TCPCONN_ACK, 101, 501), false);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 2);

    /* Both streams show the one attempt, under the first stream's index. */
    tcpconn_place seen = tcpconn_streams_attempt_at(t, 2, 6);
    g_assert_cmpuint(seen.stream, ==, 0);
    g_assert_true(seen.attempt == tcpconn_streams_attempt_at(t, 0, 1).attempt);
    g_assert_cmpint(reason_at(t, 2, 6, NULL), ==, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_cmpuint(seen.attempt->syn_count, ==, 2);
    /* A retry after the attempt connected and closed is a new attempt. */
    feed(t, 2, seg(7, 0, TCPCONN_RST, 101, 0), false);
    feed(t, 3, seg(8, 0, TCPCONN_SYN, 100, 0), true);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* Wireshark 4.4 and later also open a new stream for the SYN-ACK that
 * follows a RST and FIN before it (an evasion pattern): it answers the
 * earlier stream's SYN, so the attempt goes on there. */
static void test_synack_after_rst_in_a_new_stream(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 0, seg(3, 1, TCPCONN_FIN | TCPCONN_ACK, 0, 101), false);
    tcpconn_place p = feed_seg(t, 1, seg(4, 1, TCPCONN_SYN | TCPCONN_ACK, 500, 101));
    g_assert_cmpuint(p.stream, ==, 0);
    feed(t, 1, seg(5, 0, TCPCONN_ACK, 101, 501), false);
    tcpconn_segment data = seg(6, 0, TCPCONN_ACK, 101, 501);
    data.payload_len = 300;
    feed(t, 1, data, false);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 1);
    g_assert_cmpint(reason_at(t, 1, 6, NULL), ==, TCPCONN_ESTABLISHED);
    g_assert_cmpint(reason_at(t, 0, 2, NULL), ==, TCPCONN_ESTABLISHED);

    /* A SYN-ACK for another ISN is no answer to it: an attempt of its own. */
    feed(t, 2, seg(7, 0, TCPCONN_SYN, 900, 0), true);
    feed(t, 2, seg(8, 1, TCPCONN_RST | TCPCONN_ACK, 0, 901), false);
    feed(t, 3, seg(9, 1, TCPCONN_SYN | TCPCONN_ACK, 600, 5555), true);
    g_assert_cmpint(reason_at(t, 2, 8, NULL), ==, TCPCONN_REFUSED);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* ISN a refused, ISN b in a new stream, then ISN a again: not a retry of
 * the first attempt, because b came in between. */
static void test_retry_only_of_the_latest_attempt(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 1, seg(3, 0, TCPCONN_SYN, 900, 0), true);
    feed(t, 1, seg(4, 1, TCPCONN_SYN | TCPCONN_ACK, 50, 901), false);
    feed(t, 1, seg(5, 0, TCPCONN_ACK, 901, 51), false);
    feed(t, 2, seg(6, 0, TCPCONN_SYN, 100, 0), true);
    g_assert_cmpuint(tcpconn_streams_attempt_at(t, 2, 6).stream, ==, 2);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 3);
    tcpconn_streams_free(t);
}

static void test_streams_are_independent(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 5, seg(1, 0, TCPCONN_SYN, 1, 0), true);
    feed(t, 2, seg(2, 1, TCPCONN_SYN, 1, 0), true);
    feed(t, 2, seg(3, 0, TCPCONN_RST | TCPCONN_ACK, 0, 2), false);
    tcpconn_streams_frame_seen(t, 5000 * 1000000LL);
    g_assert_cmpint(reason_at(t, 2, 3, NULL), ==, TCPCONN_REFUSED);
    g_assert_cmpint(reason_at(t, 5, 3, NULL), ==, TCPCONN_NO_ANSWER);
    g_assert_null(tcpconn_streams_attempt_at(t, 3, 3).attempt);
    g_assert_null(tcpconn_streams_attempt_at(t, 99999, 3).attempt);
    tcpconn_streams_free(t);
}

/* What the capture as a whole says: its end, and whether it holds only
 * SYN, FIN and RST segments. */
static void test_capture_facts(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 1, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_SYN | TCPCONN_ACK, 7, 2), false);
    tcpconn_streams_frame_seen(t, 500 * 1000000LL); /* a frame of another protocol */
    tcpconn_streams_finish(t);
    const tcpconn_capture *c = tcpconn_streams_capture(t);
    g_assert_true(c->complete);
    g_assert_true(c->handshake_only);
    g_assert_cmpint(c->end_ns, ==, 500 * 1000000LL);
    /* Only SYN-flagged segments: whatever the time left, the ACK that
     * completes a handshake could not show. */
    g_assert_cmpint(reason_at(t, 0, 2, NULL), ==, TCPCONN_ACK_NOT_CAPTURED);
    tcpconn_streams_free(t);

    t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_SYN, 1, 0), true);
    feed(t, 0, seg(2, 1, TCPCONN_SYN | TCPCONN_ACK, 7, 2), false);
    feed(t, 0, seg(3, 0, TCPCONN_ACK, 2, 8), false);
    feed(t, 1, seg(4, 0, TCPCONN_SYN, 9, 0), true);
    tcpconn_streams_frame_seen(t, 500 * 1000000LL);
    tcpconn_streams_finish(t);
    g_assert_false(tcpconn_streams_capture(t)->handshake_only);
    /* The SYN came 496 ms before the end: cut off by the capture. */
    g_assert_cmpint(reason_at(t, 1, 4, NULL), ==, TCPCONN_CAPTURE_ENDED);
    tcpconn_streams_free(t);
}

static void test_large_stream_numbers_grow_the_table(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    for (uint32_t s = 0; s < 100000; s += 7)
        feed(t, s, seg(s + 1, 0, TCPCONN_SYN, s, 0), true);
    tcpconn_streams_frame_seen(t, 10000000 * 1000000LL);
    g_assert_cmpint(reason_at(t, 99995, 99996, NULL), ==, TCPCONN_NO_ANSWER);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 14286);
    /* The table is an array of attempts: bytes grow with the stream count,
     * and unanswered SYNs add nothing to the retry index. */
    g_assert_cmpuint(tcpconn_streams_bytes(t), <=, 2 * 100000 * 64 + 4096);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* Refused attempts are remembered for retries: the index grows with them,
 * a few bytes each, and stays correct when it grows. */
static void test_retry_index_growth(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    uint8_t clients[2000][TCPCONN_ENDPOINT_LEN];
    uint32_t frame = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        memcpy(clients[i], endpoint_a, TCPCONN_ENDPOINT_LEN);
        clients[i][17] = (uint8_t)(i >> 8);
        clients[i][18] = (uint8_t)i;
        tcpconn_segment s = seg(++frame, 0, TCPCONN_SYN, i, 0);
        s.src_endpoint = clients[i];
        feed_seg(t, i, s);
        s = seg(++frame, 1, TCPCONN_RST | TCPCONN_ACK, 0, i + 1);
        s.dst_endpoint = clients[i];
        feed_seg(t, i, s);
    }
    for (uint32_t i = 0; i < 2000; i++) {
        tcpconn_segment s = seg(++frame, 0, TCPCONN_SYN, i, 0);
        s.src_endpoint = clients[i];
        g_assert_cmpuint(feed_seg(t, 2000 + i, s).stream, ==, i);
    }
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 2000);
    g_assert_cmpuint(tcpconn_streams_bytes(t), <=, 4000 * 64 + 4096 * 16 + 8192);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_icmp_decides_the_quoted_attempt(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 1, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 0, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 0, seg(3, 1, TCPCONN_SYN, 200, 0), true);

    tcpconn_icmp_error stale = {
        .frame = 4, .orientation = 1, .quoted_seq = 999, .unreachable = true
    };
    tcpconn_place p = tcpconn_streams_icmp(t, 0, &stale);
    g_assert_null(p.attempt);
    g_assert_cmpuint(p.now, ==, 0);
    g_assert_null(tcpconn_streams_quoted_attempt(t, 0, &stale).attempt);

    tcpconn_icmp_error e = {
        .frame = 5, .orientation = 1, .quoted_seq = 200, .unreachable = true, .code = 3
    };
    p = tcpconn_streams_icmp(t, 0, &e);
    g_assert_nonnull(p.attempt);
    g_assert_cmpuint(p.now, ==, TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT);
    p = tcpconn_streams_quoted_attempt(t, 0, &e);
    g_assert_cmpuint(p.number, ==, 2);
    g_assert_true(p.several);
    g_assert_cmpint(reason_at(t, 0, 5, NULL), ==, TCPCONN_ICMP_UNREACHABLE);
    g_assert_cmpint(reason_at(t, 0, 2, NULL), ==, TCPCONN_REFUSED);
    tcpconn_streams_free(t);
}

/* An ICMP error captured before the SYN it quotes (a capture merged from
 * two interfaces can order them so) quotes no attempt when it is read, and
 * must not be given to the later attempt when it is looked up again. */
static void test_icmp_before_the_quoted_syn(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    feed(t, 0, seg(1, 0, TCPCONN_ACK, 40, 70), true); /* the end of an earlier connection */
    tcpconn_icmp_error early = {
        .frame = 2, .orientation = 0, .quoted_seq = 500, .unreachable = true, .code = 1
    };
    tcpconn_place p = tcpconn_streams_icmp(t, 0, &early);
    g_assert_null(p.attempt);
    feed(t, 0, seg(3, 0, TCPCONN_SYN, 500, 0), true);
    tcpconn_streams_finish(t);

    g_assert_null(tcpconn_streams_quoted_attempt(t, 0, &early).attempt);
    /* The same error after the SYN is the SYN's. */
    tcpconn_icmp_error late = early;
    late.frame = 4;
    p = tcpconn_streams_quoted_attempt(t, 0, &late);
    g_assert_nonnull(p.attempt);
    g_assert_cmpuint(p.number, ==, 2);
    tcpconn_streams_free(t);
}

static void test_attempts_per_stream_are_capped(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    uint32_t frame = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        feed_seg(t, 0, seg(++frame, 0, TCPCONN_SYN, i * 7919u, 0));
        feed_seg(t, 0, seg(++frame, 1, TCPCONN_RST | TCPCONN_ACK, 0, i * 7919u + 1));
    }
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, TCPCONN_MAX_ATTEMPTS_PER_STREAM);
    unsigned n;
    reason_at(t, 0, frame, &n);
    g_assert_cmpuint(n, ==, TCPCONN_MAX_ATTEMPTS_PER_STREAM);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_server_ids(void)
{
    tcpconn_servers *s = tcpconn_servers_new(&heap);
    uint8_t key[TCPCONN_ENDPOINT_LEN] = { 4 };
    for (uint32_t i = 0; i < 5000; i++) {
        memcpy(key + 1, &i, sizeof i);
        g_assert_cmpuint(tcpconn_servers_id(s, key), ==, i);
    }
    for (uint32_t i = 0; i < 5000; i += 97) {
        memcpy(key + 1, &i, sizeof i);
        g_assert_cmpuint(tcpconn_servers_id(s, key), ==, i); /* found again, not added */
    }
    g_assert_cmpuint(tcpconn_servers_count(s), ==, 5000);

    g_assert_cmpuint(tcpconn_servers_count_attempt(s, 7), ==, 1);
    g_assert_cmpuint(tcpconn_servers_count_attempt(s, 7), ==, 2);
    g_assert_cmpuint(tcpconn_servers_open(s, 7), ==, 1);
    g_assert_cmpuint(tcpconn_servers_open(s, 7), ==, 2);
    tcpconn_servers_close(s, 7);
    g_assert_cmpuint(tcpconn_servers_open(s, 7), ==, 2);
    tcpconn_servers_reset_open(s);
    g_assert_cmpuint(tcpconn_servers_open(s, 7), ==, 1);
    g_assert_cmpuint(tcpconn_servers_open(s, 8), ==, 1); /* counted per server */
    tcpconn_servers_free(s);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* Intervals [start, end] in seconds, per server:
 *   server 0: A [0,10]  B [2,5]  C [6,20]  D [11,12]  F [20,21]
 *   server 1: E [3,4]
 * open at each start, itself included: A 1, B 2, C 2 (B ended at 5),
 * D 2 (A ended at 10), F 2 (C ends exactly then: still open), E 1.
 * Each attempt is a SYN at its start and the server's RST at its end. */
static void test_concurrency_recount(void)
{
    static const struct {
        int server, start, end;
        uint16_t expected;
    } plan[] = {
        { 0, 0, 10, 1 },  { 0, 2, 5, 2 }, { 0, 6, 20, 2 },
        { 0, 11, 12, 2 }, { 1, 3, 4, 1 }, { 0, 20, 21, 2 },
    };
    enum { N = G_N_ELEMENTS(plan) };
    uint8_t clients[N][TCPCONN_ENDPOINT_LEN];
    uint8_t servers[2][TCPCONN_ENDPOINT_LEN] = { { 4, 198, 51, 100, 20, [17] = 0x01, 0xbb },
                                                 { 4, 198, 51, 100, 21, [17] = 0x01, 0xbb } };
    /* The packets in time order: (time, attempt, is the end). */
    struct event {
        int time;
        size_t attempt;
        bool end;
    } events[2 * N];
    for (size_t i = 0; i < N; i++) {
        memset(clients[i], 0, sizeof clients[i]);
        clients[i][0] = 4;
        clients[i][1] = 192;
        clients[i][4] = (uint8_t)(10 + i);
        events[2 * i] = (struct event){ plan[i].start, i, false };
        events[2 * i + 1] = (struct event){ plan[i].end, i, true };
    }
    for (size_t i = 1; i < 2 * N; i++) /* insertion sort by time, starts first on ties */
        for (size_t k = i; k > 0 && (events[k - 1].time > events[k].time ||
                                     (events[k - 1].time == events[k].time && events[k - 1].end &&
                                      !events[k].end));
             k--) {
            struct event e = events[k];
            events[k] = events[k - 1];
            events[k - 1] = e;
        }

    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    for (size_t k = 0; k < 2 * N; k++) {
        size_t i = events[k].attempt;
        tcpconn_segment s = {
            .frame = (uint32_t)k + 1,
            .time_ns = (int64_t)events[k].time * 1000000000,
            .orientation = events[k].end ? 1 : 0,
            .flags = events[k].end ? (TCPCONN_RST | TCPCONN_ACK) : TCPCONN_SYN,
            .seq = events[k].end ? 0 : 100,
            .ack = events[k].end ? 101 : 0,
            .src_endpoint = events[k].end ? servers[plan[i].server] : clients[i],
            .dst_endpoint = events[k].end ? clients[i] : servers[plan[i].server],
        };
        tcpconn_streams_segment(t, (uint32_t)i, &s);
    }
    tcpconn_streams_finish(t);
    for (size_t i = 0; i < N; i++) {
        const tcpconn_attempt *a = tcpconn_streams_attempt_at(t, (uint32_t)i, 1000).attempt;
        g_assert_cmpuint(a->concurrent, ==, plan[i].expected);
    }
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_concurrency_while_reading_and_final(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    /* Two unanswered attempts to one server, then a third: while reading,
     * the silent ones still count as open; once the capture is complete
     * each ended at its only SYN, so none overlaps another. */
    uint8_t client2[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 11, [17] = 0x9c, 0x41 };
    uint8_t client3[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 12, [17] = 0x9c, 0x42 };
    tcpconn_segment s1 = seg(1, 0, TCPCONN_SYN, 1, 0);
    tcpconn_segment s2 = seg(2, 0, TCPCONN_SYN, 2, 0);
    s2.src_endpoint = client2;
    tcpconn_segment s3 = seg(50, 0, TCPCONN_SYN, 3, 0);
    s3.src_endpoint = client3;
    tcpconn_streams_segment(t, 0, &s1);
    tcpconn_streams_segment(t, 1, &s2);
    const tcpconn_attempt *third = tcpconn_streams_segment(t, 2, &s3).attempt;
    g_assert_cmpuint(third->concurrent, ==, 3);
    g_assert_cmpuint(third->server_index, ==, 3);
    tcpconn_streams_finish(t);
    g_assert_true(tcpconn_streams_capture(t)->complete);
    third = tcpconn_streams_attempt_at(t, 2, 50).attempt;
    g_assert_cmpuint(third->concurrent, ==, 1);
    g_assert_cmpuint(tcpconn_streams_attempt_at(t, 1, 2).attempt->concurrent, ==, 1);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

/* An ICMP error, then a SYN-ACK after all, then a RST: the attempt closes
 * once, so the next attempt to that server counts the right number open
 * while reading. */
static void test_concurrency_closes_once(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, &plain);
    uint8_t client2[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 11, [17] = 0x9c, 0x41 };
    uint8_t client3[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, 12, [17] = 0x9c, 0x42 };
    feed_seg(t, 0, seg(1, 0, TCPCONN_SYN, 100, 0));
    tcpconn_segment other = seg(2, 0, TCPCONN_SYN, 5, 0);
    other.src_endpoint = client2;
    feed_seg(t, 1, other); /* open, never answered */
    tcpconn_icmp_error e = {
        .frame = 3, .time_ns = 3000000, .orientation = 0, .quoted_seq = 100, .unreachable = true
    };
    g_assert_cmpuint(tcpconn_streams_icmp(t, 0, &e).now, ==,
                     TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT);
    feed_seg(t, 0, seg(4, 1, TCPCONN_SYN | TCPCONN_ACK, 9, 101));
    g_assert_cmpuint(feed_seg(t, 0, seg(5, 1, TCPCONN_RST, 10, 0)).now & TCPCONN_NOW_CLOSED, ==, 0);
    tcpconn_segment third = seg(6, 0, TCPCONN_SYN, 7, 0);
    third.src_endpoint = client3;
    /* Open: the unanswered one and this one. */
    g_assert_cmpuint(feed_seg(t, 2, third).attempt->concurrent, ==, 2);
    tcpconn_streams_free(t);
}

/* tcpconn_streams_plain_segment() leaves the table as feeding the whole
 * segment does, on two streams, one of them an alias (a same-ISN retry in
 * a new stream), and declines what it cannot take. */
static void test_plain_segment_shortcut(void)
{
    tcpconn_streams *full = tcpconn_streams_new(&heap, &plain);
    tcpconn_streams *quick = tcpconn_streams_new(&heap, &plain);
    struct {
        uint32_t stream;
        tcpconn_segment s;
    } script[] = {
        { 0, seg(1, 0, TCPCONN_SYN, 100, 0) },
        { 0, seg(2, 1, TCPCONN_RST | TCPCONN_ACK, 0, 101) },
        { 1, seg(3, 0, TCPCONN_SYN, 100, 0) }, /* the retry, in a new stream */
        { 1, seg(4, 1, TCPCONN_SYN | TCPCONN_ACK, 900, 101) },
        { 1, seg(5, 0, TCPCONN_ACK, 101, 901) },
        { 1, seg(6, 0, TCPCONN_ACK, 101, 901) }, /* data: settled */
        { 1, seg(7, 1, TCPCONN_ACK, 901, 111) },
        { 1, seg(8, 0, TCPCONN_ACK, 111, 921) },
        { 1, seg(9, 0, TCPCONN_FIN | TCPCONN_ACK, 111, 921) },
        { 1, seg(10, 1, TCPCONN_ACK, 921, 112) },
    };
    script[5].s.payload_len = 10;
    script[6].s.payload_len = 20;
    unsigned taken = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(script); i++) {
        tcpconn_place want = feed_seg(full, script[i].stream, script[i].s);
        tcpconn_place got;
        tcpconn_streams_frame_seen(quick, script[i].s.time_ns);
        if (tcpconn_streams_plain_segment(quick, script[i].stream, script[i].s.flags,
                                          script[i].s.time_ns, &got)) {
            taken++;
            g_assert_cmpuint(want.now, ==, 0);
        } else {
            got = tcpconn_streams_segment(quick, script[i].stream, &script[i].s);
        }
        g_assert_cmpuint(got.stream, ==, want.stream);
        g_assert_cmpuint(got.number, ==, want.number);
        g_assert_cmpint(got.several, ==, want.several);
        g_assert_cmpuint(got.now, ==, want.now);
        g_assert_cmpmem(got.attempt, sizeof *got.attempt, want.attempt, sizeof *want.attempt);
    }
    g_assert_cmpuint(taken, ==, 3); /* frames 7, 8 and 10 (after the FIN: closed, still settled) */
    tcpconn_streams_finish(full);
    tcpconn_streams_finish(quick);
    const tcpconn_attempt *a = tcpconn_streams_attempt_at(full, 1, 10).attempt;
    const tcpconn_attempt *b = tcpconn_streams_attempt_at(quick, 1, 10).attempt;
    g_assert_cmpmem(a, sizeof *a, b, sizeof *b);
    g_assert_cmpmem(tcpconn_streams_capture(full), sizeof(tcpconn_capture),
                    tcpconn_streams_capture(quick), sizeof(tcpconn_capture));
    tcpconn_streams_free(full);
    tcpconn_streams_free(quick);

    /* The Zeek view counts every segment. */
    const tcpconn_streams_options with_zeek = { true, 1000 * 1000000LL };
    tcpconn_streams *z = tcpconn_streams_new(&heap, &with_zeek);
    for (size_t i = 2; i < 6; i++)
        feed_seg(z, 0, script[i].s);
    tcpconn_place p;
    g_assert_false(tcpconn_streams_plain_segment(z, 0, TCPCONN_ACK, script[6].s.time_ns, &p));
    tcpconn_streams_free(z);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/streams/port-reuse", test_port_reuse_refused_then_established);
    g_test_add_func("/streams/retry/same-stream", test_same_isn_retry_in_one_stream);
    g_test_add_func("/streams/retry/new-stream", test_same_isn_retry_in_a_new_stream);
    g_test_add_func("/streams/retry/synack-in-a-new-stream", test_synack_after_rst_in_a_new_stream);
    g_test_add_func("/streams/retry/only-the-latest", test_retry_only_of_the_latest_attempt);
    g_test_add_func("/streams/retry/index-growth", test_retry_index_growth);
    g_test_add_func("/streams/retry/forwarding-streams-cost-a-slot",
                    test_forwarding_streams_cost_a_slot);
    g_test_add_func("/streams/capture-facts", test_capture_facts);
    g_test_add_func("/streams/independent", test_streams_are_independent);
    g_test_add_func("/streams/growth", test_large_stream_numbers_grow_the_table);
    g_test_add_func("/streams/icmp", test_icmp_decides_the_quoted_attempt);
    g_test_add_func("/streams/icmp/before-the-quoted-syn", test_icmp_before_the_quoted_syn);
    g_test_add_func("/streams/cap", test_attempts_per_stream_are_capped);
    g_test_add_func("/streams/plain-segment-shortcut", test_plain_segment_shortcut);
    g_test_add_func("/servers/ids", test_server_ids);
    g_test_add_func("/servers/concurrency-recount", test_concurrency_recount);
    g_test_add_func("/servers/concurrency-while-reading-and-final",
                    test_concurrency_while_reading_and_final);
    g_test_add_func("/servers/concurrency-closes-once", test_concurrency_closes_once);
    return g_test_run();
}
