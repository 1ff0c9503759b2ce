/* streams.c - connection attempts indexed by tcp.stream.
 *
 * tcp.stream numbers are dense and start at 0, so the first attempt of each
 * stream lives in an array indexed by the stream number: one lookup per
 * packet, whatever the number of streams. The rare later attempts on the
 * same stream (port reuse) hang off it in a second array.
 *
 * Since Wireshark 4.4, TCP gives a SYN that follows a RST or FIN on the same
 * ports a new tcp.stream even when it carries the same ISN, i.e. when the
 * client is retrying the same connect(). Such a stream's slot becomes an
 * alias of the attempt's own stream, so tcpconn's outcome does not depend
 * on the Wireshark version. The 4-tuples that can see such a retry (a RST
 * or FIN before the handshake completed) are kept in a small hash table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "streams.h"

#include <string.h>

#include "servers.h"

#define INITIAL_STREAMS     1024
#define INITIAL_RETRY_SLOTS 64

/* tcpconn_attempt.decision of a stream slot that forwards to another
 * stream (in tcpconn_attempt.next). No real decision has this value. */
#define DECISION_ALIAS 15

typedef struct {
    uint64_t *keys;    /* hash of the 4-tuple (initiator first); 0 = empty */
    uint32_t *streams; /* its latest attempt's stream */
    size_t slots;      /* a power of two */
    size_t used;
} retry_index;

struct tcpconn_streams {
    tcpconn_allocator alloc;
    tcpconn_attempt *first; /* first attempt of each stream; first_frame 0 = none yet */
    size_t first_len;       /* allocated */
    size_t first_used;      /* initialised: slots past it are never touched, so the
                               array's spare capacity costs no memory until used */
    tcpconn_attempt *later; /* later attempts; attempt.next is a 1-based index into this */
    size_t later_len;
    size_t later_cap;
    size_t attempts;
    tcpconn_servers *servers;
    retry_index retries;
    tcpconn_capture capture;
    bool saw_plain_segment; /* a segment without SYN, FIN or RST */
    /* Optional Zeek view, element for element beside `first` and `later`. */
    tcpconn_zeek *zeek_first;
    tcpconn_zeek *zeek_later;
    bool zeek;
};

tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc,
                                     const tcpconn_streams_options *options)
{
    tcpconn_streams *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    t->zeek = options->zeek;
    t->capture.end_window_ns = options->capture_end_window_ns;
    t->capture.end_ns = INT64_MIN;
    t->servers = tcpconn_servers_new(alloc);
    return t;
}

void tcpconn_streams_free(tcpconn_streams *t)
{
    if (t == NULL)
        return;
    tcpconn_servers_free(t->servers);
    t->alloc.free(t->alloc.ctx, t->first);
    t->alloc.free(t->alloc.ctx, t->later);
    t->alloc.free(t->alloc.ctx, t->retries.keys);
    t->alloc.free(t->alloc.ctx, t->retries.streams);
    t->alloc.free(t->alloc.ctx, t->zeek_first);
    t->alloc.free(t->alloc.ctx, t->zeek_later);
    t->alloc.free(t->alloc.ctx, t);
}

static bool is_alias(const tcpconn_attempt *a)
{
    return a->decision == DECISION_ALIAS;
}

/* The stream whose attempts `stream`'s packets belong to. */
static uint32_t resolve(const tcpconn_streams *t, uint32_t stream)
{
    if (stream < t->first_used && t->first[stream].first_frame != 0 && is_alias(&t->first[stream]))
        return t->first[stream].next;
    return stream;
}

static tcpconn_attempt *first_of(const tcpconn_streams *t, uint32_t stream)
{
    if (stream >= t->first_used || t->first[stream].first_frame == 0)
        return NULL;
    return &t->first[stream];
}

static tcpconn_attempt *next_of(const tcpconn_streams *t, const tcpconn_attempt *a)
{
    return a->next ? &t->later[a->next - 1] : NULL;
}

static void *grow(tcpconn_streams *t, void *array, size_t count, size_t size)
{
    return t->alloc.realloc(t->alloc.ctx, array, count * size);
}

