/* Unit tests for the per-stream attempt table (plugin/streams.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>

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
    tcpconn_streams *t = tcpconn_streams_new(&heap);
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
    tcpconn_streams *t = tcpconn_streams_new(&heap);
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
    tcpconn_streams *t = tcpconn_streams_new(&heap);
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
    tcpconn_streams *t = tcpconn_streams_new(&heap);
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
    tcpconn_streams *t = tcpconn_streams_new(&heap);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/streams/port-reuse", test_port_reuse_refused_then_established);
    g_test_add_func("/streams/independent", test_streams_are_independent);
    g_test_add_func("/streams/growth", test_large_stream_numbers_grow_the_table);
    g_test_add_func("/streams/icmp", test_icmp_decides_the_quoted_attempt);
    g_test_add_func("/streams/cap", test_attempts_per_stream_are_capped);
    return g_test_run();
}
