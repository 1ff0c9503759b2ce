#!/usr/bin/python3
"""Orchestrator behind captures/make-real.sh.

Builds network namespaces (client, server, optional router) joined by veth
pairs, runs real kernel TCP clients/servers (peer.py), captures on the client
side with tcpdump, sanity-checks each capture with tshark and labels every
connection attempt (classify.py).  Only Debian packages are needed:
iproute2, nftables, tcpdump, tshark, python3-scapy.
"""
import argparse
import concurrent.futures
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
PEER = os.path.join(HERE, "peer.py")
sys.path.insert(0, HERE)
import classify  # noqa: E402

PORT = 80
ADDR = {
    4: dict(c="192.0.2.10", s="192.0.2.20",                       # direct link
            rc="192.0.2.1", rs="198.51.100.1", sr="198.51.100.20",  # routed: router and server
            neigh="198.51.100.99", nonet="203.0.113.20", plen=24),
    6: dict(c="2001:db8:1::10", s="2001:db8:1::20",
            rc="2001:db8:1::1", rs="2001:db8:2::1", sr="2001:db8:2::20",
            neigh="2001:db8:2::99", nonet="2001:db8:3::20", plen=64),
}
# Only the scenario's packets: TCP, ICMP/ICMPv6 destination-unreachable, and the echo request/reply of a
# scenario's closing ping (no ARP/ND/MLD).
CAPTURE_FILTER = ("tcp or (icmp and (icmp[0] == 3 or icmp[0] == 8 or icmp[0] == 0)) "
                  "or (icmp6 and (ip6[40] == 1 or ip6[40] == 128 or ip6[40] == 129))")
# The name scenarios (an application resolving a name, then connecting) also keep the DNS exchange.
DNS_CAPTURE_FILTER = "(%s) or udp port 53" % CAPTURE_FILTER

# Handshake-only views of a full capture, made offline with `tcpdump -r FULL -w VIEW FILTER`: exactly what
# the same capture filter keeps on a live interface.  libpcap's tcp[] only looks at IPv4 (pcap-filter(7)),
# so each filter also has its IPv6 form on the fixed header (next header TCP, flags at ip6[40 + 13]).
VIEWS = [
    ("synfinrst", "tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0 or "
                  "(ip6[6] == 6 and ip6[53] & (tcp-syn|tcp-fin|tcp-rst) != 0)",
     "SYN/FIN/RST capture filter view"),
    ("synonly", "tcp[tcpflags] & tcp-syn != 0 or (ip6[6] == 6 and ip6[53] & tcp-syn != 0)",
     "SYN-only capture filter view"),
]
# the scenarios whose captures get those views (both address families where the scenario has both)
VIEW_OF = ("success", "refused", "no-answer", "server-reset", "server-close", "client-reset", "syn-lost",
           "synack-lost", "ack-lost", "icmp-server-port", "port-reuse", "seed-burst")
# What a user shares of one connection: File > Export Specified Packets with the filter tcp.stream == 0,
# made offline with `tshark -r FULL -Y "tcp.stream == 0" -w VIEW`.  The file ends with the stream's last
# packet, however long the capture went on after it.
EXPORT_VIEW = ("stream0", "tcp.stream == 0", "tcp.stream == 0 exported with tshark -Y ... -w")
EXPORT_OF = ("firewall-drop", "synack-resent")


def views_of(name):
    """The views made of scenario `name`'s capture: (suffix, command taking (full, view) paths, description)."""
    views = []
    if base_of(name) in VIEW_OF:
        for suffix, bpf, desc in VIEWS:
            views.append((suffix, lambda full, out, bpf=bpf: ["tcpdump", "-r", full, "-w", out, bpf], desc))
    if base_of(name) in EXPORT_OF:
        suffix, dfilter, desc = EXPORT_VIEW
        views.append((suffix, lambda full, out: ["tshark", "-n", "-r", full, "-Y", dfilter, "-w", out], desc))
    return views


class ScenarioError(Exception):
    pass


LIVE_LABS = set()            # labs whose namespaces exist right now (for the signal handler)
LIVE_LOCK = threading.Lock()
STATE = dict(stopping=False, work=None)


def on_signal(signum, _frame):
    """SIGINT/SIGTERM (Ctrl-C, or `timeout` expiring): tear down every live lab at once and exit."""
    STATE["stopping"] = True
    sys.stderr.write("realgen: signal %d, cleaning up namespaces\n" % signum)
    with LIVE_LOCK:
        labs = list(LIVE_LABS)
    for lab in labs:
        try:
            lab.close()
        except Exception:   # noqa: BLE001
            pass
    if STATE["work"]:
        shutil.rmtree(STATE["work"], ignore_errors=True)
    os._exit(128 + signum)


def run(cmd, check=True, timeout=20, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise ScenarioError("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr.strip()))
    return p


class Proc:
    """A process started inside a namespace, with its JSON stdout lines collected in a queue."""

    def __init__(self, ns, args, name):
        self.name = name
        self.p = subprocess.Popen(["ip", "netns", "exec", ns] + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  start_new_session=True)
        self.events = []
        self.q = queue.Queue()
        self.err = []
        self.threads = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self):
        for line in self.p.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                ev = dict(event="text", text=line)
            self.events.append(ev)
            self.q.put(ev)
        self.q.put(None)

    def _read_err(self):
        for line in self.p.stderr:
            self.err.append(line.rstrip())

    def wait_event(self, name, timeout=10):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise ScenarioError("%s: no '%s' event within %ss (stderr: %s)" % (
                    self.name, name, timeout, " | ".join(self.err[-5:])))
            try:
                ev = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if ev is None:
                raise ScenarioError("%s exited before '%s' (stderr: %s)" % (self.name, name, " | ".join(self.err[-5:])))
            if ev.get("event") == name:
                return ev

    def send(self, line):
        try:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
        except OSError:
            pass

    def wait(self, timeout=10):
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScenarioError("%s did not finish within %ss" % (self.name, timeout))
        for t in self.threads:       # make sure all of its output has been collected
            t.join(timeout=5)

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)   # its own session: only what we started
            except OSError:
                pass
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


