#!/usr/bin/env python3
"""Runs tshark with a given tcpconn plugin over folders of captures and writes
one TSV row per connection attempt, so that the outcomes before and after a
behaviour change can be compared (sort -u / diff the two TSVs).

    tools/corpus-outcomes.py --plugin build/plugin/tcpconn.so --out before.tsv DIR...
    tools/corpus-outcomes.py --compare before.tsv after.tsv

Each DIR is one corpus (named after its last path component); every
.pcap/.pcapng/.cap under it is read with `tshark -2`. A summary (attempts per
reason per corpus, files read / failed / timed out) goes to standard output.
"""
import argparse
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
import tshark_run  # noqa: E402

FIELDS = ["tcpconn.stream", "tcpconn.attempt", "tcpconn.client", "tcpconn.server",
          "tcpconn.reason", "tcpconn.syn_count", "tcpconn.synack_count",
          "tcpconn.outcome_frame"]
COLUMNS = ["corpus", "file", "stream", "attempt", "client", "server", "reason",
           "syn_count", "synack_count", "outcome_frame"]
EXTENSIONS = (".pcap", ".pcapng", ".cap")
TIMEOUT = 120  # seconds per file: a few fuzzed captures make dissectors crawl


def run_one(path):
    """(status, rows, message) for one capture; status: ok, error, timeout.

    A capture tshark can only partly read (e.g. cut short) still yields the
    attempts it saw; it counts as ok-with-error ("partial") when rows came out."""
    args = ["-n", "-r", path, "-2", "-Y", "tcpconn.outcome_frame == frame.number",
            "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    try:
        p = subprocess.run(tshark_run.command("tshark", args), capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", [], ""
    rows = [line.split("\t") for line in p.stdout.splitlines() if line]
    msg = next((l for l in p.stderr.splitlines() if l.strip() and "Running as user" not in l), "")
    if p.returncode != 0:
        return ("partial" if rows else "error"), rows, msg
    return "ok", rows, msg


def captures(folder):
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(EXTENSIONS):
                yield os.path.join(root, name)


def read_attempts(path):
    """{(corpus, file, client, server): [reason, ...]} from one run's TSV."""
    found = collections.defaultdict(list)
    with open(path) as f:
        columns = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(columns, line.rstrip("\n").split("\t")))
            found[r["corpus"], r["file"], r["client"], r["server"]].append(r["reason"])
    return found


def compare(before_path, after_path):
    """How each 4-tuple's outcomes changed from one run to the other: counts
    per corpus and change ("a + b" where a 4-tuple held several attempts;
    "-" where a run had none, e.g. when client and server were swapped)."""
    before, after = read_attempts(before_path), read_attempts(after_path)
    changes, examples = collections.Counter(), {}
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, []), after.get(key, [])
        pairs = zip(was, now) if len(was) == len(now) else [(" + ".join(was) or "-",
                                                              " + ".join(now) or "-")]
        for a, b in pairs:
            if a != b:
                changes[key[0], a, b] += 1
                examples.setdefault((key[0], a, b), f"{key[1]} {key[2]} {key[3]}")
    for (corpus, a, b), n in sorted(changes.items(), key=lambda x: (x[0][0], -x[1])):
        print(f"{corpus}\t{n}\t{a} -> {b}\te.g. {examples[corpus, a, b]}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                    help="compare two runs' TSVs instead of running tshark")
    ap.add_argument("--plugin", help="the tcpconn .so to load")
    ap.add_argument("--out", help="the TSV to write")
    ap.add_argument("--jobs", type=int, default=1, help="tshark processes at a time")
    ap.add_argument("folders", nargs="*")
    opts = ap.parse_args()
    if opts.compare:
        return compare(*opts.compare)
    if not (opts.plugin and opts.out and opts.folders):
        ap.error("--plugin, --out and at least one folder are needed")

    start = time.monotonic()
    # tshark runs as in the tests: as `nobody` when root, the plugin in a
    # temporary personal plugin folder (tests/tshark_run.py).
    os.environ["TCPCONN_PLUGIN"] = os.path.abspath(opts.plugin)
    home = tshark_run.plugin_home()
    work = [(os.path.basename(os.path.normpath(d)), d, path)
            for d in opts.folders for path in captures(d)]
    rows, status, problems = [], collections.Counter(), []
    try:
        with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
            results = pool.map(lambda w: run_one(w[2]), work)
            for (corpus, folder, path), (st, found, msg) in zip(work, results):
                rel = os.path.relpath(path, folder)
                status[corpus, st] += 1
                if st != "ok":
                    problems.append(f"{st}\t{corpus}/{rel}\t{msg}")
                for r in found:
                    rows.append([corpus, rel] + (r + [""] * len(FIELDS))[:len(FIELDS)])
    finally:
        shutil.rmtree(home, ignore_errors=True)

    # Sorted, so that two runs (before/after a change) diff line by line.
    def key(r):
        return (r[0], r[1], int(r[2] or 0), int(r[3] or 0), int(r[9] or 0))
    rows.sort(key=key)
    with open(opts.out, "w") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")

    reasons = collections.Counter((r[0], r[6]) for r in rows)
    for corpus in dict.fromkeys(w[0] for w in work):
        files = sum(n for (c, _), n in status.items() if c == corpus)
        print(f"== {corpus}: {files} files: " + ", ".join(
            f"{st} {status[corpus, st]}" for st in ("ok", "partial", "error", "timeout")))
        total = sum(n for (c, _), n in reasons.items() if c == corpus)
        print(f"   {total} attempts")
        for (c, reason), n in sorted(reasons.items(), key=lambda x: -x[1]):
            if c == corpus:
                print(f"   {n:7d}  {reason}")
    print(f"\n== {len(work)} files in {time.monotonic() - start:.0f} s with --jobs {opts.jobs}")
    if problems:
        print("\n== files not (fully) read: status, file, tshark's message")
        print("\n".join(problems))
    return 0


if __name__ == "__main__":
    sys.exit(main())
