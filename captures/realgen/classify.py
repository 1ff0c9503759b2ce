#!/usr/bin/python3
"""Reference labeller for the tcpconn vocabulary, used by make-real.sh.

Reads a capture with scapy (python3-scapy), splits it into TCP connection
attempts and gives each one a reason from the tcpconn vocabulary, by the
tcpconn outcome rules (capture-ended, ack-not-captured, stale-connection,
same-ISN retries, sequence numbers and retransmissions as evidence).  Ports and addresses come
from the capture itself.

Standalone use:  /usr/bin/python3 classify.py FILE [CLIENT_ADDR ...]
(CLIENT_ADDRs are accepted for compatibility; roles of attempts whose
handshake is not in the file come from the ports, as tcpconn chooses them.)

Rules, in short (the lead's spec is the reference):
- An attempt is a 4-tuple and the initiator's ISN.  A same-ISN SYN belongs to
  the same attempt (retransmission, or a retry after a RST or a stale ACK),
  unless that attempt had connected and was torn down.
- Handshake evidence: an initiator segment acknowledging the responder's SYN.
  Payload evidence: a segment with payload, a FIN/RST (or any segment) whose
  sequence number lies beyond its sender's ISN+1, or whose ACK lies beyond the
  peer's ISN+1.
- A retransmission is its sender's own statement that no answer came: SYNs
  sent more than once and never answered are no-answer, more SYN-ACKs than
  SYNs without the handshake completing is half-open, however soon the file
  ends after them.
- Other waiting attempts (would be no-answer / half-open / stale-connection)
  whose last packet is less than 1 s before the file's last frame:
  capture-ended.
- A file with no TCP segment lacking SYN, FIN and RST (a SYN-only or
  SYN/FIN/RST capture filter): SYN-ACKs that answer SYNs (no more SYN-ACKs
  than SYNs) and nothing else is ack-not-captured.
- A FIN from the server before its SYN-ACK is no TCP close and decides
  nothing; a client RST before any SYN-ACK gives way to a later SYN-ACK.
"""
import ipaddress
import logging
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import PcapReader  # noqa: E402
from scapy.layers.inet import IP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402

F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
CAPTURE_END = 1.0   # tcpconn.capture_end_ms default, in seconds

# Zeek's likely server ports (the spec's list), used to orient attempts whose handshake is not seen.
SERVER_PORTS = {21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587,
                614, 631, 636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222,
                5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000}


def norm(addr):
    return str(ipaddress.ip_address(addr))


def endpoint(addr, port):
    addr = norm(addr)
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def after(a, b):
    """Sequence number a lies beyond b (mod 2^32)."""
    return 0 < ((a - b) & 0xFFFFFFFF) < 0x80000000


# --------------------------------------------------------------------------- reading

