#!/bin/sh
# Runs the whole tcpconn test suite on this machine's Wireshark, then again on
# the Wireshark of Debian 13 (trixie) and of Debian unstable (sid), each inside
# a minimal Debian system made with mmdebstrap and cached
# (tools/debian-system), and runs the README's first command, tools/setup.sh,
# on a fresh Debian 12, 13 and unstable. It installs what it needs (apt, with
# sudo when not root) and builds with warnings as errors. The output ends with
# ctest's summary over every version; the exit status is ctest's. The short
# fuzz run (tools/fuzz.sh) needs clang 14 and libFuzzer: they are installed on
# this machine only, so the Debian systems (which run --only host) skip it.
#
# Usage: tools/test.sh [--only WHAT[,WHAT...]]   (or TCPCONN_TEST_ONLY=WHAT,...)
#   host            this machine's Wireshark only: build and run the suite
#                   (this is also what runs inside each Debian system)
#   4.0, bookworm   this machine's suite, and setup.sh on a fresh Debian 12
#   4.4, trixie     the suite and setup.sh on Debian 13
#   4.6, sid        the suite and setup.sh on Debian unstable
set -eu
cd "$(dirname "$0")/.."

usage() {
    echo "usage: $0 [--only host|4.0|4.4|4.6|bookworm|trixie|sid[,...]]" >&2
    exit 2
}

only=${TCPCONN_TEST_ONLY:-all}
while [ $# -gt 0 ]; do
    case $1 in
        --only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
        --only=*) only=${1#--only=}; shift ;;
        *) usage ;;
    esac
done

targets=""
for what in $(echo "$only" | tr ',' ' '); do
    case $what in
        all) targets="$targets host bookworm trixie sid" ;;
        host) targets="$targets host" ;;
        4.0 | bookworm | debian12) targets="$targets host bookworm" ;;
        4.4 | trixie | debian13) targets="$targets trixie" ;;
        4.6 | sid | unstable) targets="$targets sid" ;;
        *) usage ;;
    esac
done
# Each once, in this order.
wanted=""
for t in host bookworm trixie sid; do
    case " $targets " in *" $t "*) wanted="$wanted $t" ;; esac
done

build_here() {
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPCONN_WERROR=ON -DBUILD_TESTING=ON
    cmake --build build -j "$(nproc)"
}

if [ "$wanted" = " host" ]; then
    tools/packages.sh install test
    build_here
    exec ctest --test-dir build --output-on-failure
fi

tools/packages.sh install test versions fuzz
start=$(date +%s)
case $wanted in *host*)
    build_here
    echo "Built on this machine in $(($(date +%s) - start)) s"
    ;;
esac

# The Debian systems, made or taken from the cache; each says how long it
# took. One that cannot be made fails its tests below, with the reason.
echo
echo "Debian systems (cached in ${TCPCONN_SYSTEMS_CACHE:-/var/cache/tcpconn-systems}):"
for suite in bookworm trixie sid; do
    case $wanted in *$suite*)
        tools/debian-system prepare --pristine "$suite" || true
        [ "$suite" = bookworm ] || tools/debian-system prepare "$suite" || true
        ;;
    esac
done
echo

targets_list=$(echo $wanted | tr ' ' ';')
cmake -S tests/versions -B build/versions -DTCPCONN_TARGETS="$targets_list" \
    -DTCPCONN_HOST_BUILD="$PWD/build" >/dev/null
# -V: each version's own ctest summary is printed, above the one over all.
exec ctest --test-dir build/versions -V
