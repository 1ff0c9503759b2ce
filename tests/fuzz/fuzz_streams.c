/* fuzz_streams.c - libFuzzer target: the state machine of attempts
 * (attempt.c), the per-stream table (streams.c, servers.c, zeek.c), and the
 * outcome and sentence functions (outcome.c, describe.c) for every record
 * reached.
 *
 * The input decodes into the frames of a capture, read as tcpconn reads
 * them: a first pass that feeds every segment and ICMP error, the end of the
 * capture, then a second pass that looks every frame up again.
 *
 * Input: one header byte, then 16-byte events.
 *   header  bit 0 keep the Zeek view; bits 1-2 the capture-end window
 *           (0, 1 ms, 1 s, 1000 s); bits 3-4 the first frame's time (0,
 *           2026, the last second pcap can hold, 1 ns)
 *   event   0      bits 0-2 kind: 0 a segment from side A of the 4-tuple,
 *                  1 one from side B, 2 an ICMP error quoting a segment
 *                  from A, 3 one quoting B, 4-7 a frame of another protocol;
 *                  bits 3-5 which of 8 4-tuples (some share a server);
 *                  bit 6 the segment opens a new tcp.stream for its 4-tuple
 *                  (port reuse, or 4.4's split of a same-ISN retry)
 *           1      TCP flags (FIN SYN RST PSH ACK URG ECE CWR); ICMP: code
 *           2      bit 0 TCP options cut off, 1 payload cut off, 2 bad TCP
 *                  checksum, 3 bad IP checksum, 4 window 0, 5 window not
 *                  captured, 6 ICMP: destination unreachable, 7 the NS flag
 *           3      the size of a short buffer the sentences are also written
 *                  to, to check they are cut short safely
 *           4-7    sequence number (ICMP: the quoted one), little-endian,
 *                  added to the sending side's first sequence number
 *           8-11   acknowledgement number, added to the other side's
 *           12-13  payload bytes
 *           14-15  time since the previous frame: a signed root, the gap is
 *                  its square in microseconds (so it can go backwards)
 * tests/fuzz/make_corpus.py turns the captures of captures/ into inputs.
 *
 * Checked besides memory safety:
 *   - once the capture is finished, every attempt has one final outcome,
 *     and exactly one of its frames is the deciding one;
 *   - looking every frame up again, as the second pass does, gives the
 *     attempt the first pass fed it to;
 *   - wherever an attempt's last outcome while reading was final, the
 *     outcome at the end is the same; the statistics' verdict comes once
 *     per attempt;
 *   - the table's memory stays within its documented bytes per stream.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "fuzz_check.h"
#include "outcome.h"
#include "streams.h"
#include "zeek.h"

enum {
    HEADER_LEN = 1,
    EVENT_LEN = 16,
    MAX_EVENTS = 1024,
    TUPLES = 8,
    NEW_STREAM = 0x40,
};

enum {
    KIND_FROM_A = 0,
    KIND_FROM_B,
    KIND_ICMP_ABOUT_A,
    KIND_ICMP_ABOUT_B,
};

/* The table's steps (attempts visited, hash slots probed) for one packet
 * fed or looked up: a constant, however many came before, so no input has a
 * quadratic path. A lookup walks at most the attempts of one stream, with a
 * hash lookup each (the corpora need at most 2 steps per attempt). */
#define MAX_STEPS_PER_EVENT (8 * TCPCONN_MAX_ATTEMPTS_PER_STREAM)

/* What the documentation promises a stream costs (README, zeek.h), and
 * what the table adds: a byte per stream (at most twice over, as its array
 * grows), and for an attempt after a stream's first one a hash entry (12
 * bytes, in a table at least a quarter full). */
#define BYTES_PER_ATTEMPT 56
#define SLOT_BYTES        2
#define LINK_BYTES        48
/* The table itself, the first blocks of its hash tables: the inputs have 8
 * 4-tuples, so those stay small. */
