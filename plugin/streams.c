/* streams.c - connection attempts indexed by tcp.stream.
 *
 * tcp.stream numbers are dense and start at 0, so the first attempt of each
 * stream lives in an array of records indexed by the stream number: one
 * lookup per packet, whatever the number of streams. A record is the
 * attempt followed by its optional views (Zeek's), so every view grows with
 * the records and is found at a fixed offset from its attempt.
 *
 * A byte per stream says what its slot holds: nothing yet, one attempt,
 * several, or a forward to another stream (packing it into two bits would
 * cost instructions on every packet). A forward's record holds the stream
 * forwarded to. The rare streams with several attempts have the number of
 * attempts and where each later one is in a small hash table keyed by
 * stream. The attempt record itself holds only the attempt.
 *
 * Since Wireshark 4.4, TCP gives a SYN that follows a RST or FIN on the same
 * ports a new tcp.stream even when it carries the same ISN, i.e. when the
 * client is retrying the same connect(). Such a stream forwards to the
 * attempt's own stream, so tcpconn's outcome does not depend on the
 * Wireshark version. The 4-tuples that can see such a retry (attempt.c
 * reports TCPCONN_NOW_RETRYABLE) are kept in a second hash table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "streams.h"

#include <string.h>

#include "hash.h"
#include "servers.h"

#define INITIAL_STREAMS  1024
#define INITIAL_LATER    64
#define INITIAL_MAP_SIZE 64

/* What a stream's slot holds (a byte per stream). */
enum {
    SLOT_EMPTY = 0,   /* no packet of the stream seen yet */
    SLOT_ONE = 1,     /* its attempt, the only one */
    SLOT_SEVERAL = 2, /* its first attempt; the count and the others are in `links` */
    SLOT_FORWARD = 3, /* no attempt: its packets belong to the stream its record names */
};

/* Where an attempt's views lie in its record. */
typedef struct {
    size_t size; /* bytes per record, a multiple of every part's alignment */
    size_t zeek; /* offset of the Zeek view; 0 when not kept */
} record_layout;

/* A growable array of records. */
typedef struct {
    unsigned char *bytes;
    size_t used; /* records initialised: spare capacity is never touched, so
                    it costs no memory until used */
    size_t cap;
} record_array;

/* Open addressing from 64-bit keys (never 0) to 32-bit values. */
typedef struct {
    uint64_t *keys; /* 0 = empty */
    uint32_t *values;
    size_t slots; /* a power of two */
    size_t used;
} u64_map;

struct tcpconn_streams {
    tcpconn_allocator alloc;
    record_layout layout;
    record_array first; /* indexed by stream */
    uint8_t *slots;     /* SLOT_* per stream, first.cap of them */
    record_array later; /* later attempts of a stream, in the order they began */
    /* For streams whose slot is SLOT_SEVERAL: stream_key(s, 0) gives the
     * attempt count, stream_key(s, n) the index in `later` of attempt n. */
    u64_map links;
    u64_map retries; /* 4-tuple (initiator first) to its latest attempt's stream */
    size_t attempts;
    tcpconn_servers *servers;
    tcpconn_capture capture;
    bool saw_plain_segment; /* a segment without SYN, FIN or RST */
#ifdef TCPCONN_STREAMS_STEPS
    size_t steps;
    size_t *step_counter; /* &steps: lookups in a const table count too */
#endif
};

/* TCPCONN_STREAMS_STEPS (the fuzz build): count attempts visited and hash
 * slots probed, to show the work per packet is bounded. */
#ifdef TCPCONN_STREAMS_STEPS
#define STEPS(t, n) (*(t)->step_counter += (n))
size_t tcpconn_streams_steps(const tcpconn_streams *t)
{
    return t->steps;
}
#else
#define STEPS(t, n) ((void)(t), (void)(n))
#endif

static size_t round_up(size_t n, size_t alignment)
{
    return (n + alignment - 1) / alignment * alignment;
}

