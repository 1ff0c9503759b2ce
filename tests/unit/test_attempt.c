/* Unit tests for the connection-attempt state machine (plugin/attempt.c).
 *
 * Each test plays a handshake as a list of segments, from the initiator
 * (">") or the responder ("<"), and checks the outcome it leads to.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "attempt.h"

#define CLIENT_ISN 1000u
#define SERVER_ISN 5000u
#define MS         1000000LL

/* A tiny script: the attempt, the next frame number and the clock. */
typedef struct {
    tcpconn_attempt a;
    uint32_t frame;
    int64_t now;
    bool started;
} script;

static void script_init(script *s)
{
    s->frame = 0;
    s->now = 1700000000LL * 1000000000LL;
    s->started = false;
}

/* Sends one segment. Initiator segments have orientation 1 here, so the
 * tests also cover an initiator whose orientation bit is set. */
static uint32_t send(script *s, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack,
                     uint32_t len, int64_t after_ns)
{
    s->now += after_ns;
    tcpconn_segment seg = {
        .frame = ++s->frame,
        .time_ns = s->now,
        .orientation = from_client ? 1 : 0,
        .flags = flags,
        .seq = seq,
        .ack = ack,
        .payload_len = len,
    };
    if (!s->started) {
        tcpconn_attempt_start(&s->a, &seg);
        s->started = true;
    } else {
        g_assert_false(tcpconn_attempt_is_superseded_by(&s->a, &seg));
        tcpconn_attempt_segment(&s->a, &seg);
    }
    return seg.frame;
}

#define SYN    TCPCONN_SYN
#define ACK    TCPCONN_ACK
#define RST    TCPCONN_RST
#define FIN    TCPCONN_FIN
#define SYNACK (TCPCONN_SYN | TCPCONN_ACK)

static void client_syn(script *s, int64_t after)
{
    send(s, true, SYN, CLIENT_ISN, 0, 0, after);
}

static uint32_t server_synack(script *s, int64_t after)
{
    return send(s, false, SYNACK, SERVER_ISN, CLIENT_ISN + 1, 0, after);
}

static uint32_t client_ack(script *s, int64_t after)
{
    return send(s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, after);
}

static void handshake(script *s)
{
    client_syn(s, 0);
    server_synack(s, 1 * MS);
    client_ack(s, 1 * MS);
}

static void assert_outcome(const script *s, tcpconn_reason while_reading, tcpconn_reason at_end)
{
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_attempt_reason(&s->a, false)), ==,
                    tcpconn_reason_name(while_reading));
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_attempt_reason(&s->a, true)), ==,
                    tcpconn_reason_name(at_end));
    g_assert_false(tcpconn_attempt_is_provisional(&s->a, true));
}

static void test_established_with_data(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 2 * MS);
    uint32_t ack_frame = client_ack(&s, 1 * MS);
    g_assert_true(tcpconn_attempt_is_provisional(&s.a, false));
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_false(tcpconn_attempt_is_provisional(&s.a, false));
    g_assert_cmpuint(s.a.connect_us, ==, 3000);
    g_assert_cmpuint(s.a.outcome_frame, ==, ack_frame);
    g_assert_cmpuint(s.a.first_frame, ==, 1);
    g_assert_cmpuint(s.a.syn_count, ==, 1);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
}

static void test_established_without_data(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    /* Nothing after the ACK yet: it may still be reset or closed. */
    g_assert_true(tcpconn_attempt_is_provisional(&s.a, false));
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
}

static void test_established_after_syn_retry(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    client_syn(&s, 2000 * MS);
    server_synack(&s, 1 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 0);
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_cmpuint(s.a.syn_count, ==, 3);
    g_assert_cmpuint(s.a.connect_us, ==, 3002000);
}

