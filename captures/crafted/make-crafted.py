#!/usr/bin/python3
"""Regenerates the crafted captures in this folder and their labels.tsv.

These cover what a kernel will not easily produce on demand: every outcome
in IPv4 and IPv6, ICMP errors with full and 8-byte quotes, port reuse,
simultaneous open, SYN with data, captures that start mid-stream, VLAN tags,
odd link types, and malformed ICMP quotes. Real kernel captures live in
../real/.

Labels follow the outcome rules of issue 12 (capture-ended within 1 s of a
file's last frame, ack-not-captured in handshake-only files, stale-connection,
same-ISN retries as one attempt): a file whose last attempt still waits for an
answer ends with an unrelated packet (a DNS query) more than 1 s later.

Usage: make-crafted.py [OUTPUT_DIR]   (default: the folder of this script)
Needs python3-scapy (Debian). Output is deterministic (byte-identical).
"""
import os
import sys

from scapy.all import (  # noqa: F401 (scapy's layers register themselves)
    DNS, DNSQR, HAO, ICMP, IP, TCP, UDP, CookedLinux, Dot1Q, Ether, ICMPv6DestUnreach,
    ICMPv6TimeExceeded, IPOption_LSRR, IPOption_SSRR, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
    Loopback, PadN, PcapWriter, Raw, conf)

conf.verb = 0

V4 = dict(client="192.0.2.10", server="198.51.100.20", router="203.0.113.1",
          other="192.0.2.99", resolver="192.0.2.53", router2="203.0.113.2")
V6 = dict(client="2001:db8::10", server="2001:db8:1::20", router="2001:db8:ff::1",
          other="2001:db8::99", resolver="2001:db8::53", router2="2001:db8:ff::2")
CLIENT_MAC = "02:00:00:00:00:0a"
SERVER_MAC = "02:00:00:00:00:14"
T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC


def endpoint(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


class Capture:
    """Packets of one crafted file, on a shared clock."""

    def __init__(self, name, link="ether", vlan=None):
        self.name = name
        self.link = link
        self.vlan = vlan
        self.packets = []
        self.labels = []
        self.now = T0

    def add(self, ip_packet, dt, to_client):
        self.now += dt
        if self.link == "raw":
            frame = ip_packet
        elif self.link == "sll":
            frame = CookedLinux(pkttype=0 if to_client else 4,
                                proto=0x86DD if ip_packet.version == 6 else 0x0800) / ip_packet
        elif self.link == "null":
            frame = Loopback(type=30 if ip_packet.version == 6 else 2) / ip_packet
        else:
            src, dst = (SERVER_MAC, CLIENT_MAC) if to_client else (CLIENT_MAC, SERVER_MAC)
            frame = Ether(src=src, dst=dst)
            for tag in self.vlan or []:
                frame = frame / Dot1Q(vlan=tag)
            frame = frame / ip_packet
        frame.time = self.now
        self.packets.append(frame)

    def unrelated(self, dt, v6=False):
        """A DNS query from the client to its resolver: an unrelated packet that moves the file's last
        frame (the capture-ended rule looks at the last frame of any protocol)."""
        addrs = V6 if v6 else V4
        ip = (IPv6(src=addrs["client"], dst=addrs["resolver"]) if v6 else
              IP(src=addrs["client"], dst=addrs["resolver"]))
        self.add(ip / UDP(sport=53000, dport=53) / DNS(id=0x1234, rd=1, qd=DNSQR(qname="example.com")),
                 dt, to_client=False)

    def label(self, conn, reason, note):
        self.labels.append((self.name, endpoint(conn.client, conn.cport),
                            endpoint(conn.server, conn.sport), reason, note))

    def write(self, folder):
        linktype = {"ether": 1, "raw": 101, "sll": 113, "null": 0}[self.link]
        w = PcapWriter(os.path.join(folder, self.name), linktype=linktype, sync=True)
        for p in self.packets:
            w.write(p)
        w.close()


class Conn:
    """One 4-tuple. Tracks sequence numbers so segments stay consistent."""

    def __init__(self, cap, v6, cport, sport=443, cisn=1000, sisn=50000, server=None):
        self.cap = cap
        self.v6 = v6
        addrs = V6 if v6 else V4
        self.client = addrs["client"]
        self.server = server or addrs["server"]
        self.router = addrs["router"]
        self.cport = cport
        self.sport = sport
        self.cisn = cisn
        self.sisn = sisn
        self.cseq = cisn + 1
        self.sseq = sisn + 1
        self.last_syn = None

    def ip(self, from_client):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        return IPv6(src=src, dst=dst) if self.v6 else IP(src=src, dst=dst)

    def seg(self, from_client, flags, seq, ack, payload=b"", dt=0.001):
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        pkt = self.ip(from_client) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack,
                                         window=64240)
        if payload:
            pkt = pkt / Raw(payload)
        self.cap.add(pkt, dt, to_client=not from_client)
        return pkt

    # Client side
    def syn(self, dt=0.001, payload=b""):
        self.last_syn = self.seg(True, "S", self.cisn, 0, payload, dt)
        return self

    def ack(self, dt=0.0003):
        self.seg(True, "A", self.cseq, self.sseq, dt=dt)
        return self

    def send(self, data, dt=0.001):
        self.seg(True, "PA", self.cseq, self.sseq, data, dt)
        self.cseq += len(data)
        return self

    def client_fin(self, dt=0.001):
        self.seg(True, "FA", self.cseq, self.sseq, dt=dt)
        self.cseq += 1
        return self

    def client_rst(self, dt=0.001, with_ack=True):
        self.seg(True, "RA" if with_ack else "R", self.cseq, self.sseq if with_ack else 0, dt=dt)
        return self

    # Server side
    def synack(self, dt=0.0004, acked=None):
        ack = self.cisn + 1 if acked is None else acked
        self.seg(False, "SA", self.sisn, ack, dt=dt)
        return self

    def reply(self, data, dt=0.001):
        self.seg(False, "PA", self.sseq, self.cseq, data, dt)
        self.sseq += len(data)
        return self

    def server_ack(self, dt=0.0002):
        self.seg(False, "A", self.sseq, self.cseq, dt=dt)
        return self

    def server_fin(self, dt=0.001):
        self.seg(False, "FA", self.sseq, self.cseq, dt=dt)
        self.sseq += 1
        return self

    def refuse(self, dt=0.0004):
        self.seg(False, "RA", 0, self.cisn + 1, dt=dt)
        return self

    def server_rst(self, dt=0.001):
        self.seg(False, "RA", self.sseq, self.cseq, dt=dt)
        return self

    # ICMP errors quoting the last SYN
    def icmp(self, type_=3, code=3, quote_len=None, sender=None, dt=0.0005, seq=None):
        syn = self.last_syn.copy()
        if seq is not None:
            syn[TCP].seq = seq
        quoted = bytes(syn)
        if quote_len is not None:
            header = 40 if self.v6 else 20
            quoted = quoted[:header + quote_len]
        sender = sender or self.router
        if self.v6:
            layer = (ICMPv6DestUnreach(code=code) if type_ == 1 else
                     ICMPv6TimeExceeded(code=code))
            pkt = IPv6(src=sender, dst=self.client) / layer / Raw(quoted)
        else:
            pkt = IP(src=sender, dst=self.client) / ICMP(type=type_, code=code) / Raw(quoted)
        self.cap.add(pkt, dt, to_client=True)
        return self

    def handshake(self):
        return self.syn().synack().ack()

    def request_response(self):
        return self.send(b"GET / HTTP/1.0\r\n\r\n").reply(b"HTTP/1.0 200 OK\r\n\r\nhello")