static record_layout layout_for(const tcpconn_streams_options *options)
{
    record_layout l = { sizeof(tcpconn_attempt), 0 };
    if (options->zeek) {
        l.zeek = round_up(l.size, _Alignof(tcpconn_zeek));
        l.size = l.zeek + sizeof(tcpconn_zeek);
    }
    l.size = round_up(l.size, _Alignof(tcpconn_attempt));
    return l;
}

static void *grow(tcpconn_streams *t, void *array, size_t count, size_t size)
{
    return t->alloc.realloc(t->alloc.ctx, array, count * size);
}

static void records_reserve(tcpconn_streams *t, record_array *r, size_t count, size_t initial)
{
    if (count <= r->cap)
        return;
    size_t cap = r->cap ? r->cap : initial;
    while (cap < count)
        cap *= 2;
    r->bytes = grow(t, r->bytes, cap, t->layout.size);
    r->cap = cap;
}

static tcpconn_attempt *record(const tcpconn_streams *t, const record_array *r, size_t i)
{
    return (tcpconn_attempt *)(void *)(r->bytes + i * t->layout.size);
}

static tcpconn_zeek *zeek_of(const tcpconn_streams *t, tcpconn_attempt *a)
{
    return t->layout.zeek ? (tcpconn_zeek *)(void *)((unsigned char *)a + t->layout.zeek) : NULL;
}

const tcpconn_zeek *tcpconn_streams_zeek(const tcpconn_streams *t, const tcpconn_attempt *a)
{
    if (!t->layout.zeek)
        return NULL;
    return (const tcpconn_zeek *)(const void *)((const unsigned char *)a + t->layout.zeek);
}

/* The slot of `key`, or the empty one where it would go; *probes counts
 * the slots looked at. */
static size_t map_find(const u64_map *m, uint64_t key, size_t *probes)
{
    size_t mask = m->slots - 1;
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15u) >> 32) & mask;
    for (*probes = 1; m->keys[i] != 0 && m->keys[i] != key; ++*probes)
        i = (i + 1) & mask;
    return i;
}

static void map_grow(tcpconn_streams *t, u64_map *m)
{
    u64_map bigger = { 0 };
    bigger.slots = m->slots ? m->slots * 2 : INITIAL_MAP_SIZE;
    bigger.keys = grow(t, NULL, bigger.slots, sizeof *bigger.keys);
    bigger.values = grow(t, NULL, bigger.slots, sizeof *bigger.values);
    memset(bigger.keys, 0, bigger.slots * sizeof *bigger.keys);
    for (size_t i = 0; i < m->slots; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t probes; /* growth is paid for by the entries added since the last */
        size_t j = map_find(&bigger, m->keys[i], &probes);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
        bigger.used++;
    }
    t->alloc.free(t->alloc.ctx, m->keys);
    t->alloc.free(t->alloc.ctx, m->values);
    *m = bigger;
}

static void map_set(tcpconn_streams *t, u64_map *m, uint64_t key, uint32_t value)
{
    if ((m->used + 1) * 2 > m->slots)
        map_grow(t, m);
    size_t probes;
    size_t i = map_find(m, key, &probes);
    STEPS(t, probes);
    if (m->keys[i] == 0) {
        m->keys[i] = key;
        m->used++;
    }
    m->values[i] = value;
}

static bool map_get(const tcpconn_streams *t, const u64_map *m, uint64_t key, uint32_t *value)
{
    if (m->used == 0)
        return false;
    size_t probes;
    size_t i = map_find(m, key, &probes);
    STEPS(t, probes);
    if (m->keys[i] == 0)
        return false;
    *value = m->values[i];
    return true;
}

static void map_free(tcpconn_streams *t, u64_map *m)
{
    t->alloc.free(t->alloc.ctx, m->keys);
    t->alloc.free(t->alloc.ctx, m->values);
}

static size_t map_bytes(const u64_map *m)
{
    return m->slots * (sizeof *m->keys + sizeof *m->values);
}

tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc,
                                     const tcpconn_streams_options *options)
{
    tcpconn_streams *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    t->layout = layout_for(options);
    t->capture.end_window_ns = options->capture_end_window_ns;
    t->capture.end_ns = INT64_MIN;
    t->servers = tcpconn_servers_new(alloc);
#ifdef TCPCONN_STREAMS_STEPS
    t->step_counter = &t->steps;
#endif
    return t;
}

