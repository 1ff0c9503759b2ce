/* describe.c - an attempt's outcome in words.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "describe.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

const char *tcpconn_format_duration(char buf[TCPCONN_DURATION_LEN], uint32_t us)
{
    /* Integer arithmetic: this runs for every packet of a shown tree. */
    if (us < 100) {
        snprintf(buf, TCPCONN_DURATION_LEN, "%u \xc2\xb5s", us);
    } else if (us < 1000000) {
        uint32_t hundredths = (us + 5) / 10;
        snprintf(buf, TCPCONN_DURATION_LEN, "%u.%02u ms", hundredths / 100, hundredths % 100);
    } else {
        uint32_t hundredths = (uint32_t)(((uint64_t)us + 5000) / 10000);
        snprintf(buf, TCPCONN_DURATION_LEN, "%u.%02u s", hundredths / 100, hundredths % 100);
    }
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
static void answered_syns(const tcpconn_attempt *a, char *buf, size_t len)
{
    unsigned before = a->syn_count > a->syns_after_decision
                          ? (unsigned)(a->syn_count - a->syns_after_decision)
                          : 0;
    unsigned after = a->syns_after_decision;
    if (after == 0)
        snprintf(buf, len, "(%u SYN%s)", before, plural(before));
    else
        snprintf(buf, len, "(%u SYN%s; %u later SYN%s got no answer)", before, plural(before),
                 after, plural(after));
}

/* "; the capture ended 0.50 s after the last SYN, while the client may
 * still have been retrying" when the capture stopped while the attempt
 * waited, so that a reader can tell giving up from stopping the capture. */
static void capture_stop_clause(const tcpconn_attempt *a, const tcpconn_outcome *o,
                                const tcpconn_capture *c, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!o->capture_stopped)
        return;
    const char *last =
        o->reason == TCPCONN_NO_ANSWER ? "the last SYN" : "the attempt's last packet";
    /* The attempt's end is kept in whole milliseconds. */
    int64_t gap_us = (c->end_ns - tcpconn_attempt_end_ns(a)) / 1000;
    char duration[TCPCONN_DURATION_LEN], gap[TCPCONN_DURATION_LEN + 8];
    if (gap_us < 1000)
        snprintf(gap, sizeof gap, "with");
    else
        snprintf(
            gap, sizeof gap, "%s after",
            tcpconn_format_duration(duration, gap_us > UINT32_MAX ? UINT32_MAX : (uint32_t)gap_us));
    if (o->reason == TCPCONN_NO_ANSWER)
        snprintf(buf, len,
                 "; the capture ended %s %s, while the client may still have been retrying", gap,
                 last);
    else if (o->reason == TCPCONN_HALF_OPEN)
        snprintf(buf, len,
                 "; the capture ended %s %s, while the server may still have been re-sending its "
                 "SYN-ACK",
                 gap, last);
    else if (o->reason == TCPCONN_STALE_CONNECTION)
        snprintf(buf, len, "; the capture ended %s %s", gap, last);
}

static void describe_half_open(const tcpconn_attempt *a, const tcpconn_outcome *o,
                               const char *server, char *buf, size_t len)
{
    if (a->flags & TCPCONN_A_SYNACK_AFTER_ACK)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server kept "
                 "re-sending SYN-ACK after the client's ACK",
                 server);
    else if (a->synack_count == 0)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server answered "
                 "with a SYN of its own, not a SYN-ACK",
                 server);
    else if (a->decision == TCPCONN_DECIDED_HALF_OPEN)
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): the server reset it "
                 "after %u SYN-ACK%s, before the client's ACK",
                 server, a->synack_count, plural(a->synack_count));
    else
        snprintf(buf, len,
                 "TCP handshake with %s never completed (half-open): %u SYN-ACK%s, no ACK "
                 "from the client%s",
                 server, a->synack_count, plural(a->synack_count), o->provisional ? " yet" : "");
}

