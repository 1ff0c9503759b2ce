#!/bin/bash
# Regenerate captures/real/: REAL captures of the Linux kernel's own TCP stack, one per scenario, plus
# captures/real/labels.tsv (file, client, server, reason, note -- one row per connection attempt), and for
# the name scenarios (DNS, then curl's fallbacks) captures/real/connects.tsv (file, connect, name, attempts,
# outcome, via, note -- one row per connect, from what curl reported).
#
# Each scenario runs in its own network namespaces (client, server, and a router where needed) joined by
# veth pairs, with addresses from the documentation ranges only (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32).  Real kernel sockets (realgen/peer.py), nft rules, tc/htb pacing and
# sysctls produce the behaviour; tcpdump captures inside the client namespace; every capture is then
# sanity-checked with tshark and labelled from its own packets (realgen/classify.py, scapy).
#
# Handshake-only views: for the scenarios listed in realgen.py's VIEW_OF, NAME.pcap also gets
#   NAME.synfinrst.pcap  what the capture filter 'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0' keeps
#   NAME.synonly.pcap    what the capture filter 'tcp[tcpflags] & tcp-syn != 0' keeps
# made offline with `tcpdump -r NAME.pcap -w VIEW FILTER` (deterministic).  libpcap's tcp[] matches IPv4
# only, so each filter carries its IPv6 form too: (ip6[6] == 6 and ip6[53] & FLAGS != 0).  The views are
# labelled from their own packets like every capture; "the capture's last frame" is their last kept frame.
#
# Labels follow tcpconn's outcome rules (capture-ended, ack-not-captured, stale-connection, same-ISN
# retries, retransmissions as evidence): a scenario that waits for an answer lets the capture go on
# afterwards (a ping, whose echo request and reply the capture keeps) so that its last packet is not
# within 1s of the capture's end, unless the scenario is about the capture stopping.
#
# Needs root and Debian packages only: iproute2 nftables tcpdump tshark python3-scapy (/usr/bin/python3);
# the name scenarios also dnsmasq-base and curl.
# Usage: captures/make-real.sh [--jobs N] [--only NAME... [--install]] [--views] [--check] [--list]
#   (none)      every scenario; captures/real/ and its labels.tsv are replaced
#   --only      a subset (a scenario's name: success-v4, its base name: success, or a substring), into a
#               scratch directory; captures/real/ is left alone
#   --install   with --only: the subset's captures and views replace their own files and labels.tsv (and
#               connects.tsv) rows in captures/real/, everything else stays (add a new scenario without
#               regenerating the others)
#   --views     only make the views again from the full captures in captures/real/ (no namespaces, no root)
#   --check     only label every capture of captures/real/ again and compare with labels.tsv, and check that
#               connects.tsv puts every labelled attempt of its files in one connect (no root)
#   --list      the scenarios and which ones get views
# Environment: REALGEN_TIMEOUT (seconds, default 600) bounds the whole run.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/real"
PREFIX="tcr$$"
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1   # keep realgen/ free of __pycache__
START=$(date +%s.%N)

die() { echo "make-real.sh: $*" >&2; exit 2; }
case " $* " in
    *" --check "*|*" --views "*|*" --list "*)    # offline: no namespaces
        exec "$PY" "$HERE/realgen/realgen.py" --out "$OUT" "$@" ;;
esac
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
timeout -k 10 "${REALGEN_TIMEOUT:-600}" "$PY" "$HERE/realgen/realgen.py" --prefix "$PREFIX" --out "$OUT" "$@" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=
[ $rc = 124 ] && echo "make-real.sh: timed out after ${REALGEN_TIMEOUT:-600}s" >&2
END=$(date +%s.%N)
printf "make-real.sh: total run time %ss, exit %d\n" "$("$PY" -c "print(round($END - $START, 1))")" "$rc"
exit $rc
