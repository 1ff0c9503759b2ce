"""The check of the demo report (tools/tcpconn-report on the bundled
seed-burst capture, which tools/setup.sh prints at its end) against
captures/real/labels.tsv: the failed attempts it lists and the count of each
outcome. Used by test_tshark_modes.py on the built plugin and by
versions/test_setup.py on what tools/setup.sh installed on a fresh system."""
import collections
import os

from tshark_run import FAILED, REPO, read_labels

CAPTURE = "captures/real/seed-burst.pcap"
FIRST_LINE = f"Failed connection attempts in {CAPTURE}:"


def check(test, report):
    """Asserts, with unittest.TestCase `test`, that `report` (the report's
    text, from its first line to its end) matches the labels."""
    labels = [l for l in read_labels(os.path.join(REPO, "captures", "real", "labels.tsv"))
              if l["file"] == os.path.basename(CAPTURE)]
    test.assertIn("\nAttempts by outcome:\n", report)
    failed_part, counts_part = report.split("\nAttempts by outcome:\n")
    lines = failed_part.strip().splitlines()
    test.assertEqual(lines[0], FIRST_LINE)
    test.assertEqual(lines[1].split(), ["frame.number", "tcpconn.client", "tcpconn.server",
                                        "tcpconn.reason", "tcpconn.syn_count",
                                        "tcpconn.time_to_outcome"])
    rows = sorted((r.split()[1], r.split()[2], r.split()[3]) for r in lines[2:])
    test.assertEqual(rows, sorted((l["client"], l["server"], l["reason"]) for l in labels
                                  if l["reason"] in FAILED))
    counts = {reason: int(n) for n, reason in
              (line.split() for line in counts_part.strip().splitlines())}
    test.assertEqual(counts, collections.Counter(l["reason"] for l in labels))
