/* gencap.c - deterministic synthetic TCP traffic for the tcpconn benchmark.
 *
 * Writes a classic pcap (LINKTYPE_ETHERNET, microsecond timestamps) of N
 * IPv4 TCP connection attempts with a known mix of outcomes, about M packets
 * in all. Connections overlap: a fixed window of concurrent connections is
 * kept in a min-heap on the time of each one's next packet, so memory is
 * O(window) whatever N and M are. Everything derives from --seed.
 *
 * The capture does not stop on the last attempt's last packet: like a real
 * capture that ran on, it ends with one unrelated packet (an ARP request from
 * the gateway) TAIL_S seconds later. Otherwise the attempts still waiting at
 * the end (no-answer, half-open) would have stopped less than a second before
 * the capture did, which tcpconn calls capture-ended, not failed. That packet
 * is counted in --packets (in the data budget), and in the syn-flood mode
 * comes on top of the N SYNs.
 *
 *   gencap --streams N --packets M [--seed S] [--window W] -o out.pcap
 *   gencap --streams N --syn-flood [--seed S] -o out.pcap
 *
 * The summary on stderr names each intended outcome with tcpconn's reason
 * tokens, so a check can compare it with `tshark -z` output directly.
 * No dependencies beyond libc. Build: cc -O2 -o gencap gencap.c
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_S      1767225600u /* 2026-01-01 00:00:00 UTC */
#define SERVERS      300
#define ROUTERS      8
#define EPHEMERAL_LO 32768u /* Linux ip_local_port_range */
#define EPHEMERAL_N  28232u
#define MIN_SEG      120u
#define TAIL_S       5u /* the closing packet, after the last attempt's last packet */

/* Intended outcomes, named as tcpconn names them. */
enum { O_ESTABLISHED, O_RETRY, O_REFUSED, O_NO_ANSWER, O_ICMP, O_HALF_OPEN, O_RESET, O_COUNT };
static const char *const outcome_name[O_COUNT] = {
    "established", "established-after-retry", "refused", "no-answer", "icmp-unreachable",
    "half-open",   "reset-after-established",
};
static const unsigned outcome_permille[O_COUNT] = { 850, 20, 40, 30, 20, 20, 20 };
/* Packets besides the request and data phase (successes) or in all (failures). */
static const unsigned fixed_packets[O_COUNT] = { 6, 7, 2, 3, 2, 4, 4 };

/* Each outcome is a little program of packets. */
enum {
    OP_END,
    OP_SYN,
    OP_SYNACK,
    OP_ACK,
    OP_REQ,
    OP_DATA,
    OP_CFIN,
    OP_SFIN,
    OP_CLAST,
    OP_REFUSE,
    OP_RESET,
    OP_ICMP
};
static const uint8_t program[O_COUNT][12] = {
    [O_ESTABLISHED] = { OP_SYN, OP_SYNACK, OP_ACK, OP_REQ, OP_DATA, OP_CFIN, OP_SFIN, OP_CLAST },
    [O_RETRY] = { OP_SYN, OP_SYN, OP_SYNACK, OP_ACK, OP_REQ, OP_DATA, OP_CFIN, OP_SFIN, OP_CLAST },
    [O_REFUSED] = { OP_SYN, OP_REFUSE },
    [O_NO_ANSWER] = { OP_SYN, OP_SYN, OP_SYN },
    [O_ICMP] = { OP_SYN, OP_ICMP },
    [O_HALF_OPEN] = { OP_SYN, OP_SYNACK, OP_SYNACK, OP_SYNACK },
    [O_RESET] = { OP_SYN, OP_SYNACK, OP_ACK, OP_RESET },
};

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

typedef struct {
    uint64_t t;         /* time of the next packet, microseconds after EPOCH_S */
    uint64_t rng;       /* per-connection generator state */
    uint64_t idx;       /* attempt number */
    uint64_t data_left; /* data-phase packets still to send */
    uint64_t segs_left; /* server data segments still to send */
    uint64_t srv_left;  /* server payload bytes still to send */
    uint64_t srv_total;
    uint32_t cip, sip, rip;
    uint32_t cisn, sisn, cseq, sseq;
    uint32_t rtt; /* microseconds */
    uint32_t pos; /* data-phase position */
    uint16_t cport, sport, seg, cid, sid, syn_id;
    uint8_t outcome, step, syns, synacks, sttl;
} conn;