static tcpconn_attempt *first_slot(tcpconn_streams *t, uint32_t stream)
{
    if (stream >= t->first_len) {
        size_t len = t->first_len ? t->first_len : INITIAL_STREAMS;
        while (len <= stream)
            len *= 2;
        t->first = grow(t, t->first, len, sizeof *t->first);
        if (t->zeek)
            t->zeek_first = grow(t, t->zeek_first, len, sizeof *t->zeek_first);
        t->first_len = len;
    }
    if (stream >= t->first_used) {
        /* Streams are numbered densely, so this is normally one slot. */
        memset(t->first + t->first_used, 0, (stream + 1 - t->first_used) * sizeof *t->first);
        t->first_used = stream + 1;
    }
    return &t->first[stream];
}

/* Appends a later attempt and returns its 1-based index. */
static uint32_t append_later(tcpconn_streams *t)
{
    if (t->later_len == t->later_cap) {
        size_t cap = t->later_cap ? t->later_cap * 2 : 64;
        t->later = grow(t, t->later, cap, sizeof *t->later);
        if (t->zeek)
            t->zeek_later = grow(t, t->zeek_later, cap, sizeof *t->zeek_later);
        t->later_cap = cap;
    }
    t->later_len++;
    return (uint32_t)t->later_len;
}

static tcpconn_zeek *zeek_of(const tcpconn_streams *t, const tcpconn_attempt *a)
{
    if (!t->zeek)
        return NULL;
    if (a >= t->first && a < t->first + t->first_len)
        return &t->zeek_first[a - t->first];
    return &t->zeek_later[a - t->later];
}

const tcpconn_zeek *tcpconn_streams_zeek(const tcpconn_streams *t, const tcpconn_attempt *a)
{
    return zeek_of(t, a);
}

/* The 4-tuple with the initiator's endpoint first, as a hash (never 0). */
static uint64_t tuple_key(const tcpconn_segment *s, bool from_initiator)
{
    const uint8_t *initiator = from_initiator ? s->src_endpoint : s->dst_endpoint;
    const uint8_t *responder = from_initiator ? s->dst_endpoint : s->src_endpoint;
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < TCPCONN_ENDPOINT_LEN; i++)
        h = (h ^ initiator[i]) * 1099511628211u;
    for (size_t i = 0; i < TCPCONN_ENDPOINT_LEN; i++)
        h = (h ^ responder[i]) * 1099511628211u;
    return h | 1;
}

