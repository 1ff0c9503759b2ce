/* output.c - what a packet shows of its attempt: the tcpconn fields, the
 * subtree's sentence, expert info, and the statistics tap.
 *
 * Field blurbs that list the outcomes, and the expert items, are generated
 * from outcome.c's tables, so the vocabulary is written down once.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "output.h"

#include <wireshark.h>

#include <epan/expert.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <wsutil/inet_addr.h>

#include "describe.h"
#include "dns.h"

static int proto_tcpconn = -1;

static int hf_stream = -1;
static int hf_attempt = -1;
static int hf_reason = -1;
static int hf_failed = -1;
static int hf_provisional = -1;
static int hf_capture_stopped = -1;
static int hf_syn_count = -1;
static int hf_synack_count = -1;
static int hf_connect_time = -1;
static int hf_time_to_outcome = -1;
static int hf_syn_frame = -1;
static int hf_outcome_frame = -1;
static int hf_ended_by = -1;
static int hf_client = -1;
static int hf_server = -1;
static int hf_server_port = -1;
static int hf_concurrent = -1;
static int hf_server_attempts = -1;
static int hf_conn_state = -1;
static int hf_history = -1;
static int hf_server_name = -1;
static int hf_connect = -1;
static int hf_connect_attempt = -1;
static int hf_connect_attempts = -1;
static int hf_connect_result = -1;
static int hf_connect_failed = -1;
static int hf_connect_fell_back = -1;
static int hf_connect_superseded = -1;
static int hf_connect_via = -1;
static int hf_connect_time_lost = -1;
static int hf_connect_guessed = -1;

static int ett_tcpconn = -1;
static int ett_connect = -1;

/* One expert field per row of tcpconn_experts. */
static expert_field ei_outcome[TCPCONN_EXPERT_COUNT];
/* And the connect's, on the attempt that decided it. */
static expert_field ei_connect_fell_back = EI_INIT;
static expert_field ei_connect_failed = EI_INIT;

static void note_field_records(const hf_register_info *hf, size_t count);

/* "established, refused, ..." for the outcomes in `group`, or in every
 * other group. Registration strings live as long as the program. */
static const char *reason_list(tcpconn_group group, bool other_groups)
{
    GString *list = g_string_new(NULL);
    for (int r = 0; r < TCPCONN_REASON_COUNT; r++) {
        if ((tcpconn_reason_group((tcpconn_reason)r) == group) == other_groups)
            continue;
        g_string_append_printf(list, "%s%s", list->len ? ", " : "",
                               tcpconn_reason_name((tcpconn_reason)r));
    }
    return g_string_free(list, FALSE);
}