static void describe_in_progress(const tcpconn_attempt *a, const char *server, char *buf,
                                 size_t len)
{
    unsigned syns = a->syn_count;
    if (a->flags & TCPCONN_A_RESPONDER_SYN)
        snprintf(buf, len,
                 "TCP connection to %s in progress: SYN-ACK received, no ACK from the "
                 "client yet",
                 server);
    else if (a->flags & TCPCONN_A_STALE_ACK)
        snprintf(buf, len,
                 "TCP connection to %s in progress: the server answered with an ACK for an "
                 "old connection on the same ports",
                 server);
    else
        snprintf(buf, len, "TCP connection to %s in progress: %u SYN%s, no answer yet", server,
                 syns, plural(syns));
}

void tcpconn_describe(const tcpconn_attempt *a, const tcpconn_outcome *o, const tcpconn_capture *c,
                      const char *server, bool icmpv6, char *buf, size_t len)
{
    unsigned syns = a->syn_count;
    const char *who = o->ended_by == TCPCONN_SIDE_SERVER ? "server" : "client";
    char took[TCPCONN_DURATION_LEN], window[TCPCONN_DURATION_LEN], counts[64], stop[160];
    size_t used;

    switch (o->reason) {
    case TCPCONN_IN_PROGRESS:
        describe_in_progress(a, server, buf, len);
        break;
    case TCPCONN_ESTABLISHED:
        snprintf(buf, len, "TCP connection to %s established in %s%s", server,
                 tcpconn_format_duration(took, a->connect_us),
                 o->provisional ? " (so far no data)" : "");
        break;
    case TCPCONN_ESTABLISHED_AFTER_RETRY:
        snprintf(buf, len,
                 "TCP connection to %s established only after retrying: %u SYN%s, %u SYN-ACK%s, "
                 "connected in %s",
                 server, syns, plural(syns), a->synack_count, plural(a->synack_count),
                 tcpconn_format_duration(took, a->connect_us));
        break;
    case TCPCONN_REFUSED:
        answered_syns(a, counts, sizeof counts);
        snprintf(buf, len, "TCP connection refused: %s answered the SYN with RST after %s %s",
                 server, tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_NO_ANSWER:
        /* A lone SYN took no time: what tells is how long the capture went
         * on without an answer. */
        if (syns == 1 && c->complete && c->end_ns > a->first_ns) {
            int64_t waited_us = (c->end_ns - a->first_ns) / 1000;
            snprintf(buf, len,
                     "TCP connection got no answer: 1 SYN to %s, nothing came back in the %s "
                     "the capture went on",
                     server,
                     tcpconn_format_duration(took, waited_us > UINT32_MAX ? UINT32_MAX
                                                                          : (uint32_t)waited_us));
            break;
        }
        snprintf(buf, len,
                 "TCP connection got no answer%s: %u SYN%s to %s over %s, nothing came back%s",
                 o->provisional ? " so far" : "", syns, plural(syns), server,
                 tcpconn_format_duration(took, a->outcome_us), o->provisional ? " yet" : "");
        break;
    case TCPCONN_ICMP_UNREACHABLE:
        answered_syns(a, counts, sizeof counts);
        snprintf(buf, len,
                 "TCP connection to %s rejected by %s destination unreachable (%s) "
                 "after %s %s",
                 server, icmpv6 ? "ICMPv6" : "ICMP", icmp_code_name(a->icmp_code, icmpv6),
                 tcpconn_format_duration(took, a->outcome_us), counts);
        break;
    case TCPCONN_HALF_OPEN:
        describe_half_open(a, o, server, buf, len);
        break;
    case TCPCONN_ABORTED_BY_CLIENT:
        snprintf(buf, len,
                 "TCP connection to %s aborted by the client before the handshake completed, "
                 "after %s",
                 server, tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_STALE_CONNECTION:
        snprintf(buf, len,
                 "TCP connection to %s failed: the server answered %u SYN%s with an ACK for an "
                 "old connection on the same ports, never with a SYN-ACK",
                 server, syns, plural(syns));
        break;
    case TCPCONN_RESET_AFTER_ESTABLISHED:
    case TCPCONN_CLOSED_BEFORE_DATA:
        snprintf(buf, len,
                 "TCP connection to %s %s by the %s before any data, %s after the first SYN",
                 server, o->reason == TCPCONN_RESET_AFTER_ESTABLISHED ? "reset" : "closed", who,
                 tcpconn_format_duration(took, a->outcome_us));
        break;
    case TCPCONN_HANDSHAKE_NOT_SEEN:
        snprintf(buf, len, "TCP connection with %s: handshake not in the capture", server);
        break;
    case TCPCONN_CAPTURE_ENDED:
        snprintf(buf, len,
                 "TCP connection to %s undecided: the capture ended less than %s after its last "
                 "packet, too soon to tell whether an answer was coming",
                 server,
                 tcpconn_format_duration(window, c->end_window_ns / 1000 > UINT32_MAX
                                                     ? UINT32_MAX
                                                     : (uint32_t)(c->end_window_ns / 1000)));
        break;
    case TCPCONN_ACK_NOT_CAPTURED:
        snprintf(buf, len,
                 "TCP connection to %s undecided: SYN-ACK seen, but the capture holds no plain "
                 "ACK at all (a SYN/FIN/RST-only capture filter), so the handshake's last ACK "
                 "cannot show",
                 server);
        break;
    case TCPCONN_REASON_COUNT:
        snprintf(buf, len, "TCP connection to %s", server);
        break;
    }
    capture_stop_clause(a, o, c, stop, sizeof stop);
    used = strlen(buf);
    if (stop[0] != '\0' && used < len)
        snprintf(buf + used, len - used, "%s", stop);
}

bool tcpconn_expert_text(const tcpconn_attempt *a, const tcpconn_outcome *o, char *buf, size_t len)
{
    if (o->expert != TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY)
        return false;
    char took[TCPCONN_DURATION_LEN];
    snprintf(buf, len, "%s: %u SYN%s, %u SYN-ACK%s, connect time %s",
             tcpconn_experts[o->expert].summary, a->syn_count, plural(a->syn_count),
             a->synack_count, plural(a->synack_count),
             tcpconn_format_duration(took, a->connect_us));
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

static uint32_t us_of(int64_t ns)
{
    if (ns <= 0)
        return 0;
    return ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
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
        snprintf(buf + n, len - n, "%s%u %s", sep, parts[i].count, parts[i].what);
        n += strlen(buf + n);
        sep = ", ";
    }
}

void tcpconn_describe_connect(const tcpconn_connect *c, const tcpconn_connect_outcome *o,
                              unsigned position, const char *name, char *buf, size_t len)
{
    char self[TCPCONN_ADDRESS_LEN], winner[TCPCONN_ADDRESS_LEN], lost[TCPCONN_DURATION_LEN];
    const uint8_t *mine = c->servers[position - 1];
    tcpconn_format_address(self, mine);
    if (len == 0)
        return;
    buf[0] = '\0';
    if (o->winner != 0) {
        const uint8_t *via = c->servers[o->winner - 1];
        tcpconn_format_address(winner, via);
        tcpconn_format_duration(lost, us_of(o->lost_ns));
        if (position == o->winner && o->winner == 1)
            snprintf(buf, len, "connected to %s%s%s%s at the first attempt", winner,
                     name ? " (" : "", name ? name : "", name ? ")" : "");
        else if (position == o->winner)
            snprintf(buf, len,
                     "connected over %s to %s%s%s%s after %u failed attempt%s to other addresses, "
                     "%s after the first SYN",
                     family_of(via), winner, name ? " (" : "", name ? name : "", name ? ")" : "",
                     o->failed, o->failed == 1 ? "" : "s", lost);
        else
            snprintf(buf, len,
                     "%s attempt to %s %s; the client connected over %s to %s %s after "
                     "its first SYN%s",
                     family_of(mine), self, fate_of(o->reasons[position - 1]), family_of(via),
                     winner, lost, mine[0] != via[0] ? " (Happy Eyeballs)" : "");
    } else if (o->result == TCPCONN_CONNECT_FAILED) {
        snprintf(buf, len, "all %u addresses %s%s failed: ", c->count, name ? "of " : "tried",
                 name ? name : "");
        append_failures(o, buf, len);
    } else {
        snprintf(buf, len, "%u attempts to %u addresses%s%s, no outcome yet", c->count, c->count,
                 name ? " of " : "", name ? name : "");
    }
    if (c->guessed) {
        size_t n = strlen(buf);
        if (n < len)
            snprintf(buf + n, len - n,
                     " (linked by port and time alone: no DNS answer names "
                     "the server)");
    }
}