void tcpconn_streams_free(tcpconn_streams *t)
{
    if (t == NULL)
        return;
    tcpconn_servers_free(t->servers);
    t->alloc.free(t->alloc.ctx, t->first.bytes);
    t->alloc.free(t->alloc.ctx, t->slots);
    t->alloc.free(t->alloc.ctx, t->later.bytes);
    map_free(t, &t->links);
    map_free(t, &t->retries);
    t->alloc.free(t->alloc.ctx, t);
}

static unsigned slot_of(const tcpconn_streams *t, uint32_t stream)
{
    if (stream >= t->first.used)
        return SLOT_EMPTY;
    return t->slots[stream];
}

static void set_slot(tcpconn_streams *t, uint32_t stream, unsigned slot)
{
    t->slots[stream] = (uint8_t)slot;
}

/* The key in `links` of a stream's attempt `number`, or with 0 of the
 * stream itself (never 0). */
static uint64_t stream_key(uint32_t stream, unsigned number)
{
    return ((uint64_t)stream + 1) << 8 | number;
}

/* A forwarding stream's record holds, instead of an attempt, the stream
 * its packets belong to: forwards cost no more than other streams. */
static uint32_t *forward_of(const tcpconn_streams *t, uint32_t stream)
{
    return (uint32_t *)(void *)record(t, &t->first, stream);
}

/* attempts_of_stream() for a stream whose slot is not SLOT_ONE. */
static unsigned attempts_of_other_stream(const tcpconn_streams *t, uint32_t *stream, unsigned slot)
{
    if (slot == SLOT_FORWARD) {
        *stream = *forward_of(t, *stream);
        slot = slot_of(t, *stream);
    }
    uint32_t value;
    if (slot == SLOT_SEVERAL && map_get(t, &t->links, stream_key(*stream, 0), &value))
        return value;
    return slot == SLOT_EMPTY ? 0 : 1;
}

/* How many attempts the stream that `*stream`'s packets belong to holds,
 * with *stream set to that stream (a forward's target never forwards).
 * One array index in the common case. */
static inline unsigned attempts_of_stream(const tcpconn_streams *t, uint32_t *stream)
{
    unsigned slot = slot_of(t, *stream);
    return slot == SLOT_ONE ? 1 : attempts_of_other_stream(t, stream, slot);
}

/* Attempt `number` (1-based, at most attempts_of_stream()) of `stream`. */
static tcpconn_attempt *attempt_of(const tcpconn_streams *t, uint32_t stream, unsigned number)
{
    STEPS(t, 1);
    uint32_t index = 0;
    if (number == 1)
        return record(t, &t->first, stream);
    map_get(t, &t->links, stream_key(stream, number), &index);
    return record(t, &t->later, index);
}

/* Claims stream's slot (whose records past first.used are uninitialised). */
static tcpconn_attempt *first_slot(tcpconn_streams *t, uint32_t stream)
{
    if (stream >= t->first.cap) {
        size_t old_cap = t->first.cap;
        records_reserve(t, &t->first, (size_t)stream + 1, INITIAL_STREAMS);
        t->slots = grow(t, t->slots, t->first.cap, sizeof *t->slots);
        memset(t->slots + old_cap, SLOT_EMPTY, t->first.cap - old_cap);
    }
    if (stream >= t->first.used)
        t->first.used = (size_t)stream + 1; /* streams are dense: normally one more */
    return record(t, &t->first, stream);
}

/* A new attempt after the `count` of `stream`, in `later`. */
static tcpconn_attempt *append_later(tcpconn_streams *t, uint32_t stream, unsigned count)
{
    records_reserve(t, &t->later, t->later.used + 1, INITIAL_LATER);
    uint32_t index = (uint32_t)t->later.used++;
    set_slot(t, stream, SLOT_SEVERAL);
    map_set(t, &t->links, stream_key(stream, 0), count + 1);
    map_set(t, &t->links, stream_key(stream, count + 1), index);
    return record(t, &t->later, index);
}