HTTP = b"GET / HTTP/1.0\r\nHost: example\r\n\r\n"


def outcomes(v6):
    """One file with every outcome, one attempt each, for one address family."""
    fam = "v6" if v6 else "v4"
    cap = Capture(f"outcomes-{fam}.pcap")
    port = iter(range(40001, 40100))

    c = Conn(cap, v6, next(port)).handshake().request_response().client_fin().server_fin().ack()
    cap.label(c, "established", "handshake, request, response, FIN both ways")

    c = Conn(cap, v6, next(port)).syn().syn(dt=1.0).syn(dt=2.0).synack().ack().send(HTTP)
    cap.label(c, "established-after-retry", "3 SYNs before the SYN-ACK")

    c = Conn(cap, v6, next(port)).syn().synack().synack(dt=1.0).ack().send(HTTP)
    cap.label(c, "established-after-retry", "SYN-ACK retransmitted before the ACK")

    c = Conn(cap, v6, next(port), sport=8080).syn().refuse()
    cap.label(c, "refused", "RST/ACK answers the SYN")

    c = Conn(cap, v6, next(port), sport=8081).syn().syn(dt=1.0).refuse()
    cap.label(c, "refused", "RST after a SYN retransmission")

    c = Conn(cap, v6, next(port), sport=9).syn().syn(dt=1.0).syn(dt=2.0)
    cap.label(c, "no-answer", "three SYNs, nothing back")

    c = Conn(cap, v6, next(port), sport=25).syn()
    if v6:
        c.icmp(type_=1, code=1)
        cap.label(c, "icmp-unreachable", "ICMPv6 admin prohibited from a router, full quote")
    else:
        c.icmp(type_=3, code=13)
        cap.label(c, "icmp-unreachable", "ICMP admin prohibited from a router, full quote")

    c = Conn(cap, v6, next(port)).syn().synack().synack(dt=1.0).synack(dt=2.0)
    cap.label(c, "half-open", "SYN-ACKs never acknowledged")

    c = Conn(cap, v6, next(port)).handshake().synack(dt=1.0).ack().synack(dt=2.0).ack()
    c.client_fin(dt=3.0)
    cap.label(c, "half-open", "server keeps re-sending SYN-ACK after the ACK; no data")

    c = Conn(cap, v6, next(port)).syn().synack().client_rst(with_ack=False)
    cap.label(c, "aborted-by-client", "client kernel resets the SYN-ACK")

    c = Conn(cap, v6, next(port)).handshake().server_rst()
    cap.label(c, "reset-after-established", "server accepts and resets (SO_LINGER 0)")

    c = Conn(cap, v6, next(port)).handshake().client_rst()
    cap.label(c, "reset-after-established", "client connects and resets")

    c = Conn(cap, v6, next(port)).handshake().server_fin().client_fin()
    cap.label(c, "closed-before-data", "server accepts and closes")

    c = Conn(cap, v6, next(port)).handshake().client_fin().server_fin()
    cap.label(c, "closed-before-data", "client connects and closes (health check)")
    return cap