static size_t retry_slot(const retry_index *r, uint64_t key)
{
    size_t mask = r->slots - 1;
    size_t i = (size_t)(key >> 17) & mask;
    while (r->keys[i] != 0 && r->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static void retry_grow(tcpconn_streams *t)
{
    retry_index *r = &t->retries;
    retry_index bigger = { 0 };
    bigger.slots = r->slots ? r->slots * 2 : INITIAL_RETRY_SLOTS;
    bigger.keys = grow(t, NULL, bigger.slots, sizeof *bigger.keys);
    bigger.streams = grow(t, NULL, bigger.slots, sizeof *bigger.streams);
    memset(bigger.keys, 0, bigger.slots * sizeof *bigger.keys);
    for (size_t i = 0; i < r->slots; i++) {
        if (r->keys[i] == 0)
            continue;
        size_t j = retry_slot(&bigger, r->keys[i]);
        bigger.keys[j] = r->keys[i];
        bigger.streams[j] = r->streams[i];
        bigger.used++;
    }
    t->alloc.free(t->alloc.ctx, r->keys);
    t->alloc.free(t->alloc.ctx, r->streams);
    *r = bigger;
}

static void retry_set(tcpconn_streams *t, uint64_t key, uint32_t stream)
{
    if ((t->retries.used + 1) * 2 > t->retries.slots)
        retry_grow(t);
    size_t i = retry_slot(&t->retries, key);
    if (t->retries.keys[i] == 0) {
        t->retries.keys[i] = key;
        t->retries.used++;
    }
    t->retries.streams[i] = stream;
}

/* The stream last remembered for this 4-tuple, if any. */
static bool retry_get(const tcpconn_streams *t, uint64_t key, uint32_t *stream)
{
    if (t->retries.used == 0)
        return false;
    size_t i = retry_slot(&t->retries, key);
    if (t->retries.keys[i] == 0)
        return false;
    *stream = t->retries.streams[i];
    return true;
}

/* The latest attempt of a stream, and its number. */
static tcpconn_attempt *latest_of(tcpconn_streams *t, uint32_t stream, unsigned *number,
                                  uint32_t *index)
{
    tcpconn_attempt *a = first_of(t, stream);
    *number = 1;
    *index = 0; /* 0: the stream's first attempt, else 1-based in `later` */
    while (a != NULL && a->next) {
        *index = a->next;
        a = &t->later[a->next - 1];
        (*number)++;
    }
    return a;
}

static tcpconn_place place_of(const tcpconn_attempt *a, uint32_t stream, unsigned number,
                              unsigned now)
{
    tcpconn_place p = { a, stream, number, number > 1 || (a != NULL && a->next != 0), now };
    return p;
}

/* Starts attempt `a` with `s` and counts it for its server. */
static unsigned begin_attempt(tcpconn_streams *t, tcpconn_attempt *a, const tcpconn_segment *s)
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
    if (now & TCPCONN_NOW_CLOSED)
        tcpconn_servers_close(t->servers, a->server);
    t->attempts++;
    return now;
}

/* Feeds `s` to `a`, which lives in `stream`. */
static unsigned continue_attempt(tcpconn_streams *t, tcpconn_attempt *a, uint32_t stream,
                                 const tcpconn_segment *s)
{
    unsigned now = tcpconn_attempt_segment(a, s);
    if (now & TCPCONN_NOW_CLOSED)
        tcpconn_servers_close(t->servers, a->server);
    tcpconn_zeek *z = zeek_of(t, a);
    if (z != NULL)
        tcpconn_zeek_segment_in(z, s);
    /* A RST or FIN before the handshake completed: Wireshark 4.4 and later
     * give a same-ISN retry on these ports a new stream. */
    if ((s->flags & (TCPCONN_RST | TCPCONN_FIN)) && (a->flags & TCPCONN_A_ISN_KNOWN) &&
        !(a->flags & TCPCONN_A_CONNECTED))
        retry_set(t, tuple_key(s, tcpconn_attempt_from_initiator(a, s->orientation)), stream);
    return now;
}

/* The first segment of a new stream: a retry of an attempt in another
 * stream, or a new attempt. */
static tcpconn_place open_stream(tcpconn_streams *t, uint32_t stream, const tcpconn_segment *s)
{
    tcpconn_attempt *slot = first_slot(t, stream);
    bool opens = (s->flags & (TCPCONN_SYN | TCPCONN_RST)) == TCPCONN_SYN;
    uint32_t earlier;
    if (opens && t->retries.used > 0) {
        /* A bare SYN comes from the initiator, a SYN-ACK from the responder. */
        uint64_t key = tuple_key(s, !(s->flags & TCPCONN_ACK));
        if (retry_get(t, key, &earlier) && earlier != stream) {
            unsigned number;
            uint32_t index;
            tcpconn_attempt *a = latest_of(t, earlier, &number, &index);
            if (a != NULL && tcpconn_attempt_is_retried_by(a, s)) {
                slot->first_frame = s->frame;
                slot->decision = DECISION_ALIAS;
                slot->next = earlier;
                unsigned now = continue_attempt(t, a, earlier, s);
                return place_of(a, earlier, number, now);
            }
            /* A newer attempt on these ports: retries now belong to it. */
            if (!(s->flags & TCPCONN_ACK))
                retry_set(t, key, stream);
        }
    }
    unsigned now = begin_attempt(t, slot, s);
    return place_of(slot, stream, 1, now);
}

tcpconn_place tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream, const tcpconn_segment *s)
{
    if (!(s->flags & (TCPCONN_SYN | TCPCONN_FIN | TCPCONN_RST)))
        t->saw_plain_segment = true;
    stream = resolve(t, stream);
    unsigned number;
    uint32_t latest;
    tcpconn_attempt *a = latest_of(t, stream, &number, &latest);
    if (a == NULL)
        return open_stream(t, stream, s);

    if (number >= TCPCONN_MAX_ATTEMPTS_PER_STREAM || !tcpconn_attempt_is_superseded_by(a, s)) {
        unsigned now = continue_attempt(t, a, stream, s);
        return place_of(a, stream, number, now);
    }
    /* Appending may move the array, so the latest is found again by index. */
    uint32_t index = append_later(t);
    (latest ? &t->later[latest - 1] : &t->first[stream])->next = index;
    a = &t->later[index - 1];
    unsigned now = begin_attempt(t, a, s);
    return place_of(a, stream, number + 1, now);
}

