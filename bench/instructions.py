#!/usr/bin/python3
"""instructions.py - the plugin's cost in instructions, which load cannot blur.

    bench/instructions.py [--work DIR] [--streams N] [--packets M] [--jobs J]
                          [--build DIR] [--no-build] [--results FILE]
                          [--only plain,io,stat,...] [--dump-instr] [--syn-flood] [--no-lua]

Wall times on a shared 2-core machine vary by 20-30 % from run to run, more
than the 5 % and 10 % targets of run.py. This runs each comparison of run.py
once under `valgrind --tool=callgrind` and compares the instructions executed
(callgrind's Ir count), which are the same on every run, however busy the
machine is. They do not see cache misses, so they complement the wall times
of bench/RESULTS.md rather than replace them. Also reports the startup cost
(`-c 1`) and the instructions spent inside the plugin's post-dissector.

The capture is gencap's (default 10k streams / 100k packets, seed 1), the
HOMEs and the runs as `nobody` are those of run.py. Takes ~10 min with 2 jobs.
Needs valgrind (apt install valgrind). Writes WORK/INSTRUCTIONS.md and
bench/results/instructions-X.Y.md and .json (X.Y: the release of the tshark on
PATH).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402


def callgrind(home, args, out, reuse=False, dump_instr=False):
    """Instructions of one tshark run, and of those inside the plugin's dissector."""
    if not (reuse and os.path.exists(out)):
        argv = bench.command(home, args)
        i = argv.index("tshark")
        argv[i:i] = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        if dump_instr:  # per-instruction costs for callgrind_annotate; same totals
            argv[i + 2:i + 2] = ["--dump-instr=yes"]
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           errors="replace")
        if p.returncode != 0 or "Collected :" not in p.stderr:
            bench.die(f"callgrind {shlex.join(args)} failed ({p.returncode}):\n"
                      f"{p.stderr[-2000:]}")
    with open(out, errors="replace") as f:
        total = [int(l.split()[1]) for l in f if l.startswith(("totals:", "summary:"))]
    if not total:
        bench.die(f"no totals in {out}")
    # The inclusive cost of dissect_tcpconn is the largest figure on its lines.
    # How callgrind_annotate labels them (with or without "[tcpconn.so]", with
    # source annotation or not) depends on whether it finds the sources, so
    # match the name alone and keep the largest.
    a = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no",
                        out], capture_output=True, text=True, errors="replace").stdout
    inside = max((int(mm.group(1).replace(",", "")) for mm in
                  re.finditer(r"^\s*([\d,]+) .*:dissect_tcpconn(?:\s|$)", a, re.M)), default=0)
    return total[0], inside


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default="/var/tmp/tcpconn-bench/instructions")
    ap.add_argument("--streams", type=int, default=10_000)
    ap.add_argument("--packets", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--build", default=bench.BUILD, metavar="DIR",
                    help="cmake build folder (default build/; one per Wireshark release)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--only", help="comma-separated comparisons to run (plain, io,stat, "
                    "-2 -Y, fields; default all), e.g. for a large capture")
    ap.add_argument("--results", help="where to write the table (default "
                    "bench/results/instructions-X.Y.md)")
    ap.add_argument("--dump-instr", action="store_true",
                    help="profile per instruction (callgrind --dump-instr=yes) for "
                    "callgrind_annotate of the callgrind.*.out files kept in the work dir")
    ap.add_argument("--syn-flood", action="store_true",
                    help="a SYN flood of --streams one-packet streams instead of gencap's "
                    "outcome mix: every packet starts an attempt, so the table grows on every "
                    "one (for the per-packet cost against the number of streams)")
    ap.add_argument("--no-lua", action="store_true",
                    help="leave out the Lua post-dissector runs")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse callgrind output files already in the work dir")
    opts = ap.parse_args()
    bench.set_build(opts.build)
    work = os.path.abspath(opts.work)
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o777)  # callgrind, as nobody, writes its output here
    if not opts.no_build:
        bench.build()
    plugin = os.path.join(bench.BUILD, "plugin", "tcpconn.so")
    if opts.reuse:
        homes = {"A": os.path.join(work, "home-A"), "B": os.path.join(work, "home-B")}
    else:
        homes = {"A": bench.make_home(work, "home-A", None),
                 "B": bench.make_home(work, "home-B", plugin)}
    tested = os.path.join(homes["B"], ".local", "lib", "wireshark", "plugins",
                          bench.plugin_subdir(), "epan", "tcpconn.so")
    git = subprocess.run(["git", "-C", bench.REPO, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip()
    lua = os.path.join(work, "tcpconn_lite.lua")
    bench.shutil.copy(bench.LUA_SRC, lua)
    os.chmod(lua, 0o644)
    cap, meta = bench.gencap(work, "I", opts.streams, opts.packets, opts.syn_flood)
    packets = meta["packets"]

    jobs = [("startup", "A", ["-r", cap, "-c", "1"]), ("startup", "B", ["-r", cap, "-c", "1"])]
    comps = bench.comparisons(cap, lua)
    if opts.no_lua:
        comps = [(k, g, t, a, b, []) for k, g, t, a, b, _ in comps]
    if opts.only:
        keys = [c[0] for c in comps]
        wanted = []
        for part in opts.only.split(","):  # "io,stat" itself has a comma
            if wanted and f"{wanted[-1]},{part}" in keys:
                wanted[-1] += "," + part
            else:
                wanted.append(part)
        unknown = [k for k in wanted if k not in keys]
        if unknown:
            bench.die(f"--only: unknown comparison(s) {unknown}; known: {keys}")
        comps = [c for c in comps if c[0] in wanted]
    for key, _, _, a, b, extra in comps:
        jobs += [(key, "A", a), (key, "B", b)]
        jobs += [(f"{key} (Lua)", "Lua", args) for _, _, args in extra]
    bench.log(f"{len(jobs)} callgrind runs on {os.path.basename(cap)} ({packets:,} packets), "
              f"{opts.jobs} at a time")

    def one(job):
        key, side, args = job
        out = os.path.join(work, "callgrind." + re.sub(r"\W+", "_", f"{key}_{side}") + ".out")
        ir, inside = callgrind(homes["A" if side == "Lua" else side], args, out, opts.reuse,
                               opts.dump_instr)
        bench.log(f"{key:14} {side:3} {ir:>15,} instructions")
        return job, ir, inside

    with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
        done = {(j[0], j[1]): (ir, inside) for j, ir, inside in pool.map(one, jobs)}

    start_a = done[("startup", "A")][0]
    start_b = done[("startup", "B")][0]
    gen = meta["command"].replace(bench.REPO + "/", "").replace(work + "/", "")
    lines = [f"Instructions (callgrind Ir), one run each, on `{gen}`: {packets:,} packets, "
             f"{meta['streams']:,} streams. Plugin sha256 {bench.sha256(tested)[:16]}… "
             f"(`git describe --dirty` when this table was written: {git}). "
             f"Startup (`-c 1`): A {start_a:,}, B {start_b:,} ({start_b - start_a:+,}).",
             "",
             "| comparison | A | B | B/A | B/A without startup | added per packet "
             "| in dissect_tcpconn per packet |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for key, _, _, _, _, extra in comps:
        a = done[(key, "A")][0]
        for label, side in [(key, "B")] + [(f"{key} (Lua)", "Lua") for _ in extra]:
            b, inside = done[(label, side)]
            net = (b - start_b) / (a - start_a)
            lines.append(f"| {label} | {a:,} | {b:,} | {b / a:.3f} | {net:.3f} | "
                         f"{(b - a) / packets:+,.0f} | "
                         f"{(inside / packets):,.0f} |" if side == "B" else
                         f"| {label} | {a:,} | {b:,} | {b / a:.3f} | {net:.3f} | "
                         f"{(b - a) / packets:+,.0f} | — |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(work, "INSTRUCTIONS.md"), "w") as f:
        f.write(text + "\n")
    results = opts.results or os.path.join(bench.REPO, "bench", "results",
                                           f"instructions-{bench.plugin_subdir()}.md")
    os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)
    ts = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    with open(results, "w") as f:
        f.write(f"# Instructions, {ts.splitlines()[0] if ts else 'tshark ?'}\n\n"
                f"`bench/instructions.py {shlex.join(sys.argv[1:])}`, load average at the end "
                f"{os.getloadavg()[0]:.2f} (instruction counts do not depend on it).\n\n"
                + text + "\n")
    rows = {key: {"A": done[(key, "A")][0], "B": done[(key, "B")][0],
                  "inside_B": done[(key, "B")][1],
                  **{"Lua": done[(f"{key} (Lua)", "Lua")][0] for _ in extra}}
            for key, _, _, _, _, extra in comps}
    with open(os.path.splitext(results)[0] + ".json", "w") as f:
        json.dump({"tshark": ts.splitlines()[0] if ts else None, "capture": gen,
                   "packets": packets, "streams": meta["streams"],
                   "startup": {"A": start_a, "B": start_b}, "git": git,
                   "plugin_sha256": bench.sha256(tested), "rows": rows}, f, indent=1)
    bench.log(f"wrote {results} and .json")


if __name__ == "__main__":
    main()
