#!/usr/bin/python3
"""Names of the systems the version tests run on, for test names and
headers: `systems.py describe TARGET` prints, for example,
"Wireshark 4.4.19 on Debian 13 (trixie)"; `systems.py system TARGET`
only "Debian 13 (trixie)".

TARGET: host (this machine, its own Wireshark) or a Debian suite of
tools/debian-system (bookworm, trixie, sid), whose Wireshark is the one in
its cached test system.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.environ.get("TCPCONN_VERSIONS_OUTPUT", os.path.join(REPO, "build", "versions", "out"))

DEBIAN = {"bookworm": "Debian 12", "trixie": "Debian 13", "sid": "Debian unstable"}
# Whose Wireshark is the current upstream series (4.6), which Windows and
# macOS users get: the README's screenshots are made on it.
NEWEST = "sid"


def host_wireshark():
    try:
        out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return None
    m = re.search(r"\(Wireshark\) (\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def host_system():
    try:
        with open("/etc/os-release") as f:
            info = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    except OSError:
        return "this machine"
    name = info.get("NAME", "Linux").strip('"').replace(" GNU/Linux", "")
    version = info.get("VERSION_ID", "").strip('"')
    return f"{name} {version} (this machine)".replace("  ", " ")


def suite_wireshark(suite):
    p = subprocess.run([os.path.join(REPO, "tools", "debian-system"), "version", suite],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def system(target):
    return host_system() if target == "host" else f"{DEBIAN.get(target, 'Debian')} ({target})"


def describe(target):
    if target == "host":
        ws, system = host_wireshark(), host_system()
    else:
        ws, system = suite_wireshark(target), f"{DEBIAN.get(target, 'Debian')} ({target})"
    return f"Wireshark {ws} on {system}" if ws else system


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("describe", "system"):
        sys.exit(__doc__)
    print(describe(sys.argv[2]) if sys.argv[1] == "describe" else system(sys.argv[2]))
