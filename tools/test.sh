#!/bin/sh
# Runs the whole tcpconn test suite: installs what the tests need (apt, with
# sudo when not root), builds with warnings as errors, and runs ctest. The
# output ends with ctest's summary; the exit status is ctest's.
set -eu
cd "$(dirname "$0")/.."

packages="build-essential cmake pkg-config libglib2.0-dev libwireshark-dev wireshark-dev \
tshark bsdextrautils python3 iproute2 nftables iputils-ping \
wireshark-qt xvfb xdotool imagemagick tesseract-ocr tesseract-ocr-eng fonts-dejavu-core valgrind"
if ! dpkg -s $packages >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPCONN_WERROR=ON -DBUILD_TESTING=ON
cmake --build build -j "$(nproc)"
exec ctest --test-dir build --output-on-failure
