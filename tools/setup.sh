#!/bin/sh
# One command on a fresh Debian machine (12, 13 or unstable): install what
# tcpconn needs, build it, install the plugin, and report the failed
# connection attempts in the bundled capture.
#
# The plugin goes to your personal plugin folder
# (~/.local/lib/wireshark/plugins/<the Wireshark release>/epan), or to the
# global one when run as root, because Wireshark ignores personal plugins
# when it runs as root.
set -eu
cd "$(dirname "$0")/.."

tools/packages.sh install setup

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF
cmake --build build -j "$(nproc)"
cmake --install build
# The "tcpconn" Wireshark profile (colouring rules, columns, filter button);
# never overwrites one you have changed.
tools/install-profile.sh

echo
tools/tcpconn-report captures/real/seed-burst.pcap