typedef struct {
    FILE *f;
    uint8_t *buf;
    size_t len, cap;
    uint64_t packets, bytes;
    uint64_t last_t; /* time of the latest record */
} output;

/* ---- deterministic randomness ---------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash3(uint64_t seed, uint64_t i, uint64_t salt)
{
    uint64_t s = seed * 0xD6E8FEB86659FD93ull ^ i * 0x9E3779B97F4A7C15ull ^ salt << 56;
    splitmix(&s);
    return splitmix(&s);
}

static uint32_t rnd(conn *c, uint32_t n)
{
    return (uint32_t)(splitmix(&c->rng) % n);
}

static int outcome_of(uint64_t seed, uint64_t i)
{
    unsigned r = (unsigned)(hash3(seed, i, 1) % 1000);
    for (int o = 0; o < O_COUNT; o++) {
        if (r < outcome_permille[o])
            return o;
        r -= outcome_permille[o];
    }
    return O_ESTABLISHED;
}

/* ---- output ------------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}
static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void out_flush(output *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        perror("gencap: write");
        exit(1);
    }
    o->bytes += o->len;
    o->len = 0;
}

/* Reserves a record of `len` bytes at time `t`; returns where the frame goes. */
static uint8_t *out_record(output *o, uint64_t t, size_t len)
{
    if (o->len + 16 + len > o->cap)
        out_flush(o);
    uint8_t *r = o->buf + o->len;
    put32le(r, (uint32_t)(EPOCH_S + t / 1000000));
    put32le(r + 4, (uint32_t)(t % 1000000));
    put32le(r + 8, (uint32_t)len);
    put32le(r + 12, (uint32_t)len);
    o->len += 16 + len;
    o->packets++;
    if (t > o->last_t)
        o->last_t = t;
    return r + 16;
}

/* Internet checksum, summed in host order (RFC 1071 section 2(B)). */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    uint32_t w;
    for (; n >= 4; p += 4, n -= 4) {
        memcpy(&w, p, 4);
        sum += w;
    }
    uint8_t tail[4] = { 0 };
    memcpy(tail, p, n);
    memcpy(&w, tail, 4);
    return sum + w;
}

static void csum_store(uint8_t *where, uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t v = (uint16_t)~sum;
    memcpy(where, &v, 2);
}

static uint8_t *ether(uint8_t *p, uint32_t cip, bool to_client)
{
    static const uint8_t gw[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    uint8_t cl[6] = { 0x02, 0x00 };
    put32(cl + 2, cip);
    memcpy(p, to_client ? cl : gw, 6);
    memcpy(p + 6, to_client ? gw : cl, 6);
    p[12] = 0x08;
    p[13] = 0x00;
    return p + 14;
}

static uint8_t *ipv4(uint8_t *p, size_t total, uint16_t id, uint8_t ttl, uint8_t proto,
                     uint32_t src, uint32_t dst, bool df)
{
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, (uint32_t)total);
    put16(p + 4, id);
    put16(p + 6, df ? 0x4000 : 0);
    p[8] = ttl;
    p[9] = proto;
    p[10] = p[11] = 0;
    put32(p + 12, src);
    put32(p + 16, dst);
    csum_store(p + 10, csum_add(0, p, 20));
    return p + 20;
}

/* MSS 1460, NOP, NOP, SACK permitted, NOP, window scale 7: 12 bytes. */
static const uint8_t syn_options[12] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };

static void tcp_header(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                       uint8_t flags, uint16_t win, bool opts)
{
    put16(p, sport);
    put16(p + 2, dport);
    put32(p + 4, seq);
    put32(p + 8, ack);
    p[12] = (uint8_t)((opts ? 8 : 5) << 4);
    p[13] = flags;
    put16(p + 14, win);
    p[16] = p[17] = p[18] = p[19] = 0;
    if (opts)
        memcpy(p + 20, syn_options, sizeof syn_options);
}