#define FIXED_BYTES 8192

/* One 4-tuple: its two endpoints, the first sequence number of each side,
 * and its current tcp.stream. */
typedef struct {
    uint8_t endpoint[2][TCPCONN_ENDPOINT_LEN];
    uint32_t first_seq[2];
    int64_t stream; /* -1: none yet */
} tuple;

/* Which attempt a frame went to, as (stream, number): pointers into the
 * table move as it grows. */
typedef struct {
    bool found;
    uint32_t stream;
    unsigned number;
} attempt_id;

/* A frame the first pass fed, to be looked up again. */
typedef struct {
    bool icmp;
    uint32_t stream;
    tcpconn_icmp_error error; /* icmp */
    uint32_t frame;
    attempt_id first_pass;
} fed_frame;

/* What the first pass said about an attempt. */
typedef struct {
    attempt_id id;
    tcpconn_outcome last;
    bool was_final;              /* some outcome while reading was not provisional */
    tcpconn_outcome first_final; /* the first such */
    unsigned verdicts;           /* times it reported TCPCONN_NOW_VERDICT */
    bool described;              /* its words were made at least once */
    const char *zeek_state;      /* the Zeek conn_state last described */
    unsigned deciding_frames;
} attempt_log;

/* The attempts seen, in an open-addressed table keyed by their id. */
#define LOG_SLOTS 4096 /* a power of two, more than twice MAX_EVENTS */
static attempt_log logs[LOG_SLOTS];
static uint16_t used_logs[MAX_EVENTS];
static size_t used_log_count;
static fed_frame fed[MAX_EVENTS];
/* FUZZ_TRACE=1 in the environment: what each frame did, on stderr (to turn
 * a finding into a unit test). */
static bool tracing;

static attempt_log *log_of(attempt_id id)
{
    size_t i = (id.stream * 131u + id.number) & (LOG_SLOTS - 1);
    while (logs[i].id.found && (logs[i].id.stream != id.stream || logs[i].id.number != id.number))
        i = (i + 1) & (LOG_SLOTS - 1);
    if (!logs[i].id.found) {
        FUZZ_CHECK(used_log_count < MAX_EVENTS);
        memset(&logs[i], 0, sizeof logs[i]);
        logs[i].id = id;
        used_logs[used_log_count++] = (uint16_t)i;
    }
    return &logs[i];
}

