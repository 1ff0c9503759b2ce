#!/usr/bin/python3
"""The whole test suite on one Wireshark release.

Usage: suite.py host BUILD    this machine's Wireshark: ctest in BUILD, which
                              tools/test.sh has just built
       suite.py SUITE         inside the cached Debian SUITE test system
                              (tools/debian-system): a copy of the working
                              tree is built there with warnings as errors and
                              its ctest run, by `tools/test.sh --only host`,
                              the same command as on this machine

Prints the nested ctest output, then one line with the Wireshark version, the
nested summary and the time. Exits with the nested ctest's status.
"""
import os
import re
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import systems  # noqa: E402

GUEST_SRC = "/srv/tcpconn"


def working_tree_files():
    """The files a commit of the working tree would hold: tracked ones that
    still exist and untracked ones git does not ignore."""
    out = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, capture_output=True).stdout
    names = sorted(set(n for n in out.decode().split("\0") if n))
    return [n for n in names if os.path.isfile(os.path.join(REPO, n))
            or os.path.islink(os.path.join(REPO, n))]


def copy_tree(dest):
    """A fresh copy of the working tree, readable by everyone (the tests run
    tshark as nobody)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for name in working_tree_files():
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(REPO, name), target, follow_symlinks=False)
    for root, dirs, _ in os.walk(dest):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    os.chmod(dest, 0o755)


def stream(argv, log_path, env=None):
    """Runs argv, printing its output as it comes and keeping it in a log."""
    with open(log_path, "w") as log:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True, errors="replace",
                             env=dict(os.environ, **(env or {})))
        lines = []
        for line in p.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(line)
            lines.append(line.rstrip("\n"))
        return p.wait(), lines


def summary(lines):
    for line in reversed(lines):
        if re.search(r"tests passed, \d+ tests failed out of \d+", line):
            return line.strip()
    return "no ctest summary (the build or the set-up failed: see above)"


def main():
    target = sys.argv[1]
    where = systems.describe(target)
    out = os.path.join(systems.OUTPUT, target)
    os.makedirs(out, exist_ok=True)
    start = time.time()
    print(f"== The test suite on {where}", flush=True)
    if target == "host":
        build = sys.argv[2]
        # The README's screenshots come from the newest release (below).
        screenshots = os.path.join(out, "screenshots")
        status, lines = stream(["ctest", "--test-dir", build, "--output-on-failure"],
                               os.path.join(out, "suite.log"), {"TCPCONN_SCREENSHOTS": screenshots})
    else:
        src = os.path.join(out, "src")
        copy_tree(src)
        binds = [f"{src}:{GUEST_SRC}"]
        # The Zeek traces of the zeek.agreement test, where this checkout
        # has them, at the same place relative to the source.
        corpus = os.path.join(os.path.dirname(REPO), "shared", "corpus", "zeek")
        if os.path.isfile(os.path.join(corpus, "SOURCES.tsv")):
            binds.append(f"{corpus}:/srv/shared/corpus/zeek:ro")
        argv = [os.path.join(REPO, "tools", "debian-system"), "run", "--cwd", GUEST_SRC]
        for b in binds:
            argv += ["--bind", b]
        argv += [target, "--", "tools/test.sh", "--only", "host"]
        status, lines = stream(argv, os.path.join(out, "suite.log"))
        screenshots = os.path.join(src, "docs", "screenshots")
        if target == systems.NEWEST and status == 0:
            readme_shots = os.path.join(REPO, "docs", "screenshots")
            for name in sorted(os.listdir(screenshots)):
                shutil.copy2(os.path.join(screenshots, name), readme_shots)
            print(f"== the README's screenshots ({readme_shots}) are now this release's",
                  flush=True)
    elapsed = time.time() - start
    print(f"== {where}: {summary(lines)} ({elapsed:.0f} s; log {out}/suite.log, "
          f"screenshots {screenshots})", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
