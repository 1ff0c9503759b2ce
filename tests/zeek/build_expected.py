#!/usr/bin/env python3
"""Build tests/zeek/expected.tsv from Zeek's public btest baselines.

For every trace in the corpus directory (listed in its SOURCES.tsv), this
script looks through a Zeek git repository (a normal checkout or a bare git
directory) for btest tests that run ``zeek -r $TRACES/<trace>``, follows the
test's shell steps to find which diffed baseline file holds the conn.log
content of that run, reads that baseline and keeps the TCP rows.

When several tests cover one trace, the baseline of the test that uses
the most default settings is chosen (see ``rank_candidate``). Tests that
change packet filtering, checksum handling, TCP analysis options or the set
of analyzers are never chosen.

A few baselines print only history and conn_state (no addresses). For those
the 4-tuple is read from the trace itself, which must then hold exactly one
plain TCP flow; the originator is the sender of its first packet, swapped
once per '^' in the history.

Only the Python 3 standard library and the ``git`` executable are needed.

Usage:
    build_expected.py ZEEK_REPO CORPUS_DIR [--rev REV] [--out FILE]
                      [--runs FILE] [--notes FILE] [--verbose]

ZEEK_REPO  path of a Zeek checkout, or of a bare git directory
CORPUS_DIR directory holding the traces and SOURCES.tsv
--rev      git revision to read (default: the zeek_commit named in
           SOURCES.tsv when all rows agree, otherwise HEAD)
--out      output table (default: expected.tsv next to this script)
--runs     where to write the per-trace run options of the chosen baselines
           (default: baselines.tsv next to --out)
--verbose  list every usable candidate baseline per trace on stderr
--notes    also write a machine-generated notes file (skipped traces,
           chosen baselines, disagreements between baselines)
"""

import argparse
import collections
import json
import os
import re
import shlex
import struct
import subprocess
import sys

BTEST = "testing/btest"
BASELINE_PREFIX = BTEST + "/Baseline/"
TRACES_PREFIX = BTEST + "/Traces/"

OUT_COLUMNS = ["file", "orig_h", "orig_p", "resp_h", "resp_p",
               "conn_state", "history", "baseline"]

# --------------------------------------------------------------------------
# git access


