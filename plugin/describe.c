/* describe.c - an attempt's outcome in words.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "describe.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "dns.h"

/* snprintf for the only conversions a sentence uses, %s and %u, for a
 * fraction of the instructions: a visible tree gets a sentence for every
 * packet. Cuts off at len - 1 like snprintf and returns the length the
 * text would have had. */
__attribute__((format(printf, 3, 4))) static size_t format(char *buf, size_t len, const char *fmt,
                                                           ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, fmt);
    for (const char *f = fmt; *f != '\0';) {
        char digits[10];
        const char *text = f;
        size_t count = strcspn(f, "%");
        f += count;
        if (count == 0 && f[1] == 's') {
            text = va_arg(ap, const char *);
            count = strlen(text);
            f += 2;
        } else if (count == 0 && f[1] == 'u') {
            unsigned v = va_arg(ap, unsigned);
            do {
                digits[sizeof digits - 1 - count++] = (char)('0' + v % 10);
                v /= 10;
            } while (v != 0);
            text = digits + sizeof digits - count;
            f += 2;
        } else if (count == 0) {
            count = 1; /* a lone '%' */
            f++;
        }
        if (n + 1 < len)
            memcpy(buf + n, text, n + count < len ? count : len - 1 - n);
        n += count;
    }
    va_end(ap);
    if (len > 0)
        buf[n < len ? n : len - 1] = '\0';
    return n;
}

const char *tcpconn_format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us)
{
    /* Integer arithmetic: this runs for every packet of a shown tree. */
    if (us < 100) {
        format(buf, TCPCONN_DURATION_LEN, "%u \xc2\xb5s", us);
        return buf;
    }
    const char *unit = " ms";
    uint32_t hundredths = (us + 5) / 10;
    if (us >= 1000000) {
        unit = " s";
        hundredths = (uint32_t)(((uint64_t)us + 5000) / 10000);
    }
    char fraction[3] = { (char)('0' + hundredths % 100 / 10), (char)('0' + hundredths % 10), '\0' };
    format(buf, TCPCONN_DURATION_LEN, "%u.%s%s", hundredths / 100, fraction, unit);
    return buf;
}

static const char *const icmp_codes[] = {
    "Network unreachable",
    "Host unreachable",
    "Protocol unreachable",
    "Port unreachable",
    "Fragmentation needed",
    "Source route failed",
    "Destination network unknown",
    "Destination host unknown",
    "Source host isolated",
    "Network administratively prohibited",
    "Host administratively prohibited",
    "Network unreachable for TOS",
    "Host unreachable for TOS",
    "Communication administratively prohibited",
    "Host precedence violation",
    "Precedence cutoff in effect",
};

static const char *const icmpv6_codes[] = {
    "No route to destination",
    "Communication administratively prohibited",
    "Beyond scope of source address",
    "Address unreachable",
    "Port unreachable",
    "Source address failed ingress/egress policy",
    "Reject route to destination",
};

static const char *icmp_code_name(uint8_t code, bool v6)
{
    if (v6)
        return code < sizeof icmpv6_codes / sizeof *icmpv6_codes ? icmpv6_codes[code]
                                                                 : "unknown code";
    return code < sizeof icmp_codes / sizeof *icmp_codes ? icmp_codes[code] : "unknown code";
}

static const char *plural(unsigned n)
{
    return n == 1 ? "" : "s";
}

/* "(3 SYNs)" for an answer to the SYN, and the retries after it that got
 * none. */
static void answered_syns(const tcpconn_describe_key *a, char *buf, size_t len)
{
    unsigned before = a->syn_count > a->syns_after_decision
                          ? (unsigned)(a->syn_count - a->syns_after_decision)
                          : 0;
    unsigned after = a->syns_after_decision;
    if (after == 0)
        format(buf, len, "(%u SYN%s)", before, plural(before));
    else
        format(buf, len, "(%u SYN%s; %u later SYN%s got no answer)", before, plural(before), after,
               plural(after));
}

/* "; the capture ended 0.50 s after the last SYN, while the client may
 * still have been retrying" when the capture stopped while the attempt
 * waited, so that a reader can tell giving up from stopping the capture. */
