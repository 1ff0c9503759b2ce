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
    DNS, DNSQR, ICMP, IP, TCP, UDP, CookedLinux, Dot1Q, Ether, ICMPv6DestUnreach,
    ICMPv6TimeExceeded, IPv6, Loopback, PcapWriter, Raw, conf)

conf.verb = 0

V4 = dict(client="192.0.2.10", server="198.51.100.20", router="203.0.113.1",
          other="192.0.2.99", resolver="192.0.2.53")
V6 = dict(client="2001:db8::10", server="2001:db8:1::20", router="2001:db8:ff::1",
          other="2001:db8::99", resolver="2001:db8::53")
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


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    caps = [outcomes(False), outcomes(True), icmp_quotes(), icmpv6_quotes(), port_reuse(False),
            port_reuse(True), simultaneous_open(), syn_with_data(), mid_stream(), truncated(),
            concurrency(), tunnel_in_fragments()]
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
