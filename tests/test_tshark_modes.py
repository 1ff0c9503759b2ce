#!/usr/bin/python3
"""tcpconn through each way tshark is used: -G, -Y, -T fields, -V, -z expert,
one pass and two passes. The crafted outcomes-v4 capture has one attempt of
each kind (see captures/crafted/labels.tsv)."""
import collections
import os
import re
import subprocess
import unittest

import demo_report
from tshark_run import FAILED, REPO, command, fields, present, read_labels, tshark

CRAFTED = os.path.join(REPO, "captures", "crafted")
OUTCOMES = os.path.join(CRAFTED, "outcomes-v4.pcap")

FIELDS = {
    "tcpconn.stream": "FT_UINT32",
    "tcpconn.attempt": "FT_UINT32",
    "tcpconn.reason": "FT_STRING",
    "tcpconn.failed": "FT_BOOLEAN",
    "tcpconn.provisional": "FT_BOOLEAN",
    "tcpconn.capture_stopped": "FT_BOOLEAN",
    "tcpconn.syn_count": "FT_UINT32",
    "tcpconn.synack_count": "FT_UINT32",
    "tcpconn.connect_time": "FT_RELATIVE_TIME",
    "tcpconn.time_to_outcome": "FT_RELATIVE_TIME",
    "tcpconn.syn_frame": "FT_FRAMENUM",
    "tcpconn.outcome_frame": "FT_FRAMENUM",
    "tcpconn.client": "FT_STRING",
    "tcpconn.server": "FT_STRING",
    "tcpconn.server_port": "FT_UINT16",
    "tcpconn.ended_by": "FT_STRING",
    "tcpconn.concurrent": "FT_UINT32",
    "tcpconn.server_attempts": "FT_UINT32",
    "tcpconn.conn_state": "FT_STRING",
    "tcpconn.history": "FT_STRING",
}

EXPERTS = ["refused", "no_answer", "icmp_unreachable", "half_open", "aborted_by_client",
           "stale_connection", "established_after_retry", "reset_by_server", "reset_by_client",
           "closed_by_server", "closed_by_client"]


def labelled(reason=None):
    labels = [l for l in read_labels(os.path.join(CRAFTED, "labels.tsv"))
              if l["file"] == "outcomes-v4.pcap"]
    return [l for l in labels if reason is None or l["reason"] == reason]


class Registration(unittest.TestCase):
    def test_plugin_is_listed(self):
        plugins = tshark("-G", "plugins")
        self.assertRegex(plugins, r"tcpconn\.so\s+\d+\.\d+\.\d+\s+dissector")

    def test_every_field_has_its_type_and_a_blurb(self):
        glossary = {}
        for line in tshark("-G", "fields").splitlines():
            cols = line.split("\t")
            if cols[0] == "F" and cols[2].startswith("tcpconn."):
                glossary[cols[2]] = cols
        for name, ftype in FIELDS.items():
            with self.subTest(field=name):
                self.assertIn(name, glossary)
                self.assertEqual(glossary[name][3], ftype)
                self.assertGreater(len(glossary[name][-1]), 20, "blurb missing or too short")
        for name in EXPERTS:
            with self.subTest(expert=name):
                self.assertIn(f"tcpconn.expert.{name}", glossary)

    def test_preferences_are_registered(self):
        prefs = tshark("-G", "defaultprefs")
        self.assertIn("#tcpconn.note_retries: TRUE", prefs)


