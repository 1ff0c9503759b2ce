/* Unit tests for the connection-attempt state machine (plugin/attempt.c)
 * and the outcome read from it (plugin/outcome.c).
 *
 * Each test plays a handshake as a list of segments, from the initiator
 * or the responder, and checks the outcome it leads to while reading (one
 * pass) and once the capture has been read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "attempt.h"
#include "outcome.h"

#define CLIENT_ISN 1000u
#define SERVER_ISN 5000u
#define MS         1000000LL

/* A tiny script: the attempt, the next frame number, the clock, and the
 * transitions the last packet reported. */
typedef struct {
    tcpconn_attempt a;
    uint32_t frame;
    int64_t now;
    bool started;
    unsigned now_flags;
    unsigned plain_absorbed; /* segments tcpconn_attempt_plain_segment() took */
} script;

static void script_init(script *s)
{
    s->frame = 0;
    s->now = 1700000000LL * 1000000000LL;
    s->started = false;
    s->now_flags = 0;
    s->plain_absorbed = 0;
}

static tcpconn_segment segment(script *s, bool from_client, uint16_t flags, uint32_t seq,
                               uint32_t ack, uint32_t len, int64_t after_ns)
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
        .src_port = from_client ? 40001 : 443,
        .dst_port = from_client ? 443 : 40001,
    };
    return seg;
}

/* Sends one segment. Initiator segments have orientation 1 here, so the
 * tests also cover an initiator whose orientation bit is set. */
static uint32_t send(script *s, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack,
                     uint32_t len, int64_t after_ns)
{
    tcpconn_segment seg = segment(s, from_client, flags, seq, ack, len, after_ns);
    if (!s->started) {
        s->now_flags = tcpconn_attempt_start(&s->a, &seg);
        s->started = true;
    } else {
        g_assert_false(tcpconn_attempt_is_superseded_by(&s->a, &seg));
        /* The shortcut must change exactly what the full feed changes. */
        tcpconn_attempt quick;
        memcpy(&quick, &s->a, sizeof quick);
        bool absorbed = tcpconn_attempt_plain_segment(&quick, seg.flags, seg.time_ns);
        if (!absorbed)
            g_assert_cmpmem(&quick, sizeof quick, &s->a, sizeof s->a);
        s->now_flags = tcpconn_attempt_segment(&s->a, &seg);
        if (absorbed) {
            g_assert_cmpmem(&quick, sizeof quick, &s->a, sizeof s->a);
            g_assert_cmpuint(s->now_flags, ==, 0);
            s->plain_absorbed++;
        }
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

static uint32_t server_refuses(script *s, int64_t after)
{
    return send(s, false, RST | ACK, 0, CLIENT_ISN + 1, 0, after);
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

/* The capture as seen while reading, or read to its end `end_after` after
 * the last packet (10 s: nothing is cut off). */
static tcpconn_capture capture_of(const script *s, bool complete, int64_t end_after)
{
    tcpconn_capture c = { complete, false, s->now + end_after, 1000 * MS };
    return c;
}

static tcpconn_outcome outcome(const script *s, bool complete)
{
    tcpconn_capture c = capture_of(s, complete, 10000 * MS);
    return tcpconn_outcome_of(&s->a, &c);
}

static bool provisional(const script *s)
{
    return outcome(s, false).provisional;
}

static void assert_outcome(const script *s, tcpconn_reason while_reading, tcpconn_reason at_end)
{
    g_assert_cmpstr(tcpconn_reason_name(outcome(s, false).reason), ==,
                    tcpconn_reason_name(while_reading));
    g_assert_cmpstr(tcpconn_reason_name(outcome(s, true).reason), ==, tcpconn_reason_name(at_end));
    g_assert_false(outcome(s, true).provisional);
}

static void test_established_with_data(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 2 * MS);
    uint32_t ack_frame = client_ack(&s, 1 * MS);
    g_assert_true(provisional(&s));
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_VERDICT);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_false(provisional(&s));
    g_assert_true(outcome(&s, true).connected);
    g_assert_cmpuint(s.a.connect_us, ==, 3000);
    g_assert_cmpuint(s.a.outcome_frame, ==, ack_frame);
    g_assert_cmpuint(s.a.first_frame, ==, 1);
    g_assert_cmpuint(s.a.syn_count, ==, 1);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_NONE);
    /* Settled: the shortcut takes later segments without SYN, FIN or RST. */
    g_assert_cmpuint(s.plain_absorbed, ==, 0);
    send(&s, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 101, 200, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 101, SERVER_ISN + 201, 0, 1 * MS);
    g_assert_cmpuint(s.plain_absorbed, ==, 2);
    send(&s, true, ACK | FIN, CLIENT_ISN + 101, SERVER_ISN + 201, 0, 1 * MS);
    g_assert_cmpuint(s.plain_absorbed, ==, 2);
}

static void test_established_without_data(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    /* Nothing after the ACK yet: it may still be reset or closed. */
    g_assert_true(provisional(&s));
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
}

/* Once connected with data the outcome is settled: a copy of the SYN or
 * SYN-ACK captured that late (a duplicate, or reordered) is no retry. */
