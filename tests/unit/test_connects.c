/* Unit tests for the attempts one connect() made (plugin/connects.c), with
 * real attempts from the state machine (plugin/attempt.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "connects.h"
#include "describe.h"

static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return g_realloc(ptr, size);
}

static void heap_free(void *ctx, void *ptr)
{
    (void)ctx;
    g_free(ptr);
}

static const tcpconn_allocator heap = { heap_realloc, heap_free, NULL };

#define MS         1000000
#define WINDOW     (2000 * (int64_t)MS)
#define MAX_TRIALS 16

/* The attempts of a test, each a stream of its own. */
typedef struct {
    tcpconn_attempt attempts[MAX_TRIALS];
    uint8_t clients[MAX_TRIALS][TCPCONN_ENDPOINT_LEN];
    uint8_t servers[MAX_TRIALS][TCPCONN_ENDPOINT_LEN];
    unsigned count;
    uint32_t frame;
    tcpconn_capture capture;
    tcpconn_connects *connects;
} trial;

static const tcpconn_attempt *attempt_of(void *context, tcpconn_attempt_ref ref)
{
    trial *t = context;
    return ref.stream < t->count ? &t->attempts[ref.stream] : NULL;
}

static void trial_init(trial *t)
{
    memset(t, 0, sizeof *t);
    t->capture.end_ns = INT64_MIN;
    t->capture.end_window_ns = 1000 * (int64_t)MS;
    t->connects = tcpconn_connects_new(&heap, WINDOW);
}

static const tcpconn_host HOST = { { 1, 0x02, 0, 0, 0, 0, 0, 0x10 } };
static const tcpconn_host OTHER_HOST = { { 1, 0x02, 0, 0, 0, 0, 0, 0x11 } };

static tcpconn_segment segment_of(trial *t, unsigned i, bool from_client, uint16_t flags,
                                  int64_t time_ms)
{
    tcpconn_segment s = { 0 };
    s.frame = ++t->frame;
    s.time_ns = time_ms * MS;
    s.src_endpoint = from_client ? t->clients[i] : t->servers[i];
    s.dst_endpoint = from_client ? t->servers[i] : t->clients[i];
    s.orientation = tcpconn_orientation(s.src_endpoint, s.dst_endpoint);
    s.flags = flags;
    s.seq = from_client ? 1000 : 5000;
    s.ack = from_client ? (flags & TCPCONN_ACK ? 5001 : 0) : 1001;
    s.window = 1000;
    if (s.time_ns > t->capture.end_ns)
        t->capture.end_ns = s.time_ns;
    return s;
}

/* A SYN from the client to server address `last_byte` (v4 or v6), port 443. */
static unsigned begin(trial *t, const tcpconn_host *host, int family, uint8_t last_byte,
                      uint32_t name, int64_t time_ms)
{
    unsigned i = t->count++;
    uint8_t client4[4] = { 192, 0, 2, 10 }, server4[4] = { 192, 0, 2, last_byte };
    uint8_t client6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
    uint8_t server6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = last_byte };
    uint16_t client_port = (uint16_t)(40000 + i);
    if (family == 6) {
        tcpconn_endpoint_key(t->clients[i], client6, 16, client_port);
        tcpconn_endpoint_key(t->servers[i], server6, 16, 443);
    } else {
        tcpconn_endpoint_key(t->clients[i], client4, 4, client_port);
        tcpconn_endpoint_key(t->servers[i], server4, 4, 443);
    }
    tcpconn_segment syn = segment_of(t, i, true, TCPCONN_SYN, time_ms);
    tcpconn_attempt_start(&t->attempts[i], &syn);
    tcpconn_attempt_begins b = { { i, syn.frame }, *host, { 0 }, name, syn.time_ns };
    memcpy(b.server, t->servers[i], TCPCONN_ENDPOINT_LEN);
    tcpconn_attempt_finder finder = { attempt_of, t };
    tcpconn_connects_begin(t->connects, &b, &finder, &t->capture);
    return i;
}

static void feed(trial *t, unsigned i, bool from_client, uint16_t flags, int64_t time_ms)
{
    tcpconn_segment s = segment_of(t, i, from_client, flags, time_ms);
    tcpconn_attempt_segment(&t->attempts[i], &s);
}

static void connect_ok(trial *t, unsigned i, int64_t time_ms)
{
    feed(t, i, false, TCPCONN_SYN | TCPCONN_ACK, time_ms);
    feed(t, i, true, TCPCONN_ACK, time_ms);
}

static void refuse(trial *t, unsigned i, int64_t time_ms)
{
    feed(t, i, false, TCPCONN_RST | TCPCONN_ACK, time_ms);
}

