/* names.c - which name the client looked up for a server address.
 *
 * Each (host, address) pair keeps the answers that changed its name, newest
 * first, linked backwards: an attempt takes the latest one received before
 * its first SYN, which the second pass must find again after later answers
 * were recorded. An answer repeating the pair's current name adds nothing,
 * so a capture of a day of lookups for one server keeps one entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "names.h"

#include <stdbool.h>
#include <string.h>

/* A lookup walks back at most this many changes of one pair's name: a
 * hostile capture can change it with every packet. */
#define MAX_CHANGES_WALKED 64
#define INITIAL_SLOTS      64

typedef struct {
    uint8_t host[TCPCONN_HOST_LEN];
    uint8_t address[16];
    uint8_t address_len;
} pair_key;

typedef struct {
    uint32_t name;    /* id */
    uint32_t frame;   /* where the answer was received */
    uint32_t earlier; /* 1-based index of the pair's previous answer, 0: none */
} answer;

/* Open addressing; a slot holds its pair's latest answer (1-based, 0:
 * empty). Names are interned the same way, by their text. */
typedef struct {
    uint32_t *slots;
    size_t count; /* a power of two */
    size_t used;
} index_table;

struct tcpconn_names {
    tcpconn_allocator alloc;
    pair_key *keys; /* beside `answers`, the pair of each answer */
    answer *answers;
    size_t answers_len;
    size_t answers_cap;
    index_table pairs;
    char *text; /* the names, NUL-terminated one after another */
    size_t text_len;
    size_t text_cap;
    uint32_t *name_start; /* offset of name id i+1 in `text` */
    size_t names_len;
    size_t names_cap;
    index_table names;
};

static void *grow(tcpconn_names *t, void *p, size_t n, size_t size)
{
    return t->alloc.realloc(t->alloc.ctx, p, n * size);
}

tcpconn_names *tcpconn_names_new(const tcpconn_allocator *alloc)
{
    tcpconn_names *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    return t;
}

void tcpconn_names_free(tcpconn_names *t)
{
    if (t == NULL)
        return;
    t->alloc.free(t->alloc.ctx, t->keys);
    t->alloc.free(t->alloc.ctx, t->answers);
    t->alloc.free(t->alloc.ctx, t->pairs.slots);
    t->alloc.free(t->alloc.ctx, t->text);
    t->alloc.free(t->alloc.ctx, t->name_start);
    t->alloc.free(t->alloc.ctx, t->names.slots);
    t->alloc.free(t->alloc.ctx, t);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u; /* FNV-1a */
    return h;
}

static uint64_t hash_key(const pair_key *k)
{
    return hash_bytes(14695981039346656037u, k, sizeof *k);
}

static uint64_t hash_text(const char *s)
{
    return hash_bytes(14695981039346656037u, s, strlen(s));
}

/* The slot of `hash` for which `same(entry)` holds, or the empty one where
 * it would go. */
typedef bool (*same_fn)(const tcpconn_names *t, uint32_t entry, const void *wanted);

static size_t find_slot(const tcpconn_names *t, const index_table *ix, uint64_t hash, same_fn same,
                        const void *wanted)
{
    size_t mask = ix->count - 1;
    size_t i = (size_t)(hash >> 7) & mask;
    while (ix->slots[i] != 0 && !same(t, ix->slots[i], wanted))
        i = (i + 1) & mask;
    return i;
}

static bool same_pair(const tcpconn_names *t, uint32_t entry, const void *wanted)
{
    return memcmp(&t->keys[entry - 1], wanted, sizeof(pair_key)) == 0;
}

static bool same_name(const tcpconn_names *t, uint32_t entry, const void *wanted)
{
    return strcmp(t->text + t->name_start[entry - 1], wanted) == 0;
}

static uint64_t hash_of_pair_entry(const tcpconn_names *t, uint32_t entry)
{
    return hash_key(&t->keys[entry - 1]);
}

static uint64_t hash_of_name_entry(const tcpconn_names *t, uint32_t entry)
{
    return hash_text(t->text + t->name_start[entry - 1]);
}