static void tcp_checksum(uint8_t *ip, size_t tcplen)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint32_t)tcplen);
    csum_store(ip + 20 + 16, csum_add(csum_add(0, pseudo, 12), ip + 20, tcplen));
}

/* One TCP segment of connection c; returns the payload to fill, then call
 * tcp_finish(). */
typedef struct {
    uint8_t *ip;
    size_t tcplen;
} segment;

static uint8_t *tcp_begin(output *o, segment *s, conn *c, bool from_client, uint8_t flags,
                          uint32_t seq, uint32_t ack, size_t paylen, bool opts)
{
    size_t hl = opts ? 32 : 20;
    s->tcplen = hl + paylen;
    uint8_t *p = ether(out_record(o, c->t, 14 + 20 + s->tcplen), c->cip, !from_client);
    s->ip = p;
    if (from_client) {
        if ((flags & (F_SYN | F_ACK)) == F_SYN)
            c->syn_id = c->cid;
        p = ipv4(p, 20 + s->tcplen, c->cid++, 64, 6, c->cip, c->sip, true);
        tcp_header(p, c->cport, c->sport, seq, ack, flags,
                   (flags & F_SYN) ? (opts ? 64240 : 1024) : 502, opts);
    } else {
        p = ipv4(p, 20 + s->tcplen, c->sid++, c->sttl, 6, c->sip, c->cip, true);
        tcp_header(p, c->sport, c->cport, seq, ack, flags, opts ? 65160 : 509, opts);
    }
    return p + hl;
}

static void tcp_finish(segment *s)
{
    tcp_checksum(s->ip, s->tcplen);
}

static void tcp_simple(output *o, conn *c, bool from_client, uint8_t flags, uint32_t seq,
                       uint32_t ack)
{
    segment s;
    tcp_begin(o, &s, c, from_client, flags, seq, ack, 0, (flags & F_SYN) != 0);
    tcp_finish(&s);
}

/* ---- payloads ---------------------------------------------------------- */

static uint8_t filler[1600];

static void fill(uint8_t *p, size_t n)
{
    memcpy(p, filler, n);
}

static void tls_record(uint8_t *p, size_t n)
{
    p[0] = 23; /* application data */
    p[1] = 3;
    p[2] = 3;
    put16(p + 3, (uint32_t)(n - 5));
    fill(p + 5, n - 5);
}

static void send_request(output *o, conn *c)
{
    segment s;
    uint8_t *p;
    if (c->sport == 443) {
        size_t n = 100 + rnd(c, 400);
        p = tcp_begin(o, &s, c, true, F_PSH | F_ACK, c->cseq, c->sseq, n, false);
        tls_record(p, n);
        c->cseq += (uint32_t)n;
    } else {
        char req[600];
        unsigned pad = rnd(c, 300);
        int n = snprintf(req, sizeof req,
                         "GET /obj/%" PRIx64 " HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\n"
                         "User-Agent: gencap/1.0\r\nAccept: */*\r\nX-Pad: %.*s\r\n\r\n",
                         c->idx, c->sip >> 24, c->sip >> 16 & 255, c->sip >> 8 & 255, c->sip & 255,
                         c->sport, (int)pad, (const char *)filler);
        p = tcp_begin(o, &s, c, true, F_PSH | F_ACK, c->cseq, c->sseq, (size_t)n, false);
        memcpy(p, req, (size_t)n);
        c->cseq += (uint32_t)n;
    }
    tcp_finish(&s);
}

static void send_response_segment(output *o, conn *c)
{
    size_t n = c->segs_left == 1 ? c->srv_left : c->seg;
    bool last = c->segs_left == 1;
    segment s;
    uint8_t *p =
        tcp_begin(o, &s, c, false, last ? F_PSH | F_ACK : F_ACK, c->sseq, c->cseq, n, false);
    if (c->sport == 443) {
        tls_record(p, n);
    } else if (c->srv_left == c->srv_total) {
        /* HTTP header; Content-Length covers the rest of all segments. */
        const char *fmt =
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %" PRIu64 "\r\n\r\n";
        uint64_t body = 0;
        int hl = 0;
        for (int digits = 1; digits <= 20; digits++) {
            body = c->srv_total - (uint64_t)(snprintf(NULL, 0, fmt, (uint64_t)0) - 1 + digits);
            hl = snprintf(NULL, 0, fmt, body);
            if ((uint64_t)hl + body == c->srv_total)
                break;
        }
        char hdr[128];
        snprintf(hdr, sizeof hdr, fmt, body);
        memcpy(p, hdr, (size_t)hl);
        fill(p + hl, n - (size_t)hl);
    } else {
        fill(p, n);
    }
    tcp_finish(&s);
    c->sseq += (uint32_t)n;
    c->srv_left -= n;
    c->segs_left--;
}

