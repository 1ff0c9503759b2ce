/* Unit tests for the Zeek view (plugin/zeek.c): every conn_state code, the
 * history letters' case, counting and swaps, and Zeek's timers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "zeek.h"

#define CLIENT_PORT 40000
#define SERVER_PORT 80 /* a port Zeek takes for a server */
#define C_ISN       1000u
#define S_ISN       7000u
#define MS          1000000LL

typedef struct {
    tcpconn_zeek z;
    bool started;
    int64_t now;
    uint16_t client_port;
    uint16_t server_port;
} script;

static void script_init(script *s, uint16_t client_port, uint16_t server_port)
{
    memset(s, 0, sizeof *s);
    s->client_port = client_port;
    s->server_port = server_port;
}

/* What the capture let tcpconn check of a segment. */
enum { READABLE, BAD_CHECKSUM, BAD_IP_CHECKSUM, HEADER_CUT_OFF };

/* One segment; orientation 1 is the client's. */
static void send_ex(script *s, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack,
                    uint32_t len, uint16_t window, int check, int64_t after_ns)
{
    s->now += after_ns;
    tcpconn_segment seg = {
        .orientation = from_client ? 1 : 0,
        .flags = flags,
        .seq = seq,
        .ack = ack,
        .payload_len = len,
        .window = window,
        .src_port = from_client ? s->client_port : s->server_port,
        .dst_port = from_client ? s->server_port : s->client_port,
        .checksum_bad = check == BAD_CHECKSUM,
        .ip_checksum_bad = check == BAD_IP_CHECKSUM,
        .header_cut_off = check == HEADER_CUT_OFF,
        .time_ns = s->now,
    };
    if (!s->started) {
        tcpconn_zeek_start(&s->z, &seg);
        s->started = true;
    } else {
        tcpconn_zeek_segment_in(&s->z, &seg);
    }
}

static void send(script *s, bool from_client, uint16_t flags, uint32_t seq, uint32_t ack,
                 uint32_t len)
{
    send_ex(s, from_client, flags, seq, ack, len, 64240, READABLE, 1 * MS);
}

#define SYN TCPCONN_SYN
#define ACK TCPCONN_ACK
#define RST TCPCONN_RST
#define FIN TCPCONN_FIN

static void handshake(script *s)
{
    send(s, true, SYN, C_ISN, 0, 0);
    send(s, false, SYN | ACK, S_ISN, C_ISN + 1, 0);
    send(s, true, ACK, C_ISN + 1, S_ISN + 1, 0);
}

static void exchange(script *s)
{
    handshake(s);
    send(s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    send(s, false, ACK, S_ISN + 1, C_ISN + 101, 200);
    send(s, true, ACK, C_ISN + 101, S_ISN + 201, 0);
}

static void assert_zeek(const script *s, const char *state, const char *history)
{
    char h[TCPCONN_ZEEK_HISTORY_MAX + 1];
    tcpconn_zeek_history(&s->z, h);
    g_assert_cmpstr(h, ==, history);
    g_assert_cmpstr(tcpconn_zeek_conn_state(&s->z), ==, state);
}

static void test_s0(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, true, SYN, C_ISN, 0, 0); /* a retransmission repeats no letter */
    assert_zeek(&s, "S0", "S");
}

static void test_rej(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, false, RST | ACK, 0, C_ISN + 1, 0);
    assert_zeek(&s, "REJ", "Sr");
}

static void test_s1_and_sf(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    exchange(&s);
    assert_zeek(&s, "S1", "ShADd");
    send(&s, true, FIN | ACK, C_ISN + 101, S_ISN + 201, 0);
    send(&s, false, FIN | ACK, S_ISN + 201, C_ISN + 102, 0);
    send(&s, true, ACK, C_ISN + 102, S_ISN + 202, 0);
    assert_zeek(&s, "SF", "ShADdFf");
}

static void test_s2_and_s3(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    exchange(&s);
    send(&s, true, FIN | ACK, C_ISN + 101, S_ISN + 201, 0);
    assert_zeek(&s, "S2", "ShADdF");

    script_init(&s, CLIENT_PORT, SERVER_PORT);
    exchange(&s);
    send(&s, false, FIN | ACK, S_ISN + 201, C_ISN + 101, 0);
    assert_zeek(&s, "S3", "ShADdf");
}

static void test_rsto_and_rstr(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send(&s, true, RST | ACK, C_ISN + 1, S_ISN + 1, 0);
    assert_zeek(&s, "RSTO", "ShAR");

    script_init(&s, CLIENT_PORT, SERVER_PORT);
    exchange(&s);
    send(&s, false, RST, S_ISN + 201, 0, 0);
    assert_zeek(&s, "RSTR", "ShADdr");
}