static tcpconn_connect connect_of(trial *t, unsigned i)
{
    tcpconn_connect c;
    tcpconn_connects_of(t->connects, (tcpconn_attempt_ref){ i, t->attempts[i].first_frame },
                        t->servers[i], &c);
    return c;
}

static tcpconn_connect_outcome outcome_of(trial *t, const tcpconn_connect *c)
{
    tcpconn_attempt_finder finder = { attempt_of, t };
    return tcpconn_connect_outcome_of(c, &finder, &t->capture);
}

static void finish(trial *t)
{
    t->capture.end_ns += 5000 * (int64_t)MS; /* the capture went on long after */
    t->capture.complete = true;
}

/* IPv6 unanswered, IPv4 250 ms later connects: one connect that fell back. */
static void test_happy_eyeballs(void)
{
    trial t;
    trial_init(&t);
    unsigned v6 = begin(&t, &HOST, 6, 0x31, 7, 0);
    unsigned v4 = begin(&t, &HOST, 4, 31, 7, 250);
    connect_ok(&t, v4, 251);
    finish(&t);
    tcpconn_connect c = connect_of(&t, v6);
    g_assert_cmpuint(c.count, ==, 2);
    g_assert_cmpuint(c.position, ==, 1);
    g_assert_cmpuint(c.id, ==, v6);
    g_assert_false(c.guessed);
    g_assert_cmpuint(connect_of(&t, v4).position, ==, 2);
    tcpconn_connect_outcome o = outcome_of(&t, &c);
    g_assert_cmpint(o.result, ==, TCPCONN_CONNECT_FELL_BACK);
    g_assert_cmpuint(o.winner, ==, 2);
    g_assert_cmpuint(o.failed, ==, 1);
    g_assert_cmpuint(o.no_answer, ==, 1);
    g_assert_cmpint(o.lost_ns, ==, 250 * MS);
    g_assert_cmpint(o.connect_ns, ==, 251 * MS);
    g_assert_cmpuint(o.decided_by, ==, 2);
    g_assert_true(tcpconn_connect_superseded(&o, 1));
    g_assert_false(tcpconn_connect_superseded(&o, 2));

    char text[256];
    tcpconn_describe_connect(&c, &o, 1, "www.example.com", text, sizeof text);
    g_assert_cmpstr(text, ==,
                    "IPv6 attempt to 2001:db8::31 got no answer; the client connected over IPv4 "
                    "to 192.0.2.31 250.00 ms after its first SYN (Happy Eyeballs)");
    tcpconn_connect winner = connect_of(&t, v4);
    tcpconn_describe_connect(&winner, &o, 2, "www.example.com", text, sizeof text);
    g_assert_cmpstr(text, ==,
                    "connected over IPv4 to 192.0.2.31 (www.example.com) after 1 failed attempt "
                    "to other addresses, 250.00 ms after the first SYN");
    tcpconn_connects_free(t.connects);
}

/* Refused, then the next address at once, refused too, then one that gets
 * no answer: the connect failed as a whole. */
static void test_every_address_failed(void)
{
    trial t;
    trial_init(&t);
    unsigned a = begin(&t, &HOST, 4, 31, 3, 0);
    refuse(&t, a, 1);
    unsigned b = begin(&t, &HOST, 4, 32, 3, 2);
    refuse(&t, b, 3);
    unsigned c = begin(&t, &HOST, 4, 33, 3, 4);
    feed(&t, c, true, TCPCONN_SYN, 1004); /* retransmitted, never answered */
    finish(&t);
    tcpconn_connect group = connect_of(&t, b);
    g_assert_cmpuint(group.count, ==, 3);
    g_assert_cmpuint(group.position, ==, 2);
    tcpconn_connect_outcome o = outcome_of(&t, &group);
    g_assert_cmpint(o.result, ==, TCPCONN_CONNECT_FAILED);
    g_assert_cmpuint(o.refused, ==, 2);
    g_assert_cmpuint(o.no_answer, ==, 1);
    g_assert_cmpuint(o.decided_by, ==, 3);
    g_assert_cmpuint(o.decided_frame, ==, t.attempts[c].outcome_frame);
    char text[256];
    tcpconn_describe_connect(&group, &o, 1, "pool.example.com", text, sizeof text);
    g_assert_cmpstr(text, ==, "all 3 addresses of pool.example.com failed: 1 no answer, 2 refused");
    tcpconn_connects_free(t.connects);
}

/* Browsers open several connections to one server at once: attempts to an
 * address the connect already tried are connects of their own. */