static void send_icmp(output *o, conn *c)
{
    bool full = rnd(c, 2) != 0;
    uint8_t code = rnd(c, 2) ? 1 : 3; /* host unreachable, port unreachable */
    size_t quote = 20 + (full ? 32 : 8);
    uint8_t *p = ether(out_record(o, c->t, 14 + 20 + 8 + quote), c->cip, true);
    p = ipv4(p, 20 + 8 + quote, (uint16_t)rnd(c, 65536), 254, 1, c->rip, c->cip, false);
    uint8_t *icmp = p;
    icmp[0] = 3;
    icmp[1] = code;
    memset(icmp + 2, 0, 6);
    /* The SYN as the router got it: TTL one less, TCP header whole or cut. */
    uint8_t *q = ipv4(icmp + 8, 52, c->syn_id, 63, 6, c->cip, c->sip, true);
    uint8_t syn[32];
    tcp_header(syn, c->cport, c->sport, c->cisn, 0, F_SYN, 64240, true);
    uint8_t tmp[20 + 32];
    memcpy(tmp, icmp + 8, 20);
    memcpy(tmp + 20, syn, 32);
    tcp_checksum(tmp, 32);
    memcpy(q, tmp + 20, full ? 32 : 8);
    csum_store(icmp + 2, csum_add(0, icmp, 8 + quote));
}

/* The capture's last packet, TAIL_S seconds after everything else: an ARP
 * request from the gateway for a client address, no TCP, no stream. */