def icmp_quotes():
    """ICMP errors with short, long, stale and broken quotes."""
    cap = Capture("icmp-quotes-v4.pcap")
    c = Conn(cap, False, 41001, sport=443).syn().icmp(type_=3, code=1, quote_len=8)
    cap.label(c, "icmp-unreachable", "router host unreachable, 8-byte quote (RFC 792 minimum)")

    c = Conn(cap, False, 41002, sport=443).syn().icmp(type_=3, code=3, sender=V4["server"])
    cap.label(c, "icmp-unreachable", "server port unreachable, full quote")

    c = Conn(cap, False, 41003, sport=443).syn().icmp(type_=3, code=0, quote_len=4)
    cap.label(c, "no-answer", "quote cut to 4 TCP bytes: too short to trust, ignored; "
              "the file ends 2 s later")

    c = Conn(cap, False, 41004, sport=443).syn().icmp(type_=3, code=1, seq=123456)
    cap.label(c, "no-answer", "quote carries another ISN: a stale error, ignored; the file ends "
              "2 s later")

    c = Conn(cap, False, 41005, sport=443).syn().icmp(type_=11, code=0)
    cap.label(c, "no-answer", "time exceeded is not a rejection; the file ends 2 s later")

    c = Conn(cap, False, 41006, sport=443).syn()
    cap.add(IP(src=V4["router"], dst=V4["client"]) / ICMP(type=3, code=3) /
            Raw(b"\x45\x00\x00\x28garbage"), 0.0005, to_client=True)
    cap.label(c, "no-answer", "garbage quote; the file ends 2 s later")

    # An error quoting a connection that is not in the capture.
    orphan = IP(src=V4["client"], dst=V4["server"]) / TCP(sport=41007, dport=443, flags="S",
                                                          seq=77)
    cap.add(IP(src=V4["router"], dst=V4["client"]) / ICMP(type=3, code=1) / Raw(bytes(orphan)),
            0.001, to_client=True)

    c = Conn(cap, False, 41008, sport=443).syn().synack().icmp(type_=3, code=1).ack().send(HTTP)
    cap.label(c, "established", "unreachable after the SYN-ACK does not count")
    # the unanswered attempts above end more than 1 s before the file does: no-answer, not capture-ended
    cap.unrelated(2.0)
    return cap


def icmpv6_quotes():
    cap = Capture("icmp-quotes-v6.pcap")
    c = Conn(cap, True, 42001, sport=443).syn().icmp(type_=1, code=4, sender=V6["server"])
    cap.label(c, "icmp-unreachable", "server port unreachable")
    c = Conn(cap, True, 42002, sport=443).syn().icmp(type_=1, code=3)
    cap.label(c, "icmp-unreachable", "router address unreachable (neighbour discovery failed)")
    c = Conn(cap, True, 42003, sport=443).syn().icmp(type_=3, code=0)
    cap.label(c, "no-answer", "hop limit exceeded is not a rejection; the file ends 2 s later")
    c = Conn(cap, True, 42004, sport=443).syn().icmp(type_=1, code=0, quote_len=8)
    cap.label(c, "icmp-unreachable", "no route, 8-byte quote")
    cap.unrelated(2.0, v6=True)     # 42003 ends more than 1 s before the file: no-answer
    return cap


def port_reuse(v6):
    fam = "v6" if v6 else "v4"
    cap = Capture(f"port-reuse-{fam}.pcap")
    c = Conn(cap, v6, 43001, cisn=1000).syn().refuse()
    cap.label(c, "refused", "first attempt from this port is refused")
    c = Conn(cap, v6, 43001, cisn=900000).syn(dt=0.5).synack().ack().request_response()
    cap.label(c, "established", "same client port, new ISN, established")
    c = Conn(cap, v6, 43001, cisn=1800000).syn(dt=0.5).refuse()
    cap.label(c, "refused", "same port again, refused again")
    # A tool that retries with the same ISN after the RST (Windows does): one attempt, two SYNs.
    c = Conn(cap, v6, 43002, cisn=5000).syn().refuse()
    c.syn(dt=0.5).synack().ack().request_response()
    cap.label(c, "established-after-retry", "refused, then the same SYN (same ISN) 0.5 s later is answered: "
              "a same-ISN retry after a RST is the same attempt (2 SYNs)")
    # The former server connects back to the former client on the same ports.
    c = Conn(cap, v6, 43003, sport=8443, cisn=6000).syn().refuse()
    cap.label(c, "refused", "refused in one direction")
    r = Conn(cap, v6, 8443, sport=43003, cisn=7000)
    r.client, r.server = c.server, c.client
    r.syn(dt=0.2).synack().ack().request_response()
    cap.label(r, "established", "same ports, opposite direction")
    return cap


def simultaneous_open():
    cap = Capture("simultaneous-open-v4.pcap")
    c = Conn(cap, False, 5000, sport=5001, cisn=700, sisn=900)
    c.syn()
    c.seg(False, "S", 900, 0)               # the other side's SYN crosses ours
    c.seg(True, "SA", 700, 901)
    c.seg(False, "SA", 900, 701)
    c.send(b"hello", dt=0.001)
    cap.label(c, "established", "both sides sent SYN; SYN-ACKs crossed")
    return cap


def syn_with_data():
    cap = Capture("syn-with-data-v4.pcap")
    data = b"GET /fast HTTP/1.1\r\n\r\n"
    c = Conn(cap, False, 44001)
    c.syn(payload=data)
    c.synack(acked=c.cisn + 1 + len(data))
    c.cseq += len(data)
    c.ack().reply(b"HTTP/1.1 200 OK\r\n\r\n")
    cap.label(c, "established", "TCP Fast Open: SYN carries data, server accepts it")

    c = Conn(cap, False, 44002)
    c.syn(payload=data)
    c.synack()                     # the server acknowledges the SYN but not its data
    c.ack().send(data)
    cap.label(c, "established", "SYN data not accepted, sent again after the handshake")

    c = Conn(cap, False, 44003, sport=81).syn(payload=data).refuse()
    cap.label(c, "refused", "SYN with data refused")
    return cap


def mid_stream():
    cap = Capture("mid-stream-v4.pcap")
    c = Conn(cap, False, 45001)
    c.send(b"x" * 100).reply(b"y" * 200).send(b"z" * 10).client_fin().server_fin()
    cap.label(c, "handshake-not-seen", "capture starts in the middle of the connection")

    c = Conn(cap, False, 45002).synack().ack().send(HTTP)
    cap.label(c, "handshake-not-seen", "capture starts with the SYN-ACK")

    c = Conn(cap, False, 45003).handshake().request_response()
    cap.label(c, "established", "a whole connection after the cut")
    return cap


