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
    size_t first_len;
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
    if (stream >= t->first_len || t->first[stream].first_frame == 0)
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
        memset(t->first + t->first_len, 0, (len - t->first_len) * sizeof *t->first);
        if (t->zeek)
            t->zeek_first =
                t->alloc.realloc(t->alloc.ctx, t->zeek_first, len * sizeof *t->zeek_first);
        t->first_len = len;
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
    tcpconn_servers_attempt_begins(t->servers, a->server, &a->server_index, &a->concurrent);
    if (tcpconn_attempt_is_closed(a))
        tcpconn_servers_attempt_closes(t->servers, a->server);
    t->attempts++;
}

/* Feeds `s` to `a`, noting when that closes it. */
static void continue_attempt(tcpconn_streams *t, tcpconn_attempt *a, const tcpconn_segment *s)
{
    bool was_closed = tcpconn_attempt_is_closed(a);
    tcpconn_attempt_segment(a, s);
    if (!was_closed && tcpconn_attempt_is_closed(a))
        tcpconn_servers_attempt_closes(t->servers, a->server);
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
            tcpconn_servers_attempt_closes(t->servers, a->server);
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

void tcpconn_streams_finish(tcpconn_streams *t)
{
    t->complete = true;
    tcpconn_attempt **all = malloc((t->attempts ? t->attempts : 1) * sizeof *all);
    if (all == NULL)
        return; /* keep the concurrency counted while reading */
    size_t n = 0;
    for (size_t i = 0; i < t->first_len; i++) {
        if (t->first[i].first_frame != 0)
            all[n++] = &t->first[i];
    }
    for (size_t i = 0; i < t->later_len; i++)
        all[n++] = &t->later[i];
    tcpconn_concurrency_final(all, n);
    free(all);
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
    return sizeof *t + (t->first_len + t->later_cap) * per_attempt +
           tcpconn_servers_bytes(t->servers);
}
