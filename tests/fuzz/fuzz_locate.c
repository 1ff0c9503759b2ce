/* fuzz_locate.c - libFuzzer target: the header readers (headers.c) and the
 * locator (locate.c) on raw frame bytes.
 *
 * Input: a 10-byte control block, then the frame's bytes (a frame from a
 * capture, link layer included, in the seed corpus).
 *   0     what is wanted: bit 0 an ICMP error, bit 1 several TCP headers,
 *         bit 2 check checksums; bits 3-4 what TCP knows (see knows())
 *   1     link-layer bytes put in front of the frame (0-63): random offsets
 *   2     the value of those bytes
 *   3     the offset hint left by the previous frame
 *   4     where the frame ends and a reassembled data source begins, in
 *         256ths of the bytes (0: no second source)
 *   5     bytes the frame had on the wire beyond those captured
 *   6-9   the ports of the TCP header wanted when there are several
 * Every data source is copied into a block of its exact size, so that a
 * read one byte too far is caught by AddressSanitizer.
 *
 * Checked besides memory safety: what is found is what was asked for, lies
 * inside the bytes it was found in, and has the endpoints and keys of the
 * addresses it points to; a miss leaves nothing behind and the hint alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "locate.h"

enum {
    CONTROL_LEN = 10,
    MAX_PREFIX = 64,
    MAX_SOURCES = 2,
};

/* What the pretend TCP tracks. */
typedef enum {
    KNOWS_EVERY_CONNECTION = 0,
    KNOWS_SOME,         /* a fixed two thirds of them, by ports and sequence number */
    KNOWS_WANTED_PORTS, /* those with the wanted ports, either way round */
    KNOWS_NOTHING,
} knowledge;

typedef struct {
    tcpconn_bytes sources[MAX_SOURCES];
    size_t source_count;
    knowledge knows;
    uint16_t wanted_src_port;
    uint16_t wanted_dst_port;
} frame_state;

/* True when `p` .. `p + len` lies inside one of the data sources. */
static bool inside_sources(const frame_state *f, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < f->source_count; i++) {
        const tcpconn_bytes *b = &f->sources[i];
        if (b->captured > 0 && p >= b->data && len <= b->captured &&
            p <= b->data + b->captured - len)
            return true;
    }
    return false;
}

static bool give_source(void *context, size_t index, tcpconn_bytes *bytes)
{
    const frame_state *f = context;
    if (index >= f->source_count)
        return false;
    *bytes = f->sources[index];
    return true;
}