def link_types():
    """The same refused/established pair over several link layers."""
    caps = []
    for name, link, vlan, v6 in [
        ("vlan-v4.pcap", "ether", [100], False),
        ("qinq-v6.pcap", "ether", [200, 300], True),
        ("linux-sll-v4.pcap", "sll", None, False),
        ("raw-ip-v6.pcap", "raw", None, True),
        ("null-loopback-v4.pcap", "null", None, False),
    ]:
        cap = Capture(name, link=link, vlan=vlan)
        c = Conn(cap, v6, 46001).syn().refuse()
        cap.label(c, "refused", f"over {link}" + (f" with VLAN tags {vlan}" if vlan else ""))
        c = Conn(cap, v6, 46002).handshake().request_response()
        cap.label(c, "established", f"over {link}")
        c = Conn(cap, v6, 46003).syn().icmp(type_=1 if v6 else 3, code=3 if v6 else 1,
                                            quote_len=None if v6 else 8)
        cap.label(c, "icmp-unreachable", f"over {link}")
        caps.append(cap)
    return caps


def truncated():
    """Snaplen-cut frames: what can be read is used, the rest is skipped."""
    cap = Capture("truncated-v4.pcap")
    c = Conn(cap, False, 47001).syn().refuse()
    cap.label(c, "refused", "full frames")
    c = Conn(cap, False, 47002).syn()
    # The answer is cut after 10 TCP bytes: no flags to read, so it is skipped.
    rst = Ether(src=SERVER_MAC, dst=CLIENT_MAC) / c.ip(False) / TCP(
        sport=c.sport, dport=c.cport, flags="RA", seq=0, ack=c.cisn + 1)
    cut = Ether(bytes(rst)[:14 + 20 + 10])
    cap.now += 0.001
    cut.time = cap.now
    cap.packets.append(cut)
    cap.label(c, "no-answer", "the RST is truncated before its flags; a DNS query 2 s later ends the file")
    cap.unrelated(2.0)
    return cap


def tunnel_in_fragments():
    """TCP in an IP-in-IP tunnel whose outer datagrams are fragmented: the
    inner headers exist only in what Wireshark reassembles, not in any one
    frame."""
    cap = Capture("tunnel-fragments-v4.pcap")
    outer_client, outer_server = "203.0.113.10", "203.0.113.20"

    def tunnel(conn, from_client, flags, seq, ack, payload=b"", dt=0.001, fragment=False):
        inner = conn.ip(from_client) / TCP(
            sport=conn.cport if from_client else conn.sport,
            dport=conn.sport if from_client else conn.cport, flags=flags, seq=seq, ack=ack)
        if payload:
            inner = inner / Raw(payload)
        src, dst = (outer_client, outer_server) if from_client else (outer_server, outer_client)
        outer = IP(src=src, dst=dst, proto=4, id=len(cap.packets) + 1) / inner
        for part in (fragment_ip(outer, 24) if fragment else [outer]):
            cap.add(part, dt, to_client=not from_client)
            dt = 0.00001

    def fragment_ip(packet, size):
        from scapy.all import fragment
        return fragment(packet, fragsize=size)

    c = Conn(cap, False, 49001)
    tunnel(c, True, "S", c.cisn, 0)
    tunnel(c, False, "RA", 0, c.cisn + 1, fragment=True)
    cap.label(c, "refused", "the RST only exists in a reassembled outer datagram")
    c = Conn(cap, False, 49002)
    tunnel(c, True, "S", c.cisn, 0, fragment=True)
    tunnel(c, False, "SA", c.sisn, c.cisn + 1)
    tunnel(c, True, "A", c.cisn + 1, c.sisn + 1)
    tunnel(c, True, "PA", c.cisn + 1, c.sisn + 1, HTTP, fragment=True)
    cap.label(c, "established", "SYN and request in fragmented outer datagrams")
    return cap


def concurrency():
    """Overlapping attempts to one server on a known schedule (seconds):
    c1 [0,5] FIN, c2 [1,1.0004] refused, c3 [2,8] RST, c4 [3,6] unanswered
    SYNs, c5 [7,9] FIN, c6 [8.5,8.6] refused; and one attempt to another
    server at 3.5. tests/test_stats.py knows the expected counts."""
    cap = Capture("concurrency-v4.pcap")
    conns = {}

    def at(t):
        return t - (cap.now - T0)

    def conn(port, server_port=443):
        if port not in conns:
            conns[port] = Conn(cap, False, port, sport=server_port, cisn=port * 1000)
        return conns[port]

    conn(48001).syn(dt=0).synack().ack().send(HTTP)                       # t=0
    conn(48002).syn(dt=at(1.0)).refuse()                                   # t=1
    conn(48003).syn(dt=at(2.0)).synack().ack().send(HTTP)                  # t=2
    conn(48004).syn(dt=at(3.0))                                            # t=3
    conn(48007, server_port=8443).syn(dt=at(3.5)).synack().ack().send(HTTP)
    conn(48004).syn(dt=at(4.0))
    conn(48001).client_fin(dt=at(5.0)).server_fin()                        # c1 ends at 5
    conn(48004).syn(dt=at(6.0))                                            # c4's last packet
    conn(48005).syn(dt=at(7.0)).synack().ack().send(HTTP)                  # t=7
    conn(48003).client_rst(dt=at(8.0))                                     # c3 ends at 8
    conn(48006).syn(dt=at(8.5)).refuse()                                   # t=8.5
    conn(48005).client_fin(dt=at(9.0)).server_fin()                        # c5 ends at 9
    for port, reason, note in [
        (48001, "established", "open 0-5 s"), (48002, "refused", "at 1 s"),
        (48003, "established", "open 2-8 s, reset after data"),
        (48007, "established", "another server, at 3.5 s"),
        (48004, "no-answer", "SYNs at 3, 4 and 6 s"), (48005, "established", "open 7-9 s"),
        (48006, "refused", "at 8.5 s"),
    ]:
        cap.label(conns[port], reason, note)
    return cap


