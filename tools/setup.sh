#!/bin/sh
# One command on a fresh Debian 12 machine: install what tcpconn needs, build
# it, install the plugin, and report the failed connection attempts in the
# bundled capture.
#
# The plugin goes to your personal plugin folder
# (~/.local/lib/wireshark/plugins/4.0/epan), or to the global one when run as
# root, because Wireshark ignores personal plugins when it runs as root.
set -eu
cd "$(dirname "$0")/.."

packages="build-essential cmake pkg-config libglib2.0-dev libwireshark-dev wireshark-dev tshark \
bsdextrautils"
if ! dpkg -s $packages >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF
cmake --build build -j "$(nproc)"
cmake --install build
# The "tcpconn" Wireshark profile (colouring rules, columns, filter button);
# never overwrites one you have changed.
tools/install-profile.sh

echo
tools/tcpconn-report captures/real/seed-burst.pcap