static void send_tail(output *o, uint32_t cip)
{
    static const uint8_t gw[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    uint8_t *p = out_record(o, o->last_t + TAIL_S * 1000000ull, 42);
    memset(p, 0xff, 6); /* broadcast */
    memcpy(p + 6, gw, 6);
    p[12] = 0x08, p[13] = 0x06;
    p += 14;
    put16(p, 1);          /* Ethernet */
    put16(p + 2, 0x0800); /* IPv4 */
    p[4] = 6, p[5] = 4;
    put16(p + 6, 1); /* request */
    memcpy(p + 8, gw, 6);
    put32(p + 14, 0x0A000001u); /* the gateway, 10.0.0.1 */
    memset(p + 18, 0, 6);
    put32(p + 24, cip);
}

/* ---- connections ------------------------------------------------------- */

typedef struct {
    uint64_t seed, streams, target, hosts;
    uint64_t successes, data_budget; /* data-phase packets over all successes */
    uint64_t success_started;
    uint64_t count[O_COUNT];
} plan;

/* floor(j * budget / successes), without overflow while successes < 2^32. */
static uint64_t share_before(const plan *pl, uint64_t j)
{
    uint64_t q = pl->data_budget / pl->successes, r = pl->data_budget % pl->successes;
    return j * q + j * r / pl->successes;
}

static uint64_t base_data(const plan *pl, uint64_t j)
{
    return share_before(pl, j + 1) - share_before(pl, j);
}

/* Data-phase packets (request included) of the j-th success. The budget is
 * split evenly, then pairs trade packets so sizes vary but sums stay exact. */
static uint64_t data_count(const plan *pl, uint64_t j)
{
    if (pl->data_budget < 2 * pl->successes)
        return 2;
    uint64_t m = j / 2;
    if (2 * m + 1 >= pl->successes)
        return base_data(pl, j);
    uint64_t b0 = base_data(pl, 2 * m), b1 = base_data(pl, 2 * m + 1);
    uint64_t lo = b0 < b1 ? b0 : b1;
    uint64_t v = hash3(pl->seed, m, 2) % (lo - 1);
    return (j & 1) ? b1 - v : b0 + v;
}

static uint32_t client_ip(uint64_t h)
{
    return 0x0A000000u | (uint32_t)(((h + 1) * 0x9E3779B1u) & 0xFFFFFFu);
}

static void conn_start(plan *pl, conn *c, uint64_t i, uint64_t t, unsigned max_seg)
{
    memset(c, 0, sizeof *c);
    c->idx = i;
    c->t = t;
    c->rng = hash3(pl->seed, i, 3);
    c->outcome = (uint8_t)outcome_of(pl->seed, i);
    pl->count[c->outcome]++;

    /* Attempt i is the k-th from client host h: distinct 4-tuples, no reuse. */
    uint64_t h = i % pl->hosts, k = i / pl->hosts;
    c->cip = client_ip(h);
    c->cport = (uint16_t)(EPHEMERAL_LO + (k + hash3(pl->seed, h, 4) % EPHEMERAL_N) % EPHEMERAL_N);
    uint32_t srv = rnd(c, SERVERS);
    c->sip = 0xC6120000u | (srv / 250) << 8 | (srv % 250 + 1); /* 198.18.x.y */
    c->rip = 0xAC1F0001u | rnd(c, ROUTERS) << 8;               /* 172.31.r.1 */
    uint32_t port = rnd(c, 100);
    c->sport = port < 45 ? 443 : port < 90 ? 80 : 8080;
    c->cisn = c->cseq = (uint32_t)splitmix(&c->rng);
    c->sisn = c->sseq = (uint32_t)splitmix(&c->rng);
    c->cid = (uint16_t)rnd(c, 65536);
    c->sid = (uint16_t)rnd(c, 65536);
    c->sttl = (uint8_t)(64 - 3 - rnd(c, 20));
    uint32_t where = rnd(c, 100);
    c->rtt = where < 40   ? 200 + rnd(c, 1800)
             : where < 85 ? 5000 + rnd(c, 35000)
                          : 80000 + rnd(c, 170000);

    if (c->outcome == O_ESTABLISHED || c->outcome == O_RETRY) {
        uint64_t d = data_count(pl, pl->success_started++);
        c->data_left = d - 1; /* after the request */
        c->segs_left = c->data_left - c->data_left / 3;
        c->seg = (uint16_t)(rnd(c, 10) < 6 ? max_seg : MIN_SEG + rnd(c, max_seg - MIN_SEG + 1));
        uint64_t last = MIN_SEG + rnd(c, c->seg - MIN_SEG + 1);
        c->srv_total = c->srv_left = (c->segs_left - 1) * c->seg + last;
    }
}

static uint64_t delay_before(conn *c, uint8_t prev, uint8_t next)
{
    switch (next) {
    case OP_SYN:
        return 1000000ull << (c->syns - 1); /* 1 s, then 2 s */
    case OP_SYNACK:
        return prev == OP_SYNACK ? 1000000ull << (c->synacks - 1) : c->rtt;
    case OP_ACK:
    case OP_CLAST:
        return 15 + rnd(c, 30);
    case OP_REQ:
        return 5 + rnd(c, 200);
    case OP_DATA:
        return c->rtt + rnd(c, 3000); /* server think time */
    case OP_CFIN:
        return 50 + rnd(c, 500);
    case OP_SFIN:
    case OP_REFUSE:
        return c->rtt;
    case OP_RESET:
        return c->rtt + rnd(c, 1000);
    case OP_ICMP:
        return c->rtt / 3 + 10 + rnd(c, 100);
    }
    return 0;
}

/* Sends c's next packet. Returns false once the connection has finished. */
static bool conn_step(output *o, conn *c)
{
    uint8_t op = program[c->outcome][c->step];
    switch (op) {
    case OP_SYN:
        c->syns++;
        tcp_simple(o, c, true, F_SYN, c->cisn, 0);
        c->cseq = c->cisn + 1;
        break;
    case OP_SYNACK:
        c->synacks++;
        tcp_simple(o, c, false, F_SYN | F_ACK, c->sisn, c->cisn + 1);
        c->sseq = c->sisn + 1;
        break;
    case OP_ACK:
    case OP_CLAST:
        tcp_simple(o, c, true, F_ACK, c->cseq, c->sseq);
        break;
    case OP_REQ:
        send_request(o, c);
        break;
    case OP_DATA: {
        /* Server segments, every third packet a client ACK. */
        bool ack = ++c->pos % 3 == 0;
        if (ack)
            tcp_simple(o, c, true, F_ACK, c->cseq, c->sseq);
        else
            send_response_segment(o, c);
        if (--c->data_left) {
            bool ack_next = (c->pos + 1) % 3 == 0;
            c->t += ack_next ? 20 + rnd(c, 40) : 12 + rnd(c, 20);
            return true;
        }
        break;
    }
    case OP_CFIN:
        tcp_simple(o, c, true, F_FIN | F_ACK, c->cseq++, c->sseq);
        break;
    case OP_SFIN:
        tcp_simple(o, c, false, F_FIN | F_ACK, c->sseq++, c->cseq);
        break;
    case OP_REFUSE:
        tcp_simple(o, c, false, F_RST | F_ACK, 0, c->cisn + 1);
        break;
    case OP_RESET:
        tcp_simple(o, c, false, F_RST | F_ACK, c->sseq, c->cseq);
        break;
    case OP_ICMP:
        send_icmp(o, c);
        break;
    }
    uint8_t next = program[c->outcome][++c->step];
    if (next == OP_END)
        return false;
    c->t += delay_before(c, op, next);
    return true;
}

/* ---- min-heap of the window, on (time, attempt number) ------------------- */

static bool earlier(const conn *a, const conn *b)
{
    return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

static void sift_down(conn *h, size_t n, size_t i)
{
    conn x = h[i];
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n)
            break;
        if (l + 1 < n && earlier(&h[l + 1], &h[l]))
            m = l + 1;
        if (!earlier(&h[m], &x))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: gencap --streams N --packets M [--syn-flood] [--seed S] [--window W]\n"
               "              [--max-seg BYTES] -o OUT.pcap|-\n");
}

