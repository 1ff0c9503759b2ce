/* connects.c - the attempts one connect() made.
 *
 * A client that falls back starts its next attempt to another address of
 * the same name and port while the previous attempt is still unanswered
 * (Happy Eyeballs starts IPv4 250 ms after an unanswered IPv6 SYN), or
 * right after it failed (refused, ICMP). So when an attempt begins, the
 * candidates are the latest attempts of the same host, port and name; the
 * newest one it can fall back from takes it. Attempts to an address the
 * connect already tried never join it: browsers open several connections
 * to one server at once, and those are separate connects.
 *
 * The candidates live in a fixed-size table indexed by a hash of (host,
 * port, name): only the last few seconds matter, so a candidate pushed out
 * by a colliding key costs at most a missed link, and the memory does not
 * grow with the capture. Connects of several attempts are kept in an
 * array, and each member's reference leads to its connect through a hash
 * table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "connects.h"

#include <string.h>

#include "hash.h"

#define CANDIDATE_LINES      4096 /* a power of two */
#define CANDIDATES_PER_LINE  2
#define INITIAL_MEMBER_SLOTS 64

typedef struct {
    tcpconn_attempt_ref latest;
    uint32_t connect;                     /* 1-based connect record; 0: `latest` is alone */
    uint8_t server[TCPCONN_ENDPOINT_LEN]; /* of `latest` */
} candidate;

typedef struct {
    uint64_t key; /* hash of host, port and name; 0: empty */
    uint8_t used;
    candidate newest_first[CANDIDATES_PER_LINE];
} candidate_line;

typedef struct {
    uint64_t ref;     /* stream << 32 | frame, +1 so that 0 means empty */
    uint32_t connect; /* 1-based */
} member_slot;

struct tcpconn_connects {
    tcpconn_allocator alloc;
    int64_t window_ns;
    candidate_line *lines; /* made with the first attempt */
    tcpconn_connect *connects;
    size_t connects_len;
    size_t connects_cap;
    member_slot *members;
    size_t member_slots; /* a power of two */
    size_t members_used;
};

static void *grow(tcpconn_connects *t, void *p, size_t n, size_t size)
{
    return t->alloc.realloc(t->alloc.ctx, p, n * size);
}

tcpconn_connects *tcpconn_connects_new(const tcpconn_allocator *alloc, int64_t window_ns)
{
    tcpconn_connects *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    t->window_ns = window_ns;
    return t;
}

void tcpconn_connects_free(tcpconn_connects *t)
{
    if (t == NULL)
        return;
    t->alloc.free(t->alloc.ctx, t->lines);
    t->alloc.free(t->alloc.ctx, t->connects);
    t->alloc.free(t->alloc.ctx, t->members);
    t->alloc.free(t->alloc.ctx, t);
}

/* Host, server port and name: what the attempts of one connect share. */
static uint64_t line_key(const tcpconn_attempt_begins *b)
{
    uint64_t h = tcpconn_hash_bytes(TCPCONN_HASH_START, b->host.bytes, sizeof b->host.bytes);
    h = tcpconn_hash_bytes(h, b->server + 17, 2); /* the port (segment.c's key layout) */
    h = tcpconn_hash_bytes(h, &b->name, sizeof b->name);
    return h | 1;
}

static uint64_t member_key(tcpconn_attempt_ref ref)
{
    return ((uint64_t)ref.stream << 32 | ref.frame) + 1;
}

static size_t member_slot_of(const tcpconn_connects *t, uint64_t key)
{
    size_t mask = t->member_slots - 1;
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15u) >> 20) & mask;
    while (t->members[i].ref != 0 && t->members[i].ref != key)
        i = (i + 1) & mask;
    return i;
}

static void add_member(tcpconn_connects *t, tcpconn_attempt_ref ref, uint32_t connect)
{
    if ((t->members_used + 1) * 2 > t->member_slots) {
        member_slot *old = t->members;
        size_t old_slots = t->member_slots;
        t->member_slots = old_slots ? old_slots * 2 : INITIAL_MEMBER_SLOTS;
        t->members = grow(t, NULL, t->member_slots, sizeof *t->members);
        memset(t->members, 0, t->member_slots * sizeof *t->members);
        for (size_t i = 0; i < old_slots; i++) {
            if (old[i].ref != 0)
                t->members[member_slot_of(t, old[i].ref)] = old[i];
        }
        t->alloc.free(t->alloc.ctx, old);
    }
    size_t i = member_slot_of(t, member_key(ref));
    if (t->members[i].ref == 0)
        t->members_used++;
    t->members[i] = (member_slot){ member_key(ref), connect };
}

