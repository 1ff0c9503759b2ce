#!/usr/bin/python3
"""Malformed input under AddressSanitizer and UndefinedBehaviorSanitizer.

tshark runs with the sanitizer runtime preloaded and the sanitized build of
the plugin (TCPCONN_SANITIZED_PLUGIN) in its plugin folder, over all committed
captures appended into one file and over deterministic corruptions of them
(editcap -E with fixed seeds). Any sanitizer report, crash or tshark failure fails the test.

Usage: test_sanitizers.py [--seeds N] [--rates 0.02,0.05,0.2] [--randpkt N]
The defaults are the deterministic slice run by ctest. --randpkt N adds N
random packets of each of randpkt's TCP, ICMP, IP, IPv6 and Ethernet kinds
(randpkt cannot be seeded, so that part is for local runs).
"""
import argparse
import glob
import os
import subprocess
import sys
import unittest

os.environ["TCPCONN_PLUGIN"] = os.environ.get("TCPCONN_SANITIZED_PLUGIN", "")
import tshark_run  # noqa: E402  (reads TCPCONN_PLUGIN lazily)

SEEDS = 20
RATES = (0.02, 0.05, 0.2)
RANDPKT_KINDS = ("tcp", "icmp", "ip", "ipv6", "eth")


def runtime(name):
    path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                          text=True).stdout.strip()
    return os.path.realpath(path)


SANITIZER_ENV = {
    "LD_PRELOAD": f"{runtime('libasan.so')}:{runtime('libubsan.so')}",
    # tshark itself is not instrumented and frees little at exit; leaks of the
    # plugin are checked by valgrind (test_valgrind.py).
    "ASAN_OPTIONS": "detect_leaks=0:exitcode=86:halt_on_error=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87",
}

MARKERS = ("AddressSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def captures():
    found = []
    for folder in ("crafted", "real"):
        found += sorted(glob.glob(os.path.join(tshark_run.REPO, "captures", folder, "*.pcap*")))
    return found


def run(args):
    p = subprocess.run(tshark_run.command("tshark", args, SANITIZER_ENV), capture_output=True,
                       text=True, errors="replace", timeout=900)
    return p.returncode, p.stderr


class Sanitized(unittest.TestCase):
    seeds = SEEDS
    rates = RATES
    randpkt = 0

    @classmethod
    def setUpClass(cls):
        plugin = os.environ["TCPCONN_PLUGIN"]
        if not plugin:
            # Run by hand without a sanitized build; ctest always names one.
            raise unittest.SkipTest("TCPCONN_SANITIZED_PLUGIN not given")
        # Named but missing, or built without the sanitizers: every check
        # below would pass without checking anything.
        if not os.path.isfile(plugin):
            raise AssertionError(f"TCPCONN_SANITIZED_PLUGIN={plugin}: no such file")
        with open(plugin, "rb") as f:
            image = f.read()
        for marker in (b"__asan_report_", b"__ubsan_handle_"):
            if marker not in image:
                raise AssertionError(f"{plugin} is not instrumented: no {marker.decode()}*")
        cls.scratch = tshark_run.readable_copy_dir()

    def assert_clean(self, args, what):
        rc, err = run(args)
        for marker in MARKERS:
            self.assertNotIn(marker, err, f"{what}: sanitizer report\n{err[-4000:]}")
        self.assertEqual(rc, 0, f"{what}: tshark exited {rc}\n{err[-2000:]}")

    def test_plugin_is_loaded_and_works(self):
        # (tshark -G plugins hangs with the sanitizer runtime preloaded, so
        # the proof that the sanitized plugin runs is its output.)
        refused = os.path.join(tshark_run.REPO, "captures", "crafted", "outcomes-v4.pcap")
        out = subprocess.run(tshark_run.command(
            "tshark", ["-r", refused, "-2", "-T", "fields", "-e", "tcpconn.reason"],
            SANITIZER_ENV), capture_output=True, text=True, errors="replace", timeout=300).stdout
        self.assertIn("refused", out)

    def merged(self, name, parts):
        """Appends PARTS into one file, so one tshark run covers them all
        (and the jumps in link type and time between them are input too)."""
        path = os.path.join(self.scratch, name)
        subprocess.run(["mergecap", "-a", "-w", path, *parts], check=True, capture_output=True)
        os.chmod(path, 0o644)
        return path

    def test_committed_captures(self):
        sources = captures()
        self.assertGreater(len(sources), 100, "the committed captures were not found")
        merged = self.merged("committed.pcapng", sources)
        self.assert_clean(["-r", merged, "-2", "-V"], merged)
        self.assert_clean(["-r", merged, "-T", "fields", "-e", "tcpconn.reason",
                           "-e", "tcpconn.client", "-e", "tcpconn.server"], merged)
        os.remove(merged)

    def test_corrupted_variants(self):
        """editcap -E flips random bytes; each seed and rate gives one
        corrupted copy of all committed captures appended together."""
        clean = self.merged("clean.pcapng", captures())
        variants = 0
        for rate in self.rates:
            for seed in range(1, self.seeds + 1):
                corrupted = os.path.join(self.scratch, f"fuzz-{rate}-{seed}.pcapng")
                subprocess.run(["editcap", "-E", str(rate), "--seed", str(seed), clean, corrupted],
                               check=True, capture_output=True)
                os.chmod(corrupted, 0o644)
                variants += 1
                with self.subTest(rate=rate, seed=seed):
                    self.assert_clean(["-r", corrupted, "-2", "-V"], corrupted)
                    self.assert_clean(["-r", corrupted, "-T", "fields", "-e", "tcpconn.reason",
                                       "-e", "tcpconn.server"], corrupted)
                os.remove(corrupted)
        self.assertEqual(variants, len(self.rates) * self.seeds)
        print(f"\n{variants} corrupted copies of all committed captures checked", file=sys.stderr)

    def test_random_packets(self):
        if not self.randpkt:
            self.skipTest("no --randpkt")
        for kind in RANDPKT_KINDS:
            path = os.path.join(self.scratch, f"random-{kind}.pcap")
            subprocess.run(["randpkt", "-b", "400", "-c", str(self.randpkt), "-t", kind, path],
                           check=True, capture_output=True)
            os.chmod(path, 0o644)
            with self.subTest(kind=kind):
                self.assert_clean(["-r", path, "-2", "-V"], path)
                self.assert_clean(["-r", path, "-T", "fields", "-e", "tcpconn.reason"], path)
        print(f"\n{self.randpkt * len(RANDPKT_KINDS)} random packets checked", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--rates", default=",".join(map(str, RATES)))
    parser.add_argument("--randpkt", type=int, default=0)
    args, rest = parser.parse_known_args()
    Sanitized.seeds = args.seeds
    Sanitized.randpkt = args.randpkt
    Sanitized.rates = tuple(float(r) for r in args.rates.split(","))
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