class Repo:
    def __init__(self, path, rev):
        path = os.path.abspath(path)
        if os.path.isdir(os.path.join(path, ".git")) or not _looks_bare(path):
            self.base = ["git", "-C", path]
        else:
            self.base = ["git", "--git-dir", path]
        self.rev = self.resolve(rev)
        self._batch = None

    def git(self, *args):
        return subprocess.run(self.base + list(args), check=True,
                              stdout=subprocess.PIPE).stdout

    def resolve(self, rev):
        try:
            return self.git("rev-parse", "--verify", rev + "^{commit}").decode().strip()
        except subprocess.CalledProcessError:
            return None

    def list_files(self, prefix):
        out = self.git("ls-tree", "-r", "--name-only", self.rev, "--", prefix)
        return [line for line in out.decode("utf-8", "replace").splitlines() if line]

    def read(self, path):
        """Return file content (bytes) at self.rev, or None."""
        if self._batch is None:
            self._batch = subprocess.Popen(self.base + ["cat-file", "--batch"],
                                           stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE)
        self._batch.stdin.write(("%s:%s\n" % (self.rev, path)).encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode()
        if header.endswith("missing\n"):
            return None
        size = int(header.split()[2])
        data = self._batch.stdout.read(size)
        self._batch.stdout.read(1)  # trailing newline
        return data

    def text(self, path):
        data = self.read(path)
        return None if data is None else data.decode("utf-8", "replace")


def _looks_bare(path):
    return (os.path.isfile(os.path.join(path, "HEAD"))
            and os.path.isdir(os.path.join(path, "objects")))


# --------------------------------------------------------------------------
# corpus


def read_sources(corpus):
    rows = []
    with open(os.path.join(corpus, "SOURCES.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if not line.strip():
                continue
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


# --------------------------------------------------------------------------
# btest parsing

ZEEK_CMD_RE = re.compile(r"(?:^|\s)zeek\s")
TRACE_ARG_RE = re.compile(r"""-r\s+["']?\$\{?TRACES\}?/([^\s"';|&>]+)""")

# Things in a test's own script that change TCP/session analysis, what is
# captured, or which analyzers run.  Tests using them are never chosen.
NON_DEFAULT_SCRIPT_RES = [
    (re.compile(r"redef\s+(tcp_\w+|ignore_checksums\w*|partial_connection_ok|"
                r"dpd_\w+|likely_server_ports|detect_filtered_trace|"
                r"report_gaps_for_partial|use_conn_size_analyzer|"
                r"Analyzer::disable_all|Analyzer::disabled_analyzers|"
                r"PacketFilter::\w+|PacketAnalyzer::\w+|"
                r"restrict_filters|capture_filters)\b"),
     "redefines TCP/analyzer/filter settings"),
    (re.compile(r"\b(install_(src|dst)_(addr|net)_filter|precompile_pcap_filter|"
                r"install_pcap_filter|skip_further_processing|"
                r"Analyzer::disable_analyzer|disable_analyzer|"
                r"PacketFilter::install|set_current_conn_\w+)\s*\("),
     "calls a function that filters packets or disables analysis"),
]

OUTPUT_REDIRECT_RE = re.compile(r"(>>|>)\s*([^\s;&|]+)")


class ZeekRun:
    def __init__(self, index, trace, cmd):
        self.index = index
        self.trace = trace
        self.cmd = cmd
        toks = _split(cmd)
        flags = "".join(t[1:] for t in toks
                        if re.fullmatch(r"-[A-Za-z]+", t) and not t.startswith("-O"))
        self.bare = "b" in flags
        self.ignore_checksums = "C" in flags
        self.problems = []
        if re.search(r"(^|\s)-f\s", cmd):
            self.problems.append("uses a BPF filter (-f)")
        # Script arguments of the form name=value or "x += {...}" change
        # settings on the command line.
        for t in toks:
            if t.startswith("-") or t.startswith("$") or t.startswith("%"):
                continue
            if "=" in t and not t.startswith(("TEST_", "ZEEK_")):
                self.problems.append("sets %s on the command line" % t.split("=")[0].split("+")[0].strip())
        if "-OZAM" in cmd or "-O " in cmd:
            self.problems.append("uses the ZAM optimizer")


def _split(cmd):
    try:
        return shlex.split(cmd, comments=False, posix=True)
    except ValueError:
        return cmd.split()


class TestFile:
    def __init__(self, path, content):
        self.path = path
        rel = path[len(BTEST) + 1:]
        self.name = os.path.splitext(rel)[0].replace("/", ".")
        parts = re.split(r"^.*@TEST-START-NEXT.*$", content, flags=re.M)
        self.parts = parts  # part 0 also carries the EXEC lines
        self.exec_lines = []
        for line in parts[0].splitlines():
            m = re.search(r"@TEST-EXEC(?:-FAIL)?:\s*(.*)$", line)
            if m:
                self.exec_lines.append(m.group(1).strip())

    def baseline_dir(self, part_index):
        suffix = "" if part_index == 0 else "-%d" % (part_index + 1)
        return BASELINE_PREFIX + self.name + suffix

    def script_problems(self, part_index):
        text = self.parts[part_index]
        # Drop the EXEC lines themselves; only look at script content.
        text = "\n".join(l for l in text.splitlines() if "@TEST-" not in l)
        problems = []
        for rx, why in NON_DEFAULT_SCRIPT_RES:
            if rx.search(text):
                problems.append(why)
        return problems

    def customisation(self, part_index):
        """Rough count of non-default script content (redefs, policy loads)."""
        text = self.parts[part_index]
        n = len(re.findall(r"^\s*redef\s", text, flags=re.M))
        n += len(re.findall(r"^\s*@load\s+(policy/|protocols/|frameworks/|misc/|tuning/)",
                            text, flags=re.M))
        return n

    def simulate(self):
        """Follow the EXEC steps.

        Returns a list of (diffed_file, [ZeekRun, ...], how) where the run
        list says which zeek invocations contributed content to the file and
        `how` is 'log' (a conn.log or derived file) or 'stdout'.
        """
        owners = {}  # file name -> (how, [runs])
        results = []
        run_idx = 0
        for line in self.exec_lines:
            if "TEST_BASELINE=" in line:
                continue  # diffs against something other than the baseline
            for cmd in re.split(r"\s*(?:&&|;|\|\|)\s*", line):
                cmd = cmd.strip()
                if not cmd:
                    continue
                if ZEEK_CMD_RE.search(" " + cmd + " ") and not cmd.startswith(("zeek-cut", "cat ")):
                    m = TRACE_ARG_RE.search(cmd)
                    if not m:
                        continue
                    run = ZeekRun(run_idx, m.group(1), cmd)
                    run_idx += 1
                    owners["conn.log"] = ("log", [run])
                    for op, target in OUTPUT_REDIRECT_RE.findall(cmd):
                        if target.startswith("&") or target == "/dev/null":
                            continue
                        if op == ">>" and target in owners:
                            how, prev = owners[target]
                            owners[target] = ("stdout", prev + [run])
                        else:
                            owners[target] = ("stdout", [run])
                    continue
                toks = _split(cmd)
                while toks and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", toks[0]):
                    toks.pop(0)  # leading environment assignments
                if not toks:
                    continue
                if toks[0] in ("mv", "cp") and len(toks) == 3:
                    src, dst = toks[1], toks[2]
                    if src in owners:
                        owners[dst] = owners[src]
                        if toks[0] == "mv" and src != dst:
                            del owners[src]
                    continue
                if toks[0] in ("btest-diff", "btest-diff-cut"):
                    target = toks[-1]
                    if target in owners:
                        how, runs = owners[target]
                        results.append((target, runs, how))
                    continue
                # Derived files: "cat A | ... > B", "zeek-cut ... < A > B".
                srcs = [s for s in re.findall(r"(?:\bcat\s+|<\s*)([^\s|;&<>]+)", cmd)
                        if s in owners]
                outs = [t for op, t in OUTPUT_REDIRECT_RE.findall(cmd) if op == ">"]
                if srcs and outs:
                    owners[outs[-1]] = owners[srcs[0]]
        return results


# --------------------------------------------------------------------------
# baseline parsing

CANON = {
    "id.orig_h": "orig_h", "id.orig_p": "orig_p",
    "id.resp_h": "resp_h", "id.resp_p": "resp_p",
    "conn_state": "conn_state", "history": "history", "proto": "proto",
    "uid": "uid",
}


def field_aliases(script_text):
    """Map renamed column names back to the canonical ones."""
    aliases = {}
    for name, canon in CANON.items():
        aliases[name] = canon
        for sep in ("_", "*", "-", ":"):
            aliases[name.replace(".", sep)] = canon
    # Log::default_field_name_map = { ["id.orig_h"] = "src_ip", ... }
    for old, new in re.findall(r'\[\s*"([^"]+)"\s*\]\s*=\s*"([^"]+)"', script_text or ""):
        if old.startswith("id") and len(old) > 3:
            old = "id." + old[3:]  # undo a custom scope separator
        if old in CANON:
            aliases[new] = CANON[old]
    return aliases


def strip_btest_header(text):
    lines = text.splitlines()
    if lines and lines[0].startswith("### BTest baseline data"):
        lines = lines[1:]
    return lines


def parse_log(text, script_text):
    """Parse a conn.log-like baseline; return (columns, rows) or None.

    Rows are dicts with canonical keys where known.
    """
    lines = strip_btest_header(text)
    if not lines:
        return None
    aliases = field_aliases(script_text)
    fields = None
    path = None
    rows = []
    if any(l.startswith("#fields") for l in lines):
        for l in lines:
            if l.startswith("#path"):
                path = l.split("\t", 1)[1].strip() if "\t" in l else l.split()[-1]
            elif l.startswith("#fields"):
                fields = l.split("\t")[1:]
            elif l.startswith("#") or not l.strip():
                continue
            elif fields:
                rows.append(dict(zip(fields, l.split("\t"))))
        if path is not None and not path.startswith("conn"):
            return None
    elif lines[0].lstrip().startswith("{"):
        for l in lines:
            l = l.strip()
            if not l.startswith("{"):
                continue
            try:
                obj = json.loads(l)
            except ValueError:
                return None
            rows.append({k: str(v) for k, v in obj.items()})
        fields = sorted({k for r in rows for k in r})
    else:
        header = lines[0].split("\t")
        if not ({"history", "conn_state"} & set(header)):
            return None
        fields = header
        for l in lines[1:]:
            if l.strip():
                rows.append(dict(zip(fields, l.split("\t"))))
    canon_rows = []
    for r in rows:
        c = {}
        for k, v in r.items():
            c[aliases.get(k, k)] = v
        canon_rows.append(c)
    cols = {aliases.get(f, f) for f in (fields or [])}
    return cols, canon_rows


PRINT_EXPR_MAP = {
    "c$history": "history", "c$conn$history": "history",
    "c$conn$conn_state": "conn_state",
    "c$id$orig_h": "orig_h", "c$id$orig_p": "orig_p",
    "c$id$resp_h": "resp_h", "c$id$resp_p": "resp_p",
    "c$conn$proto": "proto", "c$uid": "uid",
}


def parse_print_output(text, script_text):
    """Handle stdout baselines of `print c$history, c$conn$conn_state;`-like
    connection_state_remove handlers.  Returns (columns, rows) or None."""
    m = re.search(r"event\s+connection_state_remove\s*\([^)]*\)\s*\{(.*?)\n\s*\}",
                  script_text or "", flags=re.S)
    if not m:
        return None
    prints = re.findall(r"print\s+([^;]+);", m.group(1))
    if len(prints) != 1:
        return None
    exprs = [e.strip() for e in prints[0].split(",")]
    cols = [PRINT_EXPR_MAP.get(e) for e in exprs]
    if None in cols or "conn_state" not in cols or "history" not in cols:
        return None
    rows = []
    for l in strip_btest_header(text):
        if not l.strip():
            continue
        vals = [v.strip() for v in l.split(", ")]
        if len(vals) != len(cols):
            return None
        rows.append(dict(zip(cols, vals)))
    return set(cols), rows


# --------------------------------------------------------------------------
# minimal pcap / pcapng reader (only used when a baseline lacks the
# connection 4-tuple, to take it from the trace itself)


def _pcap_packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        yield from _pcapng_packets(data)
        return
    else:
        return
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def _pcapng_packets(data):
    off = 0
    e = "<"
    linktypes = []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12:
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            linktypes.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:
            ifid, _, _, cap, _ = struct.unpack(e + "IIIII", body[:20])
            if ifid < len(linktypes):
                yield linktypes[ifid], body[20:20 + cap]
        elif btype == 3 and linktypes:
            yield linktypes[0], body[4:]
        off += blen


def _ip_from_l2(linktype, pkt):
    if linktype == 1:  # Ethernet
        if len(pkt) < 14:
            return None
        etype = struct.unpack(">H", pkt[12:14])[0]
        off = 14
        while etype in (0x8100, 0x88A8, 0x9100) and len(pkt) >= off + 4:
            etype = struct.unpack(">H", pkt[off + 2:off + 4])[0]
            off += 4
        if etype in (0x0800, 0x86DD):
            return pkt[off:]
        return None
    if linktype in (12, 14, 101):
        return pkt
    if linktype == 0 and len(pkt) > 4:
        return pkt[4:]
    if linktype == 113 and len(pkt) > 16:
        return pkt[16:]
    if linktype == 276 and len(pkt) > 20:
        return pkt[20:]
    return None


def _fmt_ip6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(bytes(b)))


def tcp_flows(path):
    """Return an ordered dict: 4-tuple (as first seen) -> packet count, for
    TCP packets carried directly over IP (no tunnels)."""
    flows = collections.OrderedDict()
    for lt, pkt in _pcap_packets(path):
        ip = _ip_from_l2(lt, pkt)
        if not ip:
            continue
        ver = ip[0] >> 4
        if ver == 4 and len(ip) >= 20:
            ihl = (ip[0] & 0xF) * 4
            if ip[9] != 6:
                continue
            src = ".".join(str(x) for x in ip[12:16])
            dst = ".".join(str(x) for x in ip[16:20])
            tcp = ip[ihl:]
        elif ver == 6 and len(ip) >= 40:
            if ip[6] != 6:
                continue
            src, dst = _fmt_ip6(ip[8:24]), _fmt_ip6(ip[24:40])
            tcp = ip[40:]
        else:
            continue
        if len(tcp) < 4:
            continue
        sp, dp = struct.unpack(">HH", tcp[:4])
        key = (src, str(sp), dst, str(dp))
        rkey = (dst, str(dp), src, str(sp))
        if rkey in flows:
            flows[rkey] += 1
        else:
            flows[key] = flows.get(key, 0) + 1
    return flows


# --------------------------------------------------------------------------
# main logic


class Candidate:
    def __init__(self, trace_rel, test, part, diffed, runs, how, baseline_path):
        self.trace_rel = trace_rel
        self.test = test
        self.part = part
        self.diffed = diffed
        self.runs = runs
        self.how = how
        self.baseline_path = baseline_path
        self.rows = []
        self.cols = set()
        self.problems = []
        self.note = ""

    @property
    def run(self):
        return [r for r in self.runs if r.trace == self.trace_rel][0]

    def describe_mode(self):
        r = self.run
        bits = ["bare (-b)" if r.bare else "full default scripts"]
        if r.ignore_checksums:
            bits.append("-C")
        c = self.test.customisation(self.part)
        if c:
            bits.append("%d script customisation(s)" % c)
        return ", ".join(bits)


def rank_candidate(c):
    """Smaller is better."""
    r = c.run
    has_tuple = {"orig_h", "orig_p", "resp_h", "resp_p"} <= c.cols
    return (
        bool(c.problems),                 # never prefer non-default settings
        not has_tuple,                    # prefer baselines naming the tuple
        r.bare,                           # prefer the full default script set
        r.ignore_checksums,               # prefer checksum checking (default)
        c.test.customisation(c.part),     # prefer fewer script customisations
        c.part,
        c.baseline_path,
    )


def collect_candidates(repo, traces_rel, verbose=False):
    files = repo.list_files(BTEST)
    baseline_files = set(f for f in files if f.startswith(BASELINE_PREFIX))
    test_paths = [f for f in files
                  if not f.startswith(BTEST + "/Baseline")
                  and not f.startswith(TRACES_PREFIX)
                  and not f.startswith(BTEST + "/Files/")
                  and not f.endswith((".pcap", ".pcapng", ".gz", ".trace", ".dump"))]
    wanted = set(traces_rel)
    cands = collections.defaultdict(list)
    for path in test_paths:
        content = repo.text(path)
        if not content or "@TEST-EXEC" not in content or "TRACES" not in content:
            continue
        if not any(t in content for t in wanted):
            continue
        test = TestFile(path, content)
        for diffed, runs, how in test.simulate():
            for part in range(len(test.parts)):
                bpath = test.baseline_dir(part) + "/" + diffed
                if bpath not in baseline_files:
                    continue
                run_traces = [r.trace for r in runs]
                for trace in set(run_traces) & wanted:
                    cands[trace].append(Candidate(trace, test, part, diffed,
                                                  runs, how, bpath))
    return cands


def load_candidate(repo, c):
    text = repo.text(c.baseline_path)
    script = c.test.parts[c.part] if c.part < len(c.test.parts) else ""
    if c.part > 0:
        script = c.test.parts[0] + "\n" + script
    parsed = None
    if c.how == "log" or "#fields" in text or text.lstrip("#").strip().startswith("{"):
        parsed = parse_log(text, script)
    if parsed is None:
        parsed = parse_print_output(text, script)
    if parsed is None:
        return False
    cols, rows = parsed
    if not {"conn_state", "history"} <= cols:
        return False
    # Attribute rows to runs when several zeek runs wrote into one file.
    traces_in_order = [r.trace for r in c.runs]
    if len(set(traces_in_order)) > 1:
        if len(rows) != len(c.runs):
            return False  # cannot tell which row came from which run
        rows = [row for row, t in zip(rows, traces_in_order) if t == c.trace_rel]
        c.note = "one row per zeek run in a shared output file"
    c.cols = cols
    c.rows = rows
    problems = []
    for r in c.runs:
        if r.trace == c.trace_rel:
            problems += r.problems
    problems += c.test.script_problems(c.part)
    if c.part > 0:
        problems += c.test.script_problems(0)
    c.problems = sorted(set(problems))
    return True


def tcp_rows(c, corpus_path):
    """Return TCP rows with the 4-tuple filled in, plus a list of notes."""
    notes = []
    out = []
    has_tuple = {"orig_h", "orig_p", "resp_h", "resp_p"} <= c.cols
    flows = None
    for row in c.rows:
        proto = row.get("proto")
        if proto is not None and proto != "tcp":
            continue
        if proto is None or not has_tuple:
            if flows is None:
                flows = tcp_flows(corpus_path) if os.path.exists(corpus_path) else {}
            if proto is None and not flows:
                continue  # no plain TCP in the trace: cannot be a TCP row
        if not has_tuple:
            if len(flows) != 1:
                notes.append("baseline lacks the 4-tuple and the trace does not hold "
                             "exactly one plain TCP flow; row skipped")
                continue
            (oh, op, rh, rp), = flows.keys()
            # Without a flip ('^') the originator is the sender of the first
            # packet; each '^' swaps the roles.
            if row.get("history", "").count("^") % 2 == 1:
                oh, op, rh, rp = rh, rp, oh, op
            row = dict(row, orig_h=oh, orig_p=op, resp_h=rh, resp_p=rp)
            notes.append("4-tuple taken from the trace (baseline lists only "
                         "history/conn_state); originator = sender of first packet"
                         + (" (swapped: history has '^')" if "^" in row.get("history", "") else ""))
        out.append(row)
    return out, sorted(set(notes))


def row_key_list(rows):
    seen = collections.Counter()
    keyed = []
    for r in rows:
        k = (r.get("orig_h"), r.get("orig_p"), r.get("resp_h"), r.get("resp_p"))
        seen[k] += 1
        keyed.append(((k, seen[k]), (r.get("conn_state"), r.get("history"))))
    return keyed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("zeek_repo")
    ap.add_argument("corpus_dir")
    ap.add_argument("--rev")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "expected.tsv"))
    ap.add_argument("--runs", default=None,
                    help="per-trace run options of the chosen baselines "
                         "(default: baselines.tsv next to --out)")
    ap.add_argument("--notes")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    sources = read_sources(args.corpus_dir)
    commits = sorted({s.get("zeek_commit", "") for s in sources} - {""})
    rev = args.rev or (commits[0] if len(commits) == 1 else "HEAD")
    repo = Repo(args.zeek_repo, rev)
    if repo.rev is None:
        print("revision %s not found; using HEAD" % rev, file=sys.stderr)
        repo = Repo(args.zeek_repo, "HEAD")

    trace_by_rel = {}
    for s in sources:
        p = s["zeek_repo_path"]
        if p.startswith(TRACES_PREFIX):
            trace_by_rel[p[len(TRACES_PREFIX):]] = s["file"]

    cands = collect_candidates(repo, trace_by_rel.keys(), args.verbose)

    table = []
    runs_out = []
    notes = {"chosen": [], "skipped": [], "disagree": [], "rownotes": []}
    for rel, fname in sorted(trace_by_rel.items(), key=lambda kv: kv[1].lower()):
        usable = [c for c in cands.get(rel, []) if load_candidate(repo, c)]
        if not usable:
            why = ("no btest runs zeek on this trace" if rel not in cands else
                   "tests exist but none diffs a conn.log baseline with "
                   "conn_state and history for this trace")
            notes["skipped"].append((fname, why, sorted({c.baseline_path for c in cands.get(rel, [])})))
            continue
        usable.sort(key=rank_candidate)
        best = usable[0]
        if args.verbose:
            print("%s:" % fname, file=sys.stderr)
            for c in usable:
                print("   %s %s [%s]%s" % ("*" if c is best else " ", c.baseline_path,
                                         c.describe_mode(),
                                         (" non-default: " + ", ".join(c.problems)) if c.problems else ""),
                      file=sys.stderr)
        if best.problems:
            notes["skipped"].append((fname, "only baselines from tests with non-default "
                                     "settings: " + "; ".join(
                                         "%s (%s)" % (c.baseline_path, ", ".join(c.problems))
                                         for c in usable), []))
            continue
        trace_path = os.path.join(args.corpus_dir, fname)
        rows, rnotes = tcp_rows(best, trace_path)
        for n in rnotes:
            notes["rownotes"].append((fname, best.baseline_path, n))
        runs_out.append([fname, "yes" if best.run.bare else "no",
                         "yes" if best.run.ignore_checksums else "no",
                         best.test.path, best.baseline_path])
        for r in rows:
            table.append([fname, r["orig_h"], r["orig_p"], r["resp_h"], r["resp_p"],
                          r["conn_state"], r["history"], best.baseline_path])
        others = []
        best_keyed = dict(row_key_list(rows))
        for c in usable[1:]:
            crows, _ = tcp_rows(c, trace_path)
            ck = dict(row_key_list(crows))
            diffs = []
            for k in sorted(set(best_keyed) | set(ck), key=str):
                if k in best_keyed and k in ck and best_keyed[k] != ck[k]:
                    diffs.append("%s:%s -> %s:%s #%d: %s/%s vs %s/%s" % (
                        k[0][0], k[0][1], k[0][2], k[0][3], k[1],
                        best_keyed[k][0], best_keyed[k][1], ck[k][0], ck[k][1]))
            # A row present in both with originator and responder swapped.
            for k in sorted(set(best_keyed) - set(ck), key=str):
                rk = ((k[0][2], k[0][3], k[0][0], k[0][1]), k[1])
                if rk in ck and rk not in best_keyed:
                    diffs.append("%s:%s -> %s:%s #%d: %s/%s vs ROLES SWAPPED %s/%s" % (
                        k[0][0], k[0][1], k[0][2], k[0][3], k[1],
                        best_keyed[k][0], best_keyed[k][1], ck[rk][0], ck[rk][1]))
            swapped = len([d for d in diffs if "ROLES SWAPPED" in d])
            only_best = len(set(best_keyed) - set(ck)) - swapped
            only_other = len(set(ck) - set(best_keyed)) - swapped
            status = "agrees" if not diffs else "DISAGREES"
            if only_best or only_other:
                status += " (rows only in chosen: %d, only in other: %d)" % (only_best, only_other)
            others.append((c.baseline_path, c.describe_mode(), c.problems, status))
            if diffs:
                notes["disagree"].append((fname, best.baseline_path, c.baseline_path,
                                          c.describe_mode(), c.problems, diffs))
        notes["chosen"].append((fname, best.baseline_path, best.describe_mode(),
                                len(rows), others, best.note))
        if best.run.bare:
            for r in rows:
                h = r["history"]
                if not h.startswith("S"):
                    notes.setdefault("portsensitive", []).append(
                        (fname, r["orig_h"], r["orig_p"], r["resp_h"], r["resp_p"],
                         r["conn_state"], h))

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\t".join(OUT_COLUMNS) + "\n")
        for row in table:
            f.write("\t".join(row) + "\n")

    runs_path = args.runs or os.path.join(os.path.dirname(os.path.abspath(args.out)),
                                          "baselines.tsv")
    with open(runs_path, "w", encoding="utf-8") as f:
        f.write("file\tbare_mode\tignore_checksums\ttest\tbaseline\n")
        for row in runs_out:
            f.write("\t".join(row) + "\n")

    n_traces = len({r[0] for r in table})
    print("wrote %s: %d TCP rows from %d traces (zeek rev %s)" % (
        args.out, len(table), n_traces, repo.rev), file=sys.stderr)

    if args.notes:
        write_notes(args.notes, repo.rev, notes, table)


