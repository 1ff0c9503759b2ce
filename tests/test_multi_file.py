#!/usr/bin/python3
"""Several capture files opened one after the other in one process must not
see each other's connections: tests/multi_file.c reads them in sequence with
libwireshark (as the GUI does on File > Open) and every file's per-frame
outcomes must equal those of a fresh tshark run on that file alone."""
import collections
import os
import subprocess
import unittest

import tshark_run

CRAFTED = os.path.join(tshark_run.REPO, "captures", "crafted")
REAL = os.path.join(tshark_run.REPO, "captures", "real")
# The same files more than once, so leftovers from the first reading would
# meet the same stream numbers and ports again.
SEQUENCE = [os.path.join(CRAFTED, "port-reuse-v4.pcap"), os.path.join(CRAFTED, "outcomes-v4.pcap"),
            os.path.join(CRAFTED, "port-reuse-v4.pcap"), os.path.join(REAL, "seed-burst.pcap"),
            os.path.join(CRAFTED, "outcomes-v4.pcap")]


def fresh(path):
    rows = tshark_run.fields(path, ["frame.number", "tcpconn.reason"], two_pass=False)
    return [(r["frame.number"], r["tcpconn.reason"]) for r in rows]


class FilesInSequence(unittest.TestCase):
    def test_each_file_starts_afresh(self):
        p = subprocess.run(tshark_run.command(os.environ["TCPCONN_MULTI_FILE"], SEQUENCE),
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        readings = []  # one list of (frame, reason) per file, in order
        for line in p.stdout.splitlines():
            path, frame, reason = line.split("\t")
            if frame == "1":
                readings.append((path, []))
            readings[-1][1].append((frame, reason))
        self.assertEqual([path for path, _ in readings], SEQUENCE)
        expected = {path: fresh(path) for path in set(SEQUENCE)}
        for i, (path, rows) in enumerate(readings):
            with self.subTest(reading=i, capture=os.path.basename(path)):
                self.assertEqual(rows, expected[path])
        self.assertIn("refused", collections.Counter(r for _, rows in readings for _, r in rows))


if __name__ == "__main__":
    unittest.main(verbosity=2)