/* Whether an attempt that begins at `now` can fall back from `earlier`:
 * nothing has answered it yet (when `unanswered_counts`) and it was last
 * heard of within the window, or it failed within the window. An attempt
 * that connected, or that the server answered, ends the search. */
static bool falls_back_from(const tcpconn_connects *t, const tcpconn_attempt *earlier,
                            const tcpconn_capture *capture, int64_t now, bool unanswered_counts)
{
    tcpconn_outcome o = tcpconn_outcome_of(earlier, capture);
    int64_t since;
    switch (o.reason) {
    case TCPCONN_IN_PROGRESS:
    case TCPCONN_NO_ANSWER:
    case TCPCONN_CAPTURE_ENDED:
        if (!unanswered_counts)
            return false;
        if (earlier->flags & TCPCONN_A_RESPONDER_SYN)
            return false; /* answered: the handshake is under way */
        since = tcpconn_attempt_end_ns(earlier);
        break;
    case TCPCONN_REFUSED:
    case TCPCONN_ICMP_UNREACHABLE:
    case TCPCONN_ABORTED_BY_CLIENT:
        since = earlier->first_ns + (int64_t)earlier->outcome_us * 1000;
        break;
    default:
        return false;
    }
    return now >= since - t->window_ns && now - since <= t->window_ns;
}

static bool member_connected(const tcpconn_attempt *a, const tcpconn_capture *capture)
{
    return a != NULL && tcpconn_outcome_of(a, capture).connected;
}

/* Whether the new attempt can join `c`: another address, room left, no
 * attempt of it connected, and its latest attempt one to fall back from. */
static bool joins(const tcpconn_connects *t, const candidate *c, const tcpconn_attempt_begins *b,
                  const tcpconn_attempt_finder *finder, const tcpconn_capture *capture)
{
    if (c->connect != 0) {
        const tcpconn_connect *group = &t->connects[c->connect - 1];
        if (group->count >= TCPCONN_CONNECT_MAX_ATTEMPTS)
            return false;
        for (unsigned i = 0; i < group->count; i++) {
            if (memcmp(group->servers[i], b->server, TCPCONN_ENDPOINT_LEN) == 0 ||
                member_connected(finder->attempt_of(finder->context, group->members[i]), capture))
                return false;
        }
    } else if (memcmp(c->server, b->server, TCPCONN_ENDPOINT_LEN) == 0) {
        return false;
    }
    /* Without a name, a client's parallel connects to different servers on
     * one port (a browser loading a page, a scan) would look like fallbacks:
     * an attempt still unanswered only counts when the new one is in the
     * other address family, as Happy Eyeballs does. */
    bool unanswered_counts = b->name != 0 || c->server[0] != b->server[0];
    /* (An attempt that connected is none to fall back from.) */
    const tcpconn_attempt *latest = finder->attempt_of(finder->context, c->latest);
    return latest != NULL && falls_back_from(t, latest, capture, b->time_ns, unanswered_counts);
}

/* Makes a connect of the attempt `alone` and returns its 1-based index. */
static uint32_t new_connect(tcpconn_connects *t, const candidate *alone, bool guessed)
{
    if (t->connects_len == t->connects_cap) {
        t->connects_cap = t->connects_cap ? t->connects_cap * 2 : 16;
        t->connects = grow(t, t->connects, t->connects_cap, sizeof *t->connects);
    }
    tcpconn_connect *c = &t->connects[t->connects_len++];
    memset(c, 0, sizeof *c);
    c->id = alone->latest.stream;
    c->count = 1;
    c->guessed = guessed;
    c->members[0] = alone->latest;
    memcpy(c->servers[0], alone->server, TCPCONN_ENDPOINT_LEN);
    uint32_t index = (uint32_t)t->connects_len;
    add_member(t, alone->latest, index);
    return index;
}

void tcpconn_connects_begin(tcpconn_connects *t, const tcpconn_attempt_begins *b,
                            const tcpconn_attempt_finder *finder, const tcpconn_capture *capture)
{
    if (t->lines == NULL) {
        t->lines = grow(t, NULL, CANDIDATE_LINES, sizeof *t->lines);
        memset(t->lines, 0, CANDIDATE_LINES * sizeof *t->lines);
    }
    uint64_t key = line_key(b);
    candidate_line *line = &t->lines[(key >> 11) & (CANDIDATE_LINES - 1)];
    if (line->key != key) {
        line->key = key;
        line->used = 0;
    }
    candidate fresh = { b->ref, 0, { 0 } };
    memcpy(fresh.server, b->server, TCPCONN_ENDPOINT_LEN);
    unsigned taken = line->used;
    for (unsigned i = 0; i < line->used; i++) {
        if (joins(t, &line->newest_first[i], b, finder, capture)) {
            taken = i;
            break;
        }
    }
    if (taken < line->used) {
        candidate *c = &line->newest_first[taken];
        uint32_t index = c->connect ? c->connect : new_connect(t, c, b->name == 0);
        tcpconn_connect *group = &t->connects[index - 1];
        group->members[group->count] = b->ref;
        memcpy(group->servers[group->count], b->server, TCPCONN_ENDPOINT_LEN);
        group->count++;
        add_member(t, b->ref, index);
        fresh.connect = index;
    } else if (line->used == CANDIDATES_PER_LINE) {
        taken = CANDIDATES_PER_LINE - 1; /* the oldest gives way */
    } else {
        line->used++;
    }
    /* The new attempt is now the newest candidate of its line. */
    memmove(&line->newest_first[1], &line->newest_first[0], taken * sizeof(candidate));
    line->newest_first[0] = fresh;
}