static void test_established_after_synack_retry(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    server_synack(&s, 1000 * MS);
    client_ack(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_cmpuint(s.a.synack_count, ==, 2);
}

static void test_refused(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    uint32_t rst = send(&s, false, RST | ACK, 0, CLIENT_ISN + 1, 0, 410000);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
    g_assert_false(tcpconn_attempt_is_provisional(&s.a, false));
    g_assert_cmpuint(s.a.outcome_frame, ==, rst);
    g_assert_cmpuint(s.a.outcome_us, ==, 410);
    g_assert_true(tcpconn_reason_is_failure(TCPCONN_REFUSED));
    g_assert_true(tcpconn_attempt_is_over(&s.a));
}

static void test_refused_after_retries(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    send(&s, false, RST | ACK, 0, CLIENT_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
}

static void test_end_of_open_time(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 2500 * 1000); /* +2.5 ms */
    g_assert_cmpuint(s.a.end_ms, ==, 5);                                  /* 4.5 ms, rounded up */
    send(&s, false, FIN | ACK, SERVER_ISN + 1, CLIENT_ISN + 11, 0, 10 * MS);
    send(&s, true, ACK, CLIENT_ISN + 11, SERVER_ISN + 2, 0, 10 * MS);
    /* Open until the first FIN; the packets after it do not count. */
    g_assert_cmpuint(s.a.end_ms, ==, 15);
    g_assert_cmpint(tcpconn_attempt_end_ns(&s.a), ==, s.a.first_ns + 15 * MS);
}

static void test_no_answer(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    client_syn(&s, 2000 * MS);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_NO_ANSWER);
    g_assert_true(tcpconn_attempt_is_provisional(&s.a, false));
    /* time_to_outcome runs to the last SYN. */
    g_assert_cmpuint(s.a.outcome_frame, ==, 3);
    g_assert_cmpuint(s.a.outcome_us, ==, 3000000);
    g_assert_cmpuint(s.a.syn_count, ==, 3);
}

static tcpconn_icmp icmp_error(script *s, uint8_t type, uint8_t code, uint32_t quoted_seq,
                               bool unreachable)
{
    s->now += 1 * MS;
    tcpconn_icmp e = {
        .frame = ++s->frame,
        .time_ns = s->now,
        .orientation = 1,
        .quoted_seq = quoted_seq,
        .unreachable = unreachable,
        .type = type,
        .code = code,
    };
    return e;
}

static void test_icmp_unreachable(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp e = icmp_error(&s, 3, 13, CLIENT_ISN, true);
    g_assert_true(tcpconn_attempt_matches_icmp(&s.a, &e));
    g_assert_true(tcpconn_attempt_icmp(&s.a, &e));
    assert_outcome(&s, TCPCONN_ICMP_UNREACHABLE, TCPCONN_ICMP_UNREACHABLE);
    g_assert_cmpuint(s.a.outcome_frame, ==, e.frame);
    g_assert_cmpuint(s.a.icmp_code, ==, 13);
    g_assert_true(tcpconn_attempt_is_over(&s.a));
}

static void test_icmp_quoting_other_isn_does_not_match(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp e = icmp_error(&s, 3, 3, CLIENT_ISN + 7, true);
    g_assert_false(tcpconn_attempt_matches_icmp(&s.a, &e));
    /* Quoting the server's direction does not match either. */
    e.quoted_seq = CLIENT_ISN;
    e.orientation = 0;
    g_assert_false(tcpconn_attempt_matches_icmp(&s.a, &e));
}

static void test_icmp_time_exceeded_does_not_decide(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp e = icmp_error(&s, 11, 0, CLIENT_ISN, false);
    g_assert_true(tcpconn_attempt_matches_icmp(&s.a, &e));
    g_assert_false(tcpconn_attempt_icmp(&s.a, &e));
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_NO_ANSWER);
}

static void test_icmp_after_synack_does_not_decide(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    tcpconn_icmp e = icmp_error(&s, 3, 1, CLIENT_ISN, true);
    g_assert_false(tcpconn_attempt_icmp(&s.a, &e));
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_HALF_OPEN);
}

static void test_synack_after_icmp_overrules_it(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp e = icmp_error(&s, 3, 1, CLIENT_ISN, true);
    g_assert_true(tcpconn_attempt_icmp(&s.a, &e));
    server_synack(&s, 1 * MS);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 0);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
}

