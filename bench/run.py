#!/usr/bin/python3
"""run.py - what the tcpconn plugin costs tshark, in time and memory.

    bench/run.py [--quick] [--repeats N] [--work DIR] [--results FILE]
                 [--sizes S,M,L,flood] [--build DIR] [--no-build] [--wait-load X]

One command: builds (cmake; --build names another build folder, e.g. one
per Wireshark release), generates deterministic captures with
BUILD/bench/gencap (cached in the work dir, regenerated when gencap.c
changes), checks the plugin's per-outcome counts on the M capture against
what gencap says it wrote (exits 1 if they differ), then times tshark
without (A) and with (B) the plugin, interleaved A B A B ... in one session:

  installed, not asked   tshark -r CAP                          (A: no plugin, B: plugin)
                         tshark -r CAP -q -z io,stat,0          (A: no plugin, B: plugin)
  asked                  tshark -2 -r CAP -q -Y "tcp.flags.reset==1"   (A, no plugin)
                         tshark -2 -r CAP -q -Y tcpconn.failed         (B, plugin)
                         tshark -r CAP -T fields -e tcp.stream         (A, no plugin)
                         tshark -r CAP -T fields -e tcpconn.reason     (B, plugin)
  Lua baseline           tshark -X lua_script:tcpconn_lite.lua -r CAP -T fields
                                -e tcpconn_lua.reason  (no plugin; against the fields A;
                                single pass, like the plugin's fields B)

and, on a SYN flood (one bare SYN per stream), peak RSS without and with the
plugin (plain -r, and -2 -q -Y), hence bytes of plugin state per stream.

Every tshark runs as `nobody` (Wireshark ignores personal plugins for root)
with HOME set to a folder of the work dir whose personal plugin folder (named
after the release of the `tshark` on PATH: plugins/4.0, 4.4, 4.6) holds a
copy of BUILD/plugin/tcpconn.so (B) or nothing (A), and
WIRESHARK_PLUGIN_DIR pointing at an empty folder so that no globally
installed copy loads. Output goes to /dev/null. Wall time is measured around
the child, peak RSS and CPU time come from os.wait4() (ru_maxrss of runuser
and its child tshark). Medians are reported.

Writes bench/results/wireshark-X.Y.md and .json (full run; X.Y is tshark's
release) or WORK/RESULTS-quick.md (--quick) and
prints the same summary. Exit status: 0 when every target passes, 2 when one
fails, 1 on an error or when the correctness check fails. Debian's
/usr/bin/python3, standard library only. --wait-load 1.0 waits (after the
build, captures and correctness check) for a quiet machine before timing.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import pwd
import grp
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, "build")  # set_build() changes it
GENCAP_SRC = os.path.join(REPO, "bench", "gencap.c")
LUA_SRC = os.path.join(REPO, "bench", "tcpconn_lite.lua")

sys.path.insert(0, os.path.join(REPO, "tests"))
import tshark_run  # noqa: E402  (one reading of tshark's release, shared with the tests)


def plugin_subdir():
    """The personal plugin folder's release part: 4.0, 4.4, 4.6."""
    return tshark_run.wireshark_version()


def set_build(path):
    global BUILD
    BUILD = os.path.abspath(path)

# name, streams, packets, default repeats
FULL_SIZES = [("S", 1_000, 100_000, 5), ("M", 100_000, 1_000_000, 5), ("L", 500_000, 5_000_000, 3)]
FULL_FLOOD = 1_000_000
QUICK_SIZES = [("S", 200, 5_000, 1), ("M", 2_000, 20_000, 1), ("L", 10_000, 100_000, 1)]
QUICK_FLOOD = 50_000
FLOOD_REPEATS = 3
SEED = 1

TARGET_NOT_ASKED = 1.05
TARGET_ASKED = 1.10
TARGET_BYTES_PER_STREAM = 64

