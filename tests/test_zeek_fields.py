#!/usr/bin/python3
"""tcpconn.conn_state and tcpconn.history through tshark: present only with
the tcpconn.zeek preference, on every packet of an attempt with -2, and
usable in display filters. The crafted outcomes-v4 capture has one attempt of
each kind (captures/crafted/labels.tsv)."""
import os
import unittest

from tshark_run import REPO, fields

CAPTURE = os.path.join(REPO, "captures", "crafted", "outcomes-v4.pcap")
ZEEK_ON = ["-o", "tcpconn.zeek:TRUE"]
FIELDS = ["frame.number", "tcpconn.stream", "tcpconn.reason", "tcpconn.conn_state",
          "tcpconn.history"]


class ZeekFields(unittest.TestCase):
    def test_absent_unless_asked_for(self):
        rows = fields(CAPTURE, FIELDS, two_pass=True)
        # tcpconn did describe these packets, only without the Zeek view.
        self.assertTrue(rows)
        self.assertTrue(all(r["tcpconn.reason"] for r in rows), "packets without tcpconn")
        self.assertFalse(any(r["tcpconn.conn_state"] or r["tcpconn.history"] for r in rows))

    def test_every_packet_of_an_attempt_carries_its_state(self):
        per_stream = {}
        for r in fields(CAPTURE, FIELDS, two_pass=True, extra=ZEEK_ON):
            per_stream.setdefault(r["tcpconn.stream"], set()).add(
                (r["tcpconn.reason"], r["tcpconn.conn_state"], r["tcpconn.history"]))
        for stream, values in per_stream.items():
            self.assertEqual(len(values), 1, f"stream {stream}: {values}")
        by_reason = {}
        for (reason, state, history), in per_stream.values():
            by_reason.setdefault(reason, set()).add((state, history))
        # Refused: SYN, then the responder's RST.
        self.assertEqual(by_reason["refused"], {("REJ", "Sr")})
        # Unanswered and ICMP-rejected attempts: only SYNs, as far as Zeek goes.
        self.assertEqual(by_reason["no-answer"], {("S0", "S")})
        self.assertEqual(by_reason["icmp-unreachable"], {("S0", "S")})
        self.assertIn(("SF", "ShADdFf"), by_reason["established"])
        self.assertEqual(by_reason["reset-after-established"], {("RSTR", "ShAr"), ("RSTO", "ShAR")})

    def test_display_filters(self):
        rej = fields(CAPTURE, ["tcpconn.reason"], two_pass=True, extra=ZEEK_ON,
                     display_filter='tcpconn.conn_state == "REJ"')
        self.assertEqual({r["tcpconn.reason"] for r in rej}, {"refused"})
        self.assertEqual(len(rej), 5)  # SYN, RST; and SYN, SYN, RST
        reset_by_responder = fields(CAPTURE, ["tcpconn.reason"], two_pass=True, extra=ZEEK_ON,
                                    display_filter='tcpconn.history contains "r"')
        self.assertEqual({r["tcpconn.reason"] for r in reset_by_responder},
                         {"refused", "reset-after-established"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