bool tcpconn_streams_plain_segment(tcpconn_streams *t, uint32_t stream, uint16_t flags,
                                   int64_t time_ns, tcpconn_place *place)
{
    if (t->zeek)
        return false;
    stream = resolve(t, stream);
    unsigned number;
    uint32_t latest;
    tcpconn_attempt *a = latest_of(t, stream, &number, &latest);
    /* Without SYN it supersedes nothing, without RST or FIN it closes
     * nothing and marks no retry. */
    if (a == NULL || !tcpconn_attempt_plain_segment(a, flags, time_ns))
        return false;
    t->saw_plain_segment = true;
    *place = place_of(a, stream, number, 0);
    return true;
}

/* The latest attempt of the stream whose SYN the ICMP error quotes, among
 * those begun by the error's frame: looked up again after the capture was
 * read, an error must not go to an attempt that began after it. */
static tcpconn_place quoted(const tcpconn_streams *t, uint32_t stream, const tcpconn_icmp_error *e)
{
    stream = resolve(t, stream);
    tcpconn_place found = place_of(NULL, stream, 0, 0);
    unsigned n = 1;
    for (const tcpconn_attempt *a = first_of(t, stream); a != NULL && a->first_frame <= e->frame;
         a = next_of(t, a), n++) {
        if (tcpconn_attempt_matches_icmp(a, e))
            found = place_of(a, stream, n, 0);
    }
    return found;
}

tcpconn_place tcpconn_streams_quoted_attempt(const tcpconn_streams *t, uint32_t stream,
                                             const tcpconn_icmp_error *e)
{
    return quoted(t, stream, e);
}

tcpconn_place tcpconn_streams_icmp(tcpconn_streams *t, uint32_t stream, const tcpconn_icmp_error *e)
{
    tcpconn_place p = quoted(t, stream, e);
    if (p.attempt != NULL) {
        tcpconn_attempt *a = (tcpconn_attempt *)p.attempt;
        p.now = tcpconn_attempt_icmp(a, e);
        if (p.now & TCPCONN_NOW_CLOSED)
            tcpconn_servers_close(t->servers, a->server);
    }
    return p;
}

tcpconn_place tcpconn_streams_attempt_at(const tcpconn_streams *t, uint32_t stream, uint32_t frame)
{
    stream = resolve(t, stream);
    const tcpconn_attempt *a = first_of(t, stream);
    unsigned n = 1;
    for (const tcpconn_attempt *next; a != NULL && (next = next_of(t, a)) != NULL; a = next, n++) {
        if (next->first_frame > frame)
            break;
    }
    return place_of(a, stream, n, 0);
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
    while (*i < t->first_used && (t->first[*i].first_frame == 0 || is_alias(&t->first[*i])))
        (*i)++;
    tcpconn_attempt *a = *i < t->first_used ? &t->first[*i] : NULL;
    tcpconn_attempt *b = *j < t->later_len ? &t->later[*j] : NULL;
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
    size_t per_attempt = sizeof(tcpconn_attempt) + (t->zeek ? sizeof(tcpconn_zeek) : 0);
    size_t per_retry = sizeof *t->retries.keys + sizeof *t->retries.streams;
    return sizeof *t + (t->first_used + t->later_len) * per_attempt + t->retries.slots * per_retry +
           tcpconn_servers_bytes(t->servers);
}
