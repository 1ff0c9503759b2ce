/* streams.c - connection attempts indexed by tcp.stream.
 *
 * tcp.stream numbers are dense and start at 0, so the first attempt of each
 * stream lives in an array indexed by the stream number: one lookup per
 * packet, whatever the number of streams. The rare later attempts on the
 * same stream (port reuse) hang off it in a second array.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "streams.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_STREAMS 1024

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
    bool complete; /* the whole capture has been read */
    /* Optional Zeek view, element for element beside `first` and `later`. */
    tcpconn_zeek *zeek_first;
    tcpconn_zeek *zeek_later;
    bool zeek;
};

tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc, bool zeek)
{
    tcpconn_streams *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    t->zeek = zeek;
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
    t->alloc.free(t->alloc.ctx, t->zeek_first);
    t->alloc.free(t->alloc.ctx, t->zeek_later);
    t->alloc.free(t->alloc.ctx, t);
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

static tcpconn_attempt *first_slot(tcpconn_streams *t, uint32_t stream)
{
    if (stream >= t->first_len) {
        size_t len = t->first_len ? t->first_len : INITIAL_STREAMS;
        while (len <= stream)
            len *= 2;
        t->first = t->alloc.realloc(t->alloc.ctx, t->first, len * sizeof *t->first);
        if (t->zeek)
            t->zeek_first =
                t->alloc.realloc(t->alloc.ctx, t->zeek_first, len * sizeof *t->zeek_first);
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
        t->later = t->alloc.realloc(t->alloc.ctx, t->later, cap * sizeof *t->later);
        if (t->zeek)
            t->zeek_later =
                t->alloc.realloc(t->alloc.ctx, t->zeek_later, cap * sizeof *t->zeek_later);
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

static tcpconn_zeek_segment zeek_segment(const tcpconn_segment *s)
{
    tcpconn_zeek_segment z = {
        .orientation = s->orientation,
        .flags = s->flags,
        .seq = s->seq,
        .ack = s->ack,
        .payload_len = s->payload_len,
        .window = s->window,
        .src_port = s->src_port,
        .dst_port = s->dst_port,
        .view = s->zeek_view,
        .payload_cut_off = s->payload_cut_off,
        .time_ns = s->time_ns,
    };
    return z;
}

/* Starts attempt `a` with `s` and counts it for its server. */
static void begin_attempt(tcpconn_streams *t, tcpconn_attempt *a, const tcpconn_segment *s)
{
    tcpconn_zeek *z = zeek_of(t, a);
    if (z != NULL) {
        tcpconn_zeek_segment zs = zeek_segment(s);
        tcpconn_zeek_start(z, &zs);
    }
    tcpconn_attempt_start(a, s);
    const uint8_t *server =
        tcpconn_attempt_from_initiator(a, s->orientation) ? s->dst_endpoint : s->src_endpoint;
    a->server = tcpconn_servers_id(t->servers, server);
    a->server_index = tcpconn_servers_count_attempt(t->servers, a->server);
    a->concurrent = tcpconn_servers_open(t->servers, a->server);
    if (tcpconn_attempt_is_closed(a))
        tcpconn_servers_close(t->servers, a->server);
    t->attempts++;
}

/* Feeds `s` to `a`, noting when that closes it. */
static void continue_attempt(tcpconn_streams *t, tcpconn_attempt *a, const tcpconn_segment *s)
{
    bool was_closed = tcpconn_attempt_is_closed(a);
    tcpconn_attempt_segment(a, s);
    if (!was_closed && tcpconn_attempt_is_closed(a))
        tcpconn_servers_close(t->servers, a->server);
    tcpconn_zeek *z = zeek_of(t, a);
    if (z != NULL) {
        tcpconn_zeek_segment zs = zeek_segment(s);
        tcpconn_zeek_segment_in(z, &zs);
    }
}

tcpconn_attempt *tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream,
                                         const tcpconn_segment *s, bool *started)
{
    tcpconn_attempt *a = first_of(t, stream);
    *started = false;
    if (a == NULL) {
        a = first_slot(t, stream);
        begin_attempt(t, a, s);
        *started = true;
        return a;
    }

    /* Walk to the latest attempt, remembering where it lives: appending
     * may move the array, so it is found again by index afterwards. */
    unsigned count = 1;
    uint32_t latest = 0; /* 0: the stream's first attempt, else 1-based in `later` */
    while (a->next) {
        latest = a->next;
        a = &t->later[latest - 1];
        count++;
    }
    if (count >= TCPCONN_MAX_ATTEMPTS_PER_STREAM || !tcpconn_attempt_is_superseded_by(a, s)) {
        continue_attempt(t, a, s);
        return a;
    }

    uint32_t index = append_later(t);
    (latest ? &t->later[latest - 1] : &t->first[stream])->next = index;
    a = &t->later[index - 1];
    begin_attempt(t, a, s);
    *started = true;
    return a;
}

/* The latest attempt of the stream whose SYN the ICMP error quotes. */
static tcpconn_attempt *quoted_attempt(const tcpconn_streams *t, uint32_t stream,
                                       const tcpconn_icmp *e, unsigned *number)
{
    tcpconn_attempt *match = NULL;
    unsigned n = 1;
    for (tcpconn_attempt *a = first_of(t, stream); a != NULL; a = next_of(t, a), n++) {
        if (tcpconn_attempt_matches_icmp(a, e)) {
            match = a;
            *number = n;
        }
    }
    return match;
}

tcpconn_attempt *tcpconn_streams_icmp(tcpconn_streams *t, uint32_t stream, const tcpconn_icmp *e,
                                      bool *decided)
{
    unsigned number;
    tcpconn_attempt *a = quoted_attempt(t, stream, e, &number);
    *decided = false;
    if (a != NULL) {
        bool was_closed = tcpconn_attempt_is_closed(a);
        *decided = tcpconn_attempt_icmp(a, e);
        if (!was_closed && tcpconn_attempt_is_closed(a))
            tcpconn_servers_close(t->servers, a->server);
    }
    return a;
}

const tcpconn_attempt *tcpconn_streams_attempt_at(const tcpconn_streams *t, uint32_t stream,
                                                  uint32_t frame, unsigned *attempt_number)
{
    const tcpconn_attempt *a = first_of(t, stream);
    unsigned n = 1;
    for (const tcpconn_attempt *next; a != NULL && (next = next_of(t, a)) != NULL; a = next, n++) {
        if (next->first_frame > frame)
            break;
    }
    if (attempt_number)
        *attempt_number = n;
    return a;
}

const tcpconn_attempt *tcpconn_streams_attempt_for_icmp(const tcpconn_streams *t, uint32_t stream,
                                                        const tcpconn_icmp *e,
                                                        unsigned *attempt_number)
{
    unsigned n = 1;
    const tcpconn_attempt *a = quoted_attempt(t, stream, e, &n);
    if (a == NULL)
        return tcpconn_streams_attempt_at(t, stream, e->frame, attempt_number);
    if (attempt_number)
        *attempt_number = n;
    return a;
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

static bool heap_push(open_heap *h, open_attempt v)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        open_attempt *items = realloc(h->items, cap * sizeof *items);
        if (items == NULL)
            return false;
        h->items = items;
        h->cap = cap;
    }
    size_t i = h->len++;
    while (i > 0 && h->items[(i - 1) / 2].end_ns > v.end_ns) {
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = v;
    return true;
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
    while (*i < t->first_used && t->first[*i].first_frame == 0)
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
    t->complete = true;

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
        if (!heap_push(&open, v))
            break; /* out of memory: the rest keep the values counted while reading */
        a->concurrent = tcpconn_servers_open(t->servers, a->server);
    }
    free(open.items);
}

bool tcpconn_streams_complete(const tcpconn_streams *t)
{
    return t->complete;
}

size_t tcpconn_streams_attempts(const tcpconn_streams *t)
{
    return t->attempts;
}

size_t tcpconn_streams_bytes(const tcpconn_streams *t)
{
    size_t per_attempt = sizeof(tcpconn_attempt) + (t->zeek ? sizeof(tcpconn_zeek) : 0);
    return sizeof *t + (t->first_used + t->later_len) * per_attempt +
           tcpconn_servers_bytes(t->servers);
}