static void test_late_copies_of_the_handshake_change_nothing(void)
{
    for (int copy_from_client = 0; copy_from_client < 2; copy_from_client++) {
        script s;
        script_init(&s);
        handshake(&s);
        send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 1 * MS);
        g_assert_false(provisional(&s));
        if (copy_from_client)
            send(&s, true, SYN, CLIENT_ISN, 0, 0, 1 * MS);
        else
            server_synack(&s, 1 * MS);
        g_assert_cmpuint(s.now_flags, ==, 0);
        assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
        g_assert_cmpuint(s.a.syn_count, ==, 1);
        g_assert_cmpuint(s.a.synack_count, ==, 1);
        /* The same with FIN set (the fuzzer's first find). */
        if (copy_from_client) {
            send(&s, true, SYN | FIN, CLIENT_ISN, 0, 0, 1 * MS);
            assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
        }
    }
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
    g_assert_cmpint(outcome(&s, true).expert, ==, TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY);
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
    uint32_t rst = server_refuses(&s, 410000);
    g_assert_cmpuint(s.now_flags, ==,
                     TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT | TCPCONN_NOW_RETRYABLE);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
    /* A same-ISN retry may still follow: not final in one pass, but the
     * refusal is a fact, so its expert item is already there. */
    g_assert_true(provisional(&s));
    g_assert_cmpint(outcome(&s, false).expert, ==, TCPCONN_EXPERT_REFUSED);
    g_assert_true(outcome(&s, false).failed);
    g_assert_cmpuint(s.a.outcome_frame, ==, rst);
    g_assert_cmpuint(s.a.outcome_us, ==, 410);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_SERVER);
}

static void test_refused_after_retransmission(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    server_refuses(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 0);
}

/* Windows retries a refused connect twice with the same ISN: one
 * connect(), one attempt, decided by the last RST, when the application
 * got its error. */
static void test_refused_same_isn_retries(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_refuses(&s, 1 * MS);
    tcpconn_segment retry = segment(&s, true, SYN, CLIENT_ISN, 0, 0, 0);
    g_assert_false(tcpconn_attempt_is_superseded_by(&s.a, &retry));
    g_assert_true(tcpconn_attempt_is_retried_by(&s.a, &retry));
    s.frame--;
    client_syn(&s, 500 * MS);
    /* Still refused while the retry waits; the first RST closed it, once. */
    g_assert_cmpuint(s.now_flags, ==, 0);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 1);
    server_refuses(&s, 1 * MS);
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_RETRYABLE); /* again: retry */
    client_syn(&s, 500 * MS);
    uint32_t last_rst = server_refuses(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_REFUSED, TCPCONN_REFUSED);
    g_assert_cmpuint(s.a.syn_count, ==, 3);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 0);
    g_assert_cmpuint(s.a.outcome_frame, ==, last_rst);
    g_assert_cmpuint(s.a.outcome_us, ==, 1003000);
    g_assert_cmpuint(s.a.end_ms, ==, 1); /* open until the first RST */
}

static void test_refused_then_retry_connects(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_refuses(&s, 1 * MS);
    client_syn(&s, 500 * MS);
    server_synack(&s, 1 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 1 * MS);
    /* connect() succeeded in the end. */
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
    g_assert_cmpuint(s.a.connect_us, ==, 503000);
}

/* Only a connected attempt that ended makes the same ISN a fresh try. */
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
    g_assert_false(tcpconn_attempt_is_retried_by(&s.a, &new_isn));
    /* A reverse SYN during the handshake is a simultaneous open... */
    g_assert_false(tcpconn_attempt_is_superseded_by(&s.a, &reverse));
    /* ...and a new connection once the attempt is over. */
    server_refuses(&s, 1 * MS);
    g_assert_true(tcpconn_attempt_is_superseded_by(&s.a, &reverse));
    g_assert_false(tcpconn_attempt_is_superseded_by(&s.a, &retransmit));

    script c;
    script_init(&c);
    handshake(&c);
    send(&c, false, RST, SERVER_ISN + 1, 0, 0, 1 * MS);
    g_assert_true(tcpconn_attempt_is_superseded_by(&c.a, &retransmit));
    g_assert_false(tcpconn_attempt_is_retried_by(&c.a, &retransmit));
}

/* TCPCONN_NOW_RETRYABLE: every RST or FIN before the handshake completed,
 * from either side, once the initiator's ISN is known; never after the
 * handshake, nor without the ISN. */
static void test_retryable_transition(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_RETRYABLE, ==, 0);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 1 * MS); /* the client gives up */
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_RETRYABLE, !=, 0);
    client_syn(&s, 1000 * MS);
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_RETRYABLE, ==, 0);
    server_synack(&s, 1 * MS);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS); /* completes it */
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_RETRYABLE, ==, 0);
    send(&s, false, RST, SERVER_ISN + 1, 0, 0, 1 * MS);
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_RETRYABLE, ==, 0);

    /* The server's RST before the client's ACK: half-open, and retryable. */
    script h;
    script_init(&h);
    client_syn(&h, 0);
    server_synack(&h, 1 * MS);
    send(&h, false, RST, SERVER_ISN + 1, 0, 0, 1 * MS);
    g_assert_cmpuint(h.now_flags & TCPCONN_NOW_RETRYABLE, !=, 0);

    /* Mid-stream, the initiator's ISN is unknown: nothing to retry. */
    script m;
    script_init(&m);
    send(&m, true, ACK, CLIENT_ISN + 100, SERVER_ISN + 100, 10, 0);
    send(&m, true, FIN | ACK, CLIENT_ISN + 110, SERVER_ISN + 100, 0, 1 * MS);
    g_assert_cmpuint(m.now_flags & TCPCONN_NOW_RETRYABLE, ==, 0);
}