class Lab:
    """Namespaces for one scenario: c (client), s (server) and optionally r (router)."""

    def __init__(self, prefix, scen, fam, routed):
        self.fam, self.routed = fam, routed
        self.a = ADDR[fam]
        self.ns = {k: "%s-%s-%s" % (prefix, scen, k) for k in (("c", "r", "s") if routed else ("c", "s"))}
        self.procs = []
        self.apps = []               # what the applications reported (name scenarios: curl runs)
        self.etc = []                # /etc/netns/NS and scratch directories this lab made (removed on close)
        self.capture_proc = None
        self.capture_file = None
        with LIVE_LOCK:
            LIVE_LABS.add(self)
        try:
            self._setup()
        except Exception:
            self.close()
            raise

    # -- helpers
    def ip(self, role, *args):
        return run(["ip", "-n", self.ns[role]] + list(args))

    def sysctl(self, role, *settings):
        return run(["ip", "netns", "exec", self.ns[role], "sysctl", "-q", "-w"] + list(settings))

    def nft(self, role, ruleset):
        # one-line rulesets: nft wants a newline between a chain's closing brace and the table's
        ruleset = ruleset.replace("; } }", ";\n }\n}\n")
        return run(["ip", "netns", "exec", self.ns[role], "nft", "-f", "-"], input=ruleset)

    def spawn(self, role, args, name=None):
        p = Proc(self.ns[role], args, name or "%s:%s" % (role, args[0] if args else "?"))
        self.procs.append(p)
        return p

    def peer(self, role, *args):
        return self.spawn(role, [PY, PEER] + [str(x) for x in args], name="%s:%s" % (role, args[0]))

    def ping(self, dst=None, role="c"):
        """One echo request from `role` (default: the client) to the server; the reply is waited for."""
        return run(["ip", "netns", "exec", self.ns[role], "ping", "-n", "-c", "1", "-W", "2", dst or self.server],
                   timeout=10)

    @property
    def client(self):
        return self.a["c"]

    @property
    def server(self):
        return self.a["sr"] if self.routed else self.a["s"]

    # -- topology
    def _setup(self):
        for role, ns in self.ns.items():
            run(["ip", "netns", "add", ns])
            self.ip(role, "link", "set", "lo", "up")
            self.sysctl(role, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                        "net.ipv6.conf.all.router_solicitations=0", "net.ipv6.conf.default.router_solicitations=0",
                        "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
                        "net.ipv4.tcp_syn_retries=2", "net.ipv4.tcp_synack_retries=2")
        a4, a6 = ADDR[4], ADDR[6]
        if not self.routed:
            run(["ip", "netns", "exec", self.ns["c"], "ip", "link", "add", "c0", "type", "veth",
                 "peer", "name", "s0", "netns", self.ns["s"]])
            for role, dev, key in (("c", "c0", "c"), ("s", "s0", "s")):
                self.ip(role, "addr", "add", "%s/24" % a4[key], "dev", dev)
                self.ip(role, "addr", "add", "%s/64" % a6[key], "dev", dev, "nodad")
                self.ip(role, "link", "set", dev, "up")
        else:
            run(["ip", "netns", "exec", self.ns["c"], "ip", "link", "add", "c0", "type", "veth",
                 "peer", "name", "r0", "netns", self.ns["r"]])
            run(["ip", "netns", "exec", self.ns["r"], "ip", "link", "add", "r1", "type", "veth",
                 "peer", "name", "s0", "netns", self.ns["s"]])
            for role, dev, key in (("c", "c0", "c"), ("r", "r0", "rc"), ("r", "r1", "rs"), ("s", "s0", "sr")):
                self.ip(role, "addr", "add", "%s/24" % a4[key], "dev", dev)
                self.ip(role, "addr", "add", "%s/64" % a6[key], "dev", dev, "nodad")
                self.ip(role, "link", "set", dev, "up")
            self.ip("c", "route", "add", "default", "via", a4["rc"])
            self.ip("c", "-6", "route", "add", "default", "via", a6["rc"])
            self.ip("s", "route", "add", "default", "via", a4["rs"])
            self.ip("s", "-6", "route", "add", "default", "via", a6["rs"])
            self.sysctl("r", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
            # (the router deliberately has no default route: 203.0.113.0/24 and 2001:db8:3::/64 are unroutable)
        self.wait_links()
        self.static_neighbours()

    def mac(self, role, dev):
        out = self.ip(role, "-o", "link", "show", "dev", dev).stdout
        return out.split("link/ether", 1)[1].split()[0]

    def static_neighbours(self):
        """Permanent ARP/ND entries between the real hosts, so no ARP/ND traffic interleaves with the
        scenario (the neighbour-failure scenario targets an address that deliberately has no entry)."""
        a4, a6 = ADDR[4], ADDR[6]
        if not self.routed:
            links = [("c", "c0", "s", "s0", "c", "s")]
        else:
            links = [("c", "c0", "r", "r0", "c", "rc"), ("r", "r1", "s", "s0", "rs", "sr")]
        for ra, da, rb, db, ka, kb in links:
            for (me, dev, peer, pdev, pkey) in ((ra, da, rb, db, kb), (rb, db, ra, da, ka)):
                mac = self.mac(peer, pdev)
                for addr in (a4[pkey], a6[pkey]):
                    self.ip(me, "neigh", "replace", addr, "lladdr", mac, "dev", dev, "nud", "permanent")

    def wait_links(self, timeout=5):
        """Wait until every veth is operationally UP with its real qdisc attached (linkwatch can lag by
        up to a second; until then the device transmits through noop and silently drops, e.g. the first
        ARP reply / Neighbor Advertisement)."""
        devs = [("c", "c0"), ("s", "s0")] + ([("r", "r0"), ("r", "r1")] if self.routed else [])
        deadline = time.time() + timeout
        while devs and time.time() < deadline:
            role, dev = devs[0]
            out = self.ip(role, "-o", "link", "show", "dev", dev).stdout
            if "state UP" in out and "qdisc noop" not in out:
                devs.pop(0)
            else:
                time.sleep(0.02)
        if devs:
            raise ScenarioError("links not up: %s" % devs)

    def shape(self, role, dev, rate="8kbit"):
        """Pace TCP leaving `dev`: htb class 1:1 with a tiny bucket, selected by nft 'meta priority set 1:1',
        so back-to-back TCP segments leave ~70ms apart; everything else uses the unshaped class 1:2.
        (sch_netem is not available on this kernel; htb is.)"""
        ns = self.ns[role]
        tc = ["ip", "netns", "exec", ns, "tc"]
        run(tc + ["qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "2"])
        run(tc + ["class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
                  "rate", rate, "burst", "1", "cburst", "1"])
        run(tc + ["class", "add", "dev", dev, "parent", "1:", "classid", "1:2", "htb", "rate", "1gbit"])
        self.nft(role, "table inet shape { chain out { type filter hook output priority 0; "
                 "oifname \"%s\" meta l4proto tcp meta priority set \"1:1\"; } }" % dev)

    # -- capture
    def start_capture(self, path, filt=CAPTURE_FILTER):
        self.capture_file = path
        self.capture_proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns["c"], "tcpdump", "-Z", "root", "-i", "c0", "-n", "-U", "--immediate-mode",
             "-w", path, filt],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.time() + 10
        line = ""
        while time.time() < deadline:
            line = self.capture_proc.stderr.readline()
            if "listening on" in line:
                threading.Thread(target=self.capture_proc.stderr.read, daemon=True).start()
                return
            if not line and self.capture_proc.poll() is not None:
                break
        raise ScenarioError("tcpdump did not start: %s" % line.strip())

    def stop_capture(self, settle=0.3):
        if self.capture_proc is None:
            return
        time.sleep(settle)
        if self.capture_proc.poll() is None:
            self.capture_proc.send_signal(signal.SIGINT)
            try:
                self.capture_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.capture_proc.pid, signal.SIGKILL)
                self.capture_proc.wait(timeout=5)
        self.capture_proc = None

    def close(self):
        try:
            self.stop_capture(settle=0)
        except Exception:
            pass
        for p in self.procs:
            p.kill()
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for d in self.etc:
            shutil.rmtree(d, ignore_errors=True)
        self.etc = []
        with LIVE_LOCK:
            LIVE_LABS.discard(self)


# ============================================================================ checks

def tshark_counts(path):
    """Plain tshark view of the capture: counts of SYN, SYN-ACK, RST, FIN, data segments, ICMP errors."""
    p = run(["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
             "-e", "frame.number", "-e", "tcp.flags", "-e", "tcp.len", "-e", "icmp.type", "-e", "icmpv6.type",
             "-e", "dns.flags.response"],
            timeout=60)
    c = dict(packets=0, syn=0, synack=0, rst=0, fin=0, data=0, icmp=0, echo=0, dns=0)
    for line in p.stdout.splitlines():
        f = line.split("\t")
        f += [""] * (6 - len(f))
        c["packets"] += 1
        if f[3] == "3" or f[4] == "1":
            c["icmp"] += 1
            continue
        if f[3] in ("0", "8") or f[4] in ("128", "129"):
            c["echo"] += 1
            continue
        if not f[1]:
            c["dns"] += 1 if f[5] else 0
            continue
        fl = int(f[1], 16)
        if fl & 0x12 == 0x02:
            c["syn"] += 1
        if fl & 0x12 == 0x12:
            c["synack"] += 1
        if fl & 0x04:
            c["rst"] += 1
        if fl & 0x01:
            c["fin"] += 1
        if f[2] and int(f[2]) > 0:
            c["data"] += 1
    c["endpoints"] = tshark_endpoints(path)
    # and the summary view must dissect without errors
    v = run(["tshark", "-n", "-r", path], timeout=60)
    if v.stderr.strip() and "Running as user" not in v.stderr:
        raise ScenarioError("tshark complained: %s" % v.stderr.strip())
    return c, v.stdout


def tshark_endpoints(path):
    """(client, server) endpoint pairs of the TCP segments (not the ones quoted inside ICMP), as tshark sees them."""
    p = run(["tshark", "-n", "-r", path, "-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "separator=\t",
             "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport"],
            timeout=60)
    pairs = set()
    for line in p.stdout.splitlines():
        f = (line.split("\t") + [""] * 6)[:6]
        src, dst = f[0] or "[%s]" % f[1], f[3] or "[%s]" % f[4]
        pairs.add(("%s:%s" % (src, f[2]), "%s:%s" % (dst, f[5])))
    return pairs


def check_counts(counts, want):
    errs = []
    for k, v in want.items():
        have = counts.get(k, 0)
        if isinstance(v, tuple):
            lo, hi = v
            if have < lo or (hi is not None and have > hi):
                errs.append("%s=%d (want %s..%s)" % (k, have, lo, "" if hi is None else hi))
        elif have != v:
            errs.append("%s=%d (want %d)" % (k, have, v))
    return errs


# ============================================================================ scenarios
#
# Each scenario: a function fn(lab, capture_path) -> optional extra note text, plus
#   expect  -- exact list of reasons (attempts ordered by first packet), or None
#   check   -- fn(infos) -> error text ("" if fine), for multi-attempt scenarios
#   counts  -- plain tshark counts the capture must show: value n, (lo, hi) or {4: .., 6: ..}
#   note    -- note column text; `notes` maps a reason to a per-attempt note (multi-attempt scenarios)

SCENARIOS = []


def scenario(name, fams=(4, 6), routed=False, expect=None, counts=None, note="", notes=None, tries=2, check=None):
    def deco(fn):
        for fam in fams:
            SCENARIOS.append(dict(name=name if fam is None else "%s-v%d" % (name, fam), fam=fam or 4,
                                  routed=routed, fn=fn, expect=expect, counts=counts or {}, note=note,
                                  notes=notes or {}, tries=tries, check=check))
        return fn
    return deco


def server_http(lab, port=PORT, wait="ready", **kw):
    args = ["server", "--addr", lab.server, "--port", port]
    for k, v in kw.items():
        args += ["--" + k.replace("_", "-")] + ([] if v is True else [v])
    p = lab.peer("s", *args)
    p.wait_event(wait)
    return p


def client_result(p, tag=None):
    for ev in p.events:
        if ev.get("event") == "connect" and (tag is None or ev.get("tag") == tag):
            return ev
    return {}


def client(lab, *args, want=None, dst=None, wait=10):
    c = lab.peer("c", "client", "--dst", dst or lab.server, "--port", PORT, *args)
    c.wait(wait)
    got = client_result(c).get("result")
    if want is not None and got not in (want if isinstance(want, tuple) else (want,)):
        raise ScenarioError("client connect() -> %s (want %s); events %s; rc %s; stderr %s" % (
            got, want, c.events, c.p.returncode, " | ".join(c.err[-5:])))
    return got


V6_LOCK_NOTE = ("1st ICMPv6 arrived while connect() still held the socket lock (LockDroppedIcmps): IPv6 keeps "
                "it as a soft error, SYN retransmitted at 1s, 2nd ICMPv6 aborts")


@scenario("success", expect=["established"], counts=dict(syn=1, synack=1, rst=0, icmp=0, data=(2, None)),
          note="connect() ok, HTTP/1.0 GET and 200 OK, server closes (FIN) after the response")
def sc_success(lab, cap):
    server_http(lab)
    lab.start_capture(cap)
    client(lab, "--mode", "http", want="ok")


@scenario("refused", expect=["refused"], counts=dict(syn=1, synack=0, rst=1, icmp=0),
          note="no listener on the port: the server kernel answers the SYN with RST,ACK")
def sc_refused(lab, cap):
    lab.start_capture(cap)
    return "connect() -> " + client(lab, want="ECONNREFUSED")


@scenario("no-answer", expect=["no-answer"], counts=dict(syn=2, synack=0, rst=0, icmp=0, echo=2),
          note="server nft drops every SYN; client kernel retransmits it at 1s; app gives up at 1.5s")
def sc_no_answer(lab, cap):
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; tcp dport %d drop; } }" % PORT)
    server_http(lab)
    lab.start_capture(cap)
    got = client(lab, "--timeout", "1.5", want="timeout")
    time.sleep(1.5)
    lab.ping()
    return "connect() -> %s; 1.5s later the client pings the server (answered), so the capture goes on " \
           "after the app gave up" % got


