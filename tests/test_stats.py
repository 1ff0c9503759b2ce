#!/usr/bin/python3
"""Every number of `tshark -2 -q -z tcpconn,tree`, and the concurrency fields.

The expected statistics are derived without tcpconn: outcomes, servers and
clients from each folder's labels.tsv, and SYN counts and connect times from
plain tshark TCP fields, grouped into attempts by a small independent oracle
below.
"""
import collections
import csv
import os
import re
import subprocess
import unittest

from tshark_run import REPO, command, fields, read_labels, tshark

FOLDERS = [os.path.join(REPO, "captures", f) for f in ("crafted", "real")]

GROUP = {
    "established": "Connected", "established-after-retry": "Connected",
    "refused": "Failed", "no-answer": "Failed", "icmp-unreachable": "Failed",
    "half-open": "Failed", "aborted-by-client": "Failed", "stale-connection": "Failed",
    "reset-after-established": "Accepted, then dropped",
    "closed-before-data": "Accepted, then dropped",
    "handshake-not-seen": "Handshake not in capture",
    "capture-ended": "Undecided", "ack-not-captured": "Undecided",
}

ROW = re.compile(r"^( *)(\S.*?)\s{2,}(\d+)(?:\s+([\d.]+)\s+(\d+)\s+(\d+))?\s")


def parse_tree(text):
    """{(name, name, ...): (count, max)} for every node of a stats tree."""
    nodes, path = {}, []
    for line in text.splitlines():
        m = ROW.match(line)
        if not m or m.group(2) == "Topic / Item":
            continue
        depth = len(m.group(1))
        path = path[:depth] + [m.group(2)]
        nodes[tuple(path)] = (int(m.group(3)), int(m.group(6)) if m.group(6) else None)
    return nodes


CONNECT_TIME = "Connect time in ms (connected attempts)"
# The range rows, in the order they must be shown (range order).
CONNECT_ROWS = ["0-9", "10-99", "100-999", "1000-2999", "3000 or more"]
SYN_ROWS = ["1", "2", "3", "4 or more"]


def connect_bucket(seconds):
    for limit, name in zip((0.01, 0.1, 1, 3), CONNECT_ROWS):
        if seconds < limit:
            return name
    return CONNECT_ROWS[-1]


def oracle(capture):
    """Attempts as plain TCP fields show them, by the rules README's "How it
    decides" states, written again here without tcpconn:
    - a bare SYN starts an attempt unless it repeats the ISN of the current
      one on these ports and that one has not both connected and ended (a
      same-ISN retry after a RST continues it); a SYN-ACK captured before
      its SYN is kept for that SYN;
    - the handshake completes at the first client segment that acknowledges
      the server's SYN, a client ACK whose SYN-ACK the capture lacks, or a
      server segment past its ISN+1 or acknowledging the client's SYN;
      never after the client's RST or FIN, or the server's RST, that came
      after the server's SYN and before the handshake completed.
    Endpoints are told apart by their ports: source routes and Mobile IPv6
    make header addresses differ from the ones TCP uses.
    Returns {(client_port, server_port): [(syn_count, connect_seconds or None), ...]}."""
    rows = fields(capture, ["frame.time_epoch", "tcp.srcport", "tcp.dstport", "tcp.flags",
                            "tcp.seq_raw", "tcp.ack_raw", "icmp.type", "icmpv6.type"],
                  two_pass=False)
    current, early_synack, found = {}, {}, collections.defaultdict(list)
    after = lambda a, b: 0 < (a - b) % 2**32 < 2**31  # noqa: E731 (sequence space wraps)
    for r in rows:
        if not r["tcp.flags"] or r["icmp.type"] or r["icmpv6.type"]:
            continue  # not a TCP segment of its own (ICMP errors quote one)
        # The innermost TCP header is the segment (tunnels add outer ones).
        src, dst = int(innermost(r["tcp.srcport"])), int(innermost(r["tcp.dstport"]))
        flags, t = int(innermost(r["tcp.flags"]), 16), float(r["frame.time_epoch"])
        seq, ack = int(innermost(r["tcp.seq_raw"])), int(innermost(r["tcp.ack_raw"]) or 0)
        syn, ack_flag, rst = flags & 0x02, flags & 0x10, flags & 0x04
        key = frozenset((src, dst))
        a = current.get(key)
        if syn and not ack_flag and not rst:
            if (a and a["client"] == src and a["isn"] == seq
                    and not (a["connect"] is not None and a["torn_down"])):
                a["syns"] += 1
                continue
            if a and a["server"] == src and not a["torn_down"]:
                a["server_isn"] = seq  # simultaneous open
                continue
            a = current[key] = dict(client=src, server=dst, isn=seq, start=t, syns=1,
                                    server_isn=None, connect=None, torn_down=False, over=False)
            early = early_synack.pop((dst, src), None)
            if early is not None and early[1] == (seq + 1) % 2**32:
                a["server_isn"] = early[0]
            found[(src, dst)].append(a)
            continue
        if a is None:
            if syn and ack_flag:
                early_synack[(src, dst)] = (seq, ack)
            continue
        if src == a["server"] and syn and ack_flag and a["server_isn"] is None:
            a["server_isn"] = seq
        if a["connect"] is None and not a["over"]:
            known = a["server_isn"] is not None
            if src == a["client"]:
                done = ack_flag and (after(ack, a["server_isn"]) if known
                                     else not syn and not rst)
            else:
                done = not syn and (
                    (known and after(seq, a["server_isn"] + 1))
                    or (not known and ack_flag and not rst
                        and 0 < (ack - a["isn"]) % 2**32 <= 2**24))
            if done:
                a["connect"] = t - a["start"]
            elif known and (rst or (flags & 0x01 and src == a["client"])):
                a["over"] = True  # given up or reset after the server's SYN
        if rst:
            a["torn_down"] = True
    return {k: [(a["syns"], a["connect"]) for a in v] for k, v in found.items()}


