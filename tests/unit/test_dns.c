/* Unit tests for the DNS response reader (plugin/dns.c) and the table of
 * names it feeds (plugin/names.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "dns.h"
#include "names.h"

/* A DNS message under construction. */
typedef struct {
    uint8_t data[1024];
    size_t len;
} message;

static void put(message *m, const void *bytes, size_t len)
{
    g_assert_cmpuint(m->len + len, <=, sizeof m->data);
    memcpy(m->data + m->len, bytes, len);
    m->len += len;
}

static void put16(message *m, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(m, b, 2);
}

/* "www.example.com" as labels. */
static void put_name(message *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        uint8_t l = (uint8_t)len;
        put(m, &l, 1);
        put(m, name, len);
        name += len + (dot != NULL);
    }
    uint8_t zero = 0;
    put(m, &zero, 1);
}

static void put_pointer(message *m, uint16_t offset)
{
    put16(m, (uint16_t)(0xc000 | offset));
}

static void header(message *m, uint16_t flags, uint16_t questions, uint16_t answers)
{
    m->len = 0;
    put16(m, 0x1234);
    put16(m, flags);
    put16(m, questions);
    put16(m, answers);
    put16(m, 0);
    put16(m, 0);
}

static void question(message *m, const char *name, uint16_t type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

/* A record's type, class, TTL and data, after its owner name. */
static void record_tail(message *m, uint16_t type, const void *rdata, uint16_t len)
{
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 60);
    put16(m, len);
    put(m, rdata, len);
}

typedef struct {
    char names[8][TCPCONN_DNS_NAME_MAX];
    uint8_t addresses[8][16];
    uint8_t lens[8];
    unsigned count;
} collected;

static void collect(void *context, const char *name, const uint8_t *address, uint8_t len)
{
    collected *c = context;
    g_assert_cmpuint(c->count, <, 8);
    g_strlcpy(c->names[c->count], name, TCPCONN_DNS_NAME_MAX);
    memcpy(c->addresses[c->count], address, len);
    c->lens[c->count] = len;
    c->count++;
}

static const uint8_t ADDR4[4] = { 192, 0, 2, 31 };
static const uint8_t ADDR4B[4] = { 192, 0, 2, 32 };
static const uint8_t ADDR6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x31 };

static void test_a_record(void)
{
    message m;
    header(&m, 0x8180, 1, 2);
    question(&m, "Pool.Example.COM", 1);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4, 4);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4B, 4);
    collected c = { 0 };
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 2);
    g_assert_cmpstr(c.names[0], ==, "pool.example.com");
    g_assert_cmpmem(c.addresses[0], 4, ADDR4, 4);
    g_assert_cmpmem(c.addresses[1], 4, ADDR4B, 4);
}

/* www.example.com CNAME dual.example.com, which has the AAAA: reported
 * under the name asked. */
static void test_cname_chain(void)
{
    message m;
    header(&m, 0x8180, 1, 2);
    question(&m, "www.example.com", 28);
    put_pointer(&m, 12);
    message target = { .len = 0 };
    put_name(&target, "dual.example.com");
    size_t dual_at = m.len + 10; /* after type, class, TTL and length */
    record_tail(&m, 5, target.data, (uint16_t)target.len);
    put_pointer(&m, (uint16_t)dual_at);
    record_tail(&m, 28, ADDR6, 16);
    collected c = { 0 };
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 1);
    g_assert_cmpstr(c.names[0], ==, "www.example.com");
    g_assert_cmpuint(c.lens[0], ==, 16);
    g_assert_cmpmem(c.addresses[0], 16, ADDR6, 16);
}

/* An address of an unrelated name (additional data a server put in the
 * answer section) is not the name asked's. */
static void test_unrelated_owner(void)
{
    message m;
    header(&m, 0x8180, 1, 1);
    question(&m, "www.example.com", 1);
    put_name(&m, "other.example.net");
    record_tail(&m, 1, ADDR4, 4);
    collected c = { 0 };
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 0);
}

static void test_not_an_answer(void)
{
    message m;
    collected c = { 0 };
    header(&m, 0x0100, 1, 1); /* a query */
    question(&m, "www.example.com", 1);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4, 4);
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 0);
    m.data[3] = 0x83; /* a response, NXDOMAIN */
    m.data[2] = 0x81;
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 0);
    m.data[3] = 0x80; /* no error: now it counts */
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 1);
}

/* Every prefix of a good answer, and pointers that loop or point forward,
 * are read without a read past the end (the sanitizer build checks). */
static void test_truncated_and_hostile(void)
{
    message m;
    header(&m, 0x8180, 1, 2);
    question(&m, "www.example.com", 1);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4, 4);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4B, 4);
    collected c = { 0 };
    for (size_t len = 0; len < m.len; len++) {
        c.count = 0;
        uint8_t *copy = g_memdup2(m.data, len);
        unsigned found = tcpconn_dns_read_response(copy, len, collect, &c);
        g_free(copy);
        /* The first address is complete from its last byte on. */
        g_assert_cmpuint(found, ==, len >= m.len - 16 ? 1 : 0);
    }

    message loop;
    header(&loop, 0x8180, 1, 1);
    put_pointer(&loop, 12); /* the question's name points at itself */
    put16(&loop, 1);
    put16(&loop, 1);
    g_assert_cmpuint(tcpconn_dns_read_response(loop.data, loop.len, collect, &c), ==, 0);

    message forward;
    header(&forward, 0x8180, 1, 1);
    put_pointer(&forward, 40);
    g_assert_cmpuint(tcpconn_dns_read_response(forward.data, forward.len, collect, &c), ==, 0);
}