/* The 4-tuple with the initiator's endpoint first, as a hash (never 0). */
static uint64_t tuple_key(const tcpconn_segment *s, bool from_initiator)
{
    const uint8_t *initiator = from_initiator ? s->src_endpoint : s->dst_endpoint;
    const uint8_t *responder = from_initiator ? s->dst_endpoint : s->src_endpoint;
    uint64_t h = tcpconn_hash_bytes(TCPCONN_HASH_START, initiator, TCPCONN_ENDPOINT_LEN);
    h = tcpconn_hash_bytes(h, responder, TCPCONN_ENDPOINT_LEN);
    return h | 1;
}

static tcpconn_place place_of(const tcpconn_attempt *a, uint32_t stream, unsigned number,
                              unsigned count, unsigned now)
{
    tcpconn_place p = { a, stream, number, count > 1, now };
    return p;
}

/* What the table keeps track of when a segment changed `a` (in `stream`). */
static void note_transitions(tcpconn_streams *t, const tcpconn_attempt *a, uint32_t stream,
                             const tcpconn_segment *s, unsigned now)
{
    if (now & TCPCONN_NOW_CLOSED)
        tcpconn_servers_close(t->servers, a->server);
    /* Wireshark 4.4 and later give a same-ISN retry on these ports a new
     * stream. */
    if (now & TCPCONN_NOW_RETRYABLE)
        map_set(t, &t->retries, tuple_key(s, tcpconn_attempt_from_initiator(a, s->orientation)),
                stream);
}

/* Starts attempt `a` of `stream` with `s` and counts it for its server. */
static unsigned begin_attempt(tcpconn_streams *t, tcpconn_attempt *a, uint32_t stream,
                              const tcpconn_segment *s)
{
    tcpconn_zeek *z = zeek_of(t, a);
    if (z != NULL)
        tcpconn_zeek_start(z, s);
    unsigned now = tcpconn_attempt_start(a, s);
    const uint8_t *server =
        tcpconn_attempt_from_initiator(a, s->orientation) ? s->dst_endpoint : s->src_endpoint;
    a->server = tcpconn_servers_id(t->servers, server);
    a->server_index = tcpconn_servers_count_attempt(t->servers, a->server);
    a->concurrent = tcpconn_servers_open(t->servers, a->server);
    note_transitions(t, a, stream, s, now);
    t->attempts++;
    return now;
}

/* Feeds `s` to `a`, which lives in `stream`. */
static unsigned continue_attempt(tcpconn_streams *t, tcpconn_attempt *a, uint32_t stream,
                                 const tcpconn_segment *s)
{
    unsigned now = tcpconn_attempt_segment(a, s);
    tcpconn_zeek *z = zeek_of(t, a);
    if (z != NULL)
        tcpconn_zeek_segment_in(z, s);
    note_transitions(t, a, stream, s, now);
    return now;
}

/* The first segment of a new stream: a retry of an attempt in another
 * stream, or a new attempt. */
static tcpconn_place open_stream(tcpconn_streams *t, uint32_t stream, const tcpconn_segment *s)
{
    tcpconn_attempt *slot = first_slot(t, stream);
    bool opens = (s->flags & (TCPCONN_SYN | TCPCONN_RST)) == TCPCONN_SYN;
    uint32_t earlier;
    /* A bare SYN comes from the initiator, a SYN-ACK from the responder. */
    uint64_t key = opens && t->retries.used > 0 ? tuple_key(s, !(s->flags & TCPCONN_ACK)) : 0;
    if (key != 0 && map_get(t, &t->retries, key, &earlier) && earlier != stream) {
        unsigned count = attempts_of_stream(t, &earlier);
        tcpconn_attempt *a = count ? attempt_of(t, earlier, count) : NULL;
        if (a != NULL && tcpconn_attempt_is_retried_by(a, s)) {
            set_slot(t, stream, SLOT_FORWARD);
            *forward_of(t, stream) = earlier;
            unsigned now = continue_attempt(t, a, earlier, s);
            return place_of(a, earlier, count, count, now);
        }
        /* A newer attempt on these ports: retries now belong to it. */
        if (!(s->flags & TCPCONN_ACK))
            map_set(t, &t->retries, key, stream);
    }
    set_slot(t, stream, SLOT_ONE);
    unsigned now = begin_attempt(t, slot, stream, s);
    return place_of(slot, stream, 1, 1, now);
}