static void capture_stop_clause(const tcpconn_describe_key *k, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!k->capture_stopped)
        return;
    const char *last =
        k->reason == TCPCONN_NO_ANSWER ? "the last SYN" : "the attempt's last packet";
    char duration[TCPCONN_DURATION_LEN], gap[TCPCONN_DURATION_LEN + 8];
    if (k->stop_gap_us < 1000)
        format(gap, sizeof gap, "with");
    else
        format(gap, sizeof gap, "%s after", tcpconn_format_duration(duration, k->stop_gap_us));
    if (k->reason == TCPCONN_NO_ANSWER)
        format(buf, len, "; the capture ended %s %s, while the client may still have been retrying",
               gap, last);
    else if (k->reason == TCPCONN_HALF_OPEN)
        format(buf, len,
               "; the capture ended %s %s, while the server may still have been re-sending its "
               "SYN-ACK",
               gap, last);
    else if (k->reason == TCPCONN_STALE_CONNECTION)
        format(buf, len, "; the capture ended %s %s", gap, last);
}

static void describe_half_open(const tcpconn_describe_key *a, const char *server, char *buf,
                               size_t len)
{
    if (a->told_flags & TCPCONN_A_SYNACK_AFTER_ACK)
        format(buf, len,
               "TCP handshake with %s never completed (half-open): the server kept "
               "re-sending SYN-ACK after the client's ACK",
               server);
    else if (a->synack_count == 0)
        format(buf, len,
               "TCP handshake with %s never completed (half-open): the server answered "
               "with a SYN of its own, not a SYN-ACK",
               server);
    else if (a->decision == TCPCONN_DECIDED_HALF_OPEN)
        format(buf, len,
               "TCP handshake with %s never completed (half-open): the server reset it "
               "after %u SYN-ACK%s, before the client's ACK",
               server, a->synack_count, plural(a->synack_count));
    else
        format(buf, len,
               "TCP handshake with %s never completed (half-open): %u SYN-ACK%s, no ACK "
               "from the client%s",
               server, a->synack_count, plural(a->synack_count), a->provisional ? " yet" : "");
}

static void describe_in_progress(const tcpconn_describe_key *a, const char *server, char *buf,
                                 size_t len)
{
    unsigned syns = a->syn_count;
    if (a->told_flags & TCPCONN_A_RESPONDER_SYN)
        format(buf, len,
               "TCP connection to %s in progress: SYN-ACK received, no ACK from the "
               "client yet",
               server);
    else if (a->told_flags & TCPCONN_A_STALE_ACK)
        format(buf, len,
               "TCP connection to %s in progress: the server answered with an ACK for an "
               "old connection on the same ports",
               server);
    else
        format(buf, len, "TCP connection to %s in progress: %u SYN%s, no answer yet", server, syns,
               plural(syns));
}

/* What each outcome's sentence tells. The key holds only that, so that it
 * stays equal while an attempt is read (a FIN after the handshake changes
 * no "established" sentence); a part missing here would show as 0 in the
 * sentence, which the sentence tests would catch. */
enum {
    TELLS_SYNS = 1 << 0,            /* syn_count */
    TELLS_UNANSWERED = 1 << 1,      /* syns_after_decision */
    TELLS_SYNACKS = 1 << 2,         /* synack_count */
    TELLS_CONNECT_TIME = 1 << 3,    /* connect_us */
    TELLS_OUTCOME_TIME = 1 << 4,    /* outcome_us */
    TELLS_WHO = 1 << 5,             /* ended_by */
    TELLS_ICMP_CODE = 1 << 6,       /* icmp_code */
    TELLS_HOW = 1 << 7,             /* told_flags, decision */
    TELLS_PROVISIONAL = 1 << 8,     /* provisional */
    TELLS_CAPTURE_STOP = 1 << 9,    /* capture_stopped, stop_gap_us */
    TELLS_CAPTURE_WINDOW = 1 << 10, /* end_window_us */
    TELLS_LONE_SYN_WAIT = 1 << 11,  /* lone_syn_waited, waited_us */
};