static void test_same_address_never_joins(void)
{
    trial t;
    trial_init(&t);
    unsigned a = begin(&t, &HOST, 4, 31, 3, 0);
    unsigned b = begin(&t, &HOST, 4, 31, 3, 1);
    connect_ok(&t, a, 2);
    connect_ok(&t, b, 2);
    finish(&t);
    g_assert_cmpuint(connect_of(&t, a).count, ==, 1);
    g_assert_cmpuint(connect_of(&t, b).count, ==, 1);
    g_assert_cmpuint(connect_of(&t, b).id, ==, b);
    tcpconn_connect c = connect_of(&t, a);
    g_assert_cmpint(outcome_of(&t, &c).result, ==, TCPCONN_CONNECT_CONNECTED);
    g_assert_cmpuint(tcpconn_connects_count(t.connects), ==, 0);
    tcpconn_connects_free(t.connects);
}

/* Two clients' Happy Eyeballs at the same moment: each IPv4 attempt joins
 * an IPv6 attempt of its own host. */
static void test_hosts_and_names_apart(void)
{
    trial t;
    trial_init(&t);
    unsigned a6 = begin(&t, &HOST, 6, 0x31, 7, 0);
    unsigned b6 = begin(&t, &OTHER_HOST, 6, 0x31, 7, 0);
    unsigned other_name = begin(&t, &HOST, 4, 41, 8, 100);
    unsigned a4 = begin(&t, &HOST, 4, 31, 7, 250);
    unsigned b4 = begin(&t, &OTHER_HOST, 4, 31, 7, 250);
    finish(&t);
    g_assert_cmpuint(connect_of(&t, a4).id, ==, a6);
    g_assert_cmpuint(connect_of(&t, b4).id, ==, b6);
    g_assert_cmpuint(connect_of(&t, other_name).count, ==, 1);
    tcpconn_connects_free(t.connects);
}

/* Only within the window, only from an attempt that did not connect or get
 * an answer. */
static void test_what_falls_back(void)
{
    trial t;
    trial_init(&t);
    unsigned late_first = begin(&t, &HOST, 4, 31, 5, 0);
    unsigned too_late = begin(&t, &HOST, 4, 32, 5, 2500); /* 2.5 s after its last packet */
    g_assert_cmpuint(connect_of(&t, too_late).count, ==, 1);

    unsigned answered = begin(&t, &HOST, 4, 51, 6, 10000);
    feed(&t, answered, false, TCPCONN_SYN | TCPCONN_ACK, 10001); /* handshake under way */
    unsigned after_answer = begin(&t, &HOST, 4, 52, 6, 10002);
    g_assert_cmpuint(connect_of(&t, after_answer).count, ==, 1);

    unsigned connected = begin(&t, &HOST, 4, 61, 9, 20000);
    connect_ok(&t, connected, 20001);
    unsigned after_connect = begin(&t, &HOST, 4, 62, 9, 20002);
    g_assert_cmpuint(connect_of(&t, after_connect).count, ==, 1);

    /* Without a name: linked by port and time, as a guess. */
    unsigned unnamed = begin(&t, &HOST, 4, 71, 0, 30000);
    refuse(&t, unnamed, 30001);
    unsigned unnamed_next = begin(&t, &HOST, 4, 72, 0, 30002);
    tcpconn_connect guess = connect_of(&t, unnamed_next);
    g_assert_cmpuint(guess.count, ==, 2);
    g_assert_true(guess.guessed);
    (void)late_first;
    tcpconn_connects_free(t.connects);
}

/* Past the cap a new connect begins; memory is the candidate table plus
 * the connects of several attempts. */
static void test_cap_and_memory(void)
{
    trial t;
    trial_init(&t);
    for (unsigned i = 0; i < TCPCONN_CONNECT_MAX_ATTEMPTS + 2; i++)
        begin(&t, &HOST, 4, (uint8_t)(100 + i), 4, i);
    g_assert_cmpuint(connect_of(&t, 0).count, ==, TCPCONN_CONNECT_MAX_ATTEMPTS);
    g_assert_cmpuint(connect_of(&t, TCPCONN_CONNECT_MAX_ATTEMPTS).count, ==, 2);
    g_assert_cmpuint(connect_of(&t, TCPCONN_CONNECT_MAX_ATTEMPTS).position, ==, 1);
    g_assert_cmpuint(tcpconn_connects_count(t.connects), ==, 2);
    g_assert_cmpuint(tcpconn_connects_bytes(t.connects), <, 512 * 1024);
    tcpconn_connects_free(t.connects);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/connects/happy-eyeballs", test_happy_eyeballs);
    g_test_add_func("/connects/every-address-failed", test_every_address_failed);
    g_test_add_func("/connects/same-address-never-joins", test_same_address_never_joins);
    g_test_add_func("/connects/hosts-and-names-apart", test_hosts_and_names_apart);
    g_test_add_func("/connects/what-falls-back", test_what_falls_back);
    g_test_add_func("/connects/cap-and-memory", test_cap_and_memory);
    return g_test_run();
}
