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
    for name in ("client", "reuse", "multi", "burst", "mid"):
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
    r = sub.add_parser("rawsyn")
    r.add_argument("--src", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--port", type=int, default=80)
    r.add_argument("--sport", type=int, default=0)
    r.add_argument("--hold", type=float, default=0.5)
    a = p.parse_args()
    {"server": cmd_server, "client": cmd_client, "reuse": cmd_reuse, "multi": cmd_multi,
     "burst": cmd_burst, "mid": cmd_mid, "rawsyn": cmd_rawsyn}[a.cmd](a)


if __name__ == "__main__":
    main()
