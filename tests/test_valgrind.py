#!/usr/bin/python3
"""tshark with the plugin under valgrind memcheck, over every committed
capture (appended into one file), in one pass and in two passes with the
statistics, the expert tap and the Zeek view on.

tshark and its libraries have leaks and reports of their own; the test fails
on any leak or memory error whose stack passes through the plugin.
"""
import glob
import os
import re
import subprocess
import unittest

import tshark_run

RUNS = {
    "one pass, fields": ["-T", "fields", "-e", "tcpconn.reason", "-e", "tcpconn.server"],
    "two passes, details, statistics, expert, Zeek": [
        "-2", "-V", "-z", "tcpconn,tree", "-z", "expert", "-o", "tcpconn.zeek:TRUE",
        "-o", "tcpconn.zeek_checksums:TRUE"],
}

# Our code in a valgrind stack: the plugin file or one of its source files
# (every one of them: a frame names its source file, not tcpconn.so, when
# debug information is there).
PLUGIN_SOURCES = sorted(os.path.basename(f)
                        for f in glob.glob(os.path.join(tshark_run.REPO, "plugin", "*.c")))
PLUGIN_FRAME = re.compile("|".join([r"tcpconn\.so"] + [rf"\({re.escape(f)}:"
                                                       for f in PLUGIN_SOURCES]))
FRAME = re.compile(r"^\s*(?:at|by) 0x[0-9A-F]+: (\S+)")
ALLOCATORS = {"malloc", "calloc", "realloc", "g_malloc", "g_malloc0", "g_realloc", "g_try_malloc",
              "g_strdup", "g_strndup", "g_memdup", "g_memdup2", "g_strdup_printf",
              "g_strdup_vprintf", "g_slice_alloc", "g_slice_alloc0", "wmem_alloc", "wmem_alloc0",
              "wmem_realloc"}


def records(log):
    """valgrind's report, split into its records (blank-line separated)."""
    body = re.sub(r"^==\d+== ?", "", log, flags=re.M)
    return [r.strip() for r in body.split("\n\n") if r.strip()]


def leaked_by_plugin(record):
    """A leak is the plugin's when the plugin itself asked for the memory:
    the first frame after the allocator is ours. (Memory the plugin hands to
    Wireshark, such as statistics tree nodes, is Wireshark's to free.)"""
    for line in record.splitlines():
        m = FRAME.match(line)
        if m and m.group(1) not in ALLOCATORS:
            return bool(PLUGIN_FRAME.search(line))
    return False


def plugin_problems(log):
    found = []
    for r in records(log):
        if "lost in loss record" in r:
            if leaked_by_plugin(r):
                found.append(r)
        elif r.startswith(("Invalid", "Conditional jump", "Use of uninitialised", "Mismatched",
                           "Source and destination overlap")) and PLUGIN_FRAME.search(r):
            found.append(r)
    return found


class Memcheck(unittest.TestCase):
    def test_every_plugin_source_counts_as_ours(self):
        self.assertIn("output.c", PLUGIN_SOURCES)
        self.assertIn("packet-tcpconn.c", PLUGIN_SOURCES)
        for f in PLUGIN_SOURCES:
            self.assertTrue(PLUGIN_FRAME.search(f"   by 0x4859A3C: fn ({f}:12)"), f)
        self.assertFalse(PLUGIN_FRAME.search("   by 0x4859A3C: fn (packet-wire.c:12)"))

    @classmethod
    def setUpClass(cls):
        cls.scratch = tshark_run.readable_copy_dir()
        cls.capture = os.path.join(cls.scratch, "all.pcapng")
        sources = sorted(glob.glob(os.path.join(tshark_run.REPO, "captures", "*", "*.pcap*")))
        subprocess.run(["mergecap", "-a", "-w", cls.capture, *sources], check=True)
        os.chmod(cls.capture, 0o644)

    def run_memcheck(self, name, args):
        log = os.path.join(self.scratch, f"valgrind-{len(name)}.log")
        # --keep-debuginfo: plugins are unloaded before the leak report.
        valgrind = ["--leak-check=full", "--show-leak-kinds=definite,indirect",
                    "--keep-debuginfo=yes", "--num-callers=40", f"--log-file={log}", "tshark",
                    "-r", self.capture, *args]
        p = subprocess.run(tshark_run.command("valgrind", valgrind), capture_output=True,
                           text=True, errors="replace", timeout=1800)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        # The plugin ran under valgrind too (both runs print outcomes).
        self.assertIn("refused", p.stdout, "no tcpconn output under valgrind")
        with open(log, errors="replace") as f:
            text = f.read()
        self.assertIn("LEAK SUMMARY", text, "valgrind did not finish")
        return plugin_problems(text)

    def test_no_leak_or_error_in_the_plugin(self):
        for name, args in RUNS.items():
            with self.subTest(run=name):
                self.assertEqual(self.run_memcheck(name, args), [])

    def test_the_plugin_ran(self):
        out = tshark_run.tshark("-r", self.capture, "-2", "-q", "-z", "tcpconn,tree")
        self.assertRegex(out, r"Attempts by outcome\s+\d{2,}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