ICMP_KINDS = {
    # kind: (nft IPv4 reject type, nft IPv6 reject type, errno seen by connect())
    "port": ("port-unreachable", "port-unreachable", "ECONNREFUSED"),
    "host": ("host-unreachable", "addr-unreachable", "EHOSTUNREACH"),
    "net": ("net-unreachable", "no-route", "ENETUNREACH"),
    "admin": ("admin-prohibited", "admin-prohibited", ("EHOSTUNREACH", "EACCES")),
    "neigh": (None, None, "EHOSTUNREACH"),
}


def nft_reject(lab, role, hook, kind):
    v4, v6, _ = ICMP_KINDS[kind]
    rej = ("icmp type %s" % v4) if lab.fam == 4 else ("icmpv6 type %s" % v6)
    lab.nft(role, "table inet f { chain c { type filter hook %s priority 0; meta nfproto %s tcp dport %d "
            "reject with %s; } }" % (hook, "ipv4" if lab.fam == 4 else "ipv6", PORT, rej))


def make_icmp_server(kind):
    def fn(lab, cap):
        nft_reject(lab, "s", "input", kind)
        server_http(lab)
        lab.start_capture(cap)
        return "connect() -> " + client(lab, want=ICMP_KINDS[kind][2])
    return fn


def make_icmp_router(kind):
    def fn(lab, cap):
        dst = lab.server
        want = ICMP_KINDS[kind][2]
        if kind == "net":
            dst = lab.a["nonet"]          # the router has no route at all: kernel-generated net unreachable
            want = "ENETUNREACH"
        elif kind == "neigh":
            dst = lab.a["neigh"]          # on the router's server link, but nobody answers ARP/ND for it
            lab.sysctl("r", "net.ipv4.neigh.r1.mcast_solicit=1", "net.ipv4.neigh.r1.retrans_time_ms=500",
                       "net.ipv6.neigh.r1.mcast_solicit=1", "net.ipv6.neigh.r1.retrans_time_ms=500")
        else:
            nft_reject(lab, "r", "forward", kind)
        server_http(lab)
        lab.start_capture(cap)
        return "connect() -> " + client(lab, dst=dst, want=want)
    return fn


ICMP_V6_RACE = dict(syn={4: 1, 6: (1, 2)}, icmp={4: 1, 6: (1, 2)}, synack=0, rst=0)
for _k in ("port", "host", "net", "admin"):
    _v4, _v6, _ = ICMP_KINDS[_k]
    scenario("icmp-server-" + _k, expect=["icmp-unreachable"], counts=ICMP_V6_RACE,
             note={4: "server nft input 'reject with icmp type %s' on the SYN" % _v4,
                   6: "server nft input 'reject with icmpv6 type %s' on the SYN" % _v6})(make_icmp_server(_k))
    if _k != "net":
        scenario("icmp-router-" + _k, routed=True, expect=["icmp-unreachable"], counts=ICMP_V6_RACE,
                 note={4: "router nft forward 'reject with icmp type %s' on the SYN" % _v4,
                       6: "router nft forward 'reject with icmpv6 type %s' on the SYN" % _v6})(make_icmp_router(_k))
scenario("icmp-router-net", routed=True, expect=["icmp-unreachable"], counts=ICMP_V6_RACE,
         note={4: "router has no route to 203.0.113.0/24: kernel ICMP net unreachable",
               6: "router has no route to 2001:db8:3::/64: kernel ICMPv6 no route"})(make_icmp_router("net"))
scenario("icmp-router-neigh", routed=True, expect=["icmp-unreachable"],
         counts=dict(syn=1, icmp=1, synack=0, rst=0),
         note={4: "router's ARP for 198.51.100.99 on its server link gets no reply (mcast_solicit=1, 500ms): "
                  "kernel ICMP host unreachable",
               6: "router's ND for 2001:db8:2::99 on its server link gets no reply (mcast_solicit=1, 500ms): "
                  "kernel ICMPv6 address unreachable"})(make_icmp_router("neigh"))


def nft_drop_first(lab, hook, match, key_dir):
    """nft ruleset dropping only the FIRST packet matching `match` per client (addr, port), via a dynamic set."""
    typ = "ipv4_addr . inet_service" if lab.fam == 4 else "ipv6_addr . inet_service"
    key = "%s %s . tcp %s" % ("ip" if lab.fam == 4 else "ip6", key_dir[0], key_dir[1])
    return ("table inet f {\n set seen { type %s; flags dynamic,timeout; timeout 1m; }\n"
            " chain c { type filter hook %s priority 0;\n"
            "  %s %s != @seen add @seen { %s } drop\n }\n}\n" % (typ, hook, match, key, key))


@scenario("syn-lost", expect=["established-after-retry"], counts=dict(syn=2, synack=1, rst=0, icmp=0, data=(2, None)),
          note="server nft drops the first SYN; client kernel retransmits it at 1s; handshake, GET/200 OK")
def sc_syn_lost(lab, cap):
    lab.nft("s", nft_drop_first(lab, "input", "tcp dport %d tcp flags & (syn|ack) == syn" % PORT, ("saddr", "sport")))
    server_http(lab)
    lab.start_capture(cap)
    client(lab, "--mode", "http", want="ok")


@scenario("synack-lost", expect=["established-after-retry"],
          counts=dict(syn=(1, 2), synack=(1, 2), rst=0, icmp=0, data=(2, None)),
          note="server nft drops the first SYN-ACK; at 1s client SYN retransmit and server SYN-ACK timer "
               "both fire, so a 2nd SYN-ACK may land just after the ACK (data follows: not half-open)")
def sc_synack_lost(lab, cap):
    lab.nft("s", nft_drop_first(lab, "output", "tcp sport %d tcp flags & (syn|ack) == syn|ack" % PORT,
                                ("daddr", "dport")))
    server_http(lab)
    lab.start_capture(cap)
    client(lab, "--mode", "http", want="ok")


@scenario("ack-lost", expect=["half-open"], counts=dict(syn=1, synack=2, rst=1, fin=1, data=0, icmp=0),
          note="server nft drops the client's pure ACKs: SYN-ACK retransmitted at 1s, re-ACK dropped too; "
               "client (connected) sends nothing, closes at 3.3s after the server gave up: FIN -> RST")
def sc_ack_lost(lab, cap):
    lab.sysctl("s", "net.ipv4.tcp_synack_retries=1")
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; "
            "tcp dport %d tcp flags == ack drop; } }" % PORT)
    server_http(lab)
    lab.start_capture(cap)
    client(lab, "--mode", "hold", "--hold", "3.3", want="ok")


@scenario("raw-syn", expect=["aborted-by-client"], counts=dict(syn=1, synack=1, rst=1, icmp=0),
          note="SYN from a raw socket (no kernel socket on the port): client kernel RSTs the SYN-ACK")
def sc_raw_syn(lab, cap):
    server_http(lab)
    lab.start_capture(cap)
    c = lab.peer("c", "rawsyn", "--src", lab.client, "--dst", lab.server, "--port", PORT, "--hold", "0.3")
    c.wait(10)


@scenario("server-reset", expect=["reset-after-established"], counts=dict(syn=1, synack=1, rst=1, data=0),
          note="server accept()s, then SO_LINGER 0 close() after 0.1s, nothing sent: RST")
def sc_server_reset(lab, cap):
    server_http(lab, mode="accept-reset", delay=0.1)
    lab.start_capture(cap)
    c = lab.peer("c", "client", "--dst", lab.server, "--port", PORT, "--mode", "read", "--hold", "3")
    c.wait(10)
    r = [e.get("result") for e in c.events if e.get("event") == "read"]
    return "client recv() -> %s" % (r[0] if r else "?")


@scenario("server-close", expect=["closed-before-data"], counts=dict(syn=1, synack=1, rst=0, fin=2, data=0),
          note="server accept()s, then close() after 0.1s, nothing sent: FIN; client reads EOF, closes")
def sc_server_close(lab, cap):
    server_http(lab, mode="accept-close", delay=0.1)
    lab.start_capture(cap)
    client(lab, "--mode", "read", "--hold", "3", want="ok")