/* An answer for the root, the empty name, names nothing (found by the dns
 * fuzz target). */
static void test_root_name(void)
{
    message m;
    header(&m, 0x8180, 1, 1);
    question(&m, "", 1);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4, 4);
    collected c = { 0 };
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 0);
}

/* A name longer than DNS allows is refused, not cut. */
static void test_long_name(void)
{
    message m;
    header(&m, 0x8180, 1, 1);
    for (int i = 0; i < 5; i++) {
        uint8_t label[64];
        label[0] = 63;
        memset(label + 1, 'a', 63);
        put(&m, label, sizeof label);
    }
    uint8_t zero = 0;
    put(&m, &zero, 1);
    put16(&m, 1);
    put16(&m, 1);
    put_pointer(&m, 12);
    record_tail(&m, 1, ADDR4, 4);
    collected c = { 0 };
    g_assert_cmpuint(tcpconn_dns_read_response(m.data, m.len, collect, &c), ==, 0);
}

static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return g_realloc(ptr, size);
}

static void heap_free(void *ctx, void *ptr)
{
    (void)ctx;
    g_free(ptr);
}

static const tcpconn_allocator heap = { heap_realloc, heap_free, NULL };

static const tcpconn_host HOST_A = { { 1, 2, 0, 0, 0, 0, 0, 0xa } };
static const tcpconn_host HOST_B = { { 1, 2, 0, 0, 0, 0, 0, 0xb } };

/* The latest answer the host received before the frame names the address;
 * other hosts' answers do not. */
static void test_names_latest_before(void)
{
    tcpconn_names *t = tcpconn_names_new(&heap);
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4, 4, 100), ==, 0);
    tcpconn_names_answer(t, &HOST_A, ADDR4, 4, "old.example.com", 10);
    tcpconn_names_answer(t, &HOST_A, ADDR4, 4, "old.example.com", 15); /* the same again */
    tcpconn_names_answer(t, &HOST_A, ADDR4, 4, "new.example.com", 20);
    tcpconn_names_answer(t, &HOST_A, ADDR6, 16, "new.example.com", 20);
    g_assert_cmpuint(tcpconn_names_answers(t), ==, 3);

    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4, 4, 10), ==, 0);
    uint32_t old = tcpconn_names_find(t, &HOST_A, ADDR4, 4, 11);
    g_assert_cmpstr(tcpconn_names_text(t, old), ==, "old.example.com");
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4, 4, 20), ==, old);
    uint32_t new = tcpconn_names_find(t, &HOST_A, ADDR4, 4, 21);
    g_assert_cmpstr(tcpconn_names_text(t, new), ==, "new.example.com");
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR6, 16, 21), ==, new);
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_B, ADDR4, 4, 21), ==, 0);
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4B, 4, 21), ==, 0);
    tcpconn_names_free(t);
}

/* Many pairs and names: the tables grow and every answer is found again. */
static void test_names_growth(void)
{
    tcpconn_names *t = tcpconn_names_new(&heap);
    for (uint32_t i = 0; i < 5000; i++) {
        uint8_t address[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        char name[32];
        g_snprintf(name, sizeof name, "host%u.example.com", i % 700);
        tcpconn_names_answer(t, &HOST_A, address, 4, name, i + 1);
    }
    for (uint32_t i = 0; i < 5000; i++) {
        uint8_t address[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        char name[32];
        g_snprintf(name, sizeof name, "host%u.example.com", i % 700);
        uint32_t id = tcpconn_names_find(t, &HOST_A, address, 4, 6000);
        g_assert_cmpuint(id, !=, 0);
        g_assert_cmpstr(tcpconn_names_text(t, id), ==, name);
    }
    /* about 40 bytes per answer, twice that while the arrays have room to grow */
    g_assert_cmpuint(tcpconn_names_bytes(t), <, 5000 * 96);
    tcpconn_names_free(t);
}

/* A hostile capture that changes one address's name with every answer:
 * a lookup walks back a bounded number of changes. */
static void test_names_bounded_walk(void)
{
    tcpconn_names *t = tcpconn_names_new(&heap);
    for (uint32_t i = 0; i < 1000; i++)
        tcpconn_names_answer(t, &HOST_A, ADDR4, 4, i % 2 ? "a.example" : "b.example", i + 1);
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4, 4, 2000), !=, 0);
    g_assert_cmpuint(tcpconn_names_find(t, &HOST_A, ADDR4, 4, 2), ==, 0); /* too far back */
    tcpconn_names_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dns/a-records", test_a_record);
    g_test_add_func("/dns/cname-chain", test_cname_chain);
    g_test_add_func("/dns/unrelated-owner", test_unrelated_owner);
    g_test_add_func("/dns/not-an-answer", test_not_an_answer);
    g_test_add_func("/dns/truncated-and-hostile", test_truncated_and_hostile);
    g_test_add_func("/dns/long-name", test_long_name);
    g_test_add_func("/dns/root-name", test_root_name);
    g_test_add_func("/names/latest-before", test_names_latest_before);
    g_test_add_func("/names/growth", test_names_growth);
    g_test_add_func("/names/bounded-walk", test_names_bounded_walk);
    return g_test_run();
}
