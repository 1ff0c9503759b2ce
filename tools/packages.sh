#!/bin/sh
# The Debian packages tcpconn needs, in one place for tools/setup.sh,
# tools/test.sh, .ci/run and the Debian systems of the version tests
# (tools/debian-system), so that all of them install the same things.
#
# Usage: tools/packages.sh install GROUP...   installs what is missing (apt,
#                                             through sudo when not root)
#        tools/packages.sh list GROUP...      prints the names, one a line
# GROUP: setup     build the plugin and run the demo (tools/setup.sh)
#        test      the test suite (tools/test.sh), setup's packages included
#        versions  what tools/test.sh needs on top to run the suite on other
#                  Debian releases (their systems are made with mmdebstrap)
#        in-tree   build a tshark-only Wireshark from its source tree with
#                  tcpconn inside it (tools/in-tree-build.sh)
#        fuzz      clang's libFuzzer and coverage tools (tools/fuzz.sh); on
#                  this machine only, not in the Debian systems
#
# "a|b" names alternatives: the first one apt offers is installed. The
# Wireshark GUI is wireshark-qt up to Debian 12; from Debian 13 on it is
# wireshark, and wireshark-qt has no installation candidate any more (on
# Debian 12, wireshark is a metapackage that pulls in wireshark-qt).
set -eu

setup="build-essential cmake pkg-config libglib2.0-dev libwireshark-dev wireshark-dev tshark
bsdextrautils"
test="$setup python3 iproute2 nftables iputils-ping wireshark-qt|wireshark xvfb xdotool
imagemagick tesseract-ocr tesseract-ocr-eng fonts-dejavu-core valgrind"
versions="git mmdebstrap"
in_tree="build-essential cmake ninja-build pkg-config flex libglib2.0-dev libgcrypt20-dev
libc-ares-dev libpcre2-dev libpcap-dev libgnutls28-dev python3 perl"
fuzz="clang-14 libfuzzer-14-dev llvm-14 cmake"

usage() {
    echo "usage: $0 install|list setup|test|versions|in-tree|fuzz..." >&2
    exit 2
}

[ $# -ge 2 ] || usage
action=$1
shift
wanted=""
for group in "$@"; do
    case $group in
        setup) wanted="$wanted $setup" ;;
        test) wanted="$wanted $test" ;;
        versions) wanted="$wanted $versions" ;;
        in-tree) wanted="$wanted $in_tree" ;;
        fuzz) wanted="$wanted $fuzz" ;;
        *) usage ;;
    esac
done

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

# Is one of the alternatives in "a|b" installed?
present() {
    for p in $(echo "$1" | tr '|' ' '); do
        installed "$p" && return 0
    done
    return 1
}

# The first alternative in "a|b" that apt can install (after apt-get update).
candidate() {
    for p in $(echo "$1" | tr '|' ' '); do
        if apt-cache policy "$p" 2>/dev/null | grep -Eq '^ +Candidate: [^( ]'; then
            echo "$p"
            return 0
        fi
    done
    echo "none of $1 can be installed from the configured apt sources" >&2
    return 1
}

case $action in
    list)
        for p in $wanted; do echo "$p"; done
        ;;
    install)
        missing=""
        for p in $wanted; do
            present "$p" || missing="$missing $p"
        done
        [ -n "$missing" ] || exit 0
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update
        names=""
        for p in $missing; do
            names="$names $(candidate "$p")"
        done
        # shellcheck disable=SC2086 # one word per package
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $names
        ;;
    *) usage ;;
esac