@scenario("client-reset", expect=["reset-after-established"], counts=dict(syn=1, synack=1, rst=1, fin=0, data=0),
          note="client connect()s, then SO_LINGER 0 close() after 0.1s, nothing sent: RST")
def sc_client_reset(lab, cap):
    server_http(lab, mode="accept-hold")
    lab.start_capture(cap)
    client(lab, "--mode", "linger0", "--hold", "0.1", want="ok")


def syn_backoff_exponential(lab, role="c"):
    """Linux 6.16+ retransmits SYNs at 1s intervals (tcp_syn_linear_timeouts=4); the classic 1s, 2s, 4s... keeps
    a scenario's SYN schedule (and its capture) the same on every kernel."""
    if os.path.exists("/proc/sys/net/ipv4/tcp_syn_linear_timeouts"):
        lab.sysctl(role, "net.ipv4.tcp_syn_linear_timeouts=0")


def run_overflow(lab, cap, abort):
    lab.sysctl("s", "net.ipv4.tcp_abort_on_overflow=%d" % abort, "net.ipv4.tcp_synack_retries=1")
    syn_backoff_exponential(lab)     # TCP_SYNCNT 1: SYN and one retransmission, 1s later
    # Pace the client's TCP segments ~70ms apart, so that the SYNs of B and C both reach the listener before
    # B's ACK does (on a zero-delay veth each handshake would otherwise complete before the next SYN).
    lab.shape("c", "c0")
    server_http(lab, mode="noaccept", backlog=1, life=15)
    lab.start_capture(cap)
    c = lab.peer("c", "multi", "--dst", lab.server, "--port", PORT, "--starts", "0,0.05,0.05,0.6", "--syncnt", 1,
                 "--timeout", 4, "--hold", 10)
    t0 = c.wait_event("go")["t0"]
    time.sleep(max(0.0, t0 + 3.1 - time.time()))   # D's SYNs: 0.6s and 1.6s (TCP_SYNCNT 1); connect() fails at 3.6s
    lab.ping()                       # the capture goes on 1.5s past D's last SYN
    lab.stop_capture(settle=0.2)     # and ends while the clients still hold their sockets
    c.send("stop")
    c.wait(5)


OVERFLOW_NOTES = {
    "established": "listen(1), never accept()ed: sits in the accept queue (holds 2); client idle",
    "no-answer": "SYN at 0.6s, accept queue full: listener drops it and its retransmission at 1.6s; the client "
                 "pings the server at 3.1s, the capture ends at 3.3s",
}


@scenario("overflow-abort0", tries=3, expect=["established", "established", "half-open", "no-answer"],
          counts=dict(syn=5, synack=4, rst=0, icmp=0, data=0, echo=2),
          notes=dict(OVERFLOW_NOTES, **{
              "half-open": "tcp_abort_on_overflow=0: ACK hit the full accept queue and was dropped; server "
                           "retransmits SYN-ACK, re-ACK dropped again; client thinks it is connected"}),
          note="listen(1), no accept()")
def sc_overflow0(lab, cap):
    run_overflow(lab, cap, 0)


@scenario("overflow-abort1", tries=3, expect=["established", "established", "reset-after-established", "no-answer"],
          counts=dict(syn=5, synack=3, rst=1, icmp=0, data=0, echo=2),
          notes=dict(OVERFLOW_NOTES, **{
              "reset-after-established": "tcp_abort_on_overflow=1: ACK hit the full accept queue, server "
                                         "answered it with RST (client connect() had succeeded)"}),
          note="listen(1), no accept()")
def sc_overflow1(lab, cap):
    run_overflow(lab, cap, 1)


@scenario("port-reuse", expect=["refused", "established"], counts=dict(syn=2, synack=1, rst=1, icmp=0, data=(2, None)),
          notes={"refused": "client bound to port 40123, no listener yet: RST,ACK (ECONNREFUSED)",
                 "established": "same 4-tuple after the listener started, new ISN: handshake, GET/200 OK"})
def sc_port_reuse(lab, cap):
    lab.start_capture(cap)
    c = lab.peer("c", "reuse", "--dst", lab.server, "--port", PORT, "--bind-port", 40123)
    c.wait_event("waiting")
    server_http(lab)
    c.send("go")
    c.wait(10)
    if client_result(c, "first").get("result") != "ECONNREFUSED" or client_result(c, "second").get("result") != "ok":
        raise ScenarioError("client: %s" % c.events)


@scenario("midstream", expect=["handshake-not-seen"], counts=dict(syn=0, synack=0, data=6, icmp=0),
          note="tcpdump started after the handshake: 3 request/reply exchanges, then FIN close")
def sc_midstream(lab, cap):
    server_http(lab, mode="echo")
    c = lab.peer("c", "mid", "--dst", lab.server, "--port", PORT)
    r = c.wait_event("connect")
    if r.get("result") != "ok":
        raise ScenarioError("client: %s" % r)
    time.sleep(0.2)
    lab.start_capture(cap)
    c.send("go")
    c.wait(10)


def seed_check(infos):
    have = [i["reason"] for i in infos]
    errs = []
    if len(have) != 8:
        errs.append("%d attempts (want 8)" % len(have))
    if not any(r in ("refused", "reset-after-established", "no-answer") for r in have):
        errs.append("no failed attempt")
    for r in ("established", "established-after-retry"):
        if r not in have:
            errs.append("no %s" % r)
    bad = set(have) - {"established", "established-after-retry", "refused", "reset-after-established", "no-answer"}
    if bad:
        errs.append("unexpected %s" % sorted(bad))
    return "; ".join(errs)


@scenario("seed-burst", fams=(None,), tries=3, check=seed_check, counts=dict(syn=(8, None), data=(8, None), icmp=0),
          notes={"established": "accepted at once; GET/200 OK",
                 "established-after-retry": "1st SYN dropped (accept queue of listen(2) full, server busy); "
                                            "SYN retransmit at 1s accepted; GET/200 OK",
                 "refused": "nft 'ct count over 6 reject with tcp reset' (7th/8th concurrent connection): "
                            "app says 'Could not connect to the server'",
                 "reset-after-established": "reset after the handshake",
                 "no-answer": "SYNs never answered"},
          note="HTTP/1.0 client, 8 GETs 10ms apart; single-threaded server, 150ms per request")
def sc_seed(lab, cap):
    # per-client connection cap (like a connlimit rule on a small web server) ...
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; "
            "tcp dport %d ct state new ct count over 6 reject with tcp reset; } }" % PORT)
    # ... in front of a slow single-threaded server with a small accept queue
    server_http(lab, backlog=2, serial=True, delay=0.15, life=20)
    lab.start_capture(cap)
    c = lab.peer("c", "burst", "--dst", lab.server, "--port", PORT, "--count", 8, "--stagger", 0.01,
                 "--timeout", 5)
    c.wait_event("all-done", 15)
    c.wait(5)


def wait_for_failed_connect(c, timeout):
    """The first connect() of client `c` that failed, as its event."""
    deadline = time.time() + timeout
    while True:
        ev = c.wait_event("connect", max(0.1, deadline - time.time()))
        if ev.get("result") != "ok":
            return ev


def queue_timeout_check(infos):
    """The point of the scenario: a retried, unanswered attempt whose last SYN is within 1 s of the end."""
    cut = [i for i in infos if i["reason"] == "no-answer" and i["syn"] > 1 and i["end_gap"] < 1.0]
    errs = [] if cut else ["no retried no-answer attempt within 1s of the end"]
    if not any(i["reason"].startswith("established") for i in infos):
        errs.append("no established attempt")
    return "; ".join(errs)


@scenario("queue-timeout", tries=3, check=queue_timeout_check, counts=dict(syn=(8, None), icmp=0),
          notes={"established": "accepted into the queue at once; GET sent, served in turn",
                 "established-after-retry": "SYNs dropped while the accept queue was full; a retransmission "
                                            "found room after the server accepted one",
                 "no-answer": "every SYN dropped (accept queue full: listen(1), server busy 1.2s per request); "
                              "connect() times out at 2.5s, the app reports 'Could not connect to the server' "
                              "and tcpdump is stopped 30ms later, while the kernel's next SYN was due"},
          note="HTTP/1.0 client, 8 GETs 10ms apart, 2.5s connect timeout; single-threaded server, listen(1)")
def sc_queue_timeout(lab, cap):
    # A small, slow server: its accept queue overflows, and the kernel drops SYNs while it is full.
    server_http(lab, backlog=1, serial=True, delay=1.2, life=20)
    lab.start_capture(cap)
    c = lab.peer("c", "burst", "--dst", lab.server, "--port", PORT, "--count", 8, "--stagger", 0.01,
                 "--timeout", 2.5)
    failed = wait_for_failed_connect(c, 10)
    time.sleep(0.03)                 # the user stops the capture right after the app's error
    lab.stop_capture(settle=0)
    c.wait(15)
    return "first connect() failure: %s after %ss" % (failed.get("result"), failed.get("secs"))


@scenario("firewall-drop", expect=["no-answer"], counts=dict(syn=3, synack=0, rst=0, icmp=0, echo=2),
          note="server nft drops every SYN; client SYNs at 0s, 1s and 3s (exponential backoff); the app gives "
               "up at 3.5s; 1.5s later the client pings the server (answered), so the capture goes on")
def sc_firewall_drop(lab, cap):
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; tcp dport %d drop; } }" % PORT)
    syn_backoff_exponential(lab)
    server_http(lab)
    lab.start_capture(cap)
    got = client(lab, "--timeout", "3.5", want="timeout")
    time.sleep(1.5)
    lab.ping()
    return "connect() -> %s" % got