def frozen(pkt):
    """The packet as bytes, parsed again: scapy's checksum of a source-routed IPv4 packet rewrites the
    layer's destination (in4_pseudoheader), so build it once and keep what was built."""
    return pkt.__class__(bytes(pkt))


class SourceRouted(Conn):
    """The client sends every segment with an IPv4 loose or strict source route: the header's destination
    is the first hop, the option lists the second hop and the final destination (RFC 791 3.1).  The server
    answers directly, without options."""

    def __init__(self, cap, cport, option, **kw):
        super().__init__(cap, False, cport, **kw)
        self.option = option
        self.hops = [V4["router2"], self.server]

    def ip(self, from_client):
        if not from_client:
            return IP(src=self.server, dst=self.client)
        return IP(src=self.client, dst=V4["router"], options=[self.option(routers=list(self.hops))])

    def seg(self, from_client, flags, seq, ack, payload=b"", dt=0.001):
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        pkt = self.ip(from_client) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240)
        if payload:
            pkt = pkt / Raw(payload)
        pkt = frozen(pkt)
        self.cap.add(pkt, dt, to_client=not from_client)
        return pkt


def source_route():
    """IPv4 SYNs with a loose and a strict source route (the route of suricata-verify's
    tests/detect-ipopts, in documentation addresses): the header's destination is the first router;
    Wireshark takes the final destination from the option, so SYN and SYN-ACK share a tcp.stream."""
    cap = Capture("source-route-v4.pcap")
    c = SourceRouted(cap, 50001, IPOption_LSRR, cisn=11000, sisn=61000)
    c.handshake().request_response()
    cap.label(c, "established", "loose source route via 203.0.113.1 and 203.0.113.2 on every client "
              "segment; SYN-ACK and reply straight from the server, no options")
    c = SourceRouted(cap, 50002, IPOption_SSRR, cisn=12000, sisn=62000)
    c.handshake().request_response()
    cap.label(c, "established", "strict source route via 203.0.113.1 and 203.0.113.2; answers without "
              "options")
    # A port unreachable from the final destination.  It quotes the SYN as it arrived there: the header's
    # destination is the server and the route is used up (pointer past the end), each entry replaced by
    # the address of the router that forwarded it (RFC 791 3.1).
    c = SourceRouted(cap, 50003, IPOption_LSRR, sport=8081, cisn=13000)
    c.syn()
    arrived = frozen(IP(src=c.client, dst=c.server, ttl=62, options=[
        IPOption_LSRR(routers=[V4["router"], V4["router2"]], pointer=12)]) / TCP(
        sport=c.cport, dport=c.sport, flags="S", seq=c.cisn, window=64240))
    cap.add(IP(src=c.server, dst=c.client) / ICMP(type=3, code=3) / Raw(bytes(arrived)[:32 + 8]), 0.0005,
            to_client=True)
    cap.label(c, "icmp-unreachable", "port unreachable from the server; its quote is the source-routed "
              "SYN as it arrived (route used up, 12 bytes of options), IP header + 8 bytes")
    return cap


class MobileConn(Conn):
    """IPv6 client away from home (RFC 6275): it sends from its care-of address with a Home Address
    destination option; the server answers to the home address."""

    def __init__(self, cap, cport, home, coa, rh2=False, **kw):
        super().__init__(cap, True, cport, **kw)
        self.client, self.coa, self.rh2 = home, coa, rh2

    def ip(self, from_client):
        if from_client:
            # HAO must sit at 8n+6: a 2-byte PadN first
            return IPv6(src=self.coa, dst=self.server) / IPv6ExtHdrDestOpt(
                options=[PadN(optdata=b"\x00\x00"), HAO(hoa=self.client)])
        if self.rh2:
            # route optimisation: to the care-of address, type 2 routing header holding the home address
            return IPv6(src=self.server, dst=self.coa) / IPv6ExtHdrRouting(
                type=2, segleft=1, addresses=[self.client])
        return IPv6(src=self.server, dst=self.client)

    def seg(self, from_client, flags, seq, ack, payload=b"", dt=0.001):
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        tcp = TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240)
        if payload:
            tcp = tcp / Raw(payload)
        if from_client:
            # the upper layer sees the home address as the source (RFC 6275), so the TCP checksum is
            # computed with it, as Wireshark checks it; scapy would use the care-of address
            plain = IPv6(src=self.client, dst=self.server) / tcp
            tcp = tcp.copy()
            tcp.chksum = IPv6(bytes(plain))[TCP].chksum
        pkt = self.ip(from_client) / tcp
        self.cap.add(pkt, dt, to_client=not from_client)
        return pkt


class RoutedV6(Conn):
    """IPv6 client sending with a type 0 routing header (RFC 2460, deprecated by RFC 5095): the header's
    destination is the first router, the final destination is the last address, segments left 2."""

    def ip(self, from_client):
        if not from_client:
            return IPv6(src=self.server, dst=self.client)
        return IPv6(src=self.client, dst=V6["router"]) / IPv6ExtHdrRouting(
            type=0, segleft=2, addresses=[V6["router2"], self.server])