tcpconn_place tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream, const tcpconn_segment *s)
{
    if (!(s->flags & (TCPCONN_SYN | TCPCONN_FIN | TCPCONN_RST)))
        t->saw_plain_segment = true;
    unsigned count = attempts_of_stream(t, &stream);
    if (count == 0)
        return open_stream(t, stream, s);

    tcpconn_attempt *a = attempt_of(t, stream, count);
    if (count >= TCPCONN_MAX_ATTEMPTS_PER_STREAM || !tcpconn_attempt_is_superseded_by(a, s)) {
        unsigned now = continue_attempt(t, a, stream, s);
        return place_of(a, stream, count, count, now);
    }
    a = append_later(t, stream, count);
    unsigned now = begin_attempt(t, a, stream, s);
    return place_of(a, stream, count + 1, count + 1, now);
}

bool tcpconn_streams_plain_segment(tcpconn_streams *t, uint32_t stream, uint16_t flags,
                                   int64_t time_ns, tcpconn_place *place)
{
    if (t->layout.zeek)
        return false;
    unsigned count = attempts_of_stream(t, &stream);
    if (count == 0)
        return false;
    tcpconn_attempt *a = attempt_of(t, stream, count);
    /* Without SYN it supersedes nothing, without RST or FIN it closes
     * nothing and marks no retry. */
    if (!tcpconn_attempt_plain_segment(a, flags, time_ns))
        return false;
    t->saw_plain_segment = true;
    *place = place_of(a, stream, count, count, 0);
    return true;
}

/* The number of the latest attempt of `stream` (holding `count`) begun by
 * `frame`, or 1 when none was: attempts begin in frame order, so a binary
 * search finds it. */
static unsigned attempt_begun_by(const tcpconn_streams *t, uint32_t stream, unsigned count,
                                 uint32_t frame)
{
    unsigned low = 1, high = count;
    while (low < high) {
        unsigned middle = (low + high + 1) / 2;
        if (attempt_of(t, stream, middle)->first_frame <= frame)
            low = middle;
        else
            high = middle - 1;
    }
    return low;
}

/* The latest attempt of the stream whose SYN the ICMP error quotes, among
 * those begun by the error's frame: looked up again after the capture was
 * read, an error must not go to an attempt that began after it. */
static tcpconn_attempt *quoted(const tcpconn_streams *t, uint32_t stream,
                               const tcpconn_icmp_error *e, tcpconn_place *place)
{
    unsigned count = attempts_of_stream(t, &stream);
    *place = place_of(NULL, stream, 0, count, 0);
    for (unsigned n = count ? attempt_begun_by(t, stream, count, e->frame) : 0; n >= 1; n--) {
        tcpconn_attempt *a = attempt_of(t, stream, n);
        if (a->first_frame <= e->frame && tcpconn_attempt_matches_icmp(a, e)) {
            *place = place_of(a, stream, n, count, 0);
            return a;
        }
    }
    return NULL;
}

tcpconn_place tcpconn_streams_quoted_attempt(const tcpconn_streams *t, uint32_t stream,
                                             const tcpconn_icmp_error *e)
{
    tcpconn_place p;
    quoted(t, stream, e, &p);
    return p;
}

tcpconn_place tcpconn_streams_icmp(tcpconn_streams *t, uint32_t stream, const tcpconn_icmp_error *e)
{
    tcpconn_place p;
    tcpconn_attempt *a = quoted(t, stream, e, &p);
    if (a != NULL) {
        p.now = tcpconn_attempt_icmp(a, e);
        if (p.now & TCPCONN_NOW_CLOSED)
            tcpconn_servers_close(t->servers, a->server);
    }
    return p;
}

/* tcpconn_streams_attempt_at() for a stream whose slot is not SLOT_ONE. */
static tcpconn_place attempt_at_in_other_stream(const tcpconn_streams *t, uint32_t stream,
                                                unsigned slot, uint32_t frame)
{
    unsigned count = attempts_of_other_stream(t, &stream, slot);
    if (count == 0)
        return place_of(NULL, stream, 1, 0, 0);
    unsigned n = attempt_begun_by(t, stream, count, frame);
    return place_of(attempt_of(t, stream, n), stream, n, count, 0);
}

