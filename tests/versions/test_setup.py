#!/usr/bin/python3
"""The README's first command on a fresh Debian machine.

Usage: test_setup.py SUITE   (bookworm, trixie or sid)

In a throwaway copy of the cached pristine SUITE system (minbase and git,
nothing else: tools/debian-system), as root: clone this repository (its
committed HEAD, through a git bundle), run tools/setup.sh, which installs
what it needs with apt, builds and installs the plugin and prints the demo
report; then check that report against captures/real/labels.tsv, and that the
plugin went to the global plugin folder of the Wireshark that got installed
(root's tshark ignores personal plugins).
"""
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import demo_report  # noqa: E402
import systems  # noqa: E402

REPO = systems.REPO
SUITE = None

# Runs in the fresh system; /out is the host's scratch folder.
SCRIPT = r"""
cd /root
git -c advice.detachedHead=false clone -q /out/tcpconn.bundle tcpconn
cd tcpconn
git log -1 --format='testing commit %h %s'
start=$(date +%s)
set +e
tools/setup.sh >/out/setup.out 2>/out/setup.err
echo $? >/out/setup.rc
echo $(( $(date +%s) - start )) >/out/setup.seconds
tshark --version >/out/version.txt 2>/dev/null
tshark -G folders >/out/folders.txt 2>/dev/null
tshark -G plugins >/out/plugins.txt 2>/dev/null
ls -a /root/.config/wireshark/profiles/tcpconn >/out/profile.txt 2>&1
true
"""


def read(name):
    try:
        with open(os.path.join(SetupOnFreshSystem.out, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class SetupOnFreshSystem(unittest.TestCase):
    out = None

    @classmethod
    def setUpClass(cls):
        cls.out = os.path.join(systems.OUTPUT, f"setup-{SUITE}")
        if os.path.exists(cls.out):
            shutil.rmtree(cls.out)
        os.makedirs(cls.out)
        subprocess.run(["git", "-C", REPO, "bundle", "create", "-q",
                        os.path.join(cls.out, "tcpconn.bundle"), "HEAD"], check=True)
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout
        if dirty:
            print("note: uncommitted changes are not in the clone; this tests the committed HEAD")
        start = time.time()
        p = subprocess.run([os.path.join(REPO, "tools", "debian-system"), "run", "--pristine",
                            "--bind", f"{cls.out}:/out", SUITE, "--", "sh", "-ec", SCRIPT],
                           capture_output=True, text=True, errors="replace", timeout=3000)
        print(p.stdout.strip())
        seconds = read("setup.seconds").strip() or "?"
        print(f"fresh {SUITE} system: tools/setup.sh took {seconds} s, "
              f"{time.time() - start:.0f} s in all; output in {cls.out}")
        if p.returncode != 0:
            raise AssertionError(f"the fresh system run failed ({p.returncode}):\n"
                                 f"{p.stdout[-3000:]}{p.stderr[-3000:]}")
        print(read("version.txt").splitlines()[0] if read("version.txt") else "no tshark")

    def test_setup_succeeds(self):
        self.assertEqual(read("setup.rc").strip(), "0",
                         f"tools/setup.sh failed; its output ends with:\n"
                         f"{read('setup.out')[-3000:]}\n{read('setup.err')[-3000:]}")

    def test_demo_report(self):
        """The report at the end of setup.sh's output, as the README shows it."""
        output = read("setup.out")
        self.assertIn(demo_report.FIRST_LINE, output)
        report = output[output.index(demo_report.FIRST_LINE):]
        demo_report.check(self, report)

    def test_plugin_in_the_global_folder_of_the_installed_wireshark(self):
        folders = dict(re.findall(r"^([^:\n]+):\s+(\S.*)$", read("folders.txt"), re.M))
        self.assertIn("Global Plugins", folders, read("folders.txt"))
        global_dir = folders["Global Plugins"].strip()
        print(f"global plugin folder: {global_dir}")
        line = [l for l in read("plugins.txt").splitlines() if l.startswith("tcpconn.so")]
        self.assertEqual(len(line), 1, f"tshark -G plugins:\n{read('plugins.txt')}")
        cols = line[0].split("\t")
        self.assertEqual(cols[2], "dissector", line[0])
        self.assertEqual(cols[-1], os.path.join(global_dir, "epan", "tcpconn.so"), line[0])

    def test_profile_installed(self):
        self.assertIn("colorfilters", read("profile.txt").split())


if __name__ == "__main__":
    SUITE = sys.argv.pop(1)
    unittest.main(verbosity=2)