def ipv6_extension_headers():
    cap = Capture("ipv6-extension-headers-v6.pcap")
    home, coa = "2001:db8::10", "2001:db8:4::10"
    c = MobileConn(cap, 51001, home, coa, cisn=21000, sisn=71000).handshake().request_response()
    cap.label(c, "established", "mobile client: from its care-of address 2001:db8:4::10 with a Home "
              "Address option 2001:db8::10; SYN-ACK and reply go to the home address")
    c = MobileConn(cap, 51002, home, coa, rh2=True, cisn=22000, sisn=72000).handshake().request_response()
    cap.label(c, "established", "Home Address option from the client; the server answers to the care-of "
              "address with a type 2 routing header holding the home address")
    c = RoutedV6(cap, True, 51003, cisn=23000, sisn=73000).handshake().request_response()
    cap.label(c, "established", "type 0 routing header via 2001:db8:ff::1 and 2001:db8:ff::2, segments "
              "left 2, the server last; SYN-ACK straight back without a routing header")
    return cap


def windows_retry(v6):
    """Windows retries a refused connect() with the SAME SYN (port and ISN) 0.5 s after each RST."""
    fam = "v6" if v6 else "v4"
    cap = Capture(f"windows-retry-{fam}.pcap")
    c = Conn(cap, v6, 52001, cisn=31000).syn().refuse().syn(dt=0.5).refuse().syn(dt=0.5).refuse()
    cap.label(c, "refused", "SYN/RST, the same SYN 0.5 s later /RST, and again: one attempt, 3 SYNs, "
              "the last RST decides")
    c = Conn(cap, v6, 52002, cisn=32000, sisn=82000).syn(dt=1.0).refuse().syn(dt=0.5)
    c.synack().ack().request_response()
    cap.label(c, "established-after-retry", "SYN/RST, then the same SYN 0.5 s later gets a SYN-ACK (the "
              "service came up): one attempt, 2 SYNs")
    return cap


def stale_ack():
    """The server still holds an old connection on the 4-tuple: it answers a new SYN with a bare ACK of
    that connection (RFC 5961 challenge ACK); the client kernel answers with RST (seq = that ACK's ack
    number), which clears it, and sends its SYN again (same ISN)."""
    cap = Capture("stale-ack-v4.pcap")
    c = Conn(cap, False, 53001, cisn=41000, sisn=91000)
    c.syn()
    stale_seq, stale_ack = 3000000001, 2500000001
    c.seg(False, "A", stale_seq, stale_ack, dt=0.0003)
    c.seg(True, "R", stale_ack, 0, dt=0.00002)
    c.syn(dt=1.0).synack().ack().request_response()
    cap.label(c, "established-after-retry", "SYN, stale ACK (ack unrelated to the SYN), client RST with "
              "seq = that ack, the same SYN 1 s later, SYN-ACK, ACK, data: 2 SYNs")
    c = Conn(cap, False, 53002, cisn=42000)
    for i in range(3):
        c.syn(dt=1.0 if i else 0.5)
        c.seg(False, "A", 3100000001, 2600000001, dt=0.0003)
        c.seg(True, "R", 2600000001, 0, dt=0.00002)
    cap.label(c, "stale-connection", "SYN, stale ACK, RST, three times (same ISN); nothing else for 3 s, "
              "then an unrelated packet ends the file")
    cap.unrelated(3.0)
    return cap


def reordered(v6):
    """The SYN-ACK captured 0.2 ms before its SYN (two capture interfaces merged, or a switch's mirror
    port): still a seen handshake."""
    fam = "v6" if v6 else "v4"
    cap = Capture(f"reordered-{fam}.pcap")
    c = Conn(cap, v6, 54001, cisn=51000, sisn=93000)
    c.synack(dt=0.001)
    c.syn(dt=0.0002)
    c.ack(dt=0.0003).request_response().client_fin().server_fin().ack()
    cap.label(c, "established", "SYN-ACK captured 0.2 ms before its SYN, then ACK, request, response")
    return cap


def mid_stream_roles():
    """Captures that start mid-connection with the server speaking first: tcpconn picks the server by
    its port (Zeek's list), then the port below 1024, and only then the first sender."""
    cap = Capture("mid-stream-roles-v4.pcap")
    for cport, sport, note in [
            (55001, 80, "first packet from port 80 (a known server port) to the high port"),
            (55002, 443, "first packet from port 443 to the high port"),
            (55003, 700, "neither port in the server list; 700 < 1024 against 55003: 700 is the server")]:
        c = Conn(cap, False, cport, sport=sport, cisn=60000 + cport, sisn=70000 + cport)
        c.cseq, c.sseq = c.cisn + 101, c.sisn + 2001
        c.reply(b"x" * 300).ack().send(b"more\n").reply(b"y" * 100).ack()
        cap.label(c, "handshake-not-seen", note + "; client = the high-port side")
    return cap


def bare_syn():
    """A responder that answers the SYN with a bare SYN (no ACK): nothing completes."""
    cap = Capture("bare-syn-v4.pcap")
    c = Conn(cap, False, 56001, sport=5001, cisn=56000, sisn=96000)
    c.syn()
    c.seg(False, "S", c.sisn, 0, dt=0.0004)
    c.syn(dt=1.0)
    c.seg(False, "S", c.sisn, 0, dt=0.0004)
    cap.label(c, "half-open", "SYN answered by a bare SYN (no ACK), twice; no SYN-ACK, no ACK; an "
              "unrelated packet 2 s later")
    cap.unrelated(2.0)
    return cap