/* The server still holds an old connection on these ports: it answers the
 * SYN with an ACK for that one, the client's kernel resets it (RFC 9293
 * 3.10.7.3) and retransmits the SYN, which then connects. */
static void test_stale_ack_then_connects(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, false, ACK, 77777, 123456789, 0, 1 * MS);
    send(&s, true, RST, 123456789, 0, 0, 0);
    /* No abort, no close; the SYN that follows may still retry. */
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_RETRYABLE);
    g_assert_true(s.a.flags & TCPCONN_A_STALE_ACK);
    g_assert_cmpstr(tcpconn_reason_name(outcome(&s, false).reason), ==, "in-progress");
    client_syn(&s, 3000 * MS);
    server_synack(&s, 59 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
    g_assert_cmpuint(s.a.connect_us, ==, 3061000);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_NONE);
}

static void test_stale_connection(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    uint32_t ack = send(&s, false, ACK, 77777, 123456789, 0, 1 * MS);
    send(&s, true, RST, 123456789, 0, 0, 0);
    client_syn(&s, 1000 * MS);
    send(&s, false, ACK, 77777, 123456789, 0, 1 * MS);
    send(&s, true, RST, 123456789, 0, 0, 0);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_STALE_CONNECTION);
    g_assert_true(outcome(&s, true).failed);
    g_assert_cmpint(outcome(&s, true).expert, ==, TCPCONN_EXPERT_STALE_CONNECTION);
    g_assert_cmpuint(s.a.outcome_frame, >, ack); /* the latest stale ACK */
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
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_CLOSED);
    send(&s, true, ACK, CLIENT_ISN + 11, SERVER_ISN + 2, 0, 10 * MS);
    /* Open until the first FIN; the packets after it do not count. */
    g_assert_cmpuint(s.a.end_ms, ==, 15);
    g_assert_cmpint(tcpconn_attempt_end_ns(&s.a), ==, s.a.first_ns + 15 * MS);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_SERVER);
}

static void test_no_answer(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    g_assert_cmpuint(s.now_flags, ==, 0);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_IN_PROGRESS);
    g_assert_cmpint(outcome(&s, false).expert, ==, TCPCONN_EXPERT_NONE);
    /* The first retransmission is the client's own statement that nothing
     * came back: a provisional failure from that packet on. */
    client_syn(&s, 1000 * MS);
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_VERDICT);
    g_assert_true(outcome(&s, false).failed);
    client_syn(&s, 2000 * MS);
    g_assert_cmpuint(s.now_flags, ==, 0); /* a verdict is reported once */
    assert_outcome(&s, TCPCONN_NO_ANSWER, TCPCONN_NO_ANSWER);
    g_assert_true(provisional(&s));
    g_assert_cmpint(outcome(&s, false).expert, ==, TCPCONN_EXPERT_NO_ANSWER);
    g_assert_cmpint(outcome(&s, true).expert, ==, TCPCONN_EXPERT_NO_ANSWER);
    /* time_to_outcome runs to the last SYN. */
    g_assert_cmpuint(s.a.outcome_frame, ==, 3);
    g_assert_cmpuint(s.a.outcome_us, ==, 3000000);
    g_assert_cmpuint(s.a.syn_count, ==, 3);
}

/* Stopped right after the SYNs went out: too soon to call it failed. */
static void test_capture_ended(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_capture soon = capture_of(&s, true, 300 * MS);
    tcpconn_capture later = capture_of(&s, true, 1500 * MS);
    tcpconn_outcome o = tcpconn_outcome_of(&s.a, &soon);
    g_assert_cmpstr(tcpconn_reason_name(o.reason), ==, "capture-ended");
    g_assert_false(o.failed);
    g_assert_cmpint(o.expert, ==, TCPCONN_EXPERT_NONE);
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &later).reason), ==, "no-answer");
    soon.end_window_ns = 0; /* the preference turned off */
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &soon).reason), ==, "no-answer");

    /* A SYN-ACK waiting for its ACK, likewise; a decided attempt is not
     * waiting. */
    server_synack(&s, 1 * MS);
    soon = capture_of(&s, true, 300 * MS);
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &soon).reason), ==,
                    "capture-ended");
    send(&s, false, RST, SERVER_ISN + 1, 0, 0, 1 * MS);
    soon = capture_of(&s, true, 0);
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &soon).reason), ==, "half-open");
}

static tcpconn_icmp_error icmp_error(script *s, uint8_t code, uint32_t quoted_seq, bool unreachable)
{
    s->now += 1 * MS;
    tcpconn_icmp_error e = {
        .frame = ++s->frame,
        .time_ns = s->now,
        .orientation = 1,
        .quoted_seq = quoted_seq,
        .unreachable = unreachable,
        .code = code,
    };
    return e;
}