static const uint16_t tells[TCPCONN_REASON_COUNT] = {
    [TCPCONN_IN_PROGRESS] = TELLS_SYNS | TELLS_HOW,
    [TCPCONN_ESTABLISHED] = TELLS_CONNECT_TIME | TELLS_PROVISIONAL,
    [TCPCONN_ESTABLISHED_AFTER_RETRY] = TELLS_SYNS | TELLS_SYNACKS | TELLS_CONNECT_TIME,
    [TCPCONN_REFUSED] = TELLS_SYNS | TELLS_UNANSWERED | TELLS_OUTCOME_TIME,
    [TCPCONN_NO_ANSWER] = TELLS_SYNS | TELLS_OUTCOME_TIME | TELLS_PROVISIONAL | TELLS_CAPTURE_STOP |
                          TELLS_LONE_SYN_WAIT,
    [TCPCONN_ICMP_UNREACHABLE] =
        TELLS_SYNS | TELLS_UNANSWERED | TELLS_OUTCOME_TIME | TELLS_ICMP_CODE,
    [TCPCONN_HALF_OPEN] = TELLS_SYNACKS | TELLS_HOW | TELLS_PROVISIONAL | TELLS_CAPTURE_STOP,
    [TCPCONN_ABORTED_BY_CLIENT] = TELLS_OUTCOME_TIME,
    [TCPCONN_STALE_CONNECTION] = TELLS_SYNS | TELLS_CAPTURE_STOP,
    [TCPCONN_RESET_AFTER_ESTABLISHED] = TELLS_OUTCOME_TIME | TELLS_WHO,
    [TCPCONN_CLOSED_BEFORE_DATA] = TELLS_OUTCOME_TIME | TELLS_WHO,
    [TCPCONN_HANDSHAKE_NOT_SEEN] = 0,
    [TCPCONN_CAPTURE_ENDED] = TELLS_CAPTURE_WINDOW,
    [TCPCONN_ACK_NOT_CAPTURED] = 0,
};

static uint32_t saturated_us(int64_t ns)
{
    int64_t us = ns / 1000;
    return us > UINT32_MAX ? UINT32_MAX : us < 0 ? 0 : (uint32_t)us;
}

void tcpconn_describe_key_of(const tcpconn_attempt *a, const tcpconn_outcome *o,
                             const tcpconn_capture *c, tcpconn_describe_key *key)
{
    unsigned told = o->reason < TCPCONN_REASON_COUNT ? tells[o->reason] : 0;
    memset(key, 0, sizeof *key);
    key->reason = o->reason;
    if (told & TELLS_SYNS)
        key->syn_count = a->syn_count;
    if (told & TELLS_UNANSWERED)
        key->syns_after_decision = a->syns_after_decision;
    if (told & TELLS_SYNACKS)
        key->synack_count = a->synack_count;
    if (told & TELLS_CONNECT_TIME)
        key->connect_us = a->connect_us;
    if (told & TELLS_OUTCOME_TIME)
        key->outcome_us = a->outcome_us;
    if (told & TELLS_WHO)
        key->ended_by = o->ended_by;
    if (told & TELLS_ICMP_CODE)
        key->icmp_code = a->icmp_code;
    if (told & TELLS_HOW) {
        key->told_flags =
            a->flags & (TCPCONN_A_SYNACK_AFTER_ACK | TCPCONN_A_RESPONDER_SYN | TCPCONN_A_STALE_ACK);
        key->decision = a->decision;
    }
    if (told & TELLS_PROVISIONAL)
        key->provisional = o->provisional;
    /* The attempt's end is kept in whole milliseconds. */
    if ((told & TELLS_CAPTURE_STOP) && o->capture_stopped) {
        key->capture_stopped = true;
        key->stop_gap_us = saturated_us(c->end_ns - tcpconn_attempt_end_ns(a));
    }
    if (told & TELLS_CAPTURE_WINDOW)
        key->end_window_us = saturated_us(c->end_window_ns);
    if ((told & TELLS_LONE_SYN_WAIT) && a->syn_count == 1 && c->complete &&
        c->end_ns > a->first_ns) {
        key->lone_syn_waited = true;
        key->waited_us = saturated_us(c->end_ns - a->first_ns);
    }
}

void tcpconn_describe(const tcpconn_attempt *a, const tcpconn_outcome *o, const tcpconn_capture *c,
                      const char *server, bool icmpv6, char *buf, size_t len)
{
    tcpconn_describe_key key;
    tcpconn_describe_key_of(a, o, c, &key);
    tcpconn_describe_key_text(&key, server, icmpv6, buf, len);
}