static bool knows(void *context, const tcpconn_ip *ip, uint16_t src_port, uint16_t dst_port,
                  uint32_t seq, uint32_t *stream)
{
    const frame_state *f = context;
    FUZZ_CHECK(ip->address_len == 4 || ip->address_len == 16);
    FUZZ_CHECK(inside_sources(f, ip->src, ip->address_len));
    FUZZ_CHECK(inside_sources(f, ip->dst, ip->address_len));
    *stream = (uint32_t)src_port ^ dst_port ^ seq;
    switch (f->knows) {
    case KNOWS_EVERY_CONNECTION:
        return true;
    case KNOWS_SOME:
        return (src_port + dst_port + seq) % 3 != 0;
    case KNOWS_WANTED_PORTS:
        return (src_port == f->wanted_src_port && dst_port == f->wanted_dst_port) ||
               (src_port == f->wanted_dst_port && dst_port == f->wanted_src_port);
    default:
        return false;
    }
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_found(const frame_state *f, const tcpconn_wanted *wanted,
                        const tcpconn_found *found, size_t hint_before, size_t hint_after)
{
    FUZZ_CHECK(found->kind == (wanted->icmp ? TCPCONN_FOUND_ICMP : TCPCONN_FOUND_SEGMENT));
    FUZZ_CHECK(found->source < f->source_count);
    const tcpconn_bytes *b = &f->sources[found->source];
    FUZZ_CHECK(found->offset < b->captured && b->captured - found->offset >= 20);
    /* Only the frame teaches the hint. */
    FUZZ_CHECK(hint_after == (found->source == 0 ? found->offset : hint_before));
    FUZZ_CHECK(inside_sources(f, found->ip.src, found->ip.address_len));
    FUZZ_CHECK(inside_sources(f, found->ip.dst, found->ip.address_len));

    uint8_t key[TCPCONN_ENDPOINT_LEN];
    tcpconn_endpoint_key(key, found->ip.src, found->ip.address_len, found->src_port);
    FUZZ_CHECK(memcmp(key, found->src_endpoint, sizeof key) == 0);
    tcpconn_endpoint_key(key, found->ip.dst, found->ip.address_len, found->dst_port);
    FUZZ_CHECK(memcmp(key, found->dst_endpoint, sizeof key) == 0);
    uint8_t orientation = tcpconn_orientation(found->src_endpoint, found->dst_endpoint);

    if (found->kind == TCPCONN_FOUND_ICMP) {
        FUZZ_CHECK(found->icmp.orientation == orientation);
        return;
    }
    const tcpconn_segment *s = &found->segment;
    FUZZ_CHECK(s->orientation == orientation);
    FUZZ_CHECK(s->src_endpoint == found->src_endpoint && s->dst_endpoint == found->dst_endpoint);
    FUZZ_CHECK(s->src_port == found->src_port && s->dst_port == found->dst_port);
    FUZZ_CHECK((s->flags & ~0x0fffu) == 0);
    if (!wanted->check_checksums)
        FUZZ_CHECK(!s->checksum_bad && !s->ip_checksum_bad);
    if (wanted->several) {
        FUZZ_CHECK(s->src_port == wanted->src_port && s->dst_port == wanted->dst_port);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < CONTROL_LEN)
        return 0;
    const uint8_t *control = data;
    const uint8_t *frame = data + CONTROL_LEN;
    size_t frame_len = size - CONTROL_LEN;
    size_t prefix = control[1] % MAX_PREFIX;

    tcpconn_wanted wanted = {
        .icmp = control[0] & 1,
        .several = control[0] & 2,
        .src_port = be16(control + 6),
        .dst_port = be16(control + 8),
        .check_checksums = control[0] & 4,
    };
    frame_state f = {
        .knows = (knowledge)(control[0] >> 3 & 3),
        .wanted_src_port = wanted.src_port,
        .wanted_dst_port = wanted.dst_port,
    };

    /* The link layer and the frame up to the split, then the rest as a
     * reassembled data source; each in a block of its exact size. */
    size_t split = control[4] ? frame_len * control[4] / 256 : frame_len;
    size_t lengths[MAX_SOURCES] = { prefix + split, frame_len - split };
    uint8_t *blocks[MAX_SOURCES] = { NULL, NULL };
    f.source_count = control[4] ? 2 : 1;
    for (size_t i = 0; i < f.source_count; i++) {
        blocks[i] = malloc(lengths[i] ? lengths[i] : 1);
        FUZZ_CHECK(blocks[i] != NULL);
    }
    memset(blocks[0], control[2], prefix);
    memcpy(blocks[0] + prefix, frame, split);
    if (f.source_count == 2)
        memcpy(blocks[1], frame + split, lengths[1]);
    for (size_t i = 0; i < f.source_count; i++) {
        tcpconn_bytes b = { blocks[i], lengths[i], lengths[i] };
        f.sources[i] = b;
    }
    f.sources[0].reported += control[5];

    tcpconn_locator locator;
    tcpconn_locator_reset(&locator);
    FUZZ_CHECK(locator.ip_offset_hint == 0);
    locator.ip_offset_hint = control[3];
    tcpconn_frame access = { give_source, knows, &f };
    tcpconn_found found;
    if (tcpconn_locate(&locator, &access, &wanted, &found)) {
        check_found(&f, &wanted, &found, control[3], locator.ip_offset_hint);
    } else {
        FUZZ_CHECK(found.kind == TCPCONN_FOUND_NOTHING);
        FUZZ_CHECK(locator.ip_offset_hint == control[3]);
    }

    /* The same frame searched for a UDP datagram with the wanted ports (a
     * DNS answer): found only in the frame, with ports and length its own
     * header gives, and the payload inside the frame. */
    locator.ip_offset_hint = control[3];
    tcpconn_found_udp udp;
    const tcpconn_bytes *frame0 = &f.sources[0];
    if (tcpconn_locate_udp(&locator, &access, wanted.src_port, wanted.dst_port, &udp)) {
        FUZZ_CHECK(udp.ip.protocol == TCPCONN_IP_PROTO_UDP && !udp.ip.later_fragment);
        FUZZ_CHECK(udp.ip.start == locator.ip_offset_hint);
        FUZZ_CHECK(udp.payload >= frame0->data + udp.ip.payload + 8);
        FUZZ_CHECK((size_t)(udp.payload - frame0->data) + udp.payload_len <= frame0->captured);
        const uint8_t *h = frame0->data + udp.ip.payload;
        FUZZ_CHECK(be16(h) == wanted.src_port && be16(h + 2) == wanted.dst_port);
    } else {
        FUZZ_CHECK(locator.ip_offset_hint == control[3]);
    }

    for (size_t i = 0; i < f.source_count; i++)
        free(blocks[i]);
    return 0;
}
