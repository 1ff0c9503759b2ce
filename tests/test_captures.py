#!/usr/bin/python3
"""Checks tcpconn against every labelled connection attempt of a capture folder.

Usage: test_captures.py FOLDER   (FOLDER holds the captures and labels.tsv)

Labels name attempts by client and server endpoints, in the order they start,
so regenerated captures (new ports, new timings) are compared by label, not
by byte.
"""
import collections
import os
import sys
import unittest

from tshark_run import FAILED, fields, present, read_labels

FOLDER = None

FIELDS = ["frame.number", "frame.time_epoch", "tcpconn.stream", "tcpconn.attempt",
          "tcpconn.client", "tcpconn.server", "tcpconn.reason", "tcpconn.failed",
          "tcpconn.provisional", "tcpconn.capture_stopped", "tcpconn.outcome_frame",
          "_ws.expert.message", "tcp.srcport", "tcp.flags.syn", "tcp.flags.ack", "icmp.type",
          "icmpv6.type"]

# Outcomes of an attempt still waiting for an answer when its packets
# stopped: tcpconn.capture_stopped applies to them.
WAITING = {"no-answer", "capture-ended", "stale-connection", "ack-not-captured"}
CAPTURE_END_S = 1.0  # tcpconn.capture_end_ms

# Decided by one packet, so a single pass already knows them at that packet...
DECIDED_BY_ONE_PACKET = {"refused", "icmp-unreachable", "aborted-by-client",
                         "reset-after-established", "closed-before-data"}
# ...though a refusal or an ICMP error stays provisional there: the client may
# still retry with the same ISN and connect.
RETRY_MAY_FOLLOW = {"refused", "icmp-unreachable"}
# ...and a FIN or RST after the handshake, while the server kept re-sending its
# SYN-ACK, reads as half-open (provisional) there until data shows the ACK
# arrived after all.
CLOSED_AFTER_CONNECTING = {"reset-after-established", "closed-before-data"}

# The expert info each outcome puts on its deciding frame.
EXPERT = {
    "refused": "Connection refused",
    "no-answer": "Connection attempt got no answer",
    "icmp-unreachable": "rejected by an ICMP destination unreachable",
    "half-open": "Handshake never completed",
    "aborted-by-client": "Client aborted the connection attempt",
    "stale-connection": "answered with an ACK for an old connection",
    "established-after-retry": "Connected only after retrying the handshake",
    "reset-after-established": "reset the connection right after",
    "closed-before-data": "closed the connection right after",
}


def is_client_syn(row):
    """A SYN without ACK from the attempt's client (not an ICMP error's quote)."""
    return (not row["icmp.type"] and not row["icmpv6.type"]
            and row["tcpconn.client"].endswith(":" + row["tcp.srcport"])
            and present(row["tcp.flags.syn"]) and not present(row["tcp.flags.ack"]))


def attempts_of(rows):
    """Packets grouped by (tcpconn.stream, tcpconn.attempt), in order of
    their first packet. tcpconn.attempt is only there on streams that hold
    more than one attempt (in one pass, from the second one on)."""
    grouped = collections.OrderedDict()
    for row in rows:
        if not row["tcpconn.stream"]:
            continue
        key = (row["tcpconn.stream"], row["tcpconn.attempt"] or "1")
        grouped.setdefault(key, []).append(row)
    return grouped


