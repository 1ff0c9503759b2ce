#!/usr/bin/python3
"""Lists the labelled attempts that wait for an answer (no-answer, half-open, stale-connection, or any
reason given with --reasons) whose last packet lies within 1 s of their capture's last frame: by the
capture-ended rule tcpconn gives those attempts capture-ended instead.

Usage: check-capture-end.py [--reasons R,R,...] [--window SECONDS] FOLDER [FOLDER...]
       (each FOLDER holds captures and their labels.tsv; default: real/ and crafted/ next to this script)

Only tshark's own fields are used: the last frame.time_epoch of each tcp.stream (its ICMP errors count
through the tcp.stream of the segment they quote) against the file's last frame, whatever its protocol.
When several attempts share one tcp.stream (ports reused), the stream's last packet is the last one's.
Exit status 1 when something is listed.
"""
import argparse
import csv
import os
import subprocess
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))


def endpoint(addr, port):
    return "[%s]:%s" % (addr, port) if ":" in addr else "%s:%s" % (addr, port)


def streams(path):
    """tcp.stream -> (set of 'a:p' endpoints, last frame time); and the file's last frame time."""
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
         "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
         "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    by_stream = {}
    last = None
    for line in out.splitlines():
        f = (line.split("\t") + [""] * 8)[:8]
        t = Decimal(f[0])
        last = t if last is None or t > last else last
        if not f[1]:
            continue
        s = by_stream.setdefault(int(f[1]), [set(), t])
        src, dst = f[2] or f[3], f[5] or f[6]
        if src and f[4]:
            s[0].add(endpoint(src, f[4]))
        if dst and f[7]:
            s[0].add(endpoint(dst, f[7]))
        s[1] = max(s[1], t)
    return by_stream, last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reasons", default="no-answer,half-open,stale-connection")
    ap.add_argument("--window", type=Decimal, default=Decimal(1))
    ap.add_argument("folders", nargs="*", default=[os.path.join(HERE, "real"), os.path.join(HERE, "crafted")])
    a = ap.parse_args()
    reasons = set(a.reasons.split(","))
    listed = 0
    for folder in a.folders:
        with open(os.path.join(folder, "labels.tsv"), newline="") as fh:
            labels = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        cache = {}
        for lab in labels:
            if lab["reason"] not in reasons:
                continue
            path = os.path.join(folder, lab["file"])
            if path not in cache:
                cache[path] = streams(path)
            by_stream, last = cache[path]
            mine = [t for eps, t in by_stream.values() if {lab["client"], lab["server"]} <= eps]
            if not mine:
                print("%s\t%s\t%s\t%s\tno tcp.stream found" % (lab["file"], lab["client"], lab["server"],
                                                                lab["reason"]))
                listed += 1
                continue
            gap = last - max(mine)
            if gap < a.window:
                print("%s/%s\t%s\t%s\t%s\tlast packet %.3fs before the last frame" % (
                    os.path.basename(folder.rstrip("/")), lab["file"], lab["client"], lab["server"],
                    lab["reason"], gap))
                listed += 1
    return 1 if listed else 0


if __name__ == "__main__":
    sys.exit(main())