tcpconn_place tcpconn_streams_attempt_at(const tcpconn_streams *t, uint32_t stream, uint32_t frame)
{
    unsigned slot = slot_of(t, stream);
    if (slot == SLOT_ONE)
        return place_of(record(t, &t->first, stream), stream, 1, 1, 0);
    return attempt_at_in_other_stream(t, stream, slot, frame);
}

void tcpconn_streams_frame_seen(tcpconn_streams *t, int64_t time_ns)
{
    if (time_ns > t->capture.end_ns)
        t->capture.end_ns = time_ns;
}

/* The attempts still open during the recount, earliest end on top. */
typedef struct {
    int64_t end_ns;
    uint32_t server;
} open_attempt;

typedef struct {
    open_attempt *items;
    size_t len;
    size_t cap;
} open_heap;

static void heap_push(tcpconn_streams *t, open_heap *h, open_attempt v)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->items = grow(t, h->items, h->cap, sizeof *h->items);
    }
    size_t i = h->len++;
    while (i > 0 && h->items[(i - 1) / 2].end_ns > v.end_ns) {
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = v;
}

static void heap_pop(open_heap *h)
{
    open_attempt last = h->items[--h->len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && h->items[child + 1].end_ns < h->items[child].end_ns)
            child++;
        if (h->items[child].end_ns >= last.end_ns)
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    if (h->len > 0)
        h->items[i] = last;
}

/* The next attempt in capture order: both arrays are in the order the
 * attempts began (tcp.stream numbers are handed out in frame order). */
static tcpconn_attempt *next_in_capture_order(tcpconn_streams *t, size_t *i, size_t *j)
{
    while (*i < t->first.used &&
           (slot_of(t, (uint32_t)*i) == SLOT_EMPTY || slot_of(t, (uint32_t)*i) == SLOT_FORWARD))
        (*i)++;
    tcpconn_attempt *a = *i < t->first.used ? record(t, &t->first, *i) : NULL;
    tcpconn_attempt *b = *j < t->later.used ? record(t, &t->later, *j) : NULL;
    if (a != NULL && (b == NULL || a->first_frame <= b->first_frame)) {
        (*i)++;
        return a;
    }
    if (b != NULL)
        (*j)++;
    return b;
}

void tcpconn_streams_finish(tcpconn_streams *t)
{
    t->capture.complete = true;
    t->capture.handshake_only = t->attempts > 0 && !t->saw_plain_segment;

    /* Count again, now that every attempt's end is known: one walk in
     * capture order, with the open attempts in a heap by end. Memory grows
     * with the number open at once, not with the number of attempts. */
    open_heap open = { 0 };
    size_t i = 0, j = 0;
    tcpconn_servers_reset_open(t->servers);
    for (tcpconn_attempt *a; (a = next_in_capture_order(t, &i, &j)) != NULL;) {
        while (open.len > 0 && open.items[0].end_ns < a->first_ns) {
            tcpconn_servers_close(t->servers, open.items[0].server);
            heap_pop(&open);
        }
        open_attempt v = { tcpconn_attempt_end_ns(a), a->server };
        heap_push(t, &open, v);
        a->concurrent = tcpconn_servers_open(t->servers, a->server);
    }
    t->alloc.free(t->alloc.ctx, open.items);
}

const tcpconn_capture *tcpconn_streams_capture(const tcpconn_streams *t)
{
    return &t->capture;
}

size_t tcpconn_streams_attempts(const tcpconn_streams *t)
{
    return t->attempts;
}

size_t tcpconn_streams_bytes(const tcpconn_streams *t)
{
    size_t records = (t->first.used + t->later.used) * t->layout.size;
    size_t slots = t->first.cap * sizeof *t->slots;
    return sizeof *t + records + slots + map_bytes(&t->links) + map_bytes(&t->retries) +
           tcpconn_servers_bytes(t->servers);
}