class DisplayFilter(unittest.TestCase):
    def frames(self, display_filter, two_pass):
        rows = fields(OUTCOMES, ["frame.number"], two_pass=two_pass,
                      display_filter=display_filter)
        return {r["frame.number"] for r in rows}

    def test_failed_selects_exactly_the_failed_streams(self):
        every = fields(OUTCOMES, ["frame.number", "tcpconn.reason"], two_pass=True)
        failed = {r["frame.number"] for r in every
                  if r["tcpconn.reason"] in FAILED}
        self.assertGreater(len(failed), 10)
        self.assertEqual(self.frames("tcpconn.failed", two_pass=True), failed)
        # ...and those are the attempts the labels call failed (the reason
        # field above comes from the plugin too).
        selected = fields(OUTCOMES, ["tcpconn.client"], two_pass=True,
                          display_filter="tcpconn.failed")
        self.assertEqual({r["tcpconn.client"] for r in selected},
                         {l["client"] for l in labelled() if l["reason"] in FAILED})

    def test_reason_filter_counts_attempts(self):
        for reason in ("refused", "half-open", "reset-after-established"):
            with self.subTest(reason=reason):
                self.assertGreater(len(labelled(reason)), 0)
                rows = fields(OUTCOMES, ["tcpconn.stream"], two_pass=True,
                              display_filter=f'tcpconn.reason == "{reason}"')
                streams = {r["tcpconn.stream"] for r in rows}
                self.assertEqual(len(streams), len(labelled(reason)))

    def test_one_row_per_attempt(self):
        """The deciding frame selects one row per attempt, for CSV reports."""
        rows = fields(OUTCOMES, ["tcpconn.stream", "tcpconn.reason"], two_pass=True,
                      display_filter="tcpconn.outcome_frame == frame.number")
        self.assertEqual(len(rows), len(labelled()))
        self.assertEqual(collections.Counter(r["tcpconn.reason"] for r in rows),
                         collections.Counter(l["reason"] for l in labelled()))

    def test_one_pass_filter_finds_the_deciding_packets(self):
        # One pass: a RST already says refused; an unanswered SYN says
        # no-answer from its first retransmission on, never on the first SYN.
        self.assertEqual(len(self.frames('tcpconn.reason == "refused"', two_pass=False)),
                         len(labelled("refused")))  # the RSTs; the SYNs were still in-progress
        # Expected from the packets themselves: each SYN retransmitted
        # before anything came back from the server.
        expected, answered, seen_syn = set(), set(), set()
        for r in fields(OUTCOMES, ["frame.number", "tcpconn.stream", "tcpconn.client",
                                   "tcp.srcport", "tcp.flags.syn", "tcp.flags.ack", "icmp.type"],
                        two_pass=True, display_filter="tcpconn"):
            stream = r["tcpconn.stream"]
            from_client = r["tcpconn.client"].endswith(":" + r["tcp.srcport"]) and not r["icmp.type"]
            if not from_client:
                answered.add(stream)
            elif present(r["tcp.flags.syn"]) and not present(r["tcp.flags.ack"]):
                if stream in seen_syn and stream not in answered:
                    expected.add(r["frame.number"])
                seen_syn.add(stream)
        shown = fields(OUTCOMES, ["frame.number", "tcpconn.provisional"], two_pass=False,
                       display_filter='tcpconn.reason == "no-answer"')
        self.assertTrue(all(present(r["tcpconn.provisional"]) for r in shown))
        self.assertEqual({r["frame.number"] for r in shown}, expected)
        self.assertGreaterEqual(len(expected), 3, "retransmitted SYNs in the capture")


class PortReuse(unittest.TestCase):
    def test_same_isn_retry_is_one_attempt_on_every_version(self):
        """Port 43002 is refused, then retried with the same ISN, which
        connects. Wireshark 4.0 keeps the retry in the tcp.stream, 4.4 and
        later give it a new one; tcpconn shows one attempt either way."""
        capture = os.path.join(CRAFTED, "port-reuse-v4.pcap")
        rows = [r for r in fields(capture, ["tcp.stream", "tcp.srcport", "tcp.dstport",
                                            "tcpconn.stream", "tcpconn.attempt",
                                            "tcpconn.reason", "tcpconn.syn_count"], two_pass=True)
                if "43002" in (r["tcp.srcport"], r["tcp.dstport"])]
        first_stream = rows[0]["tcp.stream"]
        self.assertEqual({(r["tcpconn.stream"], r["tcpconn.attempt"], r["tcpconn.reason"],
                           r["tcpconn.syn_count"]) for r in rows},
                         {(first_stream, "", "established-after-retry", "2")})

    def test_new_isn_is_a_new_attempt(self):
        capture = os.path.join(CRAFTED, "port-reuse-v4.pcap")
        rows = fields(capture, ["tcpconn.stream", "tcpconn.reason"], two_pass=True,
                      display_filter="tcpconn.outcome_frame == frame.number && "
                                     "tcp.port == 43001")
        self.assertEqual([r["tcpconn.reason"] for r in rows],
                         ["refused", "established", "refused"])
        self.assertEqual(len({r["tcpconn.stream"] for r in rows}), 3)