@scenario("synack-resent", expect=["half-open"], counts=dict(syn=1, synack=4, rst=0, fin=0, icmp=0, echo=2),
          note="the client's own nft output rule drops its pure ACKs before tcpdump sees them; the server "
               "(tcp_synack_retries=3) re-sends its SYN-ACK at 1s, 3s and 7s, then gives up; connect() "
               "returned at once and the client sends nothing; the client pings the server at 8.2s")
def sc_synack_resent(lab, cap):
    lab.sysctl("s", "net.ipv4.tcp_synack_retries=3")
    lab.nft("c", "table inet f { chain out { type filter hook output priority 0; "
            "tcp dport %d tcp flags == ack drop; } }" % PORT)
    server_http(lab, mode="accept-hold", life=15)
    lab.start_capture(cap)
    c = lab.peer("c", "client", "--dst", lab.server, "--port", PORT, "--mode", "hold", "--hold", "9")
    ev = c.wait_event("connect")
    if ev.get("result") != "ok":
        raise ScenarioError("client: %s" % ev)
    time.sleep(8.2)
    lab.ping()
    lab.stop_capture(settle=0.3)     # before the client closes its socket
    c.wait(5)


INFLIGHT_NOTES = {
    0: "connect() to port 81, where the server's nft drops every SYN, started 2.65s before tcpdump is stopped "
       "(SIGINT), still waiting then: SYNs at 0s and 1s, the 3s retransmission (exponential backoff: "
       "tcp_syn_linear_timeouts=0 on the client) falls after the stop; its last SYN is about 1.3s before the "
       "capture's last frame",
    1: "connect() to the echo server on port 80 at 1.4s: one line sent and echoed, the connection still open "
       "when the capture stops",
    2: "connect() to port 81 (SYNs dropped) started 1.55s before tcpdump is stopped: SYNs at 0s and 1s, the "
       "retransmission 0.1s before the stop: the client's own statement that no answer came",
    3: "connect() to port 81 (SYNs dropped) started 0.35s before tcpdump is stopped: the app is still waiting",
    4: "connect() to port 82, started 0.3s before tcpdump is stopped: SYN, SYN-ACK, and the client's ACK is "
       "dropped by its own nft output rule (before tcpdump sees it), so the server waits for it; connect() "
       "returned; the server's SYN-ACK retransmission falls after the stop",
}


@scenario("inflight", tries=3, expect=["no-answer", "established", "no-answer", "capture-ended", "capture-ended"],
          counts=dict(syn=7, synack=2, rst=0, fin=0, icmp=0, data=2), notes=INFLIGHT_NOTES,
          note="capture stopped while connects are in flight")
def sc_inflight(lab, cap):
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; tcp dport 81 drop; } }")
    lab.nft("c", "table inet f { chain out { type filter hook output priority 0; "
            "tcp dport 82 tcp flags == ack drop; } }")
    syn_backoff_exponential(lab)
    server_http(lab, mode="echo")
    server_http(lab, port=82, mode="accept-hold")
    lab.start_capture(cap)
    c = lab.peer("c", "inflight", "--dst", lab.server, "--plan",
                 "0:81:wait,1.4:80:echo,1.55:81:wait,2.3:81:wait,2.35:82:wait",
                 "--timeout", 10, "--hold", 10)
    t0 = c.wait_event("go")["t0"]
    time.sleep(max(0.0, t0 + 2.65 - time.time()))
    lab.stop_capture(settle=0)       # tcpdump is stopped while four connects wait
    c.send("stop")
    c.wait(5)


@scenario("same-isn-refused", expect=["refused"], counts=dict(syn=3, synack=0, rst=3, icmp=0, data=0),
          note="raw-socket client (no kernel socket on its port), no listener: the SAME SYN (same port, same "
               "ISN) sent again 0.5s after each RST, like Windows' connect() retries; one attempt, the last RST "
               "decides")
def sc_same_isn_refused(lab, cap):
    lab.start_capture(cap)
    c = lab.peer("c", "rawretry", "--src", lab.client, "--dst", lab.server, "--port", PORT, "--tries", 3,
                 "--gap", 0.5)
    c.wait(10)
    if [e.get("event") for e in c.events].count("rst") != 3:
        raise ScenarioError("client: %s" % c.events)


@scenario("same-isn-retry", expect=["established-after-retry"],
          counts=dict(syn=3, synack=1, rst=2, icmp=0, data=(2, None)),
          note="raw-socket client, no listener: the SAME SYN sent again 0.5s after each RST; the server starts "
               "listening after the 2nd RST, so the 3rd SYN gets a SYN-ACK; the raw client ACKs, sends a GET, "
               "gets 200 OK and closes with FIN (client nft drops its kernel's RSTs to the unknown connection)")
def sc_same_isn_retry(lab, cap):
    lab.nft("c", "table inet f { chain out { type filter hook output priority 0; "
            "tcp dport %d tcp flags & rst == rst drop; } }" % PORT)
    srv = server_http(lab, listen_on_go=True, wait="bound")
    lab.start_capture(cap)
    c = lab.peer("c", "rawretry", "--src", lab.client, "--dst", lab.server, "--port", PORT, "--tries", 3,
                 "--gap", 0.5)
    c.wait_event("rst")
    c.wait_event("rst")
    srv.send("go")                  # listen() now, before the client's 3rd SYN (0.5s after its 2nd)
    srv.wait_event("ready")
    c.wait(10)
    r = [e for e in c.events if e.get("event") == "response"]
    if not r or "200" not in r[0].get("status", ""):
        raise ScenarioError("client: %s" % c.events)


STALE_PORT = 40321
STALE_NOTES = {
    "established": "client bound to port %d connects, one line echoed, then SO_LINGER 0 close(): the client's "
                   "nft output rule drops that RST,ACK, so the server still holds the connection (no FIN or RST "
                   "in the capture)" % STALE_PORT,
    "established-after-retry": "new connect() from the same port, new ISN: the server answers the SYN with a "
                               "bare ACK of its old connection (RFC 5961 challenge ACK); the client kernel "
                               "answers that with RST (seq = the ACK's ack number), which clears the server's "
                               "old connection, and retransmits the SYN at once (Linux re-arms the SYN timer "
                               "at its minimum after an unacceptable ACK); SYN-ACK, one line echoed",
    "stale-connection": "new connect() from the same port, new ISN: the server's nft drops the client kernel's "
                        "RSTs, so every SYN it answers gets a bare ACK of the stale connection (challenge ACKs "
                        "are limited to one per 500ms per socket: the immediate SYN retransmission gets none); "
                        "connect() times out at 3.5s, and 1.5s later the client pings the server",
}


def stale_connection(lab, cap, timeout, second):
    """The client's first connection vanishes silently on its side (its RST,ACK is dropped), then it
    connects again from the same port; `second` is the result the second connect() must have."""
    lab.nft("c", "table inet f { chain out { type filter hook output priority 0; "
            "tcp sport %d tcp flags & (rst|ack) == rst|ack drop; } }" % STALE_PORT)
    server_http(lab, mode="echo")
    lab.start_capture(cap)
    c = lab.peer("c", "stale", "--dst", lab.server, "--port", PORT, "--bind-port", STALE_PORT, "--hold", 0.3,
                 "--timeout", timeout)
    c.wait(15)
    if [client_result(c, t).get("result") for t in ("first", "second")] != ["ok", second]:
        raise ScenarioError("client: %s" % c.events)


@scenario("stale-ack", tries=3, expect=["established", "established-after-retry"],
          counts=dict(syn=(3, None), synack=2, icmp=0, data=(4, None)), notes=STALE_NOTES,
          note="stale connection on the server")
def sc_stale_ack(lab, cap):
    stale_connection(lab, cap, timeout=5, second="ok")


@scenario("stale-persist", tries=3, expect=["established", "stale-connection"],
          counts=dict(syn=(2, None), synack=1, icmp=0, data=2, echo=2), notes=STALE_NOTES,
          note="stale connection on the server")
def sc_stale_persist(lab, cap):
    # The server also drops the client's RSTs, so it never lets the old connection go.
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; "
            "tcp sport %d tcp flags & rst == rst drop; } }" % STALE_PORT)
    stale_connection(lab, cap, timeout=3.5, second="timeout")
    time.sleep(1.5)
    lab.ping()


# ---------------------------------------------------------------------------- names: DNS, then connect
#
# An application (Debian's curl) resolves a name through a DNS server in the server namespace (Debian's
# dnsmasq) and connects, trying the addresses as it does: Happy Eyeballs between IPv6 and IPv4, the next
# address when one fails.  Both address families are in one capture (fams=(None,)), and the capture keeps
# the DNS exchange.  Besides its attempts' labels, each scenario records what the application reported
# (lab.apps), from which the driver writes the connects' ground truth (connects.tsv).

