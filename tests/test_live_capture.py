#!/usr/bin/python3
"""Live capture: tshark -i, one pass, while the kernel makes a refused and
an unanswered connect between two network namespaces.

dumpcap (root) captures on the client's veth and writes to a pipe; tshark
(unprivileged, with the plugin) reads the pipe as a live interface and prints
each packet as it arrives. The test reads tshark's lines while the
connections happen: the RST must say `refused` (with its expert info, and
provisional: a same-ISN retry could still connect) before the second connect
even starts; the unanswered connect's first SYN is `in-progress`, and its
retransmission already says `no-answer` (provisional, with its expert info).
With `-Y tcpconn.failed`, the unanswered connect is printed as `no-answer`
while the client is still retrying.

Needs root for the namespaces. Run as a script by someone else, it exits
with status 77, which ctest shows as "Skipped" (SKIP_RETURN_CODE), not as
passed.
"""
import os
import queue
import subprocess
import sys
import threading
import time
import unittest

import tshark_run

PREFIX = f"tcpconn-live-{os.getpid()}"
CLIENT, SERVER = f"{PREFIX}-c", f"{PREFIX}-s"
CLIENT_IP, SERVER_IP = "192.0.2.10", "192.0.2.20"
CLOSED_PORT, DROPPED_PORT = 8080, 8081


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns, *args]


def tcpconn_expert_summaries():
    """The start (up to its first colon) of every tcpconn expert item's
    summary, as `tshark -G fields` lists them: what an expert message of
    tcpconn begins with."""
    found = []
    for line in tshark_run.tshark("-G", "fields").splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and cols[2].startswith("tcpconn.expert."):
            found.append(cols[1].split(":")[0])
    return found


