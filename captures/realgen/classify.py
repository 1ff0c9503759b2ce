#!/usr/bin/python3
"""Reference labeller for the tcpconn vocabulary, used by make-real.sh.

Reads a capture with scapy (python3-scapy), splits it into TCP connection
attempts (4-tuple + initiator ISN) and gives each one a reason from the
tcpconn vocabulary.  Ports and addresses come from the capture itself.

Standalone use:  /usr/bin/python3 classify.py FILE [CLIENT_ADDR ...]
(CLIENT_ADDRs are only needed to orient streams whose SYN is not in the file.)
"""
import ipaddress
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import PcapReader  # noqa: E402
from scapy.layers.inet import IP, TCP, ICMP, IPerror, TCPerror  # noqa: E402
from scapy.layers.inet6 import IPv6, ICMPv6DestUnreach, IPerror6  # noqa: E402

F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def norm(addr):
    return str(ipaddress.ip_address(addr))


def endpoint(addr, port):
    addr = norm(addr)
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def read_events(path):
    """Yield dicts: kind tcp (src,sport,dst,dport,flags,seq,ack,plen) or icmp (quoted tuple)."""
    out = []
    n = 0
    with PcapReader(path) as rd:
        for pkt in rd:
            n += 1
            ts = float(pkt.time)
            ip = pkt.getlayer(IP) if IP in pkt else None
            ip6 = pkt.getlayer(IPv6) if IPv6 in pkt else None
            l3 = ip if ip is not None else ip6
            if l3 is None:
                continue
            pl = l3.payload
            if type(pl) is TCP:
                if ip is not None:
                    plen = ip.len - ip.ihl * 4 - pl.dataofs * 4
                else:
                    plen = ip6.plen - pl.dataofs * 4
                out.append(dict(kind="tcp", frame=n, ts=ts, src=norm(l3.src), dst=norm(l3.dst),
                                sport=pl.sport, dport=pl.dport, flags=int(pl.flags),
                                seq=pl.seq, ack=pl.ack, plen=plen))
            elif type(pl) is ICMP and pl.type == 3:
                inner = pl.payload
                if type(inner) is IPerror and type(inner.payload) is TCPerror:
                    t = inner.payload
                    out.append(dict(kind="icmp", frame=n, ts=ts, src=norm(l3.src), type=3, code=pl.code,
                                    qsrc=norm(inner.src), qdst=norm(inner.dst), qsport=t.sport,
                                    qdport=t.dport, qseq=t.seq, v6=False))
            elif type(pl) is ICMPv6DestUnreach:
                inner = pl.payload
                if type(inner) is IPerror6 and isinstance(inner.payload, TCP):
                    t = inner.payload
                    out.append(dict(kind="icmp", frame=n, ts=ts, src=norm(l3.src), type=1, code=pl.code,
                                    qsrc=norm(inner.src), qdst=norm(inner.dst), qsport=t.sport,
                                    qdport=t.dport, qseq=t.seq, v6=True))
    return out, n


ICMP4_NAMES = {0: "net-unreachable", 1: "host-unreachable", 2: "protocol-unreachable", 3: "port-unreachable",
               9: "net-prohibited", 10: "host-prohibited", 13: "admin-prohibited"}
ICMP6_NAMES = {0: "no-route", 1: "admin-prohibited", 2: "beyond-scope", 3: "address-unreachable",
               4: "port-unreachable", 5: "policy-fail", 6: "reject-route"}


def split_attempts(events, client_addrs=()):
    """Group packets into attempts: key = (client, cport, server, sport), split on a new initiator ISN."""
    client_addrs = {norm(a) for a in client_addrs}
    attempts = []          # list of dicts
    current = {}           # 4-tuple -> attempt
    for ev in events:
        if ev["kind"] == "tcp":
            fwd = (ev["src"], ev["sport"], ev["dst"], ev["dport"])
            rev = (ev["dst"], ev["dport"], ev["src"], ev["sport"])
            is_syn = (ev["flags"] & (F_SYN | F_ACK)) == F_SYN
            if is_syn:
                key = fwd
                att = current.get(key)
                if att is None or att["isn"] != ev["seq"]:
                    # first SYN, or a SYN with a new ISN on a used 4-tuple: a new attempt
                    att = dict(key=key, isn=ev["seq"], pkts=[])
                    attempts.append(att)
                    current[key] = att
                    current.pop(rev, None)
            else:
                if fwd in current:
                    key = fwd
                elif rev in current:
                    key = rev
                else:
                    # mid-stream: orient with the client address list, else the SYN-ACK, else first sender
                    if ev["src"] in client_addrs:
                        key = fwd
                    elif ev["dst"] in client_addrs:
                        key = rev
                    elif ev["flags"] & F_SYN:
                        key = rev
                    else:
                        key = fwd
                    att = dict(key=key, isn=None, pkts=[])
                    attempts.append(att)
                    current[key] = att
                att = current[key]
            att["pkts"].append(ev)
        else:
            key = (ev["qsrc"], ev["qsport"], ev["qdst"], ev["qdport"])
            att = current.get(key)
            if att is None:
                att = dict(key=key, isn=None, pkts=[])
                attempts.append(att)
                current[key] = att
            att["pkts"].append(ev)
    return attempts


