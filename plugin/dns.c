/* dns.c - the addresses a DNS response gives for the name that was asked.
 *
 * A response names the client's target in its question; the answer section
 * may lead there through CNAMEs (www.example.com is an alias of
 * web.example.net, which has the addresses). The user asked for the first
 * name, so that is the one reported for every address at the end of the
 * chain. Names are compared by a 64-bit hash of their lower-case text,
 * which spares the reader a copy of every name.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "dns.h"

#include <stdbool.h>
#include <string.h>

enum {
    HEADER_LEN = 12,
    TYPE_A = 1,
    TYPE_CNAME = 5,
    TYPE_AAAA = 28,
    CLASS_IN = 1,
    /* Bounds on what one message can make the reader do. Real answers hold
     * a few records; a hostile one holds whatever fits in 64 KiB. */
    MAX_ANSWERS = 64,
    MAX_ALIASES = 16,
    MAX_POINTERS = 32, /* compression pointers followed in one name */
};

typedef struct {
    const uint8_t *data;
    size_t len;
} message;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t hash_byte(uint64_t h, uint8_t c)
{
    return (h ^ c) * 1099511628211u; /* FNV-1a */
}

/* Reads the name at `*offset`, moving it past the name as it lies in the
 * message (a compression pointer ends it). Writes its text into `text`
 * (TCPCONN_DNS_NAME_MAX bytes) when not NULL, and its hash. False when the
 * name runs out of the message, loops, or is longer than a name can be. */
static bool read_name(const message *m, size_t *offset, char *text, uint64_t *hash)
{
    size_t at = *offset;
    size_t text_len = 0;
    size_t wire_len = 0; /* RFC 1035: 255 bytes with the length octets */
    unsigned pointers = 0;
    bool moved = false; /* *offset is set once the first pointer is met */
    uint64_t h = 14695981039346656037u;
    for (;;) {
        if (at >= m->len)
            return false;
        uint8_t label = m->data[at];
        if ((label & 0xc0) == 0xc0) {
            if (at + 1 >= m->len || ++pointers > MAX_POINTERS)
                return false;
            size_t target = (size_t)get16(m->data + at) & 0x3fff;
            /* Only backwards, which rules out loops along with the count. */
            if (target >= at)
                return false;
            if (!moved) {
                *offset = at + 2;
                moved = true;
            }
            at = target;
            continue;
        }
        if (label & 0xc0)
            return false; /* extended label types are not names of hosts */
        at++;
        if (label == 0)
            break;
        wire_len += 1u + label;
        if (wire_len > 254 || at + label > m->len)
            return false;
        if (text_len > 0) {
            if (text != NULL)
                text[text_len] = '.';
            text_len++;
            h = hash_byte(h, '.');
        }
        for (size_t i = 0; i < label; i++) {
            uint8_t c = m->data[at + i];
            if (c >= 'A' && c <= 'Z')
                c = (uint8_t)(c - 'A' + 'a');
            else if (c <= ' ' || c >= 0x7f)
                c = '?';
            if (text != NULL)
                text[text_len] = (char)c;
            text_len++;
            h = hash_byte(h, c);
        }
        at += label;
    }
    if (!moved)
        *offset = at;
    if (text != NULL)
        text[text_len] = '\0';
    *hash = h;
    return true;
}

typedef struct {
    uint64_t owner;
    uint64_t target;
} alias;

typedef struct {
    uint64_t owner;
    size_t rdata; /* offset of the address */
    uint8_t len;
} address_record;

/* Whether `name` is the name asked or an alias the chain from it reaches. */
static bool answers_question(uint64_t name, uint64_t asked, const alias *aliases, size_t n_aliases)
{
    uint64_t current = asked;
    /* Each step follows one alias; a chain is never longer than the list. */
    for (size_t step = 0; step <= n_aliases; step++) {
        if (name == current)
            return true;
        size_t i = 0;
        while (i < n_aliases && aliases[i].owner != current)
            i++;
        if (i == n_aliases)
            return false;
        current = aliases[i].target;
    }
    return false;
}

unsigned tcpconn_dns_read_response(const uint8_t *data, size_t len, tcpconn_dns_address_fn found,
                                   void *context)
{
    message m = { data, len };
    if (len < HEADER_LEN)
        return 0;
    uint16_t flags = get16(data + 2);
    bool response = (flags & 0x8000) != 0;
    unsigned opcode = (flags >> 11) & 0xf;
    unsigned rcode = flags & 0xf;
    uint16_t questions = get16(data + 4);
    uint16_t answers = get16(data + 6);
    if (!response || opcode != 0 || rcode != 0 || questions == 0 || answers == 0)
        return 0;

    char asked_text[TCPCONN_DNS_NAME_MAX];
    uint64_t asked;
    size_t at = HEADER_LEN;
    /* The root (an empty name) names no server. */
    if (!read_name(&m, &at, asked_text, &asked) || asked_text[0] == '\0' || at + 4 > len)
        return 0;
    at += 4; /* QTYPE, QCLASS */
    /* Further questions (no server sends them) are skipped. */
    for (unsigned q = 1; q < questions; q++) {
        uint64_t ignored;
        if (!read_name(&m, &at, NULL, &ignored) || at + 4 > len)
            return 0;
        at += 4;
    }

    alias aliases[MAX_ALIASES];
    address_record addresses[MAX_ANSWERS];
    size_t n_aliases = 0, n_addresses = 0;
    for (unsigned i = 0; i < answers && i < MAX_ANSWERS; i++) {
        uint64_t owner;
        if (!read_name(&m, &at, NULL, &owner) || at + 10 > len)
            break;
        uint16_t type = get16(data + at);
        uint16_t class = get16(data + at + 2);
        uint16_t rdlength = get16(data + at + 8);
        size_t rdata = at + 10;
        if (rdata + rdlength > len)
            break;
        at = rdata + rdlength;
        if (class != CLASS_IN)
            continue;
        if (type == TYPE_CNAME && n_aliases < MAX_ALIASES) {
            size_t target_at = rdata;
            uint64_t target;
            if (read_name(&m, &target_at, NULL, &target) && target_at <= rdata + rdlength)
                aliases[n_aliases++] = (alias){ owner, target };
        } else if ((type == TYPE_A && rdlength == 4) || (type == TYPE_AAAA && rdlength == 16)) {
            addresses[n_addresses++] = (address_record){ owner, rdata, (uint8_t)rdlength };
        }
    }

    unsigned reported = 0;
    for (size_t i = 0; i < n_addresses; i++) {
        if (!answers_question(addresses[i].owner, asked, aliases, n_aliases))
            continue;
        found(context, asked_text, data + addresses[i].rdata, addresses[i].len);
        reported++;
    }
    return reported;
}