static void forget_logs(void)
{
    for (size_t i = 0; i < used_log_count; i++)
        logs[used_logs[i]].id.found = false;
    used_log_count = 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Tuple t: client 192.0.2.(10 + t % 4), port 40000 + t / 4, to server
 * 198.51.100.(20 + t / 2 % 2) port 443; side A is the client's. */
static void make_tuples(tuple tuples[TUPLES])
{
    for (unsigned t = 0; t < TUPLES; t++) {
        uint8_t client[4] = { 192, 0, 2, (uint8_t)(10 + t % 4) };
        uint8_t server[4] = { 198, 51, 100, (uint8_t)(20 + t / 2 % 2) };
        tcpconn_endpoint_key(tuples[t].endpoint[0], client, 4, (uint16_t)(40000 + t / 4));
        tcpconn_endpoint_key(tuples[t].endpoint[1], server, 4, 443);
        tuples[t].first_seq[0] = 0x10000000u * (t + 1) + 1000;
        tuples[t].first_seq[1] = 0x80000000u + 0x01000000u * t;
        tuples[t].stream = -1;
    }
}

/* The same outcome. Who ended the connection is left out: a FIN after the
 * outcome is settled still says who closed it. */
static bool same_outcome(const tcpconn_outcome *x, const tcpconn_outcome *y)
{
    return x->reason == y->reason && x->failed == y->failed && x->connected == y->connected;
}

/* Every output tcpconn makes from a record: the sentence (also cut short),
 * the expert text, the names, the Zeek fields. */
static void describe_everything(const tcpconn_streams *t, const tcpconn_attempt *a,
                                const tcpconn_outcome *o, uint8_t cut, attempt_log *log)
{
    const tcpconn_capture *c = tcpconn_streams_capture(t);
    FUZZ_CHECK((unsigned)o->reason < TCPCONN_REASON_COUNT);
    FUZZ_CHECK(tcpconn_reason_name(o->reason) != NULL);
    tcpconn_group group = tcpconn_reason_group(o->reason);
    FUZZ_CHECK(tcpconn_group_name(group) != NULL);
    FUZZ_CHECK(o->failed == (group == TCPCONN_GROUP_FAILED));
    FUZZ_CHECK(o->expert == TCPCONN_EXPERT_NONE || ((unsigned)o->expert < TCPCONN_EXPERT_COUNT &&
                                                    tcpconn_experts[o->expert].summary != NULL));

    /* IPv4 or IPv6 words as the input says, in full and then cut short. */
    bool v6 = cut & 1;
    char sentence[512];
    tcpconn_describe(a, o, c, "198.51.100.20:443", v6, sentence, sizeof sentence);
    size_t len = strlen(sentence);
    FUZZ_CHECK(len > 0 && len < sizeof sentence - 1);
    /* A buffer too small for the sentence gets a terminated start of it. */
    size_t small = 1 + cut / 2 % 64;
    memset(sentence, 'x', small + 1);
    tcpconn_describe(a, o, c, "198.51.100.20:443", v6, sentence, small);
    FUZZ_CHECK(strlen(sentence) < small);
    FUZZ_CHECK(sentence[small] == 'x');

    char text[256];
    if (tcpconn_expert_text(a, o, text, sizeof text))
        FUZZ_CHECK(strlen(text) > 0);
    char duration[TCPCONN_DURATION_LEN];
    FUZZ_CHECK(strlen(tcpconn_format_duration(duration, a->connect_us)) > 0);
    FUZZ_CHECK(strlen(tcpconn_format_duration(duration, a->outcome_us)) > 0);

    const tcpconn_zeek *z = tcpconn_streams_zeek(t, a);
    if (z != NULL) {
        const char *state = tcpconn_zeek_conn_state(z);
        FUZZ_CHECK(state != NULL);
        /* Its meaning depends on the state alone: looked up when it changed. */
        if (state != log->zeek_state)
            FUZZ_CHECK(tcpconn_zeek_conn_state_meaning(state) != NULL);
        log->zeek_state = state;
        char history[TCPCONN_ZEEK_HISTORY_MAX + 1];
        tcpconn_zeek_history(z, history);
        FUZZ_CHECK(strlen(history) <= TCPCONN_ZEEK_HISTORY_MAX);
    }
}

/* The first pass's view of what a frame did. */
static void note_first_pass(const tcpconn_streams *t, fed_frame *f, const tcpconn_place *p,
                            uint8_t cut)
{
    f->first_pass.found = p->attempt != NULL;
    if (p->attempt == NULL)
        return;
    f->first_pass.stream = p->stream;
    f->first_pass.number = p->number;
    FUZZ_CHECK(p->number >= 1 && p->number <= TCPCONN_MAX_ATTEMPTS_PER_STREAM);
    attempt_log *log = log_of(f->first_pass);
    tcpconn_outcome before = log->last;
    bool new_attempt = log->verdicts == 0 && !log->described;
    log->last = tcpconn_outcome_of(p->attempt, tcpconn_streams_capture(t));
    if (!log->last.provisional && !log->was_final) {
        log->was_final = true;
        log->first_final = log->last;
    }
    if (p->now & TCPCONN_NOW_VERDICT)
        log->verdicts++;
    if (tracing)
        fprintf(stderr, "frame %u: stream %u attempt %u now %#x -> %s%s, flags %#x decision %u\n",
                f->frame, p->stream, p->number, p->now, tcpconn_reason_name(log->last.reason),
                log->last.provisional ? " (provisional)" : "", p->attempt->flags,
                p->attempt->decision);
    /* The words, wherever the outcome they tell may have changed. */
    if (new_attempt || !same_outcome(&before, &log->last) ||
        before.provisional != log->last.provisional || before.expert != log->last.expert ||
        before.ended_by != log->last.ended_by ||
        before.capture_stopped != log->last.capture_stopped) {
        describe_everything(t, p->attempt, &log->last, cut, log);
        log->described = true;
    }
}

/* The steps the table took since `*before`, against the bound; then
 * `*before` is now. */
static void check_steps(const tcpconn_streams *t, size_t *before, uint32_t frame)
{
    size_t now = tcpconn_streams_steps(t);
    FUZZ_CHECK_FRAME(frame, now - *before <= MAX_STEPS_PER_EVENT);
    *before = now;
}

/* The memory the table reports, against what the documentation says. */
static void check_memory(const tcpconn_streams *t, size_t streams, bool zeek)
{
    size_t per_attempt = BYTES_PER_ATTEMPT + (zeek ? TCPCONN_ZEEK_BYTES : 0);
    size_t attempts = tcpconn_streams_attempts(t);
    size_t budget =
        FIXED_BYTES + streams * (per_attempt + SLOT_BYTES) + attempts * (per_attempt + LINK_BYTES);
    FUZZ_CHECK(tcpconn_streams_bytes(t) <= budget);
}

/* The second pass: every frame again, after the end of the capture. */
static void check_second_pass(tcpconn_streams *t, size_t frames, uint8_t cut)
{
    const tcpconn_capture *c = tcpconn_streams_capture(t);
    FUZZ_CHECK(c->complete);
    size_t steps = tcpconn_streams_steps(t);
    for (size_t i = 0; i < frames; i++) {
        const fed_frame *f = &fed[i];
        tcpconn_place p = f->icmp ? tcpconn_streams_quoted_attempt(t, f->stream, &f->error)
                                  : tcpconn_streams_attempt_at(t, f->stream, f->frame);
        check_steps(t, &steps, f->frame);
        FUZZ_CHECK_FRAME(f->frame, (p.attempt != NULL) == f->first_pass.found);
        if (p.attempt == NULL)
            continue;
        FUZZ_CHECK_FRAME(f->frame,
                         p.stream == f->first_pass.stream && p.number == f->first_pass.number);

        tcpconn_outcome o = tcpconn_outcome_of(p.attempt, c);
        FUZZ_CHECK_FRAME(f->frame, !o.provisional);
        FUZZ_CHECK_FRAME(f->frame, o.reason != TCPCONN_IN_PROGRESS);
        attempt_log *log = log_of(f->first_pass);
        /* An outcome shown as final while reading never changes: not the
         * last one, nor the first. */
        if (!log->last.provisional)
            FUZZ_CHECK_FRAME(f->frame, same_outcome(&o, &log->last));
        if (log->was_final)
            FUZZ_CHECK_FRAME(f->frame, same_outcome(&o, &log->first_final));
        FUZZ_CHECK_FRAME(f->frame, log->verdicts <= 1);
        /* The words once per attempt, on its deciding frame. */
        if (p.attempt->outcome_frame == f->frame) {
            log->deciding_frames++;
            describe_everything(t, p.attempt, &o, cut, log);
        }
    }
    for (size_t i = 0; i < used_log_count; i++) {
        const attempt_log *log = &logs[used_logs[i]];
        if (log->deciding_frames != 1)
            fprintf(stderr, "stream %u, attempt %u: ", log->id.stream, log->id.number);
        FUZZ_CHECK(log->deciding_frames == 1);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tracing = getenv("FUZZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_LEN)
        return 0;
    static const int64_t windows[4] = { 0, 1000000, 1000000000, 1000000000000 };
    static const int64_t starts[4] = { 0, 1795465897000000000, 4294967295000000000, 1 };
    uint8_t header = data[0];
    bool zeek = header & 1;
    tcpconn_streams_options options = { zeek, windows[header >> 1 & 3] };
    tcpconn_streams *t = tcpconn_streams_new(&heap, &options);
    tuple tuples[TUPLES];
    make_tuples(tuples);
    int64_t time_ns = starts[header >> 3 & 3];
    uint32_t next_stream = 0;
    size_t frames = 0;
    size_t steps = 0;
    forget_logs();

    size_t events = (size - HEADER_LEN) / EVENT_LEN;
    if (events > MAX_EVENTS)
        events = MAX_EVENTS;
    for (size_t i = 0; i < events; i++) {
        const uint8_t *e = data + HEADER_LEN + i * EVENT_LEN;
        unsigned kind = e[0] & 7;
        tuple *tu = &tuples[e[0] >> 3 & 7];
        int16_t root = (int16_t)le16(e + 14);
        time_ns += (int64_t)root * root * (root < 0 ? -1000 : 1000);
        uint32_t frame = (uint32_t)i + 1;
        tcpconn_streams_frame_seen(t, time_ns);

        bool icmp = kind == KIND_ICMP_ABOUT_A || kind == KIND_ICMP_ABOUT_B;
        if (kind > KIND_ICMP_ABOUT_B || (icmp && tu->stream < 0))
            continue; /* TCP knows no connection this frame could be about */
        if (!icmp && (tu->stream < 0 || (e[0] & NEW_STREAM)))
            tu->stream = next_stream++;

        unsigned side = kind & 1;
        const uint8_t *src = tu->endpoint[side], *dst = tu->endpoint[!side];
        fed_frame *f = &fed[frames++];
        memset(f, 0, sizeof *f);
        f->icmp = icmp;
        f->stream = (uint32_t)tu->stream;
        f->frame = frame;
        tcpconn_place p;
        if (icmp) {
            f->error.frame = frame;
            f->error.time_ns = time_ns;
            f->error.orientation = tcpconn_orientation(src, dst);
            f->error.quoted_seq = tu->first_seq[side] + le32(e + 4);
            f->error.unreachable = e[2] & 0x40;
            f->error.code = e[1];
            p = tcpconn_streams_icmp(t, f->stream, &f->error);
        } else {
            tcpconn_segment s = {
                .frame = frame,
                .time_ns = time_ns,
                .orientation = tcpconn_orientation(src, dst),
                .flags = (uint16_t)(e[1] | (e[2] & 0x80 ? 0x100 : 0)),
                .seq = tu->first_seq[side] + le32(e + 4),
                .ack = tu->first_seq[!side] + le32(e + 8),
                .payload_len = le16(e + 12),
                .window = e[2] & 0x20   ? UINT16_MAX
                          : e[2] & 0x10 ? 0
                                        : 64240,
                .src_port = (uint16_t)(src[17] << 8 | src[18]),
                .dst_port = (uint16_t)(dst[17] << 8 | dst[18]),
                .src_endpoint = src,
                .dst_endpoint = dst,
                .header_cut_off = e[2] & 1,
                .payload_cut_off = e[2] & 2,
                .checksum_bad = e[2] & 4,
                .ip_checksum_bad = e[2] & 8,
            };
            /* As the dissector does: the shortcut first, when the flags allow. */
            if (!tcpconn_streams_plain_segment(t, f->stream, s.flags, time_ns, &p))
                p = tcpconn_streams_segment(t, f->stream, &s);
            /* Every segment of a connection TCP tracks has an attempt. */
            FUZZ_CHECK(p.attempt != NULL);
        }
        check_steps(t, &steps, frame);
        note_first_pass(t, f, &p, e[3]);
        check_memory(t, next_stream, zeek);
    }

    tcpconn_streams_finish(t);
    check_second_pass(t, frames, size & 0xff);
    check_memory(t, next_stream, zeek);
    tcpconn_streams_free(t);
    return 0;
}