void tcpconn_describe_key_text(const tcpconn_describe_key *a, const char *server, bool icmpv6,
                               char *buf, size_t len)
{
    const tcpconn_describe_key *o = a; /* the outcome's part of the key */
    unsigned syns = a->syn_count;
    const char *who = o->ended_by == TCPCONN_SIDE_SERVER ? "server" : "client";
    char took[TCPCONN_DURATION_LEN], window[TCPCONN_DURATION_LEN], counts[64], stop[160];
    size_t used;

    switch (o->reason) {
    case TCPCONN_IN_PROGRESS:
        describe_in_progress(a, server, buf, len);
        break;
    case TCPCONN_ESTABLISHED:
        format(buf, len, "TCP connection to %s established in %s%s", server,
               tcpconn_format_duration(took, a->connect_us),
               o->provisional ? " (so far no data)" : "");
        break;
    case TCPCONN_ESTABLISHED_AFTER_RETRY:
        format(buf, len,
               "TCP connection to %s established only after retrying: %u SYN%s, %u SYN-ACK%s, "
               "connected in %s",
               server, syns, plural(syns), a->synack_count, plural(a->synack_count),
               tcpconn_format_duration(took, a->connect_us));
        break;
    case TCPCONN_REFUSED:
        answered_syns(a, counts, sizeof counts);
        format(buf, len, "TCP connection refused: %s answered the SYN with RST after %s %s", server,
               tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_NO_ANSWER:
        /* A lone SYN took no time: what tells is how long the capture went
         * on without an answer. */
        if (a->lone_syn_waited) {
            format(buf, len,
                   "TCP connection got no answer: 1 SYN to %s, nothing came back in the %s the "
                   "capture went on",
                   server, tcpconn_format_duration(took, a->waited_us));
            break;
        }
        format(buf, len,
               "TCP connection got no answer%s: %u SYN%s to %s over %s, nothing came back%s",
               o->provisional ? " so far" : "", syns, plural(syns), server,
               tcpconn_format_duration(took, a->outcome_us), o->provisional ? " yet" : "");
        break;
    case TCPCONN_ICMP_UNREACHABLE:
        answered_syns(a, counts, sizeof counts);
        format(buf, len,
               "TCP connection to %s rejected by %s destination unreachable (%s) "
               "after %s %s",
               server, icmpv6 ? "ICMPv6" : "ICMP", icmp_code_name(a->icmp_code, icmpv6),
               tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_HALF_OPEN:
        describe_half_open(a, server, buf, len);
        break;
    case TCPCONN_ABORTED_BY_CLIENT:
        format(buf, len,
               "TCP connection to %s aborted by the client before the handshake completed, "
               "after %s",
               server, tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_STALE_CONNECTION:
        format(buf, len,
               "TCP connection to %s failed: the server answered %u SYN%s with an ACK for an "
               "old connection on the same ports, never with a SYN-ACK",
               server, syns, plural(syns));
        break;
    case TCPCONN_RESET_AFTER_ESTABLISHED:
    case TCPCONN_CLOSED_BEFORE_DATA:
        format(buf, len,
               "TCP connection to %s %s by the %s before any data, %s after the first SYN", server,
               o->reason == TCPCONN_RESET_AFTER_ESTABLISHED ? "reset" : "closed", who,
               tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_HANDSHAKE_NOT_SEEN:
        format(buf, len, "TCP connection with %s: handshake not in the capture", server);
        break;
    case TCPCONN_CAPTURE_ENDED:
        format(buf, len,
               "TCP connection to %s undecided: the capture ended less than %s after its last "
               "packet, too soon to tell whether an answer was coming",
               server, tcpconn_format_duration(window, a->end_window_us));
        break;
    case TCPCONN_ACK_NOT_CAPTURED:
        format(buf, len,
               "TCP connection to %s undecided: SYN-ACK seen, but the capture holds no plain "
               "ACK at all (a SYN/FIN/RST-only capture filter), so the handshake's last ACK "
               "cannot show",
               server);
        break;
    case TCPCONN_REASON_COUNT:
        format(buf, len, "TCP connection to %s", server);
        break;
    }
    capture_stop_clause(a, stop, sizeof stop);
    used = strlen(buf);
    if (stop[0] != '\0' && used < len)
        format(buf + used, len - used, "%s", stop);
}

bool tcpconn_expert_text(const tcpconn_attempt *a, const tcpconn_outcome *o, char *buf, size_t len)
{
    if (o->expert != TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY)
        return false;
    char took[TCPCONN_DURATION_LEN];
    format(buf, len, "%s: %u SYN%s, %u SYN-ACK%s, connect time %s",
           tcpconn_experts[o->expert].summary, a->syn_count, plural(a->syn_count), a->synack_count,
           plural(a->synack_count), tcpconn_format_duration(took, a->connect_us));
    return true;
}

const char *tcpconn_format_address(char buf[TCPCONN_ADDRESS_LEN],
                                   const uint8_t endpoint[TCPCONN_ENDPOINT_LEN])
{
    bool v6 = endpoint[0] == 6;
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, endpoint + 1, buf, TCPCONN_ADDRESS_LEN) == NULL)
        buf[0] = '\0';
    return buf;
}

static const char *family_of(const uint8_t endpoint[TCPCONN_ENDPOINT_LEN])
{
    return endpoint[0] == 6 ? "IPv6" : "IPv4";
}

/* What happened to one attempt of a connect, after "attempt to X ". */
static const char *fate_of(tcpconn_reason r)
{
    switch (r) {
    case TCPCONN_NO_ANSWER:
        return "got no answer";
    case TCPCONN_REFUSED:
        return "was refused";
    case TCPCONN_ICMP_UNREACHABLE:
        return "was rejected by ICMP";
    case TCPCONN_ABORTED_BY_CLIENT:
        return "was given up by the client";
    case TCPCONN_IN_PROGRESS:
    case TCPCONN_CAPTURE_ENDED:
        return "was still waiting for an answer";
    default:
        return tcpconn_group_name(tcpconn_reason_group(r));
    }
}

/* "2 no answer, 1 refused". */
static void append_failures(const tcpconn_connect_outcome *o, char *buf, size_t len)
{
    const char *sep = "";
    size_t n = strlen(buf);
    unsigned other = o->failed - o->no_answer - o->refused - o->icmp;
    const struct {
        unsigned count;
        const char *what;
    } parts[] = { { o->no_answer, "no answer" },
                  { o->refused, "refused" },
                  { o->icmp, "rejected by ICMP" },
                  { other, "given up or aborted" } };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i].count == 0 || n >= len)
            continue;
        format(buf + n, len - n, "%s%u %s", sep, parts[i].count, parts[i].what);
        n += strlen(buf + n);
        sep = ", ";
    }
}

