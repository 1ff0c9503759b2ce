#!/usr/bin/python3
"""summary.py - one table of the plugin's cost on every Wireshark release measured.

    bench/summary.py [RESULTS_DIR]

Reads what bench/run.py and bench/instructions.py wrote into bench/results/
(wireshark-X.Y.json, instructions-X.Y.json, and instructions-X.Y-*.json for
other capture sizes) and prints Markdown: per release, the wall-time ratios
with / without the plugin at each size (S · M · L), the instruction ratio, the
SYN flood's bytes per stream, and the instructions per packet at each capture
size instructions.py was run on. The instruction ratio leaves out start-up
(`tshark -c 1`), which is the same with and without the plugin. Standard library only.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import glob
import json
import os
import re
import sys

ROWS = [("plain", "`tshark -r CAP` (plugin installed, not asked)"),
        ("io,stat", "`tshark -r CAP -q -z io,stat,0`"),
        ("-2 -Y", "`tshark -2 -r CAP -q -Y tcpconn.failed` against `-Y \"tcp.flags.reset==1\"`"),
        ("fields", "`tshark -r CAP -T fields -e tcpconn.reason` against `-e tcp.stream`"),
        ("fields (Lua)", "a minimal Lua post-dissector doing the same, `-T fields`")]


def release_key(v):
    return tuple(int(x) for x in v.split("."))


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results")
    wall, instr, extra = {}, {}, {}
    for p in glob.glob(os.path.join(d, "wireshark-*.json")):
        wall[re.search(r"wireshark-([\d.]+)\.json$", p).group(1)] = load(p)
    for p in glob.glob(os.path.join(d, "instructions-*.json")):
        m = re.search(r"instructions-(\d+\.\d+)(?:-(.+))?\.json$", p)
        if m.group(2):
            extra.setdefault(m.group(1), []).append(load(p))
        else:
            instr[m.group(1)] = load(p)
    versions = sorted(set(wall) | set(instr), key=release_key)
    out = []
    w = out.append
    head = "| run | " + " | ".join(f"{v}: wall S · M · L | {v}: instructions (no start-up)"
                                   for v in versions) + " |"
    w(head)
    w("|---|" + "---|---:|" * len(versions))
    for key, label in ROWS:
        cells = []
        for v in versions:
            ratios = "—"
            if v in wall:
                rs = [next((r for r in s["rows"] if r["key"] == key), None)
                      for s in wall[v]["sizes"]]
                ratios = " · ".join(f"{r['ratio']:.3f}" if r else "—" for r in rs)
            ir = "—"
            if v in instr:
                row = instr[v]["rows"].get(key.replace(" (Lua)", ""))
                if row:
                    # Start-up (-c 1) subtracted, as issue 19's targets are set:
                    # on a small capture it would hide a third of the cost.
                    b = row["Lua"] if key.endswith("(Lua)") else row["B"]
                    start = instr[v].get("startup", {"A": 0, "B": 0})
                    ir = f"{(b - start['B']) / (row['A'] - start['A']):.3f}"
            cells += [ratios, ir]
        w(f"| {label} | " + " | ".join(cells) + " |")
    w("")
    for v in versions:
        if v in wall and wall[v].get("flood"):
            fl = wall[v]["flood"]
            per = ", ".join(f"{r['key']} {r['bytes_per_stream']:.1f}" for r in fl["rows"])
            mib = ", ".join(f"{(r['B']['rss'] - r['A']['rss']) / 1024:+.1f} MiB"
                            for r in fl["rows"])
            w(f"- {v}: SYN flood of {fl['streams']:,} one-packet streams: bytes per stream "
              f"{per} (plain -r, -2 -Y; {mib}).")
    w("")
    w("Instructions per packet against the number of streams (callgrind; same outcome mix "
      "and 10 packets per stream):")
    w("")
    w("| release | capture | comparison | added per packet | in dissect_tcpconn per packet |")
    w("|---|---|---|---:|---:|")
    for v in versions:
        runs = ([instr[v]] if v in instr else []) + extra.get(v, [])
        for r in sorted(runs, key=lambda r: r["streams"]):
            for key, row in r["rows"].items():
                w(f"| {v} | {r['streams']:,} streams, {r['packets']:,} packets | {key} | "
                  f"{(row['B'] - row['A']) / r['packets']:+,.0f} | "
                  f"{row['inside_B'] / r['packets']:,.0f} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