static void test_rstos0(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, true, RST, C_ISN + 1, 0, 0);
    assert_zeek(&s, "RSTOS0", "SR");
}

static void test_rstos0_needs_no_handshake_letters(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, false, ACK, S_ISN, C_ISN + 1, 0); /* an ACK before any SYN-ACK */
    send(&s, true, FIN | ACK, C_ISN + 1, S_ISN, 0);
    send(&s, true, RST, C_ISN + 2, 0, 0);
    /* An upper-case F between S and R: not RSTOS0. */
    assert_zeek(&s, "OTH", "SaFR");
}

static void test_rstrh(void)
{
    script s;
    script_init(&s, 50000, 50001); /* no server port: no swap */
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    send(&s, false, RST, S_ISN + 1, 0, 0);
    assert_zeek(&s, "RSTRH", "Dr");
}

static void test_sh(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, true, FIN, C_ISN + 1, 0, 0);
    assert_zeek(&s, "SH", "SF");
}

static void test_shr_swapped_at_start(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    /* Only the server's half of a connection was captured, beginning with
     * its SYN-ACK from port 80: Zeek takes the server for the responder from
     * the start, and the client never shows up. */
    send(&s, false, SYN | ACK, S_ISN, C_ISN + 1, 0);
    send(&s, false, ACK, S_ISN + 1, C_ISN + 1, 50);
    send(&s, false, FIN | ACK, S_ISN + 51, C_ISN + 1, 0);
    assert_zeek(&s, "SHR", "^hdf");
}

static void test_s3_when_the_client_answers(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, false, SYN | ACK, S_ISN, C_ISN + 1, 0);
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 0);
    send(&s, false, FIN | ACK, S_ISN + 1, C_ISN + 1, 0);
    /* Swapped at the start, the SYN-ACK's ACK completes a handshake. */
    assert_zeek(&s, "S3", "^hAf");
}

static void test_oth(void)
{
    script s;
    script_init(&s, 50000, 50001);
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    send(&s, false, ACK, S_ISN + 1, C_ISN + 101, 10);
    assert_zeek(&s, "OTH", "Dd");
}

static void test_swap_after_lone_synack(void)
{
    script s;
    script_init(&s, 50000, 50001);
    send(&s, false, SYN | ACK, S_ISN, C_ISN + 1, 0); /* not from a server port: "H" */
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 0);
    assert_zeek(&s, "OTH", "^hA");
}

static void test_syn_synack_reversal(void)
{
    script s;
    script_init(&s, 50000, 50001);
    send(&s, true, SYN | ACK, C_ISN, S_ISN + 1, 0);
    send(&s, false, SYN, S_ISN, 0, 0);
    assert_zeek(&s, "S1", "Hs^");
}

static void test_flags_together(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send(&s, true, FIN | RST | ACK, C_ISN + 1, S_ISN + 1, 0);
    send(&s, false, SYN | FIN, S_ISN, 0, 0);
    assert_zeek(&s, "RSTO", "ShAIq");
}

static void test_retransmissions_are_counted_by_tens(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    for (int i = 0; i < 10; i++)
        send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    /* The 1st and the 10th retransmission each add a T. */
    assert_zeek(&s, "S1", "ShADTT");
}

static void test_zero_window(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send_ex(&s, false, ACK, S_ISN + 1, C_ISN + 1, 0, 0, READABLE, MS);
    assert_zeek(&s, "S1", "ShAaw");
}

static void test_bad_checksum_is_noted_and_ignored(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send_ex(&s, false, RST | ACK, 0, C_ISN + 1, 0, 0, BAD_CHECKSUM, MS);
    send_ex(&s, false, RST | ACK, 0, C_ISN + 1, 0, 0, BAD_IP_CHECKSUM, MS);
    send_ex(&s, false, RST | ACK, 0, C_ISN + 1, 0, 0, HEADER_CUT_OFF, MS);
    assert_zeek(&s, "S0", "Sc");
}

static void test_gap_when_acked_data_was_never_seen(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send(&s, true, ACK, C_ISN + 1, S_ISN + 1, 100);
    /* The server acknowledges 300 bytes: the 200 after the first 100 never
     * went past the capture point. */
    send(&s, false, ACK, S_ISN + 1, C_ISN + 301, 0);
    assert_zeek(&s, "S1", "ShADaG");
}