def icmp_repeat():
    cap = Capture("icmp-repeat-v4.pcap")
    c = Conn(cap, False, 57001, sport=8443, cisn=57000)
    c.syn().icmp(code=3, sender=V4["server"]).syn(dt=1.0).icmp(code=3, sender=V4["server"])
    c.syn(dt=2.0).icmp(code=3, sender=V4["server"])
    cap.label(c, "icmp-unreachable", "SYN, port unreachable, SYN retransmission, port unreachable, again: "
              "the last error decides")
    # Fragmentation needed (path MTU discovery) quoting a DATA segment: it does not quote the SYN.
    c = Conn(cap, False, 57002, cisn=58000, sisn=98000).syn(dt=1.0).synack().ack()
    big = c.seg(True, "PA", c.cseq, c.sseq, b"D" * 1400)
    cap.add(IP(src=V4["router"], dst=c.client) / ICMP(type=3, code=4, nexthopmtu=1280) /
            Raw(bytes(big)[:20 + 28]), 0.0005, to_client=True)
    c.send(b"D" * 1200).send(b"D" * 200).reply(b"HTTP/1.1 200 OK\r\n\r\n")
    cap.label(c, "established", "fragmentation needed (next-hop MTU 1280) quoting the client's first data "
              "segment, which is sent again in smaller pieces: no effect")
    return cap


def icmp_concurrency():
    """Attempts to 198.51.100.20:443 on a known schedule (seconds): a [0,5] FIN; b: SYN at 1, an ICMP port
    unreachable from a router at 1.0005 (it closes b; the SYN-ACK that follows at 1.2 overrules it as an
    outcome), the client kernel's RST to that SYN-ACK at 1.2001 (it had dropped the socket on the ICMP
    error), which must not close b a second time: b is open [1,1.0005]; c [1.1,3] FIN; d: SYN at 2,
    refused; e [2.5,4] FIN."""
    cap = Capture("icmp-concurrency-v4.pcap")
    conns = {}

    def at(t):
        return t - (cap.now - T0)

    def conn(port):
        if port not in conns:
            conns[port] = Conn(cap, False, port, sport=443, cisn=port * 1000, sisn=port * 2000)
        return conns[port]

    conn(59001).syn(dt=0).synack().ack().send(HTTP)                              # a at 0
    b = conn(59002).syn(dt=at(1.0))                                               # b at 1
    b.icmp(code=3, dt=0.0005)
    conn(59003).syn(dt=at(1.1)).synack().ack().send(HTTP)                        # c at 1.1
    b.synack(dt=at(1.2))
    b.seg(True, "R", b.cisn + 1, 0, dt=0.0001)
    conn(59004).syn(dt=at(2.0)).refuse()                                          # d at 2
    conn(59005).syn(dt=at(2.5)).synack().ack().send(HTTP)                        # e at 2.5
    conn(59003).client_fin(dt=at(3.0)).server_fin().ack()                        # c ends at 3
    conn(59005).client_fin(dt=at(4.0)).server_fin().ack()                        # e ends at 4
    conn(59001).client_fin(dt=at(5.0)).server_fin().ack()                        # a ends at 5
    for port, reason, note in [
            (59001, "established", "open 0-5 s"),
            (59002, "aborted-by-client", "ICMP port unreachable from a router, then a SYN-ACK 0.2 s later "
                                         "(so the error does not decide), answered by the client's RST: "
                                         "the client reset before the handshake completed"),
            (59003, "established", "open 1.1-3 s, while b is still open"),
            (59004, "refused", "at 2 s"),
            (59005, "established", "open 2.5-4 s")]:
        cap.label(conns[port], reason, note)
    return cap


def handshake_only():
    """What a SYN/FIN/RST capture filter keeps, here only SYNs, SYN-ACKs and one RST: no segment without
    SYN, FIN or RST, so a lone SYN-ACK does not mean the ACK was missing."""
    cap = Capture("handshake-only-v4.pcap")
    c = Conn(cap, False, 58001, cisn=71000, sisn=81000).syn().synack()
    cap.label(c, "ack-not-captured", "SYN and one SYN-ACK; no segment without SYN/FIN/RST in the file")
    c = Conn(cap, False, 58002, cisn=72000, sisn=82000).syn(dt=0.5).synack().synack(dt=1.0).synack(dt=2.0)
    cap.label(c, "half-open", "SYN and 3 SYN-ACKs over 3 s: the server never got the ACK (positive "
              "evidence even without ACKs in the file)")
    c = Conn(cap, False, 58003, sport=8080, cisn=73000).syn(dt=0.2)
    cap.label(c, "no-answer", "a lone SYN, 2.8 s before the file's last frame")
    c = Conn(cap, False, 58004, sport=8081, cisn=74000).syn(dt=0.3).refuse()
    cap.label(c, "refused", "SYN answered by RST")
    # > 1 s after the last packet above: another client's SYN, itself the file's last frame
    c = Conn(cap, False, 58005, cisn=75000, server=V4["other"]).syn(dt=2.5)
    cap.label(c, "capture-ended", "an unrelated SYN (another server) that is the file's last frame: it "
              "could still be answered")
    return cap


def early_close():
    """A server (or a middlebox pretending to be it) sends RST and FIN+ACK before its SYN-ACK, then the
    handshake completes and HTTP works: the early segments decide nothing (an evasion pattern)."""
    cap = Capture("early-close-v4.pcap")
    c = Conn(cap, False, 59001, sport=80, cisn=76000, sisn=86000).syn()
    c.seg(False, "RA", 0, c.cisn + 1, dt=0.06)
    c.seg(False, "FA", 0, c.cisn + 1, dt=0.001)
    c.seg(True, "R", c.cisn + 1, 0, dt=0.0001)
    c.synack(dt=0.002).ack().send(HTTP).reply(b"HTTP/1.0 200 OK\r\n\r\nhello", dt=0.1)
    cap.label(c, "established", "SYN; server RST/ACK and FIN/ACK with sequence number 0; the client "
              "kernel's RST; then SYN-ACK, ACK, request, response (Linux client)")
    c = Conn(cap, False, 59002, sport=80, cisn=77000, sisn=87000).syn(dt=0.5)
    c.seg(False, "RA", 0, c.cisn + 1, dt=0.03)
    c.seg(False, "FA", 0, c.cisn + 1, dt=0.001)
    c.synack(dt=0.002).ack().send(HTTP).reply(b"HTTP/1.0 200 OK\r\n\r\nhello", dt=0.07)
    cap.label(c, "established", "SYN; server RST/ACK and FIN/ACK with sequence number 0; then SYN-ACK, "
              "ACK, request, response (Windows client: no RST of its own)")
    c = Conn(cap, False, 59003, sport=80, cisn=78000, sisn=88000).syn(dt=0.5)
    c.seg(False, "FA", 0, c.cisn + 1, dt=0.03)
    c.seg(True, "R", c.cisn + 1, 0, dt=0.0001)
    c.synack(dt=0.002).ack().send(HTTP).reply(b"HTTP/1.0 200 OK\r\n\r\nhello", dt=0.07)
    cap.label(c, "established", "SYN; a server FIN/ACK with sequence number 0 and the client kernel's RST "
              "to it; then SYN-ACK, ACK, request, response: the client's RST came before any answer")
    return cap