def innermost(values):
    return values.split("|")[-1]


def expected_tree(folder, name, labels):
    """The counts the stats tree must show for one capture."""
    n = collections.Counter()
    syns_by_pair = oracle(os.path.join(folder, name))
    position = collections.Counter()
    for label in labels:
        reason, server, client = label["reason"], label["server"], label["client"]
        group = GROUP[reason]
        for path in [("Attempts by outcome",), ("Attempts by outcome", group),
                     ("Attempts by outcome", group, reason), ("Attempts by server",),
                     ("Attempts by server", server), ("Attempts by server", server, group),
                     ("Attempts by server", server, group, reason),
                     ("Concurrent attempts by server",), ("Concurrent attempts by server", server),
                     ("Attempts by client",),
                     ("Attempts by client", client.rsplit(":", 1)[0].strip("[]")),
                     ("SYNs per attempt",)]:
            n[path] += 1
        if reason == "handshake-not-seen":
            continue  # no SYN of its own in the capture
        pair = (int(client.rsplit(":", 1)[1]), int(server.rsplit(":", 1)[1]))
        syns, connect = syns_by_pair[pair][position[pair]]
        position[pair] += 1
        n[("SYNs per attempt", SYN_ROWS[min(syns, 4) - 1])] += 1
        if GROUP[reason] in ("Connected", "Accepted, then dropped") or (
                reason == "half-open" and connect is not None):
            n[(CONNECT_TIME,)] += 1
            n[(CONNECT_TIME, connect_bucket(connect))] += 1
    # Connects to a name, from connects.tsv (the application's own report).
    server_of = {label["client"]: label["server"] for label in labels}
    for row in read_connects(folder).get(name, []):
        if not row["name"]:
            continue
        attempts = row["attempts"].split(",")
        if row["outcome"] == "failed":
            result = "failed"
        elif row["via"] == server_of[attempts[0]]:
            result = "connected"
        else:
            result = "connected-after-fallback"
        for path in [(NAMES,), (NAMES, row["name"]), (NAMES, row["name"], result)]:
            n[path] += 1
        if result == "connected-after-fallback":
            n[(LOST,)] += 1
            n[(LOST, row["name"])] += 1
    return dict(n)


NAMES = "Connects by server name"
LOST = "Time lost to fallbacks in ms, by server name"