NAME_ADDR = {4: ["192.0.2.31", "192.0.2.32", "192.0.2.41", "192.0.2.71"], 6: ["2001:db8:1::31"]}
# pool.example.com's addresses.  dnsmasq rotates a name's records from one answer to the next, and glibc sorts
# IPv4 addresses of the client's subnet by their common prefix with its address (RFC 6724 rule 9: 192.0.2.10
# xor .31, .41, .71 has its highest bit at 5, 6, 7), so the client tries them in this order whatever the
# rotation; .31, .32, .33 would leave .32 and .33 tied, in dnsmasq's order of the moment.
POOL = ["192.0.2.31", "192.0.2.41", "192.0.2.71"]
# dnsmasq's records: a hosts file (a name with several addresses gets them all; a type the name has no
# record of gets NODATA) and a CNAME; --local keeps every other example.com name local (NXDOMAIN)
DNS_HOSTS = [
    ("192.0.2.31", "dual.example.com"), ("2001:db8:1::31", "dual.example.com"),    # dual-stack
    ("192.0.2.31", "pool.example.com"), ("192.0.2.41", "pool.example.com"),        # three A records
    ("192.0.2.71", "pool.example.com"),
    ("192.0.2.32", "single.example.com"),                                          # one A record
]
DNSMASQ_OPTIONS = ["--cname=www.example.com,dual.example.com", "--local=/example.com/"]


def name_lab(lab, delay=0.0):
    """The server gets the NAME_ADDR addresses (the client static neighbours for them), an HTTP server on
    every address (one socket per family; `delay` before each response), and dnsmasq on 192.0.2.20; the client's resolv.conf points to it
    (ip netns exec bind-mounts /etc/netns/NS/*; a hosts file of its own keeps the host's out)."""
    for tool, pkg in (("dnsmasq", "dnsmasq-base"), ("curl", "curl"), ("getent", "libc-bin")):
        if not shutil.which(tool):
            raise ScenarioError("missing '%s' (apt-get install %s)" % (tool, pkg))
    mac = lab.mac("s", "s0")
    for fam, addrs in NAME_ADDR.items():
        for addr in addrs:
            lab.ip("s", "addr", "add", "%s/%d" % (addr, ADDR[fam]["plen"]), "dev", "s0",
                   *(["nodad"] if fam == 6 else []))
            lab.ip("c", "neigh", "replace", addr, "lladdr", mac, "dev", "c0", "nud", "permanent")
    etc = os.path.join("/etc/netns", lab.ns["c"])
    os.makedirs(etc, exist_ok=True)
    lab.etc.append(etc)
    with open(os.path.join(etc, "resolv.conf"), "w") as fh:
        fh.write("nameserver %s\n" % ADDR[4]["s"])
    with open(os.path.join(etc, "hosts"), "w") as fh:
        # (with the host's own name: something in curl looks it up as it ends, and it must not go to DNS)
        fh.write("127.0.0.1 localhost\n::1 localhost\n127.0.1.1 %s\n" % socket.gethostname())
    tmp = tempfile.mkdtemp(prefix="realgen-dns-")
    lab.etc.append(tmp)
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as fh:
        fh.write("".join("%s %s\n" % h for h in DNS_HOSTS))
    lab.spawn("s", ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts",
                    "--addn-hosts=" + hosts, "--listen-address=%s" % ADDR[4]["s"], "--bind-interfaces"]
              + DNSMASQ_OPTIONS, name="s:dnsmasq")
    for addr in ("0.0.0.0", "::"):
        lab.peer("s", "server", "--addr", addr, "--port", PORT, "--life", 30, "--delay", delay).wait_event("ready")
    deadline = time.time() + 5
    while not resolve(lab, "single.example.com"):
        if time.time() > deadline:
            raise ScenarioError("dnsmasq does not answer")
        time.sleep(0.05)


def resolve(lab, name):
    """The addresses the client's resolver gives for `name`, in its order (getent ahosts: getaddrinfo)."""
    p = run(["ip", "netns", "exec", lab.ns["c"], "getent", "ahosts", name], check=False)
    out = []
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 2 and f[1] == "STREAM" and f[0] not in out:
            out.append(f[0])
    return out


