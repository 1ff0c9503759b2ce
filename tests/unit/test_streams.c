/* Unit tests for the per-stream attempt table (plugin/streams.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

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

static tcpconn_reason reason_at(tcpconn_streams *t, uint32_t stream, uint32_t frame,
                                unsigned *number)
{
    const tcpconn_attempt *a = tcpconn_streams_attempt_at(t, stream, frame, number);
    g_assert_nonnull(a);
    return tcpconn_attempt_reason(a, true);
}

static void feed(tcpconn_streams *t, uint32_t stream, tcpconn_segment s, bool expect_new)
{
    bool started;
    g_assert_nonnull(tcpconn_streams_segment(t, stream, &s, &started));
    g_assert_cmpint(started, ==, expect_new);
}

static void test_port_reuse_refused_then_established(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
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
    g_assert_cmpint(reason_at(t, 0, 5, &n), ==, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 2);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_streams_are_independent(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
    feed(t, 5, seg(1, 0, TCPCONN_SYN, 1, 0), true);
    feed(t, 2, seg(2, 1, TCPCONN_SYN, 1, 0), true);
    feed(t, 2, seg(3, 0, TCPCONN_RST | TCPCONN_ACK, 0, 2), false);
    g_assert_cmpint(reason_at(t, 2, 3, NULL), ==, TCPCONN_REFUSED);
    g_assert_cmpint(reason_at(t, 5, 3, NULL), ==, TCPCONN_NO_ANSWER);
    g_assert_null(tcpconn_streams_attempt_at(t, 3, 3, NULL));
    g_assert_null(tcpconn_streams_attempt_at(t, 99999, 3, NULL));
    tcpconn_streams_free(t);
}

static void test_large_stream_numbers_grow_the_table(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
    for (uint32_t s = 0; s < 100000; s += 7)
        feed(t, s, seg(s + 1, 0, TCPCONN_SYN, s, 0), true);
    g_assert_cmpint(reason_at(t, 99995, 99996, NULL), ==, TCPCONN_NO_ANSWER);
    g_assert_cmpuint(tcpconn_streams_attempts(t), ==, 14286);
    /* The table is an array of attempts: bytes grow with the stream count. */
    g_assert_cmpuint(tcpconn_streams_bytes(t), <=, 2 * 100000 * 64 + 4096);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_icmp_decides_the_quoted_attempt(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
    feed(t, 0, seg(1, 1, TCPCONN_SYN, 100, 0), true);
    feed(t, 0, seg(2, 0, TCPCONN_RST | TCPCONN_ACK, 0, 101), false);
    feed(t, 0, seg(3, 1, TCPCONN_SYN, 200, 0), true);

    tcpconn_icmp stale = { .frame = 4, .orientation = 1, .quoted_seq = 999, .unreachable = true };
    bool decided;
    g_assert_null(tcpconn_streams_icmp(t, 0, &stale, &decided));
    g_assert_false(decided);

    tcpconn_icmp e = {
        .frame = 5, .orientation = 1, .quoted_seq = 200, .unreachable = true, .type = 3, .code = 3
    };
    const tcpconn_attempt *a = tcpconn_streams_icmp(t, 0, &e, &decided);
    g_assert_nonnull(a);
    g_assert_true(decided);
    unsigned n;
    a = tcpconn_streams_attempt_for_icmp(t, 0, &e, &n);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpint(tcpconn_attempt_reason(a, true), ==, TCPCONN_ICMP_UNREACHABLE);
    g_assert_cmpint(reason_at(t, 0, 2, NULL), ==, TCPCONN_REFUSED);
    tcpconn_streams_free(t);
}

static void test_attempts_per_stream_are_capped(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
    uint32_t frame = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        tcpconn_segment s = seg(++frame, 0, TCPCONN_SYN, i * 7919u, 0);
        bool started;
        tcpconn_streams_segment(t, 0, &s, &started);
        s = seg(++frame, 1, TCPCONN_RST | TCPCONN_ACK, 0, i * 7919u + 1);
        tcpconn_streams_segment(t, 0, &s, &started);
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

    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
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
        bool started;
        tcpconn_streams_segment(t, (uint32_t)i, &s, &started);
    }
    tcpconn_streams_finish(t);
    for (size_t i = 0; i < N; i++) {
        const tcpconn_attempt *a = tcpconn_streams_attempt_at(t, (uint32_t)i, 1000, NULL);
        g_assert_cmpuint(a->concurrent, ==, plan[i].expected);
    }
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

static void test_concurrency_while_reading_and_final(void)
{
    tcpconn_streams *t = tcpconn_streams_new(&heap, false);
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
    bool started;
    tcpconn_streams_segment(t, 0, &s1, &started);
    tcpconn_streams_segment(t, 1, &s2, &started);
    const tcpconn_attempt *third = tcpconn_streams_segment(t, 2, &s3, &started);
    g_assert_cmpuint(third->concurrent, ==, 3);
    g_assert_cmpuint(third->server_index, ==, 3);
    tcpconn_streams_finish(t);
    g_assert_true(tcpconn_streams_complete(t));
    third = tcpconn_streams_attempt_at(t, 2, 50, NULL);
    g_assert_cmpuint(third->concurrent, ==, 1);
    g_assert_cmpuint(tcpconn_streams_attempt_at(t, 1, 2, NULL)->concurrent, ==, 1);
    tcpconn_streams_free(t);
    g_assert_cmpuint(live_allocations, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/streams/port-reuse", test_port_reuse_refused_then_established);
    g_test_add_func("/streams/independent", test_streams_are_independent);
    g_test_add_func("/streams/growth", test_large_stream_numbers_grow_the_table);
    g_test_add_func("/streams/icmp", test_icmp_decides_the_quoted_attempt);
    g_test_add_func("/streams/cap", test_attempts_per_stream_are_capped);
    g_test_add_func("/servers/ids", test_server_ids);
    g_test_add_func("/servers/concurrency-recount", test_concurrency_recount);
    g_test_add_func("/servers/concurrency-while-reading-and-final",
                    test_concurrency_while_reading_and_final);
    return g_test_run();
}