static void test_icmp_unreachable(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp_error e = icmp_error(&s, 13, CLIENT_ISN, true);
    g_assert_true(tcpconn_attempt_matches_icmp(&s.a, &e));
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &e), ==, TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT);
    assert_outcome(&s, TCPCONN_ICMP_UNREACHABLE, TCPCONN_ICMP_UNREACHABLE);
    g_assert_cmpint(outcome(&s, false).expert, ==, TCPCONN_EXPERT_ICMP_UNREACHABLE);
    g_assert_cmpuint(s.a.outcome_frame, ==, e.frame);
    g_assert_cmpuint(s.a.icmp_code, ==, 13);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_NONE);
}

/* A soft error: the client retries and the last ICMP error decides. */
static void test_icmp_latest_error_decides(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp_error first = icmp_error(&s, 4, CLIENT_ISN, true);
    tcpconn_attempt_icmp(&s.a, &first);
    client_syn(&s, 1000 * MS);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 1);
    tcpconn_icmp_error last = icmp_error(&s, 3, CLIENT_ISN, true);
    /* Closed by the first error already: not again. */
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &last), ==, 0);
    g_assert_cmpuint(s.a.outcome_frame, ==, last.frame);
    g_assert_cmpuint(s.a.icmp_code, ==, 3);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 0);
    /* A later retry that got no answer is counted apart. */
    client_syn(&s, 2000 * MS);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 1);
    assert_outcome(&s, TCPCONN_ICMP_UNREACHABLE, TCPCONN_ICMP_UNREACHABLE);
}

static void test_icmp_quoting_other_isn_does_not_match(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp_error e = icmp_error(&s, 3, CLIENT_ISN + 7, true);
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
    tcpconn_icmp_error e = icmp_error(&s, 0, CLIENT_ISN, false);
    g_assert_true(tcpconn_attempt_matches_icmp(&s.a, &e));
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &e), ==, 0);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_NO_ANSWER);
}

static void test_icmp_after_synack_does_not_decide(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    tcpconn_icmp_error e = icmp_error(&s, 1, CLIENT_ISN, true);
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &e), ==, 0);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_HALF_OPEN);
}

/* ICMP error, then a SYN-ACK after all, then a RST: the attempt closes
 * once, at the error, so a server's concurrency is counted right. */
static void test_synack_after_icmp_overrules_it(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp_error e = icmp_error(&s, 1, CLIENT_ISN, true);
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &e), ==, TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT);
    server_synack(&s, 1 * MS);
    g_assert_cmpuint(s.now_flags, ==, 0);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 0);
    g_assert_cmpuint(s.now_flags & TCPCONN_NOW_CLOSED, ==, 0);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
}

static void test_half_open_never_acked(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_IN_PROGRESS);
    uint32_t last = server_synack(&s, 1000 * MS);
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_VERDICT);
    assert_outcome(&s, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
    g_assert_true(provisional(&s));
    g_assert_cmpuint(s.a.outcome_frame, ==, last);
    g_assert_true(outcome(&s, true).failed);
}

static void test_half_open_reset_by_server(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    uint32_t rst = send(&s, false, RST, SERVER_ISN + 1, 0, 0, 3000 * MS);
    assert_outcome(&s, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
    g_assert_false(provisional(&s));
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

/* Fuzz finding: the client connects and closes at once, but its ACK was
 * lost, so the server re-sends its SYN-ACK; the client's FIN completes the
 * server's handshake and the server still sends its banner. Half-open until
 * that data, so not final while reading. */
static void test_half_open_until_data_after_close(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    server_synack(&s, 1000 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_HALF_OPEN);
    g_assert_true(provisional(&s));
    send(&s, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 2, 20, 1 * MS); /* the banner */
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
    g_assert_false(provisional(&s));
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);
}

/* A responder that answers with a SYN of its own and nothing completes. */
static void test_half_open_bare_syn_answer(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, false, SYN, SERVER_ISN, 0, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_IN_PROGRESS, TCPCONN_HALF_OPEN);
    g_assert_cmpuint(s.a.synack_count, ==, 0);
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
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);
}

/* Fuzz finding: once the client gave up after the SYN-ACK (or the server
 * reset it before the ACK), a later ACK completes no handshake: the final
 * outcome shown at the FIN or RST stays, connected or not. */
static void test_over_before_handshake_stays_unconnected(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    send(&s, true, FIN, CLIENT_ISN + 1, 0, 0, 1 * MS); /* FIN without ACK: no real TCP */
    g_assert_false(provisional(&s));
    g_assert_false(outcome(&s, false).connected);
    send(&s, true, ACK, CLIENT_ISN + 2, SERVER_ISN + 1, 10, 1 * MS);
    assert_outcome(&s, TCPCONN_ABORTED_BY_CLIENT, TCPCONN_ABORTED_BY_CLIENT);
    g_assert_false(outcome(&s, true).connected);
    g_assert_cmpuint(s.a.connect_us, ==, 0);

    script h;
    script_init(&h);
    client_syn(&h, 0);
    server_synack(&h, 1 * MS);
    send(&h, false, RST, SERVER_ISN + 1, 0, 0, 1 * MS);
    g_assert_false(provisional(&h));
    client_ack(&h, 0); /* captured after the RST */
    assert_outcome(&h, TCPCONN_HALF_OPEN, TCPCONN_HALF_OPEN);
    g_assert_false(outcome(&h, true).connected);
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
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_SERVER);
    g_assert_cmpint(outcome(&s, true).expert, ==, TCPCONN_EXPERT_RESET_BY_SERVER);
    g_assert_false(outcome(&s, true).failed);
}