def write_notes(path, rev, notes, table):
    rows_per = collections.Counter(r[0] for r in table)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# build_expected.py report (zeek rev %s)\n\n" % rev)
        f.write("## Chosen baselines\n\n")
        for fname, bpath, mode, n, others, note in notes["chosen"]:
            f.write("- %s: %s [%s], %d TCP row(s)%s\n" % (
                fname, bpath, mode, rows_per.get(fname, 0), ("; " + note) if note else ""))
            for opath, omode, oprob, status in others:
                f.write("    - other: %s [%s]%s: %s\n" % (
                    opath, omode, (" NON-DEFAULT: " + ", ".join(oprob)) if oprob else "", status))
        f.write("\n## Skipped traces\n\n")
        for fname, why, paths in notes["skipped"]:
            f.write("- %s: %s%s\n" % (fname, why, (" (looked at: " + ", ".join(paths) + ")") if paths else ""))
        f.write("\n## Disagreements between baselines of the same trace\n\n")
        if not notes["disagree"]:
            f.write("(none)\n")
        for fname, b1, b2, mode, prob, diffs in notes["disagree"]:
            f.write("- %s: chosen %s vs %s [%s]%s\n" % (
                fname, b1, b2, mode, (" NON-DEFAULT: " + ", ".join(prob)) if prob else ""))
            for d in diffs:
                f.write("    - %s\n" % d)
        f.write("\n## Rows from bare-mode (-b) baselines whose first packet was not a pure SYN\n\n")
        f.write("Originator/responder for these rows came from Zeek's port heuristic, which\n"
                "uses likely_server_ports; in bare mode that set only holds the ports of the\n"
                "analyzers the test loaded, so a run with the full default scripts may swap\n"
                "the roles (and change '^', letter case and conn_state).\n\n")
        for t in notes.get("portsensitive", []):
            f.write("- %s: %s:%s -> %s:%s %s %s\n" % t)
        f.write("\n## Row notes\n\n")
        for fname, bpath, n in notes["rownotes"]:
            f.write("- %s (%s): %s\n" % (fname, bpath, n))


if __name__ == "__main__":
    main()