OUTCOMES = ["established", "established-after-retry", "refused", "no-answer",
            "icmp-unreachable", "half-open", "aborted-by-client", "stale-connection",
            "reset-after-established", "closed-before-data", "handshake-not-seen",
            "capture-ended", "ack-not-captured", "in-progress"]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"\nrun.py: FAILED: {msg}\n", file=sys.stderr, flush=True)
    sys.exit(1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def loadavg():
    return os.getloadavg()[0]


# ---- setup ------------------------------------------------------------------

def build():
    log(f"building: cmake -S . -B {BUILD} && cmake --build {BUILD} -j2")
    for cmd in (["cmake", "-S", ".", "-B", BUILD], ["cmake", "--build", BUILD, "-j2"]):
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if p.returncode != 0:
            die(f"{' '.join(cmd)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")


def make_home(work, name, plugin):
    """A HOME for nobody; with the plugin in its personal plugin folder or not."""
    home = os.path.join(work, name)
    if os.path.exists(home):
        shutil.rmtree(home)
    os.makedirs(os.path.join(home, "no-global-plugins"))
    if plugin:
        dest = os.path.join(home, ".local", "lib", "wireshark", "plugins", plugin_subdir(), "epan")
        os.makedirs(dest)
        shutil.copy(plugin, dest)
    if os.geteuid() == 0:
        uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
        for root, dirs, files in os.walk(home):
            for n in dirs + files:
                os.chown(os.path.join(root, n), uid, gid)
        os.chown(home, uid, gid)
    return home


def command(home, args):
    """argv running tshark as nobody (as root) with the given HOME."""
    settings = [f"HOME={home}", f"WIRESHARK_PLUGIN_DIR={home}/no-global-plugins", "LC_ALL=C.UTF-8"]
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--", "env", *settings, "tshark", *args]
    return ["env", *settings, "tshark", *args]


def run(home, args, capture=False, what=""):
    """Runs tshark once; returns (wall s, cpu s, peak RSS KiB, stdout text or None)."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(command(home, args), stdin=subprocess.DEVNULL, stderr=err,
                             stdout=out if capture else subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        errtext = err.read().decode(errors="replace").strip()
        out.seek(0)
        text = out.read().decode(errors="replace") if capture else None
    if p.returncode != 0:
        die(f"tshark {shlex.join(args)} ({what}) exited {p.returncode}:\n{errtext[-3000:]}")
    if errtext:
        log(f"note: tshark {what} said on stderr: {errtext[:300]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, text


def gencap(work, name, streams, packets, flood):
    """Generates (or reuses) a capture; returns (path, counts dict from gencap)."""
    base = f"{name}-{streams}s-flood" if flood else f"{name}-{streams}s-{packets}p"
    path = os.path.join(work, f"{base}-seed{SEED}.pcap")
    meta = path + ".json"
    src = sha256(GENCAP_SRC)
    if os.path.exists(path) and os.path.exists(meta):
        with open(meta) as f:
            m = json.load(f)
        if m.get("gencap_sha256") == src and os.path.getsize(path) == m.get("size"):
            log(f"capture {os.path.basename(path)}: cached")
            return path, m
    args = [os.path.join(BUILD, "bench", "gencap"), "--streams", str(streams)]
    args += ["--syn-flood"] if flood else ["--packets", str(packets)]
    args += ["--seed", str(SEED), "-o", path]
    log(f"generating: {shlex.join(args)}")
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"gencap failed: {p.stderr}")
    line = [l for l in p.stderr.splitlines() if l.startswith("gencap: mode=")]
    if not line:
        die(f"gencap printed no summary: {p.stderr}")
    kv = dict(tok.split("=", 1) for tok in line[-1][len("gencap: "):].split() if "=" in tok)
    m = {"gencap_sha256": src, "command": shlex.join(args), "summary": line[-1],
         "streams": int(kv["streams"]), "packets": int(kv["packets"]),
         "bytes": int(kv["bytes"]), "counts": {o: int(kv[o]) for o in OUTCOMES if o in kv}}
    os.chmod(path, 0o644)
    m["size"] = os.path.getsize(path)
    with open(meta, "w") as f:
        json.dump(m, f, indent=1)
    os.chmod(meta, 0o644)
    log(f"  {line[-1]}")
    return path, m


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


# ---- correctness --------------------------------------------------------------

def outcome_counts(tree_text):
    """Per-outcome counts from the 'Attempts by outcome' part of -z tcpconn,tree."""
    counts, inside = {}, False
    for line in tree_text.splitlines():
        if line.startswith("Attempts by outcome"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            m = re.match(r"^  (\S+)\s+(\d+)", line)
            if m:
                counts[m.group(1)] = int(m.group(2))
    if not inside:
        die("no 'Attempts by outcome' in the tcpconn,tree output:\n" + tree_text[:2000])
    return counts


def check_counts(home_b, cap, meta):
    args = ["-2", "-r", cap, "-q", "-z", "tcpconn,tree"]
    log(f"correctness: tshark {shlex.join(args)}")
    wall, _, _, text = run(home_b, args, capture=True, what="correctness")
    got = outcome_counts(text)
    want = meta["counts"]
    names = sorted(set(got) | set(want), key=lambda o: OUTCOMES.index(o) if o in OUTCOMES else 99)
    rows, bad = [], []
    for o in names:
        g, w = got.get(o, 0), want.get(o, 0)
        rows.append((o, w, g, "ok" if g == w else "MISMATCH"))
        if g != w:
            bad.append(o)
    if sum(got.values()) != meta["streams"]:
        bad.append("total")
    table = "\n".join(f"  {o:26} gencap {w:>9}  tcpconn {g:>9}  {s}" for o, w, g, s in rows)
    if bad:
        die(f"per-outcome counts differ from gencap's on {cap} ({', '.join(bad)}):\n{table}")
    log(f"correctness: all {len(names)} outcomes match gencap ({wall:.1f} s)")
    return args, rows


# ---- timing -----------------------------------------------------------------

def comparisons(cap, lua):
    """(key, group, target, A args, B args, extra variants [(label, home, args)])."""
    return [
        ("plain", "installed, not asked", TARGET_NOT_ASKED,
         ["-r", cap], ["-r", cap], []),
        ("io,stat", "installed, not asked", TARGET_NOT_ASKED,
         ["-r", cap, "-q", "-z", "io,stat,0"], ["-r", cap, "-q", "-z", "io,stat,0"], []),
        ("-2 -Y", "asked", TARGET_ASKED,
         ["-2", "-r", cap, "-q", "-Y", "tcp.flags.reset==1"],
         ["-2", "-r", cap, "-q", "-Y", "tcpconn.failed"], []),
        ("fields", "asked", TARGET_ASKED,
         ["-r", cap, "-T", "fields", "-e", "tcp.stream"],
         ["-r", cap, "-T", "fields", "-e", "tcpconn.reason"],
         [("lua", "A", ["-X", f"lua_script:{lua}", "-r", cap, "-T", "fields",
                        "-e", "tcpconn_lua.reason"])]),
    ]


def summarize(samples):
    return {"wall": statistics.median(s[0] for s in samples),
            "cpu": statistics.median(s[1] for s in samples),
            "rss": statistics.median(s[2] for s in samples),
            "walls": [round(s[0], 3) for s in samples]}


def time_size(name, cap, meta, homes, lua, repeats):
    comps = comparisons(cap, lua)
    samples = {(c[0], v): [] for c in comps for v in ["A", "B"] + [e[0] for e in c[5]]}
    load0 = loadavg()
    t0 = time.monotonic()
    warm(cap)
    for h in homes.values():  # first-run effects (shared libraries, plugin scan)
        run(h, ["-r", cap, "-c", "100"], what="warm-up")
    for r in range(repeats):
        for key, _, _, a, b, extra in comps:
            for label, home, args in [("A", "A", a), ("B", "B", b)] + list(extra):
                s = run(homes[home], args, what=f"{name} {key} {label}")
                samples[(key, label)].append(s)
                log(f"{name} rep {r + 1}/{repeats} {key:8} {label:3} {s[0]:8.2f} s "
                    f"cpu {s[1]:8.2f} s  rss {s[2] / 1024:8.1f} MiB")
    res = {"name": name, "capture": os.path.basename(cap), "streams": meta["streams"],
           "packets": meta["packets"], "bytes": meta["bytes"], "repeats": repeats,
           "load_start": load0, "load_end": loadavg(), "seconds": time.monotonic() - t0,
           "rows": []}
    for key, group, target, a, b, extra in comps:
        sa, sb = summarize(samples[(key, "A")]), summarize(samples[(key, "B")])
        row = {"key": key, "group": group, "target": target, "A": sa, "B": sb,
               "a_args": a, "b_args": b,
               "ratio": sb["wall"] / sa["wall"], "cpu_ratio": sb["cpu"] / sa["cpu"],
               "us_per_packet": (sb["wall"] - sa["wall"]) / meta["packets"] * 1e6,
               "cpu_us_per_packet": (sb["cpu"] - sa["cpu"]) / meta["packets"] * 1e6}
        row["pass"] = row["ratio"] <= target
        res["rows"].append(row)
        for label, _, args in extra:
            sl = summarize(samples[(key, label)])
            res["rows"].append({
                "key": f"{key} (Lua)", "group": "Lua baseline", "target": None, "A": sa, "B": sl,
                "a_args": a, "b_args": args, "ratio": sl["wall"] / sa["wall"],
                "cpu_ratio": sl["cpu"] / sa["cpu"],
                "us_per_packet": (sl["wall"] - sa["wall"]) / meta["packets"] * 1e6,
                "cpu_us_per_packet": (sl["cpu"] - sa["cpu"]) / meta["packets"] * 1e6,
                "pass": None})
    return res


def time_flood(cap, meta, homes, repeats):
    comps = [("plain", ["-r", cap], ["-r", cap]),
             ("-2 -Y", ["-2", "-r", cap, "-q", "-Y", "tcp.flags.reset==1"],
              ["-2", "-r", cap, "-q", "-Y", "tcpconn.failed"])]
    samples = {(k, v): [] for k, _, _ in comps for v in "AB"}
    load0, t0 = loadavg(), time.monotonic()
    warm(cap)
    for r in range(repeats):
        for key, a, b in comps:
            for label, args in (("A", a), ("B", b)):
                s = run(homes[label], args, what=f"flood {key} {label}")
                samples[(key, label)].append(s)
                log(f"flood rep {r + 1}/{repeats} {key:8} {label} {s[0]:8.2f} s "
                    f"rss {s[2] / 1024:8.1f} MiB")
    rows = []
    for key, a, b in comps:
        sa, sb = summarize(samples[(key, "A")]), summarize(samples[(key, "B")])
        per = (sb["rss"] - sa["rss"]) * 1024 / meta["streams"]
        rows.append({"key": key, "A": sa, "B": sb, "a_args": a, "b_args": b,
                     "rss_a": [s[2] for s in samples[(key, "A")]],
                     "rss_b": [s[2] for s in samples[(key, "B")]],
                     "bytes_per_stream": per, "pass": per <= TARGET_BYTES_PER_STREAM})
    return {"capture": os.path.basename(cap), "streams": meta["streams"],
            "packets": meta["packets"], "repeats": repeats, "load_start": load0,
            "load_end": loadavg(), "seconds": time.monotonic() - t0, "rows": rows}


# ---- report -------------------------------------------------------------------

def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    ts = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": mem, "kernel": platform.release(),
            "debian": debian, "tshark": ts.splitlines()[0] if ts else "?"}


def fmt_cmd(home, args, work):
    return "tshark " + shlex.join(args).replace(work + "/", "$WORK/") + f"   [{home}]"


def verdict(p):
    return "" if p is None else ("PASS" if p else "**FAIL**")


def report(info, sizes, flood, correctness, work):
    L = []
    w = L.append
    w("# tcpconn benchmark results")
    w("")
    w(f"Generated by `{info['argv']}` on {info['date']}. The whole run took "
      f"{info['duration'] / 60:.1f} min: {info['prep'] / 60:.1f} min build, captures "
      f"(cached: {info['cached']}) and correctness check, {info['waited'] / 60:.1f} min waiting "
      f"for a quiet machine, {info['timing'] / 60:.1f} min timing.")
    w("")
    m = info["machine"]
    w(f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB RAM, kernel "
      f"{m['kernel']}, Debian {m['debian']}")
    w(f"- {m['tshark']}")
    w(f"- Plugin: {os.path.relpath(BUILD, REPO)}/plugin/tcpconn.so as built at "
      f"{info['plugin_time']} and copied at the start, sha256 {info['plugin_sha256'][:16]}…, "
      f"tree `git describe --dirty` = {info['git']} at the start"
      + (" (the build folder was rebuilt by others during the run; these results are for "
         "the copy)"
         if info["plugin_changed"] else ""))
    w(f"- 1-minute load average at start of timing: {info['load_start']:.2f} "
      f"(at end: {info['load_end']:.2f}); waited {info['waited']:.0f} s for it"
      + (f" to drop below {info['wait_load']}" if info["wait_load"] else ""))
    w(f"- Work dir: `{work}` (captures, HOMEs); `$WORK` below")
    w("")
    w("## How it is measured")
    w("")
    w("Every tshark runs as `nobody` with output to /dev/null:")
    w("")
    w("```")
    w("runuser -u nobody -- env HOME=$HOME_X WIRESHARK_PLUGIN_DIR=$HOME_X/no-global-plugins "
      "LC_ALL=C.UTF-8 tshark ARGS")
    w("```")
    w("")
    w("where `$HOME_X` is `$WORK/home-A` (no plugin: A, and the Lua runs) or `$WORK/home-B` "
      f"({os.path.relpath(BUILD, REPO)}/plugin/tcpconn.so copied to "
      f"`.local/lib/wireshark/plugins/{plugin_subdir()}/epan/`: B). "
      "The empty WIRESHARK_PLUGIN_DIR keeps any globally installed copy out. For each size "
      "the runs are interleaved (rep 1: A B, A B, A B, A B Lua; rep 2: ...), after one "
      "unmeasured warm-up of each HOME and reading the capture once into the page cache. "
      "Wall time is taken around the child; peak RSS (ru_maxrss) and CPU time (user+sys) "
      "come from os.wait4(). Medians of the repeats are given; ratio = median(B)/median(A); "
      "added cost = (median(B) − median(A)) / packets.")
    w("")
    w("| comparison | A (without plugin) | B (with plugin) | target |")
    w("|---|---|---|---|")
    w("| plain | `tshark -r CAP` | `tshark -r CAP` | ≤ 1.05 |")
    w("| io,stat | `tshark -r CAP -q -z io,stat,0` | same | ≤ 1.05 |")
    w("| -2 -Y | `tshark -2 -r CAP -q -Y \"tcp.flags.reset==1\"` | "
      "`tshark -2 -r CAP -q -Y tcpconn.failed` | ≤ 1.10 |")
    w("| fields | `tshark -r CAP -T fields -e tcp.stream` | "
      "`tshark -r CAP -T fields -e tcpconn.reason` | ≤ 1.10 |")
    w("| fields (Lua) | the fields A above | `tshark -X lua_script:$WORK/tcpconn_lite.lua -r CAP "
      "-T fields -e tcpconn_lua.reason` (no plugin) | none |")
    w("")
    w("The Lua baseline runs in one pass, like the plugin's fields run (it then shows the "
      "outcome as known at each frame, as the plugin does in one pass).")
    w("")
    if not info["quick"]:
        w("Sizes: S = 1k streams / 100k packets, M = 100k streams / 1M packets, L = 500k "
          "streams / 5M packets. L is smaller than 1M streams / 10M packets on purpose: with "
          "gencap's outcome mix an attempt needs at least ~7.35 packets (so 1M streams cannot "
          "fit in 4M packets), and 10M packets would take about 75 min for L alone on this "
          "2-core machine (and ~10 GiB RSS per tshark). 500k / 5M keeps M's 10 packets per "
          "stream, so M and L differ only in scale.")
        w("")
    w("Captures (`build/bench/gencap ... --seed 1`, cached in the work dir):")
    w("")
    for s in sizes:
        w(f"- {s['name']}: `{s['gencap']}` → {s['packets']:,} packets, {s['streams']:,} streams, "
          f"{s['bytes'] / 1e6:.0f} MB")
    if flood:
        w(f"- flood: `{flood['gencap']}` → {flood['packets']:,} packets, "
          f"{flood['streams']:,} streams")
    w("")
    if correctness:
        args, rows = correctness["args"], correctness["rows"]
        w(f"## Correctness ({correctness['size']} capture)")
        w("")
        w(f"`{fmt_cmd('B', args, work)}`: the *Attempts by outcome* counts equal gencap's:")
        w("")
        w("| outcome | gencap | tcpconn | |")
        w("|---|---:|---:|---|")
        for o, want, got, s in rows:
            w(f"| {o} | {want:,} | {got:,} | {s} |")
        w("")
    w("## Time")
    w("")
    for s in sizes:
        w(f"### {s['name']}: {s['streams']:,} streams, {s['packets']:,} packets "
          f"({s['repeats']} repeats, {s['seconds'] / 60:.1f} min, load {s['load_start']:.2f} → "
          f"{s['load_end']:.2f})")
        w("")
        w("| comparison | A s | B s | B/A | target | | CPU B/A | RSS A MiB | RSS B MiB "
          "| added µs/packet (wall) | added µs/packet (CPU) |")
        w("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for r in s["rows"]:
            tgt = f"≤ {r['target']:.2f}" if r["target"] else "—"
            w(f"| {r['key']} | {r['A']['wall']:.2f} | {r['B']['wall']:.2f} | {r['ratio']:.3f} | "
              f"{tgt} | {verdict(r['pass'])} | {r['cpu_ratio']:.3f} | "
              f"{r['A']['rss'] / 1024:.0f} | {r['B']['rss'] / 1024:.0f} | "
              f"{r['us_per_packet']:+.3f} | {r['cpu_us_per_packet']:+.3f} |")
        w("")
    w("### Added cost per packet across sizes (µs, wall; does it grow with streams?)")
    w("")
    w("| comparison | " + " | ".join(f"{s['name']} ({s['streams']:,} streams)" for s in sizes)
      + " |")
    w("|---|" + "---:|" * len(sizes))
    if sizes:
        for i, r in enumerate(sizes[0]["rows"]):
            w(f"| {r['key']} | " + " | ".join(
                f"{s['rows'][i]['us_per_packet']:+.3f} (B/A {s['rows'][i]['ratio']:.3f})"
                for s in sizes) + " |")
    w("")
    if flood:
        w(f"## Memory: SYN flood, {flood['streams']:,} streams of 1 packet "
          f"({flood['repeats']} repeats, load {flood['load_start']:.2f} → "
          f"{flood['load_end']:.2f})")
        w("")
        w("| run | A: RSS MiB | B: RSS MiB | B − A MiB | bytes/stream | target | | A s | B s |")
        w("|---|---:|---:|---:|---:|---:|---|---:|---:|")
        for r in flood["rows"]:
            w(f"| {r['key']} (A: `{shlex.join(r['a_args']).replace(work + '/', '$WORK/')}`, "
              f"B: `{shlex.join(r['b_args']).replace(work + '/', '$WORK/')}`) | "
              f"{r['A']['rss'] / 1024:.1f} | {r['B']['rss'] / 1024:.1f} | "
              f"{(r['B']['rss'] - r['A']['rss']) / 1024:+.1f} | {r['bytes_per_stream']:.1f} | "
              f"≤ {TARGET_BYTES_PER_STREAM} | {verdict(r['pass'])} | {r['A']['wall']:.2f} | "
              f"{r['B']['wall']:.2f} |")
        w("")
        w("RSS is the median ru_maxrss (KiB) of the repeats; bytes/stream = "
          "(RSS_B − RSS_A) × 1024 / streams. Samples (KiB): " + "; ".join(
              f"{r['key']}: A {r['rss_a']}, B {r['rss_b']}" for r in flood["rows"]))
        w("")
    w("## Summary of targets")
    w("")
    for s in sizes:
        for r in s["rows"]:
            if r["target"]:
                w(f"- {s['name']} {r['key']}: B/A {r['ratio']:.3f} (target ≤ {r['target']:.2f}) "
                  f"{verdict(r['pass'])}")
    for s in sizes:
        for r in s["rows"]:
            if r["target"] is None:
                w(f"- {s['name']} {r['key']}: B/A {r['ratio']:.3f} (Lua baseline, no target)")
    if flood:
        for r in flood["rows"]:
            w(f"- flood {r['key']}: {r['bytes_per_stream']:.1f} bytes/stream "
              f"(target ≤ {TARGET_BYTES_PER_STREAM}) {verdict(r['pass'])}")
    w("")
    w("## All samples (wall s, in run order)")
    w("")
    for s in sizes:
        for r in s["rows"]:
            w(f"- {s['name']} {r['key']}: A {r['A']['walls']}, B {r['B']['walls']}")
    if flood:
        for r in flood["rows"]:
            w(f"- flood {r['key']}: A {r['A']['walls']}, B {r['B']['walls']}")
    w("")
    return "\n".join(L)


# ---- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 1 repeat: a smoke run")
    ap.add_argument("--repeats", type=int, help="repeats per comparison (default 5 S/M, 3 L; "
                    "1 with --quick)")
    ap.add_argument("--work", default="/var/tmp/tcpconn-bench",
                    help="world-readable work dir for captures and HOMEs")
    ap.add_argument("--results", help="where to write the report (default bench/RESULTS.md, "
                    "with --quick WORK/RESULTS-quick.md)")
    ap.add_argument("--sizes", default="S,M,L,flood", help="subset to run, e.g. S,flood")
    ap.add_argument("--build", default=BUILD, metavar="DIR",
                    help="cmake build folder (default build/; one per Wireshark release)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build folder")
    ap.add_argument("--wait-load", type=float, metavar="X",
                    help="before timing, wait until the 1-minute load average is below X")
    ap.add_argument("--wait-max", type=float, default=1800,
                    help="give up waiting for the load after this many seconds (default 1800)")
    opts = ap.parse_args()
    set_build(opts.build)
    t_start = time.monotonic()
    wanted = set(opts.sizes.split(","))
    work = os.path.abspath(opts.work + ("/quick" if opts.quick else ""))
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    if opts.quick:
        os.chmod(os.path.dirname(work), 0o755)
    results = opts.results or (os.path.join(work, "RESULTS-quick.md") if opts.quick
                               else os.path.join(REPO, "bench", "results",
                                                 f"wireshark-{plugin_subdir()}.md"))
    os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)

    if not opts.no_build:
        build()
    plugin = os.path.join(BUILD, "plugin", "tcpconn.so")
    for f in (plugin, os.path.join(BUILD, "bench", "gencap"), LUA_SRC):
        if not os.path.exists(f):
            die(f"{f} is missing (build first)")
    homes = {"A": make_home(work, "home-A", None), "B": make_home(work, "home-B", plugin)}
    # What is tested is this copy: others may rebuild build/ while the run goes on.
    tested = os.path.join(homes["B"], ".local", "lib", "wireshark", "plugins", plugin_subdir(),
                          "epan", "tcpconn.so")
    plugin_sha = sha256(tested)
    plugin_time = time.strftime("%H:%M:%S", time.localtime(os.path.getmtime(plugin)))
    git = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    lua = os.path.join(work, "tcpconn_lite.lua")
    shutil.copy(LUA_SRC, lua)
    os.chmod(lua, 0o644)
    _, _, _, plist = run(homes["B"], ["-G", "plugins"], capture=True, what="-G plugins")
    if "tcpconn.so" not in plist:
        die("tshark does not load the plugin from home-B")
    _, _, _, plist = run(homes["A"], ["-G", "plugins"], capture=True, what="-G plugins")
    if "tcpconn" in plist:
        die("tshark loads a tcpconn plugin from home-A")

    sizes_def = QUICK_SIZES if opts.quick else FULL_SIZES
    flood_n = QUICK_FLOOD if opts.quick else FULL_FLOOD
    caps, cached = {}, True
    for name, streams, packets, reps in sizes_def:
        if name in wanted or (name == "M"):
            before = time.monotonic()
            caps[name] = gencap(work, name, streams, packets, False)
            cached &= time.monotonic() - before < 1
    if "flood" in wanted:
        before = time.monotonic()
        caps["flood"] = gencap(work, "flood", flood_n, 0, True)
        cached &= time.monotonic() - before < 1

    # Correctness first: timing a plugin that counts wrong would be pointless.
    cap_m, meta_m = caps["M"]
    args, rows = check_counts(homes["B"], cap_m, meta_m)
    correctness = {"size": "M", "args": args, "rows": rows}

    prep = time.monotonic() - t_start
    waited = 0.0
    if opts.wait_load:
        t0 = time.monotonic()
        while loadavg() >= opts.wait_load and time.monotonic() - t0 < opts.wait_max:
            log(f"waiting: 1-minute load average {loadavg():.2f} >= {opts.wait_load}")
            time.sleep(30)
        waited = time.monotonic() - t0
        if loadavg() >= opts.wait_load:
            log(f"load still {loadavg():.2f} after {waited:.0f} s; going on anyway")
    load_start = loadavg()
    t_timing = time.monotonic()
    log(f"timing starts, 1-minute load average {load_start:.2f}")

    sizes = []
    for name, streams, packets, reps in sizes_def:
        if name not in wanted:
            continue
        cap, meta = caps[name]
        res = time_size(name, cap, meta, homes, lua, opts.repeats or reps)
        res["gencap"] = meta["command"].replace(REPO + "/", "").replace(work + "/", "$WORK/")
        sizes.append(res)
    flood = None
    if "flood" in wanted:
        cap, meta = caps["flood"]
        flood = time_flood(cap, meta, homes, opts.repeats or (1 if opts.quick else FLOOD_REPEATS))
        flood["gencap"] = meta["command"].replace(REPO + "/", "").replace(work + "/", "$WORK/")

    if sha256(plugin) != plugin_sha:
        log("note: build/plugin/tcpconn.so changed during the run; the results are for the "
            "copy taken at the start")
    info = {"argv": "bench/run.py " + shlex.join(sys.argv[1:]),
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "duration": time.monotonic() - t_start, "cached": cached, "quick": opts.quick,
            "prep": prep, "timing": time.monotonic() - t_timing, "machine": machine(),
            "plugin_sha256": plugin_sha, "plugin_time": plugin_time, "git": git,
            "plugin_changed": sha256(plugin) != plugin_sha, "load_start": load_start,
            "load_end": loadavg(), "waited": waited, "wait_load": opts.wait_load}
    text = report(info, sizes, flood, correctness, work)
    with open(results, "w") as f:
        f.write(text)
    raw = {"info": info, "sizes": sizes, "flood": flood}
    with open(os.path.join(work, "raw-" + ("quick" if opts.quick else "full") + ".json"),
              "w") as f:
        json.dump(raw, f, indent=1)
    if not opts.quick:  # next to the report, for bench/summary.py
        with open(os.path.splitext(results)[0] + ".json", "w") as f:
            json.dump(raw, f, indent=1)
    print(text)
    log(f"wrote {results}; took {info['duration'] / 60:.1f} min")
    failed = [r for s in sizes for r in s["rows"] if r["pass"] is False]
    failed += [r for r in (flood["rows"] if flood else []) if not r["pass"]]
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