class LabelledCaptures(unittest.TestCase):
    two_pass = {}
    one_pass = {}

    @classmethod
    def setUpClass(cls):
        cls.labels = collections.OrderedDict()
        for label in read_labels(os.path.join(FOLDER, "labels.tsv")):
            cls.labels.setdefault(label["file"], []).append(label)
        for name in cls.labels:
            path = os.path.join(FOLDER, name)
            cls.two_pass[name] = fields(path, FIELDS, two_pass=True)
            cls.one_pass[name] = fields(path, FIELDS, two_pass=False)

    def test_every_capture_is_labelled(self):
        on_disk = {f for f in os.listdir(FOLDER) if f.endswith((".pcap", ".pcapng"))}
        # An empty folder or labels.tsv would leave every other test with
        # nothing to check.
        self.assertTrue(on_disk, f"no capture in {FOLDER}")
        self.assertEqual(on_disk, set(self.labels), "captures without labels or labels without capture")

    def labelled(self, name, reasons):
        """How many labelled attempts of capture `name` have one of `reasons`."""
        return sum(1 for label in self.labels[name] if label["reason"] in reasons)

    def test_two_pass_reason_of_every_attempt(self):
        """Each labelled attempt, in order per client/server pair, has its reason."""
        for name, labels in self.labels.items():
            with self.subTest(capture=name):
                seen = collections.defaultdict(list)
                for packets in attempts_of(self.two_pass[name]).values():
                    first = packets[0]
                    seen[(first["tcpconn.client"], first["tcpconn.server"])].append(
                        first["tcpconn.reason"])
                expected = collections.defaultdict(list)
                for label in labels:
                    expected[(label["client"], label["server"])].append(label["reason"])
                self.assertEqual(dict(seen), dict(expected))

    def test_two_pass_fields_agree_on_every_packet(self):
        """After a full pass every packet carries the final outcome, and
        tcpconn.failed is present exactly on the packets of failed attempts."""
        for name, labels in self.labels.items():
            attempts = attempts_of(self.two_pass[name])
            with self.subTest(capture=name):
                self.assertEqual(len(attempts), len(labels), "attempts shown by tcpconn.stream")
            for key, packets in attempts.items():
                with self.subTest(capture=name, stream=key):
                    reasons = {p["tcpconn.reason"] for p in packets}
                    self.assertEqual(len(reasons), 1, f"mixed reasons {reasons}")
                    reason = reasons.pop()
                    self.assertNotEqual(reason, "in-progress")
                    for p in packets:
                        self.assertEqual(present(p["tcpconn.failed"]), reason in FAILED,
                                         f"frame {p['frame.number']}")
                        self.assertEqual(p["tcpconn.provisional"], "", f"frame {p['frame.number']}")
                    outcome_frames = {p["tcpconn.outcome_frame"] for p in packets}
                    self.assertEqual(len(outcome_frames), 1)

    def test_expert_info_on_deciding_frame(self):
        for name in self.labels:
            rows = self.two_pass[name]
            by_frame = {r["frame.number"]: r for r in rows}
            checked = 0
            for key, packets in attempts_of(rows).items():
                reason = packets[0]["tcpconn.reason"]
                if reason not in EXPERT:
                    continue
                checked += 1
                with self.subTest(capture=name, stream=key, reason=reason):
                    deciding = by_frame[packets[0]["tcpconn.outcome_frame"]]
                    self.assertIn(EXPERT[reason], deciding["_ws.expert.message"])
                    # ...and only there.
                    for p in packets:
                        if p is not deciding:
                            self.assertNotIn(EXPERT[reason], p["_ws.expert.message"],
                                             f"frame {p['frame.number']}")
            with self.subTest(capture=name):
                # Every labelled attempt with an expert item was checked.
                self.assertEqual(checked, self.labelled(name, EXPERT))

    def test_one_pass_never_claims_a_wrong_outcome(self):
        """In one pass a packet shows what is known so far: whatever it shows
        without tcpconn.provisional must already be the final outcome."""
        in_progress = final_packets = 0
        for name in self.labels:
            final = {}
            for key, packets in attempts_of(self.two_pass[name]).items():
                final[key] = packets[0]["tcpconn.reason"]
            one_pass = attempts_of(self.one_pass[name])
            with self.subTest(capture=name):
                self.assertEqual(set(one_pass), set(final), "attempts in one pass and in two")
                self.assertEqual(len(one_pass), len(self.labels[name]))
            for key, packets in one_pass.items():
                with self.subTest(capture=name, stream=key):
                    for p in packets:
                        if p["tcpconn.reason"] == "in-progress":
                            in_progress += 1
                            self.assertTrue(present(p["tcpconn.provisional"]))
                        if p["tcpconn.provisional"] == "":
                            final_packets += 1
                            self.assertEqual(p["tcpconn.reason"], final.get(key),
                                             f"frame {p['frame.number']}")
        # Both checks above had packets to look at: unanswered SYNs are in
        # every folder, and so are packets after which nothing can change.
        self.assertGreater(in_progress, 0, "no in-progress packet in one pass")
        self.assertGreater(final_packets, 0, "no packet without tcpconn.provisional in one pass")

    def test_one_pass_no_answer_only_after_a_retransmission(self):
        """In one pass an attempt shows no-answer (provisional, failed) from
        its first retransmitted SYN on, never before it."""
        shown = 0
        for name in self.labels:
            for key, packets in attempts_of(self.one_pass[name]).items():
                syns = 0
                for p in packets:
                    syns += is_client_syn(p)
                    if p["tcpconn.reason"] != "no-answer":
                        continue
                    shown += 1
                    with self.subTest(capture=name, stream=key, frame=p["frame.number"]):
                        self.assertGreaterEqual(syns, 2, "no-answer before any retransmitted SYN")
                        self.assertTrue(present(p["tcpconn.failed"]))
                        if not present(p["tcpconn.provisional"]):
                            self.assertEqual(attempts_of(self.two_pass[name])[key][0]["tcpconn.reason"],
                                             "no-answer")
        with self.subTest("something to check"):
            self.assertGreater(shown, 0, "no one-pass no-answer packet in this folder")

    def test_one_pass_last_final_outcome_is_the_two_pass_one(self):
        """Wherever an attempt's last packet in one pass is no longer
        provisional, a full pass gives the same outcome."""
        checked = 0
        for name in self.labels:
            final = {key: packets[0]["tcpconn.reason"]
                     for key, packets in attempts_of(self.two_pass[name]).items()}
            for key, packets in attempts_of(self.one_pass[name]).items():
                last = packets[-1]
                if present(last["tcpconn.provisional"]):
                    continue
                checked += 1
                with self.subTest(capture=name, stream=key):
                    self.assertEqual(last["tcpconn.reason"], final[key])
        self.assertGreater(checked, 0)

    def test_capture_stopped_marks_attempts_cut_off_while_waiting(self):
        """tcpconn.capture_stopped: only on attempts still waiting whose last
        packet came less than a second before the capture's last frame, and
        on every such attempt with a waiting outcome."""
        marked = 0
        for name in self.labels:
            rows = self.two_pass[name]
            end = max(float(r["frame.time_epoch"]) for r in rows)
            for key, packets in attempts_of(rows).items():
                own = [p for p in packets if not p["icmp.type"] and not p["icmpv6.type"]] or packets
                gap = end - max(float(p["frame.time_epoch"]) for p in own)
                if abs(gap - CAPTURE_END_S) < 0.005:
                    continue  # the field counts whole milliseconds
                reason = packets[0]["tcpconn.reason"]
                stopped = {present(p["tcpconn.capture_stopped"]) for p in packets}
                with self.subTest(capture=name, stream=key, reason=reason, gap=round(gap, 3)):
                    self.assertEqual(len(stopped), 1, "the same on every packet")
                    stopped = stopped.pop()
                    marked += stopped
                    if stopped:
                        self.assertLess(gap, CAPTURE_END_S)
                        self.assertIn(reason, WAITING | {"half-open"})
                    elif reason in WAITING:
                        self.assertGreaterEqual(gap, CAPTURE_END_S)
                    if reason == "capture-ended":
                        self.assertTrue(stopped)
        self.assertGreater(marked, 0, "no attempt cut off by the end of a capture in this folder")

    def test_one_pass_deciding_packet_carries_the_outcome(self):
        for name in self.labels:
            one = {r["frame.number"]: r for r in self.one_pass[name]}
            checked = 0
            for key, packets in attempts_of(self.two_pass[name]).items():
                reason = packets[0]["tcpconn.reason"]
                if reason not in DECIDED_BY_ONE_PACKET:
                    continue
                checked += 1
                with self.subTest(capture=name, stream=key, reason=reason):
                    deciding = one[packets[0]["tcpconn.outcome_frame"]]
                    if (reason in CLOSED_AFTER_CONNECTING and deciding["tcpconn.reason"] == "half-open"
                            and present(deciding["tcpconn.provisional"])):
                        continue  # the server had re-sent its SYN-ACK: data came later
                    self.assertEqual(deciding["tcpconn.reason"], reason)
                    self.assertEqual(present(deciding["tcpconn.provisional"]),
                                     reason in RETRY_MAY_FOLLOW)
                    self.assertIn(EXPERT[reason], deciding["_ws.expert.message"])
            with self.subTest(capture=name):
                # Every labelled attempt decided by one packet was checked.
                self.assertEqual(checked, self.labelled(name, DECIDED_BY_ONE_PACKET))


if __name__ == "__main__":
    FOLDER = sys.argv.pop(1)
    unittest.main(verbosity=2)