class IcmpErrors(unittest.TestCase):
    def test_only_errors_quoting_the_syn_carry_the_subtree(self):
        """captures/crafted/icmp-repeat-v4.pcap: three port unreachables
        answer an attempt's SYNs; a fragmentation-needed quotes a data
        segment of another connection, which is not an attempt's SYN."""
        capture = os.path.join(CRAFTED, "icmp-repeat-v4.pcap")
        rows = fields(capture, ["icmp.type", "icmp.code", "tcpconn.reason"], two_pass=True,
                      display_filter="icmp")
        unreachable = [r for r in rows if (r["icmp.type"], r["icmp.code"]) == ("3", "3")]
        fragmentation = [r for r in rows if (r["icmp.type"], r["icmp.code"]) == ("3", "4")]
        self.assertEqual(len(unreachable), 3)
        self.assertEqual(len(fragmentation), 1)
        self.assertEqual({r["tcpconn.reason"] for r in unreachable}, {"icmp-unreachable"})
        self.assertEqual(fragmentation[0]["tcpconn.reason"], "")


class Verbose(unittest.TestCase):
    def test_packet_details_sentence(self):
        refused = [r for r in fields(OUTCOMES, ["frame.number", "tcpconn.reason",
                                                 "tcpconn.outcome_frame"], two_pass=True)
                   if r["tcpconn.reason"] == "refused"]
        rst = refused[0]["tcpconn.outcome_frame"]
        out = tshark("-r", OUTCOMES, "-2", "-V", "-Y", f"frame.number == {rst}")
        self.assertRegex(out, r"TCP connection refused: 198\.51\.100\.20:8080 answered the SYN "
                              r"with RST after 0\.40 ms \(1 SYN\)")
        self.assertIn("Outcome: refused", out)
        self.assertIn("Failed: True", out)
        self.assertIn("Expert Info (Warning/Sequence): Connection refused", out)

    def test_no_answer_sentence(self):
        out = tshark("-r", OUTCOMES, "-2", "-V", "-Y", 'tcpconn.reason == "no-answer"')
        self.assertIn("TCP connection got no answer: 3 SYNs to 198.51.100.20:9 over 3.00 s, "
                      "nothing came back", out)


class ExpertStatistics(unittest.TestCase):
    def test_z_expert_counts_one_item_per_attempt(self):
        out = tshark("-r", OUTCOMES, "-2", "-q", "-z", "expert,note")
        counts = {}
        for line in out.splitlines():
            m = re.match(r"\s*(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)  # count group proto summary
            if m and m.group(3) == "TCPCONN":
                counts[m.group(4).strip()] = int(m.group(1))
        self.assertEqual(counts.get("Connection refused: the server answered the SYN with RST"),
                         len(labelled("refused")))
        self.assertEqual(counts.get(
            "Handshake never completed: the server's SYN-ACK was not acknowledged (half-open)"),
            len(labelled("half-open")))
        self.assertEqual(counts.get(
            "Server reset the connection right after accepting it, before any data"), 1)
        self.assertEqual(counts.get(
            "Client closed the connection right after connecting, before any data"), 1)
        retries = [k for k in counts if k.startswith("Connected only after retrying")]
        self.assertEqual(sum(counts[k] for k in retries),
                         len(labelled("established-after-retry")))


class DemoReport(unittest.TestCase):
    """tools/tcpconn-report, the main job of the README's first command, on
    the bundled seed-burst capture."""

    def test_report_lists_the_failed_attempts_and_the_counts(self):
        p = subprocess.run(command(os.path.join(REPO, "tools", "tcpconn-report"),
                                   [demo_report.CAPTURE]),
                           cwd=REPO, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        demo_report.check(self, p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
