#!/usr/bin/python3
"""Connects and server names on the real captures that have a connects.tsv row.

captures/real/connects.tsv comes from the application's own report (curl's
exit code, the address and local port it connected from) and the time window
of each curl run, not from tcpconn's rules. Every attempt of a row must show
the same tcpconn.connect, its place in it, the connect's result and address,
and the name the application asked DNS for; with -2 on every packet, in one
pass where the connect has connected, and in the statistics and expert info.
"""
import collections
import csv
import os
import re
import unittest

from tshark_run import REPO, fields, present, tshark

REAL = os.path.join(REPO, "captures", "real")
FIELDS = ["frame.number", "tcpconn.client", "tcpconn.server_name", "tcpconn.connect",
          "tcpconn.connect.attempt", "tcpconn.connect.attempts", "tcpconn.connect.result",
          "tcpconn.connect.via", "tcpconn.connect.failed", "tcpconn.connect.fell_back",
          "tcpconn.connect.superseded", "tcpconn.connect.guessed", "tcpconn.connect.time_lost"]


def read_connects():
    with open(os.path.join(REAL, "connects.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    by_file = collections.defaultdict(list)
    for row in rows:
        row["attempts"] = row["attempts"].split(",")
        by_file[row["file"]].append(row)
    return by_file


def address_of(endpoint):
    """"192.0.2.31:80" -> "192.0.2.31", "[2001:db8::1]:80" -> "2001:db8::1"."""
    host = endpoint.rsplit(":", 1)[0]
    return host.strip("[]")


def expected_result(row):
    if row["outcome"] == "failed":
        return "failed"
    return "connected" if len(row["attempts"]) == 1 else "connected-after-fallback"


def packets_by_client(capture, two_pass):
    by_client = collections.defaultdict(list)
    for p in fields(capture, FIELDS, two_pass=two_pass):
        if p["tcpconn.client"]:
            by_client[p["tcpconn.client"]].append(p)
    return by_client


CONNECTS = read_connects()


class ConnectsTwoPass(unittest.TestCase):
    def test_there_are_captures_to_check(self):
        self.assertGreaterEqual(len(CONNECTS), 5)
        results = {expected_result(r) for rows in CONNECTS.values() for r in rows}
        self.assertEqual(results, {"connected", "connected-after-fallback", "failed"})

    def test_every_packet_of_every_attempt(self):
        for name, rows in CONNECTS.items():
            by_client = packets_by_client(os.path.join(REAL, name), two_pass=True)
            ids = set()
            for row in rows:
                with self.subTest(file=name, connect=row["connect"]):
                    count = len(row["attempts"])
                    via = address_of(row["via"]) if row["via"] else ""
                    winner = [a for a in row["attempts"] if via and
                              any(p["tcpconn.connect.superseded"] == "" for p in by_client[a])]
                    connect_ids = set()
                    for position, client in enumerate(row["attempts"], 1):
                        packets = by_client[client]
                        self.assertTrue(packets, f"no packet of {client}")
                        for p in packets:
                            connect_ids.add(p["tcpconn.connect"])
                            # A connect of one attempt has no place, count or
                            # address of its own: the attempt's fields say it.
                            several = count > 1
                            self.assertEqual(p["tcpconn.connect.attempt"],
                                             str(position) if several else "")
                            self.assertEqual(p["tcpconn.connect.attempts"],
                                             str(count) if several else "")
                            self.assertEqual(p["tcpconn.connect.result"], expected_result(row))
                            self.assertEqual(p["tcpconn.connect.via"], via if several else "")
                            self.assertEqual(p["tcpconn.server_name"], row["name"])
                            self.assertEqual(present(p["tcpconn.connect.guessed"]),
                                             count > 1 and not row["name"])
                            self.assertEqual(present(p["tcpconn.connect.failed"]),
                                             row["outcome"] == "failed")
                            fell_back = expected_result(row) == "connected-after-fallback"
                            self.assertEqual(present(p["tcpconn.connect.fell_back"]), fell_back)
                            self.assertEqual(bool(p["tcpconn.connect.time_lost"]), fell_back)
                    self.assertEqual(len(connect_ids), 1, connect_ids)
                    ids |= connect_ids
                    # The superseded attempts are the ones that did not connect.
                    if via:
                        self.assertEqual(len(winner), 1, winner)
                        for client in row["attempts"]:
                            superseded = {present(p["tcpconn.connect.superseded"])
                                          for p in by_client[client]}
                            self.assertEqual(superseded, {client != winner[0]})
            self.assertEqual(len(ids), len(rows), f"{name}: connects share an id")

    def test_sentences(self):
        """The connect's sentence in the packet details, as the README shows it."""
        out = tshark("-r", os.path.join(REAL, "he-v6-drop.pcap"), "-2", "-V", "-Y",
                     "tcpconn.connect.superseded")
        self.assertRegex(out, r"Connect: \d+: IPv6 attempt to 2001:db8:1::31 got no answer; the "
                              r"client connected over IPv4 to 192\.0\.2\.31 2\d\d\.\d\d ms after "
                              r"its first SYN \(Happy Eyeballs\)")
        out = tshark("-r", os.path.join(REAL, "he-both-drop.pcap"), "-2", "-V", "-Y",
                     "tcpconn.connect.failed")
        self.assertIn("all 2 addresses of www.example.com failed: 2 no answer", out)
        out = tshark("-r", os.path.join(REAL, "no-dns-fallback.pcap"), "-2", "-V", "-Y",
                     "tcpconn.connect.guessed")
        self.assertIn("linked by port and time alone", out)
        self.assertIn("TCP connection got no answer: 1 SYN to [2001:db8:1::31]:80,", out)
        # The attempt's own sentence names the server as the client asked.
        out = tshark("-r", os.path.join(REAL, "pool-fallback.pcap"), "-2", "-V", "-Y",
                     'tcpconn.reason == "refused"')
        self.assertIn("TCP connection refused: 192.0.2.41:80 (pool.example.com) answered the SYN "
                      "with RST", out)

    def test_expert_items(self):
        fell_back = sum(expected_result(r) == "connected-after-fallback"
                        for rows in CONNECTS.values() for r in rows)
        failed = sum(r["outcome"] == "failed" and len(r["attempts"]) > 1
                     for rows in CONNECTS.values() for r in rows)
        seen = collections.Counter()
        for name in CONNECTS:
            out = tshark("-r", os.path.join(REAL, name), "-2", "-q", "-z", "expert")
            for line in out.splitlines():
                m = re.match(r"\s+(\d+)\s+Sequence\s+TCPCONN\s+(.*\S)", line)
                if m:
                    seen[m.group(2)] += int(m.group(1))
        self.assertEqual(seen["Connected only after falling back to another address"], fell_back)
        self.assertEqual(seen["Every address the client tried failed"], failed)


class ReadmeExample(unittest.TestCase):
    def test_the_readme_shows_what_tshark_prints(self):
        """The README's Happy Eyeballs example: its command, run here, prints
        its output (columns aligned with spaces there, tabs here)."""
        with open(os.path.join(REPO, "README.md")) as f:
            readme = f.read()
        block = re.search(r"```\n(\$ tshark -r captures/real/he-v6-drop\.pcap.*?)```", readme,
                          re.S).group(1)
        lines = block.splitlines()
        command_lines = []
        while lines and (not command_lines or command_lines[-1].endswith("\\")):
            command_lines.append(lines.pop(0))
        command = " ".join(l.rstrip("\\").strip() for l in command_lines)[2:]
        args = re.findall(r"'[^']*'|\S+", command)[1:]
        args = [a.strip("'") for a in args]
        args[args.index("captures/real/he-v6-drop.pcap")] = os.path.join(REAL, "he-v6-drop.pcap")
        printed = [l.split() for l in tshark(*args).splitlines()]
        self.assertEqual(printed, [l.split() for l in lines if l.strip()])


class ConnectsOnePass(unittest.TestCase):
    def test_connected_connects_as_they_are_read(self):
        """Once the winner's handshake is read, its packets show the final
        connect; before that no packet shows a result the end contradicts."""
        for name, rows in CONNECTS.items():
            final = packets_by_client(os.path.join(REAL, name), two_pass=True)
            live = packets_by_client(os.path.join(REAL, name), two_pass=False)
            for row in rows:
                with self.subTest(file=name, connect=row["connect"]):
                    for client in row["attempts"]:
                        for p in live[client]:
                            if p["tcpconn.connect.result"] in ("connected",
                                                               "connected-after-fallback"):
                                self.assertEqual(p["tcpconn.connect.result"],
                                                 final[client][0]["tcpconn.connect.result"])
                                self.assertEqual(p["tcpconn.connect.via"],
                                                 final[client][0]["tcpconn.connect.via"])
                    if row["via"]:
                        last = live[row["attempts"][-1]][-1]
                        self.assertEqual(last["tcpconn.connect.result"], expected_result(row))
                    # The grouping is made as the attempts begin: a fallback
                    # has its place from its first packet; the first attempt's
                    # packets read before any fallback began show it alone.
                    if len(row["attempts"]) > 1:
                        first, *fallbacks = row["attempts"]
                        self.assertLessEqual({p["tcpconn.connect.attempt"] for p in live[first]},
                                             {"", "1"})
                        for position, client in enumerate(fallbacks, 2):
                            self.assertEqual({p["tcpconn.connect.attempt"] for p in live[client]},
                                             {str(position)})


ROW = re.compile(r"^( *)(\S.*?)\s{2,}(\d+)\s")


def name_rows(text):
    """{(name, result): count} under "Connects by server name"."""
    counts, inside, name = {}, False, None
    for line in text.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        depth, label, count = len(m.group(1)), m.group(2), int(m.group(3))
        if depth == 0:
            inside = label == "Connects by server name"
        elif inside and depth == 1:
            name = label
            counts[(name, None)] = count
        elif inside and depth == 2:
            counts[(name, label)] = count
    return counts


class ConnectsStatistics(unittest.TestCase):
    def test_per_name(self):
        for two_pass in (True, False):
            want = collections.Counter()
            got = collections.Counter()
            for name, rows in CONNECTS.items():
                for row in rows:
                    if not row["name"]:
                        continue
                    if not two_pass and row["outcome"] == "failed":
                        continue  # one pass counts a connect when it connects
                    want[(row["name"], None)] += 1
                    want[(row["name"], expected_result(row))] += 1
                args = ["-r", os.path.join(REAL, name), "-q", "-z", "tcpconn,tree"]
                got.update(name_rows(tshark(*(args + (["-2"] if two_pass else [])))))
            with self.subTest(two_pass=two_pass):
                self.assertEqual({k: v for k, v in got.items() if v}, dict(want))


if __name__ == "__main__":
    unittest.main(verbosity=2)