def late_ack():
    """The client's ACK is lost, so the server re-sends its SYN-ACK: half-open, until data shows the
    ACK arrived after all. A fuzz finding: one pass showed half-open as final at the client's FIN."""
    cap = Capture("late-ack-v4.pcap")
    c = Conn(cap, False, 59101, sport=25, cisn=91000, sisn=95000).handshake()
    c.synack(dt=1.0).ack().client_fin(dt=0.01)
    c.reply(b"220 mail.example ESMTP\r\n", dt=0.002).server_fin().ack()
    cap.label(c, "closed-before-data", "SYN-ACK re-sent after the ACK, the client ACKs again and "
              "closes at once; its FIN completes the server's handshake and the server still sends "
              "its banner: half-open (provisional) in one pass until that data")
    c = Conn(cap, False, 59102, sport=25, cisn=92000, sisn=96000).syn(dt=0.5).synack()
    c.seg(False, "R", c.sseq, 0, dt=0.001)
    c.ack(dt=0.0001)
    cap.label(c, "half-open", "the server resets before the ACK; the client's ACK, captured after "
              "the RST (merged interfaces), completes no handshake")
    return cap


def flag_sweep():
    """A scanner's flag sweep: segments with SYN, ACK and RST all set are no SYN-ACK and name no server;
    the ports do."""
    cap = Capture("flag-sweep-v4.pcap")
    c = Conn(cap, False, 40100, sport=80, cisn=79000)
    c.seg(True, "SAR", c.cisn, 12345, dt=0.001)
    c.seg(False, "R", 12345, 0, dt=0.0003)
    cap.label(c, "handshake-not-seen", "SYN+ACK+RST from the scanner's high port, RST back from port 80: "
              "no handshake; the port-80 side is the server")
    c = Conn(cap, False, 40101, sport=443, cisn=79100)
    c.seg(True, "SAR", c.cisn, 54321, dt=0.001)
    cap.label(c, "handshake-not-seen", "SYN+ACK+RST to port 443, nothing back: the port-443 side is the "
              "server")
    cap.unrelated(2.0)
    return cap


def failures_begin():
    """A client connects to one server twice a second for 12 s, and the
    server stops taking connections partway through: connects work for 6 s,
    are refused for 4 s, then go unanswered (one SYN retry a second later).
    The capture for "when did it start failing": the tcpconn profile's I/O
    Graph and `-z io,stat` show the failures beginning at 6 s."""
    cap = Capture("failures-begin-v4.pcap")

    def at(t):
        return t - (cap.now - T0)

    def conn(i):
        return Conn(cap, False, 49001 + i, cisn=(49001 + i) * 1000)

    conns = [conn(i) for i in range(24)]
    for i, c in enumerate(conns[:12]):                                     # 0-5.5 s
        c.syn(dt=at(i / 2)).synack().ack().send(HTTP).reply(b"HTTP/1.0 200 OK\r\n\r\n")
        c.client_fin().server_fin().ack()
        cap.label(c, "established", f"at {i / 2:g} s")
    for i, c in enumerate(conns[12:20], 12):                               # 6-9.5 s
        c.syn(dt=at(i / 2)).refuse()
        cap.label(c, "refused", f"at {i / 2:g} s")
    unanswered = conns[20:]                                                # 10-11.5 s
    for t, c in sorted([(10 + k / 2, c) for k, c in enumerate(unanswered)] +
                       [(11 + k / 2, c) for k, c in enumerate(unanswered)], key=lambda x: x[0]):
        c.syn(dt=at(t))
    for k, c in enumerate(unanswered):
        cap.label(c, "no-answer", f"SYNs at {10 + k / 2:g} and {11 + k / 2:g} s")
    cap.unrelated(dt=at(14.5))
    return cap


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    caps = [outcomes(False), outcomes(True), icmp_quotes(), icmpv6_quotes(), port_reuse(False),
            port_reuse(True), simultaneous_open(), syn_with_data(), mid_stream(), truncated(),
            concurrency(), tunnel_in_fragments(), source_route(), ipv6_extension_headers(),
            windows_retry(False), windows_retry(True), stale_ack(), reordered(False), reordered(True),
            mid_stream_roles(), bare_syn(), icmp_repeat(), icmp_concurrency(), handshake_only(),
            early_close(), flag_sweep(), failures_begin(), late_ack()]
    caps += link_types()
    rows = []
    for cap in caps:
        cap.write(folder)
        rows += cap.labels
    with open(os.path.join(folder, "labels.tsv"), "w") as f:
        f.write("file\tclient\tserver\treason\tnote\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(caps)} captures, {len(rows)} labelled attempts to {folder}")


if __name__ == "__main__":
    main()
