/* Unit tests for the outcome tables and sentences (plugin/outcome.c): the
 * vocabulary every output is generated from, and sentences whose counts
 * agree with the fields.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "attempt.h"
#include "describe.h"
#include "outcome.h"

#define MS 1000000LL

static const char *const SERVER = "198.51.100.20:443";

static void test_reason_vocabulary(void)
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
        "stale-connection",
        "reset-after-established",
        "closed-before-data",
        "handshake-not-seen",
        "capture-ended",
        "ack-not-captured",
    };
    GString *failed = g_string_new(NULL);
    for (int r = 0; r < TCPCONN_REASON_COUNT; r++) {
        g_assert_cmpstr(tcpconn_reason_name((tcpconn_reason)r), ==, expected[r]);
        if (tcpconn_reason_group((tcpconn_reason)r) == TCPCONN_GROUP_FAILED)
            g_string_append_printf(failed, "%s ", expected[r]);
    }
    g_assert_cmpstr(failed->str, ==,
                    "refused no-answer icmp-unreachable half-open aborted-by-client "
                    "stale-connection ");
    g_string_free(failed, TRUE);
    g_assert_cmpstr(tcpconn_reason_name(TCPCONN_REASON_COUNT), ==, "unknown");
    g_assert_cmpint(tcpconn_reason_group(TCPCONN_CAPTURE_ENDED), ==, TCPCONN_GROUP_UNDECIDED);
    g_assert_cmpint(tcpconn_reason_group(TCPCONN_IN_PROGRESS), ==, TCPCONN_GROUP_UNDECIDED);
    g_assert_cmpstr(tcpconn_group_name(TCPCONN_GROUP_DROPPED), ==, "Accepted, then dropped");
}

static void test_expert_table(void)
{
    for (int i = 0; i < TCPCONN_EXPERT_COUNT; i++) {
        g_assert_nonnull(tcpconn_experts[i].name);
        g_assert_nonnull(tcpconn_experts[i].summary);
        for (int j = 0; j < i; j++)
            g_assert_cmpstr(tcpconn_experts[i].name, !=, tcpconn_experts[j].name);
    }
    /* Failures warn; a retried handshake and a client's own close note. */
    g_assert_true(tcpconn_experts[TCPCONN_EXPERT_STALE_CONNECTION].warning);
    g_assert_false(tcpconn_experts[TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY].warning);
    g_assert_false(tcpconn_experts[TCPCONN_EXPERT_CLOSED_BY_CLIENT].warning);
}

static void test_durations(void)
{
    char buf[TCPCONN_DURATION_LEN];
    g_assert_cmpstr(tcpconn_format_duration(buf, 57), ==, "57 \xc2\xb5s");
    g_assert_cmpstr(tcpconn_format_duration(buf, 400), ==, "0.40 ms");
    g_assert_cmpstr(tcpconn_format_duration(buf, 999994), ==, "999.99 ms");
    g_assert_cmpstr(tcpconn_format_duration(buf, 3020000), ==, "3.02 s");
    g_assert_cmpstr(tcpconn_format_duration(buf, UINT32_MAX), ==, "4294.97 s");
}

/* Plays segments into an attempt; orientation 1 is the client's. */
typedef struct {
    tcpconn_attempt a;
    uint32_t frame;
    int64_t now;
} play;

static void in(play *p, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack, int64_t after)
{
    p->now += after;
    tcpconn_segment s = { .frame = ++p->frame,
                          .time_ns = p->now,
                          .orientation = from_client,
                          .flags = flags,
                          .seq = seq,
                          .ack = ack };
    if (p->frame == 1)
        tcpconn_attempt_start(&p->a, &s);
    else
        tcpconn_attempt_segment(&p->a, &s);
}

static void icmp(play *p, uint8_t code, int64_t after)
{
    p->now += after;
    tcpconn_icmp_error e = { .frame = ++p->frame,
                             .time_ns = p->now,
                             .orientation = 1,
                             .quoted_seq = 100,
                             .unreachable = true,
                             .code = code };
    tcpconn_attempt_icmp(&p->a, &e);
}

/* The sentence once the capture (ending `end_after` past the last packet)
 * has been read. */