static void test_unanswered_attempt_ends_after_five_seconds(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send_ex(&s, true, FIN | ACK, C_ISN + 1, 0, 0, 100, READABLE, 6000 * MS);
    /* Zeek logged the attempt as S0 at 5 s; the FIN belongs to another. */
    assert_zeek(&s, "S0", "S");
}

static void test_closed_connection_ends_after_five_seconds(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    send(&s, false, RST, S_ISN + 1, 0, 0);
    send_ex(&s, true, ACK, C_ISN + 1, S_ISN + 1, 10, 100, READABLE, 6000 * MS);
    assert_zeek(&s, "RSTR", "ShAr");
}

static void test_meanings(void)
{
    const char *codes[] = { "S0",   "S1",     "SF",    "REJ", "S2",  "S3", "RSTO",
                            "RSTR", "RSTOS0", "RSTRH", "SH",  "SHR", "OTH" };
    for (size_t i = 0; i < G_N_ELEMENTS(codes); i++)
        g_assert_cmpstr(tcpconn_zeek_conn_state_meaning(codes[i]), !=, "unknown");
    g_assert_cmpstr(tcpconn_zeek_conn_state_meaning("XX"), ==, "unknown");
}

/* S, H, F and R come again at a new sequence number, not when repeated. */
static void test_flags_repeat_at_new_sequence_numbers(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, true, SYN, C_ISN, 0, 0);
    send(&s, true, SYN, C_ISN + 5000, 0, 0); /* a new ISN */
    assert_zeek(&s, "S0", "SS");
    send(&s, false, RST | ACK, 0, C_ISN + 5001, 0);
    send(&s, false, RST | ACK, 0, C_ISN + 5001, 0);
    send(&s, false, RST | ACK, 9, C_ISN + 5001, 0);
    assert_zeek(&s, "REJ", "SSrr");
}

static void test_long_history_is_marked(void)
{
    script s;
    script_init(&s, CLIENT_PORT, SERVER_PORT);
    handshake(&s);
    /* RSTs at new sequence numbers from both sides make the history
     * longer than the record holds: its last letter says so. */
    for (uint32_t i = 0; i < 40; i++)
        send(&s, i % 2 == 0, RST, 100000u * i, 0, 0);
    char h[TCPCONN_ZEEK_HISTORY_MAX + 1];
    tcpconn_zeek_history(&s.z, h);
    g_assert_cmpuint(strlen(h), ==, TCPCONN_ZEEK_HISTORY_MAX);
    g_assert_cmpstr(h, ==, "ShARrRrRrRrRrRrRrRrRrR+");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/zeek/S0", test_s0);
    g_test_add_func("/zeek/REJ", test_rej);
    g_test_add_func("/zeek/S1-SF", test_s1_and_sf);
    g_test_add_func("/zeek/S2-S3", test_s2_and_s3);
    g_test_add_func("/zeek/RSTO-RSTR", test_rsto_and_rstr);
    g_test_add_func("/zeek/RSTOS0", test_rstos0);
    g_test_add_func("/zeek/RSTOS0-not", test_rstos0_needs_no_handshake_letters);
    g_test_add_func("/zeek/RSTRH", test_rstrh);
    g_test_add_func("/zeek/SH", test_sh);
    g_test_add_func("/zeek/SHR", test_shr_swapped_at_start);
    g_test_add_func("/zeek/S3-swapped", test_s3_when_the_client_answers);
    g_test_add_func("/zeek/OTH", test_oth);
    g_test_add_func("/zeek/swap/lone-synack", test_swap_after_lone_synack);
    g_test_add_func("/zeek/swap/syn-synack-reversal", test_syn_synack_reversal);
    g_test_add_func("/zeek/letters/I-Q", test_flags_together);
    g_test_add_func("/zeek/letters/T", test_retransmissions_are_counted_by_tens);
    g_test_add_func("/zeek/letters/W", test_zero_window);
    g_test_add_func("/zeek/letters/C", test_bad_checksum_is_noted_and_ignored);
    g_test_add_func("/zeek/letters/G", test_gap_when_acked_data_was_never_seen);
    g_test_add_func("/zeek/timers/attempt", test_unanswered_attempt_ends_after_five_seconds);
    g_test_add_func("/zeek/timers/close", test_closed_connection_ends_after_five_seconds);
    g_test_add_func("/zeek/meanings", test_meanings);
    g_test_add_func("/zeek/letters/repeated-flags", test_flags_repeat_at_new_sequence_numbers);
    g_test_add_func("/zeek/long-history", test_long_history_is_marked);
    return g_test_run();
}