static uint64_t number(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double d = strtod(s ? s : "", &end); /* accepts 1e6 */
    if (!s || errno || *end || d < 0 || d > 1e15 || d != (double)(uint64_t)d) {
        fprintf(stderr, "gencap: %s needs a whole number\n", opt);
        exit(2);
    }
    return (uint64_t)d;
}

int main(int argc, char **argv)
{
    plan pl = { .seed = 1 };
    uint64_t window = 200, max_seg = 1448;
    bool flood = false, have_packets = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--streams"))
            pl.streams = number(a, v), i++;
        else if (!strcmp(a, "--packets"))
            pl.target = number(a, v), have_packets = true, i++;
        else if (!strcmp(a, "--seed"))
            pl.seed = number(a, v), i++;
        else if (!strcmp(a, "--window"))
            window = number(a, v), i++;
        else if (!strcmp(a, "--max-seg"))
            max_seg = number(a, v), i++;
        else if (!strcmp(a, "--syn-flood"))
            flood = true;
        else if (!strcmp(a, "-o"))
            path = v, i++;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return usage(stdout), 0;
        else
            return fprintf(stderr, "gencap: unknown argument %s\n", a), usage(stderr), 2;
    }
    if (!path || !pl.streams || (!flood && !have_packets) || !window) {
        usage(stderr);
        return 2;
    }
    if (max_seg < MIN_SEG || max_seg > 1460) {
        fprintf(stderr, "gencap: --max-seg must be %u..1460\n", MIN_SEG);
        return 2;
    }
    if (pl.streams > UINT32_MAX) {
        fprintf(stderr, "gencap: at most %" PRIu32 " streams\n", UINT32_MAX);
        return 2;
    }
    if (!flood && pl.target < pl.streams) {
        fprintf(stderr, "gencap: --packets must be at least --streams\n");
        return 2;
    }

    output o = { .cap = 1u << 22 };
    o.buf = malloc(o.cap);
    o.f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!o.buf || !o.f) {
        fprintf(stderr, "gencap: %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < sizeof filler; i++)
        filler[i] = (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    uint8_t hdr[24];
    put32le(hdr, 0xa1b2c3d4);
    hdr[4] = 2, hdr[5] = 0, hdr[6] = 4, hdr[7] = 0;
    put32le(hdr + 8, 0);
    put32le(hdr + 12, 0);
    put32le(hdr + 16, 65535);
    put32le(hdr + 20, 1);
    memcpy(o.buf, hdr, 24);
    o.len = 24;

    if (flood) {
        /* One bare SYN per attempt from distinct source addresses. */
        conn c = { .rng = hash3(pl.seed, 0, 5), .sip = 0xC6120001u, .sport = 80 };
        for (uint64_t i = 0; i < pl.streams; i++) {
            c.t += 1 + rnd(&c, 19);
            c.idx = i;
            c.cip = 0x0A000000u | (uint32_t)(((i & 0xFFFFFF) * 0x9E3779B1u) & 0xFFFFFFu);
            c.cport = (uint16_t)(1024 + (hash3(pl.seed, i & 0xFFFFFF, 6) + (i >> 24)) % 64512);
            c.cid = (uint16_t)rnd(&c, 65536);
            c.cisn = (uint32_t)splitmix(&c.rng);
            segment s;
            /* A bare SYN without options, as flooders send it. */
            tcp_begin(&o, &s, &c, true, F_SYN, c.cisn, 0, 0, false);
            tcp_finish(&s);
        }
        pl.count[O_NO_ANSWER] = pl.streams;
        send_tail(&o, c.cip);
    } else {
        /* First pass: how many of each outcome, hence the data budget. */
        uint64_t fixed = 0;
        for (uint64_t i = 0; i < pl.streams; i++) {
            int oc = outcome_of(pl.seed, i);
            fixed += fixed_packets[oc];
            pl.successes += oc == O_ESTABLISHED || oc == O_RETRY;
        }
        /* The closing packet (send_tail) is one of the target's. */
        pl.data_budget = pl.target > fixed + 1 ? pl.target - fixed - 1 : 0;
        if (pl.successes && pl.data_budget < 2 * pl.successes)
            fprintf(stderr,
                    "gencap: warning: %" PRIu64 " packets are too few for %" PRIu64
                    " streams; writing %" PRIu64 "\n",
                    pl.target, pl.streams, fixed + 2 * pl.successes + 1);
        pl.hosts = pl.streams / 256 + 1;
        if (pl.hosts < 64)
            pl.hosts = 64;
        if (pl.hosts < pl.streams / EPHEMERAL_N + 1)
            pl.hosts = pl.streams / EPHEMERAL_N + 1;
        if (pl.hosts >= 0xFFFFFF) {
            fprintf(stderr, "gencap: too many streams\n");
            return 2;
        }

        if (window > pl.streams)
            window = pl.streams;
        conn *heap = calloc(window, sizeof *heap);
        uint64_t arrivals = hash3(pl.seed, 0, 7), started = 0, t = 0;
        for (; started < window; started++) {
            conn_start(&pl, &heap[started], started, t, (unsigned)max_seg);
            t += 20 + splitmix(&arrivals) % 60;
        }
        /* Already a heap: times ascend with the index. */
        size_t n = window;
        while (n) {
            conn *c = &heap[0];
            if (!conn_step(&o, c)) {
                if (started < pl.streams) {
                    conn_start(&pl, c, started, c->t + splitmix(&arrivals) % 100,
                               (unsigned)max_seg);
                    started++;
                } else {
                    heap[0] = heap[--n];
                }
            }
            sift_down(heap, n, 0);
        }
        free(heap);
        send_tail(&o, client_ip(0));
    }
    out_flush(&o);
    free(o.buf);
    if (o.f != stdout ? fclose(o.f) : fflush(o.f)) {
        perror("gencap: close");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    fprintf(stderr,
            "gencap: mode=%s seed=%" PRIu64 " streams=%" PRIu64 " packets=%" PRIu64
            " bytes=%" PRIu64 " seconds=%.2f",
            flood ? "syn-flood" : "normal", pl.seed, pl.streams, o.packets, o.bytes,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (int oc = 0; oc < O_COUNT; oc++)
        fprintf(stderr, " %s=%" PRIu64, outcome_name[oc], pl.count[oc]);
    fputc('\n', stderr);
    return 0;
}