class Curl:
    """One curl run in the client namespace: its start..end time window and its -w '%{json}' report."""

    def __init__(self, lab, url, *args, note=""):
        self.url = url
        self.name = url.split("//", 1)[1].split("/", 1)[0].split(":")[0]
        self.args = [str(a) for a in args]
        self.note = note
        self.start = time.time()
        self.p = subprocess.Popen(["ip", "netns", "exec", lab.ns["c"], "curl", "-s", "-o", "/dev/null",
                                   "-w", "%{json}"] + self.args + [url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.end = None
        self.report = {}
        lab.apps.append(self)

    def wait(self, timeout=20):
        try:
            out, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.communicate()
            raise ScenarioError("curl %s did not finish within %ss" % (self.url, timeout))
        self.end = time.time()
        try:
            self.report = json.loads(out)
        except ValueError:
            raise ScenarioError("curl %s: no JSON report (exit %s): %r" % (self.url, self.p.returncode, out[:200]))
        return self

    def expect(self, exitcode, remote_ip=None):
        r = self.report
        if r.get("exitcode") != exitcode or (remote_ip and r.get("remote_ip") != remote_ip):
            raise ScenarioError("curl %s: exit %s via %s (want exit %s via %s): %s" % (
                self.url, r.get("exitcode"), r.get("remote_ip"), exitcode, remote_ip, r.get("errormsg")))
        return self

    def said(self):
        """What the application reported, for connects.tsv's note."""
        r = self.report
        parts = ["curl %s %s: exit %s" % (" ".join(self.args), self.url, r.get("exitcode"))]
        if r.get("exitcode") == 0:
            parts.append("HTTP %s from %s port %s (local port %s), num_connects %s, time_connect %.3fs" % (
                r.get("http_code"), r.get("remote_ip"), r.get("remote_port"), r.get("local_port"),
                r.get("num_connects"), r.get("time_connect", 0)))
        else:
            parts.append(r.get("errormsg") or "?")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def end_after_app(lab, gap=1.5):
    """The usual end: 1.5s after the application is done, the client pings the server (answered)."""
    time.sleep(gap)
    lab.ping()


def v6_rule(action):
    return ("table inet f { chain input { type filter hook input priority 0; "
            "ip6 daddr %s tcp dport %d %s; } }" % (NAME_ADDR[6][0], PORT, action))


HE = "--happy-eyeballs-timeout-ms"


@scenario("he-v6-drop", fams=(None,), expect=["no-answer", "established"],
          counts=dict(syn=2, synack=1, rst=0, icmp=0, data=(2, None), echo=2, dns=(4, None)),
          notes={0: "IPv6 attempt to www.example.com (CNAME dual.example.com): the server's nft drops IPv6 SYNs "
                    "to it; curl starts IPv4 250ms later (Happy Eyeballs) and closes this socket once IPv4 "
                    "connects: no RST, no SYN retransmission",
                 1: "IPv4 attempt 250ms after the IPv6 one (Happy Eyeballs): handshake, GET/200 OK"})
def sc_he_v6_drop(lab, cap):
    name_lab(lab)
    lab.nft("s", v6_rule("drop"))
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    Curl(lab, "http://www.example.com/", HE, 250, "--connect-timeout", 5).wait().expect(0, NAME_ADDR[4][0])
    end_after_app(lab)


@scenario("he-v6-refused", fams=(None,), expect=["refused", "established"],
          counts=dict(syn=2, synack=1, rst=1, icmp=0, data=(2, None), echo=2, dns=(4, None)),
          notes={0: "IPv6 attempt to www.example.com (CNAME dual.example.com): the server's nft answers IPv6 "
                    "SYNs to it with 'reject with tcp reset'",
                 1: "IPv4 attempt at once after the IPv6 RST: handshake, GET/200 OK"})
def sc_he_v6_refused(lab, cap):
    name_lab(lab)
    lab.nft("s", v6_rule("reject with tcp reset"))
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    Curl(lab, "http://www.example.com/", HE, 250, "--connect-timeout", 5).wait().expect(0, NAME_ADDR[4][0])
    end_after_app(lab)


@scenario("he-both-drop", fams=(None,), expect=["no-answer", "no-answer"],
          counts=dict(syn=(4, 5), synack=0, rst=0, icmp=0, echo=2, dns=(4, None)),
          notes={0: "IPv6 attempt to www.example.com (CNAME dual.example.com): SYNs dropped by the server's nft; "
                    "SYN retransmitted at 1s; curl gives up at 3s (--connect-timeout 3) and closes the socket",
                 1: "IPv4 attempt 250ms later (Happy Eyeballs): SYNs dropped too; retransmitted at 1s; closed "
                    "when curl gives up"})
def sc_he_both_drop(lab, cap):
    name_lab(lab)
    syn_backoff_exponential(lab)
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; "
            "ip6 daddr %s tcp dport %d drop; ip daddr %s tcp dport %d drop; } }"
            % (NAME_ADDR[6][0], PORT, NAME_ADDR[4][0], PORT))
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    Curl(lab, "http://www.example.com/", HE, 250, "--connect-timeout", 3).wait().expect(28)
    end_after_app(lab)


@scenario("pool-fallback", fams=(None,), expect=["no-answer", "refused", "established"],
          counts=dict(syn=5, synack=1, rst=1, icmp=0, data=(2, None), echo=2, dns=(4, None)),
          notes={0: "1st A record of pool.example.com in the client's order: the server's nft drops SYNs to it; "
                    "SYN retransmitted at 1s and 3s; curl (--connect-timeout 7) gives it up at half its connect "
                    "timeout (3.5s) and closes the socket",
                 1: "2nd address, tried up to 1s after curl gave up the 1st (curl 7.88 starts the next address "
                    "on its next wakeup, not at once): the server's nft answers SYNs to it with "
                    "'reject with tcp reset'",
                 2: "3rd address, tried up to 1s after the 2nd one's RST: handshake, GET/200 OK"})
def sc_pool_fallback(lab, cap):
    name_lab(lab)
    syn_backoff_exponential(lab)
    orders = [resolve(lab, "pool.example.com") for _ in range(4)]     # (an answer rotates at each query)
    order = orders[0]
    if sorted(order) != sorted(POOL) or any(o != order for o in orders):
        raise ScenarioError("pool.example.com resolves to %s" % orders)
    lab.nft("s", "table inet f { chain input { type filter hook input priority 0; "
            "ip daddr %s tcp dport %d drop; ip daddr %s tcp dport %d reject with tcp reset; } }"
            % (order[0], PORT, order[1], PORT))
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    Curl(lab, "http://pool.example.com/", "--connect-timeout", 7,
         note="the client's resolver order: %s" % ", ".join(order)).wait().expect(0, order[2])
    end_after_app(lab)
    return "the client's resolver order: %s" % ", ".join(order)


@scenario("parallel-same-server", fams=(None,), expect=["established", "established"],
          counts=dict(syn=2, synack=2, rst=0, icmp=0, data=(4, None), echo=2, dns=(4, None)),
          notes={0: "one of two curl processes started at the same moment for single.example.com (one A "
                    "record): handshake, GET, 200 OK after 0.3s",
                 1: "the other curl process, same name, same server address, while the first connection is "
                    "open: handshake, GET, 200 OK after 0.3s"})
def sc_parallel_same_server(lab, cap):
    name_lab(lab, delay=0.3)         # both connections are open at once
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    runs = [Curl(lab, "http://single.example.com/", "--connect-timeout", 4) for _ in range(2)]
    for r in runs:
        r.wait().expect(0, NAME_ADDR[4][1])
    end_after_app(lab)


@scenario("no-dns-fallback", fams=(None,), expect=["no-answer", "established"],
          counts=dict(syn=2, synack=1, rst=0, icmp=0, data=(2, None), echo=2, dns=0),
          notes={0: "IPv6 attempt (curl --resolve, no DNS): the server's nft drops IPv6 SYNs to it; curl starts "
                    "IPv4 250ms later and closes this socket once IPv4 connects",
                 1: "IPv4 attempt 250ms after the IPv6 one (Happy Eyeballs): handshake, GET/200 OK"})
def sc_no_dns_fallback(lab, cap):
    name_lab(lab)
    lab.nft("s", v6_rule("drop"))
    lab.start_capture(cap, DNS_CAPTURE_FILTER)
    res = "www.example.com:%d:[%s],%s" % (PORT, NAME_ADDR[6][0], NAME_ADDR[4][0])
    Curl(lab, "http://www.example.com/", "--resolve", res, HE, 250, "--connect-timeout", 5,
         note="addresses given with --resolve %s, no DNS lookup" % res).wait().expect(0, NAME_ADDR[4][0])
    end_after_app(lab)



# ============================================================================ driver

def fam_value(v, fam):
    return v.get(fam) if isinstance(v, dict) else v


def dns_queries(path):
    """(time, name) of every DNS query in a capture."""
    p = run(["tshark", "-n", "-r", path, "-Y", "dns.flags.response == 0", "-T", "fields", "-e", "frame.time_epoch",
             "-e", "dns.qry.name"], timeout=60)
    out = []
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if len(f) == 2 and f[1]:
            out.append((float(f[0]), f[1]))
    return out


def connect_rows(apps, infos, path):
    """connects.tsv rows (connect, name, attempts, outcome, via, note) from what the applications reported:
    the attempt that connected is the one from curl's local_port to its remote_ip/remote_port; every other
    attempt belongs to the one curl run whose start..end window holds its first SYN."""
    errs = []
    owner = {}
    for a in apps:
        r = a.report
        a.via = None
        if r.get("exitcode") == 0:
            a.via = classify.endpoint(r["remote_ip"], r["remote_port"])
            me = classify.endpoint(r["local_ip"], r["local_port"])
            win = [k for k, i in enumerate(infos) if i["client"] == me and i["server"] == a.via
                   and a.start <= i["first_ts"] <= a.end]
            if len(win) != 1:
                errs.append("curl %s: %d attempts %s -> %s" % (a.url, len(win), me, a.via))
            else:
                owner[win[0]] = a
    for k, i in enumerate(infos):
        if k in owner:
            continue
        cands = [a for a in apps if a.start <= i["first_ts"] <= a.end]
        if len(cands) != 1:
            errs.append("attempt %s -> %s: %d curl runs' windows hold it" % (i["client"], i["server"], len(cands)))
        else:
            owner[k] = cands[0]
    if errs:
        raise ScenarioError("connects: " + "; ".join(errs))
    queries = dns_queries(path)
    rows = []
    done = set()
    for k in sorted(owner, key=lambda k: infos[k]["first_ts"]):
        a = owner[k]
        if id(a) in done:
            continue
        done.add(id(a))
        atts = [infos[j] for j in sorted(owner, key=lambda j: infos[j]["first_ts"]) if owner[j] is a]
        asked = any(a.start <= t <= atts[0]["first_ts"] and q == a.name for t, q in queries)
        rows.append((str(len(rows) + 1), a.name if asked else "", ",".join(i["client"] for i in atts),
                     "connected" if a.via else "failed", a.via or "", a.said()))
    if len(done) != len(apps):
        raise ScenarioError("connects: a curl run without attempts")
    return rows


def attempt_note(sc, info, extra, fam, index=None):
    note = sc["notes"].get(index) or sc["notes"].get(info["reason"]) or fam_value(sc["note"], fam)
    if extra:
        note += "; " + extra
    if fam == 6 and len(info["icmp"]) == 2 and info["syn"] == 2:
        note += "; " + V6_LOCK_NOTE
    return note + " [" + classify.describe(info) + "]"


def view_name(base_file, view):
    return "%s.%s.pcap" % (base_file[:-len(".pcap")], view)


def base_of(name):
    """Scenario name without its address family: 'success-v4' -> 'success'."""
    return name[:-3] if name[-3:] in ("-v4", "-v6") else name


def frame_count(path):
    """Frames tshark reads in a capture (and it must read them without complaint)."""
    p = run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number"], timeout=60)
    if p.stderr.strip() and "Running as user" not in p.stderr:
        raise ScenarioError("tshark complained about %s: %s" % (path, p.stderr.strip()))
    return len(p.stdout.split())


def make_views(base_path, base_rows, outdir, total=None):
    """The views (views_of) of one full capture, labelled from their own packets.  The note of each attempt
    is its note in the full capture (base_rows: client, server, reason, note), then what the view keeps and
    why the reason follows."""
    out = []
    total = total or frame_count(base_path)
    base_file = os.path.basename(base_path)
    for view, command, desc in views_of(base_file[:-len(".pcap")]):
        path = os.path.join(outdir, view_name(base_file, view))
        run(command(base_path, path), timeout=30)
        counts = dict(packets=frame_count(path))
        infos, _ = classify.classify_file(path)
        seen = {}
        rows = []
        for i in infos:
            k = (i["client"], i["server"])
            n = seen.get(k, 0)
            seen[k] = n + 1
            same = [r for r in base_rows if (r[0], r[1]) == k]
            note = same[n][3].rsplit(" [", 1)[0] if n < len(same) else "?"
            if n < len(same) and same[n][2] != i["reason"]:
                note += "; in the full capture: %s" % same[n][2]
            note += "; %s (%d of %d frames kept)" % (desc, counts["packets"], total)
            why = classify.why(i)
            if why:
                note += ": " + why
            rows.append((i["client"], i["server"], i["reason"], note + " [" + classify.describe(i) + "]"))
        out.append(dict(file=os.path.basename(path), rows=rows, infos=infos, packets=counts["packets"]))
    return out


def run_scenario(sc, prefix, outdir):
    name = sc["name"]
    cap = os.path.join(outdir, name + ".pcap")
    t0 = time.time()
    last_err = None
    for attempt in range(1, sc["tries"] + 1):
        if os.path.exists(cap):
            os.unlink(cap)
        lab = None
        try:
            lab = Lab(prefix, name, sc["fam"], sc["routed"])
            extra = sc["fn"](lab, cap)
            apps = lab.apps
            lab.stop_capture()
            lab.close()
            lab = None
            if not os.path.exists(cap):
                raise ScenarioError("no capture written")
            counts, view = tshark_counts(cap)
            errs = check_counts(counts, {k: fam_value(v, sc["fam"]) for k, v in sc["counts"].items()})
            infos, _ = classify.classify_file(cap, [ADDR[sc["fam"]]["c"]])
            reasons = [i["reason"] for i in infos]
            if sc["expect"] is not None and reasons != sc["expect"]:
                errs.append("labels %s (want %s)" % (reasons, sc["expect"]))
            for i in infos:   # cross-check the labeller's endpoints with tshark's own dissection
                if (i["client"], i["server"]) not in counts["endpoints"]:
                    errs.append("tshark has no segment %s -> %s" % (i["client"], i["server"]))
            if sc["check"]:
                e = sc["check"](infos)
                if e:
                    errs.append(e)
            if errs:
                raise ScenarioError("sanity check failed: " + "; ".join(errs) + "\n" + view)
            rows = [(i["client"], i["server"], i["reason"], attempt_note(sc, i, extra, sc["fam"], n))
                    for n, i in enumerate(infos)]
            connects = connect_rows(apps, infos, cap) if apps else None
            views = make_views(cap, rows, outdir, counts["packets"])
            return dict(name=name, file=os.path.basename(cap), ok=True, packets=counts["packets"], infos=infos,
                        rows=rows, tries=attempt, secs=time.time() - t0, counts=counts, views=views,
                        connects=connects)
        except Exception as e:   # noqa: BLE001 -- report everything, retry if allowed
            last_err = e if isinstance(e, ScenarioError) else ScenarioError(traceback.format_exc())
            if STATE["stopping"]:
                break
            sys.stderr.write("[%s] try %d/%d failed: %s\n" % (name, attempt, sc["tries"], last_err))
        finally:
            if lab is not None:
                lab.close()
    return dict(name=name, file=os.path.basename(cap), ok=False, packets=0, infos=[], rows=[], err=str(last_err),
                tries=sc["tries"], secs=time.time() - t0, views=[], connects=None)


def read_label_rows(path):
    """labels.tsv -> {file: [(client, server, reason, note), ...]} in file order."""
    rows = {}
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh.read().splitlines()[1:]:
                if line:
                    f = line.split("\t")
                    rows.setdefault(f[0], []).append(tuple(f[1:5]))
    return rows


CONNECTS_HEADER = ("file", "connect", "name", "attempts", "outcome", "via", "note")


def read_connect_rows(path):
    """connects.tsv -> {file: [(connect, name, attempts, outcome, via, note), ...]} in file order."""
    rows = {}
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh.read().splitlines()[1:]:
                if line:
                    f = line.split("\t")
                    rows.setdefault(f[0], []).append(tuple(f[1:7]))
    return rows


def write_connects(path, rows):
    order = canonical_order()
    files = [f for f in order if f in rows] + [f for f in rows if f not in order]
    with open(path, "w") as fh:
        fh.write("\t".join(CONNECTS_HEADER) + "\n")
        for f in files:
            for row in rows[f]:
                fh.write("\t".join((f,) + tuple(row)) + "\n")


def canonical_order():
    names = []
    for sc in SCENARIOS:
        names.append(sc["name"] + ".pcap")
        names += [view_name(sc["name"] + ".pcap", v[0]) for v in views_of(sc["name"])]
    return names


def write_labels(path, rows):
    order = canonical_order()
    files = [f for f in order if f in rows] + [f for f in rows if f not in order]
    with open(path, "w") as fh:
        fh.write("file\tclient\tserver\treason\tnote\n")
        for f in files:
            for row in rows[f]:
                fh.write("\t".join((f,) + tuple(row)) + "\n")


def select(only):
    """--only: a scenario's full name ('success-v4') or base name ('success') selects exactly; anything else
    is a substring of scenario names."""
    scs = []
    for o in only:
        exact = [sc for sc in SCENARIOS if o in (sc["name"], base_of(sc["name"]))]
        for sc in exact or [sc for sc in SCENARIOS if o in sc["name"]]:
            if sc not in scs:
                scs.append(sc)
    return [sc for sc in SCENARIOS if sc in scs]


def check_labels(folder):
    """Label every capture named in labels.tsv again from its packets; list the differences."""
    rows = read_label_rows(os.path.join(folder, "labels.tsv"))
    bad = 0
    for f, want in rows.items():
        infos, _ = classify.classify_file(os.path.join(folder, f))
        got = [(i["client"], i["server"], i["reason"]) for i in infos]
        if got != [r[:3] for r in want]:
            bad += 1
            print("DIFF %s\n  labels.tsv: %s\n  packets:    %s" % (f, [r[:3] for r in want], got))
    on_disk = sorted(x for x in os.listdir(folder) if x.endswith(".pcap"))
    for f in sorted(set(on_disk) - set(rows)):
        bad += 1
        print("UNLABELLED %s" % f)
    # connects.tsv: every labelled attempt of its files in exactly one connect, and nothing else
    connects = read_connect_rows(os.path.join(folder, "connects.tsv"))
    for f, want in connects.items():
        atts = [a for c in want for a in c[2].split(",") if a]
        labelled = [r[0] for r in rows.get(f, [])]
        vias = [c[4] for c in want if c[4]]
        if sorted(atts) != sorted(labelled) or [c[0] for c in want] != [str(n + 1) for n in range(len(want))] \
                or any(v not in [r[1] for r in rows.get(f, [])] for v in vias):
            bad += 1
            print("CONNECTS %s\n  connects.tsv: %s\n  labels.tsv:   %s" % (f, atts, labelled))
    print("%d captures checked, %d with connects, %d differ" % (len(rows), len(connects), bad))
    return 1 if bad else 0


def derive_views(folder, scs):
    """Make the views again from the full captures already in `folder` (no namespaces)."""
    rows = read_label_rows(os.path.join(folder, "labels.tsv"))
    done = []
    for sc in scs:
        f = sc["name"] + ".pcap"
        if not views_of(sc["name"]) or not os.path.exists(os.path.join(folder, f)):
            continue
        for v in make_views(os.path.join(folder, f), rows.get(f, []), folder):
            rows[v["file"]] = v["rows"]
            done.append(v)
            print("%-36s %3d packets  %s" % (v["file"], v["packets"], ",".join(i["reason"] for i in v["infos"])))
    write_labels(os.path.join(folder, "labels.tsv"), rows)
    print("views: %d written into %s" % (len(done), folder))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", default="tcr%d" % os.getpid(), help="namespace name prefix")
    ap.add_argument("--out", required=True, help="directory that receives the captures and labels.tsv")
    ap.add_argument("--work", help="scratch directory (default: a new one under /tmp)")
    ap.add_argument("--jobs", type=int, default=12, help="scenarios run in parallel (own namespaces each)")
    ap.add_argument("--only", nargs="*", help="scenario names (exact, base name, or substring); output stays "
                                              "in the scratch dir unless --install")
    ap.add_argument("--install", action="store_true", help="with --only: put the new captures (and their views) "
                                                         "into --out and replace only their rows of labels.tsv")
    ap.add_argument("--views", action="store_true", help="only make the handshake-only views again from the "
                                                       "full captures in --out (all, or those of --only)")
    ap.add_argument("--check", action="store_true", help="only label every capture in --out again from its "
                                                       "packets and compare with labels.tsv")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        for sc in SCENARIOS:
            views = views_of(sc["name"])
            print(sc["name"] + ("  (+ views: %s)" % ", ".join(v[0] for v in views) if views else ""))
        return 0
    if a.check:
        return check_labels(a.out)
    scs = select(a.only) if a.only else SCENARIOS
    if a.only and not scs:
        print("no scenario matches %s (see --list)" % a.only, file=sys.stderr)
        return 2
    if a.views:
        return derive_views(a.out, scs)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    work = a.work or tempfile.mkdtemp(prefix="realgen-")
    os.makedirs(work, exist_ok=True)
    if not a.work:
        STATE["work"] = work
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(lambda sc: run_scenario(sc, a.prefix, work), scs))
    failed = [r for r in results if not r["ok"]]
    if not failed:
        install = not a.only or a.install
        dest = a.out if install else work
        made = {}
        made_connects = {r["file"]: r["connects"] for r in results if r["connects"]}
        for r in results:
            made[r["file"]] = r["rows"]
            for v in r["views"]:
                made[v["file"]] = v["rows"]
        if install:
            os.makedirs(dest, exist_ok=True)
            lt = os.path.join(dest, "labels.tsv")
            rows = read_label_rows(lt)
            if not a.only:
                # idempotent: drop what an earlier run generated (files named in its labels.tsv, and ours)
                for f in sorted(set(rows) | set(made)):
                    if os.path.exists(os.path.join(dest, f)) and "/" not in f:
                        os.unlink(os.path.join(dest, f))
                rows = {}
            for f in made:
                shutil.move(os.path.join(work, f), os.path.join(dest, f))
            rows.update(made)
            write_labels(lt, rows)
            ct = os.path.join(dest, "connects.tsv")
            connects = read_connect_rows(ct) if a.only else {}
            for f in made:                  # a file made again keeps no connects of an earlier run
                connects.pop(f, None)
            connects.update(made_connects)
            write_connects(ct, connects)
        else:
            write_labels(os.path.join(dest, "labels.tsv"), made)
            write_connects(os.path.join(dest, "connects.tsv"), made_connects)
    # ---------------------------------------------------------------- summary
    print("%-22s %-34s %7s %8s  %-6s %s" % ("scenario", "file", "packets", "attempts", "result", "reasons"))
    for r in results:
        res = "OK" if r["ok"] else "FAIL"
        print("%-22s %-34s %7d %8d  %-6s %s%s" % (
            r["name"], r["file"], r["packets"], len(r["infos"]), res,
            ",".join(i["reason"] for i in r["infos"]) or "-",
            "  (try %d)" % r["tries"] if r["ok"] and r["tries"] > 1 else ""))
        for v in r["views"]:
            print("%-22s %-34s %7d %8d  %-6s %s" % ("", v["file"], v["packets"], len(v["infos"]), "view",
                                                    ",".join(i["reason"] for i in v["infos"]) or "-"))
        for c in r.get("connects") or []:
            print("%-22s connect %s %s: %d attempts, %s%s" % ("", c[0], c[1] or "(no DNS)", len(c[2].split(",")),
                                                           c[3], " via " + c[4] if c[4] else ""))
    print("scenarios: %d, failed: %d, wall time %.1fs" % (len(results), len(failed), time.time() - t0))
    if failed:
        for r in failed:
            print("FAIL %s: %s" % (r["name"], (r.get("err") or "?").splitlines()[0]), file=sys.stderr)
        print("captures of this failed run are in %s; %s was left unchanged" % (work, a.out), file=sys.stderr)
        return 1
    if a.only and not a.install:
        print("scratch output (not installed): %s" % work)
    elif not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