static char *sentence(const play *p, bool handshake_only, int64_t end_after)
{
    tcpconn_capture c = { true, handshake_only, p->now + end_after, 1000 * MS };
    tcpconn_outcome o = tcpconn_outcome_of(&p->a, &c);
    char *buf = g_malloc(256);
    tcpconn_describe(&p->a, &o, &c, SERVER, false, buf, 256);
    return buf;
}

#define SYN    0x02
#define RST    0x04
#define ACK    0x10
#define SYNACK (SYN | ACK)

static void assert_sentence(const play *p, bool handshake_only, int64_t end_after,
                            const char *expected)
{
    char *got = sentence(p, handshake_only, end_after);
    g_assert_cmpstr(got, ==, expected);
    g_free(got);
}

static void test_refused_counts_its_retries(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, false, RST | ACK, 0, 101, 400000);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection refused: 198.51.100.20:443 answered the SYN with RST after "
                    "0.40 ms (1 SYN)");
    in(&p, true, SYN, 100, 0, 500 * MS);
    in(&p, false, RST | ACK, 0, 101, 1 * MS);
    in(&p, true, SYN, 100, 0, 500 * MS);
    in(&p, false, RST | ACK, 0, 101, 1 * MS);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection refused: 198.51.100.20:443 answered the SYN with RST after "
                    "1.00 s (3 SYNs)");
}

/* The SYNs the deciding ICMP error answered, and those after it apart. */
static void test_icmp_counts_agree(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    icmp(&p, 3, 1 * MS);
    in(&p, true, SYN, 100, 0, 1000 * MS);
    icmp(&p, 3, 1 * MS);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection to 198.51.100.20:443 rejected by ICMP destination "
                    "unreachable (Port unreachable) after 1.00 s (2 SYNs)");
    in(&p, true, SYN, 100, 0, 2000 * MS);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection to 198.51.100.20:443 rejected by ICMP destination "
                    "unreachable (Port unreachable) after 1.00 s (2 SYNs; 1 later SYN got no "
                    "answer)");
    g_assert_cmpuint(p.a.syn_count, ==, 3);
}

static void test_half_open_sentences(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, false, SYN, 900, 0, 1 * MS);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP handshake with 198.51.100.20:443 never completed (half-open): the "
                    "server answered with a SYN of its own, not a SYN-ACK");

    /* A lone SYN: how long the capture went on without an answer. */
    play lone = { .now = 0 };
    in(&lone, true, SYN, 100, 0, 0);
    assert_sentence(&lone, false, 1700 * MS,
                    "TCP connection got no answer: 1 SYN to 198.51.100.20:443, nothing came back "
                    "in the 1.70 s the capture went on");

    play q = { .now = 0 };
    in(&q, true, SYN, 100, 0, 0);
    in(&q, false, SYNACK, 900, 101, 1 * MS);
    in(&q, false, SYNACK, 900, 101, 1000 * MS);
    assert_sentence(&q, false, 10000 * MS,
                    "TCP handshake with 198.51.100.20:443 never completed (half-open): 2 "
                    "SYN-ACKs, no ACK from the client");
    in(&q, false, RST, 901, 0, 1 * MS);
    assert_sentence(&q, false, 10000 * MS,
                    "TCP handshake with 198.51.100.20:443 never completed (half-open): the "
                    "server reset it after 2 SYN-ACKs, before the client's ACK");
}

static void test_undecided_sentences(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, false, SYNACK, 900, 101, 1 * MS);
    assert_sentence(&p, false, 300 * MS,
                    "TCP connection to 198.51.100.20:443 undecided: the capture ended less than "
                    "1.00 s after its last packet, too soon to tell whether an answer was "
                    "coming");
    char *got = sentence(&p, true, 10000 * MS);
    g_assert_true(g_str_has_prefix(got, "TCP connection to 198.51.100.20:443 undecided: SYN-ACK "
                                        "seen, but the capture holds no plain ACK"));
    g_free(got);
}

static void test_stale_connection_sentence(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, false, ACK, 5, 77777777, 1 * MS);
    in(&p, true, RST, 77777777, 0, 0);
    in(&p, true, SYN, 100, 0, 1000 * MS);
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection to 198.51.100.20:443 failed: the server answered 2 SYNs with "
                    "an ACK for an old connection on the same ports, never with a SYN-ACK");
}

