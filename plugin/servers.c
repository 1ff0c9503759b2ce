/* servers.c - connection attempts counted per server endpoint.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "servers.h"

#include <string.h>

typedef struct {
    uint8_t endpoint[TCPCONN_ENDPOINT_LEN];
    uint32_t attempts; /* attempts begun so far */
    uint32_t open;     /* of those, not yet closed */
} server;

/* Open addressing over a dense array of records: a slot holds a record
 * index + 1, 0 when empty. At most half the slots are used. */
struct tcpconn_servers {
    tcpconn_allocator alloc;
    server *records;
    size_t len;
    size_t cap;
    uint32_t *slots;
    size_t slot_count; /* a power of two */
};

#define INITIAL_SLOTS 256

static uint32_t hash_endpoint(const uint8_t *endpoint)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < TCPCONN_ENDPOINT_LEN; i++)
        h = (h ^ endpoint[i]) * 16777619u;
    return h;
}

tcpconn_servers *tcpconn_servers_new(const tcpconn_allocator *alloc)
{
    tcpconn_servers *s = alloc->realloc(alloc->ctx, NULL, sizeof *s);
    memset(s, 0, sizeof *s);
    s->alloc = *alloc;
    s->slot_count = INITIAL_SLOTS;
    s->slots = alloc->realloc(alloc->ctx, NULL, s->slot_count * sizeof *s->slots);
    memset(s->slots, 0, s->slot_count * sizeof *s->slots);
    return s;
}

void tcpconn_servers_free(tcpconn_servers *s)
{
    if (s == NULL)
        return;
    s->alloc.free(s->alloc.ctx, s->records);
    s->alloc.free(s->alloc.ctx, s->slots);
    s->alloc.free(s->alloc.ctx, s);
}

static size_t find_slot(const tcpconn_servers *s, const uint8_t *endpoint)
{
    size_t mask = s->slot_count - 1;
    size_t i = hash_endpoint(endpoint) & mask;
    while (s->slots[i] != 0 &&
           memcmp(s->records[s->slots[i] - 1].endpoint, endpoint, TCPCONN_ENDPOINT_LEN) != 0)
        i = (i + 1) & mask;
    return i;
}

static void grow_slots(tcpconn_servers *s)
{
    s->alloc.free(s->alloc.ctx, s->slots);
    s->slot_count *= 2;
    s->slots = s->alloc.realloc(s->alloc.ctx, NULL, s->slot_count * sizeof *s->slots);
    memset(s->slots, 0, s->slot_count * sizeof *s->slots);
    for (size_t r = 0; r < s->len; r++)
        s->slots[find_slot(s, s->records[r].endpoint)] = (uint32_t)(r + 1);
}

uint32_t tcpconn_servers_id(tcpconn_servers *s, const uint8_t *endpoint)
{
    size_t i = find_slot(s, endpoint);
    if (s->slots[i] != 0)
        return s->slots[i] - 1;

    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->records = s->alloc.realloc(s->alloc.ctx, s->records, s->cap * sizeof *s->records);
    }
    server *r = &s->records[s->len];
    memcpy(r->endpoint, endpoint, TCPCONN_ENDPOINT_LEN);
    r->attempts = 0;
    r->open = 0;
    s->len++;
    if (s->len * 2 > s->slot_count)
        grow_slots(s); /* rehashes the new record too */
    else
        s->slots[i] = (uint32_t)s->len;
    return (uint32_t)(s->len - 1);
}

uint32_t tcpconn_servers_count_attempt(tcpconn_servers *s, uint32_t id)
{
    server *r = &s->records[id];
    if (r->attempts < UINT32_MAX)
        r->attempts++;
    return r->attempts;
}

uint16_t tcpconn_servers_open(tcpconn_servers *s, uint32_t id)
{
    server *r = &s->records[id];
    r->open++;
    return r->open > UINT16_MAX ? UINT16_MAX : (uint16_t)r->open;
}

void tcpconn_servers_close(tcpconn_servers *s, uint32_t id)
{
    server *r = &s->records[id];
    if (r->open > 0)
        r->open--;
}

void tcpconn_servers_reset_open(tcpconn_servers *s)
{
    for (size_t i = 0; i < s->len; i++)
        s->records[i].open = 0;
}

size_t tcpconn_servers_count(const tcpconn_servers *s)
{
    return s->len;
}

size_t tcpconn_servers_bytes(const tcpconn_servers *s)
{
    return sizeof *s + s->cap * sizeof *s->records + s->slot_count * sizeof *s->slots;
}