def classify_attempt(att):
    c, cp, s, sp = att["key"]
    pkts = att["pkts"]
    info = dict(client=endpoint(c, cp), server=endpoint(s, sp), first_frame=pkts[0]["frame"],
                first_ts=pkts[0]["ts"], syn=0, synack=0, synack_after_ack=0, icmp=[], rst_from=None,
                fin_from=None, data=False, packets=len(pkts))

    def from_client(ev):
        return ev["kind"] == "tcp" and ev["src"] == c and ev["sport"] == cp

    first = pkts[0]
    if not (from_client(first) and (first["flags"] & (F_SYN | F_ACK)) == F_SYN):
        info["reason"] = "handshake-not-seen"
        for ev in pkts:
            if ev["kind"] == "tcp" and ev["plen"] > 0:
                info["data"] = True
        return info

    isn = first["seq"]
    server_isn = None
    handshake = False
    reason = None
    for ev in pkts:
        if ev["kind"] == "icmp":
            info["icmp"].append((ev["src"], ev["v6"], ev["code"]))
            # a destination unreachable quoting this attempt's SYN, before any SYN-ACK
            if server_isn is None and reason is None and ev["qseq"] == isn:
                reason = "icmp-unreachable"
            continue
        fl = ev["flags"]
        if from_client(ev):
            if (fl & (F_SYN | F_ACK)) == F_SYN:
                info["syn"] += 1
                continue
            if not handshake:
                if fl & (F_RST | F_FIN):
                    info["rst_from" if fl & F_RST else "fin_from"] = "client"
                    if reason is None:
                        reason = "aborted-by-client"
                    break
                if server_isn is not None and (fl & F_ACK) and ev["ack"] == (server_isn + 1) & 0xFFFFFFFF:
                    handshake = True
                    if ev["plen"] > 0:
                        info["data"] = True
                        break
                continue
        else:
            if (fl & (F_SYN | F_ACK)) == (F_SYN | F_ACK):
                info["synack"] += 1
                server_isn = ev["seq"]
                if handshake:
                    info["synack_after_ack"] += 1
                continue
            if not handshake:
                if fl & F_RST and server_isn is None:
                    info["rst_from"] = "server"
                    if reason is None:
                        reason = "refused"
                    break
                if fl & (F_RST | F_FIN):
                    info["rst_from" if fl & F_RST else "fin_from"] = "server"
                    reason = reason or "unclassified(server %s before handshake)" % ("RST" if fl & F_RST else "FIN")
                    break
                continue
        # after the handshake (both directions)
        if ev["plen"] > 0:
            info["data"] = True
            break
        if fl & F_RST:
            info["rst_from"] = "client" if from_client(ev) else "server"
            break
        if fl & F_FIN:
            info["fin_from"] = "client" if from_client(ev) else "server"
            break

    if reason is None:
        retry = info["syn"] > 1 or info["synack"] > 1
        if server_isn is None:
            reason = "no-answer"
        elif not handshake:
            reason = "half-open"
        elif info["synack_after_ack"] and not info["data"]:
            reason = "half-open"
        elif info["data"]:
            reason = "established-after-retry" if retry else "established"
        elif info["rst_from"]:
            reason = "reset-after-established"
        elif info["fin_from"]:
            reason = "closed-before-data"
        else:
            reason = "established-after-retry" if retry else "established"
    info["reason"] = reason
    return info


def classify_file(path, client_addrs=()):
    events, nframes = read_events(path)
    atts = [classify_attempt(a) for a in split_attempts(events, client_addrs)]
    atts.sort(key=lambda i: i["first_frame"])
    return atts, nframes


def describe(info):
    """Short automatic description of one attempt (goes into the note column)."""
    parts = ["%d SYN" % info["syn"], "%d SYN-ACK" % info["synack"]]
    if info["synack_after_ack"]:
        parts.append("%d SYN-ACK after ACK" % info["synack_after_ack"])
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
    if info["rst_from"]:
        parts.append("RST from " + info["rst_from"])
    if info["fin_from"]:
        parts.append("FIN from " + info["fin_from"])
    if info["data"]:
        parts.append("data")
    return ", ".join(parts)


if __name__ == "__main__":
    atts, n = classify_file(sys.argv[1], sys.argv[2:])
    for a in atts:
        print("%s\t%s\t%s\t%s" % (a["client"], a["server"], a["reason"], describe(a)))