/* A dropped connect cut off by the end of the capture: failed, and the
 * sentence says the client may have been about to retry. */
static void test_capture_stopped_sentences(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, true, SYN, 100, 0, 1000 * MS);
    in(&p, true, SYN, 100, 0, 1030 * MS);
    assert_sentence(&p, false, 530 * MS,
                    "TCP connection got no answer: 3 SYNs to 198.51.100.20:443 over 2.03 s, "
                    "nothing came back; the capture ended 530.00 ms after the last SYN, while the "
                    "client may still have been retrying");
    assert_sentence(&p, false, 0,
                    "TCP connection got no answer: 3 SYNs to 198.51.100.20:443 over 2.03 s, "
                    "nothing came back; the capture ended with the last SYN, while the client may "
                    "still have been retrying");
    assert_sentence(&p, false, 10000 * MS,
                    "TCP connection got no answer: 3 SYNs to 198.51.100.20:443 over 2.03 s, "
                    "nothing came back");

    play q = { .now = 0 };
    in(&q, true, SYN, 100, 0, 0);
    in(&q, false, SYNACK, 900, 101, 1 * MS);
    in(&q, false, SYNACK, 900, 101, 1000 * MS);
    assert_sentence(&q, false, 200 * MS,
                    "TCP handshake with 198.51.100.20:443 never completed (half-open): 2 "
                    "SYN-ACKs, no ACK from the client; the capture ended 200.00 ms after the "
                    "attempt's last packet, while the server may still have been re-sending its "
                    "SYN-ACK");
}

/* While reading, a failure shown by a retransmission says so far. */
static void test_provisional_sentences(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, true, SYN, 100, 0, 1000 * MS);
    tcpconn_capture reading = { false, false, p.now, 1000 * MS };
    tcpconn_outcome o = tcpconn_outcome_of(&p.a, &reading);
    char buf[256];
    tcpconn_describe(&p.a, &o, &reading, SERVER, false, buf, sizeof buf);
    g_assert_cmpstr(buf, ==,
                    "TCP connection got no answer so far: 2 SYNs to 198.51.100.20:443 over "
                    "1.00 s, nothing came back yet");
}

static void test_retry_expert_text(void)
{
    play p = { .now = 0 };
    in(&p, true, SYN, 100, 0, 0);
    in(&p, true, SYN, 100, 0, 1000 * MS);
    in(&p, false, SYNACK, 900, 101, 2 * MS);
    in(&p, true, ACK, 101, 901, 1 * MS);
    tcpconn_capture c = { true, false, p.now, 1000 * MS };
    tcpconn_outcome o = tcpconn_outcome_of(&p.a, &c);
    char text[160];
    g_assert_true(tcpconn_expert_text(&p.a, &o, text, sizeof text));
    g_assert_cmpstr(text, ==,
                    "Connected only after retrying the handshake: 2 SYNs, 1 SYN-ACK, connect "
                    "time 1.00 s");
    o.expert = TCPCONN_EXPERT_REFUSED;
    g_assert_false(tcpconn_expert_text(&p.a, &o, text, sizeof text));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/outcome/vocabulary", test_reason_vocabulary);
    g_test_add_func("/outcome/experts", test_expert_table);
    g_test_add_func("/outcome/durations", test_durations);
    g_test_add_func("/outcome/sentence/refused", test_refused_counts_its_retries);
    g_test_add_func("/outcome/sentence/icmp", test_icmp_counts_agree);
    g_test_add_func("/outcome/sentence/half-open", test_half_open_sentences);
    g_test_add_func("/outcome/sentence/undecided", test_undecided_sentences);
    g_test_add_func("/outcome/sentence/stale-connection", test_stale_connection_sentence);
    g_test_add_func("/outcome/sentence/capture-stopped", test_capture_stopped_sentences);
    g_test_add_func("/outcome/sentence/provisional", test_provisional_sentences);
    g_test_add_func("/outcome/expert-text", test_retry_expert_text);
    return g_test_run();
}
