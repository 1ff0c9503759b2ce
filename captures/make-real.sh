#!/bin/bash
# Regenerate captures/real/: REAL captures of the Linux kernel's own TCP stack, one per scenario, plus
# captures/real/labels.tsv (file, client, server, reason, note -- one row per connection attempt).
#
# Each scenario runs in its own network namespaces (client, server, and a router where needed) joined by
# veth pairs, with addresses from the documentation ranges only (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32).  Real kernel sockets (realgen/peer.py), nft rules, tc/htb pacing and
# sysctls produce the behaviour; tcpdump captures inside the client namespace; every capture is then
# sanity-checked with tshark and labelled from its own packets (realgen/classify.py, scapy).
#
# Needs root and Debian packages only: iproute2 nftables tcpdump tshark python3-scapy (/usr/bin/python3).
# Usage: captures/make-real.sh [--jobs N] [--only NAME...] [--list]
#   --only runs a subset into a scratch directory and leaves captures/real/ alone.
# Environment: REALGEN_TIMEOUT (seconds, default 300) bounds the whole run.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/real"
PREFIX="tcr$$"
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1   # keep realgen/ free of __pycache__
START=$(date +%s.%N)

die() { echo "make-real.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for t in ip nft tc tcpdump tshark timeout; do
    command -v "$t" >/dev/null || die "missing '$t' (apt-get install iproute2 nftables tcpdump tshark coreutils)"
done
"$PY" -c 'import scapy.all' 2>/dev/null || die "missing python3-scapy for $PY (apt-get install python3-scapy)"

ours() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-" || true; }

cleanup() {
    local ns pid
    for ns in $(ours "$PREFIX"); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
}
CHILD=
on_signal() {   # forward to the generator (it tears its namespaces down itself), then let EXIT clean up
    echo "make-real.sh: $2, stopping" >&2
    [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130 interrupted' INT
trap 'on_signal 143 terminated' TERM

# namespaces left behind by an earlier run of this script that was killed hard (tcr<pid>-..., pid gone)
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^tcr[0-9]+-' || true); do
    pid=${ns%%-*}; pid=${pid#tcr}
    if ! kill -0 "$pid" 2>/dev/null; then
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    fi
done

# run in the background and `wait`, so that INT/TERM traps fire at once
timeout -k 10 "${REALGEN_TIMEOUT:-300}" "$PY" "$HERE/realgen/realgen.py" --prefix "$PREFIX" --out "$OUT" "$@" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=
[ $rc = 124 ] && echo "make-real.sh: timed out after ${REALGEN_TIMEOUT:-300}s" >&2
END=$(date +%s.%N)
printf "make-real.sh: total run time %ss, exit %d\n" "$("$PY" -c "print(round($END - $START, 1))")" "$rc"
exit $rc
