/* libFuzzer target: the DNS response reader (dns.c) and the names table
 * (names.c) it feeds.
 *
 * Input: one byte choosing the client's host, then a DNS message. Every
 * address the reader reports goes into a names table, which must give the
 * name back for a later frame and nothing for an earlier one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz_check.h"
#include "names.h"

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
    tcpconn_names *names;
    tcpconn_host host;
    uint32_t frame;
    unsigned reported;
} context;

static void found(void *opaque, const char *name, const uint8_t *address, uint8_t len)
{
    context *c = opaque;
    size_t name_len = strlen(name);
    FUZZ_CHECK(name_len > 0 && name_len < TCPCONN_DNS_NAME_MAX);
    for (size_t i = 0; i < name_len; i++)
        FUZZ_CHECK(name[i] > ' ' && name[i] < 0x7f && !(name[i] >= 'A' && name[i] <= 'Z'));
    FUZZ_CHECK(len == 4 || len == 16);
    c->frame++;
    tcpconn_names_answer(c->names, &c->host, address, len, name, c->frame);
    uint32_t id = tcpconn_names_find(c->names, &c->host, address, len, c->frame + 1);
    FUZZ_CHECK(id != 0 && strcmp(tcpconn_names_text(c->names, id), name) == 0);
    c->reported++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    context c = { tcpconn_names_new(&heap), { { 0 } }, 1, 0 };
    c.host.bytes[0] = data[0];
    /* The message in a block of exactly its size: a read past it is a
     * finding. */
    uint8_t *message = malloc(size - 1 ? size - 1 : 1);
    memcpy(message, data + 1, size - 1);
    unsigned n = tcpconn_dns_read_response(message, size - 1, found, &c);
    FUZZ_CHECK(n == c.reported);
    free(message);
    tcpconn_names_free(c.names);
    return 0;
}