static void test_reset_by_client_after_connect(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, RST | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_RESET_AFTER_ESTABLISHED, TCPCONN_RESET_AFTER_ESTABLISHED);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);
    g_assert_cmpint(outcome(&s, true).expert, ==, TCPCONN_EXPERT_RESET_BY_CLIENT);
}

static void test_closed_before_data_by_server(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    uint32_t fin = send(&s, false, FIN | ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 0, 1 * MS);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 2, 0, 1 * MS);
    /* The client's ACK of the server's FIN is not data. */
    send(&s, false, ACK, SERVER_ISN + 2, CLIENT_ISN + 2, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_SERVER);
    g_assert_cmpuint(s.a.outcome_frame, ==, fin);
}

static void test_closed_before_data_by_client(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);
}

static void test_fin_carrying_data_is_established(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 20, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);
}

static void test_rst_after_data_stays_established(void)
{
    script s;
    script_init(&s);
    handshake(&s);
    send(&s, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 300, 1 * MS);
    send(&s, false, RST, SERVER_ISN + 301, 0, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
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

/* A SYN/FIN/RST capture filter: the numbers of the FINs show the data. */
static void test_sequence_numbers_show_data(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    /* The client's FIN acknowledges the SYN-ACK and 500 bytes of response,
     * after sending 100 bytes of request. */
    send(&s, true, FIN | ACK, CLIENT_ISN + 101, SERVER_ISN + 501, 0, 40 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_true(s.a.flags & TCPCONN_A_DATA);
    g_assert_cmpint(outcome(&s, true).ended_by, ==, TCPCONN_SIDE_CLIENT);

    /* The responder's RST shows its own data by its sequence number. */
    script r;
    script_init(&r);
    client_syn(&r, 0);
    server_synack(&r, 1 * MS);
    send(&r, false, RST, SERVER_ISN + 1201, 0, 0, 40 * MS);
    g_assert_true(r.a.flags & TCPCONN_A_DATA);
    g_assert_true(r.a.flags & TCPCONN_A_CONNECTED);
    assert_outcome(&r, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_cmpint(outcome(&r, true).ended_by, ==, TCPCONN_SIDE_SERVER);

    /* A client's RST that acknowledges the SYN-ACK shows it had connected. */
    script k;
    script_init(&k);
    client_syn(&k, 0);
    server_synack(&k, 1 * MS);
    send(&k, true, RST | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 40 * MS);
    assert_outcome(&k, TCPCONN_RESET_AFTER_ESTABLISHED, TCPCONN_RESET_AFTER_ESTABLISHED);

    /* Without data the FINs sit right after the SYNs: closed before data. */
    script c;
    script_init(&c);
    client_syn(&c, 0);
    server_synack(&c, 1 * MS);
    send(&c, true, FIN | ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, 40 * MS);
    send(&c, false, FIN | ACK, SERVER_ISN + 1, CLIENT_ISN + 2, 0, 1 * MS);
    assert_outcome(&c, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
}

/* A lossy capture without the SYN-ACK: the client's ACK shows it came. */
static void test_missing_synack_inferred(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_ack(&s, 2 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(s.a.synack_count, ==, 0);

    /* ...also after a refusal, when the retry's SYN-ACK is the one missing. */
    script f;
    script_init(&f);
    client_syn(&f, 0);
    server_refuses(&f, 1 * MS);
    client_syn(&f, 500 * MS);
    client_ack(&f, 2 * MS);
    send(&f, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    assert_outcome(&f, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);

    /* ...or the server's data acknowledging the SYN. */
    script r;
    script_init(&r);
    client_syn(&r, 0);
    send(&r, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 300, 3 * MS);
    assert_outcome(&r, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_false(r.a.flags & TCPCONN_A_STALE_ACK);
}

static tcpconn_reason reason_in_handshake_only_capture(const script *s)
{
    tcpconn_capture c = capture_of(s, true, 10000 * MS);
    c.handshake_only = true;
    return tcpconn_outcome_of(&s->a, &c).reason;
}

/* A SYN-only capture: a working connection shows as SYN and SYN-ACK. */
static void test_handshake_only_capture(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    g_assert_cmpint(reason_in_handshake_only_capture(&s), ==, TCPCONN_ACK_NOT_CAPTURED);
    g_assert_cmpint(tcpconn_reason_group(TCPCONN_ACK_NOT_CAPTURED), ==, TCPCONN_GROUP_UNDECIDED);
    /* Re-sent SYN-ACKs are positive evidence that no ACK came. */
    server_synack(&s, 1000 * MS);
    g_assert_cmpint(reason_in_handshake_only_capture(&s), ==, TCPCONN_HALF_OPEN);

    /* That holds however soon the capture ended; a lone SYN is cut off. */
    script e;
    script_init(&e);
    client_syn(&e, 0);
    server_synack(&e, 1 * MS);
    tcpconn_capture soon = capture_of(&e, true, 10 * MS);
    soon.handshake_only = true;
    g_assert_cmpint(tcpconn_outcome_of(&e.a, &soon).reason, ==, TCPCONN_ACK_NOT_CAPTURED);

    script n;
    script_init(&n);
    client_syn(&n, 0);
    soon = capture_of(&n, true, 10 * MS);
    soon.handshake_only = true;
    g_assert_cmpint(tcpconn_outcome_of(&n.a, &soon).reason, ==, TCPCONN_CAPTURE_ENDED);
    g_assert_cmpint(reason_in_handshake_only_capture(&n), ==, TCPCONN_NO_ANSWER);
    server_refuses(&n, 1 * MS);
    g_assert_cmpint(reason_in_handshake_only_capture(&n), ==, TCPCONN_REFUSED);
}

static void test_not_seen_mid_stream(void)
{
    script s;
    script_init(&s);
    send(&s, true, ACK, 777, 888, 100, 0);
    g_assert_cmpuint(s.now_flags, ==, TCPCONN_NOW_VERDICT);
    send(&s, false, ACK, 888, 877, 0, 1 * MS);
    assert_outcome(&s, TCPCONN_HANDSHAKE_NOT_SEEN, TCPCONN_HANDSHAKE_NOT_SEEN);
    g_assert_false(provisional(&s));
    g_assert_false(outcome(&s, true).failed);
    g_assert_false(outcome(&s, true).connected);
}

/* Without the handshake the ports name the server: a first packet from
 * port 443 comes from the server, whoever sent it first. */
static void test_not_seen_roles_by_port(void)
{
    script s;
    script_init(&s);
    send(&s, false, ACK, 888, 777, 1400, 0); /* the server's data, 443 -> 40001 */
    g_assert_true(tcpconn_attempt_from_initiator(&s.a, 1));
    g_assert_false(tcpconn_attempt_from_initiator(&s.a, 0));

    tcpconn_attempt a;
    tcpconn_segment high = {
        .frame = 1, .orientation = 0, .flags = ACK, .src_port = 50000, .dst_port = 873
    };
    tcpconn_attempt_start(&a, &high);
    g_assert_true(tcpconn_attempt_from_initiator(&a, 0)); /* system port: the server */
    tcpconn_segment both_high = {
        .frame = 1, .orientation = 1, .flags = ACK, .src_port = 50000, .dst_port = 50001
    };
    tcpconn_attempt_start(&a, &both_high);
    g_assert_true(tcpconn_attempt_from_initiator(&a, 1)); /* no clue: the sender */
}

static void test_not_seen_synack_first(void)
{
    script s;
    script_init(&s);
    server_synack(&s, 0);
    g_assert_true(provisional(&s)); /* its SYN may still turn up */
    /* The SYN-ACK tells who the initiator is: the ACK comes from it. */
    client_ack(&s, 1 * MS);
    assert_outcome(&s, TCPCONN_HANDSHAKE_NOT_SEEN, TCPCONN_HANDSHAKE_NOT_SEEN);
    g_assert_true(tcpconn_attempt_from_initiator(&s.a, 1));
    g_assert_cmpuint(s.a.initiator_isn, ==, CLIENT_ISN);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
}

/* The SYN-ACK captured a fraction of a millisecond before its SYN. */
static void test_reordered_handshake(void)
{
    script s;
    script_init(&s);
    server_synack(&s, 0);
    client_syn(&s, 200000);
    client_ack(&s, 1000);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 10, 1 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
    g_assert_cmpuint(s.a.syn_count, ==, 1);
    g_assert_cmpuint(s.a.synack_count, ==, 1);
    g_assert_true(outcome(&s, true).connected);
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
    g_assert_false(provisional(&s));
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
    send(&s, true, FIN | ACK, 0, 0xfffffff1u, 0, 1 * MS);
    /* No data across the wrap either. */
    assert_outcome(&s, TCPCONN_CLOSED_BEFORE_DATA, TCPCONN_CLOSED_BEFORE_DATA);
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
    server_refuses(&s, 1);
    for (int i = 0; i < 300; i++)
        client_syn(&s, 1);
    g_assert_cmpuint(s.a.syn_count, ==, UINT8_MAX);
    g_assert_cmpuint(s.a.syns_after_decision, ==, 15);
}

static void test_syn_after_icmp_is_a_retransmission(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    tcpconn_icmp_error e = icmp_error(&s, 0, CLIENT_ISN, true);
    g_assert_cmpuint(tcpconn_attempt_icmp(&s.a, &e), ==, TCPCONN_NOW_CLOSED | TCPCONN_NOW_VERDICT);
    /* The client kept trying with the same ISN (a soft error): same attempt. */
    client_syn(&s, 1000 * MS);
    g_assert_cmpuint(s.a.syn_count, ==, 2);
    assert_outcome(&s, TCPCONN_ICMP_UNREACHABLE, TCPCONN_ICMP_UNREACHABLE);
}

/* A retransmission is evidence however soon the capture ends after it; a
 * single SYN or SYN-ACK is not. */
static void test_retransmission_is_evidence_at_capture_end(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    client_syn(&s, 1030 * MS);
    tcpconn_capture soon = capture_of(&s, true, 30 * MS);
    tcpconn_outcome o = tcpconn_outcome_of(&s.a, &soon);
    g_assert_cmpstr(tcpconn_reason_name(o.reason), ==, "no-answer");
    g_assert_true(o.failed);
    g_assert_true(o.capture_stopped);
    g_assert_cmpint(o.expert, ==, TCPCONN_EXPERT_NO_ANSWER);
    tcpconn_capture later = capture_of(&s, true, 3000 * MS);
    g_assert_false(tcpconn_outcome_of(&s.a, &later).capture_stopped);

    /* The server re-sending its SYN-ACK on its own: half-open at once. */
    script h;
    script_init(&h);
    client_syn(&h, 0);
    server_synack(&h, 1 * MS);
    server_synack(&h, 1000 * MS);
    server_synack(&h, 2000 * MS);
    soon = capture_of(&h, true, 1 * MS);
    o = tcpconn_outcome_of(&h.a, &soon);
    g_assert_cmpstr(tcpconn_reason_name(o.reason), ==, "half-open");
    g_assert_true(o.capture_stopped);
    g_assert_true(tcpconn_attempt_synack_resent_unacked(&h.a));
}

/* A SYN-ACK that answers a retransmitted SYN is not the server's own
 * retransmission: the ACK may have been on its way. */
static void test_synack_answering_a_retry_is_not_resent(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_synack(&s, 1 * MS);
    client_syn(&s, 1000 * MS);
    server_synack(&s, 1 * MS);
    g_assert_false(tcpconn_attempt_synack_resent_unacked(&s.a));
    g_assert_false(tcpconn_attempt_retried_unanswered(&s.a));
    tcpconn_capture soon = capture_of(&s, true, 10 * MS);
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &soon).reason), ==,
                    "capture-ended");
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_IN_PROGRESS);
    soon.handshake_only = true;
    g_assert_cmpstr(tcpconn_reason_name(tcpconn_outcome_of(&s.a, &soon).reason), ==,
                    "ack-not-captured");
    g_assert_cmpstr(tcpconn_reason_name(outcome(&s, true).reason), ==, "half-open");
}

/* A provisional no-answer that a later answer overrules. */
static void test_no_answer_then_answered(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    client_syn(&s, 1000 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_NO_ANSWER);
    server_synack(&s, 1 * MS);
    g_assert_cmpuint(s.now_flags, ==, 0);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_IN_PROGRESS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    /* Settled, but the verdict was already reported with the failure. */
    g_assert_cmpuint(s.now_flags, ==, 0);
    g_assert_true(tcpconn_attempt_is_settled(&s.a));
    assert_outcome(&s, TCPCONN_ESTABLISHED_AFTER_RETRY, TCPCONN_ESTABLISHED_AFTER_RETRY);
    g_assert_false(outcome(&s, true).capture_stopped);
}

/* The server's RST and FIN before its SYN-ACK, and the client's RST to
 * them, decide nothing once the handshake goes on and data flows. */
static void test_rst_and_fin_before_synack_then_handshake(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    server_refuses(&s, 60 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_REFUSED);
    send(&s, false, FIN | ACK, 0, CLIENT_ISN + 1, 0, 1 * MS);
    g_assert_false(s.a.flags & TCPCONN_A_CONNECTED);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 1 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_REFUSED);
    server_synack(&s, 2 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 338, 0);
    send(&s, false, ACK, SERVER_ISN + 1, CLIENT_ISN + 339, 79, 100 * MS);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);
}

/* Only a bogus FIN before the SYN-ACK, which the client's kernel resets:
 * the abort is provisional until a SYN-ACK shows the handshake went on. */
static void test_client_rst_before_synack_then_handshake(void)
{
    script s;
    script_init(&s);
    client_syn(&s, 0);
    send(&s, false, FIN | ACK, 0, CLIENT_ISN + 1, 0, 1 * MS);
    send(&s, true, RST, CLIENT_ISN + 1, 0, 0, 1 * MS);
    g_assert_cmpint(outcome(&s, false).reason, ==, TCPCONN_ABORTED_BY_CLIENT);
    g_assert_true(outcome(&s, false).provisional);
    server_synack(&s, 2 * MS);
    client_ack(&s, 1 * MS);
    send(&s, true, ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 100, 0);
    assert_outcome(&s, TCPCONN_ESTABLISHED, TCPCONN_ESTABLISHED);

    /* After the SYN-ACK, a client's RST is an abort, and final. */
    script r;
    script_init(&r);
    client_syn(&r, 0);
    server_synack(&r, 1 * MS);
    send(&r, true, RST, CLIENT_ISN + 1, 0, 0, 1 * MS);
    g_assert_false(outcome(&r, false).provisional);
    g_assert_cmpint(outcome(&r, true).reason, ==, TCPCONN_ABORTED_BY_CLIENT);
}

/* A segment with SYN, ACK and RST is no SYN-ACK: it names no server. */
static void test_synack_with_rst_is_not_a_synack(void)
{
    script s;
    script_init(&s);
    /* From port 40001 to 443: the ports, not the flags, tell the roles. */
    send(&s, true, SYNACK | RST, 100, 200, 0, 0);
    g_assert_false(s.a.flags & TCPCONN_A_ISN_KNOWN);
    g_assert_true(tcpconn_attempt_from_initiator(&s.a, 1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/attempt/established/with-data", test_established_with_data);
    g_test_add_func("/attempt/established/without-data", test_established_without_data);
    g_test_add_func("/attempt/established/fin-with-data", test_fin_carrying_data_is_established);
    g_test_add_func("/attempt/established/rst-after-data", test_rst_after_data_stays_established);
    g_test_add_func("/attempt/retry/syn", test_established_after_syn_retry);
    g_test_add_func("/attempt/retry/late-copies-change-nothing",
                    test_late_copies_of_the_handshake_change_nothing);
    g_test_add_func("/attempt/retry/synack", test_established_after_synack_retry);
    g_test_add_func("/attempt/retry/synack-after-ack-then-data",
                    test_synack_after_ack_then_data_is_retry);
    g_test_add_func("/attempt/refused/first-syn", test_refused);
    g_test_add_func("/attempt/refused/after-retransmission", test_refused_after_retransmission);
    g_test_add_func("/attempt/refused/same-isn-retries", test_refused_same_isn_retries);
    g_test_add_func("/attempt/refused/then-retry-connects", test_refused_then_retry_connects);
    g_test_add_func("/attempt/superseded-by", test_superseded_by);
    g_test_add_func("/attempt/retry/retryable-transition", test_retryable_transition);
    g_test_add_func("/attempt/stale-ack/then-connects", test_stale_ack_then_connects);
    g_test_add_func("/attempt/stale-ack/never-connects", test_stale_connection);
    g_test_add_func("/attempt/no-answer", test_no_answer);
    g_test_add_func("/attempt/capture-ended", test_capture_ended);
    g_test_add_func("/attempt/capture-ended/retransmission-is-evidence",
                    test_retransmission_is_evidence_at_capture_end);
    g_test_add_func("/attempt/capture-ended/synack-answering-a-retry",
                    test_synack_answering_a_retry_is_not_resent);
    g_test_add_func("/attempt/no-answer/then-answered", test_no_answer_then_answered);
    g_test_add_func("/attempt/evidence/rst-fin-before-synack",
                    test_rst_and_fin_before_synack_then_handshake);
    g_test_add_func("/attempt/evidence/synack-with-rst", test_synack_with_rst_is_not_a_synack);
    g_test_add_func("/attempt/evidence/client-rst-before-synack",
                    test_client_rst_before_synack_then_handshake);
    g_test_add_func("/attempt/end-of-open-time", test_end_of_open_time);
    g_test_add_func("/attempt/icmp/unreachable", test_icmp_unreachable);
    g_test_add_func("/attempt/icmp/latest-error-decides", test_icmp_latest_error_decides);
    g_test_add_func("/attempt/icmp/other-isn", test_icmp_quoting_other_isn_does_not_match);
    g_test_add_func("/attempt/icmp/time-exceeded", test_icmp_time_exceeded_does_not_decide);
    g_test_add_func("/attempt/icmp/after-synack", test_icmp_after_synack_does_not_decide);
    g_test_add_func("/attempt/icmp/overruled-by-synack", test_synack_after_icmp_overrules_it);
    g_test_add_func("/attempt/icmp/then-retransmission", test_syn_after_icmp_is_a_retransmission);
    g_test_add_func("/attempt/half-open/never-acked", test_half_open_never_acked);
    g_test_add_func("/attempt/half-open/server-reset", test_half_open_reset_by_server);
    g_test_add_func("/attempt/half-open/synack-after-ack", test_half_open_synack_after_ack);
    g_test_add_func("/attempt/half-open/bare-syn-answer", test_half_open_bare_syn_answer);
    g_test_add_func("/attempt/half-open/until-data-after-close",
                    test_half_open_until_data_after_close);
    g_test_add_func("/attempt/over-before-handshake/stays-unconnected",
                    test_over_before_handshake_stays_unconnected);
    g_test_add_func("/attempt/aborted/rst-after-synack", test_aborted_rst_after_synack);
    g_test_add_func("/attempt/aborted/rst-before-answer", test_aborted_rst_before_answer);
    g_test_add_func("/attempt/aborted/fin", test_aborted_fin_before_handshake);
    g_test_add_func("/attempt/reset/by-server", test_reset_by_server_after_accept);
    g_test_add_func("/attempt/reset/by-client", test_reset_by_client_after_connect);
    g_test_add_func("/attempt/reset/rst-payload", test_rst_payload_is_not_data);
    g_test_add_func("/attempt/closed/by-server", test_closed_before_data_by_server);
    g_test_add_func("/attempt/closed/by-client", test_closed_before_data_by_client);
    g_test_add_func("/attempt/evidence/sequence-numbers", test_sequence_numbers_show_data);
    g_test_add_func("/attempt/evidence/missing-synack", test_missing_synack_inferred);
    g_test_add_func("/attempt/evidence/handshake-only-capture", test_handshake_only_capture);
    g_test_add_func("/attempt/not-seen/mid-stream", test_not_seen_mid_stream);
    g_test_add_func("/attempt/not-seen/roles-by-port", test_not_seen_roles_by_port);
    g_test_add_func("/attempt/not-seen/synack-first", test_not_seen_synack_first);
    g_test_add_func("/attempt/reordered-handshake", test_reordered_handshake);
    g_test_add_func("/attempt/simultaneous-open", test_simultaneous_open);
    g_test_add_func("/attempt/tfo/established", test_syn_with_data_tfo);
    g_test_add_func("/attempt/tfo/refused", test_syn_with_data_refused);
    g_test_add_func("/attempt/sequence-wrap", test_sequence_wrap);
    g_test_add_func("/attempt/wrong-ack", test_ack_of_wrong_synack_does_not_connect);
    g_test_add_func("/attempt/counts-saturate", test_counts_saturate);
    return g_test_run();
}
