#!/bin/sh
# Builds tcpconn inside a Wireshark source tree, as a custom plugin, the way
# Wireshark documents for platforms without development packages (Windows,
# macOS), and checks it: a tshark-only Wireshark is built from that tree with
# tcpconn in it, and that tshark reads every crafted capture against its
# labels (tests/test_captures.py).
#
# Usage: tools/in-tree-build.sh WIRESHARK_SOURCE [BUILD_DIR]
#   WIRESHARK_SOURCE  an unpacked Wireshark source tree: a release tarball
#                     from wireshark.org, or a git checkout at a release tag
#   BUILD_DIR         where to build (default: WIRESHARK_SOURCE/build-tcpconn)
#
# The only change made to the source tree is the one Wireshark's
# doc/README.plugins describes for a custom plugin: this repository's plugin/
# folder is copied to plugins/epan/tcpconn, and CMake is given
# -DCUSTOM_PLUGIN_SRC_DIR=plugins/epan/tcpconn. Build packages are installed
# with apt (tools/packages.sh in-tree; through sudo when not root).
#
# Not part of tools/test.sh: building libwireshark takes most of an hour on
# two cores. docs/other-platforms.md has the time and result of a run.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || {
    sed -n '8,12p' "$0" >&2
    exit 2
}
WS=$(cd "$1" && pwd)
BUILD=${2:-$WS/build-tcpconn}
[ -f "$WS/CMakeListsCustom.txt.example" ] || {
    echo "$WS does not look like a Wireshark source tree" >&2
    exit 2
}
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)

sh "$REPO/tools/packages.sh" install in-tree

# The custom plugin: plugin/ copied into the tree (Windows has no symlinks
# to rely on, so a copy is what every platform gets).
rm -rf "$WS/plugins/epan/tcpconn"
cp -r "$REPO/plugin" "$WS/plugins/epan/tcpconn"

# tshark only, without the GUI and the other programs, and unoptimized (-O0):
# the point is to build and run the plugin, and this halves the build time.
# Options a release does not have are ignored by CMake (BUILD_logray is
# 4.4's name for what 4.6 calls BUILD_stratoshark). GnuTLS stays on:
# 4.4.0's epan/secrets.c does not compile without it where p11-kit is found.
cmake -S "$WS" -B "$BUILD" -G Ninja \
    -DCUSTOM_PLUGIN_SRC_DIR=plugins/epan/tcpconn \
    -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS=-O0 -DCMAKE_CXX_FLAGS=-O0 \
    -DENABLE_WERROR=OFF -DBUILD_wireshark=OFF -DBUILD_logray=OFF -DBUILD_stratoshark=OFF \
    -DENABLE_GNUTLS=ON -DENABLE_LUA=OFF -DENABLE_SMI=OFF -DENABLE_KERBEROS=OFF \
    -DENABLE_NGHTTP2=OFF -DENABLE_NGHTTP3=OFF -DENABLE_LIBXML2=OFF -DENABLE_SBC=OFF \
    -DENABLE_SPANDSP=OFF -DENABLE_BCG729=OFF -DENABLE_AMRNB=OFF -DENABLE_ILBC=OFF \
    -DENABLE_OPUS=OFF -DENABLE_SINSP=OFF -DBUILD_sharkd=OFF -DBUILD_dumpcap=OFF \
    -DBUILD_androiddump=OFF -DBUILD_sshdump=OFF -DBUILD_ciscodump=OFF -DBUILD_wifidump=OFF \
    -DBUILD_udpdump=OFF -DBUILD_randpktdump=OFF -DBUILD_etwdump=OFF -DBUILD_sdjournal=OFF \
    -DBUILD_mmdbresolve=OFF -DBUILD_fuzzshark=OFF -DBUILD_dpauxmon=OFF
cmake --build "$BUILD" --target tshark tcpconn -j "$JOBS"
built=$(date +%s)

# Wireshark names the plugin folder after its release (4.4, 4.6, ...).
plugin=$(find "$BUILD/run" -path '*/epan/tcpconn.so' | head -n 1)
[ -n "$plugin" ] || {
    echo "tcpconn.so was not built" >&2
    exit 1
}
echo "== built $plugin"
"$BUILD/run/tshark" --version | head -n 1

# The in-tree tshark first on the PATH; tests/tshark_run.py gives it the
# plugin in a personal plugin folder (as nobody when run as root), so the
# build folder must be readable by everyone.
chmod -R a+rX "$BUILD/run"
PATH="$BUILD/run:$PATH" TCPCONN_PLUGIN="$plugin" \
    TCPCONN_PLUGIN_SUBDIR="$(basename "$(dirname "$(dirname "$plugin")")")" \
    PYTHONDONTWRITEBYTECODE=1 \
    python3 "$REPO/tests/test_captures.py" "$REPO/captures/crafted"
end=$(date +%s)
echo "== in-tree build: $(((built - start) / 60)) min to build, $((end - built)) s to check"
