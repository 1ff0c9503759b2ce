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
};

tcpconn_streams *tcpconn_streams_new(const tcpconn_allocator *alloc)
{
    tcpconn_streams *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    return t;
}

void tcpconn_streams_free(tcpconn_streams *t)
{
    if (t == NULL)
        return;
    t->alloc.free(t->alloc.ctx, t->first);
    t->alloc.free(t->alloc.ctx, t->later);
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
        t->later_cap = cap;
    }
    t->later_len++;
    return (uint32_t)t->later_len;
}

tcpconn_attempt *tcpconn_streams_segment(tcpconn_streams *t, uint32_t stream,
                                         const tcpconn_segment *s, bool *started)
{
    tcpconn_attempt *a = first_of(t, stream);
    *started = false;
    if (a == NULL) {
        a = first_slot(t, stream);
        tcpconn_attempt_start(a, s);
        t->attempts++;
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
        tcpconn_attempt_segment(a, s);
        return a;
    }

    uint32_t index = append_later(t);
    (latest ? &t->later[latest - 1] : &t->first[stream])->next = index;
    a = &t->later[index - 1];
    tcpconn_attempt_start(a, s);
    t->attempts++;
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
    *decided = a != NULL && tcpconn_attempt_icmp(a, e);
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

size_t tcpconn_streams_attempts(const tcpconn_streams *t)
{
    return t->attempts;
}

size_t tcpconn_streams_bytes(const tcpconn_streams *t)
{
    return sizeof *t + (t->first_len + t->later_cap) * sizeof(tcpconn_attempt);
}
