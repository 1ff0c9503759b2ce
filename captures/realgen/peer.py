#!/usr/bin/python3
"""Small client/server programs for captures/make-real.sh.

Run inside a network namespace with `ip netns exec NS /usr/bin/python3 peer.py ...`.
Every program prints one JSON line per event on stdout so the orchestrator
(realgen.py) can synchronise with it ("ready", "connected", results).
Only the Python standard library is used.
"""
import argparse
import errno
import json
import random
import select
import socket
import struct
import sys
import threading
import time

TCP_SYNCNT = getattr(socket, "TCP_SYNCNT", 7)


def say(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def errname(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    n = getattr(e, "errno", None)
    return errno.errorcode.get(n, str(e)) if n else type(e).__name__


def linger0(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def wait_stdin_line(timeout):
    """Wait for the orchestrator to write a line on stdin (or timeout)."""
    r, _, _ = select.select([sys.stdin], [], [], timeout)
    if r:
        return sys.stdin.readline().strip()
    return None


HTTP_REQ = "GET /{path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: tcpconn-realgen/1\r\nAccept: */*\r\n\r\n"
HTTP_BODY = "<html><body>tcpconn demo object {path}</body></html>\n"


def http_response(path):
    body = HTTP_BODY.format(path=path)
    return ("HTTP/1.0 200 OK\r\nServer: realgen\r\nContent-Type: text/html\r\n"
            "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode()


def recv_all(s, limit=65536):
    data = b""
    while len(data) < limit:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def read_request(c, timeout=5.0):
    c.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    path = "x"
    try:
        path = data.split(b" ", 2)[1].decode().lstrip("/") or "index"
    except Exception:
        pass
    return data, path


# --------------------------------------------------------------------------- server

def cmd_server(a):
    fam = family_of(a.addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((a.addr, a.port))
    if a.listen_on_go:
        # bound but not listening: the kernel still answers SYNs with RST, until the orchestrator says go
        say(event="bound", port=a.port)
        wait_stdin_line(30)
    s.listen(a.backlog)
    say(event="ready", port=a.port)
    if a.mode == "noaccept":
        # never call accept(): let the accept queue overflow
        time.sleep(a.life)
        return
    deadline = time.time() + a.life
    n = 0
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            c, peer = s.accept()
        except socket.timeout:
            break
        n += 1
        say(event="accepted", peer=peer[1])
        if a.mode == "http":
            def serve(c=c):
                try:
                    _, path = read_request(c)
                    if a.delay:
                        time.sleep(a.delay)
                    c.sendall(http_response(path))
                    c.close()
                except OSError as e:
                    say(event="serve-error", err=errname(e))
            if a.serial:
                serve()
            else:
                threading.Thread(target=serve, daemon=True).start()
        elif a.mode == "echo":
            def echo(c=c):
                try:
                    c.settimeout(10)
                    while True:
                        d = c.recv(4096)
                        if not d:
                            break
                        c.sendall(b"pong " + d)
                    c.close()
                except OSError as e:
                    say(event="serve-error", err=errname(e))
            threading.Thread(target=echo, daemon=True).start()
        elif a.mode == "accept-reset":
            time.sleep(a.delay)
            linger0(c)
            c.close()
        elif a.mode == "accept-close":
            time.sleep(a.delay)
            c.close()
        elif a.mode == "accept-hold":
            threading.Thread(target=lambda c=c: (time.sleep(a.life), c.close()), daemon=True).start()
        if a.max_conn and n >= a.max_conn:
            time.sleep(a.linger_after)
            break
    say(event="done", accepted=n)


# --------------------------------------------------------------------------- client

def make_client_socket(a):
    fam = family_of(a.dst)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.syncnt:
        s.setsockopt(socket.IPPROTO_TCP, TCP_SYNCNT, a.syncnt)
    if a.bind_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.bind_port))
    return s


def one_connect(a, tag=""):
    s = make_client_socket(a)
    s.settimeout(a.timeout)
    t0 = time.time()
    try:
        s.connect((a.dst, a.port))
    except OSError as e:
        local = None
        try:
            local = s.getsockname()[1]
        except OSError:
            pass
        say(event="connect", tag=tag, result=errname(e), local=local, secs=round(time.time() - t0, 3))
        s.close()
        return None
    say(event="connect", tag=tag, result="ok", local=s.getsockname()[1], secs=round(time.time() - t0, 3))
    return s


def cmd_client(a):
    s = one_connect(a)
    if s is None:
        return
    mode = a.mode
    try:
        if mode == "http":
            s.sendall(HTTP_REQ.format(path="index.html", host=a.dst).encode())
            s.settimeout(5)
            data = recv_all(s)
            say(event="response", bytes=len(data), status=data.split(b"\r\n", 1)[0].decode(errors="replace"))
            s.close()
        elif mode == "linger0":
            time.sleep(a.hold)
            linger0(s)
            s.close()
            say(event="closed", how="rst")
        elif mode == "hold":
            # keep the connection, send nothing, close after `hold` seconds
            time.sleep(a.hold)
            s.close()
            say(event="closed", how="fin")
        elif mode == "read":
            # wait for the server to do something (FIN or RST), then close
            s.settimeout(a.hold)
            try:
                d = s.recv(100)
                say(event="read", result="eof" if not d else "data")
            except OSError as e:
                say(event="read", result=errname(e))
            s.close()
    except OSError as e:
        say(event="error", err=errname(e))


def cmd_reuse(a):
    """Same fixed client port: first connect (port closed), wait for 'go', connect again."""
    s = one_connect(a, tag="first")
    if s is not None:
        s.close()
    say(event="waiting")
    wait_stdin_line(10)
    s = one_connect(a, tag="second")
    if s is None:
        return
    s.sendall(HTTP_REQ.format(path="again.html", host=a.dst).encode())
    s.settimeout(5)
    data = recv_all(s)
    say(event="response", bytes=len(data))
    s.close()


def cmd_multi(a):
    """Several connections (started at --starts offsets) that send nothing and stay open."""
    starts = [float(x) for x in a.starts.split(",")] if a.starts else [i * a.stagger for i in range(a.count)]
    res = {}
    t0 = time.time()
    say(event="go", t0=t0)

    def worker(i, at):
        time.sleep(max(0.0, t0 + at - time.time()))
        s = one_connect(a, tag=str(i))
        if s is not None:
            res[i] = s
    for i, at in enumerate(starts):
        threading.Thread(target=worker, args=(i, at), daemon=True).start()
    # hold everything open until told to stop (the orchestrator stops the capture first)
    wait_stdin_line(a.hold)
    for s in list(res.values()):
        s.close()


def cmd_burst(a):
    """HTTP/1.0 client firing `count` requests concurrently (like a page load)."""
    results = {}
    def worker(i):
        time.sleep(i * a.stagger)
        path = "obj%d.png" % i
        s = one_connect(a, tag=path)
        if s is None:
            results[i] = "Could not connect to the server"
            return
        try:
            s.sendall(HTTP_REQ.format(path=path, host=a.dst).encode())
            s.settimeout(6)
            data = recv_all(s)
            results[i] = data.split(b"\r\n", 1)[0].decode(errors="replace") or "empty reply"
            say(event="response", tag=path, status=results[i], bytes=len(data))
        except OSError as e:
            results[i] = errname(e)
            say(event="response", tag=path, status=errname(e))
        finally:
            s.close()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(a.count)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    say(event="all-done", results=[results.get(i) for i in range(a.count)])


def cmd_inflight(a):
    """Connections started on a schedule (--plan "OFFSET:PORT:MODE,..."), all held open until 'stop' on stdin.
    MODE wait: connect and send nothing; echo: connect, send one line and read the echo, keep the connection."""
    plan = []
    for item in a.plan.split(","):
        at, port, mode = item.split(":")
        plan.append((float(at), int(port), mode))
    held = []
    t0 = time.time()
    say(event="go", t0=t0)

    def worker(i, at, port, mode):
        time.sleep(max(0.0, t0 + at - time.time()))
        s = socket.socket(family_of(a.dst), socket.SOCK_STREAM)
        held.append(s)
        s.settimeout(a.timeout)
        try:
            s.connect((a.dst, port))
            say(event="connect", tag=str(i), port=port, result="ok", local=s.getsockname()[1],
                at=round(time.time() - t0, 3))
            if mode == "echo":
                s.sendall(b"ping %d\n" % i)
                say(event="echo", tag=str(i), reply=s.recv(100).decode(errors="replace").strip())
        except OSError as e:
            say(event="connect", tag=str(i), port=port, result=errname(e), at=round(time.time() - t0, 3))
    for i, (at, port, mode) in enumerate(plan):
        threading.Thread(target=worker, args=(i, at, port, mode), daemon=True).start()
    wait_stdin_line(a.hold)
    for s in held:
        s.close()


def cmd_stale(a):
    """Connect from --bind-port, exchange a line, SO_LINGER 0 close (the orchestrator's nft rule drops that
    RST,ACK: the server keeps the connection), then connect again from the same port and exchange a line."""
    s = one_connect(a, tag="first")
    if s is None:
        return
    s.sendall(b"hello\n")
    s.recv(100)
    time.sleep(0.05)
    linger0(s)
    s.close()
    say(event="forgotten")
    time.sleep(a.hold)
    s = one_connect(a, tag="second")
    if s is None:
        return
    s.sendall(b"hello again\n")
    say(event="echo", reply=s.recv(100).decode(errors="replace").strip())
    time.sleep(0.05)
    s.close()
    time.sleep(0.2)


def cmd_mid(a):
    """Connect, wait until the capture runs ('go' on stdin), then talk and close."""
    s = one_connect(a)
    if s is None:
        return
    wait_stdin_line(10)
    s.settimeout(3)
    for i in range(3):
        s.sendall(b"ping %d\n" % i)
        s.recv(100)
        time.sleep(0.05)
    s.close()
    say(event="closed")


# --------------------------------------------------------------------------- raw SYN

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def cmd_rawsyn(a):
    """Send a single SYN from a raw socket: no kernel TCP socket owns the port."""
    fam = family_of(a.dst)
    sport = a.sport or random.randint(40000, 60000)
    seq = random.getrandbits(32)
    # 24-byte header: MSS option so it looks like a normal SYN
    hdr = struct.pack("!HHIIBBHHH", sport, a.port, seq, 0, (6 << 4), 0x02, 64240, 0, 0)
    opts = struct.pack("!BBH", 2, 4, 1460)
    seg = hdr + opts
    if fam == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
        pseudo = socket.inet_aton(a.src) + socket.inet_aton(a.dst) + struct.pack("!BBH", 0, 6, len(seg))
        c = csum(pseudo + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        s.bind((a.src, 0))
        s.sendto(seg, (a.dst, 0))
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP)
        # let the kernel fill in the TCP checksum (offset 16)
        s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_CHECKSUM", 7), 16)
        s.bind((a.src, 0))
        s.sendto(seg, (a.dst, 0))
    say(event="sent", sport=sport, seq=seq)
    time.sleep(a.hold)


class RawTCP:
    """One TCP connection driven from raw sockets: segments are built here, the kernel has no socket for the
    port (its RSTs to what comes back must be dropped by an nft rule)."""

    def __init__(self, src, dst, sport, dport):
        self.fam = family_of(dst)
        self.src, self.dst, self.sport, self.dport = src, dst, sport, dport
        self.tx = socket.socket(self.fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
        self.rx = socket.socket(self.fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
        if self.fam == socket.AF_INET6:
            self.tx.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_CHECKSUM", 7), 16)
        self.tx.bind((src, 0))

    def send(self, flags, seq, ack, payload=b"", mss=False):
        opts = struct.pack("!BBH", 2, 4, 1460) if mss else b""
        hdr = struct.pack("!HHIIBBHHH", self.sport, self.dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          (5 + len(opts) // 4) << 4, flags, 64240, 0, 0)
        seg = hdr + opts + payload
        if self.fam == socket.AF_INET:
            pseudo = socket.inet_aton(self.src) + socket.inet_aton(self.dst) + struct.pack("!BBH", 0, 6, len(seg))
            c = csum(pseudo + seg)
            seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        self.tx.sendto(seg, (self.dst, 0))

    def recv(self, timeout):
        """The next segment of this connection: (flags, seq, ack, payload), or None after `timeout`."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.rx], [], [], left)
            if not r:
                return None
            data, addr = self.rx.recvfrom(65535)
            if self.fam == socket.AF_INET:
                data = data[(data[0] & 0x0F) * 4:]       # IPv4 raw sockets deliver the IP header
            if len(data) < 20 or addr[0] != self.dst:
                continue
            sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", data[:14])
            if sport != self.dport or dport != self.sport:
                continue
            return flags, seq, ack, data[(off >> 4) * 4:]


def cmd_rawretry(a):
    """A raw-socket client retrying like Windows: the SAME SYN (same port, same ISN) again `--gap` seconds
    after each RST, up to --tries SYNs.  A SYN-ACK is answered with an ACK and an HTTP request; the response
    is acknowledged and the connection closed with FIN."""
    sport = a.sport or random.randint(40000, 60000)
    isn = random.getrandbits(32)
    t = RawTCP(a.src, a.dst, sport, a.port)
    say(event="start", sport=sport, isn=isn)
    rsts = 0
    for n in range(1, a.tries + 1):
        t.send(0x02, isn, 0, mss=True)
        say(event="syn", n=n)
        sent = time.time()
        seg = t.recv(a.gap)
        while seg is not None and not seg[0] & 0x04 and not seg[0] & 0x12 == 0x12:
            seg = t.recv(max(0.0, sent + a.gap - time.time()))
        if seg is None:
            say(event="timeout", n=n)
            continue
        flags, seq, ack, _ = seg
        if flags & 0x04:
            rsts += 1
            say(event="rst", n=n)
            time.sleep(max(0.0, sent + a.gap - time.time()))
            continue
        # SYN-ACK: complete the handshake and talk
        say(event="synack", n=n)
        snd, rcv = isn + 1, seq + 1
        t.send(0x10, snd, rcv)
        req = HTTP_REQ.format(path="retry.html", host=a.dst).encode()
        time.sleep(0.01)
        t.send(0x18, snd, rcv, req)
        snd += len(req)
        got = b""
        while True:
            seg = t.recv(2.0)
            if seg is None:
                break
            flags, seq, ack, payload = seg
            if seq == rcv and payload:
                got += payload
                rcv += len(payload)
            if flags & 0x01 and seq + len(payload) == rcv:
                rcv += 1
                t.send(0x11, snd, rcv)              # FIN,ACK for the server's FIN
                snd += 1
                t.recv(1.0)                          # its last ACK
                break
            if payload:
                t.send(0x10, snd, rcv)
        say(event="response", bytes=len(got), status=got.split(b"\r\n", 1)[0].decode(errors="replace"))
        return
    say(event="gave-up", rsts=rsts)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--addr", required=True)
    sv.add_argument("--port", type=int, default=80)
    sv.add_argument("--backlog", type=int, default=16)
    sv.add_argument("--mode", default="http")
    sv.add_argument("--delay", type=float, default=0.0)
    sv.add_argument("--serial", action="store_true")
    sv.add_argument("--life", type=float, default=10.0)
    sv.add_argument("--max-conn", type=int, default=0)
    sv.add_argument("--linger-after", type=float, default=0.3)
    sv.add_argument("--listen-on-go", action="store_true")
    for name in ("client", "reuse", "multi", "burst", "mid", "inflight", "stale"):
        c = sub.add_parser(name)
        c.add_argument("--dst", required=True)
        c.add_argument("--port", type=int, default=80)
        c.add_argument("--mode", default="http")
        c.add_argument("--syncnt", type=int, default=0)
        c.add_argument("--timeout", type=float, default=5.0)
        c.add_argument("--bind-port", type=int, default=0)
        c.add_argument("--hold", type=float, default=0.3)
        c.add_argument("--count", type=int, default=4)
        c.add_argument("--stagger", type=float, default=0.0)
        c.add_argument("--starts", default="")
        c.add_argument("--plan", default="")
    r = sub.add_parser("rawsyn")
    r.add_argument("--src", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--port", type=int, default=80)
    r.add_argument("--sport", type=int, default=0)
    r.add_argument("--hold", type=float, default=0.5)
    rr = sub.add_parser("rawretry")
    rr.add_argument("--src", required=True)
    rr.add_argument("--dst", required=True)
    rr.add_argument("--port", type=int, default=80)
    rr.add_argument("--sport", type=int, default=0)
    rr.add_argument("--tries", type=int, default=3)
    rr.add_argument("--gap", type=float, default=0.5)
    a = p.parse_args()
    {"server": cmd_server, "client": cmd_client, "reuse": cmd_reuse, "multi": cmd_multi,
     "burst": cmd_burst, "mid": cmd_mid, "rawsyn": cmd_rawsyn, "inflight": cmd_inflight,
     "stale": cmd_stale, "rawretry": cmd_rawretry}[a.cmd](a)


if __name__ == "__main__":
    main()