/* Makes room for one more entry, keeping the table at most half full. */
static void reserve(tcpconn_names *t, index_table *ix,
                    uint64_t (*hash_of)(const tcpconn_names *, uint32_t))
{
    if ((ix->used + 1) * 2 <= ix->count)
        return;
    index_table bigger = { NULL, ix->count ? ix->count * 2 : INITIAL_SLOTS, ix->used };
    bigger.slots = grow(t, NULL, bigger.count, sizeof *bigger.slots);
    memset(bigger.slots, 0, bigger.count * sizeof *bigger.slots);
    size_t mask = bigger.count - 1;
    for (size_t i = 0; i < ix->count; i++) {
        uint32_t entry = ix->slots[i];
        if (entry == 0)
            continue;
        size_t j = (size_t)(hash_of(t, entry) >> 7) & mask;
        while (bigger.slots[j] != 0)
            j = (j + 1) & mask;
        bigger.slots[j] = entry;
    }
    t->alloc.free(t->alloc.ctx, ix->slots);
    *ix = bigger;
}

static uint32_t intern(tcpconn_names *t, const char *name)
{
    reserve(t, &t->names, hash_of_name_entry);
    size_t slot = find_slot(t, &t->names, hash_text(name), same_name, name);
    if (t->names.slots[slot] != 0)
        return t->names.slots[slot];
    size_t len = strlen(name) + 1;
    if (t->text_len + len > t->text_cap) {
        size_t cap = t->text_cap ? t->text_cap : 1024;
        while (t->text_len + len > cap)
            cap *= 2;
        t->text = grow(t, t->text, cap, 1);
        t->text_cap = cap;
    }
    if (t->names_len == t->names_cap) {
        t->names_cap = t->names_cap ? t->names_cap * 2 : 64;
        t->name_start = grow(t, t->name_start, t->names_cap, sizeof *t->name_start);
    }
    memcpy(t->text + t->text_len, name, len);
    t->name_start[t->names_len++] = (uint32_t)t->text_len;
    t->text_len += len;
    t->names.slots[slot] = (uint32_t)t->names_len;
    t->names.used++;
    return (uint32_t)t->names_len;
}

static bool make_key(pair_key *k, const tcpconn_host *host, const uint8_t *address,
                     uint8_t address_len)
{
    if (address_len != 4 && address_len != 16)
        return false;
    memset(k, 0, sizeof *k);
    memcpy(k->host, host->bytes, sizeof k->host);
    memcpy(k->address, address, address_len);
    k->address_len = address_len;
    return true;
}

void tcpconn_names_answer(tcpconn_names *t, const tcpconn_host *host, const uint8_t *address,
                          uint8_t address_len, const char *name, uint32_t frame)
{
    pair_key k;
    if (!make_key(&k, host, address, address_len) || name[0] == '\0')
        return;
    uint32_t id = intern(t, name);
    reserve(t, &t->pairs, hash_of_pair_entry);
    size_t slot = find_slot(t, &t->pairs, hash_key(&k), same_pair, &k);
    uint32_t latest = t->pairs.slots[slot];
    if (latest != 0 && t->answers[latest - 1].name == id)
        return; /* the same name again: nothing changes */
    if (t->answers_len == t->answers_cap) {
        t->answers_cap = t->answers_cap ? t->answers_cap * 2 : 64;
        t->answers = grow(t, t->answers, t->answers_cap, sizeof *t->answers);
        t->keys = grow(t, t->keys, t->answers_cap, sizeof *t->keys);
    }
    t->keys[t->answers_len] = k;
    t->answers[t->answers_len] = (answer){ id, frame, latest };
    t->answers_len++;
    if (latest == 0)
        t->pairs.used++;
    t->pairs.slots[slot] = (uint32_t)t->answers_len;
}

uint32_t tcpconn_names_find(const tcpconn_names *t, const tcpconn_host *host,
                            const uint8_t *address, uint8_t address_len, uint32_t frame)
{
    pair_key k;
    if (t->pairs.used == 0 || !make_key(&k, host, address, address_len))
        return 0;
    uint32_t entry = t->pairs.slots[find_slot(t, &t->pairs, hash_key(&k), same_pair, &k)];
    for (unsigned walked = 0; entry != 0 && walked < MAX_CHANGES_WALKED; walked++) {
        const answer *a = &t->answers[entry - 1];
        if (a->frame < frame)
            return a->name;
        entry = a->earlier;
    }
    return 0;
}

const char *tcpconn_names_text(const tcpconn_names *t, uint32_t id)
{
    return t->text + t->name_start[id - 1];
}

size_t tcpconn_names_answers(const tcpconn_names *t)
{
    return t->answers_len;
}

size_t tcpconn_names_bytes(const tcpconn_names *t)
{
    return sizeof *t + t->answers_cap * (sizeof *t->answers + sizeof *t->keys) +
           (t->pairs.count + t->names.count) * sizeof(uint32_t) + t->text_cap +
           t->names_cap * sizeof *t->name_start;
}