def v4_final_dst(hdr):
    """Final destination of a raw IPv4 header: the last entry of an unexhausted LSRR/SSRR, else the header's
    (what Wireshark puts in pinfo->dst)."""
    ihl = (hdr[0] & 0x0F) * 4
    dst = hdr[16:20]
    i = 20
    while i < min(ihl, len(hdr)):
        t = hdr[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        if i + 1 >= len(hdr):
            break
        ln = hdr[i + 1]
        if ln < 2:
            break
        if t in (0x83, 0x89) and ln >= 7 and i + ln <= len(hdr):      # loose / strict source route
            ptr = hdr[i + 2]
            if ptr <= ln:
                dst = hdr[i + ln - 4:i + ln]
        i += ln
    return str(ipaddress.IPv4Address(bytes(dst)))


def v6_walk(buf):
    """Raw IPv6 packet -> (src, dst, next header, offset of the upper layer), with Wireshark's view of the
    addresses: a Home Address option replaces the source, a routing header with segments left > 0 the
    destination (its last address)."""
    src = str(ipaddress.IPv6Address(bytes(buf[8:24])))
    dst = str(ipaddress.IPv6Address(bytes(buf[24:40])))
    nh, off = buf[6], 40
    while nh in (0, 43, 60, 44) and off + 8 <= len(buf):
        if nh == 44:                                        # fragment header: only first fragments carry TCP
            if struct.unpack("!H", buf[off + 2:off + 4])[0] & 0xFFF8:
                return src, dst, None, None
            nh, off = buf[off], off + 8
            continue
        ln = (buf[off + 1] + 1) * 8
        if nh == 43:
            rtype, segleft = buf[off + 2], buf[off + 3]
            if segleft > 0 and rtype in (0, 2) and ln >= 24 and off + ln <= len(buf):
                dst = str(ipaddress.IPv6Address(bytes(buf[off + ln - 16:off + ln])))
        elif nh == 60:
            i = off + 2
            while i < off + ln and i < len(buf):
                t = buf[i]
                if t == 0:
                    i += 1
                    continue
                olen = buf[i + 1]
                if t == 0xC9 and olen == 16:                # Home Address
                    src = str(ipaddress.IPv6Address(bytes(buf[i + 2:i + 18])))
                i += 2 + olen
        nh, off = buf[off], off + ln
    return src, dst, nh, off


def tcp_fields(seg):
    if len(seg) < 14:
        return None
    sport, dport, seq, ack = struct.unpack("!HHII", seg[:12])
    flags = seg[13] if len(seg) > 13 else None
    return sport, dport, seq, ack, flags, (seg[12] >> 4) * 4


def quote_tuple(q, v6):
    """The quoted (src, sport, dst, dport, seq) of an ICMP error, or None when the quote is shorter than the
    IP header and 8 TCP bytes (RFC 792's minimum) or does not quote TCP."""
    if not v6:
        if len(q) < 20 or q[0] >> 4 != 4:
            return None
        ihl = (q[0] & 0x0F) * 4
        if q[9] != 6 or len(q) < ihl + 8:
            return None
        src = str(ipaddress.IPv4Address(bytes(q[12:16])))
        dst = v4_final_dst(q[:ihl])
        t = q[ihl:ihl + 8]
    else:
        if len(q) < 48 or q[0] >> 4 != 6:
            return None
        src, dst, nh, off = v6_walk(q)
        if nh != 6 or len(q) < off + 8:
            return None
        t = q[off:off + 8]
    sport, dport, seq = struct.unpack("!HHI", t)
    return src, sport, dst, dport, seq


def parse_ip(raw):
    """Raw IP packet -> (src, dst, proto, transport bytes, v6), following IP-in-IP and IPv6-in-IP
    tunnels to the innermost header; None for non-first fragments, garbage or non-IP."""
    for _ in range(4):
        if len(raw) < 20:
            return None
        if raw[0] >> 4 == 4:
            ihl = (raw[0] & 0x0F) * 4
            tot = struct.unpack("!H", raw[2:4])[0]
            if struct.unpack("!H", raw[6:8])[0] & 0x3FFF:
                return None          # a fragment: not followed here (Wireshark may reassemble it)
            src = str(ipaddress.IPv4Address(bytes(raw[12:16])))
            dst = v4_final_dst(raw[:ihl])
            proto, body, v6 = raw[9], raw[ihl:tot] if tot else raw[ihl:], False
        elif raw[0] >> 4 == 6 and len(raw) >= 40:
            src, dst, proto, off = v6_walk(raw)
            if proto is None:
                return None
            plen = struct.unpack("!H", raw[4:6])[0]
            body, v6 = (raw[off:40 + plen] if plen else raw[off:]), True
        else:
            return None
        if proto in (4, 41):
            raw = body
            continue
        return src, dst, proto, body, v6
    return None


def read_events(path):
    """Events: kind tcp (src,sport,dst,dport,flags,seq,ack,plen) or icmp (a destination unreachable with
    its quoted tuple), each with frame number and time; plus the number and time of the last frame."""
    out = []
    n = 0
    last_ts = None
    with PcapReader(path) as rd:
        for pkt in rd:
            n += 1
            ts = float(pkt.time)
            last_ts = ts
            layer = pkt
            while layer is not None and layer.name != "NoPayload" and not isinstance(layer, (IP, IPv6)):
                layer = layer.payload
            if layer is None or not isinstance(layer, (IP, IPv6)):
                continue
            p = parse_ip(bytes(layer))
            if p is None:
                continue
            src, dst, proto, body, v6 = p
            if proto == 6:
                f = tcp_fields(body)
                if f is None or f[4] is None:
                    continue      # truncated before the flags
                sport, dport, seq, ack, flags, doff = f
                out.append(dict(kind="tcp", frame=n, ts=ts, src=norm(src), dst=norm(dst), sport=sport,
                                dport=dport, flags=flags, seq=seq, ack=ack, plen=max(0, len(body) - doff)))
            elif (proto == 1 and not v6 and len(body) >= 8 and body[0] == 3) or \
                    (proto == 58 and v6 and len(body) >= 8 and body[0] == 1):
                q = quote_tuple(body[8:], v6)
                if q is None:
                    continue
                out.append(dict(kind="icmp", frame=n, ts=ts, src=norm(src), type=body[0], code=body[1],
                                qsrc=norm(q[0]), qsport=q[1], qdst=norm(q[2]), qdport=q[3], qseq=q[4], v6=v6))
    return out, n, last_ts


ICMP4_NAMES = {0: "net-unreachable", 1: "host-unreachable", 2: "protocol-unreachable", 3: "port-unreachable",
               4: "fragmentation-needed", 9: "net-prohibited", 10: "host-prohibited", 13: "admin-prohibited"}
ICMP6_NAMES = {0: "no-route", 1: "admin-prohibited", 2: "beyond-scope", 3: "address-unreachable",
               4: "port-unreachable", 5: "policy-fail", 6: "reject-route"}


# --------------------------------------------------------------------------- attempts

def server_side(ev):
    """Roles of a connection whose handshake is not seen: Zeek's server ports, then a port < 1024 against
    one >= 1024, then the first sender is the client.  Returns True when the sender is the server."""
    s, d = ev["sport"], ev["dport"]
    if (s in SERVER_PORTS) != (d in SERVER_PORTS):
        return s in SERVER_PORTS
    if (s < 1024) != (d < 1024):
        return s < 1024
    return False


class Attempt:
    def __init__(self, key, isn):
        self.key = key          # (client, cport, server, sport)
        self.isn = isn          # initiator ISN, None when the SYN was not seen
        self.pkts = []
        self.connected = False  # maintained while splitting: handshake seen
        self.torn_down = False  # ... and a FIN or RST after it
        self.server_isn = None


def split_attempts(events):
    """Group packets into attempts (see the module doc)."""
    attempts = []
    current = {}           # oriented 4-tuple (client, cport, server, sport) -> Attempt

    def track(att, ev, from_client):
        fl = ev["flags"]
        if not from_client and fl & F_SYN:
            att.server_isn = ev["seq"]
        if from_client and not att.connected and att.isn is not None and att.server_isn is not None \
                and fl & F_ACK and not (fl & F_SYN) and not after(att.server_isn + 1, ev["ack"]):
            att.connected = True
        elif att.connected and fl & (F_FIN | F_RST):
            att.torn_down = True

    for ev in events:
        if ev["kind"] == "icmp":
            att = current.get((ev["qsrc"], ev["qsport"], ev["qdst"], ev["qdport"]))
            if att is not None and att.isn is not None and ev["qseq"] == att.isn:
                att.pkts.append(ev)
            continue      # an error that quotes no attempt's SYN belongs to none
        fwd = (ev["src"], ev["sport"], ev["dst"], ev["dport"])
        rev = (ev["dst"], ev["dport"], ev["src"], ev["sport"])
        fl = ev["flags"]
        if fl & (F_SYN | F_ACK) == F_SYN:
            att = current.get(fwd)
            if att is not None and att.isn == ev["seq"] and not att.torn_down:
                att.pkts.append(ev)              # retransmission or same-ISN retry
                continue
            if att is not None and att.isn is None and len(att.pkts) == 1 \
                    and att.pkts[0]["flags"] & (F_SYN | F_ACK) == F_SYN | F_ACK \
                    and att.pkts[0]["ack"] == (ev["seq"] + 1) & 0xFFFFFFFF:
                # a SYN-ACK captured just before its SYN: the handshake is seen, SYN first
                att.isn = ev["seq"]
                att.server_isn = att.pkts[0]["seq"]
                att.pkts.insert(0, dict(ev, reordered=True))
                continue
            back = current.get(rev)
            if back is not None and back.isn is not None and back.server_isn == ev["seq"]:
                back.pkts.append(ev)             # the responder's own SYN again (simultaneous open)
                continue
            if back is not None and back.isn is not None and back.server_isn is None and back.pkts \
                    and not any(p["kind"] == "tcp" and p["src"] == ev["src"] and p["sport"] == ev["sport"]
                                for p in back.pkts):
                # simultaneous open: the responder's own SYN crosses the initiator's
                back.pkts.append(ev)
                back.server_isn = ev["seq"]
                continue
            att = Attempt(fwd, ev["seq"])
            attempts.append(att)
            current[fwd] = att
            current.pop(rev, None)
            att.pkts.append(ev)
            continue
        if fwd in current:
            att, from_client = current[fwd], True
        elif rev in current:
            att, from_client = current[rev], False
        else:
            # no SYN seen: mid-stream.  A SYN-ACK's sender is the server; otherwise by ports
            if fl & F_SYN or server_side(ev):
                key, from_client = rev, False
            else:
                key, from_client = fwd, True
            att = Attempt(key, None)
            attempts.append(att)
            current[key] = att
        att.pkts.append(ev)
        track(att, ev, from_client)
    return attempts


def classify_attempt(att, last_ts, handshake_only):
    c, cp, s, sp = att.key
    pkts = att.pkts
    info = dict(client=endpoint(c, cp), server=endpoint(s, sp), first_frame=min(p["frame"] for p in pkts),
                first_ts=pkts[0]["ts"], last_ts=max(p["ts"] for p in pkts), syn=0, synack=0,
                responder_syn=0, synack_after_ack=0, icmp=[], rst_from=None, fin_from=None, data=False,
                stale=0, stale_rst=0, server_rst_before=0, reordered=False, packets=len(pkts),
                seq_evidence=False)

    def from_client(ev):
        return ev["kind"] == "tcp" and ev["src"] == c and ev["sport"] == cp

    if att.isn is None:
        info["reason"] = "handshake-not-seen"
        info["data"] = any(p["kind"] == "tcp" and p["plen"] > 0 for p in pkts)
        return info

    isn = att.isn
    sisn = None
    handshake = False
    fail = None              # the last failure evidence before the handshake: refused, icmp-unreachable,
                             # aborted-by-client, half-open (responder RST after its SYN-ACK)
    stale_acks = set()
    first_close = None       # (index, side, kind) of the first FIN/RST after the handshake
    first_data = None        # index of the first payload evidence
    fin_at = {}              # side -> sequence number of its first FIN
    for i, ev in enumerate(pkts):
        if ev.get("reordered"):
            info["reordered"] = True
        if ev["kind"] == "icmp":
            info["icmp"].append((ev["src"], ev["v6"], ev["code"]))
            if sisn is None and not handshake:
                fail = "icmp-unreachable"
            continue
        fl = ev["flags"]
        cl = from_client(ev)
        side = "client" if cl else "server"
        if cl:
            if fl & (F_SYN | F_ACK) == F_SYN:
                info["syn"] += 1
                continue
            if not handshake and fl & F_ACK and sisn is not None and not after(sisn + 1, ev["ack"]):
                handshake = True          # it acknowledges the responder's SYN
                fail = None
                if fl & (F_FIN | F_RST) or ev["plen"] == 0 and after(ev["ack"], sisn + 1):
                    info["seq_evidence"] = True
            if not handshake:
                if fl & F_RST and ev["seq"] in stale_acks:
                    info["stale_rst"] += 1     # the kernel's answer to a stale ACK decides nothing
                elif fl & (F_RST | F_FIN):
                    fail = "aborted-by-client"
                    info["rst_from" if fl & F_RST else "fin_from"] = "client"
                continue
            if fl & F_SYN:
                continue          # simultaneous open: the initiator's SYN-ACK
        else:
            if fl & F_SYN:
                first_answer = sisn is None
                sisn = ev["seq"]
                if fail in ("icmp-unreachable", "refused"):
                    fail = None   # answered after all (a same-ISN retry, or an error that did not stop it)
                elif fail == "aborted-by-client" and first_answer:
                    fail = None   # the client's RST came before any answer; the handshake went on
                if fl & F_ACK:
                    info["synack"] += 1
                    if handshake:
                        info["synack_after_ack"] += 1
                    if after(ev["ack"], isn + 1) and first_data is None:
                        first_data = i            # it acknowledges data carried by the SYN (TCP Fast Open)
                else:
                    info["responder_syn"] += 1
                continue
            if not handshake:
                if fl & F_RST:
                    fail = "refused" if sisn is None else "half-open"
                    info["rst_from"] = "server"
                    if sisn is None:
                        info["server_rst_before"] += 1
                elif fl & F_FIN and sisn is not None:
                    # a FIN after the SYN-ACK with no ACK seen yet (a SYN/FIN/RST view): it is the first
                    # close if the client's next segment proves the handshake
                    if first_close is None:
                        first_close = (i, side, "fin")
                        fin_at.setdefault(side, ev["seq"])
                        if after(ev["seq"], sisn + 1) and first_data is None:
                            first_data = i
                elif fl & F_ACK and not fl & F_FIN and ev["plen"] == 0 and sisn is None \
                        and ev["ack"] != (isn + 1) & 0xFFFFFFFF:
                    info["stale"] += 1
                    stale_acks.add(ev["ack"])
                continue
        # after the handshake, both directions: payload and close evidence.  A FIN takes one sequence
        # number: an ACK of ISN+2 after a FIN at ISN+1 (or the next segment at ISN+2) is not payload.
        own_isn, peer_isn = (isn, sisn) if cl else (sisn, isn)
        own_end = ev["seq"] - (1 if side in fin_at and after(ev["seq"], fin_at[side]) else 0)
        peer = "server" if cl else "client"
        peer_end = ev["ack"] - (1 if peer in fin_at and after(ev["ack"], fin_at[peer]) else 0)
        has_data = ev["plen"] > 0 or after(own_end, own_isn + 1) or \
            bool(fl & F_ACK and after(peer_end, peer_isn + 1))
        if fl & F_FIN and side not in fin_at:
            fin_at[side] = ev["seq"]
        if has_data and first_data is None:
            first_data = i
            if ev["plen"] == 0:
                info["seq_evidence"] = True
        if fl & (F_RST | F_FIN) and first_close is None:
            first_close = (i, side, "rst" if fl & F_RST else "fin")
            info["rst_from" if fl & F_RST else "fin_from"] = side

    retry = info["syn"] > 1 or info["synack"] > 1
    if first_close is not None and first_close[2] == "fin":
        info["fin_from"] = first_close[1]
    info["data"] = first_data is not None
    info["ended_by"] = first_close[1] if first_close else None
    waiting = None
    if handshake:
        closed_first = first_close is not None and (first_data is None or first_close[0] < first_data)
        if info["synack_after_ack"] and first_data is None:
            reason = "half-open"          # the server never got the ACK, whatever closes it later
        elif closed_first:
            reason = "reset-after-established" if first_close[2] == "rst" else "closed-before-data"
        else:
            reason = "established-after-retry" if retry else "established"
    elif fail:
        reason = fail
    elif sisn is not None:
        if info["synack"] > info["syn"]:
            reason = "half-open"          # more SYN-ACKs than SYNs: the server's own retransmission
        elif handshake_only and info["synack"] >= 1 and not info["responder_syn"]:
            reason = "ack-not-captured"
        else:
            waiting = "half-open"
    elif info["stale"]:
        waiting = "stale-connection"
    elif info["syn"] > 1:
        reason = "no-answer"              # the client's own retransmission got no answer
    else:
        waiting = "no-answer"
    info["handshake"] = handshake
    info["end_gap"] = last_ts - info["last_ts"]
    # still waiting for an answer when the capture stopped (tcpconn.capture_stopped)
    info["capture_stopped"] = not handshake and not fail and info["end_gap"] < CAPTURE_END
    if waiting:
        info["would_be"] = waiting
        reason = "capture-ended" if info["end_gap"] < CAPTURE_END else waiting
    info["reason"] = reason
    return info


def classify_events(events, nframes, last_ts):
    handshake_only = not any(e["kind"] == "tcp" and not e["flags"] & (F_SYN | F_FIN | F_RST) for e in events)
    atts = [classify_attempt(a, last_ts, handshake_only) for a in split_attempts(events)]
    atts.sort(key=lambda i: i["first_frame"])
    return atts


def classify_file(path, client_addrs=()):
    events, nframes, last_ts = read_events(path)
    return classify_events(events, nframes, last_ts), nframes


def why(info):
    """Why the reason follows, where tcpconn's rules make it differ from the obvious one ('' else)."""
    r = info["reason"]
    if r == "no-answer" and info["syn"] > 1 and info.get("capture_stopped"):
        return ("the SYN was retransmitted and never answered, the client's own statement that nothing came "
                "back: failed although its last packet is %.2fs before the file's last frame" % info["end_gap"])
    if r == "half-open" and info["synack"] > info["syn"] and info.get("capture_stopped"):
        return ("more SYN-ACKs than SYNs, the server re-sending on its own for want of an ACK: failed although "
                "its last packet is %.2fs before the file's last frame" % info["end_gap"])
    if r == "capture-ended":
        return ("still waiting (it would be %s) and its last packet is %.2fs before the file's last frame, "
                "less than 1s" % (info["would_be"], info["end_gap"]))
    if info.get("would_be"):
        return "its last packet is %.2fs before the file's last frame (1s or more)" % info["end_gap"]
    if r == "ack-not-captured":
        return ("no segment without SYN, FIN or RST anywhere in the file, and SYN-ACKs that only answer SYNs: "
                "the ACK could not have been captured")
    if r.startswith("established") and info.get("seq_evidence"):
        return "no ACK or payload kept: sequence and acknowledgment numbers of the FINs prove both"
    if r in ("closed-before-data", "reset-after-established") and info.get("seq_evidence"):
        return ("the client's %s acknowledges the SYN-ACK (handshake done) and no sequence number went past "
                "ISN+1%s" % ("FIN" if r == "closed-before-data" and info.get("fin_from") == "client" else
                             "FIN or RST", "; the SYN-ACK retransmission came before it, so it is not 'SYN-ACK "
                             "re-sent after the ACK'" if info["synack"] > 1 else ""))
    if r == "half-open" and info.get("rst_from") == "server" and info["synack"] and not info.get("handshake"):
        return "the responder's RST follows its SYN-ACK and no segment shows the client's ACK"
    if r == "refused" and info.get("server_rst_before", 0) > 1:
        return "same-ISN SYNs after each RST are one attempt; the last RST decides"
    return ""


def describe(info):
    """Short automatic description of one attempt (goes into the note column)."""
    parts = ["%d SYN" % info["syn"], "%d SYN-ACK" % info["synack"]]
    if info.get("responder_syn"):
        parts.append("%d bare SYN from the responder" % info["responder_syn"])
    if info.get("reordered"):
        parts.append("SYN-ACK captured before its SYN")
    if info["synack_after_ack"]:
        parts.append("%d SYN-ACK after ACK" % info["synack_after_ack"])
    if info.get("stale"):
        parts.append("%d stale ACK" % info["stale"])
    if info.get("stale_rst"):
        parts.append("%d client RST to it" % info["stale_rst"])
    if info.get("server_rst_before", 0) > 1:
        parts.append("%d RST from server" % info["server_rst_before"])
    seen = []
    for src, v6, code in info["icmp"]:
        names = ICMP6_NAMES if v6 else ICMP4_NAMES
        text = "%s %s from %s" % ("ICMPv6" if v6 else "ICMP", names.get(code, "code %d" % code), src)
        if text not in seen:
            seen.append(text)
    for text in seen:
        n = sum(1 for src, v6, code in info["icmp"]
                if text.endswith(" from " + src) and ((ICMP6_NAMES if v6 else ICMP4_NAMES).get(code, "code %d" % code)
                                                      in text))
        parts.append(("%dx " % n if n > 1 else "") + text)
    if info["rst_from"] and not info.get("server_rst_before", 0) > 1:
        parts.append("RST from " + info["rst_from"])
    if info["fin_from"]:
        parts.append("FIN from " + info["fin_from"])
    if info["data"]:
        parts.append("data (sequence numbers)" if info.get("seq_evidence") and info["reason"].startswith(
            "established") else "data")
    if info.get("would_be") and info["reason"] == "capture-ended":
        parts.append("last packet %.2fs before the end (would be %s)" % (info["end_gap"], info["would_be"]))
    elif info.get("would_be") or (info.get("capture_stopped") and info["reason"] in ("no-answer", "half-open")):
        parts.append("last packet %.2fs before the end" % info["end_gap"])
    return ", ".join(parts)


if __name__ == "__main__":
    atts, n = classify_file(sys.argv[1], sys.argv[2:])
    for a in atts:
        print("%s\t%s\t%s\t%s" % (a["client"], a["server"], a["reason"], describe(a)))