void tcpconn_describe_connect(const tcpconn_connect *c, const tcpconn_connect_outcome *o,
                              unsigned position, const char *name, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    /* " (www.example.com)" after an address, when the capture named it. */
    char named[TCPCONN_DNS_NAME_MAX + 3] = "";
    if (name != NULL)
        format(named, sizeof named, " (%s)", name);
    if (o->winner != 0) {
        const uint8_t *via = c->servers[o->winner - 1];
        char winner[TCPCONN_ADDRESS_LEN], lost[TCPCONN_DURATION_LEN];
        tcpconn_format_address(winner, via);
        tcpconn_format_duration(lost, saturated_us(o->lost_ns));
        if (position == o->winner && o->winner == 1) {
            format(buf, len, "connected to %s%s at the first attempt", winner, named);
        } else if (position == o->winner) {
            format(buf, len,
                   "connected over %s to %s%s after %u failed attempt%s to other addresses, %s "
                   "after the first SYN",
                   family_of(via), winner, named, o->failed, plural(o->failed), lost);
        } else {
            const uint8_t *mine = c->servers[position - 1];
            char self[TCPCONN_ADDRESS_LEN];
            format(buf, len,
                   "%s attempt to %s %s; the client connected over %s to %s %s after its first "
                   "SYN%s",
                   family_of(mine), tcpconn_format_address(self, mine),
                   fate_of(o->reasons[position - 1]), family_of(via), winner, lost,
                   mine[0] != via[0] ? " (Happy Eyeballs)" : "");
        }
    } else if (o->result == TCPCONN_CONNECT_FAILED) {
        format(buf, len, "all %u addresses %s%s failed: ", c->count, name ? "of " : "tried",
               name ? name : "");
        append_failures(o, buf, len);
    } else {
        format(buf, len, "%u attempts to %u addresses%s%s, no outcome yet", c->count, c->count,
               name ? " of " : "", name ? name : "");
    }
    if (c->guessed) {
        size_t n = strlen(buf);
        if (n < len)
            format(buf + n, len - n,
                   " (linked by port and time alone: no DNS answer names the server)");
    }
}
