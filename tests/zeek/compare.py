#!/usr/bin/python3
"""How often tcpconn.conn_state and tcpconn.history agree with Zeek.

Runs tshark with the plugin (Zeek view on) over the Zeek test traces and
compares each connection with what Zeek itself logged for it (expected.tsv,
from Zeek's public test baselines; see README.md here).

    tests/zeek/compare.py [--corpus DIR] [--plugin build/plugin/tcpconn.so]
                          [--min-state 98] [--min-history 95] [--min-compared 85]

Connections are paired by their two endpoints, in order of appearance. Where
Zeek and Wireshark split a 4-tuple into a different number of connections,
the extra ones on either side are left out of the comparison and counted,
with the reason. The exit status is 77 when the corpus is not there (ctest:
skipped), 1 when agreement is below the minimums,
or when fewer of Zeek's rows than --min-compared percent were compared at
all (a trace or an address family tcpconn does not follow leaves its rows
out, which the agreement figures alone would not show).
"""
import argparse
import collections
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tshark_run  # noqa: E402

FIELDS = ["frame.number", "tcpconn.stream", "tcpconn.attempt", "tcpconn.client",
          "tcpconn.server", "tcpconn.conn_state", "tcpconn.history"]

# Traces whose tunnels Wireshark does not take apart by itself: Teredo's
# heuristic is off by default.
DECODE_AS = {
    "Teredo.pcap": ["-o", "teredo.heuristic_teredo:TRUE"],
    "teredo_bubble_with_payload.pcap": ["-o", "teredo.heuristic_teredo:TRUE"],
}


def endpoint(address, port):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def ours(trace, ignore_checksums):
    """One row per connection attempt: its endpoints, conn_state, history."""
    extra = ["-o", "tcpconn.zeek:TRUE",
             "-o", f"tcpconn.zeek_checksums:{'FALSE' if ignore_checksums else 'TRUE'}"]
    extra += DECODE_AS.get(os.path.basename(trace), [])
    rows = tshark_run.fields(trace, FIELDS, two_pass=True, extra=extra)
    attempts = collections.OrderedDict()
    for r in rows:
        if not r["tcpconn.stream"]:
            continue
        key = (r["tcpconn.stream"], r["tcpconn.attempt"])
        attempts.setdefault(key, r)  # every packet carries the same final values
    return list(attempts.values())


def compare(corpus, expected_rows, baselines):
    by_trace = collections.OrderedDict()
    for row in expected_rows:
        by_trace.setdefault(row["file"], []).append(row)
    settings = {b["file"]: b for b in baselines}

    result = dict(pairs=0, state_ok=0, history_ok=0, left_zeek=0, left_ours=0,
                  disagreements=[], left_out=[])
    for trace, rows in by_trace.items():
        ignore = settings.get(trace, {}).get("ignore_checksums") == "yes"
        mine = ours(os.path.join(corpus, trace), ignore)
        mine_by_pair = collections.defaultdict(list)
        for m in mine:
            mine_by_pair[frozenset((m["tcpconn.client"], m["tcpconn.server"]))].append(m)
        zeek_by_pair = collections.defaultdict(list)
        for z in rows:
            pair = frozenset((endpoint(z["orig_h"], z["orig_p"]),
                              endpoint(z["resp_h"], z["resp_p"])))
            zeek_by_pair[pair].append(z)
        for pair in list(zeek_by_pair) + [p for p in mine_by_pair if p not in zeek_by_pair]:
            zs, ms = zeek_by_pair.get(pair, []), mine_by_pair.get(pair, [])
            for z, m in zip(zs, ms):
                result["pairs"] += 1
                state_ok = z["conn_state"] == m["tcpconn.conn_state"]
                history_ok = z["history"] == (m["tcpconn.history"] or "-")
                result["state_ok"] += state_ok
                result["history_ok"] += history_ok
                if not (state_ok and history_ok):
                    result["disagreements"].append(
                        (trace, " ".join(sorted(pair)), z["conn_state"], z["history"],
                         m["tcpconn.conn_state"], m["tcpconn.history"]))
            if len(zs) != len(ms):
                result["left_zeek"] += max(0, len(zs) - len(ms))
                result["left_ours"] += max(0, len(ms) - len(zs))
                result["left_out"].append((trace, " ".join(sorted(pair)), len(zs), len(ms)))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "shared", "corpus", "zeek"))
    parser.add_argument("--plugin", default=os.environ.get(
        "TCPCONN_PLUGIN", os.path.join(tshark_run.REPO, "build", "plugin", "tcpconn.so")))
    parser.add_argument("--min-state", type=float, default=0)
    parser.add_argument("--min-history", type=float, default=0)
    parser.add_argument("--min-compared", type=float, default=0,
                        help="percent of Zeek's rows that must be paired with a tcpconn attempt")
    args = parser.parse_args()
    os.environ["TCPCONN_PLUGIN"] = os.path.abspath(args.plugin)
    if not os.path.isfile(os.path.join(args.corpus, "SOURCES.tsv")):
        print(f"No Zeek traces in {args.corpus} (SOURCES.tsv): nothing compared, skipped",
              file=sys.stderr)
        return 77

    r = compare(os.path.abspath(args.corpus), read_tsv(os.path.join(HERE, "expected.tsv")),
                read_tsv(os.path.join(HERE, "baselines.tsv")))
    n = r["pairs"]
    zeek_rows = n + r["left_zeek"]
    compared = 100.0 * n / zeek_rows if zeek_rows else 0.0
    state = 100.0 * r["state_ok"] / n if n else 0.0
    history = 100.0 * r["history_ok"] / n if n else 0.0
    print("Disagreements (trace, endpoints, Zeek conn_state/history, tcpconn conn_state/history):")
    for d in r["disagreements"]:
        print("  %s  %s  zeek %s %s  tcpconn %s %s" % d)
    print("Left out (trace, endpoints, connections in Zeek, in tcpconn):")
    for l in r["left_out"]:
        print("  %s  %s  %d %d" % l)
    print(f"compared pairs: {n}; left out: {r['left_zeek']} Zeek rows, "
          f"{r['left_ours']} tcpconn attempts")
    print(f"conn_state agreement: {r['state_ok']}/{n} = {state:.1f}%")
    print(f"history agreement:    {r['history_ok']}/{n} = {history:.1f}%")
    print(f"Zeek rows compared:   {n}/{zeek_rows} = {compared:.1f}%")
    ok = (n > 0 and state >= args.min_state and history >= args.min_history
          and compared >= args.min_compared)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