void tcpconn_connects_of(const tcpconn_connects *t, tcpconn_attempt_ref ref,
                         const uint8_t server[TCPCONN_ENDPOINT_LEN], tcpconn_connect *c)
{
    const member_slot *slot =
        t->members_used ? &t->members[member_slot_of(t, member_key(ref))] : NULL;
    if (slot == NULL || slot->ref == 0) {
        memset(c, 0, sizeof *c);
        c->id = ref.stream;
        c->position = 1;
        c->count = 1;
        c->members[0] = ref;
        memcpy(c->servers[0], server, TCPCONN_ENDPOINT_LEN);
        return;
    }
    *c = t->connects[slot->connect - 1];
    for (unsigned i = 0; i < c->count; i++) {
        if (c->members[i].stream == ref.stream && c->members[i].frame == ref.frame)
            c->position = i + 1;
    }
}

static int64_t handshake_ns(const tcpconn_attempt *a)
{
    return a->first_ns + (int64_t)a->connect_us * 1000;
}

tcpconn_connect_outcome tcpconn_connect_outcome_of(const tcpconn_connect *c,
                                                   const tcpconn_attempt_finder *finder,
                                                   const tcpconn_capture *capture)
{
    tcpconn_connect_outcome r;
    memset(&r, 0, sizeof r);
    const tcpconn_attempt *first = NULL, *winner = NULL;
    bool open = false;
    for (unsigned i = 0; i < c->count; i++) {
        const tcpconn_attempt *a = finder->attempt_of(finder->context, c->members[i]);
        if (a == NULL) {
            open = true;
            continue;
        }
        if (i == 0)
            first = a;
        tcpconn_outcome o = tcpconn_outcome_of(a, capture);
        r.reasons[i] = o.reason;
        r.provisional |= o.provisional;
        if (r.decided_by == 0 || a->outcome_frame > r.decided_frame) {
            r.decided_by = i + 1;
            r.decided_frame = a->outcome_frame;
        }
        if (o.connected) {
            if (winner == NULL || handshake_ns(a) < handshake_ns(winner)) {
                winner = a;
                r.winner = i + 1;
            }
        } else if (o.failed) {
            r.failed++;
            r.no_answer += o.reason == TCPCONN_NO_ANSWER;
            r.refused += o.reason == TCPCONN_REFUSED;
            r.icmp += o.reason == TCPCONN_ICMP_UNREACHABLE;
        } else {
            open = true;
        }
    }
    if (winner != NULL) {
        r.result = r.winner == 1 ? TCPCONN_CONNECT_CONNECTED : TCPCONN_CONNECT_FELL_BACK;
        r.decided_by = r.winner;
        r.decided_frame = winner->outcome_frame;
        if (first != NULL) {
            r.lost_ns = winner->first_ns - first->first_ns;
            r.connect_ns = handshake_ns(winner) - first->first_ns;
        }
    } else if (!open && r.failed == c->count) {
        r.result = TCPCONN_CONNECT_FAILED;
    }
    return r;
}

bool tcpconn_connect_superseded(const tcpconn_connect_outcome *o, unsigned position)
{
    return o->winner != 0 && position != o->winner;
}

const char *tcpconn_connect_result_name(tcpconn_connect_result r)
{
    static const char *const names[TCPCONN_CONNECT_RESULT_COUNT] = {
        "undecided",
        "connected",
        "connected-after-fallback",
        "failed",
    };
    return (unsigned)r < TCPCONN_CONNECT_RESULT_COUNT ? names[r] : "?";
}

size_t tcpconn_connects_count(const tcpconn_connects *t)
{
    return t->connects_len;
}

size_t tcpconn_connects_bytes(const tcpconn_connects *t)
{
    return sizeof *t + (t->lines ? CANDIDATE_LINES * sizeof *t->lines : 0) +
           t->connects_cap * sizeof *t->connects + t->member_slots * sizeof *t->members;
}
