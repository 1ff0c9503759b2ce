#!/usr/bin/python3
"""The "tcpconn" Wireshark profile: its colouring rules, columns, filters, and
tools/install-profile.sh.

The profile is installed with tools/install-profile.sh into the temporary
HOME that tshark_run gives the unprivileged tshark, then every labelled
capture is read with

    tshark -C tcpconn --color -2 -T fields -e frame.number -e frame.coloring_rule.name ...

and each packet's colouring rule is checked against its attempt's outcome.
"""
import collections
import csv
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import tshark_run
from tshark_run import FAILED, REPO, fields, read_labels, tshark

INSTALL = os.path.join(REPO, "tools", "install-profile.sh")
OUR_RULES = os.path.join(REPO, "profiles", "tcpconn-colorfilters")
SYSTEM_COLORFILTERS = "/usr/share/wireshark/colorfilters"

FAILED_RULE = "TCP connect failed"
RETRIED_RULE = "TCP connect retried"
DROPPED_RULE = "TCP accepted then dropped"
OUR_RULE_NAMES = {FAILED_RULE, RETRIED_RULE, DROPPED_RULE}

DROPPED = {"reset-after-established", "closed-before-data"}

FIELDS = ["frame.number", "frame.coloring_rule.name", "tcpconn.stream", "tcpconn.attempt",
          "tcpconn.client", "tcpconn.server", "tcpconn.reason", "tcpconn.failed"]


def expected_rule(reasons):
    """Which of our rules must colour a packet whose tcpconn.reason values
    are `reasons` (None: none of ours). The rules are tried in file order."""
    if reasons & FAILED:
        return FAILED_RULE
    if "established-after-retry" in reasons:
        return RETRIED_RULE
    if reasons & DROPPED:
        return DROPPED_RULE
    return None