static void test_half_open_never_acked(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    uint32_t last = server_synack(&s, 1000 * MS);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_HALF_OPEN);
    g_assert_cmpuint(s.a.outcome_frame, ==, last);
    g_assert_true(tcpconn_reason_is_failure(TCPCONN_HALF_OPEN));
}

static void test_half_open_reset_by_server(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    uint32_t rst = send(&s, false, RST, SERVER_ISN + 1, 0, 0, 3000 * MS);
    assert_outcome(&s, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
    g_assert_false(tcpconn_attempt_is_provisional(&s.a, false));
    g_assert_cmpuint(s.a.outcome_frame, ==, rst);
}

static void test_half_open_synack_after_ack(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    server_synack(&s, 1000 * MS); /* the server never got the ACK */
    client_ack(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
    /* ...whatever closes it later. */
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
}

static void test_synack_after_ack_then_data_is_retry(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    server_synack(&s, 1000 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 50, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
}

static void test_aborted_rst_after_synack(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    uint32_t rst = send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 0);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
    g_assert_cmpuint(s.a.outcome_frame, ==, rst);
}

static void test_aborted_rst_before_answer(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 5 * MS);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
}

static void test_aborted_fin_before_handshake(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, true, FIN, CLIENT_ISN + 1, 0, 0, 5 * MS);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
}

static void test_reset_by_server_after_accept(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, false, RST | ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_RESET_AFTER_ESTABLISHED, TCPCONN_RESET_AFTER_ESTABLISHED);
    g_assert_true(s.a.flags & TCPCONN_A_BY_RESPONDER);
    g_assert_false(tcpconn_reason_is_failure(TCPCONN_RESET_AFTER_ESTABLISHED));
}

static void test_reset_by_client_after_connect(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, RST | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_RESET_AFTER_ESTABLISHED, TCPCONN_RESET_AFTER_ESTABLISHED);
    g_assert_false(s.a.flags & TCPCONN_A_BY_RESPONDER);
}

static void test_closed_before_data_by_server(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    uint32_t fin = send(&s, false, FIN | ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 0, 1 * MS);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 2, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
    g_assert_true(s.a.flags & TCPCONN_A_BY_RESPONDER);
    g_assert_cmpuint(s.a.outcome_frame, ==, fin);
    g_assert_true(tcpconn_attempt_is_over(&s.a));
}

static void test_closed_before_data_by_client(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
    g_assert_false(s.a.flags & TCPCONN_A_BY_RESPONDER);
}

static void test_fin_carrying_data_is_established(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 20, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
}

static void test_rst_after_data_stays_established(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 300, 1 * MS);
    send(&s, false, RST, SERVER_ISN + 301, 0, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_true(tcpconn_attempt_is_over(&s.a));
}

static void test_rst_payload_is_not_data(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    /* Some stacks put diagnostic text in a RST; it is not application data. */
    send(&s, false, RST | ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 40, 1 * MS);
    assert_outcome(&s, TCPCONN_RESET_AFTER_ESTABLISHED, TCPCONN_RESET_AFTER_ESTABLISHED);
}

static void test_not_seen_mid_stream(void)
{
    script s;
    script_init(&s);
    send(&s, true, ACK, 777, 888, 100, 0);
    send(&s, false, ACK, 888, 877, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_HANDSHAKE_NOT_SEEN, TCPCONN_HANDSHAKE_NOT_SEEN);
    g_assert_false(tcpconn_attempt_is_provisional(&s.a, false));
    g_assert_false(tcpconn_reason_is_failure(TCPCONN_HANDSHAKE_NOT_SEEN));
}

static void test_not_seen_synack_first(void)
{
    script s;
    script_init(&s);
    server_synack(&s, 0);
    /* The SYN-ACK tells who the initiator is: the ACK comes from it. */
    client_ack(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_HANDSHAKE_NOT_SEEN, TCPCONN_HANDSHAKE_NOT_SEEN);
    g_assert_true(tcpconn_attempt_from_initiator(&s.a, 1));
    g_assert_cmpuint(s.a.initiator_isn, ==, CLIENT_ISN);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
}