static void register_fields(void)
{
    static hf_register_info hf[] = {
        { &hf_stream,
          { "Stream index", "tcpconn.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
            "The tcp.stream index of the attempt's first packet; on an ICMP error, of the "
            "segment it quotes. Wireshark 4.4 and later give a SYN retried after a RST its own "
            "tcp.stream; tcpconn keeps it in the attempt",
            HFILL } },
        { &hf_attempt,
          { "Attempt", "tcpconn.attempt", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Present only on a tcp.stream that holds more than one connection attempt (the "
            "same ports reused for a SYN with a new ISN): which attempt this packet belongs to, "
            "1 for the first",
            HFILL } },
        { &hf_reason,
          { "Outcome", "tcpconn.reason", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_failed,
          { "Failed", "tcpconn.failed", FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_provisional,
          { "Provisional", "tcpconn.provisional", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Present only while later packets could still change the outcome (one-pass "
            "reading and live capture)",
            HFILL } },
        { &hf_capture_stopped,
          { "Capture stopped while waiting", "tcpconn.capture_stopped", FT_BOOLEAN, BASE_NONE, NULL,
            0x0,
            "Present only when the whole capture has been read and its last frame came less "
            "than tcpconn.capture_end_ms after this attempt's last packet, while the attempt "
            "was still waiting for an answer: the client or server may still have been "
            "retrying when the capture stopped. Tells a client that gave up from a capture "
            "that was stopped",
            HFILL } },
        { &hf_syn_count,
          { "SYNs sent", "tcpconn.syn_count", FT_UINT32, BASE_DEC, NULL, 0x0,
            "SYN segments (without ACK) the initiator sent in this attempt, retries with the "
            "same ISN included; more than one means the SYN was retransmitted",
            HFILL } },
        { &hf_synack_count,
          { "SYN-ACKs sent", "tcpconn.synack_count", FT_UINT32, BASE_DEC, NULL, 0x0,
            "SYN-ACK segments of the responder in the capture for this attempt; more than one "
            "means the SYN-ACK was retransmitted",
            HFILL } },
        { &hf_connect_time,
          { "Connect time", "tcpconn.connect_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the first SYN to the packet that completed the handshake (connected "
            "attempts only)",
            HFILL } },
        { &hf_time_to_outcome,
          { "Time to outcome", "tcpconn.time_to_outcome", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the first SYN to the packet that decided the outcome: the last RST or "
            "ICMP error of a refused or rejected attempt, when the application got its error; "
            "for no-answer, the last SYN",
            HFILL } },
        { &hf_syn_frame,
          { "First SYN in frame", "tcpconn.syn_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
            "The frame that began the attempt: its first SYN, or a SYN-ACK captured just before "
            "its SYN",
            HFILL } },
        { &hf_outcome_frame,
          { "Outcome decided in frame", "tcpconn.outcome_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
            "The frame that decided the outcome: the (last) RST or ICMP error, the packet that "
            "completed the handshake, or the last SYN of an unanswered attempt",
            HFILL } },
        { &hf_client,
          { "Client", "tcpconn.client", FT_STRING, BASE_NONE, NULL, 0x0,
            "The initiator of the attempt as address:port ([address]:port for IPv6); on an ICMP "
            "error, taken from the quoted segment, not from the ICMP packet's own addresses",
            HFILL } },
        { &hf_server,
          { "Server", "tcpconn.server", FT_STRING, BASE_NONE, NULL, 0x0,
            "The responder of the attempt as address:port ([address]:port for IPv6); on an ICMP "
            "error, taken from the quoted segment",
            HFILL } },
        { &hf_server_port,
          { "Server port", "tcpconn.server_port", FT_UINT16, BASE_PT_TCP, NULL, 0x0,
            "The responder's TCP port", HFILL } },
        { &hf_concurrent,
          { "Concurrent attempts", "tcpconn.concurrent", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Attempts to the same server address and port that were open when this attempt's "
            "first SYN was sent, this one included; an attempt is open from its first SYN to its "
            "first FIN or RST or the first ICMP error answering its SYN, or else to its last "
            "packet",
            HFILL } },
        { &hf_server_attempts,
          { "Attempt to this server", "tcpconn.server_attempts", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Which attempt to this server address and port this is, in capture order: 1 for the "
            "first",
            HFILL } },
        { &hf_conn_state,
          { "Zeek conn_state", "tcpconn.conn_state", FT_STRING, BASE_NONE, NULL, 0x0,
            "The connection's state code as Zeek's conn.log gives it (S0, S1, SF, REJ, S2, S3, "
            "RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH); needs the tcpconn.zeek preference",
            HFILL } },
        { &hf_history,
          { "Zeek history", "tcpconn.history", FT_STRING, BASE_NONE, NULL, 0x0,
            "The connection's history letters as Zeek's conn.log gives them (upper case: "
            "originator, lower case: responder); needs the tcpconn.zeek preference",
            HFILL } },
        { &hf_ended_by,
          { "Ended by", "tcpconn.ended_by", FT_STRING, BASE_NONE, NULL, 0x0,
            "Which side sent the attempt's first FIN or RST: client or server; absent when "
            "neither did",
            HFILL } },
        { &hf_server_name,
          { "Server name", "tcpconn.server_name", FT_STRING, BASE_NONE, NULL, 0x0,
            "The name the client looked up for the server's address: the name asked in the "
            "latest DNS answer (over UDP, through CNAMEs) giving that address that the client's "
            "host received before the attempt's first SYN. Absent when the capture has no such "
            "answer; needs no name resolution",
            HFILL } },
        { &hf_connect,
          { "Connect", "tcpconn.connect", FT_UINT32, BASE_DEC, NULL, 0x0,
            "The connect() this attempt belongs to, numbered by the tcp.stream of its first "
            "attempt. A client that falls back to another address of the same name (Happy "
            "Eyeballs, the next DNS record) makes several attempts in one connect. On an "
            "attempt that is a connect of its own, this, tcpconn.connect.result and "
            "tcpconn.connect.failed are hidden items, for filters, columns and -e",
            HFILL } },
        { &hf_connect_attempt,
          { "Attempt of the connect", "tcpconn.connect.attempt", FT_UINT32, BASE_DEC, NULL, 0x0,
            "In a connect of several attempts, which one this is: 1 for the first, 2 or more for "
            "a fallback",
            HFILL } },
        { &hf_connect_attempts,
          { "Attempts in the connect", "tcpconn.connect.attempts", FT_UINT32, BASE_DEC, NULL, 0x0,
            "In a connect of several attempts, how many it made, each to another address",
            HFILL } },
        { &hf_connect_result,
          { "Connect result", "tcpconn.connect.result", FT_STRING, BASE_NONE, NULL, 0x0,
            "How the connect as a whole ended: connected (at its first attempt), "
            "connected-after-fallback, failed (every attempt failed), or undecided",
            HFILL } },
        { &hf_connect_failed,
          { "Connect failed", "tcpconn.connect.failed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Present only when every attempt of the connect failed: the application could "
            "not connect",
            HFILL } },
        { &hf_connect_fell_back,
          { "Connected after a fallback", "tcpconn.connect.fell_back", FT_BOOLEAN, BASE_NONE, NULL,
            0x0,
            "Present only when the connect connected through a later attempt, after its first "
            "attempt did not connect in time",
            HFILL } },
        { &hf_connect_superseded,
          { "Superseded by a fallback", "tcpconn.connect.superseded", FT_BOOLEAN, BASE_NONE, NULL,
            0x0,
            "Present only on an attempt whose connect connected through another attempt: its "
            "own outcome no longer mattered to the application",
            HFILL } },
        { &hf_connect_via,
          { "Connected via", "tcpconn.connect.via", FT_STRING, BASE_NONE, NULL, 0x0,
            "In a connect of several attempts, the server address it connected to (for a "
            "connect of one, tcpconn.server)",
            HFILL } },
        { &hf_connect_time_lost,
          { "Time lost to fallback", "tcpconn.connect.time_lost", FT_RELATIVE_TIME, BASE_NONE, NULL,
            0x0,
            "Time from the connect's first SYN to the first SYN of the attempt that connected "
            "(connects that fell back only)",
            HFILL } },
        { &hf_connect_guessed,
          { "Linked by port and time", "tcpconn.connect.guessed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Present only when the attempts of this connect were linked without a server name "
            "(same client host and server port, each begun while the previous one waited or "
            "just after it failed): a guess",
            HFILL } },
    };
    /* The blurbs that list outcomes come from the reason table. */
    for (size_t i = 0; i < array_length(hf); i++) {
        if (hf[i].p_id == &hf_reason)
            hf[i].hfinfo.blurb = g_strdup_printf(
                "How the connection attempt ended: %s; or undecided: %s (in-progress only in "
                "one pass)",
                reason_list(TCPCONN_GROUP_UNDECIDED, true),
                reason_list(TCPCONN_GROUP_UNDECIDED, false));
        else if (hf[i].p_id == &hf_failed)
            hf[i].hfinfo.blurb =
                g_strdup_printf("Present only when the attempt did not connect: %s",
                                reason_list(TCPCONN_GROUP_FAILED, false));
    }
    proto_register_field_array(proto_tcpconn, hf, array_length(hf));
    note_field_records(hf, array_length(hf));
}

static void register_experts(void)
{
    static ei_register_info ei[TCPCONN_EXPERT_COUNT];
    for (int i = 0; i < TCPCONN_EXPERT_COUNT; i++) {
        const tcpconn_expert_info *e = &tcpconn_experts[i];
        ei_register_info row = { &ei_outcome[i],
                                 { g_strconcat("tcpconn.expert.", e->name, NULL), PI_SEQUENCE,
                                   e->warning ? PI_WARN : PI_NOTE, e->summary, EXPFILL } };
        ei[i] = row;
    }
    expert_module_t *module = expert_register_protocol(proto_tcpconn);
    expert_register_field_array(module, ei, array_length(ei));

    static ei_register_info connect_ei[] = {
        { &ei_connect_fell_back,
          { "tcpconn.expert.connect_fell_back", PI_SEQUENCE, PI_NOTE,
            "Connected only after falling back to another address", EXPFILL } },
        { &ei_connect_failed,
          { "tcpconn.expert.connect_failed", PI_SEQUENCE, PI_WARN,
            "Every address the client tried failed", EXPFILL } },
    };
    expert_register_field_array(module, connect_ei, array_length(connect_ei));
}

void tcpconn_output_register(int proto)
{
    static int *ett[] = { &ett_tcpconn, &ett_connect };
    proto_tcpconn = proto;
    register_fields();
    proto_register_subtree_array(ett, array_length(ett));
    register_experts();
}

static nstime_t nstime_from_ns(int64_t ns)
{
    nstime_t t;
    t.secs = (time_t)(ns / 1000000000);
    t.nsecs = (int)(ns % 1000000000);
    return t;
}

#define ENDPOINT_STR_LEN (1 + WS_INET6_ADDRSTRLEN + 2 + 5 + 1)

/* "192.0.2.10:443", "[2001:db8::10]:443", built without printf, into a
 * buffer of ENDPOINT_STR_LEN bytes. */
static void endpoint_to_buf(const address *addr, uint16_t port, char *buf)
{
    bool v6 = addr->type == AT_IPv6;
    size_t n = 0;

    if (v6)
        buf[n++] = '[';
    address_to_str_buf(addr, buf + n, WS_INET6_ADDRSTRLEN);
    n += strlen(buf + n);
    if (v6)
        buf[n++] = ']';
    buf[n++] = ':';
    char digits[5];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + port % 10);
        port /= 10;
    } while (port != 0);
    while (d > 0)
        buf[n++] = digits[--d];
    buf[n] = '\0';
}

static const char *endpoint_to_str(wmem_allocator_t *pool, const address *addr, uint16_t port)
{
    char buf[ENDPOINT_STR_LEN];
    endpoint_to_buf(addr, port, buf);
    return wmem_strdup(pool, buf);
}

/* Which end of the segment (or of the quoted one) is the attempt's client. */
typedef struct {
    const address *client;
    uint16_t client_port;
    const address *server;
    uint16_t server_port;
} tcpconn_endpoints;

static tcpconn_endpoints endpoints_of(const tcpconn_shown *s)
{
    const tcpconn_wire *w = s->wire;
    const tcpconn_found *f = &w->found;
    uint8_t orientation =
        f->kind == TCPCONN_FOUND_SEGMENT ? f->segment.orientation : f->icmp.orientation;
    bool sent_by_client = tcpconn_attempt_from_initiator(s->place->attempt, orientation);
    tcpconn_endpoints e = {
        .client = sent_by_client ? &w->src : &w->dst,
        .client_port = sent_by_client ? f->src_port : f->dst_port,
        .server = sent_by_client ? &w->dst : &w->src,
        .server_port = sent_by_client ? f->dst_port : f->src_port,
    };
    return e;
}

/* What a visible tree writes for an attempt: the sentence and both
 * endpoints. They are the same for most packets of an attempt, and making
 * them cost more than all of tcpconn's other work on a packet, so the texts
 * of recently shown attempts are kept. Each text is kept with everything it
 * is made from and reused only when that is equal byte for byte, so it is
 * never stale, whatever file or pass it came from. Direct-mapped on the
 * stream: a capture's attempts overlap a few hundred at a time. */
#define TEXT_CACHE_SLOTS 256

typedef struct {
    uint32_t type; /* address_type */
    uint16_t port;
    uint8_t len;
    uint8_t data[16];
} endpoint_key;

typedef struct {
    endpoint_key client_key;
    endpoint_key server_key;
    tcpconn_describe_key sentence_key;
    bool has_endpoints;
    bool has_sentence;
    char client[ENDPOINT_STR_LEN];
    char server[ENDPOINT_STR_LEN];
    char server_name[TCPCONN_DNS_NAME_MAX]; /* the sentence's, "" for none */
    char sentence[ITEM_LABEL_LENGTH];
} attempt_texts;

static attempt_texts text_cache[TEXT_CACHE_SLOTS];

static void endpoint_key_of(const address *addr, uint16_t port, endpoint_key *key)
{
    memset(key, 0, sizeof *key);
    key->type = (uint32_t)addr->type;
    key->port = port;
    key->len = (uint8_t)MIN((unsigned)addr->len, sizeof key->data);
    memcpy(key->data, addr->data, key->len);
}

/* The texts of the packet's attempt, from the cache or made now; the
 * sentence only when wanted. */
static const attempt_texts *texts_of(const tcpconn_shown *s, const tcpconn_endpoints *e,
                                     bool sentence_wanted)
{
    attempt_texts *t = &text_cache[(s->place->stream + s->place->number) % TEXT_CACHE_SLOTS];
    endpoint_key client, server;
    endpoint_key_of(e->client, e->client_port, &client);
    endpoint_key_of(e->server, e->server_port, &server);
    if (!t->has_endpoints || memcmp(&t->client_key, &client, sizeof client) != 0 ||
        memcmp(&t->server_key, &server, sizeof server) != 0) {
        t->client_key = client;
        t->server_key = server;
        t->has_endpoints = true;
        t->has_sentence = false; /* it names the server */
        endpoint_to_buf(e->client, e->client_port, t->client);
        endpoint_to_buf(e->server, e->server_port, t->server);
    }
    if (sentence_wanted) {
        tcpconn_describe_key key;
        tcpconn_describe_key_of(s->place->attempt, s->outcome, s->capture, &key);
        const char *name = s->server_name != NULL ? s->server_name : "";
        if (!t->has_sentence || memcmp(&t->sentence_key, &key, sizeof key) != 0 ||
            strcmp(t->server_name, name) != 0) {
            t->sentence_key = key;
            t->has_sentence = true;
            g_strlcpy(t->server_name, name, sizeof t->server_name);
            /* The sentence names the server as the client asked for it. */
            char named[ENDPOINT_STR_LEN + TCPCONN_DNS_NAME_MAX + 3];
            const char *server = t->server;
            if (name[0] != '\0') {
                g_snprintf(named, sizeof named, "%s (%s)", t->server, name);
                server = named;
            }
            tcpconn_describe_key_text(&key, server, e->server->type == AT_IPv6, t->sentence,
                                      sizeof t->sentence);
        }
    }
    return t;
}

/* Whether the packet carries the attempt's expert item. */
static bool expert_due(const packet_info *pinfo, const tcpconn_shown *s)
{
    const tcpconn_outcome *o = s->outcome;
    if (pinfo->num != s->place->attempt->outcome_frame || o->expert == TCPCONN_EXPERT_NONE)
        return false;
    return o->expert != TCPCONN_EXPERT_ESTABLISHED_AFTER_RETRY || s->note_retries;
}

/* The connect's expert item, when this packet decided a connect of several
 * attempts that fell back or failed. */
static expert_field *connect_expert_due(const packet_info *pinfo, const tcpconn_shown *s)
{
    const tcpconn_connect_outcome *co = s->connect_outcome;
    if (s->connect == NULL || s->connect->count < 2 || pinfo->num != co->decided_frame ||
        s->connect->position != co->decided_by)
        return NULL;
    if (co->result == TCPCONN_CONNECT_FELL_BACK)
        return &ei_connect_fell_back;
    return co->result == TCPCONN_CONNECT_FAILED ? &ei_connect_failed : NULL;
}

void tcpconn_output_expert(packet_info *pinfo, proto_item *item, const tcpconn_shown *s)
{
    const tcpconn_outcome *o = s->outcome;
    expert_field *connect_expert = connect_expert_due(pinfo, s);
    if (connect_expert != NULL)
        expert_add_info(pinfo, item, connect_expert);
    if (!expert_due(pinfo, s))
        return;
    char text[160];
    if (tcpconn_expert_text(s->place->attempt, o, text, sizeof text))
        expert_add_info_format(pinfo, item, &ei_outcome[o->expert], "%s", text);
    else
        expert_add_info(pinfo, item, &ei_outcome[o->expert]);
}

/* The tcpconn subtree of a packet, made when its first item is added: in a
 * tree nobody sees, a packet may have none of the fields a filter asks for
 * (tcpconn.failed on an attempt that connected), and then needs none. */
typedef struct {
    proto_tree *tree;
    tvbuff_t *tvb;
    proto_item *item; /* the tcpconn item, NULL until made */
    proto_tree *st;
} subtree;

static proto_tree *subtree_of(subtree *t)
{
    if (t->st == NULL) {
        t->item = proto_tree_add_item(t->tree, proto_tcpconn, t->tvb, 0, 0, ENC_NA);
        proto_item_set_generated(t->item);
        t->st = proto_item_add_subtree(t->item, ett_tcpconn);
    }
    return t->st;
}

/* Every tcpconn item is generated: none of it is in the packet's bytes. */
static proto_item *add_uint(proto_tree *st, int hf, tvbuff_t *tvb, uint32_t value)
{
    proto_item *it = proto_tree_add_uint(st, hf, tvb, 0, 0, value);
    proto_item_set_generated(it);
    return it;
}

static proto_item *add_string(proto_tree *st, int hf, tvbuff_t *tvb, const char *value)
{
    proto_item *it = proto_tree_add_string(st, hf, tvb, 0, 0, value);
    proto_item_set_generated(it);
    return it;
}

/* For the booleans that are present only when true. */
static proto_item *add_flag(proto_tree *st, int hf, tvbuff_t *tvb)
{
    proto_item *it = proto_tree_add_boolean(st, hf, tvb, 0, 0, 1);
    proto_item_set_generated(it);
    return it;
}

static void add_duration(proto_tree *st, int hf, tvbuff_t *tvb, uint32_t us)
{
    nstime_t t = nstime_from_ns((int64_t)us * 1000);
    proto_item_set_generated(proto_tree_add_time(st, hf, tvb, 0, 0, &t));
}

static void add_zeek_view(proto_tree *st, tvbuff_t *tvb, const tcpconn_zeek *z)
{
    const char *state = tcpconn_zeek_conn_state(z);
    proto_item_append_text(add_string(st, hf_conn_state, tvb, state), " (%s)",
                           tcpconn_zeek_conn_state_meaning(state));
    char history[TCPCONN_ZEEK_HISTORY_MAX + 1];
    tcpconn_zeek_history(z, history);
    add_string(st, hf_history, tvb, history);
}

/* The registered records of the fields, by hf id less first_field: a
 * field's ref_type read there is a load, where proto_registrar_get_nth()
 * is a call, and a hidden tree asks it of every field on every packet. */
#define FIELD_SPAN 64
static const header_field_info *field_records[FIELD_SPAN];
static int first_field = -1;

static void note_field_records(const hf_register_info *hf, size_t count)
{
    first_field = *hf[0].p_id;
    for (size_t i = 1; i < count; i++)
        first_field = MIN(first_field, *hf[i].p_id);
    for (size_t i = 0; i < count; i++) {
        int offset = *hf[i].p_id - first_field;
        if (offset < FIELD_SPAN)
            field_records[offset] = proto_registrar_get_nth(*hf[i].p_id);
    }
}

static const header_field_info *field_record(int hf)
{
    unsigned offset = (unsigned)(hf - first_field);
    /* Wireshark numbers an array's fields in a row; if it ever did not,
     * the ones out of reach are looked up. */
    if (offset < FIELD_SPAN && field_records[offset] != NULL)
        return field_records[offset];
    return proto_registrar_get_nth(hf);
}

static bool referenced(int hf)
{
    return field_record(hf)->ref_type != HF_REF_TYPE_NONE;
}

/* Whether the tree asks for field `hf`: a visible tree shows every field,
 * a tree nobody sees those a filter, column or colouring rule references.
 * proto_field_is_referenced() says the same for a field, for twice the
 * instructions, which count when asked for every field of every packet. */
static bool wanted(const proto_tree *tree, int hf)
{
    return PTREE_DATA(tree)->visible || referenced(hf);
}

/* The connect's fields: any of them asked for brings the connect. */
static int *const connect_fields[] = {
    &hf_connect,           &hf_connect_attempt,   &hf_connect_attempts,   &hf_connect_result,
    &hf_connect_failed,    &hf_connect_fell_back, &hf_connect_superseded, &hf_connect_via,
    &hf_connect_time_lost, &hf_connect_guessed
};

static bool connect_wanted(const proto_tree *tree)
{
    for (size_t i = 0; i < array_length(connect_fields); i++) {
        if (wanted(tree, *connect_fields[i]))
            return true;
    }
    return false;
}

bool tcpconn_output_needs_endpoints(proto_tree *tree)
{
    return wanted(tree, hf_server) || wanted(tree, hf_client) || wanted(tree, hf_server_port);
}

bool tcpconn_output_needs_connect(proto_tree *tree)
{
    return wanted(tree, hf_server_name) || connect_wanted(tree);
}

/* The connect's fields. An attempt that is a connect of its own (nearly
 * all of them) has only what filters on connects need, which connect and
 * how it ended, as hidden items: for filters, columns and -e, and not in
 * the packet details, where they would repeat the attempt's own outcome on
 * every packet. A connect of several attempts gets a subtree whose text is
 * its sentence. */
static void add_connect(subtree *t, const tcpconn_shown *s)
{
    const tcpconn_connect *c = s->connect;
    const tcpconn_connect_outcome *co = s->connect_outcome;
    if (c->count == 1) {
        proto_tree *st = subtree_of(t);
        proto_item_set_hidden(add_uint(st, hf_connect, t->tvb, c->id));
        proto_item_set_hidden(
            add_string(st, hf_connect_result, t->tvb, tcpconn_connect_result_name(co->result)));
        if (co->result == TCPCONN_CONNECT_FAILED)
            proto_item_set_hidden(add_flag(st, hf_connect_failed, t->tvb));
        return;
    }
    proto_item *item = add_uint(subtree_of(t), hf_connect, t->tvb, c->id);
    proto_tree *ct = proto_item_add_subtree(item, ett_connect);
    if (PTREE_DATA(t->tree)->visible) {
        char sentence[ITEM_LABEL_LENGTH];
        tcpconn_describe_connect(c, co, c->position, s->server_name, sentence, sizeof sentence);
        proto_item_append_text(item, ": %s", sentence);
    }
    add_uint(ct, hf_connect_attempt, t->tvb, c->position);
    add_uint(ct, hf_connect_attempts, t->tvb, c->count);
    add_string(ct, hf_connect_result, t->tvb, tcpconn_connect_result_name(co->result));
    if (co->result == TCPCONN_CONNECT_FAILED)
        add_flag(ct, hf_connect_failed, t->tvb);
    if (co->result == TCPCONN_CONNECT_FELL_BACK)
        add_flag(ct, hf_connect_fell_back, t->tvb);
    if (tcpconn_connect_superseded(co, c->position))
        add_flag(ct, hf_connect_superseded, t->tvb);
    if (co->winner != 0) {
        char via[TCPCONN_ADDRESS_LEN];
        add_string(ct, hf_connect_via, t->tvb,
                   tcpconn_format_address(via, c->servers[co->winner - 1]));
    }
    if (co->result == TCPCONN_CONNECT_FELL_BACK) {
        nstime_t lost = nstime_from_ns(co->lost_ns);
        proto_item_set_generated(
            proto_tree_add_time(ct, hf_connect_time_lost, t->tvb, 0, 0, &lost));
    }
    if (c->guessed)
        add_flag(ct, hf_connect_guessed, t->tvb);
}

void tcpconn_output_tree(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                         const tcpconn_shown *s)
{
    const tcpconn_attempt *a = s->place->attempt;
    const tcpconn_outcome *o = s->outcome;
    bool visible = PTREE_DATA(tree)->visible;
    subtree t = { tree, tvb, NULL, NULL };

    /* A tree nobody reads (a display filter's, tshark -T fields' from 4.4
     * on) gets only the fields something asks for: each other one would be
     * a call that Wireshark throws away, and the addresses and sentence
     * cost more. Without the frame's endpoints (s->wire NULL) nothing asks
     * for them (tcpconn_output_needs_endpoints), nor for the sentence. */
    tcpconn_endpoints e = { 0 };
    const attempt_texts *texts = NULL;
    if (s->wire != NULL) {
        e = endpoints_of(s);
        /* The sentence is only read, never filtered on. */
        if (visible || wanted(tree, hf_server) || wanted(tree, hf_client))
            texts = texts_of(s, &e, visible);
        if (visible) {
            subtree_of(&t);
            proto_item_set_text(t.item, "%s", texts->sentence);
        }
    }

    if (wanted(tree, hf_stream))
        add_uint(subtree_of(&t), hf_stream, tvb, s->place->stream);
    if (s->place->several && wanted(tree, hf_attempt))
        add_uint(subtree_of(&t), hf_attempt, tvb, s->place->number);
    if (wanted(tree, hf_reason))
        add_string(subtree_of(&t), hf_reason, tvb, tcpconn_reason_name(o->reason));
    if (texts != NULL && wanted(tree, hf_client))
        add_string(subtree_of(&t), hf_client, tvb, texts->client);
    if (texts != NULL && wanted(tree, hf_server))
        add_string(subtree_of(&t), hf_server, tvb, texts->server);
    if (s->wire != NULL && wanted(tree, hf_server_port))
        add_uint(subtree_of(&t), hf_server_port, tvb, e.server_port);
    /* What the application asked for, next to where it went. */
    if (s->server_name != NULL && wanted(tree, hf_server_name))
        add_string(subtree_of(&t), hf_server_name, tvb, s->server_name);
    if (s->connect != NULL)
        add_connect(&t, s);
    if (o->failed && wanted(tree, hf_failed))
        add_flag(subtree_of(&t), hf_failed, tvb);
    if (o->provisional && wanted(tree, hf_provisional))
        add_flag(subtree_of(&t), hf_provisional, tvb);
    if (o->capture_stopped && wanted(tree, hf_capture_stopped))
        add_flag(subtree_of(&t), hf_capture_stopped, tvb);
    if (s->zeek != NULL && (wanted(tree, hf_conn_state) || wanted(tree, hf_history)))
        add_zeek_view(subtree_of(&t), tvb, s->zeek);
    if (o->ended_by != TCPCONN_SIDE_NONE && wanted(tree, hf_ended_by))
        add_string(subtree_of(&t), hf_ended_by, tvb,
                   o->ended_by == TCPCONN_SIDE_SERVER ? "server" : "client");
    if (wanted(tree, hf_concurrent))
        add_uint(subtree_of(&t), hf_concurrent, tvb, a->concurrent);
    if (wanted(tree, hf_server_attempts))
        add_uint(subtree_of(&t), hf_server_attempts, tvb, a->server_index);
    if (wanted(tree, hf_syn_count))
        add_uint(subtree_of(&t), hf_syn_count, tvb, a->syn_count);
    if (wanted(tree, hf_synack_count))
        add_uint(subtree_of(&t), hf_synack_count, tvb, a->synack_count);
    if (o->connected && wanted(tree, hf_connect_time))
        add_duration(subtree_of(&t), hf_connect_time, tvb, a->connect_us);
    if (wanted(tree, hf_time_to_outcome))
        add_duration(subtree_of(&t), hf_time_to_outcome, tvb, a->outcome_us);
    if (o->reason != TCPCONN_HANDSHAKE_NOT_SEEN && wanted(tree, hf_syn_frame))
        add_uint(subtree_of(&t), hf_syn_frame, tvb, a->first_frame);
    if (wanted(tree, hf_outcome_frame))
        add_uint(subtree_of(&t), hf_outcome_frame, tvb, a->outcome_frame);

    /* The protocol itself filtered on ("tcpconn"), and the expert item,
     * need the subtree even when it holds nothing asked for. */
    if (field_record(proto_tcpconn)->ref_type == HF_REF_TYPE_DIRECT || expert_due(pinfo, s) ||
        connect_expert_due(pinfo, s) != NULL)
        subtree_of(&t);
    tcpconn_output_expert(pinfo, t.item, s);
}

void tcpconn_output_tap(int tap, packet_info *pinfo, const tcpconn_shown *s)
{
    tcpconn_endpoints e = endpoints_of(s);
    tcpconn_tap_info *info = wmem_new0(pinfo->pool, tcpconn_tap_info);
    info->reason = s->outcome->reason;
    info->client_address = address_to_str(pinfo->pool, e.client);
    info->server = endpoint_to_str(pinfo->pool, e.server, e.server_port);
    info->syn_count = s->place->attempt->syn_count;
    info->connected = s->outcome->connected;
    info->connect_us = s->place->attempt->connect_us;
    info->concurrent = s->place->attempt->concurrent;
    info->server_name = s->server_name;
    if (s->connect != NULL) {
        const tcpconn_connect_outcome *co = s->connect_outcome;
        bool connected =
            co->result == TCPCONN_CONNECT_CONNECTED || co->result == TCPCONN_CONNECT_FELL_BACK;
        /* In one pass a connect is counted when it connects, which no later
         * packet undoes: until then a fallback may still come. */
        info->connect_decided =
            s->connect->position == co->decided_by && (s->capture->complete || connected);
        info->connect_result = co->result;
        info->connect_lost_us = (uint32_t)CLAMP(co->lost_ns / 1000, 0, (int64_t)UINT32_MAX);
    }
    tap_queue_packet(tap, pinfo, info);
}