def run_install(home, *args):
    """tools/install-profile.sh as the unprivileged test user with HOME=home."""
    argv = tshark_run.command("/bin/sh", [INSTALL, *args])
    argv = [a.replace(f"HOME={tshark_run.plugin_home()}", f"HOME={home}") if a.startswith("HOME=")
            else a for a in argv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"install-profile.sh {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
    return p.stdout


def rule_lines(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.startswith(("@", "!@"))]


class ColouringRules(unittest.TestCase):
    captures = {}

    @classmethod
    def setUpClass(cls):
        home = tshark_run.plugin_home()
        out = run_install(home)
        assert "profile" in out, out
        cls.profile = os.path.join(home, ".config", "wireshark", "profiles", "tcpconn")
        for folder in ("crafted", "real"):
            labels = collections.OrderedDict()
            for label in read_labels(os.path.join(REPO, "captures", folder, "labels.tsv")):
                labels.setdefault(label["file"], []).append(label)
            for name, rows in labels.items():
                path = os.path.join(REPO, "captures", folder, name)
                packets = fields(path, FIELDS, extra=["-C", "tcpconn", "--color"])
                cls.captures[f"{folder}/{name}"] = (rows, packets)

    def test_profile_rules_come_first_then_wireshark_defaults_unchanged(self):
        installed = rule_lines(os.path.join(self.profile, "colorfilters"))
        ours = rule_lines(OUR_RULES)
        self.assertEqual([r.split("@")[1] for r in ours],
                         [FAILED_RULE, RETRIED_RULE, DROPPED_RULE])
        self.assertEqual(installed[:3], ours)
        self.assertEqual(installed[3:], rule_lines(SYSTEM_COLORFILTERS))

    def test_every_packet_gets_the_rule_of_its_attempt(self):
        coloured = collections.Counter()
        for capture, (_, packets) in self.captures.items():
            for p in packets:
                reasons = set(filter(None, p["tcpconn.reason"].split("|")))
                rule = p["frame.coloring_rule.name"]
                want = expected_rule(reasons)
                with self.subTest(capture=capture, frame=p["frame.number"], reasons=reasons):
                    # Every TCP packet matches some rule (Wireshark's own "TCP"
                    # at least); bare IP fragments may match none.
                    if reasons:
                        self.assertTrue(rule, "no colouring rule at all: is --color on?")
                    if want:
                        self.assertEqual(rule, want)
                        coloured[want] += 1
                    else:
                        # established, handshake-not-seen and untracked packets
                        # keep Wireshark's own colours.
                        self.assertNotIn(rule, OUR_RULE_NAMES)
        for rule in OUR_RULE_NAMES:
            self.assertGreater(coloured[rule], 0, f"no packet got {rule!r}")

    def test_every_labelled_attempt_was_seen_and_coloured(self):
        """Each labelled attempt whose outcome has a rule shows up as an
        attempt (client, server, reason) all of whose packets carry that rule."""
        for capture, (labels, packets) in self.captures.items():
            attempts = collections.OrderedDict()
            for p in packets:
                if p["tcpconn.stream"]:
                    key = (p["tcpconn.stream"], p["tcpconn.attempt"])
                    attempts.setdefault(key, []).append(p)
            seen = collections.Counter()
            for rows in attempts.values():
                first = rows[0]
                rule = expected_rule({first["tcpconn.reason"]})
                if rule and all(r["frame.coloring_rule.name"] == rule for r in rows):
                    seen[(first["tcpconn.client"], first["tcpconn.server"],
                          first["tcpconn.reason"])] += 1
            wanted = collections.Counter(
                (label["client"], label["server"], label["reason"]) for label in labels
                if expected_rule({label["reason"]}))
            with self.subTest(capture=capture):
                self.assertEqual(seen, wanted)

    def test_columns_are_wiresharks_defaults_plus_ours(self):
        def columns(prefs):
            m = re.search(r"^#?gui\.column\.format:\s*\n((?:#?\s+\".*\n)+)", prefs, re.M)
            self.assertIsNotNone(m, "no gui.column.format")
            return re.findall(r'"([^"]*)",\s*"([^"]*)"', m.group(1))

        default = columns(tshark("-G", "defaultprefs"))
        current = columns(tshark("-G", "currentprefs", "-C", "tcpconn"))
        ours = [("Connect outcome", "%Cus:tcpconn.reason:0:R"),
                ("SYNs", "%Cus:tcpconn.syn_count:0:R")]
        self.assertEqual([c for c in current if c not in ours], default)
        for column in ours:
            self.assertIn(column, current)

    def test_saved_filters_buttons_and_macros_work(self):
        seed = os.path.join(REPO, "captures", "real", "seed-burst.pcap")
        failed = [p["frame.number"] for p in fields(seed, ["frame.number"],
                                                    display_filter="tcpconn.failed")]
        self.assertEqual(len(failed), 4)
        macro = fields(seed, ["frame.number"], display_filter="${tcpconn_failed_port:80}",
                       extra=["-C", "tcpconn"])
        self.assertEqual([p["frame.number"] for p in macro], failed)
        with open(os.path.join(self.profile, "dfilter_buttons")) as f:
            self.assertIn('"TRUE","Failed connects","tcpconn.failed",', f.read())
        with open(os.path.join(self.profile, "dfilters")) as f:
            saved = [line for line in f if line.strip()]
        # Wireshark's own saved filters follow ours; its comment lines (4.4
        # starts the file with two) are not copied.
        with open("/usr/share/wireshark/dfilters") as f:
            system = {line for line in f.read().splitlines()
                      if line.strip() and not line.lstrip().startswith("#")}
        self.assertTrue(system)
        self.assertLessEqual(system, {s.rstrip("\n") for s in saved})
        # Ours must select something on the captures that hold every outcome
        # (one attempt of each failed kind; a stale ACK; a SYN-only capture
        # with both undecided outcomes; a fallback, and a connect that failed): a filter that compiles but names no
        # real outcome (a typo in a reason) selects nothing.
        outcomes = os.path.join(REPO, "captures", "crafted", "outcomes-v4.pcap")
        every_outcome = [os.path.join(REPO, "captures", "crafted", name) for name in
                         ("outcomes-v4.pcap", "stale-ack-v4.pcap", "handshake-only-v4.pcap")]
        # ...and connects that fell back or failed as a whole.
        every_outcome += [os.path.join(REPO, "captures", "real", name) for name in
                          ("he-v6-drop.pcap", "he-both-drop.pcap")]
        ours = 0
        for line in saved:
            name, expression = re.match(r'^"([^"]*)"\s+(.*)$', line).groups()
            with self.subTest(filter=expression):
                tshark("-C", "tcpconn", "-2", "-r", seed, "-Y", expression)
                if name.startswith("tcpconn:"):
                    ours += 1
                    selected = [path for path in every_outcome
                                if fields(path, ["frame.number"], display_filter=expression,
                                          extra=["-C", "tcpconn"])]
                    self.assertTrue(selected, f"{name!r} selects no packet")
        self.assertGreater(ours, 0, "no saved filter named 'tcpconn: ...'")
        # ${tcpconn_attempts}: one row per labelled attempt, on the packet
        # that decided it.
        labels = [l for l in read_labels(os.path.join(REPO, "captures", "crafted", "labels.tsv"))
                  if l["file"] == "outcomes-v4.pcap"]
        self.assertTrue(labels)
        attempts = fields(outcomes, ["frame.number", "tcpconn.outcome_frame", "tcpconn.reason"],
                          display_filter="${tcpconn_attempts}", extra=["-C", "tcpconn"])
        self.assertEqual(collections.Counter(a["tcpconn.reason"] for a in attempts),
                         collections.Counter(l["reason"] for l in labels))
        for a in attempts:
            self.assertEqual(a["frame.number"], a["tcpconn.outcome_frame"], a)

    def test_io_graph_counts_each_attempt_once(self):
        """The I/O Graph table: as many columns as this Wireshark's table has
        (4.6 added a tenth), and filters that select one packet per attempt,
        and per failed attempt, of failures-begin-v4.pcap (its labels)."""
        with open(os.path.join(self.profile, "io_graphs")) as f:
            rows = list(csv.reader(line for line in f if line.startswith('"')))
        major, minor = map(int, tshark_run.wireshark_version().split("."))
        columns = 10 if (major, minor) >= (4, 6) else 9
        self.assertEqual([len(r) for r in rows], [columns, columns])
        self.assertEqual([r[0] for r in rows], ["TRUE", "TRUE"])
        capture = "failures-begin-v4.pcap"
        labels = [l["reason"] for l in read_labels(os.path.join(REPO, "captures", "crafted",
                                                               "labels.tsv"))
                  if l["file"] == capture]
        wanted = {"All attempts": len(labels),
                  "Failed attempts": sum(1 for r in labels if r in FAILED)}
        self.assertTrue(0 < wanted["Failed attempts"] < wanted["All attempts"])
        for name, expression in ((r[1], r[2]) for r in rows):
            with self.subTest(graph=name):
                selected = fields(os.path.join(REPO, "captures", "crafted", capture),
                                  ["frame.number", "tcpconn.outcome_frame"],
                                  display_filter=expression)
                self.assertEqual(len(selected), wanted[name])
                for p in selected:
                    self.assertEqual(p["frame.number"], p["tcpconn.outcome_frame"])


class InstallProfile(unittest.TestCase):
    """install-profile.sh never overwrites a profile the user has changed."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="tcpconn-profile-home-")
        os.chmod(self.home, 0o777)
        self.profiles = os.path.join(self.home, ".config", "wireshark", "profiles")
        self.profile = os.path.join(self.profiles, "tcpconn")

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def read(self, name):
        with open(os.path.join(self.profile, name)) as f:
            return f.read()

    def test_install_then_up_to_date(self):
        self.assertIn("Installed", run_install(self.home))
        for name in ("colorfilters", "preferences", "dfilter_buttons", "dfilters",
                     "dfilter_macros", "io_graphs", ".tcpconn-installed.sha256"):
            self.assertTrue(os.path.isfile(os.path.join(self.profile, name)), name)
        self.assertIn("up to date", run_install(self.home))

    def test_unmodified_old_install_is_updated(self):
        run_install(self.home)
        # An older install: different content, matching manifest. Files
        # Wireshark writes itself (recent) are not the user's edits.
        with open(os.path.join(self.profile, "dfilters"), "w") as f:
            f.write('"old" tcp\n')
        os.remove(os.path.join(self.profile, "io_graphs"))  # older installs had none
        subprocess.run("sha256sum colorfilters preferences dfilter_buttons dfilters dfilter_macros"
                       " > .tcpconn-installed.sha256", shell=True, cwd=self.profile, check=True)
        with open(os.path.join(self.profile, "recent"), "w") as f:
            f.write("gui.zoom_level: 1\n")
        self.assertIn("Updated", run_install(self.home))
        self.assertIn("tcpconn.failed", self.read("dfilters"))
        self.assertIn("tcpconn.failed", self.read("io_graphs"))
        self.assertEqual(self.read("recent"), "gui.zoom_level: 1\n")

    def test_edited_profile_is_left_alone(self):
        run_install(self.home)
        with open(os.path.join(self.profile, "colorfilters"), "a") as f:
            f.write("@Mine@udp@[0,0,0][65535,65535,65535]\n")
        edited = self.read("colorfilters")
        out = run_install(self.home)
        self.assertIn("not updated", out)
        self.assertIn("--force", out)
        self.assertEqual(self.read("colorfilters"), edited)
        # --force keeps the user's version as another profile.
        self.assertIn("Installed", run_install(self.home, "--force"))
        backups = glob.glob(os.path.join(self.profiles, "tcpconn-backup-*"))
        self.assertEqual(len(backups), 1)
        with open(os.path.join(backups[0], "colorfilters")) as f:
            self.assertEqual(f.read(), edited)
        self.assertNotIn("@Mine@", self.read("colorfilters"))

    def test_profile_not_made_by_the_installer_is_left_alone(self):
        os.makedirs(self.profile)
        with open(os.path.join(self.profile, "preferences"), "w") as f:
            f.write("gui.zoom_level: 2\n")
        self.assertIn("not updated", run_install(self.home))
        self.assertEqual(os.listdir(self.profile), ["preferences"])

    def test_deleted_file_counts_as_an_edit(self):
        run_install(self.home)
        os.remove(os.path.join(self.profile, "dfilter_macros"))
        self.assertIn("not updated", run_install(self.home))
        self.assertFalse(os.path.exists(os.path.join(self.profile, "dfilter_macros")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