static void test_simultaneous_open(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, false, SYN, SERVER_ISN, 0, 0, 1 * MS); /* crossing SYN */
    send(&s, true, SYNACK, CLIENT_ISN, SERVER_ISN + 1, 0, 1 * MS);
    g_assert_false(s.a.flags & TCPCONN_A_CONNECTED);
    send(&s, false, SYNACK, SERVER_ISN, CLIENT_ISN + 1, 0, 1 * MS);
    g_assert_true(s.a.flags & TCPCONN_A_CONNECTED);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(s.a.syn_count, ==, 1);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
}

static void test_syn_with_data_tfo(void)
{
    script s;
    script_init(&s);
    send(&s, true, SYN, CLIENT_ISN, 0, 120, 0);
    /* The server acknowledges the SYN and its data. */
    send(&s, false, SYNACK, SERVER_ISN, CLIENT_ISN + 121, 0, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 121, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_false(tcpconn_attempt_is_provisional(&s.a, false));
}

static void test_syn_with_data_refused(void)
{
    script s;
    script_init(&s);
    send(&s, true, SYN, CLIENT_ISN, 0, 120, 0);
    send(&s, false, RST | ACK, 0, CLIENT_ISN + 121, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
}

static void test_sequence_wrap(void)
{
    script s;
    script_init(&s);
    send(&s, true, SYN, 0xffffffffu, 0, 0, 0);
    send(&s, false, SYNACK, 0xfffffff0u, 0, 0, 1 * MS); /* acks 0xffffffff + 1 = 0 */
    send(&s, true, ACK, 0, 0xfffffff1u, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
}

static void test_ack_of_wrong_synack_does_not_connect(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN, 0, 1 * MS); /* acks nothing new */
    g_assert_false(s.a.flags & TCPCONN_A_CONNECTED);
}

static void test_counts_saturate(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    for (int i = 0; i < 300; i++)
        client_syn(&s, 1);
    g_assert_cmpuint(s.a.syn_count, ==, UINT8_MAX);
}

static void test_superseded_by(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_segment retransmit = { .frame = 9, .orientation = 1, .flags = SYN, .seq = CLIENT_ISN };
    tcpconn_segment new_isn = { .frame = 9, .orientation = 1, .flags = SYN, .seq = 42 };
    tcpconn_segment reverse = { .frame = 9, .orientation = 0, .flags = SYN, .seq = 42 };
    g_assert_false(tcpconn_attempt_is_superseded_by(&s.a, &retransmit));
    g_assert_true(tcpconn_attempt_is_superseded_by(&s.a, &new_isn));
    /* A reverse SYN during the handshake is a simultaneous open... */
    g_assert_false(tcpconn_attempt_is_superseded_by(&s.a, &reverse));
    /* ...and a new connection once the attempt is over. */
    send(&s, false, RST | ACK, 0, CLIENT_ISN + 1, 0, 1 * MS);
    g_assert_true(tcpconn_attempt_is_superseded_by(&s.a, &reverse));
    /* After a RST even the same ISN starts over: the connection is gone. */
    g_assert_true(tcpconn_attempt_is_superseded_by(&s.a, &retransmit));
}

static void test_syn_after_icmp_is_a_retransmission(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp e = icmp_error(&s, 3, 0, CLIENT_ISN, true);
    g_assert_true(tcpconn_attempt_icmp(&s.a, &e));
    /* The client kept trying with the same ISN (a soft error): same attempt. */
    client_syn(&s, 1000 * MS);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
    assert_outcome(&s, TCPCONN_ICMP_UNREACHABLE, TCPCONN_ICMP_UNREACHABLE);
}

static void test_reason_names(void)
{
    const char *expected[TCPCONN_REASON_COUNT] = {
        "in-progress",
        "established",
        "established-after-retry",
        "refused",
        "no-answer",
        "icmp-unreachable",
        "half-open",
        "aborted-by-client",
        "reset-after-established",
        "closed-before-data",
        "handshake-not-seen",
    };
    int failures = 0;
    for (int r = 0; r < TCPCONN_REASON_COUNT; r++) {
        g_assert_cmpstr(tcpconn_reason_name((tcpconn_reason)r), ==, expected[r]);
        failures += tcpconn_reason_is_failure((tcpconn_reason)r);
    }
    g_assert_cmpint(failures, ==, 5);
    g_assert_cmpstr(tcpconn_reason_name(TCPCONN_REASON_COUNT), ==, "unknown");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/attempt/established/with-data", test_established_with_data);
    g_test_add_func("/attempt/established/without-data", test_established_without_data);
    g_test_add_func("/attempt/established/fin-with-data", test_fin_carrying_data_is_established);
    g_test_add_func("/attempt/established/rst-after-data", test_rst_after_data_stays_established);
    g_test_add_func("/attempt/retry/syn", test_established_after_syn_retry);
    g_test_add_func("/attempt/retry/synack", test_established_after_synack_retry);
    g_test_add_func("/attempt/retry/synack-after-ack-then-data",
                    test_synack_after_ack_then_data_is_retry);
    g_test_add_func("/attempt/refused/first-syn", test_refused);
    g_test_add_func("/attempt/refused/after-retries", test_refused_after_retries);
    g_test_add_func("/attempt/no-answer", test_no_answer);
    g_test_add_func("/attempt/end-of-open-time", test_end_of_open_time);
    g_test_add_func("/attempt/icmp/unreachable", test_icmp_unreachable);
    g_test_add_func("/attempt/icmp/other-isn", test_icmp_quoting_other_isn_does_not_match);
    g_test_add_func("/attempt/icmp/time-exceeded", test_icmp_time_exceeded_does_not_decide);
    g_test_add_func("/attempt/icmp/after-synack", test_icmp_after_synack_does_not_decide);
    g_test_add_func("/attempt/icmp/overruled-by-synack", test_synack_after_icmp_overrules_it);
    g_test_add_func("/attempt/half-open/never-acked", test_half_open_never_acked);
    g_test_add_func("/attempt/half-open/server-reset", test_half_open_reset_by_server);
    g_test_add_func("/attempt/half-open/synack-after-ack", test_half_open_synack_after_ack);
    g_test_add_func("/attempt/aborted/rst-after-synack", test_aborted_rst_after_synack);
    g_test_add_func("/attempt/aborted/rst-before-answer", test_aborted_rst_before_answer);
    g_test_add_func("/attempt/aborted/fin", test_aborted_fin_before_handshake);
    g_test_add_func("/attempt/reset/by-server", test_reset_by_server_after_accept);
    g_test_add_func("/attempt/reset/by-client", test_reset_by_client_after_connect);
    g_test_add_func("/attempt/reset/rst-payload", test_rst_payload_is_not_data);
    g_test_add_func("/attempt/closed/by-server", test_closed_before_data_by_server);
    g_test_add_func("/attempt/closed/by-client", test_closed_before_data_by_client);
    g_test_add_func("/attempt/not-seen/mid-stream", test_not_seen_mid_stream);
    g_test_add_func("/attempt/not-seen/synack-first", test_not_seen_synack_first);
    g_test_add_func("/attempt/simultaneous-open", test_simultaneous_open);
    g_test_add_func("/attempt/tfo/established", test_syn_with_data_tfo);
    g_test_add_func("/attempt/tfo/refused", test_syn_with_data_refused);
    g_test_add_func("/attempt/sequence-wrap", test_sequence_wrap);
    g_test_add_func("/attempt/wrong-ack", test_ack_of_wrong_synack_does_not_connect);
    g_test_add_func("/attempt/counts-saturate", test_counts_saturate);
    g_test_add_func("/attempt/superseded-by", test_superseded_by);
    g_test_add_func("/attempt/icmp/then-retransmission", test_syn_after_icmp_is_a_retransmission);
    g_test_add_func("/attempt/reason-names", test_reason_names);
    return g_test_run();
}