CONNECT = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, int(sys.argv[3]))
s.settimeout(10)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(type(e).__name__)
"""


@unittest.skipUnless(os.geteuid() == 0, "needs root for network namespaces")
class LiveCapture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.addClassCleanup(cls.remove_namespaces)
        sh("ip", "netns", "add", CLIENT)
        sh("ip", "netns", "add", SERVER)
        sh("ip", "link", "add", "tcl0", "netns", CLIENT, "type", "veth", "peer", "name", "tcs0",
           "netns", SERVER)
        for ns, dev, ip in ((CLIENT, "tcl0", CLIENT_IP), (SERVER, "tcs0", SERVER_IP)):
            sh(*in_ns(ns, "ip", "addr", "add", f"{ip}/24", "dev", dev))
            sh(*in_ns(ns, "ip", "link", "set", dev, "up"))
            sh(*in_ns(ns, "ip", "link", "set", "lo", "up"))
        # The dropped port: SYNs vanish, so nothing ever answers.
        sh(*in_ns(SERVER, "nft", "add table inet live; add chain inet live in "
                  "{ type filter hook input priority 0; }; "
                  f"add rule inet live in tcp dport {DROPPED_PORT} drop"))
        # Resolve the neighbours up front so the capture holds only TCP.
        sh(*in_ns(CLIENT, "ping", "-c", "1", "-W", "2", SERVER_IP), check=False)

    @classmethod
    def remove_namespaces(cls):
        for ns in (CLIENT, SERVER):
            sh("ip", "netns", "del", ns, check=False)

    def start_tshark(self, *display_filter):
        self.scratch = tshark_run.readable_copy_dir()
        self.fifo = os.path.join(self.scratch, "live.pcapng")
        os.mkfifo(self.fifo, 0o644)
        self.tshark = subprocess.Popen(
            tshark_run.command("tshark", [
                "-i", self.fifo, "-l", *display_filter, "-T", "fields", "-E", "occurrence=a",
                "-E", "aggregator=|", "-e", "tcp.srcport", "-e", "tcp.dstport",
                "-e", "tcp.flags.str", "-e", "tcpconn.reason", "-e", "tcpconn.provisional",
                "-e", "_ws.expert.message", "-f", "tcp"]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        self.dumpcap = subprocess.Popen(
            in_ns(CLIENT, "dumpcap", "-q", "-i", "tcl0", "-f", "tcp", "-w", self.fifo),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        time.sleep(1.5)  # let dumpcap open the interface

    def _read(self):
        for line in self.tshark.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n").split("\t")))

    def tearDown(self):
        if not hasattr(self, "dumpcap"):
            return
        self.dumpcap.terminate()
        self.dumpcap.wait(timeout=10)
        try:
            self.tshark.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.tshark.kill()
            self.tshark.wait()
        for stream in (self.dumpcap.stderr, self.tshark.stdout, self.tshark.stderr):
            stream.close()

    def next_packet(self, port, timeout=15):
        """The next packet printed for connections to `port`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                printed_at, row = self.lines.get(timeout=deadline - time.time())
            except queue.Empty:
                break
            if str(port) in row[:2]:
                packet = dict(zip(["src", "dst", "flags", "reason", "provisional", "expert"], row))
                packet["printed_at"] = printed_at
                return packet
        self.fail(f"no packet for port {port} within {timeout}s; tshark said: "
                  f"{self.tshark.stderr.read() if self.tshark.poll() is not None else '(running)'}")

    def connect(self, port, syn_retries=1):
        return subprocess.run(in_ns(CLIENT, "/usr/bin/python3", "-c", CONNECT, SERVER_IP,
                                    str(port), str(syn_retries)),
                              capture_output=True, text=True, timeout=30)

    def test_outcomes_arrive_live(self):
        self.start_tshark()
        result = self.connect(CLOSED_PORT)
        self.assertEqual(result.stdout.strip(), "ConnectionRefusedError")
        syn = self.next_packet(CLOSED_PORT)
        self.assertIn("S", syn["flags"])
        self.assertEqual(syn["reason"], "in-progress")
        self.assertTrue(tshark_run.present(syn["provisional"]), syn)
        rst = self.next_packet(CLOSED_PORT)
        self.assertIn("R", rst["flags"])
        self.assertEqual(rst["reason"], "refused")
        self.assertIn(rst["provisional"], ("1", "True"))
        self.assertIn("Connection refused: the server answered the SYN with RST", rst["expert"])

        tcpconn_experts = tcpconn_expert_summaries()
        self.assertIn("Connection attempt got no answer", tcpconn_experts)

        # Only now, with the refusal already reported, the unanswered connect.
        unanswered = threading.Thread(target=self.connect, args=(DROPPED_PORT,))
        unanswered.start()
        syn = self.next_packet(DROPPED_PORT)
        self.assertIn("S", syn["flags"])
        self.assertEqual(syn["reason"], "in-progress")
        self.assertTrue(tshark_run.present(syn["provisional"]), syn)
        # No expert item of tcpconn yet: nothing has happened.
        for summary in tcpconn_experts:
            self.assertNotIn(summary, syn["expert"])
        # Its retransmission (TCP_SYNCNT 1) is the client's own statement
        # that nothing came back: a failure, provisional until the end.
        retry = self.next_packet(DROPPED_PORT)
        self.assertIn("S", retry["flags"])
        self.assertEqual(retry["reason"], "no-answer")
        self.assertTrue(tshark_run.present(retry["provisional"]), retry)
        self.assertIn("Connection attempt got no answer", retry["expert"])
        unanswered.join()

    def test_failed_filter_shows_a_dropped_connect_while_it_retries(self):
        """tshark -i ... -Y tcpconn.failed, the command that watches an
        interface for failed connects, prints the dropped connect within
        about 2 s of its first SYN, while the client is still retrying."""
        self.start_tshark("-Y", "tcpconn.failed")
        started = time.monotonic()
        # Three retransmissions: the client goes on retrying for seconds.
        client = threading.Thread(target=self.connect, args=(DROPPED_PORT, 3))
        client.start()
        shown = self.next_packet(DROPPED_PORT, timeout=5)
        still_retrying = client.is_alive()
        client.join()
        self.assertEqual(shown["reason"], "no-answer")
        self.assertIn("S", shown["flags"])
        self.assertTrue(tshark_run.present(shown["provisional"]), shown)
        self.assertLess(shown["printed_at"] - started, 2.5, "printed too late")
        self.assertTrue(still_retrying, "printed only after connect() gave up")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("tshark.live_capture needs root (network namespaces): skipped", file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)
