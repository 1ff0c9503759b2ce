/* libFuzzer target: connects (connects.c) over real attempts (attempt.c),
 * and the connect's sentence (describe.c).
 *
 * Input: 6-byte events. Byte 0 picks the kind: begin an attempt (from one
 * of 2 hosts, to one of 6 addresses in either family, with one of 3 names or
 * none), or feed an attempt a SYN, SYN-ACK, ACK or RST from either side.
 * Byte 1 picks the attempt or the address, byte 2 the host and name, bytes
 * 3-5 the time step in microseconds (it may go backwards).
 *
 * Checked: every attempt is in exactly the connect that lists it, at the
 * place it is listed; no connect holds more than the cap or an address twice;
 * a connect that failed had every attempt fail, and one that connected
 * connected through an attempt whose outcome says so; the sentence fits.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "connects.h"
#include "describe.h"
#include "fuzz_check.h"

#define MAX_ATTEMPTS 64

static void *fuzz_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    void *p = realloc(ptr, size);
    if (p == NULL)
        abort();
    return p;
}

static void fuzz_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static const tcpconn_allocator heap = { fuzz_realloc, fuzz_free, NULL };

typedef struct {
    tcpconn_attempt attempts[MAX_ATTEMPTS];
    uint8_t clients[MAX_ATTEMPTS][TCPCONN_ENDPOINT_LEN];
    uint8_t servers[MAX_ATTEMPTS][TCPCONN_ENDPOINT_LEN];
    unsigned count;
    uint32_t frame;
    int64_t now;
    tcpconn_capture capture;
} world;

static const tcpconn_attempt *attempt_of(void *context, tcpconn_attempt_ref ref)
{
    world *w = context;
    return ref.stream < w->count ? &w->attempts[ref.stream] : NULL;
}

static tcpconn_segment segment(world *w, unsigned i, bool from_client, uint16_t flags)
{
    tcpconn_segment s;
    memset(&s, 0, sizeof s);
    s.frame = ++w->frame;
    s.time_ns = w->now;
    s.src_endpoint = from_client ? w->clients[i] : w->servers[i];
    s.dst_endpoint = from_client ? w->servers[i] : w->clients[i];
    s.orientation = tcpconn_orientation(s.src_endpoint, s.dst_endpoint);
    s.flags = flags;
    s.seq = from_client ? 1000 : 5000;
    s.ack = from_client ? ((flags & TCPCONN_ACK) ? 5001 : 0) : 1001;
    s.window = 1000;
    if (w->now > w->capture.end_ns)
        w->capture.end_ns = w->now;
    return s;
}

static void check_connects(world *w, const tcpconn_connects *t, const tcpconn_attempt_finder *f)
{
    for (unsigned i = 0; i < w->count; i++) {
        tcpconn_attempt_ref ref = { i, w->attempts[i].first_frame };
        tcpconn_connect c;
        tcpconn_connects_of(t, ref, w->servers[i], &c);
        FUZZ_CHECK(c.count >= 1 && c.count <= TCPCONN_CONNECT_MAX_ATTEMPTS);
        FUZZ_CHECK(c.position >= 1 && c.position <= c.count);
        FUZZ_CHECK(c.members[c.position - 1].stream == i);
        FUZZ_CHECK(memcmp(c.servers[c.position - 1], w->servers[i], TCPCONN_ENDPOINT_LEN) == 0);
        FUZZ_CHECK(c.id == c.members[0].stream);
        for (unsigned m = 0; m < c.count; m++) {
            for (unsigned n = m + 1; n < c.count; n++)
                FUZZ_CHECK(memcmp(c.servers[m], c.servers[n], TCPCONN_ENDPOINT_LEN) != 0);
            /* Each member names this connect as its own. */
            tcpconn_connect other;
            tcpconn_connects_of(t, c.members[m], c.servers[m], &other);
            FUZZ_CHECK(other.id == c.id && other.position == m + 1);
        }
        tcpconn_connect_outcome o = tcpconn_connect_outcome_of(&c, f, &w->capture);
        if (o.result == TCPCONN_CONNECT_FAILED)
            FUZZ_CHECK(o.failed == c.count && o.winner == 0);
        if (o.winner != 0) {
            const tcpconn_attempt *a = attempt_of(w, c.members[o.winner - 1]);
            FUZZ_CHECK(tcpconn_outcome_of(a, &w->capture).connected);
            FUZZ_CHECK(o.result ==
                       (o.winner == 1 ? TCPCONN_CONNECT_CONNECTED : TCPCONN_CONNECT_FELL_BACK));
            FUZZ_CHECK(o.decided_by == o.winner);
        }
        FUZZ_CHECK(o.decided_by >= 1 && o.decided_by <= c.count);
        char sentence[256];
        tcpconn_describe_connect(&c, &o, c.position, (i & 1) ? "www.example.com" : NULL, sentence,
                                 sizeof sentence);
        FUZZ_CHECK(strlen(sentence) < sizeof sentence);
        char small[16];
        tcpconn_describe_connect(&c, &o, c.position, "www.example.com", small, sizeof small);
        FUZZ_CHECK(strlen(small) < sizeof small);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static world w;
    memset(&w, 0, sizeof w);
    w.capture.end_ns = INT64_MIN;
    w.capture.end_window_ns = 1000000000;
    w.now = 1000000000;
    tcpconn_connects *t = tcpconn_connects_new(&heap, 2000000000);
    tcpconn_attempt_finder finder = { attempt_of, &w };

    for (size_t at = 0; at + 6 <= size; at += 6) {
        const uint8_t *e = data + at;
        int32_t step = (int32_t)((uint32_t)e[3] << 16 | (uint32_t)e[4] << 8 | e[5]);
        if (step & 0x800000)
            step -= 0x1000000; /* 24-bit two's complement: time may go back */
        w.now += (int64_t)step * 1000;
        unsigned kind = e[0] % 5;
        if (kind == 0 && w.count < MAX_ATTEMPTS) {
            unsigned i = w.count++;
            bool v6 = e[1] & 0x80;
            uint8_t address4[4] = { 192, 0, 2, (uint8_t)(30 + e[1] % 6) };
            uint8_t address6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(30 + e[1] % 6) };
            uint8_t client4[4] = { 192, 0, 2, 10 };
            uint8_t client6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 10 };
            uint16_t port = (uint16_t)(40000 + i);
            tcpconn_endpoint_key(w.clients[i], v6 ? client6 : client4, v6 ? 16 : 4, port);
            tcpconn_endpoint_key(w.servers[i], v6 ? address6 : address4, v6 ? 16 : 4,
                                 (e[1] & 0x40) ? 443 : 80);
            tcpconn_segment syn = segment(&w, i, true, TCPCONN_SYN);
            tcpconn_attempt_start(&w.attempts[i], &syn);
            tcpconn_attempt_begins b;
            memset(&b, 0, sizeof b);
            b.ref.stream = i;
            b.ref.frame = syn.frame;
            b.host.bytes[0] = 1;
            b.host.bytes[7] = e[2] & 1;
            memcpy(b.server, w.servers[i], TCPCONN_ENDPOINT_LEN);
            b.name = (e[2] >> 1) % 4;
            b.time_ns = w.now;
            tcpconn_connects_begin(t, &b, &finder, &w.capture);
        } else if (kind > 0 && w.count > 0) {
            static const uint16_t flags[] = { TCPCONN_SYN, TCPCONN_SYN | TCPCONN_ACK, TCPCONN_ACK,
                                              TCPCONN_RST | TCPCONN_ACK };
            unsigned i = e[1] % w.count;
            bool from_client = kind == 1 || kind == 3;
            tcpconn_segment s = segment(&w, i, from_client, flags[(kind - 1 + e[2]) % 4]);
            tcpconn_attempt_segment(&w.attempts[i], &s);
        }
    }
    check_connects(&w, t, &finder);
    w.capture.complete = true;
    check_connects(&w, t, &finder);
    FUZZ_CHECK(tcpconn_connects_bytes(t) <= 400 * 1024 + 512 * tcpconn_connects_count(t));
    tcpconn_connects_free(t);
    return 0;
}