def read_connects(folder):
    """connects.tsv of a folder, by file (empty when it has none)."""
    path = os.path.join(folder, "connects.tsv")
    by_file = collections.defaultdict(list)
    if os.path.exists(path):
        with open(path, newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                by_file[row["file"]].append(row)
    return by_file


class StatisticsTree(unittest.TestCase):
    def test_every_number_matches_the_labels(self):
        for folder in FOLDERS:
            by_file = collections.OrderedDict()
            for label in read_labels(os.path.join(folder, "labels.tsv")):
                by_file.setdefault(label["file"], []).append(label)
            for name, labels in by_file.items():
                with self.subTest(capture=name):
                    out = tshark("-r", os.path.join(folder, name), "-2", "-q", "-z",
                                 "tcpconn,tree")
                    shown = {path: count for path, (count, _) in parse_tree(out).items()
                             if count > 0}
                    self.assertEqual(shown, expected_tree(folder, name, labels))

    def test_filter_selects_attempts_by_deciding_packet(self):
        capture = os.path.join(REPO, "captures", "crafted", "outcomes-v4.pcap")
        out = tshark("-r", capture, "-2", "-q", "-z", "tcpconn,tree,tcpconn.failed")
        tree = parse_tree(out)
        self.assertEqual(tree[("Attempts by outcome",)][0], 7)
        self.assertEqual(tree[("Attempts by outcome", "Connected")][0], 0)

    def test_one_pass_counts_each_attempt_at_its_first_verdict(self):
        """Without -2 the tree counts each attempt once, with the first
        verdict it showed while reading: the first packet where it was failed
        (a RST, an ICMP error, a retransmission that got no answer) or no
        longer provisional. Attempts without one are not counted."""
        from tshark_run import present
        names = ["frame.number", "tcpconn.stream", "tcpconn.attempt", "tcpconn.reason",
                 "tcpconn.failed", "tcpconn.provisional"]
        no_answer_counted = 0
        for capture in (os.path.join(REPO, "captures", "crafted", "outcomes-v4.pcap"),
                        os.path.join(REPO, "captures", "real", "queue-timeout-v4.pcap"),
                        os.path.join(REPO, "captures", "real", "inflight-v4.pcap")):
            first_verdict = collections.OrderedDict()
            for r in fields(capture, names, two_pass=False, display_filter="tcpconn"):
                key = (r["tcpconn.stream"], r["tcpconn.attempt"] or "1")
                if key in first_verdict:
                    continue
                if present(r["tcpconn.failed"]) or not present(r["tcpconn.provisional"]):
                    first_verdict[key] = r["tcpconn.reason"]
            expected = collections.Counter(first_verdict.values())
            tree = parse_tree(tshark("-r", capture, "-q", "-z", "tcpconn,tree"))
            shown = collections.Counter({path[2]: count for path, (count, _) in tree.items()
                                         if len(path) == 3 and path[0] == "Attempts by outcome"
                                         and count > 0})
            with self.subTest(capture=os.path.basename(capture)):
                self.assertEqual(shown, expected)
                self.assertEqual(tree[("Attempts by outcome",)][0], len(first_verdict))
            no_answer_counted += shown["no-answer"]
        # The dropped connects, whose only evidence is their retransmissions.
        self.assertGreaterEqual(no_answer_counted, 3)

    def test_range_rows_in_range_order(self):
        """Connect times and SYN counts read in range order (every row is
        printed, zero or not), with the average, minimum and maximum on the
        range node's own row, and the last row open-ended: a 3 s connect in
        outcomes-v4.pcap, four SYNs in stale-persist-v4.pcap."""
        for capture, node, rows in (("crafted/outcomes-v4.pcap", CONNECT_TIME, CONNECT_ROWS),
                                    ("real/stale-persist-v4.pcap", "SYNs per attempt", SYN_ROWS)):
            with self.subTest(capture=capture, node=node):
                out = tshark("-r", os.path.join(REPO, "captures", capture), "-2", "-q", "-z",
                             "tcpconn,tree")
                tree = parse_tree(out)
                self.assertEqual([p[1] for p in tree if len(p) == 2 and p[0] == node], rows)
                self.assertIsNotNone(tree[(node,)][1])
                self.assertGreater(tree[(node, rows[-1])][0], 0)

    def test_listed_in_z_help(self):
        # tshark prints the -z list on stderr.
        p = subprocess.run(command("tshark", ["-z", "help"]), capture_output=True, text=True)
        self.assertRegex(p.stderr, r"(?m)^\s+tcpconn,tree$")


class Concurrency(unittest.TestCase):
    """captures/crafted/concurrency-v4.pcap: attempts to 198.51.100.20:443
    open over [0,5], [1,1.0004], [2,8], [3,6], [7,9], [8.5,8.6] seconds, and
    one to port 8443 at 3.5 s."""
    CAPTURE = os.path.join(REPO, "captures", "crafted", "concurrency-v4.pcap")
    FINAL = {48001: 1, 48002: 2, 48003: 2, 48004: 3, 48005: 2, 48006: 2, 48007: 1}
    # While reading in one pass, an attempt that never closed (48004's
    # unanswered SYNs) still counts as open.
    WHILE_READING = {48001: 1, 48002: 2, 48003: 2, 48004: 3, 48005: 3, 48006: 3, 48007: 1}
    ORDER = {48001: 1, 48002: 2, 48003: 3, 48004: 4, 48005: 5, 48006: 6, 48007: 1}

    def per_attempt(self, two_pass):
        rows = fields(self.CAPTURE, ["tcpconn.client", "tcpconn.concurrent",
                                     "tcpconn.server_attempts"], two_pass=two_pass,
                      display_filter="tcp.flags == 0x002")  # the SYNs
        return {int(r["tcpconn.client"].rsplit(":", 1)[1]):
                (int(r["tcpconn.concurrent"]), int(r["tcpconn.server_attempts"])) for r in rows}

    def test_final_values_on_every_packet(self):
        rows = fields(self.CAPTURE, ["tcpconn.client", "tcpconn.concurrent"], two_pass=True)
        for r in rows:
            port = int(r["tcpconn.client"].rsplit(":", 1)[1])
            self.assertEqual(int(r["tcpconn.concurrent"]), self.FINAL[port], r)
        values = self.per_attempt(two_pass=True)
        self.assertEqual({p: v[0] for p, v in values.items()}, self.FINAL)
        self.assertEqual({p: v[1] for p, v in values.items()}, self.ORDER)

    def test_one_pass_values(self):
        values = self.per_attempt(two_pass=False)
        self.assertEqual({p: v[0] for p, v in values.items()}, self.WHILE_READING)

    def test_peak_in_statistics(self):
        tree = parse_tree(tshark("-r", self.CAPTURE, "-2", "-q", "-z", "tcpconn,tree"))
        self.assertEqual(tree[("Concurrent attempts by server", "198.51.100.20:443")], (6, 3))
        self.assertEqual(tree[("Concurrent attempts by server", "198.51.100.20:8443")], (1, 1))

    def test_filter_on_concurrency(self):
        rows = fields(self.CAPTURE, ["tcpconn.client"], two_pass=True,
                      display_filter="tcpconn.failed && tcpconn.concurrent > 2")
        self.assertEqual({r["tcpconn.client"] for r in rows}, {"192.0.2.10:48004"})


class ConcurrencyClosesOnce(unittest.TestCase):
    """captures/crafted/icmp-concurrency-v4.pcap: attempt 59002 is closed by
    an ICMP error, then gets a SYN-ACK and sends a RST. It closes once, at
    the error, so the attempts after it count the others right, while
    reading as well as after a full pass."""
    CAPTURE = os.path.join(REPO, "captures", "crafted", "icmp-concurrency-v4.pcap")
    EXPECTED = {59001: 1, 59002: 2, 59003: 2, 59004: 3, 59005: 3}

    def concurrency(self, two_pass):
        rows = fields(self.CAPTURE, ["tcpconn.client", "tcpconn.concurrent"], two_pass=two_pass,
                      display_filter="tcp.flags == 0x002")
        return {int(r["tcpconn.client"].rsplit(":", 1)[1]): int(r["tcpconn.concurrent"])
                for r in rows}

    def test_one_pass(self):
        self.assertEqual(self.concurrency(two_pass=False), self.EXPECTED)

    def test_two_pass(self):
        self.assertEqual(self.concurrency(two_pass=True), self.EXPECTED)


if __name__ == "__main__":
    unittest.main(verbosity=2)
